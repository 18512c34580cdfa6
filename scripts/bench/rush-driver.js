// Load generator for the rush section (scripts/bench/rush.sh), Node 20, no dependencies.
//
//   node rush-driver.js sign KEY_FILE KID ISSUER AUDIENCE IDS_FILE OUT_FILE
//     One RS256 access token per user id in IDS_FILE (role customer, valid for an hour), signed
//     with tiket-api's throwaway dev key, one per line in OUT_FILE. BENCH ONLY: it stands in
//     for 100,000 logins (each an argon2id verification) so that the setup takes seconds. The
//     tokens are exactly what POST /api/auth/login issues (same claims, header and kid).
//   node rush-driver.js sink
//     A stand-in server that answers every request at once with a 409 problem body; prints
//     "sink listening on PORT". Used to show that the generator keeps the schedule by itself.
//   node rush-driver.js run CONFIG_JSON
//     The rush. CONFIG_JSON: {url, tokens_file, concert, types: [{id, weight}], seconds,
//     sockets, max_retries, key_prefix, seed}. Buyer i (line i of tokens_file) arrives at its
//     scheduled time: half of the buyers in the first 5 s (uniformly), the rest uniformly over
//     the remaining seconds. Each sends one POST /api/bookings of 1-4 seats of one ticket type
//     (chosen by weight) with its own Idempotency-Key, and repeats it with the same key only
//     after a 503 that carries Retry-After, waiting that many seconds. Requests go through one
//     keep-alive Agent with at most `sockets` connections. Prints one JSON line with the
//     results (see summary() below).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const { performance } = require('node:perf_hooks');

const FRONT_SECONDS = 5; // half of the buyers arrive in this window
const REQUEST_TIMEOUT_MS = 30000;
const DRAIN_MS = 60000; // after the last scheduled arrival, give up on what is still open

function b64url(value) {
  return Buffer.from(value).toString('base64url');
}

function sign(keyFile, kid, issuer, audience, idsFile, outFile) {
  const key = crypto.createPrivateKey(fs.readFileSync(keyFile));
  const header = b64url(JSON.stringify({ alg: 'RS256', kid, typ: 'JWT' }));
  const iat = Math.floor(Date.now() / 1000);
  const ids = fs.readFileSync(idsFile, 'utf8').split('\n').filter(Boolean);
  const lines = [];
  for (const id of ids) {
    const payload = b64url(
      JSON.stringify({ sub: id, role: 'customer', iss: issuer, aud: audience, iat, exp: iat + 3600 }),
    );
    const input = `${header}.${payload}`;
    const signature = crypto.sign('sha256', Buffer.from(input), key).toString('base64url');
    lines.push(`${input}.${signature}`);
  }
  fs.writeFileSync(outFile, lines.join('\n') + '\n');
}

