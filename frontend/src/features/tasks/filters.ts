import type { Priority, SortKey, Status, TaskQuery } from '../../api/types';
import { isOverdue, isoWeekday, startOfDay } from '../../lib/time';

export type DueRange = 'any' | 'today' | 'overdue' | 'week';

export interface Filters {
  q: string;
  status: Status | 'all';
  priority: Priority[];
  tags: string[];
  due: DueRange;
  sort: SortKey;
}

export const DEFAULT_FILTERS: Filters = {
  q: '',
  status: 'pending',
  priority: [],
  tags: [],
  due: 'any',
  sort: 'due_date',
};

export const SORTS: { value: SortKey; label: string }[] = [
  { value: 'due_date', label: 'Due date (soonest)' },
  { value: '-due_date', label: 'Due date (latest)' },
  { value: '-priority', label: 'Priority (urgent first)' },
  { value: 'priority', label: 'Priority (low first)' },
  { value: '-created_at', label: 'Newest' },
  { value: 'created_at', label: 'Oldest' },
  { value: 'title', label: 'Title' },
];

/** The due_after / due_before window of a due range, in the user's time zone. */
export function dueWindow(range: DueRange, now: Date, timeZone: string): Pick<TaskQuery, 'due_after' | 'due_before'> {
  switch (range) {
    case 'today':
      return { due_after: startOfDay(now, timeZone), due_before: startOfDay(now, timeZone, 1) };
    case 'overdue':
      return { due_before: now.toISOString() };
    case 'week': {
      const back = isoWeekday(now, timeZone) - 1;
      return { due_after: startOfDay(now, timeZone, -back), due_before: startOfDay(now, timeZone, 7 - back) };
    }
    default:
      return {};
  }
}

/** Filters → the list endpoint's query (`overdue` implies pending). */
export function toQuery(filters: Filters, now: Date, timeZone: string, limit = 100): TaskQuery {
  const status = filters.due === 'overdue' ? 'pending' : filters.status === 'all' ? undefined : filters.status;
  return {
    q: filters.q.trim() || undefined,
    status,
    priority: filters.priority.length ? filters.priority : undefined,
    tag: filters.tags.length ? filters.tags : undefined,
    sort: filters.sort,
    limit,
    ...dueWindow(filters.due, now, timeZone),
  };
}

/**
 * The rows a list shows for these filters. The API's `due_before=now` of "Overdue" also
 * returns all-day tasks due today (their `due_at` is the day's start); they are not overdue
 * until their day ends, so they are left out here.
 */
export function visibleRows<T extends { due_at: string | null; timezone: string; all_day: boolean; status: string }>(filters: Filters, items: T[], now: Date): T[] {
  return filters.due === 'overdue' ? items.filter((t) => isOverdue(t, now)) : items;
}
