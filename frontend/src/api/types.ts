// Hand-written mirror of the API's OpenAPI schemas (../shared/spec/api.md).
// `npm run check:api <url>` checks these names and fields against a running server.

export type Priority = 'low' | 'medium' | 'high' | 'urgent';
export type Status = 'pending' | 'completed';
export const PRIORITIES: readonly Priority[] = ['low', 'medium', 'high', 'urgent'];

/** schema UserRead */
export interface User {
  id: string;
  email: string;
  name: string;
  timezone: string;
}

/** schema TokenOut */
export interface TokenOut {
  access_token: string;
  token_type: string;
  expires_in: number;
  user: User;
}

/** schema SignupIn */
export interface SignupIn {
  email: string;
  password: string;
  name: string;
  timezone: string;
}

/** schema LoginIn */
export interface LoginIn {
  email: string;
  password: string;
}

/** schema ReminderRead: exactly one of offset_minutes / at is set */
export interface Reminder {
  id: string;
  offset_minutes?: number | null;
  at?: string | null;
}

/** schema ReminderIn */
export type ReminderIn = { offset_minutes: number } | { at: string };

export type RecurrenceFrom = 'due' | 'completion';

/** schema RecurrenceRead */
export interface Recurrence {
  rrule: string;
  from: RecurrenceFrom;
  index?: number;
}

/** schema RecurrenceIn */
export interface RecurrenceIn {
  rrule: string;
  from: RecurrenceFrom;
}

/** schema TaskRead */
export interface Task {
  id: string;
  title: string;
  description: string;
  status: Status;
  priority: Priority;
  tags: string[];
  due_at: string | null;
  all_day: boolean;
  timezone: string;
  reminders: Reminder[];
  recurrence: Recurrence | null;
  series_id: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  deleted_at: string | null;
}

/** schema TaskCreate */
export interface TaskCreate {
  title: string;
  description?: string;
  priority?: Priority;
  tags?: string[];
  due_at?: string | null;
  all_day?: boolean;
  timezone?: string | null;
  reminders?: ReminderIn[];
  recurrence?: RecurrenceIn | null;
}

/** schema TaskUpdate (PATCH: only the fields sent change) */
export type TaskUpdate = Partial<TaskCreate>;

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
