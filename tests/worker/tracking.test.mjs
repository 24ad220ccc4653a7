// Black-box tests of the tracking endpoints (POST /v1/track/click, /lead, /sale) against
// the real Worker under `wrangler dev` with local D1 and KV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker, client, seedLink, BROWSER_UA } from '../lib/worker.mjs';

let w, program, api, pk, seeded;
const visitor = (c) => `vis_${c.repeat(32)}`;
const URL_ = 'https://www.shop.example.com/landing?via=jb007';

before(async () => {
  w = await startWorker();
  program = await w.createProgram();
  api = client(w.url, program.secretKey);
  // The publishable key as a browser on the merchant's site uses it (with an Origin).
  pk = client(w.url, program.publishableKey, { 'User-Agent': BROWSER_UA, Origin: 'https://www.shop.example.com' });
  seeded = await seedLink(api, { token: 'jb007', campaign: { allowed_hostnames: ['shop.example.com', '127.0.0.1'] } });
});
after(async () => { await w?.stop(); });

const click = (body, headers) => pk.post('/v1/track/click', { token: 'jb007', url: URL_, ...body }, headers);
const referral = async (id) => (await api.get(`/v1/referrals/${id}`)).body.data;
const total = async () => (await api.get('/v1/referrals?limit=1')).body.pagination.total_count;

/** A click answers the click ID, expiry, cookie duration, attribution and the registrable cookie domain. */
test('click: records a new click and answers what the cookie needs', async () => {
  const r = await click({ visitor_id: visitor('1'), referrer: 'https://news.example.org/post' });
  assert.equal(r.status, 200);
  const d = r.body.data;
  assert.match(d.click_id, /^ref_[0-9a-f]{32}$/);
  assert.equal(d.affiliate_id, seeded.affiliate.id);
  assert.equal(d.token, 'jb007');
  assert.equal(d.cookie_duration, 60);
  assert.equal(d.attribution, 'last_click');
  assert.equal(d.cookie_domain, 'example.com');
  assert.equal(d.visits, 1);
  assert.ok(Math.abs(d.expires_in - 60 * 86400) <= 2, `expires_in ${d.expires_in}`);
  assert.equal(Date.parse(d.expires_at) - Date.now() > 59 * 86400e3, true);
  const ref = await referral(d.click_id);
  assert.equal(ref.status, 'click');
  assert.equal(ref.type, 'CLICK');
  assert.equal(ref.conversion_state, 'visitor');
  assert.equal(ref.landing_url, URL_);
  assert.equal(ref.referrer, 'https://news.example.org/post');
  assert.equal(ref.link.token, 'jb007');
});

/** The same visitor on the same link gets the same click back with visits incremented; another visitor gets a new click. */
test('click: dedupes the same visitor on the same link', async () => {
  const a = await click({ visitor_id: visitor('2') });
  const b = await click({ visitor_id: visitor('2'), token: 'JB007' });
  assert.equal(b.body.data.click_id, a.body.data.click_id);
  assert.equal(b.body.data.visits, 2);
  assert.equal((await referral(a.body.data.click_id)).visits, 2);
  const c = await click({ visitor_id: visitor('3') });
  assert.notEqual(c.body.data.click_id, a.body.data.click_id);
  const d = await click({});
  const e = await click({});
  assert.notEqual(d.body.data.click_id, e.body.data.click_id, 'no visitor id: no dedupe');
});

/** Once the visitor's click has expired, the next visit records a new click. */
test('click: an expired click is not deduped into', async () => {
  const a = await click({ visitor_id: visitor('4') });
  await w.sql(`UPDATE referrals SET expires_at = '2020-01-01T00:00:00.000Z' WHERE id = '${a.body.data.click_id}'`);
  const b = await click({ visitor_id: visitor('4') });
  assert.notEqual(b.body.data.click_id, a.body.data.click_id);
  assert.equal(b.body.data.visits, 1);
});

