#!/usr/bin/env bash
# Sends forged access tokens to a running Tiket server and shows that each one is refused.
#
# Usage: exercises/jwt/attack.sh
#   with `scripts/run.sh` running in another shell (development mode: the demo customer and
#   the generated signing key under .local/keys exist).
#
# Environment:
#   BASE_URL       the server (default http://localhost:8080)
#   LOCAL_DIR      where run.sh keeps its key (default .local, as in run.sh)
#   EMAIL, DEMO_PASSWORD  the account to log in as (default the demo customer, tiket-demo)
#
# Each forged token goes to GET /api/auth/me. Two controls prove the forging is right, so that
# the 401s are about what each attack changes: the genuine token, and a token this script signs
# itself with the server's real key and a fresh exp, must both get 200.
# Needs bash, curl and openssl (install-deps installs both). Exit 0 when every attack gets 401
# and both controls get 200, 1 otherwise.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
BASE_URL="${BASE_URL:-http://localhost:8080}"
LOCAL_DIR="${LOCAL_DIR:-.local}"
EMAIL="${EMAIL:-customer@tiket.test}"
DEMO_PASSWORD="${DEMO_PASSWORD:-tiket-demo}"
KEY="$LOCAL_DIR/keys/jwt-private.pem"

die() {
  echo "attack: $*" >&2
  exit 2
}

curl -fsS -o /dev/null "$BASE_URL/healthz" 2>/dev/null ||
  die "no server at $BASE_URL; start ./scripts/run.sh in another shell first"
[[ -r "$KEY" ]] || die "cannot read the signing key $KEY (is LOCAL_DIR the server's?)"

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
b64url_decode() {
  local s
  s="$(tr -- '-_' '+/')"
  while ((${#s} % 4)); do s+="="; done
  printf '%s' "$s" | base64 -d
}
# sign_rs256 HEADER PAYLOAD: a JWS signed with the server's own private key.
sign_rs256() {
  local input
  input="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
  printf '%s.%s' "$input" "$(printf '%s' "$input" | openssl dgst -sha256 -sign "$KEY" -binary | b64url)"
}
# sign_hs256 HEADER PAYLOAD SECRET_FILE: a JWS whose HMAC key is the bytes of SECRET_FILE.
sign_hs256() {
  local input hexkey
  input="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
  hexkey="$(od -An -v -tx1 <"$3" | tr -d ' \n')"
  printf '%s.%s' "$input" \
    "$(printf '%s' "$input" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hexkey" -binary | b64url)"
}
# status TOKEN: the HTTP status of GET /api/auth/me with that bearer token.
status() {
  curl -sS -o /dev/null -w '%{http_code}' "$BASE_URL/api/auth/me" -H "Authorization: Bearer $1"
}

# A genuine token, and what is in it.
login="$(curl -fsS "$BASE_URL/api/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$EMAIL\",\"password\":\"$DEMO_PASSWORD\"}")" ||
  die "cannot log in as $EMAIL (a development server seeds the demo users)"
token="$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$login")"
IFS=. read -r header_b64 payload_b64 signature_b64 <<<"$token"
header="$(b64url_decode <<<"$header_b64")"
payload="$(b64url_decode <<<"$payload_b64")"
kid="$(sed -n 's/.*"kid":"\([^"]*\)".*/\1/p' <<<"$header")"
sub="$(sed -n 's/.*"sub":"\([0-9]*\)".*/\1/p' <<<"$payload")"
[[ -n "$kid" && -n "$sub" ]] || die "unexpected token shape: $header $payload"
iss=tiket aud=tiket-api now="$(date +%s)"
claims() { # claims ROLE IAT EXP
  printf '{"sub":"%s","role":"%s","iss":"%s","aud":"%s","iat":%s,"exp":%s}' "$sub" "$1" "$iss" "$aud" "$2" "$3"
}
public_pem="$(mktemp)"
trap 'rm -f "$public_pem"' EXIT
openssl pkey -in "$KEY" -pubout -out "$public_pem" # the public key, as /.well-known/jwks.json publishes it

admin_payload="$(sed 's/"role":"[a-z]*"/"role":"admin"/' <<<"$payload")"
rs256_header="{\"alg\":\"RS256\",\"kid\":\"$kid\",\"typ\":\"JWT\"}"

failures=0
check() { # check EXPECTED NAME TOKEN WHAT
  local got
  got="$(status "$3")"
  if [[ "$got" == "$1" ]]; then
    printf '%-13s %s  %s\n' "$2" "$got" "$4"
  else
    printf '%-13s %s  %s  (expected %s)\n' "$2" "$got" "$4" "$1"
    failures=$((failures + 1))
  fi
}

echo "GET $BASE_URL/api/auth/me as user $sub, key id $kid"
check 200 genuine "$token" \
  "the token the server issued at login"
check 200 self-signed "$(sign_rs256 "$rs256_header" "$(claims customer "$now" $((now + 300)))")" \
  "control: signed here with the server's key, fresh exp (the forging below is right)"
check 401 tampered "$header_b64.$(printf '%s' "$admin_payload" | b64url).$signature_b64" \
  "payload changed to role admin, original signature kept"
check 401 alg-none "$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(printf '%s' "$admin_payload" | b64url)." \
  "header alg none, no signature"
check 401 expired "$(sign_rs256 "$rs256_header" "$(claims customer $((now - 7200)) $((now - 3600)))")" \
  "signed with the server's real key, exp one hour ago (leeway is 30 s)"
check 401 key-confusion "$(sign_hs256 "{\"alg\":\"HS256\",\"kid\":\"$kid\",\"typ\":\"JWT\"}" \
  "$(claims admin "$now" $((now + 300)))" "$public_pem")" \
  "HS256 whose HMAC key is the server's public key PEM"
check 401 no-exp "$(sign_rs256 "$rs256_header" \
  "{\"sub\":\"$sub\",\"role\":\"customer\",\"iss\":\"$iss\",\"aud\":\"$aud\",\"iat\":$now}")" \
  "signed with the server's real key, no exp claim"

if ((failures > 0)); then
  echo "FAIL: $failures answer(s) not as expected"
  exit 1
fi
echo "PASS: every forged token is 401; both controls are 200"
