import { en } from 'chrono-node';

const casual = en.casual;
import type { Priority, TaskCreate } from '../../api/types';
import { PRIORITIES } from '../../api/types';
import { addDays, isoToZoned, weekdayOf, zonedToIso } from '../../lib/time';

/**
 * One line in plain language → a task, in the user's time zone:
 * "Call plumber tomorrow at 10am", "Standup every weekday at 9:30", "Pay rent every month on
 * the 1st #home !high". Dates and times are chrono-node's (English, casual); repeats are the
 * few "every …" forms below, turned into an RRULE; `#tag` and `!priority` are ours.
 *
 * Each recognised piece is returned as a `Part` (where it is in the line, and what it means)
 * so the input can highlight it; a part the person dismissed (its text in `ignore`) is read
 * as plain title text.
 */

export type PartKind = 'date' | 'repeat' | 'tag' | 'priority';

export interface Part {
  kind: PartKind;
  start: number;
  end: number;
  text: string;
}

export interface QuickAddResult {
  task: TaskCreate | null;
  parts: Part[];
}

export interface QuickAddOptions {
  /** texts of parts to read as plain words (the person undid their recognition) */
  ignore?: string[];
  /** with no date in the line: due today, all day (the Today view's quick add) */
  defaultDue?: 'today';
}

