// index.html asks for the first screen's data (the session, the first page of the task list,
// the tags) while the app's script is still loading. The app's first request for each of those
// paths takes the answer that is already on its way instead of asking again.

declare global {
  interface Window {
    /** Set by index.html: API path (after `/api/v1`) → the answer to its GET. */
    __taskflowEarly?: Record<string, Promise<Response> | undefined>;
  }
}

/** Past this time after navigation an unclaimed early answer counts as stale: ask again. */
export const EARLY_MAX_AGE_MS = 10_000;

/** The early answer to `GET /api/v1<path>`, once (a second request for it goes to the network). */
export function takeEarly(path: string): Promise<Response> | undefined {
  const early = typeof window === 'undefined' ? undefined : window.__taskflowEarly;
  if (!early) return undefined;
  if (performance.now() > EARLY_MAX_AGE_MS) {
    window.__taskflowEarly = undefined;
    return undefined;
  }
  const answer = early[path];
  delete early[path];
  return answer;
}
