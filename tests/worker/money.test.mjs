// Money, black-box against the real Worker under `wrangler dev`: Stripe webhooks signed by
// Stripe's own npm package (`stripe.webhooks.generateTestHeaderString`, an implementation
// independent of ours), commissions from the campaign's terms, recurring months, refunds
// before and after payout, and the non-Stripe refund endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

const stripe = new Stripe('sk_test_unused_no_network');
const SECRET = 'whsec_viatrackTestSecret123';
const DAY = 86400;
const nowS = () => Math.floor(Date.now() / 1000);

let w, p, api, s, clickId, hook;

before(async () => {
  w = await startWorker();
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  // 20 % (2,000 bp), recurring for 2 months after the first sale, held 30 days.
  s = await seedLink(api, { token: 'paid1', campaign: { commission_type: 'percentage', commission_amount: 2000, recurring: true, recurring_months: 2, hold_days: 30 } });
  const pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  clickId = (await pk.post('/v1/track/click', { token: 'paid1', url: 'https://shop.example.com/' })).body.data.click_id;
  await pk.post('/v1/track/lead', { click_id: clickId, email: 'payer@example.com' });
  const connected = await api.post('/v1/integrations/stripe', { signing_secret: SECRET });
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  hook = new URL(connected.body.data.webhook_url).pathname;
});
after(async () => { await w?.stop(); });

let seq = 0;
/** A Stripe event of `type` around `object`, made `created` seconds after the epoch. */
const event = (type, object, created = nowS()) => ({ id: `evt_${++seq}_${Date.now()}`, object: 'event', type, created, data: { object } });

/** Posts `evt` to the webhook, signed by Stripe's library (or as `opts` spoils it). */
async function deliver(evt, { secret = SECRET, timestamp = nowS(), body } = {}) {
  const payload = body ?? JSON.stringify(evt);
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return client(w.url, null).post(hook, payload, { 'Stripe-Signature': header });
}

const commissionsOf = async (referral) => (await api.get(`/v1/commissions?referral_id=${referral}&limit=100`)).body.data;
const referral = async (id) => (await api.get(`/v1/referrals/${id}`)).body.data;

test('connecting Stripe: the webhook URL, the secret never shown, the scope', async () => {
  const r = await api.post('/v1/integrations/stripe', { signing_secret: SECRET });
  assert.equal(r.body.data.webhook_url, `${w.url}/v1/stripe/webhook/${p.programId}`);
  assert.deepEqual(r.body.data.events, ['checkout.session.completed', 'invoice.paid', 'charge.refunded', 'customer.subscription.deleted']);
  assert.ok(!JSON.stringify(r.body).includes(SECRET));
  const [{ results }] = await w.sql(`SELECT stripe_secret FROM integrations WHERE program_id = '${p.programId}'`);
  assert.match(results[0].stripe_secret, /^v1:[0-9a-f]+$/);
  assert.ok(!results[0].stripe_secret.includes(Buffer.from(SECRET).toString('hex')), 'stored sealed');
  assert.equal((await api.post('/v1/integrations/stripe', { signing_secret: 'sk_live_x' })).status, 400);
  const narrow = client(w.url, await w.addSecretKey(p.programId, ['read:referrals']));
  assert.equal((await narrow.post('/v1/integrations/stripe', { signing_secret: SECRET })).status, 403);
});

