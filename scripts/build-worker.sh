#!/usr/bin/env bash
# Build the Worker with worker-build, using the tools scripts/setup.sh installed (never a
# download: TOOLCHAIN.md §8). wrangler runs this as its [build] command.
set -euo pipefail
[ "${VIATRACK_SKIP_BUILD:-0}" = 1 ] && exit 0
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WASM_BINDGEN_BIN=wasm-bindgen
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
# Skip when nothing the build reads changed since the last one (issue 29: a warm `make test`
# otherwise spends about 2 minutes in wasm-opt on an unchanged Worker): a hash of every
# source file of core and the Worker, the manifests, the lock and this script.
STAMP="crates/worker/build/.inputs-sha256"
inputs() {
  find crates/core crates/worker/src crates/worker/Cargo.toml Cargo.toml Cargo.lock scripts/build-worker.sh \
    -type f -not -path '*/target/*' | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
}
WANT="$(inputs)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] && [ -f crates/worker/build/index.js ] && [ -f crates/worker/build/index_bg.wasm ]; then
  echo "worker: up to date (inputs unchanged since the last build)"
  exit 0
fi
rm -f "$STAMP"
(cd crates/worker && worker-build --release)
echo "$WANT" > "$STAMP"
