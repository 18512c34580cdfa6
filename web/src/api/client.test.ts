import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError } from './client';
import { fakeFetch, json } from '../test/fakeFetch';

const problem = (status: number, kind: string, detail = 'x') => ({
  type: `https://tiket.example/problems/${kind}`,
  title: kind,
  status,
  detail,
  instance: '/',
  request_id: 'r',
});

describe('ApiClient refresh-and-retry', () => {
  it('refreshes once on a 401 and repeats the call with the new token', async () => {
    let token = 'old';
    const { fetch, calls } = fakeFetch({
      'GET /api/bookings': ({ headers }) =>
        headers.authorization === `Bearer ${token}` && token === 'new'
          ? json(200, { items: [], next_cursor: null })
          : json(401, problem(401, 'unauthorized')),
      'POST /api/auth/refresh': ({ headers }) => {
        expect(headers['x-tiket-session']).toBe('cookie');
        token = 'new';
        return json(200, { access_token: 'new', token_type: 'Bearer', expires_in: 900 });
      },
    });
    const client = new ApiClient({ fetch });
    client.setToken('old');
    const result = await client.request<{ items: unknown[] }>('/api/bookings');
    expect(result.items).toEqual([]);
    expect(calls.map((c) => `${c.method} ${c.path} ${c.headers.authorization ?? ''}`)).toEqual([
      'GET /api/bookings Bearer old',
      'POST /api/auth/refresh ',
      'GET /api/bookings Bearer new',
    ]);
    expect(client.token).toBe('new');
  });

  it('ends the session when the refresh fails, without retrying the call', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/auth/me': () => json(401, problem(401, 'unauthorized')),
      'POST /api/auth/refresh': () => json(401, problem(401, 'unauthorized')),
    });
    const client = new ApiClient({ fetch });
    const ended = vi.fn();
    client.onSessionEnded(ended);
    client.setToken('expired');
    await expect(client.request('/api/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(ended).toHaveBeenCalledTimes(1);
    expect(client.token).toBeNull();
    expect(calls.filter((c) => c.path === '/api/auth/me')).toHaveLength(1);
  });

  it('ends the session when the retried call is refused again', async () => {
    const { fetch, calls } = fakeFetch({
      'GET /api/auth/me': () => json(401, problem(401, 'unauthorized')),
      'POST /api/auth/refresh': () => json(200, { access_token: 'new', token_type: 'Bearer', expires_in: 900 }),
    });
    const client = new ApiClient({ fetch });
    const ended = vi.fn();
    client.onSessionEnded(ended);
    client.setToken('old');
    await expect(client.request('/api/auth/me')).rejects.toBeInstanceOf(ApiError);
    expect(calls.map((c) => c.path)).toEqual(['/api/auth/me', '/api/auth/refresh', '/api/auth/me']);
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('shares one refresh between calls that fail together (the refresh token rotates)', async () => {
    let refreshes = 0;
    const { fetch } = fakeFetch({
      'GET /api/a': ({ headers }) => (headers.authorization === 'Bearer new' ? json(200, { ok: 'a' }) : json(401, problem(401, 'unauthorized'))),
      'GET /api/b': ({ headers }) => (headers.authorization === 'Bearer new' ? json(200, { ok: 'b' }) : json(401, problem(401, 'unauthorized'))),
      'POST /api/auth/refresh': async () => {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, { access_token: 'new', token_type: 'Bearer', expires_in: 900 });
      },
    });
    const client = new ApiClient({ fetch });
    client.setToken('old');
    const [a, b] = await Promise.all([client.request('/api/a'), client.request('/api/b')]);
    expect([a, b]).toEqual([{ ok: 'a' }, { ok: 'b' }]);
    expect(refreshes).toBe(1);
  });

  it('does not refresh for a call made without a token', async () => {
    const { fetch, calls } = fakeFetch({ 'GET /api/auth/me': () => json(401, problem(401, 'unauthorized')) });
    const client = new ApiClient({ fetch });
    await expect(client.request('/api/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(calls).toHaveLength(1);
  });

  it('logs in in cookie mode and keeps the access token in memory only', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/auth/login': () => json(200, { access_token: 'abc', token_type: 'Bearer', expires_in: 900 }),
    });
    const client = new ApiClient({ fetch });
    await client.login('a@b.co', 'pw');
    expect(client.token).toBe('abc');
    expect(calls[0]?.headers['x-tiket-session']).toBe('cookie');
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it('reads Retry-After and the problem kind', async () => {
    const { fetch } = fakeFetch({
      'POST /api/auth/login': () => json(429, problem(429, 'too-many-requests'), { 'Retry-After': '42' }),
      'POST /api/bookings': () => json(409, problem(409, 'sold-out', 'Only 1 left')),
    });
    const client = new ApiClient({ fetch });
    await expect(client.login('a@b.co', 'pw')).rejects.toMatchObject({ status: 429, retryAfter: 42 });
    const err = await client.request('/api/bookings', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('sold-out');
    expect((err as ApiError).message).toBe('Only 1 left');
  });
});
