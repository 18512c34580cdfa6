// Access tokens for the rush section (scripts/bench/rush.sh), Node 20, no dependencies.
//
//   node rush-sign.js KEY_FILE KID ISSUER AUDIENCE IDS_FILE OUT_FILE
//
// One RS256 access token per user id in IDS_FILE (role customer, valid for an hour), signed with
// tiket-api's throwaway dev key, one per line in OUT_FILE. BENCH ONLY: it stands in for 100,000
// logins (each an argon2id verification) so that the setup takes seconds. The tokens are exactly
// what POST /api/auth/login issues (same claims, header and kid).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');

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

const args = process.argv.slice(2);
if (args.length !== 6) {
  console.error('usage: rush-sign.js KEY_FILE KID ISSUER AUDIENCE IDS_FILE OUT_FILE');
  process.exit(2);
}
sign(...args);
