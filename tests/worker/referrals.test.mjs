// Black-box tests of the referrals REST API (create-referral, list-referrals and referral
// object seeds) against the real Worker under `wrangler dev`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startWorker, client, seedLink, BROWSER_UA, ROOT } from '../lib/worker.mjs';

let w, program, api, pk, seeded;
const fixture = (name) => JSON.parse(readFileSync(`${ROOT}/crates/core/tests/fixtures/${name}`, 'utf8'));

before(async () => {
  w = await startWorker();
  program = await w.createProgram();
  api = client(w.url, program.secretKey);
  pk = client(w.url, program.publishableKey, { 'User-Agent': BROWSER_UA });
  seeded = await seedLink(api, { token: 'jb007' });
});
after(async () => { await w?.stop(); });

const newClick = async (visitor) => (await pk.post('/v1/track/click', { token: 'jb007', url: 'https://shop.example.com/', visitor_id: visitor })).body.data.click_id;

/** The create-referral seed's own curl body (with our IDs) creates the referral its response documents. */
test('create: the seed example works', async () => {
  const body = { ...fixture('affonso-create-referral-request.json'), affiliate_id: seeded.affiliate.id };
  const r = await api.post('/v1/referrals', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.success, true);
  const seed = fixture('affonso-create-referral-response.json').data;
  for (const key of Object.keys(seed)) assert.ok(key in r.body.data, `response lacks ${key}`);
  const d = r.body.data;
  assert.equal(d.affiliate_id, seeded.affiliate.id);
  assert.equal(d.program_id, program.programId);
  assert.equal(d.email, seed.email);
  assert.equal(d.customer_id, seed.customer_id);
  assert.equal(d.subscription_id, null);
  assert.equal(d.status, 'customer');
  assert.equal(d.name, seed.name);
  assert.deepEqual(d.metadata, seed.metadata);
  assert.equal(d.converted_at, d.created_at, 'status other than lead sets converted_at');
  assert.equal(d.link, null, 'created without a click');
  assert.equal(d.visits, 0);
  // same email again: conflict, as the seed documents
  const again = await api.post('/v1/referrals', body);
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'CONFLICT');
});

/** Status defaults to lead (no converted_at); created_at can backdate but not be in the future. */
test('create: defaults, backdating and status rules', async () => {
  const lead = await api.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'lead@example.com' });
  assert.equal(lead.status, 201);
  assert.equal(lead.body.data.status, 'lead');
  assert.equal(lead.body.data.converted_at, null);
  assert.ok(lead.body.data.became_lead_at);
  const back = await api.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'old@example.com', created_at: '2024-01-20T15:30:00Z', status: 'trialing' });
  assert.equal(back.status, 201);
  assert.equal(back.body.data.created_at, '2024-01-20T15:30:00.000Z');
  assert.equal(back.body.data.converted_at, '2024-01-20T15:30:00.000Z');
  assert.equal(back.body.data.expires_at, '2024-03-20T15:30:00.000Z', 'created_at + 60 days');
  for (const [body, code, field] of [
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', created_at: '2999-01-01T00:00:00Z' }, 'VALIDATION_ERROR', 'created_at'],
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', status: 'click' }, 'VALIDATION_ERROR', 'status'],
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', status: 'paid' }, 'VALIDATION_ERROR', 'status'],
    [{ email: 'f@example.com' }, 'VALIDATION_ERROR', 'affiliate_id'],
    [{ affiliate_id: seeded.affiliate.id, email: 'nope' }, 'VALIDATION_ERROR', 'email'],
    [{ affiliate_id: seeded.affiliate.id }, 'VALIDATION_ERROR', 'email'],
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', program_id: 'prg_x' }, 'VALIDATION_ERROR', 'program_id'],
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', metadata: 'x' }, 'VALIDATION_ERROR', 'metadata'],
    [{ affiliate_id: seeded.affiliate.id, email: 'f@example.com', name: 7 }, 'VALIDATION_ERROR', 'name'],
  ]) {
    const r = await api.post('/v1/referrals', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.code, code);
    assert.equal(r.body.error.field, field, JSON.stringify(body));
  }
  // An affiliate that is not the program's, in any format (the seed's own `aff_123abc`, a
  // UUID, ours), is INVALID_AFFILIATE, as the create-referral seed documents.
  for (const id of [`aff_${'9'.repeat(32)}`, 'aff_123abc', '3f2504e0-4f89-11d3-9a0c-0305e82c3301']) {
    const unknown = await api.post('/v1/referrals', { affiliate_id: id, email: 'f@example.com' });
    assert.equal(unknown.status, 422, id);
    assert.equal(unknown.body.error.code, 'INVALID_AFFILIATE', id);
  }
  assert.equal((await api.get('/v1/referrals?email=f@example.com')).body.pagination.total_count, 0, 'nothing written');
});

