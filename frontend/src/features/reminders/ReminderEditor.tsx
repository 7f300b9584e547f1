import { OFFSET_CHOICES, describeOffset, type ReminderDraft } from './reminders';

interface Props {
  value: ReminderDraft[];
  onChange: (value: ReminderDraft[]) => void;
  hasDue: boolean;
  defaultDate: string;
}

/** Reminders: relative ("15 minutes before") needs a due time; absolute ones stand alone. */
export function ReminderEditor({ value, onChange, hasDue, defaultDate }: Props) {
  const set = (index: number, next: ReminderDraft) => onChange(value.map((r, i) => (i === index ? next : r)));
  const remove = (index: number) => onChange(value.filter((_, i) => i !== index));
  return (
    <fieldset className="space-y-2">
      <legend className="label">Reminders</legend>
      {value.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No reminders.</p>}
      <ul className="space-y-2">
        {value.map((r, i) => (
          <li key={i} className="flex flex-wrap items-center gap-2">
            {r.kind === 'offset' ? (
              <select
                className="input w-auto"
                aria-label={`Reminder ${i + 1}`}
                value={r.minutes}
                onChange={(e) => set(i, { kind: 'offset', minutes: Number(e.target.value) })}
              >
                {!OFFSET_CHOICES.some((c) => c.minutes === r.minutes) && (
                  <option value={r.minutes}>{describeOffset(r.minutes)}</option>
                )}
                {OFFSET_CHOICES.map((c) => (
                  <option key={c.minutes} value={c.minutes}>
                    {c.label}
                  </option>
                ))}
              </select>
            ) : (
              <>
                <input
                  type="date"
                  className="input w-auto"
                  aria-label={`Reminder ${i + 1} date`}
                  value={r.date}
                  onChange={(e) => set(i, { ...r, date: e.target.value })}
                />
                <input
                  type="time"
                  className="input w-auto"
                  aria-label={`Reminder ${i + 1} time`}
                  value={r.time}
                  onChange={(e) => set(i, { ...r, time: e.target.value })}
                />
              </>
            )}
            <button type="button" className="btn" aria-label={`Remove reminder ${i + 1}`} onClick={() => remove(i)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className="btn"
          disabled={!hasDue}
          title={hasDue ? undefined : 'Set a due date first'}
          onClick={() => onChange([...value, { kind: 'offset', minutes: 15 }])}
        >
          + Before due
        </button>
        <button
          type="button"
          className="btn"
          onClick={() => onChange([...value, { kind: 'at', date: defaultDate, time: '09:00' }])}
        >
          + At a time
        </button>
      </div>
    </fieldset>
  );
}
