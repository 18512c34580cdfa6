// The one way the app talks to the API.
//
// - The access token lives in this object's memory only (never in storage a script could read
//   later); the refresh token is an httpOnly cookie the page cannot see at all (ADR 0016). The
//   auth calls send `X-Tiket-Session: cookie` so the server sets and reads that cookie.
// - On a 401 to a call that carried a token, the client refreshes once (one refresh at a time,
//   however many calls failed together) and repeats the call with the new token; if the refresh
//   fails, the session has ended: the token is dropped and `onSessionEnded` runs.
// - Errors are `ApiError`s with the server's problem+json and, on 429/503, the Retry-After seconds.
import type { Problem, Tokens } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  /** Seconds from a Retry-After header (429, 503), when the server sent one. */
  readonly retryAfter: number | undefined;

  constructor(status: number, problem?: Problem, retryAfter?: number) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  /** The last segment of the problem type, e.g. `sold-out`, `per-user-limit`. */
  get kind(): string | undefined {
    const type = this.problem?.type;
    return type ? type.substring(type.lastIndexOf('/') + 1) : undefined;
  }
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Query parameters; undefined and empty values are left out. */
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
}

const COOKIE_SESSION = { 'X-Tiket-Session': 'cookie' };

export function buildUrl(base: string, path: string, query?: RequestOptions['query']): string {
  let url = base + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  return undefined;
}

export async function toApiError(res: Response): Promise<ApiError> {
  let problem: Problem | undefined;
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = undefined;
    }
  }
  return new ApiError(res.status, problem, parseRetryAfter(res.headers.get('Retry-After')));
}

export class ApiClient {
  private accessToken: string | null = null;
  private refreshing: Promise<boolean> | null = null;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private sessionListeners = new Set<() => void>();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    // Bound: a bare `fetch` called as a method of another object throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get token(): string | null {
    return this.accessToken;
  }

  setToken(token: string | null): void {
    this.accessToken = token;
  }

  /** Runs when a refresh failed after a 401: the user must sign in again. */
  onSessionEnded(listener: () => void): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  private endSession(): void {
    this.accessToken = null;
    for (const l of this.sessionListeners) l();
  }

  /** A fetch with the token, the one refresh-and-retry on 401, and no body handling. */
  async send(path: string, options: RequestOptions & { accept?: string } = {}): Promise<Response> {
    const attempt = (token: string | null) => {
      const headers: Record<string, string> = { Accept: options.accept ?? 'application/json', ...options.headers };
      if (token) headers.Authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (options.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      return this.fetchImpl(buildUrl(this.baseUrl, path, options.query), {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: options.signal,
        credentials: 'same-origin',
      });
    };
    const token = this.accessToken;
    const res = await attempt(token);
    if (res.status !== 401 || !token) return res;
    // The token was refused (expired, or its key rotated): refresh once and try again.
    if (await this.refresh()) {
      const again = await attempt(this.accessToken);
      if (again.status !== 401) return again;
    }
    this.endSession();
    return res;
  }

  /** JSON in, JSON out; an ApiError for anything but 2xx. 204 resolves to undefined. */
  async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.send(path, options);
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204 || res.status === 202 && res.headers.get('Content-Length') === '0') {
      return undefined as T;
    }
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Trades the refresh cookie for a new access token. One refresh at a time: callers that
   * arrive while one runs share its answer (the refresh token rotates, so two in parallel would
   * look like a reuse and revoke the family).
   */
  refresh(): Promise<boolean> {
    if (!this.refreshing) {
      this.refreshing = (async () => {
        try {
          const res = await this.fetchImpl(buildUrl(this.baseUrl, '/api/auth/refresh'), {
            method: 'POST',
            headers: { Accept: 'application/json', ...COOKIE_SESSION },
            credentials: 'same-origin',
          });
          if (!res.ok) return false;
          const tokens = (await res.json()) as Tokens;
          this.accessToken = tokens.access_token;
          return true;
        } catch {
          return false;
        } finally {
          this.refreshing = null;
        }
      })();
    }
    return this.refreshing;
  }

  private async authCall(path: string, body: unknown): Promise<Tokens> {
    const res = await this.fetchImpl(buildUrl(this.baseUrl, path), {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...COOKIE_SESSION },
      credentials: 'same-origin',
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await toApiError(res);
    const tokens = (await res.json()) as Tokens;
    this.accessToken = tokens.access_token;
    return tokens;
  }

  login(email: string, password: string): Promise<Tokens> {
    return this.authCall('/api/auth/login', { email, password });
  }

  verifyCode(email: string, code: string): Promise<Tokens> {
    return this.authCall('/api/auth/login-code/verify', { email, code });
  }

  async logout(): Promise<void> {
    try {
      await this.fetchImpl(buildUrl(this.baseUrl, '/api/auth/logout'), {
        method: 'POST',
        headers: { Accept: 'application/json', ...COOKIE_SESSION },
        credentials: 'same-origin',
      });
    } finally {
      this.accessToken = null;
    }
  }
}

export const api = new ApiClient();

/** A fresh key per booking attempt (crypto.randomUUID where the page is a secure context). */
export function newIdempotencyKey(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
