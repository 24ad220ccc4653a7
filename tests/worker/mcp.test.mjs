// Black-box tests of the MCP endpoint (POST /mcp, Streamable HTTP, JSON-RPC 2.0) against the
// real Worker under `wrangler dev`, with the official TypeScript SDK's client
// (@modelcontextprotocol/sdk) and ajv (an implementation of JSON Schema that is not ours).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { createServer, request } from 'node:http';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startWorker, client, seedLink, BROWSER_UA, ROOT } from '../lib/worker.mjs';
import { newId } from '../../scripts/lib/program.mjs';

let w, A, B, apiA, pkA, seeded, extra;
const open = [];

/** An SDK client connected to the Worker's `path` with `key` (Authorization: Bearer). */
async function connect(key, path = '/mcp') {
  const c = new Client({ name: 'viatrack-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${w.url}${path}`), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  await c.connect(transport);
  open.push(c);
  return c;
}

/** One raw JSON-RPC POST: { status, body, headers } (body parsed when JSON). */
async function rpc(body, { key = A.secretKey, headers = {}, method = 'POST', path = '/mcp' } = {}) {
  const h = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...headers };
  if (key) h.Authorization = `Bearer ${key}`;
  const r = await fetch(w.url + path, { method, headers: h, body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body) });
  const text = await r.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: r.status, body: parsed, headers: r.headers };
}

before(async () => {
  w = await startWorker();
  A = await w.createProgram({ name: 'A' });
  B = await w.createProgram({ name: 'B' });
  apiA = client(w.url, A.secretKey);
  pkA = client(w.url, A.publishableKey, { 'User-Agent': BROWSER_UA });
  seeded = await seedLink(apiA, { token: 'mcp007', campaign: { minimum_payout: 0 } });
  const ref = await apiA.post('/v1/referrals', { affiliate_id: seeded.affiliate.id, email: 'first@example.com' });
  assert.equal(ref.status, 201, JSON.stringify(ref.body));
  const bonus = { affiliate_id: seeded.affiliate.id, amount: 2500, currency: 'USD', reason: 'launch bonus' };
  assert.equal((await apiA.post('/v1/commissions', bonus)).status, 201);
  const run = await apiA.post('/v1/payouts/run', {});
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.equal(run.body.data.payouts.length, 1, JSON.stringify(run.body));
  // Two pending commissions in no payout, for the delete tool.
  const pending = [];
  for (let i = 0; i < 2; i++) pending.push((await apiA.post('/v1/commissions', { ...bonus, reason: `to delete ${i}` })).body.data.id);
  const coupon = await apiA.post('/v1/coupons', { code: 'MCP20', affiliate_id: seeded.affiliate.id });
  assert.equal(coupon.status, 201, JSON.stringify(coupon.body));
  extra = { referral: ref.body.data, payout: run.body.data.payouts[0], pendingCommissions: pending, coupon: coupon.body.data };
});
after(async () => {
  for (const c of open) await c.close().catch(() => {});
  await w?.stop();
});

/** The REST path a tool's read answers, for comparing the tool's json answer with it. */
const REST_READS = {
  viatrack_list_referrals: () => '/v1/referrals?limit=5',
  viatrack_get_referral: () => `/v1/referrals/${extra.referral.id}`,
  viatrack_list_affiliates: () => '/v1/affiliates?limit=5',
  viatrack_get_affiliate: () => `/v1/affiliates/${seeded.affiliate.id}`,
  viatrack_list_campaigns: () => '/v1/campaigns?limit=5',
  viatrack_get_campaign: () => `/v1/campaigns/${seeded.campaign.id}`,
  viatrack_list_links: () => '/v1/links?limit=5',
  viatrack_get_link: () => `/v1/links/${seeded.link.id}`,
  viatrack_list_coupons: () => '/v1/coupons?limit=5',
  viatrack_get_coupon: () => `/v1/coupons/${extra.coupon.id}`,
  viatrack_list_commissions: () => '/v1/commissions?limit=5',
  viatrack_get_commission: () => `/v1/commissions/${extra.pendingCommissions[0]}`,
  viatrack_commission_summary: () => '/v1/commissions/summary?limit=5',
  viatrack_list_payouts: () => '/v1/payouts?limit=5',
  viatrack_get_payout: () => `/v1/payouts/${extra.payout.id}`,
  viatrack_top_affiliates: () => '/v1/stats/top_affiliates?by=conversions',
  viatrack_stats: () => '/v1/stats?group_by=affiliate',
};

