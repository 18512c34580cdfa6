// The contract cannot drift: every route the service registers is in docs/openapi.yaml with
// the same method and path template, and every operation there has a route.
//
//   node --test tests/api/          (scripts/ci.sh stage "contract"; needs a build and npm ci)
//
// The routes come from `tiket-api routes`, which builds the router with the same wiring as
// `serve` and prints it without touching a database. TIKET_API_BIN names the binary (default
// build/dev/tiket-api).
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const YAML = require("yaml");

const repo = path.resolve(__dirname, "../..");
const bin = process.env.TIKET_API_BIN || path.join(repo, "build/dev/tiket-api");
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function routerRoutes() {
  // Development keys are generated on first use; keep them out of the checkout.
  const localDir = fs.mkdtempSync(path.join(os.tmpdir(), "tiket-contract-"));
  try {
    const out = execFileSync(bin, ["routes"], {
      env: { PATH: process.env.PATH, APP_ENV: "development", LOCAL_DIR: localDir, LOG_LEVEL: "warn",
             COMMON_PASSWORDS_FILE: path.join(repo, "data/common-passwords.txt") },
      encoding: "utf8",
    });
    return out.trim().split("\n").map((line) => {
      const [method, template] = line.split(" ");
      return `${method} ${template}`;
    });
  } finally {
    fs.rmSync(localDir, { recursive: true, force: true });
  }
}

function openapiOperations() {
  const doc = YAML.parse(fs.readFileSync(path.join(repo, "docs/openapi.yaml"), "utf8"));
  const ops = [];
  for (const [template, item] of Object.entries(doc.paths || {})) {
    for (const method of Object.keys(item)) {
      if (METHODS.includes(method)) ops.push(`${method.toUpperCase()} ${template}`);
    }
  }
  return ops;
}

const routes = routerRoutes();
const documented = openapiOperations();

test("the router registers routes (the binary ran)", () => {
  assert.ok(routes.length > 20, `only ${routes.length} routes from ${bin}`);
  assert.equal(new Set(routes).size, routes.length, "a route is registered twice");
});

test("every registered route is documented in docs/openapi.yaml", () => {
  const missing = routes.filter((r) => !documented.includes(r));
  assert.deepEqual(missing, [], "routes missing from docs/openapi.yaml (method or path differs?)");
});

test("every documented operation has a route", () => {
  const extra = documented.filter((op) => !routes.includes(op));
  assert.deepEqual(extra, [], "operations in docs/openapi.yaml that no route serves");
});

test("each path has the same methods in both", () => {
  const byPath = (list) => {
    const map = new Map();
    for (const entry of list) {
      const [method, template] = entry.split(" ");
      map.set(template, [...(map.get(template) || []), method].sort());
    }
    return map;
  };
  const a = byPath(routes);
  const b = byPath(documented);
  for (const [template, methods] of a) {
    assert.deepEqual(b.get(template) || [], methods, `methods of ${template}`);
  }
});
