// Starts the real Worker under `wrangler dev` (workerd, local D1 and KV) on a free
// 127.0.0.1 port with a fresh state directory, for black-box tests. The Worker must be
// built first (`make build`); the harness never rebuilds (VIATRACK_SKIP_BUILD=1).
import { spawn, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync, renameSync, cpSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { programSql, keySql, newKey, newId } from '../../scripts/lib/program.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const run = promisify(execFile);

const ENV = {
  ...process.env,
  CI: 'true',
  VIATRACK_SKIP_BUILD: '1',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_COLOR: '1',
};

/**
 * The Worker secret that seals stored integration secrets (crates/worker/src/crypto.rs), for
 * local Workers only; a deployment sets its own with `wrangler secret put INTEGRATIONS_KEY`.
 */
export const INTEGRATIONS_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function wrangler(args) {
  return run(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: ENV, maxBuffer: 16 << 20 });
}

/**
 * A fresh state directory with every migration applied. `wrangler d1 migrations apply` takes
 * about 8 s, so it runs once per set of migrations (named by their SHA-256) into a template
 * that each Worker copies; test files in parallel processes race to make it, and the first
 * rename wins (the template is whole or absent, never half-made).
 */
async function migratedState() {
  const dir = join(ROOT, 'migrations');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  const template = join(ROOT, 'tests/.state', `template-${h.digest('hex').slice(0, 16)}`);
  if (!existsSync(template)) {
    const building = mkdtempSync(join(ROOT, 'tests/.state/building-'));
    await wrangler(['d1', 'migrations', 'apply', 'viatrack', '--local', '--persist-to', building]);
    try {
      renameSync(building, template);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another test file made it first
    }
  }
  const state = mkdtempSync(join(ROOT, 'tests/.state/run-'));
  cpSync(template, state, { recursive: true });
  return state;
}

/**
 * A running Worker: { url, state, stop(), sql(text), createProgram(opts), cron() }, under
 * `wrangler dev` on a free port with its own local D1, KV and Queue state; `cron()` runs the
 * Cron Trigger (--test-scheduled). `vars` adds or overrides Worker vars (e.g.
 * { TEST_QUEUE_SEND_FAILS: 'true' }). Fails with a clear message if the Worker or the site
 * has not been built.
 */
