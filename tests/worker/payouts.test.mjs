// Payouts (issue 24), black-box against the real Worker under `wrangler dev`: the run groups
// due commissions per affiliate and currency at the campaign's minimum payout, a second run
// and parallel runs pay nothing twice, pay marks the commissions paid, a refund after payment
// is a clawback netted by the next run, fail and cancel release the commissions, and the
// routes hold their scopes and the program's boundary. Sales are recorded with
// POST /v1/track/sale; the 30-day hold is moved by setting due_at in D1 (the one thing a
// black-box test cannot wait for).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import Stripe from 'stripe';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

let w, p, api, pk;
const MIN = 5000;

before(async () => {
  w = await startWorker();
  p = await w.createProgram({ name: 'payouts' });
  api = client(w.url, p.secretKey);
  pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
});
after(async () => { await w?.stop(); });

let invoice = 0;
/** A click on `token`, a lead, and sales of `amounts` (cents) in `currency`; the referral. */
async function sales(token, amounts, currency = 'USD') {
  const click = (await pk.post('/v1/track/click', { token, url: 'https://shop.example.com/' })).body.data.click_id;
  await pk.post('/v1/track/lead', { click_id: click, email: `${token}-${++invoice}@example.com` });
  for (const amount of amounts) {
    const r = await api.post('/v1/track/sale', { click_id: click, amount, currency, invoice_id: `in_${token}_${++invoice}` });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  return click;
}

/** An affiliate earning 10 % (1,000 bp) of every sale (recurring), due at once unless `campaign` says otherwise. */
const affiliate = (token, campaign = {}) =>
  seedLink(api, { token, campaign: { commission_type: 'percentage', commission_amount: 1000, recurring: true, hold_days: 0, ...campaign } });

const commissionsOf = async (affiliateId) =>
  (await api.get(`/v1/commissions?affiliate_id=${affiliateId}&limit=100`)).body.data;

test('a run pays each affiliate and currency at or over the minimum, once; the hold and the minimum carry the rest', async () => {
  // A: 60,000 ¢ of USD sales (6,000 ¢ of commission) and 20,000 ¢ of EUR (2,000 ¢, under the minimum).
  // B: 40,000 + 20,000 ¢ of USD (6,000 ¢), held 30 days: nothing due until the hold is moved.
  // C: 10,000 ¢ of USD (1,000 ¢): under the minimum, carried.
  const a = await affiliate('paya', { minimum_payout: MIN });
  const b = await affiliate('payb', { minimum_payout: MIN, hold_days: 30 });
  const c = await affiliate('payc', { minimum_payout: MIN });
  assert.equal(a.campaign.minimum_payout, MIN);
  await sales('paya', [30000, 30000]);
  await sales('paya', [20000], 'EUR');
  await sales('payb', [40000, 20000]);
  await sales('payc', [10000]);

  const first = await api.post('/v1/payouts/run', {});
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const made = first.body.data.payouts;
  assert.deepEqual(made.map((x) => [x.affiliate_id, x.currency, x.amount, x.status, x.commissions_count]),
    [[a.affiliate.id, 'USD', 6000, 'pending', 2]]);
  const carried = first.body.data.carried.map((x) => [x.affiliate_id, x.currency, x.amount, x.reason]).sort();
  assert.deepEqual(carried, [[a.affiliate.id, 'EUR', 2000, 'below_minimum'], [c.affiliate.id, 'USD', 1000, 'below_minimum']].sort());
  for (const com of await commissionsOf(a.affiliate.id)) {
    assert.equal(com.payout_id, com.currency === 'USD' ? made[0].id : null, JSON.stringify(com));
  }

  const again = await api.post('/v1/payouts/run', {});
  assert.deepEqual(again.body.data.payouts, [], 'a second run makes no payout');

  // B's hold ends: its commissions become due and the next run pays them.
  await w.sql(`UPDATE commissions SET due_at = '2026-01-01T00:00:00.000Z' WHERE affiliate_id = '${b.affiliate.id}'`);
  const third = await api.post('/v1/payouts/run', {});
  assert.deepEqual(third.body.data.payouts.map((x) => [x.affiliate_id, x.amount]), [[b.affiliate.id, 6000]]);

  const got = await api.get(`/v1/payouts/${made[0].id}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.data.commissions.length, 2);
  assert.equal(got.body.data.commissions.reduce((s, x) => s + x.amount, 0), got.body.data.amount);

  const list = await api.get(`/v1/payouts?affiliate_id=${a.affiliate.id}&status=pending,processing&currency=USD`);
  assert.deepEqual(list.body.data.map((x) => x.id), [made[0].id]);
  assert.equal(list.body.pagination.total_count, 1);
  assert.equal((await api.get('/v1/payouts?status=paid')).body.data.length, 0);
  assert.equal((await api.get('/v1/payouts?status=nope')).status, 400);
  assert.equal((await api.get('/v1/payouts?currency=dollars')).status, 400);
});

test('ten runs at once: no commission is in two payouts', async () => {
  const d = await affiliate('payd');
  await sales('payd', [10000, 20000, 30000]);
  const runs = await Promise.all(Array.from({ length: 10 }, () => api.post('/v1/payouts/run', {})));
  for (const r of runs) assert.equal(r.status, 200, JSON.stringify(r.body));
  const mine = runs.flatMap((r) => r.body.data.payouts).filter((x) => x.affiliate_id === d.affiliate.id);
  assert.equal(mine.length, 1, 'one payout for the affiliate, whichever run made it');
  assert.equal(mine[0].amount, 6000);
  const [{ results }] = await w.sql(
    `SELECT c.id, c.payout_id FROM commissions c WHERE c.affiliate_id = '${d.affiliate.id}'`);
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.payout_id === mine[0].id), JSON.stringify(results));
});

test('pay marks the commissions paid; a refund after it is a clawback the next payout nets', async () => {
  const e = await affiliate('paye');
  const click = await sales('paye', [50000]);
  const [made] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === e.affiliate.id);
  assert.equal(made.amount, 5000);

  // A commission in a payout is moved with it, never on its own.
  const [com] = await commissionsOf(e.affiliate.id);
  const alone = await api.patch(`/v1/commissions/${com.id}`, { status: 'paid' });
  assert.equal(alone.status, 422, JSON.stringify(alone.body));
  assert.equal(alone.body.error.code, 'INVALID_TRANSITION');

  const paid = await api.post(`/v1/payouts/${made.id}/pay`, { reference: 'WISE-123' });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal(paid.body.data.status, 'paid');
  assert.equal(paid.body.data.reference, 'WISE-123');
  assert.ok(paid.body.data.paid_at);
  assert.deepEqual(paid.body.data.commissions.map((x) => x.status), ['paid']);
  // Again: the same answer, nothing moves; fail and cancel are refused.
  assert.equal((await api.post(`/v1/payouts/${made.id}/pay`, {})).body.data.paid_at, paid.body.data.paid_at);
  assert.equal((await api.post(`/v1/payouts/${made.id}/fail`)).body.error.code, 'INVALID_TRANSITION');
  assert.equal((await api.post(`/v1/payouts/${made.id}/cancel`)).body.error.code, 'INVALID_TRANSITION');
  assert.equal((await api.post(`/v1/payouts/${made.id}/process`)).body.error.code, 'INVALID_TRANSITION');

  // Half the sale refunded after the payout: a clawback of 2,500 ¢. With a new 40,000 ¢ sale
  // (4,000 ¢), the next payout is 4,000 − 2,500 = 1,500 ¢.
  const [sale] = (await w.sql(`SELECT invoice_id FROM sales WHERE referral_id = '${click}'`))[0].results;
  const refund = await api.post('/v1/track/refund', { invoice_id: sale.invoice_id, amount: 25000, refund_id: 're_paye_1' });
  assert.equal(refund.status, 200, JSON.stringify(refund.body));
  assert.ok(refund.body.data.commissions.some((x) => x.amount === -2500 && x.status === 'pending'), JSON.stringify(refund.body));
  await api.post('/v1/track/sale', { click_id: click, amount: 40000, currency: 'USD', invoice_id: 'in_paye_2' });
  const next = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === e.affiliate.id);
  assert.deepEqual(next.map((x) => [x.amount, x.commissions_count]), [[1500, 2]]);
});

test('with Stripe: a checkout is paid out, then refunded; the clawback is netted by the next payout', async () => {
  // Events signed by Stripe's own library (stripe.webhooks.generateTestHeaderString).
  const stripe = new Stripe('sk_test_unused_no_network');
  const secret = 'whsec_viatrackPayoutsTest42';
  const hook = new URL((await api.post('/v1/integrations/stripe', { signing_secret: secret })).body.data.webhook_url).pathname;
  const deliver = async (type, object) => {
    const payload = JSON.stringify({ id: `evt_${type}_${Date.now()}_${Math.random()}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(Date.now() / 1000) });
    const r = await client(w.url, null).post(hook, payload, { 'Stripe-Signature': header });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.data.outcome;
  };
  const j = await affiliate('payj');
  const click = (await pk.post('/v1/track/click', { token: 'payj', url: 'https://shop.example.com/' })).body.data.click_id;
  assert.equal(await deliver('checkout.session.completed', {
    id: 'cs_payj', object: 'checkout.session', client_reference_id: click, customer: 'cus_payj', customer_details: { email: 'payj@example.com' },
    amount_total: 80000, currency: 'usd', payment_intent: 'pi_payj', invoice: null, mode: 'payment', metadata: {},
  }), 'sale');
  const [first] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === j.affiliate.id);
  assert.equal(first.amount, 8000);
  assert.equal((await api.post(`/v1/payouts/${first.id}/pay`, { reference: 'PP-1' })).body.data.status, 'paid');
  // A quarter refunded after the payout: a clawback of 2,000 ¢, carried (not positive) until
  // a new sale of 30,000 ¢ (3,000 ¢ of commission) makes the next payout 1,000 ¢.
  assert.equal(await deliver('charge.refunded', { id: 'ch_payj', object: 'charge', payment_intent: 'pi_payj', amount_refunded: 20000, currency: 'usd' }), 'refund');
  const carried = (await api.post('/v1/payouts/run', {})).body.data.carried.filter((x) => x.affiliate_id === j.affiliate.id);
  assert.deepEqual(carried.map((x) => [x.amount, x.reason]), [[-2000, 'not_positive']]);
  await api.post('/v1/track/sale', { click_id: click, amount: 30000, currency: 'USD', invoice_id: 'in_payj_2' });
  const [second] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === j.affiliate.id);
  assert.deepEqual([second.amount, second.commissions_count], [1000, 2]);
});

