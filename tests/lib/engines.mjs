// The browser engines the browser tests (tests/tracker, tests/e2e) and bench/ run in, behind
// one small visitor interface, so each behaviour is written once:
//  * chromium — Debian's headless Chromium driven by playwright-core (tests/lib/browser.mjs);
//  * webkit   — WebKitGTK's MiniBrowser with Intelligent Tracking Prevention on
//    (`--automation --enable-itp`) under Xvfb, driven through WebKitWebDriver by
//    selenium-webdriver. Each visitor browses through its own proxy (tests/lib/proxy.mjs),
//    which maps the test host names, injects init scripts and the page-error recorder, and
//    intercepts requests — what Chromium gets from playwright-core and its command line.
// VIATRACK_ENGINES (comma-separated, default "chromium,webkit") selects the engines.
//
// A visitor is a fresh browser profile (own cookies and storage) with one page; a test has
// one visitor open at a time (WebKitWebDriver allows one session):
//   goto(url, {waitUntil: 'load'|'domcontentloaded'} (WebKit: always load)), reload(), url(),
//   evaluate(f, arg), waitForFunction(f, arg, {timeout}), textContent(sel),
//   getAttribute(sel, name), isVisible(sel), fill(sel, text), click(sel), screenshot(path),
//   cookies() (every cookie the page's URL sees, HttpOnly ones too, Playwright's shape),
//   addCookies([{name, value, url?, domain?, path?, expires?, httpOnly?, secure?, sameSite?}])
//   (on `url`'s host, or `domain`, or the current page's host), clearCookies(),
//   addInitScript(f, arg) (before the next navigation), route(path, handler) / unroute(path)
//   (handler gets {request, fetch(), fulfill({response}|{status, contentType, body}),
//   abort()}), requests (URL path of every request the page made), networkIdle(),
//   problems (uncaught page errors and console.error, live), close().
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, before, after } from 'node:test';
import { Builder, By } from 'selenium-webdriver';
import { launch as launchChromium } from './browser.mjs';
import { startProxy } from './proxy.mjs';

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKITWEBDRIVER = '/usr/bin/WebKitWebDriver';
const ALL = ['chromium', 'webkit'];

/** The engine names selected by VIATRACK_ENGINES (default: all). */
export function engineNames() {
  const names = (process.env.VIATRACK_ENGINES ?? ALL.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!ALL.includes(n)) throw new Error(`VIATRACK_ENGINES: unknown engine ${n} (known: ${ALL.join(', ')})`);
  return names;
}

/**
 * Runs `suite(engine)` once per selected engine, each in a `describe` named after it, with
 * the engine launched before and closed after its tests. `engine` is a holder whose
 * `open()` works once the suite runs; `engine.name` is known at once.
 */
export function forEachEngine(suite) {
  for (const name of engineNames()) {
    describe(name, () => {
      const engine = { name, open: () => { throw new Error('engine not launched'); } };
      before(async () => {
        const launched = await launchEngine(name);
        Object.assign(engine, launched);
      });
      after(async () => {
        await engine.close?.();
      });
      suite(engine);
    });
  }
}

/** Launches an engine: { name, open(options) → visitor, close() }. */
export async function launchEngine(name) {
  if (name === 'chromium') return launchChromiumEngine();
  if (name === 'webkit') return launchWebKitEngine();
  throw new Error(`unknown engine ${name}`);
}

const UNDEFINED = '\u0000viatrack-test-undefined';
const revive = (x) => {
  if (x === UNDEFINED) return undefined;
  if (x && typeof x === 'object') for (const k of Object.keys(x)) x[k] = revive(x[k]);
  return x;
};
const fnSource = (f) => (typeof f === 'function' ? f.toString() : null);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const byPath = (path) => (u) => {
  const p = new URL(u).pathname;
  return p === path || p.endsWith(path);
};

// --- Chromium ------------------------------------------------------------------------

