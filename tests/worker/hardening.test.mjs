// API hardening, black-box against the real Worker under `wrangler dev` (local D1, KV and
// Rate Limiting): a battery of bad bodies on every write endpoint that must each get a 4xx
// error body and write nothing; abuse limits (429 + Retry-After); key management and
// revocation; the seed's own example; the publishable key from a script; DELETE rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, client, seedLink, BROWSER_UA, ROOT } from '../lib/worker.mjs';

let w, A, B, api, apiB, pk, s, clickId, referralId;
const SHOP = 'https://www.shop.example.com';
const hex = (c) => c.repeat(32);

before(async () => {
  w = await startWorker();
  A = await w.createProgram({ name: 'A' });
  B = await w.createProgram({ name: 'B' });
  api = client(w.url, A.secretKey);
  apiB = client(w.url, B.secretKey);
  pk = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA, Origin: SHOP });
  s = await seedLink(api, { token: 'hard1', campaign: { allowed_hostnames: ['shop.example.com'] } });
  clickId = (await pk.post('/v1/track/click', { token: 'hard1', url: `${SHOP}/` })).body.data.click_id;
  referralId = (await api.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'kept@example.com' })).body.data.id;
});
after(async () => { await w?.stop(); });

/** Row count of every table and the latest write where a table keeps its time. */
async function snapshot() {
  const tables = {
    programs: 'NULL', api_keys: 'MAX(COALESCE(revoked_at, created_at))', campaigns: 'MAX(updated_at)',
    affiliates: 'MAX(updated_at)', links: 'MAX(updated_at)', referrals: 'MAX(updated_at)', sales: 'MAX(created_at)',
    click_reports: 'MAX(created_at)', referral_counts: 'SUM(n)', commissions: 'MAX(updated_at)', refunds: 'MAX(created_at)',
    integrations: 'MAX(updated_at)', stripe_events: 'MAX(created_at)', webhook_endpoints: 'MAX(updated_at)',
    webhook_messages: 'MAX(updated_at)', webhook_deliveries: 'MAX(created_at)', payouts: 'MAX(updated_at)',
    coupons: 'MAX(updated_at)',
  };
  const columns = Object.entries(tables).map(([t, latest]) => `(SELECT json_array(COUNT(*), ${latest}) FROM ${t}) AS ${t}`);
  const [{ results: [row] }] = await w.sql(`SELECT ${columns.join(', ')};`);
  assert.deepEqual(Object.keys(row), Object.keys(tables));
  return row;
}

// ---- the bad-body battery ----------------------------------------------------------------

/** JSON text of `base` with `key` set to the raw JSON token `raw` (e.g. 1e309). */
const withRaw = (base, key, raw) => JSON.stringify({ ...base, [key]: '\u0001RAW' }).replace('"\\u0001RAW"', raw);