test('a refund of a commission in an unpaid payout claws it back instead of changing the payout', async () => {
  const f = await affiliate('payf');
  const click = await sales('payf', [30000]);
  const [made] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === f.affiliate.id);
  const [sale] = (await w.sql(`SELECT invoice_id FROM sales WHERE referral_id = '${click}'`))[0].results;
  const refund = await api.post('/v1/track/refund', { invoice_id: sale.invoice_id, amount: 30000, refund_id: 're_payf_1' });
  assert.equal(refund.status, 200, JSON.stringify(refund.body));
  const got = (await api.get(`/v1/payouts/${made.id}`)).body.data;
  assert.equal(got.amount, 3000);
  assert.deepEqual(got.commissions.map((x) => [x.amount, x.status]), [[3000, 'pending']], 'the payout is unchanged');
  const mine = await commissionsOf(f.affiliate.id);
  assert.deepEqual(mine.map((x) => x.amount).sort((x, y) => x - y), [-3000, 3000]);
});

test('fail and cancel release the commissions to the next run', async () => {
  const g = await affiliate('payg');
  await sales('payg', [20000]);
  const run = async () => (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === g.affiliate.id);
  const [one] = await run();
  const failed = await api.post(`/v1/payouts/${one.id}/fail`);
  assert.equal(failed.status, 200, JSON.stringify(failed.body));
  assert.equal(failed.body.data.status, 'failed');
  assert.ok(failed.body.data.failed_at);
  assert.deepEqual(failed.body.data.commissions, [], 'released');
  assert.equal((await api.post(`/v1/payouts/${one.id}/pay`, {})).body.error.code, 'INVALID_TRANSITION');
  const [two] = await run();
  assert.notEqual(two.id, one.id);
  assert.equal(two.amount, 2000);
  const processing = await api.post(`/v1/payouts/${two.id}/process`);
  assert.equal(processing.body.data.status, 'processing', JSON.stringify(processing.body));
  assert.equal((await api.get(`/v1/payouts?status=processing&affiliate_id=${g.affiliate.id}`)).body.data.length, 1);
  const canceled = await api.post(`/v1/payouts/${two.id}/cancel`);
  assert.equal(canceled.body.data.status, 'canceled');
  const [three] = await run();
  assert.equal(three.amount, 2000);
  const [{ results }] = await w.sql(`SELECT event_type FROM events WHERE resource_id IN ('${one.id}', '${two.id}', '${three.id}') ORDER BY created_at`);
  assert.deepEqual(results.map((r) => r.event_type).sort(), ['payout.created', 'payout.created', 'payout.created', 'payout.failed'].sort());
});

