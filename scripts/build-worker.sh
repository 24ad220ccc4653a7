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
cd crates/worker
worker-build --release