test('checkout with client_reference_id: a sale and its commission, once', async () => {
  const t0 = nowS() - 100 * DAY;
  const checkout = event('checkout.session.completed', {
    id: 'cs_test_1', object: 'checkout.session', client_reference_id: clickId, customer: 'cus_A', customer_details: { email: 'payer@example.com' },
    amount_total: 4999, currency: 'usd', payment_intent: 'pi_1', invoice: null, mode: 'payment', metadata: {},
  }, t0);
  const r = await deliver(checkout);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.outcome, 'sale');
  const [c] = await commissionsOf(clickId);
  assert.equal(c.amount, 1000, '20 % of 49.99, rounded half away from zero');
  assert.equal(c.affiliate_id, s.affiliate.id);
  assert.equal(c.currency, 'USD');
  assert.equal(c.status, 'pending');
  assert.equal(c.due, false, 'held 30 days');
  assert.ok(Math.abs(Date.parse(c.due_at) - Date.parse(c.created_at) - 30 * DAY * 1000) < 1000);
  const ref = await referral(clickId);
  assert.equal(ref.status, 'customer');
  assert.equal(ref.customer_id, 'cus_A');
  assert.equal(ref.sales_total, 4999);
  assert.equal(ref.commissions_total, 1000);
  // The same event again, and the same session in another event: nothing new.
  assert.equal((await deliver(checkout)).body.data.outcome, 'duplicate');
  const again = await deliver({ ...checkout, id: `${checkout.id}_b` });
  assert.equal(again.status, 200);
  assert.equal((await commissionsOf(clickId)).length, 1);
  assert.equal((await referral(clickId)).sales_total, 4999);
});

test('bad signatures, stale timestamps and tampered bodies record nothing', async () => {
  const evt = event('checkout.session.completed', { id: 'cs_bad', client_reference_id: clickId, amount_total: 100, currency: 'usd' });
  const before = (await referral(clickId)).sales_total;
  for (const [why, opts, code] of [
    ['another secret', { secret: 'whsec_other' }, 400],
    ['stale', { timestamp: nowS() - 301 }, 400],
    // Beyond the 300 s tolerance by a minute: the request's own latency (seconds on a busy
    // machine) brings a timestamp only 1 s ahead back inside it.
    ['future', { timestamp: nowS() + 360 }, 400],
  ]) {
    const r = await deliver(evt, opts);
    assert.equal(r.status, code, why);
    assert.equal(r.body.error.code, 'VALIDATION_ERROR', why);
    assert.equal(r.body.error.field, 'Stripe-Signature', why);
  }
  const header = stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(evt), secret: SECRET });
  const tampered = await client(w.url, null).post(hook, JSON.stringify({ ...evt, data: { object: { ...evt.data.object, amount_total: 99999 } } }), { 'Stripe-Signature': header });
  assert.equal(tampered.status, 400);
  assert.equal((await client(w.url, null).post(hook, JSON.stringify(evt))).status, 400, 'no header');
  assert.equal((await client(w.url, null).post(`/v1/stripe/webhook/prg_${'0'.repeat(32)}`, JSON.stringify(evt), { 'Stripe-Signature': header })).status, 404);
  assert.equal((await referral(clickId)).sales_total, before);
  // A signed event that is valid is then accepted, once.
  assert.equal((await deliver(evt)).body.data.outcome, 'sale');
});

test('invoice.paid three times: commissions only within recurring_months', async () => {
  const t0 = nowS() - 100 * DAY; // the checkout's time: the first sale
  const outcomes = [];
  for (const [n, at] of [[1, t0 + 10 * DAY], [2, t0 + 40 * DAY], [3, t0 + 80 * DAY]]) {
    const r = await deliver(event('invoice.paid', { id: `in_${n}`, object: 'invoice', customer: 'cus_A', amount_paid: 2000, currency: 'usd', payment_intent: `pi_in_${n}` }, at));
    outcomes.push(r.body.data.outcome);
  }
  assert.deepEqual(outcomes, ['sale', 'sale', 'sale'], 'every payment is a sale');
  const all = await commissionsOf(clickId);
  const recurring = all.filter((c) => c.amount === 400);
  assert.equal(recurring.length, 2, 'the third invoice is past 2 months after the first sale');
  assert.equal((await referral(clickId)).sales_total, 4999 + 100 + 3 * 2000);
});

