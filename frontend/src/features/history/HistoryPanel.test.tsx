import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { AuditEntry } from '../../api/types';
import { makeTask } from '../../test/factories';
import { renderWithClient } from '../../test/render';
import { HistoryPanel } from './HistoryPanel';

afterEach(() => vi.unstubAllGlobals());

const me = { id: 'u1', email: 'a@b.co', name: 'A', timezone: 'Europe/Berlin' };
const base = { task_id: 't1', actor: { kind: 'user', id: 'u1' }, title: 'Water the plants', details: null, summary: '' };
const created: AuditEntry = { ...base, id: 'e1', event_id: 'e1', seq: 1, type: 'com.taskflow.task.created', time: new Date(Date.now() - 600_000).toISOString(), changes: {}, version: 1 };
const raised: AuditEntry = {
  ...base,
  id: 'e2',
  event_id: 'e2',
  seq: 2,
  type: 'com.taskflow.task.updated',
  time: new Date(Date.now() - 5_000).toISOString(),
  changes: { priority: ['low', 'high'] },
  version: 2,
};

describe('HistoryPanel', () => {
  it('loads the trail when opened, and waits for the entry of the latest change', async () => {
    let audits = 0;
    const fetchMock = vi.fn(async (url: string) => {
      if (url === '/api/v1/auth/me') return Response.json(me);
      if (url === '/api/v1/audit/tasks/t1') {
        audits += 1; // the audit service records the change a moment after the save
        return Response.json({ items: audits === 1 ? [created] : [created, raised], next_cursor: null });
      }
      return Response.json({ title: 'Not Found', status: 404, detail: 'Not Found' }, { status: 404 });
    });
    vi.stubGlobal('fetch', fetchMock);
    renderWithClient(<HistoryPanel task={makeTask({ version: 2, priority: 'high' })} />);
    expect(fetchMock).not.toHaveBeenCalledWith('/api/v1/audit/tasks/t1', expect.anything());

    await userEvent.click(screen.getByText('History'));
    expect(await screen.findByText('created by you, 10 min ago')).toBeInTheDocument();
    expect(await screen.findByText('priority changed from low to high by you, just now', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(audits).toBe(2);
  });

  it('says when nothing is recorded yet rather than failing', async () => {
    vi.stubGlobal('fetch', async (url: string) =>
      url === '/api/v1/auth/me'
        ? Response.json(me)
        : Response.json({ title: 'Not Found', status: 404, detail: 'Task not found in your audit trail' }, { status: 404 }),
    );
    renderWithClient(<HistoryPanel task={makeTask({ version: 1 })} />);
    await userEvent.click(screen.getByText('History'));
    expect(await screen.findByText('No history recorded yet.')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
