import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../api/types';
import { describeChanges, describeEntry } from './describe';

// Entries as GET /api/v1/audit/tasks/{id} returns them (services/audit/entries.py).
const now = new Date('2026-11-23T12:00:00Z'); // a Monday
const me = { kind: 'user', id: 'u1' };
const context = { userId: 'u1', timeZone: 'Europe/Berlin', now };

function entry(type: string, changes: Record<string, unknown> = {}, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    id: 'e1',
    event_id: 'e1',
    seq: 1,
    type: `com.taskflow.${type}`,
    task_id: 't1',
    time: '2026-11-23T11:57:00Z',
    actor: me,
    changes,
    version: 2,
    title: 'Pay rent',
    details: null,
    summary: '',
    ...extra,
  };
}

const say = (e: AuditEntry) => describeEntry(e, context);

describe('describeEntry', () => {
  it('reads a priority change as the issue asks', () => {
    expect(say(entry('task.updated', { priority: ['low', 'high'] }))).toBe('priority changed from low to high by you, 3 min ago');
  });

  it('reads the lifecycle events', () => {
    expect(say(entry('task.created', {}, { version: 1 }))).toBe('created by you, 3 min ago');
    expect(say(entry('task.completed', { status: ['pending', 'completed'], completed_at: [null, '2026-11-23T11:57:00Z'] }))).toBe(
      'completed by you, 3 min ago',
    );
    expect(say(entry('task.reopened', { status: ['completed', 'pending'], completed_at: ['2026-11-23T11:50:00Z', null] }))).toBe(
      'reopened by you, 3 min ago',
    );
    expect(say(entry('task.deleted', { deleted_at: [null, '2026-11-23T11:57:00Z'] }))).toBe('moved to the trash by you, 3 min ago');
    expect(say(entry('task.restored', { deleted_at: ['2026-11-23T11:57:00Z', null] }, { time: '2026-11-23T09:00:00Z' }))).toBe(
      'restored from the trash by you, 3 hours ago',
    );
  });

  it('reads a reminder and the next occurrence of a series without a person behind them', () => {
    const reminder = entry('reminder.triggered', {}, {
      actor: { kind: 'system', id: 'reminder' },
      version: null,
      details: { reminder_id: 'r1', due_at: '2026-11-23T12:30:00Z', fire_at: '2026-11-23T11:59:30Z', late: false },
      time: '2026-11-23T11:59:40Z',
    });
    expect(say(reminder)).toBe('reminder sent, just now');
    expect(say({ ...reminder, details: { late: true } })).toBe('reminder sent (late), just now');
    expect(say(entry('task.created', {}, { actor: { kind: 'system', id: 'recurring' }, time: '2026-11-22T12:00:00Z' }))).toBe(
      'created by the repeat schedule, yesterday',
    );
  });

  it('reads title, due date, tags, reminders and repeat changes', () => {
    expect(say(entry('task.updated', { title: ['Pay rent', 'Pay the rent'] }))).toBe('title changed from “Pay rent” to “Pay the rent” by you, 3 min ago');
    expect(say(entry('task.updated', { due_at: [null, '2026-11-24T09:00:00+01:00'] }))).toBe('due date set to tomorrow 09:00 by you, 3 min ago');
    expect(say(entry('task.updated', { due_at: ['2026-11-24T09:00:00+01:00', '2026-11-26T18:30:00+01:00'] }))).toBe(
      'due date changed from tomorrow 09:00 to Thu 26 Nov 18:30 by you, 3 min ago',
    );
    expect(say(entry('task.updated', { due_at: ['2026-11-24T09:00:00+01:00', null] }))).toBe('due date removed by you, 3 min ago');
    expect(say(entry('task.updated', { tags: [['home'], ['home', 'money']] }))).toBe('tag #money added by you, 3 min ago');
    expect(say(entry('task.updated', { tags: [['home', 'work'], ['money']] }))).toBe('tag #money added and tags #home #work removed by you, 3 min ago');
    expect(
      say(entry('task.updated', { reminders: [[{ id: 'a', offset_minutes: 15, at: null }], [{ id: 'b', offset_minutes: 60, at: null }]] })),
    ).toBe('reminder changed from 15 minutes before to 1 hour before by you, 3 min ago');
    expect(
      say(entry('task.updated', { recurrence: [null, { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', from: 'due', index: 1 }], series_id: [null, 't1'] })),
    ).toBe('set to repeat every week on Mon, Wed by you, 3 min ago');
    expect(say(entry('task.updated', { recurrence: [{ rrule: 'FREQ=DAILY', from: 'due', index: 3 }, null] }))).toBe('no longer repeats by you, 3 min ago');
  });

  it('joins several changes in one sentence, all-day dates without a time', () => {
    const changes = { all_day: [false, true], due_at: ['2026-11-24T09:00:00+01:00', '2026-11-26T00:00:00+01:00'], priority: ['medium', 'urgent'] };
    expect(say(entry('task.updated', changes))).toBe(
      'priority changed from medium to urgent, due date changed from tomorrow to Thu 26 Nov and made all-day by you, 3 min ago',
    );
  });

  it('says "changed" when only side effects changed, and names other actors', () => {
    expect(say(entry('task.updated', { series_id: [null, 't1'] }))).toBe('changed by you, 3 min ago');
    expect(say(entry('task.updated', { priority: ['low', 'high'] }, { actor: { kind: 'user', id: 'u2' } }))).toBe(
      'priority changed from low to high by someone else, 3 min ago',
    );
    expect(say(entry('task.created', {}, { actor: null, time: 'not a time' }))).toBe('created');
  });
});

describe('describeChanges', () => {
  it('reads descriptions and unknown fields without dumping their values', () => {
    expect(describeChanges({ description: ['', 'Call first'] }, context)).toEqual(['description added']);
    expect(describeChanges({ description: ['Call first', 'Call before noon'] }, context)).toEqual(['description edited']);
    expect(describeChanges({ colour_of_sky: ['blue', 'grey'], version: [1, 2] }, context)).toEqual(['colour of sky changed']);
    expect(describeChanges(null, context)).toEqual([]);
  });
});
