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
# What git sees before the steps: setup and the tests must leave the tree as they found it
# (issue 29), so a file they write that is not ignored fails the run by name.
tree() { git status --porcelain=v1 --untracked-files=all 2>/dev/null; }
before=$(tree)
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
t0=$SECONDS
after=$(tree)
names+=("clean tree"); secs+=("$((SECONDS - t0))")
if [ "$before" != "$after" ]; then
  states+=("FAILED")
  echo "The steps changed the working tree (git status before and after):" >&2
  diff <(echo "$before") <(echo "$after") >&2
  table
  exit 1
fi
states+=(ok)
table
