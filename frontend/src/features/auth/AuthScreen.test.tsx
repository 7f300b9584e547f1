import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch } from '../../test/render';
import { AuthScreen } from './AuthScreen';

afterEach(() => vi.unstubAllGlobals());

describe('AuthScreen', () => {
  it('signs up with the browser time zone', async () => {
    const user = userEvent.setup();
    const me = { id: 'u1', email: 'a@b.co', name: 'Ann', timezone: 'UTC' };
    const fetch = fakeFetch([['POST', '/api/v1/auth/signup', 201, { user: me, access_token: 'x', token_type: 'bearer', expires_in: 1 }]]);
    vi.stubGlobal('fetch', fetch.fn);
    const onSignedIn = vi.fn();
    render(<AuthScreen expired={false} onSignedIn={onSignedIn} />);
    await user.click(screen.getByRole('button', { name: /create an account/i }));
    await user.type(screen.getByLabelText('Name'), 'Ann');
    await user.type(screen.getByLabelText('Email'), 'a@b.co');
    await user.type(screen.getByLabelText('Password'), 'password1');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(onSignedIn).toHaveBeenCalledWith(me);
    expect(fetch.calls[0]!.body).toEqual({ email: 'a@b.co', password: 'password1', name: 'Ann', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  });

  it('shows the problem detail and per-field messages', async () => {
    const user = userEvent.setup();
    const problem = { title: 'Invalid request', status: 422, detail: 'password: too short', errors: [{ field: 'password', message: 'String should have at least 8 characters' }] };
    vi.stubGlobal('fetch', fakeFetch([['POST', '/api/v1/auth/signup', 422, problem]]).fn);
    render(<AuthScreen expired={false} onSignedIn={vi.fn()} />);
    await user.click(screen.getByRole('button', { name: /create an account/i }));
    await user.type(screen.getByLabelText('Email'), 'a@b.co');
    await user.type(screen.getByLabelText('Password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('password: too short');
    expect(screen.getByText('String should have at least 8 characters')).toBeInTheDocument();
    expect(screen.getByLabelText('Password')).toHaveAttribute('aria-invalid', 'true');
  });

  it('says so when the session expired', () => {
    render(<AuthScreen expired onSignedIn={vi.fn()} />);
    expect(screen.getByRole('status')).toHaveTextContent('what you were typing is kept');
  });
});
