import { request } from '../../api/client';
import { startOfDay } from '../../lib/time';

/** The reminder service's one-off reminder `minutes` from now (1 to 1440). */
export const snoozeTask = (taskId: string, minutes: number) =>
  request<{ task_id: string; reminder_id: string; fire_at: string }>(`/tasks/${taskId}/reminders/snooze`, {
    method: 'POST',
    body: { minutes },
  });

/** The API takes at most a day. */
export const MAX_SNOOZE_MINUTES = 1440;

/**
 * Minutes from `now` to tomorrow 09:00 in `timeZone`, at most a day (the API's limit): after
 * 09:00 that is tomorrow 09:00; before it, 24 hours from now.
 */
export function minutesUntilTomorrowMorning(now: Date, timeZone: string): number {
  const nineTomorrow = new Date(startOfDay(now, timeZone, 1)).getTime() + 9 * 3_600_000;
  return Math.max(1, Math.min(MAX_SNOOZE_MINUTES, Math.round((nineTomorrow - now.getTime()) / 60_000)));
}

export const SNOOZES: { label: string; minutes: (now: Date, timeZone: string) => number }[] = [
  { label: 'Snooze 10 min', minutes: () => 10 },
  { label: 'Snooze 1 h', minutes: () => 60 },
  { label: 'Tomorrow', minutes: minutesUntilTomorrowMorning },
];
