// The dashboard (/dashboard), in Chromium against the real Worker: sign in with a secret key
// (kept in sessionStorage only), the numbers shown equal GET /v1/stats (totals and each
// affiliate's funnel), no horizontal overflow at 375 px, the empty state for a range with
// nothing in it, the error states (a refused key sends back to sign-in; a network failure
// offers a retry), and a screenshot: build/dashboard.png, or README's docs/dashboard.png with
// VIATRACK_UPDATE_DOCS=1 (so a test run leaves the tree clean).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startWorker, client, seedLink, BROWSER_UA, ROOT } from '../lib/worker.mjs';
import { launch } from '../lib/browser.mjs';

const DAY_MS = 86_400_000;
const FIGURES = ['visitors', 'clicks', 'leads', 'conversions', 'revenue', 'commissions'];
let w, p, api, browser, ada, bob;

/** The dashboard's formatting: counts with separators, cents as units with two decimals. */
const shown = (figure, v) => {
  if (figure !== 'revenue' && figure !== 'commissions') return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  return `${v < 0 ? '-' : ''}${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
};

before(async () => {
  w = await startWorker();
  p = await w.createProgram({ name: 'dashboard' });
  api = client(w.url, p.secretKey);
  ada = await seedLink(api, { token: 'ada', campaign: { name: 'Spring', commission_type: 'percentage', commission_amount: 2000 }, affiliate: { first_name: 'Ada', last_name: 'Lovelace' } });
  bob = await seedLink(api, { token: 'bob', campaign: { name: 'Autumn', commission_type: 'fixed', commission_amount: 500 }, affiliate: { first_name: 'Bob', last_name: 'Stone' } });
  // Today, through the API: clicks, leads, sales and a refund.
  const pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  let n = 0;
  for (const [token, visitors, buyers, amount] of [['ada', 6, 2, 12900], ['bob', 4, 1, 4900]]) {
    for (let i = 0; i < visitors; i++) {
      const c = await pk.post('/v1/track/click', { token, url: 'https://shop.example.com/', visitor_id: `vis_${String(++n).padStart(32, '0')}` });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      if (i < buyers + 1) assert.equal((await pk.post('/v1/track/lead', { click_id: c.body.data.click_id, email: `${token}${i}@example.com` })).status, 200);
      if (i < buyers) {
        const s = await api.post('/v1/track/sale', { click_id: c.body.data.click_id, amount, currency: 'usd', invoice_id: `inv_${token}${i}` });
        assert.equal(s.status, 200, JSON.stringify(s.body));
      }
    }
  }
  assert.equal((await api.post('/v1/track/refund', { invoice_id: 'inv_ada0', amount: 2900, refund_id: 're_1' })).status, 200);
  // And four weeks of history, written as the Worker would have (the triggers count it).
  const rows = [];
  for (let d = 1; d < 28; d++) {
    const at = new Date(Date.now() - d * DAY_MS).toISOString();
    for (const [s, link, k] of [[ada, 'a', 3 + (d % 4)], [bob, 'b', 1 + (d % 3)]]) {
      for (let i = 0; i < k; i++) {
        const id = `ref_${link}${String(d).padStart(2, '0')}${String(i).padStart(29, '0')}`;
        const lead = i < 2 ? `'${at}'` : 'NULL';
        const conv = i < 1 && d % 2 ? `'${at}'` : 'NULL';
        rows.push(`INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, created_at, updated_at, expires_at, became_lead_at, became_conversion_at)
          VALUES ('${id}', '${p.programId}', '${s.link.id}', '${s.affiliate.id}', '${s.campaign.id}', ${conv !== 'NULL' ? "'customer'" : lead !== 'NULL' ? "'lead'" : "'click'"}, ${1 + (i % 2)}, '${at}', '${at}', '${at}', ${lead}, ${conv});`);
        if (conv !== 'NULL') {
          rows.push(`INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at) VALUES ('sal_${id.slice(4)}', '${p.programId}', '${id}', ${link === 'a' ? 9900 + d * 100 : 4900}, 'usd', 'inv_${id}', '${at}');`);
        }
      }
    }
  }
  await w.sql(rows.join('\n'));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

async function open(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, userAgent: BROWSER_UA });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${w.url}/dashboard`);
  return { page, context, problems };
}

