import type { QueryClient } from '@tanstack/react-query';
import { readDraft } from '../../lib/drafts';
import { browserTimeZone } from '../../lib/time';
import { fetchTaskPage } from './api';
import { listKey } from './cache';
import { DEFAULT_FILTERS, toQuery, type Filters } from './filters';

/**
 * Load the first page of the list before the app renders, in parallel with the session check
 * (index.html has usually asked for it already: `fetchTaskPage` takes that answer). The key
 * matches TasksPage's when the filters do not depend on the zone, or the user's zone is the
 * browser's (it is by default: sign-up sends it). Resolves when the page is in (or failed).
 */
export function prefetchTaskList(client: QueryClient): Promise<void> {
  const filters = readDraft<Filters>('filters') ?? DEFAULT_FILTERS;
  if (filters.due === 'overdue') return Promise.resolve(); // its window moves with the clock: the key would not match
  const query = toQuery(filters, new Date(), browserTimeZone());
  return client.prefetchInfiniteQuery({
    queryKey: listKey(query),
    queryFn: ({ signal }) => fetchTaskPage(query, null, signal),
    initialPageParam: null as string | null,
  });
}
