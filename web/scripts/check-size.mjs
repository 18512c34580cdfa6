#!/usr/bin/env node
// Prints every chunk of the build with its gzipped size, then the initial JavaScript of the
// concert list (the entry, the list page's lazy chunk, and everything they import statically),
// and fails when that is over the budget. Reads dist/.vite/manifest.json (build.manifest).
//
// Usage: node scripts/check-size.mjs [--budget-kb 150]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const budgetArg = process.argv.indexOf('--budget-kb');
const budgetKb = budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : 150;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));

const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7);

// Every chunk, largest first.
const rows = Object.values(manifest)
  .filter((c) => c.file.endsWith('.js'))
  .map((c) => ({ file: c.file, raw: readFileSync(join(dist, c.file)).length, gzip: gz(c.file) }))
  .sort((a, b) => b.gzip - a.gzip);
console.log('chunk                                        raw KB  gzip KB');
for (const r of rows) console.log(`${r.file.padEnd(42)} ${kb(r.raw)}  ${kb(r.gzip)}`);

// The first screen: index.html's entry and the concert list's chunk, with their static imports.
const initial = new Set();
const walk = (key) => {
  const chunk = manifest[key];
  if (!chunk || initial.has(chunk.file)) return;
  initial.add(chunk.file);
  for (const dep of chunk.imports ?? []) walk(dep);
};
const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
const list = Object.keys(manifest).find((k) => k.endsWith('pages/ConcertList.tsx'));
if (!entry || !list) {
  console.error('check-size: entry or src/pages/ConcertList.tsx not found in the manifest');
  process.exit(2);
}
walk(entry);
walk(list);
// Organizer and admin code must stay out of it.
const leaked = [...initial].filter((f) => /\/(admin|organizer)-/.test(f));
const total = [...initial].reduce((sum, f) => sum + (f.endsWith('.js') ? gz(f) : 0), 0);
console.log(`\ninitial JS for the concert list: ${[...initial].join(', ')}`);
console.log(`initial JS gzipped: ${(total / 1024).toFixed(1)} KB (budget ${budgetKb} KB)`);
if (leaked.length > 0) {
  console.error(`check-size: organizer/admin code in the initial load: ${leaked.join(', ')}`);
  process.exit(1);
}
if (total > budgetKb * 1024) {
  console.error(`check-size: over the budget by ${((total - budgetKb * 1024) / 1024).toFixed(1)} KB`);
  process.exit(1);
}