async function signIn(page, key = p.secretKey) {
  // By keyboard: the key field, then Enter.
  await page.focus('#key');
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
}

/** What the page shows: totals and each affiliate's row, as text. */
async function onScreen(page) {
  return page.evaluate((figures) => ({
    range: { from: document.getElementById('from').value, to: document.getElementById('to').value },
    totals: Object.fromEntries(figures.map((f) => [f, document.querySelector(`#totals [data-figure=${f}] dd`).textContent])),
    rows: [...document.querySelectorAll('#funnel tbody tr')].map((tr) => ({
      key: tr.dataset.affiliate,
      name: tr.querySelector('th').textContent,
      figures: Object.fromEntries(figures.map((f) => [f, tr.querySelector(`td[data-figure=${f}]`).textContent])),
    })),
  }), FIGURES);
}

test('sign in with a secret key: totals and the funnel per affiliate equal GET /v1/stats', async () => {
  const { page, context, problems } = await open();
  assert.equal(await page.isVisible('#sign-in'), true);
  assert.equal(await page.isVisible('#board'), false);
  await signIn(page);
  await page.waitForSelector('#figures:not([hidden])');
  const seen = await onScreen(page);
  const today = new Date().toISOString().slice(0, 10);
  assert.equal(seen.range.to, today);
  assert.equal(seen.range.from, new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10));
  const stats = (await api.get(`/v1/stats?group_by=affiliate&from=${seen.range.from}T00:00:00Z&to=${seen.range.to}T23:59:59Z`)).body.data;
  assert.ok(stats.totals.revenue > 0 && stats.totals.clicks > 0);
  for (const f of FIGURES) assert.equal(seen.totals[f], shown(f, stats.totals[f]), `total ${f}`);
  assert.deepEqual(seen.rows.map((r) => r.key), stats.groups.map((g) => g.key), 'one row per affiliate, by revenue');
  assert.deepEqual(seen.rows.map((r) => r.name), ['Ada Lovelace', 'Bob Stone']);
  stats.groups.forEach((g, i) => {
    for (const f of FIGURES) assert.equal(seen.rows[i].figures[f], shown(f, g[f]), `${g.label} ${f}`);
  });
  // The chart has a point for every day of the range.
  const points = await page.evaluate(() => document.querySelectorAll('#chart canvas').length);
  assert.ok(points >= 1, 'uPlot drew its canvas');
  // The key is in this tab's sessionStorage only: not in the URL, a cookie or localStorage.
  assert.equal(page.url(), `${w.url}/dashboard`);
  assert.equal((await context.cookies()).length, 0);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('viatrack.dashboard.key')), p.secretKey);
  assert.equal(await page.evaluate((k) => document.documentElement.outerHTML.includes(k), p.secretKey), false);
  await page.evaluate(() => document.activeElement?.blur());
  const shot = process.env.VIATRACK_UPDATE_DOCS === '1' ? 'docs/dashboard.png' : 'build/dashboard.png';
  await page.screenshot({ path: join(ROOT, shot), fullPage: true });
  // Signing out forgets the key.
  await page.click('#sign-out');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.isVisible('#sign-in'), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('375 px wide: no horizontal overflow, every figure still shown', async () => {
  const { page, context, problems } = await open({ width: 375, height: 812 });
  await signIn(page);
  await page.waitForSelector('#figures:not([hidden])');
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
  assert.equal(widths.view, 375);
  assert.ok(widths.doc <= 375 && widths.body <= 375, JSON.stringify(widths));
  const seen = await onScreen(page);
  assert.equal(seen.rows.length, 2);
  assert.ok(await page.isVisible('#funnel tbody tr td[data-figure=revenue]'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard: labelled fields, real buttons, visible focus, and the range picker', async () => {
  const { page, context } = await open();
  await signIn(page);
  await page.waitForSelector('#figures:not([hidden])');
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input')].filter((i) => !document.querySelector(`label[for="${i.id}"]`)).map((i) => i.id));
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.evaluate(() => document.querySelectorAll('[onclick], div[role=button]').length), 0);
  // Tab order from the range's first field: from, to, Apply, Last 7 days (a date field takes
  // a Tab per part: month, day, year).
  await page.focus('#from');
  const order = ['from'];
  for (let i = 0; i < 12 && order.at(-1) !== 'Last 7 days'; i++) {
    await page.keyboard.press('Tab');
    const now = await page.evaluate(() => document.activeElement.id || document.activeElement.textContent);
    if (now !== order.at(-1)) order.push(now);
  }
  assert.deepEqual(order, ['from', 'to', 'Apply', 'Last 7 days']);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focus is visible');
  // "Last 7 days" from the keyboard narrows the range, and the numbers follow /v1/stats.
  await page.keyboard.press('Enter');
  await page.waitForFunction((from) => document.getElementById('from').value === from && document.getElementById('status').textContent.startsWith('Showing'),
    new Date(Date.now() - 6 * DAY_MS).toISOString().slice(0, 10));
  const seen = await onScreen(page);
  assert.equal(seen.range.from, new Date(Date.now() - 6 * DAY_MS).toISOString().slice(0, 10));
  const stats = (await api.get(`/v1/stats?group_by=affiliate&from=${seen.range.from}T00:00:00Z&to=${seen.range.to}T23:59:59Z`)).body.data;
  for (const f of FIGURES) assert.equal(seen.totals[f], shown(f, stats.totals[f]), `7 days ${f}`);
  await context.close();
});

test('a range with nothing in it shows the empty state', async () => {
  const { page, context } = await open();
  await signIn(page);
  await page.waitForSelector('#figures:not([hidden])');
  await page.fill('#from', '2020-01-01');
  await page.fill('#to', '2020-01-31');
  await page.click('#range button[type=submit]');
  await page.waitForSelector('#empty:not([hidden])');
  assert.equal(await page.isVisible('#figures'), false);
  assert.match(await page.textContent('#empty'), /No activity in this range[\s\S]*2020-01-01 and 2020-01-31/);
  // From after to is refused on the page, before any request.
  await page.fill('#from', '2020-02-01');
  await page.click('#range button[type=submit]');
  assert.match(await page.textContent('#range-error'), /must not be after/);
  await context.close();
});

test('a refused key goes back to sign-in with a clear message; a network failure offers a retry', async () => {
  const { page, context } = await open();
  await signIn(page, `sk_${'0'.repeat(40)}`);
  await page.waitForSelector('#sign-in-error:not([hidden])');
  assert.match(await page.textContent('#sign-in-error'), /refused \(UNAUTHORIZED\)/);
  assert.equal(await page.isVisible('#board'), false);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the refused key is forgotten');
  // A publishable key is refused before anything is sent.
  await page.fill('#key', p.publishableKey);
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#sign-in-error'), /publishable key/);
  // A key without read:stats: 403, back to sign-in.
  await page.fill('#key', '');
  await signIn(page, await w.addSecretKey(p.programId, ['read:referrals']));
  await page.waitForFunction(() => /PERMISSION_DENIED/.test(document.getElementById('sign-in-error').textContent));
  // The network fails: an error with a retry, which works once the network is back.
  await signIn(page);
  await page.waitForSelector('#figures:not([hidden])');
  await page.route('**/v1/stats**', (route) => route.abort('internetdisconnected'));
  await page.click('#range button[type=submit]');
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /Could not reach the API/);
  assert.equal(await page.isVisible('#figures'), false);
  await page.unroute('**/v1/stats**');
  await page.click('#retry');
  await page.waitForSelector('#figures:not([hidden])');
  assert.equal(await page.isVisible('#load-error'), false);
  await context.close();
});
