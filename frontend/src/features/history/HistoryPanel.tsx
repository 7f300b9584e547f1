import { useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { ApiError, errorMessage, request } from '../../api/client';
import type { AuditItem, Page } from '../../api/types';
import { useSession } from '../auth';
import { describeAuditItem } from './describe';

function useHistory(taskId: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: ['audit', 'task', taskId],
    queryFn: ({ pageParam }) =>
      request<Page<AuditItem>>(`/audit/tasks/${taskId}${pageParam ? `?cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last?.next_cursor ?? null,
    enabled,
    retry: false,
  });
}

/** A task's audit trail in sentences; quiet when the audit service is not there. */
export function HistoryPanel({ taskId }: { taskId: string }) {
  const [open, setOpen] = useState(false);
  const { user } = useSession();
  const history = useHistory(taskId, open);
  const items = history.data?.pages.flatMap((p) => (Array.isArray(p?.items) ? p.items : [])) ?? [];
  const missing = history.error instanceof ApiError && (history.error.status === 404 || history.error.status === 503);
  return (
    <details className="border-t border-slate-200 pt-3 dark:border-slate-800" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary className="cursor-pointer font-medium">History</summary>
      <div className="mt-2 text-sm" aria-live="polite">
        {history.isLoading && <p>Loading…</p>}
        {missing && <p className="text-slate-600 dark:text-slate-400">History is not available on this server yet.</p>}
        {history.error && !missing && <p role="alert">{errorMessage(history.error)}</p>}
        {history.isSuccess && items.length === 0 && <p>No history yet.</p>}
        <ol className="space-y-1" data-testid="history">
          {items.map((item, i) => (
            <li key={String(item.id ?? i)}>{describeAuditItem(item, user?.id)}</li>
          ))}
        </ol>
        {history.hasNextPage && (
          <button type="button" className="btn mt-2" onClick={() => void history.fetchNextPage()}>
            Load more
          </button>
        )}
      </div>
    </details>
  );
}
