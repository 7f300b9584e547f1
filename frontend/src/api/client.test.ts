import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, request, setUnauthorizedHandler, withQuery } from './client';
import { EARLY_MAX_AGE_MS } from './early';

function answer(status: number, body?: unknown, type = 'application/problem+json') {
  return vi.fn().mockResolvedValue(
    new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': type } }),
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  setUnauthorizedHandler(() => {});
  delete window.__taskflowEarly;
});

const json = (status: number, body: unknown) =>
  Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } }));

describe('request', () => {
  it('sends JSON with the session cookie and If-Match, and reads JSON', async () => {
    const fetch = answer(200, { id: 't1' }, 'application/json');
    vi.stubGlobal('fetch', fetch);
    await expect(request('/tasks/t1', { method: 'PATCH', body: { title: 'x' }, headers: { 'If-Match': '3' } })).resolves.toEqual({ id: 't1' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/v1/tasks/t1');
    expect(init).toMatchObject({ method: 'PATCH', credentials: 'same-origin', body: '{"title":"x"}' });
    expect(init.headers).toMatchObject({ 'If-Match': '3', 'Content-Type': 'application/json' });
  });
  it('turns a problem into an ApiError with detail and field messages', async () => {
    vi.stubGlobal('fetch', answer(422, { title: 'Invalid request', status: 422, detail: 'title: too short', errors: [{ field: 'title', message: 'too short' }] }));
    const err = await request('/tasks', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toBe('title: too short');
    expect((err as ApiError).fieldErrors()).toEqual({ title: 'too short' });
  });
  it('explains an answer that is not a problem', async () => {
    vi.stubGlobal('fetch', answer(502, '<html>bad gateway</html>', 'text/html'));
    await expect(request('/tasks')).rejects.toThrow('The server answered 502');
  });
  it('calls the global 401 handler unless the call expects 401', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    vi.stubGlobal('fetch', answer(401, { title: 'Unauthorized', status: 401, detail: 'Sign in' }));
    await expect(request('/tasks')).rejects.toThrow('Sign in');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    vi.stubGlobal('fetch', answer(401, { title: 'Unauthorized', status: 401, detail: 'Wrong password' }));
    await expect(request('/auth/login', { authenticated: false })).rejects.toThrow('Wrong password');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
  it('reports a network failure readably, and 204 as undefined', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    await expect(request('/tasks')).rejects.toThrow('Could not reach TaskFlow');
    vi.stubGlobal('fetch', answer(204));
    await expect(request('/tasks/t1', { method: 'DELETE' })).resolves.toBeUndefined();
  });
});

describe('early answers (started by index.html)', () => {
  it('are taken once by a GET of the same path; the next request asks the server', async () => {
    const fetch = answer(200, { id: 'fresh' }, 'application/json');
    vi.stubGlobal('fetch', fetch);
    window.__taskflowEarly = { '/auth/me': json(200, { id: 'early' }) };
    await expect(request('/auth/me')).resolves.toEqual({ id: 'early' });
    expect(fetch).not.toHaveBeenCalled();
    await expect(request('/auth/me')).resolves.toEqual({ id: 'fresh' });
    expect(fetch).toHaveBeenCalledTimes(1);
  });
  it('go through the same error handling as any answer', async () => {
    const onUnauthorized = vi.fn();
    setUnauthorizedHandler(onUnauthorized);
    window.__taskflowEarly = {
      '/tasks': json(401, { title: 'Unauthorized', status: 401, detail: 'Sign in' }),
      '/tags': Promise.reject(new TypeError('Failed to fetch')),
    };
    await expect(request('/tasks')).rejects.toThrow('Sign in');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(request('/tags')).rejects.toThrow('Could not reach TaskFlow');
  });
  it('are not used for writes, other paths, or once they are stale', async () => {
    const fetch = vi.fn(() => json(200, { id: 'fresh' }));
    vi.stubGlobal('fetch', fetch);
    window.__taskflowEarly = { '/tasks': json(200, { id: 'early' }) };
    await expect(request('/tasks', { method: 'POST', body: { title: 'x' } })).resolves.toEqual({ id: 'fresh' });
    await expect(request('/tasks?limit=5')).resolves.toEqual({ id: 'fresh' });
    vi.spyOn(performance, 'now').mockReturnValue(EARLY_MAX_AGE_MS + 1);
    await expect(request('/tasks')).resolves.toEqual({ id: 'fresh' });
    expect(fetch).toHaveBeenCalledTimes(3);
  });
});

describe('withQuery', () => {
  it('repeats arrays and skips empty values', () => {
    expect(withQuery('/tasks', { q: 'milk', priority: ['high', 'urgent'], tag: undefined, status: '', deleted: true })).toBe(
      '/tasks?q=milk&priority=high&priority=urgent&deleted=true',
    );
  });
});
