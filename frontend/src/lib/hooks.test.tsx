import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { useDraft, clearDrafts } from './drafts';
import { ErrorBoundary } from './ErrorBoundary';
import { useDebounce } from './useDebounce';
import { useShortcuts } from './useShortcuts';

describe('useDebounce', () => {
  it('passes a value on once it stops changing', () => {
    vi.useFakeTimers();
    const { result, rerender } = renderHook(({ v }) => useDebounce(v, 250), { initialProps: { v: 'a' } });
    rerender({ v: 'ab' });
    rerender({ v: 'abc' });
    expect(result.current).toBe('a');
    act(() => vi.advanceTimersByTime(249));
    expect(result.current).toBe('a');
    act(() => vi.advanceTimersByTime(1));
    expect(result.current).toBe('abc');
    vi.useRealTimers();
  });
});

describe('useDraft', () => {
  it('mirrors a value into sessionStorage and restores it', () => {
    const first = renderHook(() => useDraft('note', ''));
    act(() => first.result.current[1]('half a thought'));
    first.unmount();
    const second = renderHook(() => useDraft('note', ''));
    expect(second.result.current[0]).toBe('half a thought');
    act(() => second.result.current[2]());
    expect(second.result.current[0]).toBe('');
    expect(sessionStorage.getItem('taskflow:draft:note')).toBeNull();
  });
  it('clearDrafts forgets every draft (sign-out)', () => {
    sessionStorage.setItem('taskflow:draft:a', '"x"');
    sessionStorage.setItem('other', '1');
    clearDrafts();
    expect(sessionStorage.getItem('taskflow:draft:a')).toBeNull();
    expect(sessionStorage.getItem('other')).toBe('1');
  });
});

describe('useShortcuts', () => {
  it('fires single keys but not while typing or with modifiers', () => {
    const n = vi.fn();
    function Harness() {
      useShortcuts({ n });
      return <input aria-label="field" />;
    }
    render(<Harness />);
    fireEvent.keyDown(window, { key: 'n' });
    fireEvent.keyDown(screen.getByLabelText('field'), { key: 'n' });
    fireEvent.keyDown(window, { key: 'n', ctrlKey: true });
    expect(n).toHaveBeenCalledTimes(1);
  });
});

describe('ErrorBoundary', () => {
  it('shows the error instead of a blank screen', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    function Boom(): JSX.Element {
      throw new Error('kaboom');
    }
    render(<ErrorBoundary label="This view failed."><Boom /></ErrorBoundary>);
    expect(screen.getByRole('alert')).toHaveTextContent('This view failed.kaboom');
    spy.mockRestore();
  });
});
