/*! viatrack loader · MIT OR Apache-2.0 */
// <script async src="https://…/viatrack.js" data-key="pk_…"></script>
// Options (data- attributes): key, api (API origin; default this script's origin), params
// (query parameters to read, e.g. "via,ref,aff"; default "via"), cookie-domain,
// consent-required, wasm (URL of tracker_bg.wasm; default next to this script).
// Types: viatrack.d.ts. Never throws into the page: without the module, convert resolves
// null, ready callbacks still run, referral and affiliate read null.
(function (w, d) {
  var script = d.currentScript;
  var attr = function (name) {
    return script ? script.getAttribute('data-' + name) : null;
  };
  var here = (script && script.src) || location.href;
  var url = function (path) {
    return new URL(path, here).href;
  };
  var consentRequired = attr('consent-required');
  var options = {
    key: attr('key'),
    api: attr('api') || new URL(here).origin,
    params: attr('params'),
    cookieDomain: attr('cookie-domain'),
    consentRequired: consentRequired != null && consentRequired != 'false'
  };
  var m; // the module's exports once it runs; 0 after it failed
  var live; // the dispatcher, once the queue is replayed

  // Calls into the module; anything it throws disables it for the page.
  var call = function (f, fallback) {
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

  // A started fetch → [status, parsed JSON body], status 0 for no answer (network failure,
  // abort, 15 s without an answer). Never rejects.
  var settle = function (request) {
    return Promise.race([request, new Promise(function (r) { setTimeout(r, 15e3); })])
      .then(function (res) {
        return res.json().then(function (json) {
          return [res.status, json];
        }, function () {
          return [res.status, null];
        });
      })
      .then(null, function () {
        return [0, null];
      });
  };

  // Click reports in flight ([[fetch, queue line], …]): answers applied in order.
  var flights = function (list) {
    var done = Promise.resolve();
    (list || []).forEach(function (flight) {
      var answer = settle(flight[0]);
      done = done.then(function () {
        return answer;
      }).then(function (a) {
        call(function (t) {
          t.clicked(options, flight[1], a[0], a[1]);
        });
      });
    });
    return done;
  };

  var run = function (command, arg) {
    if (command == 'convert') {
      var request = call(function (t) {
        return t.convert(options, arg);
      });
      return request ? settle(request).then(function (a) {
        return call(function (t) {
          return t.converted(a[0], a[1]);
        }, null);
      }) : null;
    }
    if (command == 'consent') {
      return flights(call(function (t) {
        return t.consent(options, !!arg);
      }));
    }
    if (command == 'ready' && typeof arg == 'function') {
      try {
        arg();
      } catch (e) {
        console.error(e);
      }
    }
  };

  var props = function (f) {
    ['referral', 'affiliate'].forEach(function (name) {
      try {
        Object.defineProperty(f, name, {
          configurable: true,
          get: function () {
            return call(function (t) {
              return t[name]();
            }, null);
          }
        });
      } catch (e) {}
    });
  };

  // Until the module runs, calls are queued (the page's own snippet may have queued some
  // already: window.viatrack = window.viatrack || function(){(viatrack.q = viatrack.q || []).push(arguments)}).
  if (typeof w.viatrack != 'function') {
    w.viatrack = function () {
      var a = arguments;
      if (live) return live.apply(null, a);
      return new Promise(function (resolve) {
        a.r = resolve;
        (w.viatrack.q = w.viatrack.q || []).push(a);
      });
    };
  }
  props(w.viatrack);

  // Every call runs after the previous one has finished; the result never rejects.
  var chain = import(url('tracker.js'))
    .then(function (t) {
      return t.default({ module_or_path: attr('wasm') || url('tracker_bg.wasm') }).then(function () {
        m = t;
        return flights(call(function (t) {
          return t.start(options);
        }));
      });
    })
    .then(null, function (e) {
      m = 0;
      console.debug('viatrack: tracker not loaded', e);
    })
    .then(function () {
      var queued = w.viatrack.q || [];
      live = function (command, arg) {
        var result = chain.then(function () {
          return run(command, arg);
        }).then(null, function () {
          return null;
        });
        chain = result;
        return result;
      };
      props(live);
      w.viatrack = live;
      queued.forEach(function (a) {
        var result = live(a[0], a[1]);
        if (a.r) a.r(result);
      });
    });
})(window, document);
