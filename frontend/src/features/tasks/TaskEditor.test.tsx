import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeTask } from '../../test/factories';
import { fakeFetch, renderWithClient } from '../../test/render';
import { TaskEditor } from './TaskEditor';

afterEach(() => vi.unstubAllGlobals());

describe('TaskEditor', () => {
  it('PATCHes only the changed fields with If-Match, and offers a reload when stale', async () => {
    const task = makeTask({ version: 3 });
    const fresh = makeTask({ version: 4, title: 'Water the plants (renamed elsewhere)' });
    const fetch = fakeFetch([
      ['GET', '/api/v1/tags', 200, []],
      ['GET', '/api/v1/auth/me', 200, { id: 'u1', email: 'a@b.co', name: 'A', timezone: 'UTC' }],
      ['PATCH', '/api/v1/tasks/t1', 412, { title: 'Precondition Failed', status: 412, detail: 'The task changed since you loaded it (now version 4); reload it and try again' }],
      ['GET', '/api/v1/tasks/t1', 200, task],
    ]);
    vi.stubGlobal('fetch', fetch.fn);
    const onClose = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<TaskEditor taskId="t1" timeZone="Europe/Berlin" onClose={onClose} />);
    const priority = await screen.findByLabelText('Priority');
    await user.selectOptions(priority, 'urgent');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/changed since you loaded it/)).toBeInTheDocument();
    const patch = fetch.calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ priority: 'urgent' });
    expect(patch.headers['If-Match']).toBe('3');
    // the draft survived in sessionStorage (a 401 would not lose it either)
    expect(sessionStorage.getItem('taskflow:draft:editor:t1')).toContain('urgent');

    // reload: the fresh version becomes the base
    const second = fakeFetch([['GET', '/api/v1/tasks/t1', 200, fresh], ['GET', '/api/v1/tags', 200, []]]);
    vi.stubGlobal('fetch', second.fn);
    await user.click(screen.getByRole('button', { name: 'Reload task (discard my changes)' }));
    await waitFor(() => expect(screen.getByLabelText('Title')).toHaveValue('Water the plants (renamed elsewhere)'));
    expect(screen.getByLabelText('Priority')).toHaveValue('medium');
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
