// The size budgets of issue #30, on the files `make build-tracker` leaves in build/site (sizes
// are deterministic, so this is a test, not a benchmark; gzip is node's zlib at level 9):
//
//   * an organic page view downloads the loader only, in one request: viatrack.js, at most
//     1,536 B gzip (below Dub's whole script, 1,690 B);
//   * a referred page view downloads the loader and the wasm module, in two requests: at
//     most 10,240 B gzip (goal 8,192 B). Since the click report leaves with the loader, the
//     wasm is off the critical path: it only has to arrive before the click answer.
//
// The budgets are asserted as they are, not a ceiling at today's level. Prints both figures.
// `make size` (scripts/size.sh) prints them per file (GNU gzip -9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const SITE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'build/site');
export const ORGANIC_BUDGET = 1536;
export const REFERRED_BUDGET = 10_240;
export const REFERRED_GOAL = 8192;

const gz = (file) => {
  const path = join(SITE, file);
  assert.ok(existsSync(path), `build/site/${file} is missing: run \`make build-tracker\` first`);
  return gzipSync(readFileSync(path), { level: 9 }).length;
};

test('an organic view and a referred view within their budgets', () => {
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
  assert.ok(organic <= ORGANIC_BUDGET, `organic view: ${organic} B gzip is over the ${ORGANIC_BUDGET} B budget`);
  assert.ok(referred <= REFERRED_BUDGET, `referred view: ${referred} B gzip is over the ${REFERRED_BUDGET} B budget`);
});
