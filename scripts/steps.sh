#!/usr/bin/env bash
# scripts/steps.sh — run make targets as timed steps (issue 29): one line as each starts,
# its elapsed time as it ends, and a table of every step at the end, also when one fails
# (the run stops at the first failure and exits with its status).
#
#   bash scripts/steps.sh setup lint test-core …
set -uo pipefail
cd "$(dirname "$0")/.."
names=(); secs=(); states=()
started=$SECONDS
table() {
  printf '\n%-16s %8s  %s\n' step seconds result
  for i in "${!names[@]}"; do printf '%-16s %8s  %s\n' "${names[$i]}" "${secs[$i]}" "${states[$i]}"; done
  printf '%-16s %8s\n' total "$((SECONDS - started))"
}
for target in "$@"; do
  printf '\n==> %s (started %s)\n' "$target" "$(date -u +%H:%M:%S)"
  t0=$SECONDS
  make --no-print-directory "$target"
  rc=$?
  names+=("$target"); secs+=("$((SECONDS - t0))")
  if [ $rc -ne 0 ]; then
    states+=("FAILED ($rc)")
    printf '<== %s: FAILED after %s s\n' "$target" "$((SECONDS - t0))"
    table
    exit $rc
  fi
  states+=(ok)
  printf '<== %s: %s s\n' "$target" "$((SECONDS - t0))"
done
table
