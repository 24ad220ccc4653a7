// Browser tests of the tracker's capture and click report, in each engine (tests/lib/engines.mjs):
// the browser loads test pages from the local stand-in Worker (server.mjs), which records each report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, KEY } from './server.mjs';
import { ready, cookies } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';
import { testPage } from './pages.mjs';

const A = 'aff_' + 'a'.repeat(32);
const B = 'aff_' + 'b'.repeat(32);
let server;

before(async () => {
  server = await startServer({
    links: {
      jb007: { affiliate_id: A, attribution: 'last_click', cookie_duration: 60 },
      partner: { affiliate_id: B, attribution: 'last_click', cookie_duration: 30 },
    },
  });
});
after(async () => {
  await server?.close();
});

forEachEngine((engine) => {
  /** Records the arguments of every fetch the page makes (a spy: the real fetch still runs). */
  const SPY = () => {
    const real = window.fetch;
    window.__fetches = [];
    window.fetch = function (url, init) {
      window.__fetches.push({ url: String(url), method: init?.method, keepalive: init?.keepalive, signal: !!init?.signal, credentials: init?.credentials });
      return real.apply(this, arguments);
    };
  };

  /**
   * A visit through `?via=JB007` reports one click: `POST /v1/track/click` with
   * `Content-Type: application/json`, `Authorization: Bearer <data-key>`, `keepalive`, and
   * exactly `{token, url, referrer, visitor_id, report_id}` — the token normalised, the page
   * URL, the referring page, the visitor ID that is also in the `viatrack_vid` cookie once
   * answered, and the report's own ID. Same-site, so it carries the visitor's cookies.
   */
  test('click report: body, headers and keepalive', async () => {
    server.page('/from.html', '<!doctype html><a id="go" href="/landing.html?via=JB007&utm=x">go</a>');
    server.page('/landing.html', testPage());
    const page = await engine.open();
    await page.addInitScript(SPY);
    const before = server.tracking().length;
    await page.goto(`${server.url}/from.html`);
    await page.click('#go');
    await page.waitForFunction(() => location.pathname === '/landing.html');
    await ready(page);

    const reports = server.tracking().slice(before);
    assert.equal(reports.length, 1);
    const r = reports[0];
    assert.equal(r.path, '/v1/track/click');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(Object.keys(r.json), ['token', 'url', 'referrer', 'visitor_id', 'report_id']);
    assert.match(r.json.report_id, /^rpt_[0-9a-f]{32}$/);
    assert.equal(r.json.token, 'jb007');
    assert.equal(r.json.url, `${server.url}/landing.html?via=JB007&utm=x`);
    assert.equal(r.json.referrer, `${server.url}/from.html`);
    assert.match(r.json.visitor_id, /^vis_[0-9a-f]{32}$/);
    assert.equal((await cookies(page)).viatrack_vid.value, r.json.visitor_id);

    const fetches = await page.evaluate(() => window.__fetches.filter((f) => f.url.includes('/v1/')));
    assert.deepEqual(fetches, [{ url: `${server.url}/v1/track/click`, method: 'POST', keepalive: true, signal: true, credentials: 'include' }]);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * A page without a referrer leaves `referrer` out, and a visit without a token reports
   * nothing.
   */
  test('no referrer field without a referrer; no report without a token', async () => {
    server.page('/plain.html', testPage());
    const page = await engine.open();
    let before = server.tracking().length;
    await page.goto(`${server.url}/plain.html?via=partner`);
    await ready(page);
    const [r] = server.tracking().slice(before);
    assert.deepEqual(Object.keys(r.json), ['token', 'url', 'visitor_id', 'report_id']);

    before = server.tracking().length;
    await page.goto(`${server.url}/plain.html?utm_source=x`);
    await ready(page);
    assert.equal(server.tracking().length, before, 'no token, no report');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * A repeat visit through the same link reports again with the same visitor ID; the Worker
   * returns the same click (visits 2) and the referral cookie keeps that click.
   */
  test('repeat visit: same visitor, same click, visits incremented', async () => {
    server.page('/repeat.html', testPage());
    const page = await engine.open();
    const before = server.tracking().length;
    await page.goto(`${server.url}/repeat.html?via=jb007`);
    await ready(page);
    const first = await page.evaluate(() => viatrack.referral);
    await page.goto(`${server.url}/repeat.html?via=jb007`);
    await ready(page);
    const reports = server.tracking().slice(before);
    assert.equal(reports.length, 2);
    assert.equal(reports[0].json.visitor_id, reports[1].json.visitor_id);
    assert.equal(server.clicks.get(first).visits, 2);
    assert.equal(await page.evaluate(() => viatrack.referral), first);
    await page.close();
  });

  /**
   * `data-params="via,ref,aff"`: each parameter is read; the first configured one with a
   * valid token wins regardless of URL order; an invalid token is skipped quietly.
   */
  test('configured parameters and their precedence', async () => {
    server.page('/params.html', testPage({ attrs: { params: 'via,ref,aff' } }));
    const cases = [
      ['?aff=jb007', 'jb007'],
      ['?ref=partner&via=jb007', 'jb007'],
      ['?aff=jb007&ref=partner', 'partner'],
      ['?via=bad%21token&ref=Partner', 'partner'],
    ];
    for (const [query, token] of cases) {
      const page = await engine.open();
      const before = server.tracking().length;
      await page.goto(`${server.url}/params.html${query}`);
      await ready(page);
      const reports = server.tracking().slice(before);
      // The loader's fast path sends the first non-empty value (bad%21token), which the
      // Worker refuses; the module then sends the first valid one with the same report ID.
      assert.equal(reports.length, query.startsWith('?via=bad') ? 2 : 1, query);
      assert.equal(new Set(reports.map((r) => r.json.report_id)).size, 1, `${query}: one report ID`);
      assert.equal(reports.at(-1).json.token, token, query);
      assert.deepEqual(page.problems, [], query);
      await page.close();
    }
  });

  /** A page URL over 2048 bytes is reported as origin + path, which the Worker accepts. */
  test('long page URL is cut to origin and path', async () => {
    server.page('/long.html', testPage());
    const page = await engine.open();
    const before = server.tracking().length;
    await page.goto(`${server.url}/long.html?via=jb007&pad=${'x'.repeat(3000)}`);
    await ready(page);
    // The loader's fast path sends location.href as it is (the Worker refuses it: over 2,048
    // bytes); the module then sends origin + path with the same report ID.
    const reports = server.tracking().slice(before);
    assert.equal(reports.length, 2);
    assert.equal(reports[1].json.url, `${server.url}/long.html`);
    assert.equal(reports[1].json.report_id, reports[0].json.report_id);
    assert.ok(await page.evaluate(() => viatrack.referral), 'the click was recorded and kept');
    await page.close();
  });

  /**
   * `data-api` sends the reports to another origin (a CORS request with a preflight, as
   * to a Worker on its own hostname); the cookie is still the page's own. Another site: the
   * reports carry no cookies.
   */
  test('data-api: reports cross-origin', async () => {
    server.page('/cross.html', testPage({ attrs: { api: server.url } }));
    const page = await engine.open();
    const before = server.tracking().length;
    await page.goto(`${server.origin('www.shop.test')}/cross.html?via=jb007`);
    await ready(page);
    const [r] = server.tracking().slice(before);
    assert.equal(r.host, `127.0.0.1:${server.port}`);
    assert.equal(r.headers.origin, server.origin('www.shop.test'));
    const ref = await page.evaluate(() => viatrack.referral);
    assert.match(ref, /^ref_[0-9a-f]{32}$/);
    assert.equal((await cookies(page)).viatrack_js.domain, 'www.shop.test');
    assert.equal(r.headers.cookie, undefined);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /** The loader-level API reflects the answer: referral is the click ID, affiliate {id, token}. */
  test('viatrack.referral and viatrack.affiliate', async () => {
    server.page('/props.html', testPage());
    const page = await engine.open();
    await page.goto(`${server.url}/props.html`);
    await ready(page);
    assert.deepEqual(await page.evaluate(() => [viatrack.referral, viatrack.affiliate]), [null, null]);
    await page.goto(`${server.url}/props.html?via=partner`);
    await ready(page);
    const [ref, aff] = await page.evaluate(() => [viatrack.referral, viatrack.affiliate]);
    assert.ok(server.clicks.has(ref));
    assert.deepEqual(aff, { id: B, token: 'partner' });
    await page.close();
  });
});
