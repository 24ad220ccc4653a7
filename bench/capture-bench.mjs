// Benchmark (not a test): time to capture on the demo page, in headless Chromium against
// the real Worker. For N fresh visitors landing on /?via=jb007, the Performance API gives,
// in milliseconds from navigation start: when the click report was sent (its resource
// entry's startTime) and when its answer arrived (responseEnd). Prints median and p90.
import { execFileSync } from 'node:child_process';
import { startWorker, BROWSER_UA, ROOT } from '../tests/lib/worker.mjs';
import { launch, open, ready } from '../tests/lib/browser.mjs';

const N = Number(process.env.BENCH_VISITS ?? 30);
const w = await startWorker();
const browser = await launch();
try {
  execFileSync(process.execPath, ['scripts/seed-demo.mjs', '--persist-to', w.state, '--quiet'], { cwd: ROOT, env: { ...process.env, DEMO_ORIGIN: w.url } });
  const sent = [], answered = [], loaded = [];
  for (let i = 0; i < N; i++) {
    const { context, page } = await open(browser, { userAgent: BROWSER_UA });
    await page.goto(`${w.url}/?via=jb007`);
    await ready(page);
    const t = await page.evaluate(async () => {
      for (let k = 0; k < 100; k++) {
        const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/v1/track/click'));
        if (e && e.responseEnd > 0) return { start: e.startTime, end: e.responseEnd, load: performance.getEntriesByType('navigation')[0].loadEventEnd };
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    });
    if (t) { sent.push(t.start); answered.push(t.end); loaded.push(t.load); }
    await context.close();
  }
  const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
  const f = (x) => `${x.toFixed(1)} ms`;
  console.log(`time to capture on the demo page (${sent.length}/${N} visits measured, headless Chromium, wrangler dev on 127.0.0.1):`);
  console.log(`  click report sent after navigation start:   median ${f(q(sent, 0.5))}   p90 ${f(q(sent, 0.9))}`);
  console.log(`  click answer received (cookie can be set):  median ${f(q(answered, 0.5))}   p90 ${f(q(answered, 0.9))}`);
  console.log(`  page load event end, for comparison:        median ${f(q(loaded, 0.5))}   p90 ${f(q(loaded, 0.9))}`);
} finally {
  await browser.close();
  await w.stop();
}
