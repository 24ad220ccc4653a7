#!/usr/bin/env bash
# Benchmarks (figures, not tests): the Worker under load, then the tracker's size.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
if ! command -v wrk >/dev/null 2>&1; then
  echo "==> apt-get install wrk (load generator)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
node bench/worker-bench.mjs
echo
node bench/list-bench.mjs
echo
node bench/payout-bench.mjs
echo
node bench/capture-bench.mjs
echo
if [ -x scripts/size.sh ]; then bash scripts/size.sh; fi
