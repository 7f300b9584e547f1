import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { TasksPage } from './features/tasks';
import { FIRST_SCREEN_WAIT_MS, firstScreenReady, loadFirstScreen } from './firstScreen';
import { ToastProvider } from './lib/toast';
import { createQueryClient } from './queryClient';
import { fakeFetch } from './test/render';
import { makeTask } from './test/factories';

// index.html's inline script that asks for the first screen before the app's script arrives.
const html = readFileSync(resolve(__dirname, '../index.html'), 'utf8');
const earlyScript = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).find((s) => s.includes('__taskflowEarly'))!;

const FIRST_PAGE = '/api/v1/tasks?status=pending&sort=due_date&limit=30';
const server = () =>
  fakeFetch([
    ['GET', '/api/v1/auth/me', 200, { id: 'u1', email: 'erin@example.com', name: 'Erin', timezone: 'Europe/Berlin' }],
    ['GET', '/api/v1/tags', 200, [{ id: 'g1', name: 'garden', color: '#22c55e' }]],
    ['GET', /^\/api\/v1\/tasks\?/, 200, { items: [makeTask()], next_cursor: 'c1' }],
  ]);

function renderList(client: QueryClient) {
  return render(
    <QueryClientProvider client={client}>
      <ToastProvider>
        <TasksPage timeZone="Europe/Berlin" />
      </ToastProvider>
    </QueryClientProvider>,
  );
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  delete window.__taskflowEarly;
});

describe('first screen', () => {
  it('asks the server once for the session, the first page and the tags, and shows rows at the first render', async () => {
    const { fn, calls } = server();
    vi.stubGlobal('fetch', fn);
    new Function(earlyScript)(); // what the page does before the app's script has arrived
    expect(calls.map((c) => c.url)).toEqual([FIRST_PAGE, '/api/v1/auth/me', '/api/v1/tags']);

    const client = createQueryClient();
    await loadFirstScreen(client, '/');
    renderList(client);
    expect(screen.getByRole('button', { name: 'Water the plants' })).toBeInTheDocument(); // no skeleton first
    expect(screen.getByRole('button', { name: '#garden' })).toBeInTheDocument();
    expect(calls).toHaveLength(3); // the app took the early answers instead of asking again
  });

  it('asks itself when the page did not, e.g. after a reload that kept other filters', async () => {
    sessionStorage.setItem('taskflow:draft:filters', JSON.stringify({ q: '', status: 'all', priority: [], tags: [], due: 'any', sort: 'title' }));
    const { fn, calls } = server();
    vi.stubGlobal('fetch', fn);
    new Function(earlyScript)();
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/auth/me', '/api/v1/tags']);

    const client = createQueryClient();
    await loadFirstScreen(client, '/');
    renderList(client);
    expect(screen.getByRole('button', { name: 'Water the plants' })).toBeInTheDocument();
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/auth/me', '/api/v1/tags', '/api/v1/tasks?sort=title&limit=30']);
  });

  it('does not hold the first render back for a slow server', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', vi.fn(() => new Promise(() => {}))); // never answers
    let ready = false;
    void firstScreenReady(createQueryClient(), '/').then(() => (ready = true));
    await vi.advanceTimersByTimeAsync(FIRST_SCREEN_WAIT_MS - 1);
    expect(ready).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(ready).toBe(true);
  });
});
