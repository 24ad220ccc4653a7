// A small stand-in for the Worker's tracking endpoints, for the browser tracker's tests: it
// serves build/site (the demo pages, the loader, the wasm and its glue), extra pages a test
// registers, and implements `POST /v1/track/click`, `POST /v1/track/lead` and
// `GET /v1/track/referral` per the contract the tracker is built against (request
// validation, answers, dedupe by visitor and link, one click per report ID). It sets no
// server cookie: the real Worker's first-party cookie is tested end to end in tests/e2e. Every request is recorded; a test can make the next answers fail
// (503, 500, 429, garbage, a hang) to exercise the tracker's error paths.
//
// Listens on 127.0.0.1 on a free port (also reachable as any host name the browser maps to
// 127.0.0.1, e.g. www.shop.test, for cookie-domain tests); `https: true` serves TLS with a
// throwaway self-signed certificate made by the local openssl.
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp } from 'node:net';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SITE = join(ROOT, 'build/site');
export const KEY = 'pk_demo1234567890abcdef1234567890';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

const CLICK_FIELDS = new Set(['token', 'url', 'referrer', 'visitor_id', 'report_id']);
const LEAD_FIELDS = new Set(['click_id', 'email', 'name', 'customer_id', 'metadata']);
const hex = () => randomBytes(16).toString('hex');
const isHttpUrl = (s) => typeof s === 'string' && s.length <= 2048 && /^https?:\/\/[^\s]+$/.test(s);

