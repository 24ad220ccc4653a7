#!/usr/bin/env bash
# Prints what a page view downloads for the tracker (build/site, as `make build-tracker`
# leaves it): raw and gzip -9 bytes of the loader and the wasm, and the two page views
# against issue #30's budgets: an organic view loads the loader only (1 request, budget
# 1,536 B gzip), a referred one the loader and the wasm (2 requests, budget 10,240 B, goal
# 8,192 B). Figures only; tests/size.test.mjs holds the budgets.
set -euo pipefail
cd "$(dirname "$0")/.."
SITE=build/site
FILES=(viatrack.js tracker_bg.wasm)
for f in "${FILES[@]}"; do
  [ -f "$SITE/$f" ] || { echo "size: $SITE/$f is missing; run \`make build-tracker\` first" >&2; exit 1; }
done
gz() { gzip -9 -n -c "$SITE/$1" | wc -c; }
printf '%-18s %10s %12s\n' "file" "raw bytes" "gzip -9"
for f in "${FILES[@]}"; do
  printf '%-18s %10d %12d\n' "$f" "$(wc -c <"$SITE/$f")" "$(gz "$f")"
done
loader=$(gz viatrack.js)
referred=$((loader + $(gz tracker_bg.wasm)))
printf 'organic view:  1 request,  %5d B gzip (budget 1536 B)\n' "$loader"
printf 'referred view: 2 requests, %5d B gzip (budget 10240 B, goal 8192 B)\n' "$referred"
