import { memo, type ReactNode } from 'react';
import type { Priority, Tag, Task } from '../../api/types';
import { Icon } from '../../lib/icons';
import { formatDue, isOverdue } from '../../lib/time';
import { describeRrule } from '../recurrence';
import { TagChip } from '../tags';

export const PRIORITY_STYLE: Record<Priority, string> = {
  low: 'text-slate-700 bg-slate-100 dark:bg-slate-800 dark:text-slate-300',
  medium: 'text-blue-800 bg-blue-100 dark:bg-blue-950 dark:text-blue-200',
  high: 'text-orange-900 bg-orange-100 dark:bg-orange-950 dark:text-orange-200',
  urgent: 'text-red-800 bg-red-100 dark:bg-red-950 dark:text-red-200',
};

interface Props {
  task: Task;
  selected: boolean;
  tagColors: Map<string, string>;
  onToggle: (task: Task) => void;
  onOpen: (task: Task) => void;
  onDelete: (task: Task) => void;
  /** Position in the list, passed back to `onSelect` (so the handler can stay the same function). */
  index: number;
  onSelect: (index: number) => void;
  /** the row can be dragged (its id travels as `text/x-taskflow-task`) */
  draggable?: boolean;
  /** more controls, before Delete (e.g. Upcoming's "Move to") */
  extra?: ReactNode;
}

export const TASK_DRAG_TYPE = 'text/x-taskflow-task';

export const TaskRow = memo(function TaskRow({ task, selected, tagColors, onToggle, onOpen, onDelete, index, onSelect, draggable, extra }: Props) {
  const done = task.status === 'completed';
  const overdue = isOverdue(task);
  return (
    <li
      data-testid="task-row"
      data-task-id={task.id}
      aria-current={selected ? 'true' : undefined}
      data-selected={selected}
      onClick={() => onSelect(index)}
      draggable={draggable || undefined}
      onDragStart={draggable ? (e) => {
        e.dataTransfer.setData(TASK_DRAG_TYPE, task.id);
        e.dataTransfer.effectAllowed = 'move';
      } : undefined}
      className={`task-row group flex min-h-[56px] items-center gap-3 border-b border-slate-200 px-3 py-2 dark:border-slate-800 ${selected ? 'bg-blue-50 dark:bg-slate-800/70' : ''}`}
    >
      <input
        type="checkbox"
        className="h-5 w-5 shrink-0 accent-blue-700"
        checked={done}
        onChange={() => onToggle(task)}
        aria-label={done ? `Mark “${task.title}” not done` : `Complete “${task.title}”`}
      />
      <div className="min-w-0 flex-1">
        <button
          type="button"
          className={`block max-w-full truncate text-left font-medium hover:underline ${done ? 'text-slate-500 line-through dark:text-slate-400' : ''}`}
          onClick={() => onOpen(task)}
        >
          {task.title}
        </button>
        <div className="flex h-5 items-center gap-2 overflow-hidden whitespace-nowrap text-xs text-slate-600 dark:text-slate-400">
          {task.due_at && (
            <span className={overdue ? 'font-semibold text-red-700 dark:text-red-400' : ''} data-testid="due">
              {formatDue(task.due_at, task.timezone, task.all_day)}
              {overdue && <span className="sr-only"> (overdue)</span>}
            </span>
          )}
          {task.recurrence && (
            <span className="inline-flex items-center gap-0.5" title={task.recurrence.rrule}>
              <Icon name="repeat" className="h-3 w-3" />
              {describeRrule(task.recurrence.rrule)}
            </span>
          )}
          {task.reminders.length > 0 && (
            <span className="inline-flex items-center gap-0.5" data-testid="reminder-count" title={`${task.reminders.length} reminder(s)`}>
              <Icon name="bell" className="h-3 w-3" />
              <span className="sr-only">reminders:</span>
              {task.reminders.length}
            </span>
          )}
          {task.tags.map((tag) => (
            <TagChip key={tag} name={tag} color={tagColors.get(tag)} />
          ))}
        </div>
      </div>
      <span className={`shrink-0 rounded px-1.5 py-0.5 text-xs font-medium sm:px-2 ${PRIORITY_STYLE[task.priority]}`} data-testid="priority">
        <span className="sr-only">priority </span>
        <span>{task.priority}</span>
      </span>
      {extra}
      <button
        type="button"
        className="shrink-0 rounded px-2 py-2 text-sm text-slate-600 hover:bg-red-50 hover:text-red-700 dark:text-slate-400 dark:hover:bg-red-950"
        aria-label={`Delete “${task.title}”`}
        title="Delete"
        onClick={() => onDelete(task)}
      >
        <Icon name="trash" className="h-4 w-4 sm:hidden" />
        <span className="hidden sm:inline">Delete</span>
      </button>
    </li>
  );
});

export function tagColorMap(tags: Tag[] | undefined): Map<string, string> {
  return new Map((tags ?? []).map((t) => [t.name, t.color]));
}
