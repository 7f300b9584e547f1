import type { Task } from '../api/types';

/** A task as the API returns it. */
export function makeTask(overrides: Partial<Task> = {}): Task {
  return {
    id: 't1',
    title: 'Water the plants',
    description: '',
    status: 'pending',
    priority: 'medium',
    tags: ['garden'],
    due_at: '2026-11-24T09:00:00+01:00',
    all_day: false,
    timezone: 'Europe/Berlin',
    reminders: [{ id: 'r1', offset_minutes: 15, at: null }],
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', from: 'due', index: 1 },
    series_id: 't1',
    version: 3,
    created_at: '2026-11-23T10:00:00Z',
    updated_at: '2026-11-23T10:00:00Z',
    completed_at: null,
    deleted_at: null,
    ...overrides,
  };
}