/** A TCP port on 127.0.0.1 that nothing listens on (free when this returns). */
export function freePort() {
  return new Promise((ok, fail) => {
    const s = createTcp();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * The content-hashed name of the wasm module the loader fetches by default
 * (scripts/shrink-tracker.mjs), e.g. `tracker.0123456789abcdef.wasm`; undefined before a build.
 */
export const WASM = existsSync(SITE) ? readdirSync(SITE).find((f) => /^tracker\.[0-9a-f]{16}\.wasm$/.test(f)) : undefined;

/** Fails with a clear message when the site has not been built. */
export function requireSite() {
  for (const f of ['index.html', 'viatrack.js', 'tracker_bg.wasm', WASM ?? 'tracker.<hash>.wasm']) {
    if (!existsSync(join(SITE, f))) {
      throw new Error(`build/site/${f} is missing: run \`make build-tracker\` (or \`make test\`) first`);
    }
  }
}

/**
 * Starts the server. `links` maps a token to its campaign: `{ affiliate_id, attribution
 * ('last_click' | 'first_click'), cookie_duration (days), cookie_domain (string | null),
 * ttl (optional: seconds the click lives, instead of cookie_duration days) }`.
 * Returns `{ url, origin(host), requests, clicks, leads, fail(mode, n), delay(path, ms),
 * page(path, html), close() }`.
 */
export async function startServer({ links = {}, https = false } = {}) {
  requireSite();
  const requests = [];
  const clicks = new Map(); // click_id → click
  const byVisitor = new Map(); // `${visitor_id} ${token}` → click_id
  const byReport = new Map(); // report_id → click_id
  const leads = new Map(); // email → referral
  const pages = new Map();
  const delays = new Map();
  let failures = []; // modes for the next tracking requests

  const send = (res, status, body, type = 'application/json') => {
    const headers = { 'Content-Type': type, 'Cache-Control': 'no-store' };
    // CORS as the Worker does it, so pages on another origin (data-api) can report.
    if (res.req.headers.origin) {
      headers['Access-Control-Allow-Origin'] = res.req.headers.origin;
      headers['Access-Control-Allow-Credentials'] = 'true';
      headers.Vary = 'Origin';
    }
    res.writeHead(status, headers);
    res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
  };
  const error = (res, status, code, message) =>
    send(res, status, { success: false, error: { code, message } });

  const click = (req, body, res) => {
    for (const k of Object.keys(body)) {
      if (!CLICK_FIELDS.has(k)) return error(res, 400, 'VALIDATION_ERROR', `unknown field ${k}`);
    }
    const token = typeof body.token === 'string' ? body.token.toLowerCase() : null;
    if (!token || !/^[a-z0-9_-]{1,64}$/.test(token)) return error(res, 400, 'VALIDATION_ERROR', 'token');
    if (!isHttpUrl(body.url)) return error(res, 400, 'VALIDATION_ERROR', 'url');
    if ('referrer' in body && !isHttpUrl(body.referrer)) return error(res, 400, 'VALIDATION_ERROR', 'referrer');
    if ('visitor_id' in body && !/^vis_[0-9a-f]{32}$/.test(body.visitor_id)) {
      return error(res, 400, 'VALIDATION_ERROR', 'visitor_id');
    }
    if ('report_id' in body && !/^rpt_[0-9a-f]{32}$/.test(body.report_id)) {
      return error(res, 400, 'VALIDATION_ERROR', 'report_id');
    }
    const link = links[token];
    if (!link) return error(res, 404, 'NOT_FOUND', 'no such link');
    const now = Date.now();
    const key = `${body.visitor_id} ${token}`;
    let c = body.visitor_id && clicks.get(byVisitor.get(key));
    const replayed = body.report_id && clicks.get(byReport.get(body.report_id));
    if (replayed) {
      c = replayed; // the same report again: the same click, no visit
    } else if (c && c.expires_at > now) {
      c.visits += 1;
    } else {
      const ttl = link.ttl ?? (link.cookie_duration ?? 60) * 86400;
      c = {
        click_id: `ref_${hex()}`,
        affiliate_id: link.affiliate_id,
        token,
        created_at: now,
        expires_at: now + ttl * 1000,
        cookie_duration: link.cookie_duration ?? 60,
        attribution: link.attribution ?? 'last_click',
        cookie_domain: link.cookie_domain ?? null,
        visits: 1,
        url: body.url,
        referrer: body.referrer ?? null,
        visitor_id: body.visitor_id ?? null,
      };
      clicks.set(c.click_id, c);
      if (body.visitor_id) byVisitor.set(key, c.click_id);
    }
    if (body.report_id) byReport.set(body.report_id, c.click_id);
    send(res, 200, {
      success: true,
      data: {
        click_id: c.click_id,
        affiliate_id: c.affiliate_id,
        token: c.token,
        expires_at: new Date(c.expires_at).toISOString(),
        expires_in: Math.floor((c.expires_at - now) / 1000),
        cookie_duration: c.cookie_duration,
        attribution: c.attribution,
        cookie_domain: c.cookie_domain,
        visits: c.visits,
        visitor_id: body.visitor_id ?? null,
      },
    });
  };
  const notice = (res, code, message) => send(res, 200, { success: true, data: null, notice: { code, message } });

  const lead = (req, body, res) => {
    for (const k of Object.keys(body)) {
      if (!LEAD_FIELDS.has(k)) return error(res, 400, 'VALIDATION_ERROR', `unknown field ${k}`);
    }
    if ('click_id' in body && (typeof body.click_id !== 'string' || !/^ref_[0-9a-f]{32}$/.test(body.click_id))) {
      return error(res, 400, 'VALIDATION_ERROR', 'click_id');
    }
    if (typeof body.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(body.email)) {
      return error(res, 400, 'VALIDATION_ERROR', 'email');
    }
    for (const k of ['name', 'customer_id']) {
      if (k in body && typeof body[k] !== 'string') return error(res, 400, 'VALIDATION_ERROR', k);
    }
    if ('metadata' in body && (typeof body.metadata !== 'object' || body.metadata === null || Array.isArray(body.metadata))) {
      return error(res, 400, 'VALIDATION_ERROR', 'metadata');
    }
    if (!('click_id' in body)) return notice(res, 'NO_REFERRAL', 'no click_id and no server cookie here');
    const c = clicks.get(body.click_id);
    if (!c) return notice(res, 'CLICK_NOT_FOUND', 'no such click');
    if (c.expires_at <= Date.now()) return notice(res, 'CLICK_EXPIRED', 'click expired');
    const same = leads.get(body.email);
    if (same && same.id === c.click_id) return send(res, 200, { success: true, data: same }); // a replay
    if (same) return error(res, 409, 'CONFLICT', 'email already referred');
    const referral = {
      id: c.click_id,
      status: 'lead',
      email: body.email,
      name: body.name ?? null,
      customer_id: body.customer_id ?? null,
      metadata: body.metadata ?? null,
      affiliate_id: c.affiliate_id,
      link: { token: c.token },
      became_lead_at: new Date().toISOString(),
    };
    leads.set(body.email, referral);
    send(res, 200, { success: true, data: referral });
  };

  const handler = async (req, res) => {
    const u = new URL(req.url, 'http://x');
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let json;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const record = {
      method: req.method,
      path: u.pathname,
      query: u.search,
      host: req.headers.host,
      headers: req.headers,
      body: raw,
      json,
      at: Date.now(),
    };
    requests.push(record);
    const wait = delays.get(u.pathname);
    if (wait) await new Promise((r) => setTimeout(r, wait));

    if (u.pathname.startsWith('/v1/') && req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Origin': req.headers.origin ?? '*',
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Headers': 'authorization, content-type',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
      return res.end();
    }
    if (u.pathname === '/v1/track/referral' && req.method === 'GET') {
      if (req.headers.authorization !== `Bearer ${KEY}`) return error(res, 401, 'UNAUTHORIZED', 'bad key');
      return notice(res, 'NO_REFERRAL', 'no server cookie here');
    }
    if (u.pathname.startsWith('/v1/')) {
      const mode = failures.shift();
      record.answered = mode ?? 'ok';
      if (mode === 'hang') return; // never answers (the tracker's timeout must act)
      if (mode === 'garbage') return send(res, 200, '<html>oops, not json', 'text/html');
      if (mode === 'garbage-json') return send(res, 200, { success: true, data: { click_id: 42, expires_in: 'soon' } });
      if (typeof mode === 'number') return error(res, mode, 'INTERNAL', `forced ${mode}`);
      if (req.method !== 'POST') return error(res, 405, 'METHOD_NOT_ALLOWED', 'POST only');
      if (req.headers.authorization !== `Bearer ${KEY}`) return error(res, 401, 'UNAUTHORIZED', 'bad key');
      if (!String(req.headers['content-type']).startsWith('application/json')) {
        return error(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'json only');
      }
      if (!json || typeof json !== 'object' || Array.isArray(json)) return error(res, 400, 'VALIDATION_ERROR', 'body');
      if (u.pathname === '/v1/track/click') return click(req, json, res);
      if (u.pathname === '/v1/track/lead') return lead(req, json, res);
      return error(res, 404, 'NOT_FOUND', 'no route');
    }

    if (pages.has(u.pathname)) return send(res, 200, pages.get(u.pathname), TYPES['.html']);
    const rel = normalize(decodeURIComponent(u.pathname === '/' ? '/index.html' : u.pathname));
    const file = join(SITE, rel);
    if (!file.startsWith(SITE) || !existsSync(file)) return send(res, 404, 'not found', 'text/plain');
    send(res, 200, readFileSync(file), TYPES[extname(file)] ?? 'application/octet-stream');
  };

  let server;
  let certDir;
  if (https) {
    certDir = mkdtempSync(join(tmpdir(), 'viatrack-cert-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=shop.test',
      '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    server = createHttps({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, handler);
  } else {
    server = createHttp(handler);
  }
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  const scheme = https ? 'https' : 'http';
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    /** The server's origin under another host name (mapped to 127.0.0.1 by the browser). */
    origin: (host) => `${scheme}://${host}:${port}`,
    requests,
    clicks,
    leads,
    /** Tracking reports (`POST /v1/…`, optionally one path), in arrival order. */
    tracking: (path) =>
      requests.filter((r) => r.method === 'POST' && (path ? r.path === path : r.path.startsWith('/v1/'))),
    /** The next tracking answers: 503/500/429 (error status), 'garbage', 'garbage-json', 'hang'. */
    fail: (mode, n = 1) => {
      failures = Array(n).fill(mode);
    },
    /** Delays every answer on `path` by `ms`. */
    delay: (path, ms) => delays.set(path, ms),
    /** Serves `html` at `path`. */
    page: (path, html) => pages.set(path, html),
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections?.();
        server.close(() => ok());
        if (certDir) rmSync(certDir, { recursive: true, force: true });
      }),
  };
}
