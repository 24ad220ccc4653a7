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
// the script tag's data- attributes, `b` the loader script's URL, `q` whether consent is
// required; per call `a` (an answer's parsed JSON body), `l` (its queue line), `c`
// (convert's data); `m` is the module's memory, `f` collects the reports an export starts
// ([answer, queue line] each, see `settle`) and `r` takes the text an export gives back.
export const E = { w: self };
/** The localStorage key of the delivery queue (crates/tracker/src/queue.rs). */
export const QUEUE = 'viatrack_queue';

// A started fetch → [status, parsed JSON body (undefined when there is none)]; status 0 when
// there was no answer (network failure, or aborted after 10 s). Never rejects.
const settle = (request) =>
  request.then((res) => res.json().then((json) => [res.status, json], () => [res.status])).catch(() => [0]);

let kept; // the last text answer, as code points
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
        (v = a.split('.').reduce((o, k) => o[k], E)) => (typeof v == 'string' ? keep(v) : -2 - keep(JSON.stringify(v))),
        // 2: the clock
        Date.now,
        // 3: random bytes into (ptr, len)
        () => crypto.getRandomValues(view(p, n)),
        // 4: document.cookie = text
        () => (document.cookie = a),
        // 5: the delivery queue's new text ("": remove it)
        () => (n ? localStorage.setItem(QUEUE, a) : localStorage.removeItem(QUEUE)),
        // 6: the address bar's new URL, no navigation
        () => history.replaceState(history.state, '', a),
        // 7: a log line
        () => console.debug(a),
        // 8: start a report, {u: URL, l: queue line, …RequestInit} as JSON; 10 s to answer
        // where the browser has AbortSignal.timeout (Safari 16+, Chrome 103+, Firefox 100+;
        // without it the report waits for its answer, and stays queued until then)
        ({ u, l, ...init } = JSON.parse(a)) => {
          init.signal = AbortSignal.timeout?.(1e4);
          E.f.push([settle(fetch(u, init)), l]);
        },
        // 9: the export's answer
        () => (E.r = a),
      ][op]() ?? 0
    );
  } catch (e) {
    return NaN;
  }
};
