// viatrack loader (MIT OR Apache-2.0)
// <script async src="https://…/viatrack.js" data-key="pk_…"></script>
// Options (data- attributes): key, api (API origin; default this script's origin), params
// (query parameters to read, e.g. "via,ref,aff"; default "via"), cookie-domain,
// consent-required, wasm (URL of tracker_bg.wasm; default next to this script).
// API and types: viatrack.d.ts. Never throws into the page: without the module, convert
// resolves null, ready callbacks still run, referral and affiliate read null.
((w) => {
  const script = document.currentScript;
  const attr = (name) => script && script.getAttribute('data-' + name);
  const here = (script && script.src) || location.href;
  const url = (path) => new URL(path, here).href;
  const consentRequired = attr('consent-required');
  const options = {
    key: attr('key'),
    api: attr('api') || new URL(here).origin,
    params: attr('params'),
    cookieDomain: attr('cookie-domain'),
    consentRequired: consentRequired != null && consentRequired != 'false',
  };
  let m; // the module's exports while it runs
  let live; // the dispatcher, once the queue is replayed

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

  // Click reports in flight, flat [fetch, queue line, …]: answers are applied in order.
  const flights = async (list = []) => {
    const answers = [];
    for (let i = 0; i < list.length; i += 2) answers.push([settle(list[i]), list[i + 1]]);
    for (const [answer, line] of answers) {
      const [status, json] = await answer;
      call((t) => t.clicked(options, line, status, json));
    }
  };

  const run = async (command, arg) => {
    if (command == 'convert') {
      const request = call((t) => t.convert(options, arg));
      if (!request) return null;
      const [status, json] = await settle(request);
      return call((t) => t.converted(status, json), null);
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
      try {
        Object.defineProperty(f, name, { configurable: true, get: () => call((t) => t[name](), null) });
      } catch (e) {}
    }
  };

  // Until the module runs, calls are queued (the page's snippet may have queued some:
  // window.viatrack = window.viatrack || function(){(viatrack.q = viatrack.q || []).push(arguments)}).
  if (typeof w.viatrack != 'function') {
    w.viatrack = function (...a) {
      if (live) return live(...a);
      return new Promise((resolve) => {
        a.r = resolve;
        (w.viatrack.q = w.viatrack.q || []).push(a);
      });
    };
  }
  props(w.viatrack);

  // The glue and the wasm load in parallel; the wasm is compiled here (streaming, or from
  // the bytes when the server's Content-Type is not application/wasm) and instantiated by
  // the glue. Without WebAssembly (e.g. iOS Lockdown Mode) this rejects like any other
  // failure. Every call runs after the previous one has finished; none rejects.
  const wasm = attr('wasm') || url('tracker_bg.wasm');
  let chain = Promise.resolve()
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
    })
    .then(() => {
      const queued = w.viatrack.q || [];
      live = (command, arg) => (chain = chain.then(() => run(command, arg)).catch(() => null));
      props(live);
      w.viatrack = live;
      for (const a of queued) {
        const result = live(a[0], a[1]);
        if (a.r) a.r(result);
      }
    });
})(window);
