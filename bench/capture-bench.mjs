// Benchmark (not a test): time to capture on the demo page, against the real Worker, in each
// browser engine (tests/lib/engines.mjs: headless Chromium, and WebKit with tracking
// prevention on, through its test proxy), side by side. For N fresh visitors landing on
// /?via=jb007, the Performance API gives, in milliseconds from navigation start: when the
// click report was sent (its resource entry's startTime) and when its answer arrived
// (responseEnd). Prints median and p90 per engine.
import { execFileSync } from 'node:child_process';
import { startWorker, BROWSER_UA, ROOT } from '../tests/lib/worker.mjs';
import { launchEngine, engineNames } from '../tests/lib/engines.mjs';
import { ready } from '../tests/lib/browser.mjs';

const N = Number(process.env.BENCH_VISITS ?? 30);
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const f = (x) => (x === undefined ? '     –   ' : `${x.toFixed(1).padStart(6)} ms`);

async function measure(engine) {
  const sent = [], answered = [], loaded = [];
  for (let i = 0; i < N; i++) {
    const page = await engine.open({ userAgent: BROWSER_UA });
    await page.goto(`${w.url}/?via=jb007`);
    await ready(page);
    const t = await page.evaluate(async () => {
      for (let k = 0; k < 100; k++) {
        const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/v1/track/click'));
        const nav = performance.getEntriesByType('navigation')[0];
        if (e && e.responseEnd > 0 && nav.loadEventEnd > 0) return { start: e.startTime, end: e.responseEnd, load: nav.loadEventEnd };
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    });
    if (t) { sent.push(t.start); answered.push(t.end); loaded.push(t.load); }
    await page.close();
  }
  return { sent, answered, loaded };
}

const w = await startWorker();
try {
  execFileSync(process.execPath, ['scripts/seed-demo.mjs', '--persist-to', w.state, '--quiet'], { cwd: ROOT, env: { ...process.env, DEMO_ORIGIN: w.url } });
  const results = [];
  for (const name of engineNames()) {
    const engine = await launchEngine(name);
    try {
      results.push([name, await measure(engine)]);
    } finally {
      await engine.close();
    }
  }
  console.log(`time to capture on the demo page (wrangler dev on 127.0.0.1; ${N} fresh visitors per engine;`);
  console.log('WebKit = MiniBrowser --enable-itp under Xvfb, through the tests\' local HTTP proxy), median / p90:');
  console.log(`  ${''.padEnd(44)}${results.map(([n, r]) => `${n} (${r.sent.length}/${N})`.padEnd(26)).join('')}`);
  for (const [label, key] of [
    ['click report sent after navigation start', 'sent'],
    ['click answer received (cookie can be set)', 'answered'],
    ['page load event end, for comparison', 'loaded'],
  ]) {
    console.log(`  ${label.padEnd(44)}${results.map(([, r]) => `${f(q(r[key], 0.5))} / ${f(q(r[key], 0.9))}`.padEnd(26)).join('')}`);
  }
} finally {
  await w.stop();
}
