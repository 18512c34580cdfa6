import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen } from '@testing-library/react';
import { formatCountdown, secondsLeft, useCountdown } from './countdown';

describe('countdown maths', () => {
  it('counts whole seconds up to the deadline, never below zero', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(secondsLeft('2026-11-30T10:15:00Z', now)).toBe(900);
    expect(secondsLeft('2026-11-30T10:00:00.400Z', now)).toBe(1);
    expect(secondsLeft('2026-11-30T09:59:00Z', now)).toBe(0);
    expect(secondsLeft('not a date', now)).toBe(0);
  });

  it('formats m:ss and h:mm:ss', () => {
    expect(formatCountdown(900)).toBe('15:00');
    expect(formatCountdown(61)).toBe('1:01');
    expect(formatCountdown(5)).toBe('0:05');
    expect(formatCountdown(3723)).toBe('1:02:03');
    expect(formatCountdown(-3)).toBe('0:00');
  });
});

function Clock({ deadline }: { deadline: string }) {
  const left = useCountdown(deadline);
  return <p data-testid="left">{formatCountdown(left)}</p>;
}

describe('useCountdown', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-30T10:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('ticks every second and stops at zero', () => {
    render(<Clock deadline="2026-11-30T10:00:03Z" />);
    expect(screen.getByTestId('left')).toHaveTextContent('0:03');
    act(() => vi.advanceTimersByTime(1000));
    expect(screen.getByTestId('left')).toHaveTextContent('0:02');
    act(() => vi.advanceTimersByTime(5000));
    expect(screen.getByTestId('left')).toHaveTextContent('0:00');
    expect(vi.getTimerCount()).toBe(0);
  });
});
