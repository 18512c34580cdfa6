// The booking's status as it changes: Server-Sent Events from GET /api/bookings/{code}/events,
// read with fetch() and a ReadableStream (EventSource cannot send the Authorization header). If
// the stream cannot be opened or drops before a final status, the caller polls instead.
import { api } from '../api/client';
import type { BookingStatus } from '../api/types';

export interface StatusEvent {
  code: string;
  status: BookingStatus;
  updated_at?: string;
}

export interface SseMessage {
  event: string;
  data: string;
}

/** Splits an SSE byte stream's text into messages; returns the messages and the unparsed rest. */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const normalized = buffer.replace(/\r\n?/g, '\n');
  const blocks = normalized.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) messages.push({ event, data: data.join('\n') });
  }
  return { messages, rest };
}

/**
 * Follows the booking's events until the stream ends. Resolves `true` when it ended normally
 * after a final status, `false` when it could not be opened or dropped (time to poll).
 */
export async function followBookingEvents(
  code: string,
  onStatus: (event: StatusEvent) => void,
  signal: AbortSignal,
  isFinal: (status: BookingStatus) => boolean,
): Promise<boolean> {
  let sawFinal = false;
  try {
    const res = await api.send(`/api/bookings/${encodeURIComponent(code)}/events`, {
      accept: 'text/event-stream',
      signal,
    });
    if (!res.ok || !res.body || !(res.headers.get('Content-Type') ?? '').includes('text/event-stream')) {
      return false;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const parsed = parseSse(buffer);
      buffer = parsed.rest;
      for (const m of parsed.messages) {
        if (m.event !== 'status') continue;
        try {
          const ev = JSON.parse(m.data) as StatusEvent;
          onStatus(ev);
          if (isFinal(ev.status)) sawFinal = true;
        } catch {
          /* a malformed event is skipped */
        }
      }
    }
    return sawFinal;
  } catch {
    return sawFinal;
  }
}
