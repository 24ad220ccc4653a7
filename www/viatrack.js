// viatrack loader (MIT OR Apache-2.0)
// <script async src="https://…/viatrack.js" data-key="pk_…"></script>
// Options (data- attributes): key, api (API base URL; default this script's directory, so
// /_viatrack/viatrack.js on a first-party route reports to /_viatrack/v1/…), params (query
// parameters to read, e.g. "via,ref,aff"; default "via"), cookie-domain, consent-required,
// clean-url (remove the token parameters from the address bar after capture), gpc ("ignore"
// to not honour Global Privacy Control, which otherwise counts as consent not given), wasm
// (URL of tracker_bg.wasm; default next to this script).
// An organic page view (no token parameter, no viatrack cookie, nothing queued for delivery
// and no viatrack() call) loads nothing more than this file, sets no cookie and writes no
// storage; a referred one loads the wasm module (crates/tracker), nothing else: this file
// is its only glue (js/page.js, bundled in by scripts/shrink-tracker.mjs). API and types:
// viatrack.d.ts. Never throws into the page: without the module, convert resolves null,
// ready callbacks still run, referral and affiliate read null.
//
// Names that start with `$` are the module's import and export names: the build renames
// them to the module's minified names (scripts/shrink-tracker.mjs).
import { E, io, QUEUE } from '../crates/tracker/js/page.js';

const w = window;
const script = document.currentScript;
const attr = (name) => script && script.getAttribute('data-' + name);
const flag = (name) => attr(name) != null && attr(name) != 'false';
const here = (script && script.src) || location.href;
const url = (path) => new URL(path, here).href;
const attempt = (f) => {
  try {
    return f();
  } catch (e) {}
};
const options = (E.o = {
  key: attr('key'),
  api: attr('api') || url('.'),
  params: attr('params'),
  cookieDomain: attr('cookie-domain'),
  consentRequired:
    flag('consent-required') || (attr('gpc') != 'ignore' && attempt(() => navigator.globalPrivacyControl === true) == true),
  cleanUrl: flag('clean-url'),
});
let m; // the module's exports while it runs
let loading; // the module's load and start, once begun

// Whether this page view has anything to do before any viatrack() call: a token
// parameter in the URL, a viatrack cookie, or reports waiting in the delivery queue.
const referred = () =>
  attempt(() => {
    const query = new URLSearchParams(location.search);
    return (options.params || 'via').split(',').some((name) => name.trim() && query.has(name.trim()));
  }) ||
  attempt(() => /(^|;) ?viatrack_/.test(document.cookie)) ||
  attempt(() => localStorage.getItem(QUEUE) != null);

// Calls into the module, with a fresh list of the reports it starts (E.f, filled by
// js/page.js); whatever it throws stops it for this page.
const call = (f, fallback) => {
  if (m) {
    try {
      E.f = [];
      return f(m);
    } catch (e) {
      m = 0;
      console.debug('viatrack: tracker stopped', e);
    }
  }
  return fallback;
};

// A started fetch → [status, parsed JSON body]; status 0 when there was no answer
// (network failure, abort, nothing within 15 s). Never rejects.
const settle = (request) =>
  Promise.race([request, new Promise((r) => setTimeout(r, 15e3))])
    .then((res) => res.json().then((json) => [res.status, json], () => [res.status, null]))
    .catch(() => [0, null]);

// The reports a call started, flat [fetch, queue line, …]: their answers are applied in
// order (the module reads the line at E.l and the body at E.a).
const flights = async (list = []) => {
  const answers = [];
  for (let i = 0; i < list.length; i += 2) answers.push([settle(list[i]), list[i + 1]]);
  for (const [answer, line] of answers) {
    const [status, json] = await answer;
    call((t) => {
      E.l = line;
      E.a = json;
      t.$answered(status);
    });
  }
};
const started = (f) => call((t) => (f(t), E.f));

// Fetches, compiles and instantiates the wasm (streaming, or from the bytes when the
// server's Content-Type is not application/wasm), then runs the page's capture. Without
// WebAssembly (e.g. iOS Lockdown Mode) this fails like any other failure. Resolves when the
// capture has run and its answers are applied.
const wasm = attr('wasm') || url('tracker_bg.wasm');
const imports = { $module: { $io: io } };
const load = () =>
  (loading ||= Promise.resolve()
    .then(() =>
      WebAssembly.instantiateStreaming(fetch(wasm), imports).catch(() =>
        fetch(wasm)
          .then((r) => r.arrayBuffer())
          .then((bytes) => WebAssembly.instantiate(bytes, imports)),
      ),
    )
    .then(({ instance }) => {
      m = instance.exports;
      E.m = m.$memory;
      return flights(started((t) => t.$start()));
    })
    .catch((e) => {
      m = 0;
      console.debug('viatrack: tracker not loaded', e);
    }));

const run = async (command, arg) => {
  if (command == 'convert') {
    const flight = started((t) => {
      E.c = arg;
      t.$convert();
    });
    if (!flight || !flight[0]) return null;
    const [status, json] = await settle(flight[0]);
    return call((t) => {
      E.l = flight[1];
      E.a = json;
      return t.$converted(status) ? json.data : null;
    }, null);
  }
  if (command == 'consent') return flights(started((t) => t.$consent(!!arg)));
  if (command == 'ready' && typeof arg == 'function') {
    try {
      arg();
    } catch (e) {
      console.error(e);
    }
  }
};

// Every call runs after the module has loaded (the first call loads it) and after the
// previous call has finished; none rejects. Calls the page queued before this file ran
// (window.viatrack = window.viatrack || function(){…(viatrack.q = viatrack.q || []).push(arguments)})
// are replayed in order.
const queued = (typeof w.viatrack == 'function' && w.viatrack.q) || [];
let chain = Promise.resolve();
const live = (command, arg) => (chain = chain.then(load).then(() => run(command, arg)).catch(() => null));
// viatrack.referral and viatrack.affiliate: the held referral, [click ID, {id, token}].
['referral', 'affiliate'].forEach((name, i) =>
  attempt(() =>
    Object.defineProperty(live, name, {
      configurable: true,
      get: () => call((t) => (t.$held(), JSON.parse(E.r)[i]), null),
    }),
  ),
);
w.viatrack = live;
// A referred view starts loading the module at once.
if (!options.consentRequired && referred()) chain = load();
for (const a of queued) {
  const result = live(a[0], a[1]);
  if (a.r) a.r(result);
}
