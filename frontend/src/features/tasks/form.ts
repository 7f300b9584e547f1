import type { Priority, RecurrenceIn, ReminderIn, Task, TaskCreate, TaskUpdate } from '../../api/types';
import { isoToZoned, zonedToIso } from '../../lib/time';
import { toDraft, toReminderIn, type ReminderDraft } from '../reminders';

/** What the editor holds: wall-clock date/time in the task's own time zone. */
export interface EditorForm {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  dueDate: string;
  dueTime: string;
  allDay: boolean;
  timezone: string;
  reminders: ReminderDraft[];
  recurrence: RecurrenceIn | null;
}

export function emptyForm(timezone: string): EditorForm {
  return {
    title: '',
    description: '',
    priority: 'medium',
    tags: [],
    dueDate: '',
    dueTime: '',
    allDay: false,
    timezone,
    reminders: [],
    recurrence: null,
  };
}

export function formFromTask(task: Task): EditorForm {
  const due = task.due_at ? isoToZoned(task.due_at, task.timezone) : null;
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: [...task.tags],
    dueDate: due?.date ?? '',
    dueTime: due && !task.all_day ? due.time : '',
    allDay: task.all_day,
    timezone: task.timezone,
    reminders: task.reminders.map((r) => toDraft(r, task.timezone)),
    recurrence: task.recurrence ? { rrule: task.recurrence.rrule, from: task.recurrence.from } : null,
  };
}

/** The full body the form stands for (POST, and the base for a PATCH diff). */
export function formToBody(form: EditorForm): Required<TaskCreate> {
  const allDay = form.allDay || (Boolean(form.dueDate) && !form.dueTime);
  const dueAt = form.dueDate ? zonedToIso(form.dueDate, allDay ? '00:00' : form.dueTime, form.timezone) : null;
  return {
    title: form.title.trim(),
    description: form.description,
    priority: form.priority,
    tags: form.tags,
    due_at: dueAt,
    all_day: dueAt ? allDay : false,
    timezone: form.timezone,
    reminders: form.reminders
      .map((r) => toReminderIn(r, form.timezone))
      .filter((r): r is ReminderIn => r !== null)
      .filter((r) => dueAt || !('offset_minutes' in r)),
    recurrence: form.recurrence ? { rrule: form.recurrence.rrule.trim(), from: form.recurrence.from } : null,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** PATCH body: only the fields whose value differs from the task as loaded. */
export function diffUpdate(initial: EditorForm, current: EditorForm): TaskUpdate {
  const before = formToBody(initial);
  const after = formToBody(current);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof TaskCreate)[]) {
    if (!same(before[key], after[key])) out[key] = after[key];
  }
  // A new due instant is judged together with its zone and all-day flag.
  if ('due_at' in out || 'timezone' in out || 'all_day' in out) {
    out.due_at = after.due_at;
    out.timezone = after.timezone;
    out.all_day = after.all_day;
  }
  return out as TaskUpdate;
}