test('refunds: pro rata before payout, voided when full, clawed back after payout', async () => {
  const sales = async () => (await w.sql(`SELECT invoice_id, id FROM sales WHERE referral_id = '${clickId}'`))[0].results;
  const ids = Object.fromEntries((await sales()).map((x) => [x.invoice_id, x.id]));
  const of = async (invoice) => (await commissionsOf(clickId)).filter((c) => c.sale_id === ids[invoice]);

  // Partial refund of the checkout (pending): 1,000 × 2,499 / 4,999 = 499.9 → 500.
  const partial = await deliver(event('charge.refunded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_1', amount_refunded: 2500, currency: 'usd' }));
  assert.equal(partial.body.data.outcome, 'refund');
  assert.deepEqual((await of('cs_test_1')).map((c) => [c.amount, c.status]), [[500, 'pending']]);
  // The same refund total again (a retried event with a new ID) changes nothing.
  await deliver(event('charge.refunded', { id: 'ch_1', payment_intent: 'pi_1', amount_refunded: 2500 }));
  assert.deepEqual((await of('cs_test_1')).map((c) => c.amount), [500]);
  // The rest: voided.
  await deliver(event('charge.refunded', { id: 'ch_1', payment_intent: 'pi_1', amount_refunded: 4999 }));
  assert.deepEqual((await of('cs_test_1')).map((c) => c.status), ['voided']);

  // Invoice 1's commission is paid out, then the invoice is refunded: a clawback.
  const [paidOne] = await of('in_1');
  const paid = await api.patch(`/v1/commissions/${paidOne.id}`, { status: 'paid' });
  assert.equal(paid.body.data.status, 'paid');
  assert.ok(paid.body.data.paid_at);
  await deliver(event('charge.refunded', { id: 'ch_in_1', payment_intent: 'pi_in_1', amount_refunded: 1000 }));
  const afterPaid = (await of('in_1')).map((c) => [c.amount, c.status]).sort((a, b) => a[0] - b[0]);
  assert.deepEqual(afterPaid, [[-200, 'pending'], [400, 'paid']], 'half of a paid 400 is clawed back');
  const back = await api.patch(`/v1/commissions/${paidOne.id}`, { status: 'voided' });
  assert.equal(back.status, 422);
  assert.equal(back.body.error.code, 'INVALID_TRANSITION');
  assert.equal((await referral(clickId)).commissions_total, 400 - 200 + 400, 'voided ones do not count');
});

test('the merchant refund endpoint: idempotent by refund_id', async () => {
  const d = await seedLink(api, { token: 'manual1', campaign: { commission_type: 'fixed', commission_amount: 700 } });
  const r = await api.post('/v1/referrals', { affiliate_id: d.affiliate.id, email: 'manual@example.com', customer_id: 'cust_m' });
  const sale = await api.post('/v1/track/sale', { customer_id: 'cust_m', amount: 5000, currency: 'eur', invoice_id: 'inv_m1' });
  assert.equal(sale.status, 200);
  assert.deepEqual((await commissionsOf(r.body.data.id)).map((c) => c.amount), [700]);
  const body = { invoice_id: 'inv_m1', amount: 1000, refund_id: 're_1' };
  const once = await api.post('/v1/track/refund', body);
  assert.equal(once.status, 200, JSON.stringify(once.body));
  assert.equal(once.body.data.sale.refunded, 1000);
  assert.deepEqual(once.body.data.commissions.map((c) => c.amount), [560], '700 × 4000 / 5000');
  const twice = await api.post('/v1/track/refund', body);
  assert.equal(twice.body.data.sale.refunded, 1000, 'the same refund_id changes nothing');
  assert.equal((await api.post('/v1/track/refund', { ...body, invoice_id: 'inv_nope' })).status, 404);
  const list = await api.get(`/v1/commissions?affiliate_id=${d.affiliate.id}&status=pending`);
  assert.equal(list.body.pagination.total_count, 1);
  assert.equal((await api.get('/v1/commissions?status=owed')).status, 400);
  assert.equal((await api.get('/v1/commissions?affiliate_id=aff_123abc')).body.pagination.total_count, 0);
});

