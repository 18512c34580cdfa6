// Tests of the fake Midtrans gateway (server.js), run with `node --test tests/fakes/midtrans/`.
//
// The fake runs as a child process on an ephemeral port, exactly as the integration tests and
// scripts/run.sh run it; a small HTTP server in this process stands in for Tiket's webhook and
// records every notification. Timing: the retry schedule is compressed with --time-scale, and
// every check of something asynchronous waits for a state with a deadline instead of sleeping.
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const readline = require('node:readline');

const SERVER = path.join(__dirname, 'server.js');
const SERVER_KEY = 'SB-Mid-server-test-key';
// 2 minutes → 12 ms, ..., 210 minutes → 1.26 s: the longest chain takes about 2 s.
const TIME_SCALE = 0.0001;
const RETRY_DELAYS_MS = [2, 10, 30, 90, 210].map((m) => m * 60 * 1000 * TIME_SCALE);
const PATIENCE_MS = 8000;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

// Starts the fake; resolves with {child, baseUrl} once it printed its listening line.
function startFake(args, env = {}) {
  const child = spawn(process.execPath, [SERVER, ...args], {
    env: { ...process.env, MIDTRANS_SERVER_KEY: '', PAYMENT_CALLBACK_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake did not start:\n${stderr}`)), 5000);
    readline.createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^fake-midtrans listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      if (m) resolve({ child, baseUrl: m[1], port: Number(m[2]) });
      else reject(new Error(`unexpected first line: ${line}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fake exited with ${code} before listening:\n${stderr}`));
    });
  });
}

// Resolves with the exit code, or rejects when the child is still running after `ms`.
function exitCode(child, ms = 5000) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the process did not exit')), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

// Polls `probe` until it returns a truthy value; fails with `what` after the deadline.
async function waitFor(what, probe, ms = PATIENCE_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sha512 = (text) => crypto.createHash('sha512').update(text).digest('hex');
const expectedSignature = (n) =>
  sha512(`${n.order_id}${n.status_code}${n.gross_amount}${SERVER_KEY}`);
const basicAuth = (key) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

// A stand-in for Tiket's webhook: records every POST and answers with the status planned for
// that order (one per arrival; the last one repeats; 200 when nothing is planned).
function startReceiver() {
  const received = []; // {orderId, body, headers, at}
  const plans = new Map();
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as null; a test asserts on it
      }
      const orderId = body?.order_id;
      const before = received.filter((r) => r.orderId === orderId).length;
      received.push({ orderId, body, headers: req.headers, at: Date.now() });
      const plan = plans.get(orderId) ?? [200];
      const status = plan[Math.min(before, plan.length - 1)];
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ seen: before + 1 }));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}/api/payments/notifications`,
        plan: (orderId, statuses) => plans.set(orderId, statuses),
        of: (orderId) => received.filter((r) => r.orderId === orderId),
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}

let fake; // {child, baseUrl}
let receiver;

// One call to the fake: resolves with {status, body (parsed JSON or text), headers}.
async function call(method, urlPath, { body, auth = SERVER_KEY, headers = {}, signal } = {}) {
  const res = await fetch(`${fake.baseUrl}${urlPath}`, {
    method,
    headers: {
      ...(auth ? { Authorization: basicAuth(auth) } : {}),
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  const isJson = (res.headers.get('content-type') || '').includes('application/json');
  return { status: res.status, body: isJson ? JSON.parse(text) : text, headers: res.headers };
}

let orderSeq = 0;
const newOrderId = () => `TIX-20261130-000042-${++orderSeq}`;

function createBody(orderId, gross = 750000, extra = {}) {
  return {
    transaction_details: { order_id: orderId, gross_amount: gross },
    item_details: [{ id: '7', price: gross / 3, quantity: 3, name: 'VIP' }],
    customer_details: { email: 'ana@example.com', first_name: 'Ana' },
    ...extra,
  };
}

async function create(orderId, gross = 750000, extra = {}, headers = {}) {
  const res = await call('POST', '/snap/v1/transactions', {
    body: createBody(orderId, gross, extra),
    headers,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

const control = (method, urlPath, body) => call(method, urlPath, { body, auth: null });
const view = async (orderId) => (await control('GET', `/_fake/transactions/${orderId}`)).body;
const setStatus = (orderId, body) =>
  control('POST', `/_fake/transactions/${orderId}/status`, body);

// ---------------------------------------------------------------------------------------------

before(async () => {
  receiver = await startReceiver();
  fake = await startFake([
    '--port',
    '0',
    '--server-key',
    SERVER_KEY,
    '--notify-url',
    receiver.url,
    '--time-scale',
    String(TIME_SCALE),
  ]);
});

after(async () => {
  if (fake && fake.child.exitCode === null) fake.child.kill('SIGKILL');
  if (receiver) await receiver.close();
});

test('the Midtrans endpoints refuse a missing or wrong server key', async () => {
  const orderId = newOrderId();
  for (const auth of [null, 'SB-Mid-server-wrong']) {
    const created = await call('POST', '/snap/v1/transactions', {
      body: createBody(orderId),
      auth,
    });
    assert.equal(created.status, 401);
    assert.deepEqual(created.body, {
      status_code: '401',
      error_messages: [
        'Access denied due to unauthorized transaction, please check client or server key',
      ],
    });
    const status = await call('GET', `/v2/${orderId}/status`, { auth });
    assert.equal(status.status, 401);
  }
  // The key as the password instead of the user is wrong too.
  const swapped = await call('GET', `/v2/${orderId}/status`, {
    auth: null,
    headers: { Authorization: `Basic ${Buffer.from(`:${SERVER_KEY}`).toString('base64')}` },
  });
  assert.equal(swapped.status, 401);
  assert.equal((await control('GET', `/_fake/transactions/${orderId}`)).status, 404);
});

test('create validates the order id, the amounts and the expiry', async () => {
  const cases = [
    [createBody('TIX 1'), 'transaction_details.order_id'],
    [createBody('x'.repeat(51)), 'transaction_details.order_id'],
    [{ transaction_details: { gross_amount: 1000 } }, 'transaction_details.order_id is required'],
    [createBody(newOrderId(), 1.5), 'transaction_details.gross_amount'],
    [
      {
        ...createBody(newOrderId()),
        item_details: [{ id: '7', price: 250000, quantity: 2, name: 'VIP' }],
      },
      'transaction_details.gross_amount is not equal to the sum of item_details',
    ],
    [createBody(newOrderId(), 750000, { expiry: { unit: 'week', duration: 1 } }), 'expiry.unit'],
    [
      createBody(newOrderId(), 750000, { expiry: { unit: 'minute', duration: 0 } }),
      'expiry.duration',
    ],
    ['{not json', 'JSON'],
  ];
  for (const [body, message] of cases) {
    const res = await call('POST', '/snap/v1/transactions', { body });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.ok(
      res.body.error_messages.some((m) => m.includes(message)),
      `${JSON.stringify(res.body)} should mention ${message}`,
    );
  }
  const created = (await control('GET', '/_fake/transactions')).body.items;
  assert.deepEqual(created, [], 'no failed create registered a transaction');
});

test('create answers 201, and a reused order_id replays the same transaction', async () => {
  const orderId = newOrderId();
  const first = await create(orderId);
  const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(first.token, uuidV4);
  assert.equal(first.redirect_url, `${fake.baseUrl}/snap/v4/redirection/${first.token}`);

  const again = await create(orderId);
  assert.deepEqual(again, first);

  const otherAmount = await call('POST', '/snap/v1/transactions', {
    body: createBody(orderId, 900000),
  });
  assert.equal(otherAmount.status, 400);
  assert.deepEqual(otherAmount.body, {
    error_messages: ['transaction_details.order_id has already been taken'],
  });

  const seen = await view(orderId);
  assert.equal(seen.create_calls, 3);
  assert.equal(seen.gross_amount, 750000);
  assert.equal(seen.transaction_status, null);
  const all = (await control('GET', '/_fake/transactions')).body.items;
  assert.equal(all.filter((t) => t.order_id === orderId).length, 1);
});

test('duplicate_order reject makes every reuse a 400, as the real Snap does', async (t) => {
  const orderId = newOrderId();
  await create(orderId);
  const set = await control('POST', '/_fake/config', { duplicate_order: 'reject' });
  t.after(() => control('POST', '/_fake/config', { duplicate_order: 'replay' }));
  assert.equal(set.body.duplicate_order, 'reject');

  const reuse = await call('POST', '/snap/v1/transactions', { body: createBody(orderId) });
  assert.equal(reuse.status, 400);
  assert.deepEqual(reuse.body.error_messages, [
    'transaction_details.order_id has already been taken',
  ]);
  // A new order_id is still fine.
  await create(newOrderId());
});

test('status is 404 until the customer acts, then 200 with a valid signature', async () => {
  const unknown = await call('GET', '/v2/TIX-never-created/status');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.body, {
    status_code: '404',
    status_message: "Transaction doesn't exist.",
  });

  const orderId = newOrderId();
  await create(orderId);
  const before = await call('GET', `/v2/${orderId}/status`);
  assert.equal(before.status, 404);

  await setStatus(orderId, { transaction_status: 'pending', notify: 'none' });
  const pending = await call('GET', `/v2/${orderId}/status`);
  assert.equal(pending.status, 200);
  assert.equal(pending.body.transaction_status, 'pending');
  assert.equal(pending.body.status_code, '201');

  await setStatus(orderId, {
    transaction_status: 'settlement',
    gross_amount: '760000.00',
    notify: 'none',
  });
  const settled = await call('GET', `/v2/${orderId}/status`);
  assert.equal(settled.status, 200);
  assert.equal(settled.body.order_id, orderId);
  assert.equal(settled.body.transaction_status, 'settlement');
  assert.equal(settled.body.status_code, '200');
  assert.equal(settled.body.gross_amount, '760000.00');
  assert.equal(settled.body.fraud_status, 'accept');
  assert.equal(settled.body.currency, 'IDR');
  assert.equal(settled.body.transaction_id, pending.body.transaction_id);
  assert.match(settled.body.transaction_time, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  assert.equal(settled.body.signature_key, expectedSignature(settled.body));

  assert.equal((await view(orderId)).status_calls, 3);
});

test('notify normal sends one signed JSON notification and reports our answer', async () => {
  const orderId = newOrderId();
  await create(orderId);
  const res = await setStatus(orderId, { transaction_status: 'settlement' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.deliveries, [{ status: 200, body: '{"seen":1}' }]);
  assert.equal(res.body.transaction.transaction_status, 'settlement');

  const got = receiver.of(orderId);
  assert.equal(got.length, 1);
  assert.equal(got[0].headers['content-type'], 'application/json');
  const n = got[0].body;
  assert.equal(n.transaction_status, 'settlement');
  assert.equal(n.status_code, '200');
  assert.equal(n.gross_amount, '750000.00');
  assert.equal(n.status_message, 'midtrans payment notification');
  assert.equal(n.signature_key, expectedSignature(n));
  assert.deepEqual(
    (await view(orderId)).notifications.map((x) => [x.status, x.attempt]),
    [[200, 1]],
  );
});

test('notify duplicate sends two identical notifications', async () => {
  const orderId = newOrderId();
  await create(orderId);
  const res = await setStatus(orderId, { transaction_status: 'settlement', notify: 'duplicate' });
  assert.equal(res.body.deliveries.length, 2);
  assert.ok(res.body.deliveries.every((d) => d.status === 200));
  const got = receiver.of(orderId);
  assert.equal(got.length, 2);
  assert.deepEqual(got[0].body, got[1].body);
  assert.equal(got[0].body.signature_key, expectedSignature(got[0].body));
});

test('notify wrong_signature sends a notification whose signature does not verify', async () => {
  const orderId = newOrderId();
  await create(orderId);
  await setStatus(orderId, { transaction_status: 'settlement', notify: 'wrong_signature' });
  const got = receiver.of(orderId);
  assert.equal(got.length, 1);
  assert.match(got[0].body.signature_key, /^[0-9a-f]{128}$/);
  assert.notEqual(got[0].body.signature_key, expectedSignature(got[0].body));
});

test('notify none sends nothing but the status API knows the new status', async () => {
  const orderId = newOrderId();
  await create(orderId);
  const res = await setStatus(orderId, { transaction_status: 'settlement', notify: 'none' });
  assert.deepEqual(res.body.deliveries, []);
  const seen = await view(orderId);
  assert.deepEqual(seen.notifications, []);
  assert.equal(seen.retries_pending, 0);
  assert.equal(receiver.of(orderId).length, 0);
  assert.equal((await call('GET', `/v2/${orderId}/status`)).body.transaction_status, 'settlement');
});

test('retries follow the schedule and the count each answer allows', async () => {
  // [answers of our webhook, expected attempts]
  const scenarios = [
    [[500], 2], // 500 → one retry
    [[503], 5], // 503 → four retries
    [[404], 3], // 404 → two retries
    [[400], 3],
    [[502], 6], // anything else → five retries
    [[500, 503], 5], // the 503 raises the allowance to four retries in all
    [[503, 500], 2], // the 500 lowers it: one retry was already made
    [[503, 503, 200], 3], // a 2xx stops the retries
  ];
  const orders = scenarios.map(([answers, attempts]) => {
    const orderId = newOrderId();
    receiver.plan(orderId, answers);
    return { orderId, answers, attempts };
  });
  await Promise.all(
    orders.map(async ({ orderId, answers }) => {
      await create(orderId);
      const res = await setStatus(orderId, { transaction_status: 'settlement' });
      assert.equal(res.body.deliveries[0].status, answers[0]);
    }),
  );

  for (const { orderId, answers, attempts } of orders) {
    const done = await waitFor(`the retries of ${orderId} to end`, async () => {
      const seen = await view(orderId);
      const finished = seen.notifications.every((n) => n.status !== null);
      return seen.retries_pending === 0 && finished ? seen : null;
    });
    const label = `answers ${answers.join(',')}`;
    assert.equal(done.notifications.length, attempts, label);
    assert.equal(receiver.of(orderId).length, attempts, label);
    assert.deepEqual(
      done.notifications.map((n) => n.attempt),
      Array.from({ length: attempts }, (_, i) => i + 1),
    );
    // Every retry waits at least its delay after the previous attempt started (timers never
    // fire early by more than a millisecond of rounding).
    for (let i = 1; i < attempts; i++) {
      const gap = Date.parse(done.notifications[i].at) - Date.parse(done.notifications[i - 1].at);
      assert.ok(gap >= RETRY_DELAYS_MS[i - 1] - 2, `${label}: retry ${i} after ${gap} ms`);
    }
    // Each retry carries the same notification.
    const bodies = receiver.of(orderId).map((r) => JSON.stringify(r.body));
    assert.equal(new Set(bodies).size, 1);
  }
});

test('faults: a delayed create still registers, so a retried create finds it', async () => {
  const orderId = newOrderId();
  await control('POST', '/_fake/faults', { target: 'create', mode: 'delay', delay_ms: 400 });
  await assert.rejects(
    call('POST', '/snap/v1/transactions', {
      body: createBody(orderId),
      signal: AbortSignal.timeout(100),
    }),
    { name: 'TimeoutError' },
  );
  await waitFor('the delayed create to register', async () => {
    const res = await control('GET', `/_fake/transactions/${orderId}`);
    return res.status === 200;
  });
  const again = await create(orderId);
  const seen = await view(orderId);
  assert.equal(seen.create_calls, 2);
  assert.equal(again.token, seen.token);
});

test('faults: error answers the given status without processing, count times', async () => {
  const orderId = newOrderId();
  await control('POST', '/_fake/faults', {
    target: 'create',
    mode: 'error',
    status: 503,
    count: 2,
  });
  for (let i = 0; i < 2; i++) {
    const res = await call('POST', '/snap/v1/transactions', { body: createBody(orderId) });
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status_code: '503', error_messages: ['fake fault'] });
  }
  assert.equal((await control('GET', `/_fake/transactions/${orderId}`)).status, 404);
  await create(orderId); // the faults are used up
  assert.equal((await view(orderId)).create_calls, 1);

  // A status fault leaves creates alone, and DELETE clears what is queued.
  await control('POST', '/_fake/faults', { target: 'status', mode: 'error', count: 5 });
  await create(newOrderId());
  assert.equal((await call('GET', `/v2/${orderId}/status`)).status, 500);
  assert.equal((await control('DELETE', '/_fake/faults')).status, 200);
  assert.equal((await call('GET', `/v2/${orderId}/status`)).status, 404);
});

test('faults: drop closes the connection without an answer or a transaction', async () => {
  const orderId = newOrderId();
  await control('POST', '/_fake/faults', { target: 'any', mode: 'drop' });
  await assert.rejects(
    call('POST', '/snap/v1/transactions', { body: createBody(orderId) }),
    TypeError, // fetch failed: the socket closed
  );
  assert.equal((await control('GET', `/_fake/transactions/${orderId}`)).status, 404);
  assert.deepEqual((await control('GET', '/_fake/faults')).body.faults, []);
  await create(orderId);
});

test('expire: on request, and at the expiry, telling only a customer who acted', async () => {
  const requested = newOrderId();
  await create(requested);
  const res = await control('POST', `/_fake/transactions/${requested}/expire`, {});
  assert.equal(res.body.transaction.transaction_status, 'expire');
  const n = receiver.of(requested)[0].body;
  assert.equal(n.transaction_status, 'expire');
  assert.equal(n.status_code, '407');
  assert.equal(n.signature_key, expectedSignature(n));

  // start_time has whole seconds: 59 s ago plus one minute ends within the next second.
  const now = Math.floor(Date.now() / 1000) * 1000;
  const startTime = `${new Date(now - 59000).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
  const expiry = { expiry: { start_time: startTime, unit: 'minute', duration: 1 } };
  const acted = newOrderId();
  const idle = newOrderId();
  await create(acted, 750000, expiry);
  await create(idle, 750000, expiry);
  await setStatus(acted, { transaction_status: 'pending', notify: 'none' });

  await waitFor('the acted transaction to expire and notify', () => {
    const got = receiver.of(acted);
    return got.length === 1 && got[0].body.transaction_status === 'expire';
  });
  const idleView = await waitFor('the idle transaction to expire', async () => {
    const seen = await view(idle);
    return seen.transaction_status === 'expire' ? seen : null;
  });
  assert.deepEqual(idleView.notifications, []);
  assert.equal(receiver.of(idle).length, 0);
  // The customer never picked a method, so the core still does not know it.
  assert.equal((await call('GET', `/v2/${idle}/status`)).status, 404);
  assert.equal((await call('GET', `/v2/${acted}/status`)).body.transaction_status, 'expire');
});

test('the pay page settles or fails a transaction and notifies', async () => {
  const paid = newOrderId();
  const { token, redirect_url: redirectUrl } = await create(paid);
  const pageRes = await fetch(redirectUrl);
  assert.equal(pageRes.status, 200);
  const html = await pageRes.text();
  assert.ok(html.includes(paid));
  assert.ok(html.includes(`action="/snap/v4/redirection/${token}/pay"`));

  const payRes = await fetch(`${redirectUrl}/pay`, { method: 'POST' });
  assert.equal(payRes.status, 200);
  assert.match(await payRes.text(), /Payment successful/);
  assert.equal(receiver.of(paid)[0].body.transaction_status, 'settlement');
  // Paying twice is refused.
  assert.equal((await fetch(`${redirectUrl}/pay`, { method: 'POST' })).status, 409);

  const failed = newOrderId();
  const other = await create(failed);
  const failRes = await fetch(`${other.redirect_url}/fail`, {
    method: 'POST',
    headers: { Accept: 'application/json' },
  });
  assert.equal(failRes.status, 200);
  assert.equal((await failRes.json()).transaction.transaction_status, 'deny');
  assert.equal(receiver.of(failed)[0].body.status_code, '202');

  assert.equal((await fetch(`${fake.baseUrl}/snap/v4/redirection/no-such-token`)).status, 404);
});

test('after paying, the page links back to the finish URL with the outcome', async () => {
  // Without a finish URL (none configured here, none in the create) there is no link.
  const plain = await create(newOrderId());
  const plainHtml = await (await fetch(`${plain.redirect_url}/pay`, { method: 'POST' })).text();
  assert.ok(!plainHtml.includes('Back to the merchant'));

  const orderId = newOrderId();
  const { redirect_url: redirectUrl } = await create(orderId, 750000, {
    callbacks: { finish: 'http://127.0.0.1:5173/payment/finish' },
  });
  const html = await (await fetch(`${redirectUrl}/pay`, { method: 'POST' })).text();
  const href = html.match(/<a href="([^"]+)">Back to the merchant<\/a>/);
  assert.ok(href, html);
  const back = new URL(href[1].replace(/&amp;/g, '&'));
  assert.equal(back.origin + back.pathname, 'http://127.0.0.1:5173/payment/finish');
  assert.equal(back.searchParams.get('order_id'), orderId);
  assert.equal(back.searchParams.get('transaction_status'), 'settlement');
  assert.equal(back.searchParams.get('status_code'), '200');
});

test('X-Override-Notification sends that transaction elsewhere', async (t) => {
  const other = await startReceiver();
  t.after(() => other.close());
  const orderId = newOrderId();
  await create(orderId, 750000, {}, { 'X-Override-Notification': other.url });
  await setStatus(orderId, { transaction_status: 'settlement' });
  assert.equal(other.of(orderId).length, 1);
  assert.equal(receiver.of(orderId).length, 0);
});

test('crafted notifications: signed over the given fields, or sent as given', async () => {
  const orderId = newOrderId();
  const fields = {
    order_id: orderId,
    status_code: '200',
    transaction_status: 'settlement',
    gross_amount: '1.00',
  };
  const signed = await control('POST', '/_fake/notifications', {
    notification: fields,
    copies: 3,
  });
  assert.equal(signed.body.deliveries.length, 3);
  const got = receiver.of(orderId);
  assert.equal(got.length, 3);
  assert.ok(got.every((r) => r.body.signature_key === expectedSignature(fields)));

  const forged = newOrderId();
  await control('POST', '/_fake/notifications', {
    notification: { ...fields, order_id: forged, signature_key: 'abc' },
    sign: false,
  });
  assert.equal(receiver.of(forged)[0].body.signature_key, 'abc');
});

test('control API input errors are 400s and unknown orders 404s', async () => {
  const orderId = newOrderId();
  await create(orderId);
  const bad = [
    ['POST', `/_fake/transactions/${orderId}/status`, { transaction_status: 'paid' }],
    [
      'POST',
      `/_fake/transactions/${orderId}/status`,
      { transaction_status: 'settlement', notify: 'x' },
    ],
    ['POST', '/_fake/faults', { target: 'create', mode: 'explode' }],
    ['POST', '/_fake/config', { duplicate_order: 'sometimes' }],
  ];
  for (const [method, urlPath, body] of bad) {
    assert.equal((await control(method, urlPath, body)).status, 400, urlPath);
  }
  const missing = await setStatus('TIX-nope', { transaction_status: 'settlement' });
  assert.equal(missing.status, 404);
});

test('reset forgets transactions, faults and pending retries', async (t) => {
  // A fake of its own whose first retry comes 600 ms after the first attempt, so the reset
  // below surely lands before it.
  const own = await startFake([
    '--port=0',
    `--server-key=${SERVER_KEY}`,
    `--notify-url=${receiver.url}`,
    '--time-scale=0.005',
  ]);
  t.after(() => own.child.kill('SIGKILL'));
  const ownCall = (method, urlPath, body) =>
    fetch(`${own.baseUrl}${urlPath}`, {
      method,
      headers: { Authorization: basicAuth(SERVER_KEY) },
      body: body && JSON.stringify(body),
    });

  const orderId = newOrderId();
  receiver.plan(orderId, [502]);
  assert.equal((await ownCall('POST', '/snap/v1/transactions', createBody(orderId))).status, 201);
  await ownCall('POST', '/_fake/faults', { target: 'any', mode: 'error', count: 10 });
  const set = await ownCall('POST', `/_fake/transactions/${orderId}/status`, {
    transaction_status: 'settlement',
  });
  assert.equal((await set.json()).transaction.retries_pending, 1);

  assert.equal((await ownCall('POST', '/_fake/reset')).status, 200);
  assert.deepEqual((await (await ownCall('GET', '/_fake/transactions')).json()).items, []);
  assert.deepEqual((await (await ownCall('GET', '/_fake/faults')).json()).faults, []);
  // The order_id is free again, and no fault is left to refuse the create.
  assert.equal((await ownCall('POST', '/snap/v1/transactions', createBody(orderId))).status, 201);
  // The retry was cancelled. Checking that something does NOT happen takes a wait: twice the
  // retry's delay.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal(receiver.of(orderId).length, 1);
});

test('the fake exits 0 on SIGTERM and SIGINT, and 2 without a server key', async () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    const other = await startFake(['--port', '0', '--server-key', 'k']);
    other.child.kill(signal);
    assert.equal(await exitCode(other.child), 0, signal);
  }
  const noKey = spawn(process.execPath, [SERVER, '--port', '0'], {
    env: { ...process.env, MIDTRANS_SERVER_KEY: '' },
    stdio: 'ignore',
  });
  assert.equal(await exitCode(noKey), 2);

  // And the shared fake stops cleanly too.
  fake.child.kill('SIGTERM');
  assert.equal(await exitCode(fake.child), 0);
});
