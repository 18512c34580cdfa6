#!/usr/bin/env node
// `npm run check:api`: src/api/schema.d.ts must be what openapi-typescript makes of
// docs/openapi.yaml today (run `npm run gen:api` after changing the contract). Removes the
// fresh copy either way.
import { readFileSync, rmSync } from 'node:fs';

const [checkedIn, fresh] = process.argv.slice(2);
const same = readFileSync(checkedIn, 'utf8') === readFileSync(fresh, 'utf8');
rmSync(fresh);
if (!same) {
  console.error(`${checkedIn} is out of date with docs/openapi.yaml: run \`npm --prefix web run gen:api\``);
  process.exit(1);
}
console.log(`${checkedIn} matches docs/openapi.yaml`);
