import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// public/sw-extra.js runs in the service worker: load it against a stand-in `self`.
function loadWorker() {
  const listeners = new Map<string, (event: unknown) => void>();
  const client = { focus: vi.fn(async () => {}), postMessage: vi.fn() };
  const self = {
    addEventListener: (type: string, fn: (event: unknown) => void) => listeners.set(type, fn),
    clients: { matchAll: vi.fn(async () => [client]), openWindow: vi.fn(async () => null) },
  };
  const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
  const source = readFileSync(join(__dirname, '../../public/sw-extra.js'), 'utf8');
  new Function('self', 'fetch', 'URLPattern', source)(self, fetch, undefined);
  const click = async (action: string) => {
    let work: Promise<unknown> = Promise.resolve();
    const close = vi.fn();
    listeners.get('notificationclick')!({ action, notification: { data: { taskId: 't1' }, close }, waitUntil: (p: Promise<unknown>) => (work = p) });
    await work;
    return close;
  };
  return { click, fetch, client, self };
}

describe('service worker: reminder notification buttons', () => {
  it('Snooze 10 min asks the reminder service for a snooze, with the session cookie', async () => {
    const w = loadWorker();
    const close = await w.click('snooze');
    expect(close).toHaveBeenCalled();
    expect(w.fetch).toHaveBeenCalledWith('/api/v1/tasks/t1/reminders/snooze', expect.objectContaining({ method: 'POST', credentials: 'same-origin', body: '{"minutes":10}' }));
    expect(w.client.postMessage).not.toHaveBeenCalled();
  });

  it('Complete completes the task', async () => {
    const w = loadWorker();
    await w.click('complete');
    expect(w.fetch).toHaveBeenCalledWith('/api/v1/tasks/t1/complete', expect.objectContaining({ method: 'POST' }));
  });

  it('a click on the notification opens the task in a window; so does an action that failed', async () => {
    const w = loadWorker();
    await w.click('');
    expect(w.fetch).not.toHaveBeenCalled();
    expect(w.client.focus).toHaveBeenCalled();
    expect(w.client.postMessage).toHaveBeenCalledWith({ type: 'taskflow:open-task', taskId: 't1' });
    w.fetch.mockResolvedValueOnce(new Response('{}', { status: 401 }));
    await w.click('complete');
    expect(w.client.postMessage).toHaveBeenCalledTimes(2);
  });
});
