// Nothing lost after the commit: the transactional outbox (migrations/0010_outbox.sql,
// crates/worker/src/repo/outbox.rs) and the Stripe handler's transient failures, black-box
// against the real Worker under `wrangler dev` (local D1, Queue, --test-scheduled).
//
// * TEST_AFTER_COMMIT_FAILS (a test-only switch, honoured only with LOCAL_DEV) makes every
//   step after a write's commit fail, as a Worker killed between its commit and its
//   dispatch would: the answers must still be the committed writes', a client's retry must
//   get the same answer and record nothing twice, and the Cron Trigger must deliver every
//   event exactly once.
// * A trigger the test installs in the local D1 makes the sale insert silently do nothing
//   (`RAISE(IGNORE)`), which the Worker sees exactly as a referral that keeps changing under
//   it: Stripe's event must answer 500 and stay unhandled, so Stripe's retry records it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';
import { until } from '../lib/browser.mjs';

const EVENTS = ['referral.created', 'referral.converted', 'sale.created', 'commission.created', 'sale.refunded', 'commission.voided'];
let w, p, api, pk, s, receiver, secret;
const received = [];

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  w = await startWorker({ vars: { TEST_AFTER_COMMIT_FAILS: 'true', WEBHOOK_SWEEP_AFTER_SECONDS: '1' } });
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  s = await seedLink(api, { token: 'aftercommit', campaign: { commission_type: 'percentage', commission_amount: 2000 } });
  const made = await api.post('/v1/webhook_endpoints', { url: `http://127.0.0.1:${receiver.address().port}/hooks`, events: EVENTS });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  secret = made.body.data.secret;
});
after(async () => {
  await w?.stop();
  receiver?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rows = async (sql) => (await w.sql(sql))[0].results;
const programEvents = () => rows(`SELECT id, event_type, resource_id, dispatched_at FROM events WHERE program_id = '${p.programId}' ORDER BY created_at, event_type`);

test('every step after the commit failing: the answers are the writes\', retries record nothing twice, and the Cron Trigger delivers each event once', async () => {
  // A referral through the API, retried with its Idempotency-Key after a "lost" answer.
  const key = { 'Idempotency-Key': 'after-commit-1' };
  const created = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'api@example.com' }, key);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.data.email, 'api@example.com');
  assert.equal(created.body.data.status, 'lead');
  const createdAgain = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'api@example.com' }, key);
  assert.deepEqual([createdAgain.status, createdAgain.body], [201, created.body]);

  // A lead from the tracker, retried (the lead endpoint's own replay path).
  const click = await pk.post('/v1/track/click', { token: 'aftercommit', url: 'https://shop.example.com/' });
  assert.equal(click.status, 200, JSON.stringify(click.body));
  const clickId = click.body.data.click_id;
  const lead = await pk.post('/v1/track/lead', { click_id: clickId, email: 'lead@example.com' });
  assert.equal(lead.status, 200, JSON.stringify(lead.body));
  assert.equal(lead.body.data.status, 'lead');
  assert.deepEqual((await pk.post('/v1/track/lead', { click_id: clickId, email: 'lead@example.com' })).body, lead.body);

  // A sale, retried by invoice ID: one sale, one commission.
  const saleBody = { click_id: clickId, amount: 10000, currency: 'usd', invoice_id: 'inv_after_commit' };
  const sale = await api.post('/v1/track/sale', saleBody);
  assert.equal(sale.status, 200, JSON.stringify(sale.body));
  assert.equal(sale.body.data.referral.id, clickId);
  assert.equal(sale.body.data.referral.status, 'customer', 'the referral as the sale left it');
  assert.equal(sale.body.data.referral.sales_total, 10000);
  const saleAgain = await api.post('/v1/track/sale', saleBody);
  assert.equal(saleAgain.status, 200);
  assert.equal(saleAgain.body.data.sale.id, sale.body.data.sale.id);

  // A full refund, retried by refund ID: the pending commission voided once.
  const refundBody = { invoice_id: 'inv_after_commit', refund_id: 're_after_commit', amount: 10000 };
  const refund = await api.post('/v1/track/refund', refundBody);
  assert.equal(refund.status, 200, JSON.stringify(refund.body));
  assert.equal(refund.body.data.sale.refunded, 10000);
  assert.deepEqual(refund.body.data.commissions.map((c) => [c.amount, c.status]), [[2000, 'voided']]);
  const refundAgain = await api.post('/v1/track/refund', refundBody);
  assert.equal(refundAgain.status, 200);
  assert.deepEqual(refundAgain.body.data.commissions.map((c) => c.id), refund.body.data.commissions.map((c) => c.id));
  assert.equal((await rows(`SELECT COUNT(*) AS n FROM sales WHERE program_id = '${p.programId}'`))[0].n, 1);
  assert.equal((await rows(`SELECT COUNT(*) AS n FROM commissions WHERE program_id = '${p.programId}'`))[0].n, 1);

  // Every event is stored with its write, none dispatched: nothing was sent.
  const expected = [
    ['referral.created', created.body.data.id],
    ['referral.created', clickId],
    ['sale.created', sale.body.data.sale.id],
    ['commission.created', refund.body.data.commissions[0].id],
    ['referral.converted', clickId],
    ['sale.refunded', sale.body.data.sale.id],
    ['commission.voided', refund.body.data.commissions[0].id],
  ];
  const sortPairs = (pairs) => pairs.map((x) => x.join(' ')).sort();
  const stored = await programEvents();
  assert.deepEqual(sortPairs(stored.map((e) => [e.event_type, e.resource_id])), sortPairs(expected));
  assert.ok(stored.every((e) => e.dispatched_at === null));
  assert.equal((await rows('SELECT COUNT(*) AS n FROM webhook_messages'))[0].n, 0);
  await sleep(1500);
  assert.equal(received.length, 0);

  // The Cron Trigger dispatches them (undispatched for more than 1 s here), each once.
  await w.cron();
  await until(() => received.length >= expected.length, 30_000, 'the swept deliveries');
  for (let i = 0; i < 2; i++) {
    await sleep(1500);
    await w.cron();
  }
  await sleep(1500);
  assert.equal(received.length, expected.length, 'exactly once each');
  const hook = new Webhook(secret);
  const delivered = received.map((r) => {
    hook.verify(r.body, r.headers);
    const body = JSON.parse(r.body);
    return { id: r.headers['webhook-id'], type: body.type, data: body.data };
  });
  assert.deepEqual(delivered.map((d) => d.id).sort(), stored.map((e) => e.id).sort(), 'webhook-id is the stored event ID');
  assert.deepEqual(sortPairs(delivered.map((d) => [d.type, d.data.id])), sortPairs(expected));
  assert.equal(delivered.find((d) => d.type === 'commission.voided').data.status, 'voided');
  assert.ok((await programEvents()).every((e) => e.dispatched_at !== null));
  await until(async () => (await rows("SELECT COUNT(*) AS n FROM webhook_messages WHERE state <> 'delivered'"))[0].n === 0, 10_000, 'all delivered in D1');
});

