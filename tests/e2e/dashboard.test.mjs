// The dashboard (/dashboard), in Chromium against the real Worker: sign in with a secret key
// (kept in sessionStorage only), the numbers shown equal GET /v1/stats (totals and each
// affiliate's funnel), no horizontal overflow at 375 px, the empty state for a range with
// nothing in it, the error states (a refused key sends back to sign-in; a network failure
// offers a retry), and a screenshot: build/dashboard.png, or README's docs/dashboard.png with
// VIATRACK_UPDATE_DOCS=1 (so a test run leaves the tree clean).
//
// The Payouts view, on a second program seeded through the REST API (sales in USD and EUR,
// paid payouts and refunds after them, so clawbacks): what is due now per affiliate and
// currency with its currency symbol, Run payouts and the payouts it made, Mark paid with a
// reference (the API agrees), the exports fetched with the key and saved as files, and the
// view at 375 px in another locale; with no console error and no CSP violation. A screenshot
// of it goes beside the stats one (build/dashboard-payouts.png, docs/ with VIATRACK_UPDATE_DOCS=1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { startWorker, client, seedLink, BROWSER_UA, ROOT } from '../lib/worker.mjs';
import { launch } from '../lib/browser.mjs';

const DAY_MS = 86_400_000;
const FIGURES = ['visitors', 'clicks', 'leads', 'conversions', 'revenue', 'commissions'];
let w, p, api, browser, ada, bob;
// The Payouts view's program: its secret key's client, and the seeded affiliates and payouts.
let q, qapi, seeded;

/**
 * The dashboard's formatting of a figure of `g` (a group, or the totals with the answer's
 * `money`): counts with separators; revenue and commissions one amount per currency of
 * `g.money`, in that currency (en-US), none added to another, or "—".
 */
const shown = (figure, g) => {
  if (figure !== 'revenue' && figure !== 'commissions') return g[figure].toLocaleString('en-US');
  const amounts = g.money.filter((m) => m[figure] !== 0);
  return amounts.map((m) => new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(m[figure] / 100)).join('') || '—';
};
/** The totals of a /v1/stats answer as `shown` takes them. */
const totalsOf = (stats) => ({ ...stats.totals, money: stats.money });

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
  seeded = await seedPayouts();
  browser = await launch();
});

/**
 * A program for the Payouts view (campaigns at 10 %, recurring, no hold). Bob (USD) and Cy
 * (USD) are paid a first payout, then refunds after it make clawbacks: Bob's half refund
 * −1,000 ¢ netted with a new 3,000 ¢ commission, Cy's full refund −1,000 ¢ with nothing to net.
 * Ada earns 6,000 ¢ in USD and 2,000 ¢ in EUR; Dee 2,000 ¢ on a campaign whose minimum payout
 * is 5,000 ¢.
 */
