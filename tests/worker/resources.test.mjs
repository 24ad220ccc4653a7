// Black-box tests of campaigns, affiliates and links, scope checks per verb, and
// cross-program isolation, against the real Worker under `wrangler dev`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

let w, A, B, apiA, apiB;

before(async () => {
  w = await startWorker();
  A = await w.createProgram({ name: 'A' });
  B = await w.createProgram({ name: 'B' });
  apiA = client(w.url, A.secretKey);
  apiB = client(w.url, B.secretKey);
});
after(async () => { await w?.stop(); });

/** Campaigns: create with defaults, validate every field, list, get, update. */
test('campaigns', async () => {
  const c = await apiA.post('/v1/campaigns', { name: 'Default' });
  assert.equal(c.status, 201);
  assert.equal(c.body.data.cookie_duration, 60);
  assert.equal(c.body.data.attribution, 'last_click');
  assert.deepEqual(c.body.data.allowed_hostnames, []);
  const full = await apiA.post('/v1/campaigns', { name: 'Partners', cookie_duration: 30, attribution: 'first_click', allowed_hostnames: ['Shop.Example.com'], commission_type: 'percentage', commission_amount: 2000 });
  assert.equal(full.status, 201);
  assert.deepEqual(full.body.data.allowed_hostnames, ['shop.example.com']);
  assert.equal(full.body.data.commission_amount, 2000, '20 % in basis points');
  assert.equal(full.body.data.recurring, false);
  assert.equal(full.body.data.recurring_months, null);
  assert.equal(full.body.data.hold_days, 0);
  for (const [body, field] of [
    [{ name: '' }, 'name'],
    [{ name: 'x', cookie_duration: 0 }, 'cookie_duration'],
    [{ name: 'x', cookie_duration: 366 }, 'cookie_duration'],
    [{ name: 'x', cookie_duration: 1.5 }, 'cookie_duration'],
    [{ name: 'x', attribution: 'linear' }, 'attribution'],
    [{ name: 'x', allowed_hostnames: ['https://x.com'] }, 'allowed_hostnames[0]'],
    [{ name: 'x', allowed_hostnames: Array.from({ length: 21 }, (_, i) => `h${i}.example.com`) }, 'allowed_hostnames'],
    [{ name: 'x', commission_type: 'percentage', commission_amount: 10001 }, 'commission_amount'],
    [{ name: 'x', recurring_months: 0 }, 'recurring_months'],
    [{ name: 'x', hold_days: 366 }, 'hold_days'],
    [{ name: 'x', recurring: 'yes' }, 'recurring'],
    [{ name: 'x', commission_amount: 5 }, 'commission_type'],
    [{ name: 'x', id: 'cmp_x' }, 'id'],
  ]) {
    const r = await apiA.post('/v1/campaigns', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(body));
  }
  const upd = await apiA.patch(`/v1/campaigns/${c.body.data.id}`, { cookie_duration: 90, commission_type: 'fixed', commission_amount: 1500 });
  assert.equal(upd.status, 200);
  assert.equal(upd.body.data.cookie_duration, 90);
  assert.equal(upd.body.data.name, 'Default');
  assert.equal((await apiA.patch(`/v1/campaigns/${c.body.data.id}`, { name: null })).body.error.field, 'name');
  const list = await apiA.get('/v1/campaigns?limit=1');
  assert.equal(list.body.pagination.total_count, 2);
  assert.equal(list.body.data[0].id, full.body.data.id, 'newest first');
  assert.equal((await apiA.get(`/v1/campaigns/${c.body.data.id}`)).body.data.commission_type, 'fixed');
});

