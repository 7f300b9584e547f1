// RRULE ↔ editor presets ↔ words. Pure functions; the editor and the list both use them.

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
const DAY_NAMES: Record<Weekday, string> = {
  MO: 'Mon',
  TU: 'Tue',
  WE: 'Wed',
  TH: 'Thu',
  FR: 'Fri',
  SA: 'Sat',
  SU: 'Sun',
};
const DAY_LONG: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WORK_WEEK = 'MO,TU,WE,TH,FR';

export type Preset =
  | { kind: 'daily'; interval: number }
  | { kind: 'weekdays' }
  | { kind: 'weekly'; interval: number; days: Weekday[] }
  /** day: a day of the month (1–31), 'last', or null for the due date's own day */
  | { kind: 'monthly'; interval: number; day: number | 'last' | null }
  | { kind: 'yearly'; interval: number };

export type PresetKind = Preset['kind'];

/** `FREQ=WEEKLY;BYDAY=MO` (optionally `RRULE:`-prefixed) → {FREQ: 'WEEKLY', BYDAY: 'MO'}. */
export function parseRrule(rule: string): Record<string, string> | null {
  const body = rule.trim().toUpperCase().replace(/^RRULE:/, '');
  if (!body) return null;
  const parts: Record<string, string> = {};
  for (const part of body.split(';')) {
    const [key, value, ...rest] = part.split('=');
    if (!key || !value || rest.length) return null;
    parts[key] = value;
  }
  return parts.FREQ ? parts : null;
}

function sortDays(days: readonly Weekday[]): Weekday[] {
  return WEEKDAYS.filter((d) => days.includes(d));
}

function withInterval(freq: string, interval: number): string {
  return interval > 1 ? `FREQ=${freq};INTERVAL=${Math.floor(interval)}` : `FREQ=${freq}`;
}

/** The RRULE an editor preset stands for. */
export function presetToRrule(preset: Preset): string {
  switch (preset.kind) {
    case 'daily':
      return withInterval('DAILY', preset.interval);
    case 'weekdays':
      return `FREQ=WEEKLY;BYDAY=${WORK_WEEK}`;
    case 'weekly': {
      const base = withInterval('WEEKLY', preset.interval);
      const days = sortDays(preset.days);
      return days.length ? `${base};BYDAY=${days.join(',')}` : base;
    }
    case 'monthly': {
      const base = withInterval('MONTHLY', preset.interval);
      if (preset.day === 'last') return `${base};BYMONTHDAY=-1`;
      return preset.day ? `${base};BYMONTHDAY=${preset.day}` : base;
    }
    case 'yearly':
      return withInterval('YEARLY', preset.interval);
  }
}

/** The editor preset an RRULE matches, or null when it needs the raw-rule field. */
export function rruleToPreset(rule: string): Preset | null {
  const parts = parseRrule(rule);
  if (!parts) return null;
  const { FREQ, INTERVAL, BYDAY, BYMONTHDAY, ...rest } = parts;
  if (Object.keys(rest).length) return null;
  const interval = INTERVAL ? Number(INTERVAL) : 1;
  if (!Number.isInteger(interval) || interval < 1) return null;
  switch (FREQ) {
    case 'DAILY':
      return BYDAY || BYMONTHDAY ? null : { kind: 'daily', interval };
    case 'WEEKLY': {
      if (BYMONTHDAY) return null;
      const days = BYDAY ? BYDAY.split(',') : [];
      if (!days.every((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d))) return null;
      if (interval === 1 && sortDays(days).join(',') === WORK_WEEK && days.length === 5) return { kind: 'weekdays' };
      return { kind: 'weekly', interval, days: sortDays(days) };
    }
    case 'MONTHLY': {
      if (BYDAY) return null;
      if (!BYMONTHDAY) return { kind: 'monthly', interval, day: null };
      const day = Number(BYMONTHDAY);
      if (day === -1) return { kind: 'monthly', interval, day: 'last' };
      return Number.isInteger(day) && day >= 1 && day <= 31 ? { kind: 'monthly', interval, day } : null;
    }
    case 'YEARLY':
      return BYDAY || BYMONTHDAY ? null : { kind: 'yearly', interval };
    default:
      return null;
  }
}

/** A preset of `kind` with sensible defaults (keeping the interval when there is one). */
export function defaultPreset(kind: PresetKind, interval = 1): Preset {
  switch (kind) {
    case 'daily':
      return { kind, interval };
    case 'weekdays':
      return { kind };
    case 'weekly':
      return { kind, interval, days: [] };
    case 'monthly':
      return { kind, interval, day: null };
    case 'yearly':
      return { kind, interval };
  }
}

export function ordinal(n: number): string {
  const mod100 = n % 100;
  if (mod100 >= 11 && mod100 <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

const ORDINAL_WORDS: Record<string, string> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };

function every(interval: number, unit: string): string {
  return interval === 1 ? `every ${unit}` : `every ${interval} ${unit}s`;
}

function untilWords(until: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})/.exec(until);
  if (!m) return `until ${until}`;
  return `until ${Number(m[3])} ${MONTHS[Number(m[2]) - 1] ?? m[2]} ${m[1]}`;
}

/** "every 2 weeks on Mon, Wed", "every month on the last day", "every weekday". */
export function describeRrule(rule: string): string {
  const parts = parseRrule(rule);
  if (!parts) return 'an unrecognised rule';
  const interval = parts.INTERVAL ? Number(parts.INTERVAL) || 1 : 1;
  const byday = parts.BYDAY ? parts.BYDAY.split(',') : [];
  let words: string;
  switch (parts.FREQ) {
    case 'DAILY':
      words = every(interval, 'day');
      break;
    case 'WEEKLY':
      if (interval === 1 && byday.length === 5 && sortDays(byday as Weekday[]).join(',') === WORK_WEEK) {
        words = 'every weekday';
      } else {
        words = every(interval, 'week');
        if (byday.length) words += ` on ${sortDays(byday as Weekday[]).map((d) => DAY_NAMES[d]).join(', ')}`;
      }
      break;
    case 'MONTHLY':
      words = every(interval, 'month');
      if (parts.BYMONTHDAY === '-1') words += ' on the last day';
      else if (parts.BYMONTHDAY) words += ` on the ${parts.BYMONTHDAY.split(',').map((d) => ordinal(Number(d))).join(', ')}`;
      else if (byday.length) {
        const on = byday.map((d) => {
          const m = /^([+-]?\d)?([A-Z]{2})$/.exec(d);
          const day = DAY_LONG[m?.[2] as Weekday] ?? d;
          const nth = m?.[1] ? ORDINAL_WORDS[m[1].replace('+', '')] : undefined;
          return nth ? `${nth} ${day}` : day;
        });
        words += ` on the ${on.join(', ')}`;
      }
      break;
    case 'YEARLY': {
      words = every(interval, 'year');
      const month = parts.BYMONTH ? MONTHS[Number(parts.BYMONTH) - 1] : undefined;
      if (month && parts.BYMONTHDAY) words += ` on ${parts.BYMONTHDAY} ${month}`;
      else if (month) words += ` in ${month}`;
      break;
    }
    default:
      return 'an unrecognised rule';
  }
  if (parts.COUNT) words += `, ${parts.COUNT} time${parts.COUNT === '1' ? '' : 's'}`;
  if (parts.UNTIL) words += `, ${untilWords(parts.UNTIL)}`;
  return words;
}

export function weekdayName(day: Weekday): string {
  return DAY_NAMES[day];
}
