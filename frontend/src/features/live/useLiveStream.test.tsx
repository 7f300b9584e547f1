import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { makeTask } from '../../test/factories';
import { useLiveStream } from './useLiveStream';

class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static last: FakeEventSource | null = null;
  static count = 0;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: MessageEvent) => void) | null = null;
  listeners = new Map<string, (e: MessageEvent) => void>();
  constructor(public url: string) {
    FakeEventSource.last = this;
    FakeEventSource.count++;
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emit(type: string, data: unknown, id: string) {
    this.listeners.get(type)?.(new MessageEvent(type, { data: JSON.stringify(data), lastEventId: id }));
  }
}

beforeEach(() => {
  FakeEventSource.count = 0;
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => vi.unstubAllGlobals());

describe('useLiveStream', () => {
  it('delivers each event once and reports the connection state', () => {
    const onEvent = vi.fn();
    const onResync = vi.fn();
    const { result } = renderHook(() => useLiveStream(true, onEvent, onResync));
    const source = FakeEventSource.last!;
    expect(source.url).toBe('/api/v1/notifications/stream');
    expect(result.current).toBe('connecting');
    act(() => source.open());
    expect(result.current).toBe('live');
    const data = { task: makeTask({ version: 2 }), version: 2 };
    act(() => source.emit('com.taskflow.task.updated', data, 'e1'));
    act(() => source.emit('com.taskflow.task.updated', data, 'e1'));
    expect(onEvent).toHaveBeenCalledTimes(1);
    // a dropped connection: the browser reconnects itself; after it, resync the lists
    act(() => source.onerror?.());
    expect(result.current).toBe('reconnecting');
    act(() => source.open());
    expect(onResync).toHaveBeenCalledTimes(1);
  });

  it('backs off quietly when the stream endpoint is not there (404)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('{}', { status: 404 })));
    const { result } = renderHook(() => useLiveStream(true, vi.fn(), vi.fn()));
    const source = FakeEventSource.last!;
    act(() => {
      source.readyState = FakeEventSource.CLOSED;
      source.onerror?.();
    });
    await waitFor(() => expect(result.current).toBe('unavailable'));
    expect(FakeEventSource.count).toBe(1);
    await act(async () => {
      vi.advanceTimersByTime(30_000);
    });
    expect(FakeEventSource.count).toBe(2);
    vi.useRealTimers();
  });

  it('says so when the server refuses a stream because other tabs hold them all (429), and retries', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('{}', { status: 429 })));
    const { result } = renderHook(() => useLiveStream(true, vi.fn(), vi.fn()));
    act(() => {
      FakeEventSource.last!.readyState = FakeEventSource.CLOSED;
      FakeEventSource.last!.onerror?.();
    });
    await waitFor(() => expect(result.current).toBe('too-many'));
    await act(async () => {
      vi.advanceTimersByTime(5_000);
    });
    expect(FakeEventSource.count).toBe(2);
    act(() => FakeEventSource.last!.open());
    expect(result.current).toBe('live');
    vi.useRealTimers();
  });
});
