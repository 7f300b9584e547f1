import { takeEarly } from './early';
import type { Problem } from './types';

/** An API answer that was not 2xx, carrying its RFC 9457 problem. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${problem.status})`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }
  /** Per-field messages keyed by field name (`tags.0` style names kept as sent). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) out[e.field] ??= e.message;
    return out;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};

/** Register the one global 401 handler (the app sends the user back to sign-in). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

/** Tell the app its session is gone (for requests made outside `request`, e.g. SSE). */
export function reportUnauthorized(): void {
  onUnauthorized();
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** false: a 401 is an ordinary answer here (sign-in form), not an expired session. */
  authenticated?: boolean;
  /** a body sent as it is (e.g. a CSV file), instead of `body` as JSON */
  raw?: { text: string; type: string };
}

export type QueryValue = string | number | boolean | undefined | null | readonly (string | number)[];

export function withQuery(path: string, query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The RFC 9457 problem of a non-2xx answer (a readable fallback when the body is not one). */
export async function toProblem(response: Response): Promise<Problem> {
  const fallback: Problem = {
    title: response.statusText || 'Error',
    status: response.status,
    detail: `The server answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
  };
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object') {
      const p = body as Partial<Problem> & { detail?: unknown };
      const detail = typeof p.detail === 'string' ? p.detail : fallback.detail;
      return { ...fallback, ...p, status: response.status, detail };
    }
  } catch {
    // not JSON: keep the fallback
  }
  return fallback;
}

/** Fetch `/api/v1<path>` with the session cookie (or take index.html's early answer); JSON in and out; throws ApiError. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const { method = 'GET', body, headers = {}, signal, authenticated = true, raw } = options;
  let response: Response;
  try {
    const early = method === 'GET' && body === undefined && !raw ? takeEarly(path) : undefined;
    response = await (early ?? fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(raw ? { 'Content-Type': raw.type } : body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: raw ? raw.text : body !== undefined ? JSON.stringify(body) : undefined,
      signal,
    }));
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({
      title: 'Network error',
      status: 0,
      detail: 'Could not reach TaskFlow. Check your connection and try again.',
    });
  }
  if (!response.ok) {
    const problem = await toProblem(response);
    if (response.status === 401 && authenticated) onUnauthorized();
    throw new ApiError(problem);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A readable message for any error thrown by a query or mutation. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