test('exports: PayPal, Wise and CSV files a CSV library reads back, to the cent', async () => {
  const k = await affiliate('payk');
  const paypalEmail = `paypal-${Date.now()}@example.com`;
  const patched = await api.patch(`/v1/affiliates/${k.affiliate.id}`, { paypal_email: paypalEmail, first_name: 'Kay, "K"', last_name: 'Ess' });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.equal(patched.body.data.payout_email, paypalEmail, 'paypal_email is an alias of payout_email');
  const l = await affiliate('payl');
  await sales('payk', [12345]);
  await sales('payl', [20000], 'EUR');
  await sales('payl', [7], 'JPY');
  const made = (await api.post('/v1/payouts/run', {})).body.data.payouts;
  const pending = (await api.get('/v1/payouts?status=pending&limit=100')).body.data;
  const download = (query) => fetch(`${w.url}/v1/payouts/export?${query}`, { headers: { Authorization: `Bearer ${p.secretKey}` } });

  // PayPal: one currency per file; the whole pending set has three, so it asks for one.
  const mixed = await download('format=paypal');
  assert.equal(mixed.status, 400);
  assert.equal((await mixed.json()).error.field, 'currency');
  const paypal = await download('format=paypal&currency=USD');
  assert.equal(paypal.status, 200);
  assert.match(paypal.headers.get('content-type'), /^text\/csv/);
  assert.match(paypal.headers.get('content-disposition'), /attachment; filename="viatrack-payouts-paypal.csv"/);
  const paypalRows = parse(await paypal.text());
  const usd = pending.filter((x) => x.currency === 'USD');
  assert.equal(paypalRows.length, usd.length);
  const kRow = paypalRows.find((r) => r[0] === paypalEmail);
  assert.deepEqual(kRow.slice(1, 3), ['12.35', 'USD'], 'to payout_email; 10 % of 12,345 ¢ is 1,234.5 ¢, rounded half away: 12.35');
  assert.equal(kRow[5], 'PAYPAL');
  const paypalCents = paypalRows.reduce((s, r) => s + Math.round(Number(r[1]) * 100), 0);
  assert.equal(paypalCents, usd.reduce((s, x) => s + x.amount, 0));

  // Wise: a header row; every currency; the affiliate's name, quoted by the writer.
  const wise = parse(await (await download('format=wise')).text(), { columns: true });
  assert.equal(wise.length, pending.length);
  const kWise = wise.find((r) => r.recipientEmail === paypalEmail);
  assert.equal(kWise.name, 'Kay, "K" Ess');
  assert.deepEqual([kWise.amount, kWise.sourceCurrency, kWise.targetCurrency, kWise.receiverType], ['12.35', 'USD', 'USD', 'PERSON']);
  const lJpy = wise.find((r) => r.targetCurrency === 'JPY');
  assert.ok(made.some((x) => x.currency === 'JPY' && x.affiliate_id === l.affiliate.id && String(x.amount) === lJpy.amount), 'JPY has no minor unit');

  // CSV: the amounts in cents add up to the payouts, per currency.
  const csv = parse(await (await download('format=csv&status=pending')).text(), { columns: true });
  for (const code of ['USD', 'EUR', 'JPY']) {
    const want = pending.filter((x) => x.currency === code).reduce((s, x) => s + x.amount, 0);
    const got = csv.filter((r) => r.currency === code).reduce((s, r) => s + Number(r.amount_cents), 0);
    assert.equal(got, want, code);
  }
  assert.deepEqual(new Set(csv.map((r) => r.payout_id)), new Set(pending.map((x) => x.id)));
  assert.equal(parse(await (await download('format=csv&status=paid,failed&currency=JPY')).text(), { columns: true }).length, 0);

  assert.equal((await download('')).status, 400, 'format is required');
  assert.equal((await download('format=xlsx')).status, 400);
  assert.equal((await download('format=csv&status=nope')).status, 400);
  const other = await w.createProgram({ name: 'exports elsewhere' });
  const theirs = await fetch(`${w.url}/v1/payouts/export?format=csv`, { headers: { Authorization: `Bearer ${other.secretKey}` } });
  assert.deepEqual(parse(await theirs.text(), { columns: true }), [], "another program's export holds none of these");
});

