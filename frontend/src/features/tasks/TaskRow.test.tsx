import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { makeTask } from '../../test/factories';
import { TaskRow } from './TaskRow';

describe('TaskRow', () => {
  it('completes, opens and deletes with one click each', async () => {
    const user = userEvent.setup();
    const task = makeTask({ due_at: '2020-01-01T09:00:00+01:00' });
    const handlers = { onToggle: vi.fn(), onOpen: vi.fn(), onDelete: vi.fn(), onSelect: vi.fn() };
    render(<ul><TaskRow task={task} index={3} selected={false} tagColors={new Map([['garden', '#22c55e']])} {...handlers} /></ul>);
    await user.click(screen.getByRole('checkbox', { name: 'Complete “Water the plants”' }));
    await user.click(screen.getByRole('button', { name: 'Water the plants' }));
    await user.click(screen.getByRole('button', { name: 'Delete “Water the plants”' }));
    expect(handlers.onToggle).toHaveBeenCalledWith(task);
    expect(handlers.onOpen).toHaveBeenCalledWith(task);
    expect(handlers.onDelete).toHaveBeenCalledWith(task);
    expect(handlers.onSelect).toHaveBeenCalledWith(3);
    expect(screen.getByText('every week on Mon, Wed')).toBeInTheDocument();
    expect(screen.getByTestId('due')).toHaveClass('text-red-700'); // overdue
    expect(screen.getByTestId('due')).toHaveTextContent('1 Jan 2020 09:00 (overdue)');
  });

  it('an all-day task due today reads "Today", not overdue, all day long', () => {
    vi.useFakeTimers({ now: new Date('2026-11-24T22:30:00+01:00'), toFake: ['Date'] });
    try {
      const task = makeTask({ due_at: '2026-11-24T00:00:00+01:00', all_day: true });
      const handlers = { onToggle: vi.fn(), onOpen: vi.fn(), onDelete: vi.fn(), onSelect: vi.fn() };
      render(<ul><TaskRow task={task} index={0} selected={false} tagColors={new Map()} {...handlers} /></ul>);
      expect(screen.getByTestId('due')).toHaveTextContent(/^Today$/);
      expect(screen.getByTestId('due')).not.toHaveClass('text-red-700');
    } finally {
      vi.useRealTimers();
    }
  });
});
