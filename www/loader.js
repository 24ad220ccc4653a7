// viatrack's loader logic (MIT OR Apache-2.0), shared by the script tag (www/viatrack.js) and
// the npm package (packages/viatrack): one implementation. `start(data, here, queued)` runs
// it for this page and answers the `viatrack` function (with `referral` and `affiliate`).
//
//   data    the options, by the tag's data- attribute names in camel case: key, api, params,
//           cookieDomain, consentRequired, cleanUrl, gpc, wasm (the module reads them at E.o:
//           crates/tracker/src/config.rs)
//   here    the URL the default API base and wasm URL are relative to (the script's URL)
//   queued  calls made before start: [command, arg] lists, each with an optional `r` that
//           receives the call's promise
//
// An organic page view (no token parameter, no viatrack cookie, nothing queued for delivery
// and no viatrack() call) loads nothing more and sets no cookie; a referred one loads the wasm
// module (crates/tracker) and nothing else: js/page.js is its only glue. Never throws into the
// page: without the module, convert resolves null, ready callbacks still run, referral and
// affiliate read null.
//
// Names that start with `$` are the module's import and export names: the build renames
// them to the module's minified names (scripts/shrink-tracker.mjs).
import { E, io, QUEUE } from '../crates/tracker/js/page.js';

export function start(data, here, queued = []) {
  // The options, which the module reads at E.o, and the URL it takes the default API base from.
  E.o = data;
  E.b = here;
  const attempt = (f) => {
    try {
      return f();
    } catch (e) {}
  };
  // Nothing is stored or sent before viatrack('consent', true): data-consent-required (unless
  // "false"), or Global Privacy Control unless data-gpc="ignore".
  const consentRequired = (E.q =
    (data.consentRequired ?? 'false') != 'false' ||
    (data.gpc != 'ignore' && navigator.globalPrivacyControl === true));
  let m; // the module's exports while it runs
  let loading; // the module's load and start, once begun

  // Whether this page view has anything to do before any viatrack() call: a token
  // parameter in the URL, a viatrack cookie, or reports waiting in the delivery queue (the
  // cookie and storage reads throw where they are disabled).
  const referred = () =>
    attempt(
      () =>
        (data.params || 'via').split(',').some((name) => new URLSearchParams(location.search).has(name.trim())) ||
        /(^|;) ?viatrack_/.test(document.cookie) ||
        localStorage.getItem(QUEUE) != null,
    );

  // The module stops for this page: it could not load, or a call into it threw.
  const stop = (e) => {
    m = 0;
    console.debug('viatrack:', e);
  };

  // Calls into the module, with a fresh list of the reports it starts (E.f, filled by
  // js/page.js); whatever it throws stops it for this page.
  const call = (f, fallback) => {
    if (m) {
      try {
        E.f = [];
        return f(m);
      } catch (e) {
        stop(e);
      }
    }
    return fallback;
  };

  // The reports a call started, [answer, queue line] each (js/page.js): their answers are
  // applied in order (the module reads the line at E.l and the body at E.a). Resolves what the
  // last one gives convert: the referral of a lead report's answer, or null.
  const flights = async (list = []) => {
    let out;
    for (const [answer, line] of list) {
      const [status, json] = await answer;
      out = call((t) => {
        E.l = line;
        E.a = json;
        return t.$answered(status) ? json.data : null;
      });
    }
    return out;
  };
  const started = (f) => call((t) => (f(t), E.f));

  // Fetches and instantiates the wasm (from its bytes, so any Content-Type works), then runs
  // the page's capture. Without WebAssembly (e.g. iOS Lockdown Mode) this fails like any other
  // failure. Resolves when the capture has run and its answers are applied.
  const load = () =>
    (loading ||= fetch(data.wasm || new URL('tracker_bg.wasm', here))
      .then((r) => r.arrayBuffer())
      .then((bytes) => WebAssembly.instantiate(bytes, { $module: { $io: io } }))
      .then(({ instance }) => {
        m = instance.exports;
        E.m = m.$memory;
        return flights(started((t) => t.$start()));
      })
      .catch(stop));

  const run = async (command, arg) => {
    if (command == 'convert') {
      return (
        (await flights(
          started((t) => {
            E.c = arg;
            t.$convert();
          }),
        )) ?? null
      );
    }
    if (command == 'consent') await flights(started((t) => t.$consent(!!arg)));
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
  let chain = Promise.resolve();
  const live = (command, arg) => (chain = chain.then(load).then(() => run(command, arg)).catch(() => null));
  // viatrack.referral and viatrack.affiliate: the held referral, [click ID, {id, token}].
  const held = (i) => ({ get: () => call((t) => (t.$held(), JSON.parse(E.r)[i]), null) });
  Object.defineProperties(live, { referral: held(0), affiliate: held(1) });
  // A referred view starts loading the module at once.
  if (!consentRequired && referred()) chain = load();
  // (Each is an arguments object or a [command, arg] list; `r`, when there, takes the promise.)
  for (const a of queued) {
    const result = live(...a);
    a.r?.(result);
  }
  return live;
}
