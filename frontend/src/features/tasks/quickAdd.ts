import type { Priority, TaskCreate } from '../../api/types';
import { PRIORITIES } from '../../api/types';
import { startOfDay } from '../../lib/time';

/**
 * One line → a task: `#tag` adds a tag, `!high` (or !low, !medium, !urgent) sets the
 * priority, a trailing `today` / `tomorrow` makes it due that day (all day).
 */
export function parseQuickAdd(line: string, now: Date, timeZone: string): TaskCreate | null {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const tags: string[] = [];
  let priority: Priority | undefined;
  const rest: string[] = [];
  for (const word of words) {
    if (/^#[^\s#]+$/.test(word)) {
      const tag = word.slice(1);
      if (!tags.includes(tag)) tags.push(tag);
    } else if (/^![a-z]+$/i.test(word) && PRIORITIES.includes(word.slice(1).toLowerCase() as Priority)) {
      priority = word.slice(1).toLowerCase() as Priority;
    } else {
      rest.push(word);
    }
  }
  let dueDays: number | undefined;
  const last = rest[rest.length - 1]?.toLowerCase();
  if (rest.length > 1 && (last === 'today' || last === 'tomorrow')) {
    dueDays = last === 'today' ? 0 : 1;
    rest.pop();
  }
  const title = rest.join(' ');
  if (!title) return null;
  const task: TaskCreate = { title };
  if (tags.length) task.tags = tags;
  if (priority) task.priority = priority;
  if (dueDays !== undefined) {
    task.due_at = startOfDay(now, timeZone, dueDays);
    task.all_day = true;
    task.timezone = timeZone;
  }
  return task;
}
