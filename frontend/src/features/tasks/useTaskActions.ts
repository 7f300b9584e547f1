import { useCallback } from 'react';
import { errorMessage } from '../../api/client';
import type { Task } from '../../api/types';
import { useToast } from '../../lib/toast';
import { useEditor } from './editorHost';
import { useDeleteTask, useRestoreTask, useToggleComplete } from './queries';

/** Row actions shared by every view: complete (with Undo), delete (with Undo), open. */
export function useTaskActions() {
  const toast = useToast();
  const { open } = useEditor();
  // `mutate` keeps its identity, so the handlers below (and the memoised rows) stay put.
  const { mutate: toggle } = useToggleComplete();
  const { mutate: remove } = useDeleteTask();
  const { mutate: restore } = useRestoreTask();
  const fail = useCallback((err: Error) => toast({ tone: 'error', message: errorMessage(err) }), [toast]);

  const onToggle = useCallback(
    (task: Task) =>
      toggle(task, {
        onSuccess: (done) => {
          if (done.status !== 'completed') return;
          toast({
            key: `completed:${task.id}`,
            message: `Completed “${task.title}”`,
            action: { label: 'Undo', run: () => toggle(done, { onError: fail }) },
          });
        },
        onError: fail,
      }),
    [toggle, toast, fail],
  );
  const onDelete = useCallback(
    (task: Task) =>
      remove(task, {
        onSuccess: () =>
          toast({
            key: `deleted:${task.id}`,
            message: `Deleted “${task.title}”`,
            action: { label: 'Undo', run: () => restore(task.id, { onError: fail }) },
          }),
        onError: fail,
      }),
    [remove, restore, toast, fail],
  );
  const onOpen = useCallback((task: Task) => open(task.id), [open]);
  return { onToggle, onDelete, onOpen, toggle };
}
