// The response checker the API tests rely on must itself catch a mismatch.
"use strict";

const { test } = require("node:test");
const assert = require("node:assert/strict");
const { OpenApiValidator } = require("./openapi-validator");

const v = new OpenApiValidator();
const json = "application/json";
const problem = (status) => JSON.stringify({
  type: "https://tiket.example/problems/not-found", title: "Not Found", status,
  detail: "x", instance: "/x", request_id: "abc",
});

test("a response that matches its schema passes", () => {
  assert.deepEqual(v.check({ method: "GET", path: "/healthz", status: 200, contentType: json,
                             body: '{"status":"ok"}' }), []);
  assert.deepEqual(v.check({ method: "GET", path: "/api/concerts/12", status: 404,
                             contentType: "application/problem+json", body: problem(404) }), []);
});

test("a body that breaks the schema, an undocumented status or type fails", () => {
  assert.equal(v.check({ method: "GET", path: "/healthz", status: 200, contentType: json,
                         body: '{"status":"fine"}' }).length, 1);
  assert.match(v.check({ method: "GET", path: "/healthz", status: 418, contentType: json,
                         body: "{}" })[0], /status not documented/);
  assert.match(v.check({ method: "GET", path: "/healthz", status: 200, contentType: "text/html",
                         body: "<p>" })[0], /content type 'text\/html' not documented/);
  assert.ok(v.check({ method: "GET", path: "/api/concerts/12", status: 404,
                      contentType: "application/problem+json", body: '{"status":404}' }).length > 0);
});

test("an unknown path must be a 404 problem and an unknown method a 405", () => {
  assert.deepEqual(v.check({ method: "GET", path: "/nope", status: 404,
                             contentType: "application/problem+json", body: problem(404) }), []);
  assert.match(v.check({ method: "GET", path: "/nope", status: 200, contentType: json,
                         body: "{}" })[0], /404 was expected/);
  assert.match(v.check({ method: "DELETE", path: "/healthz", status: 200, contentType: json,
                         body: "{}" })[0], /405 was expected/);
});
