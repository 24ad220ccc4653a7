// The OpenAPI document (crates/openapi, generated from viatrack-core's wire types) against
// the real Worker under `wrangler dev`:
//
//   * it is served at /v1/openapi.json and /docs renders it (Scalar, in Chromium);
//   * `@redocly/cli lint` finds no error in it;
//   * every operation it lists is a route the Worker serves (no 404 "no such route", no 405);
//   * schemathesis (PyPI, in .venv: scripts/setup.sh) generates requests from it with a secret
//     key holding every scope and checks, for every operation: no server error, answers
//     conform to the documented schemas, and every status code is documented. Bounded by a
//     fixed number of examples per operation and a fixed seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startWorker, client, seedLink, ROOT, BROWSER_UA } from '../lib/worker.mjs';
import { ALL_SCOPES, keySql, newKey } from '../../scripts/lib/program.mjs';
import { launch } from '../lib/browser.mjs';

const run = promisify(execFile);
const SCHEMATHESIS = join(ROOT, '.venv/bin/schemathesis');
const REDOCLY = join(ROOT, 'node_modules/.bin/redocly');
/** Examples per operation and the seed: the run stays well under 3 minutes. */
export const EXAMPLES = 25;
export const SEED = 20261121;

let w, p, api, spec, fuzzKey;

before(async () => {
  w = await startWorker();
  p = await w.createProgram({ name: 'openapi' });
  api = client(w.url, p.secretKey);
  // Some objects, so that lists have items and their schemas are checked on real rows.
  const s = await seedLink(api, { token: 'spec1' });
  const pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  const click = (await pk.post('/v1/track/click', { token: 'spec1', url: 'https://shop.example.com/' })).body.data.click_id;
  await pk.post('/v1/track/lead', { click_id: click, email: 'spec@example.com' });
  await api.post('/v1/track/sale', { click_id: click, amount: 4999, currency: 'USD', invoice_id: 'in_spec1' });
  assert.ok(s.link.id);
  // schemathesis reads key IDs from GET /v1/api_keys and would revoke its own key with
  // DELETE /v1/api_keys/{id}, leaving the rest of the run unauthorised: its key holds every
  // scope but delete:api_keys (that operation is then checked for its documented 403).
  fuzzKey = await w.addSecretKey(p.programId, ALL_SCOPES.filter((s) => s !== 'delete:api_keys'));
  const r = await fetch(`${w.url}/v1/openapi.json`);
  assert.equal(r.status, 200);
  spec = await r.json();
});
after(async () => { await w?.stop(); });

test('the document is OpenAPI 3.1 with both key schemes and the error body', () => {
  assert.equal(spec.openapi, '3.1.0');
  assert.deepEqual(Object.keys(spec.components.securitySchemes).sort(), ['publishableKey', 'secretKey']);
  assert.ok(spec.components.schemas.ErrorBody);
  assert.deepEqual(spec.components.schemas.ErrorCode.enum.includes('RATE_LIMITED'), true);
  const ops = Object.values(spec.paths).flatMap((item) => Object.values(item));
  console.log(`openapi: ${Object.keys(spec.paths).length} paths, ${ops.length} operations, ${Object.keys(spec.components.schemas).length} schemas`);
  for (const op of ops) {
    assert.ok(op.operationId && op.responses && Object.keys(op.responses).length > 0, JSON.stringify(op).slice(0, 200));
  }
});

test('the first-party route serves the same document', async () => {
  const r = await fetch(`${w.url}/_viatrack/v1/openapi.json`);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), spec);
});

test('@redocly/cli lint: no errors', async () => {
  const r = await run(REDOCLY, ['lint', '--format=stylish', join(ROOT, 'build/site/v1/openapi.json')], { cwd: ROOT }).catch((e) => e);
  const out = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.code ?? 0, 0, out);
  assert.match(out, /valid/i, out);
});

test('every documented operation is a route the Worker serves', async () => {
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const method of Object.keys(item)) {
      const url = path.replace(/\{[a-z_]+\}/g, 'x_unknown');
      const r = await api.call(method.toUpperCase(), url, ['post', 'patch'].includes(method) ? {} : undefined);
      assert.notEqual(r.status, 405, `${method} ${path} → 405`);
      if (r.status === 404) {
        assert.notEqual(r.body?.error?.message, 'no such route', `${method} ${path} is not routed`);
      }
    }
  }
});

/**
 * Every operation of the table the Worker routes by (crates/core/src/api/operations.rs, whose
 * rows the router's exhaustive match dispatches), read from its source: [METHOD, path, id].
 */
function routedOperations() {
  const src = readFileSync(join(ROOT, 'crates/core/src/api/operations.rs'), 'utf8');
  const body = src.slice(src.indexOf('operations! {'), src.indexOf('/// What a request\'s method and path name.'));
  return [...body.matchAll(/^\s+[A-Z]\w+ = "(\w+)": ([A-Z][a-z]+) "([^"]+)"/gm)].map((m) => [m[2].toUpperCase(), m[3], m[1]]);
}

