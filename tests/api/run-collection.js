// Runs the Postman collection with newman against a running server and checks every response
// against docs/openapi.yaml (tests/api/openapi-validator.js). Fails (exit 1) on a failed
// Postman test, a request error, or a response the OpenAPI document does not describe.
//
//   node tests/api/run-collection.js --base-url http://127.0.0.1:8080 --report-dir DIR [--label run1]
//                                    [--folder ops[,auth...]] [--fake-gateway-url URL]
//
// Writes DIR/<label>-newman.xml (newman's JUnit report) and DIR/<label>-openapi.xml (one
// test case per response, failed when it does not match its schema). scripts/api-test.sh
// starts the server and runs this twice in a row.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const newman = require("newman");
const { OpenApiValidator } = require("./openapi-validator");

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const baseUrl = option("--base-url", "http://localhost:8080");
const reportDir = option("--report-dir", path.resolve(__dirname, "../../build/api-tests"));
const label = option("--label", "run");
// Only these folders (comma-separated), e.g. the smoke subset "ops".
const folderOption = option("--folder", undefined);
const folder = folderOption && folderOption.includes(",") ? folderOption.split(",") : folderOption;
const fakeGatewayUrl = option("--fake-gateway-url", undefined);
fs.mkdirSync(reportDir, { recursive: true });

const xmlEscape = (s) => String(s).replace(/[<>&"']/g, (c) =>
  ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c]);

const validator = new OpenApiValidator();
const cases = [];

newman.run(
  {
    collection: require("./tiket.postman_collection.json"),
    environment: require("./tiket.postman_environment.json"),
    envVar: [{ key: "baseUrl", value: baseUrl },
             ...(fakeGatewayUrl ? [{ key: "fakeGatewayUrl", value: fakeGatewayUrl }] : [])],
    folder,
    reporters: ["cli", "junit"],
    reporter: { junit: { export: path.join(reportDir, `${label}-newman.xml`) } },
    timeoutRequest: 30000,
  },
  (err, summary) => {
    if (err) {
      console.error(`api: newman could not run: ${err.message}`);
      process.exit(2);
    }
    const failedCases = cases.filter((c) => c.problems.length > 0);
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites><testsuite name="${xmlEscape(label)} responses match docs/openapi.yaml" ` +
        `tests="${cases.length}" failures="${failedCases.length}">`,
      ...cases.map((c) =>
        `<testcase classname="openapi" name="${xmlEscape(c.name)}">` +
        c.problems.map((p) => `<failure message="${xmlEscape(p)}"/>`).join("") + "</testcase>"),
      "</testsuite></testsuites>",
    ].join("\n");
    fs.writeFileSync(path.join(reportDir, `${label}-openapi.xml`), xml + "\n");

    const run = summary.run;
    const postmanFailures = run.failures.length;
    console.log(`\napi: ${label}: ${run.stats.requests.total} requests, ` +
      `${run.stats.assertions.total} assertions, ${postmanFailures} Postman failure(s); ` +
      `${cases.length} responses checked against docs/openapi.yaml, ` +
      `${failedCases.length} mismatch(es)`);
    for (const c of failedCases) {
      for (const p of c.problems) console.error(`api: schema: ${c.name}: ${p}`);
    }
    process.exit(postmanFailures > 0 || failedCases.length > 0 ? 1 : 0);
  },
).on("request", (err, args) => {
  if (err || !args.response) return;
  // Only our API is described by docs/openapi.yaml (not the fake gateway's control calls).
  if (args.request.url.getRemote() !== new URL(baseUrl).host) return;
  const name = `${args.item.name} (${args.request.method} ${args.request.url.getPath()})`;
  const problems = validator.check({
    method: args.request.method,
    path: args.request.url.getPath(),
    status: args.response.code,
    contentType: args.response.headers.get("Content-Type"),
    body: args.response.stream ? args.response.stream.toString("utf8") : "",
  });
  cases.push({ name, problems });
});
