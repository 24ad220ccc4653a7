// Optimistic concurrency, black-box against the real Worker under `wrangler dev`: every
// resource answers an ETag; a PATCH with a stale If-Match is 412 and writes nothing; with
// the current tag it goes through and the tag changes. Every PATCH route is tried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, client, seedLink } from '../lib/worker.mjs';

let w, p, api, s;
before(async () => {
  w = await startWorker();
  p = await w.createProgram();
  api = client(w.url, p.secretKey);
  s = await seedLink(api, { token: 'ver1', campaign: { commission_type: 'fixed', commission_amount: 100 } });
});
after(async () => { await w?.stop(); });

test('every PATCH route: ETag on GET and PATCH, a stale If-Match is 412 and writes nothing', async () => {
  const ref = (await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'ver@example.com', customer_id: 'cus_ver' })).body.data;
  assert.equal((await api.post('/v1/track/sale', { customer_id: 'cus_ver', amount: 1000, currency: 'usd', invoice_id: 'inv_ver' })).status, 200);
  const commission = (await api.get(`/v1/commissions?referral_id=${ref.id}`)).body.data[0];
  const hook = (await api.post('/v1/webhook_endpoints', { url: 'https://hooks.example.com/ver', events: ['sale.created'] })).body.data;
  // [path, a first change (another editor), the change made with the stale tag]
  const routes = [
    [`/v1/campaigns/${s.campaign.id}`, { name: 'First editor' }, { name: 'Second editor' }],
    [`/v1/affiliates/${s.affiliate.id}`, { first_name: 'First' }, { first_name: 'Second' }],
    [`/v1/links/${s.link.id}`, { destination_url: 'https://shop.example.com/first' }, { destination_url: 'https://shop.example.com/second' }],
    [`/v1/referrals/${ref.id}`, { name: 'First Editor' }, { name: 'Second Editor' }],
    [`/v1/webhook_endpoints/${hook.id}`, { enabled: false }, { enabled: true }],
    [`/v1/commissions/${commission.id}`, null, { status: 'voided' }],
  ];
  for (const [path, first, second] of routes) {
    const read = await api.get(path);
    assert.equal(read.status, 200, path);
    const tag = read.headers.get('etag');
    assert.match(tag ?? '', /^"[0-9a-f]{32}"$/, `${path}: ETag`);
    assert.equal((await api.get(path)).headers.get('etag'), tag, `${path}: the same version, the same tag`);
    let stale = tag;
    if (first) {
      // Another editor changes it with the tag both read.
      const changed = await api.patch(path, first, { 'If-Match': tag });
      assert.equal(changed.status, 200, `${path}: ${JSON.stringify(changed.body)}`);
      assert.notEqual(changed.headers.get('etag'), tag, `${path}: a new version, a new tag`);
      assert.equal(changed.headers.get('etag'), (await api.get(path)).headers.get('etag'), `${path}: PATCH answers the tag GET answers`);
    } else {
      stale = '"00000000000000000000000000000000"';
    }
    const before = (await api.get(path)).body.data;
    const refused = await api.patch(path, second, { 'If-Match': stale });
    assert.equal(refused.status, 412, `${path}: ${JSON.stringify(refused.body)}`);
    assert.equal(refused.body.error.code, 'CONFLICT', path);
    assert.deepEqual((await api.get(path)).body.data, before, `${path}: nothing written`);
    // With the current tag (or *) it goes through; without If-Match as before.
    const current = (await api.get(path)).headers.get('etag');
    const ok = await api.patch(path, second, { 'If-Match': current });
    assert.equal(ok.status, 200, `${path}: ${JSON.stringify(ok.body)}`);
  }
  assert.equal((await api.patch(`/v1/campaigns/${s.campaign.id}`, { name: 'Any' }, { 'If-Match': '*' })).status, 200);
  assert.equal((await api.patch(`/v1/campaigns/${s.campaign.id}`, { name: 'No header' })).status, 200);
  // A stale tag on a missing resource is still 404, and the tag never leaks across programs.
  assert.equal((await api.patch(`/v1/campaigns/cmp_${'0'.repeat(32)}`, { name: 'x' }, { 'If-Match': '"x"' })).status, 404);
  const other = client(w.url, (await w.createProgram()).secretKey);
  assert.equal((await other.patch(`/v1/campaigns/${s.campaign.id}`, { name: 'x' }, { 'If-Match': '*' })).status, 404);
});
