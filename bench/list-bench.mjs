// Benchmark (not a test): GET /v1/referrals at a million referrals, through the Worker under
// `wrangler dev` (workerd, local D1). The rows are generated inside SQLite by one recursive
// statement run with `wrangler d1 execute` (no HTTP calls), spread like a real program:
// 1,000 affiliates and links, a year of clicks, 80 % clicks, 15 % leads, 4 % customers, 1 %
// rejected. Prints the median and p90 time of a filtered page plus its count, per filter;
// then the same for GET /v1/stats (each customer also has one sale), per group_by and range;
// then the MCP server at the same size: tools/list, and viatrack_list_referrals in both
// formats beside the REST call it runs, with their ratio.
import { startWorker, client } from '../tests/lib/worker.mjs';

const N = Number(process.env.BENCH_REFERRALS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_LIST_RUNS ?? 15);
const hex = (expr) => `printf('%032x', ${expr})`;

const w = await startWorker();
try {
  const p = await w.createProgram({ name: 'list bench' });
  const api = client(w.url, p.secretKey);
  const t0 = performance.now();
  const now = '2026-01-01T00:00:00.000Z';
  await w.sql(`
    INSERT INTO campaigns (id, program_id, name, cookie_duration, attribution, created_at, updated_at)
      VALUES ('cmp_${'0'.repeat(31)}1', '${p.programId}', 'bench', 60, 'last_click', '${now}', '${now}');
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 999)
    INSERT INTO affiliates (id, program_id, campaign_id, email, created_at, updated_at)
      SELECT 'aff_' || ${hex('i')}, '${p.programId}', 'cmp_${'0'.repeat(31)}1', 'aff' || i || '@example.com', '${now}', '${now}' FROM seq;
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 999)
    INSERT INTO links (id, program_id, token, affiliate_id, campaign_id, created_at, updated_at)
      SELECT 'lnk_' || ${hex('i')}, '${p.programId}', 't' || i, 'aff_' || ${hex('i')}, 'cmp_${'0'.repeat(31)}1', '${now}', '${now}' FROM seq;`);
  // In slices, so no single statement runs for minutes.
  const SLICE = 250_000;
  for (let from = 0; from < N; from += SLICE) {
    const to = Math.min(N, from + SLICE) - 1;
    await w.sql(`
      WITH RECURSIVE seq(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM seq WHERE i < ${to})
      INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, visitor_id, landing_url,
                             email, customer_id, created_at, updated_at, expires_at, became_lead_at, became_conversion_at)
        SELECT 'ref_' || ${hex('i')}, '${p.programId}', 'lnk_' || ${hex('i % 1000')}, 'aff_' || ${hex('i % 1000')}, 'cmp_${'0'.repeat(31)}1',
          CASE WHEN i % 100 < 80 THEN 'click' WHEN i % 100 < 95 THEN 'lead' WHEN i % 100 < 99 THEN 'customer' ELSE 'rejected' END,
          1, 'vis_' || ${hex('i')}, 'https://shop.example.com/?via=t' || (i % 1000),
          CASE WHEN i % 100 < 80 THEN NULL ELSE 'u' || i || '@example.com' END,
          CASE WHEN i % 100 BETWEEN 95 AND 98 THEN 'cus_' || i ELSE NULL END,
          strftime('%Y-%m-%dT%H:%M:%S.000Z', 1735689600 + i * 31, 'unixepoch'),
          strftime('%Y-%m-%dT%H:%M:%S.000Z', 1735689600 + i * 31, 'unixepoch'),
          strftime('%Y-%m-%dT%H:%M:%S.000Z', 1735689600 + i * 31 + 5184000, 'unixepoch'),
          CASE WHEN i % 100 < 80 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%S.000Z', 1735689600 + i * 31, 'unixepoch') END,
          CASE WHEN i % 100 BETWEEN 95 AND 98 THEN strftime('%Y-%m-%dT%H:%M:%S.000Z', 1735689600 + i * 31, 'unixepoch') END
        FROM seq;`);
  }
  await w.sql(`
    INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at)
      SELECT 'sal_' || substr(id, 5), program_id, id, 1000 + (rowid % 9000), 'usd', 'inv_' || substr(id, 5), became_conversion_at
      FROM referrals WHERE program_id = '${p.programId}' AND became_conversion_at IS NOT NULL;`);
  const seeded = (performance.now() - t0) / 1000;
  const total = (await api.get('/v1/referrals?limit=1')).body.pagination.total_count;
  const aff = `aff_${'0'.repeat(30)}55`; // affiliate 85: i % 100 = 85, its referrals are leads
  const cases = [
    ['no filter', ''],
    ['page 5,000 (no filter)', 'page=5000'],
    ['affiliate_id', `affiliate_id=${aff}`],
    ['status=lead', 'status=lead'],
    ['type=CONVERSION', 'type=CONVERSION'],
    ['email (exact)', 'email=u123481@example.com'],
    ['customer_id', 'customer_id=cus_123496'],
    ['from/to (one week)', 'from=2025-06-01T00:00:00.000Z&to=2025-06-08T00:00:00.000Z'],
    ['affiliate_id + status', `affiliate_id=${aff}&status=lead`],
    ['affiliate_id + from', `affiliate_id=${aff}&from=2025-10-01T00:00:00.000Z`],
    ['status + from/to', 'status=customer&from=2025-06-01T00:00:00.000Z&to=2025-07-01T00:00:00.000Z'],
    ['affiliate_id, page 50', `affiliate_id=${aff}&page=50`],
  ];
  console.log(`GET /v1/referrals at ${total.toLocaleString('en')} referrals (seeded in ${seeded.toFixed(0)} s; wrangler dev, local D1; ${RUNS} runs each, page + count in one request)`);
  for (const [name, query] of cases) {
    const times = [];
    let count;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const r = await api.get(`/v1/referrals?limit=10&${query}`);
      times.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`${name}: ${r.status} ${JSON.stringify(r.body)}`);
      count = r.body.pagination.total_count;
    }
    times.sort((a, b) => a - b);
    const q = (x) => times[Math.min(times.length - 1, Math.floor(x * times.length))].toFixed(1);
    console.log(`  ${name.padEnd(26)} median ${q(0.5).padStart(6)} ms   p90 ${q(0.9).padStart(6)} ms   (${count.toLocaleString('en')} match)`);
  }
  const statsCases = [
    ['affiliate, all time', 'group_by=affiliate'],
    ['affiliate, one year', 'group_by=affiliate&from=2025-01-02T00:00:00Z&to=2025-12-30T00:00:00Z'],
    ['affiliate, 30 days', 'group_by=affiliate&from=2025-06-10T00:00:00Z&to=2025-07-09T00:00:00Z'],
    ['campaign, one year', 'group_by=campaign&from=2025-01-02T00:00:00Z&to=2025-12-30T00:00:00Z'],
    ['link, all time', 'group_by=link'],
    ['link, 7 days', 'group_by=link&from=2025-06-01T00:00:00Z&to=2025-06-07T00:00:00Z'],
    ['day, all time', 'group_by=day'],
    ['day, 30 days', 'group_by=day&from=2025-06-10T00:00:00Z&to=2025-07-09T00:00:00Z'],
  ];
  console.log(`\nGET /v1/stats at ${total.toLocaleString('en')} referrals (${RUNS} runs each; one statement over the counters)`);
  for (const [name, query] of statsCases) {
    const times = [];
    let r;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      r = await api.get(`/v1/stats?${query}`);
      times.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`${name}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    times.sort((a, b) => a - b);
    const q = (x) => times[Math.min(times.length - 1, Math.floor(x * times.length))].toFixed(1);
    const d = r.body.data;
    console.log(`  ${name.padEnd(26)} median ${q(0.5).padStart(6)} ms   p90 ${q(0.9).padStart(6)} ms   (${d.groups.length} groups, ${d.totals.visitors.toLocaleString('en')} visitors, ${d.totals.revenue.toLocaleString('en')} ¢)`);
  }
  // MCP (POST /mcp, one JSON-RPC message per request, as a stateless client sends them).
  let rpcId = 0;
  const rpc = async (method, params) => {
    const r = await fetch(`${w.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${p.secretKey}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
    });
    const body = await r.json();
    if (r.status !== 200 || body.error || body.result?.isError) throw new Error(`${method}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
    return body.result;
  };
  const timed = async (fn) => {
    const times = [];
    let last;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      last = await fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const at = (x) => times[Math.min(times.length - 1, Math.floor(x * times.length))];
    return { median: at(0.5), p90: at(0.9), last };
  };
  const line = (name, t, extra = '') => console.log(`  ${name.padEnd(40)} median ${t.median.toFixed(1).padStart(6)} ms   p90 ${t.p90.toFixed(1).padStart(6)} ms${extra}`);
  console.log(`\nMCP at ${total.toLocaleString('en')} referrals (POST /mcp; ${RUNS} runs each)`);
  await rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  const list = await timed(() => rpc('tools/list', {}));
  line('tools/list', list, `   (${list.last.tools.length} tools)`);
  const rest = await timed(() => api.get('/v1/referrals?limit=10'));
  line('GET /v1/referrals?limit=10 (REST)', rest);
  for (const format of ['json', 'markdown']) {
    const t = await timed(() => rpc('tools/call', { name: 'viatrack_list_referrals', arguments: { limit: 10, response_format: format } }));
    line(`viatrack_list_referrals (${format})`, t, `   ratio to REST ${(t.median / rest.median).toFixed(2)}`);
  }
  const filtered = await timed(() => rpc('tools/call', { name: 'viatrack_list_referrals', arguments: { limit: 10, affiliate_id: aff, status: 'lead', response_format: 'json' } }));
  line('viatrack_list_referrals (affiliate + status)', filtered);
} finally {
  await w.stop();
}