/** click_id converts that click (same id) into the referral; it must still be a click. */
test('create: converting a click by click_id', async () => {
  const clickId = await newClick(`vis_${'e'.repeat(32)}`);
  const r = await api.post('/v1/referrals', { click_id: clickId, email: 'viaclick@example.com', status: 'active', subscription_id: 'sub_1' });
  assert.equal(r.status, 201);
  assert.equal(r.body.data.id, clickId);
  assert.equal(r.body.data.status, 'active');
  assert.equal(r.body.data.link.token, 'jb007');
  assert.ok(r.body.data.became_conversion_at);
  const twice = await api.post('/v1/referrals', { click_id: clickId, email: 'other@example.com' });
  assert.equal(twice.status, 422);
  assert.equal(twice.body.error.code, 'INVALID_TRANSITION');
  const missing = await api.post('/v1/referrals', { click_id: `ref_${'0'.repeat(32)}`, email: 'x@example.com' });
  assert.equal(missing.status, 404);
  const other = await seedLink(api, { token: 'other1' });
  const clickId2 = await newClick(`vis_${'f'.repeat(32)}`);
  const wrongAff = await api.post('/v1/referrals', { click_id: clickId2, affiliate_id: other.affiliate.id, email: 'y@example.com' });
  assert.equal(wrongAff.status, 422);
  assert.equal(wrongAff.body.error.code, 'INVALID_AFFILIATE');
});

/** GET /v1/referrals/{id} returns the full referral object with the referral object seed's fields. */
test('get: the full referral object', async () => {
  const clickId = await newClick(`vis_${'1'.repeat(32)}`);
  await pk.post('/v1/track/lead', { click_id: clickId, email: 'full@example.com' });
  const r = await api.get(`/v1/referrals/${clickId}`);
  assert.equal(r.status, 200);
  const d = r.body.data;
  const seed = fixture('rewardful-referral-object.json');
  for (const key of ['id', 'link', 'visits', 'affiliate', 'created_at', 'became_lead_at', 'became_conversion_at', 'expires_at', 'updated_at', 'conversion_state']) {
    assert.ok(key in d, `lacks ${key}`);
  }
  for (const key of ['id', 'url', 'token', 'visitors', 'leads', 'conversions']) assert.ok(key in d.link, `link lacks ${key}`);
  for (const key of ['id', 'email', 'first_name', 'last_name', 'campaign']) assert.ok(key in d.affiliate, `affiliate lacks ${key}`);
  assert.deepEqual(Object.keys(d.affiliate.campaign).sort(), ['id', 'name']);
  assert.equal(typeof d.link.visitors, typeof seed.link.visitors);
  assert.equal(d.type, 'LEAD');
  assert.equal(d.conversion_state, 'lead');
  assert.equal(d.affiliate.first_name, 'James');
  assert.equal(d.link.url, 'https://shop.example.com/?via=jb007');
  const nope = await api.get('/v1/referrals/ref_nope');
  assert.equal(nope.status, 404, 'an id of another format names nothing');
  assert.equal(nope.body.error.code, 'NOT_FOUND');
  assert.equal((await api.get(`/v1/referrals/ref_${'0'.repeat(32)}`)).status, 404);
});

/** PATCH applies the transition table; forbidden moves are INVALID_TRANSITION and change nothing. */
test('update: transitions, fields and refusals', async () => {
  const created = (await api.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'patch@example.com', name: 'P' })).body.data;
  const path = `/v1/referrals/${created.id}`;
  const trial = await api.patch(path, { status: 'trialing', customer_id: 'cus_9', metadata: { a: 1 } });
  assert.equal(trial.status, 200);
  assert.equal(trial.body.data.status, 'trialing');
  assert.ok(trial.body.data.converted_at);
  assert.equal(trial.body.data.customer_id, 'cus_9');
  const back = await api.patch(path, { status: 'lead' });
  assert.equal(back.status, 422);
  assert.equal(back.body.error.code, 'INVALID_TRANSITION');
  const toClick = await api.patch(path, { status: 'click' });
  assert.equal(toClick.status, 422);
  const paid = await api.patch(path, { status: 'active', name: null });
  assert.equal(paid.body.data.status, 'active');
  assert.equal(paid.body.data.name, null);
  assert.equal(paid.body.data.customer_id, 'cus_9', 'absent fields are kept');
  assert.equal(paid.body.data.type, 'CONVERSION');
  const rejected = await api.patch(path, { status: 'rejected' });
  assert.equal(rejected.body.data.status, 'rejected');
  assert.equal(rejected.body.data.conversion_state, 'conversion');
  const revive = await api.patch(path, { status: 'active' });
  assert.equal(revive.status, 422, 'rejected is final');
  assert.equal((await api.get(path)).body.data.status, 'rejected');
  for (const [body, field] of [[{}, 'body'], [{ created_at: '2024-01-01T00:00:00Z' }, 'created_at'], [{ visits: 9 }, 'visits'], [{ email: null }, 'email'], [{ status: 'CANCELLED' }, 'status']]) {
    const r = await api.patch(path, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(body));
  }
  await api.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'taken@example.com' });
  const clash = await api.patch(path, { email: 'taken@example.com' });
  assert.equal(clash.status, 409);
});

