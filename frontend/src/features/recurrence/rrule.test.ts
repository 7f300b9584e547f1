import { describe, expect, it } from 'vitest';
import { describeRrule, ordinal, parseRrule, presetToRrule, rruleToPreset, type Preset } from './rrule';

describe('presetToRrule', () => {
  const cases: [Preset, string][] = [
    [{ kind: 'daily', interval: 1 }, 'FREQ=DAILY'],
    [{ kind: 'daily', interval: 3 }, 'FREQ=DAILY;INTERVAL=3'],
    [{ kind: 'weekdays' }, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'],
    [{ kind: 'weekly', interval: 1, days: [] }, 'FREQ=WEEKLY'],
    [{ kind: 'weekly', interval: 2, days: ['WE', 'MO'] }, 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE'],
    [{ kind: 'monthly', interval: 1, day: 15 }, 'FREQ=MONTHLY;BYMONTHDAY=15'],
    [{ kind: 'monthly', interval: 1, day: 'last' }, 'FREQ=MONTHLY;BYMONTHDAY=-1'],
    [{ kind: 'monthly', interval: 6, day: null }, 'FREQ=MONTHLY;INTERVAL=6'],
    [{ kind: 'yearly', interval: 1 }, 'FREQ=YEARLY'],
  ];
  it.each(cases)('%j → %s', (preset, rule) => {
    expect(presetToRrule(preset)).toBe(rule);
  });
  it.each(cases)('round-trips %j', (_preset, rule) => {
    const back = rruleToPreset(rule);
    expect(back).not.toBeNull();
    expect(presetToRrule(back!)).toBe(rule);
  });
});

describe('rruleToPreset', () => {
  it('recognises weekdays only at interval 1', () => {
    expect(rruleToPreset('FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR')).toEqual({ kind: 'weekdays' });
    expect(rruleToPreset('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR')).toEqual({
      kind: 'weekly',
      interval: 2,
      days: ['MO', 'TU', 'WE', 'TH', 'FR'],
    });
  });
  it('accepts an RRULE: prefix and lower case', () => {
    expect(rruleToPreset('rrule:freq=daily;interval=2')).toEqual({ kind: 'daily', interval: 2 });
  });
  it('returns null for rules the presets cannot show', () => {
    expect(rruleToPreset('FREQ=MONTHLY;BYDAY=2MO')).toBeNull();
    expect(rruleToPreset('FREQ=DAILY;COUNT=5')).toBeNull();
    expect(rruleToPreset('FREQ=HOURLY')).toBeNull();
    expect(rruleToPreset('garbage')).toBeNull();
    expect(rruleToPreset('FREQ=WEEKLY;BYDAY=XX')).toBeNull();
  });
});

describe('describeRrule', () => {
  it.each([
    ['FREQ=DAILY', 'every day'],
    ['FREQ=DAILY;INTERVAL=3', 'every 3 days'],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'every weekday'],
    ['FREQ=WEEKLY', 'every week'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=WE,MO', 'every 2 weeks on Mon, Wed'],
    ['FREQ=WEEKLY;BYDAY=SU', 'every week on Sun'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', 'every month on the last day'],
    ['FREQ=MONTHLY;BYMONTHDAY=1', 'every month on the 1st'],
    ['FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=22', 'every 2 months on the 22nd'],
    ['FREQ=MONTHLY;BYDAY=2MO', 'every month on the second Monday'],
    ['FREQ=MONTHLY;BYDAY=-1FR', 'every month on the last Friday'],
    ['FREQ=YEARLY', 'every year'],
    ['FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=24', 'every year on 24 Nov'],
    ['FREQ=DAILY;COUNT=5', 'every day, 5 times'],
    ['FREQ=WEEKLY;UNTIL=20261231T000000Z', 'every week, until 31 Dec 2026'],
    ['RRULE:FREQ=DAILY', 'every day'],
  ])('%s → %s', (rule, words) => {
    expect(describeRrule(rule)).toBe(words);
  });
  it('says so for a rule it cannot read', () => {
    expect(describeRrule('nonsense')).toBe('an unrecognised rule');
    expect(describeRrule('FREQ=SECONDLY')).toBe('an unrecognised rule');
  });
});

describe('helpers', () => {
  it('ordinal', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31].map(ordinal)).toEqual([
      '1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '31st',
    ]);
  });
  it('parseRrule rejects malformed parts', () => {
    expect(parseRrule('FREQ=DAILY;INTERVAL')).toBeNull();
    expect(parseRrule('')).toBeNull();
  });
});
