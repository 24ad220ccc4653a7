// Nothing lost: a webhook whose queue send fails after the write committed is delivered by
// the Cron Trigger later, exactly once; and the Cron Trigger's retention removes only what
// crates/core/src/retention.rs says it no longer keeps. The real Worker under `wrangler dev`
// (local D1 and Queue, --test-scheduled), with its test-only switch TEST_QUEUE_SEND_FAILS
// (honoured only with LOCAL_DEV) standing in for a Queue that is briefly down.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startWorker, client, seedLink } from '../lib/worker.mjs';
import { until } from '../lib/browser.mjs';

let w, p, api, s, receiver, hookUrl, secret, endpointId;
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
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;
  w = await startWorker({ vars: { TEST_QUEUE_SEND_FAILS: 'true', WEBHOOK_SWEEP_AFTER_SECONDS: '1' } });
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  s = await seedLink(api, { token: 'outbox' });
  const made = await api.post('/v1/webhook_endpoints', { url: hookUrl, events: ['referral.created'] });
  assert.equal(made.status, 201);
  secret = made.body.data.secret;
  endpointId = made.body.data.id;
});
after(async () => {
  await w?.stop();
  receiver?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const messages = async () => (await w.sql('SELECT event_id, state, attempts FROM webhook_messages ORDER BY created_at'))[0].results;

test('a failed queue send: the write stands, the event waits in D1, and the Cron Trigger delivers it once', async () => {
  const created = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'outbox@example.com' });
  assert.equal(created.status, 201, 'the write answers as committed');
  await sleep(2000);
  assert.equal(received.length, 0, 'nothing was queued');
  const [pending] = await messages();
  assert.deepEqual({ state: pending.state, attempts: pending.attempts }, { state: 'pending', attempts: 0 });
  // Overdue by WEBHOOK_SWEEP_AFTER_SECONDS (1 s here): the Cron Trigger's sweep sends it.
  await w.cron();
  await until(() => received.length >= 1, 20_000, 'the swept delivery');
  const [got] = received;
  assert.equal(got.headers['webhook-id'], pending.event_id);
  new Webhook(secret).verify(got.body, got.headers);
  const event = JSON.parse(got.body);
  assert.equal(event.type, 'referral.created');
  assert.equal(event.data.id, created.body.data.id);
  await until(async () => (await messages())[0].state === 'delivered', 10_000, 'delivered in D1');
  // More cron runs send nothing again: the message is delivered.
  await w.cron();
  await sleep(1500);
  await w.cron();
  await sleep(1500);
  assert.equal(received.length, 1, 'exactly once');
  assert.deepEqual((await messages()).map((m) => [m.state, m.attempts]), [['delivered', 1]]);
});

test('retention: the Cron Trigger removes old report IDs, delivered bodies, attempts and Stripe event IDs, and keeps the rest', async () => {
  const ref = (await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'retained@example.com' })).body.data.id;
  const iso = (daysAgo) => new Date(Date.now() - daysAgo * 86400e3).toISOString();
  const pid = p.programId;
  await w.sql(`
    INSERT INTO click_reports (program_id, report_id, referral_id, attempt, created_at) VALUES
      ('${pid}', 'rpt_old', '${ref}', 'a', '${iso(9)}'), ('${pid}', 'rpt_new', '${ref}', 'a', '${iso(6)}');
    INSERT INTO stripe_events (program_id, event_id, type, created_at) VALUES
      ('${pid}', 'evt_old', 'invoice.paid', '${iso(31)}'), ('${pid}', 'evt_new', 'invoice.paid', '${iso(29)}');
    INSERT INTO webhook_messages (endpoint_id, event_id, program_id, event_type, body, attempts, state, created_at, updated_at, due_at) VALUES
      ('${endpointId}', 'evt_${'1'.repeat(32)}', '${pid}', 'referral.created', '{}', 1, 'delivered', '${iso(40)}', '${iso(40)}', NULL),
      ('${endpointId}', 'evt_${'2'.repeat(32)}', '${pid}', 'referral.created', '{}', 8, 'dead', '${iso(31)}', '${iso(31)}', NULL),
      ('${endpointId}', 'evt_${'3'.repeat(32)}', '${pid}', 'referral.created', '{}', 1, 'delivered', '${iso(2)}', '${iso(2)}', NULL);
    INSERT INTO events (id, program_id, event_type, resource_id, created_at, dispatched_at) VALUES
      ('evt_${'4'.repeat(32)}', '${pid}', 'referral.created', '${ref}', '${iso(40)}', '${iso(40)}'),
      ('evt_${'5'.repeat(32)}', '${pid}', 'referral.created', '${ref}', '${iso(2)}', '${iso(2)}');
    INSERT INTO webhook_deliveries (id, program_id, endpoint_id, event_id, event_type, attempt, status_code, duration_ms, error, created_at) VALUES
      ('dlv_${'1'.repeat(32)}', '${pid}', '${endpointId}', 'evt_${'1'.repeat(32)}', 'referral.created', 1, 200, 5, NULL, '${iso(40)}'),
      ('dlv_${'3'.repeat(32)}', '${pid}', '${endpointId}', 'evt_${'3'.repeat(32)}', 'referral.created', 1, 200, 5, NULL, '${iso(2)}');
  `);
  const ids = async (sql) => (await w.sql(sql))[0].results.map((r) => Object.values(r)[0]).sort();
  const messagesBefore = await ids('SELECT event_id FROM webhook_messages');
  await w.cron();
  await until(async () => !(await ids("SELECT report_id FROM click_reports WHERE report_id LIKE 'rpt_%'")).includes('rpt_old'), 10_000, 'the cron run');
  assert.deepEqual(await ids("SELECT report_id FROM click_reports WHERE report_id LIKE 'rpt_%'"), ['rpt_new']);
  assert.deepEqual(await ids("SELECT event_id FROM stripe_events"), ['evt_new']);
  const kept = await ids('SELECT event_id FROM webhook_messages');
  assert.ok(kept.includes(`evt_${'3'.repeat(32)}`), 'a recent delivered body stays');
  assert.ok(!kept.includes(`evt_${'1'.repeat(32)}`) && !kept.includes(`evt_${'2'.repeat(32)}`), 'old delivered and dead bodies go');
  // Everything else stays: the first test's delivered message (today) and the pending
  // message of this test's referral (its queue send failed; pending is never removed).
  assert.deepEqual(kept, messagesBefore.filter((id) => id !== `evt_${'1'.repeat(32)}` && id !== `evt_${'2'.repeat(32)}`));
  assert.equal(kept.length, 3);
  const attempts = await ids('SELECT id FROM webhook_deliveries');
  assert.ok(attempts.includes(`dlv_${'3'.repeat(32)}`) && !attempts.includes(`dlv_${'1'.repeat(32)}`));
  const events = await ids(`SELECT id FROM events WHERE id IN ('evt_${'4'.repeat(32)}', 'evt_${'5'.repeat(32)}')`);
  assert.deepEqual(events, [`evt_${'5'.repeat(32)}`], 'a dispatched event goes after as long as a delivered body');
  // The referral itself and its sales are never touched.
  assert.equal((await api.get(`/v1/referrals/${ref}`)).status, 200);
});
