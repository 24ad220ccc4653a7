#!/usr/bin/env bash
# Build the browser tracker (wasm-pack, --target web, wasm-opt -Oz from npm binaryen) and
# assemble the static site the Worker serves: www/ plus the tracker's JS glue and wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
wasm-pack --quiet build crates/tracker --release --target web --mode no-install \
  --out-dir "$ROOT/build/tracker" --out-name tracker --no-pack
rm -rf build/site.tmp && mkdir -p build/site.tmp
cp -R www/. build/site.tmp/
cp build/tracker/tracker.js build/tracker/tracker_bg.wasm build/tracker/tracker.d.ts build/site.tmp/
rm -rf build/site && mv build/site.tmp build/site
