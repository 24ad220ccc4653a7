// Outbound webhooks, black-box: the real Worker under `wrangler dev` (its local Queue, with
// WEBHOOK_RETRY_BASE_SECONDS=1) posts to a receiver on 127.0.0.1 that verifies every request
// with the `standardwebhooks` npm package, an implementation independent of ours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startWorker, client, seedLink } from '../lib/worker.mjs';

let w, p, api, s, receiver, hookUrl;
/** Every request the receiver got: { headers, body, verified: [secret names that verify] }. */
const received = [];
/** Status codes to answer, in turn (then 200). */
let answers = [];
/** Secrets to verify with, by name. */
const secrets = {};

before(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const verified = Object.entries(secrets).filter(([, secret]) => {
        try { new Webhook(secret).verify(body, req.headers); return true; } catch { return false; }
      }).map(([name]) => name);
      received.push({ headers: req.headers, body, verified });
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'text/plain' });
      res.end('a body that viatrack must not echo: SENSITIVE');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hooks`;
  w = await startWorker();
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  s = await seedLink(api, { token: 'hooked', campaign: { commission_type: 'percentage', commission_amount: 1000 } });
});
after(async () => {
  await w?.stop();
  receiver?.close();
});

async function until(f, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('endpoints: the secret once, refused URLs, the scope', async () => {
  const r = await api.post('/v1/webhook_endpoints', { url: hookUrl, events: ['referral.created', 'sale.created', 'commission.created'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.data.secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'whsec_ + base64 of 32 bytes');
  assert.deepEqual(r.body.data.events, ['commission.created', 'referral.created', 'sale.created']);
  secrets.first = r.body.data.secret;
  const got = await api.get(`/v1/webhook_endpoints/${r.body.data.id}`);
  assert.equal(got.body.data.secret, undefined, 'never shown again');
  assert.ok(!JSON.stringify((await api.get('/v1/webhook_endpoints')).body).includes(secrets.first));
  for (const url of ['http://hooks.example.com/', 'https://10.0.0.8/', 'https://169.254.169.254/latest', 'https://[fd00::1]/', 'https://printer.local/', 'https://intranet/x', `${w.url}/v1/referrals`]) {
    const bad = await api.post('/v1/webhook_endpoints', { url, events: ['sale.created'] });
    assert.equal(bad.status, 400, url);
    assert.equal(bad.body.error.field, 'url', url);
  }
  assert.equal((await api.post('/v1/webhook_endpoints', { url: hookUrl, events: ['sale.paid'] })).status, 400);
  assert.equal((await api.post('/v1/webhook_endpoints', { url: hookUrl, events: [] })).status, 400);
  const narrow = client(w.url, await w.addSecretKey(p.programId, ['read:referrals']));
  assert.equal((await narrow.post('/v1/webhook_endpoints', { url: hookUrl, events: ['sale.created'] })).status, 403);
  // The rest of IANA's special-purpose blocks, and any host's first-party route (the Worker).
  for (const url of ['https://0.1.2.3/', 'https://198.18.0.1/', 'https://240.0.0.1/', 'https://224.0.0.251/', 'https://[64:ff9b::a00:1]/', 'https://[2002:a00:1::]/', 'https://[fec0::1]/', 'https://[ff02::1]/', 'https://hooks.example.com/_viatrack/v1/referrals']) {
    const bad = await api.post('/v1/webhook_endpoints', { url, events: ['sale.created'] });
    assert.equal(bad.status, 400, url);
    assert.equal(bad.body.error.field, 'url', url);
  }
  // The endpoint used below.
  globalThis.endpointId = r.body.data.id;
});

test('an event after the write: 500 twice, then 200: delivered once, three attempts under one webhook-id', async () => {
  answers = [500, 500];
  const before = received.length;
  const created = await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'hooked@example.com' });
  assert.equal(created.status, 201);
  await until(() => received.length >= before + 3, 30_000, 'three attempts');
  const attempts = received.slice(before, before + 3);
  const ids = new Set(attempts.map((a) => a.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
  assert.match([...ids][0], /^evt_[0-9a-f]{32}$/);
  for (const a of attempts) assert.deepEqual(a.verified, ['first'], 'verified by standardwebhooks');
  const event = JSON.parse(attempts[2].body);
  assert.equal(event.type, 'referral.created');
  assert.ok(Date.parse(event.timestamp));
  assert.deepEqual(event.data, (await api.get(`/v1/referrals/${created.body.data.id}`)).body.data, 'the resource as the API returns it');
  const log = await until(async () => {
    const d = (await api.get(`/v1/webhook_endpoints/${globalThis.endpointId}/deliveries`)).body;
    return d.pagination.total_count >= 3 && d;
  }, 10_000, 'three logged attempts');
  const mine = log.data.filter((d) => d.event_id === [...ids][0]).sort((a, b) => a.attempt - b.attempt);
  assert.deepEqual(mine.map((d) => [d.attempt, d.status_code, d.error]), [[1, 500, 'HTTP 500'], [2, 500, 'HTTP 500'], [3, 200, null]]);
  assert.ok(!JSON.stringify(log).includes('SENSITIVE'), 'the answer body is never stored or shown');
  // Delivered once: D1 says delivered after three attempts, so no later queue message (a
  // retry scheduled in error would come 16 s later) can send it again: the consumer sends
  // only pending messages.
  const [{ results: state }] = await w.sql(`SELECT state, attempts FROM webhook_messages WHERE event_id = '${[...ids][0]}'`);
  assert.deepEqual(state.map((m) => [m.state, m.attempts]), [['delivered', 3]]);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(received.filter((a) => a.headers['webhook-id'] === [...ids][0]).length, 3, 'delivered once: no attempt after the 200');
});

test('a sale: sale.created and commission.created; a failed write sends nothing', async () => {
  const before = received.length;
  const bad = await api.post('/v1/track/sale', { email: 'nobody@example.com', amount: 100, currency: 'usd', invoice_id: 'in_none' });
  assert.equal(bad.status, 404);
  const ok = await api.post('/v1/track/sale', { email: 'hooked@example.com', amount: 5000, currency: 'usd', invoice_id: 'in_hook' });
  assert.equal(ok.status, 200);
  const got = await until(() => received.length >= before + 2 && received.slice(before), 20_000, 'sale events');
  const types = got.map((g) => JSON.parse(g.body).type).sort();
  assert.deepEqual(types, ['commission.created', 'sale.created'], 'only the subscribed events of the write that committed');
  const commission = got.map((g) => JSON.parse(g.body)).find((e) => e.type === 'commission.created').data;
  assert.equal(commission.amount, 500);
});

test('rotation: both signatures for 24 h, each verifies with its own secret', async () => {
  const rotated = await api.post(`/v1/webhook_endpoints/${globalThis.endpointId}/rotate_secret`);
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.body.data.secret, secrets.first);
  assert.ok(Date.parse(rotated.body.data.previous_secret_expires_at) - Date.now() > 23.9 * 3600e3);
  secrets.second = rotated.body.data.secret;
  const before = received.length;
  await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'rotated@example.com' });
  const [got] = await until(() => received.length > before && received.slice(before), 20_000, 'an event after rotation');
  assert.equal(got.headers['webhook-signature'].split(' ').length, 2);
  assert.deepEqual(got.verified.sort(), ['first', 'second']);
  // A second rotation within the 24 h keeps the original secret and its expiry: receivers
  // still on the first secret keep verifying; only the unused second one goes.
  const again = await api.post(`/v1/webhook_endpoints/${globalThis.endpointId}/rotate_secret`);
  assert.equal(again.status, 200);
  assert.equal(again.body.data.previous_secret_expires_at, rotated.body.data.previous_secret_expires_at);
  secrets.third = again.body.data.secret;
  const mark = received.length;
  await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'rotated.twice@example.com' });
  const [next] = await until(() => received.length > mark && received.slice(mark), 20_000, 'an event after the second rotation');
  assert.deepEqual(next.verified.sort(), ['first', 'third']);
});

test('retry of a delivery: the same webhook-id and body again; PATCH disables; DELETE', async () => {
  const log = (await api.get(`/v1/webhook_endpoints/${globalThis.endpointId}/deliveries?limit=100`)).body.data;
  const done = log.find((d) => d.status_code === 200);
  const before = received.length;
  const retried = await api.post(`/v1/webhook_endpoints/${globalThis.endpointId}/deliveries/${done.id}/retry`);
  assert.equal(retried.status, 202);
  const [again] = await until(() => received.length > before && received.slice(before), 20_000, 'the retried delivery');
  assert.equal(again.headers['webhook-id'], done.event_id);
  assert.equal((await api.post(`/v1/webhook_endpoints/${globalThis.endpointId}/deliveries/dlv_${'0'.repeat(32)}/retry`)).status, 404);
  const off = await api.patch(`/v1/webhook_endpoints/${globalThis.endpointId}`, { enabled: false });
  assert.equal(off.body.data.enabled, false);
  const quiet = received.length;
  await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'paused@example.com' });
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(received.length, quiet, 'a disabled endpoint gets nothing');
  assert.equal((await api.delete(`/v1/webhook_endpoints/${globalThis.endpointId}`)).status, 200);
  assert.equal((await api.get(`/v1/webhook_endpoints/${globalThis.endpointId}`)).status, 404);
});

/**
 * An endpoint delivers an event's data to whoever runs it, so subscribing needs `read:` on
 * each event's resource: referral.* and sale.* need read:referrals, commission.* needs
 * read:commissions, on create and on PATCH. Every event type is tried.
 */
test('a write:webhooks key subscribes only to events whose data it may read', async () => {
  const hooksOnly = client(w.url, await w.addSecretKey(p.programId, ['write:webhooks', 'read:webhooks']));
  const withReferrals = client(w.url, await w.addSecretKey(p.programId, ['write:webhooks', 'read:referrals']));
  const withCommissions = client(w.url, await w.addSecretKey(p.programId, ['write:webhooks', 'read:commissions']));
  const all = ['referral.created', 'referral.converted', 'referral.updated', 'sale.created', 'sale.refunded', 'commission.created', 'commission.paid', 'commission.voided'];
  const [{ results }] = await w.sql("SELECT COUNT(*) AS n FROM webhook_endpoints");
  for (const event of all) {
    const denied = await hooksOnly.post('/v1/webhook_endpoints', { url: hookUrl, events: [event] });
    assert.equal(denied.status, 403, event);
    assert.equal(denied.body.error.code, 'PERMISSION_DENIED', event);
    assert.match(denied.body.error.message, new RegExp(event.replace('.', '\\.')), event);
    const byReferrals = event.startsWith('referral.') || event.startsWith('sale.');
    const r = await withReferrals.post('/v1/webhook_endpoints', { url: hookUrl, events: [event] });
    assert.equal(r.status, byReferrals ? 201 : 403, `${event} with read:referrals`);
    const c = await withCommissions.post('/v1/webhook_endpoints', { url: hookUrl, events: [event] });
    assert.equal(c.status, byReferrals ? 403 : 201, `${event} with read:commissions`);
    for (const made of [r, c].filter((x) => x.status === 201)) {
      assert.equal((await api.delete(`/v1/webhook_endpoints/${made.body.data.id}`)).status, 200);
    }
  }
  const [{ results: after }] = await w.sql("SELECT COUNT(*) AS n FROM webhook_endpoints");
  assert.equal(after[0].n, results[0].n, 'a refused subscription creates nothing');
  // PATCH cannot widen an endpoint past the key's reach either.
  const mine = await withReferrals.post('/v1/webhook_endpoints', { url: hookUrl, events: ['sale.created'] });
  assert.equal(mine.status, 201);
  const widened = await withReferrals.patch(`/v1/webhook_endpoints/${mine.body.data.id}`, { events: ['sale.created', 'commission.paid'] });
  assert.equal(widened.status, 403);
  assert.deepEqual((await api.get(`/v1/webhook_endpoints/${mine.body.data.id}`)).body.data.events, ['sale.created']);
  assert.equal((await api.delete(`/v1/webhook_endpoints/${mine.body.data.id}`)).status, 200);
});

/**
 * SSRF by redirect: a receiver that answers 302 to another address on this machine. The
 * delivery is a failed attempt logged as a redirect, and the redirect's target never hears
 * from the Worker.
 */
test('a receiver answering 302 to http://127.0.0.1:… is not followed', async () => {
  const inner = [];
  const target = createServer((req, res) => { inner.push(req.url); res.end('internal'); });
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const innerUrl = `http://127.0.0.1:${target.address().port}/admin`;
  const redirector = createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(302, { Location: innerUrl }); res.end(); });
  });
  await new Promise((r) => redirector.listen(0, '127.0.0.1', r));
  try {
    const made = await api.post('/v1/webhook_endpoints', { url: `http://127.0.0.1:${redirector.address().port}/hook`, events: ['referral.created'] });
    assert.equal(made.status, 201);
    const id = made.body.data.id;
    assert.equal((await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'redirected@example.com' })).status, 201);
    const log = await until(async () => {
      const d = (await api.get(`/v1/webhook_endpoints/${id}/deliveries?limit=10`)).body.data;
      return d.length >= 2 && d;
    }, 30_000, 'two attempts');
    for (const attempt of log) {
      assert.equal(attempt.status_code, 302, JSON.stringify(attempt));
      assert.match(attempt.error, /redirect not followed/);
    }
    assert.deepEqual(inner, [], 'the redirect target was never called');
    assert.equal((await api.delete(`/v1/webhook_endpoints/${id}`)).status, 200);
  } finally {
    target.close();
    redirector.close();
  }
});

