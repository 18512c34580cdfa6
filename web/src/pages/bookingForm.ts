// The booking form's rules, apart from the page so they can be tested alone: a whole number of
// seats per ticket type, no more than are left or than the per-user limit allows, at least one
// seat in all, at most 10 lines (the API's limits).
import { z } from 'zod';
import type { TicketType } from '../api/types';

export const MAX_PER_LINE = 100;

export function maxFor(tt: TicketType): number {
  return Math.min(tt.available, tt.per_user_limit ?? MAX_PER_LINE, MAX_PER_LINE);
}

export type BookingMessages = {
  whole: string;
  negative: string;
  tooMany: (max: number) => string;
  atLeastOne: string;
};

export function bookingSchema(ticketTypes: TicketType[], m: BookingMessages) {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const tt of ticketTypes) {
    const max = maxFor(tt);
    shape[String(tt.id)] = z.coerce
      .number({ invalid_type_error: m.whole })
      .int(m.whole)
      .min(0, m.negative)
      .max(max, m.tooMany(max));
  }
  return z
    .object({ quantities: z.object(shape) })
    .refine((v) => Object.values(v.quantities).some((q) => Number(q) > 0), {
      message: m.atLeastOne,
      path: ['root'],
    });
}

export type BookingFormValues = { quantities: Record<string, number> };

/** The request's items: the lines with at least one seat. */
export function bookingItems(values: BookingFormValues): { ticket_type_id: number; quantity: number }[] {
  return Object.entries(values.quantities)
    .map(([id, q]) => ({ ticket_type_id: Number(id), quantity: Number(q) }))
    .filter((i) => i.quantity > 0);
}
