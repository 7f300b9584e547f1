import { useMemo, useState, type DragEvent, type ReactNode } from 'react';
import type { Task } from '../../../api/types';
import { useTags } from '../../tags';
import { TASK_DRAG_TYPE, TaskRow, tagColorMap } from '../TaskRow';
import { useTaskActions } from '../useTaskActions';

const noSelect = () => {};

interface Props {
  id: string;
  title: ReactNode;
  tasks: Task[];
  /** shown when the group has no tasks; a group without it is left out when empty */
  empty?: string;
  tone?: 'overdue';
  /** rows can be dragged, and a task dropped here calls this */
  onDropTask?: (taskId: string) => void;
  /** extra controls per row */
  extra?: (task: Task) => ReactNode;
}

/** A headed list of task rows (Today's sections, Upcoming's days). */
export function TaskGroup({ id, title, tasks, empty, tone, onDropTask, extra }: Props) {
  const tags = useTags();
  const colors = useMemo(() => tagColorMap(tags.data), [tags.data]);
  const { onToggle, onOpen, onDelete } = useTaskActions();
  const [over, setOver] = useState(false);
  if (tasks.length === 0 && empty === undefined && !onDropTask) return null;
  const drop = onDropTask && {
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes(TASK_DRAG_TYPE)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      setOver(true);
    },
    onDragLeave: () => setOver(false),
    onDrop: (e: DragEvent) => {
      e.preventDefault();
      setOver(false);
      const taskId = e.dataTransfer.getData(TASK_DRAG_TYPE);
      if (taskId) onDropTask(taskId);
    },
  };
  return (
    <section aria-labelledby={`${id}-title`} data-testid={`group-${id}`} className={`rounded-lg border ${over ? 'border-blue-600 bg-blue-50 dark:bg-slate-800' : 'border-slate-200 dark:border-slate-800'}`} {...drop}>
      <h3 id={`${id}-title`} className={`flex items-baseline gap-2 border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800 ${tone === 'overdue' ? 'text-red-700 dark:text-red-400' : ''}`}>
        {title}
        <span className="text-xs font-normal text-slate-600 dark:text-slate-400">{tasks.length}</span>
      </h3>
      {tasks.length === 0 ? (
        <p className="px-3 py-2 text-sm text-slate-600 dark:text-slate-400">{empty ?? 'Nothing due.'}</p>
      ) : (
        <ul aria-labelledby={`${id}-title`}>
          {tasks.map((task, index) => (
            <TaskRow
              key={task.id}
              task={task}
              index={index}
              selected={false}
              onSelect={noSelect}
              tagColors={colors}
              onToggle={onToggle}
              onOpen={onOpen}
              onDelete={onDelete}
              draggable={Boolean(onDropTask)}
              extra={extra?.(task)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

export function ViewError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <div role="alert" className="rounded border border-red-400 p-3 text-sm">
      <p>{error instanceof Error ? error.message : String(error)}</p>
      <button type="button" className="btn mt-2" onClick={retry}>Try again</button>
    </div>
  );
}
