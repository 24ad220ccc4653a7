// Writes the static site's `_headers` (Cloudflare Workers Static Assets) so that every page
// the Worker serves carries its security headers:
//
//   Content-Security-Policy  script-src 'self', 'wasm-unsafe-eval' (the tracker's module) and
//                            a sha256 hash for each inline script of that page (the snippet
//                            of README's "Using it on a site", the demo's own code); no
//                            'unsafe-inline' in any script-src, nor in style-src but on
//                            /docs (RUNTIME_STYLES); frame-ancestors 'none'
//   X-Frame-Options          DENY (for browsers without frame-ancestors)
//   X-Content-Type-Options   nosniff, on every asset
//   Referrer-Policy          strict-origin-when-cross-origin, on every asset
//   Cache-Control            the content-hashed wasm (tracker.<hash>.wasm, which the loader
//                            fetches): a year, immutable, so a repeat visitor revalidates
//                            nothing; the loader (viatrack.js, whose URL the page's tag
//                            names) and tracker_bg.wasm (the stable name): 5 minutes
//
// Usage: node scripts/security-headers.mjs build/site
// The hashes are of the inline scripts' exact text, so an edit of a page needs no edit here.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const site = process.argv[2] ?? 'build/site';

/**
 * Pages whose styles are made at run time by a library we do not write, so that no hash can
 * name them: the API reference (Scalar injects <style> elements and style attributes). Their
 * scripts stay as strict as everywhere else; only style-src allows inline styles there.
 */
const RUNTIME_STYLES = new Set(['docs']);

/** The CSP of a page whose inline scripts hash to `hashes`. */
export function policy(hashes, { runtimeStyles = false } = {}) {
  const scripts = ["'self'", "'wasm-unsafe-eval'", ...hashes.map((h) => `'sha256-${h}'`)].join(' ');
  return [
    "default-src 'self'",
    `script-src ${scripts}`,
    runtimeStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The text of each inline `<script>` (one without `src`) of an HTML page. */
export function inlineScripts(html) {
  return [...html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)]
    .filter(([, attrs = '']) => !/\ssrc\s*=/i.test(attrs))
    .map(([, , body]) => body);
}

const rules = ['/*', '  X-Content-Type-Options: nosniff', '  Referrer-Policy: strict-origin-when-cross-origin', ''];
for (const file of readdirSync(site).filter((f) => f.endsWith('.html')).sort()) {
  const html = readFileSync(join(site, file), 'utf8');
  const hashes = inlineScripts(html).map((s) => createHash('sha256').update(s, 'utf8').digest('base64'));
  const name = file.slice(0, -'.html'.length);
  // The paths that serve this file (html_handling "auto-trailing-slash"): /x and /x.html,
  // and / for index.html.
  const paths = name === 'index' ? ['/', '/index', '/index.html'] : [`/${name}`, `/${name}.html`];
  for (const path of paths) {
    const csp = policy([...new Set(hashes)], { runtimeStyles: RUNTIME_STYLES.has(name) });
    rules.push(path, `  Content-Security-Policy: ${csp}`, '  X-Frame-Options: DENY', '');
  }
}
// The tracker's files (scripts/shrink-tracker.mjs).
for (const file of readdirSync(site).filter((f) => /^tracker\.[0-9a-f]{16}\.wasm$/.test(f))) {
  rules.push(`/${file}`, '  Cache-Control: public, max-age=31536000, immutable', '');
}
for (const file of ['viatrack.js', 'tracker_bg.wasm']) rules.push(`/${file}`, '  Cache-Control: public, max-age=300', '');
writeFileSync(join(site, '_headers'), rules.join('\n'));
