#!/usr/bin/env bash
# The API reference, into the static site directory given ($1, default build/site):
#
#   v1/openapi.json   the OpenAPI 3.1 document, generated from viatrack-core's wire types by
#                     crates/openapi (served by the Worker's assets at GET /v1/openapi.json)
#   docs.html         the reference page (/docs), rendered by Scalar's standalone bundle
#   scalar/standalone.js  from the npm package @scalar/api-reference (package.json)
set -euo pipefail
cd "$(dirname "$0")/.."
SITE="${1:-build/site}"
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p "$SITE/v1" "$SITE/scalar"
cargo run --quiet -p viatrack-openapi > "$SITE/v1/openapi.json.tmp"
mv "$SITE/v1/openapi.json.tmp" "$SITE/v1/openapi.json"
cp node_modules/@scalar/api-reference/dist/browser/standalone.js "$SITE/scalar/standalone.js"
