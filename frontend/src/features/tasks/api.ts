import { request, withQuery } from '../../api/client';
import type { Page, Task, TaskCreate, TaskQuery, TaskUpdate } from '../../api/types';

/**
 * Rows in a list's first page: a tall screen's worth, so the first screen is answered and
 * painted fast; later pages (loaded as the user scrolls) have the query's `limit`.
 */
export const FIRST_PAGE_SIZE = 30;

/** The path of one page of a list: the first (no cursor) is FIRST_PAGE_SIZE rows at most. */
export function taskPagePath(query: TaskQuery, cursor: string | null): string {
  const limit = Math.min(FIRST_PAGE_SIZE, query.limit ?? FIRST_PAGE_SIZE);
  return withQuery('/tasks', cursor === null ? { ...query, limit } : { ...query, cursor });
}

export const fetchTaskPage = (query: TaskQuery, cursor: string | null, signal?: AbortSignal) =>
  request<Page<Task>>(taskPagePath(query, cursor), { signal });
export const fetchTask = (id: string) => request<Task>(`/tasks/${id}`);
export const createTask = (body: TaskCreate) => request<Task>('/tasks', { method: 'POST', body });
export const patchTask = (id: string, version: number, body: TaskUpdate) =>
  request<Task>(`/tasks/${id}`, { method: 'PATCH', body, headers: { 'If-Match': String(version) } });
export const deleteTask = (id: string) => request<void>(`/tasks/${id}`, { method: 'DELETE' });
export const restoreTask = (id: string) => request<Task>(`/tasks/${id}/restore`, { method: 'POST' });
export const completeTask = (id: string) => request<Task>(`/tasks/${id}/complete`, { method: 'POST' });
export const reopenTask = (id: string) => request<Task>(`/tasks/${id}/reopen`, { method: 'POST' });
export const deleteForever = (id: string) => request<void>(`/trash/${id}`, { method: 'DELETE' });
