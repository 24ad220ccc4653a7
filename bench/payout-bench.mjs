// Benchmark (not a test): a payout run at 1,000 affiliates with 100 due commissions each,
// through the Worker under `wrangler dev` (workerd, local D1). The rows (referrals, sales and
// their commissions) are generated inside SQLite by recursive statements run with
// `wrangler d1 execute`. Prints the first run's time (100,000 commissions read, 1,000
// payouts written, one guarded D1 batch each), a second run's (nothing new to pay), and
// GET /v1/payouts filtered by affiliate and by status.
import { startWorker, client } from '../tests/lib/worker.mjs';

const AFFILIATES = Number(process.env.BENCH_PAYOUT_AFFILIATES ?? 1000);
const EACH = Number(process.env.BENCH_PAYOUT_COMMISSIONS ?? 100);
const hex = (expr) => `printf('%032x', ${expr})`;

const w = await startWorker();
try {
  const p = await w.createProgram({ name: 'payout bench' });
  const api = client(w.url, p.secretKey);
  const t0 = performance.now();
  const at = '2026-01-01T00:00:00.000Z';
  const cmp = `cmp_${'0'.repeat(31)}1`;
  const n = AFFILIATES * EACH;
  await w.sql(`
    INSERT INTO campaigns (id, program_id, name, cookie_duration, attribution, minimum_payout, created_at, updated_at)
      VALUES ('${cmp}', '${p.programId}', 'bench', 60, 'last_click', 5000, '${at}', '${at}');
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${AFFILIATES - 1})
    INSERT INTO affiliates (id, program_id, campaign_id, email, created_at, updated_at)
      SELECT 'aff_' || ${hex('i')}, '${p.programId}', '${cmp}', 'aff' || i || '@example.com', '${at}', '${at}' FROM seq;
    WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n - 1})
    INSERT INTO referrals (id, program_id, affiliate_id, campaign_id, status, email, created_at, updated_at, expires_at, became_lead_at, became_conversion_at)
      SELECT 'ref_' || ${hex('i')}, '${p.programId}', 'aff_' || ${hex(`i % ${AFFILIATES}`)}, '${cmp}', 'customer', 'u' || i || '@example.com',
        '${at}', '${at}', '2027-01-01T00:00:00.000Z', '${at}', '${at}' FROM seq;
    INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at)
      SELECT 'sal_' || substr(id, 5), program_id, id, 1000 + (rowid % 9000), 'USD', 'inv_' || substr(id, 5), '${at}'
      FROM referrals WHERE program_id = '${p.programId}';
    INSERT INTO commissions (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at)
      SELECT 'com_' || substr(s.id, 5), s.program_id, s.id, s.referral_id, r.affiliate_id, s.amount / 10, s.amount / 10, 'USD', 'pending', '${at}', '${at}', '${at}'
      FROM sales s JOIN referrals r ON r.id = s.referral_id WHERE s.program_id = '${p.programId}';`);
  const seeded = (performance.now() - t0) / 1000;
  console.log(`POST /v1/payouts/run at ${AFFILIATES.toLocaleString('en')} affiliates × ${EACH} due commissions (seeded in ${seeded.toFixed(0)} s; wrangler dev, local D1)`);
  let t = performance.now();
  const first = await api.post('/v1/payouts/run', {});
  const firstMs = performance.now() - t;
  if (first.status !== 200) throw new Error(`run: ${first.status} ${JSON.stringify(first.body).slice(0, 500)}`);
  const made = first.body.data.payouts;
  const cents = made.reduce((s, x) => s + x.amount, 0);
  console.log(`  first run   ${(firstMs / 1000).toFixed(2).padStart(7)} s   ${made.length} payouts, ${made.reduce((s, x) => s + x.commissions_count, 0).toLocaleString('en')} commissions, ${cents.toLocaleString('en')} ¢ (${(firstMs / Math.max(1, made.length)).toFixed(1)} ms a payout)`);
  t = performance.now();
  const second = await api.post('/v1/payouts/run', {});
  console.log(`  second run  ${((performance.now() - t) / 1000).toFixed(2).padStart(7)} s   ${second.body.data.payouts.length} payouts (nothing new)`);
  for (const [name, query] of [['by affiliate', `affiliate_id=aff_${'0'.repeat(29)}3e7`], ['status=pending, page 20', 'status=pending&page=20'], ['currency=USD', 'currency=USD']]) {
    const times = [];
    for (let i = 0; i < 15; i++) {
      const s = performance.now();
      const r = await api.get(`/v1/payouts?limit=20&${query}`);
      times.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`${name}: ${r.status}`);
    }
    times.sort((a, b) => a - b);
    console.log(`  GET /v1/payouts ${name.padEnd(24)} median ${times[7].toFixed(1).padStart(6)} ms   p90 ${times[13].toFixed(1).padStart(6)} ms`);
  }
} finally {
  await w.stop();
}