test('every routed operation is documented under its ID, and the other way round', () => {
  const documented = Object.entries(spec.paths).flatMap(([path, item]) => Object.entries(item).map(([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`));
  const routed = routedOperations().map((o) => o.join(' '));
  assert.ok(routed.length > 45, `read ${routed.length} operations from the table`);
  assert.deepEqual(routed.filter((op) => !documented.includes(op)), [], 'routed but not in the OpenAPI document');
  assert.deepEqual(documented.filter((op) => !routed.includes(op)), [], 'documented but not routed');
});

test('every documented scope is the one the Worker enforces', async () => {
  const scoped = Object.entries(spec.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => {
    const scope = /Secret key with `([a-z_]+:[a-z_]+)`/.exec(op.description ?? '')?.[1];
    return scope && { path, method, scope };
  })).filter(Boolean);
  // Two keys per scope, written in one statement: all scopes but it, and it alone.
  const keys = {};
  const sql = [];
  for (const scope of new Set(scoped.map((o) => o.scope))) {
    keys[scope] = { without: newKey('secret'), only: newKey('secret') };
    sql.push(keySql({ programId: p.programId, kind: 'secret', key: keys[scope].without, scopes: ALL_SCOPES.filter((x) => x !== scope) }));
    sql.push(keySql({ programId: p.programId, kind: 'secret', key: keys[scope].only, scopes: [scope] }));
  }
  await w.sql(sql.join('\n'));
  let checked = 0;
  for (const { path, method, scope } of scoped) {
    {
      const url = path.replace(/\{[a-z_]+\}/g, 'x_unknown');
      const body = ['post', 'patch'].includes(method) ? {} : undefined;
      const without = client(w.url, keys[scope].without);
      const denied = await without.call(method.toUpperCase(), url, body);
      assert.equal(denied.status, 403, `${method} ${path} without ${scope}: ${JSON.stringify(denied.body)}`);
      assert.match(denied.body.error.message, new RegExp(scope), `${method} ${path}`);
      const only = client(w.url, keys[scope].only);
      const allowed = await only.call(method.toUpperCase(), url, body);
      assert.notEqual(allowed.status, 403, `${method} ${path} with only ${scope}: ${JSON.stringify(allowed.body)}`);
      checked += 1;
    }
  }
  assert.ok(checked >= 35, `${checked} operations checked`);
});

test('/docs renders the reference from /v1/openapi.json, with nothing fetched from elsewhere', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const elsewhere = [];
    page.on('request', (r) => { if (!r.url().startsWith(w.url) && !r.url().startsWith('data:')) elsewhere.push(r.url()); });
    const specLoaded = page.waitForResponse((r) => r.url().endsWith('/v1/openapi.json') && r.status() === 200);
    await page.goto(`${w.url}/docs`);
    await specLoaded;
    // The first tag's operations are open; every tag is in the sidebar.
    await page.getByText('Whether the Worker runs').first().waitFor({ timeout: 30_000 });
    const text = await page.evaluate(() => document.body.innerText);
    for (const tag of spec.tags.map((t) => t.name)) assert.ok(text.includes(tag), `tag ${tag} is not shown`);
    assert.deepEqual(elsewhere, [], 'the reference fetched from another origin');
  } finally {
    await browser.close();
  }
});

test('schemathesis: no server errors, answers conform, status codes documented', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(SCHEMATHESIS), `${SCHEMATHESIS} is missing: run scripts/setup.sh`);
  const reports = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  const started = Date.now();
  const r = await run(
    SCHEMATHESIS,
    [
      'run', `${w.url}/v1/openapi.json`,
      '--url', w.url,
      '--header', `Authorization: Bearer ${fuzzKey}`,
      '--checks', 'not_a_server_error,response_schema_conformance,status_code_conformance',
      '--max-examples', String(EXAMPLES),
      '--seed', String(SEED),
      '--generation-deterministic',
      // The key is the one given; generating other keys would trip the failed-authentication
      // limit (20 a minute per IP) and leave the rest of the run answering 429.
      '--generation-with-security-parameters', 'false',
      '--workers', '2',
      '--phases', 'examples,coverage,fuzzing',
      '--suppress-health-check', 'all',
      '--report', 'junit', '--report-dir', reports,
      '--no-color',
    ],
    { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } },
  ).catch((e) => e);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const summary = out.split('\n').filter((l) => /passed|failed|error|Test cases|Operations|seconds/i.test(l)).slice(-12).join('\n');
  console.log(`schemathesis (${seconds} s):\n${summary}`);
  rmSync(reports, { recursive: true, force: true });
  assert.equal(r.code ?? 0, 0, out.slice(-20_000));
  assert.match(out, /passed/i);
});