/** Bad values for a field of each kind (what no valid request can hold). */
function badValues(kind, valid) {
  const v = String(valid);
  const asString = [7, true, [], {}, [valid]];
  const control = [`${v}\u0000x`, `${v.slice(0, 1)}\u0007${v.slice(1)}`, `${v}\u007fz`];
  switch (kind) {
    case 'url': return [...asString, 'https://shop.example.com/a\u0000b', 'https://shop.example.com/a\tb', 'https://shop.example.com/a\nb', 'ftp://shop.example.com/', 'not a url', `https://shop.example.com/${'a'.repeat(3000)}`, ''];
    case 'email': return [...asString, ...control, `${v}\n`, 'nope', `${'a'.repeat(250)}@example.com`, ''];
    case 'text': return [...asString, ...control, 'x'.repeat(300), '', '   ', 'lone \ud800 surrogate'];
    case 'reason': return [...asString, ...control, 'x'.repeat(501), '', '   ', 'lone \ud800 surrogate'];
    case 'id': return [...asString, ...control, '', 'x'.repeat(256)];
    case 'token': return [...asString, ...control, 'x'.repeat(65), 'bad token', ''];
    case 'visitor': return [...asString, ...control, 'vis_1', `vis_${'G'.repeat(32)}`];
    case 'enum': return [...asString, ...control, 'nope', v.toUpperCase() === v ? v.toLowerCase() : 'PAID'];
    case 'currency': return [...asString, ...control, 'dollars', 'us', 'u$d'];
    case 'int': return [...asString.slice(1), '30', -1, 1.5, 0, 100000];
    case 'days': return [...asString.slice(1), '30', -1, 1.5, 366, 100000];
    case 'cents': return [...asString.slice(1), '100', -1, 0, 1.5, 10000000001];
    case 'minimum': return [...asString.slice(1), '100', -1, 1.5, 1000000001];
    case 'events': return ['sale.created', {}, [7], ['sale.paid'], ['sale.created\u0000'], [], [null]];
    case 'bool': return ['yes', 'true', 1, 0, [], {}, [true]];
    case 'metadata': return ['x', [1], 7, true, { big: 'x'.repeat(5000) }];
    case 'hostnames': return ['shop.example.com', {}, [7], ['shop.example.com\u0000'], ['bad host!'], Array.from({ length: 21 }, (_, i) => `h${i}.example.com`)];
    case 'scopes': return ['read:referrals', {}, [7], ['read:nothing'], ['read:referrals\u0000'], ['READ:REFERRALS']];
    default: throw new Error(kind);
  }
}

