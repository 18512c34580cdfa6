// Names for the schemas the app uses, all generated from docs/openapi.yaml (schema.d.ts, by
// `npm run gen:api`): when the contract changes, the app stops compiling where it matters.
import type { components } from './schema';

type S = components['schemas'];
export type Concert = S['Concert'];
export type ConcertList = S['ConcertList'];
export type TicketType = S['TicketType'];
export type Booking = S['Booking'];
export type BookingList = S['BookingList'];
export type BookingStatus = S['BookingStatus'];
export type Payment = S['Payment'];
export type Ticket = S['Ticket'];
export type User = S['User'];
export type UserList = S['UserList'];
export type Role = S['Role'];
export type Problem = S['Problem'];
export type Tokens = Omit<S['Tokens'], 'refresh_token'> & { refresh_token?: string };
export type CreateBookingRequest = S['CreateBookingRequest'];
export type CreateConcertRequest = S['CreateConcertRequest'];
export type UpdateConcertRequest = S['UpdateConcertRequest'];
export type CreateTicketTypeRequest = S['CreateTicketTypeRequest'];
export type Job = S['Job'];
export type JobRun = S['JobRun'];
export type RegisterRequest = S['RegisterRequest'];

export const TERMINAL_BOOKING_STATUSES: readonly BookingStatus[] = ['paid', 'expired', 'cancelled'];
