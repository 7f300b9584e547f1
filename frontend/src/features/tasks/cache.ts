import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import type { Page, Task, TaskQuery } from '../../api/types';

// One place that writes tasks into the TanStack Query cache: our own mutations and the
// live stream both go through it, and an older version never replaces a newer one.

export const tasksKey = ['tasks'] as const;
export const listKey = (query: TaskQuery) => ['tasks', 'list', query] as const;
export const detailKey = (id: string) => ['tasks', 'detail', id] as const;

type ListData = InfiniteData<Page<Task>, string | null>;

function isTrash(queryKey: readonly unknown[]): boolean {
  return Boolean((queryKey[2] as TaskQuery | undefined)?.deleted);
}

/** Whether `incoming` should replace `current` (missing, or a strictly newer version). */
export function isNewer(incoming: Task, current: Task | undefined): boolean {
  return !current || incoming.version > current.version;
}

/** Put a task (from an answer or an event) into every cached list and its detail entry. */
export function applyTask(client: QueryClient, task: Task): void {
  const deleted = Boolean(task.deleted_at);
  client.setQueryData<Task>(detailKey(task.id), (current) => (isNewer(task, current) ? task : current));
  for (const [queryKey, data] of client.getQueriesData<ListData>({ queryKey: [...tasksKey, 'list'] })) {
    if (!data) continue;
    const belongs = isTrash(queryKey) === deleted;
    let changed = false;
    const pages = data.pages.map((page) => {
      const index = page.items.findIndex((t) => t.id === task.id);
      if (index < 0) return page;
      const current = page.items[index]!;
      if (!isNewer(task, current)) return page;
      changed = true;
      const items = belongs
        ? page.items.map((t, i) => (i === index ? task : t))
        : page.items.filter((_, i) => i !== index);
      return { ...page, items };
    });
    if (changed) client.setQueryData<ListData>(queryKey, { ...data, pages });
  }
}

/** Optimistic edit of a cached task, whatever its version (the answer replaces it). */
export function patchCachedTask(client: QueryClient, id: string, patch: Partial<Task>): void {
  for (const [queryKey, data] of client.getQueriesData<ListData>({ queryKey: [...tasksKey, 'list'] })) {
    if (!data || !data.pages.some((p) => p.items.some((t) => t.id === id))) continue;
    client.setQueryData<ListData>(queryKey, {
      ...data,
      pages: data.pages.map((p) => ({ ...p, items: p.items.map((t) => (t.id === id ? { ...t, ...patch } : t)) })),
    });
  }
}

/** Drop a task from the cached active lists (optimistic delete). */
export function removeFromLists(client: QueryClient, id: string): void {
  for (const [queryKey, data] of client.getQueriesData<ListData>({ queryKey: [...tasksKey, 'list'] })) {
    if (!data || isTrash(queryKey)) continue;
    if (!data.pages.some((p) => p.items.some((t) => t.id === id))) continue;
    client.setQueryData<ListData>(queryKey, {
      ...data,
      pages: data.pages.map((p) => ({ ...p, items: p.items.filter((t) => t.id !== id) })),
    });
  }
}

/** Refetch every list (a task appeared, or moved between filters). */
export function invalidateLists(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: [...tasksKey, 'list'] });
}
