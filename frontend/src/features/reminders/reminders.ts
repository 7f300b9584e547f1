import type { Reminder, ReminderIn } from '../../api/types';
import { isoToZoned, zonedToIso } from '../../lib/time';

/** A reminder as the editor holds it: relative to the due time, or at a wall time in the task's zone. */
export type ReminderDraft = { kind: 'offset'; minutes: number } | { kind: 'at'; date: string; time: string };

export const OFFSET_CHOICES: { minutes: number; label: string }[] = [
  { minutes: 0, label: 'At the due time' },
  { minutes: 5, label: '5 minutes before' },
  { minutes: 15, label: '15 minutes before' },
  { minutes: 30, label: '30 minutes before' },
  { minutes: 60, label: '1 hour before' },
  { minutes: 120, label: '2 hours before' },
  { minutes: 1440, label: '1 day before' },
  { minutes: 2880, label: '2 days before' },
  { minutes: 10080, label: '1 week before' },
];

export function describeOffset(minutes: number): string {
  const known = OFFSET_CHOICES.find((c) => c.minutes === minutes);
  if (known) return known.label;
  if (minutes % 1440 === 0) return `${minutes / 1440} days before`;
  if (minutes % 60 === 0) return `${minutes / 60} hours before`;
  return `${minutes} minutes before`;
}

export function toDraft(reminder: Reminder, timeZone: string): ReminderDraft {
  if (reminder.at) return { kind: 'at', ...isoToZoned(reminder.at, timeZone) };
  return { kind: 'offset', minutes: reminder.offset_minutes ?? 0 };
}

export function toReminderIn(draft: ReminderDraft, timeZone: string): ReminderIn | null {
  if (draft.kind === 'offset') return { offset_minutes: Math.max(0, Math.round(draft.minutes)) };
  if (!draft.date) return null;
  return { at: zonedToIso(draft.date, draft.time || '09:00', timeZone) };
}
