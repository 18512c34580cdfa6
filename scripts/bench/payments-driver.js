// Load driver for the payments section (scripts/bench/payments.sh), Node 20, no dependencies.
//
//   node payments-driver.js roundtrip|book BASE FAKE CONCERT TYPE TOKENS_FILE SECONDS CLIENTS
//     CLIENTS concurrent loops for SECONDS. `book`: POST /api/bookings. `roundtrip`: the same
//     booking, then POST /api/bookings/{code}/payments, then the customer pays at the fake
//     gateway, which sends the signed notification to the service and reports our answer; a
//     round trip counts only when that answer was 200 and the booking was marked paid by it.
//     Prints one JSON line: {"mode", "completed", "failed", "seconds", "per_second", "p50_ms",
//     "p99_ms"}.
//   node payments-driver.js sign SERVER_KEY < "order_id amount" lines
//     prints one signed settlement notification (JSON, one line) per input line.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');

function notification(orderId, amount, serverKey) {
  const grossAmount = `${amount}.00`;
  const statusCode = '200';
  const signature = crypto
    .createHash('sha512')
    .update(orderId + statusCode + grossAmount + serverKey)
    .digest('hex');
  return {
    transaction_status: 'settlement',
    status_code: statusCode,
    order_id: orderId,
    gross_amount: grossAmount,
    fraud_status: 'accept',
    signature_key: signature,
    transaction_id: `bench-${orderId}`,
    currency: 'IDR',
  };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text };
}

async function load(mode, base, fake, concert, type, tokensFile, seconds, clients) {
  const tokens = fs.readFileSync(tokensFile, 'utf8').split('\n').filter(Boolean);
  const deadline = Date.now() + seconds * 1000;
  const latencies = [];
  let failed = 0;
  let n = 0;
  const oneRoundTrip = async (token) => {
    const auth = { Authorization: `Bearer ${token}` };
    const booked = await post(
      `${base}/api/bookings`,
      { concert_id: concert, items: [{ ticket_type_id: type, quantity: 1 }] },
      { ...auth, 'Idempotency-Key': `bench-${process.pid}-${++n}` },
    );
    if (booked.status !== 201) return false;
    if (mode === 'book') return true;
    const code = JSON.parse(booked.text).code;
    const started = await post(`${base}/api/bookings/${code}/payments`, {}, auth);
    if (started.status !== 201) return false;
    const orderId = JSON.parse(started.text).order_id;
    const paid = await post(`${fake}/_fake/transactions/${orderId}/status`, {
      transaction_status: 'settlement',
    });
    if (paid.status !== 200) return false;
    const delivery = JSON.parse(paid.text).deliveries[0];
    return delivery.status === 200 && JSON.parse(delivery.body).outcome === 'applied';
  };
  const worker = async (i) => {
    const token = tokens[i % tokens.length];
    while (Date.now() < deadline) {
      const t0 = process.hrtime.bigint();
      let ok = false;
      try {
        ok = await oneRoundTrip(token);
      } catch {
        ok = false;
      }
      if (ok) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      else failed++;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: clients }, (_, i) => worker(i)));
  const elapsed = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.floor((latencies.length - 1) * p)] : 0);
  console.log(
    JSON.stringify({
      mode,
      completed: latencies.length,
      failed,
      seconds: elapsed,
      per_second: latencies.length / elapsed,
      p50_ms: pct(0.5),
      p99_ms: pct(0.99),
    }),
  );
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'sign') {
    const serverKey = args[0];
    const lines = fs.readFileSync(0, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) {
      const [orderId, amount] = line.trim().split(/\s+/);
      console.log(JSON.stringify(notification(orderId, amount, serverKey)));
    }
    return;
  }
  if (mode !== 'book' && mode !== 'roundtrip') {
    console.error('usage: payments-driver.js roundtrip|book|sign ...');
    process.exit(2);
  }
  const [base, fake, concert, type, tokensFile, seconds, clients] = args;
  await load(mode, base, fake, Number(concert), Number(type), tokensFile, Number(seconds),
    Number(clients));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
