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
// storage. API and types: viatrack.d.ts. Never throws into the page: without the module,
// convert resolves null, ready callbacks still run, referral and affiliate read null.
((w) => {
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
  const options = {
    key: attr('key'),
    api: attr('api') || url('.'),
    params: attr('params'),
    cookieDomain: attr('cookie-domain'),
    consentRequired:
      flag('consent-required') || (attr('gpc') != 'ignore' && attempt(() => navigator.globalPrivacyControl === true) == true),
    cleanUrl: flag('clean-url'),
  };
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
    attempt(() => localStorage.getItem('viatrack_queue') != null);

  // Calls into the module; whatever it throws stops it for this page.
  const call = (f, fallback) => {
    if (m) {
      try {
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

  // Reports in flight, flat [fetch, queue line, …]: answers are applied in order.
  const flights = async (list = []) => {
    const answers = [];
    for (let i = 0; i < list.length; i += 2) answers.push([settle(list[i]), list[i + 1]]);
    for (const [answer, line] of answers) {
      const [status, json] = await answer;
      call((t) => t.answered(options, line, status, json));
    }
  };

  // The glue and the wasm load in parallel; the wasm is compiled here (streaming, or from
  // the bytes when the server's Content-Type is not application/wasm) and instantiated by
  // the glue. Without WebAssembly (e.g. iOS Lockdown Mode) this rejects like any other
  // failure. Resolves when the page's capture has run and its answers are applied.
  const wasm = attr('wasm') || url('tracker_bg.wasm');
  const load = () =>
    (loading ||= Promise.resolve()
      .then(() => Promise.all([
        import(url('tracker.js')),
        WebAssembly.compileStreaming(fetch(wasm)).catch(() =>
          fetch(wasm).then((r) => r.arrayBuffer()).then((bytes) => WebAssembly.compile(bytes))),
      ]))
      .then(async ([t, module]) => {
        t.initSync({ module });
        m = t;
        await flights(call((t) => t.start(options)));
      })
      .catch((e) => {
        m = 0;
        console.debug('viatrack: tracker not loaded', e);
      }));

  const run = async (command, arg) => {
    if (command == 'convert') {
      const flight = call((t) => t.convert(options, arg));
      if (!flight) return null;
      const [status, json] = await settle(flight[0]);
      return call((t) => t.converted(flight[1], status, json), null);
    }
    if (command == 'consent') return flights(call((t) => t.consent(options, !!arg)));
    if (command == 'ready' && typeof arg == 'function') {
      try {
        arg();
      } catch (e) {
        console.error(e);
      }
    }
  };

  const props = (f) => {
    for (const name of ['referral', 'affiliate']) {
      attempt(() => Object.defineProperty(f, name, { configurable: true, get: () => call((t) => t[name](), null) }));
    }
  };

  // Every call runs after the module has loaded (the first call loads it) and after the
  // previous call has finished; none rejects. Calls the page queued before this file ran
  // (window.viatrack = window.viatrack || function(){…(viatrack.q = viatrack.q || []).push(arguments)})
  // are replayed in order.
  const queued = (typeof w.viatrack == 'function' && w.viatrack.q) || [];
  let chain = Promise.resolve();
  const live = (command, arg) => (chain = chain.then(load).then(() => run(command, arg)).catch(() => null));
  props(live);
  w.viatrack = live;
  if (!options.consentRequired && referred()) chain = chain.then(load);
  for (const a of queued) {
    const result = live(a[0], a[1]);
    if (a.r) a.r(result);
  }
})(window);
