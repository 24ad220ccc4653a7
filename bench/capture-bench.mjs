// Benchmark (not a test): time to capture, against the real Worker (wrangler dev on 127.0.0.1).
//
// 1. viatrack vs the floor (issue #10), in one Chromium run, on the same static page served
//    at the Worker's origin, for N fresh visitors each, alternating:
//      * viatrack's tag: <script async src="/viatrack.js" data-key="pk_…">;
//      * a baseline whose inline script sends the same click report (POST /v1/track/click,
//        the same body fields and headers) with fetch at once, and writes the page cookie
//        from the answer: the floor for any tracker.
//    Prints median and p90, from navigation start, of: the click report starts (its resource
//    entry's startTime), and the page's referral cookie exists (the first document.cookie
//    write that leaves viatrack_js visible, timed in the page), for both, and the ratio
//    viatrack / baseline (issue #10's goal for the report start: ≤ 1.15).
// 2. The demo page in each browser engine (tests/lib/engines.mjs: headless Chromium, and
//    WebKit with tracking prevention on, through its test proxy), side by side: when the
//    click report was sent and answered, and the page's load event.
import { execFileSync } from 'node:child_process';
import { startWorker, BROWSER_UA, ROOT, DEMO } from '../tests/lib/worker.mjs';
import { launchEngine, engineNames } from '../tests/lib/engines.mjs';
import { ready } from '../tests/lib/browser.mjs';

const N = Number(process.env.BENCH_VISITS ?? 30);
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const f = (x) => (x === undefined ? '     –   ' : `${x.toFixed(1).padStart(6)} ms`);

// Run in every page before its scripts: notes when the page's referral cookie first exists.
const COOKIE_CLOCK = () => {
  const d = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    get() { return d.get.call(this); },
    set(v) {
      d.set.call(this, v);
      if (window.__cookieAt === undefined && /(^|; )viatrack_js=/.test(d.get.call(this))) window.__cookieAt = performance.now();
    },
  });
};

const page = (script) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>${script}</head><body><h1>Shop</h1><p>A static page.</p></body></html>`;
const TAG = page(`<script async src="/viatrack.js" data-key="${DEMO.publishableKey}"></script>`);
// The same report, sent at once; the cookie from the answer (value as the tracker's).
const BASELINE = page(`<script>
(function () {
  var hex = function () { return Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) { return (b + 256).toString(16).slice(1); }).join(''); };
  fetch('/v1/track/click', {
    method: 'POST', keepalive: true, credentials: 'include',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ${DEMO.publishableKey}' },
    body: JSON.stringify({ token: new URLSearchParams(location.search).get('via'), url: location.href, visitor_id: 'vis_' + hex(), report_id: 'rpt_' + hex() }),
  }).then(function (r) { return r.json(); }).then(function (j) {
    var d = j.data;
    document.cookie = 'viatrack_js=1.' + d.click_id + '.' + d.affiliate_id + '.' + d.token + '.' + (Math.floor(Date.now() / 1000) + d.expires_in) + '.' + d.attribution[0] + '; Max-Age=' + d.expires_in + '; Path=/; SameSite=Lax';
  });
})();
</script>`);

/** One fresh visitor on `html` at /bench.html?via=jb007: [report start, cookie exists] in ms. */
async function visit(engine, w, html) {
  const p = await engine.open({ userAgent: BROWSER_UA });
  try {
    await p.addInitScript(COOKIE_CLOCK);
    await p.route('/bench.html', (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await p.goto(`${w.url}/bench.html?via=jb007`);
    return await p.evaluate(async () => {
      for (let k = 0; k < 250; k++) {
        const e = performance.getEntriesByType('resource').find((r) => r.name.endsWith('/v1/track/click'));
        if (e && window.__cookieAt !== undefined) return [e.startTime, window.__cookieAt];
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    });
  } finally {
    await p.close();
  }
}

async function versusBaseline(w) {
  const engine = await launchEngine('chromium');
  const runs = { viatrack: [[], []], baseline: [[], []] };
  try {
    // A warm-up of each, then alternate so that both see the same machine.
    await visit(engine, w, TAG);
    await visit(engine, w, BASELINE);
    for (let i = 0; i < N; i++) {
      for (const [name, html] of [['viatrack', TAG], ['baseline', BASELINE]]) {
        const t = await visit(engine, w, html);
        if (t) t.forEach((x, k) => runs[name][k].push(x));
      }
    }
  } finally {
    await engine.close();
  }
  console.log(`viatrack vs a baseline inline fetch, same static page, one Chromium run (${N} fresh visitors each), median / p90:`);
  console.log(`  ${''.padEnd(38)}${'viatrack'.padEnd(22)}${'baseline'.padEnd(22)}ratio (median, p90)`);
  for (const [label, k] of [['click report starts', 0], ['page cookie exists', 1]]) {
    const [v, b] = [runs.viatrack[k], runs.baseline[k]];
    const ratio = (p) => (q(v, p) / q(b, p)).toFixed(2);
    console.log(`  ${label.padEnd(38)}${`${f(q(v, 0.5))} / ${f(q(v, 0.9))}`.padEnd(22)}${`${f(q(b, 0.5))} / ${f(q(b, 0.9))}`.padEnd(22)}${ratio(0.5)}, ${ratio(0.9)}`);
  }
  console.log(`  (${runs.viatrack[0].length}/${N} and ${runs.baseline[0].length}/${N} visits measured; goal for the report start: ratio ≤ 1.15)`);
}

async function demoPage(engine, w) {
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
  await versusBaseline(w);
  console.log();
  const results = [];
  for (const name of engineNames()) {
    const engine = await launchEngine(name);
    try {
      results.push([name, await demoPage(engine, w)]);
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
