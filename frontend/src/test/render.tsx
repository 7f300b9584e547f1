import type { ReactElement } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import { ToastProvider } from '../lib/toast';

/** Render inside a fresh QueryClient (no retries) and the toast provider. */
export function renderWithClient(ui: ReactElement) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const result = render(
    <QueryClientProvider client={client}>
      <ToastProvider>{ui}</ToastProvider>
    </QueryClientProvider>,
  );
  return { client, ...result };
}

type Route = [method: string, path: string | RegExp, status: number, body?: unknown];

/** A fetch stub answering by method and path; records every call. */
export function fakeFetch(routes: Route[]) {
  const calls: { method: string; url: string; body?: unknown; headers: Record<string, string> }[] = [];
  const fn = async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    calls.push({ method, url, body: init.body ? JSON.parse(String(init.body)) : undefined, headers: (init.headers ?? {}) as Record<string, string> });
    const route = routes.find(([m, p]) => m === method && (typeof p === 'string' ? url === p : p.test(url)));
    if (!route) return new Response(JSON.stringify({ title: 'Not Found', status: 404, detail: 'Not Found' }), { status: 404 });
    const [, , status, body] = route;
    return new Response(status === 204 ? null : JSON.stringify(body ?? {}), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return { fn, calls };
}
