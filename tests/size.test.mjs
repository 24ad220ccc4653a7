// The size budgets of issue #30, on the files `make build-tracker` leaves in build/site (sizes
// are deterministic, so this is a test, not a benchmark; gzip is node's zlib at level 9):
//
//   * an organic page view downloads the loader only, in one request: viatrack.js, at most
//     1,536 B gzip (below Dub's whole script, 1,690 B);
//   * a referred page view downloads the loader and the wasm module, in two requests: at
//     most 10,240 B gzip (goal 8,192 B). Since the click report leaves with the loader, the
//     wasm is off the critical path: it only has to arrive before the click answer.
//
// The referred budget is asserted as it is. The organic budget is NOT MET yet (the loader
// carries the fast path, the request builder and the never-break guards: 1,984 B): until it
// is (issue 30 stays open), the organic view is held under ORGANIC_CEILING so it cannot grow
// unnoticed, and the test prints the budget and how far over it is. Prints both figures.
// `make size` (scripts/size.sh) prints them per file (GNU gzip -9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const SITE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'build/site');
export const ORGANIC_BUDGET = 1536;
/** Today's organic view rounded up to 2 KiB: a ceiling while the budget above is not met. */
export const ORGANIC_CEILING = 2048;
export const REFERRED_BUDGET = 10_240;
export const REFERRED_GOAL = 8192;

const gz = (file) => {
  const path = join(SITE, file);
  assert.ok(existsSync(path), `build/site/${file} is missing: run \`make build-tracker\` first`);
  return gzipSync(readFileSync(path), { level: 9 }).length;
};

test('a referred view within its budget; an organic view under its ceiling (its budget printed, not met)', () => {
  const loader = gz('viatrack.js');
  const wasm = gz('tracker_bg.wasm');
  const organic = loader;
  const referred = loader + wasm;
  const over = (n, budget) => (n > budget ? ` (${n - budget} B over)` : '');
  console.log(`organic view:  1 request,  ${organic} B gzip (loader) — budget ${ORGANIC_BUDGET} B${over(organic, ORGANIC_BUDGET)}`);
  console.log(
    `referred view: 2 requests, ${referred} B gzip (loader ${loader} + wasm ${wasm}) — budget ${REFERRED_BUDGET} B` +
      `${over(referred, REFERRED_BUDGET)}, goal ${REFERRED_GOAL} B`,
  );
  if (organic > ORGANIC_BUDGET) console.log(`organic view: budget ${ORGANIC_BUDGET} B NOT MET (issue 30 open)`);
  assert.ok(organic <= ORGANIC_CEILING, `organic view: ${organic} B gzip is over the ${ORGANIC_CEILING} B ceiling`);
  assert.ok(referred <= REFERRED_BUDGET, `referred view: ${referred} B gzip is over the ${REFERRED_BUDGET} B budget`);
});