/** The arguments of each read, matching REST_READS. */
function readArgs(name) {
  const url = new URL(REST_READS[name](), 'http://x');
  const args = Object.fromEntries(url.searchParams);
  if (args.limit) args.limit = Number(args.limit);
  // A path's third segment is an ID (prefix_…), or a literal such as `summary`.
  const id = url.pathname.split('/')[3];
  if (id && /^[a-z]{3}_[0-9a-f]{32}$/.test(id)) args.id = id;
  return args;
}

/** What each write tool is called with, per format; `made` collects IDs the creates answer. */
function writeArgs(name, format, made) {
  const u = newId('m');
  const at = format === 'json' ? 0 : 1;
  switch (name) {
    case 'viatrack_create_referral': return { affiliate_id: seeded.affiliate.id, email: `${u}@example.com`, metadata: { source: 'mcp' } };
    case 'viatrack_update_referral': return { id: extra.referral.id, name: `Name ${format}` };
    case 'viatrack_delete_referral': return { id: made.referral[at] };
    case 'viatrack_create_affiliate': return { email: `${u}@example.com`, first_name: 'Mona', campaign_id: seeded.campaign.id };
    case 'viatrack_update_affiliate': return { id: seeded.affiliate.id, first_name: `First ${format}` };
    case 'viatrack_delete_affiliate': return { id: made.affiliate[at] };
    case 'viatrack_create_campaign': return { name: `Campaign ${format}`, cookie_duration: 30 };
    case 'viatrack_update_campaign': return { id: made.campaign[at], name: `Renamed ${format}` };
    case 'viatrack_delete_campaign': return { id: made.campaign[at] };
    case 'viatrack_create_link': return { token: `t${u.slice(-8).toLowerCase()}`, affiliate_id: seeded.affiliate.id };
    case 'viatrack_update_link': return { id: made.link[at], destination_url: 'https://shop.example.com/pricing' };
    case 'viatrack_delete_link': return { id: made.link[at] };
    case 'viatrack_create_coupon': return { code: `C${u.slice(-8)}`, affiliate_id: seeded.affiliate.id };
    case 'viatrack_update_coupon': return { id: made.coupon[at], archived: true };
    case 'viatrack_delete_coupon': return { id: made.coupon[at] };
    case 'viatrack_create_commission': return { affiliate_id: seeded.affiliate.id, amount: 1234, currency: 'EUR', reason: `bonus ${format}` };
    case 'viatrack_update_commission': return { id: made.commission[at], status: 'voided' };
    case 'viatrack_delete_commission': return { id: extra.pendingCommissions[at] };
    default: throw new Error(`no arguments for ${name}`);
  }
}

const REST_OF = { referral: 'referrals', affiliate: 'affiliates', campaign: 'campaigns', link: 'links', coupon: 'coupons', commission: 'commissions' };

/**
 * The SDK connects (initialize, notifications/initialized), lists the tools of a key with
 * every scope, and calls every tool in both formats: each json answer validates against the
 * tool's outputSchema (ajv, JSON Schema 2020-12) and equals the REST answer for the same
 * request (reads) or the object REST then serves (writes); markdown answers are a heading and
 * a table, with the same structuredContent.
 */
