import { useMemo } from 'react';
import { Link, useParams } from 'wouter';
import type { Task } from '../../../api/types';
import { addDays, isOverdue, isoToZoned, startOfDay, todayIn, weekdayOf } from '../../../lib/time';
import { useEditor } from '../editorHost';
import { useWholeTaskList } from '../queries';
import { ViewError } from './TaskGroup';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const monthFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' });
const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long' });
const SHOWN = 3;

/** `2026-12` → the month before / after. */
export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The weeks (Monday first) that show a month: 4 to 6 rows of 7 dates. */
export function monthGrid(month: string): string[][] {
  const first = `${month}-01`;
  const start = addDays(first, 1 - weekdayOf(first));
  const weeks: string[][] = [];
  for (let day = start; weeks.length === 0 || day.startsWith(month); ) {
    const week = Array.from({ length: 7 }, (_, i) => addDays(day, i));
    weeks.push(week);
    day = addDays(day, 7);
  }
  return weeks;
}

/** A month of due tasks; `/calendar/2026-12` is December 2026 (the URL keeps the month). */
export function CalendarPage({ timeZone }: { timeZone: string }) {
  const params = useParams<{ month?: string }>();
  const today = todayIn(timeZone);
  const month = params.month && /^\d{4}-(0[1-9]|1[0-2])$/.test(params.month) ? params.month : today.slice(0, 7);
  const weeks = useMemo(() => monthGrid(month), [month]);
  const first = weeks[0]![0]!;
  const last = weeks[weeks.length - 1]![6]!;
  const query = useMemo(
    () => ({
      due_after: startOfDay(new Date(`${first}T12:00:00Z`), timeZone),
      due_before: startOfDay(new Date(`${last}T12:00:00Z`), timeZone, 1),
      sort: 'due_date' as const,
      limit: 100,
    }),
    [first, last, timeZone],
  );
  const list = useWholeTaskList(query);
  const { open } = useEditor();
  const byDay = useMemo(() => {
    const map = new Map<string, Task[]>();
    for (const t of list.data?.pages.flatMap((p) => p.items) ?? []) {
      if (!t.due_at) continue;
      const day = isoToZoned(t.due_at, t.all_day ? t.timezone : timeZone).date;
      map.set(day, [...(map.get(day) ?? []), t]);
    }
    return map;
  }, [list.data, timeZone]);
  const title = monthFormat.format(new Date(`${month}-01T12:00:00Z`));
  const now = new Date();

  return (
    <section aria-labelledby="view-title" className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="view-title" className="mr-auto text-xl font-semibold" aria-live="polite">{title}</h2>
        <Link href={`/calendar/${shiftMonth(month, -1)}`} className="btn">
          <span aria-hidden>‹</span> Previous<span className="sr-only"> month</span>
        </Link>
        <Link href={`/calendar/${today.slice(0, 7)}`} className="btn">This month</Link>
        <Link href={`/calendar/${shiftMonth(month, 1)}`} className="btn">
          Next<span className="sr-only"> month</span> <span aria-hidden>›</span>
        </Link>
      </div>
      {list.error && !list.data && <ViewError error={list.error} retry={() => void list.refetch()} />}
      <table className="w-full table-fixed border-collapse text-xs" aria-labelledby="view-title" aria-busy={list.isLoading}>
        <thead>
          <tr>
            {WEEKDAYS.map((d) => (
              <th key={d} scope="col" className="py-1 font-semibold text-slate-700 dark:text-slate-300">{d}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]}>
              {week.map((day) => {
                const tasks = byDay.get(day) ?? [];
                const inMonth = day.startsWith(month);
                return (
                  <td
                    key={day}
                    data-testid={`cal-${day}`}
                    aria-current={day === today ? 'date' : undefined}
                    className={`h-24 border border-slate-200 p-1 align-top dark:border-slate-800 ${inMonth ? '' : 'bg-slate-50 text-slate-600 dark:bg-slate-900 dark:text-slate-400'}`}
                  >
                    <span className={`inline-block min-w-[1.5rem] rounded-full text-center ${day === today ? 'bg-blue-700 font-bold text-white dark:bg-blue-400 dark:text-slate-950' : ''}`}>
                      <span className="sr-only">{dayFormat.format(new Date(`${day}T12:00:00Z`))}</span>
                      <span aria-hidden>{Number(day.slice(8))}</span>
                    </span>
                    {tasks.length > 0 && (
                      <ul className="mt-0.5 space-y-0.5">
                        {tasks.slice(0, SHOWN).map((t) => (
                          <li key={t.id}>
                            <button
                              type="button"
                              onClick={() => open(t.id)}
                              className={`block min-h-6 w-full truncate rounded px-1 text-left leading-6 ${t.status === 'completed' ? 'text-slate-600 line-through dark:text-slate-400' : isOverdue(t, now) ? 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-100' : 'bg-blue-100 text-blue-900 dark:bg-blue-950 dark:text-blue-100'}`}
                            >
                              {t.title}
                            </button>
                          </li>
                        ))}
                        {tasks.length > SHOWN && <li className="px-1 text-slate-700 dark:text-slate-300">+{tasks.length - SHOWN} more</li>}
                      </ul>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
