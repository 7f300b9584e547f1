import { describe, expect, it } from 'vitest';
import { minutesUntilTomorrowMorning } from './snooze';

describe('minutesUntilTomorrowMorning', () => {
  it('is tomorrow 09:00 in the user’s zone, at most a day away', () => {
    // 20:00 in Berlin → 13 hours
    expect(minutesUntilTomorrowMorning(new Date('2026-11-25T19:00:00Z'), 'Europe/Berlin')).toBe(13 * 60);
    // 10:00 in New York (15:00 UTC) → 23 hours
    expect(minutesUntilTomorrowMorning(new Date('2026-11-25T15:00:00Z'), 'America/New_York')).toBe(23 * 60);
    // 07:00 in Berlin: tomorrow 09:00 is 26 hours away, the API takes at most 24
    expect(minutesUntilTomorrowMorning(new Date('2026-11-25T06:00:00Z'), 'Europe/Berlin')).toBe(1440);
  });
});
