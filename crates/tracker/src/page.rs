//! The page: `document`, `location`, `localStorage`, `fetch`, the clock, `JSON` and the
//! console, reached through `globalThis` with `Reflect` and `Function.prototype.call`.
//!
//! Going through four generic imports (`Reflect.get`, `Reflect.set`, `call` with one and
//! two arguments) instead of one typed web-sys binding per property keeps the JS glue small
//! (every binding adds a wrapper to it). All of them catch JS exceptions, so nothing here
//! throws: `document.cookie`, `location.*` and `localStorage` throw in sandboxed frames or
//! with storage disabled, and then read as empty / `None`.

use alloc::string::String;
use js_sys::{Function, Reflect};
use viatrack_core::Timestamp;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `globalThis` (the window), as `globalThis.valueOf()`: an import function is smaller
    /// than a `thread_local_v2` static (no lazy cell in the module).
    #[wasm_bindgen(js_namespace = globalThis, js_name = valueOf)]
    pub fn global() -> JsValue;
}

/// `target[key]`, or `undefined` when `target` is not an object or the getter throws.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key] = value` for a string value.
pub fn set_str(target: &JsValue, key: &str, value: &str) {
    set(target, key, &JsValue::from_str(value));
}

/// `target[key]` if it is a string.
pub fn get_string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// `target[key] = value` (setters run), ignoring failure.
pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `target[method](arg)`; `Err` if it is not a function or throws.
pub fn call1(target: &JsValue, method: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    get(target, method).unchecked_into::<Function>().call1(target, arg)
}

/// `target[method](a, b)`; `Err` if it is not a function or throws.
pub fn call2(target: &JsValue, method: &str, a: &JsValue, b: &JsValue) -> Result<JsValue, JsValue> {
    get(target, method).unchecked_into::<Function>().call2(target, a, b)
}

/// Replaces the address bar's URL (`history.replaceState(history.state, "", url)`), with no
/// navigation; ignored when the browser refuses (another origin, no history).
pub fn replace_url(url: &str) {
    let history = global_get("history");
    let _ = get(&history, "replaceState").unchecked_into::<Function>().call3(
        &history,
        &get(&history, "state"),
        &JsValue::from_str(""),
        &JsValue::from_str(url),
    );
}

/// `globalThis[name]`: `document`, `location`, `localStorage`, …
pub fn global_get(name: &str) -> JsValue {
    get(&global(), name)
}

/// `console.debug(msg)` (hidden in devtools by default): the tracker's only routine log.
pub fn debug(msg: &str) {
    let _ = call1(&global_get("console"), "debug", &JsValue::from_str(msg));
}

/// `console.error(msg)`, used once by the panic hook.
pub fn error(msg: &str) {
    let _ = call1(&global_get("console"), "error", &JsValue::from_str(msg));
}

/// `document.cookie`, or `None` when cookies are not available to the page.
pub fn cookie() -> Option<String> {
    get_string(&global_get("document"), "cookie")
}

/// `document.cookie = line` (one `Set-Cookie`-style line).
pub fn set_cookie(line: &str) {
    set(&global_get("document"), "cookie", &JsValue::from_str(line));
}

/// `document.referrer` (`""` when there is none).
pub fn referrer() -> String {
    get_string(&global_get("document"), "referrer").unwrap_or_default()
}

/// `location[part]`: `href`, `search`, `origin`, `pathname`, `hostname`, `protocol`;
/// `""` when unavailable.
pub fn location(part: &str) -> String {
    get_string(&global_get("location"), part).unwrap_or_default()
}

/// Whether the page is served over https (cookies then get `Secure`).
pub fn is_https() -> bool {
    location("protocol") == "https:"
}

/// `localStorage.getItem(key)`; `None` when missing or storage is unavailable.
pub fn storage_get(key: &str) -> Option<String> {
    call1(&global_get("localStorage"), "getItem", &JsValue::from_str(key)).ok()?.as_string()
}

/// `localStorage.setItem(key, value)`, ignoring failure (quota, disabled storage).
pub fn storage_set(key: &str, value: &str) {
    let _ = call2(&global_get("localStorage"), "setItem", &JsValue::from_str(key), &JsValue::from_str(value));
}

/// `localStorage.removeItem(key)`, ignoring failure.
pub fn storage_remove(key: &str) {
    let _ = call1(&global_get("localStorage"), "removeItem", &JsValue::from_str(key));
}

/// `JSON.stringify(value)`; `None` when it throws (cycles, BigInt) or gives no text.
pub fn stringify(value: &JsValue) -> Option<String> {
    call1(&global_get("JSON"), "stringify", value).ok()?.as_string()
}

/// `JSON.parse(text)`; `None` when it throws.
pub fn parse(text: &str) -> Option<JsValue> {
    call1(&global_get("JSON"), "parse", &JsValue::from_str(text)).ok()
}

/// The current time (`Date.now()`).
pub fn now() -> Timestamp {
    // `as` saturates; Timestamp clamps to its range.
    Timestamp::from_unix_ms(js_sys::Date::now() as i64)
}

/// Whether `url` is an absolute http(s) URL (by its scheme; the browser produced it).
pub fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}
