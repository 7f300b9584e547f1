import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client';

/**
 * The app's one query cache: answers count as fresh for 10 s; a 4xx is never retried.
 * `networkMode: 'always'`: offline, a request is tried and fails visibly ("Could not reach
 * TaskFlow"). TanStack Query's default would pause it and send a mutation later, when the
 * browser is back online — a change queued silently, which the app must never do.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        networkMode: 'always',
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
      mutations: { networkMode: 'always' },
    },
  });
}
