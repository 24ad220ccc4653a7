// The page side of the tracker's one import, `io(op, ptr, len)` (crates/tracker/src/page.rs):
// every read and change of the page the wasm module makes goes through it, by operation number.
// The loader (www/viatrack.js) bundles this file; the module's browser tests import it as well.
//
// The argument crosses as UTF-8 in the module's memory, at (ptr, len). A text answer is kept
// here as its Unicode code points (so the module needs no UTF-8 validator) and their count
// returned (a JSON text as -2 - the count, nothing as -1); the module then asks for them
// (op 0) into a buffer of that many u32 (ptr, count). Never throws: a failure (a
// getter or method that throws, no such object) returns NaN (what a write returns is not
// looked at).
//
// E is the module's view of the world, the root of the paths op 1 reads: `w` the window, `o`
// the script tag's data- attributes, `q` whether consent is required, and what `setup` works
// out: `u` the API base URL, `s` whether reports carry the visitor's cookies, `n` whether
// the tracker can report at all; per call `a` (an answer's parsed JSON body), `l` (its queue
// line), `c` (convert's data), `k` (the click report the loader sent, its queue line), and
// what `capture` reads: `t` the token parameters' values, `x` the URL without them; `m`
// is the module's memory, `f` collects the reports an export starts ([answer, queue line]
// each, see `settle`) and `r` takes the text an export gives back.
export const E = { w: self };
/** The localStorage key of the delivery queue (crates/tracker/src/queue.rs). */
export const QUEUE = 'viatrack_queue';

// A started fetch → [status, parsed JSON body (undefined when there is none)]; status 0 when
// there was no answer (network failure, or aborted after 10 s), also when fetch itself threw.
// Never rejects.
const settle = (request) =>
  request.then((res) => res.json().then((json) => [res.status, json], () => [res.status])).catch(() => [0]);

/** 32 lower-case hex digits of 16 random bytes (crypto.getRandomValues): an ID's body. */
export const hex = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => (256 + b).toString(16).slice(1)).join('');

// Whether host h is d or a subdomain of it.
const within = (h, d) => h == d || h.endsWith('.' + d);

/**
 * Works out, from the options `data` (the tag's data- attributes) and `here` (the loader
 * script's URL), what every request needs: E.u the API base URL without a trailing `/`
 * (data-api, else the directory of `here`; false unless http(s)), E.s whether reports carry the
 * visitor's cookies (`credentials: "include"`: the page and the API on the same site, that is
 * one host within the other, or both within data-cookie-domain), E.n whether there is a key
 * and an API to report to. Never throws (a bad URL reports nowhere).
 */
export const setup = (data, here) => {
  E.o = data;
  E.n = false;
  try {
    const api = new URL(data.api || '.', here);
    const d = (data.cookieDomain || '').replace(/^\./, '').toLowerCase();
    const h = location.hostname;
    const a = api.hostname;
    E.u = /^https?:$/.test(api.protocol) && api.origin + api.pathname.replace(/\/+$/, '');
    E.s = within(h, a) || within(a, h) || (within(h, d) && within(a, d));
    E.n = !!(data.key && E.u);
  } catch (e) {}
};

/**
 * Reads the page URL's token parameters for the module (URL plumbing; which value is a token
 * is core's rule, in the module): E.t every value of the parameters `params` names
 * (data-params, comma-separated, whitespace around names ignored, "via" when it names none),
 * in the order of the names and, per name, in URL order, decoded as URLSearchParams decodes;
 * E.x the URL without those parameters (path, the other pairs as they were written, hash)
 * when there is one to remove (for data-clean-url), else false.
 */
export const capture = (params) => {
  let names = (params || '').split(',').map((n) => n.trim()).filter((n) => n);
  if (!names[0]) names = ['via'];
  const search = location.search;
  const pairs = search.slice(1).split('&').filter((p) => p);
  const kept = pairs.filter((p) => !names.includes([...new URLSearchParams(p).keys()][0]));
  E.t = names.flatMap((n) => new URLSearchParams(search).getAll(n));
  E.x = kept.length < pairs.length && location.pathname + (kept[0] ? '?' + kept.join('&') : '') + location.hash;
};

/**
 * The one request builder: starts the report of queue `line` (`<at> <kind> <body>`,
 * crates/tracker/src/queue.rs) — kind `c` POSTs the body to {E.u}/v1/track/click, `l` to
 * /v1/track/lead, and the empty line (the restore request, never queued) GETs
 * /v1/track/referral — with `Authorization: Bearer <key>`, `keepalive` (a queued body is at
 * most 8 KiB, within the browser's 64 KiB keepalive limit), the visitor's cookies when E.s,
 * and a 10 s abort signal where the browser has AbortSignal.timeout (Safari 16+, Chrome 103+,
 * Firefox 100+; without it the report waits for its answer, and stays queued until then).
 * Pushes [answer, line] to E.f; the answer never rejects, also when building or starting the
 * request throws.
 */
export const send = (line) =>
  E.f.push([
    settle(
      new Promise((ok) => {
        const [, kind, body] = /^\d+ (.) (.*)/s.exec(line) || [];
        ok(
          fetch(E.u + '/v1/track/' + ({ c: 'click', l: 'lead' }[kind] || 'referral'), {
            method: body && 'POST',
            headers: { Authorization: 'Bearer ' + E.o.key, ...(body && { 'Content-Type': 'application/json' }) },
            body,
            keepalive: true,
            credentials: E.s ? 'include' : undefined,
            signal: AbortSignal.timeout?.(1e4),
          }),
        );
      }),
    ),
    line,
  ]);

let kept; // the last text answer, as code points
const at = (path) => path.split('.').reduce((o, k) => o[k], E);
const view = (p, n) => new Uint8Array(E.m.buffer, p, n);
const keep = (s) => (s == null ? -1 : (kept = [...s].map((c) => c.codePointAt())).length);

export const io = (op, p, n) => {
  try {
    const a = new TextDecoder().decode(view(p, n));
    return (
      [
        // 0: the kept answer's code points into (ptr, count)
        () => new Uint32Array(E.m.buffer, p, n).set(kept),
        // 1: the value at a dotted path from E ("w.location.search", "a.data.click_id"): a
        // string's code point count, or -2 - that of any other value's JSON text (-1: undefined)
        (v = at(a)) => (typeof v == 'string' ? keep(v) : -2 - keep(JSON.stringify(v))),
        // 2: the clock
        Date.now,
        // 3: a random ID body (hex), kept like a string value
        () => keep(hex()),
        // 4: document.cookie = text
        () => (document.cookie = a),
        // 5: the delivery queue's new text ("": remove it)
        () => (n ? localStorage.setItem(QUEUE, a) : localStorage.removeItem(QUEUE)),
        // 6: the address bar's new URL, no navigation
        () => history.replaceState(history.state, '', a),
        // 7: a log line
        () => console.debug('viatrack:', a),
        // 8: start the report of this queue line (send)
        () => send(a),
        // 9: the export's answer
        () => (E.r = a),
        // 10: the value at a dotted path as a number: a number as it is, true 1, false 0,
        // anything else NaN
        (v = at(a)) => (typeof v == 'boolean' ? +v : typeof v == 'number' ? v : NaN),
      ][op]() ?? 0
    );
  } catch (e) {
    return NaN;
  }
};
