import type { AuditItem } from '../../api/types';
import { relativeTime } from '../../lib/time';

// The audit service's field names are not final: read every item defensively.

const FIELD_NAMES: Record<string, string> = {
  due_at: 'due date',
  all_day: 'all day',
  recurrence: 'repeat',
  timezone: 'time zone',
  deleted_at: 'deleted',
  completed_at: 'completed at',
};

const VERBS: Record<string, string> = {
  created: 'created',
  updated: 'changed',
  completed: 'completed',
  reopened: 'reopened',
  deleted: 'deleted',
  restored: 'restored',
  triggered: 'reminder sent',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none';
  if (Array.isArray(value)) return value.length ? value.map(text).join(', ') : 'none';
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.rrule === 'string') return obj.rrule;
    return JSON.stringify(value);
  }
  const s = String(value);
  return s.length > 40 ? `${s.slice(0, 39)}…` : s;
}

/** [old, new] from `[a, b]`, `{old, new}` or `{from, to}`. */
function pair(change: unknown): [unknown, unknown] | null {
  if (Array.isArray(change) && change.length === 2) return [change[0], change[1]];
  const obj = record(change);
  if (obj && ('old' in obj || 'new' in obj)) return [obj.old, obj.new];
  if (obj && ('from' in obj || 'to' in obj)) return [obj.from, obj.to];
  return null;
}

export function describeChanges(changes: unknown): string[] {
  const obj = record(changes);
  if (!obj) return [];
  return Object.entries(obj)
    .filter(([field]) => !['version', 'updated_at'].includes(field))
    .map(([field, change]) => {
      const name = FIELD_NAMES[field] ?? field.replace(/_/g, ' ');
      const p = pair(change);
      return p ? `${name} changed from ${text(p[0])} to ${text(p[1])}` : `${name} changed`;
    });
}

function actorWords(actor: unknown, userId: string | undefined): string {
  const obj = record(actor);
  const kind = typeof obj?.kind === 'string' ? obj.kind : undefined;
  const id = typeof actor === 'string' ? actor : typeof obj?.id === 'string' ? obj.id : undefined;
  if (kind === 'system' || id === 'system') return 'TaskFlow';
  if (id && userId && id === userId) return 'you';
  if (kind === 'user' && !id) return 'you';
  return typeof obj?.name === 'string' ? obj.name : 'someone else';
}

/** "priority changed from low to high by you, 3 min ago". */
export function describeAuditItem(item: AuditItem, userId: string | undefined, now: Date = new Date()): string {
  const data = record(item.data);
  const type = String(item.type ?? item.event_type ?? data?.type ?? '');
  const verb = type.split('.').pop() ?? '';
  const changes = describeChanges(item.changes ?? data?.changes);
  const what =
    verb === 'updated' && changes.length ? changes.join('; ') : (VERBS[verb] ?? (verb || 'changed'));
  const by = actorWords(item.actor ?? data?.actor, userId);
  const when = item.time ?? item.recorded_at ?? item.created_at ?? item.occurred_at;
  const ago = typeof when === 'string' && !Number.isNaN(Date.parse(when)) ? `, ${relativeTime(when, now)}` : '';
  return `${what} by ${by}${ago}`;
}