const DAY_CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
const DAY_NAMES: Record<string, number> = {
  mon: 0, monday: 0, mondays: 0, tue: 1, tues: 1, tuesday: 1, tuesdays: 1, wed: 2, wednesday: 2, wednesdays: 2,
  thu: 3, thur: 3, thurs: 3, thursday: 3, thursdays: 3, fri: 4, friday: 4, fridays: 4,
  sat: 5, saturday: 5, saturdays: 5, sun: 6, sunday: 6, sundays: 6,
};
const DAY = '(?:mon(?:day)?s?|tues?(?:day)?s?|wed(?:nesday)?s?|thu(?:rs?)?(?:day)?s?|fri(?:day)?s?|sat(?:urday)?s?|sun(?:day)?s?)';
const UNIT: Record<string, string> = { day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' };

interface Repeat {
  rrule: string;
  /** does a date match the rule (for the first occurrence) */
  matches: (date: string) => boolean;
}

/** "every …" / "daily" … at `index` in the lowered line, or null. */
function matchRepeat(lower: string): { start: number; end: number; repeat: Repeat } | null {
  const any: Repeat['matches'] = () => true;
  const forms: [RegExp, (m: RegExpExecArray) => Repeat | null][] = [
    [/\bevery\s+weekday\b/, () => ({ rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', matches: (d) => weekdayOf(d) <= 5 })],
    [/\bevery\s+weekend\b/, () => ({ rrule: 'FREQ=WEEKLY;BYDAY=SA,SU', matches: (d) => weekdayOf(d) >= 6 })],
    [
      /\bevery\s+month\s+on\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b|\bmonthly\s+on\s+the\s+(\d{1,2})(?:st|nd|rd|th)?\b|\bevery\s+(\d{1,2})(?:st|nd|rd|th)\b(?:\s+of\s+the\s+month\b)?/,
      (m) => {
        const day = Number(m[1] ?? m[2] ?? m[3]);
        if (day < 1 || day > 31) return null;
        return { rrule: `FREQ=MONTHLY;BYMONTHDAY=${day}`, matches: (d) => Number(d.slice(8)) === day };
      },
    ],
    [
      new RegExp(`\\bevery\\s+(${DAY}(?:\\s*(?:,|and|&)\\s*(?:${DAY}))*)\\b`),
      (m) => {
        const days = [...new Set(m[1]!.split(/\s*(?:,|and|&)\s*/).map((w) => DAY_NAMES[w.trim()]).filter((d) => d !== undefined))].sort();
        if (!days.length) return null;
        return { rrule: `FREQ=WEEKLY;BYDAY=${days.map((d) => DAY_CODES[d!]).join(',')}`, matches: (d) => days.includes(weekdayOf(d) - 1) };
      },
    ],
    [/\bevery\s+other\s+(day|week|month|year)\b/, (m) => ({ rrule: `FREQ=${UNIT[m[1]!]};INTERVAL=2`, matches: any })],
    [/\bevery\s+(\d{1,3})\s+(day|week|month|year)s?\b/, (m) => ({ rrule: `FREQ=${UNIT[m[2]!]};INTERVAL=${Number(m[1])}`, matches: any })],
    [/\bevery\s+(day|week|month|year)\b/, (m) => ({ rrule: `FREQ=${UNIT[m[1]!]}`, matches: any })],
    [/\b(daily|weekly|monthly|yearly|annually)\b/, (m) => {
      const freq = { daily: 'DAILY', weekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'YEARLY', annually: 'YEARLY' }[m[1]!]!;
      return { rrule: `FREQ=${freq}`, matches: any };
    }],
  ];
  for (const [pattern, build] of forms) {
    const m = pattern.exec(lower);
    if (!m) continue;
    const repeat = build(m);
    if (repeat) return { start: m.index, end: m.index + m[0].length, repeat };
  }
  return null;
}

/** Blank out `[start, end)` so later readers skip it but positions stay put. */
const mask = (s: string, start: number, end: number) => s.slice(0, start) + ' '.repeat(end - start) + s.slice(end);

/** Blank the first occurrence of each ignored text (read as title words, recognised by nothing). */
function maskIgnored(line: string, ignore: string[]): { masked: string; protectedSpans: [number, number][] } {
  let masked = line;
  const spans: [number, number][] = [];
  for (const text of ignore) {
    if (!text) continue;
    const at = masked.indexOf(text);
    if (at < 0) continue;
    masked = mask(masked, at, at + text.length);
    spans.push([at, at + text.length]);
  }
  return { masked, protectedSpans: spans };
}

const CONNECTOR = /(?:^|\s)(by|on|at|due|from|starting|until)\s*$/i;

export function parseQuickAdd(line: string, now: Date, timeZone: string, options: QuickAddOptions = {}): QuickAddResult {
  const parts: Part[] = [];
  const { masked: start } = maskIgnored(line, options.ignore ?? []);
  let rest = start;

  const tags: string[] = [];
  let priority: Priority | undefined;
  for (const m of start.matchAll(/(^|\s)(#[^\s#!]+|![a-z]+)(?=\s|$)/gi)) {
    const token = m[2]!;
    const at = m.index! + m[1]!.length;
    if (token.startsWith('#')) {
      const tag = token.slice(1);
      if (!tags.includes(tag)) tags.push(tag);
      parts.push({ kind: 'tag', start: at, end: at + token.length, text: token });
    } else {
      const p = token.slice(1).toLowerCase() as Priority;
      if (!PRIORITIES.includes(p)) continue;
      priority = p;
      parts.push({ kind: 'priority', start: at, end: at + token.length, text: token });
    }
    rest = mask(rest, at, at + token.length);
  }

  const repeatMatch = matchRepeat(rest.toLowerCase());
  if (repeatMatch) {
    parts.push({ kind: 'repeat', start: repeatMatch.start, end: repeatMatch.end, text: line.slice(repeatMatch.start, repeatMatch.end) });
    rest = mask(rest, repeatMatch.start, repeatMatch.end);
  }

  // chrono reads wall-clock values: give it "now" as a local Date with the user's zone's wall
  // clock, then take the parsed year / month / day / hour / minute as wall time in that zone.
  const wall = isoToZoned(now.toISOString(), timeZone);
  const [y, mo, d] = wall.date.split('-').map(Number) as [number, number, number];
  const [h, mi] = wall.time.split(':').map(Number) as [number, number];
  const reference = new Date(y, mo - 1, d, h, mi);
  let dueDate: string | undefined;
  let dueTime: string | undefined;
  const found = casual.parse(rest, reference, { forwardDate: true }).find((r) => r.text.trim().length > 1);
  if (found) {
    let begin = found.index;
    const before = CONNECTOR.exec(rest.slice(0, begin));
    if (before) begin = before.index + (before[0].length - before[0].trimStart().length);
    const end = found.index + found.text.length;
    parts.push({ kind: 'date', start: begin, end, text: line.slice(begin, end) });
    rest = mask(rest, begin, end);
    const c = found.start;
    const dateGiven = c.isCertain('day') || c.isCertain('weekday') || c.isCertain('month');
    if (dateGiven || !repeatMatch) {
      dueDate = `${c.get('year')}-${String(c.get('month')).padStart(2, '0')}-${String(c.get('day')).padStart(2, '0')}`;
    }
    if (c.isCertain('hour')) dueTime = `${String(c.get('hour')).padStart(2, '0')}:${String(c.get('minute') ?? 0).padStart(2, '0')}`;
    // "at 9am" alone means the next 9am: tomorrow once today's has passed
    if (!dateGiven && !repeatMatch && dueTime && dueDate === wall.date && dueTime <= wall.time) dueDate = addDays(wall.date, 1);
  }

  let rrule: string | undefined;
  if (repeatMatch) {
    rrule = repeatMatch.repeat.rrule;
    if (!dueDate) {
      // the first occurrence: from today (if its time is still ahead) on
      let day = wall.date;
      if (dueTime && dueTime <= wall.time) day = addDays(day, 1);
      for (let i = 0; i < 400 && !repeatMatch.repeat.matches(day); i++) day = addDays(day, 1);
      dueDate = day;
    }
  }
  if (!dueDate && options.defaultDue === 'today') dueDate = wall.date;

  parts.sort((a, b) => a.start - b.start);
  const title = parts.reduce((text, p) => mask(text, p.start, p.end), line).replace(/\s+/g, ' ').trim();
  if (!title) {
    // "Tomorrow" alone is a title, not a date: read it as words
    const words = parts.filter((p) => p.kind === 'date' || p.kind === 'repeat').map((p) => p.text);
    if (words.length && !options.ignore?.length) return parseQuickAdd(line, now, timeZone, { ...options, ignore: words, defaultDue: undefined });
    return { task: null, parts };
  }
  const task: TaskCreate = { title };
  if (tags.length) task.tags = tags;
  if (priority) task.priority = priority;
  if (dueDate) {
    task.due_at = zonedToIso(dueDate, dueTime ?? '00:00', timeZone);
    task.all_day = !dueTime;
    task.timezone = timeZone;
  }
  if (rrule) task.recurrence = { rrule, from: 'due' };
  return { task, parts };
}
