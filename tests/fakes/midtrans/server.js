#!/usr/bin/env node
// A fake of the Midtrans payment gateway, run as a real HTTP server on loopback.
//
// Tiket's payment client talks to it exactly as it talks to Midtrans' sandbox: it creates Snap
// transactions, asks the Core API for a transaction's status, and receives signed notifications
// on its webhook, with Midtrans' retry schedule. On top of that the fake has
//   * a pay page (/snap/v4/redirection/{token}) where a developer plays the customer, and
//   * a control API (/_fake/...) with which tests set statuses, craft notifications (duplicates,
//     out of order, forged, changed amounts), inject faults into our calls (latency, errors,
//     dropped connections) and look at what happened.
// See README.md next to this file for usage and for how it differs from the real gateway.
//
// Node 20, no npm dependencies. Run `node server.js --help` for the options.
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');

// ---------------------------------------------------------------------------------------------
// Options: command-line flags, each with an environment fallback.
// ---------------------------------------------------------------------------------------------

const USAGE = `usage: node server.js [--host H] [--port P] [--server-key K] [--notify-url URL]
                      [--time-scale F] [--public-url URL] [--notify-timeout-ms MS]
                      [--finish-url URL]

  --host H               address to listen on; FAKE_MIDTRANS_HOST, default 127.0.0.1
  --port P               0 = any free port; FAKE_MIDTRANS_PORT, default 8090
  --server-key K         the merchant's server key, required; MIDTRANS_SERVER_KEY
  --notify-url URL       where notifications go; PAYMENT_CALLBACK_URL
  --time-scale F         factor for the retry delays; FAKE_MIDTRANS_TIME_SCALE, default 1
  --public-url URL       base of the redirect_url it hands out; FAKE_MIDTRANS_PUBLIC_URL,
                         default http://H:P
  --notify-timeout-ms MS how long our webhook may take to answer;
                         FAKE_MIDTRANS_NOTIFY_TIMEOUT_MS, default 15000
  --finish-url URL       where the pay page's "Back to the merchant" link goes (Midtrans'
                         Finish URL); FAKE_MIDTRANS_FINISH_URL; a create's callbacks.finish wins
`;

// flag → [option name, environment variable]
const FLAGS = {
  '--host': ['host', 'FAKE_MIDTRANS_HOST'],
  '--port': ['port', 'FAKE_MIDTRANS_PORT'],
  '--server-key': ['serverKey', 'MIDTRANS_SERVER_KEY'],
  '--notify-url': ['notifyUrl', 'PAYMENT_CALLBACK_URL'],
  '--time-scale': ['timeScale', 'FAKE_MIDTRANS_TIME_SCALE'],
  '--public-url': ['publicUrl', 'FAKE_MIDTRANS_PUBLIC_URL'],
  '--notify-timeout-ms': ['notifyTimeoutMs', 'FAKE_MIDTRANS_NOTIFY_TIMEOUT_MS'],
  '--finish-url': ['finishUrl', 'FAKE_MIDTRANS_FINISH_URL'],
};
const DEFAULTS = {
  host: '127.0.0.1',
  port: '8090',
  serverKey: '',
  notifyUrl: '',
  timeScale: '1',
  publicUrl: '',
  notifyTimeoutMs: '15000',
  finishUrl: '',
};

