#!/usr/bin/env bash
# The main job, locally: migrate and seed the local D1, then run the Worker (API + demo
# site) under `wrangler dev` on 127.0.0.1. `make dev` builds before calling this.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH" CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
PORT="${PORT:-8787}"
ORIGIN="http://127.0.0.1:$PORT"
node node_modules/wrangler/bin/wrangler.js d1 migrations apply viatrack --local >/dev/null
DEMO_ORIGIN="$ORIGIN" node scripts/seed-demo.mjs
cat <<MSG

viatrack is starting on $ORIGIN
  demo page (as a visitor sent by James Bond):   $ORIGIN/?via=jb007
  another affiliate (last-click campaign):       $ORIGIN/?via=other
  first-click campaign links:                    $ORIGIN/?via=q-branch   $ORIGIN/?via=m-office
  API reference (OpenAPI 3.1 at $ORIGIN/v1/openapi.json):  $ORIGIN/docs
  list the referrals:
    curl -s -H 'Authorization: Bearer sk_demo1234567890abcdef1234567890abcdef12' '$ORIGIN/v1/referrals?limit=5'
  funnel dashboard (sign in with sk_demo1234567890abcdef1234567890abcdef12):   $ORIGIN/dashboard

MSG
# A fixed local key for sealing integration secrets (crates/worker/src/crypto.rs); a
# deployment sets its own: openssl rand -hex 32 | npx wrangler secret put INTEGRATIONS_KEY
LOCAL_INTEGRATIONS_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
VIATRACK_SKIP_BUILD=1 exec node node_modules/wrangler/bin/wrangler.js dev --ip 127.0.0.1 --port "$PORT" --show-interactive-dev-session=false \
  --var "INTEGRATIONS_KEY:$LOCAL_INTEGRATIONS_KEY" --var LOCAL_DEV:true
