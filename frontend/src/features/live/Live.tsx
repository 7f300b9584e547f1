import { useCallback, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { dismissToast, useToast } from '../../lib/toast';
import { Icon } from '../../lib/icons';
import { formatDue } from '../../lib/time';
import { tagsKey } from '../tags';
import { errorMessage } from '../../api/client';
import { SNOOZES, snoozeTask } from '../reminders';
import { applyTask, completeTask, invalidateLists, useEditor } from '../tasks';
import type { LiveEvent } from './parse';
import { useLiveStream, type LiveStatus } from './useLiveStream';

const LABEL: Record<LiveStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  unavailable: 'Live updates unavailable',
  'too-many': 'Not live: too many tabs',
};
/** What the status means for the person, when a short label is not enough. */
const EXPLAIN: Partial<Record<LiveStatus, string>> = {
  'too-many': 'Live updates are paused in this tab because TaskFlow is open in too many other tabs or windows. Close one and this tab goes live by itself; until then, reload to see changes.',
  offline: 'You are offline: changes made elsewhere show when you are back online.',
};
const DOT: Record<LiveStatus, string> = {
  connecting: 'bg-slate-400',
  live: 'bg-green-600',
  reconnecting: 'bg-amber-500',
  offline: 'bg-red-600',
  unavailable: 'bg-slate-400',
  'too-many': 'bg-amber-500',
};

/** Applies live events to the cache, shows reminders, and shows the connection state. */
export function Live({ timeZone }: { timeZone: string }) {
  const client = useQueryClient();
  const toast = useToast();
  const { open } = useEditor();
  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (event.kind === 'reminder') {
        const { data } = event;
        const when = data.due_at ? `Due ${formatDue(data.due_at, timeZone, false)}` : 'Reminder';
        const key = `reminder:${data.task_id}`;
        const fail = (err: unknown) => toast({ tone: 'error', message: errorMessage(err) });
        const snooze = (minutes: number) =>
          snoozeTask(data.task_id, minutes).then(
            (s) => toast({ message: `Snoozed “${data.task_title}” until ${formatDue(s.fire_at, timeZone, false)}`, key }),
            fail,
          );
        const complete = () =>
          completeTask(data.task_id).then((task) => {
            applyTask(client, task);
            void invalidateLists(client);
            toast({ message: `Completed “${data.task_title}”`, key });
          }, fail);
        toast({
          tone: 'reminder',
          title: data.task_title,
          message: when,
          duration: 0,
          key,
          actions: [
            ...SNOOZES.map((s) => ({ label: s.label, run: () => void snooze(s.minutes(new Date(), timeZone)) })),
            { label: 'Complete', run: () => void complete() },
            { label: 'Open', run: () => open(data.task_id) },
          ],
        });
        if (typeof Notification !== 'undefined' && Notification.permission === 'granted') void notify(data.task_title, when, data.task_id, data.reminder_id, open);
        return;
      }
      applyTask(client, event.task);
      if (event.type.endsWith('.restored')) dismissToast(`deleted:${event.task.id}`);
      if (/(created|deleted|restored)$/.test(event.type)) {
        void invalidateLists(client); // created, deleted, restored: positions change
      }
      if (!event.type.endsWith('.completed') && !event.type.endsWith('.reopened')) {
        void client.invalidateQueries({ queryKey: tagsKey });
      }
    },
    [client, toast, timeZone, open],
  );
  const onResync = useCallback(() => void invalidateLists(client), [client]);
  useNotificationClicks(open);
  const status = useLiveStream(true, onEvent, onResync);
  return <LiveIndicator status={status} />;
}

/**
 * A reminder as a browser notification. Through the service worker where there is one, with
 * Snooze 10 min and Complete buttons (public/sw-extra.js acts on them); otherwise a plain
 * notification whose click brings the tab forward with the task open.
 */
async function notify(title: string, body: string, taskId: string, reminderId: string | undefined, open: (id: string) => void) {
  const tag = reminderId ?? taskId;
  try {
    const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
    if (registration?.active) {
      await registration.showNotification(title, {
        body,
        tag,
        data: { taskId },
        actions: [
          { action: 'snooze', title: 'Snooze 10 min' },
          { action: 'complete', title: 'Complete' },
        ],
      } as NotificationOptions);
      return;
    }
    const note = new Notification(title, { body: `${body} · click to open`, tag });
    note.onclick = () => {
      window.focus();
      open(taskId);
      note.close();
    };
  } catch {
    // some browsers allow notifications only from a service worker
  }
}

/** The service worker's "open this task" (a notification clicked), and `/?task=<id>` (a window it opened). */
function useNotificationClicks(open: (id: string) => void) {
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const task = params.get('task');
    if (task) {
      open(task);
      params.delete('task');
      const rest = params.toString();
      window.history.replaceState(null, '', window.location.pathname + (rest ? `?${rest}` : ''));
    }
    if (!('serviceWorker' in navigator)) return;
    const onMessage = (event: MessageEvent) => {
      const data = event.data as { type?: string; taskId?: string } | null;
      if (data?.type === 'taskflow:open-task' && data.taskId) open(data.taskId);
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [open]);
}

export function LiveIndicator({ status }: { status: LiveStatus }) {
  const quiet = status === 'live' || status === 'connecting' || status === 'unavailable';
  return (
    <span className="inline-flex items-center gap-1.5 text-xs" role="status" data-testid="live-status" data-status={status} title={EXPLAIN[status] ?? LABEL[status]}>
      <span aria-hidden className={`h-2.5 w-2.5 shrink-0 rounded-full ${DOT[status]}`} />
      <span className={quiet ? 'sr-only' : 'font-medium'}>{LABEL[status]}</span>
      {EXPLAIN[status] && <span className="sr-only">. {EXPLAIN[status]}</span>}
    </span>
  );
}

/** Offers browser notifications for reminders until the user decides. */
export function NotificationToggle() {
  const supported = typeof Notification !== 'undefined';
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  if (!supported || permission !== 'default') return null;
  return (
    <button type="button" className="btn px-2" aria-label="Enable notifications" title="Enable notifications for reminders" onClick={() => void Notification.requestPermission().then(setPermission)}>
      <Icon name="bell" />
    </button>
  );
}