test('other events: cancel, unknown types and payments without a referral', async () => {
  const cancel = await deliver(event('customer.subscription.deleted', { id: 'sub_1', object: 'subscription', customer: 'cus_A' }));
  assert.equal(cancel.body.data.outcome, 'canceled');
  assert.equal((await referral(clickId)).status, 'canceled');
  const unknown = await deliver(event('customer.created', { id: 'cus_B' }));
  assert.equal(unknown.status, 200);
  assert.equal(unknown.body.data.outcome, 'ignored');
  // No client_reference_id, a new Stripe customer: the lead with the customer's email.
  const d = await seedLink(api, { token: 'byemail', campaign: { commission_type: 'fixed', commission_amount: 250 } });
  const lead = await api.post('/v1/referrals', { affiliate_id: d.affiliate.id, email: 'lead.only@example.com' });
  const byEmail = await deliver(event('checkout.session.completed', { id: 'cs_email', customer: 'cus_new', customer_details: { email: 'Lead.Only@example.com' }, amount_total: 1000, currency: 'usd' }));
  assert.equal(byEmail.body.data.outcome, 'sale', JSON.stringify(byEmail.body));
  assert.deepEqual((await commissionsOf(lead.body.data.id)).map((c) => c.amount), [250]);
  assert.equal((await referral(lead.body.data.id)).customer_id, 'cus_new');
  const stranger = await deliver(event('checkout.session.completed', { id: 'cs_x', client_reference_id: 'not-ours', customer_details: { email: 'nobody@example.com' }, amount_total: 900, currency: 'usd' }));
  assert.equal(stranger.body.data.outcome, 'ignored');
  const [{ results }] = await w.sql("SELECT COUNT(*) AS n FROM sales WHERE invoice_id = 'cs_x'");
  assert.equal(results[0].n, 0, 'a sale without a referral is not recorded');
});

/** Money is never deleted: a referral with sales or commissions (paid ones too) is 409. */
test('DELETE of a referral with sales or paid commissions is 409 CONFLICT and removes nothing', async () => {
  const d = await seedLink(api, { token: 'keepmoney', campaign: { commission_type: 'fixed', commission_amount: 300 } });
  const r = (await api.post('/v1/referrals', { affiliate_id: d.affiliate.id, email: 'keep@example.com', customer_id: 'cust_keep' })).body.data;
  assert.equal((await api.post('/v1/track/sale', { customer_id: 'cust_keep', amount: 2000, currency: 'usd', invoice_id: 'inv_keep' })).status, 200);
  const [commission] = await commissionsOf(r.id);
  assert.equal((await api.patch(`/v1/commissions/${commission.id}`, { status: 'paid' })).status, 200);
  const counts = async () => {
    const [{ results }] = await w.sql(`SELECT (SELECT COUNT(*) FROM sales WHERE referral_id = '${r.id}') AS sales, (SELECT COUNT(*) FROM commissions WHERE referral_id = '${r.id}') AS commissions, (SELECT COUNT(*) FROM referrals WHERE id = '${r.id}') AS referrals`);
    return results[0];
  };
  const before = await counts();
  assert.deepEqual(before, { sales: 1, commissions: 1, referrals: 1 });
  const del = await api.delete(`/v1/referrals/${r.id}`);
  assert.equal(del.status, 409, JSON.stringify(del.body));
  assert.equal(del.body.error.code, 'CONFLICT');
  assert.deepEqual(await counts(), before, 'nothing deleted');
  assert.equal((await api.get(`/v1/commissions/${commission.id}`)).body.data.status, 'paid');
  // A referral without money is deleted as before; an unknown one is 404.
  const bare = (await api.post('/v1/referrals', { affiliate_id: d.affiliate.id, email: 'bare@example.com' })).body.data;
  assert.equal((await api.delete(`/v1/referrals/${bare.id}`)).status, 200);
  assert.equal((await api.delete(`/v1/referrals/${bare.id}`)).status, 404);
});
