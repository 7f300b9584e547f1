import { useEffect, useId, useState } from 'react';
import type { RecurrenceIn } from '../../api/types';
import {
  WEEKDAYS,
  defaultPreset,
  describeRrule,
  presetToRrule,
  rruleToPreset,
  weekdayName,
  type Preset,
  type PresetKind,
} from './rrule';

const KINDS: { value: PresetKind | 'none' | 'custom'; label: string }[] = [
  { value: 'none', label: 'Does not repeat' },
  { value: 'daily', label: 'Daily / every N days' },
  { value: 'weekdays', label: 'Every weekday' },
  { value: 'weekly', label: 'Weekly on chosen days' },
  { value: 'monthly', label: 'Monthly' },
  { value: 'yearly', label: 'Yearly' },
  { value: 'custom', label: 'Custom RRULE' },
];
const UNIT: Record<string, string> = { daily: 'day', weekly: 'week', monthly: 'month', yearly: 'year' };

interface Props {
  value: RecurrenceIn | null;
  onChange: (value: RecurrenceIn | null) => void;
}

/** Presets → RRULE, with the rule shown as text and in words. */
export function RecurrenceEditor({ value, onChange }: Props) {
  const id = useId();
  const preset = value ? rruleToPreset(value.rrule) : null;
  const kind = !value ? 'none' : preset ? preset.kind : 'custom';
  const from = value?.from ?? 'due';

  const setPreset = (next: Preset) => onChange({ rrule: presetToRrule(next), from });
  const onKind = (next: string) => {
    if (next === 'none') return onChange(null);
    if (next === 'custom') return onChange({ rrule: value?.rrule ?? 'FREQ=DAILY', from });
    const interval = preset && 'interval' in preset ? preset.interval : 1;
    setPreset(defaultPreset(next as PresetKind, interval));
  };

  return (
    <fieldset className="space-y-2">
      <legend className="label">Repeat</legend>
      <select id={`${id}-kind`} aria-label="Repeat" className="input" value={kind} onChange={(e) => onKind(e.target.value)}>
        {KINDS.map((k) => (
          <option key={k.value} value={k.value}>
            {k.label}
          </option>
        ))}
      </select>

      {preset && 'interval' in preset && (
        <label className="flex items-center gap-2 text-sm">
          every
          <IntervalInput value={preset.interval} onChange={(interval) => setPreset({ ...preset, interval })} />
          {UNIT[preset.kind]}
          {preset.interval === 1 ? '' : 's'}
        </label>
      )}

      {preset?.kind === 'weekly' && (
        <div role="group" aria-label="Days of the week" className="flex flex-wrap gap-1">
          {WEEKDAYS.map((day) => {
            const on = preset.days.includes(day);
            return (
              <button
                key={day}
                type="button"
                aria-pressed={on}
                className={`chip ${on ? 'chip-on' : ''}`}
                onClick={() =>
                  setPreset({ ...preset, days: on ? preset.days.filter((d) => d !== day) : [...preset.days, day] })
                }
              >
                {weekdayName(day)}
              </button>
            );
          })}
        </div>
      )}

      {preset?.kind === 'monthly' && (
        <label className="flex items-center gap-2 text-sm">
          on
          <select
            className="input"
            aria-label="Day of the month"
            value={preset.day === null ? '' : String(preset.day)}
            onChange={(e) => {
              const v = e.target.value;
              setPreset({ ...preset, day: v === '' ? null : v === 'last' ? 'last' : Number(v) });
            }}
          >
            <option value="">the due date's day</option>
            <option value="last">the last day</option>
            {Array.from({ length: 31 }, (_, i) => (
              <option key={i + 1} value={i + 1}>
                day {i + 1}
              </option>
            ))}
          </select>
        </label>
      )}

      {kind === 'custom' && value && (
        <label className="block text-sm">
          RRULE
          <input
            className="input mt-1 font-mono"
            value={value.rrule}
            onChange={(e) => onChange({ rrule: e.target.value, from })}
            spellCheck={false}
          />
        </label>
      )}

      {value && (
        <>
          <label className="flex items-center gap-2 text-sm">
            next one counts from
            <select
              className="input w-auto"
              value={from}
              onChange={(e) => onChange({ rrule: value.rrule, from: e.target.value as RecurrenceIn['from'] })}
            >
              <option value="due">the due date</option>
              <option value="completion">when I complete it</option>
            </select>
          </label>
          <p className="text-sm text-slate-600 dark:text-slate-300" data-testid="rrule-words">
            Repeats {describeRrule(value.rrule)}{' '}
            <code className="rounded bg-slate-100 px-1 text-xs dark:bg-slate-800" data-testid="rrule-code">
              {value.rrule}
            </code>
          </p>
        </>
      )}
    </fieldset>
  );
}

/** A number field that may be empty while typing; commits whole numbers ≥ 1. */
function IntervalInput({ value, onChange }: { value: number; onChange: (value: number) => void }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText((t) => (Number(t) === value ? t : String(value))), [value]);
  return (
    <input
      type="number"
      min={1}
      max={999}
      className="input w-20"
      aria-label="Interval"
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        const n = Number(e.target.value);
        if (Number.isInteger(n) && n >= 1 && n <= 999) onChange(n);
      }}
      onBlur={() => setText(String(value))}
    />
  );
}
