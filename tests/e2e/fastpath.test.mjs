// The loader's fast path and what an organic or hostile page must not pay, end to end: the
// real Worker under `wrangler dev` (it serves the demo site, so it is first-party and sets its
// HttpOnly referral cookie and the marker next to it), the real loader and wasm module, each
// browser engine (tests/lib/engines.mjs). Issue 30.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startDemoWorker, DEMO, BROWSER_UA } from '../lib/worker.mjs';
import { ready, cookies, until } from '../lib/browser.mjs';
import { forEachEngine } from '../lib/engines.mjs';

const KEY = DEMO.publishableKey;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

forEachEngine((engine) => {
  let w, api;
  before(async () => {
    ({ w, api } = await startDemoWorker());
    for (const n of [1, 2]) {
      const r = await api.patch(`/v1/campaigns/cmp_${String(n).padStart(32, '0')}`, { allowed_hostnames: ['127.0.0.1', 'localhost', 'example.com'] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await w?.stop();
  });

  const visitor = () => engine.open({ userAgent: BROWSER_UA });
  const clickIdIn = (cookie) => cookie.value.split('.')[1];
  /** Every referral (click) the Worker holds. */
  const allClicks = async () => (await api.get('/v1/referrals?limit=100')).body.data;
  const clicksOfVisitor = async (visitorId) => (await allClicks()).filter((r) => r.visitor_id === visitorId);
  const jarWith = (page, name) =>
    until(async () => { const c = await cookies(page); return c[name] && c; }, 15000, `the ${name} cookie`);
  /** Serves `html` at `path` on whatever host the page browses. */
  const serve = (page, path, html) =>
    page.route(path, (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><html><head>${html}</head><body><h1>test</h1></body></html>` }));
  /** Holds the wasm back `ms` before the Worker's answer is passed on. */
  const slowWasm = (page, ms) =>
    page.route('.wasm', async (route) => {
      const response = await route.fetch();
      await sleep(ms);
      await route.fulfill({ response }).catch(() => {});
    });
  const clickReports = (page) => page.requests.filter((p) => p === '/v1/track/click');

  /**
   * A referred view: the click report leaves before the wasm is fetched (the request order
   * the browser saw), the module adopts the loader's report (no second report), and the
   * Worker has one click with one visit, the cookie set from the loader's answer.
   */
  test('fast path: the click report leaves before the wasm is fetched, once', async () => {
    const page = await visitor();
    await page.goto(w.url + '/?via=jb007');
    await ready(page);
    const jar = await jarWith(page, 'viatrack_js');
    // The order the page started them in (resource timing: a proxy may see them arrive in
    // another order on two connections).
    const started = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((e) => /\/v1\/track\/click$|\.wasm$/.test(e.name))
        .map((e) => [new URL(e.name).pathname.endsWith('.wasm') ? '.wasm' : new URL(e.name).pathname, e.startTime]),
    );
    assert.deepEqual(started.map(([p]) => p).sort(), ['.wasm', '/v1/track/click'], JSON.stringify(started));
    const at = Object.fromEntries(started);
    assert.ok(at['/v1/track/click'] <= at['.wasm'], `the click report first: ${JSON.stringify(started)}`);
    const clicks = await clicksOfVisitor(jar.viatrack_vid.value);
    assert.equal(clicks.length, 1);
    assert.equal(clicks[0].visits, 1);
    assert.equal(clickIdIn(jar.viatrack_js), clicks[0].id);
    assert.equal(jar.viatrack_on?.value, '1', 'the marker next to the server cookie');
    assert.equal(jar.viatrack_on.httpOnly, false);
    assert.equal(await page.evaluate(() => localStorage.getItem('viatrack_queue')), null, 'answered: nothing queued');
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * A token the Worker refuses (too long, bad characters): the loader sends it as it is, the
   * Worker records nothing, and the module sends no report of its own (no second report with
   * a new report ID); nothing stays queued.
   */
  test('a refused token: nothing recorded, no second report', async () => {
    for (const token of ['a'.repeat(200), 'bad!token', '%3Cscript%3E']) {
      const before = (await allClicks()).length;
      const page = await visitor();
      await page.goto(`${w.url}/?via=${token}`);
      await ready(page);
      await page.networkIdle();
      assert.equal(clickReports(page).length, 1, `${token}: the loader's report only`);
      assert.equal((await allClicks()).length, before, `${token}: nothing recorded`);
      assert.equal((await cookies(page)).viatrack_js, undefined);
      assert.equal(await page.evaluate(() => localStorage.getItem('viatrack_queue')), null, `${token}: nothing queued`);
      assert.deepEqual(page.problems.filter((p) => !/400/.test(p)), [], token);
      await page.close();
    }
  });

  /**
   * The loader's report and the module's disagree for one view (the page rewrites its URL to
   * another link before the module starts): the module replaces the queued line and sends its
   * own report with the same report ID, and the Worker records exactly one click with one visit.
   */
  test('a loader report and a wasm report for the same view: one click, one visit', async () => {
    const page = await visitor();
    await slowWasm(page, 300);
    await serve(
      page,
      '/rewrite.html',
      `<script src="/viatrack.js" data-key="${KEY}"></script><script>history.replaceState(null, '', '/rewrite.html?via=other')</script>`,
    );
    await page.goto(w.url + '/rewrite.html?via=jb007');
    await ready(page);
    const jar = await jarWith(page, 'viatrack_js');
    assert.equal(clickReports(page).length, 2, "the loader's report and the module's");
    const clicks = await clicksOfVisitor(jar.viatrack_vid.value);
    assert.equal(clicks.length, 1, 'one click');
    assert.equal(clicks[0].visits, 1, 'one visit');
    assert.equal(clickIdIn(jar.viatrack_js), clicks[0].id);
    assert.equal(await page.evaluate(() => localStorage.getItem('viatrack_queue')), null);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  /**
   * The visitor leaves as soon as the page is parsed, before the wasm has arrived (it is held
   * back 1 s), ten times: every time exactly one click with one visit, and the page's cookie
   * after the next page view (which replays the queued line through the module).
   */
  test('leaving before the wasm arrives: one click and the cookie after the next view, 10 of 10', async () => {
    for (let i = 0; i < 10; i++) {
      const page = await visitor();
      await slowWasm(page, 1000);
      await page.goto(w.url + '/?via=jb007', { waitUntil: 'domcontentloaded' });
      await page.goto(w.url + '/page2.html', { waitUntil: 'domcontentloaded' });
      await page.unroute('.wasm');
      await ready(page);
      const jar = await jarWith(page, 'viatrack_js');
      const clicks = await clicksOfVisitor(jar.viatrack_vid.value);
      assert.equal(clicks.length, 1, `try ${i}: one click`);
      assert.equal(clicks[0].visits, 1, `try ${i}: one visit`);
      assert.equal(clickIdIn(jar.viatrack_js), clicks[0].id, `try ${i}`);
      assert.equal(await page.evaluate(() => localStorage.getItem('viatrack_queue')), null, `try ${i}: delivered`);
      assert.deepEqual(page.problems, [], `try ${i}`);
      await page.close();
    }
  });

  /**
   * `ready` and `viatrack.referral` on an organic page fetch nothing and ask nothing: on the
   * demo pages (which call ready), and on a page of another site (a merchant's page on
   * localhost, its own small server, with the script and the API on the Worker's origin).
   */
  test('organic: ready and viatrack.referral load no module and ask nothing', async () => {
    const other = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(
        `<!doctype html><html><head>` +
          `<script>window.viatrack=window.viatrack||function(){var a=arguments;return new Promise(function(r){a.r=r;(viatrack.q=viatrack.q||[]).push(a)})};</script>` +
          `<script async src="${w.url}/viatrack.js" data-key="${KEY}" data-api="${w.url}"></script></head><body>merchant</body></html>`,
      );
    });
    await new Promise((r) => other.listen(0, '127.0.0.1', r));
    try {
      const pages = ['/', '/page2.html', '/pricing.html'].map((p) => w.url + p);
      pages.push(`http://localhost:${other.address().port}/other.html`);
      for (const url of pages) {
        const page = await visitor();
        await page.goto(url);
        await page.waitForFunction(() => typeof window.viatrack === 'function' && !window.viatrack.q);
        const state = await page.evaluate(
          () =>
            new Promise((r) => {
              window.viatrack('ready', () => r([window.viatrack.referral, window.viatrack.affiliate]));
              setTimeout(() => r('ready did not run'), 3000);
            }),
        );
        assert.deepEqual(state, [null, null], url);
        await page.networkIdle();
        const asked = page.requests.filter((p) => p.startsWith('/v1/') || p.endsWith('.wasm'));
        assert.deepEqual(asked, [], `${url}: no module, no request to the Worker`);
        assert.deepEqual(await page.cookies(), [], url);
        assert.deepEqual(page.problems, [], url);
        await page.close();
      }
    } finally {
      other.close();
    }
  });

  /**
   * Safari's cap with `ready` on the page (the demo's pricing page): the script's cookies and
   * storage are gone, the server-set cookies stay. The referral is restored, `convert`
   * credits it, and `viatrack.referral` still holds it afterwards. Also when even the marker
   * is gone (no restore: the page cannot know), convert is credited through the HttpOnly
   * cookie and `viatrack.referral` holds the lead's referral afterwards.
   */
  test('Safari case with ready on the page: restored, credited, and viatrack.referral kept', async () => {
    for (const keepMarker of [true, false]) {
      const page = await visitor();
      await page.goto(w.url + '/?via=jb007');
      await ready(page);
      const clickId = clickIdIn((await jarWith(page, 'viatrack_js')).viatrack_js);
      const kept = (await page.cookies()).filter((c) => c.httpOnly || (keepMarker && c.name === 'viatrack_on'));
      await page.clearCookies();
      await page.addCookies(kept);
      await page.evaluate(() => localStorage.clear());
      await page.goto(w.url + '/pricing.html');
      await ready(page);
      assert.equal(await page.evaluate(() => window.viatrack.referral), keepMarker ? clickId : null, `restored: ${keepMarker}`);
      const email = `pricing-${keepMarker}@example.com`;
      const referral = await page.evaluate((email) => window.viatrack('convert', { email }), email);
      assert.equal(referral?.id, clickId, 'credited');
      await sleep(500);
      assert.equal(await page.evaluate(() => window.viatrack.referral), clickId, 'viatrack.referral after convert');
      assert.equal((await page.evaluate(() => window.viatrack.affiliate))?.id, referral.affiliate_id, 'viatrack.affiliate after convert');
      const listed = (await api.get(`/v1/referrals?email=${email}`)).body.data;
      assert.equal(listed[0]?.link.token, 'jb007');
      assert.deepEqual(page.problems, []);
      await page.close();
    }
  });

  /**
   * A locked-down embed: localStorage, document.cookie and fetch all throw (fetch
   * synchronously, or its promise rejects): no page error, ready runs, convert resolves null,
   * on a referred and on an organic view.
   */
  test('storage, cookies and fetch all throwing: no page error, ready runs, convert null', async () => {
    for (const sync of [true, false]) {
      for (const path of ['/locked.html?via=jb007', '/locked.html']) {
        const page = await visitor();
        // A page of the site with the tag and no CSP: WebKit's init scripts are inline
        // scripts (tests/lib/proxy.mjs), which the demo pages' CSP would refuse.
        await serve(page, '/locked.html', `<script async src="/viatrack.js" data-key="${KEY}"></script>`);
        await page.addInitScript((sync) => {
          const no = () => { throw new Error('blocked'); };
          Object.defineProperty(window, 'localStorage', { get: no });
          Object.defineProperty(Document.prototype, 'cookie', { get: no, set: no });
          window.fetch = sync ? () => { throw new Error('fetch is blocked'); } : () => Promise.reject(new Error('fetch is blocked'));
        }, sync);
        await page.goto(w.url + path);
        await page.waitForFunction(() => typeof window.viatrack === 'function');
        const result = await page.evaluate(
          () =>
            new Promise((r) => {
              const out = {};
              window.viatrack('ready', () => { out.ready = true; });
              window.viatrack('convert', { email: 'locked@example.com' }).then((v) => { out.convert = v; r(out); });
              setTimeout(() => r(out), 4000);
            }),
        );
        assert.deepEqual(result, { ready: true, convert: null }, `${path} sync=${sync}`);
        assert.equal(await page.evaluate(() => window.viatrack.referral), null);
        assert.deepEqual(page.problems, [], `${path} sync=${sync}`);
        await page.close();
      }
    }
  });

  /**
   * The release build's allocator resets after every exported call: the tracker's flows in
   * a loop (the referral read, convert without and with an answer, consent) leave the
   * module's memory the size it was after the first rounds.
   */
  test('the allocator: the flows in a loop, memory bounded', async () => {
    const page = await visitor();
    await page.addInitScript(() => {
      const instantiate = WebAssembly.instantiate;
      WebAssembly.instantiate = function (...args) {
        return instantiate.apply(this, args).then((r) => {
          window.__memory = Object.values(r.instance.exports).find((v) => v instanceof WebAssembly.Memory);
          return r;
        });
      };
    });
    await serve(page, '/loop.html', `<script async src="/viatrack.js" data-key="${KEY}"></script>`);
    await page.goto(w.url + '/loop.html?via=jb007');
    await ready(page);
    await jarWith(page, 'viatrack_js');
    const sizes = await page.evaluate(async () => {
      const v = window.viatrack;
      const round = async (i) => {
        for (let j = 0; j < 50; j++) v.referral, v.affiliate;
        await v('convert', { name: 'x'.repeat(2000) }); // no email: nothing sent
        await v('consent', true);
        if (i % 50 == 0) await v('convert', { email: 'loop@example.com' });
      };
      for (let i = 0; i < 20; i++) await round(i);
      const warm = window.__memory.buffer.byteLength;
      for (let i = 20; i < 400; i++) await round(i);
      return [warm, window.__memory.buffer.byteLength];
    });
    assert.ok(sizes[0] > 0, 'the module is running');
    assert.equal(sizes[1], sizes[0], `memory after 400 rounds = after 20 (${sizes})`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});
