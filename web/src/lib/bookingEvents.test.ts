import { describe, expect, it } from 'vitest';
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