test('a manual commission (a bonus) is paid with the affiliate\'s others; only a pending one in no payout is deleted', async () => {
  const n = await affiliate('payn');
  await sales('payn', [30000]);
  const bonus = await api.post('/v1/commissions', { affiliate_id: n.affiliate.id, amount: 2500, currency: 'usd', reason: 'Launch bonus' });
  assert.equal(bonus.status, 201, JSON.stringify(bonus.body));
  assert.deepEqual([bonus.body.data.amount, bonus.body.data.currency, bonus.body.data.status, bonus.body.data.reason, bonus.body.data.sale_id, bonus.body.data.due],
    [2500, 'USD', 'pending', 'Launch bonus', null, true]);
  const [{ results: created }] = await w.sql(`SELECT event_type FROM events WHERE resource_id = '${bonus.body.data.id}'`);
  assert.deepEqual(created.map((r) => r.event_type), ['commission.created']);

  const spare = await api.post('/v1/commissions', { affiliate_id: n.affiliate.id, amount: 100, currency: 'USD', reason: 'Typo' });
  const removed = await api.delete(`/v1/commissions/${spare.body.data.id}`);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.deepEqual(removed.body.data, { id: spare.body.data.id, deleted: true });
  assert.equal((await api.get(`/v1/commissions/${spare.body.data.id}`)).status, 404);

  const [made] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === n.affiliate.id);
  assert.deepEqual([made.amount, made.commissions_count], [3000 + 2500, 2]);
  const inPayout = await api.delete(`/v1/commissions/${bonus.body.data.id}`);
  assert.equal(inPayout.status, 422);
  assert.equal(inPayout.body.error.code, 'INVALID_TRANSITION');
  await api.post(`/v1/payouts/${made.id}/pay`, {});
  const paid = await api.delete(`/v1/commissions/${bonus.body.data.id}`);
  assert.equal(paid.body.error.code, 'INVALID_TRANSITION', 'a paid commission is never deleted');
  assert.match(paid.body.error.message, /paid/);

  const other = await w.createProgram({ name: 'bonus elsewhere' });
  const theirs = await client(w.url, other.secretKey).post('/v1/commissions', { affiliate_id: n.affiliate.id, amount: 100, currency: 'USD', reason: 'x' });
  assert.equal(theirs.status, 422);
  assert.equal(theirs.body.error.code, 'INVALID_AFFILIATE');
  assert.equal((await client(w.url, other.secretKey).delete(`/v1/commissions/${bonus.body.data.id}`)).status, 404);
  for (const body of [{ affiliate_id: n.affiliate.id, amount: 0, currency: 'USD', reason: 'x' }, { affiliate_id: n.affiliate.id, amount: 100, currency: 'USD' },
    { affiliate_id: n.affiliate.id, amount: 100, currency: 'USD', reason: 'x'.repeat(501) }, [n.affiliate.id, 100]]) {
    assert.equal((await api.post('/v1/commissions', body)).status, 400, JSON.stringify(body));
  }
  const reader = client(w.url, await w.addSecretKey(p.programId, ['read:commissions', 'write:commissions']));
  assert.equal((await reader.delete(`/v1/commissions/${bonus.body.data.id}`)).status, 403, 'deleting needs delete:commissions');

  // An affiliate with nothing but a manual commission is in use: 409 naming it, never a 500.
  const bare = await api.post('/v1/affiliates', { email: 'bare@example.com', campaign_id: n.campaign.id });
  assert.equal(bare.status, 201, JSON.stringify(bare.body));
  assert.equal((await api.post('/v1/commissions', { affiliate_id: bare.body.data.id, amount: 700, currency: 'USD', reason: 'Welcome' })).status, 201);
  const busy = await api.delete(`/v1/affiliates/${bare.body.data.id}`);
  assert.equal(busy.status, 409, JSON.stringify(busy.body));
  assert.equal(busy.body.error.code, 'CONFLICT');
  assert.match(busy.body.error.message, /commissions/);
  // The paid affiliate's payouts keep it too.
  const payee = await api.delete(`/v1/affiliates/${n.affiliate.id}`);
  assert.equal(payee.status, 409);
  assert.match(payee.body.error.message, /payouts/);
});

