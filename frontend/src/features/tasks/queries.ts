import { useEffect } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/client';
import { isoToZoned, zonedToIso } from '../../lib/time';
import type { Task, TaskCreate, TaskQuery, TaskUpdate } from '../../api/types';
import { dismissToast } from '../../lib/toast';
import * as api from './api';
import { applyTask, detailKey, invalidateLists, listKey, patchCachedTask, removeFromLists } from './cache';

export function useTaskList(query: TaskQuery) {
  return useInfiniteQuery({
    queryKey: listKey(query),
    queryFn: ({ pageParam, signal }) => api.fetchTaskPage(query, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    placeholderData: (previous) => previous,
  });
}

export function useTask(id: string | null) {
  return useQuery({ queryKey: detailKey(id ?? ''), queryFn: () => api.fetchTask(id!), enabled: Boolean(id) });
}

export function useCreateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TaskCreate) => api.createTask(body),
    onSuccess: (task) => {
      applyTask(client, task);
      void invalidateLists(client);
    },
  });
}

export function useUpdateTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, version, body }: { id: string; version: number; body: TaskUpdate }) =>
      api.patchTask(id, version, body),
    onSuccess: (task) => {
      applyTask(client, task);
      void invalidateLists(client); // sort or filter position may have changed
    },
  });
}

/** Complete or reopen in one click; a recurring task's next occurrence is fetched after. */
export function useToggleComplete() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (task: Task) => (task.status === 'completed' ? api.reopenTask(task.id) : api.completeTask(task.id)),
    onMutate: (task) => patchCachedTask(client, task.id, { status: task.status === 'completed' ? 'pending' : 'completed' }),
    onError: (_err, task) => {
      patchCachedTask(client, task.id, { status: task.status });
      void invalidateLists(client);
    },
    onSuccess: (task) => {
      applyTask(client, task);
      if (task.recurrence && task.status === 'completed') {
        // The recurring service creates the next occurrence just after the completion commits;
        // the live stream announces it, and this covers a stream that is not there.
        void invalidateLists(client);
        setTimeout(() => void invalidateLists(client), 1200);
      }
    },
  });
}

export function useDeleteTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (task: Task) => api.deleteTask(task.id),
    onMutate: (task) => removeFromLists(client, task.id),
    onError: () => void invalidateLists(client),
    onSuccess: () => void invalidateLists(client),
  });
}

export function useRestoreTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.restoreTask(id),
    onSuccess: (task) => {
      dismissToast(`deleted:${task.id}`); // its Undo has nothing left to undo
      applyTask(client, task);
      void invalidateLists(client);
    },
  });
}

/** Every page of a list (a view that groups by day needs them all), up to `maxPages`. */
export function useWholeTaskList(query: TaskQuery, maxPages = 10) {
  const list = useTaskList(query);
  const pages = list.data?.pages.length ?? 0;
  useEffect(() => {
    if (list.hasNextPage && !list.isFetchingNextPage && pages < maxPages) void list.fetchNextPage();
  }, [list.hasNextPage, list.isFetchingNextPage, pages, maxPages, list]);
  return list;
}

/**
 * Move a task to another day, keeping its time of day (in its own zone). Sends the due date
 * alone; if the task changed meanwhile (412) the move is applied to the fresh version once.
 */
export function useReschedule() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ task, date }: { task: Task; date: string }) => {
      const move = (t: Task) => {
        const time = t.all_day || !t.due_at ? '00:00' : isoToZoned(t.due_at, t.timezone).time;
        return api.patchTask(t.id, t.version, { due_at: zonedToIso(date, time, t.timezone) });
      };
      try {
        return await move(task);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 412)) throw err;
        return move(await api.fetchTask(task.id));
      }
    },
    onMutate: ({ task, date }) => {
      const time = task.all_day || !task.due_at ? '00:00' : isoToZoned(task.due_at, task.timezone).time;
      patchCachedTask(client, task.id, { due_at: zonedToIso(date, time, task.timezone) });
    },
    onSettled: (task) => {
      if (task) applyTask(client, task);
      void invalidateLists(client);
    },
  });
}
