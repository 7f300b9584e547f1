import type { QueryClient } from '@tanstack/react-query';
import { prefetchSession } from './features/auth';
import { prefetchTags } from './features/tags';
import { prefetchTaskList } from './features/tasks';

/** How long the first render may wait for the first screen's data (then the loading shell shows). */
export const FIRST_SCREEN_WAIT_MS = 250;

/**
 * Put the first screen's data into the cache: the session, the list's first page (on `/`) and
 * the tags (the filter bar's chips and the rows' colours), all in parallel. index.html asked
 * for them before the app's script arrived, so these usually take answers already on their
 * way. Resolves when all are in or have failed (never rejects).
 */
export function loadFirstScreen(client: QueryClient, pathname: string): Promise<unknown> {
  return Promise.all([
    prefetchSession(client),
    pathname === '/' ? prefetchTaskList(client) : undefined,
    prefetchTags(client),
  ]);
}

/** Resolves when the first screen's data is in, or after FIRST_SCREEN_WAIT_MS, whichever is first. */
export function firstScreenReady(client: QueryClient, pathname: string): Promise<unknown> {
  return Promise.race([loadFirstScreen(client, pathname), new Promise((resolve) => setTimeout(resolve, FIRST_SCREEN_WAIT_MS))]);
}
