import { describe, expect, it } from 'vitest';
import { parseQuickAdd } from './quickAdd';

// Wednesday 25 November 2026, 11:00 in Berlin (10:00 UTC).
const now = new Date('2026-11-25T10:00:00Z');
const TZ = 'Europe/Berlin';

type Row = [phrase: string, title: string, due: string | null, rrule?: string, extra?: { tags?: string[]; priority?: string }];
// due: "YYYY-MM-DD" (all day) or "YYYY-MM-DD HH:MM" (wall time in Berlin), null for none
const TABLE: Row[] = [
  ['Call plumber tomorrow at 10am', 'Call plumber', '2026-11-26 10:00'],
  ['Dentist next Monday 3pm', 'Dentist', '2026-11-30 15:00'],
  ['Submit invoice by Friday', 'Submit invoice', '2026-11-27'],
  ['Pay rent every month on the 1st', 'Pay rent', '2026-12-01', 'FREQ=MONTHLY;BYMONTHDAY=1'],
  ['Standup every weekday at 9:30', 'Standup', '2026-11-26 09:30', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'],
  ['Review PR #work !high', 'Review PR', null, undefined, { tags: ['work'], priority: 'high' }],
  ['Buy milk today', 'Buy milk', '2026-11-25'],
  ['Buy milk tomorrow', 'Buy milk', '2026-11-26'],
  ['Team lunch on Friday at noon', 'Team lunch', '2026-11-27 12:00'],
  ['Call mum at 6pm', 'Call mum', '2026-11-25 18:00'],
  ['Call mum at 9am', 'Call mum', '2026-11-26 09:00'], // today's 9am has passed
  ['Water plants every day', 'Water plants', '2026-11-25', 'FREQ=DAILY'],
  ['Gym every Monday and Thursday at 7am', 'Gym', '2026-11-26 07:00', 'FREQ=WEEKLY;BYDAY=MO,TH'],
  ['Taxes on 15 January', 'Taxes', '2027-01-15'],
  ['Birthday party Dec 24 at 8pm', 'Birthday party', '2026-12-24 20:00'],
  ['Flight in 3 days', 'Flight', '2026-11-28'],
  ['Check oven in 2 hours', 'Check oven', '2026-11-25 13:00'],
  ['Book review next week', 'Book review', '2026-12-02'],
  ['Yoga every other week', 'Yoga', '2026-11-25', 'FREQ=WEEKLY;INTERVAL=2'],
  ['Backup every 2 weeks', 'Backup', '2026-11-25', 'FREQ=WEEKLY;INTERVAL=2'],
  ['Newsletter monthly', 'Newsletter', '2026-11-25', 'FREQ=MONTHLY'],
  ['Clean house every weekend', 'Clean house', '2026-11-28', 'FREQ=WEEKLY;BYDAY=SA,SU'],
  ['Report every Friday', 'Report', '2026-11-27', 'FREQ=WEEKLY;BYDAY=FR'],
  ['Call grandma every sunday at 5pm', 'Call grandma', '2026-11-29 17:00', 'FREQ=WEEKLY;BYDAY=SU'],
  ['Invoice every 15th', 'Invoice', '2026-12-15', 'FREQ=MONTHLY;BYMONTHDAY=15'],
  ['Meeting Monday 14:30', 'Meeting', '2026-11-30 14:30'],
  ['Read book', 'Read book', null],
  ['Plan trip this weekend', 'Plan trip', '2026-11-28'],
  ['Anniversary every year', 'Anniversary', '2026-11-25', 'FREQ=YEARLY'],
  ['Standup daily at 9:15 #work', 'Standup', '2026-11-26 09:15', 'FREQ=DAILY', { tags: ['work'] }],
  ['Email Bob #work #urgent !urgent', 'Email Bob', null, undefined, { tags: ['work', 'urgent'], priority: 'urgent' }],
  ['Call the bank by tomorrow 5pm !high', 'Call the bank', '2026-11-26 17:00', undefined, { priority: 'high' }],
  ['Take out trash every Tuesday', 'Take out trash', '2026-12-01', 'FREQ=WEEKLY;BYDAY=TU'],
  ['Order 2 pizzas', 'Order 2 pizzas', null],
  ['Read chapter 5', 'Read chapter 5', null],
  ['Meet Anna at 10:30 tomorrow', 'Meet Anna', '2026-11-26 10:30'],
  ['Doctor appointment on Wednesday', 'Doctor appointment', '2026-11-25'],
  ['Submit report by end of month', 'Submit report', '2026-11-30'],
  ['Stretch every 3 days', 'Stretch', '2026-11-25', 'FREQ=DAILY;INTERVAL=3'],
  ['Party on Saturday 8pm #fun', 'Party', '2026-11-28 20:00', undefined, { tags: ['fun'] }],
  ['Buy 3 apples and 2 pears', 'Buy 3 apples and 2 pears', null],
  ['Sign contract May 5', 'Sign contract', '2027-05-05'],
  ['Piano lesson every Tue, Thu at 4pm', 'Piano lesson', '2026-11-26 16:00', 'FREQ=WEEKLY;BYDAY=TU,TH'],
  ['Pay card monthly on the 28th !medium', 'Pay card', '2026-11-28', 'FREQ=MONTHLY;BYMONTHDAY=28', { priority: 'medium' }],
  ['Weekly review every week', 'Weekly review', '2026-11-25', 'FREQ=WEEKLY'],
  ['Dinner with Sam on December 31 at 19:00', 'Dinner with Sam', '2026-12-31 19:00'],
  ['Water the garden in 2 days #home', 'Water the garden', '2026-11-27', undefined, { tags: ['home'] }],
  ['!low tidy desk', 'tidy desk', null, undefined, { priority: 'low' }],
];

const wall = (due: string) => {
  const [date, time] = due.split(' ');
  return { date: date!, time: time ?? null };
};

describe('parseQuickAdd: plain language → task, in the user’s zone', () => {
  it('has a table of at least 40 phrases', () => expect(TABLE.length).toBeGreaterThanOrEqual(40));

  it.each(TABLE)('%s', (phrase, title, due, rrule, extra) => {
    const { task } = parseQuickAdd(phrase, now, TZ);
    expect(task?.title).toBe(title);
    if (due === null) {
      expect(task?.due_at).toBeUndefined();
    } else {
      const { date, time } = wall(due);
      const berlinWall = new Date(task!.due_at!).toLocaleString('sv-SE', { timeZone: TZ }).slice(0, 16);
      expect(berlinWall).toBe(`${date} ${time ?? '00:00'}`);
      expect(task?.all_day).toBe(time === null);
      expect(task?.timezone).toBe(TZ);
    }
    expect(task?.recurrence?.rrule).toBe(rrule);
    expect(task?.tags).toEqual(extra?.tags);
    expect(task?.priority).toBe(extra?.priority);
  });

  it('reads times in the user’s zone, not the browser’s or UTC', () => {
    const ny = parseQuickAdd('Call plumber tomorrow at 10am', now, 'America/New_York').task!;
    expect(ny.due_at).toBe('2026-11-26T10:00:00-05:00');
    // 23:30 UTC is already Thursday in Tokyo: "today" is Thursday there
    const tokyo = parseQuickAdd('Buy milk today', new Date('2026-11-25T23:30:00Z'), 'Asia/Tokyo').task!;
    expect(tokyo.due_at).toBe('2026-11-26T00:00:00+09:00');
  });

  it('returns each recognised part with its place in the line (for highlighting)', () => {
    const line = 'Call plumber tomorrow at 10am #home !high';
    const { parts } = parseQuickAdd(line, now, TZ);
    expect(parts.map((p) => [p.kind, p.text])).toEqual([
      ['date', 'tomorrow at 10am'],
      ['tag', '#home'],
      ['priority', '!high'],
    ]);
    for (const p of parts) expect(line.slice(p.start, p.end)).toBe(p.text);
    const connector = parseQuickAdd('Submit invoice by Friday', now, TZ).parts[0]!;
    expect(connector.text).toBe('by Friday');
  });

  it('reads an undone part as title words', () => {
    expect(parseQuickAdd('Sunday roast for Mum tomorrow', now, TZ).parts[0]!.text).toBe('Sunday');
    const { task, parts } = parseQuickAdd('Sunday roast for Mum tomorrow', now, TZ, { ignore: ['Sunday'] });
    expect(task?.title).toBe('Sunday roast for Mum');
    expect(task?.due_at).toBe('2026-11-26T00:00:00+01:00');
    expect(parts.map((p) => p.text)).toEqual(['tomorrow']);
    const plain = parseQuickAdd('Buy milk #home', now, TZ, { ignore: ['#home'] });
    expect(plain.task).toEqual({ title: 'Buy milk #home' });
  });

  it('is due today, all day, by default in the Today view', () => {
    expect(parseQuickAdd('Buy milk', now, TZ, { defaultDue: 'today' }).task).toMatchObject({ due_at: '2026-11-25T00:00:00+01:00', all_day: true });
    expect(parseQuickAdd('Buy milk tomorrow', now, TZ, { defaultDue: 'today' }).task?.due_at).toBe('2026-11-26T00:00:00+01:00');
  });

  it('needs a title', () => {
    expect(parseQuickAdd('   ', now, TZ).task).toBeNull();
    expect(parseQuickAdd('#x !high', now, TZ).task).toBeNull();
    expect(parseQuickAdd('tomorrow #x', now, TZ).task).toEqual({ title: 'tomorrow', tags: ['x'] }); // a date alone is the title
  });
});