async function seedPayouts() {
  q = await w.createProgram({ name: 'dashboard payouts' });
  qapi = client(w.url, q.secretKey);
  const qpk = client(w.url, q.publishableKey, { 'User-Agent': BROWSER_UA });
  const campaign = { commission_type: 'percentage', commission_amount: 1000, recurring: true, hold_days: 0, minimum_payout: 0 };
  const affiliate = (token, first_name, last_name, extra = {}) =>
    seedLink(qapi, { token, campaign: { name: `Payouts ${token}`, ...campaign, ...extra }, affiliate: { first_name, last_name } });
  let invoice = 0;
  /** A click on `token` (publishable key, a browser), a lead, and sales of `amounts` in `currency`; their invoice IDs. */
  const sales = async (token, amounts, currency = 'USD') => {
    const click = await qpk.post('/v1/track/click', { token, url: 'https://shop.example.com/' });
    assert.equal(click.status, 200, JSON.stringify(click.body));
    const clickId = click.body.data.click_id;
    assert.equal((await qpk.post('/v1/track/lead', { click_id: clickId, email: `${token}-${++invoice}@example.com` })).status, 200);
    const invoices = [];
    for (const amount of amounts) {
      const id = `in_${token}_${++invoice}`;
      const r = await qapi.post('/v1/track/sale', { click_id: clickId, amount, currency, invoice_id: id });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      invoices.push(id);
    }
    return invoices;
  };
  const a = await affiliate('pada', 'Ada', 'Lovelace');
  const b = await affiliate('pbob', 'Bob', 'Stone');
  const c = await affiliate('pcy', 'Cy', 'Young');
  const d = await affiliate('pdee', 'Dee', 'Small', { minimum_payout: 5000 });
  const [bob1] = await sales('pbob', [20000]);
  const [cy1] = await sales('pcy', [10000]);
  const first = await qapi.post('/v1/payouts/run', {});
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const byAffiliate = Object.fromEntries(first.body.data.payouts.map((x) => [x.affiliate_id, x]));
  assert.deepEqual([byAffiliate[b.affiliate.id].amount, byAffiliate[c.affiliate.id].amount], [2000, 1000]);
  assert.equal((await qapi.post(`/v1/payouts/${byAffiliate[b.affiliate.id].id}/pay`, { reference: 'BANK-7' })).status, 200);
  assert.equal((await qapi.post(`/v1/payouts/${byAffiliate[c.affiliate.id].id}/pay`, {})).status, 200);
  assert.equal((await qapi.post('/v1/track/refund', { invoice_id: bob1, amount: 10000, refund_id: 're_pbob_1' })).status, 200);
  assert.equal((await qapi.post('/v1/track/refund', { invoice_id: cy1, amount: 10000, refund_id: 're_pcy_1' })).status, 200);
  await sales('pbob', [30000]);
  await sales('pada', [30000, 30000]);
  await sales('pada', [20000], 'EUR');
  await sales('pdee', [20000]);
  return { ada: a, bob: b, cy: c, dee: d };
}
after(async () => {
  await browser?.close();
  await w?.stop();
});

/**
 * A new tab on the dashboard (en-US unless `locale` says otherwise, so that formatted numbers
 * can be compared as text); `problems` collects page errors, console errors and CSP violations.
 */
