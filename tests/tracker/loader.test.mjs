// Browser tests of the loader (www/viatrack.js): the call queue, consent, a module that
// cannot load, and robustness: nothing thrown into the page on bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, WASM } from './server.mjs';
import { ready, cookies } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';
import { testPage } from './pages.mjs';

const A = 'aff_' + 'a'.repeat(32);
let server;

before(async () => {
  server = await startServer({ links: { jb007: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60 } } });
  server.page('/t.html', testPage());
});
after(async () => {
  await server?.close();
});

forEachEngine((engine) => {
  // Runs before the loader: queues calls and records what each saw and when it ran.
  const QUEUE_CALLS = `
  window.log = {};
  viatrack('ready', function () { log.ready1 = { at: Date.now(), referral: viatrack.referral }; });
  var p = viatrack('convert', { email: 'early@example.com' });
  if (p && p.then) p.then(function (r) { log.convert = r && r.status; });
  viatrack('ready', function () { log.ready2 = { at: Date.now() }; });
  log.queued = (viatrack.q || []).length;
  `;

  /**
   * Calls made before the module has loaded (the wasm is slowed down by 400 ms) are kept and
   * run after load, in order, after the page's click has been applied: the first ready
   * callback already sees the referral, the lead report reaches the Worker after it and
   * before the second ready callback runs. With the promise-returning stub the page gets
   * convert's answer; with the field's plain snippet the call still runs; without a
   * snippet, calls made after the loader has run wait in the loader's own chain.
   */
  test('queued calls run after load, in order', async () => {
    server.delay(`/${WASM}`, 400);
    try {
      for (const snippet of ['promise', 'plain', 'none']) {
        const before = snippet === 'none' ? '' : QUEUE_CALLS;
        // Without a snippet the page calls once the loader has run (window load: async
        // scripts have run, the module is still loading).
        const body = snippet === 'none'
          ? `<script>addEventListener('load', function () {${QUEUE_CALLS}});</script>`
          : '';
        server.page(`/queue-${snippet}.html`, testPage({ snippet, before, body }));
        const page = await engine.open();
        await page.goto(`${server.url}/queue-${snippet}.html?via=jb007`);
        await page.waitForFunction(() => window.log && window.log.ready2);
        const log = await page.evaluate(() => window.log);
        const ref = await page.evaluate(() => viatrack.referral);
        assert.match(ref, /^ref_/);
        assert.equal(log.queued, snippet === 'none' ? 0 : 3, `${snippet}: the calls were queued by the snippet`);
        assert.equal(log.ready1.referral, ref, `${snippet}: the click was applied before queued calls`);
        const lead = server.tracking('/v1/track/lead').find((r) => r.json?.email === 'early@example.com');
        assert.ok(lead, `${snippet}: the queued convert ran`);
        assert.equal(lead.json.click_id, ref);
        assert.ok(log.ready1.at <= lead.at && lead.at <= log.ready2.at, `${snippet}: in order ${JSON.stringify(log)} ${lead.at}`);
        if (snippet !== 'plain') assert.equal(log.convert, 'lead', `${snippet}: convert's promise resolved`);
        lead.json.email = 'seen'; // so the next round finds its own lead
        server.leads.delete('early@example.com');
        assert.deepEqual(page.problems, [], snippet);
        await page.close();
      }
    } finally {
      server.delay(`/${WASM}`, 0);
    }
  });

  /**
   * When the module cannot be loaded (a wrong data-wasm URL, or a browser without
   * WebAssembly such as iOS in Lockdown Mode), the page is unaffected: ready callbacks still
   * run, convert resolves null, referral/affiliate read null, nothing is thrown.
   */
  for (const [name, attrs, init] of [
    ['a wrong data-wasm URL', { wasm: '/missing.wasm' }, null],
    ['no WebAssembly', {}, () => { delete window.WebAssembly; }],
  ]) test(`module failing to load (${name}): the API still answers`, async () => {
    server.page('/nowasm.html', testPage({ attrs, before: QUEUE_CALLS }));
    const page = await engine.open();
    if (init) await page.addInitScript(init);
    await page.goto(`${server.url}/nowasm.html?via=jb007`);
    await page.waitForFunction(() => window.log && window.log.ready2 && 'convert' in window.log);
    const log = await page.evaluate(() => window.log);
    assert.equal(log.ready1.referral, null);
    assert.equal(log.convert, null);
    assert.deepEqual(await page.evaluate(() => [viatrack.referral, viatrack.affiliate]), [null, null]);
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'x@example.com' })), null);
    assert.deepEqual(await page.evaluate(() => viatrack('consent', true)), undefined);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * data-consent-required: nothing is stored (no cookies, no localStorage) or sent before
   * viatrack('consent', true); then the page's click is reported and kept. consent(false)
   * deletes the cookies and stops reporting.
   */
  test('consent required: nothing before consent', async () => {
    server.page('/consent.html', testPage({ attrs: { 'consent-required': true } }));
    const page = await engine.open();
    const before = server.tracking().length;
    const clicks = server.tracking('/v1/track/click').length;
    await page.goto(`${server.url}/consent.html?via=jb007`);
    await ready(page);
    assert.equal(server.tracking().length, before, 'nothing sent');
    assert.deepEqual(await cookies(page), {}, 'nothing stored');
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'a@example.com' })), null);

    await page.evaluate(() => viatrack('consent', true));
    assert.equal(server.tracking('/v1/track/click').length, clicks + 1);
    const jar = await cookies(page);
    assert.ok(jar.viatrack_js && jar.viatrack_vid);

    await page.evaluate(() => viatrack('consent', false));
    assert.deepEqual(await cookies(page), {}, 'withdrawn: cookies deleted');
    const after = server.tracking().length;
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'b@example.com' })), null);
    assert.equal(server.tracking().length, after);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** `data-consent-required="false"` means not required. */
  test('consent-required="false" does not require consent', async () => {
    server.page('/noconsent.html', testPage({ attrs: { 'consent-required': 'false' } }));
    const page = await engine.open();
    await page.goto(`${server.url}/noconsent.html?via=jb007`);
    await ready(page);
    assert.match(await page.evaluate(() => viatrack.referral), /^ref_/);
    await page.close();
  });

  // The page's own script, which must keep working whatever the tracker meets.
  const PAGE_SCRIPT = `<p id="own">page script did not run</p>
  <script>document.getElementById('own').textContent = 'page works';</script>`;

  /**
   * Hostile locations (`?via=` with markup, 500 characters, `;`, broken escapes, a NUL, a
   * hostile fragment): the page works, no cookie is set, no click is recorded, nothing is
   * thrown or logged as an error. The loader's fast path validates nothing: it may send the
   * value once, which the Worker refuses; the module then sends no report of its own.
   */
  test('hostile locations: page works, nothing captured, nothing thrown', async () => {
    server.page('/h.html', testPage({ body: PAGE_SCRIPT }));
    const queries = [
      '?via=%3Cscript%3Ealert(1)%3C/script%3E',
      '?via=<script>alert(1)</script>',
      `?via=${'a'.repeat(500)}`,
      '?via=;',
      '?via=jb007;%20Domain=evil.test',
      '?via=%E0%A4%A',
      '?via=%00',
      '?via=jb007%0d%0aSet-Cookie:x=1',
      '?via=&via=&&&=',
      '?via=jb007#"><img src=x onerror=alert(1)>',
    ];
    for (const q of queries) {
      const page = await engine.open();
      const before = server.tracking().length;
      const clicks = server.clicks.size;
      await page.goto(`${server.url}/h.html${q}`);
      await ready(page);
      assert.equal(await page.textContent('#own'), 'page works', q);
      const jar = await cookies(page);
      if (q.startsWith('?via=jb007#')) {
        // The token itself is valid; the fragment is just part of the reported URL.
        assert.ok(jar.viatrack_js, q);
      } else {
        assert.equal(jar.viatrack_js, undefined, q);
        const sent = server.tracking().slice(before);
        assert.ok(sent.length <= 1, `at most the loader's report for ${q}`);
        assert.equal(server.clicks.size, clicks, `no click recorded for ${q}`);
      }
      assert.deepEqual(Object.keys(jar).filter((k) => !k.startsWith('viatrack_')), [], `no foreign cookie: ${q}`);
      assert.deepEqual(page.problems, [], q);
      await page.close();
    }
  });

  /**
   * Storage that throws (storage disabled or blocked: reading `window.localStorage` throws a
   * SecurityError; or a full / private-mode store: `setItem` throws QuotaExceededError):
   * the page works and nothing is thrown into it; the click is still reported and kept in
   * the cookie, and convert still makes the lead (only the retry queue is lost).
   */
  for (const [name, init] of [
    ['reading localStorage throws', () => {
      Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });
    }],
    ['setItem throws', () => {
      Storage.prototype.setItem = function () { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
    }],
  ]) test(`storage throwing (${name}): page works, click and lead still made`, async () => {
    server.page('/storage.html', testPage({ body: PAGE_SCRIPT }));
    const page = await engine.open();
    await page.addInitScript(init);
    const clicks = server.tracking('/v1/track/click').length;
    await page.goto(`${server.url}/storage.html?via=jb007`);
    await ready(page);
    assert.equal(await page.textContent('#own'), 'page works');
    assert.equal(server.tracking('/v1/track/click').length, clicks + 1, 'the click is reported');
    const ref = await page.evaluate(() => viatrack.referral);
    assert.match(ref, /^ref_/);
    assert.equal((await cookies(page)).viatrack_js.value.split('.')[1], ref);
    const email = `storage-${name.split(' ')[0]}-${engine.name}@example.com`;
    assert.equal((await page.evaluate((email) => viatrack('convert', { email }), email))?.id, ref);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * A mangled referral cookie and visitor cookie: they are ignored (no referral; a fresh
   * visitor ID is made), the next click replaces them, nothing is thrown.
   */
  test('mangled cookies are ignored', async () => {
    server.page('/m.html', testPage({ body: PAGE_SCRIPT }));
    const page = await engine.open();
    await page.addCookies([
      { name: 'viatrack_js', value: '1.ref_zzz.aff_.%3Cb%3E.-1.q', url: server.url },
      { name: 'viatrack_vid', value: 'vis_<script>', url: server.url },
    ]);
    await page.goto(`${server.url}/m.html`);
    await ready(page);
    assert.equal(await page.textContent('#own'), 'page works');
    assert.deepEqual(await page.evaluate(() => [viatrack.referral, viatrack.affiliate]), [null, null]);
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'm@example.com' })), null);
    const before = server.tracking().length;
    await page.goto(`${server.url}/m.html?via=jb007`);
    await ready(page);
    const [r] = server.tracking().slice(before);
    assert.match(r.json.visitor_id, /^vis_[0-9a-f]{32}$/, 'a fresh visitor ID');
    assert.match(await page.evaluate(() => viatrack.referral), /^ref_/);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * The Worker answers garbage (HTML with status 200, a success envelope with wrong types,
   * a 500, a 404): no cookie from a bad answer, the page works, nothing is thrown.
   */
  test('garbage and errors from the Worker: nothing thrown', async () => {
    server.page('/g.html', testPage({ body: PAGE_SCRIPT }));
    for (const mode of ['garbage', 'garbage-json', 500, 404]) {
      const page = await engine.open();
      server.fail(mode);
      await page.goto(`${server.url}/g.html?via=jb007`);
      await ready(page);
      assert.equal(await page.textContent('#own'), 'page works', String(mode));
      assert.equal(await page.evaluate(() => viatrack.referral), null, String(mode));
      server.fail(mode);
      assert.equal(await page.evaluate(() => viatrack('convert', { email: 'g@example.com' })), null);
      assert.deepEqual(page.problems, [], String(mode));
      await page.close();
    }
  });

  /** Unknown commands and odd arguments are ignored; every call returns a promise. */
  test('odd calls are harmless', async () => {
    const page = await engine.open();
    await page.goto(`${server.url}/t.html`);
    await ready(page);
    const results = await page.evaluate(async () => {
      const calls = [viatrack(), viatrack('nope', 1), viatrack('ready'), viatrack('ready', 42), viatrack('consent'), viatrack('convert')];
      const thrower = viatrack('ready', () => {
        throw new Error('merchant callback failed');
      });
      return [...(await Promise.all(calls)), await thrower, typeof viatrack('ready', () => {}).then];
    });
    assert.deepEqual(results, [undefined, undefined, undefined, undefined, undefined, null, undefined, 'function']);
    // A throwing ready callback is the merchant's error: reported with console.error, not thrown.
    assert.deepEqual(page.problems.map((p) => p.split('\n')[0]), ['console.error: Error: merchant callback failed']);
    await page.close();
  });
});
