import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { RecurrenceIn } from '../../api/types';
import { RecurrenceEditor } from './RecurrenceEditor';

function Harness({ initial = null }: { initial?: RecurrenceIn | null }) {
  const [value, setValue] = useState<RecurrenceIn | null>(initial);
  return (
    <>
      <RecurrenceEditor value={value} onChange={setValue} />
      <output data-testid="value">{JSON.stringify(value)}</output>
    </>
  );
}

describe('RecurrenceEditor', () => {
  it('builds "every 2 weeks on Mon, Wed" from the presets', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.selectOptions(screen.getByLabelText('Repeat'), 'weekly');
    await user.click(screen.getByRole('button', { name: 'Wed' }));
    await user.click(screen.getByRole('button', { name: 'Mon' }));
    const interval = screen.getByLabelText('Interval');
    await user.clear(interval);
    await user.type(interval, '2');
    expect(screen.getByTestId('rrule-code')).toHaveTextContent('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE');
    expect(screen.getByTestId('rrule-words')).toHaveTextContent('Repeats every 2 weeks on Mon, Wed');
    expect(screen.getByRole('button', { name: 'Mon' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('offers the last day of the month and counting from completion', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.selectOptions(screen.getByLabelText('Repeat'), 'monthly');
    await user.selectOptions(screen.getByLabelText('Day of the month'), 'last');
    await user.selectOptions(screen.getByLabelText('next one counts from'), 'completion');
    expect(JSON.parse(screen.getByTestId('value').textContent!)).toEqual({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1', from: 'completion' });
    expect(screen.getByTestId('rrule-words')).toHaveTextContent('every month on the last day');
  });

  it('shows a rule the presets cannot express as a custom RRULE, and can clear it', async () => {
    const user = userEvent.setup();
    render(<Harness initial={{ rrule: 'FREQ=MONTHLY;BYDAY=2MO', from: 'due' }} />);
    expect(screen.getByLabelText('Repeat')).toHaveValue('custom');
    expect(screen.getByLabelText('RRULE')).toHaveValue('FREQ=MONTHLY;BYDAY=2MO');
    expect(screen.getByTestId('rrule-words')).toHaveTextContent('every month on the second Monday');
    await user.selectOptions(screen.getByLabelText('Repeat'), 'none');
    expect(screen.getByTestId('value')).toHaveTextContent('null');
  });
});
