import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeTask } from '../../test/factories';
import { fakeFetch, renderWithClient } from '../../test/render';
import { QuickAdd } from './QuickAdd';

afterEach(() => vi.unstubAllGlobals());

describe('QuickAdd', () => {
  it('restores its draft and creates a task from one line', async () => {
    sessionStorage.setItem('taskflow:draft:quick-add', JSON.stringify('Buy oat'));
    const fetch = fakeFetch([['POST', '/api/v1/tasks', 201, makeTask({ title: 'Buy oat milk' })]]);
    vi.stubGlobal('fetch', fetch.fn);
    const user = userEvent.setup();
    renderWithClient(<QuickAdd timeZone="UTC" />);
    const input = screen.getByLabelText('New task');
    expect(input).toHaveValue('Buy oat');
    await user.type(input, ' milk #errands !urgent{Enter}');
    await waitFor(() => expect(input).toHaveValue(''));
    expect(fetch.calls[0]!.body).toEqual({ title: 'Buy oat milk', tags: ['errands'], priority: 'urgent' });
    expect(sessionStorage.getItem('taskflow:draft:quick-add')).toBeNull();
  });

  it('keeps the text and shows the problem when the API refuses', async () => {
    vi.stubGlobal('fetch', fakeFetch([['POST', '/api/v1/tasks', 422, { title: 'Invalid', status: 422, detail: 'title: too long' }]]).fn);
    const user = userEvent.setup();
    renderWithClient(<QuickAdd timeZone="UTC" />);
    await user.type(screen.getByLabelText('New task'), 'Something{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('title: too long');
    expect(screen.getByLabelText('New task')).toHaveValue('Something');
  });
});