/** Known bots, link previews and HEAD requests are answered but never recorded. */
test('click: bots and HEAD are not recorded', async () => {
  const before = await total();
  for (const ua of ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'facebookexternalhit/1.1', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', '']) {
    const r = await click({ visitor_id: visitor('5') }, { 'User-Agent': ua });
    assert.equal(r.status, 200, ua);
    assert.equal(r.body.data, null, ua);
    assert.equal(r.body.notice.code, 'BOT', ua);
  }
  const head = await fetch(`${w.url}/v1/track/click`, { method: 'HEAD', headers: { 'User-Agent': 'Twitterbot/1.0' } });
  assert.equal(head.status, 200);
  assert.equal(await total(), before);
});

/** Unknown tokens answer NOT_FOUND; malformed ones VALIDATION_ERROR naming the field; nothing is written. */
test('click: bad input is refused and writes nothing', async () => {
  const before = await total();
  const cases = [
    [{ token: 'nosuchtoken' }, 404, 'NOT_FOUND', null],
    [{ token: '<script>' }, 400, 'VALIDATION_ERROR', 'token'],
    [{ token: 'x'.repeat(65) }, 400, 'VALIDATION_ERROR', 'token'],
    [{ url: 'javascript:alert(1)' }, 400, 'VALIDATION_ERROR', 'url'],
    [{ url: 42 }, 400, 'VALIDATION_ERROR', 'url'],
    [{ visitor_id: 'vis_nothex' }, 400, 'VALIDATION_ERROR', 'visitor_id'],
    [{ referrer: 'not a url' }, 400, 'VALIDATION_ERROR', 'referrer'],
    [{ program_id: program.programId }, 400, 'VALIDATION_ERROR', 'program_id'],
    [{ visits: 100 }, 400, 'VALIDATION_ERROR', 'visits'],
  ];
  for (const [body, status, code, field] of cases) {
    const r = await click(body);
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.body.success, false);
    assert.equal(r.body.error.code, code, JSON.stringify(body));
    if (field) assert.equal(r.body.error.field, field, JSON.stringify(body));
  }
  const malformed = await pk.post('/v1/track/click', '{"token": "jb007", ');
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.error.message, /malformed JSON/);
  const empty = await pk.post('/v1/track/click', '');
  assert.equal(empty.status, 400);
  const huge = await pk.post('/v1/track/click', JSON.stringify({ token: 'jb007', url: `${URL_}&pad=${'a'.repeat(20000)}` }));
  assert.equal(huge.status, 413);
  assert.equal(huge.body.error.code, 'VALIDATION_ERROR');
  assert.equal(await total(), before);
});

/** Tracking needs a publishable key (or a secret key with write:referrals); the REST API refuses publishable keys. */
test('keys: missing, wrong and unscoped keys', async () => {
  const anon = client(w.url, null, { 'User-Agent': BROWSER_UA });
  for (const [c, status, code] of [
    [anon, 401, 'UNAUTHORIZED'],
    [client(w.url, 'pk_0000000000000000000000000000000000000000', { 'User-Agent': BROWSER_UA }), 401, 'UNAUTHORIZED'],
    [client(w.url, 'not-a-key', { 'User-Agent': BROWSER_UA }), 401, 'UNAUTHORIZED'],
    [client(w.url, program.publishableKey.replace('pk_', 'sk_'), { 'User-Agent': BROWSER_UA }), 401, 'UNAUTHORIZED'],
    [client(w.url, await w.addSecretKey(program.programId, ['read:referrals']), { 'User-Agent': BROWSER_UA }), 403, 'PERMISSION_DENIED'],
  ]) {
    const r = await c.post('/v1/track/click', { token: 'jb007', url: URL_ });
    assert.equal(r.status, status);
    assert.equal(r.body.error.code, code);
    assert.doesNotMatch(JSON.stringify(r.body), /sk_|pk_/, 'no key in an error');
  }
  const viaSecret = await client(w.url, program.secretKey, { 'User-Agent': BROWSER_UA }).post('/v1/track/click', { token: 'jb007', url: URL_ });
  assert.equal(viaSecret.status, 200);
  const rest = await pk.get('/v1/referrals');
  assert.equal(rest.status, 403);
  assert.equal(rest.body.error.code, 'PERMISSION_DENIED');
});