test('scopes, another program, bad bodies', async () => {
  const h = await affiliate('payh');
  await sales('payh', [10000]);
  const [mine] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === h.affiliate.id);
  const reader = client(w.url, await w.addSecretKey(p.programId, ['read:payouts']));
  assert.equal((await reader.get(`/v1/payouts/${mine.id}`)).status, 200);
  const denied = await reader.post('/v1/payouts/run', {});
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, 'PERMISSION_DENIED');
  assert.equal((await reader.post(`/v1/payouts/${mine.id}/pay`, {})).status, 403);
  const commissionsOnly = client(w.url, await w.addSecretKey(p.programId, ['read:commissions']));
  assert.equal((await commissionsOnly.get('/v1/payouts')).status, 403);
  assert.equal((await pk.get('/v1/payouts')).status, 403, 'never with the publishable key');

  const other = await w.createProgram({ name: 'other' });
  const them = client(w.url, other.secretKey);
  assert.equal((await them.get(`/v1/payouts/${mine.id}`)).status, 404);
  assert.equal((await them.post(`/v1/payouts/${mine.id}/pay`, {})).status, 404);
  assert.deepEqual((await them.get('/v1/payouts')).body.data, []);
  assert.deepEqual((await them.post('/v1/payouts/run', {})).body.data, { payouts: [], carried: [] });

  for (const body of [[], '{"due_before": "soon"}', { due_before: '2999-01-01T00:00:00.000Z' }, { extra: 1 }]) {
    const r = await api.post('/v1/payouts/run', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'VALIDATION_ERROR');
  }
  assert.equal((await api.post(`/v1/payouts/${mine.id}/pay`, { reference: 'a\u0000b' })).status, 400);
  assert.equal((await api.post(`/v1/payouts/${mine.id}/pay`, { reference: ['x'] })).status, 400);
  assert.equal((await api.get('/v1/payouts/pay_nope')).status, 404);
  assert.equal((await api.call('DELETE', `/v1/payouts/${mine.id}`)).status, 405);
});

