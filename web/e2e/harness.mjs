// Shared pieces of the end-to-end tests: the browser (Debian's chromium through playwright-core,
// never a downloaded one), API calls made by the test itself (setting the scene, reading the
// mail outbox), axe-core checks and screenshots.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);

export const WEB_URL = process.env.WEB_URL ?? 'http://127.0.0.1:8080';
export const API_URL = process.env.API_URL ?? WEB_URL;
export const GATEWAY_URL = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8090';
export const DEMO_PASSWORD = process.env.DEMO_PASSWORD ?? 'tiket-demo';
export const OUT = process.env.E2E_OUT ?? new URL('../test-output', import.meta.url).pathname;
const SHOTS = join(OUT, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

// The flags the environment asks for: no GPU, no QUIC, nothing that phones home. Playwright's
// launch() gives every run a fresh --user-data-dir of its own (it refuses one in `args`).
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', ...FLAGS],
  });
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 860 } };

/** A new browser context (its own cookie jar: one per person) that fails the test on page errors. */
export async function newPerson(browser, options, pageErrors) {
  const context = await browser.newContext({ ...options, locale: 'en-GB', timezoneId: 'Europe/London' });
  // English in the tests, whatever the default: the app keeps the choice in localStorage.
  await context.addInitScript(() => {
    try {
      if (!localStorage.getItem('tiket.lang')) localStorage.setItem('tiket.lang', 'en');
    } catch {
      /* about:blank */
    }
  });
  context.on('page', (page) => watch(page, pageErrors));
  return context;
}

export function watch(page, pageErrors) {
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    // A refused Content-Security-Policy shows up only as a console error.
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(`${page.url()}: ${m.text()}`);
  });
}

export async function api(method, path, { token, body, headers = {} } = {}) {
  const res = await fetch(API_URL + path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

export async function loginApi(email, password = DEMO_PASSWORD) {
  const res = await api('POST', '/api/auth/login', { body: { email, password } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.access_token;
}

/** The newest login code mailed to `email`, from the development outbox (as admin). */
export async function loginCodeFromOutbox(adminToken, email) {
  const res = await api('GET', `/api/admin/mail-outbox?to=${encodeURIComponent(email)}`, { token: adminToken });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const mails = [...res.body.items].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  const code = mails.map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).find(Boolean);
  assert.ok(code, `no login code mailed to ${email}: ${JSON.stringify(res.body)}`);
  return code;
}

/** Polls `check` until it returns a truthy value or the deadline passes (CI is slow and busy). */
export async function eventually(check, { timeoutMs = 20000, intervalMs = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await check();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core on the page as it is now: fails on serious or critical violations. Evaluated through
 * the DevTools protocol, which the page's Content-Security-Policy does not govern.
 */
export async function checkA11y(page, name) {
  await page.evaluate(`${axeSource}\n;0`);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe found serious/critical violations: ${JSON.stringify(bad, null, 1)}`);
  return result.length;
}

export async function shot(page, name, { fullPage = true } = {}) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

export const randomTag = () =>
  Array.from({ length: 8 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('');
