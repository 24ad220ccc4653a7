// End to end: the demo merchant site served by the real Worker under `wrangler dev` (local
// D1 and KV, seeded with the demo program), the real tracker, in each browser engine
// (tests/lib/engines.mjs: headless Debian Chromium, and WebKit with tracking prevention on).
// Each scenario is what a merchant asks: "if someone lands on my site through ?via=jb007 and
// signs up later, does James Bond get the referral?"
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoWorker, BROWSER_UA, ROOT } from '../lib/worker.mjs';
import { ready, cookies, until } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';

forEachEngine((engine) => {
  // A Worker per engine, freshly seeded: each engine runs the same visitors and signups.
  let w, api;
  before(async () => {
    ({ w, api } = await startDemoWorker());
  });
  after(async () => {
    await w?.stop();
  });

  /** A visitor: own cookies and storage, an ordinary (not headless) browser user agent. */
  const visitor = () => engine.open({ userAgent: BROWSER_UA });
  const visit = async (page, path) => {
    await page.goto(w.url + path);
    await ready(page);
  };
  const clicksOf = async (token) => {
    const all = (await api.get('/v1/referrals?limit=100')).body.data;
    return all.filter((r) => r.link?.token === token);
  };
  // The page's referral cookie (script-written, readable by the page); the Worker's HttpOnly
  // copy is viatrack_ref.
  const refCookie = async (page) => (await cookies(page)).viatrack_js;
  const clickIdIn = (cookie) => cookie.value.split('.')[1];
  const signUp = async (page, email, name) => {
    await page.fill('input[name=email]', email);
    await page.fill('input[name=name]', name);
    await page.click('button[type=submit]');
    await until(async () => !(await page.textContent('#result')).startsWith('Signing up'), 10_000, 'signup result');
    return page.textContent('#result');
  };

  /**
   * The whole story for jb007: the landing visit sets the cookie and records one click; other
   * pages keep the same referral without new clicks; a second ?via=jb007 visit is the same
   * referral with visits + 1; the signup makes it a lead with the email; a sale posted with the
   * secret key makes it a conversion, once per invoice.
   */
  test('jb007: click, navigation, repeat visit, signup, sale', async () => {
    const page = await visitor();
    await visit(page, '/?via=jb007');
    const cookie = await until(() => refCookie(page), 5000, 'referral cookie');
    assert.equal(cookie.domain, '127.0.0.1', 'host-only on an IP address');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, false, 'http page');
    const days = (cookie.expires * 1000 - Date.now()) / 86400e3;
    assert.ok(days > 59.9 && days <= 60, `cookie lifetime ${days} days`);
    const clickId = clickIdIn(cookie);
    const server = (await cookies(page)).viatrack_ref;
    assert.ok(server, 'the Worker serves this site: it set its own cookie too');
    assert.equal(server.httpOnly, true);
    // The same referral in both; the page's expiry is its own clock + expires_in, so within 2 s.
    const [sv, pv] = [server.value.split('.'), cookie.value.split('.')];
    assert.deepEqual([...sv.slice(0, 4), sv[5]], [...pv.slice(0, 4), pv[5]], 'the same referral in both');
    assert.ok(Math.abs(Number(sv[4]) - Number(pv[4])) <= 2);
    assert.equal(await page.evaluate(() => document.cookie.includes('viatrack_ref=')), false, 'not readable by the page');
    let clicks = await clicksOf('jb007');
    assert.equal(clicks.length, 1);
    assert.equal(clicks[0].id, clickId);
    assert.equal(clicks[0].status, 'click');
    assert.equal(await page.textContent('#affiliate'), 'jb007', 'referred-by banner');

    await visit(page, '/page2.html');
    assert.equal(await page.textContent('#referral'), clickId);
    await visit(page, '/');
    assert.equal(clickIdIn(await refCookie(page)), clickId);
    assert.equal((await clicksOf('jb007')).length, 1, 'navigation records no click');

    await visit(page, '/?via=jb007');
    assert.equal(clickIdIn(await refCookie(page)), clickId);
    clicks = await until(async () => { const c = await clicksOf('jb007'); return c[0]?.visits === 2 && c; }, 5000, 'visits = 2');
    assert.equal(clicks.length, 1);

    const result = JSON.parse(await signUp(page, 'fred@example.com', 'Fred Durst'));
    assert.equal(result.id, clickId);
    assert.equal(result.status, 'lead');
    assert.equal(result.token, 'jb007');
    assert.equal(result.affiliate, undefined, 'the page is not told the affiliate\'s details');
    const listed = await api.get('/v1/referrals?email=fred@example.com');
    assert.equal(listed.body.pagination.total_count, 1);
    const lead = listed.body.data[0];
    assert.equal(lead.id, clickId);
    assert.equal(lead.status, 'lead');
    assert.equal(lead.name, 'Fred Durst');
    assert.equal(lead.link.token, 'jb007');
    assert.equal(lead.affiliate.first_name, 'James');
    assert.ok(lead.became_lead_at);
    mkdirSync(join(ROOT, 'build/screenshots'), { recursive: true });
    await page.screenshot(join(ROOT, `build/screenshots/demo-signup${engine.name === 'chromium' ? '' : `-${engine.name}`}.png`));

    await visit(page, '/pricing.html');
    const href = await page.getAttribute('#checkout', 'href');
    assert.equal(new URL(href, w.url).searchParams.get('client_reference_id'), clickId);

    const sale = { click_id: clickId, amount: 4900, currency: 'usd', invoice_id: 'in_e2e_1' };
    const s1 = await api.post('/v1/track/sale', sale);
    assert.equal(s1.status, 200);
    assert.equal(s1.body.data.referral.status, 'customer');
    assert.equal(s1.body.data.referral.conversion_state, 'conversion');
    const s2 = await api.post('/v1/track/sale', sale);
    assert.deepEqual(s2.body.data.sale, s1.body.data.sale);
    const after = (await api.get(`/v1/referrals/${clickId}`)).body.data;
    assert.equal(after.became_conversion_at, s1.body.data.referral.became_conversion_at);
    assert.equal(after.link.conversions, 1);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** Last-click campaign: ?via=other after jb007 moves the credit to Eve's link. */
  test('last-click: the newer link gets the credit', async () => {
    const page = await visitor();
    await visit(page, '/?via=jb007');
    const first = clickIdIn(await until(() => refCookie(page), 5000, 'cookie'));
    await visit(page, '/?via=other');
    const second = clickIdIn(await until(async () => { const c = await refCookie(page); return c && clickIdIn(c) !== first && c; }, 5000, 'cookie replaced'));
    assert.notEqual(second, first);
    const result = JSON.parse(await signUp(page, 'last@example.com', 'Last Click'));
    assert.equal(result.id, second);
    const r = (await api.get('/v1/referrals?email=last@example.com')).body.data[0];
    assert.equal(r.link.token, 'other');
    assert.equal(r.affiliate.first_name, 'Eve');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** First-click campaign: ?via=m-office after q-branch leaves the credit with Q. */
  test('first-click: the first link keeps the credit', async () => {
    const page = await visitor();
    await visit(page, '/?via=q-branch');
    const first = clickIdIn(await until(() => refCookie(page), 5000, 'cookie'));
    const days = ((await refCookie(page)).expires * 1000 - Date.now()) / 86400e3;
    assert.ok(days > 29.9 && days <= 30, 'the campaign cookie duration (30 days)');
    await visit(page, '/?via=m-office');
    await until(async () => (await clicksOf('m-office')).length === 1, 5000, 'm-office click recorded');
    assert.equal(clickIdIn(await refCookie(page)), first);
    const result = JSON.parse(await signUp(page, 'first@example.com', 'First Click'));
    assert.equal(result.id, first);
    assert.equal((await api.get('/v1/referrals?email=first@example.com')).body.data[0].link.token, 'q-branch');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** A visitor whose click has expired signs up: no referral is created, the page says so. */
  test('expired click: no referral', async () => {
    const page = await visitor();
    await visit(page, '/?via=jb007');
    const clickId = clickIdIn(await until(() => refCookie(page), 5000, 'cookie'));
    await w.sql(`UPDATE referrals SET created_at = '2025-01-01T00:00:00.000Z', expires_at = '2025-03-02T00:00:00.000Z' WHERE id = '${clickId}'`);
    assert.equal(await signUp(page, 'late@example.com', 'Late'), 'no referral');
    assert.equal((await api.get('/v1/referrals?email=late@example.com')).body.pagination.total_count, 0);
    assert.equal((await api.get(`/v1/referrals/${clickId}`)).body.data.status, 'click');
    assert.deepEqual(page.problems, []);
    await page.close();
    // and a visitor without any referral: convert resolves null, nothing is created
    const other = await visitor();
    await visit(other, '/');
    assert.equal(await signUp(other, 'direct@example.com', 'Direct'), 'no referral');
    assert.equal((await api.get('/v1/referrals?email=direct@example.com')).body.pagination.total_count, 0);
    assert.deepEqual(other.problems, []);
    await other.close();
  });

  /** Garbage in ?via= never breaks the page and records nothing. */
  test('garbage tokens: page works, no cookie, no click', async () => {
    const before = (await api.get('/v1/referrals?limit=1')).body.pagination.total_count;
    for (const via of ['<script>alert(1)</script>', 'x'.repeat(500), 'jb007;', '; Path=/; Domain=evil', '%00', '"\'`']) {
      const page = await visitor();
      await visit(page, `/?via=${encodeURIComponent(via)}`);
      assert.equal(await page.textContent('h1'), 'Acme Widgets');
      assert.equal(await page.evaluate(() => window.viatrack.referral), null);
      assert.equal((await refCookie(page)), undefined, via);
      assert.deepEqual(page.problems, [], via);
      await page.close();
    }
    assert.equal((await api.get('/v1/referrals?limit=1')).body.pagination.total_count, before);
  });

  /** The Worker is unreachable when the visitor lands: the click is delivered once on the next visit. */
  test('worker down at landing: delivered once later', async () => {
    const page = await visitor();
    const token = 'jb007';
    const before = (await clicksOf(token)).length;
    await page.route('/v1/track/click', (route) => route.abort());
    await visit(page, `/?via=${token}`);
    assert.equal(await refCookie(page), undefined, 'no answer, no cookie yet');
    assert.equal((await clicksOf(token)).length, before);
    await page.unroute('/v1/track/click');
    await visit(page, '/page2.html');
    const cookie = await until(() => refCookie(page), 5000, 'cookie after retry');
    await until(async () => (await clicksOf(token)).length === before + 1, 5000, 'click delivered');
    await visit(page, '/');
    await visit(page, '/page2.html');
    const clicks = await clicksOf(token);
    assert.equal(clicks.length, before + 1, 'delivered exactly once');
    assert.ok(clicks.some((c) => c.id === clickIdIn(cookie)));
    assert.deepEqual(page.problems.filter((p) => !p.includes('ERR_CONNECTION_REFUSED')), []);
    await page.close();
  });

  /** The click report leaves the page soon after navigation starts (figure in `make bench`). */
  test('the click report is sent during page load', async () => {
    const page = await visitor();
    await visit(page, '/?via=jb007');
    const sent = await page.evaluate(() => performance.getEntriesByType('resource').find((e) => e.name.endsWith('/v1/track/click'))?.startTime);
    assert.equal(typeof sent, 'number');
    assert.ok(sent > 0);
    await page.close();
  });
});
