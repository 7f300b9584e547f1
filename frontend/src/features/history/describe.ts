import type { AuditActor, AuditEntry } from '../../api/types';
import { browserTimeZone, formatDue, relativeTime } from '../../lib/time';
import { describeRrule } from '../recurrence';
import { describeOffset } from '../reminders';

// One audit entry (services/audit/entries.py) → one sentence:
// "priority changed from low to high by you, 3 min ago".
// `changes` is `{field: [old, new]}` with values as the task API returns them.

export interface DescribeContext {
  /** the signed-in user's id: their own changes read "by you" */
  userId?: string;
  /** zone the dates are shown in (the task's) */
  timeZone?: string;
  /** whether the task is all-day now (used when an entry does not say) */
  allDay?: boolean;
  now?: Date;
}

const TYPE_PREFIX = 'com.taskflow.';

/** Fields an update changes as a side effect: the sentence names the cause instead. */
const QUIET_FIELDS = new Set(['version', 'updated_at', 'created_at', 'status', 'completed_at', 'deleted_at', 'series_id', 'id']);

const VERBS: Record<string, string> = {
  'task.created': 'created',
  'task.completed': 'completed',
  'task.reopened': 'reopened',
  'task.deleted': 'moved to the trash',
  'task.restored': 'restored from the trash',
  'reminder.triggered': 'reminder sent',
};

type Ctx = Required<Pick<DescribeContext, 'timeZone' | 'now'>> & DescribeContext;

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

function quote(value: unknown): string {
  const s = typeof value === 'string' ? value : value == null ? '' : String(value);
  return `“${s.length > 40 ? `${s.slice(0, 39)}…` : s}”`;
}

function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function dueWords(value: unknown, allDay: boolean, ctx: Ctx): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return String(value);
  const words = formatDue(value, ctx.timeZone, allDay, ctx.now);
  return /^(Today|Tomorrow|Yesterday)/.test(words) ? lowerFirst(words) : words;
}

function reminderWords(value: unknown, ctx: Ctx): string | null {
  if (!isRecord(value)) return null;
  if (typeof value.offset_minutes === 'number') return lowerFirst(describeOffset(value.offset_minutes));
  if (typeof value.at === 'string') return `at ${dueWords(value.at, false, ctx)}`;
  return null;
}

function remindersChange(before: unknown, after: unknown, ctx: Ctx): string {
  const words = (v: unknown) => (Array.isArray(v) ? v.map((r) => reminderWords(r, ctx)).filter((w): w is string => w !== null) : []);
  const old = words(before);
  const now = words(after);
  const added = now.filter((w) => !old.includes(w));
  const removed = old.filter((w) => !now.includes(w));
  if (added.length === 1 && removed.length === 1) return `reminder changed from ${removed[0]} to ${added[0]}`;
  const parts: string[] = [];
  if (added.length) parts.push(`${added.length === 1 ? 'reminder' : 'reminders'} added (${added.join(', ')})`);
  if (removed.length) parts.push(`${removed.length === 1 ? 'reminder' : 'reminders'} removed (${removed.join(', ')})`);
  return parts.length ? parts.join(' and ') : 'reminders changed';
}

function tagsChange(before: unknown, after: unknown): string {
  const names = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const old = names(before);
  const now = names(after);
  const added = now.filter((t) => !old.includes(t)).map((t) => `#${t}`);
  const removed = old.filter((t) => !now.includes(t)).map((t) => `#${t}`);
  const parts: string[] = [];
  if (added.length) parts.push(`${added.length === 1 ? 'tag' : 'tags'} ${added.join(' ')} added`);
  if (removed.length) parts.push(`${removed.length === 1 ? 'tag' : 'tags'} ${removed.join(' ')} removed`);
  return parts.length ? parts.join(' and ') : 'tags changed';
}

function recurrenceWords(value: unknown): string | null {
  if (!isRecord(value) || typeof value.rrule !== 'string') return null;
  const words = describeRrule(value.rrule);
  return value.from === 'completion' ? `${words} after completion` : words;
}

function recurrenceChange(before: unknown, after: unknown): string {
  const old = recurrenceWords(before);
  const now = recurrenceWords(after);
  if (!now) return 'no longer repeats';
  if (!old) return `set to repeat ${now}`;
  return `repeat changed from ${old} to ${now}`;
}