test('coupon.created and coupon.archived: sent once each, verified by standardwebhooks; a restore sends nothing', async () => {
  const made = await api.post('/v1/webhook_endpoints', { url: hookUrl, events: ['coupon.created', 'coupon.archived'] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  secrets.coupons = made.body.data.secret;
  const mine = () => received.filter((r) => r.verified.includes('coupons')).map((r) => JSON.parse(r.body));
  const coupon = (await api.post('/v1/coupons', { code: 'hooked20', affiliate_id: s.affiliate.id })).body.data;
  await api.patch(`/v1/coupons/${coupon.id}`, { code: 'HOOKED25' });
  await api.patch(`/v1/coupons/${coupon.id}`, { archived: true });
  await api.patch(`/v1/coupons/${coupon.id}`, { archived: true });
  await api.patch(`/v1/coupons/${coupon.id}`, { archived: false });
  const events = await until(() => mine().length >= 2 && mine(), 20_000, 'the coupon events');
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(mine().map((e) => [e.type, e.data.id, e.data.code, e.data.archived]),
    [['coupon.created', coupon.id, 'HOOKED20', false], ['coupon.archived', coupon.id, 'HOOKED25', true]]);
  assert.ok(events.every((e) => e.data.affiliate_id === s.affiliate.id));
  // Subscribing needs read:coupons, as every event needs read: of what it carries.
  const narrow = client(w.url, await w.addSecretKey(p.programId, ['write:webhooks', 'read:referrals']));
  const refused = await narrow.post('/v1/webhook_endpoints', { url: hookUrl, events: ['coupon.created'] });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.match(refused.body.error.message, /read:coupons/);
  assert.equal((await api.delete(`/v1/webhook_endpoints/${made.body.data.id}`)).status, 200);
});