/** Bad bodies for an endpoint whose valid body is `base` with fields of `kinds`. */
function battery(base, kinds) {
  const text = JSON.stringify(base);
  const keys = Object.keys(base);
  const bodies = [
    // Not an object: serde would fill a struct from an array, positionally.
    JSON.stringify(Object.values(base)), JSON.stringify([base]), '[]', '"str"', '1', 'true', 'null', '[{}]',
    // Not JSON, or not only JSON.
    '', '   ', text.slice(0, 1), text.slice(0, text.length / 3), text.slice(0, text.length / 2), text.slice(0, -1),
    `${text}x`, `${text} {}`, `\ufeff${text}`, text.replace(/"/g, "'"), `${text.slice(0, -1)},}`,
    `${text.slice(0, -1)},"n":NaN}`, `${text.slice(0, -1)},"n":Infinity}`, `/*c*/${text}`,
    '{"a":'.repeat(200) + '1' + '}'.repeat(200),
    // Objects of the wrong shape: empty, wrapped, keyed by nothing.
    '{}', JSON.stringify({ data: base }), '{"":1}', '{"\\u0000":1}', JSON.stringify({ [keys[0]]: base }),
    // A key given twice (same value: only the repetition is wrong), first and last key.
    `${text.slice(0, -1)},${JSON.stringify(keys[0])}:${JSON.stringify(base[keys[0]])}}`,
    `${text.slice(0, -1)},${JSON.stringify(keys.at(-1))}:${JSON.stringify(base[keys.at(-1)])}}`,
    // Fields nobody may set.
    ...[['program_id', `prg_${hex('0')}`], ['id', 'x'], ['visits', 9], ['updated_at', '2026-01-01T00:00:00Z'], ['extra', 1]]
      .map(([k, v]) => JSON.stringify({ ...base, [k]: v })),
    `${text.slice(0, -1)},"__proto__":{"program_id":"prg_x"}}`,
    // Numbers no field holds, and a body over 16 KiB.
    withRaw(base, keys[0], '1e309'), withRaw(base, keys[0], '-0.0e-999999'),
    JSON.stringify({ ...base, [keys[0]]: 'x'.repeat(20000) }),
  ];
  for (const [key, kind] of Object.entries(kinds)) {
    for (const bad of badValues(kind, base[key])) bodies.push(JSON.stringify({ ...base, [key]: bad }));
    bodies.push(withRaw(base, key, '1e309'));
    // `null` is a valid value for an optional or clearable field.
    if (!OPTIONAL.has(key)) bodies.push(JSON.stringify({ ...base, [key]: null }));
  }
  return bodies;
}

/** Fields that are optional or clearable on some endpoint, where `null` is not bad. */
const OPTIONAL = new Set(['referrer', 'visitor_id', 'report_id', 'click_id', 'name', 'customer_id', 'subscription_id', 'first_name', 'last_name', 'destination_url', 'metadata', 'campaign_id', 'email', 'status',
  'cookie_duration', 'attribution', 'allowed_hostnames', 'commission_type', 'recurring', 'recurring_months', 'hold_days', 'minimum_payout', 'reference', 'stripe_promotion_code']);

test('a battery of bad bodies on every write endpoint: 4xx with the error body, nothing written', async (t) => {
  const lead = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA, Origin: SHOP });
  const coupon = await api.post('/v1/coupons', { code: 'hard10', affiliate_id: s.affiliate.id });
  assert.equal(coupon.status, 201, JSON.stringify(coupon.body));
  const endpoints = [
    ['POST', '/v1/track/click', lead, { token: 'hard1', url: `${SHOP}/a`, referrer: 'https://news.example.org/', visitor_id: `vis_${hex('a')}`, report_id: `rpt_${hex('b')}` },
      { token: 'token', url: 'url', referrer: 'url', visitor_id: 'visitor', report_id: 'visitor' }],
    ['POST', '/v1/track/lead', lead, { click_id: clickId, email: 'lead@example.com', name: 'Lead', customer_id: 'cus_1', metadata: { plan: 'pro' } },
      { click_id: 'id', email: 'email', name: 'text', customer_id: 'text', metadata: 'metadata' }],
    ['POST', '/v1/track/sale', api, { click_id: clickId, amount: 4999, currency: 'usd', invoice_id: 'in_hard', email: 'sale@example.com' },
      { click_id: 'id', amount: 'cents', currency: 'currency', invoice_id: 'text', email: 'email' }],
    ['POST', '/v1/referrals', api, { affiliate_id: s.affiliate.id, email: 'new@example.com', customer_id: 'cus_2', status: 'lead', name: 'New', metadata: { a: 1 } },
      { affiliate_id: 'id', email: 'email', customer_id: 'text', status: 'enum', name: 'text', metadata: 'metadata' }],
    ['PATCH', `/v1/referrals/${referralId}`, api, { status: 'trialing', email: 'patched@example.com', name: 'P', subscription_id: 'sub_1' },
      { status: 'enum', email: 'email', name: 'text', subscription_id: 'text' }],
    ['POST', '/v1/campaigns', api, { name: 'C', cookie_duration: 30, attribution: 'first_click', allowed_hostnames: ['a.example.com'], commission_type: 'percentage', commission_amount: 2000, recurring: true, recurring_months: 12, hold_days: 30, minimum_payout: 5000 },
      { name: 'text', cookie_duration: 'int', attribution: 'enum', allowed_hostnames: 'hostnames', commission_type: 'enum', recurring: 'bool', recurring_months: 'int', hold_days: 'days', minimum_payout: 'minimum' }],
    ['PATCH', `/v1/campaigns/${s.campaign.id}`, api, { name: 'C2', cookie_duration: 45, attribution: 'last_click', allowed_hostnames: ['shop.example.com'] },
      { name: 'text', cookie_duration: 'int', attribution: 'enum', allowed_hostnames: 'hostnames' }],
    ['POST', '/v1/affiliates', api, { email: 'aff@example.com', first_name: 'A', last_name: 'B', campaign_id: s.campaign.id },
      { email: 'email', first_name: 'text', last_name: 'text', campaign_id: 'id' }],
    ['PATCH', `/v1/affiliates/${s.affiliate.id}`, api, { email: 'aff2@example.com', first_name: 'A2', campaign_id: s.campaign.id },
      { email: 'email', first_name: 'text', campaign_id: 'id' }],
    ['POST', '/v1/links', api, { token: 'newlink', affiliate_id: s.affiliate.id, campaign_id: s.campaign.id, destination_url: 'https://shop.example.com/x' },
      { token: 'token', affiliate_id: 'id', campaign_id: 'id', destination_url: 'url' }],
    ['PATCH', `/v1/links/${s.link.id}`, api, { token: 'renamed', destination_url: 'https://shop.example.com/y' },
      { token: 'token', destination_url: 'url' }],
    ['POST', '/v1/coupons', api, { code: 'JAMES20', affiliate_id: s.affiliate.id, campaign_id: s.campaign.id, stripe_promotion_code: 'promo_1Hard' },
      { code: 'token', affiliate_id: 'id', campaign_id: 'id', stripe_promotion_code: 'text' }],
    ['PATCH', `/v1/coupons/${coupon.body.data.id}`, api, { code: 'HARD20', archived: true, stripe_promotion_code: 'promo_2Hard' },
      { code: 'token', archived: 'bool', stripe_promotion_code: 'text' }],
    ['POST', '/v1/api_keys', api, { kind: 'secret', scopes: ['read:referrals', 'write:links'] },
      { kind: 'enum', scopes: 'scopes' }],
    ['POST', '/v1/track/refund', api, { invoice_id: 'inv_hard', amount: 100, refund_id: 're_hard' },
      { invoice_id: 'text', amount: 'cents', refund_id: 'text' }],
    ['PATCH', `/v1/commissions/com_${hex('0')}`, api, { status: 'paid' }, { status: 'enum' }],
    ['POST', '/v1/commissions', api, { affiliate_id: s.affiliate.id, amount: 2500, currency: 'USD', reason: 'Launch bonus' },
      { affiliate_id: 'id', amount: 'cents', currency: 'currency', reason: 'reason' }],
    ['POST', '/v1/integrations/stripe', api, { signing_secret: 'whsec_abc123' }, { signing_secret: 'token' }],
    // (POST /v1/payouts/run is not here: `{}` is its valid body. tests/worker/payouts.test.mjs
    // sends it arrays, bad times and unknown fields.)
    ['POST', `/v1/payouts/pay_${hex('0')}/pay`, api, { reference: 'WISE-1' }, { reference: 'text' }],
    ['POST', '/v1/webhook_endpoints', api, { url: 'https://hooks.example.com/viatrack', events: ['sale.created'] }, { url: 'url', events: 'events' }],
  ];
  const before = await snapshot();
  let sent = 0;
  for (const [method, path, who, base, kinds] of endpoints) {
    const bodies = battery(base, kinds);
    assert.ok(bodies.length >= 50, `${method} ${path}: only ${bodies.length} bad bodies`);
    for (const body of bodies) {
      const r = await who.call(method, path, body);
      sent += 1;
      const where = `${method} ${path} ${body.length > 200 ? `${body.slice(0, 200)}…` : body}`;
      assert.ok(r.status >= 400 && r.status < 500, `${where}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body?.success, false, where);
      assert.equal(typeof r.body.error?.code, 'string', where);
      assert.equal(typeof r.body.error?.message, 'string', where);
    }
  }
  assert.ok(sent >= endpoints.length * 50, `${sent} bodies`);
  t.diagnostic(`${sent} bad bodies on ${endpoints.length} write endpoints`);
  assert.deepEqual(await snapshot(), before, 'no table changed');
});

/** The issue's own probes: arrays where objects belong record nothing. */
test('arrays in place of objects are refused: click, referral, status change', async () => {
  const click = await pk.post('/v1/track/click', '["hard1","https://www.shop.example.com/"]');
  assert.equal(click.status, 400);
  assert.match(click.body.error.message, /JSON object/);
  const created = await api.post('/v1/referrals', `["${s.affiliate.id}","x@example.com"]`);
  assert.equal(created.status, 400);
  const patched = await api.patch(`/v1/referrals/${referralId}`, '["customer"]');
  assert.equal(patched.status, 400);
  assert.equal((await api.get(`/v1/referrals/${referralId}`)).body.data.status, 'lead');
});

/** URLs are stored as the URL parser serialises them; control characters are refused. */
test('URLs are stored normalised and refused with control characters', async () => {
  const r = await pk.post('/v1/track/click', { token: 'hard1', url: 'HTTPS://WWW.Shop.Example.COM/a b?x=1#f', referrer: 'https://News.Example.org' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const ref = (await api.get(`/v1/referrals/${r.body.data.click_id}`)).body.data;
  assert.equal(ref.landing_url, 'https://www.shop.example.com/a%20b?x=1#f');
  assert.equal(ref.referrer, 'https://news.example.org/');
  for (const url of ['https://www.shop.example.com/a\u0000b', 'https://www.shop.example.com/\nx', '\thttps://www.shop.example.com/']) {
    const bad = await pk.post('/v1/track/click', { token: 'hard1', url });
    assert.equal(bad.status, 400, JSON.stringify(url));
    assert.equal(bad.body.error.field, 'url');
  }
});

// ---- errors as the seeds say ---------------------------------------------------------------

/** The create-referral seed's curl body, byte for byte (its `aff_123abc` included). */
test('the seed example replayed byte for byte gets INVALID_AFFILIATE', async () => {
  const body = readFileSync(`${ROOT}/crates/core/tests/fixtures/affonso-create-referral-curl-body.json`, 'utf8');
  assert.match(body, /"affiliate_id": "aff_123abc"/);
  const r = await api.post('/v1/referrals', body);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'INVALID_AFFILIATE');
  // Another program's affiliate is no different from one that does not exist.
  const other = await apiB.post('/v1/referrals', { affiliate_id: s.affiliate.id, email: 'b@example.com' });
  assert.equal(other.status, 422);
  assert.equal(other.body.error.code, 'INVALID_AFFILIATE');
});

/** An ID of any format that names nothing is 404, in a path or a body; a link's affiliate is INVALID_AFFILIATE. */
test('IDs of any format that name nothing: 404 or INVALID_AFFILIATE, never a format error', async () => {
  for (const id of ['nope', 'ref_123', '3f2504e0-4f89-11d3-9a0c-0305e82c3301', `ref_${hex('0')}`, clickId]) {
    const r = await apiB.get(`/v1/referrals/${id}`);
    assert.equal(r.status, 404, id);
    assert.equal(r.body.error.code, 'NOT_FOUND', id);
  }
  for (const path of ['/v1/campaigns/cmp_1', '/v1/affiliates/aff_123abc', '/v1/links/x', '/v1/api_keys/key_1']) {
    assert.equal((await api.get(path)).status, 404, path);
  }
  const convert = await api.post('/v1/referrals', { click_id: 'click_abc', email: 'c@example.com' });
  assert.equal(convert.status, 404);
  const sale = await api.post('/v1/track/sale', { click_id: 'ch_1', amount: 100, currency: 'usd', invoice_id: 'in_x' });
  assert.equal(sale.status, 404);
  const lead = await pk.post('/v1/track/lead', { click_id: 'abc', email: 'l@example.com' });
  assert.equal(lead.status, 200);
  assert.equal(lead.body.data, null);
  assert.equal(lead.body.notice.code, 'CLICK_NOT_FOUND');
  const link = await api.post('/v1/links', { token: 'foreign', affiliate_id: 'aff_123abc' });
  assert.equal(link.body.error.code, 'INVALID_AFFILIATE');
  const aff = await api.post('/v1/affiliates', { email: 'z@example.com', campaign_id: 'cmp_1' });
  assert.equal(aff.status, 404);
});

// ---- the publishable key is for browsers -------------------------------------------------

test('the publishable key without Origin is refused where the campaign lists hostnames', async () => {
  const script = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA });
  const r = await script.post('/v1/track/click', { token: 'hard1', url: `${SHOP}/`, visitor_id: `vis_${hex('c')}` });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'PERMISSION_DENIED');
  assert.match(r.body.error.message, /secret key/);
  const lead = await script.post('/v1/track/lead', { click_id: clickId, email: 'script@example.com' });
  assert.equal(lead.status, 403);
  // A campaign with no hostnames takes it from anywhere; the secret key needs no Origin.
  const open = await seedLink(api, { token: 'open1' });
  assert.equal((await script.post('/v1/track/click', { token: 'open1', url: `${SHOP}/` })).status, 200);
  assert.equal(open.campaign.allowed_hostnames.length, 0);
  const server = await api.post('/v1/track/click', { token: 'hard1', url: `${SHOP}/` }, { 'User-Agent': BROWSER_UA });
  assert.equal(server.status, 200);
});

// ---- rate limits -------------------------------------------------------------------------

/** Sends until the first 429 (at most `max`); returns { ok, limited }. */
async function burst(send, max) {
  let ok = 0;
  for (let i = 0; i < max; i++) {
    const r = await send(i);
    if (r.status === 429) return { ok, limited: r };
    assert.ok(r.status < 300, `${r.status} ${JSON.stringify(r.body)}`);
    ok += 1;
  }
  return { ok, limited: null };
}

test('a burst of clicks from one address on one link gets 429 with Retry-After; others go on', async () => {
  await seedLink(api, { token: 'burst1' });
  const ip = { 'CF-Connecting-IP': '203.0.113.7' };
  // 120 per 60 s (wrangler.toml): 250 cross at most one window boundary, so one window
  // receives at least 125 of them.
  const { ok, limited } = await burst(() => pk.post('/v1/track/click', { token: 'burst1', url: `${SHOP}/` }, ip), 250);
  assert.ok(limited, `no 429 after ${ok} clicks`);
  assert.ok(ok >= 60, `limited after only ${ok} clicks`);
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.equal(limited.headers.get('access-control-expose-headers'), 'Retry-After', 'the page may read it');
  const other = await pk.post('/v1/track/click', { token: 'burst1', url: `${SHOP}/` }, { 'CF-Connecting-IP': '203.0.113.8' });
  assert.equal(other.status, 200, 'another visitor is not limited');
});

test('lead reports per click are limited', async () => {
  const id = (await pk.post('/v1/track/click', { token: 'hard1', url: `${SHOP}/` })).body.data.click_id;
  const { ok, limited } = await burst(() => pk.post('/v1/track/lead', { click_id: id, email: 'many@example.com' }), 40);
  assert.ok(limited, `no 429 after ${ok} leads`);
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal((await api.get(`/v1/referrals/${id}`)).body.data.status, 'lead', 'the first one converted');
});

test('failed authentications per address are limited, then even a good key from it waits', async () => {
  const ip = { 'CF-Connecting-IP': '198.51.100.9' };
  const { ok, limited } = await burst(async (i) => {
    const r = await client(w.url, `sk_${String(i).padStart(40, '0')}`).get('/v1/referrals', ip);
    return r.status === 401 ? { status: 200 } : r;
  }, 60);
  assert.ok(limited, `no 429 after ${ok} failures`);
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.equal(limited.body.error.code, 'RATE_LIMITED');
  assert.equal((await api.get('/v1/referrals', ip)).status, 429, 'refused before any key look-up');
  assert.equal((await api.get('/v1/referrals', { 'CF-Connecting-IP': '198.51.100.10' })).status, 200);
});

// ---- key management ----------------------------------------------------------------------

test('keys: created and shown once, listed without the key, revoked on the next request', async () => {
  const created = await api.post('/v1/api_keys', { kind: 'secret', scopes: ['read:referrals', 'read:referrals', 'write:api_keys'] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const k = created.body.data;
  assert.match(k.key, /^sk_[0-9a-f]{40}$/);
  assert.match(k.id, /^key_[0-9a-f]{32}$/);
  assert.deepEqual(k.scopes, ['read:referrals', 'write:api_keys']);
  assert.equal(k.prefix, k.key.slice(0, 7));
  const mine = client(w.url, k.key);
  assert.equal((await mine.get('/v1/referrals')).status, 200);
  assert.equal((await mine.get('/v1/affiliates')).status, 403, 'only its scopes');
  // It can create keys, but only with scopes it holds.
  const wider = await mine.post('/v1/api_keys', { kind: 'secret', scopes: ['write:referrals'] });
  assert.equal(wider.status, 403);
  assert.match(wider.body.error.message, /write:referrals/);
  const narrower = await mine.post('/v1/api_keys', { kind: 'secret', scopes: ['read:referrals'] });
  assert.equal(narrower.status, 201);
  const pkNew = await api.post('/v1/api_keys', { kind: 'publishable' });
  assert.match(pkNew.body.data.key, /^pk_[0-9a-f]{40}$/);
  assert.deepEqual(pkNew.body.data.scopes, []);
  assert.equal((await api.post('/v1/api_keys', { kind: 'publishable', scopes: ['read:referrals'] })).status, 400);
  assert.equal((await api.post('/v1/api_keys', { kind: 'secret', scopes: [] })).status, 400);

  // The list shows every active key of the program and never a key itself.
  let listed;
  for (let i = 0; i < 50; i++) {
    listed = await api.get('/v1/api_keys?limit=100');
    if (listed.body.data.find((x) => x.id === k.id)?.last_used_at) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const text = JSON.stringify(listed.body);
  assert.ok(!text.includes(k.key) && !text.includes(A.secretKey), 'no key in the list');
  const row = listed.body.data.find((x) => x.id === k.id);
  assert.deepEqual(Object.keys(row).sort(), ['created_at', 'id', 'kind', 'last_used_at', 'prefix', 'scopes']);
  assert.ok(row.last_used_at, 'last_used_at recorded');
  assert.ok(listed.body.data.some((x) => x.kind === 'publishable'));
  assert.equal((await apiB.get('/v1/api_keys')).body.data.some((x) => x.id === k.id), false, 'another program sees none');
  assert.equal((await apiB.delete(`/v1/api_keys/${k.id}`)).status, 404, 'nor revokes it');

  // A key cannot revoke a key with scopes it lacks; the owner can, and the next request fails.
  const limited = client(w.url, (await api.post('/v1/api_keys', { kind: 'secret', scopes: ['delete:api_keys'] })).body.data.key);
  assert.equal((await limited.delete(`/v1/api_keys/${k.id}`)).status, 403);
  const revoked = await api.delete(`/v1/api_keys/${k.id}`);
  assert.equal(revoked.status, 200);
  assert.deepEqual(revoked.body.data, { id: k.id, deleted: true });
  const after = await mine.get('/v1/referrals');
  assert.equal(after.status, 401, 'refused by the very next request');
  assert.equal((await api.delete(`/v1/api_keys/${k.id}`)).status, 404, 'already revoked');
  assert.equal((await api.get('/v1/api_keys?limit=100')).body.data.some((x) => x.id === k.id), false);
});

// ---- DELETE ------------------------------------------------------------------------------

test('DELETE: refused with 409 while in use, then allowed; the tracking cache is dropped', async () => {
  const d = await seedLink(api, { token: 'gone1', campaign: { allowed_hostnames: ['shop.example.com'] } });
  const conflict = async (path, what) => {
    const r = await api.delete(path);
    assert.equal(r.status, 409, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'CONFLICT');
    assert.match(r.body.error.message, what, path);
  };
  await conflict(`/v1/campaigns/${d.campaign.id}`, /affiliates and links/);
  await conflict(`/v1/affiliates/${d.affiliate.id}`, /links/);
  await conflict(`/v1/links/${s.link.id}`, /referrals/);
  await conflict(`/v1/affiliates/${s.affiliate.id}`, /links and referrals/);
  // A refused origin still looks the token up (and caches it) but records nothing.
  const evil = await client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA, Origin: 'https://evil.example.net' })
    .post('/v1/track/click', { token: 'gone1', url: 'https://evil.example.net/' });
  assert.equal(evil.status, 403);
  assert.equal((await apiB.delete(`/v1/links/${d.link.id}`)).status, 404, "another program's link");
  assert.equal((await api.delete('/v1/links/lnk_nope')).status, 404);
  const gone = await api.delete(`/v1/links/${d.link.id}`);
  assert.equal(gone.status, 200);
  assert.deepEqual(gone.body.data, { id: d.link.id, deleted: true });
  assert.equal((await api.get(`/v1/links/${d.link.id}`)).status, 404);
  const click = await pk.post('/v1/track/click', { token: 'gone1', url: `${SHOP}/` });
  assert.equal(click.status, 404, 'the cached link is gone with it');
  assert.equal((await api.delete(`/v1/affiliates/${d.affiliate.id}`)).status, 200);
  assert.equal((await api.delete(`/v1/campaigns/${d.campaign.id}`)).status, 200);
  assert.equal((await api.get(`/v1/campaigns/${d.campaign.id}`)).status, 404);
  const narrow = client(w.url, await w.addSecretKey(A.programId, ['read:links', 'write:links']));
  assert.equal((await narrow.delete(`/v1/links/${s.link.id}`)).status, 403, 'needs delete:links');
});

/**
 * POSTs a 20 MB body with curl (chunked, or with its Content-Length): { status, body, sent }
 * with `sent` the bytes curl uploaded before the answer.
 */
async function upload(path, { chunked, key = A.secretKey }) {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const file = join(w.state, 'big.json');
  if (!existsSync(file)) writeFileSync(file, `{"email": "big@example.com", "pad": "${' '.repeat(20 * 1024 * 1024)}"}`);
  const args = ['-s', '-o', '-', '-w', '\n%{http_code} %{size_upload}', '-X', 'POST', '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '-H', 'Stripe-Signature: t=1,v1=00'];
  if (chunked) args.push('-H', 'Transfer-Encoding: chunked');
  args.push('--data-binary', `@${file}`, w.url + path);
  // curl may report the reset that follows the answer (exit 56): the answer is still read.
  const r = await promisify(execFile)('curl', args, { maxBuffer: 1 << 20 }).catch((e) => e);
  const out = r.stdout;
  const [code, sent] = out.slice(out.lastIndexOf('\n') + 1).split(' ').map(Number);
  return { status: code, body: JSON.parse(out.slice(0, out.lastIndexOf('\n'))), sent };
}

test('bodies are limited before they are read: a declared or chunked 20 MB body is refused with a clear 413', async () => {
  const MB20 = 20 * 1024 * 1024;
  const before = await snapshot();
  // A chunked body (no Content-Length) is kept only up to the limit, then refused.
  const chunked = await upload('/v1/referrals', { chunked: true });
  assert.equal(chunked.status, 413, JSON.stringify(chunked.body));
  assert.equal(chunked.body.error.code, 'VALIDATION_ERROR');
  assert.match(chunked.body.error.message, /16384 bytes/);
  // A declared Content-Length over the limit is refused before a byte is read.
  const declared = await upload('/v1/referrals', { chunked: false });
  assert.equal(declared.status, 413, JSON.stringify(declared.body));
  assert.equal(declared.body.error.code, 'VALIDATION_ERROR');
  // The unauthenticated Stripe webhook has its own limit (256 KiB) before anything else.
  const stripe = await upload(`/v1/stripe/webhook/${A.programId}`, { chunked: false, key: 'none' });
  assert.equal(stripe.status, 413, JSON.stringify(stripe.body));
  assert.match(stripe.body.error.message, /262144 bytes/);
  assert.ok(chunked.sent >= MB20 && declared.sent > 0, 'the uploads were sent');
  assert.deepEqual(await snapshot(), before, 'nothing written');
  // The Worker still answers.
  assert.equal((await api.get('/v1/referrals?limit=1')).status, 200);
});