/** One phrase for one changed field, or null for a field the sentence leaves out. */
function fieldChange(field: string, before: unknown, after: unknown, ctx: Ctx, allDay: boolean): string | null {
  if (QUIET_FIELDS.has(field)) return null;
  switch (field) {
    case 'title':
      return `title changed from ${quote(before)} to ${quote(after)}`;
    case 'description':
      if (!before) return 'description added';
      if (!after) return 'description removed';
      return 'description edited';
    case 'priority':
      return `priority changed from ${String(before)} to ${String(after)}`;
    case 'tags':
      return tagsChange(before, after);
    case 'due_at':
      if (!after) return 'due date removed';
      if (!before) return `due date set to ${dueWords(after, allDay, ctx)}`;
      return `due date changed from ${dueWords(before, allDay, ctx)} to ${dueWords(after, allDay, ctx)}`;
    case 'all_day':
      return after ? 'made all-day' : 'given a time of day';
    case 'timezone':
      return `time zone changed from ${String(before)} to ${String(after)}`;
    case 'reminders':
      return remindersChange(before, after, ctx);
    case 'recurrence':
      return recurrenceChange(before, after);
    default:
      return `${field.replace(/_/g, ' ')} changed`;
  }
}

/** The phrases of an update's `changes` ({field: [old, new]}), in a stable order. */
export function describeChanges(changes: unknown, context: DescribeContext = {}): string[] {
  if (!isRecord(changes)) return [];
  const ctx: Ctx = { ...context, timeZone: context.timeZone ?? browserTimeZone(), now: context.now ?? new Date() };
  const pairOf = (v: unknown): [unknown, unknown] => (Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [undefined, v]);
  const allDayChange = changes.all_day === undefined ? undefined : pairOf(changes.all_day)[1];
  const allDay = typeof allDayChange === 'boolean' ? allDayChange : Boolean(context.allDay);
  const order = ['title', 'priority', 'due_at', 'all_day', 'timezone', 'reminders', 'recurrence', 'tags', 'description'];
  const fields = Object.keys(changes).sort((a, b) => {
    const ia = order.indexOf(a) < 0 ? order.length : order.indexOf(a);
    const ib = order.indexOf(b) < 0 ? order.length : order.indexOf(b);
    return ia - ib || a.localeCompare(b);
  });
  const phrases: string[] = [];
  for (const field of fields) {
    const [before, after] = pairOf(changes[field]);
    const phrase = fieldChange(field, before, after, ctx, allDay);
    if (phrase) phrases.push(phrase);
  }
  return phrases;
}

/** "by you", "by the repeat schedule", … or '' when naming the actor would add nothing. */
export function actorWords(actor: AuditActor | null | undefined, userId: string | undefined): string {
  if (!actor || typeof actor.kind !== 'string') return '';
  if (actor.kind === 'user') return !actor.id || !userId || actor.id === userId ? 'by you' : 'by someone else';
  if (['assistant', 'agent', 'chat', 'mcp'].includes(actor.kind)) return 'by the assistant';
  if (actor.kind === 'system') {
    if (actor.id === 'recurring') return 'by the repeat schedule';
    if (actor.id === 'reminder') return '';
    return 'by TaskFlow';
  }
  return '';
}

/** The entry's event type without the `com.taskflow.` prefix ("task.updated"). */
function shortType(type: string): string {
  return type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : type;
}

/** What happened, without who and when: "priority changed from low to high". */
export function describeWhat(entry: AuditEntry, context: DescribeContext = {}): string {
  const type = shortType(entry.type);
  if (type === 'task.updated') {
    const phrases = describeChanges(entry.changes, context);
    return phrases.length ? list(phrases) : 'changed';
  }
  if (type === 'reminder.triggered') return entry.details?.late === true ? 'reminder sent (late)' : 'reminder sent';
  return VERBS[type] ?? 'changed';
}

/** "priority changed from low to high by you, 3 min ago". */
export function describeEntry(entry: AuditEntry, context: DescribeContext = {}): string {
  const now = context.now ?? new Date();
  const by = actorWords(entry.actor, context.userId);
  const ago = typeof entry.time === 'string' && !Number.isNaN(Date.parse(entry.time)) ? `, ${relativeTime(entry.time, now)}` : '';
  return `${describeWhat(entry, { ...context, now })}${by ? ` ${by}` : ''}${ago}`;
}
