// The deploy drill's load generator (scripts/deploy-drill.sh): CONNECTIONS keep-alive loops of
// GET requests against nginx until it is sent SIGTERM (or DURATION_S passes), counting every
// answer by second and status. Any status other than 2xx and any connection error is a
// failure, with one exception: a GET whose connection is reset or closed by nginx before any
// byte of an answer arrived is sent again, once, on a new connection of its own, and counted
// as `resent` (RFC 9112, 9.3.1 lets a client retry an idempotent request so). nginx closes the
// client connections its old workers hold when it reloads; its access log, checked by the
// drill, shows that every request that reached a replica was answered 2xx. Prints one JSON
// summary on stdout at the end.
"use strict";

const http = require("node:http");

const base = new URL(process.env.TARGET || "http://127.0.0.1:8080");
const connections = Number(process.env.CONNECTIONS || 16);
const durationS = Number(process.env.DURATION_S || 600);
const paths = (process.env.PATHS || "/healthz").split(",");

const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const perSecond = new Map();  // second -> {ok, failed}
const failures = {};
let total = 0;
let retried = 0;
let stopping = false;
const start = Date.now();

function count(ok, reason) {
  const second = Math.floor((Date.now() - start) / 1000);
  const slot = perSecond.get(second) || { ok: 0, failed: 0 };
  slot[ok ? "ok" : "failed"] += 1;
  perSecond.set(second, slot);
  total += 1;
  if (!ok) failures[reason] = (failures[reason] || 0) + 1;
}

function once(i, retry = false) {
  return new Promise((resolve) => {
    // The resend goes on a new connection of its own, never on another pooled one.
    const req = http.get({ host: base.hostname, port: base.port, path: paths[i % paths.length],
                           agent: retry ? false : agent, timeout: 10000 }, (res) => {
      res.resume();
      res.on("end", () => {
        count(res.statusCode >= 200 && res.statusCode < 300, `status ${res.statusCode}`);
        resolve();
      });
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => {
      if (!retry && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
        retried += 1;
        once(i, true).then(resolve);
        return;
      }
      count(false, `${e.code || e.message}${retry ? " (resent)" : ""}${req.reusedSocket ? " (reused connection)" : ""}`);
      resolve();
    });
  });
}

async function loop(id) {
  for (let i = id; !stopping; i += connections) {
    await once(i);
  }
}

process.on("SIGTERM", () => { stopping = true; });
setTimeout(() => { stopping = true; }, durationS * 1000).unref();

Promise.all(Array.from({ length: connections }, (_, id) => loop(id))).then(() => {
  const seconds = [...perSecond.keys()].sort((a, b) => a - b);
  const rates = seconds.map((s) => perSecond.get(s).ok);
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ total, failed, failures, retried, seconds: seconds.length, rates }));
  agent.destroy();
});
