// Time-zone aware date helpers on top of Intl (no date library).

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

const partsCache = new Map<string, Intl.DateTimeFormat>();
function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = partsCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const out: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return {
    year: out.year ?? 1970,
    month: out.month ?? 1,
    day: out.day ?? 1,
    hour: (out.hour ?? 0) % 24,
    minute: out.minute ?? 0,
    second: out.second ?? 0,
  };
}

/** Minutes east of UTC that `timeZone` is at `instant`. */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** Local wall time (`2026-03-29`, `09:30`) in `timeZone` → RFC 3339 with that zone's offset. */
export function zonedToIso(date: string, time: string, timeZone: string): string {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = (time || '00:00').split(':').map(Number) as [number, number];
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  // Two passes settle the offset across DST changes.
  let offset = offsetMinutes(new Date(guess), timeZone);
  offset = offsetMinutes(new Date(guess - offset * 60000), timeZone);
  return `${date}T${pad(h)}:${pad(mi)}:00${formatOffset(offset)}`;
}

/** An instant → its wall date and time (`YYYY-MM-DD`, `HH:MM`) in `timeZone`. */
export function isoToZoned(iso: string, timeZone: string): { date: string; time: string } {
  const w = wallClock(new Date(iso), timeZone);
  return {
    date: `${w.year}-${pad(w.month)}-${pad(w.day)}`,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
  };
}

/** Start of the local day of `instant` in `timeZone`, plus `addDays`, as RFC 3339. */
export function startOfDay(instant: Date, timeZone: string, addDays = 0): string {
  const w = wallClock(instant, timeZone);
  const day = new Date(Date.UTC(w.year, w.month - 1, w.day + addDays));
  const date = `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
  return zonedToIso(date, '00:00', timeZone);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of `instant` in `timeZone`. */
export function isoWeekday(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const dow = new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

const rtf = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat('en', { numeric: 'auto' }) : null;

/** "3 min ago", "in 2 days", "just now". */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  const units: [Intl.RelativeTimeFormatUnit, number, string][] = [
    ['minute', 60, 'min'],
    ['hour', 3600, 'h'],
    ['day', 86400, 'day'],
    ['week', 604800, 'week'],
    ['month', 2629800, 'month'],
    ['year', 31557600, 'year'],
  ];
  let chosen = units[0]!;
  for (const u of units) if (abs >= u[1] * 0.9) chosen = u;
  const value = Math.round(seconds / chosen[1]);
  if (chosen[0] === 'minute') {
    return value < 0 ? `${-value} min ago` : `in ${value} min`;
  }
  return rtf ? rtf.format(value, chosen[0]) : `${value} ${chosen[2]}`;
}

const labelCache = new Map<string, Intl.DateTimeFormat>();
function labelFormat(timeZone: string, sameYear: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${sameYear}`;
  let f = labelCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: sameYear ? 'short' : undefined,
      day: 'numeric',
      month: 'short',
      year: sameYear ? undefined : 'numeric',
    });
    labelCache.set(key, f);
  }
  return f;
}

let daysCache: { key: string; days: { today: string; tomorrow: string; yesterday: string } } | null = null;
/** Today's, tomorrow's and yesterday's dates in `timeZone` (cached for the minute: every row asks). */
function nearbyDays(now: Date, timeZone: string) {
  const key = `${timeZone}|${Math.floor(now.getTime() / 60000)}`;
  if (daysCache?.key !== key) {
    const day = (offset: number) => isoToZoned(new Date(now.getTime() + offset).toISOString(), timeZone).date;
    daysCache = { key, days: { today: day(0), tomorrow: day(86400000), yesterday: day(-86400000) } };
  }
  return daysCache.days;
}

/** Due date for a list row: "Today 09:00", "Tue 24 Nov", "24 Nov 2027 18:00". */
export function formatDue(iso: string, timeZone: string, allDay: boolean, now: Date = new Date()): string {
  const due = isoToZoned(iso, timeZone);
  const { today, tomorrow, yesterday } = nearbyDays(now, timeZone);
  const time = allDay ? '' : ` ${due.time}`;
  if (due.date === today) return `Today${time}`;
  if (due.date === tomorrow) return `Tomorrow${time}`;
  if (due.date === yesterday) return `Yesterday${time}`;
  const sameYear = due.date.slice(0, 4) === today.slice(0, 4);
  const label = labelFormat(timeZone, sameYear).format(new Date(iso));
  return `${label.replace(',', '')}${time}`;
}

/**
 * The instant a due date has passed: a timed task at its due time, an all-day task when its
 * day ends in its own time zone (due today is due today, not overdue, until midnight there).
 */
export function dueDeadline(iso: string, timeZone: string, allDay: boolean): number {
  if (!allDay) return new Date(iso).getTime();
  return new Date(startOfDay(new Date(iso), timeZone, 1)).getTime();
}

/** Whether a pending task with this due date is overdue at `now`. */
export function isOverdue(task: { due_at: string | null; timezone: string; all_day: boolean; status: string }, now: Date = new Date()): boolean {
  if (task.status === 'completed' || !task.due_at) return false;
  return dueDeadline(task.due_at, task.timezone, task.all_day) <= now.getTime();
}

/** `YYYY-MM-DD` plus `days` (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d + days));
  return `${day.getUTCFullYear()}-${pad(day.getUTCMonth() + 1)}-${pad(day.getUTCDate())}`;
}

/** Today's date (`YYYY-MM-DD`) in `timeZone`. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return isoToZoned(now.toISOString(), timeZone).date;
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a `YYYY-MM-DD` date. */
export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const dow = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

const dayLabelFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' });
/** "Monday 7 December" for a `YYYY-MM-DD` date. */
export function dayLabel(date: string): string {
  return dayLabelFormat.format(new Date(`${date}T12:00:00Z`)).replace(',', '');
}