test('the SDK client lists and calls every tool in both formats', async () => {
  const mcp = await connect(A.secretKey);
  assert.equal(mcp.getServerVersion().name, 'viatrack');
  const { tools } = await mcp.listTools();
  const names = tools.map((t) => t.name);
  assert.equal(names.length, 35, names.join(', '));
  assert.ok(names.every((n) => n.startsWith('viatrack_')));
  // JSON Schema 2020-12 (MCP's default dialect) with every format checked; a keyword or
  // format ajv does not know is a warning, and there must be none.
  const warnings = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: { log() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) } });
  addFormats(ajv);
  const validators = Object.fromEntries(tools.map((t) => [t.name, ajv.compile(t.outputSchema)]));
  for (const t of tools) {
    ajv.compile(t.inputSchema);
    assert.equal(t.inputSchema.type, 'object');
    assert.ok(t.inputSchema.properties.response_format, t.name);
    const write = /_(create|update|delete)_/.test(t.name);
    assert.equal(t.annotations.readOnlyHint, !write, t.name);
    if (/_delete_|_commission$/.test(t.name) && write) assert.equal(t.annotations.destructiveHint, true, t.name);
  }
  assert.deepEqual([...new Set(warnings)], [], 'the schemas use only keywords and formats ajv knows');
  const made = { referral: [], affiliate: [], campaign: [], link: [], coupon: [], commission: [] };
  let calls = 0;
  for (const name of names) {
    for (const format of ['json', 'markdown']) {
      const read = name in REST_READS;
      const args = read ? readArgs(name) : writeArgs(name, format, made);
      const r = await mcp.callTool({ name, arguments: { ...args, response_format: format } });
      calls += 1;
      assert.notEqual(r.isError, true, `${name} ${format}: ${r.content?.[0]?.text}`);
      const data = r.structuredContent;
      assert.ok(validators[name](data), `${name}: ${JSON.stringify(validators[name].errors)}`);
      const text = r.content[0].text;
      if (format === 'json') assert.deepEqual(JSON.parse(text), data, name);
      else assert.match(text, /^## /, name);
      if (read) {
        const rest = await apiA.get(REST_READS[name]());
        assert.equal(rest.status, 200, name);
        const expected = 'pagination' in rest.body ? { data: rest.body.data, pagination: rest.body.pagination } : rest.body.data;
        assert.deepEqual(data, expected, `${name} ${format} equals the REST answer`);
        if (format === 'markdown' && 'pagination' in rest.body) assert.match(text, /Page 1 of \d+ · \d+ /, name);
        continue;
      }
      const [verb, noun] = name.replace('viatrack_', '').split('_');
      if (verb === 'create') made[noun].push(data.id);
      if (verb === 'delete') {
        assert.deepEqual(data, { id: args.id, deleted: true }, name);
        assert.equal((await apiA.get(`/v1/${REST_OF[noun]}/${args.id}`)).status, 404, `${name}: gone`);
      } else {
        const rest = await apiA.get(`/v1/${REST_OF[noun]}/${data.id}`);
        assert.deepEqual(data, rest.body.data, `${name} ${format}: the object REST serves`);
      }
    }
  }
  assert.equal(calls, 70);
  // Money in markdown: a commission in its currency.
  const md = await mcp.callTool({ name: 'viatrack_get_commission', arguments: { id: made.commission[0] } });
  assert.match(md.content[0].text, /\| amount \| 12\.34 EUR \|/);
  const payout = await mcp.callTool({ name: 'viatrack_get_payout', arguments: { id: extra.payout.id } });
  assert.match(payout.content[0].text, /\| amount \| 25\.00 USD \|/);
});

/** A read-only key sees only read tools; a write with it is PERMISSION_DENIED naming the scope. */
test('a read-only key lists read tools only; delete is PERMISSION_DENIED', async () => {
  const key = await w.addSecretKey(A.programId, ['read:referrals', 'read:affiliates', 'read:campaigns', 'read:links', 'read:commissions', 'read:payouts', 'read:stats']);
  const mcp = await connect(key);
  const { tools } = await mcp.listTools();
  assert.equal(tools.length, 15, tools.map((t) => t.name).join(', '));
  assert.ok(tools.every((t) => t.annotations.readOnlyHint === true));
  const r = await mcp.callTool({ name: 'viatrack_delete_referral', arguments: { id: extra.referral.id } });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /^PERMISSION_DENIED: .*delete:referrals/);
  assert.equal((await apiA.get(`/v1/referrals/${extra.referral.id}`)).status, 200, 'nothing deleted');
  const only = await connect(await w.addSecretKey(A.programId, ['read:referrals']));
  assert.deepEqual((await only.listTools()).tools.map((t) => t.name), ['viatrack_list_referrals', 'viatrack_get_referral']);
});

