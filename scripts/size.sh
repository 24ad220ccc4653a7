#!/usr/bin/env bash
# Prints what a page view downloads for the tracker (build/site, as `make build-tracker`
# leaves it): raw and gzip -9 bytes of the wasm, its JS glue and the loader, and the total
# against the bar (16 KB gzip) and the goal (5 KB gzip). A benchmark, not a test: it
# always exits 0 once the files exist.
set -euo pipefail
cd "$(dirname "$0")/.."
SITE=build/site
FILES=(tracker_bg.wasm viatrack.js)
for f in "${FILES[@]}"; do
  [ -f "$SITE/$f" ] || { echo "size: $SITE/$f is missing; run \`make build-tracker\` first" >&2; exit 1; }
done
BAR=$((16 * 1024))
GOAL=$((5 * 1024))
raw_total=0
gz_total=0
printf '%-18s %10s %12s\n' "file" "raw bytes" "gzip -9"
for f in "${FILES[@]}"; do
  raw=$(wc -c <"$SITE/$f")
  gz=$(gzip -9 -c "$SITE/$f" | wc -c)
  raw_total=$((raw_total + raw))
  gz_total=$((gz_total + gz))
  printf '%-18s %10d %12d\n' "$f" "$raw" "$gz"
done
printf '%-18s %10d %12d\n' "total" "$raw_total" "$gz_total"
verdict() { if [ "$gz_total" -le "$2" ]; then echo "within"; else echo "OVER by $((gz_total - $2)) B"; fi; }
printf 'bar  %5d B gzip (16 KB): %s\n' "$BAR" "$(verdict bar "$BAR")"
printf 'goal %5d B gzip (5 KB):  %s\n' "$GOAL" "$(verdict goal "$GOAL")"
