import { useMemo } from 'react';
import { errorMessage } from '../../../api/client';
import type { Task } from '../../../api/types';
import { addDays, dayLabel, isoToZoned, startOfDay, todayIn } from '../../../lib/time';
import { useToast } from '../../../lib/toast';
import { useReschedule, useWholeTaskList } from '../queries';
import { Skeleton } from '../TaskList';
import { TaskGroup, ViewError } from './TaskGroup';

export const UPCOMING_DAYS = 14;

/** The next 14 days (today first), grouped by day; drag a task to another day to move it. */
export function UpcomingPage({ timeZone }: { timeZone: string }) {
  const today = todayIn(timeZone);
  const days = useMemo(() => Array.from({ length: UPCOMING_DAYS }, (_, i) => addDays(today, i)), [today]);
  const query = useMemo(
    () => ({
      status: 'pending' as const,
      due_after: startOfDay(new Date(`${today}T12:00:00Z`), timeZone),
      due_before: startOfDay(new Date(`${today}T12:00:00Z`), timeZone, UPCOMING_DAYS),
      sort: 'due_date' as const,
      limit: 100,
    }),
    [today, timeZone],
  );
  const list = useWholeTaskList(query);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const byDay = useMemo(() => {
    const map = new Map<string, Task[]>(days.map((d) => [d, []]));
    // a task belongs to the day of its due date in the viewer's zone (an all-day task: its own date)
    for (const t of items) if (t.due_at) map.get(isoToZoned(t.due_at, t.all_day ? t.timezone : timeZone).date)?.push(t);
    return map;
  }, [items, days, timeZone]);
  const reschedule = useReschedule();
  const toast = useToast();
  const move = (task: Task | undefined, date: string) => {
    if (!task) return;
    reschedule.mutate(
      { task, date },
      {
        onSuccess: () => toast({ key: `moved:${task.id}`, message: `Moved “${task.title}” to ${dayLabel(date)}` }),
        onError: (err) => toast({ tone: 'error', message: errorMessage(err) }),
      },
    );
  };
  const label = (date: string, i: number) => (i === 0 ? `Today · ${dayLabel(date)}` : i === 1 ? `Tomorrow · ${dayLabel(date)}` : dayLabel(date));

  return (
    <section aria-labelledby="view-title" className="space-y-3">
      <h2 id="view-title" className="text-xl font-semibold">Upcoming</h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">The next {UPCOMING_DAYS} days. Drag a task to another day, or use its “Move to” menu (on a phone: open the task and change its date).</p>
      {list.isLoading ? (
        <Skeleton rows={4} />
      ) : list.error && !list.data ? (
        <ViewError error={list.error} retry={() => void list.refetch()} />
      ) : (
        days.map((date, i) => (
          <TaskGroup
            key={date}
            id={`day-${date}`}
            title={label(date, i)}
            tasks={byDay.get(date) ?? []}
            empty="Nothing due."
            onDropTask={(id) => move(items.find((t) => t.id === id), date)}
            extra={(task) => (
              <>
                <label className="sr-only" htmlFor={`move-${task.id}`}>Move “{task.title}” to</label>
                <select
                  id={`move-${task.id}`}
                  className="input hidden w-auto shrink-0 py-1 text-xs sm:block"
                  value=""
                  onChange={(e) => move(task, e.target.value)}
                >
                  <option value="">Move to…</option>
                  {days.filter((d) => d !== date).map((d) => (
                    <option key={d} value={d}>{d === today ? 'Today' : dayLabel(d)}</option>
                  ))}
                </select>
              </>
            )}
          />
        ))
      )}
    </section>
  );
}
