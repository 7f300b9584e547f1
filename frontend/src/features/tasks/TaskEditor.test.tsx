import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeTask } from '../../test/factories';
import { fakeFetch, renderWithClient } from '../../test/render';
import { TaskEditor } from './TaskEditor';

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

const STALE = { title: 'Precondition Failed', status: 412, detail: 'The task changed since you loaded it (now version 4); reload it and try again' };

/** A server whose task is at `fresh` and refuses the first PATCH with a 412. */
function serverChangedElsewhere(task: ReturnType<typeof makeTask>, fresh: ReturnType<typeof makeTask>) {
  let patches = 0;
  const calls: { method: string; body?: unknown; headers: Record<string, string> }[] = [];
  const fn = async (url: string, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const body = init.body ? JSON.parse(String(init.body)) : undefined;
    calls.push({ method, body, headers: (init.headers ?? {}) as Record<string, string> });
    const json = (status: number, value: unknown) => new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
    if (url === '/api/v1/tags') return json(200, []);
    if (method === 'GET' && url === '/api/v1/tasks/t1') return json(200, patches === 0 ? task : fresh);
    if (method === 'PATCH') {
      patches += 1;
      if (patches === 1) return json(412, STALE);
      return json(200, { ...fresh, ...body, version: fresh.version + 1 });
    }
    return json(404, { title: 'Not Found', status: 404 });
  };
  return { fn, patches: () => calls.filter((c) => c.method === 'PATCH') };
}

describe('TaskEditor', () => {
  it('PATCHes only the changed fields with If-Match; after a 412 it merges and saves only mine, keeping their edit', async () => {
    const task = makeTask({ version: 3 });
    const fresh = makeTask({ version: 4, description: 'Changed on my phone' });
    const server = serverChangedElsewhere(task, fresh);
    vi.stubGlobal('fetch', server.fn);
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<TaskEditor taskId="t1" timeZone="Europe/Berlin" onClose={onClose} />);
    await user.selectOptions(await screen.findByLabelText('Priority'), 'urgent');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const [first, second] = server.patches();
    expect(first!.body).toEqual({ priority: 'urgent' });
    expect(first!.headers['If-Match']).toBe('3');
    // the retry is against their version and carries my field only: their description stays
    expect(second!.body).toEqual({ priority: 'urgent' });
    expect(second!.headers['If-Match']).toBe('4');
    expect(screen.queryByTestId('conflicts')).toBeNull();
  });

  it('asks only about a field both changed; choosing theirs sends nothing for it', async () => {
    const task = makeTask({ version: 3 });
    const fresh = makeTask({ version: 4, title: 'Renamed on the phone', description: 'note from the phone' });
    const server = serverChangedElsewhere(task, fresh);
    vi.stubGlobal('fetch', server.fn);
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<TaskEditor taskId="t1" timeZone="Europe/Berlin" onClose={onClose} />);
    const title = await screen.findByLabelText('Title');
    await user.clear(title);
    await user.type(title, 'Renamed on the desktop');
    await user.selectOptions(screen.getByLabelText('Priority'), 'high');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    const conflicts = await screen.findByTestId('conflicts');
    expect(within(conflicts).getAllByRole('listitem').map((li) => li.dataset.testid)).toEqual(['conflict-title']);
    expect(conflicts).toHaveTextContent('Yours: “Renamed on the desktop”');
    expect(conflicts).toHaveTextContent('Theirs: “Renamed on the phone”');
    // their description is merged into the form already; Save waits for the choice
    expect(screen.getByLabelText('Description')).toHaveValue('note from the phone');
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
    // the draft (with the open question) survives a reload or a sign-in
    expect(sessionStorage.getItem('taskflow:draft:editor:t1')).toContain('conflicts');
    await user.click(within(conflicts).getByRole('button', { name: 'Use theirs (title)' }));
    expect(screen.getByLabelText('Title')).toHaveValue('Renamed on the phone');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    const last = server.patches().at(-1)!;
    expect(last.body).toEqual({ priority: 'high' });
    expect(last.headers['If-Match']).toBe('4');
  });

  it('keeping mine on a conflict sends my value against their version', async () => {
    const task = makeTask({ version: 3 });
    const fresh = makeTask({ version: 4, priority: 'low' });
    const server = serverChangedElsewhere(task, fresh);
    vi.stubGlobal('fetch', server.fn);
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<TaskEditor taskId="t1" timeZone="Europe/Berlin" onClose={onClose} />);
    await user.selectOptions(await screen.findByLabelText('Priority'), 'urgent');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await user.click(await screen.findByRole('button', { name: 'Keep mine (priority)' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(server.patches().at(-1)!.body).toEqual({ priority: 'urgent' });
    expect(server.patches().at(-1)!.headers['If-Match']).toBe('4');
  });

  it('a 412 that keeps coming back ends in an error with "Reload task"', async () => {
    const task = makeTask({ version: 3 });
    const fetch = fakeFetch([
      ['GET', '/api/v1/tags', 200, []],
      ['PATCH', '/api/v1/tasks/t1', 412, STALE],
      ['GET', '/api/v1/tasks/t1', 200, task],
    ]);
    vi.stubGlobal('fetch', fetch.fn);
    const user = userEvent.setup();
    renderWithClient(<TaskEditor taskId="t1" timeZone="Europe/Berlin" onClose={vi.fn()} />);
    await user.selectOptions(await screen.findByLabelText('Priority'), 'urgent');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/changed since you loaded it/)).toBeInTheDocument();
    expect(fetch.calls.filter((c) => c.method === 'PATCH').length).toBe(4);

    const fresh = makeTask({ version: 5, title: 'Water the plants (renamed elsewhere)' });
    vi.stubGlobal('fetch', fakeFetch([['GET', '/api/v1/tasks/t1', 200, fresh], ['GET', '/api/v1/tags', 200, []]]).fn);
    await user.click(screen.getByRole('button', { name: 'Reload task (discard my changes)' }));
    await waitFor(() => expect(screen.getByLabelText('Title')).toHaveValue('Water the plants (renamed elsewhere)'));
    expect(screen.getByLabelText('Priority')).toHaveValue('medium');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
