// The API's types, generated from its OpenAPI document by openapi-typescript into
// ./schema.d.ts (`npm run api:types -- http://127.0.0.1:8000`); the names below are the app's
// names for them. Only what the document cannot say (a union it spells as two optionals,
// generic pages, the list query) is written here by hand.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Priority = Schemas['TaskRead']['priority'];
export type Status = Schemas['TaskRead']['status'];
export const PRIORITIES: readonly Priority[] = ['low', 'medium', 'high', 'urgent'];

export type User = Schemas['UserRead'];
export type TokenOut = Schemas['TokenOut'];
export type SignupIn = Schemas['SignupIn'];
export type LoginIn = Schemas['LoginIn'];

/** schema ReminderRead: exactly one of offset_minutes / at is set */
export type Reminder = Schemas['ReminderRead'];

/** schema ReminderIn (the API takes exactly one of the two; the document says both optional) */
export type ReminderIn = { offset_minutes: number } | { at: string };

export type RecurrenceFrom = Schemas['RecurrenceIn']['from'];
export type Recurrence = Schemas['RecurrenceRead'];
export type RecurrenceIn = Schemas['RecurrenceIn'];

export type Task = Schemas['TaskRead'];

/** schema TaskCreate, with reminders as the union above */
export type TaskCreate = Omit<Schemas['TaskCreate'], 'reminders'> & { reminders?: ReminderIn[] };

/** schema TaskUpdate (PATCH: only the fields sent change) */
export type TaskUpdate = Partial<TaskCreate>;

export type PersonalToken = Schemas['PersonalTokenRead'];
export type PersonalTokenCreated = Schemas['PersonalTokenCreated'];
export type SignedOut = Schemas['SignedOut'];
export type ImportResult = Schemas['ImportResult'];
export type CalendarFeed = Schemas['CalendarFeedRead'];
export type CalendarFeedCreated = Schemas['CalendarFeedCreated'];
export type TrashEmptied = Schemas['TrashEmptied'];

/** schema TaskPage */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type SortKey =
  | 'due_date'
  | '-due_date'
  | 'priority'
  | '-priority'
  | 'created_at'
  | '-created_at'
  | 'title';

export interface TaskQuery {
  q?: string;
  status?: Status;
  priority?: Priority[];
  tag?: string[];
  due_before?: string;
  due_after?: string;
  sort?: SortKey;
  limit?: number;
  cursor?: string;
  deleted?: boolean;
}

/** schema TagRead / TagWithCount */
export interface Tag {
  id: string;
  name: string;
  color: string;
  task_count?: number;
}

/** schema TagCreate / TagUpdate */
export interface TagIn {
  name?: string;
  color?: string;
}

/** RFC 9457 problem+json */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string }[];
  current_version?: number;
  /** client side only: what an administrator would do about it (shown folded away) */
  setup?: string;
}

/** schema AuditEntry (audit service: GET /audit/tasks/{task_id}, oldest first) */
export interface AuditActor {
  /** "user" (a person, `id` = user id) or "system" (`id` = "recurring", "reminder", …) */
  kind: string;
  id?: string | null;
  [key: string]: unknown;
}

export interface AuditEntry {
  id: string;
  event_id: string;
  seq: number;
  /** full CloudEvent type, e.g. "com.taskflow.task.updated" */
  type: string;
  task_id: string | null;
  time: string;
  actor: AuditActor | null;
  /** field → [old, new], values as the task API returns them; {} for created / reminder events */
  changes: Record<string, unknown>;
  /** the task's version after the change; null for reminder events */
  version: number | null;
  /** the task's title at the time */
  title: string | null;
  /** reminder.triggered: {reminder_id, due_at, fire_at, late} */
  details: Record<string, unknown> | null;
  /** the server's own one-liner, e.g. `Changed priority of "Pay rent"` */
  summary: string;
}

/** Chat (POST /chat, GET /chat/conversations/{id}) */
export interface ChatIn {
  message: string;
  conversation_id?: string;
}

/** One tool call the assistant made, e.g. {tool: "create_task", ok: true, summary: "created task 'Call mum'"} */
export interface ChatAction {
  tool: string;
  input: Record<string, unknown>;
  ok: boolean;
  summary: string;
}

export interface ChatOut {
  conversation_id: string;
  reply: string;
  actions: ChatAction[];
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  actions?: ChatAction[];
  created_at: string;
}

export interface Conversation {
  id: string;
  messages: ChatMessage[];
}
