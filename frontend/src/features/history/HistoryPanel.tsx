import { useEffect, useReducer, useRef, useState } from 'react';
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { ApiError, errorMessage, request, withQuery } from '../../api/client';
import type { AuditEntry, Page, Task } from '../../api/types';
import { useSession } from '../auth';
import { describeEntry } from './describe';

type HistoryData = InfiniteData<Page<AuditEntry>, string | null>;

const POLL_MS = 1000;
const MAX_POLLS = 15;

export const historyKey = (taskId: string) => ['audit', 'task', taskId] as const;

/**
 * The audit service records a change a moment after the task API commits it (it reads the
 * event stream). True while the trail we have is older than the task: nothing recorded yet
 * (404), or the newest entry's version is below the task's, with every page loaded.
 */
export function isBehind(data: HistoryData | undefined, error: unknown, version: number): boolean {
  if (error) return error instanceof ApiError && error.status === 404;
  const pages = data?.pages ?? [];
  const last = pages[pages.length - 1];
  if (!last || last.next_cursor) return false;
  let newest = 0;
  for (const page of pages) for (const item of page.items) if (typeof item.version === 'number') newest = Math.max(newest, item.version);
  return newest < version;
}

function useHistory(task: Task, enabled: boolean) {
  const baseline = useRef({ version: task.version, updates: 0 });
  const query = useInfiniteQuery({
    queryKey: historyKey(task.id),
    queryFn: ({ pageParam, signal }) =>
      request<Page<AuditEntry>>(withQuery(`/audit/tasks/${task.id}`, { cursor: pageParam }), { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled,
    retry: false,
    staleTime: 0,
    refetchInterval: (q) => {
      const updates = q.state.dataUpdateCount + q.state.errorUpdateCount;
      if (baseline.current.version !== task.version) baseline.current = { version: task.version, updates };
      if (updates - baseline.current.updates >= MAX_POLLS) return false;
      return isBehind(q.state.data, q.state.error, task.version) ? POLL_MS : false;
    },
  });
  const { refetch } = query;
  const seenVersion = useRef(task.version);
  useEffect(() => {
    // a newer task (saved here or live from another tab): its entry is on the way
    if (task.version === seenVersion.current) return;
    seenVersion.current = task.version;
    if (enabled) void refetch();
  }, [enabled, task.version, refetch]);
  return query;
}

const absolute = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** A task's audit trail in sentences, oldest first: "priority changed from low to high by you, 3 min ago". */
export function HistoryPanel({ task }: { task: Task }) {
  const [open, setOpen] = useState(false);
  const [, tick] = useReducer((n: number) => n + 1, 0);
  const { user } = useSession();
  const history = useHistory(task, open);
  useEffect(() => {
    if (!open) return;
    const timer = setInterval(tick, 30_000); // keep "3 min ago" true
    return () => clearInterval(timer);
  }, [open]);

  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  const notYet = history.error instanceof ApiError && history.error.status === 404;
  const context = { userId: user?.id, timeZone: task.timezone, allDay: task.all_day, now: new Date() };
  return (
    <details className="border-t border-slate-200 pt-3 dark:border-slate-800" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary className="cursor-pointer font-medium">History</summary>
      <div className="mt-2 text-sm" aria-live="polite" aria-busy={history.isFetching}>
        {history.isLoading && <p>Loading…</p>}
        {notYet && <p className="text-slate-600 dark:text-slate-400">No history recorded yet.</p>}
        {history.error && !notYet && <p role="alert">{errorMessage(history.error)}</p>}
        {items.length > 0 && (
          <ol className="space-y-1" data-testid="history">
            {items.map((item) => (
              <li key={item.id} className="first-letter:uppercase" data-type={item.type}>
                <span title={Number.isNaN(Date.parse(item.time)) ? undefined : absolute.format(new Date(item.time))}>
                  {describeEntry(item, context)}
                </span>
              </li>
            ))}
          </ol>
        )}
        {history.hasNextPage && (
          <button type="button" className="btn mt-2" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
            Show later changes
          </button>
        )}
      </div>
    </details>
  );
}