/** Browsers may call tracking only from the campaign's allowed hostnames (and subdomains); preflights are answered. */
test('cors: allowed hostnames, preflight and refusal', async () => {
  const ok = await click({}, { Origin: 'https://www.shop.example.com' });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://www.shop.example.com');
  const bad = await click({}, { Origin: 'https://evil.example.net' });
  assert.equal(bad.status, 403);
  assert.equal(bad.body.error.code, 'PERMISSION_DENIED');
  assert.equal(bad.headers.get('access-control-allow-origin'), null);
  const pre = await fetch(`${w.url}/v1/track/click`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.example.com');
  assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/);
  const preBad = await fetch(`${w.url}/v1/track/lead`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.net', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preBad.status, 403);
  assert.equal(preBad.headers.get('access-control-allow-origin'), null);
  // A 4xx for an allowed origin is readable, so the tracker can drop it instead of retrying.
  const notFound = await click({ token: 'nosuch' }, { Origin: 'https://shop.example.com' });
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers.get('access-control-allow-origin'), 'https://shop.example.com');
});

/** A lead converts the click into a referral in status lead; repeating it returns the same referral. */
test('lead: converts, is idempotent, and conflicts on a reused email', async () => {
  const c = (await click({ visitor_id: visitor('6') })).body.data;
  const lead = { click_id: c.click_id, email: 'Fred@Example.com', name: 'Fred Durst', customer_id: 'cus_1', metadata: { plan: 'pro' } };
  const r1 = await pk.post('/v1/track/lead', lead);
  assert.equal(r1.status, 200);
  const d = r1.body.data;
  assert.equal(d.id, c.click_id);
  assert.equal(d.status, 'lead');
  assert.equal(d.email, 'fred@example.com');
  assert.equal(d.name, 'Fred Durst');
  assert.equal(d.token, 'jb007');
  assert.equal(d.affiliate_id, seeded.affiliate.id);
  assert.ok(d.became_lead_at);
  assert.equal(d.conversion_state, 'lead');
  // The page's answer says nothing about the affiliate or the program (the key is public).
  for (const key of ['affiliate', 'link', 'program_id', 'metadata', 'customer_id', 'visitor_id']) assert.ok(!(key in d), `lead answer exposes ${key}`);
  assert.doesNotMatch(JSON.stringify(r1.body), new RegExp(seeded.affiliate.email));
  const full = await referral(d.id);
  assert.equal(full.customer_id, 'cus_1');
  assert.deepEqual(full.metadata, { plan: 'pro' });
  assert.equal(full.converted_at, null);
  assert.equal(full.status, 'lead');
  const r2 = await pk.post('/v1/track/lead', lead);
  assert.equal(r2.status, 200);
  assert.equal(r2.body.data.id, d.id);
  assert.equal(r2.body.data.became_lead_at, d.became_lead_at, 'replay changes nothing');
  // With the secret key (the merchant's server), another email on a converted click and a
  // reused email are 409 CONFLICT.
  const other = await api.post('/v1/track/lead', { ...lead, email: 'someone@example.com' });
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'CONFLICT');
  const c2 = (await click({ visitor_id: visitor('7') })).body.data;
  const reuse = await api.post('/v1/track/lead', { click_id: c2.click_id, email: 'fred@example.com' });
  assert.equal(reuse.status, 409);
  assert.equal(reuse.body.error.code, 'CONFLICT');
  assert.equal((await referral(c2.click_id)).status, 'click', 'conflict wrote nothing');
  assert.equal((await referral(d.id)).email, 'fred@example.com', 'the converted click keeps its email');
});

