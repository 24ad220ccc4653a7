#!/usr/bin/env bash
# Build the browser tracker and assemble the static site the Worker serves.
#
#   build/tracker  wasm-pack output (--target web): tracker.js glue, tracker_bg.wasm, .d.ts
#   build/site     www/ + tracker_bg.wasm + tracker.d.ts + tracker.js, the JS minified
#
# For size: the wasm is built with the crate's `bare` feature (no std: its own panic
# handler and allocator) and wasm-opt -Oz from npm binaryen (Cargo.toml's wasm-pack
# metadata); scripts/shrink-tracker.mjs shortens the import/export names shared by the wasm
# and its glue; esbuild (installed with wrangler) minifies the glue, keeping only the
# exports the loader uses (it compiles the wasm itself and calls initSync, so the glue's
# own fetching code goes), and the loader.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Keep rustc's target_features section so wasm-bindgen sees which wasm features the module
# uses; wasm-opt strips names and producers afterwards (--strip-debug --strip-producers).
export CARGO_PROFILE_RELEASE_STRIP=false
wasm-pack --quiet build crates/tracker --release --target web --mode no-install \
  --out-dir "$ROOT/build/tracker" --out-name tracker --no-pack -- --features bare
node scripts/shrink-tracker.mjs build/tracker/tracker_bg.wasm build/tracker/tracker.js build/tracker/tracker.d.ts
command -v esbuild >/dev/null || { echo "build-tracker: esbuild missing (npm ci installs it)" >&2; exit 1; }
rm -rf build/site.tmp && mkdir -p build/site.tmp
cp -R www/. build/site.tmp/
cp build/tracker/tracker_bg.wasm build/tracker/tracker.d.ts build/site.tmp/
echo 'export { initSync, start, answered, consent, convert, converted, referral, affiliate } from "./tracker.js";' \
  >build/tracker/site-entry.js
esbuild build/tracker/site-entry.js --bundle --minify --format=esm --log-level=warning \
  --outfile=build/site.tmp/tracker.js
esbuild www/viatrack.js --minify --log-level=warning --outfile=build/site.tmp/viatrack.js
rm -rf build/site && mv build/site.tmp build/site
