import { describe, expect, it, vi } from 'vitest';
import { parseSse } from './bookingEvents';

describe('parseSse', () => {
  it('splits events, joins data lines, skips comments and keeps a partial tail', () => {
    const text =
      ': keep-alive\n\nevent: status\ndata: {"code":"TIX-1","status":"pending_payment"}\n\n' +
      'event: status\r\ndata: {"code":"TIX-1",\r\ndata: "status":"paid"}\r\n\r\nevent: sta';
    const { messages, rest } = parseSse(text);
    expect(messages).toEqual([
      { event: 'status', data: '{"code":"TIX-1","status":"pending_payment"}' },
      { event: 'status', data: '{"code":"TIX-1",\n"status":"paid"}' },
    ]);
    expect(rest).toBe('event: sta');
  });
});

describe('followBookingEvents', () => {
  const stream = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const enc = new TextEncoder();
        for (const c of chunks) controller.enqueue(enc.encode(c));
        controller.close();
      },
    });

  it('reads status events split across chunks and reports a normal end after a final status', async () => {
    const { api } = await import('../api/client');
    const { followBookingEvents } = await import('./bookingEvents');
    const fetchMock = vi.fn(async () =>
      new Response(
        stream([
          'event: status\ndata: {"code":"TIX-20261130-000001","status":"pend',
          'ing_payment"}\n\n: ping\n\nevent: status\ndata: {"code":"TIX-20261130-000001","status":"paid"}\n\n',
        ]),
        { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
      ),
    );
    vi.stubGlobal('fetch', fetchMock);
    api.setToken('t');
    const seen: string[] = [];
    const ended = await followBookingEvents(
      'TIX-20261130-000001',
      (e) => seen.push(e.status),
      new AbortController().signal,
      (s) => s === 'paid',
    );
    expect(seen).toEqual(['pending_payment', 'paid']);
    expect(ended).toBe(true);
    const init = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init[0]).toBe('/api/bookings/TIX-20261130-000001/events');
    expect((init[1].headers as Record<string, string>).Authorization).toBe('Bearer t');
    vi.unstubAllGlobals();
  });

  it('asks the caller to poll when the stream is missing or drops before a final status', async () => {
    const { followBookingEvents } = await import('./bookingEvents');
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{}', { status: 404, headers: { 'Content-Type': 'application/problem+json' } })));
    expect(await followBookingEvents('TIX-1', () => undefined, new AbortController().signal, () => true)).toBe(false);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(stream(['event: status\ndata: {"code":"TIX-1","status":"pending_payment"}\n\n']), {
          status: 200,
          headers: { 'Content-Type': 'text/event-stream' },
        }),
      ),
    );
    expect(await followBookingEvents('TIX-1', () => undefined, new AbortController().signal, (s) => s === 'paid')).toBe(false);
    vi.unstubAllGlobals();
  });
});
