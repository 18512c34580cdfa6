import { describe, expect, it } from 'vitest';
import { formatJakartaDateTime, formatJakartaTime, formatRp, isoToJakartaLocal, jakartaDayBound, jakartaLocalToIso } from './format';

describe('formatRp', () => {
  it.each([
    [750000, 'Rp 750.000'],
    [0, 'Rp 0'],
    [999, 'Rp 999'],
    [1000, 'Rp 1.000'],
    [1250000, 'Rp 1.250.000'],
    [1000000000000, 'Rp 1.000.000.000.000'],
    [-50000, '-Rp 50.000'],
  ])('%d → %s', (amount, text) => {
    expect(formatRp(amount)).toBe(text);
  });
});

describe('Jakarta times', () => {
  it('shows a UTC instant in WIB (UTC+7), whatever the machine zone', () => {
    // 12:00 UTC is 19:00 in Jakarta; 20:30 UTC is 03:30 the next day.
    expect(formatJakartaTime('2026-12-20T12:00:00Z')).toBe('19:00');
    expect(formatJakartaTime('2026-12-20T20:30:00Z')).toBe('03:30');
    const en = formatJakartaDateTime('2026-12-20T20:30:00Z', 'en');
    expect(en).toContain('21 December 2026');
    expect(en).toContain('03:30');
    expect(en.endsWith('WIB')).toBe(true);
    const id = formatJakartaDateTime('2026-12-20T12:00:00Z', 'id');
    expect(id).toContain('20 Desember 2026');
    expect(id).toMatch(/19[.:]00/);
  });

  it('round-trips a datetime-local value as Jakarta wall-clock time', () => {
    expect(jakartaLocalToIso('2026-12-20T19:00')).toBe('2026-12-20T19:00:00+07:00');
    expect(Date.parse(jakartaLocalToIso('2026-12-20T19:00'))).toBe(Date.parse('2026-12-20T12:00:00Z'));
    expect(isoToJakartaLocal('2026-12-20T12:00:00Z')).toBe('2026-12-20T19:00');
    expect(jakartaDayBound('2026-12-20', false)).toBe('2026-12-20T00:00:00+07:00');
    expect(jakartaDayBound('2026-12-20', true)).toBe('2026-12-20T23:59:59+07:00');
  });
});
