import type { Task } from '../../api/types';

export const TASK_EVENT_TYPES = [
  'com.taskflow.task.created',
  'com.taskflow.task.updated',
  'com.taskflow.task.completed',
  'com.taskflow.task.reopened',
  'com.taskflow.task.deleted',
  'com.taskflow.task.restored',
] as const;
export const REMINDER_TYPE = 'com.taskflow.reminder.triggered';

export type TaskEventType = (typeof TASK_EVENT_TYPES)[number];

export interface ReminderData {
  user_id?: string;
  task_id: string;
  task_title: string;
  due_at?: string | null;
  reminder_id?: string;
  fire_at?: string;
}

export type LiveEvent =
  | { kind: 'task'; id: string | undefined; type: TaskEventType; task: Task; version: number }
  | { kind: 'reminder'; id: string | undefined; data: ReminderData };

function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

function isTask(value: unknown): value is Task {
  return isObject(value) && typeof value.id === 'string' && typeof value.version === 'number' && typeof value.title === 'string';
}

/**
 * One SSE frame → a live event, or null when it is not one we use (unknown types are
 * ignored, never thrown). `data` may be the CloudEvent's `data` object or the whole
 * envelope (`{specversion, id, type, data}`): the notification service may send either.
 */
export function parseFrame(eventName: string | undefined, raw: string, lastEventId?: string): LiveEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(body)) return null;
  let type = eventName && eventName !== 'message' ? eventName : undefined;
  let id = lastEventId || undefined;
  let data: unknown = body;
  if ('specversion' in body || ('data' in body && typeof body.type === 'string')) {
    type = typeof body.type === 'string' ? body.type : type;
    id = typeof body.id === 'string' ? body.id : id;
    data = body.data;
  }
  if (!isObject(data) || !type) return null;
  if ((TASK_EVENT_TYPES as readonly string[]).includes(type)) {
    if (!isTask(data.task)) return null;
    const version = typeof data.version === 'number' ? data.version : data.task.version;
    return { kind: 'task', id, type: type as TaskEventType, task: data.task, version };
  }
  if (type === REMINDER_TYPE) {
    if (typeof data.task_id !== 'string') return null;
    return {
      kind: 'reminder',
      id,
      data: { ...(data as unknown as ReminderData), task_title: typeof data.task_title === 'string' ? data.task_title : 'Reminder' },
    };
  }
  return null;
}

/** Remembers the last `size` event ids so a redelivered event is applied once. */
export class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly size = 500) {}
  /** true the first time an id is seen (events without an id always count as new). */
  add(id: string | undefined): boolean {
    if (!id) return true;
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.size) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}