/** Affiliates: create in a campaign, unique email, list by campaign, update. */
test('affiliates', async () => {
  const c = (await apiA.post('/v1/campaigns', { name: 'Aff' })).body.data;
  const a = await apiA.post('/v1/affiliates', { email: 'James.Bond@mi6.co.uk', first_name: 'James', last_name: 'Bond', campaign_id: c.id });
  assert.equal(a.status, 201);
  assert.equal(a.body.data.email, 'james.bond@mi6.co.uk');
  assert.deepEqual(a.body.data.campaign, { id: c.id, name: 'Aff' });
  const dup = await apiA.post('/v1/affiliates', { email: 'james.bond@mi6.co.uk', campaign_id: c.id });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'CONFLICT');
  const noCampaign = await apiA.post('/v1/affiliates', { email: 'x@mi6.co.uk', campaign_id: `cmp_${'0'.repeat(32)}` });
  assert.equal(noCampaign.status, 404);
  assert.equal((await apiA.post('/v1/affiliates', { email: 'x@mi6.co.uk' })).body.error.field, 'campaign_id');
  const upd = await apiA.patch(`/v1/affiliates/${a.body.data.id}`, { last_name: null, first_name: 'Jim' });
  assert.equal(upd.body.data.first_name, 'Jim');
  assert.equal(upd.body.data.last_name, null);
  const byCampaign = await apiA.get(`/v1/affiliates?campaign_id=${c.id}`);
  assert.equal(byCampaign.body.pagination.total_count, 1);
});

/** Links: token rules, 409 on a clash, counters from referrals, token change reaches the next click. */
test('links', async () => {
  const s = await seedLink(apiA, { token: 'Bond-007' });
  assert.equal(s.link.token, 'bond-007');
  assert.equal(s.link.url, 'https://shop.example.com/?via=bond-007');
  assert.equal(s.link.campaign_id, s.campaign.id, 'defaults to the affiliate campaign');
  const clash = await apiA.post('/v1/links', { token: 'BOND-007', affiliate_id: s.affiliate.id });
  assert.equal(clash.status, 409);
  assert.equal(clash.body.error.code, 'CONFLICT');
  const badToken = await apiA.post('/v1/links', { token: 'bond 007', affiliate_id: s.affiliate.id });
  assert.equal(badToken.body.error.field, 'token');
  const badAff = await apiA.post('/v1/links', { token: 'fine', affiliate_id: `aff_${'0'.repeat(32)}` });
  assert.equal(badAff.status, 422);
  assert.equal(badAff.body.error.code, 'INVALID_AFFILIATE');
  const pk = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA });
  const c1 = await pk.post('/v1/track/click', { token: 'bond-007', url: 'https://shop.example.com/' });
  await pk.post('/v1/track/lead', { click_id: c1.body.data.click_id, email: 'l1@example.com' });
  await pk.post('/v1/track/click', { token: 'bond-007', url: 'https://shop.example.com/' });
  const got = await apiA.get(`/v1/links/${s.link.id}`);
  assert.equal(got.body.data.visitors, 2);
  assert.equal(got.body.data.leads, 1);
  assert.equal(got.body.data.conversions, 0);
  const renamed = await apiA.patch(`/v1/links/${s.link.id}`, { token: 'bond-008', destination_url: null });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.data.url, null);
  assert.equal((await pk.post('/v1/track/click', { token: 'bond-007', url: 'https://shop.example.com/' })).status, 404, 'old token gone at once');
  assert.equal((await pk.post('/v1/track/click', { token: 'bond-008', url: 'https://shop.example.com/' })).status, 200);
  const list = await apiA.get(`/v1/links?affiliate_id=${s.affiliate.id}`);
  assert.equal(list.body.pagination.total_count, 1);
});

/** Each verb needs its own scope; a key with read scope cannot write, and so on. */
test('scopes per verb', async () => {
  const s = await seedLink(apiA, { token: 'scoped' });
  const reader = client(w.url, await w.addSecretKey(A.programId, ['read:referrals', 'read:affiliates', 'read:campaigns', 'read:links']));
  const writer = client(w.url, await w.addSecretKey(A.programId, ['write:campaigns']));
  const none = client(w.url, await w.addSecretKey(A.programId, []));
  const checks = [
    [reader, 'get', '/v1/referrals', undefined, 200],
    [reader, 'post', '/v1/referrals', { affiliate_id: s.affiliate.id, email: 'r@example.com' }, 403],
    [reader, 'get', '/v1/campaigns', undefined, 200],
    [reader, 'post', '/v1/campaigns', { name: 'x' }, 403],
    [reader, 'patch', `/v1/links/${s.link.id}`, { token: 'zz' }, 403],
    [reader, 'post', '/v1/track/sale', { email: 'r@example.com', amount: 1, currency: 'USD', invoice_id: 'i' }, 403],
    [writer, 'post', '/v1/campaigns', { name: 'x' }, 201],
    [writer, 'get', '/v1/campaigns', undefined, 403],
    [writer, 'get', '/v1/affiliates', undefined, 403],
    [none, 'get', '/v1/links', undefined, 403],
    [none, 'get', '/v1/referrals', undefined, 403],
  ];
  for (const [c, verb, path, body, status] of checks) {
    const r = body === undefined ? await c[verb](path) : await c[verb](path, body);
    assert.equal(r.status, status, `${verb} ${path}`);
    if (status === 403) assert.equal(r.body.error.code, 'PERMISSION_DENIED');
  }
});

