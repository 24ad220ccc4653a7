// The Queue's budget is the delivery policy's, black-box against the real Worker under
// `wrangler dev` (its local Queue) with WEBHOOK_RETRY_BASE_SECONDS=0, so the 8 attempts of
// crates/core/src/webhooks.rs come back to back:
//
// * a receiver that always answers 500 gets exactly MAX_ATTEMPTS (8) attempts, D1 then says
//   `dead` with 8 attempts, and the Queue agrees: nothing more is delivered;
// * a storage failure in the consumer (a trigger the test installs in the local D1 refuses
//   to log attempts) spends no delivery attempt: once storage is back, the delivery is
//   logged as attempt 1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startWorker, client, seedLink } from '../lib/worker.mjs';
import { until } from '../lib/browser.mjs';

let w, p, api, s, receiver, hookUrl;
const received = [];
let status = 500;

before(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers['webhook-id']);
      res.writeHead(status);
      res.end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;
  w = await startWorker({ vars: { WEBHOOK_RETRY_BASE_SECONDS: '0' } });
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  s = await seedLink(api, { token: 'deadletter' });
  const made = await api.post('/v1/webhook_endpoints', { url: hookUrl, events: ['referral.created'] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
});
after(async () => {
  await w?.stop();
  receiver?.close();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const message = async (eventId) =>
  (await w.sql(`SELECT state, attempts FROM webhook_messages WHERE event_id = '${eventId}'`))[0].results[0];
const eventOf = async (referralId) =>
  (await w.sql(`SELECT id FROM events WHERE resource_id = '${referralId}'`))[0].results[0].id;

test('a receiver that always answers 500: 8 attempts, dead in D1, and the Queue sends no more', async () => {
  status = 500;
  const created = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'dead@example.com' });
  assert.equal(created.status, 201);
  const id = await eventOf(created.body.data.id);
  await until(async () => (await message(id))?.state === 'dead', 60_000, 'the dead letter');
  assert.deepEqual(await message(id), { state: 'dead', attempts: 8 });
  await sleep(3000);
  assert.equal(received.filter((r) => r === id).length, 8, 'exactly MAX_ATTEMPTS requests, none after the dead letter');
  const log = (await w.sql(`SELECT attempt, status_code FROM webhook_deliveries WHERE event_id = '${id}' ORDER BY attempt`))[0].results;
  assert.deepEqual(log.map((d) => [d.attempt, d.status_code]), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => [n, 500]));
});

test('storage failing in the consumer spends no delivery attempt', async () => {
  status = 200;
  await w.sql("CREATE TRIGGER test_log_down BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'storage down'); END;");
  let id;
  try {
    const created = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'stored-later@example.com' });
    assert.equal(created.status, 201);
    id = await eventOf(created.body.data.id);
    // Sent, answered 200, but not logged: the consumer retries the message.
    await until(() => received.filter((r) => r === id).length >= 2, 30_000, 'two sends while storage is down');
    assert.deepEqual(await message(id), { state: 'pending', attempts: 0 }, 'no attempt counted');
  } finally {
    await w.sql('DROP TRIGGER test_log_down;');
  }
  await until(async () => (await message(id)).state === 'delivered', 30_000, 'delivered once storage is back');
  assert.deepEqual(await message(id), { state: 'delivered', attempts: 1 });
  const sent = received.filter((r) => r === id).length;
  await sleep(3000);
  assert.equal(received.filter((r) => r === id).length, sent, 'nothing after the logged delivery');
});
