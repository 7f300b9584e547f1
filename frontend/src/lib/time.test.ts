import { describe, expect, it } from 'vitest';
import { formatDue, isOverdue, isoToZoned, isoWeekday, offsetMinutes, relativeTime, startOfDay, zonedToIso } from './time';

describe('zonedToIso', () => {
  it('uses the zone offset of that date', () => {
    expect(zonedToIso('2026-01-15', '09:30', 'Europe/Berlin')).toBe('2026-01-15T09:30:00+01:00');
    expect(zonedToIso('2026-07-15', '09:30', 'Europe/Berlin')).toBe('2026-07-15T09:30:00+02:00');
    expect(zonedToIso('2026-07-15', '09:30', 'America/New_York')).toBe('2026-07-15T09:30:00-04:00');
    expect(zonedToIso('2026-07-15', '09:30', 'Asia/Kolkata')).toBe('2026-07-15T09:30:00+05:30');
    expect(zonedToIso('2026-07-15', '', 'UTC')).toBe('2026-07-15T00:00:00+00:00');
  });
  it('settles across a DST change', () => {
    // Berlin springs forward at 02:00 on 29 March 2026.
    expect(zonedToIso('2026-03-29', '12:00', 'Europe/Berlin')).toBe('2026-03-29T12:00:00+02:00');
    expect(zonedToIso('2026-03-29', '00:30', 'Europe/Berlin')).toBe('2026-03-29T00:30:00+01:00');
  });
  it('round-trips with isoToZoned', () => {
    const iso = zonedToIso('2026-11-24', '18:05', 'Australia/Sydney');
    expect(isoToZoned(iso, 'Australia/Sydney')).toEqual({ date: '2026-11-24', time: '18:05' });
    expect(isoToZoned('2026-11-24T08:00:00Z', 'Europe/Berlin')).toEqual({ date: '2026-11-24', time: '09:00' });
  });
});

describe('day helpers', () => {
  const now = new Date('2026-11-25T23:30:00Z'); // Thursday 00:30 in Berlin, Wednesday in UTC
  it('startOfDay is local midnight in the zone', () => {
    expect(startOfDay(now, 'Europe/Berlin')).toBe('2026-11-26T00:00:00+01:00');
    expect(startOfDay(now, 'UTC', 1)).toBe('2026-11-26T00:00:00+00:00');
  });
  it('isoWeekday follows the zone', () => {
    expect(isoWeekday(now, 'Europe/Berlin')).toBe(4);
    expect(isoWeekday(now, 'UTC')).toBe(3);
  });
  it('offsetMinutes', () => {
    expect(offsetMinutes(now, 'Europe/Berlin')).toBe(60);
    expect(offsetMinutes(now, 'UTC')).toBe(0);
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  it.each([
    ['2026-11-23T11:59:40Z', 'just now'],
    ['2026-11-23T11:57:00Z', '3 min ago'],
    ['2026-11-23T12:10:00Z', 'in 10 min'],
    ['2026-11-23T09:00:00Z', '3 hours ago'],
    ['2026-11-21T12:00:00Z', '2 days ago'],
  ])('%s → %s', (iso, words) => expect(relativeTime(iso, now)).toBe(words));
});

describe('formatDue', () => {
  const now = new Date('2026-11-23T10:00:00Z'); // Monday
  it('names nearby days and drops the time for all-day tasks', () => {
    expect(formatDue('2026-11-23T17:00:00+01:00', 'Europe/Berlin', false, now)).toBe('Today 17:00');
    expect(formatDue('2026-11-24T00:00:00+01:00', 'Europe/Berlin', true, now)).toBe('Tomorrow');
    expect(formatDue('2026-11-22T09:00:00+01:00', 'Europe/Berlin', false, now)).toBe('Yesterday 09:00');
  });
  it('shows the weekday this year and the year otherwise', () => {
    expect(formatDue('2026-11-25T09:00:00+01:00', 'Europe/Berlin', false, now)).toBe('Wed 25 Nov 09:00');
    expect(formatDue('2027-01-05T09:00:00+01:00', 'Europe/Berlin', true, now)).toBe('5 Jan 2027');
  });
});

describe('isOverdue', () => {
  const task = (due_at: string, all_day: boolean, timezone = 'Europe/Berlin') => ({ due_at, all_day, timezone, status: 'pending' });
  it('an all-day task due today is not overdue until its day ends in its zone', () => {
    const dueToday = task('2026-11-24T00:00:00+01:00', true);
    expect(isOverdue(dueToday, new Date('2026-11-24T00:00:01+01:00'))).toBe(false);
    expect(isOverdue(dueToday, new Date('2026-11-24T23:59:59+01:00'))).toBe(false);
    expect(isOverdue(dueToday, new Date('2026-11-25T00:00:00+01:00'))).toBe(true);
    // its zone, not the viewer's: midnight in Berlin is 23:00 UTC
    expect(isOverdue(dueToday, new Date('2026-11-24T22:59:59Z'))).toBe(false);
    expect(isOverdue(dueToday, new Date('2026-11-24T23:00:00Z'))).toBe(true);
    expect(isOverdue(task('2026-11-24T00:00:00-08:00', true, 'America/Los_Angeles'), new Date('2026-11-25T07:59:00Z'))).toBe(false);
  });
  it('a timed task is overdue from its due time; done or undated tasks never are', () => {
    const timed = task('2026-11-24T09:00:00+01:00', false);
    expect(isOverdue(timed, new Date('2026-11-24T08:59:59+01:00'))).toBe(false);
    expect(isOverdue(timed, new Date('2026-11-24T09:00:00+01:00'))).toBe(true);
    expect(isOverdue({ ...timed, status: 'completed' }, new Date('2027-01-01T00:00:00Z'))).toBe(false);
    expect(isOverdue({ due_at: null, all_day: false, timezone: 'UTC', status: 'pending' }, new Date())).toBe(false);
  });
  it('an all-day day across a DST change ends at the next local midnight', () => {
    // Berlin falls back on 25 October 2026: that day has 25 hours
    const dst = task('2026-10-25T00:00:00+02:00', true);
    expect(isOverdue(dst, new Date('2026-10-25T23:30:00+01:00'))).toBe(false);
    expect(isOverdue(dst, new Date('2026-10-26T00:00:00+01:00'))).toBe(true);
  });
});
