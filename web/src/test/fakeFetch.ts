// A tiny fetch stand-in for unit tests: routes by "METHOD path" to handlers that return
// Responses, and records every call.
export type Handler = (req: { url: string; init: RequestInit; headers: Record<string, string>; body: unknown }) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
}

export function fakeFetch(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; headers: Record<string, string>; body: unknown }[] = [];
  const fn = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const path = new URL(url, 'http://localhost').pathname;
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers as Record<string, string>) ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    calls.push({ method, path, headers, body });
    const handler = routes[`${method} ${path}`];
    if (!handler) return json(404, { title: 'Not Found', status: 404, detail: `no route ${method} ${path}` });
    return handler({ url, init, headers, body });
  };
  return { fetch: fn as typeof fetch, calls };
}
