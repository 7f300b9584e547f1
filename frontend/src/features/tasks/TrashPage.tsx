import { useMemo } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteForever } from './api';
import { invalidateLists } from './cache';
import { errorMessage } from '../../api/client';
import { useToast } from '../../lib/toast';
import { relativeTime } from '../../lib/time';
import { useInfiniteScroll } from '../../lib/useInfiniteScroll';
import { useRestoreTask, useTaskList } from './queries';
import { Skeleton } from './TaskList';

const TRASH = { deleted: true, sort: '-created_at', limit: 100 } as const;

export function TrashPage() {
  const list = useTaskList(TRASH);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const restore = useRestoreTask();
  const toast = useToast();
  const client = useQueryClient();
  const purge = useMutation({ mutationFn: (id: string) => deleteForever(id), onSettled: () => void invalidateLists(client) });
  const sentinel = useInfiniteScroll(() => {
    if (list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
  }, Boolean(list.hasNextPage));
  return (
    <section aria-labelledby="trash-title" className="space-y-3">
      <h2 id="trash-title" className="text-xl font-semibold">Trash</h2>
      <div className="rounded-lg border border-slate-200 dark:border-slate-800">
        {list.isLoading ? (
          <Skeleton rows={4} />
        ) : list.error ? (
          <p role="alert" className="p-3">{errorMessage(list.error)}</p>
        ) : items.length === 0 ? (
          <p className="p-6 text-center text-slate-600 dark:text-slate-400">The trash is empty.</p>
        ) : (
          <ul data-testid="trash-list">
            {items.map((task) => (
              <li key={task.id} data-testid="trash-row" className="flex min-h-[56px] items-center gap-3 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
                <div className="min-w-0 flex-1">
                  <p className="truncate font-medium">{task.title}</p>
                  {task.deleted_at && <p className="text-xs text-slate-600 dark:text-slate-400">deleted {relativeTime(task.deleted_at)}</p>}
                </div>
                <button
                  type="button"
                  className="btn"
                  aria-label={`Restore “${task.title}”`}
                  onClick={() =>
                    restore.mutate(task.id, {
                      onSuccess: () => toast({ message: `Restored “${task.title}”` }),
                      onError: (err) => toast({ tone: 'error', message: errorMessage(err) }),
                    })
                  }
                >
                  Restore
                </button>
                <button
                  type="button"
                  className="btn"
                  aria-label={`Delete “${task.title}” forever`}
                  onClick={() =>
                    purge.mutate(task.id, {
                      onSuccess: () => toast({ message: `Deleted “${task.title}” for good` }),
                      onError: (err) => toast({ tone: 'error', message: errorMessage(err) }),
                    })
                  }
                >
                  Delete forever
                </button>
              </li>
            ))}
          </ul>
        )}
        <div ref={sentinel} />
      </div>
    </section>
  );
}
