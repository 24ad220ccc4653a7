// GET /v1/stats, black-box against the real Worker under `wrangler dev`: clicks (first and
// repeat visits), leads, sales and a refund through the tracking API across two affiliates,
// plus a referral backdated through the REST API onto another day; the exact figures per
// group_by and range, another program's key sees none of it, and the errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

const visitor = (c) => `vis_${c.repeat(32)}`;
const DAY_MS = 86_400_000;
let w, p, api, pk, ada, bob, today, past, adaSecond;

const figures = (visitors, clicks, leads, conversions, revenue, commissions) => ({ visitors, clicks, leads, conversions, revenue, commissions });
const only = (g) => ({ visitors: g.visitors, clicks: g.clicks, leads: g.leads, conversions: g.conversions, revenue: g.revenue, commissions: g.commissions });

before(async () => {
  w = await startWorker();
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  // Ada: 20 % of each sale. Bob: 5.00 per sale.
  ada = await seedLink(api, { token: 'ada', campaign: { name: 'Spring', commission_type: 'percentage', commission_amount: 2000 }, affiliate: { first_name: 'Ada', last_name: 'Lovelace' } });
  bob = await seedLink(api, { token: 'bob', campaign: { name: 'Autumn', commission_type: 'fixed', commission_amount: 500 }, affiliate: { first_name: 'Bob', last_name: null } });
  today = new Date().toISOString().slice(0, 10);
  const click = async (token, v) => {
    const r = await pk.post('/v1/track/click', { token, url: 'https://shop.example.com/', visitor_id: visitor(v) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.data.click_id;
  };
  const lead = async (click_id, email) => assert.equal((await pk.post('/v1/track/lead', { click_id, email })).status, 200);
  const sale = async (body) => {
    const r = await api.post('/v1/track/sale', { currency: 'usd', ...body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  // Ada: three visitors, one of them twice (4 clicks); two leads; one sale of 100.00
  // refunded by 25.00 (its pending 20.00 commission becomes 15.00).
  const a1 = await click('ada', '1');
  assert.equal(await click('ada', '1'), a1, 'a repeat visit is the same click');
  const a2 = await click('ada', '2');
  adaSecond = a2;
  await click('ada', '3');
  await lead(a1, 'a1@example.com');
  await lead(a2, 'a2@example.com');
  await sale({ click_id: a1, amount: 10000, invoice_id: 'inv_a1' });
  assert.equal((await api.post('/v1/track/refund', { invoice_id: 'inv_a1', amount: 2500, refund_id: 're_a1' })).status, 200);
  // Bob: two visitors, one lead who buys for 50.00; and a customer made through the API
  // (no click, no link), backdated ten days, who buys for 30.00 today.
  const b1 = await click('bob', '4');
  await click('bob', '5');
  await lead(b1, 'b1@example.com');
  await sale({ click_id: b1, amount: 5000, invoice_id: 'inv_b1' });
  past = new Date(Date.now() - 10 * DAY_MS).toISOString().slice(0, 10);
  const made = await api.post('/v1/referrals', { affiliate_id: bob.affiliate.id, email: 'api@example.com', status: 'customer', created_at: `${past}T12:00:00.000Z` });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await sale({ email: 'api@example.com', amount: 3000, invoice_id: 'inv_api' });
  assert.equal(new Date().toISOString().slice(0, 10), today, 'the seeding ran within one UTC day');

  // Another program, with its own traffic and sale.
  const q = await w.createProgram({ name: 'other' });
  const qapi = client(w.url, q.secretKey);
  await seedLink(qapi, { token: 'eve' });
  const eve = await client(w.url, q.publishableKey, { 'User-Agent': BROWSER_UA }).post('/v1/track/click', { token: 'eve', url: 'https://shop.example.com/' });
  assert.equal((await qapi.post('/v1/track/sale', { click_id: eve.body.data.click_id, amount: 777, currency: 'usd', invoice_id: 'inv_eve' })).status, 200);
  p.other = q;
});
after(async () => { await w?.stop(); });

const stats = async (query, key = p.secretKey) => client(w.url, key).get(`/v1/stats?${query}`);

const ADA = figures(3, 4, 2, 1, 7500, 1500);
const BOB = figures(2, 2, 2, 2, 8000, 1000);
const TOTAL = figures(5, 6, 4, 3, 15500, 2500);

test('group_by=affiliate: each affiliate\'s funnel, by revenue, and the totals', async () => {
  const r = await stats('group_by=affiliate');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.success, true);
  const d = r.body.data;
  assert.equal(d.group_by, 'affiliate');
  assert.equal(d.from, null);
  assert.equal(d.to, null);
  assert.deepEqual(d.totals, TOTAL);
  assert.deepEqual(d.groups.map((g) => [g.key, g.label]), [[bob.affiliate.id, 'Bob'], [ada.affiliate.id, 'Ada Lovelace']]);
  assert.deepEqual(only(d.groups[0]), BOB);
  assert.deepEqual(only(d.groups[1]), ADA);
});

test('group_by=campaign and group_by=link: the same figures under campaigns and links', async () => {
  const c = (await stats('group_by=campaign')).body.data;
  assert.deepEqual(c.groups.map((g) => [g.key, g.label, only(g)]), [[bob.campaign.id, 'Autumn', BOB], [ada.campaign.id, 'Spring', ADA]]);
  assert.deepEqual(c.totals, TOTAL);
  const l = (await stats('group_by=link')).body.data;
  assert.deepEqual(l.groups.map((g) => [g.key, g.label, only(g)]), [
    [ada.link.id, 'ada', ADA],
    [bob.link.id, 'bob', figures(2, 2, 1, 1, 5000, 500)],
    [null, null, figures(0, 0, 1, 1, 3000, 500)], // the API referral has no link
  ]);
  assert.deepEqual(l.totals, TOTAL);
});

test('group_by=day: each UTC day, oldest first; from/to select whole days', async () => {
  const d = (await stats('group_by=day')).body.data;
  assert.deepEqual(d.groups.map((g) => [g.key, g.label, only(g)]), [
    [past, past, figures(0, 0, 1, 1, 0, 0)],
    [today, today, figures(5, 6, 3, 2, 15500, 2500)],
  ]);
  assert.deepEqual(d.totals, TOTAL);
  // `from` at the very end of the past day still counts that whole day; `to` likewise.
  const pastOnly = (await stats(`group_by=affiliate&from=${past}T23:59:59Z&to=${past}T00:00:01Z`)).body;
  assert.equal(pastOnly.error?.field, 'from', 'from after to');
  const onPast = (await stats(`group_by=affiliate&from=${past}T00:00:00Z&to=${past}T23:59:59.999Z`)).body.data;
  assert.equal(onPast.from, past);
  assert.equal(onPast.to, past);
  assert.deepEqual(onPast.groups.map((g) => [g.key, only(g)]), [[bob.affiliate.id, figures(0, 0, 1, 1, 0, 0)]]);
  const fromToday = (await stats(`group_by=affiliate&from=${today}T23:00:00%2B00:00`)).body.data;
  assert.deepEqual(fromToday.totals, figures(5, 6, 3, 2, 15500, 2500));
  // A long range, read through every block size (1 to 256 days), counts what all time does.
  for (const g of ['affiliate', 'campaign', 'link']) {
    const long = (await stats(`group_by=${g}&from=2025-01-02T00:00:00Z&to=${today}T12:00:00Z`));
    assert.equal(long.status, 200, JSON.stringify(long.body));
    assert.deepEqual(long.body.data.totals, TOTAL, g);
  }
  // A range with nothing in it: no groups, zero totals.
  const empty = (await stats('group_by=link&from=2020-01-01T00:00:00Z&to=2020-12-31T00:00:00Z')).body.data;
  assert.deepEqual(empty.groups, []);
  assert.deepEqual(empty.totals, figures(0, 0, 0, 0, 0, 0));
});

test('another program\'s key sees only its own figures', async () => {
  for (const g of ['affiliate', 'campaign', 'link', 'day']) {
    const d = (await stats(`group_by=${g}`, p.other.secretKey)).body.data;
    // A click that pays becomes a lead and a conversion at once (the lifecycle's timestamps).
    assert.deepEqual(d.totals, figures(1, 1, 1, 1, 777, 0), g);
    assert.equal(d.groups.length, 1, g);
    for (const id of [ada.affiliate.id, bob.affiliate.id, ada.campaign.id, bob.campaign.id, ada.link.id, bob.link.id]) {
      assert.ok(!JSON.stringify(d).includes(id), `${g}: ${id}`);
    }
  }
});

test('bad parameters are 400 VALIDATION_ERROR naming the field', async () => {
  for (const [query, field] of [
    ['', 'group_by'],
    ['group_by=week', 'group_by'],
    ['group_by=day&from=yesterday', 'from'],
    ['group_by=day&to=2026-02-30T00:00:00Z', 'to'],
    ['group_by=day&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
    ['group_by=day&limit=10', 'limit'],
    ['group_by=day&group_by=link', 'group_by'],
  ]) {
    const r = await stats(query);
    assert.equal(r.status, 400, query);
    assert.equal(r.body.success, false);
    assert.equal(r.body.error.code, 'VALIDATION_ERROR', query);
    assert.equal(r.body.error.field, field, query);
  }
});

test('keys: publishable 403, none or unknown 401, a secret key without read:stats 403', async () => {
  const pub = await stats('group_by=day', p.publishableKey);
  assert.equal(pub.status, 403);
  assert.equal(pub.body.error.code, 'PERMISSION_DENIED');
  const none = await client(w.url, null).get('/v1/stats?group_by=day');
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'UNAUTHORIZED');
  assert.equal((await stats('group_by=day', `sk_${'0'.repeat(40)}`)).status, 401);
  const narrow = await stats('group_by=day', await w.addSecretKey(p.programId, ['read:referrals']));
  assert.equal(narrow.status, 403);
  assert.match(narrow.body.error.message, /read:stats/);
  const reader = await stats('group_by=day', await w.addSecretKey(p.programId, ['read:stats']));
  assert.equal(reader.status, 200);
  assert.equal((await client(w.url, p.secretKey).post('/v1/stats', {})).status, 405);
});

test('money per currency: dollars and euros apart in every group, day and total; the flat figures sum them', async () => {
  const usd = (revenue, commissions) => ({ currency: 'USD', revenue, commissions });
  const before = (await stats('group_by=affiliate')).body.data;
  assert.deepEqual(before.money, [usd(15500, 2500)], 'sales recorded as usd are USD');
  assert.deepEqual(before.groups.map((g) => g.money), [[usd(8000, 1000)], [usd(7500, 1500)]]);
  // Ada's second visitor buys for 40.00 EUR (a 20 % commission: 8.00 EUR), then 10.00 EUR is refunded.
  const s = await client(w.url, p.secretKey).post('/v1/track/sale', { click_id: adaSecond, amount: 4000, currency: 'eur', invoice_id: 'inv_eur' });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal((await client(w.url, p.secretKey).post('/v1/track/refund', { invoice_id: 'inv_eur', amount: 1000, refund_id: 're_eur' })).status, 200);
  const eur = (revenue, commissions) => ({ currency: 'EUR', revenue, commissions });
  for (const g of ['affiliate', 'campaign', 'link', 'day']) {
    const d = (await stats(`group_by=${g}`)).body.data;
    assert.deepEqual(d.money, [eur(3000, 600), usd(15500, 2500)], g);
    assert.equal(d.totals.revenue, 18500, `${g}: the flat figure sums every currency`);
    for (const x of d.groups) {
      assert.equal(x.revenue, x.money.reduce((t, m) => t + m.revenue, 0), `${g} ${x.key}`);
      assert.ok(x.money.every((m) => m.revenue !== 0 || m.commissions !== 0), 'no zero entries');
    }
  }
  const byAffiliate = (await stats('group_by=affiliate')).body.data;
  assert.deepEqual(byAffiliate.groups.find((x) => x.key === ada.affiliate.id).money, [eur(3000, 600), usd(7500, 1500)]);
  assert.deepEqual(byAffiliate.groups.find((x) => x.key === bob.affiliate.id).money, [usd(8000, 1000)]);
  const byDay = (await stats('group_by=day')).body.data;
  assert.deepEqual(byDay.groups.find((x) => x.key === past).money, [], 'the backdated day had no sale');
  // The other program's dollars are its own.
  const other = (await stats('group_by=affiliate', p.other.secretKey)).body.data;
  assert.deepEqual(other.money.map((m) => [m.currency, m.revenue]), [['USD', 777]]);
});

test('top affiliates: ranked by revenue in one currency, by conversions or commissions, over a range', async () => {
  // After the test before: Ada has sales in USD and EUR, Bob in USD.
  const mixed = await stats('group_by=affiliate');
  assert.ok(mixed.body.data.money.length > 1);
  const refused = await client(w.url, p.secretKey).get('/v1/stats/top_affiliates?by=revenue');
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error.field, 'currency');
  assert.match(refused.body.error.message, /EUR, USD/);
  const top = async (q) => {
    const r = await client(w.url, p.secretKey).get(`/v1/stats/top_affiliates?${q}`);
    assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.body)}`);
    return r.body.data;
  };
  const usd = await top('by=revenue&currency=usd');
  assert.equal(usd.currency, 'USD');
  assert.deepEqual(usd.affiliates.map((a) => [a.rank, a.affiliate_id, a.label, a.value]), [[1, bob.affiliate.id, 'Bob', 8000], [2, ada.affiliate.id, 'Ada Lovelace', 7500]]);
  const eur = await top('by=commissions&currency=EUR');
  assert.deepEqual(eur.affiliates.map((a) => [a.affiliate_id, a.value]), [[ada.affiliate.id, 600]]);
  const conv = await top('by=conversions&limit=1');
  const expected = [...mixed.body.data.groups].sort((a, b) => b.conversions - a.conversions || (a.key < b.key ? -1 : 1))[0];
  assert.deepEqual(conv.affiliates.map((a) => [a.affiliate_id, a.value, a.conversions]), [[expected.key, expected.conversions, expected.conversions]]);
  assert.equal(conv.currency, null);
  // The backdated day alone: no money, a lead only, so nothing ranks.
  assert.deepEqual((await top(`by=conversions&from=${past}T00:00:00Z&to=${past}T23:59:59Z`)).affiliates.map((a) => a.value), [1]);
  assert.deepEqual((await top('by=revenue&from=2020-01-01T00:00:00Z&to=2020-12-31T00:00:00Z')).affiliates, []);
  for (const [q, field] of [['by=visits', 'by'], ['limit=0', 'limit'], ['currency=dollars', 'currency'], ['group_by=day', 'group_by']]) {
    const r = await client(w.url, p.secretKey).get(`/v1/stats/top_affiliates?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.field, field, q);
  }
  assert.equal((await client(w.url, p.other.secretKey).get('/v1/stats/top_affiliates?by=revenue')).body.data.affiliates.length, 1, 'another program ranks its own');
  assert.equal((await client(w.url, await w.addSecretKey(p.programId, ['read:referrals'])).get('/v1/stats/top_affiliates')).status, 403);
});