async function launchChromiumEngine() {
  const browser = await launchChromium();
  return {
    name: 'chromium',
    /** `options`: userAgent, ignoreHTTPSErrors (Playwright context options). */
    async open(options = {}) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      const problems = [];
      const requests = [];
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        // Not the browser's own network log lines ("Failed to load resource: …", printed
        // for every 4xx/5xx answer, which the tests provoke on purpose).
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console.error: ${m.text()}`);
      });
      page.on('request', (r) => requests.push(new URL(r.url()).pathname));
      const routes = new Map();
      return {
        engine: 'chromium',
        problems,
        requests,
        goto: (url, { waitUntil = 'load' } = {}) => page.goto(url, { waitUntil }).then(() => {}),
        reload: () => page.reload().then(() => {}),
        url: async () => page.url(),
        evaluate: (f, arg) => page.evaluate(f, arg),
        waitForFunction: (f, arg, { timeout = 10_000 } = {}) => page.waitForFunction(f, arg, { timeout }).then(() => {}),
        textContent: (sel) => page.textContent(sel),
        getAttribute: (sel, name) => page.getAttribute(sel, name),
        isVisible: (sel) => page.isVisible(sel),
        fill: (sel, text) => page.fill(sel, text),
        click: (sel) => page.click(sel),
        screenshot: (path) => page.screenshot({ path, fullPage: true }).then(() => {}),
        cookies: () => context.cookies(),
        addCookies: (list) =>
          context.addCookies(list.map(({ url, ...c }) => (c.domain ? { path: '/', ...c } : { ...c, url: url ?? page.url() }))),
        clearCookies: () => context.clearCookies(),
        addInitScript: (f, arg) => context.addInitScript(f, arg),
        async route(path, handler) {
          const match = byPath(path);
          const h = (route) =>
            handler({
              request: { url: route.request().url(), method: route.request().method() },
              fetch: async () => {
                const r = await route.fetch();
                return { status: r.status(), headers: r.headers(), body: await r.body(), playwright: r };
              },
              fulfill: ({ response, ...rest }) => route.fulfill(response ? { response: response.playwright } : rest),
              abort: () => route.abort('connectionrefused'),
            });
          routes.set(path, [match, h]);
          await context.route(match, h);
        },
        async unroute(path) {
          const r = routes.get(path);
          if (r) await context.unroute(r[0], r[1]);
          routes.delete(path);
        },
        networkIdle: () => page.waitForLoadState('networkidle'),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}

// --- WebKit --------------------------------------------------------------------------

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts Xvfb on a display it picks itself (-displayfd: no race with other test files). */
function startXvfb() {
  return new Promise((ok, fail) => {
    const x = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    x.stderr.on('data', (d) => { err += d; });
    x.on('error', fail);
    x.on('exit', (code) => fail(new Error(`Xvfb exited (${code}): ${err}`)));
    x.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) ok({ process: x, display: `:${out.trim()}` });
    });
  });
}

const killGroup = (child, signal = 'SIGKILL') => {
  try { process.kill(-child.pid, signal); } catch { /* gone */ }
};

async function launchWebKitEngine() {
  for (const f of [MINIBROWSER, WEBKITWEBDRIVER]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: install Debian's webkit2gtk-driver and xvfb (scripts/setup.sh)`);
  }
  const xvfb = await startXvfb();
  let driver = await startWebKitDriver(xvfb.display);
  const killAll = () => { driver.kill(); killGroup(xvfb.process); };
  process.once('exit', killAll);
  const open = new Set();
  return {
    name: 'webkit',
    /**
     * `options`: none apply (the UA is WebKit's own; TLS errors are always accepted).
     * WebKitWebDriver runs one session at a time, so a test has one visitor open at a time
     * (in every engine); a visitor a failed test left open is closed here.
     *
     * On a loaded machine WebKitWebDriver has been seen to start no MiniBrowser and never
     * answer the new-session request: each attempt is bounded, and a failed one is retried
     * on a fresh driver (at most 3 attempts), so a slow start fails or recovers, never hangs.
     */
    async open() {
      for (const v of open) await v.close().catch(() => {});
      let visitor;
      for (let attempt = 1; !visitor; attempt++) {
        try {
          visitor = await openWebKit(driver.server, SESSION_START_MS);
        } catch (e) {
          if (attempt >= 3) throw e;
          driver.kill();
          driver = await startWebKitDriver(xvfb.display);
        }
      }
      open.add(visitor);
      const close = visitor.close;
      visitor.close = async () => { open.delete(visitor); await close(); };
      return visitor;
    },
    async close() {
      try {
        // A stuck session must not keep the browser alive: the group is killed regardless.
        await Promise.race([Promise.all([...open].map((v) => v.close().catch(() => {}))), sleep(5000)]);
      } finally {
        killAll();
        process.removeListener('exit', killAll);
      }
    },
  };
}