/** Program A's key gets NOT_FOUND for every ID of program B, in every endpoint, and B's data is untouched. */
test('isolation between programs', async () => {
  const b = await seedLink(apiB, { token: 'bee' });
  const pkB = client(w.url, B.publishableKey, { 'User-Agent': BROWSER_UA });
  const clickB = (await pkB.post('/v1/track/click', { token: 'bee', url: 'https://shop.example.com/' })).body.data.click_id;
  const refB = (await apiB.post('/v1/referrals', { affiliate_id: b.affiliate.id, email: 'b@example.com' })).body.data.id;
  const pkA = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA });
  const notFound = [
    ['get', `/v1/referrals/${refB}`],
    ['patch', `/v1/referrals/${refB}`, { status: 'rejected' }],
    ['delete', `/v1/referrals/${refB}`],
    ['get', `/v1/referrals/${clickB}`],
    ['get', `/v1/campaigns/${b.campaign.id}`],
    ['patch', `/v1/campaigns/${b.campaign.id}`, { name: 'stolen' }],
    ['get', `/v1/affiliates/${b.affiliate.id}`],
    ['patch', `/v1/affiliates/${b.affiliate.id}`, { first_name: 'stolen' }],
    ['get', `/v1/links/${b.link.id}`],
    ['patch', `/v1/links/${b.link.id}`, { token: 'stolen' }],
    ['post', '/v1/affiliates', { email: 'z@example.com', campaign_id: b.campaign.id }],
    ['post', '/v1/referrals', { click_id: clickB, email: 'z@example.com' }],
    ['post', '/v1/track/sale', { click_id: clickB, amount: 1, currency: 'USD', invoice_id: 'steal' }],
  ];
  for (const [verb, path, body] of notFound) {
    const r = body === undefined ? await apiA[verb](path) : await apiA[verb](path, body);
    assert.equal(r.status, 404, `${verb} ${path}`);
    assert.equal(r.body.error.code, 'NOT_FOUND', `${verb} ${path}`);
    assert.doesNotMatch(JSON.stringify(r.body), /b@example\.com|bee/, 'no data of B leaks');
  }
  const invalidAff = await apiA.post('/v1/referrals', { affiliate_id: b.affiliate.id, email: 'z@example.com' });
  assert.equal(invalidAff.body.error.code, 'INVALID_AFFILIATE');
  const invalidLink = await apiA.post('/v1/links', { token: 'x1', affiliate_id: b.affiliate.id });
  assert.equal(invalidLink.body.error.code, 'INVALID_AFFILIATE');
  assert.equal((await pkA.post('/v1/track/click', { token: 'bee', url: 'https://shop.example.com/' })).status, 404);
  const lead = await pkA.post('/v1/track/lead', { click_id: clickB, email: 'z@example.com' });
  assert.equal(lead.body.notice.code, 'CLICK_NOT_FOUND');
  // the same email may be referred in both programs
  assert.equal((await apiA.post('/v1/referrals', { affiliate_id: (await seedLink(apiA, { token: 'ay' })).affiliate.id, email: 'b@example.com' })).status, 201);
  for (const path of ['/v1/referrals', '/v1/campaigns', '/v1/affiliates', '/v1/links']) {
    const listA = await apiA.get(`${path}?limit=100`);
    assert.doesNotMatch(JSON.stringify(listA.body.data), new RegExp(`${B.programId}|${b.affiliate.id}|${b.campaign.id}`), path);
  }
  const stillB = await apiB.get(`/v1/referrals/${refB}`);
  assert.equal(stillB.body.data.status, 'lead');
  assert.equal((await apiB.get(`/v1/campaigns/${b.campaign.id}`)).body.data.name, 'Campaign');
});
