// Headless Debian Chromium driven by playwright-core, and helpers shared by the browser
// tests (tests/tracker, tests/e2e) and bench/: waiting for the tracker, cookies, and
// collecting anything the page throws or logs as an error.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  // Cookie-domain tests browse www.shop.test / app.shop.test (the tracker's stand-in server)
  // and blog.example.com / www.example.com (the real Worker; example.com is a registrable
  // domain under a known public suffix), all served on 127.0.0.1.
  '--host-resolver-rules=MAP *.shop.test 127.0.0.1,MAP *.example.com 127.0.0.1',
];

/** Launches Chromium (fails clearly when it is not installed). */
export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/**
 * A fresh context (own cookies and storage) and page. `problems` collects uncaught page
 * errors and console errors, except the browser's own network log lines ("Failed to load
 * resource: …", printed for every 4xx/5xx answer, which the tests provoke on purpose).
 */
export async function open(browser, contextOptions = {}) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console.error: ${m.text()}`);
    }
  });
  return { context, page, problems };
}

/** Resolves when the tracker has started and applied the page's click answers. */
export async function ready(page) {
  await page.waitForFunction(() => typeof window.viatrack === 'function');
  await page.evaluate(() => new Promise((r) => window.viatrack('ready', r)));
}

/** The page's cookies by name. */
export async function cookies(context) {
  return Object.fromEntries((await context.cookies()).map((c) => [c.name, c]));
}

/** Polls `f` until it returns a truthy value (or throws after `ms`). */
export async function until(f, ms = 5000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
