//! The page: every read and change of the browser goes through one import, `io(op, ptr, len)`,
//! implemented by `js/page.js` (which the loader bundles): read a value by its path (as text
//! or as a number), the clock, a random ID, write `document.cookie`, the delivery queue or
//! the address bar, log, start a report, give an export's answer back.
//!
//! Text crosses in the module's memory (to the page as UTF-8, from it as Unicode code points,
//! u32 each, so the module carries no UTF-8 validator), so the module needs no JS value
//! handles, no string conversion glue and no per-property bindings. Paths start at the loader's world
//! object: `w` the window (`w.document.cookie`, `w.location.search`), `o` the options, `a`
//! the answer being applied, `l` its queue line, `c` convert's data (see `js/page.js`).
//!
//! Nothing here throws: a getter that throws (`document.cookie` in a sandboxed frame,
//! `localStorage` with storage disabled, a hostile object) reads as [`Value::Threw`], and a
//! write that fails is ignored.

use alloc::string::String;
use alloc::vec;
use viatrack_core::Timestamp;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/js/page.js")]
extern "C" {
    /// The page's one entry point; `op` numbers are those of [`Op`] (`OPS` in js/page.js).
    fn io(op: u32, ptr: *mut u8, len: usize) -> f64;
}

/// The operations of `io`, in the order of js/page.js's table.
#[derive(Clone, Copy)]
enum Op {
    Read,
    Get,
    Now,
    Random,
    Cookie,
    Store,
    Url,
    Debug,
    Fetch,
    Out,
    Number,
}

fn call(op: Op, arg: &[u8]) -> f64 {
    // The page only reads the argument.
    io(op as u32, arg.as_ptr().cast_mut(), arg.len())
}

/// What a path holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string.
    Text(String),
    /// Anything else that has a JSON form, as that JSON text (`true`, `3600`, `null`, `{…}`).
    Json(String),
    /// `undefined` (or a function).
    Undefined,
    /// Reading it threw, or its JSON form could not be made (a cycle, a BigInt).
    Threw,
}

/// The value at `path` (see the module docs).
#[inline(never)]
pub fn get(path: &str) -> Value {
    answer_of(call(Op::Get, path.as_bytes()))
}

/// Reads the answer the page kept, as the number `n` of its first call describes it.
fn answer_of(n: f64) -> Value {
    if n.is_nan() {
        return Value::Threw;
    }
    if n == -1.0 {
        return Value::Undefined;
    }
    let text = n >= 0.0;
    // The answer comes as Unicode code points (u32 each), not UTF-8: a String built from
    // chars needs no UTF-8 validator in the module (`String::from_utf8`, about 700 B). A
    // lone surrogate (not a char) becomes U+FFFD, as `TextEncoder` makes it.
    // `as` saturates; the page never answers more than it kept.
    let mut points = vec![0u32; if text { n } else { -2.0 - n } as usize];
    io(Op::Read as u32, points.as_mut_ptr().cast(), points.len());
    let s = points.iter().map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER)).collect();
    if text {
        Value::Text(s)
    } else {
        Value::Json(s)
    }
}

/// The string at `path`, if it is one.
#[inline(never)]
pub fn text(path: &str) -> Option<String> {
    match get(path) {
        Value::Text(s) => Some(s),
        _ => None,
    }
}

/// The string at `path`, or `""` when it is not a string (for the many reads where an empty
/// string and none mean the same: an ID or token that does not parse, no cookie, no queue).
#[inline(never)]
pub fn string(path: &str) -> String {
    text(path).unwrap_or_default()
}

/// The number at `path`: a number as it is, `true` 1, `false` 0; NaN for anything else
/// (read as a number by the page, not as JSON text).
pub fn number(path: &str) -> f64 {
    call(Op::Number, path.as_bytes())
}

/// Whether `path` holds `true` (or the number 1).
pub fn is_true(path: &str) -> bool {
    number(path) == 1.0
}

/// `path` + `name` (paths are built from a prefix such as `a.data.`).
pub fn join(path: &str, name: &str) -> String {
    let mut p = String::from(path);
    p.push_str(name);
    p
}

/// The string at `path` + `name`, or `""` when it is not a string.
#[inline(never)]
pub fn text_at(path: &str, name: &str) -> String {
    string(&join(path, name))
}

/// `console.debug("viatrack:", msg)` (hidden in devtools by default): the tracker's only log.
pub fn debug(msg: &str) {
    call(Op::Debug, msg.as_bytes());
}

/// `document.cookie`, or `""` when cookies are not available to the page.
pub fn cookie() -> String {
    string("w.document.cookie")
}

/// `document.cookie = line` (one `Set-Cookie`-style line).
pub fn set_cookie(line: &str) {
    call(Op::Cookie, line.as_bytes());
}

/// `location[part]`: `href`, `search`, `origin`, `pathname`, `hostname`, `hash`,
/// `protocol`; `""` when unavailable.
pub fn location(part: &str) -> String {
    text_at("w.location.", part)
}

/// `document.referrer` (`""` when there is none).
pub fn referrer() -> String {
    string("w.document.referrer")
}

/// Whether the page is served over https (cookies then get `Secure`).
pub fn is_https() -> bool {
    location("protocol") == "https:"
}

/// Where the delivery queue's stored text is (`localStorage.viatrack_queue`).
pub const QUEUE: &str = "w.localStorage.viatrack_queue";

/// The delivery queue's stored text; `None` when there is none or storage is unavailable.
pub fn queue() -> Option<String> {
    text(QUEUE)
}

/// Stores the delivery queue's text (`localStorage.setItem`), or removes it when `text` is
/// empty; ignores failure (quota, disabled storage).
pub fn set_queue(text: &str) {
    call(Op::Store, text.as_bytes());
}

/// Replaces the address bar's URL (`history.replaceState(history.state, "", url)`), with no
/// navigation; ignored when the browser refuses (another origin, no history).
pub fn replace_url(url: &str) {
    call(Op::Url, url.as_bytes());
}

/// Starts the report of queue line `line` through the page's one request builder
/// (js/page.js `send`, see [`crate::net`]), which keeps the answer's promise with the line for
/// the loader.
pub fn fetch(line: &str) {
    call(Op::Fetch, line.as_bytes());
}

/// Gives an export's answer (a JSON text) back to the loader.
pub fn answer(json: &str) {
    call(Op::Out, json.as_bytes());
}

/// The current time (`Date.now()`).
pub fn now() -> Timestamp {
    // `as` saturates; Timestamp clamps to its range.
    Timestamp::from_unix_ms(call(Op::Now, &[]) as i64)
}

/// A new random ID body: 32 lower-case hex digits of 16 bytes from the browser's
/// `crypto.getRandomValues` (written by the page); `""` without it (an ID that does not
/// parse, so nothing is reported).
pub fn random_hex() -> String {
    match answer_of(call(Op::Random, &[])) {
        Value::Text(hex) => hex,
        _ => String::new(),
    }
}

/// A new random ID: `prefix` + [`random_hex`] (parse it into its ID type).
pub fn new_id(prefix: &str) -> String {
    let mut id = String::from(prefix);
    id.push_str(&random_hex());
    id
}

/// Whether `url` is an absolute http(s) URL (by its scheme; the browser produced it).
pub fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}
