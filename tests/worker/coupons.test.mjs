// Coupon codes (issue 26), black-box against the real Worker under
// `wrangler dev`: codes are case-insensitive and unique in a program (as Stripe's promotion
// codes are), a coupon takes its affiliate's campaign by default, archiving and the Stripe
// promotion code are updates, the list filters by affiliate and campaign, and the routes hold
// their scopes and the program's boundary. An affiliate or campaign a coupon names is not
// deleted (409 naming coupons). A sale (POST /v1/track/sale) naming a code credits the code's
// affiliate when no referral explains it, once however often it is retried; a referral that
// does explain it keeps the credit; an archived, unknown or foreign code credits nobody.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Stripe from 'stripe';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

let w, p, q, api, other, ada, bob;

before(async () => {
  w = await startWorker();
  p = await w.createProgram({ name: 'coupons' });
  q = await w.createProgram({ name: 'elsewhere' });
  api = client(w.url, p.secretKey);
  other = client(w.url, q.secretKey);
  ada = await seedLink(api, { token: 'ada', campaign: { commission_type: 'percentage', commission_amount: 2000 } });
  bob = await seedLink(api, { token: 'bob', campaign: { commission_type: 'fixed', commission_amount: 500 } });
});
after(async () => { await w?.stop(); });

test('create: the code is stored upper case, unique in the program whatever its case; the campaign defaults to the affiliate\'s', async () => {
  const made = await api.post('/v1/coupons', { code: 'james20', affiliate_id: ada.affiliate.id, stripe_promotion_code: 'promo_1MiM6KLkdIwHu7ix' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const c = made.body.data;
  assert.match(c.id, /^cpn_[0-9a-f]{32}$/);
  assert.deepEqual([c.code, c.affiliate_id, c.campaign_id, c.stripe_promotion_code, c.archived], ['JAMES20', ada.affiliate.id, ada.campaign.id, 'promo_1MiM6KLkdIwHu7ix', false]);
  assert.equal(c.created_at, c.updated_at);
  assert.deepEqual((await api.get(`/v1/coupons/${c.id}`)).body.data, c);

  for (const [body, field] of [
    [{ code: 'JaMeS20', affiliate_id: bob.affiliate.id }, 'code'],
    [{ code: 'OTHER', affiliate_id: bob.affiliate.id, stripe_promotion_code: 'promo_1MiM6KLkdIwHu7ix' }, 'stripe_promotion_code'],
  ]) {
    const clash = await api.post('/v1/coupons', body);
    assert.equal(clash.status, 409, JSON.stringify(clash.body));
    assert.equal(clash.body.error.code, 'CONFLICT');
    assert.match(clash.body.error.message, new RegExp(field));
  }
  // Another program may use the same code.
  const theirs = await seedLink(other, { token: 'eve' });
  assert.equal((await other.post('/v1/coupons', { code: 'JAMES20', affiliate_id: theirs.affiliate.id })).status, 201);
  // A campaign given explicitly.
  const inBobs = await api.post('/v1/coupons', { code: 'ADA-BOB', affiliate_id: ada.affiliate.id, campaign_id: bob.campaign.id });
  assert.equal(inBobs.body.data.campaign_id, bob.campaign.id);
});

test('bad input: the code\'s syntax, unknown or foreign affiliates and campaigns, arrays and unknown fields', async () => {
  for (const code of ['', 'two words', 'x'.repeat(65), 'ünï', 'a\u0000b', 7, ['A']]) {
    const r = await api.post('/v1/coupons', { code, affiliate_id: ada.affiliate.id });
    assert.equal(r.status, 400, JSON.stringify(code));
    assert.equal(r.body.error.code, 'VALIDATION_ERROR');
    assert.equal(r.body.error.field, 'code');
  }
  assert.equal((await api.post('/v1/coupons', { code: 'OK1', affiliate_id: ada.affiliate.id, stripe_promotion_code: 'coupon_1' })).body.error.field, 'stripe_promotion_code');
  assert.equal((await api.post('/v1/coupons', { code: 'OK1', affiliate_id: ada.affiliate.id, extra: 1 })).status, 400);
  assert.equal((await api.post('/v1/coupons', [{ code: 'OK1', affiliate_id: ada.affiliate.id }])).status, 400);
  const theirAffiliate = (await other.get('/v1/affiliates')).body.data[0].id;
  for (const affiliate_id of ['aff_nope', theirAffiliate]) {
    const r = await api.post('/v1/coupons', { code: 'OK1', affiliate_id });
    assert.equal(r.status, 422, affiliate_id);
    assert.equal(r.body.error.code, 'INVALID_AFFILIATE');
  }
  const theirCampaign = (await other.get('/v1/campaigns')).body.data[0].id;
  assert.equal((await api.post('/v1/coupons', { code: 'OK1', affiliate_id: ada.affiliate.id, campaign_id: theirCampaign })).status, 404);
  assert.equal((await api.get('/v1/coupons?affiliate_id=aff_nope')).body.data.length, 0);
  assert.equal((await api.get('/v1/coupons?archived=true')).status, 400, 'an unknown filter');
});

test('update: rename, archive and restore, clear the promotion code; list filters and pages', async () => {
  const c = (await api.post('/v1/coupons', { code: 'SPRING', affiliate_id: bob.affiliate.id, stripe_promotion_code: 'promo_spring' })).body.data;
  const archived = await api.patch(`/v1/coupons/${c.id}`, { archived: true, code: 'spring-26', stripe_promotion_code: null });
  assert.equal(archived.status, 200, JSON.stringify(archived.body));
  assert.deepEqual([archived.body.data.archived, archived.body.data.code, archived.body.data.stripe_promotion_code], [true, 'SPRING-26', null]);
  assert.ok(archived.body.data.updated_at >= c.updated_at);
  assert.equal((await api.patch(`/v1/coupons/${c.id}`, { archived: false })).body.data.archived, false);
  assert.equal((await api.patch(`/v1/coupons/${c.id}`, {})).status, 400, 'no fields');
  assert.equal((await api.patch(`/v1/coupons/${c.id}`, { code: 'james20' })).status, 409, 'another coupon\'s code');
  assert.equal((await api.patch(`/v1/coupons/${c.id}`, { archived: 'yes' })).status, 400);

  const bobs = (await api.get(`/v1/coupons?affiliate_id=${bob.affiliate.id}`)).body;
  assert.deepEqual(bobs.data.map((x) => x.code), ['SPRING-26']);
  const inBobsCampaign = (await api.get(`/v1/coupons?campaign_id=${bob.campaign.id}`)).body.data.map((x) => x.code).sort();
  assert.deepEqual(inBobsCampaign, ['ADA-BOB', 'SPRING-26']);
  const all = (await api.get('/v1/coupons?limit=2')).body;
  assert.equal(all.pagination.total_count, 3);
  assert.equal(all.data.length, 2);
  assert.equal(all.pagination.has_more, true);
  const second = (await api.get('/v1/coupons?limit=2&page=2')).body.data;
  assert.deepEqual([...all.data, ...second].map((x) => x.code).sort(), ['ADA-BOB', 'JAMES20', 'SPRING-26']);
});

test('the program\'s boundary and the scopes', async () => {
  const mine = (await api.get('/v1/coupons?limit=100')).body.data;
  const theirs = (await other.get('/v1/coupons')).body.data;
  assert.equal(theirs.length, 1);
  assert.ok(!mine.some((c) => c.id === theirs[0].id));
  for (const [method, body] of [['GET'], ['PATCH', { archived: true }], ['DELETE']]) {
    const r = await api.call(method, `/v1/coupons/${theirs[0].id}`, body);
    assert.equal(r.status, 404, `${method} another program's coupon`);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  }
  assert.equal((await other.get(`/v1/coupons/${theirs[0].id}`)).body.data.archived, false, 'untouched');
  const reader = client(w.url, await w.addSecretKey(p.programId, ['read:coupons']));
  assert.equal((await reader.get('/v1/coupons')).status, 200);
  for (const [method, path, body] of [['POST', '/v1/coupons', { code: 'NOPE', affiliate_id: ada.affiliate.id }], ['PATCH', `/v1/coupons/${mine[0].id}`, { archived: true }], ['DELETE', `/v1/coupons/${mine[0].id}`]]) {
    const r = await reader.call(method, path, body);
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.body.error.code, 'PERMISSION_DENIED');
  }
  assert.equal((await client(w.url, p.publishableKey).get('/v1/coupons')).status, 403, 'a publishable key');
});

test('delete: the coupon goes; an affiliate or campaign a coupon names stays (409 naming coupons)', async () => {
  const solo = await seedLink(api, { token: 'solo' });
  // Only the coupon names this affiliate once its link is gone.
  assert.equal((await api.delete(`/v1/links/${solo.link.id}`)).status, 200);
  const c = (await api.post('/v1/coupons', { code: 'SOLO', affiliate_id: solo.affiliate.id })).body.data;
  const busy = await api.delete(`/v1/affiliates/${solo.affiliate.id}`);
  assert.equal(busy.status, 409, JSON.stringify(busy.body));
  assert.match(busy.body.error.message, /coupons/);
  const gone = await api.delete(`/v1/coupons/${c.id}`);
  assert.equal(gone.status, 200, JSON.stringify(gone.body));
  assert.deepEqual(gone.body.data, { id: c.id, deleted: true });
  assert.equal((await api.get(`/v1/coupons/${c.id}`)).status, 404);
  assert.equal((await api.delete(`/v1/coupons/${c.id}`)).status, 404);
  assert.equal((await api.delete(`/v1/affiliates/${solo.affiliate.id}`)).status, 200, 'free once the coupon is gone');
});

const sale = (body) => api.post('/v1/track/sale', { amount: 10000, currency: 'usd', ...body });

test('a sale with a code and no referral: a referral for the code\'s affiliate, attribution_method code, one commission; a retry makes nothing twice', async () => {
  const podcast = (await api.post('/v1/coupons', { code: 'PODCAST', affiliate_id: ada.affiliate.id })).body.data;
  const before = (await api.get('/v1/referrals?limit=100')).body.pagination.total_count;
  const r = await sale({ coupon: 'podcast', email: 'listener@example.com', invoice_id: 'inv_code_1' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const ref = r.body.data.referral;
  assert.deepEqual([ref.affiliate_id, ref.attribution_method, ref.coupon, ref.status, ref.link, ref.email], [ada.affiliate.id, 'code', 'PODCAST', 'customer', null, 'listener@example.com']);
  assert.equal(r.body.data.sale.referral_id, ref.id);
  const commissions = (await api.get(`/v1/commissions?referral_id=${ref.id}`)).body.data;
  assert.deepEqual(commissions.map((c) => [c.affiliate_id, c.amount]), [[ada.affiliate.id, 2000]], '20 % of 100.00, to the code\'s affiliate');
  // The same sale again (a lost answer): the same answer, nothing new.
  const again = await sale({ coupon: 'PODCAST', email: 'listener@example.com', invoice_id: 'inv_code_1' });
  assert.equal(again.status, 200);
  assert.equal(again.body.data.sale.id, r.body.data.sale.id);
  assert.equal((await api.get('/v1/referrals?limit=100')).body.pagination.total_count, before + 1);
  assert.equal((await api.get(`/v1/commissions?referral_id=${ref.id}`)).body.data.length, 1);
  // Without an email or customer ID the code alone credits, and a retry still finds its referral.
  const bare = await sale({ coupon: 'PODCAST', invoice_id: 'inv_code_2', amount: 5000 });
  assert.equal(bare.status, 200, JSON.stringify(bare.body));
  const bareAgain = await sale({ coupon: 'PODCAST', invoice_id: 'inv_code_2', amount: 5000 });
  assert.equal(bareAgain.body.data.referral.id, bare.body.data.referral.id);
  assert.equal((await api.get('/v1/referrals?limit=100')).body.pagination.total_count, before + 2);
  // The code's counters, and its referrals keep it.
  const counted = (await api.get(`/v1/coupons/${podcast.id}`)).body.data;
  assert.deepEqual([counted.leads, counted.conversions], [2, 2]);
  const refused = await api.delete(`/v1/coupons/${podcast.id}`);
  assert.equal(refused.status, 409);
  assert.match(refused.body.error.message, /referrals/);
  // The referral object says how it was credited, everywhere.
  assert.equal((await api.get(`/v1/referrals/${ref.id}`)).body.data.attribution_method, 'code');
});

test('a sale with a code that a referral explains: the referral keeps the credit (link before code)', async () => {
  const pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  const click = (await pk.post('/v1/track/click', { token: 'bob', url: 'https://shop.example.com/' })).body.data.click_id;
  assert.equal((await pk.post('/v1/track/lead', { click_id: click, email: 'clicked@example.com' })).status, 200);
  await api.post('/v1/coupons', { code: 'ADA10', affiliate_id: ada.affiliate.id });
  const r = await sale({ coupon: 'ADA10', email: 'clicked@example.com', invoice_id: 'inv_link_wins' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.data.referral.id, r.body.data.referral.affiliate_id, r.body.data.referral.attribution_method, r.body.data.referral.coupon],
    [click, bob.affiliate.id, 'link', null]);
  assert.deepEqual((await api.get(`/v1/commissions?referral_id=${click}`)).body.data.map((c) => [c.affiliate_id, c.amount]), [[bob.affiliate.id, 500]], 'one commission, the link\'s affiliate\'s');
  const made = (await api.post('/v1/referrals', { affiliate_id: bob.affiliate.id, email: 'api-made@example.com' })).body.data;
  assert.equal(made.attribution_method, 'api');
});

test('an archived, unknown or foreign code credits nobody: NOT_FOUND and nothing written', async () => {
  const old = (await api.post('/v1/coupons', { code: 'OLD', affiliate_id: ada.affiliate.id })).body.data;
  await api.patch(`/v1/coupons/${old.id}`, { archived: true });
  const count = async () => [(await api.get('/v1/referrals?limit=1')).body.pagination.total_count, (await api.get('/v1/commissions?limit=1')).body.pagination.total_count];
  const before = await count();
  for (const coupon of ['OLD', 'NEVER-MADE', 'JAMES20x']) {
    const r = await sale({ coupon, email: `nobody-${coupon}@example.com`, invoice_id: `inv_${coupon}` });
    assert.equal(r.status, 404, `${coupon}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  }
  // Another program's code (JAMES20 there is theirs; here it is Ada's): theirs credits nobody here.
  const eve = (await other.get('/v1/coupons')).body.data[0];
  await other.patch(`/v1/coupons/${eve.id}`, { code: 'EVE-ONLY' });
  const foreign = await sale({ coupon: 'EVE-ONLY', email: 'foreign@example.com', invoice_id: 'inv_foreign' });
  assert.equal(foreign.status, 404);
  assert.deepEqual(await count(), before);
  for (const coupon of ['bad code', 7, 'x'.repeat(65)]) {
    const r = await sale({ coupon, invoice_id: 'inv_bad' });
    assert.equal(r.status, 400, JSON.stringify(coupon));
    assert.equal(r.body.error.field, 'coupon');
  }
});

test('Stripe: a checkout with a promotion code and no referral credits the coupon; with a referral the referral keeps it; an unusable code is ignored once', async () => {
  const stripe = new Stripe('sk_test_unused_no_network');
  const SECRET = 'whsec_couponTestSecret123';
  const hook = new URL((await api.post('/v1/integrations/stripe', { signing_secret: SECRET })).body.data.webhook_url).pathname;
  let seq = 0;
  const deliver = async (type, object) => {
    const payload = JSON.stringify({ id: `evt_cpn_${++seq}_${Date.now()}`, object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
    const header = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const r = await client(w.url, null).post(hook, payload, { 'Stripe-Signature': header });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return { r, payload, header };
  };
  // A Checkout Session as Stripe sends it: discounts [{coupon, promotion_code}].
  const session = (id, extra) => ({ id, object: 'checkout.session', amount_total: 20000, currency: 'eur', customer: `cus_${id}`, customer_details: { email: `${id}@example.com` }, payment_intent: `pi_${id}`, mode: 'payment', ...extra });
  const yt = (await api.post('/v1/coupons', { code: 'YOUTUBE', affiliate_id: ada.affiliate.id, stripe_promotion_code: 'promo_1Yt' })).body.data;
  const paid = await deliver('checkout.session.completed', session('cs_code', { discounts: [{ coupon: 'Z4OV52SU', promotion_code: 'promo_1Yt' }] }));
  assert.equal(paid.r.body.data.outcome, 'sale', JSON.stringify(paid.r.body));
  const sale = (await api.get('/v1/referrals?email=cs_code@example.com')).body.data[0];
  assert.deepEqual([sale.affiliate_id, sale.attribution_method, sale.coupon, sale.status, sale.customer_id], [ada.affiliate.id, 'code', 'YOUTUBE', 'customer', 'cus_cs_code']);
  assert.deepEqual((await api.get(`/v1/commissions?referral_id=${sale.id}`)).body.data.map((c) => [c.affiliate_id, c.amount, c.currency]), [[ada.affiliate.id, 4000, 'EUR']]);
  // Stripe redelivers the same event: recorded once.
  const again = await client(w.url, null).post(hook, paid.payload, { 'Stripe-Signature': paid.header });
  assert.equal(again.body.data.outcome, 'duplicate');
  // The renewal invoice names no code (bare discount IDs): the customer ID finds the referral.
  const renewal = await deliver('invoice.paid', { id: 'in_renewal', object: 'invoice', amount_paid: 20000, currency: 'eur', customer: 'cus_cs_code', payment_intent: 'pi_renewal', discounts: ['di_1'] });
  assert.equal(renewal.r.body.data.outcome, 'sale');
  assert.equal((await api.get(`/v1/commissions?referral_id=${sale.id}`)).body.data.length, 1, 'a one-time campaign: no commission on a renewal, and no second referral');
  assert.equal((await api.get(`/v1/coupons/${yt.id}`)).body.data.conversions, 1);

  // The expanded promotion code's own code matches a coupon that has no promotion code ID.
  await api.post('/v1/coupons', { code: 'PODCAST2', affiliate_id: bob.affiliate.id });
  const expanded = await deliver('checkout.session.completed', session('cs_expanded', { discounts: [{ coupon: 'c', promotion_code: { id: 'promo_unlinked', object: 'promotion_code', code: 'podcast2' } }] }));
  assert.equal(expanded.r.body.data.outcome, 'sale');
  const bobs = (await api.get('/v1/referrals?email=cs_expanded@example.com')).body.data[0];
  assert.deepEqual([bobs.affiliate_id, bobs.coupon], [bob.affiliate.id, 'PODCAST2']);

  // A referral named by client_reference_id keeps the credit over the code.
  const pk = client(w.url, p.publishableKey, { 'User-Agent': BROWSER_UA });
  const click = (await pk.post('/v1/track/click', { token: 'bob', url: 'https://shop.example.com/' })).body.data.click_id;
  const linked = await deliver('checkout.session.completed', session('cs_linked', { client_reference_id: click, discounts: [{ coupon: 'c', promotion_code: 'promo_1Yt' }] }));
  assert.equal(linked.r.body.data.outcome, 'sale');
  const kept = (await api.get(`/v1/referrals/${click}`)).body.data;
  assert.deepEqual([kept.affiliate_id, kept.attribution_method, kept.coupon], [bob.affiliate.id, 'link', null]);
  assert.deepEqual((await api.get(`/v1/commissions?referral_id=${click}`)).body.data.map((c) => c.affiliate_id), [bob.affiliate.id], 'exactly one commission, the link\'s');

  // Archived, unknown, another program's: ignored (200) and recorded once; nobody credited.
  await api.patch(`/v1/coupons/${yt.id}`, { archived: true });
  const theirs = (await other.post('/v1/coupons', { code: 'THEIRS', affiliate_id: (await other.get('/v1/affiliates')).body.data[0].id, stripe_promotion_code: 'promo_theirs' })).body.data;
  assert.ok(theirs.id);
  const count = async () => (await api.get('/v1/referrals?limit=1')).body.pagination.total_count;
  const before = await count();
  for (const [id, promo] of [['cs_archived', 'promo_1Yt'], ['cs_unknown', 'promo_nobody'], ['cs_theirs', 'promo_theirs']]) {
    const { r } = await deliver('checkout.session.completed', session(id, { discounts: [{ coupon: 'c', promotion_code: promo }] }));
    assert.equal(r.body.data.outcome, 'ignored', `${id}: ${JSON.stringify(r.body)}`);
  }
  assert.equal(await count(), before);
  const [{ results: [{ n }] }] = await w.sql(`SELECT COUNT(*) AS n FROM stripe_events WHERE program_id = '${p.programId}' AND event_id LIKE 'evt_cpn_%'`);
  assert.equal(n, seq, 'every event recorded once');
});
