import type { ChatAction, ChatOut, Problem } from '../../api/types';

// The chat answer arrives as a `text/event-stream` body of a POST, which EventSource cannot
// make: this reads the stream's frames (WHATWG "server-sent events" rules) from text chunks.

export interface SseFrame {
  event: string;
  data: string;
  id?: string;
}

/** Incremental SSE reader: `push` text as it arrives, get the complete frames back. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      // a lone CR at the very end may be the first half of a CRLF split across chunks
      if (match[0] === '\r' && match.index === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  /** The stream ended: a last frame without its blank line still counts. */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    if (this.buffer) {
      const frame = this.line(this.buffer.replace(/\r$/, ''));
      this.buffer = '';
      if (frame) frames.push(frame);
    }
    const last = this.dispatch();
    if (last) frames.push(last);
    return frames;
  }

  private line(line: string): SseFrame | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null; // comment / keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null; // `retry` and unknown fields are ignored
  }

  private dispatch(): SseFrame | null {
    const frame = this.data.length ? { event: this.event || 'message', data: this.data.join('\n'), ...(this.id ? { id: this.id } : {}) } : null;
    this.event = '';
    this.data = [];
    return frame;
  }
}

export type ChatEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool'; action: ChatAction }
  | { type: 'done'; result: ChatOut }
  | { type: 'error'; problem: Problem };

function isObject(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

/** A tool call as the panel shows it, whatever was missing from the server's object. */
export function toAction(value: unknown): ChatAction | null {
  if (!isObject(value) || typeof value.tool !== 'string') return null;
  return {
    tool: value.tool,
    input: isObject(value.input) ? value.input : {},
    ok: value.ok !== false,
    summary: typeof value.summary === 'string' ? value.summary : '',
  };
}

/** `{conversation_id, reply, actions}` from a `done` event or a JSON answer. */
export function toChatOut(value: unknown): ChatOut | null {
  if (!isObject(value)) return null;
  const actions = Array.isArray(value.actions) ? value.actions.map(toAction).filter((a): a is ChatAction => a !== null) : [];
  return {
    conversation_id: typeof value.conversation_id === 'string' ? value.conversation_id : '',
    reply: typeof value.reply === 'string' ? value.reply : '',
    actions,
  };
}

function toProblemObject(value: unknown): Problem {
  const p = isObject(value) ? value : {};
  const status = typeof p.status === 'number' ? p.status : 502;
  const title = typeof p.title === 'string' && p.title ? p.title : 'The assistant failed';
  const detail = typeof p.detail === 'string' && p.detail ? p.detail : 'The assistant stopped with an error. Try again in a moment.';
  return { ...(typeof p.type === 'string' ? { type: p.type } : {}), title, status, detail };
}

/**
 * One frame of the chat stream → what it means for the panel; null for frames the panel
 * does not use (unknown event names, keep-alives, malformed JSON).
 */
export function parseChatEvent(frame: SseFrame): ChatEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(frame.data);
  } catch {
    if (frame.event === 'error') return { type: 'error', problem: toProblemObject({ detail: frame.data }) };
    return null;
  }
  switch (frame.event) {
    case 'text':
      return isObject(body) && typeof body.delta === 'string' ? { type: 'text', delta: body.delta } : null;
    case 'tool': {
      const action = toAction(body);
      return action ? { type: 'tool', action } : null;
    }
    case 'done': {
      const result = toChatOut(body);
      return result ? { type: 'done', result } : null;
    }
    case 'error':
      return { type: 'error', problem: toProblemObject(body) };
    default:
      return null;
  }
}