test('the Cron Trigger makes the monthly payout run on its own schedule, and only on it', async () => {
  const m = await affiliate('paym');
  await sales('paym', [40000]);
  const scheduled = async (cron) => {
    const r = await fetch(`${w.url}/__scheduled?cron=${encodeURIComponent(cron)}`);
    assert.ok(r.ok, `${cron}: ${r.status}`);
  };
  const mine = async () => (await api.get(`/v1/payouts?affiliate_id=${m.affiliate.id}`)).body.data;
  await scheduled('*/5 * * * *');
  assert.deepEqual(await mine(), [], 'the five-minute sweep makes no payout');
  await scheduled('0 0 1 * *');
  const made = await mine();
  assert.deepEqual(made.map((x) => [x.amount, x.status]), [[4000, 'pending']]);
  await scheduled('0 0 1 * *');
  assert.equal((await mine()).length, 1, 'a second monthly run pays nothing twice');
});

test('the commission summary: per affiliate and currency, pending in the hold, due, paid, clawed back and voided', async () => {
  // 10 % of each sale. Held 30 days: one sale stays in its hold; one is moved past it; one is
  // paid out and then half refunded (a clawback); one in EUR is fully refunded (voided).
  const s = await affiliate('paysum', { hold_days: 30 });
  const click = await sales('paysum', [10000, 20000, 40000]);
  await sales('paysum', [30000], 'EUR');
  const mine = await commissionsOf(s.affiliate.id);
  const usd = mine.filter((c) => c.currency === 'USD').sort((a, b) => a.amount - b.amount);
  // 2,000 ¢ and 4,000 ¢ past their hold; 4,000 ¢ is then paid out.
  await w.sql(`UPDATE commissions SET due_at = '2020-01-01T00:00:00.000Z' WHERE id IN ('${usd[1].id}', '${usd[2].id}')`);
  const [made] = (await api.post('/v1/payouts/run', {})).body.data.payouts.filter((x) => x.affiliate_id === s.affiliate.id);
  assert.equal(made.amount, 6000);
  assert.equal((await api.post(`/v1/payouts/${made.id}/pay`, {})).status, 200);
  const [{ results: invoices }] = await w.sql(`SELECT invoice_id, amount, currency FROM sales WHERE referral_id = '${click}' ORDER BY amount`);
  const big = invoices.find((i) => i.amount === 40000);
  assert.equal((await api.post('/v1/track/refund', { invoice_id: big.invoice_id, amount: 20000, refund_id: 're_sum_1' })).status, 200);
  const [{ results: [eurSale] }] = await w.sql(`SELECT s.invoice_id FROM sales s JOIN referrals r ON r.id = s.referral_id WHERE r.affiliate_id = '${s.affiliate.id}' AND s.currency = 'EUR'`);
  assert.equal((await api.post('/v1/track/refund', { invoice_id: eurSale.invoice_id, amount: 30000, refund_id: 're_sum_2' })).status, 200);

  const r = await api.get(`/v1/commissions/summary?affiliate_id=${s.affiliate.id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.data, [
    { affiliate_id: s.affiliate.id, currency: 'EUR', pending: 0, due: 0, paid: 0, clawed_back: 0, voided: 3000 },
    { affiliate_id: s.affiliate.id, currency: 'USD', pending: 1000, due: 0, paid: 6000, clawed_back: 2000, voided: 0 },
  ]);
  assert.equal(r.body.pagination.total_count, 2);
  // Every affiliate of the program, a page at a time; the range is the commissions' creation.
  const all = await api.get('/v1/commissions/summary?limit=100');
  assert.ok(all.body.data.length > 2);
  assert.ok(all.body.data.every((x, i, a) => i === 0 || `${a[i - 1].affiliate_id} ${a[i - 1].currency}` < `${x.affiliate_id} ${x.currency}`), 'by affiliate, then currency');
  assert.deepEqual((await api.get('/v1/commissions/summary?from=2099-01-01T00:00:00Z')).body.data, []);
  assert.deepEqual((await api.get('/v1/commissions/summary?affiliate_id=nope')).body.data, []);
  for (const q of ['status=paid', 'from=yesterday', 'limit=0']) {
    const bad = await api.get(`/v1/commissions/summary?${q}`);
    assert.equal(bad.status, 400, q);
    assert.equal(bad.body.error.code, 'VALIDATION_ERROR');
  }
  const other = await w.createProgram({ name: 'summary elsewhere' });
  assert.deepEqual((await client(w.url, other.secretKey).get(`/v1/commissions/summary?affiliate_id=${s.affiliate.id}`)).body.data, []);
  assert.equal((await client(w.url, await w.addSecretKey(p.programId, ['read:payouts'])).get('/v1/commissions/summary')).status, 403);
});
