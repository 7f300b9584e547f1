import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithClient } from '../../test/render';
import { ChatPanel } from './ChatPanel';

const encoder = new TextEncoder();

/** A streamed answer whose frames arrive one by one, each when `next()` is called. */
function pacedStream(frames: string[]) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  let i = 0;
  return {
    response: new Response(body, { headers: { 'Content-Type': 'text/event-stream' } }),
    next() {
      const frame = frames[i++];
      if (frame === undefined) controller.close();
      else controller.enqueue(encoder.encode(frame));
    },
  };
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const action = { tool: 'create_task', input: { title: 'Call mum' }, ok: true, summary: "created task 'Call mum'" };

describe('ChatPanel', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('streams the reply, shows tool activity as chips and refreshes the task lists', async () => {
    const stream = pacedStream([
      frame('text', { delta: 'Sure — ' }),
      frame('tool', action),
      frame('text', { delta: 'every Sunday at 18:00.' }),
      frame('done', { conversation_id: 'c1', reply: 'Sure — every Sunday at 18:00.', actions: [action] }),
    ]);
    const fetchMock = vi.fn(async () => stream.response);
    vi.stubGlobal('fetch', fetchMock);
    const { client } = renderWithClient(<ChatPanel open onClose={() => {}} />);
    const invalidate = vi.spyOn(client, 'invalidateQueries');

    const box = screen.getByLabelText('Message the assistant');
    expect(box).toHaveFocus();
    await userEvent.type(box, 'remind me to call mum every Sunday at 6pm{Enter}');
    expect(screen.getByText('remind me to call mum every Sunday at 6pm')).toBeInTheDocument();
    expect(box).toHaveValue('');

    stream.next();
    await waitFor(() => expect(screen.getByTestId('chat-reply')).toHaveTextContent('Sure —'));
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    expect(invalidate).not.toHaveBeenCalled();

    stream.next();
    await screen.findByText("created task 'Call mum'");
    expect(invalidate).toHaveBeenCalledWith({ queryKey: ['tasks'] });

    stream.next();
    stream.next();
    stream.next();
    await waitFor(() => expect(screen.getByTestId('chat-reply')).toHaveTextContent(/^Sure — every Sunday at 18:00\.$/));
    expect(screen.getAllByTestId('chat-action')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Send' })).toBeInTheDocument();

    // the next message continues the same conversation
    fetchMock.mockImplementationOnce(async () => new Response(frame('done', { conversation_id: 'c1', reply: 'Anything else?', actions: [] }), { headers: { 'Content-Type': 'text/event-stream' } }));
    await userEvent.type(box, 'thanks{Enter}');
    await screen.findByText('Anything else?');
    const second = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect(JSON.parse(String(second[1].body))).toEqual({ message: 'thanks', conversation_id: 'c1' });
  });

  it('shows why the assistant is not available (503 without a model key) and keeps the message', async () => {
    const detail = 'The assistant is not configured: set ANTHROPIC_API_KEY in the environment and restart TaskFlow.';
    vi.stubGlobal('fetch', async () =>
      new Response(JSON.stringify({ type: 'about:blank', title: 'Assistant not configured', status: 503, detail }), {
        status: 503,
        headers: { 'Content-Type': 'application/problem+json' },
      }),
    );
    renderWithClient(<ChatPanel open onClose={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: '“Remind me to call mum every Sunday at 6pm”' }));
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    const alert = await screen.findByRole('alert');
    // it speaks to the person chatting; the administrator's how-to is folded away
    expect(alert).toHaveTextContent('The assistant is not switched on here yet');
    expect(alert).toHaveTextContent('Everything else works as usual');
    expect(within(alert).getByText('If you run this server')).toBeInTheDocument();
    expect(within(alert).getByText(detail)).not.toBeVisible();
    expect(screen.getByText('Remind me to call mum every Sunday at 6pm')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('closes on Escape', async () => {
    const onClose = vi.fn();
    renderWithClient(<ChatPanel open onClose={onClose} />);
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalled();
  });
});
