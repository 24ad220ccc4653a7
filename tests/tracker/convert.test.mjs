// Browser tests of viatrack('convert') and of the demo merchant site (www/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, KEY, WASM } from './server.mjs';
import { ready } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';
import { testPage } from './pages.mjs';

const A = 'aff_' + 'a'.repeat(32);

forEachEngine((engine) => {
  // A server per engine: leads are one per email, and each engine signs up the same people.
  let server;
  before(async () => {
    server = await startServer({ links: { jb007: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60 } } });
    server.page('/t.html', testPage());
  });
  after(async () => {
    await server?.close();
  });

  /** Opens a page through ?via=jb007 and returns it with its referral (click ID). */
  async function referred() {
    const page = await engine.open();
    await page.goto(`${server.url}/t.html?via=jb007`);
    await ready(page);
    const ref = await page.evaluate(() => viatrack.referral);
    assert.match(ref, /^ref_[0-9a-f]{32}$/);
    return { page, ref };
  }

  /**
   * convert posts `{click_id, email, name, customer_id, metadata}` — the held click and
   * exactly the fields given — to `/v1/track/lead` with the publishable key, and resolves
   * the Worker's referral object.
   */
  test('convert sends the lead and resolves the referral', async () => {
    const { page, ref } = await referred();
    const before = server.tracking('/v1/track/lead').length;
    const result = await page.evaluate(() =>
      viatrack('convert', { email: 'bond@mi6.example', name: 'James Bond', customer_id: 'cus_007', metadata: { plan: 'pro', seats: 2 } }));
    const [r] = server.tracking('/v1/track/lead').slice(before);
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, {
      click_id: ref,
      email: 'bond@mi6.example',
      name: 'James Bond',
      customer_id: 'cus_007',
      metadata: { plan: 'pro', seats: 2 },
    });
    assert.equal(result.id, ref);
    assert.equal(result.status, 'lead');
    assert.equal(result.email, 'bond@mi6.example');
    assert.equal(result.affiliate_id, A);

    // Only the given fields: no name, no customer_id, no metadata, nothing undefined.
    const before2 = server.tracking('/v1/track/lead').length;
    const second = await page.evaluate(() => viatrack('convert', { email: 'm@mi6.example', name: undefined, metadata: null }));
    assert.deepEqual(server.tracking('/v1/track/lead').slice(before2)[0].json, { click_id: ref, email: 'm@mi6.example' });
    assert.equal(second.email, 'm@mi6.example');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * Without a referral cookie, convert resolves null. With the API on another site it sends
   * nothing; on the page's own site (where the Worker may hold its HttpOnly cookie) it sends
   * the lead without a click ID and the Worker answers that there is no referral.
   */
  test('convert without a referral resolves null without a request', async () => {
    server.page('/cross-convert.html', testPage({ attrs: { api: server.url } }));
    const cross = await engine.open();
    await cross.goto(`${server.origin('www.shop.test')}/cross-convert.html`);
    await ready(cross);
    let before = server.requests.length;
    assert.equal(await cross.evaluate(() => viatrack('convert', { email: 'nobody@example.com' })), null);
    assert.deepEqual(
      server.requests.slice(before).map((r) => r.path),
      [`/${WASM}`],
      'another site: the module (convert loads it), no request to the Worker',
    );
    assert.deepEqual(cross.problems, []);
    await cross.close();

    const same = await engine.open();
    await same.goto(`${server.url}/t.html`);
    await ready(same);
    before = server.tracking().length;
    assert.equal(await same.evaluate(() => viatrack('convert', { email: 'nobody@example.com' })), null);
    assert.deepEqual(server.tracking().slice(before).map((r) => r.json), [{ email: 'nobody@example.com' }], 'same site: the Worker decides');
    assert.deepEqual(same.problems, []);
    await same.close();
  });

  /**
   * Every non-success resolves null and nothing throws: a 409 (email already referred), a
   * notice (click unknown to the Worker), a 503, a garbage body, missing or bad arguments. A
   * repeated lead with the same email is answered the same (the Worker is idempotent).
   */
  test('convert resolves null on errors, notices and bad arguments', async () => {
    const { page, ref } = await referred();
    server.leads.set('dup@example.com', { id: `ref_${'0'.repeat(32)}` });
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'dup@example.com' })), null, '409: another referral has this email');
    assert.equal((await page.evaluate(() => viatrack('convert', { email: 'once@example.com' }))).id, ref);
    assert.equal((await page.evaluate(() => viatrack('convert', { email: 'once@example.com' }))).id, ref, 'a repeat is answered the same');
    server.fail(503);
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'a@example.com' })), null, '503');
    server.fail('garbage');
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'b@example.com' })), null, 'garbage');
    for (const bad of ['undefined', 'null', '42', '"x"', '{}', '{ email: 7 }', '{ email: "not-an-email" }']) {
      assert.equal(await page.evaluate(`viatrack('convert', ${bad})`), null, bad);
    }
    // A click the Worker does not know (its store was reset): a notice.
    server.clicks.clear();
    assert.equal(await page.evaluate(() => viatrack('convert', { email: 'c@example.com' })), null, 'notice');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * The demo landing page: the "referred by" banner shows the affiliate's token, and the
   * signup form calls convert and shows the referral as JSON; without a referral it shows
   * "no referral".
   */
  test('demo: landing page banner and signup form', async () => {
    {
      const page = await engine.open();
      await page.goto(`${server.url}/?via=jb007`);
      await ready(page);
      assert.equal(await page.isVisible('#banner'), true);
      assert.equal(await page.textContent('#affiliate'), 'jb007');
      await page.fill('input[name=email]', 'demo@example.com');
      await page.fill('input[name=name]', 'Demo User');
      await page.click('button[type=submit]');
      await page.waitForFunction(() => document.getElementById('result').textContent.startsWith('{'));
      const shown = JSON.parse(await page.textContent('#result'));
      const ref = await page.evaluate(() => viatrack.referral);
      assert.equal(shown.id, ref);
      assert.equal(shown.status, 'lead');
      assert.equal(shown.email, 'demo@example.com');
      assert.equal(server.leads.get('demo@example.com').name, 'Demo User');
      assert.deepEqual(page.problems, []);
      await page.close();
    }
    {
      const page = await engine.open();
      await page.goto(`${server.url}/`);
      await ready(page);
      assert.equal(await page.isVisible('#banner'), false);
      await page.fill('input[name=email]', 'plain@example.com');
      await page.click('button[type=submit]');
      await page.waitForFunction(() => document.getElementById('result').textContent === 'no referral');
      assert.deepEqual(page.problems, []);
      await page.close();
    }
  });

  /**
   * The demo's second page shows the same referral after navigation (no new click), and
   * the pricing page's checkout link carries it as client_reference_id (absent without one).
   */
  test('demo: second page and pricing link', async () => {
    const page = await engine.open();
    await page.goto(`${server.url}/pricing.html`);
    await ready(page);
    assert.equal(new URL(await page.getAttribute('#checkout', 'href')).searchParams.has('client_reference_id'), false);

    await page.goto(`${server.url}/?via=jb007`);
    await ready(page);
    const ref = await page.evaluate(() => viatrack.referral);
    const clicks = server.tracking('/v1/track/click').length;
    await page.click('nav a[href="page2.html"]');
    await page.waitForFunction(() => location.pathname === '/page2.html');
    await ready(page);
    await page.waitForFunction(() => document.getElementById('referral').textContent !== '…');
    assert.equal(await page.textContent('#referral'), ref);
    await page.click('nav a[href="pricing.html"]');
    await page.waitForFunction(() => location.pathname === '/pricing.html');
    await ready(page);
    await page.waitForFunction(() => document.getElementById('checkout').href.includes('client_reference_id'));
    const href = new URL(await page.getAttribute('#checkout', 'href'));
    assert.equal(href.searchParams.get('client_reference_id'), ref);
    assert.equal(server.tracking('/v1/track/click').length, clicks, 'navigation reports no new click');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
