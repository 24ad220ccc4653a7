// The page side of the tracker's one import, `io(op, ptr, len)` (crates/tracker/src/page.rs):
// every read and change of the page the wasm module makes goes through it, by operation number.
// The loader (www/viatrack.js) bundles this file; the module's browser tests import it as well.
//
// Text crosses as UTF-8 in the module's memory: the argument at (ptr, len). A text answer is
// kept here and its length returned (a JSON text as -2 - its length, nothing as -1); the
// module then asks for it (op 0) into a buffer of that length. Never throws: a failure (a getter or method that
// throws, no such object) returns NaN.
//
// E is the module's view of the world, the root of the paths op 1 reads: `w` the window, `o`
// the loader's options; per call `a` (an answer's parsed JSON body), `l` (its queue line), `c`
// (convert's data); `m` is the module's memory, `f` collects the reports an export starts
// (flat: fetch promise, queue line, …) and `r` takes the text an export gives back.
export const E = { w: self };
/** The localStorage key of the delivery queue (crates/tracker/src/queue.rs). */
export const QUEUE = 'viatrack_queue';

let kept; // the last text answer, UTF-8
const view = (p, n) => new Uint8Array(E.m.buffer, p, n);
const text = (p, n) => new TextDecoder().decode(view(p, n));
const keep = (s) => (s == null ? -1 : (kept = new TextEncoder().encode(s)).length);

const OPS = [
  // 0: the kept answer into (ptr, len)
  (p, n) => view(p, n).set(kept),
  // 1: the value at a dotted path from E ("w.location.search", "a.data.click_id"): a string's
  // length, or -2 - the length of any other value's JSON text (-1: undefined, a function)
  (p, n) => {
    const v = text(p, n).split('.').reduce((o, k) => o[k], E);
    return typeof v == 'string' ? keep(v) : -2 - keep(JSON.stringify(v));
  },
  // 2: the clock
  () => Date.now(),
  // 3: random bytes into (ptr, len)
  (p, n) => {
    crypto.getRandomValues(view(p, n));
  },
  // 4: document.cookie = text
  (p, n) => {
    document.cookie = text(p, n);
  },
  // 5: the delivery queue's new text ("": remove it)
  (p, n) => (n ? localStorage.setItem(QUEUE, text(p, n)) : localStorage.removeItem(QUEUE)),
  // 6: the address bar's new URL, no navigation
  (p, n) => history.replaceState(history.state, '', text(p, n)),
  // 7, 8: a log line
  (p, n) => console.debug(text(p, n)),
  (p, n) => console.error(text(p, n)),
  // 9: start a report, {u: URL, l: queue line, …RequestInit} as JSON
  (p, n) => {
    const { u, l, ...init } = JSON.parse(text(p, n));
    init.signal = AbortSignal.timeout?.(1e4);
    E.f.push(fetch(u, init), l);
  },
  // 10: the export's answer
  (p, n) => {
    E.r = text(p, n);
  },
];

export const io = (op, p, n) => {
  try {
    return OPS[op](p, n) ?? 0;
  } catch (e) {
    return NaN;
  }
};
