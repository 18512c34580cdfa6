import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import ConcertPage from './ConcertPage';
import { AuthProvider } from '../auth/AuthContext';
import { I18nProvider } from '../i18n';
import { api } from '../api/client';
import { fakeFetch, json, type Handler } from '../test/fakeFetch';
import { bookingSchema } from './bookingForm';
import type { Concert } from '../api/types';

const concert: Concert = {
  id: 7,
  title: 'Java Jazz Evening',
  artist: 'Nusantara Jazz Ensemble',
  venue: 'JIExpo',
  city: 'Jakarta',
  starts_at: '2099-12-20T12:00:00Z',
  status: 'published',
  organizer_id: 2,
  min_price: 350000,
  ticket_types: [
    { id: 1, name: 'Festival', price: 350000, quota: 100, available: 50, per_user_limit: 4 },
    { id: 2, name: 'VIP', price: 1250000, quota: 10, available: 2, per_user_limit: null },
  ],
};

function setup(bookings: Handler) {
  const fake = fakeFetch({
    'POST /api/auth/refresh': () => json(200, { access_token: 't', token_type: 'Bearer', expires_in: 900 }),
    'GET /api/auth/me': () => json(200, { id: 5, email: 'c@x.co', name: 'Cust', role: 'customer', status: 'active', created_at: '2026-01-01T00:00:00Z' }),
    'GET /api/concerts/7': () => json(200, concert),
    'POST /api/bookings': bookings,
  });
  vi.stubGlobal('fetch', fake.fetch);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <I18nProvider lang="en">
        <AuthProvider>
          <MemoryRouter initialEntries={['/concerts/7']}>
            <Routes>
              <Route path="/concerts/:id" element={<ConcertPage />} />
              <Route path="/bookings/:code" element={<p>booking page</p>} />
            </Routes>
          </MemoryRouter>
        </AuthProvider>
      </I18nProvider>
    </QueryClientProvider>,
  );
  return fake;
}

const messages = { whole: 'whole', negative: 'negative', tooMany: (m: number) => `max ${m}`, atLeastOne: 'one' };

describe('booking form rules', () => {
  it('caps each line at the lowest of stock, per-user limit and 100, and wants one seat', () => {
    const schema = bookingSchema(concert.ticket_types, messages);
    expect(schema.safeParse({ quantities: { 1: 4, 2: 2 } }).success).toBe(true);
    const over = schema.safeParse({ quantities: { 1: 5, 2: 0 } });
    expect(over.success).toBe(false);
    expect(over.error?.issues[0]?.message).toBe('max 4');
    expect(schema.safeParse({ quantities: { 1: 0, 2: 3 } }).error?.issues[0]?.message).toBe('max 2');
    expect(schema.safeParse({ quantities: { 1: 1.5, 2: 0 } }).error?.issues[0]?.message).toBe('whole');
    expect(schema.safeParse({ quantities: { 1: -1, 2: 0 } }).error?.issues[0]?.message).toBe('negative');
    expect(schema.safeParse({ quantities: { 1: 0, 2: 0 } }).error?.issues[0]?.message).toBe('one');
  });
});

describe('ConcertPage booking', () => {
  beforeEach(() => api.setToken(null));
  afterEach(() => vi.unstubAllGlobals());

  it('shows Rp prices and Jakarta time, and explains the per-user limit in place', async () => {
    const fake = setup(() => json(201, {}));
    const user = userEvent.setup();
    expect(await screen.findByText('Rp 350.000')).toBeInTheDocument();
    expect(screen.getByText(/20 December 2099.*19:00 WIB/)).toBeInTheDocument();
    const festival = await screen.findByLabelText('Quantity of Festival');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Book now' })).toBeEnabled());
    await user.clear(festival);
    await user.type(festival, '5');
    await user.click(screen.getByRole('button', { name: 'Book now' }));
    expect(await screen.findByText('At most 4')).toBeInTheDocument();
    expect(festival).toHaveAttribute('aria-invalid', 'true');
    await user.clear(festival);
    await user.type(festival, '0');
    await user.click(screen.getByRole('button', { name: 'Book now' }));
    expect(await screen.findByText('Choose at least one ticket.')).toBeInTheDocument();
    expect(fake.calls.some((c) => c.path === '/api/bookings')).toBe(false);
  });

  it('sends one Idempotency-Key per attempt and explains a sold-out answer', async () => {
    const fake = setup(() =>
      json(409, {
        type: 'https://tiket.example/problems/sold-out',
        title: 'Sold out',
        status: 409,
        detail: 'Not enough seats.',
        instance: '/api/bookings',
        request_id: 'r',
      }),
    );
    const user = userEvent.setup();
    const vip = await screen.findByLabelText('Quantity of VIP');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Book now' })).toBeEnabled());
    await user.clear(vip);
    await user.type(vip, '2');
    expect(screen.getByTestId('total')).toHaveTextContent('Rp 2.500.000');
    await user.click(screen.getByRole('button', { name: 'Book now' }));
    expect(await screen.findByTestId('booking-error')).toHaveTextContent(/Sold out/);
    // The same choice again is a retry of the same attempt: same key.
    await user.click(screen.getByRole('button', { name: 'Book now' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.path === '/api/bookings')).toHaveLength(2));
    const posts = fake.calls.filter((c) => c.path === '/api/bookings');
    expect(posts[0]?.body).toEqual({ concert_id: 7, items: [{ ticket_type_id: 2, quantity: 2 }] });
    expect(posts[0]?.headers['idempotency-key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(posts[1]?.headers['idempotency-key']).toBe(posts[0]?.headers['idempotency-key']);
    // A different choice is a new attempt: a new key.
    await user.clear(vip);
    await user.type(vip, '1');
    await user.click(screen.getByRole('button', { name: 'Book now' }));
    await waitFor(() => expect(fake.calls.filter((c) => c.path === '/api/bookings')).toHaveLength(3));
    const third = fake.calls.filter((c) => c.path === '/api/bookings')[2];
    expect(third?.headers['idempotency-key']).not.toBe(posts[0]?.headers['idempotency-key']);
  });
});
