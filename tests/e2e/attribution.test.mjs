// Attribution that survives, end to end: the real Worker under `wrangler dev` (it serves the
// demo site, so it is first-party and sets its HttpOnly referral cookie), the real tracker,
// each browser engine (tests/lib/engines.mjs: Chromium, and WebKit with tracking prevention
// on). Each scenario is a way today's visitors lose a referral: they leave
// before the answer, they cross subdomains, Safari deletes script-set cookies, a signup gets
// no answer. Plus what an organic visitor must not pay, GPC and the URL clean-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemoWorker, DEMO, BROWSER_UA } from '../lib/worker.mjs';
import { ready, cookies, until } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';

const KEY = DEMO.publishableKey;
const JB007 = 'aff_00000000000000000000000000000001';

forEachEngine((engine) => {
  // A Worker per engine, freshly seeded: each engine runs the same visitors and signups.
  let w, api;
  before(async () => {
    ({ w, api } = await startDemoWorker());
    // The subdomain test browses blog.example.com and www.example.com (mapped to 127.0.0.1).
    for (const n of [1, 2]) {
      const r = await api.patch(`/v1/campaigns/cmp_${String(n).padStart(32, '0')}`, { allowed_hostnames: ['127.0.0.1', 'localhost', 'example.com'] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await w?.stop();
  });

  const visitor = (options = {}) => engine.open({ userAgent: BROWSER_UA, ...options });
  const visit = async (page, url) => {
    await page.goto(url.startsWith('http') ? url : w.url + url);
    await ready(page);
  };
  const clickIdIn = (cookie) => cookie.value.split('.')[1];
  /** The referrals (clicks) the Worker holds for a visitor ID. */
  const clicksOfVisitor = async (visitorId) =>
    (await api.get('/v1/referrals?limit=100')).body.data.filter((r) => r.visitor_id === visitorId);
  const convert = (page, email) => page.evaluate((email) => window.viatrack('convert', { email }), email);
  /**
   * Safari's cap, as a test can apply it: every cookie the script wrote and localStorage go;
   * what the Worker's answers set stays (the HttpOnly viatrack_ref and its script-readable
   * marker viatrack_on: a server-set cookie of the page's own site is not capped).
   */
  const safariCap = async (page) => {
    const kept = (await page.cookies()).filter((c) => c.httpOnly || c.name === 'viatrack_on');
    await page.clearCookies();
    await page.addCookies(kept);
    await page.evaluate(() => localStorage.clear());
  };
  /** A page of the site with only the tag (`attrs` added to it), no viatrack() call. */
  const tagPage = (page, path, attrs = '') =>
    page.route(path, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><html><head><script async src="/viatrack.js" data-key="${KEY}" ${attrs}></script></head><body><h1>plain</h1></body></html>`,
      }));

  /**
   * The visitor leaves the landing page after the click report has reached the Worker but
   * before its answer arrives (the answer is held back 300 ms, and the test navigates at
   * once), ten times. Every time: exactly one click for the visitor, not counted twice, and
   * the page's referral cookie after the next page view (the replayed report gets the same
   * click back). (In WebKit `goto` waits for the load event whatever `waitUntil` says; a
   * fetch does not hold that event back, so there too the page is left while the answer is
   * held.)
   */
  test('leaving before the click answer: one click and the cookie after the next page view, 10 of 10', async () => {
    let held = 0;
    for (let i = 0; i < 10; i++) {
      const page = await visitor();
      let reached;
      const recorded = new Promise((r) => { reached = r; });
      await page.route('/v1/track/click', async (route) => {
        const response = await route.fetch(); // the Worker records the click
        reached();
        await new Promise((r) => setTimeout(r, 300));
        await route.fulfill({ response }).catch(() => {}); // the page is gone by now
      });
      await page.goto(w.url + '/?via=jb007', { waitUntil: 'domcontentloaded' });
      await recorded;
      await page.goto(w.url + '/page2.html', { waitUntil: 'domcontentloaded' });
      await page.unroute('/v1/track/click');
      await ready(page);
      const jar = await until(async () => { const c = await cookies(page); return c.viatrack_js && c; }, 5000, 'the page cookie after the next page view');
      const clicks = await clicksOfVisitor(jar.viatrack_vid.value);
      assert.equal(clicks.length, 1, `try ${i}: one click`);
      assert.equal(clicks[0].visits, 1, `try ${i}: the replay is not a second visit`);
      assert.equal(clickIdIn(jar.viatrack_js), clicks[0].id, `try ${i}`);
      assert.equal(await page.textContent('#referral'), clicks[0].id, `try ${i}: viatrack.referral`);
      assert.equal(await page.evaluate(() => localStorage.getItem('viatrack_queue')), null, 'delivered: nothing queued');
      assert.deepEqual(page.problems, []);
      held++;
      await page.close();
    }
    assert.equal(held, 10);
  });

  /**
   * One person, two subdomains of one registrable domain (blog.example.com, then
   * www.example.com, through the same link): one visitor ID, one click with two visits, the
   * referral visible on both.
   */
  test('subdomains: one visitor, one click, the referral on both', async () => {
    const page = await visitor();
    const port = new URL(w.url).port;
    await visit(page, `http://blog.example.com:${port}/?via=jb007`);
    const first = await until(async () => { const c = await cookies(page); return c.viatrack_js && c; }, 5000, 'cookies on blog');
    for (const name of ['viatrack_js', 'viatrack_vid', 'viatrack_ref']) {
      assert.equal(first[name].domain, '.example.com', `${name} on the registrable domain`);
    }
    const visitorId = first.viatrack_vid.value;
    const days = (first.viatrack_vid.expires * 1000 - Date.now()) / 86400e3;
    assert.ok(days > 59.9 && days <= 60, `the visitor cookie lasts the campaign's cookie duration (${days})`);
    const onBlog = await page.evaluate(() => window.viatrack.referral);
    await visit(page, `http://www.example.com:${port}/?via=jb007`);
    const clicks = await until(async () => { const c = await clicksOfVisitor(visitorId); return c[0]?.visits === 2 && c; }, 5000, 'visits = 2');
    assert.equal(clicks.length, 1, 'one click');
    assert.equal((await cookies(page)).viatrack_vid.value, visitorId, 'one visitor ID');
    assert.equal(onBlog, clicks[0].id);
    assert.equal(await page.evaluate(() => window.viatrack.referral), clicks[0].id, 'the referral on www too');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * Safari deleted the script-set cookies and storage; the Worker's HttpOnly cookie is left.
   * The next page view restores `viatrack.referral` from it, and `convert` credits the right
   * affiliate.
   */
  test('Safari case: only the HttpOnly cookie left, the lead is still credited', async () => {
    const page = await visitor();
    await visit(page, '/?via=jb007');
    const clickId = clickIdIn(await until(async () => (await cookies(page)).viatrack_js, 5000, 'cookie'));
    await safariCap(page);
    assert.deepEqual(Object.keys(await cookies(page)).sort(), ['viatrack_on', 'viatrack_ref']);
    await visit(page, '/page2.html');
    assert.equal(await page.evaluate(() => window.viatrack.referral), clickId, 'restored for client_reference_id');
    assert.equal(await page.textContent('#referral'), clickId);
    const referral = await convert(page, 'safari@example.com');
    assert.equal(referral?.id, clickId);
    assert.equal(referral.affiliate_id, JB007);
    const listed = (await api.get('/v1/referrals?email=safari@example.com')).body.data;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, 'lead');
    assert.equal(listed[0].link.token, 'jb007');
    assert.deepEqual(page.problems, []);
    await page.close();

    // The same with convert as the first call on a page with nothing else: it loads the
    // tracker, which restores the referral from the Worker's cookie before the lead goes.
    const other = await visitor();
    await visit(other, '/?via=jb007');
    const otherId = clickIdIn(await until(async () => (await cookies(other)).viatrack_js, 5000, 'cookie'));
    await safariCap(other);
    await tagPage(other, '/plain.html');
    await other.goto(w.url + '/plain.html');
    await other.waitForFunction(() => typeof window.viatrack === 'function');
    assert.equal((await convert(other, 'safari2@example.com'))?.id, otherId);
    assert.equal(await other.evaluate(() => window.viatrack.referral), otherId);
    assert.deepEqual(other.problems, []);
    await other.close();
  });

  /**
   * An organic page view (no token, no viatrack cookie, nothing queued, no viatrack() call):
   * no request beyond the page and the loader, no cookie, no storage write.
   */
  test('organic page view: no request, no cookie, no storage write', async () => {
    const page = await visitor();
    await tagPage(page, '/organic.html');
    await page.addInitScript(() => {
      window.__writes = 0;
      for (const m of ['setItem', 'removeItem', 'clear']) {
        const f = Storage.prototype[m];
        Storage.prototype[m] = function (...a) { window.__writes++; return f.apply(this, a); };
      }
    });
    await page.goto(w.url + '/organic.html?utm_source=news');
    await page.networkIdle();
    await page.waitForFunction(() => typeof window.viatrack === 'function');
    // WebKit (MiniBrowser) also asks for /favicon.ico on its own, as every desktop browser
    // with a tab strip does; headless Chromium does not. That request is the browser's, not
    // the tracker's, so it is left out in WebKit only.
    const requests = page.engine === 'webkit' ? page.requests.filter((p) => p !== '/favicon.ico') : page.requests;
    assert.deepEqual(requests, ['/organic.html', '/viatrack.js']);
    assert.deepEqual(await page.cookies(), []);
    assert.equal(await page.evaluate(() => window.__writes + localStorage.length), 0);
    assert.equal(await page.evaluate(() => window.viatrack.referral), null);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * The Worker decides with its HttpOnly cookie by the same rule as the page: after Safari's
   * cap, a first-click campaign keeps the first link (the answer hands it back to the page),
   * a last-click campaign moves to the newer link.
   */
  test('first-click and last-click through the server cookie', async () => {
    for (const [first, second, winner] of [['q-branch', 'm-office', 'q-branch'], ['jb007', 'other', 'other']]) {
      const page = await visitor();
      await visit(page, `/?via=${first}`);
      const firstId = clickIdIn(await until(async () => (await cookies(page)).viatrack_js, 5000, 'cookie'));
      await safariCap(page);
      await visit(page, `/?via=${second}`);
      const jar = await until(async () => { const c = await cookies(page); return c.viatrack_js && c; }, 5000, 'cookie');
      const clicks = await clicksOfVisitor(jar.viatrack_vid.value);
      const secondId = clicks.find((c) => c.link.token === second)?.id;
      assert.ok(secondId, `the ${second} click is recorded either way`);
      const want = winner === first ? firstId : secondId;
      assert.equal(clickIdIn(jar.viatrack_ref), want, `${first} → ${second}: server cookie`);
      assert.equal(clickIdIn(jar.viatrack_js), want, `${first} → ${second}: page cookie agrees`);
      const email = `${first}-${second}@example.com`;
      assert.equal((await convert(page, email))?.id, want);
      assert.equal((await api.get(`/v1/referrals?email=${email}`)).body.data[0].link.token, winner);
      assert.deepEqual(page.problems, []);
      await page.close();
    }
  });

  /** A signup whose lead gets no answer is delivered on the next page view, once. */
  test('a lead without an answer is delivered on the next page view, once', async () => {
    for (const fail of ['abort', 503, 429]) {
      const page = await visitor();
      await visit(page, '/?via=jb007');
      const clickId = clickIdIn(await until(async () => (await cookies(page)).viatrack_js, 5000, 'cookie'));
      let failed = 0;
      await page.route('/v1/track/lead', (route) => {
        failed++;
        return fail === 'abort' ? route.abort() : route.fulfill({ status: fail, contentType: 'application/json', body: '{"success":false}' });
      });
      const email = `lead-${fail}@example.com`;
      assert.equal(await convert(page, email), null, 'no answer: null for now');
      assert.equal(failed, 1);
      assert.equal((await api.get(`/v1/referrals/${clickId}`)).body.data.status, 'click');
      await page.unroute('/v1/track/lead');
      await visit(page, '/page2.html');
      const r = await until(async () => { const x = (await api.get(`/v1/referrals/${clickId}`)).body.data; return x.status === 'lead' && x; }, 5000, 'lead delivered');
      assert.equal(r.email, email);
      await until(async () => (await page.evaluate(() => localStorage.getItem('viatrack_queue'))) === null, 5000, 'queue emptied');
      const leadAt = r.became_lead_at;
      await visit(page, '/');
      assert.equal((await api.get(`/v1/referrals/${clickId}`)).body.data.became_lead_at, leadAt, 'once');
      assert.deepEqual(page.problems.filter((p) => !/ERR_CONNECTION_REFUSED|503|429/.test(p)), [], String(fail));
      await page.close();
    }
  });

  /** Global Privacy Control counts as consent not given (nothing stored or sent), unless the tag says data-gpc="ignore". */
  test('GPC: honoured by default, ignorable by the tag', async () => {
    for (const [attrs, tracked] of [['', false], ['data-gpc="ignore"', true]]) {
      const page = await visitor();
      await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
      await tagPage(page, '/gpc.html', attrs);
      await page.goto(w.url + '/gpc.html?via=jb007');
      if (tracked) {
        await until(async () => (await cookies(page)).viatrack_js, 5000, 'tracked with data-gpc=ignore');
      } else {
        await page.networkIdle();
        await new Promise((r) => setTimeout(r, 300));
        assert.deepEqual(page.requests.filter((p) => p.includes('/v1/')), []);
        assert.deepEqual(await page.cookies(), []);
        assert.equal(await page.evaluate(() => localStorage.length), 0);
        // The site's own consent banner can still opt in.
        await page.evaluate(() => window.viatrack('consent', true));
        await until(async () => (await cookies(page)).viatrack_js, 5000, 'tracked after consent(true)');
      }
      assert.deepEqual(page.problems, []);
      await page.close();
    }
  });

  /** data-clean-url: after capture the token leaves the address bar; other parameters and the fragment stay. */
  test('clean URL: the token parameter is removed, the rest kept', async () => {
    const page = await visitor();
    await tagPage(page, '/clean.html', 'data-clean-url');
    await page.goto(w.url + '/clean.html?utm_source=news&via=jb007&b=a%20b#plans');
    await until(async () => (await cookies(page)).viatrack_js, 5000, 'cookie');
    assert.equal(await page.url(), `${w.url}/clean.html?utm_source=news&b=a%20b#plans`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
