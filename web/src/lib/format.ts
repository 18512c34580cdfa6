// Money and time as Indonesian buyers read them: whole rupiah with dots (`Rp 750.000`) and
// concert times in Asia/Jakarta (WIB), whatever the device's own zone is.
export const JAKARTA = 'Asia/Jakarta';

/** `Rp 750.000`; the same in both languages (rupiah are always written this way). */
export function formatRp(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  const digits = Math.round(Math.abs(amount))
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}Rp ${digits}`;
}

const localeOf = (lang: string) => (lang === 'id' ? 'id-ID' : 'en-GB');

/** `Sabtu, 20 Desember 2026 19.00 WIB` / `Saturday 20 December 2026, 19:00 WIB`. */
export function formatJakartaDateTime(iso: string, lang: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: JAKARTA,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(date);
  return `${text} WIB`;
}

/** `20 Des 2026` / `20 Dec 2026` in Jakarta. */
export function formatJakartaDate(iso: string, lang: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(localeOf(lang), {
    timeZone: JAKARTA,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
  }).format(date);
}

/** `HH:MM` in Jakarta. */
export function formatJakartaTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: JAKARTA,
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(date);
  const h = parts.find((p) => p.type === 'hour')?.value ?? '00';
  const m = parts.find((p) => p.type === 'minute')?.value ?? '00';
  return `${h === '24' ? '00' : h}:${m}`;
}

/**
 * A `<input type="datetime-local">` value, read as Jakarta wall-clock time, as RFC 3339 with the
 * +07:00 offset (Jakarta has no daylight saving time).
 */
export function jakartaLocalToIso(local: string): string {
  const withSeconds = /T\d\d:\d\d$/.test(local) ? `${local}:00` : local;
  return `${withSeconds}+07:00`;
}

/** The reverse: an instant as a `datetime-local` value in Jakarta wall-clock time. */
export function isoToJakartaLocal(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const shifted = new Date(date.getTime() + 7 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16);
}

/** A date input (`2026-12-20`) as the start (or end) of that day in Jakarta, RFC 3339. */
export function jakartaDayBound(day: string, end: boolean): string {
  return `${day}T${end ? '23:59:59' : '00:00:00'}+07:00`;
}
