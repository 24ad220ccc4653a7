// The HTTP proxy a WebKit visitor browses through (MiniBrowser --proxy=…), one per visitor.
// It is what Chromium gets from playwright-core and its command line, done at the HTTP level:
//  * host mapping: any *.shop.test / *.example.com / 127.0.0.1 / localhost URL is served by
//    127.0.0.1 on the URL's port (Chromium: --host-resolver-rules); other hosts get a 502;
//  * init scripts: injected at the top of every HTML page it forwards (Chromium:
//    addInitScript), including the page-error recorder below;
//  * page errors: the recorder posts each uncaught error, unhandled rejection and
//    console.error to /__viatrack_test/problem with a synchronous request, which the proxy
//    answers itself, so `problems` is up to date as soon as the page's code has run
//    (WebKitWebDriver has no log endpoint and no BiDi);
//  * routes: requests whose path matches are handed to a handler with Playwright's route
//    verbs (fetch, fulfill, abort), to hold, fail or replace an answer (Chromium: route);
//  * the request log and an in-flight count (Chromium: page 'request' events, networkidle).
// https (CONNECT) is tunnelled to 127.0.0.1 untouched: no injection, no routes there.
import { createServer, request as httpRequest } from 'node:http';
import { connect } from 'node:net';

const MAPPED = /^(127\.0\.0\.1|localhost|([a-z0-9-]+\.)*(shop\.test|example\.com))$/i;
const TEST = '/__viatrack_test/';

/** The script every page gets first: it records page errors for the test (see above). */
const RECORDER = `(function () {
  var send = function (text) {
    try {
      var x = new XMLHttpRequest();
      x.open('POST', '${TEST}problem', false);
      x.send(String(text));
    } catch (e) {}
  };
  var show = function (a) { return a instanceof Error ? String(a) + (a.stack ? '\\n' + a.stack : '') : typeof a === 'string' ? a : (function () { try { return JSON.stringify(a); } catch (e) { return String(a); } })(); };
  addEventListener('error', function (e) { send('pageerror: ' + (e.error ? e.error.message || e.error : e.message)); });
  addEventListener('unhandledrejection', function (e) { send('pageerror: ' + (e.reason && e.reason.message || e.reason)); });
  var error = console.error;
  console.error = function () { send('console.error: ' + Array.prototype.map.call(arguments, show).join(' ')); return error.apply(this, arguments); };
})();`;

function inject(html, scripts) {
  const tag = scripts.map((s) => `<script>${s}</script>`).join('');
  const head = /<head[^>]*>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  if (doctype) return doctype[0] + tag + html.slice(doctype[0].length);
  return tag + html;
}

/**
 * Starts a proxy on a free 127.0.0.1 port. Returns { port, problems, requests, route(match,
 * handler), unroute(match), addInitScript(source), idle(ms), close() }.
 */
export async function startProxy() {
  const problems = [];
  const requests = []; // { method, url, path }
  const scripts = [RECORDER];
  let routes = [];
  let inFlight = 0;
  let lastActivity = Date.now();

  const forward = (req, url, body) =>
    new Promise((ok, fail) => {
      const headers = { ...req.headers, host: url.host };
      delete headers['proxy-connection'];
      delete headers['accept-encoding']; // plain bodies, so HTML can be injected into
      const up = httpRequest({ host: '127.0.0.1', port: url.port || 80, method: req.method, path: url.pathname + url.search, headers }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => ok({ status: r.statusCode, headers: r.headers, body: Buffer.concat(chunks) }));
        r.on('error', fail);
      });
      up.on('error', fail);
      up.end(body);
    });

  const reply = (res, { status, headers, body }) => {
    const h = { ...headers };
    let out = body;
    if (String(h['content-type'] ?? '').startsWith('text/html')) {
      out = Buffer.from(inject(body.toString('utf8'), scripts));
    }
    delete h['content-length'];
    delete h['transfer-encoding'];
    delete h.connection;
    h['content-length'] = String(out.length);
    res.writeHead(status, h);
    res.end(out);
  };

  const server = createServer(async (req, res) => {
    res.on('error', () => {});
    req.on('error', () => {});
    let url;
    try {
      url = new URL(req.url);
    } catch {
      res.writeHead(400).end('proxy: absolute URL expected');
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    if (url.pathname === `${TEST}problem`) {
      problems.push(body.toString('utf8'));
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === `${TEST}blank`) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('');
      return;
    }
    if (!MAPPED.test(url.hostname)) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${url.hostname} is not a test host`);
      return;
    }
    requests.push({ method: req.method, url: url.href, path: url.pathname });
    inFlight++;
    lastActivity = Date.now();
    const done = () => { inFlight--; lastActivity = Date.now(); };
    res.on('close', done);
    const route = routes.find((r) => r.match(url));
    try {
      if (!route) {
        reply(res, await forward(req, url, body));
        return;
      }
      await route.handler({
        request: { url: url.href, method: req.method, body },
        fetch: () => forward(req, url, body),
        fulfill: async ({ response, status, contentType, body: b }) =>
          reply(res, response ?? { status: status ?? 200, headers: { 'content-type': contentType ?? 'text/plain' }, body: Buffer.from(b ?? '') }),
        abort: async () => { req.socket.destroy(); },
      });
    } catch {
      req.socket.destroy(); // the upstream failed: the browser sees a network error
    }
  });
  const tunnels = new Set();
  server.on('connect', (req, socket, head) => {
    const [host, port] = req.url.split(':');
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => {});
    if (!MAPPED.test(host)) {
      socket.end('HTTP/1.1 502 Not a test host\r\n\r\n');
      return;
    }
    const up = connect(Number(port) || 443, '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));

  const matcher = (path) => (url) => url.pathname === path || url.pathname.endsWith(path);
  return {
    port: server.address().port,
    problems,
    requests,
    /** Hands requests whose path is (or ends with) `path` to `handler(route)`. */
    route: (path, handler) => { routes.push({ path, match: matcher(path), handler }); },
    unroute: (path) => { routes = routes.filter((r) => r.path !== path); },
    addInitScript: (source) => { scripts.push(source); },
    /** Resolves once no request has been in flight for `ms`. */
    async idle(ms = 500) {
      while (inFlight > 0 || Date.now() - lastActivity < ms) await new Promise((r) => setTimeout(r, 25));
    },
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        for (const t of tunnels) t.destroy();
        server.close(() => ok());
      }),
  };
}
