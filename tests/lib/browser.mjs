// Headless Debian Chromium driven by playwright-core (one of the engines of engines.mjs), and
// helpers shared by the browser tests (tests/tracker, tests/e2e) and bench/, for a visitor of
// any engine: waiting for the tracker, cookies by name, polling.
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
  // domain under a known public suffix), all served on 127.0.0.1 (WebKit: proxy.mjs).
  '--host-resolver-rules=MAP *.shop.test 127.0.0.1,MAP *.example.com 127.0.0.1',
];

/** Launches Chromium (fails clearly when it is not installed). */
export async function launch() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** Resolves when the tracker has started and applied the page's click answers. */
export async function ready(page) {
  await page.waitForFunction(() => typeof window.viatrack === 'function');
  await page.evaluate(() => new Promise((r) => window.viatrack('ready', r)));
}

/** The page's cookies by name (HttpOnly ones too). */
export async function cookies(page) {
  return Object.fromEntries((await page.cookies()).map((c) => [c.name, c]));
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
