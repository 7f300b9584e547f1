import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeTask } from '../../test/factories';
import { fakeFetch, renderWithClient } from '../../test/render';
import { QuickAdd } from './QuickAdd';

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
});

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

  it('highlights what it recognised before saving; Backspace right after a highlight keeps it as text', async () => {
    const fetch = fakeFetch([['POST', '/api/v1/tasks', 201, makeTask()]]);
    vi.stubGlobal('fetch', fetch.fn);
    const user = userEvent.setup();
    renderWithClient(<QuickAdd timeZone="Europe/Berlin" />);
    const input = screen.getByLabelText('New task');
    await user.type(input, 'Standup every weekday');
    const parts = await screen.findByTestId('quick-add-parts');
    expect(within(parts).getByText('Repeats: every weekday')).toBeInTheDocument();
    expect(screen.getByTestId('quick-add-highlight').querySelector('mark[data-kind="repeat"]')).toHaveTextContent('every weekday');
    await user.keyboard('{Backspace}'); // undoes the recognition, deletes nothing
    expect(input).toHaveValue('Standup every weekday');
    expect(screen.queryByTestId('quick-add-parts')).toBeNull();
    expect(screen.getByTestId('quick-add-highlight').querySelector('mark')).toBeNull();
    await user.keyboard('{Backspace}'); // the next one deletes as usual
    expect(input).toHaveValue('Standup every weekda');
    await user.type(input, 'y at 9:30{Enter}');
    await waitFor(() => expect(fetch.calls.length).toBe(1));
    const body = fetch.calls[0]!.body as { title: string; recurrence?: unknown; all_day: boolean };
    expect(body.title).toBe('Standup every weekday');
    expect(body.recurrence).toBeUndefined();
    expect(body.all_day).toBe(false);
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
