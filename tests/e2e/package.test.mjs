// The npm package (packages/viatrack) as an app developer uses it: `npm pack`, install the
// tarball into a scratch app, bundle the app with esbuild, and run it in Chromium against the
// real Worker under `wrangler dev`, served first-party (the app's server forwards
// /_viatrack/* to the Worker, as a Workers route on the merchant's zone does). Also: the
// package's types with `tsc --noEmit` (a correct usage passes, a wrong one fails), and its
// contents (no runtime dependency; the wasm is not in it, it comes from the Worker).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { build } from 'esbuild';
import { startWorker, client, seedLink, freePort, ROOT, BROWSER_UA } from '../lib/worker.mjs';
import { launch } from '../lib/browser.mjs';

/** The page's cookies by name, HttpOnly ones too. */
const cookies = async (page) => Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c]));

const run = promisify(execFile);
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
let w, p, api, dir, app, server, origin, packed;

before(async () => {
  assert.ok(existsSync(join(ROOT, 'packages/viatrack/dist/index.js')), 'packages/viatrack/dist is missing: run `make build-tracker`');
  w = await startWorker();
  p = await w.createProgram({ name: 'package' });
  api = client(w.url, p.secretKey);
  await seedLink(api, { token: 'pkg007' });

  dir = mkdtempSync(join(tmpdir(), 'viatrack-package-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir, join(ROOT, 'packages/viatrack')], { env: NPM_ENV });
  packed = JSON.parse(stdout)[0];
  app = join(dir, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-save', '--loglevel=error', join(dir, packed.filename)], { cwd: app, env: NPM_ENV });

  writeFileSync(
    join(app, 'main.js'),
    `import { init, convert, referral, affiliate, ready, consent } from 'viatrack';
// A call made before init waits for it (as the tag's snippet queue does). Only on a referred
// view: any call loads the module, and the organic view must load nothing.
if (new URLSearchParams(location.search).has('via')) window.early = ready().then(() => referral());
init({ key: ${JSON.stringify(p.publishableKey)} });
window.app = { convert, referral, affiliate, ready, consent };
`,
  );
  await build({ absWorkingDir: app, entryPoints: ['main.js'], bundle: true, format: 'iife', outfile: join(app, 'bundle.js'), logLevel: 'warning' });
  writeFileSync(join(app, 'index.html'), '<!doctype html><meta charset="utf-8"><title>scratch app</title><h1>Scratch app</h1><script src="/bundle.js"></script>');

  // The app's own server: its files, and /_viatrack/* forwarded to the Worker.
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  server = createServer(async (req, res) => {
    try {
      if (req.url.startsWith('/_viatrack/')) {
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const headers = { ...req.headers };
        delete headers.host;
        const r = await fetch(w.url + req.url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
        const out = {};
        r.headers.forEach((v, k) => { if (k !== 'set-cookie' && k !== 'content-encoding' && k !== 'content-length') out[k] = v; });
        const setCookie = r.headers.getSetCookie();
        if (setCookie.length) out['set-cookie'] = setCookie;
        res.writeHead(r.status, out);
        res.end(Buffer.from(await r.arrayBuffer()));
        return;
      }
      const file = new URL(req.url, origin).pathname === '/bundle.js' ? 'bundle.js' : 'index.html';
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(join(app, file)));
    } catch (e) {
      res.writeHead(502);
      res.end(String(e));
    }
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
});

after(async () => {
  server?.close();
  await w?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball: the ES module, its types, no runtime dependency, no wasm', () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ['README.md', 'dist/index.js', 'dist/viatrack.d.ts', 'index.d.ts', 'package.json']);
  const manifest = JSON.parse(readFileSync(join(app, 'node_modules/viatrack/package.json'), 'utf8'));
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.type, 'module');
  console.log(`npm package: ${packed.filename}, ${packed.size} B packed, ${packed.unpackedSize} B unpacked`);
});

test('types: tsc --noEmit passes a correct usage and fails a wrong one', async () => {
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2022', 'dom'], skipLibCheck: false }, files: ['usage.ts'] }),
  );
  writeFileSync(
    join(app, 'usage.ts'),
    `import { init, convert, referral, affiliate, consent, ready, type ViatrackReferral } from 'viatrack';
init({ key: 'pk_x', api: 'https://track.example.com/', params: ['via', 'ref'], consentRequired: true, cleanUrl: true });
const r: ViatrackReferral | null = await convert({ email: 'a@example.com', name: 'A', metadata: { plan: 'pro' } });
const id: string | null = referral();
const token: string | undefined = affiliate()?.token;
await consent(true);
await ready();
export { r, id, token };
`,
  );
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  const good = await run(tsc, ['-p', app]).catch((e) => e);
  assert.equal(good.code ?? 0, 0, `${good.stdout}${good.stderr}`);
  writeFileSync(join(app, 'usage.ts'), `import { convert, init } from 'viatrack';\ninit({ api: '/x' });\nconvert({ name: 'no email' });\n`);
  const bad = await run(tsc, ['-p', app]).catch((e) => e);
  assert.notEqual(bad.code ?? 0, 0, 'tsc accepted a call without key and a lead without email');
  assert.match(`${bad.stdout}`, /key/);
  assert.match(`${bad.stdout}`, /email/);
});

test('bundled app in Chromium: capture, cookie, referral and affiliate, convert → lead', async () => {
  const browser = await launch();
  try {
    // Headless Chromium's own user agent is a known bot's, which the Worker does not record.
    const page = await browser.newPage({ userAgent: BROWSER_UA });
    await page.goto(`${origin}/?via=pkg007`);
    await page.waitForFunction(() => window.app);
    await page.evaluate(() => window.app.ready());
    const jar = await cookies(page);
    assert.ok(jar.viatrack_js, `page cookie missing: ${Object.keys(jar)}`);
    assert.ok(jar.viatrack_ref?.httpOnly, 'first-party HttpOnly cookie missing');
    const referral = await page.evaluate(() => window.app.referral());
    assert.match(referral, /^ref_[0-9a-f]{32}$/);
    assert.equal(await page.evaluate(() => window.early), referral, 'a ready() made before init resolved after the capture');
    const affiliate = await page.evaluate(() => window.app.affiliate());
    assert.equal(affiliate.token, 'pkg007');
    const click = await api.get(`/v1/referrals/${referral}`);
    assert.equal(click.status, 200);
    assert.equal(click.body.data.status, 'click');

    const lead = await page.evaluate(() => window.app.convert({ email: 'Package.Buyer@Example.com', name: 'Package Buyer' }));
    assert.equal(lead.id, referral);
    assert.equal(lead.status, 'lead');
    const stored = await api.get(`/v1/referrals/${referral}`);
    assert.equal(stored.body.data.status, 'lead');
    assert.equal(stored.body.data.email, 'package.buyer@example.com');
  } finally {
    await browser.close();
  }
});

test('bundled app, organic view: no wasm fetched, no cookie set', async () => {
  const browser = await launch();
  try {
    const page = await browser.newPage({ userAgent: BROWSER_UA });
    const requests = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.app);
    assert.equal(await page.evaluate(() => window.app.referral()), null);
    assert.deepEqual(requests.filter((r) => r.startsWith('/_viatrack/')), []);
    assert.deepEqual(Object.keys(await cookies(page)).filter((n) => n.startsWith('viatrack')), []);
  } finally {
    await browser.close();
  }
});
