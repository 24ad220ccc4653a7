// Benchmark (not a test): time to capture, against the real Worker (wrangler dev on 127.0.0.1).
//
// 1. viatrack vs two floors (issue #30), in one Chromium run and one WebKit run, on the same
//    static page served at the Worker's origin, for N fresh visitors each, alternating:
//      * viatrack's tag: <script async src="/viatrack.js" data-key="pk_…">;
//      * the external-script floor: the baseline's exact code served as /baseline.js in an
//        `async` script tag (no script tag can beat the hop that loads it); it and viatrack's
//        loader are both served by the harness from memory, the wasm by the Worker;
//      * the inline floor: the same code inline, which sends the same click report
//        (POST /v1/track/click, the same body fields and headers) with fetch at once, and
//        writes the page cookie from the answer.
//    Prints median and p90, from navigation start, of: the click report starts (its resource
//    entry's startTime), and the page's referral cookie exists (the first document.cookie
//    write that leaves viatrack_js visible, timed in the page); the resource timings of each
//    file (start and duration, median); and the ratios viatrack / external floor and
//    viatrack / inline floor (issue #30's goal: ≤ 1.05 against the external floor). Dub's
//    script is not at hand here, so the two floors are the comparison.
// 2. The demo page in each browser engine (tests/lib/engines.mjs: headless Chromium, and
//    WebKit with tracking prevention on, through its test proxy), side by side: when the
//    click report was sent and answered, and the page's load event.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
const BASELINE_CODE = `
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
`;
const BASELINE = page(`<script>${BASELINE_CODE}</script>`);
const EXTERNAL = page('<script async src="/baseline.js"></script>');
const VARIANTS = [['viatrack', TAG], ['external floor', EXTERNAL], ['inline floor', BASELINE]];
const LOADER = readFileSync(join(ROOT, 'build/site/viatrack.js'), 'utf8');

/**
 * One fresh visitor on `html` at /bench.html?via=jb007: { report, cookie, files } in ms, the
 * report start, the cookie, and each script or wasm file's [start, duration].
 */
async function visit(engine, w, html) {
  const p = await engine.open({ userAgent: BROWSER_UA });
  try {
    await p.addInitScript(COOKIE_CLOCK);
    await p.route('/bench.html', (route) => route.fulfill({ contentType: 'text/html', body: html }));
    // Both scripts are served the same way (by the harness, from memory), so that neither
    // pays the other's hop: the floor's /baseline.js, and viatrack's loader as built.
    await p.route('/baseline.js', (route) => route.fulfill({ contentType: 'text/javascript', body: BASELINE_CODE }));
    await p.route('/viatrack.js', (route) => route.fulfill({ contentType: 'text/javascript', body: LOADER }));
    await p.goto(`${w.url}/bench.html?via=jb007`);
    return await p.evaluate(async () => {
      for (let k = 0; k < 250; k++) {
        const all = performance.getEntriesByType('resource');
        const e = all.find((r) => r.name.endsWith('/v1/track/click'));
        if (e && window.__cookieAt !== undefined) {
          const files = {};
          for (const r of all) {
            const name = new URL(r.name).pathname.replace(/^\/tracker\.[0-9a-f]+\.wasm$/, '/tracker.<hash>.wasm');
            if (/\.(js|wasm)$/.test(name)) files[name] = [r.startTime, r.responseEnd - r.startTime];
          }
          return { report: e.startTime, cookie: window.__cookieAt, files };
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    });
  } finally {
    await p.close();
  }
}

async function versusFloors(w, name) {
  const engine = await launchEngine(name);
  const runs = Object.fromEntries(VARIANTS.map(([v]) => [v, { report: [], cookie: [], files: {} }]));
  try {
    // A warm-up of each, then alternate so that all see the same machine.
    for (const [, html] of VARIANTS) await visit(engine, w, html);
    for (let i = 0; i < N; i++) {
      for (const [v, html] of VARIANTS) {
        const t = await visit(engine, w, html);
        if (!t) continue;
        runs[v].report.push(t.report);
        runs[v].cookie.push(t.cookie);
        for (const [file, timing] of Object.entries(t.files)) (runs[v].files[file] ??= []).push(timing);
      }
    }
  } finally {
    await engine.close();
  }
  const col = 24;
  console.log(`viatrack vs the floors, same static page, one ${name} run (${N} fresh visitors each), median / p90:`);
  console.log(`  ${''.padEnd(24)}${VARIANTS.map(([v]) => v.padEnd(col)).join('')}viatrack / external, / inline (median; p90)`);
  for (const [label, k] of [['click report starts', 'report'], ['page cookie exists', 'cookie']]) {
    const cells = VARIANTS.map(([v]) => `${f(q(runs[v][k], 0.5))} / ${f(q(runs[v][k], 0.9))}`.padEnd(col)).join('');
    const ratio = (other, p) => (q(runs.viatrack[k], p) / q(runs[other][k], p)).toFixed(2);
    console.log(`  ${label.padEnd(24)}${cells}${ratio('external floor', 0.5)}, ${ratio('inline floor', 0.5)} (${ratio('external floor', 0.9)}, ${ratio('inline floor', 0.9)})`);
  }
  console.log('  resource timings, median start / duration:');
  for (const [v] of VARIANTS) {
    for (const [file, timings] of Object.entries(runs[v].files)) {
      console.log(`    ${v.padEnd(16)}${file.padEnd(24)}${f(q(timings.map((t) => t[0]), 0.5))} / ${f(q(timings.map((t) => t[1]), 0.5))}`);
    }
  }
  console.log(`  (${VARIANTS.map(([v]) => `${runs[v].report.length}/${N}`).join(', ')} visits measured; goal: ≤ 1.05 against the external floor)`);
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
  for (const name of engineNames()) {
    await versusFloors(w, name);
    console.log();
  }
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