function sink() {
  const body = JSON.stringify({
    type: 'https://tiket.example/problems/sold-out',
    title: 'Not enough tickets left',
    status: 409,
  });
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(409, {
        'Content-Type': 'application/problem+json',
        'Content-Length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => {
    console.log(`sink listening on ${server.address().port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// A small deterministic PRNG (mulberry32) so that a seed gives the same buyers every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i] * 100) / 100;
}

function stats(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99) };
}

// Arrival time (ms after the start) of buyer i of n over `seconds`.
function arrival(i, n, seconds) {
  const front = Math.min(FRONT_SECONDS, seconds);
  const half = Math.ceil(n / 2);
  if (i < half || seconds <= front) return (i / half) * front * 1000;
  return (front + ((i - half) / (n - half)) * (seconds - front)) * 1000;
}

function run(config) {
  const tokens = fs.readFileSync(config.tokens_file, 'utf8').split('\n').filter(Boolean);
  const n = tokens.length;
  const url = new URL('/api/bookings', config.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.sockets });
  const random = rng(config.seed);
  const totalWeight = config.types.reduce((s, t) => s + t.weight, 0);
  const buyers = tokens.map((token, i) => {
    let r = random() * totalWeight;
    let type = config.types[config.types.length - 1].id;
    for (const t of config.types) {
      if (r < t.weight) {
        type = t.id;
        break;
      }
      r -= t.weight;
    }
    const quantity = 1 + Math.floor(random() * 4);
    return {
      token,
      at: arrival(i, n, config.seconds),
      body: JSON.stringify({
        concert_id: config.concert,
        items: [{ ticket_type_id: type, quantity }],
      }),
      key: `${config.key_prefix}-${i}`,
      attempts: 0,
    };
  });

  const latency = { created: [], sold_out: [], unavailable: [], other: [] };
  const fromArrival = []; // buyer-perceived: scheduled arrival to the final answer
  const statusCounts = {};
  const createdPerSecond = [];
  const dispatchLag = []; // generator lag: when a first attempt was sent vs its schedule
  const sentPerSecond = [];
  let errors = 0;
  let retries = 0;
  let gaveUp = 0; // 503s left unanswered after max_retries
  let lastCreatedMs = null;
  let firstSendMs = null;
  let open = 0;
  let finished = 0;
  let lastFrontSend = 0;
  const frontCount = Math.min(n, Math.ceil(n / 2));

  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  const now = () => performance.now() - t0;

  return new Promise((resolve) => {
    const done = () => {
      const wall = now();
      const cpu = process.cpuUsage(cpuStart);
      agent.destroy();
      const maxCreated = createdPerSecond.reduce((m, v) => Math.max(m, v || 0), 0);
      const frontScheduledRate = frontCount / Math.min(FRONT_SECONDS, config.seconds);
      const frontAchievedRate = lastFrontSend > 0 ? frontCount / (lastFrontSend / 1000) : null;
      resolve({
        buyers: n,
        statuses: statusCounts,
        socket_errors: errors,
        retries,
        gave_up_after_retries: gaveUp,
        unfinished: n - finished,
        first_request_ms: firstSendMs,
        last_created_ms: lastCreatedMs,
        last_seat_held_s:
          lastCreatedMs === null ? null : Math.round(lastCreatedMs - firstSendMs) / 1000,
        peak_created_per_s: maxCreated,
        created_per_s: Array.from(createdPerSecond, (v) => v || 0),
        sent_per_s: Array.from(sentPerSecond, (v) => v || 0),
        latency_ms: {
          created: stats(latency.created),
          sold_out: stats(latency.sold_out),
          unavailable: stats(latency.unavailable),
          other: stats(latency.other),
        },
        from_arrival_ms: stats(fromArrival),
        generator: {
          wall_s: Math.round(wall) / 1000,
          cpu_s: (cpu.user + cpu.system) / 1e6,
          cpu_share: Math.round(((cpu.user + cpu.system) / 1e3 / wall) * 1000) / 1000,
          dispatch_lag_ms: stats(dispatchLag),
          front_scheduled_per_s: Math.round(frontScheduledRate),
          front_achieved_per_s: frontAchievedRate && Math.round(frontAchievedRate),
        },
      });
    };

    const finish = (buyer, cls, status, ms) => {
      latency[cls].push(ms);
      statusCounts[status] = (statusCounts[status] || 0) + 1;
      fromArrival.push(now() - buyer.at);
      finished += 1;
    };

    const send = (buyer) => {
      buyer.attempts += 1;
      open += 1;
      const started = now();
      if (firstSendMs === null) firstSendMs = started;
      const req = http.request(url, {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(buyer.body),
          Authorization: `Bearer ${buyer.token}`,
          'Idempotency-Key': buyer.key,
        },
        timeout: REQUEST_TIMEOUT_MS,
      });
      let onWire = started;
      req.on('socket', () => {
        onWire = now();
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          open -= 1;
          const t = now();
          const ms = t - onWire;
          const status = res.statusCode;
          const retryAfter = Number(res.headers['retry-after']);
          if (status === 503 && Number.isFinite(retryAfter) && retryAfter >= 0) {
            latency.unavailable.push(ms);
            if (buyer.attempts <= config.max_retries) {
              retries += 1;
              open += 1; // the retry is pending
              setTimeout(
                () => {
                  open -= 1;
                  send(buyer);
                },
                retryAfter * 1000 + random() * 100,
              );
            } else {
              gaveUp += 1;
              statusCounts[status] = (statusCounts[status] || 0) + 1;
              finished += 1;
            }
            return;
          }
          if (status === 201) {
            const second = Math.floor(t / 1000);
            createdPerSecond[second] = (createdPerSecond[second] || 0) + 1;
            lastCreatedMs = t;
            finish(buyer, 'created', status, ms);
          } else if (status === 409) {
            finish(buyer, 'sold_out', status, ms);
          } else {
            finish(buyer, 'other', status, ms);
          }
        });
      });
      const fail = () => {
        open -= 1;
        errors += 1;
        finished += 1;
      };
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', fail);
      req.end(buyer.body);
    };

    // The dispatcher: every tick, send each buyer whose arrival time has come.
    let next = 0;
    const lastArrival = n > 0 ? buyers[n - 1].at : 0;
    const tick = () => {
      const t = now();
      while (next < n && buyers[next].at <= t) {
        const buyer = buyers[next];
        dispatchLag.push(t - buyer.at);
        const second = Math.floor(t / 1000);
        sentPerSecond[second] = (sentPerSecond[second] || 0) + 1;
        if (next < frontCount) lastFrontSend = t;
        send(buyer);
        next += 1;
      }
      if (next < n) {
        // Sleep until the next arrival (timers have ~1 ms resolution); never spin.
        const wait = buyers[next].at - now();
        if (wait >= 1) setTimeout(tick, Math.min(wait, 50));
        else setImmediate(tick);
        return;
      }
      const waitForRest = () => {
        if (open === 0 || now() > lastArrival + DRAIN_MS) {
          done();
        } else {
          setTimeout(waitForRest, 20);
        }
      };
      waitForRest();
    };
    tick();
  });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'sign' && args.length === 6) {
  sign(...args);
} else if (mode === 'sink') {
  sink();
} else if (mode === 'run' && args.length === 1) {
  run(JSON.parse(args[0])).then((result) => {
    console.log(JSON.stringify(result));
    process.exit(0);
  });
} else {
  console.error('usage: rush-driver.js sign KEY KID ISS AUD IDS OUT | sink | run CONFIG_JSON');
  process.exit(2);
}
