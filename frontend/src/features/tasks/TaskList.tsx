import { useMemo } from 'react';
import type { Task } from '../../api/types';
import { errorMessage } from '../../api/client';
import { useInfiniteScroll } from '../../lib/useInfiniteScroll';
import { useTags } from '../tags';
import { TaskRow, tagColorMap } from './TaskRow';
import type { useTaskList } from './queries';

interface Props {
  list: ReturnType<typeof useTaskList>;
  items: Task[];
  selected: number;
  onSelect: (index: number) => void;
  onToggle: (task: Task) => void;
  onOpen: (task: Task) => void;
  onDelete: (task: Task) => void;
  empty: string;
}

export function Skeleton({ rows = 8 }: { rows?: number }) {
  return (
    <ul aria-hidden="true" data-testid="task-skeleton">
      {Array.from({ length: rows }, (_, i) => (
        <li key={i} className="flex min-h-[56px] items-center gap-3 border-b border-slate-200 px-3 dark:border-slate-800">
          <span className="h-5 w-5 rounded bg-slate-200 dark:bg-slate-800" />
          <span className="h-4 flex-1 rounded bg-slate-200 dark:bg-slate-800" style={{ maxWidth: `${40 + ((i * 37) % 50)}%` }} />
        </li>
      ))}
    </ul>
  );
}

export function TaskList({ list, items, selected, onSelect, onToggle, onOpen, onDelete, empty }: Props) {
  const tags = useTags();
  const colors = useMemo(() => tagColorMap(tags.data), [tags.data]); // stable, so unchanged rows skip rendering
  const sentinel = useInfiniteScroll(() => {
    if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, Boolean(list.hasNextPage));

  if (list.isLoading) return <Skeleton />;
  if (list.error && !list.data) {
    return (
      <div role="alert" className="m-3 rounded border border-red-400 p-3 text-sm">
        <p>{errorMessage(list.error)}</p>
        <button type="button" className="btn mt-2" onClick={() => void list.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (items.length === 0) return <p className="p-6 text-center text-slate-600 dark:text-slate-400">{empty}</p>;
  return (
    <>
      <ul aria-label="Tasks" data-testid="task-list" aria-busy={list.isFetching}>
        {items.map((task, index) => (
          <TaskRow
            key={task.id}
            task={task}
            selected={index === selected}
            tagColors={colors}
            onToggle={onToggle}
            onOpen={onOpen}
            onDelete={onDelete}
            index={index}
            onSelect={onSelect}
          />
        ))}
      </ul>
      <div ref={sentinel} className="h-10 p-2 text-center text-sm text-slate-500">
        {list.isFetchingNextPage ? 'Loading more…' : ''}
      </div>
    </>
  );
}
