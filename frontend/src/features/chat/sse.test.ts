import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { parseChatEvent, SseParser, type ChatEvent, type SseFrame } from './sse';
import { streamChat } from './stream';

const action = { tool: 'create_task', input: { title: 'Call mum', recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU' } }, ok: true, summary: "created task 'Call mum'" };
const done = { conversation_id: 'c1', reply: 'Done: I will remind you every Sunday at 18:00.', actions: [action] };

/** A chat stream as the API writes it (event + JSON data + blank line). */
const STREAM = [
  ': keep-alive\n\n',
  `event: text\ndata: ${JSON.stringify({ delta: 'Done: I will ' })}\n\n`,
  `event: tool\ndata: ${JSON.stringify(action)}\n\n`,
  `event: text\ndata: ${JSON.stringify({ delta: 'remind you every Sunday at 18:00.' })}\n\n`,
  `event: done\ndata: ${JSON.stringify(done)}\n\n`,
].join('');

function feed(text: string, chunkSize: number): SseFrame[] {
  const parser = new SseParser();
  const frames: SseFrame[] = [];
  for (let i = 0; i < text.length; i += chunkSize) frames.push(...parser.push(text.slice(i, i + chunkSize)));
  return [...frames, ...parser.end()];
}

describe('SseParser', () => {
  it('gives the same frames however the stream is cut into chunks', () => {
    const whole = feed(STREAM, STREAM.length);
    expect(whole.map((f) => f.event)).toEqual(['text', 'tool', 'text', 'done']);
    expect(JSON.parse(whole[1]!.data)).toEqual(action);
    for (const size of [1, 2, 3, 7, 64]) expect(feed(STREAM, size)).toEqual(whole);
  });

  it('follows the SSE rules: CRLF and CR line ends, multi-line data, comments, ids, no space after the colon', () => {
    const text = 'event: text\r\ndata: {"delta":\r\ndata:"a"}\r\nid: 7\r\n\r\n:comment\r\revent:done\rdata:{}\r\r';
    for (const size of [1, 5, text.length]) {
      expect(feed(text, size)).toEqual([
        { event: 'text', data: '{"delta":\n"a"}', id: '7' },
        { event: 'done', data: '{}', id: '7' },
      ]);
    }
  });

  it('drops frames without data and keeps a last frame that lacks its blank line', () => {
    expect(feed('event: text\n\nretry: 1000\n\n', 3)).toEqual([]);
    expect(feed('data: plain', 4)).toEqual([{ event: 'message', data: 'plain' }]);
  });
});

describe('parseChatEvent', () => {
  it('reads text, tool, done and error events', () => {
    expect(parseChatEvent({ event: 'text', data: '{"delta":"Hi"}' })).toEqual({ type: 'text', delta: 'Hi' });
    expect(parseChatEvent({ event: 'tool', data: JSON.stringify(action) })).toEqual({ type: 'tool', action });
    expect(parseChatEvent({ event: 'done', data: JSON.stringify(done) })).toEqual({ type: 'done', result: done });
    const problem = { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The model is overloaded; try again in a minute.' };
    expect(parseChatEvent({ event: 'error', data: JSON.stringify(problem) })).toEqual({ type: 'error', problem });
  });

  it('fills what a frame left out and ignores what the panel does not use', () => {
    expect(parseChatEvent({ event: 'tool', data: '{"tool":"complete_task","ok":false}' })).toEqual({
      type: 'tool',
      action: { tool: 'complete_task', input: {}, ok: false, summary: '' },
    });
    expect(parseChatEvent({ event: 'error', data: 'upstream timeout' })).toMatchObject({ type: 'error', problem: { status: 502, detail: 'upstream timeout' } });
    expect(parseChatEvent({ event: 'ping', data: '{}' })).toBeNull();
    expect(parseChatEvent({ event: 'text', data: '{broken' })).toBeNull();
    expect(parseChatEvent({ event: 'text', data: '{"delta":3}' })).toBeNull();
    expect(parseChatEvent({ event: 'tool', data: '{"ok":true}' })).toBeNull();
  });
});

function streamResponse(chunks: string[], status = 200): Response {
  const bytes = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(bytes.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } });
}

describe('streamChat', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('asks for a stream and hands over every event as it arrives', async () => {
    const fetchMock = vi.fn(async () => streamResponse([STREAM.slice(0, 50), STREAM.slice(50, 51), STREAM.slice(51)]));
    vi.stubGlobal('fetch', fetchMock);
    const events: ChatEvent[] = [];
    const result = await streamChat({ message: 'remind me to call mum every Sunday at 6pm' }, (e) => events.push(e));
    expect(result).toEqual(done);
    expect(events.map((e) => e.type)).toEqual(['text', 'tool', 'text', 'done']);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/chat');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Accept).toBe('text/event-stream');
    expect(JSON.parse(String(init.body))).toEqual({ message: 'remind me to call mum every Sunday at 6pm' });
  });

  it('keeps multi-byte characters split across chunks whole', async () => {
    const frame = new TextEncoder().encode(`event: done\ndata: ${JSON.stringify({ ...done, reply: 'Erledigt ✓ — schön' })}\n\n`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < frame.length; i += 5) controller.enqueue(frame.slice(i, i + 5));
        controller.close();
      },
    });
    vi.stubGlobal('fetch', async () => new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }));
    expect((await streamChat({ message: 'x' }, () => {})).reply).toBe('Erledigt ✓ — schön');
  });

  it('throws the problem of a refused request, an error event, or a stream cut off before done', async () => {
    const detail = 'The assistant needs a model key: set ANTHROPIC_API_KEY and restart TaskFlow.';
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail }), {
        status: 503,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    );
    await expect(streamChat({ message: 'x' }, () => {})).rejects.toMatchObject({ status: 503, message: detail });

    vi.stubGlobal('fetch', async () => streamResponse([`event: text\ndata: {"delta":"Hm"}\n\nevent: error\ndata: {"title":"Bad Gateway","status":502,"detail":"Claude is overloaded."}\n\n`]));
    const seen: ChatEvent[] = [];
    const error = await streamChat({ message: 'x' }, (e) => seen.push(e)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, message: 'Claude is overloaded.' });
    expect(seen).toEqual([{ type: 'text', delta: 'Hm' }]);

    vi.stubGlobal('fetch', async () => streamResponse([`event: text\ndata: {"delta":"Hm"}\n\n`]));
    await expect(streamChat({ message: 'x' }, () => {})).rejects.toMatchObject({ message: expect.stringMatching(/closed before the assistant finished/) });

    vi.stubGlobal('fetch', async () => new Response('', { status: 405 }));
    await expect(streamChat({ message: 'x' }, () => {})).rejects.toMatchObject({ message: 'The assistant is not available on this server yet.' });
  });

  it('reads a plain JSON answer too', async () => {
    vi.stubGlobal('fetch', async () => new Response(JSON.stringify(done), { headers: { 'Content-Type': 'application/json' } }));
    const events: ChatEvent[] = [];
    expect(await streamChat({ message: 'x', conversation_id: 'c1' }, (e) => events.push(e))).toEqual(done);
    expect(events.map((e) => e.type)).toEqual(['text', 'tool', 'done']);
  });
});
