import { useEffect, useState } from 'react';

/** Whole seconds from `now` until `deadline` (never negative). */
export function secondsLeft(deadline: string | Date, now: number): number {
  const end = typeof deadline === 'string' ? Date.parse(deadline) : deadline.getTime();
  if (Number.isNaN(end)) return 0;
  return Math.max(0, Math.ceil((end - now) / 1000));
}

/** `14:05`, or `1:02:03` past an hour. */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

/** Seconds left until `deadline`, ticking once a second; stops at zero. */
export function useCountdown(deadline: string | null | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  const left = deadline ? secondsLeft(deadline, now) : 0;
  useEffect(() => {
    if (!deadline || left <= 0) return undefined;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [deadline, left <= 0]); // eslint-disable-line react-hooks/exhaustive-deps
  return left;
}
