import { useMemo } from 'react';
import { isOverdue, startOfDay, todayIn } from '../../../lib/time';
import { useWholeTaskList } from '../queries';
import { QuickAdd } from '../QuickAdd';
import { Skeleton } from '../TaskList';
import { TaskGroup, ViewError } from './TaskGroup';

/** Today: what is overdue (at the top), then what is due today, in the user's zone. */
export function TodayPage({ timeZone }: { timeZone: string }) {
  const today = todayIn(timeZone);
  const query = useMemo(
    () => ({ status: 'pending' as const, due_before: startOfDay(new Date(`${today}T12:00:00Z`), timeZone, 1), sort: 'due_date' as const, limit: 100 }),
    [today, timeZone],
  );
  const list = useWholeTaskList(query);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const now = new Date();
  const overdue = items.filter((t) => isOverdue(t, now));
  const dueToday = items.filter((t) => !isOverdue(t, now));
  return (
    <section aria-labelledby="view-title" className="space-y-3">
      <h2 id="view-title" className="text-xl font-semibold">Today</h2>
      <QuickAdd timeZone={timeZone} defaultDue="today" />
      {list.isLoading ? (
        <Skeleton rows={4} />
      ) : list.error && !list.data ? (
        <ViewError error={list.error} retry={() => void list.refetch()} />
      ) : (
        <>
          <TaskGroup id="overdue" title="Overdue" tone="overdue" tasks={overdue} />
          <TaskGroup id="today" title="Due today" tasks={dueToday} empty="Nothing else due today." />
        </>
      )}
    </section>
  );
}
