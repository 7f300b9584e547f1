import { describe, expect, it } from 'vitest';
import { makeTask } from '../../test/factories';
import { FIRST_PAGE_SIZE, taskPagePath } from './api';
import { dueWindow, toQuery, visibleRows, DEFAULT_FILTERS } from './filters';
import { diffUpdate, formFromTask, formToBody, emptyForm } from './form';
import { parseQuickAdd } from './quickAdd';

const now = new Date('2026-11-25T10:00:00Z'); // Wednesday

describe('filters', () => {
  it('maps due ranges to windows in the user zone', () => {
    expect(dueWindow('today', now, 'Europe/Berlin')).toEqual({
      due_after: '2026-11-25T00:00:00+01:00',
      due_before: '2026-11-26T00:00:00+01:00',
    });
    expect(dueWindow('week', now, 'Europe/Berlin')).toEqual({
      due_after: '2026-11-23T00:00:00+01:00',
      due_before: '2026-11-30T00:00:00+01:00',
    });
    expect(dueWindow('overdue', now, 'UTC')).toEqual({ due_before: '2026-11-25T10:00:00.000Z' });
    expect(dueWindow('any', now, 'UTC')).toEqual({});
  });
  it('builds the list query; overdue means pending', () => {
    expect(toQuery(DEFAULT_FILTERS, now, 'UTC')).toEqual({
      q: undefined, status: 'pending', priority: undefined, tag: undefined, sort: 'due_date', limit: 100,
    });
    const q = toQuery({ ...DEFAULT_FILTERS, q: '  milk ', status: 'all', due: 'overdue', priority: ['high'], tags: ['a', 'b'], sort: '-priority' }, now, 'UTC');
    expect(q).toMatchObject({ q: 'milk', status: 'pending', priority: ['high'], tag: ['a', 'b'], sort: '-priority' });
    expect(toQuery({ ...DEFAULT_FILTERS, status: 'all' }, now, 'UTC').status).toBeUndefined();
  });
  it('asks for a short first page (the first screen) and full pages after it', () => {
    const query = toQuery({ ...DEFAULT_FILTERS, tags: ['a'] }, now, 'UTC');
    expect(taskPagePath(query, null)).toBe(`/tasks?status=pending&tag=a&sort=due_date&limit=${FIRST_PAGE_SIZE}`);
    expect(taskPagePath(query, 'c2')).toBe('/tasks?status=pending&tag=a&sort=due_date&limit=100&cursor=c2');
    expect(taskPagePath({ ...query, limit: 10 }, null)).toMatch(/limit=10$/);
  });
});

describe('visibleRows', () => {
  it('"Overdue" leaves out an all-day task due today (the API returns it: its due_at is the day’s start)', () => {
    const today = makeTask({ id: 'a', due_at: '2026-11-25T00:00:00+01:00', all_day: true });
    const late = makeTask({ id: 'b', due_at: '2026-11-25T09:00:00+01:00', all_day: false });
    const yesterday = makeTask({ id: 'c', due_at: '2026-11-24T00:00:00+01:00', all_day: true });
    const overdue = { ...DEFAULT_FILTERS, due: 'overdue' as const };
    expect(visibleRows(overdue, [today, late, yesterday], now).map((t) => t.id)).toEqual(['b', 'c']);
    expect(visibleRows(DEFAULT_FILTERS, [today, late], now).map((t) => t.id)).toEqual(['a', 'b']);
  });
});

describe('parseQuickAdd', () => {
  it('takes tags, priority and a trailing day out of the title', () => {
    expect(parseQuickAdd('Buy oat milk #errands !high tomorrow', now, 'Europe/Berlin').task).toEqual({
      title: 'Buy oat milk',
      tags: ['errands'],
      priority: 'high',
      due_at: '2026-11-26T00:00:00+01:00',
      all_day: true,
      timezone: 'Europe/Berlin',
    });
  });
  it('keeps words that only look like markers', () => {
    expect(parseQuickAdd('Plan today', now, 'UTC').task).toMatchObject({ title: 'Plan', due_at: '2026-11-25T00:00:00+00:00' });
    expect(parseQuickAdd('today', now, 'UTC').task).toEqual({ title: 'today' });
    expect(parseQuickAdd('Say hi! !nope', now, 'UTC').task).toEqual({ title: 'Say hi! !nope' });
    expect(parseQuickAdd('  #only-tags ', now, 'UTC').task).toBeNull();
  });
});

describe('editor form', () => {
  it('reads a task in its own zone and writes it back unchanged', () => {
    const task = makeTask();
    const form = formFromTask(task);
    expect(form).toMatchObject({ dueDate: '2026-11-24', dueTime: '09:00', timezone: 'Europe/Berlin' });
    expect(form.reminders).toEqual([{ kind: 'offset', minutes: 15 }]);
    expect(formToBody(form)).toMatchObject({
      due_at: '2026-11-24T09:00:00+01:00',
      reminders: [{ offset_minutes: 15 }],
      recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE', from: 'due' },
    });
    expect(diffUpdate(form, form)).toEqual({});
  });
  it('PATCHes only what changed, and a due change carries its zone', () => {
    const form = formFromTask(makeTask());
    expect(diffUpdate(form, { ...form, priority: 'urgent' })).toEqual({ priority: 'urgent' });
    expect(diffUpdate(form, { ...form, dueTime: '10:30' })).toEqual({
      due_at: '2026-11-24T10:30:00+01:00',
      timezone: 'Europe/Berlin',
      all_day: false,
    });
    expect(diffUpdate(form, { ...form, recurrence: null })).toEqual({ recurrence: null });
  });
  it('drops relative reminders without a due date and makes a date-only due all day', () => {
    const form = { ...emptyForm('UTC'), title: ' Call ', reminders: [{ kind: 'offset' as const, minutes: 5 }, { kind: 'at' as const, date: '2026-12-01', time: '08:00' }] };
    expect(formToBody(form)).toMatchObject({ title: 'Call', due_at: null, all_day: false, reminders: [{ at: '2026-12-01T08:00:00+00:00' }] });
    expect(formToBody({ ...form, dueDate: '2026-12-02' })).toMatchObject({ due_at: '2026-12-02T00:00:00+00:00', all_day: true });
  });
});