/** Another program's IDs are NOT_FOUND. */
test('another program\'s IDs are NOT_FOUND', async () => {
  const mcp = await connect(B.secretKey);
  for (const [name, id] of [['viatrack_get_referral', extra.referral.id], ['viatrack_get_affiliate', seeded.affiliate.id], ['viatrack_delete_link', seeded.link.id], ['viatrack_get_payout', extra.payout.id]]) {
    const r = await mcp.callTool({ name, arguments: { id } });
    assert.equal(r.isError, true, name);
    assert.match(r.content[0].text, /^NOT_FOUND: /, name);
  }
  const list = await mcp.callTool({ name: 'viatrack_list_referrals', arguments: { response_format: 'json' } });
  assert.equal(list.structuredContent.pagination.total_count, 0);
});

/** The seed's transitions: converting a click, an invalid transition, an unknown affiliate. */
test('converting a click, an invalid transition, an unknown affiliate', async () => {
  const mcp = await connect(A.secretKey);
  const click = await pkA.post('/v1/track/click', { token: 'mcp007', url: 'https://shop.example.com/', visitor_id: `vis_${'a'.repeat(32)}` });
  assert.equal(click.status, 200, JSON.stringify(click.body));
  const clickId = click.body.data.click_id;
  const converted = await mcp.callTool({ name: 'viatrack_create_referral', arguments: { click_id: clickId, email: 'clicked@example.com', response_format: 'json' } });
  assert.notEqual(converted.isError, true, converted.content[0].text);
  assert.equal(converted.structuredContent.id, clickId);
  assert.equal(converted.structuredContent.type, 'LEAD');
  const again = await mcp.callTool({ name: 'viatrack_create_referral', arguments: { click_id: clickId, email: 'twice@example.com' } });
  assert.equal(again.isError, true);
  assert.match(again.content[0].text, /^INVALID_TRANSITION: /);
  const rejected = await mcp.callTool({ name: 'viatrack_update_referral', arguments: { id: clickId, status: 'rejected' } });
  assert.notEqual(rejected.isError, true, rejected.content[0].text);
  const back = await mcp.callTool({ name: 'viatrack_update_referral', arguments: { id: clickId, status: 'lead' } });
  assert.equal(back.isError, true);
  assert.match(back.content[0].text, /^INVALID_TRANSITION: /);
  const unknown = await mcp.callTool({ name: 'viatrack_create_referral', arguments: { affiliate_id: `aff_${'0'.repeat(32)}`, email: 'nobody@example.com' } });
  assert.equal(unknown.isError, true);
  assert.match(unknown.content[0].text, /^INVALID_AFFILIATE: /);
  const badArg = await mcp.callTool({ name: 'viatrack_list_referrals', arguments: { limit: 500 } });
  assert.equal(badArg.isError, true);
  assert.match(badArg.content[0].text, /^VALIDATION_ERROR: .*\(field: limit\)/);
  // idempotency_key is the REST API's Idempotency-Key: a retried create answers the first answer.
  const once = { affiliate_id: seeded.affiliate.id, email: 'retried@example.com', idempotency_key: newId('idem'), response_format: 'json' };
  const first = await mcp.callTool({ name: 'viatrack_create_referral', arguments: once });
  const retried = await mcp.callTool({ name: 'viatrack_create_referral', arguments: once });
  assert.notEqual(first.isError, true, first.content[0].text);
  assert.deepEqual(retried.structuredContent, first.structuredContent, 'the first answer again, not a CONFLICT');
  const unknownArg = await mcp.callTool({ name: 'viatrack_get_referral', arguments: { id: clickId, program_id: 'x' } });
  assert.match(unknownArg.content[0].text, /^VALIDATION_ERROR: unknown argument/);
});

