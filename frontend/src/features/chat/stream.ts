import { ApiError, reportUnauthorized, request, toProblem } from '../../api/client';
import type { ChatIn, ChatOut, Conversation } from '../../api/types';
import { parseChatEvent, SseParser, toChatOut, type ChatEvent } from './sse';

const CUT_OFF = {
  title: 'The answer was cut off',
  status: 0,
  detail: 'The connection closed before the assistant finished. Anything it already did is in your task list; ask again to continue.',
};

/** Problems whose own words are not enough for someone looking at the chat panel. */
function explain(error: ApiError): ApiError {
  if (error.status === 404 || error.status === 405) {
    return new ApiError({ ...error.problem, title: 'Assistant not available', detail: 'The assistant is not available on this server yet.' });
  }
  if (error.status === 503 && /not configured/i.test(`${error.problem.title} ${error.problem.detail ?? ''}`)) {
    // The server's words are for whoever runs it (an environment variable and a restart);
    // the person in the chat gets what it means for them, and the how-to folded away.
    return new ApiError({
      ...error.problem,
      title: 'The assistant is not switched on here yet',
      detail: 'This TaskFlow has no AI model connected, so the assistant cannot answer. Everything else works as usual: add and change your tasks in the list.',
      setup: error.problem.detail,
    });
  }
  return error;
}

/**
 * POST /api/v1/chat asking for a stream; `onEvent` sees each text delta and finished tool
 * call as it arrives. Resolves with the final `{conversation_id, reply, actions}`; throws an
 * ApiError for a refused request (e.g. 503 "no model key"), an `error` event or a cut-off
 * stream, and the AbortError when `signal` stops it.
 */
export async function streamChat(body: ChatIn, onEvent: (event: ChatEvent) => void, signal?: AbortSignal): Promise<ChatOut> {
  let response: Response;
  try {
    response = await fetch('/api/v1/chat', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'text/event-stream', 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({ title: 'Network error', status: 0, detail: 'Could not reach TaskFlow. Check your connection and try again.' });
  }
  if (!response.ok) {
    if (response.status === 401) reportUnauthorized();
    throw explain(new ApiError(await toProblem(response)));
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    // a server that answers in one piece: show it as one delta and its actions
    const result = toChatOut(await response.json().catch(() => null));
    if (!result) throw new ApiError({ title: 'Unreadable answer', status: 502, detail: 'The assistant answered in a form this page cannot read.' });
    if (result.reply) onEvent({ type: 'text', delta: result.reply });
    for (const action of result.actions) onEvent({ type: 'tool', action });
    onEvent({ type: 'done', result });
    return result;
  }

  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  const handle = (frames: ReturnType<SseParser['push']>): ChatOut | null => {
    for (const frame of frames) {
      const event = parseChatEvent(frame);
      if (!event) continue;
      if (event.type === 'error') throw new ApiError(event.problem);
      onEvent(event);
      if (event.type === 'done') return event.result;
    }
    return null;
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      const result = done
        ? handle([...parser.push(decoder.decode()), ...parser.end()])
        : handle(parser.push(decoder.decode(value, { stream: true })));
      if (result) return result;
      if (done) throw new ApiError(CUT_OFF);
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError' || err instanceof ApiError) throw err;
    throw new ApiError(CUT_OFF);
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** GET /api/v1/chat/conversations/{id}: an earlier conversation, to show it again. */
export function fetchConversation(id: string, signal?: AbortSignal): Promise<Conversation> {
  return request<Conversation>(`/chat/conversations/${encodeURIComponent(id)}`, { signal });
}
