// End to end, in Chromium against the real Worker (demo site and program): a visitor lands
// through ?via=jb007 and signs up; the page hands `viatrack.referral` to Stripe Checkout as
// `client_reference_id`; Stripe's `checkout.session.completed` (signed by Stripe's own npm
// package) reaches the webhook; the commission is listed for James Bond.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startDemoWorker, client, BROWSER_UA } from '../lib/worker.mjs';
import { launchEngine } from '../lib/engines.mjs';

const SECRET = 'whsec_demoCheckout42';
let w, api, chromium;

before(async () => {
  ({ w, api } = await startDemoWorker());
  chromium = await launchEngine('chromium');
});
after(async () => {
  await chromium?.close();
  await w?.stop();
});

test('?via=jb007 → signup → Checkout with viatrack.referral → commission for James Bond', async () => {
  // The merchant: 25 % commissions on the demo campaign, Stripe connected.
  const jb = (await api.get('/v1/links?limit=100')).body.data.find((l) => l.token === 'jb007');
  const campaign = await api.patch(`/v1/campaigns/${jb.campaign_id}`, { commission_type: 'percentage', commission_amount: 2500 });
  assert.equal(campaign.status, 200);
  const hook = new URL((await api.post('/v1/integrations/stripe', { signing_secret: SECRET })).body.data.webhook_url).pathname;

  // The visitor.
  const page = await chromium.open({ userAgent: BROWSER_UA });
  await page.goto(`${w.url}/?via=jb007`);
  await page.fill('input[name=email]', 'buyer@example.com');
  await page.fill('input[name=name]', 'Buyer');
  await page.click('button[type=submit]');
  let reference = null;
  for (let i = 0; i < 50 && !reference; i++) {
    reference = await page.evaluate(() => window.viatrack?.referral ?? null);
    if (!reference) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(reference ?? '', /^ref_[0-9a-f]{32}$/, 'viatrack.referral for client_reference_id');

  // Stripe, after the payment on its Checkout page.
  const stripe = new Stripe('sk_test_unused_no_network');
  const payload = JSON.stringify({
    id: 'evt_e2e_1', object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
    data: { object: { id: 'cs_e2e_1', object: 'checkout.session', client_reference_id: reference, customer: 'cus_e2e', amount_total: 12000, currency: 'usd', payment_intent: 'pi_e2e', mode: 'payment' } },
  });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
  const delivered = await client(w.url, null).post(hook, payload, { 'Stripe-Signature': header });
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
  assert.equal(delivered.body.data.outcome, 'sale');

  const listed = await api.get(`/v1/commissions?affiliate_id=${jb.affiliate_id}`);
  assert.equal(listed.body.pagination.total_count, 1);
  const [c] = listed.body.data;
  assert.equal(c.referral_id, reference);
  assert.equal(c.amount, 3000, '25 % of 120.00');
  assert.equal(c.currency, 'USD');
  const referral = (await api.get(`/v1/referrals/${reference}`)).body.data;
  assert.equal(referral.email, 'buyer@example.com');
  assert.equal(referral.status, 'customer');
  assert.equal(referral.commissions_total, 3000);
  assert.deepEqual(page.problems, []);
});
