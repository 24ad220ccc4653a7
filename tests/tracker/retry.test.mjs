// Browser tests of the delivery queue: a click report is kept in localStorage from before it
// is sent until it is answered, and a failed one is delivered on the next page load, once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, freePort } from './server.mjs';
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
  const queued = (page) => page.evaluate(() => localStorage.getItem('viatrack_queue'));

  /**
   * The Worker answers 503: no cookie, the report waits in localStorage. The next page load
   * (without a token) sends the same report — same body, same visitor ID — once; the Worker
   * records one click and the referral cookie is set from its answer. Later loads send
   * nothing more.
   */
  test('a 503 report is delivered once on the next load', async () => {
    const page = await engine.open();
    const before = server.tracking('/v1/track/click').length;
    server.fail(503);
    await page.goto(`${server.url}/t.html?via=jb007`);
    await ready(page);
    assert.equal(await page.evaluate(() => viatrack.referral), null);
    const line = await queued(page);
    assert.match(line, /^\d+ c \{"token":"jb007",.*"visitor_id":"vis_[0-9a-f]{32}","report_id":"rpt_[0-9a-f]{32}"\}$/);
    const clicksBefore = server.clicks.size;

    await page.goto(`${server.url}/t.html`);
    await ready(page);
    const reports = server.tracking('/v1/track/click').slice(before);
    assert.equal(reports.length, 2, 'the failed attempt and one replay');
    assert.equal(reports[1].body, reports[0].body, 'the same report');
    assert.equal(reports[1].answered, 'ok');
    assert.equal(server.clicks.size, clicksBefore + 1, 'the Worker recorded it once');
    assert.equal(await queued(page), null, 'queue emptied');
    const ref = await page.evaluate(() => viatrack.referral);
    assert.ok(server.clicks.has(ref), 'the cookie holds the replayed click');
    assert.equal((await cookies(page)).viatrack_vid.value, reports[0].json.visitor_id);

    await page.goto(`${server.url}/t.html`);
    await ready(page);
    await page.reload();
    await ready(page);
    assert.equal(server.tracking('/v1/track/click').length, before + 2, 'nothing sent again');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * The Worker is down (nothing listens on the API origin) when the page loads; the report
   * is delivered on the next visit once it is back.
   */
  test('a report made while the Worker is down is delivered on the next visit', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    server.page('/down.html', testPage({ attrs: { api: dead } }));
    const page = await engine.open();
    await page.goto(`${server.url}/down.html?via=jb007`);
    await ready(page);
    assert.match(await queued(page), /"token":"jb007"/);
    const before = server.tracking('/v1/track/click').length;
    await page.goto(`${server.url}/t.html`);
    await ready(page);
    const replays = server.tracking('/v1/track/click').slice(before);
    assert.equal(replays.length, 1);
    assert.equal(replays[0].json.url, `${server.url}/down.html?via=jb007`, 'the original page URL');
    assert.match(await page.evaluate(() => viatrack.referral), /^ref_/);
    assert.equal(await queued(page), null);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * 429 and 5xx are retried, 4xx are not: a report for an unknown link (404) is dropped.
   * A report that fails again on replay stays queued (once).
   */
  test('which failures are retried', async () => {
    const page = await engine.open();
    server.fail(429);
    await page.goto(`${server.url}/t.html?via=jb007`);
    await ready(page);
    assert.ok(await queued(page), '429 is retried');
    server.fail(500);
    await page.goto(`${server.url}/t.html`);
    await ready(page);
    const again = await queued(page);
    assert.equal(again.split('\n').length, 1, 'still one report');
    await page.goto(`${server.url}/t.html`);
    await ready(page);
    assert.equal(await queued(page), null, 'delivered on the third load');

    await page.goto(`${server.url}/t.html?via=unknown`);
    await ready(page);
    assert.equal(server.tracking('/v1/track/click').at(-1).json.token, 'unknown');
    assert.equal(await queued(page), null, '404 is not retried');
    await page.close();
  });

  /**
   * A Worker that accepts the request and never answers: the tracker gives up after its
   * timeout (10 s), queues the report, and ready still fires.
   */
  test('a hung report times out and is queued', { timeout: 40_000 }, async () => {
    const page = await engine.open();
    server.fail('hang');
    const t0 = Date.now();
    await page.goto(`${server.url}/t.html?via=jb007`);
    await ready(page);
    const waited = Date.now() - t0;
    assert.ok(waited >= 9000 && waited < 20000, `ready after ${waited} ms`);
    assert.match(await queued(page), /"token":"jb007"/);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
