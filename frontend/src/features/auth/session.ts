import { useCallback } from 'react';
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { setUnauthorizedHandler } from '../../api/client';
import type { User } from '../../api/types';
import { clearDrafts } from '../../lib/drafts';
import { fetchMe, logout, meKey } from './api';

const EXPIRED_KEY = ['auth', 'expired'] as const;

/** Wire the client's global 401 handler: forget the user, keep the drafts, show sign-in. */
export function installSessionHandler(client: QueryClient): void {
  setUnauthorizedHandler(() => {
    if (client.getQueryData(meKey)) client.setQueryData(EXPIRED_KEY, true);
    client.setQueryData(meKey, null);
  });
}

const SESSION_QUERY = { queryKey: meKey, queryFn: fetchMe, staleTime: Infinity, retry: 1 } as const;

/** Check the session before the app renders (index.html has usually asked already). */
export function prefetchSession(client: QueryClient): Promise<void> {
  return client.prefetchQuery(SESSION_QUERY);
}

function forgetSession(client: QueryClient): void {
  clearDrafts();
  // Forget the user on the very query the app is watching, then every answer of theirs.
  // (`client.clear()` first would leave the app watching a removed query: it kept showing
  // the list after signing out.)
  client.setQueryData(meKey, null);
  client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
}

export function useSession() {
  const client = useQueryClient();
  const me = useQuery(SESSION_QUERY);
  const expired = useQuery({ queryKey: EXPIRED_KEY, queryFn: () => false, staleTime: Infinity, initialData: false });

  const signedIn = useCallback(
    (user: User) => {
      const previous = client.getQueryData<User | null>(meKey);
      // Another account's cached data must not show; the same user's drafts are kept.
      if (!previous || previous.id !== user.id) client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
      client.setQueryData(EXPIRED_KEY, false);
      client.setQueryData(meKey, user);
      void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'auth' });
    },
    [client],
  );

  const signOut = useCallback(async () => {
    try {
      await logout();
    } finally {
      forgetSession(client);
    }
  }, [client]);

  /** The server already ended this sign-in (signed out everywhere, account deleted). */
  const signedOut = useCallback(() => forgetSession(client), [client]);
  /** The profile changed (name, time zone). */
  const updated = useCallback((user: User) => client.setQueryData(meKey, user), [client]);

  return { me, user: me.data ?? null, expired: expired.data, signedIn, signOut, signedOut, updated };
}