test('Stripe: a sale that cannot be written now answers 500 and stays unhandled; Stripe\'s retry records it', async () => {
  const SECRET = 'whsec_afterCommitTest123';
  const stripe = new Stripe('sk_test_unused_no_network');
  const connected = await api.post('/v1/integrations/stripe', { signing_secret: SECRET });
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  const hookPath = new URL(connected.body.data.webhook_url).pathname;
  const clickId = (await pk.post('/v1/track/click', { token: 'aftercommit', url: 'https://shop.example.com/' })).body.data.click_id;
  const evt = {
    id: 'evt_after_commit_race', object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
    data: { object: {
      id: 'cs_after_commit', object: 'checkout.session', client_reference_id: clickId, customer: 'cus_race', customer_details: { email: 'race@example.com' },
      amount_total: 5000, currency: 'usd', payment_intent: 'pi_race', invoice: null, mode: 'payment', metadata: {},
    } },
  };
  const deliver = () => {
    const payload = JSON.stringify(evt);
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    return client(w.url, null).post(hookPath, payload, { 'Stripe-Signature': header });
  };
  // Every sale insert now does nothing, as if the referral changed under each attempt.
  await w.sql("CREATE TRIGGER test_sale_race BEFORE INSERT ON sales BEGIN SELECT RAISE(IGNORE); END;");
  try {
    const failed = await deliver();
    assert.equal(failed.status, 500, JSON.stringify(failed.body));
    assert.equal((await rows("SELECT COUNT(*) AS n FROM stripe_events WHERE event_id = 'evt_after_commit_race'"))[0].n, 0, 'not marked handled');
  } finally {
    await w.sql('DROP TRIGGER test_sale_race;');
  }
  const retried = await deliver();
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.data.outcome, 'sale');
  const [sale] = await rows(`SELECT amount, referral_id FROM sales WHERE program_id = '${p.programId}' AND invoice_id = 'cs_after_commit'`);
  assert.deepEqual(sale, { amount: 5000, referral_id: clickId });
  // Handled now: a third delivery records nothing more.
  const third = await deliver();
  assert.equal(third.status, 200);
  assert.notEqual(third.body.data.outcome, 'sale');
  assert.equal((await rows(`SELECT COUNT(*) AS n FROM sales WHERE program_id = '${p.programId}' AND referral_id = '${clickId}'`))[0].n, 1);
});
