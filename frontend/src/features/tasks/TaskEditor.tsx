import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { PRIORITIES, type Priority, type Task } from '../../api/types';
import { Dialog } from '../../lib/Dialog';
import { readDraft, writeDraft } from '../../lib/drafts';
import { browserTimeZone, isoToZoned } from '../../lib/time';
import { HistoryPanel } from '../history';
import { RecurrenceEditor, describeRrule } from '../recurrence';
import { ReminderEditor } from '../reminders';
import { TagPicker } from '../tags';
import { fetchTask } from './api';
import { diffUpdate, emptyForm, formFromTask, formToBody, type EditorForm } from './form';
import { FIELD_LABEL, mergeForms, type Conflict } from './merge';
import { useCreateTask, useTask, useUpdateTask } from './queries';

interface Props {
  taskId: string; // 'new' for a new task
  timeZone: string;
  onClose: () => void;
}

interface Draft {
  form: EditorForm;
  /** the task as last loaded: what the user's changes are measured from */
  initial: EditorForm;
  version: number;
  /** fields changed both here and elsewhere, waiting for the person's choice */
  conflicts?: Conflict[];
}

/** How many times a save re-merges with a task that keeps changing before it gives up. */
const MAX_MERGES = 3;

const draftKey = (taskId: string) => `editor:${taskId}`;

export function closeEditorDraft(taskId: string): void {
  writeDraft(draftKey(taskId), undefined);
}

export function TaskEditor({ taskId, timeZone, onClose }: Props) {
  const isNew = taskId === 'new';
  const task = useTask(isNew ? null : taskId);
  const close = () => {
    closeEditorDraft(taskId);
    onClose();
  };
  const title = isNew ? 'New task' : 'Edit task';
  if (!isNew && !task.data) {
    return (
      <Dialog title={title} onClose={close}>
        {task.error ? <p role="alert">{errorMessage(task.error)}</p> : <p aria-busy="true">Loading…</p>}
      </Dialog>
    );
  }
  return (
    <Dialog title={title} onClose={close}>
      <EditorBody taskId={taskId} task={task.data ?? null} timeZone={timeZone} onDone={close} />
    </Dialog>
  );
}

function startDraft(task: Task | null, timeZone: string): Draft {
  const initial = task ? formFromTask(task) : emptyForm(timeZone);
  return { form: initial, initial, version: task?.version ?? 0 };
}