/** How long a new WebKit session may take to start, in milliseconds. */
const SESSION_START_MS = 45_000;

/** Starts WebKitWebDriver on `display` in its own process group: { server, kill() }. */
async function startWebKitDriver(display) {
  const port = await freePort();
  // Its own process group: MiniBrowser and the WebKit*Process children join it, and killing
  // the group leaves no orphan behind.
  const driver = spawn(WEBKITWEBDRIVER, [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: display },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let log = '';
  driver.stderr.on('data', (d) => { log += d; });
  const kill = () => killGroup(driver);
  const server = `http://127.0.0.1:${port}`;
  for (let end = Date.now() + 15_000; ; await sleep(50)) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${log}`);
    try {
      if ((await fetch(`${server}/status`)).ok) break;
    } catch { /* not up yet */ }
    if (Date.now() > end) { kill(); throw new Error(`WebKitWebDriver did not start: ${log}`); }
  }
  return { server, kill };
}

async function openWebKit(server, startMs) {
  const proxy = await startProxy();
  const caps = {
    browserName: 'MiniBrowser',
    acceptInsecureCerts: true,
    'webkitgtk:browserOptions': {
      binary: MINIBROWSER,
      args: ['--automation', '--enable-itp', `--proxy=http://127.0.0.1:${proxy.port}`],
    },
  };
  let driver;
  try {
    let timer;
    const late = new Promise((_, fail) => { timer = setTimeout(() => fail(new Error(`no WebKit session within ${startMs} ms`)), startMs); });
    try {
      driver = await Promise.race([new Builder().usingServer(server).withCapabilities(caps).build(), late]);
    } finally {
      clearTimeout(timer);
    }
    await driver.manage().setTimeouts({ script: 60_000, pageLoad: 30_000 });
  } catch (e) {
    await proxy.close();
    throw e;
  }
  // Runs `f(arg)` in the page and awaits a returned promise. The result crosses as JSON
  // with `undefined` marked, so it comes back as Playwright gives it (WebDriver would turn
  // every undefined into null).
  const evaluate = async (f, arg) => {
    const body = typeof f === 'function' ? `return (${fnSource(f)})(arg)` : `return (${f})`;
    const r = await driver.executeAsyncScript(
      `const done = arguments[arguments.length - 1]; const arg = arguments[0];
       const json = (v) => JSON.stringify([v], (k, x) => (x === undefined ? ${JSON.stringify(UNDEFINED)} : x));
       Promise.resolve().then(() => { ${body}; })
         .then((v) => done({ v: json(v) }), (e) => done({ e: String(e && e.stack || e) }));`,
      arg ?? null,
    );
    if (r === null) throw new Error('evaluate: the page navigated away');
    if ('e' in r) throw new Error(`evaluate: ${r.e}`);
    return revive(JSON.parse(r.v))[0];
  };
  const readyState = () => driver.executeScript('return document.readyState').catch(() => 'loading');
  const waitLoaded = async () => {
    for (let end = Date.now() + 30_000; Date.now() < end; await sleep(20)) {
      if ((await readyState()) === 'complete') return;
    }
    throw new Error('page did not load within 30 s');
  };
  const waitForFunction = async (f, arg, { timeout = 10_000 } = {}) => {
    const end = Date.now() + timeout;
    for (;;) {
      try {
        if (await evaluate(f, arg)) return;
      } catch { /* navigating */ }
      if (Date.now() > end) throw new Error(`waitForFunction timed out: ${fnSource(f) ?? f}`);
      await sleep(25);
    }
  };
  const el = (sel) => `document.querySelector(${JSON.stringify(sel)})`;
  const toPlaywright = (c) => ({
    name: c.name,
    value: c.value,
    domain: c.domain,
    path: c.path,
    expires: c.expiry ?? -1,
    httpOnly: !!c.httpOnly,
    secure: !!c.secure,
    sameSite: c.sameSite ?? 'None',
  });
  // WebDriver sets cookies on the current document's origin: go there first (to a blank
  // page the proxy answers itself, so no tracker runs).
  const at = async (url) => {
    const want = new URL(url).origin;
    const here = await driver.getCurrentUrl().catch(() => '');
    if (!here.startsWith('http') || new URL(here).origin !== want) {
      await driver.get(`${want}/__viatrack_test/blank`);
    }
  };
  return {
    engine: 'webkit',
    problems: proxy.problems,
    get requests() {
      return proxy.requests.map((r) => r.path);
    },
    // WebKitWebDriver's 'eager' page-load strategy leaves later script calls hanging until the
    // page-load timeout, so every navigation waits for the load event here; `waitUntil:
    // 'domcontentloaded'` is the same as 'load' in WebKit (a later point, never an earlier one).
    async goto(url) {
      await driver.get(url);
      await waitLoaded();
    },
    async reload() {
      await driver.navigate().refresh();
      await waitLoaded();
    },
    url: () => driver.getCurrentUrl(),
    evaluate,
    waitForFunction,
    textContent: (sel) => evaluate(`${el(sel)}.textContent`),
    getAttribute: (sel, name) => evaluate(`${el(sel)}.getAttribute(${JSON.stringify(name)})`),
    isVisible: (sel) => evaluate(`(() => { const e = ${el(sel)}; return !!e && !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length); })()`),
    async fill(sel, text) {
      const e = await driver.findElement(By.css(sel));
      await e.clear();
      await e.sendKeys(text);
    },
    async click(sel) {
      await (await driver.findElement(By.css(sel))).click();
    },
    async screenshot(path) {
      writeFileSync(path, Buffer.from(await driver.takeScreenshot(), 'base64'));
    },
    cookies: async () => (await driver.manage().getCookies()).map(toPlaywright),
    async addCookies(list) {
      for (const c of list) {
        if (c.url) await at(c.url);
        const cookie = { name: c.name, value: c.value, path: c.path ?? '/', httpOnly: !!c.httpOnly, secure: !!c.secure };
        if (c.expires > 0) cookie.expiry = Math.floor(c.expires);
        if (c.sameSite) cookie.sameSite = c.sameSite;
        if (c.domain?.startsWith('.')) cookie.domain = c.domain; // else host-only, on the current page's host
        await driver.manage().addCookie(cookie);
      }
    },
    clearCookies: () => driver.manage().deleteAllCookies(),
    async addInitScript(f, arg) {
      proxy.addInitScript(typeof f === 'function' ? `(${fnSource(f)})(${JSON.stringify(arg ?? null)});` : f);
    },
    route: async (path, handler) => proxy.route(path, handler),
    unroute: async (path) => proxy.unroute(path),
    networkIdle: () => proxy.idle(500),
    async close() {
      await Promise.race([driver.quit().catch(() => {}), sleep(5000)]);
      await proxy.close();
    },
  };
}
