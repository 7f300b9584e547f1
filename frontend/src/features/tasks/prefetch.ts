import type { QueryClient } from '@tanstack/react-query';
import { readDraft } from '../../lib/drafts';
import { browserTimeZone } from '../../lib/time';
import { fetchTasks } from './api';
import { listKey } from './cache';
import { DEFAULT_FILTERS, toQuery, type Filters } from './filters';

/**
 * Start loading the first page of the list while the session check is in flight, so a
 * signed-in reload waits for one round trip instead of two. The key matches TasksPage's
 * when the user's zone is the browser's (it is by default: sign-up sends it).
 */
export function prefetchTaskList(client: QueryClient): void {
  const filters = readDraft<Filters>('filters') ?? DEFAULT_FILTERS;
  if (filters.due === 'overdue') return; // its window moves with the clock: the key would not match
  const query = toQuery(filters, new Date(), browserTimeZone());
  void client.prefetchInfiniteQuery({
    queryKey: listKey(query),
    queryFn: () => fetchTasks(query),
    initialPageParam: null as string | null,
  });
}