export async function startWorker({ vars = {} } = {}) {
  for (const f of ['crates/worker/build/index.js', 'build/site']) {
    if (!existsSync(join(ROOT, f))) throw new Error(`${f} is missing: run \`make build\` first`);
  }
  mkdirSync(join(ROOT, 'tests/.state'), { recursive: true });
  const state = await migratedState();
  const port = await freePort();
  const inspector = await freePort();
  const child = spawn(
    process.execPath,
    [WRANGLER, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector), '--persist-to', state, '--show-interactive-dev-session=false', '--log-level', 'warn', '--var', `INTEGRATIONS_KEY:${INTEGRATIONS_KEY}`, '--var', 'LOCAL_DEV:true', '--var', 'WEBHOOK_RETRY_BASE_SECONDS:1', '--test-scheduled', ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
    { cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited early:\n${log}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      kill(child);
      throw new Error(`wrangler dev did not answer /healthz within 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const w = {
    url,
    state,
    log: () => log,
    /** Runs the Cron Trigger once (wrangler dev --test-scheduled), as Cloudflare would. */
    async cron() {
      const r = await fetch(`${url}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
      if (!r.ok) throw new Error(`cron: ${r.status} ${await r.text()}`);
    },
    /** Runs SQL against the Worker's local D1 (admin path, as scripts/ do). */
    async sql(text) {
      const file = join(state, `exec-${Date.now()}-${Math.random().toString(16).slice(2)}.sql`);
      writeFileSync(file, text);
      try {
        const { stdout } = await wrangler(['d1', 'execute', 'viatrack', '--local', '--persist-to', state, '--file', file, '--json']);
        return JSON.parse(stdout);
      } catch (e) {
        throw new Error(`wrangler d1 execute failed:\n${e.stdout}\n${e.stderr}`);
      }
    },
    /** Creates a program; returns { programId, publishableKey, secretKey } (all scopes). */
    async createProgram(opts = {}) {
      const p = programSql({ name: opts.name ?? 'test program', ...opts });
      await w.sql(p.sql);
      return p;
    },
    /** Adds a secret key with only `scopes` to a program; returns the key. */
    async addSecretKey(programId, scopes) {
      const key = newKey('secret');
      await w.sql(keySql({ programId, kind: 'secret', key, scopes }));
      return key;
    },
    async stop() {
      kill(child);
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(state, { recursive: true, force: true });
    },
  };
  return w;
}

function kill(child) {
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
}

/** The demo program's keys (scripts/seed-demo.mjs: public, for local use only). */
export const DEMO = {
  publishableKey: 'pk_demo1234567890abcdef1234567890',
  secretKey: 'sk_demo1234567890abcdef1234567890abcdef12',
};

/**
 * A Worker with the demo program seeded (its links point at the Worker's own origin), for
 * the end-to-end tests: { w, api } with `api` a client on the demo secret key.
 */
export async function startDemoWorker() {
  const w = await startWorker();
  await run(process.execPath, ['scripts/seed-demo.mjs', '--persist-to', w.state, '--quiet'], {
    cwd: ROOT,
    env: { ...process.env, DEMO_ORIGIN: w.url },
  });
  return { w, api: client(w.url, DEMO.secretKey) };
}

/**
 * A small API client bound to a key: api.get(path), api.post(path, body), … → { status, body, headers }.
 * Bodies that are strings are sent as they are (for malformed-JSON tests). A header given as
 * `undefined` is not sent (e.g. `{ Origin: undefined }` on a browser-like client).
 */
export function client(base, key, extraHeaders = {}) {
  const call = async (method, path, body, headers = {}) => {
    const h = Object.fromEntries(Object.entries({ ...extraHeaders, ...headers }).filter(([, v]) => v !== undefined));
    if (key) h.Authorization = `Bearer ${key}`;
    let payload;
    if (body !== undefined) {
      h['Content-Type'] ??= 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(base + path, { method, headers: h, body: payload });
    const text = await r.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: r.status, body: parsed, headers: r.headers };
  };
  return {
    get: (p, h) => call('GET', p, undefined, h),
    post: (p, b, h) => call('POST', p, b, h),
    patch: (p, b, h) => call('PATCH', p, b, h),
    delete: (p, h) => call('DELETE', p, undefined, h),
    call,
  };
}

/** A desktop browser's user agent (the Worker does not record known bots). */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * Creates a campaign, an affiliate and a link through the REST API with a secret key.
 * Returns { campaign, affiliate, link }.
 */
export async function seedLink(api, { token = `t${Math.random().toString(36).slice(2, 10)}`, campaign = {}, affiliate = {} } = {}) {
  const c = await api.post('/v1/campaigns', { name: 'Campaign', cookie_duration: 60, attribution: 'last_click', ...campaign });
  if (c.status !== 201) throw new Error(`campaign: ${c.status} ${JSON.stringify(c.body)}`);
  const a = await api.post('/v1/affiliates', { email: `${newId('a')}@example.com`, first_name: 'James', last_name: 'Bond', campaign_id: c.body.data.id, ...affiliate });
  if (a.status !== 201) throw new Error(`affiliate: ${a.status} ${JSON.stringify(a.body)}`);
  const l = await api.post('/v1/links', { token, affiliate_id: a.body.data.id, destination_url: 'https://shop.example.com/' });
  if (l.status !== 201) throw new Error(`link: ${l.status} ${JSON.stringify(l.body)}`);
  return { campaign: c.body.data, affiliate: a.body.data, link: l.body.data };
}
