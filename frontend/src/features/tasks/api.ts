import { request, withQuery } from '../../api/client';
import type { Page, Task, TaskCreate, TaskQuery, TaskUpdate } from '../../api/types';

export const fetchTasks = (query: TaskQuery, signal?: AbortSignal) =>
  request<Page<Task>>(withQuery('/tasks', { ...query }), { signal });
export const fetchTask = (id: string) => request<Task>(`/tasks/${id}`);
export const createTask = (body: TaskCreate) => request<Task>('/tasks', { method: 'POST', body });
export const patchTask = (id: string, version: number, body: TaskUpdate) =>
  request<Task>(`/tasks/${id}`, { method: 'PATCH', body, headers: { 'If-Match': String(version) } });
export const deleteTask = (id: string) => request<void>(`/tasks/${id}`, { method: 'DELETE' });
export const restoreTask = (id: string) => request<Task>(`/tasks/${id}/restore`, { method: 'POST' });
export const completeTask = (id: string) => request<Task>(`/tasks/${id}/complete`, { method: 'POST' });
export const reopenTask = (id: string) => request<Task>(`/tasks/${id}/reopen`, { method: 'POST' });