async function open(viewport = { width: 1280, height: 900 }, { locale = 'en-US', path = '/dashboard' } = {}) {
  const context = await browser.newContext({ viewport, userAgent: BROWSER_UA, locale });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()} ${m.location().url}`); });
  await page.exposeFunction('__cspViolation', (v) => problems.push(`CSP: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  await page.goto(`${w.url}${path}`);
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
  for (const f of FIGURES) assert.equal(seen.totals[f], shown(f, totalsOf(stats)), `total ${f}`);
  assert.deepEqual(seen.rows.map((r) => r.key), stats.groups.map((g) => g.key), 'one row per affiliate, by revenue');
  assert.deepEqual(seen.rows.map((r) => r.name), ['Ada Lovelace', 'Bob Stone']);
  stats.groups.forEach((g, i) => {
    for (const f of FIGURES) assert.equal(seen.rows[i].figures[f], shown(f, g), `${g.label} ${f}`);
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
  for (const f of FIGURES) assert.equal(seen.totals[f], shown(f, totalsOf(stats)), `7 days ${f}`);
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

/** The dashboard's time format: ISO 8601 UTC to the minute. */
const utc = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** What the Payouts view shows, as text. */
async function payoutsOnScreen(page) {
  return page.evaluate(() => {
    const text = (e) => (e ? e.textContent : null);
    const totals = (id) => [...document.querySelectorAll(`#${id} div`)].map((d) => [text(d.querySelector('dt')), text(d.querySelector('dd'))]);
    return {
      due: [...document.querySelectorAll('#due tbody tr')].map((tr) =>
        [text(tr.querySelector('th')), ...['currency', 'due', 'clawbacks', 'net', 'next'].map((f) => text(tr.querySelector(`td[data-figure=${f}]`)))]),
      dueTotals: totals('due-totals'),
      payouts: [...document.querySelectorAll('#payouts tbody tr')].map((tr) => ({
        id: tr.dataset.payout,
        cells: [text(tr.querySelector('th')), ...['amount', 'status', 'created', 'paid', 'reference'].map((f) => text(tr.querySelector(`td[data-figure=${f}]`)))],
        action: text(tr.querySelector('td[data-figure=action] button')),
      })),
      payoutTotals: totals('payouts-totals'),
    };
  });
}

/** Opens the Payouts view (by its tab) and waits until it has loaded. */
async function openPayouts(page) {
  await page.click('#tab-payouts');
  await page.waitForFunction(() => !document.getElementById('payouts-body').hidden && document.getElementById('payouts-status').textContent.startsWith('Updated'));
}

/** A payout of the API as its row should read. */
const row = (names, x) => [names[x.affiliate_id], x.currency === 'EUR' ? `€${(x.amount / 100).toFixed(2)}` : `$${(x.amount / 100).toFixed(2)}`,
  x.status, utc(x.created_at), x.paid_at ? utc(x.paid_at) : '—', x.reference ?? '—'];

const names = () => Object.fromEntries(Object.values(seeded).map((s) => [s.affiliate.id, `${s.affiliate.first_name} ${s.affiliate.last_name}`]));

test('payouts: due now per affiliate and currency, netted with clawbacks, in each currency; the stats keep each currency apart', async () => {
  const { page, context, problems } = await open();
  await signIn(page, q.secretKey);
  await page.waitForSelector('#figures:not([hidden])');
  // The stats view: USD and EUR apart, each in its currency, in the totals and per affiliate.
  const range = await page.evaluate(() => ({ from: document.getElementById('from').value, to: document.getElementById('to').value }));
  const stats = (await qapi.get(`/v1/stats?group_by=affiliate&from=${range.from}T00:00:00Z&to=${range.to}T23:59:59Z`)).body.data;
  // USD 10,000 (Bob's first sale, half refunded) + 30,000 + 0 (Cy's, refunded) + 60,000 + 20,000, and EUR 20,000.
  assert.equal(stats.totals.revenue, 140000, 'the flat figure sums every currency');
  assert.deepEqual(stats.money.map((m) => [m.currency, m.revenue]), [['EUR', 20000], ['USD', 120000]]);
  for (const m of stats.money) {
    assert.equal(m.commissions, stats.groups.flatMap((g) => g.money).filter((x) => x.currency === m.currency).reduce((t, x) => t + x.commissions, 0));
  }
  const lines = await page.evaluate(() => ['revenue', 'commissions'].map((f) => [...document.querySelectorAll(`#totals [data-figure=${f}] dd .amount`)].map((e) => [e.dataset.currency, e.textContent])));
  assert.deepEqual(lines[0], [['EUR', '€200.00'], ['USD', '$1,200.00']], 'a total per currency, never one sum');
  assert.deepEqual(lines[1].map(([c]) => c), stats.money.filter((m) => m.commissions !== 0).map((m) => m.currency));
  const adaRow = await page.evaluate(() => [...document.querySelectorAll('#funnel tbody tr')].map((tr) => [tr.querySelector('th').textContent, [...tr.querySelectorAll('td[data-figure=revenue] .amount')].map((e) => e.textContent)]).find(([n]) => n === 'Ada Lovelace'));
  const adaStats = stats.groups.find((g) => g.label === 'Ada Lovelace');
  assert.deepEqual(adaRow[1], adaStats.money.map((m) => new Intl.NumberFormat('en-US', { style: 'currency', currency: m.currency }).format(m.revenue / 100)));
  assert.ok(adaRow[1].length === 2, 'Ada sold in both currencies');
  assert.match(await page.textContent('#stats-money-note'), /never added\s+together/);
  // The chart draws revenue per currency.
  assert.match(await page.getAttribute('#chart', 'aria-label'), /revenue in EUR, USD per day/);

  // The Payouts tab from the keyboard (ARIA tabs: the arrow key moves and selects).
  await page.focus('#tab-stats');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.getElementById('payouts-status').textContent.startsWith('Updated'));
  assert.equal(await page.getAttribute('#tab-payouts', 'aria-selected'), 'true');
  assert.equal(await page.isVisible('#stats-view'), false);
  assert.equal(new URL(page.url()).hash, '#payouts');
  const seen = await payoutsOnScreen(page);
  assert.deepEqual(seen.due, [
    ['Ada Lovelace', 'EUR', '€20.00', '—', '€20.00', 'Makes a payout'],
    ['Ada Lovelace', 'USD', '$60.00', '—', '$60.00', 'Makes a payout'],
    ['Bob Stone', 'USD', '$30.00', '-$10.00', '$20.00', 'Makes a payout'],
    ['Cy Young', 'USD', '$0.00', '-$10.00', '-$10.00', 'Carried: clawbacks exceed what is due'],
    ['Dee Small', 'USD', '$20.00', '—', '$20.00', 'Carried: under the $50.00 minimum'],
  ]);
  assert.deepEqual(seen.dueTotals, [['Due now · EUR', '€20.00'], ['Due now · USD', '$100.00']], 'a total per currency, never one sum');
  // The two payouts made and paid before the refunds, as the API lists them.
  const list = (await qapi.get('/v1/payouts?status=pending,processing,paid,failed,canceled&limit=100')).body.data;
  assert.equal(list.length, 2);
  assert.deepEqual(seen.payouts.map((x) => x.cells), list.map((x) => row(names(), x)));
  assert.deepEqual(seen.payouts.map((x) => x.cells[5]).sort(), ['BANK-7', '—']);
  assert.deepEqual(seen.payouts.map((x) => x.action), [null, null], 'paid payouts have no action');
  assert.deepEqual(seen.payoutTotals, [['Paid · USD', '$30.00']]);
  // A reload keeps the view (the hash), and the key stays out of the URL.
  await page.reload();
  await page.waitForFunction(() => document.getElementById('payouts-status').textContent.startsWith('Updated'));
  assert.equal(await page.isVisible('#payouts-view'), true);
  assert.equal(page.url(), `${w.url}/dashboard#payouts`);
  assert.deepEqual((await payoutsOnScreen(page)).due, seen.due);
  assert.deepEqual(problems, []);
  await context.close();
});

test('payouts: Run payouts makes the payouts shown in the table; Mark paid with a reference turns a row to paid, and the API agrees', async () => {
  const { page, context, problems } = await open();
  await signIn(page, q.secretKey);
  await openPayouts(page);
  await page.click('#run-payouts');
  await page.waitForSelector('#run-result:not([hidden])');
  const result = await page.evaluate(() => ({
    summary: document.getElementById('run-summary').textContent,
    made: [...document.querySelectorAll('#run-made li')].map((li) => li.textContent).sort(),
    carried: [...document.querySelectorAll('#run-carried li')].map((li) => li.textContent).sort(),
  }));
  assert.deepEqual(result, {
    summary: 'The run made 3 payouts and carried 2 balances to the next run.',
    made: ['Made: Ada Lovelace, $60.00 (2 commissions)', 'Made: Ada Lovelace, €20.00 (1 commission)', 'Made: Bob Stone, $20.00 (2 commissions)'],
    carried: ['Carried: Cy Young, -$10.00: clawbacks exceed what is due', 'Carried: Dee Small, $20.00: under the $50.00 minimum payout'],
  });
  // The table is the API's list: three new pending payouts, each with "Mark paid".
  let list = (await qapi.get('/v1/payouts?limit=100')).body.data;
  assert.equal(list.length, 5);
  let seen = await payoutsOnScreen(page);
  assert.deepEqual(seen.payouts.map((x) => x.id), list.map((x) => x.id));
  assert.deepEqual(seen.payouts.map((x) => x.cells), list.map((x) => row(names(), x)));
  assert.deepEqual(seen.payouts.filter((x) => x.action).map((x) => x.cells.slice(0, 3)).sort(),
    [['Ada Lovelace', '$60.00', 'pending'], ['Ada Lovelace', '€20.00', 'pending'], ['Bob Stone', '$20.00', 'pending']]);
  assert.deepEqual(seen.payoutTotals, [['To pay · EUR', '€20.00'], ['To pay · USD', '$80.00'], ['Paid · USD', '$30.00']]);
  // What is left due: the two carried balances.
  assert.deepEqual(seen.due.map((r) => [r[0], r[4]]), [['Cy Young', '-$10.00'], ['Dee Small', '$20.00']]);
  assert.deepEqual(seen.dueTotals, [['Due now · USD', '$20.00']]);

  // Mark paid asks for a reference in a form of its own; Cancel pays nothing.
  const eur = list.find((x) => x.currency === 'EUR');
  const bob = list.find((x) => x.affiliate_id === seeded.bob.affiliate.id && x.status === 'pending');
  await page.click(`#payouts tr[data-payout="${bob.id}"] button`);
  await page.waitForSelector('#pay-dialog[open]');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pay-reference');
  await page.click('#pay-cancel');
  assert.equal(await page.isVisible('#pay-dialog'), false);
  assert.equal((await qapi.get(`/v1/payouts/${bob.id}`)).body.data.status, 'pending');
  // The EUR payout, with a reference, by keyboard.
  await page.click(`#payouts tr[data-payout="${eur.id}"] button`);
  await page.waitForSelector('#pay-dialog[open]');
  assert.match(await page.textContent('#pay-what'), /^Ada Lovelace, €20\.00 \(pay_/);
  await page.keyboard.type('WISE-42');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#payouts tr[data-payout="${eur.id}"][data-status=paid]`);
  assert.equal(await page.isVisible('#pay-dialog'), false);
  const api = (await qapi.get(`/v1/payouts/${eur.id}`)).body.data;
  assert.equal(api.status, 'paid');
  assert.equal(api.reference, 'WISE-42');
  assert.deepEqual(api.commissions.map((x) => x.status), ['paid']);
  seen = await payoutsOnScreen(page);
  const paidRow = seen.payouts.find((x) => x.id === eur.id);
  assert.deepEqual(paidRow.cells, ['Ada Lovelace', '€20.00', 'paid', utc(api.created_at), utc(api.paid_at), 'WISE-42']);
  assert.equal(paidRow.action, null);
  assert.equal(await page.textContent('#payouts-status'), 'Marked Ada Lovelace’s €20.00 paid (reference WISE-42).');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'payouts-list-title', 'focus returns to the list');
  // And Bob's without a reference.
  await page.click(`#payouts tr[data-payout="${bob.id}"] button`);
  await page.waitForSelector('#pay-dialog[open]');
  await page.click('#pay-form button[type=submit]');
  await page.waitForSelector(`#payouts tr[data-payout="${bob.id}"][data-status=paid]`);
  const bobNow = (await qapi.get(`/v1/payouts/${bob.id}`)).body.data;
  assert.equal(bobNow.status, 'paid');
  assert.equal(bobNow.reference, null);
  list = (await qapi.get('/v1/payouts?limit=100')).body.data;
  seen = await payoutsOnScreen(page);
  assert.deepEqual(seen.payouts.map((x) => x.cells), list.map((x) => row(names(), x)));
  assert.deepEqual(seen.payoutTotals, [['To pay · USD', '$60.00'], ['Paid · EUR', '€20.00'], ['Paid · USD', '$50.00']]);
  await page.evaluate(() => document.activeElement?.blur());
  const shot = process.env.VIATRACK_UPDATE_DOCS === '1' ? 'docs/dashboard-payouts.png' : 'build/dashboard-payouts.png';
  await page.screenshot({ path: join(ROOT, shot), fullPage: true });
  // A second run finds nothing new.
  await page.click('#run-payouts');
  await page.waitForFunction(() => /carried 2 balances/.test(document.getElementById('run-summary').textContent) && !document.getElementById('run-made').childElementCount);
  assert.equal(await page.textContent('#run-summary'), 'The run made 0 payouts and carried 2 balances to the next run.');
  assert.equal((await qapi.get('/v1/payouts?limit=100')).body.data.length, 5);
  assert.deepEqual(problems, []);
  await context.close();
});

test('payouts: the exports fetch with the key and save the Worker\'s CSV as a file, without navigating', async () => {
  const { page, context, problems } = await open();
  await signIn(page, q.secretKey);
  await openPayouts(page);
  const asked = [];
  page.on('request', (r) => {
    if (r.url().includes('/v1/payouts/export')) asked.push({ url: new URL(r.url()), auth: r.headers().authorization });
  });
  const save = async (label) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export=${label}]`)]);
    const { readFile } = await import('node:fs/promises');
    return { name: download.suggestedFilename(), body: await readFile(await download.path(), 'utf8') };
  };
  const pending = (await qapi.get('/v1/payouts?status=pending&limit=100')).body.data;
  assert.ok(pending.length > 0, 'the tests before left pending payouts');
  // The Worker's own files (GET /v1/payouts/export), read back with a CSV library.
  const wise = await save('wise');
  assert.equal(wise.name, 'viatrack-payouts-wise.csv', "the Worker's Content-Disposition name");
  const rows = parse(wise.body, { columns: true });
  assert.deepEqual(rows.map((r) => r.paymentReference).sort(), pending.map((x) => x.id).sort());
  await page.waitForFunction(() => document.getElementById('export-status').textContent.startsWith('Saved'));
  assert.equal(await page.textContent('#export-status'), 'Saved viatrack-payouts-wise.csv (Wise, pending payouts).');
  const plain = parse((await save('csv')).body, { columns: true });
  assert.equal(plain.reduce((sum, r) => sum + Number(r.amount_cents), 0), pending.reduce((sum, x) => sum + x.amount, 0));
  assert.deepEqual(asked.map((a) => [a.url.pathname, a.url.searchParams.get('format'), a.url.searchParams.get('status'), a.auth]),
    [['/v1/payouts/export', 'wise', 'pending', `Bearer ${q.secretKey}`], ['/v1/payouts/export', 'csv', 'pending', `Bearer ${q.secretKey}`]]);
  assert.equal(page.url(), `${w.url}/dashboard#payouts`, 'no navigation');
  // PayPal takes one currency a file: with pending payouts in several, the Worker refuses and
  // the page says why, keeping the key; with one, it saves the file.
  const currencies = new Set(pending.map((x) => x.currency));
  if (currencies.size > 1) {
    await page.click('[data-export=paypal]');
    await page.waitForFunction(() => /refused/.test(document.getElementById('export-status').textContent));
    assert.match(await page.textContent('#export-status'), /PayPal export was refused: 400 VALIDATION_ERROR: a PayPal file holds one currency/);
    assert.equal(await page.isVisible('#sign-in'), false, 'a refusal keeps the key');
  } else {
    const paypal = await save('paypal');
    assert.equal(parse(paypal.body).length, pending.length);
  }
  assert.deepEqual(problems.filter((p) => !/status of 400/.test(p)), []);
  await context.close();
});

test('payouts at 375 px in German: no horizontal overflow, money as the locale writes it', async () => {
  const { page, context, problems } = await open({ width: 375, height: 812 }, { locale: 'de-DE', path: '/dashboard#payouts' });
  await signIn(page, q.secretKey);
  await page.waitForFunction(() => document.getElementById('payouts-status').textContent.startsWith('Updated'));
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, body: document.body.scrollWidth, view: window.innerWidth }));
  assert.ok(widths.doc <= 375 && widths.body <= 375, JSON.stringify(widths));
  const seen = await payoutsOnScreen(page);
  // After the run of the test before: Cy's and Dee's balances are carried.
  assert.deepEqual(seen.due.map((r) => [r[0], r[4]]), [['Cy Young', '-10,00\u00a0$'], ['Dee Small', '20,00\u00a0$']]);
  assert.ok(seen.payouts.some((x) => x.cells[1] === '20,00\u00a0€'), JSON.stringify(seen.payouts));
  assert.ok(await page.isVisible('#payouts tbody tr td[data-figure=amount]'));
  assert.deepEqual(problems, []);
  await context.close();
});