/**
 * No email oracle: with the public publishable key, a lead answers the same whether or not
 * the email is already a referral of the program (or the click converted with another
 * email); only what is recorded differs, and only the secret key sees that.
 */
test('lead with the publishable key: a known and an unknown email get the same answer', async () => {
  const known = (await click({ visitor_id: visitor('a') })).body.data;
  assert.equal((await pk.post('/v1/track/lead', { click_id: known.click_id, email: 'known@example.com' })).status, 200);
  const probe = async (email, v) => {
    const c = (await click({ visitor_id: visitor(v) })).body.data;
    const r = await pk.post('/v1/track/lead', { click_id: c.click_id, email, name: 'Probe' });
    return { c, r };
  };
  const a = await probe('known@example.com', 'b');
  const b = await probe('unknown@example.com', 'c');
  const shape = ({ r, c }) => {
    const d = { ...r.body.data };
    assert.equal(d.id, c.click_id);
    assert.ok(Math.abs(Date.parse(d.became_lead_at) - Date.now()) < 60_000, d.became_lead_at);
    for (const k of ['id', 'email', 'created_at', 'became_lead_at', 'expires_at']) delete d[k];
    return { status: r.status, keys: Object.keys(r.body).sort(), data: d, email: r.body.data.email };
  };
  assert.deepEqual(shape(a), { ...shape(b), email: 'known@example.com' });
  assert.equal(a.r.status, 200);
  assert.equal(a.r.body.data.status, 'lead');
  // What was recorded: the unknown email converted its click, the known one did not.
  assert.equal((await referral(b.c.click_id)).status, 'lead');
  assert.equal((await referral(a.c.click_id)).status, 'click');
  // A second email on a converted click: the same answer as a first lead, nothing changed.
  const again = await pk.post('/v1/track/lead', { click_id: b.c.click_id, email: 'other@example.com', name: 'Probe' });
  assert.equal(again.status, 200);
  assert.equal(again.body.data.email, 'other@example.com');
  assert.equal(again.body.data.status, 'lead');
  assert.equal((await referral(b.c.click_id)).email, 'unknown@example.com');
});

/**
 * An unknown click creates nothing and says so with 200 and a notice; an expired click is
 * refused as on every endpoint (422 INVALID_TRANSITION) and records nothing.
 */
