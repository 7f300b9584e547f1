import { ApiError, request } from '../../api/client';
import type { LoginIn, SignupIn, TokenOut, User } from '../../api/types';

export const meKey = ['auth', 'me'] as const;

/** The signed-in user, or null when there is no (valid) session. */
export async function fetchMe(): Promise<User | null> {
  try {
    return await request<User>('/auth/me', { authenticated: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export const signup = (body: SignupIn) =>
  request<TokenOut>('/auth/signup', { method: 'POST', body, authenticated: false });
export const login = (body: LoginIn) =>
  request<TokenOut>('/auth/login', { method: 'POST', body, authenticated: false });
export const logout = () => request<void>('/auth/logout', { method: 'POST', authenticated: false });