function EditorBody({ taskId, task, timeZone, onDone }: { taskId: string; task: Task | null; timeZone: string; onDone: () => void }) {
  const [draft, setDraftState] = useState<Draft>(() => readDraft<Draft>(draftKey(taskId)) ?? startDraft(task, timeZone));
  const [error, setError] = useState<ApiError | Error | null>(null);
  const create = useCreateTask();
  const update = useUpdateTask();
  const { form } = draft;

  const setDraft = (next: Draft) => {
    setDraftState(next);
    writeDraft(draftKey(taskId), next);
  };
  const set = (patch: Partial<EditorForm>) => setDraft({ ...draft, form: { ...form, ...patch } });
  const fields = error instanceof ApiError ? error.fieldErrors() : {};
  const stale = error instanceof ApiError && error.status === 412;

  const reload = async () => {
    try {
      const fresh = await fetchTask(taskId);
      const base = formFromTask(fresh);
      setDraft({ form: base, initial: base, version: fresh.version });
      setError(null);
    } catch (err) {
      setError(err as Error);
    }
  };

  const conflicts = draft.conflicts ?? [];
  const resolve = (conflict: Conflict, keep: 'mine' | 'theirs') => {
    const rest = conflicts.filter((c) => c.field !== conflict.field);
    setDraft({
      ...draft,
      form: { ...form, ...(keep === 'mine' ? conflict.mine : conflict.theirs) },
      conflicts: rest.length ? rest : undefined,
    });
  };

  /**
   * Save only what this person changed. On a 412 (changed elsewhere meanwhile) merge field by
   * field with the fresh task and save again; stop and ask only when both changed one field.
   */
  const save = async (start: Draft) => {
    let current = start;
    for (let attempt = 0; ; attempt++) {
      const body = diffUpdate(current.initial, current.form);
      if (Object.keys(body).length === 0) return onDone();
      try {
        await update.mutateAsync({ id: taskId, version: current.version, body });
        return onDone();
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 412) || attempt >= MAX_MERGES) {
          setDraft(current);
          setError(err as Error);
          return;
        }
      }
      let fresh: Task;
      try {
        fresh = await fetchTask(taskId);
      } catch (err) {
        setError(err as Error);
        return;
      }
      const theirs = formFromTask(fresh);
      const merged = mergeForms(current.initial, current.form, theirs);
      current = { form: merged.form, initial: theirs, version: fresh.version };
      if (merged.conflicts.length) {
        setDraft({ ...current, conflicts: merged.conflicts });
        return;
      }
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!task) {
      create.mutate(formToBody(form), { onSuccess: onDone, onError: (err) => setError(err) });
      return;
    }
    if (conflicts.length) return; // the person chooses first
    void save(draft);
  };

  const fieldError = (name: string) =>
    fields[name] ? <p className="mt-1 text-sm text-red-700 dark:text-red-400">{fields[name]}</p> : null;
  const today = isoToZoned(new Date().toISOString(), form.timezone).date;

  return (
    <form onSubmit={submit} className="space-y-4" aria-label="Task editor">
      {error && (
        <div role="alert" className="rounded border border-red-400 bg-red-50 p-3 text-sm text-red-900 dark:bg-red-950 dark:text-red-100">
          <p>{errorMessage(error)}</p>
          {stale && (
            <div className="mt-2 flex flex-wrap gap-2">
              <button type="button" className="btn" onClick={() => void reload()}>
                Reload task (discard my changes)
              </button>
            </div>
          )}
        </div>
      )}
      {conflicts.length > 0 && (
        <div role="alert" data-testid="conflicts" className="rounded border border-amber-500 bg-amber-50 p-3 text-sm text-amber-950 dark:bg-amber-950 dark:text-amber-50">
          <p className="font-semibold">This task was changed elsewhere while you edited it.</p>
          <p>Their other changes are merged in. Choose what to keep where you both changed the same field:</p>
          <ul className="mt-2 space-y-2">
            {conflicts.map((c) => (
              <li key={c.field} data-testid={`conflict-${c.field}`}>
                <p className="font-medium">{FIELD_LABEL[c.field]}</p>
                <p>Yours: “{describeSide(c.mine)}”</p>
                <p>Theirs: “{describeSide(c.theirs)}”</p>
                <div className="mt-1 flex flex-wrap gap-2">
                  <button type="button" className="btn" onClick={() => resolve(c, 'mine')}>
                    Keep mine ({FIELD_LABEL[c.field].toLowerCase()})
                  </button>
                  <button type="button" className="btn" onClick={() => resolve(c, 'theirs')}>
                    Use theirs ({FIELD_LABEL[c.field].toLowerCase()})
                  </button>
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
      <div>
        <label htmlFor="ed-title" className="label">Title</label>
        <input id="ed-title" data-autofocus className="input" required maxLength={500} value={form.title} onChange={(e) => set({ title: e.target.value })} aria-invalid={Boolean(fields.title)} />
        {fieldError('title')}
      </div>
      <div>
        <label htmlFor="ed-desc" className="label">Description</label>
        <textarea id="ed-desc" className="input min-h-[5rem]" maxLength={10000} value={form.description} onChange={(e) => set({ description: e.target.value })} />
        {fieldError('description')}
      </div>
      <div>
        <label htmlFor="ed-priority" className="label">Priority</label>
        <select id="ed-priority" className="input" value={form.priority} onChange={(e) => set({ priority: e.target.value as Priority })}>
          {PRIORITIES.map((p) => (
            <option key={p} value={p}>{p}</option>
          ))}
        </select>
      </div>
      <TagPicker value={form.tags} onChange={(tags) => set({ tags })} />
      {fieldError('tags')}
      <fieldset>
        <legend className="label">Due</legend>
        <div className="flex flex-wrap items-center gap-2">
          <label className="sr-only" htmlFor="ed-due-date">Due date</label>
          <input id="ed-due-date" type="date" className="input w-auto" value={form.dueDate} onChange={(e) => set({ dueDate: e.target.value })} />
          {!form.allDay && (
            <>
              <label className="sr-only" htmlFor="ed-due-time">Due time</label>
              <input id="ed-due-time" type="time" className="input w-auto" value={form.dueTime} disabled={!form.dueDate} onChange={(e) => set({ dueTime: e.target.value })} />
            </>
          )}
          <label className="flex items-center gap-1 text-sm">
            <input type="checkbox" checked={form.allDay} onChange={(e) => set({ allDay: e.target.checked })} /> All day
          </label>
          {form.dueDate && (
            <button type="button" className="btn" onClick={() => set({ dueDate: '', dueTime: '', allDay: false })}>
              Clear
            </button>
          )}
        </div>
        <label className="mt-2 flex items-center gap-2 text-sm">
          Time zone
          <input className="input w-56" list="ed-zones" value={form.timezone} onChange={(e) => set({ timezone: e.target.value })} aria-invalid={Boolean(fields.timezone)} />
        </label>
        <datalist id="ed-zones">
          {[...new Set([form.timezone, timeZone, browserTimeZone(), 'UTC'])].map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        {fieldError('due_at')}
        {fieldError('timezone')}
      </fieldset>
      <ReminderEditor value={form.reminders} onChange={(reminders) => set({ reminders })} hasDue={Boolean(form.dueDate)} defaultDate={form.dueDate || today} />
      {Object.entries(fields).filter(([k]) => k.startsWith('reminders')).map(([k, m]) => (
        <p key={k} className="text-sm text-red-700 dark:text-red-400">{m}</p>
      ))}
      <RecurrenceEditor value={form.recurrence} onChange={(recurrence) => set({ recurrence })} />
      {fieldError('recurrence.rrule')}
      {fieldError('recurrence')}
      <div className="sticky bottom-0 flex gap-2 border-t border-slate-200 bg-white py-3 dark:border-slate-800 dark:bg-slate-900">
        <button type="submit" className="btn-primary" disabled={create.isPending || update.isPending || conflicts.length > 0}>
          {task ? 'Save' : 'Create task'}
        </button>
        <button type="button" className="btn" onClick={onDone}>Cancel</button>
      </div>
      {task && <HistoryPanel task={task} />}
    </form>
  );
}

/** One side of a conflict in words: the value of the field (or group of fields) it holds. */
function describeSide(side: Partial<EditorForm>): string {
  if ('dueDate' in side) {
    if (!side.dueDate) return 'no due date';
    return `${side.dueDate}${side.allDay || !side.dueTime ? ' (all day)' : ` ${side.dueTime}`} ${side.timezone ?? ''}`.trim();
  }
  if ('reminders' in side) {
    const n = side.reminders?.length ?? 0;
    return n === 0 ? 'no reminders' : `${n} reminder${n === 1 ? '' : 's'}`;
  }
  if ('recurrence' in side) return side.recurrence ? describeRrule(side.recurrence.rrule) : 'does not repeat';
  if ('tags' in side) return (side.tags ?? []).map((t) => `#${t}`).join(' ') || 'no tags';
  const value = Object.values(side)[0];
  return value === '' ? '(empty)' : String(value);
}
