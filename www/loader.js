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
// An organic page view (no token parameter, no viatrack cookie, nothing queued for delivery)
// loads nothing more and sets no cookie, whatever it calls but `convert`: `ready` answers at
// once, `referral` and `affiliate` read null. A referred one loads the wasm module
// (crates/tracker) and nothing else: js/page.js is its only glue and its one request builder.
//
// The fast path: when the URL has a token, consent is not required, a key is set and nothing
// is queued, the click report leaves in the same tick, before the wasm is fetched. The
// loader builds its body (token: the first non-empty configured parameter, lower case; url;
// referrer; visitor ID; a new report ID), stores it in the delivery queue's own line format
// and sends it; it validates nothing. The module, once started, rebuilds the report by
// core's rules: it adopts the loader's line and in-flight answer when they agree, and
// otherwise replaces the line and sends its own report with the same report ID, which the
// Worker records once (crates/tracker/src/track.rs).
//
// Never throws into the page, and no promise hangs: whatever throws (storage, cookies,
// fetch, WebAssembly missing or refusing), ready callbacks run, convert resolves null.
//
// Names that start with `$` are the module's import and export names: the build renames
// them to the module's minified names (scripts/shrink-tracker.mjs).
import { E, capture, hex, io, QUEUE, send, setup } from '../crates/tracker/js/page.js';

export function start(data, here, queued = []) {
  const attempt = (f) => {
    try {
      return f();
    } catch (e) {}
  };
  setup(data, here);
  // Nothing is stored or sent before viatrack('consent', true): data-consent-required (unless
  // "false"), or Global Privacy Control unless data-gpc="ignore" (required too when that
  // cannot be read).
  const consentRequired = (E.q =
    attempt(
      () => (data.consentRequired ?? 'false') != 'false' || (data.gpc != 'ignore' && navigator.globalPrivacyControl === true),
    ) ?? true);
  let m; // the module's exports while it runs
  let loading; // the module's load and start, once begun
  let fast = []; // the fast path's click report, [answer, queue line]
  // The referral of the last lead answer, [click ID, {id, token}]: viatrack.referral and
  // viatrack.affiliate when the page holds no cookie.
  let lead = [];

  // Whether this page view has anything to do: a token parameter in the URL, a viatrack
  // cookie (the script's, or the Worker's marker next to its HttpOnly cookie), or reports
  // waiting in the delivery queue (the cookie and storage reads throw where they are
  // disabled). On the fast path, the click report is stored and sent at once.
  const referred = attempt(() => {
    capture(data.params);
    const cookie = attempt(() => document.cookie) || '';
    const queue = attempt(() => localStorage.getItem(QUEUE));
    const token = E.t.find((v) => v);
    attempt(() => {
      const referrer = document.referrer;
      if (token && !consentRequired && E.n && queue == null) {
        const line =
          Date.now() +
          ' c ' +
          JSON.stringify({
            token: token.toLowerCase(),
            url: location.href,
            referrer: /^https?:\/\//.test(referrer) ? referrer : undefined,
            visitor_id: /viatrack_vid=(vis_[0-9a-f]{32})/.exec(cookie)?.[1] || 'vis_' + hex(),
            report_id: 'rpt_' + hex(),
          });
        attempt(() => localStorage.setItem(QUEUE, line));
        E.f = fast;
        send((E.k = line));
      }
    });
    return E.x || /(^|;) ?viatrack_/.test(cookie) || queue != null;
  });

  // The module stops for this page: it could not load, or a call into it threw.
  const stop = (e) => {
    m = 0;
    attempt(() => console.debug('viatrack:', e));
  };

  // Calls into the module, with a fresh list of the reports it starts (E.f, filled by
  // js/page.js's send); whatever it throws stops it for this page.
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
  const flights = async (list) => {
    let out;
    for (const [answer, line] of list || []) {
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

  // Fetches and instantiates the wasm (data-wasm, else __VIATRACK_WASM__ next to the loader:
  // the build defines it, the content-hashed name for the tag, tracker_bg.wasm for the npm
  // package; scripts/shrink-tracker.mjs) from its bytes, so any Content-Type works, then runs
  // the page's capture, with the fast path's report first. Without WebAssembly (e.g. iOS
  // Lockdown Mode) this fails like any other failure. Resolves when the capture has run and
  // its answers are applied; never rejects.
  const load = () =>
    (loading ||= new Promise((ok) => ok(fetch(data.wasm || new URL(__VIATRACK_WASM__, here))))
      .then((r) => r.arrayBuffer())
      .then((bytes) => WebAssembly.instantiate(bytes, { $module: { $io: io } }))
      .then(({ instance }) => {
        m = instance.exports;
        E.m = m.$memory;
        return flights(fast.concat(started((t) => t.$start()) || []));
      })
      .catch(stop));

  const run = async (command, arg) => {
    if (command == 'convert') {
      const r = await flights(
        started((t) => {
          E.c = arg;
          t.$convert();
        }),
      );
      // (The lead's answer names no link: the token is then unknown.)
      if (r) lead = [r.id, { id: r.affiliate_id }];
      return r ?? null;
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

  // Every call runs after the previous call has finished, and after the module has loaded
  // when the page view needs it (referred, or a convert); none rejects. Calls the page queued
  // before this file ran
  // (window.viatrack = window.viatrack || function(){…(viatrack.q = viatrack.q || []).push(arguments)})
  // are replayed in order.
  let chain = Promise.resolve();
  const live = (command, arg) =>
    (chain = chain
      .then(() => (referred || command == 'convert') && load())
      .then(() => run(command, arg))
      .catch(() => null));
  // viatrack.referral and viatrack.affiliate: the held referral, [click ID, {id, token}] from
  // its cookie value (1.<click ID>.<affiliate ID>.<token>.…), or else the last lead answer's.
  const held = (i) => ({
    get: () => {
      const [, ref, id, token] = call((t) => (t.$held(), E.r.split('.')), []);
      return (ref ? [ref, { id, token }] : lead)[i] ?? null;
    },
  });
  Object.defineProperties(live, { referral: held(0), affiliate: held(1) });
  // A referred view starts loading the module at once.
  if (!consentRequired && referred) chain = load();
  // (Each is an arguments object or a [command, arg] list; `r`, when there, takes the promise.)
  for (const a of queued || []) {
    const result = live(...a);
    a.r?.(result);
  }
  return live;
}
