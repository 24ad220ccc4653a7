// Idempotency-Key on every POST, black-box against the real Worker under `wrangler dev`:
// a client that lost an answer retries with the same key and gets the first answer again
// (status and body, a created secret included), never a second resource; another request
// under the same key is 422; 20 parallel requests with one key create one resource; keys are
// scoped per program.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, client, seedLink } from '../lib/worker.mjs';

let w, A, B, api, apiB, s;
before(async () => {
  w = await startWorker();
  A = await w.createProgram({ name: 'A' });
  B = await w.createProgram({ name: 'B' });
  api = client(w.url, A.secretKey);
  apiB = client(w.url, B.secretKey);
  s = await seedLink(api, { token: 'idem1', campaign: { commission_type: 'fixed', commission_amount: 100 } });
});
after(async () => { await w?.stop(); });

let n = 0;
const fresh = () => `key-${Date.now()}-${n++}`;
const count = async (table) => (await w.sql(`SELECT COUNT(*) AS n FROM ${table}`))[0].results[0].n;

/** Every POST that creates or changes something, with a body and the table it writes. */
const ROUTES = () => [
  ['/v1/campaigns', { name: 'Idem', cookie_duration: 30 }, { name: 'Other', cookie_duration: 30 }, 'campaigns'],
  ['/v1/affiliates', { email: 'idem@example.com', first_name: 'I', last_name: 'D', campaign_id: s.campaign.id }, { email: 'idem2@example.com', first_name: 'I', last_name: 'D', campaign_id: s.campaign.id }, 'affiliates'],
  ['/v1/links', { token: 'idemlink', affiliate_id: s.affiliate.id }, { token: 'idemlink2', affiliate_id: s.affiliate.id }, 'links'],
  ['/v1/referrals', { affiliate_id: s.affiliate.id, email: 'idem.ref@example.com', customer_id: 'cus_idem' }, { affiliate_id: s.affiliate.id, email: 'other.ref@example.com' }, 'referrals'],
  ['/v1/webhook_endpoints', { url: 'https://hooks.example.com/idem', events: ['sale.created'] }, { url: 'https://hooks.example.com/other', events: ['sale.created'] }, 'webhook_endpoints'],
  ['/v1/api_keys', { kind: 'secret', scopes: ['read:referrals'] }, { kind: 'secret', scopes: ['read:links'] }, 'api_keys'],
  ['/v1/track/sale', { customer_id: 'cus_idem', amount: 1000, currency: 'usd', invoice_id: 'inv_idem' }, { customer_id: 'cus_idem', amount: 1000, currency: 'usd', invoice_id: 'inv_idem2' }, 'sales'],
];

test('every POST: the same key and body answers the first answer again and writes once; another body is 422', async () => {
  // Each route writes its own table: one count of all of them before and one after (each
  // `w.sql` is a wrangler run of a few seconds), and each table must have grown by exactly
  // one row, through the first request, its replay and a clash with another body.
  const tables = ROUTES().map(([, , , table]) => table);
  const countAll = async () =>
    (await w.sql(`SELECT ${tables.map((t) => `(SELECT COUNT(*) FROM ${t}) AS ${t}`).join(', ')}`))[0].results[0];
  const before = await countAll();
  for (const [path, body, other] of ROUTES()) {
    const key = fresh();
    const first = await api.post(path, body, { 'Idempotency-Key': key });
    assert.ok(first.status < 300, `${path}: ${first.status} ${JSON.stringify(first.body)}`);
    assert.equal(first.headers.get('idempotent-replayed'), null, path);
    const again = await api.post(path, body, { 'Idempotency-Key': key });
    assert.equal(again.status, first.status, path);
    assert.deepEqual(again.body, first.body, `${path}: the same body, a created secret included`);
    assert.equal(again.headers.get('idempotent-replayed'), 'true', path);
    const clash = await api.post(path, other, { 'Idempotency-Key': key });
    assert.equal(clash.status, 422, `${path}: ${JSON.stringify(clash.body)}`);
    assert.equal(clash.body.error.code, 'VALIDATION_ERROR', path);
    assert.equal(clash.body.error.field, 'Idempotency-Key', path);
  }
  const after = await countAll();
  for (const t of tables) assert.equal(after[t], before[t] + 1, `${t}: written once, nothing run for another body`);
});

