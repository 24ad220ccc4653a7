// Browser tests of the tracker's cookies: attributes, lifetime, domain, attribution, in each
// engine. Host names *.shop.test are mapped to the local server (tests/lib/engines.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { ready, cookies } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';
import { testPage } from './pages.mjs';

const A = 'aff_' + 'a'.repeat(32);
const B = 'aff_' + 'b'.repeat(32);
const C = 'aff_' + 'c'.repeat(32);
const LINKS = {
  jb007: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60 },
  other: { affiliate_id: B, attribution: 'last_click', cookie_duration: 30 },
  firsty: { affiliate_id: C, attribution: 'first_click', cookie_duration: 90 },
  shared: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60, cookie_domain: 'shop.test' },
  foreign: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60, cookie_domain: 'elsewhere.test' },
  brief: { affiliate_id: B, attribution: 'last_click', cookie_duration: 1, ttl: 2 },
};
let server;

before(async () => {
  server = await startServer({ links: LINKS });
  server.page('/c.html', testPage());
  server.page('/override.html', testPage({ attrs: { 'cookie-domain': 'shop.test' } }));
});
after(async () => {
  await server?.close();
});

forEachEngine((engine) => {
  const days = (n) => n * 86400;

  /**
   * The referral cookie after a click: its value is the core crate's encoding
   * (`1.<click>.<affiliate>.<token>.<expires_at s>.<l|f>`), it lives `expires_in` seconds
   * (Max-Age), `Path=/`, `SameSite=Lax`, not `Secure` on http, host-only without a
   * `cookie_domain`. The visitor cookie, written from the same answer, has the same
   * attributes and lifetime (the campaign's cookie duration).
   */
  test('referral and visitor cookie attributes', async () => {
    const page = await engine.open();
    await page.goto(`${server.url}/c.html?via=jb007`);
    await ready(page);
    const now = Date.now() / 1000;
    const { viatrack_js: ref, viatrack_vid: vid } = await cookies(page);
    const click = [...server.clicks.values()].find((c) => c.click_id === ref.value.split('.')[1]);
    assert.ok(click, `cookie names a recorded click: ${ref.value}`);
    const expiresAt = Math.floor(click.expires_at / 1000);
    const [version, clickId, affiliateId, token, exp, attribution] = ref.value.split('.');
    assert.deepEqual([version, clickId, affiliateId, token, attribution], ['1', click.click_id, A, 'jb007', 'l']);
    assert.ok(Math.abs(Number(exp) - expiresAt) <= 2, `${exp} vs ${expiresAt}`);
    assert.ok(Math.abs(ref.expires - (now + days(60))) <= 5, `Max-Age 60 days: ${ref.expires - now}`);
    for (const c of [ref, vid]) {
      assert.equal(c.path, '/');
      assert.equal(c.sameSite, 'Lax');
      assert.equal(c.secure, false);
      assert.equal(c.httpOnly, false);
      assert.equal(c.domain, '127.0.0.1', 'host-only');
    }
    assert.ok(Math.abs(vid.expires - (now + days(60))) <= 5, 'the visitor cookie lasts the cookie duration');
    assert.equal(vid.value, click.visitor_id);
    await page.close();
  });

  /**
   * With the Worker's `cookie_domain` the cookie is set on that domain, so a visit on
   * www.shop.test is seen on app.shop.test; `data-cookie-domain` does the same without it.
   */
  test('cookie domain from the Worker and from data-cookie-domain', async () => {
    for (const [path, token] of [['/c.html', 'shared'], ['/override.html', 'jb007']]) {
      const page = await engine.open();
      await page.goto(`${server.origin('www.shop.test')}${path}?via=${token}`);
      await ready(page);
      const ref = await page.evaluate(() => viatrack.referral);
      assert.match(ref, /^ref_/, path);
      const jar = await cookies(page);
      assert.equal(jar.viatrack_js.domain, '.shop.test', path);
      await page.goto(`${server.origin('app.shop.test')}/c.html`);
      await ready(page);
      assert.equal(await page.evaluate(() => viatrack.referral), ref, `${path}: seen on another subdomain`);
      await page.close();
    }
  });

  /** A `cookie_domain` the page cannot set (not a parent of its host) falls back to host-only. */
  test('unusable cookie domain falls back to host-only', async () => {
    const page = await engine.open();
    await page.goto(`${server.origin('www.shop.test')}/c.html?via=foreign`);
    await ready(page);
    assert.match(await page.evaluate(() => viatrack.referral), /^ref_/);
    assert.equal((await cookies(page)).viatrack_js.domain, 'www.shop.test');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** On an https page both cookies are `Secure`. */
  test('Secure on https', async () => {
    const tls = await startServer({ links: LINKS, https: true });
    try {
      tls.page('/s.html', testPage());
      const page = await engine.open({ ignoreHTTPSErrors: true });
      await page.goto(`${tls.origin('www.shop.test')}/s.html?via=jb007`);
      await ready(page);
      const jar = await cookies(page);
      assert.equal(jar.viatrack_js.secure, true);
      assert.equal(jar.viatrack_vid.secure, true);
      assert.equal(jar.viatrack_js.sameSite, 'Lax');
      await page.close();
    } finally {
      await tls.close();
    }
  });

  /**
   * A campaign whose click lives 2 seconds: the cookie is gone once they have passed
   * (the browser drops it), and a signup after that names no click and resolves null (on
   * the API's own site the lead goes without a click ID, for the Worker's cookie to decide).
   */
  test('a short-lived click expires with its cookie', async () => {
    const page = await engine.open();
    await page.goto(`${server.url}/c.html?via=brief`);
    await ready(page);
    assert.match(await page.evaluate(() => viatrack.referral), /^ref_/);
    assert.ok((await cookies(page)).viatrack_js);
    // Chromium drops the cookie on time. WebKit (libsoup's cookie jar) compares expiry in
    // whole seconds and keeps a cookie through the second after its expiry, so there it may
    // outlive its Max-Age by up to 1 s: wait that second more.
    await new Promise((r) => setTimeout(r, page.engine === 'webkit' ? 3600 : 2600));
    assert.equal((await cookies(page)).viatrack_js, undefined);
    const leads = server.tracking('/v1/track/lead').length;
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'late@example.com' })), null);
    assert.deepEqual(server.tracking('/v1/track/lead').slice(leads).map((r) => r.json.click_id), [undefined], 'no click named');
    await page.close();
  });

  /**
   * An expired referral (its value's expiry has passed although the browser still keeps
   * the cookie, e.g. a clock moved on) is not used: no referral, no lead.
   */
  test('a cookie whose value has expired is not used', async () => {
    const page = await engine.open();
    const past = Math.floor(Date.now() / 1000) - 60;
    await page.addCookies([{
      name: 'viatrack_js',
      value: `1.ref_${'1'.repeat(32)}.${A}.jb007.${past}.f`,
      url: server.url,
      expires: past + 86400,
    }]);
    await page.goto(`${server.url}/c.html`);
    await ready(page);
    assert.deepEqual(await page.evaluate(() => [viatrack.referral, viatrack.affiliate]), [null, null]);
    const leads = server.tracking('/v1/track/lead').length;
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'x@example.com' })), null);
    assert.deepEqual(server.tracking('/v1/track/lead').slice(leads).map((r) => r.json.click_id), [undefined], 'no click named');
    // And a first-click value that has expired does not keep the credit from a new link.
    await page.goto(`${server.url}/c.html?via=other`);
    await ready(page);
    assert.deepEqual(await page.evaluate(() => viatrack.affiliate), { id: B, token: 'other' });
    await page.close();
  });

  /**
   * Attribution is decided by the held referral's campaign: after a last-click link, a
   * second link takes the credit; after a first-click link, it does not (though the second
   * click is still reported to the Worker).
   */
  test('last-click replaces, first-click keeps', async () => {
    {
      const page = await engine.open();
      await page.goto(`${server.url}/c.html?via=jb007`);
      await ready(page);
      const first = await page.evaluate(() => viatrack.referral);
      await page.goto(`${server.url}/c.html?via=other`);
      await ready(page);
      const second = await page.evaluate(() => viatrack.referral);
      assert.notEqual(second, first);
      assert.equal(server.clicks.get(second).token, 'other');
      assert.deepEqual(await page.evaluate(() => viatrack.affiliate), { id: B, token: 'other' });
      await page.close();
    }
    {
      const page = await engine.open();
      await page.goto(`${server.url}/c.html?via=firsty`);
      await ready(page);
      const held = await page.evaluate(() => viatrack.referral);
      const before = server.tracking('/v1/track/click').length;
      await page.goto(`${server.url}/c.html?via=other`);
      await ready(page);
      assert.equal(server.tracking('/v1/track/click').length, before + 1, 'the second click is reported');
      assert.equal(await page.evaluate(() => viatrack.referral), held, 'first click keeps the credit');
      assert.deepEqual(await page.evaluate(() => viatrack.affiliate), { id: C, token: 'firsty' });
      await page.close();
    }
  });
});
