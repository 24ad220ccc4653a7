// Benchmark (not a test): bounded wrk load on 127.0.0.1 against POST /v1/track/click and a
// no-op route (GET /healthz) of the same Worker under `wrangler dev`, then the acknowledged
// clicks vs the rows stored in D1, and the Worker bundle size. Prints figures only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { startWorker, client, seedLink } from '../tests/lib/worker.mjs';

const DURATION = process.env.BENCH_SECONDS ?? '10';
const CONNECTIONS = process.env.BENCH_CONNECTIONS ?? '8';

function wrk(args, env = {}) {
  const out = execFileSync('wrk', args, { encoding: 'utf8', env: { ...process.env, ...env } });
  const num = (re) => { const m = out.match(re); return m ? m[1] : null; };
  const ms = (s) => (s.endsWith('us') ? parseFloat(s) / 1000 : s.endsWith('ms') ? parseFloat(s) : parseFloat(s) * 1000);
  return {
    rps: parseFloat(num(/Requests\/sec:\s+([\d.]+)/)),
    requests: parseInt(num(/(\d+) requests in/), 10),
    p50: ms(num(/\s50%\s+([\d.]+\w+)/)),
    p99: ms(num(/\s99%\s+([\d.]+\w+)/)),
    non2xx: parseInt(num(/Non-2xx or 3xx responses: (\d+)/) ?? '0', 10),
    errors: num(/Socket errors: (.*)/),
    acked: parseInt(num(/ACKED (\d+)/) ?? '0', 10),
  };
}

const w = await startWorker();
try {
  const p = await w.createProgram({ name: 'bench' });
  const api = client(w.url, p.secretKey);
  const { link } = await seedLink(api, { token: 'benchlink' });
  const { link: exactLink } = await seedLink(api, { token: 'benchexact' });
  const env = { BENCH_KEY: p.publishableKey, BENCH_TOKEN: link.token };
  const clickArgs = (t, c, d) => ['-t', t, '-c', c, '-d', `${d}s`, '--latency', '-s', 'bench/click.lua', `${w.url}/v1/track/click`];
  const noopArgs = (t, c, d) => ['-t', t, '-c', c, '-d', `${d}s`, '--latency', `${w.url}/healthz`];
  // warm-up (isolate start, KV fill); its clicks are counted like the others
  const warmup = wrk(clickArgs('1', '1', 2), env);
  const light = { click: wrk(clickArgs('1', '1', 5), env), noop: wrk(noopArgs('1', '1', 5)) };
  const load = { click: wrk(clickArgs('2', CONNECTIONS, DURATION), env), noop: wrk(noopArgs('2', CONNECTIONS, DURATION)) };
  // wrk cuts connections at its deadline, so a request in flight then may be stored but
  // never acknowledged to wrk. The exact count therefore uses a fixed number of requests
  // (Node's fetch, bounded concurrency), half of them repeat visits, on a second link.
  const exact = await exactRun(w.url, p.publishableKey, exactLink.token, Number(process.env.BENCH_EXACT ?? 2000), Number(CONNECTIONS));
  const stored = (await w.sql(`SELECT COUNT(*) AS n FROM referrals WHERE link_id = '${exactLink.id}'`))[0].results[0].n;
  const visits = (await w.sql(`SELECT COALESCE(SUM(visits), 0) AS n FROM referrals WHERE link_id = '${exactLink.id}'`))[0].results[0].n;
  void warmup;
  const wasm = readFileSync('crates/worker/build/index_bg.wasm');
  const js = readFileSync('crates/worker/build/index.js');
  const f = (x) => x.toFixed(1);
  const line = (name, r) => `  ${name.padEnd(22)} ${f(r.rps).padStart(8)} req/s   p50 ${f(r.p50).padStart(6)} ms   p99 ${f(r.p99).padStart(6)} ms   non-2xx ${r.non2xx}${r.errors ? `   socket errors: ${r.errors}` : ''}`;
  console.log(`viatrack Worker benchmark (wrangler dev, workerd, local D1/KV; wrk on 127.0.0.1; 2 cores shared)`);
  console.log(`light load (1 connection, 5 s):`);
  console.log(line('POST /v1/track/click', light.click));
  console.log(line('GET /healthz (no-op)', light.noop));
  console.log(`load (2 threads, ${CONNECTIONS} connections, ${DURATION} s):`);
  console.log(line('POST /v1/track/click', load.click));
  console.log(line('GET /healthz (no-op)', load.noop));
  console.log(`  click / no-op throughput ratio: ${(load.click.rps / load.noop.rps).toFixed(2)}  (target >= 0.8)`);
  console.log(`  click p99 at light load: ${f(light.click.p99)} ms  (target <= 5 ms)`);
  console.log(`exact run: ${exact.sent} requests, ${CONNECTIONS} concurrent, ${exact.seconds.toFixed(1)} s (${(exact.sent / exact.seconds).toFixed(0)} req/s)`);
  console.log(`  new clicks acknowledged: ${exact.newClicks}   click rows stored in D1: ${stored}   ${exact.newClicks === stored ? 'equal' : 'MISMATCH'}`);
  console.log(`  visits acknowledged:     ${exact.acked}   visits stored in D1:     ${visits}   ${exact.acked === visits ? 'equal' : 'MISMATCH'}`);
  if (exact.resent) console.log(`  resent after a closed keep-alive socket: ${exact.resent}`);
  if (exact.failed) console.log(`  failed requests: ${exact.failed} (first: ${exact.firstFailure})`);
  console.log(`Worker bundle: wasm ${wasm.length} B (gzip ${gzipSync(wasm, { level: 9 }).length} B), js ${js.length} B (gzip ${gzipSync(js, { level: 9 }).length} B); total gzip ${gzipSync(wasm, { level: 9 }).length + gzipSync(js, { level: 9 }).length} B (target <= 1 MB)`);
} finally {
  await w.stop();
}

/** Sends exactly `n` click reports with `concurrency` in flight; every other one repeats a visitor. */
async function exactRun(base, key, token, n, concurrency) {
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${key}`, 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36' };
  const ids = new Set();
  let next = 0, acked = 0, failed = 0, resent = 0, firstFailure;
  const start = performance.now();
  const visitor = (i) => `vis_${(Math.floor(i / 2) + 1).toString(16).padStart(32, '0')}`;
  async function lane() {
    while (next < n) {
      const i = next++;
      const body = JSON.stringify({ token, url: 'https://shop.example.com/', visitor_id: visitor(i) });
      try {
        // A keep-alive socket the server closed while idle fails before any byte of an
        // answer (UND_ERR_SOCKET); resend once. Every report carries a visitor ID, so a
        // resend that had in fact been stored would show up as an extra visit below.
        // One address per visitor (the per-IP click limit counts addresses, as in production).
        const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        const send = () => fetch(`${base}/v1/track/click`, { method: 'POST', headers: { ...headers, 'CF-Connecting-IP': ip }, body });
        const r = await send().catch((e) => {
          if (e.cause?.code !== 'UND_ERR_SOCKET') throw e;
          resent++;
          return send();
        });
        const j = await r.json();
        if (r.status === 200 && j.data?.click_id) { acked++; ids.add(j.data.click_id); } else { failed++; firstFailure ??= `${r.status} ${JSON.stringify(j)}`; }
      } catch (e) { failed++; firstFailure ??= `request #${i}: ${e} (${e.cause?.code ?? e.cause}: ${e.cause?.message})`; }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { sent: n, acked, newClicks: ids.size, failed, resent, firstFailure, seconds: (performance.now() - start) / 1000 };
}