/** DELETE removes the referral (delete:referrals scope). */
test('delete: removes the referral and needs its scope', async () => {
  const created = (await api.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'gone@example.com' })).body.data;
  const reader = client(w.url, await w.addSecretKey(program.programId, ['read:referrals', 'write:referrals']));
  const denied = await reader.delete(`/v1/referrals/${created.id}`);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.error.code, 'PERMISSION_DENIED');
  const r = await api.delete(`/v1/referrals/${created.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.data, { id: created.id, deleted: true });
  assert.equal((await api.get(`/v1/referrals/${created.id}`)).status, 404);
  assert.equal((await api.delete(`/v1/referrals/${created.id}`)).status, 404);
});

/** List: every filter, newest first, and page/limit edges as the list-referrals seed documents. */
test('list: filters and pagination', async () => {
  const p = await w.createProgram();
  const a = client(w.url, p.secretKey);
  const s = await seedLink(a, { token: 'listy' });
  const s2 = await seedLink(a, { token: 'listy2' });
  const empty = await a.get('/v1/referrals');
  assert.deepEqual(empty.body.pagination, { page: 1, limit: 10, total_count: 0, total_pages: 0, has_more: false });
  assert.deepEqual(empty.body.data, []);
  const ids = [];
  for (let i = 0; i < 12; i++) {
    const status = ['lead', 'customer', 'trialing', 'canceled'][i % 4];
    const r = await a.post('/v1/referrals', { affiliate_id: (i % 3 ? s : s2).affiliate.id, email: `u${i}@example.com`, status, customer_id: `c${i}`, created_at: new Date(Date.UTC(2026, 0, 1 + i)).toISOString() });
    assert.equal(r.status, 201);
    ids.push(r.body.data.id);
  }
  const p1 = await a.get('/v1/referrals');
  assert.equal(p1.body.data.length, 10);
  assert.deepEqual(p1.body.pagination, { page: 1, limit: 10, total_count: 12, total_pages: 2, has_more: true });
  assert.equal(p1.body.data[0].id, ids[11], 'newest first');
  const p2 = await a.get('/v1/referrals?page=2');
  assert.equal(p2.body.data.length, 2);
  assert.equal(p2.body.pagination.has_more, false);
  assert.equal(p2.body.data[1].id, ids[0]);
  const p3 = await a.get('/v1/referrals?page=3');
  assert.equal(p3.body.data.length, 0);
  assert.equal((await a.get('/v1/referrals?limit=100')).body.data.length, 12);
  const foreign = await a.get('/v1/referrals?affiliate_id=aff_1');
  assert.equal(foreign.status, 200, 'an affiliate id of another format filters to nothing');
  assert.equal(foreign.body.pagination.total_count, 0);
  for (const q of ['limit=101', 'limit=0', 'page=0', 'page=-1', 'limit=abc', 'status=paid', 'type=lead', 'from=yesterday', 'sort=asc', 'affiliate_id=', 'email=x']) {
    const r = await a.get(`/v1/referrals?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'VALIDATION_ERROR', q);
    assert.equal(r.body.error.field, q.split('=')[0], q);
  }
  const count = async (q) => (await a.get(`/v1/referrals?${q}`)).body.pagination.total_count;
  assert.equal(await count(`affiliate_id=${s2.affiliate.id}`), 4);
  assert.equal(await count('email=U3@example.com'), 1);
  assert.equal(await count('customer_id=c5'), 1);
  assert.equal(await count('status=lead'), 3);
  assert.equal(await count('status=lead,customer'), 6);
  assert.equal(await count('type=CONVERSION'), 3);
  assert.equal(await count('type=LEAD'), 6);
  assert.equal(await count('type=CANCELLED'), 3);
  assert.equal(await count('type=CLICK'), 0);
  assert.equal(await count('from=2026-01-05T00:00:00Z'), 8);
  assert.equal(await count('from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z'), 2);
  assert.equal(await count(`type=LEAD&affiliate_id=${s.affiliate.id}&from=2026-01-02T00:00:00Z`), 4);
  // PromoteKit's filters (list-referrals seed): subscription_status by core's table,
  // stripe_customer_id as customer_id.
  assert.equal(await count('subscription_status=signed_up'), 3, 'signed_up = lead');
  assert.equal(await count('subscription_status=active'), 3, 'active = customer or active');
  assert.equal(await count('subscription_status=active,trialing'), 6);
  assert.equal(await count('subscription_status=canceled'), 3);
  assert.equal(await count('subscription_status=past_due'), 0);
  assert.equal(await count('subscription_status=active&status=customer,lead'), 3);
  assert.equal(await count('stripe_customer_id=c5'), 1);
  for (const q of ['subscription_status=paused', 'stripe_customer_id=c5&customer_id=c5', 'stripe_customer_id=']) {
    const r = await a.get(`/v1/referrals?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.field, q.startsWith('subscription') ? 'subscription_status' : 'stripe_customer_id', q);
  }
  const filtered = await a.get('/v1/referrals?status=customer&limit=2&page=2');
  assert.equal(filtered.body.data.length, 1);
  assert.ok(filtered.body.data.every((r) => r.status === 'customer'));
});