/** Bad JSON-RPC and unknown or missing protocol versions get the spec's errors and change nothing. */
test('bad JSON-RPC gets JSON-RPC errors and changes nothing', async () => {
  const count = async () => (await apiA.get('/v1/referrals?limit=1')).body.pagination.total_count;
  const before = await count();
  const create = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'viatrack_create_referral', arguments: { affiliate_id: seeded.affiliate.id, email: 'batch@example.com' } } };
  const cases = [
    ['not JSON', '{"jsonrpc":', 400, -32700, null],
    ['not an object', '"hello"', 400, -32600, null],
    ['a batch', [create], 400, -32600, null],
    ['no jsonrpc', { id: 2, method: 'ping' }, 400, -32600, 2],
    ['an unknown method', { jsonrpc: '2.0', id: 3, method: 'resources/list' }, 200, -32601, 3],
    ['params not an object', { jsonrpc: '2.0', id: 4, method: 'tools/call', params: ['viatrack_create_referral'] }, 400, -32602, 4],
    ['tools/call without a name', { jsonrpc: '2.0', id: 5, method: 'tools/call', params: {} }, 200, -32602, 5],
    ['an unknown tool', { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'viatrack_drop_tables' } }, 200, -32602, 6],
    ['initialize without a version', { jsonrpc: '2.0', id: 7, method: 'initialize', params: { capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, 200, -32602, 7],
    ['initialize with a non-revision version', { jsonrpc: '2.0', id: 8, method: 'initialize', params: { protocolVersion: '1.0.0', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, 200, -32602, 8],
  ];
  for (const [what, body, status, code, id] of cases) {
    const r = await rpc(body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.jsonrpc, '2.0', what);
    assert.equal(r.body.error.code, code, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.id, id, what);
  }
  const unsupported = (await rpc(cases[9][1])).body.error;
  assert.equal(unsupported.message, 'Unsupported protocol version');
  assert.ok(unsupported.data.supported.includes('2025-11-25'));
  const header = await rpc(create, { headers: { 'MCP-Protocol-Version': '1900-01-01' } });
  assert.equal(header.status, 400);
  assert.equal(header.body.error.code, -32600);
  assert.equal(await count(), before, 'nothing was created');
  // A later revision is answered with ours (negotiation); ours with ours.
  for (const v of ['2099-01-01', '2025-11-25']) {
    const r = await rpc({ jsonrpc: '2.0', id: 9, method: 'initialize', params: { protocolVersion: v, capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    assert.equal(r.status, 200);
    assert.equal(r.body.result.protocolVersion, '2025-11-25');
    assert.deepEqual(r.body.result.capabilities, { tools: { listChanged: false } });
  }
  const note = await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(note.status, 202);
  assert.equal(note.body, null);
  const ping = await rpc({ jsonrpc: '2.0', id: 'p', method: 'ping' }, { headers: { 'MCP-Protocol-Version': '2025-11-25' } });
  assert.deepEqual(ping.body, { jsonrpc: '2.0', id: 'p', result: {} });
});

/** The transport's rules: 405 for GET and DELETE, Origin checked, Bearer keys with WWW-Authenticate. */
test('transport: methods, Origin, auth, the first-party path', async () => {
  const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
  assert.equal((await rpc(undefined, { method: 'GET' })).status, 405);
  assert.equal((await rpc(undefined, { method: 'DELETE' })).status, 405);
  const evil = await rpc(ping, { headers: { Origin: 'https://evil.example' } });
  assert.equal(evil.status, 403);
  assert.equal(evil.body.error.code, 'PERMISSION_DENIED');
  assert.equal((await rpc(ping, { headers: { Origin: w.url } })).status, 200, 'the Worker\'s own origin');
  const none = await rpc(ping, { key: null });
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate'), /^Bearer/);
  const wrong = await rpc(ping, { key: `sk_${'0'.repeat(40)}` });
  assert.equal(wrong.status, 401);
  assert.match(wrong.headers.get('www-authenticate'), /^Bearer/);
  assert.equal((await rpc(ping, { key: A.publishableKey })).status, 403, 'a publishable key');
  const firstParty = await connect(A.secretKey, '/_viatrack/mcp');
  assert.ok((await firstParty.listTools()).tools.length > 0);
});

/**
 * @modelcontextprotocol/conformance's server scenarios that apply to this server, through a
 * proxy that adds the Bearer key (the suite's client sends none, and every request here needs
 * one): server-initialize, ping, tools-list and dns-rebinding-protection (a Host and Origin of
 * evil.example.com refused with a 4xx, localhost accepted). Not applicable: the tools-call-*
 * scenarios (and json-schema-2020-12) call the suite's own test tools (test_simple_text,
 * test_error_handling, json_schema_2020_12_tool, …), which a production server does not
 * serve; logging, completion, resources, prompts, sampling, elicitation and the SSE ones need
 * capabilities this server does not offer (it answers JSON only, with tools only).
 */
test('conformance: the server scenarios that apply pass', { timeout: 120_000 }, async () => {
  const target = new URL(w.url);
  const proxy = createServer((req, res) => {
    const up = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, authorization: `Bearer ${A.secretKey}` } },
      (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise((ok) => proxy.listen(0, '127.0.0.1', ok));
  const run = promisify(execFile);
  const cli = join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  const url = `http://localhost:${proxy.address().port}/mcp`;
  try {
    for (const scenario of ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection']) {
      const r = await run(process.execPath, [cli, 'server', '--url', url, '--scenario', scenario], { cwd: ROOT }).catch((e) => e);
      const out = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.code ?? 0, 0, `${scenario}:\n${out}`);
      const passed = /Passed: (\d+)\/(\d+), 0 failed/.exec(out);
      assert.ok(passed && passed[1] === passed[2], `${scenario}:\n${out}`);
    }
  } finally {
    proxy.close();
  }
});

test('revision 2026-07-28: server/discover, stateless requests with _meta and routing headers, their errors', async () => {
  const V = '2026-07-28';
  const meta = { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {}, 'io.modelcontextprotocol/clientInfo': { name: 'test', version: '1' } };
  // `undefined` in `headers` leaves that header out.
  const modern = (method, params = {}, headers = {}) => rpc({ jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: meta } }, {
    headers: Object.fromEntries(Object.entries({ 'MCP-Protocol-Version': V, 'Mcp-Method': method, ...(params.name ? { 'Mcp-Name': params.name } : {}), ...headers })
      .filter(([, v]) => v !== undefined)),
  });
  const discover = await modern('server/discover');
  assert.equal(discover.status, 200, JSON.stringify(discover.body));
  assert.equal(discover.body.result.resultType, 'complete');
  assert.deepEqual(discover.body.result.supportedVersions, [V]);
  assert.ok(discover.body.result.capabilities.tools);
  assert.equal(discover.body.result.serverInfo.name, 'viatrack');
  // No initialize first: a stateless request stands alone.
  const list = await modern('tools/list');
  assert.equal(list.status, 200);
  assert.equal(list.body.result.resultType, 'complete');
  assert.ok(list.body.result.tools.some((t) => t.name === 'viatrack_get_referral'));
  const call = await modern('tools/call', { name: 'viatrack_get_referral', arguments: { id: extra.referral.id, response_format: 'json' } });
  assert.equal(call.status, 200, JSON.stringify(call.body));
  assert.equal(call.body.result.resultType, 'complete');
  assert.equal(call.body.result.structuredContent.id, extra.referral.id);
  // The headers must repeat the body: -32020, HTTP 400, and nothing runs.
  const before = (await apiA.get('/v1/referrals?limit=1')).body.pagination.total_count;
  const create = { name: 'viatrack_create_referral', arguments: { affiliate_id: seeded.affiliate.id, email: 'modern@example.com' } };
  for (const [why, headers] of [
    ['another method', { 'Mcp-Method': 'tools/list' }],
    ['no method header', { 'Mcp-Method': undefined }],
    ['another tool', { 'Mcp-Name': 'viatrack_delete_referral' }],
    ['no name header', { 'Mcp-Name': undefined }],
    ['another version header', { 'MCP-Protocol-Version': '2025-11-25' }],
  ]) {
    const r = await modern('tools/call', create, headers);
    assert.equal(r.status, 400, `${why}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, -32020, why);
  }
  assert.equal((await apiA.get('/v1/referrals?limit=1')).body.pagination.total_count, before, 'nothing was created');
  // A revision not served, in _meta: -32022 with what is.
  const future = await rpc({ jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: { ...meta, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } },
    { headers: { 'MCP-Protocol-Version': '2099-01-01', 'Mcp-Method': 'tools/list' } });
  assert.equal(future.status, 400);
  assert.equal(future.body.error.code, -32022);
  assert.deepEqual(future.body.error.data, { requested: '2099-01-01', supported: [V] });
  // The header alone says 2026-07-28 but the body has no _meta: a mismatch.
  const bare = await rpc({ jsonrpc: '2.0', id: 9, method: 'tools/list' }, { headers: { 'MCP-Protocol-Version': V, 'Mcp-Method': 'tools/list' } });
  assert.equal(bare.body.error.code, -32020);
  // The stateless revision has no handshake.
  assert.equal((await modern('initialize', { protocolVersion: V, capabilities: {}, clientInfo: { name: 't', version: '1' } })).body.error.code, -32601);
});
