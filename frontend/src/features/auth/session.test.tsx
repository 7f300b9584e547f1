import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, renderWithClient } from '../../test/render';
import { meKey } from './api';
import { useSession } from './session';

afterEach(() => vi.unstubAllGlobals());

function Who() {
  const session = useSession();
  if (!session.user) return <p>signed out</p>;
  return (
    <button type="button" onClick={() => void session.signOut()}>
      Sign out {session.user.name}
    </button>
  );
}

describe('useSession', () => {
  it('signing out shows the signed-out screen and forgets the cached data', async () => {
    const user = userEvent.setup();
    const fetch = fakeFetch([['POST', '/api/v1/auth/logout', 204]]);
    vi.stubGlobal('fetch', fetch.fn);
    const { client } = renderWithClient(<Who />);
    act(() => {
      client.setQueryData(meKey, { id: 'u1', email: 'a@b.co', name: 'Ann', timezone: 'UTC' });
      client.setQueryData(['tasks', 'list'], { pages: [] });
    });
    const button = await screen.findByRole('button', { name: 'Sign out Ann' });
    const before = fetch.calls.length;
    await user.click(button);
    expect(await screen.findByText('signed out')).toBeInTheDocument();
    expect(fetch.calls.slice(before).map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/v1/auth/logout']);
    expect(client.getQueryData(['tasks', 'list'])).toBeUndefined();
  });
});