test('lead: unknown and expired clicks record nothing', async () => {
  const unknown = await pk.post('/v1/track/lead', { click_id: `ref_${'0'.repeat(32)}`, email: 'nobody@example.com' });
  assert.equal(unknown.status, 200);
  assert.equal(unknown.body.data, null);
  assert.equal(unknown.body.notice.code, 'CLICK_NOT_FOUND');
  const c = (await click({ visitor_id: visitor('8') })).body.data;
  await w.sql(`UPDATE referrals SET created_at = '2020-01-01T00:00:00.000Z', expires_at = '2020-03-01T00:00:00.000Z' WHERE id = '${c.click_id}'`);
  const expired = await pk.post('/v1/track/lead', { click_id: c.click_id, email: 'late@example.com' });
  assert.equal(expired.status, 422);
  assert.equal(expired.body.error.code, 'INVALID_TRANSITION');
  assert.equal((await referral(c.click_id)).status, 'click');
  assert.equal((await api.get('/v1/referrals?email=late@example.com')).body.pagination.total_count, 0);
  const bad = await pk.post('/v1/track/lead', { click_id: c.click_id, email: 'not-an-email' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'email');
});

/** A sale moves the referral to a paying status; the same invoice again records nothing new. */
test('sale: records once per invoice and converts the referral', async () => {
  const c = (await click({ visitor_id: visitor('9') })).body.data;
  await pk.post('/v1/track/lead', { click_id: c.click_id, email: 'payer@example.com', customer_id: 'cus_pay' });
  const sale = { customer_id: 'cus_pay', amount: 4999, currency: 'usd', invoice_id: 'in_100' };
  const s1 = await api.post('/v1/track/sale', sale);
  assert.equal(s1.status, 200);
  assert.equal(s1.body.data.sale.amount, 4999);
  assert.equal(s1.body.data.sale.currency, 'USD');
  assert.equal(s1.body.data.referral.status, 'customer');
  assert.equal(s1.body.data.referral.conversion_state, 'conversion');
  assert.ok(s1.body.data.referral.became_conversion_at);
  assert.ok(s1.body.data.referral.converted_at);
  const s2 = await api.post('/v1/track/sale', { ...sale, amount: 1 });
  assert.equal(s2.status, 200);
  assert.deepEqual(s2.body.data.sale, s1.body.data.sale, 'the first result');
  assert.equal(s2.body.data.referral.became_conversion_at, s1.body.data.referral.became_conversion_at);
  // by click id and by email too
  const byClick = await api.post('/v1/track/sale', { click_id: c.click_id, amount: 100, currency: 'EUR', invoice_id: 'in_101' });
  assert.equal(byClick.status, 200);
  assert.equal(byClick.body.data.sale.referral_id, c.click_id);
  const byEmail = await api.post('/v1/track/sale', { email: 'PAYER@example.com', amount: 100, currency: 'EUR', invoice_id: 'in_102' });
  assert.equal(byEmail.body.data.sale.referral_id, c.click_id);
  assert.equal(byEmail.body.data.referral.link.conversions >= 1, true);
});

/** Sales that cannot be credited fail cleanly and write nothing. */
test('sale: refusals', async () => {
  const c = (await click({ visitor_id: visitor('a') })).body.data;
  await pk.post('/v1/track/lead', { click_id: c.click_id, email: 'rejected@example.com' });
  assert.equal((await api.patch(`/v1/referrals/${c.click_id}`, { status: 'rejected' })).status, 200);
  const rejected = await api.post('/v1/track/sale', { click_id: c.click_id, amount: 500, currency: 'USD', invoice_id: 'in_200' });
  assert.equal(rejected.status, 422);
  assert.equal(rejected.body.error.code, 'INVALID_TRANSITION');
  const none = await api.post('/v1/track/sale', { email: 'stranger@example.com', amount: 500, currency: 'USD', invoice_id: 'in_201' });
  assert.equal(none.status, 404);
  assert.equal(none.body.error.code, 'NOT_FOUND');
  const old = (await click({ visitor_id: visitor('b') })).body.data;
  await w.sql(`UPDATE referrals SET expires_at = '2020-03-01T00:00:00.000Z' WHERE id = '${old.click_id}'`);
  const expired = await api.post('/v1/track/sale', { click_id: old.click_id, amount: 500, currency: 'USD', invoice_id: 'in_202' });
  assert.equal(expired.status, 422);
  assert.equal(expired.body.error.code, 'INVALID_TRANSITION');
  for (const [body, field] of [
    [{ amount: 500, currency: 'USD', invoice_id: 'x' }, 'click_id'],
    [{ email: 'a@b.co', amount: -5, currency: 'USD', invoice_id: 'x' }, 'amount'],
    [{ email: 'a@b.co', amount: 0, currency: 'USD', invoice_id: 'x' }, 'amount'],
    [{ email: 'a@b.co', amount: 1e12, currency: 'USD', invoice_id: 'x' }, 'amount'],
    [{ email: 'a@b.co', amount: 9.99, currency: 'USD', invoice_id: 'x' }, 'amount'],
    [{ email: 'a@b.co', amount: 5, currency: 'US', invoice_id: 'x' }, 'currency'],
    [{ email: 'a@b.co', amount: 5, currency: 'USD' }, 'invoice_id'],
  ]) {
    const r = await api.post('/v1/track/sale', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.error.field, field, JSON.stringify(body));
  }
  assert.equal((await pk.post('/v1/track/sale', { email: 'a@b.co', amount: 5, currency: 'USD', invoice_id: 'x' })).status, 403, 'publishable keys cannot post sales');
  const sales = await w.sql("SELECT COUNT(*) AS n FROM sales WHERE invoice_id IN ('in_200', 'in_201', 'in_202', 'x')");
  assert.equal(sales[0].results[0].n, 0);
});

/** Changing a campaign's attribution takes effect on the next click (the KV entry is dropped). */
test('cache: a campaign change reaches the next click', async () => {
  const first = await click({ visitor_id: visitor('c') });
  assert.equal(first.body.data.attribution, 'last_click');
  const upd = await api.patch(`/v1/campaigns/${seeded.campaign.id}`, { attribution: 'first_click', cookie_duration: 30 });
  assert.equal(upd.status, 200);
  const next = await click({ visitor_id: visitor('d') });
  assert.equal(next.body.data.attribution, 'first_click');
  assert.equal(next.body.data.cookie_duration, 30);
  await api.patch(`/v1/campaigns/${seeded.campaign.id}`, { attribution: 'last_click', cookie_duration: 60 });
});

/** Unknown routes and methods answer JSON errors with stable codes. */
test('routes: 404 and 405 are JSON', async () => {
  const r = await api.get('/v1/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'NOT_FOUND');
  const m = await api.call('PUT', '/v1/referrals', {});
  assert.equal(m.status, 405);
  assert.equal(m.body.error.code, 'METHOD_NOT_ALLOWED');
  const h = await fetch(`${w.url}/healthz`);
  assert.deepEqual(await h.json(), { ok: true });
});

const report = (c) => `rpt_${c.repeat(32)}`;
/** The `viatrack_ref` Set-Cookie of an answer, parsed: { value, attributes (lower-case names) }. */
const serverCookie = (r) => {
  const line = r.headers.getSetCookie().find((l) => l.startsWith('viatrack_ref='));
  if (!line) return null;
  const [pair, ...attrs] = line.split('; ');
  return { value: pair.slice('viatrack_ref='.length), attributes: attrs.map((a) => a.split('=')[0].toLowerCase()), line };
};

/**
 * The same report sent again (the visitor left before the answer; the tracker replays it)
 * is the same click and no second visit; a new report of the same visitor is a visit.
 */
test('click: a replayed report is the same click, counted once', async () => {
  const first = await click({ visitor_id: visitor('5'), report_id: report('a') });
  const replay = await click({ visitor_id: visitor('5'), report_id: report('a') });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.data.click_id, first.body.data.click_id);
  assert.equal(replay.body.data.visits, 1);
  assert.equal(replay.body.data.visitor_id, visitor('5'), 'the visitor ID is echoed for the visitor cookie');
  const again = await click({ visitor_id: visitor('5'), report_id: report('b') });
  assert.equal(again.body.data.click_id, first.body.data.click_id);
  assert.equal(again.body.data.visits, 2);
  assert.equal((await click({ visitor_id: visitor('5'), report_id: report('b') })).body.data.visits, 2);
  assert.equal((await referral(first.body.data.click_id)).visits, 2);
  // Concurrent copies of one report (two tabs replaying at once): one click, one visit.
  const copies = await Promise.all([1, 2, 3, 4].map(() => click({ visitor_id: visitor('e'), report_id: report('c') })));
  assert.equal(new Set(copies.map((c) => c.body.data.click_id)).size, 1);
  assert.equal((await referral(copies[0].body.data.click_id)).visits, 1);
  const bad = await click({ report_id: 'rpt_nothex' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'report_id');
});

/**
 * From a page on the Worker's own site (Origin same-site as the request), the click answer
 * sets the HttpOnly referral cookie; from another site, or from a server without Origin, it
 * does not.
 */
test('click: the HttpOnly server cookie only for a same-site page', async () => {
  const same = await click({ visitor_id: visitor('7') }, { Origin: w.url });
  const c = serverCookie(same);
  assert.ok(c, 'set for a same-site page');
  assert.deepEqual(c.attributes, ['max-age', 'path', 'samesite', 'httponly'], 'host-only on 127.0.0.1, not Secure on http');
  assert.match(c.line, /Max-Age=518(3\d{3}|4000); Path=\/; SameSite=Lax; HttpOnly$/, 'the cookie duration, 60 days');
  assert.equal(c.value.split('.')[1], same.body.data.click_id);
  assert.equal(same.headers.get('access-control-allow-credentials'), 'true');
  // Next to it the script-readable marker: same lifetime and domain, no referral data.
  const marker = same.headers.getSetCookie().find((l) => l.startsWith('viatrack_on='));
  assert.equal(marker, c.line.replace(/^viatrack_ref=[^;]*/, 'viatrack_on=1').replace(/; HttpOnly$/, ''), 'the marker cookie');
  assert.equal(serverCookie(await click({ visitor_id: visitor('8') }, { Origin: 'https://www.shop.example.com' })), null, 'another site');
  const fromServer = await api.post('/v1/track/click', { token: 'jb007', url: URL_, visitor_id: visitor('8') }, { 'User-Agent': BROWSER_UA });
  assert.equal(fromServer.status, 200, 'a server tracks with the secret key, without Origin');
  assert.equal(serverCookie(fromServer), null, 'no Origin');
  assert.deepEqual(fromServer.headers.getSetCookie(), [], 'no marker without a server cookie');
});

/**
 * The server cookie decides like the page cookie: a held first-click referral is kept (the
 * answer names it as `held` and sets no cookie); a held last-click referral is replaced.
 */
test('click: the server cookie keeps a first-click referral', async () => {
  const fc = await seedLink(api, { token: 'firsty', campaign: { attribution: 'first_click', allowed_hostnames: [] } });
  const other = await seedLink(api, { token: 'second', campaign: { allowed_hostnames: [] } });
  assert.equal(fc.campaign.attribution, 'first_click');
  const a = await click({ token: 'firsty', visitor_id: visitor('9') }, { Origin: w.url });
  const held = serverCookie(a).value;
  const b = await click({ token: 'second', visitor_id: visitor('9') }, { Origin: w.url, Cookie: `viatrack_ref=${held}` });
  assert.equal(b.status, 200);
  assert.notEqual(b.body.data.click_id, a.body.data.click_id, 'the second click is recorded');
  assert.equal(b.body.data.held.click_id, a.body.data.click_id, 'the held referral is handed back');
  assert.equal(b.body.data.held.attribution, 'first_click');
  assert.equal(serverCookie(b), null, 'the server cookie is kept');
  // A last-click referral held: replaced.
  const c = await click({ token: 'second', visitor_id: visitor('a') }, { Origin: w.url });
  const d = await click({ token: 'firsty', visitor_id: visitor('a') }, { Origin: w.url, Cookie: `viatrack_ref=${serverCookie(c).value}` });
  assert.equal(d.body.data.held, undefined);
  assert.equal(serverCookie(d).value.split('.')[1], d.body.data.click_id);
  assert.equal(other.link.token, 'second');
});

/**
 * Without a click ID in the body, the lead takes the click from the server cookie; without
 * either, nothing is recorded (200, notice NO_REFERRAL). GET /v1/track/referral answers the
 * cookie's referral, or a notice.
 */
test('lead and restore from the server cookie', async () => {
  const a = await click({ visitor_id: visitor('b') }, { Origin: w.url });
  const cookie = `viatrack_ref=${serverCookie(a).value}`;
  const restored = await pk.get('/v1/track/referral', { Origin: w.url, Cookie: cookie });
  assert.equal(restored.status, 200);
  assert.equal(restored.body.data.click_id, a.body.data.click_id);
  assert.equal(restored.body.data.affiliate_id, seeded.affiliate.id);
  assert.equal(restored.body.data.token, 'jb007');
  assert.ok(restored.body.data.expires_in > 59 * 86400);
  const none = await pk.get('/v1/track/referral', { Origin: w.url });
  assert.deepEqual([none.status, none.body.data, none.body.notice.code], [200, null, 'NO_REFERRAL']);
  const forged = await pk.get('/v1/track/referral', { Cookie: `viatrack_ref=${serverCookie(a).value.replace(/ref_[0-9a-f]{4}/, 'ref_0000')}` });
  assert.equal(forged.body.notice.code, 'CLICK_NOT_FOUND', 'a cookie naming no click of the program');
  assert.equal((await client(w.url, null).get('/v1/track/referral', { Cookie: cookie })).status, 401);

  const lead = await pk.post('/v1/track/lead', { email: 'cookie@example.com' }, { Origin: w.url, Cookie: cookie });
  assert.equal(lead.status, 200);
  assert.equal(lead.body.data.id, a.body.data.click_id);
  assert.equal(lead.body.data.status, 'lead');
  const again = await pk.post('/v1/track/lead', { email: 'cookie@example.com' }, { Origin: w.url, Cookie: cookie });
  assert.equal(again.body.data.id, a.body.data.click_id, 'a replay answers the same referral');
  const nothing = await pk.post('/v1/track/lead', { email: 'nobody@example.com' }, { Origin: w.url });
  assert.deepEqual([nothing.status, nothing.body.data, nothing.body.notice.code], [200, null, 'NO_REFERRAL']);
  assert.equal((await api.get('/v1/referrals?email=nobody@example.com')).body.pagination.total_count, 0);
});

/** The first-party route: everything under /_viatrack/ (a Workers route on the merchant's zone). */
test('first-party prefix: /_viatrack/ serves the API and the loader', async () => {
  const loader = await fetch(`${w.url}/_viatrack/viatrack.js`);
  assert.equal(loader.status, 200);
  assert.match(await loader.text(), /viatrack/);
  assert.equal((await fetch(`${w.url}/_viatrack/tracker_bg.wasm`)).status, 200);
  const r = await pk.post('/_viatrack/v1/track/click', { token: 'jb007', url: URL_, visitor_id: visitor('c') });
  assert.equal(r.status, 200);
  assert.match(r.body.data.click_id, /^ref_/);
  assert.equal((await api.get('/_viatrack/v1/referrals?limit=1')).status, 200);
});

/**
 * One rule for an expired click on every endpoint that would convert it: the lead, a
 * referral created with its click_id, and a sale naming it all answer 422
 * INVALID_TRANSITION with the same message, and the click stays a click.
 */
test('an expired click is refused the same way everywhere', async () => {
  const c = (await click({ visitor_id: visitor('f') })).body.data;
  await w.sql(`UPDATE referrals SET created_at = '2020-01-01T00:00:00.000Z', expires_at = '2020-03-01T00:00:00.000Z' WHERE id = '${c.click_id}'`);
  const answers = [
    await pk.post('/v1/track/lead', { click_id: c.click_id, email: 'everywhere@example.com' }),
    await api.post('/v1/referrals', { click_id: c.click_id, email: 'everywhere@example.com' }),
    await api.post('/v1/track/sale', { click_id: c.click_id, amount: 900, currency: 'EUR', invoice_id: 'in_everywhere' }),
  ];
  for (const a of answers) {
    assert.equal(a.status, 422);
    assert.equal(a.body.error.code, 'INVALID_TRANSITION');
    assert.equal(a.body.error.message, answers[0].body.error.message);
  }
  assert.match(answers[0].body.error.message, /cookie duration has passed/);
  const after = await referral(c.click_id);
  assert.equal(after.status, 'click');
  assert.equal(after.email, null);
});
