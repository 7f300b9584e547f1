import { useCallback, useState } from 'react';
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
        if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
          try {
            // Buttons on a notification need a service worker's showNotification; a click here
            // brings the tab forward with the task open (the toast there has the actions).
            const note = new Notification(data.task_title, { body: `${when} · click to open`, tag: data.reminder_id ?? data.task_id });
            note.onclick = () => {
              window.focus();
              open(data.task_id);
              note.close();
            };
          } catch {
            // some browsers allow notifications only from a service worker
          }
        }
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
  const status = useLiveStream(true, onEvent, onResync);
  return <LiveIndicator status={status} />;
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