test('a created secret key is shown again to the retry, and works', async () => {
  const key = fresh();
  const first = await api.post('/v1/api_keys', { kind: 'secret', scopes: ['read:referrals'] }, { 'Idempotency-Key': key });
  const again = await api.post('/v1/api_keys', { kind: 'secret', scopes: ['read:referrals'] }, { 'Idempotency-Key': key });
  assert.equal(again.body.data.key, first.body.data.key);
  assert.match(first.body.data.key, /^sk_/);
  assert.equal((await client(w.url, again.body.data.key).get('/v1/referrals?limit=1')).status, 200);
  // The stored answer is sealed: the secret is not in D1 as text.
  const rows = (await w.sql('SELECT answer FROM idempotency_keys'))[0].results;
  assert.ok(rows.length > 0);
  assert.ok(!JSON.stringify(rows).includes(first.body.data.key), 'no created secret in D1 in the clear');
});

test('20 parallel requests with one key create one resource', async () => {
  const key = fresh();
  const before = await count('campaigns');
  const all = await Promise.all(Array.from({ length: 20 }, () => api.post('/v1/campaigns', { name: 'Parallel', cookie_duration: 30 }, { 'Idempotency-Key': key })));
  const statuses = all.map((r) => r.status);
  assert.ok(statuses.every((st) => st === 201 || st === 409), statuses.join(','));
  const created = all.filter((r) => r.status === 201);
  assert.ok(created.length >= 1);
  assert.equal(new Set(created.map((r) => r.body.data.id)).size, 1, 'one campaign ID in every 201');
  for (const r of all.filter((x) => x.status === 409)) assert.equal(r.body.error.code, 'CONFLICT');
  assert.equal(await count('campaigns'), before + 1);
  // After the first answer is kept, every retry replays it.
  const late = await api.post('/v1/campaigns', { name: 'Parallel', cookie_duration: 30 }, { 'Idempotency-Key': key });
  assert.equal(late.status, 201);
  assert.equal(late.body.data.id, created[0].body.data.id);
});

test('keys are scoped per program, bad keys are refused, and a refused request keeps nothing', async () => {
  const key = fresh();
  const a = await api.post('/v1/campaigns', { name: 'Scoped', cookie_duration: 30 }, { 'Idempotency-Key': key });
  const b = await apiB.post('/v1/campaigns', { name: 'Scoped', cookie_duration: 30 }, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.body.data.id, b.body.data.id, 'program B runs its own request');
  assert.equal(b.headers.get('idempotent-replayed'), null);
  for (const bad of ['has space', 'x'.repeat(256), 'ünï']) {
    const r = await api.post('/v1/campaigns', { name: 'Bad key', cookie_duration: 30 }, { 'Idempotency-Key': bad });
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.field, 'Idempotency-Key', bad);
  }
  // Another key of the same program, with other scopes, never gets the first key's answer
  // (here: a created secret key): the API key is part of the request.
  const key4 = fresh();
  const made = await api.post('/v1/api_keys', { kind: 'secret', scopes: ['read:links'] }, { 'Idempotency-Key': key4 });
  assert.equal(made.status, 201);
  const narrow = client(w.url, await w.addSecretKey(A.programId, ['read:referrals']));
  const peek = await narrow.post('/v1/api_keys', { kind: 'secret', scopes: ['read:links'] }, { 'Idempotency-Key': key4 });
  assert.equal(peek.status, 422, JSON.stringify(peek.body));
  assert.ok(!JSON.stringify(peek.body).includes(made.body.data.key));
  // A 4xx is an answer like any other: kept, and replayed.
  const key2 = fresh();
  const invalid = await api.post('/v1/campaigns', { name: '' }, { 'Idempotency-Key': key2 });
  assert.equal(invalid.status, 400);
  const retried = await api.post('/v1/campaigns', { name: '' }, { 'Idempotency-Key': key2 });
  assert.equal(retried.status, 400);
  assert.equal(retried.headers.get('idempotent-replayed'), 'true');
  // A bad API key is refused before the key is claimed.
  const key3 = fresh();
  assert.equal((await client(w.url, 'sk_nope').post('/v1/campaigns', { name: 'x', cookie_duration: 30 }, { 'Idempotency-Key': key3 })).status, 401);
  assert.equal((await api.post('/v1/campaigns', { name: 'After 401', cookie_duration: 30 }, { 'Idempotency-Key': key3 })).status, 201);
});
