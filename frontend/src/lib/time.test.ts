import { describe, expect, it } from 'vitest';
import { formatDue, isoToZoned, isoWeekday, offsetMinutes, relativeTime, startOfDay, zonedToIso } from './time';

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