// Exits with status 2 and a message: the caller started us wrongly.
function usageError(message) {
  process.stderr.write(`fake-midtrans: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseOptions(argv, env) {
  const raw = { ...DEFAULTS };
  for (const [name, envName] of Object.values(FLAGS)) {
    if (env[envName] !== undefined && env[envName] !== '') raw[name] = env[envName];
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    // Both "--flag value" and "--flag=value".
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!FLAGS[flag]) usageError(`unknown argument ${arg}`);
    let value;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) usageError(`${flag} needs a value`);
      value = argv[++i];
    }
    raw[FLAGS[flag][0]] = value;
  }

  if (!raw.serverKey) usageError('a server key is required (--server-key or MIDTRANS_SERVER_KEY)');
  const port = Number(raw.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usageError(`bad port ${raw.port}`);
  const timeScale = Number(raw.timeScale);
  if (!Number.isFinite(timeScale) || timeScale <= 0) usageError(`bad time scale ${raw.timeScale}`);
  const notifyTimeoutMs = Number(raw.notifyTimeoutMs);
  if (!Number.isInteger(notifyTimeoutMs) || notifyTimeoutMs <= 0) {
    usageError(`bad notify timeout ${raw.notifyTimeoutMs}`);
  }
  if (raw.notifyUrl && !isHttpUrl(raw.notifyUrl)) usageError(`bad notify URL ${raw.notifyUrl}`);
  if (raw.publicUrl && !isHttpUrl(raw.publicUrl)) usageError(`bad public URL ${raw.publicUrl}`);
  if (raw.finishUrl && !isHttpUrl(raw.finishUrl)) usageError(`bad finish URL ${raw.finishUrl}`);
  return {
    host: raw.host,
    port,
    serverKey: raw.serverKey,
    notifyUrl: raw.notifyUrl,
    timeScale,
    publicUrl: raw.publicUrl.replace(/\/+$/, ''),
    notifyTimeoutMs,
    finishUrl: raw.finishUrl,
  };
}

function isHttpUrl(text) {
  try {
    return new URL(text).protocol === 'http:';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Midtrans' vocabulary: status codes, amounts, times, signatures, retry schedule.
// ---------------------------------------------------------------------------------------------

// The status_code Midtrans puts next to each transaction_status.
const STATUS_CODES = {
  settlement: '200',
  capture: '200',
  refund: '200',
  partial_refund: '200',
  cancel: '200',
  pending: '201',
  authorize: '201',
  deny: '202',
  failure: '202',
  expire: '407',
};

// Statuses after which nothing happens to a transaction by itself (expiry leaves them alone).
const FINAL_STATUSES = new Set([
  'settlement',
  'capture',
  'refund',
  'partial_refund',
  'cancel',
  'deny',
  'failure',
  'expire',
]);

// Retry delays in minutes: the n-th retry waits RETRY_DELAYS_MINUTES[n-1] (times --time-scale).
const RETRY_DELAYS_MINUTES = [2, 10, 30, 90, 210];

// How many retries an answer allows in total. The latest answer decides: a 500 then a 503 allows
// four retries counted from the first attempt, so two more come after the 503.
function retriesAllowedAfter(httpStatus) {
  if (httpStatus === 500) return 1;
  if (httpStatus === 503) return 4;
  if (httpStatus === 400 || httpStatus === 404) return 2;
  return 5; // anything else, including 0 (timeout, connection refused)
}

const isSuccess = (httpStatus) => httpStatus >= 200 && httpStatus < 300;

// Midtrans writes amounts as decimal strings with two places: 750000 → "750000.00".
const formatAmount = (rupiah) => `${rupiah}.00`;

// Midtrans' timestamps are "YYYY-MM-DD HH:mm:ss" in Jakarta time (UTC+7, no daylight saving).
const JAKARTA_OFFSET_MS = 7 * 60 * 60 * 1000;
const midtransTime = (ms) =>
  new Date(ms + JAKARTA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');

// Parses Snap's expiry.start_time, "2026-11-30 15:04:05 +0700", into epoch milliseconds,
// or returns null when it is not a real date in that format.
function parseStartTime(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  // Date.UTC rolls 2026-02-30 over into March; a round trip catches that.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return null;
  }
  const offsetMs = (Number(m[8]) * 60 + Number(m[9])) * 60 * 1000;
  return m[7] === '+' ? local - offsetMs : local + offsetMs;
}

const EXPIRY_UNIT_MS = {
  minute: 60 * 1000,
  minutes: 60 * 1000,
  hour: 60 * 60 * 1000,
  hours: 60 * 60 * 1000,
  day: 24 * 60 * 60 * 1000,
  days: 24 * 60 * 60 * 1000,
};

// signature_key = lowercase hex SHA-512 of order_id + status_code + gross_amount + server key,
// over the strings exactly as they appear in the notification.
function signature(orderId, statusCode, grossAmount, serverKey) {
  return crypto
    .createHash('sha512')
    .update(`${orderId}${statusCode}${grossAmount}${serverKey}`)
    .digest('hex');
}

// ---------------------------------------------------------------------------------------------
// State: everything the fake knows. POST /_fake/reset puts it back to this.
// ---------------------------------------------------------------------------------------------

let options; // set by main()

const state = {
  transactions: new Map(), // order_id → transaction (see createTransaction)
  byToken: new Map(), // Snap token → order_id
  faults: [], // queued faults, see takeFault
  timers: new Set(), // pending retries and expiries, cleared by reset
  config: null, // runtime settings, see defaultConfig
  generation: 0, // bumped by reset, so deliveries already in flight schedule no retries
};

function defaultConfig() {
  return { duplicate_order: 'replay', notify_url: options.notifyUrl };
}

function resetState() {
  for (const timer of state.timers) clearTimeout(timer);
  state.timers.clear();
  state.transactions.clear();
  state.byToken.clear();
  state.faults = [];
  state.config = defaultConfig();
  state.generation++;
}

// setTimeout that reset() and shutdown can cancel.
function schedule(delayMs, fn) {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    fn();
  }, delayMs);
  state.timers.add(timer);
  return timer;
}

function cancel(timer) {
  if (timer) {
    clearTimeout(timer);
    state.timers.delete(timer);
  }
}

function createTransaction({ orderId, grossAmount, notifyUrl, expiresAt, finishUrl = null }) {
  const tx = {
    orderId,
    finishUrl, // the create's callbacks.finish; null = the configured --finish-url
    token: crypto.randomUUID(),
    grossAmount, // whole rupiah, as created
    reportedAmount: null, // a different gross_amount string the control API made us report
    notifyUrl, // from X-Override-Notification; null = the configured one
    expiresAt, // epoch ms or null
    expiryTimer: null,
    // Set once the customer (or a test) acts: only then does the Core API know the transaction.
    status: null,
    fraudStatus: null,
    transactionId: null,
    transactionTime: null,
    settlementTime: null,
    paymentType: 'bank_transfer',
    createCalls: 0,
    statusCalls: 0,
    notifications: [], // one entry per delivery attempt: {at, status, attempt}
    retriesPending: 0,
  };
  state.transactions.set(orderId, tx);
  state.byToken.set(tx.token, orderId);
  armExpiry(tx);
  return tx;
}

// What the control API shows about a transaction.
function transactionView(tx) {
  return {
    order_id: tx.orderId,
    token: tx.token,
    redirect_url: redirectUrl(tx),
    gross_amount: tx.grossAmount,
    reported_gross_amount: tx.reportedAmount ?? formatAmount(tx.grossAmount),
    transaction_status: tx.status,
    fraud_status: tx.fraudStatus,
    expiry_time: tx.expiresAt === null ? null : new Date(tx.expiresAt).toISOString(),
    notify_url: notifyUrlOf(tx) || null,
    create_calls: tx.createCalls,
    status_calls: tx.statusCalls,
    notifications: tx.notifications.map((n) => ({ ...n })),
    retries_pending: tx.retriesPending,
  };
}

const redirectUrl = (tx) => `${options.publicUrl}/snap/v4/redirection/${tx.token}`;
const notifyUrlOf = (tx) => tx.notifyUrl || state.config.notify_url;

// Sets a transaction's status as the gateway's core would; the Core API knows it from now on.
function applyStatus(tx, status, { fraudStatus, grossAmount } = {}) {
  const now = Date.now();
  tx.status = status;
  tx.fraudStatus = fraudStatus ?? 'accept';
  if (grossAmount !== undefined) tx.reportedAmount = grossAmount;
  tx.transactionId ??= crypto.randomUUID();
  tx.transactionTime ??= now;
  if (status === 'settlement') tx.settlementTime ??= now;
}

// The transaction as Midtrans describes it, in a notification or a status answer.
function midtransBody(tx, { statusMessage, serverKey = options.serverKey }) {
  const statusCode = STATUS_CODES[tx.status];
  const grossAmount = tx.reportedAmount ?? formatAmount(tx.grossAmount);
  const body = {
    transaction_time: midtransTime(tx.transactionTime),
    transaction_status: tx.status,
    transaction_id: tx.transactionId,
    status_message: statusMessage,
    status_code: statusCode,
    signature_key: signature(tx.orderId, statusCode, grossAmount, serverKey),
  };
  if (tx.settlementTime !== null) body.settlement_time = midtransTime(tx.settlementTime);
  Object.assign(body, {
    payment_type: tx.paymentType,
    order_id: tx.orderId,
    merchant_id: 'G000000000',
    gross_amount: grossAmount,
    fraud_status: tx.fraudStatus,
    currency: 'IDR',
  });
  if (tx.expiresAt !== null) body.expiry_time = midtransTime(tx.expiresAt);
  return body;
}

// Expiry: when the Snap transaction's expiry passes before it was settled or captured, it
// expires; only a customer who had acted (status pending) hears about it.
function armExpiry(tx) {
  cancel(tx.expiryTimer);
  tx.expiryTimer = null;
  if (tx.expiresAt === null) return;
  // setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer expiry re-arms on the way.
  const delay = Math.min(Math.max(tx.expiresAt - Date.now(), 0), 2 ** 31 - 1);
  tx.expiryTimer = schedule(delay, () => {
    tx.expiryTimer = null;
    if (Date.now() < tx.expiresAt) return armExpiry(tx);
    if (FINAL_STATUSES.has(tx.status)) return;
    const customerActed = tx.status !== null;
    log(`${tx.orderId}: expired`);
    if (customerActed) {
      applyStatus(tx, 'expire', { fraudStatus: tx.fraudStatus });
      notify(tx, 'normal').catch(logError);
    } else {
      // The customer never picked a method: the core still does not know the transaction.
      tx.status = 'expire';
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Notifications: delivery with Midtrans' retry schedule.
// ---------------------------------------------------------------------------------------------

// POSTs one JSON body; resolves to {status, body} with status 0 when no HTTP answer came
// (refused, reset, timed out). Every delivery uses a fresh connection, like the real gateway.
function post(url, bodyText) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (status, body) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ status, body });
      }
    };
    let req;
    const timer = setTimeout(() => {
      finish(0, `error: no answer within ${options.notifyTimeoutMs} ms`);
      req.destroy();
    }, options.notifyTimeoutMs);
    try {
      req = http.request(url, {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(bodyText),
        },
      });
    } catch (err) {
      finish(0, `error: ${err.message}`);
      return;
    }
    req.on('error', (err) => finish(0, `error: ${err.code || err.message}`));
    req.on('response', (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        // Keep the first 64 KiB of the answer; a webhook has no reason to say more.
        if (size < 65536) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish(res.statusCode, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (err) => finish(0, `error: ${err.code || err.message}`));
    });
    req.end(bodyText);
  });
}

// Delivers a notification for tx and keeps retrying it on the schedule while the answers call
// for it. Resolves with the first attempt's {status, body}; the retries run in the background.
// Each attempt is recorded on tx (status null while it is in flight).
function deliverWithRetries(tx, url, bodyText) {
  const generation = state.generation;
  const attempt = async (n) => {
    const record = { at: new Date().toISOString(), status: null, attempt: n };
    tx.notifications.push(record);
    const result = await post(url, bodyText);
    record.status = result.status;
    log(`${tx.orderId}: notification attempt ${n} → ${result.status || result.body}`);

    const retriesDone = n - 1;
    if (
      generation === state.generation &&
      !isSuccess(result.status) &&
      retriesDone < retriesAllowedAfter(result.status)
    ) {
      const delayMs = RETRY_DELAYS_MINUTES[retriesDone] * 60 * 1000 * options.timeScale;
      tx.retriesPending++;
      schedule(delayMs, () => {
        tx.retriesPending--;
        attempt(n + 1).catch(logError);
      });
    }
    return result;
  };
  return attempt(1);
}

// Sends tx's current state to its notify URL as `mode` says; resolves with the first attempts'
// results once they are done.
//   normal          one signed notification
//   duplicate       two identical ones at once (each retried on its own)
//   wrong_signature one whose signature_key is not the right one
//   none            nothing
async function notify(tx, mode) {
  if (mode === 'none') return [];
  const url = notifyUrlOf(tx);
  if (!url) return [{ status: 0, body: 'error: no notification URL configured' }];
  const serverKey = mode === 'wrong_signature' ? `not-${options.serverKey}` : options.serverKey;
  const bodyText = JSON.stringify(
    midtransBody(tx, { statusMessage: 'midtrans payment notification', serverKey }),
  );
  const copies = mode === 'duplicate' ? 2 : 1;
  return Promise.all(Array.from({ length: copies }, () => deliverWithRetries(tx, url, bodyText)));
}

const NOTIFY_MODES = new Set(['normal', 'none', 'duplicate', 'wrong_signature']);

// ---------------------------------------------------------------------------------------------
// Faults on our calls to the gateway (create and status).
// ---------------------------------------------------------------------------------------------

// Takes the first queued fault that applies to `kind` ('create' or 'status'), if any.
function takeFault(kind) {
  const i = state.faults.findIndex((f) => f.target === kind || f.target === 'any');
  if (i < 0) return null;
  const fault = state.faults[i];
  fault.count--;
  if (fault.count === 0) state.faults.splice(i, 1);
  return fault;
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.
// ---------------------------------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
  });
  res.end(html);
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, { error: 'body too large' }));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

// The request body as a JSON object; an empty body is {}.
function jsonObject(text, errorBody = (msg) => ({ error: msg })) {
  if (text.trim() === '') return {};
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, errorBody('the body is not valid JSON'));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HttpError(400, errorBody('the body must be a JSON object'));
  }
  return value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const escapeHtml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

function log(message) {
  process.stderr.write(`fake-midtrans: ${message}\n`);
}

function logError(err) {
  log(`error: ${err.stack || err}`);
}

// ---------------------------------------------------------------------------------------------
// The Midtrans endpoints: Snap create and Core API status. Both need the server key.
// ---------------------------------------------------------------------------------------------

const UNAUTHORIZED = {
  status_code: '401',
  error_messages: [
    'Access denied due to unauthorized transaction, please check client or server key',
  ],
};

// HTTP Basic with the server key as the user and an empty password ("key:" in base64).
function requireServerKey(req) {
  const m = /^basic +([A-Za-z0-9+/=]+) *$/i.exec(req.headers.authorization || '');
  const given = Buffer.from(m ? m[1] : '', 'base64');
  const expected = Buffer.from(`${options.serverKey}:`);
  // Constant time, as a real gateway would compare a secret.
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new HttpError(401, UNAUTHORIZED);
  }
}

const ORDER_ID = /^[A-Za-z0-9\-_~.]{1,50}$/;

// Checks a Snap create body; returns the error messages, Midtrans style (empty when valid).
function validateCreate(body) {
  const errors = [];
  const details = body.transaction_details;
  if (!isPlainObject(details)) {
    return ['transaction_details is required'];
  }
  const orderId = details.order_id;
  if (orderId === undefined || orderId === null || orderId === '') {
    errors.push('transaction_details.order_id is required');
  } else if (typeof orderId !== 'string' || !ORDER_ID.test(orderId)) {
    errors.push(
      'transaction_details.order_id must be 1 to 50 characters of letters, digits, - _ ~ and .',
    );
  }
  const gross = details.gross_amount;
  const grossValid = Number.isSafeInteger(gross) && gross > 0;
  if (gross === undefined) {
    errors.push('transaction_details.gross_amount is required');
  } else if (!grossValid) {
    errors.push('transaction_details.gross_amount must be a positive whole number');
  }

  if (body.item_details !== undefined) {
    if (!Array.isArray(body.item_details)) {
      errors.push('item_details must be an array');
    } else {
      let sum = 0;
      let itemsValid = true;
      body.item_details.forEach((item, i) => {
        const price = isPlainObject(item) ? item.price : undefined;
        const quantity = isPlainObject(item) ? item.quantity : undefined;
        if (!Number.isSafeInteger(price)) {
          errors.push(`item_details[${i}].price must be a whole number`);
          itemsValid = false;
        }
        if (!Number.isSafeInteger(quantity) || quantity <= 0) {
          errors.push(`item_details[${i}].quantity must be a positive whole number`);
          itemsValid = false;
        }
        if (itemsValid) sum += price * quantity;
      });
      if (itemsValid && grossValid && sum !== gross) {
        errors.push('transaction_details.gross_amount is not equal to the sum of item_details');
      }
    }
  }

  if (body.expiry !== undefined) {
    const expiry = body.expiry;
    if (!isPlainObject(expiry)) {
      errors.push('expiry must be an object');
    } else {
      if (!Object.hasOwn(EXPIRY_UNIT_MS, expiry.unit)) {
        errors.push('expiry.unit must be minute, hour or day');
      }
      if (!Number.isSafeInteger(expiry.duration) || expiry.duration <= 0) {
        errors.push('expiry.duration must be a positive whole number');
      }
      if (expiry.start_time !== undefined && parseStartTime(String(expiry.start_time)) === null) {
        errors.push('expiry.start_time must look like 2026-11-30 15:04:05 +0700');
      }
    }
  }
  return errors;
}

// POST /snap/v1/transactions
function snapCreate(req, res, bodyText) {
  requireServerKey(req);
  const body = jsonObject(bodyText, (msg) => ({ error_messages: [msg] }));
  const errors = validateCreate(body);
  if (errors.length > 0) throw new HttpError(400, { error_messages: errors });

  const orderId = body.transaction_details.order_id;
  const grossAmount = body.transaction_details.gross_amount;
  const existing = state.transactions.get(orderId);
  if (existing) {
    existing.createCalls++;
    // Real Snap refuses any reuse; by default the fake replays a reuse with the same amount, so a
    // client that retries a create after a timeout gets the transaction it already made.
    if (state.config.duplicate_order === 'reject' || existing.grossAmount !== grossAmount) {
      log(`${orderId}: create refused, order_id already taken`);
      throw new HttpError(400, {
        error_messages: ['transaction_details.order_id has already been taken'],
      });
    }
    log(`${orderId}: create replayed`);
    sendJson(res, 201, { token: existing.token, redirect_url: redirectUrl(existing) });
    return;
  }

  const override = req.headers['x-override-notification'];
  if (override !== undefined && !isHttpUrl(override)) {
    throw new HttpError(400, { error_messages: ['X-Override-Notification must be an http URL'] });
  }
  let expiresAt = null;
  if (body.expiry !== undefined) {
    const start =
      body.expiry.start_time === undefined ? Date.now() : parseStartTime(body.expiry.start_time);
    expiresAt = start + body.expiry.duration * EXPIRY_UNIT_MS[body.expiry.unit];
  }
  const finish = body.callbacks && typeof body.callbacks.finish === 'string' ? body.callbacks.finish : '';
  const tx = createTransaction({
    orderId,
    grossAmount,
    notifyUrl: override || null,
    expiresAt,
    finishUrl: isHttpUrl(finish) || finish.startsWith('https://') ? finish : null,
  });
  tx.createCalls++;
  log(`${orderId}: created, ${grossAmount} IDR`);
  sendJson(res, 201, { token: tx.token, redirect_url: redirectUrl(tx) });
}

// GET /v2/{order_id}/status
function coreStatus(req, res, orderId) {
  requireServerKey(req);
  const tx = state.transactions.get(orderId);
  if (tx) tx.statusCalls++;
  // A Snap transaction reaches the core only once the customer picks a payment method.
  if (!tx || tx.status === null || tx.transactionId === null) {
    sendJson(res, 404, { status_code: '404', status_message: "Transaction doesn't exist." });
    return;
  }
  sendJson(res, 200, midtransBody(tx, { statusMessage: 'Success, transaction is found' }));
}

// ---------------------------------------------------------------------------------------------
// The customer: a pay page per Snap token.
// ---------------------------------------------------------------------------------------------

function page(title, inner) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
dt{font-weight:bold}button{font-size:1rem;margin-right:1rem;padding:.5rem 1rem}</style></head>
<body><p><small>Fake Midtrans (development only)</small></p>
<h1>${escapeHtml(title)}</h1>
${inner}
</body>
</html>
`;
}

function describe(tx) {
  return `<dl>
<dt>Order</dt><dd>${escapeHtml(tx.orderId)}</dd>
<dt>Amount</dt><dd>IDR ${escapeHtml(tx.reportedAmount ?? formatAmount(tx.grossAmount))}</dd>
<dt>Status</dt><dd>${escapeHtml(tx.status ?? 'waiting for payment')}</dd>
</dl>`;
}

function transactionForToken(res, token) {
  const orderId = state.byToken.get(token);
  const tx = orderId === undefined ? undefined : state.transactions.get(orderId);
  if (!tx) {
    sendHtml(res, 404, page('Unknown payment', '<p>No transaction has this token.</p>'));
  }
  return tx;
}

// GET /snap/v4/redirection/{token}
function payPage(req, res, token) {
  const tx = transactionForToken(res, token);
  if (!tx) return;
  const base = `/snap/v4/redirection/${encodeURIComponent(token)}`;
  sendHtml(
    res,
    200,
    page(
      'Pay for your order',
      `${describe(tx)}
<form method="post" action="${base}/pay" style="display:inline"><button>Pay</button></form>
<form method="post" action="${base}/fail" style="display:inline"><button>Fail</button></form>`,
    ),
  );
}

// Back to the shop, as Midtrans redirects to the merchant's Finish URL with the order's
// outcome in the query. Nothing when no finish URL is known.
function finishLink(tx) {
  const base = tx.finishUrl || options.finishUrl;
  if (!base) return '';
  const url = new URL(base);
  url.searchParams.set('order_id', tx.orderId);
  url.searchParams.set('status_code', STATUS_CODES[tx.status] ?? '201');
  url.searchParams.set('transaction_status', tx.status ?? 'pending');
  return `<p><a href="${escapeHtml(url.toString())}">Back to the merchant</a></p>`;
}

// POST /snap/v4/redirection/{token}/pay and /fail
async function payAction(req, res, token, action) {
  const tx = transactionForToken(res, token);
  if (!tx) return;
  const wantsJson = (req.headers.accept || '').includes('application/json');
  // The customer may try again after a failed attempt, never after the end of the road.
  const closed = ['settlement', 'capture', 'refund', 'partial_refund', 'cancel', 'expire'];
  if (closed.includes(tx.status)) {
    if (wantsJson) {
      sendJson(res, 409, { error: `the transaction is already ${tx.status}` });
    } else {
      sendHtml(res, 409, page('Nothing to pay', describe(tx)));
    }
    return;
  }
  if (action === 'pay') {
    applyStatus(tx, 'settlement', { fraudStatus: 'accept' });
  } else {
    applyStatus(tx, 'deny', { fraudStatus: 'deny' });
  }
  log(`${tx.orderId}: customer chose ${action}`);
  const deliveries = await notify(tx, 'normal');
  if (wantsJson) {
    sendJson(res, 200, { transaction: transactionView(tx), deliveries });
    return;
  }
  const told = deliveries
    .map((d) => `<p>Merchant notified: HTTP ${escapeHtml(d.status || d.body)}</p>`)
    .join('\n');
  const title = action === 'pay' ? 'Payment successful' : 'Payment failed';
  sendHtml(res, 200, page(title, `${describe(tx)}\n${told}\n${finishLink(tx)}`));
}

// ---------------------------------------------------------------------------------------------
// The control API for tests and developers: /_fake/..., no auth.
// ---------------------------------------------------------------------------------------------

function knownTransaction(orderId) {
  const tx = state.transactions.get(orderId);
  if (!tx) throw new HttpError(404, { error: `no transaction ${orderId}` });
  return tx;
}

function notifyMode(body) {
  const mode = body.notify ?? 'normal';
  if (!NOTIFY_MODES.has(mode)) {
    throw new HttpError(400, {
      error: 'notify must be normal, none, duplicate or wrong_signature',
    });
  }
  return mode;
}

// POST /_fake/transactions/{order_id}/status
async function controlSetStatus(res, orderId, body) {
  const tx = knownTransaction(orderId);
  const status = body.transaction_status;
  if (!Object.hasOwn(STATUS_CODES, status)) {
    throw new HttpError(400, {
      error: `transaction_status must be one of ${Object.keys(STATUS_CODES).join(', ')}`,
    });
  }
  if (body.fraud_status !== undefined && typeof body.fraud_status !== 'string') {
    throw new HttpError(400, { error: 'fraud_status must be a string' });
  }
  let grossAmount;
  if (typeof body.gross_amount === 'string' && body.gross_amount !== '') {
    grossAmount = body.gross_amount;
  } else if (Number.isSafeInteger(body.gross_amount)) {
    grossAmount = formatAmount(body.gross_amount);
  } else if (body.gross_amount !== undefined) {
    throw new HttpError(400, { error: 'gross_amount must be a string like "750000.00"' });
  }
  const mode = notifyMode(body);
  applyStatus(tx, status, { fraudStatus: body.fraud_status, grossAmount });
  log(`${orderId}: status set to ${status}, notify ${mode}`);
  const deliveries = await notify(tx, mode);
  sendJson(res, 200, { transaction: transactionView(tx), deliveries });
}

// POST /_fake/transactions/{order_id}/expire
async function controlExpire(res, orderId, body) {
  const tx = knownTransaction(orderId);
  const mode = notifyMode(body);
  cancel(tx.expiryTimer);
  tx.expiryTimer = null;
  applyStatus(tx, 'expire', { fraudStatus: tx.fraudStatus ?? undefined });
  log(`${orderId}: expired by request, notify ${mode}`);
  const deliveries = await notify(tx, mode);
  sendJson(res, 200, { transaction: transactionView(tx), deliveries });
}

// POST /_fake/notifications: a crafted notification, sent now, without retries.
async function controlNotification(res, body) {
  const fields = body.notification;
  if (!isPlainObject(fields)) throw new HttpError(400, { error: 'notification must be an object' });
  const copies = body.copies ?? 1;
  if (!Number.isSafeInteger(copies) || copies < 1 || copies > 1000) {
    throw new HttpError(400, { error: 'copies must be a whole number from 1 to 1000' });
  }
  const tx = state.transactions.get(String(fields.order_id));
  const url = body.url ?? (tx ? notifyUrlOf(tx) : state.config.notify_url);
  if (!isHttpUrl(url)) throw new HttpError(400, { error: 'no usable notification URL' });

  const sent = { ...fields };
  if (body.sign ?? true) {
    // Over the fields as given, so a test can sign a changed amount or an odd status code.
    sent.signature_key = signature(
      fields.order_id ?? '',
      fields.status_code ?? '',
      fields.gross_amount ?? '',
      options.serverKey,
    );
  }
  const bodyText = JSON.stringify(sent);
  log(`crafted notification for ${fields.order_id}, ${copies} cop${copies === 1 ? 'y' : 'ies'}`);
  const deliveries = await Promise.all(Array.from({ length: copies }, () => post(url, bodyText)));
  sendJson(res, 200, { deliveries });
}

const FAULT_TARGETS = new Set(['create', 'status', 'any']);
const FAULT_MODES = new Set(['delay', 'error', 'drop']);

// POST /_fake/faults
function controlAddFault(res, body) {
  const fault = {
    target: body.target,
    mode: body.mode,
    delay_ms: body.delay_ms ?? 0,
    status: body.status ?? 500,
    count: body.count ?? 1,
  };
  if (!FAULT_TARGETS.has(fault.target)) {
    throw new HttpError(400, { error: 'target must be create, status or any' });
  }
  if (!FAULT_MODES.has(fault.mode)) {
    throw new HttpError(400, { error: 'mode must be delay, error or drop' });
  }
  if (!Number.isSafeInteger(fault.delay_ms) || fault.delay_ms < 0) {
    throw new HttpError(400, { error: 'delay_ms must be a whole number of milliseconds' });
  }
  if (!Number.isInteger(fault.status) || fault.status < 100 || fault.status > 599) {
    throw new HttpError(400, { error: 'status must be an HTTP status code' });
  }
  if (!Number.isSafeInteger(fault.count) || fault.count < 1) {
    throw new HttpError(400, { error: 'count must be a positive whole number' });
  }
  state.faults.push(fault);
  log(`fault queued: ${fault.mode} on ${fault.target} ×${fault.count}`);
  sendJson(res, 200, { faults: state.faults });
}

// POST /_fake/config
function controlConfig(res, body) {
  if (body.duplicate_order !== undefined) {
    if (body.duplicate_order !== 'replay' && body.duplicate_order !== 'reject') {
      throw new HttpError(400, { error: 'duplicate_order must be replay or reject' });
    }
    state.config.duplicate_order = body.duplicate_order;
  }
  if (body.notify_url !== undefined) {
    if (!isHttpUrl(body.notify_url)) throw new HttpError(400, { error: 'bad notify_url' });
    state.config.notify_url = body.notify_url;
  }
  sendJson(res, 200, state.config);
}

// ---------------------------------------------------------------------------------------------
// Routing.
// ---------------------------------------------------------------------------------------------

// Each route: the method, the path (its captures become the handler's arguments after the
// body text), the Midtrans call it is ('create' or 'status'; faults apply only to those), and
// the handler.
const route = (method, path, midtransCall, handler) => ({ method, path, midtransCall, handler });

const ROUTES = [
  // Midtrans, as Tiket's client calls it.
  route('POST', /^\/snap\/v1\/transactions$/, 'create', snapCreate),
  route('GET', /^\/v2\/([^/]+)\/status$/, 'status', (req, res, _body, orderId) =>
    coreStatus(req, res, orderId),
  ),

  // The customer.
  route('GET', /^\/snap\/v4\/redirection\/([^/]+)$/, null, (req, res, _body, token) =>
    payPage(req, res, token),
  ),
  route(
    'POST',
    /^\/snap\/v4\/redirection\/([^/]+)\/(pay|fail)$/,
    null,
    (req, res, _body, token, action) => payAction(req, res, token, action),
  ),

  // The control API.
  route('GET', /^\/_fake\/transactions$/, null, (req, res) =>
    sendJson(res, 200, { items: [...state.transactions.values()].map(transactionView) }),
  ),
  route('GET', /^\/_fake\/transactions\/([^/]+)$/, null, (req, res, _body, orderId) =>
    sendJson(res, 200, transactionView(knownTransaction(orderId))),
  ),
  route('POST', /^\/_fake\/transactions\/([^/]+)\/status$/, null, (req, res, body, orderId) =>
    controlSetStatus(res, orderId, jsonObject(body)),
  ),
  route('POST', /^\/_fake\/transactions\/([^/]+)\/expire$/, null, (req, res, body, orderId) =>
    controlExpire(res, orderId, jsonObject(body)),
  ),
  route('POST', /^\/_fake\/notifications$/, null, (req, res, body) =>
    controlNotification(res, jsonObject(body)),
  ),
  route('GET', /^\/_fake\/faults$/, null, (req, res) =>
    sendJson(res, 200, { faults: state.faults }),
  ),
  route('POST', /^\/_fake\/faults$/, null, (req, res, body) =>
    controlAddFault(res, jsonObject(body)),
  ),
  route('DELETE', /^\/_fake\/faults$/, null, (req, res) => {
    state.faults = [];
    sendJson(res, 200, { faults: [] });
  }),
  route('GET', /^\/_fake\/config$/, null, (req, res) => sendJson(res, 200, state.config)),
  route('POST', /^\/_fake\/config$/, null, (req, res, body) =>
    controlConfig(res, jsonObject(body)),
  ),
  route('POST', /^\/_fake\/reset$/, null, (req, res) => {
    resetState();
    log('reset');
    sendJson(res, 200, { reset: true });
  }),
];

async function handle(req, res) {
  const path = new URL(req.url, 'http://fake').pathname;
  let captures = null;
  let matched = null;
  const allowed = [];
  for (const candidate of ROUTES) {
    const m = candidate.path.exec(path);
    if (!m) continue;
    allowed.push(candidate.method);
    if (candidate.method === req.method) {
      matched = candidate;
      captures = m.slice(1);
      break;
    }
  }
  if (!matched) {
    if (allowed.length > 0) {
      sendJson(res, 405, { error: 'method not allowed' }, { Allow: allowed.join(', ') });
    } else {
      sendJson(res, 404, { error: `no such endpoint: ${req.method} ${path}` });
    }
    return;
  }
  try {
    captures = captures.map(decodeURIComponent);
  } catch {
    throw new HttpError(400, { error: 'bad percent-encoding in the path' });
  }

  // The whole body first: a delayed create must still register after the client gave up.
  const body = await readBody(req);

  const { midtransCall, handler } = matched;
  if (midtransCall) {
    const fault = takeFault(midtransCall);
    if (fault?.mode === 'drop') {
      log(`fault: dropping a ${midtransCall} call`);
      req.socket.destroy();
      return;
    }
    if (fault?.mode === 'error') {
      log(`fault: answering a ${midtransCall} call with ${fault.status}`);
      sendJson(res, fault.status, {
        status_code: String(fault.status),
        error_messages: ['fake fault'],
      });
      return;
    }
    if (fault?.mode === 'delay') {
      log(`fault: delaying a ${midtransCall} call by ${fault.delay_ms} ms`);
      await sleep(fault.delay_ms);
    }
  }
  await handler(req, res, body, ...captures);
}

function main() {
  options = parseOptions(process.argv.slice(2), process.env);
  state.config = defaultConfig();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof HttpError) {
        if (!res.headersSent) sendJson(res, err.status, err.body);
        return;
      }
      logError(err);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error in the fake' });
    });
  });

  server.on('error', (err) => {
    log(`cannot listen on ${options.host}:${options.port}: ${err.code || err.message}`);
    process.exit(1);
  });

  server.listen(options.port, options.host, () => {
    const { port } = server.address();
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    const url = `http://${host}:${port}`;
    if (!options.publicUrl) options.publicUrl = url;
    process.stdout.write(`fake-midtrans listening on ${url}\n`);
  });

  // Graceful and prompt: stop timers, close every connection, exit 0.
  const shutdown = (signal) => {
    log(`${signal}: shutting down`);
    for (const timer of state.timers) clearTimeout(timer);
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main();
