#!/usr/bin/env bash
# Build the browser tracker and assemble the static site the Worker serves.
#
#   build/tracker  wasm-bindgen's output (--target web): tracker_bg.wasm (its JS glue is not used)
#   build/site     www/ + tracker_bg.wasm (shrunk) + viatrack.js (the loader, bundled with
#                  crates/tracker/js/page.js and minified) + vendor/ (uPlot, for /dashboard)
#
# For size: the wasm is built with the crate's `bare` feature (no std: its own allocator, src/heap.rs),
# and core and alloc are built for it from rust-web-src with panics that only trap
# (-Cpanic=immediate-abort, core's optimize_for_size): no panic messages, locations or
# formatting in the module, and the loader stops using a module that traps, as it does for any
# failure; -Zlocation-detail=none drops the file names and lines that #[track_caller]
# functions (Vec::remove) still pass along. -Zmir-opt-level=3 runs rustc's further MIR
# passes (more MIR inlining and simplification before LLVM): 9,842 B gzip against 10,214 B at
# the release default (level 2), measured with the inline threshold below; level 4 gave
# 9,868 B. LLVM's inline threshold is raised from opt-level z's to 20, measured with level 3:
# 9,842 B gzip at 20 and 25, 9,877 B at 28 to 33, 9,935 B at 15 (small helpers inlined into
# their one or two callers save their call and frame code; at level 2 the best was 33, at
# 10,214 B); the results jump, so re-measure when the code changes much. Re-measured after
# issue 30 (request and URL plumbing in js/page.js, the bump allocator), GNU gzip -9: 8,578 B
# at 10, 8,584 B at 20, 8,555 B at 30, 8,797 B at 45; but node's zlib (tests/size.test.mjs)
# gives 30 8,612 B against 20's 8,584 B, so 20 stays. RUSTC_BOOTSTRAP=1
# lets Debian's stable rustc take these unstable flags, as scripts/install-wasm32-std.sh does for the wasm32
# std; its own target directory keeps these artifacts apart from the tests' and clippy's.
# scripts/shrink-tracker.mjs then keeps the exports the loader calls (binaryen's wasm-metadce),
# optimises (wasm-opt -Oz, npm binaryen), minifies the import and export names, and bundles the
# loader with those names (esbuild, installed with wrangler).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# Keep rustc's target_features section so wasm-bindgen sees which wasm features the module
# uses; wasm-opt strips names and producers afterwards (--strip-debug --strip-producers).
export CARGO_PROFILE_RELEASE_STRIP=false
export CARGO_TARGET_DIR="$ROOT/target/tracker"
FLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
FLAGS+=" -Zmir-opt-level=3 -Cllvm-args=-inline-threshold=20"
RUSTC_BOOTSTRAP=1 RUSTFLAGS="$FLAGS" \
  cargo build --quiet -p viatrack-tracker --lib --release --target wasm32-unknown-unknown \
  --features bare -Zbuild-std=core,alloc -Zbuild-std-features=optimize_for_size
# wasm-bindgen-cli (the version in Cargo.lock, installed by scripts/setup.sh) resolves the one
# import; its JS glue is not used (the loader is the glue).
wasm-bindgen --target web --no-typescript --out-dir "$ROOT/build/tracker" --out-name tracker \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/viatrack_tracker.wasm"
rm -rf build/site.tmp && mkdir -p build/site.tmp
cp -R www/. build/site.tmp/
# The dashboard's chart library, uPlot (pinned in package.json), from node_modules.
mkdir -p build/site.tmp/vendor
cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css node_modules/uplot/LICENSE build/site.tmp/vendor/ \
  || { echo "uplot is missing from node_modules: run npm install" >&2; exit 1; }
rm build/site.tmp/viatrack.js
node scripts/shrink-tracker.mjs build/tracker/tracker_bg.wasm build/site.tmp
rm -rf build/site && mv build/site.tmp build/site
bash scripts/build-docs.sh build/site
# Every page's security headers (CSP with hashes of its inline scripts), as _headers.
node scripts/security-headers.mjs build/site
