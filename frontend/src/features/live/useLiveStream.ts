import { useEffect, useRef, useState } from 'react';
import { reportUnauthorized } from '../../api/client';
import { REMINDER_TYPE, SeenIds, TASK_EVENT_TYPES, parseFrame, type LiveEvent } from './parse';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'unavailable' | 'too-many';
export const STREAM_URL = '/api/v1/notifications/stream';

/** Status of the stream endpoint when EventSource gave up (it does not tell why). */
async function probe(): Promise<number> {
  const controller = new AbortController();
  try {
    const response = await fetch(STREAM_URL, { credentials: 'same-origin', signal: controller.signal });
    return response.status;
  } catch {
    return 0;
  } finally {
    controller.abort();
  }
}

/**
 * Keeps one EventSource open while `enabled`. The browser reconnects by itself after a
 * dropped connection (resuming with Last-Event-ID); when the server refuses the stream
 * (404 while the notification service is not deployed, 429, 5xx) we back off and retry.
 * `onResync` runs when a connection opens after a gap, since events may have been missed.
 */
export function useLiveStream(
  enabled: boolean,
  onEvent: (event: LiveEvent) => void,
  onResync: () => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const handlers = useRef({ onEvent, onResync });
  handlers.current = { onEvent, onResync };

  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const seen = new SeenIds();
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = 2000;
    let opened = false;
    let stopped = false;

    const deliver = (name: string | undefined) => (message: MessageEvent<string>) => {
      const event = parseFrame(name, message.data, message.lastEventId);
      if (event && seen.add(event.id)) handlers.current.onEvent(event);
    };

    const retryLater = (ms: number) => {
      timer = setTimeout(connect, ms);
      delay = Math.min(delay * 2, 5 * 60_000);
    };

    function connect() {
      if (stopped) return;
      if (typeof navigator !== 'undefined' && navigator.onLine === false) {
        setStatus('offline');
        return;
      }
      source = new EventSource(STREAM_URL, { withCredentials: true });
      source.onopen = () => {
        setStatus('live');
        delay = 2000;
        if (opened) handlers.current.onResync();
        opened = true;
      };
      source.onmessage = deliver(undefined);
      for (const type of [...TASK_EVENT_TYPES, REMINDER_TYPE]) source.addEventListener(type, deliver(type));
      source.onerror = () => {
        if (!source || source.readyState !== EventSource.CLOSED) {
          setStatus('reconnecting'); // the browser retries on its own
          return;
        }
        source = null;
        void probe().then((code) => {
          if (stopped) return;
          if (code === 401) return reportUnauthorized();
          if (code === 404) {
            setStatus('unavailable');
            return retryLater(Math.max(delay, 30_000));
          }
          if (code === 429) {
            // the server's per-person limit on open streams (other tabs hold them): say so,
            // and take a slot as soon as one is free
            setStatus('too-many');
            return retryLater(5_000);
          }
          setStatus('reconnecting');
          retryLater(delay);
        });
      };
    }

    const online = () => {
      if (!source) {
        clearTimeout(timer);
        connect();
      }
    };
    const offline = () => setStatus('offline');
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }, [enabled]);

  return status;
}
