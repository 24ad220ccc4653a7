//! Reports to the Worker: `POST {api}{path}` with a JSON body (or a `GET`), the publishable
//! key, and `keepalive` so a report survives the page navigating away. Same-site reports
//! carry the visitor's cookies (`credentials: "include"`), so the Worker can set and read its
//! `HttpOnly` referral cookie.
//!
//! The module starts requests and judges their outcome; it does not await them. The loader
//! awaits the `fetch` promise, reads the status and the JSON body (status `0` for a network
//! failure or timeout) and hands both back ([`Outcome::of`]). This keeps async machinery
//! (executor, closures) out of the module, which keeps it small, and every call into it
//! synchronous, so the loader can catch anything that goes wrong.

use crate::config::Config;
use crate::page;
use alloc::string::String;
use js_sys::Object;
use wasm_bindgen::JsValue;

/// A report not answered within this many milliseconds is aborted (and kept for retry).
pub const TIMEOUT_MS: u32 = 10_000;

/// Largest body sent with `keepalive`, in bytes (browsers refuse keepalive bodies over
/// 64 KiB in flight); a larger lead report goes without it.
pub const KEEPALIVE_MAX_BODY: usize = 60_000;

/// Starts `POST {api}{path}` with `body` (JSON text), or `GET {api}{path}` when `body` is
/// `None`: `Content-Type: application/json` (with a body), `Authorization: Bearer <key>`,
/// `keepalive`, `credentials: "include"` when the API is on the page's site, and a
/// [`TIMEOUT_MS`] abort signal where the browser has `AbortSignal.timeout`. Returns the
/// pending `fetch` promise (a rejected one on network failure), or `undefined` when `fetch`
/// could not be called.
pub fn send(cfg: &Config, path: &str, body: Option<&str>) -> JsValue {
    let init = Object::new();
    let headers = Object::new();
    let mut auth = String::from("Bearer ");
    auth.push_str(&cfg.key);
    page::set_str(&headers, "Authorization", &auth);
    if let Some(body) = body {
        page::set_str(&init, "method", "POST");
        page::set_str(&headers, "Content-Type", "application/json");
        page::set_str(&init, "body", body);
    }
    page::set(&init, "headers", &headers);
    // A RequestInit dictionary; web-sys 0.3.107 has no keepalive setter, Reflect sets it.
    page::set(&init, "keepalive", &JsValue::from_bool(body.map_or(0, str::len) <= KEEPALIVE_MAX_BODY));
    if cfg.first_party {
        page::set_str(&init, "credentials", "include");
    }
    let signal = page::call1(&page::global_get("AbortSignal"), "timeout", &JsValue::from(TIMEOUT_MS));
    if let Ok(signal) = signal {
        page::set(&init, "signal", &signal);
    }
    let mut url = cfg.api.clone();
    url.push_str(path);
    page::call2(&page::global(), "fetch", &JsValue::from(url), &init).unwrap_or_default()
}

/// How a report ended, from the HTTP status and the parsed JSON body.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// `2xx` with `{"success": true, "data": {…}}`: the `data` object.
    Data(JsValue),
    /// Answered but nothing to act on: a notice (`data: null`), a `4xx` error (not 429), or
    /// a body that is not a success envelope. Never retried.
    Nothing,
    /// No answer (status 0: network failure or timeout), `429` or `5xx`: worth retrying.
    Retry,
}

impl Outcome {
    /// Judges a report's outcome: `status` is the HTTP status, or 0 when the request
    /// failed; `body` the parsed JSON body, or anything else when there was none.
    pub fn of(status: u16, body: &JsValue) -> Outcome {
        if status == 0 || status == 429 || status >= 500 {
            return Outcome::Retry;
        }
        let success = page::get(body, "success").as_bool() == Some(true);
        let data = page::get(body, "data");
        if (200..300).contains(&status) && success && data.is_object() {
            Outcome::Data(data)
        } else {
            Outcome::Nothing
        }
    }
}
