import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api/client';

/** The app's one query cache: answers count as fresh for 10 s; a 4xx is never retried. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      },
    },
  });
}
