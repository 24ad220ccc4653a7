//! Reports to the Worker: `POST {api}{path}` with a JSON body (or a `GET`), the publishable
//! key, and `keepalive` so a report survives the page navigating away. Same-site reports
//! carry the visitor's cookies (`credentials: "include"`), so the Worker can set and read its
//! `HttpOnly` referral cookie.
//!
//! The module starts requests and judges their outcome; it does not await them. The loader
//! awaits each `fetch` promise, reads the status and the JSON body (status `0` for a network
//! failure or timeout) and hands both back ([`Outcome::answer`]). This keeps async machinery
//! (executor, closures) out of the module, which keeps it small, and every call into it
//! synchronous, so the loader can catch anything that goes wrong.

use crate::config::Config;
use crate::json;
use crate::page;
use alloc::string::String;

/// A report not answered within this many milliseconds is aborted (and kept for retry); the
/// page (js/page.js) sets the abort signal where the browser has `AbortSignal.timeout`.
pub const TIMEOUT_MS: u32 = 10_000;

/// Largest body sent with `keepalive`, in bytes (browsers refuse keepalive bodies over
/// 64 KiB in flight); a larger lead report goes without it.
pub const KEEPALIVE_MAX_BODY: usize = 60_000;

/// The request [`send`] starts, as the JSON object the page passes to `fetch`: `u` the URL,
/// `l` the queue line the loader hands back with the outcome, and the `RequestInit` members.
pub fn request(cfg: &Config, path: &str, body: Option<&str>, line: &str) -> String {
    let mut url = cfg.api.clone();
    url.push_str(path);
    let mut auth = String::from("Bearer ");
    auth.push_str(&cfg.key);
    let mut r = String::from("{");
    json::push_field(&mut r, "u", &url);
    json::push_field(&mut r, "l", line);
    if let Some(body) = body {
        r.push_str(",\"method\":\"POST\",\"headers\":{\"Content-Type\":\"application/json\"");
        json::push_field(&mut r, "Authorization", &auth);
        r.push('}');
        json::push_field(&mut r, "body", body);
    } else {
        r.push_str(",\"headers\":{");
        json::push_field(&mut r, "Authorization", &auth);
        r.push('}');
    }
    json::push_key(&mut r, "keepalive");
    r.push_str(if body.map_or(0, str::len) <= KEEPALIVE_MAX_BODY { "true" } else { "false" });
    if cfg.first_party {
        json::push_field(&mut r, "credentials", "include");
    }
    r.push('}');
    r
}

/// Starts `POST {api}{path}` with `body` (JSON text), or `GET {api}{path}` when `body` is
/// `None` ([`request`]): `Content-Type: application/json` (with a body), `Authorization:
/// Bearer <key>`, `keepalive`, `credentials: "include"` when the API is on the page's site,
/// and a [`TIMEOUT_MS`] abort signal. The loader gets the `fetch` promise with `line`.
pub fn send(cfg: &Config, path: &str, body: Option<&str>, line: &str) {
    page::fetch(&request(cfg, path, body, line));
}

/// How a report ended, from the HTTP status and the parsed JSON body.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `2xx` with `{"success": true, …}`: the answer's `data` is at `a.data`.
    Data,
    /// Answered but nothing to act on: a `4xx` error (not 429), or a body that is not a
    /// success envelope. Never retried.
    Nothing,
    /// No answer (status 0: network failure or timeout), `429` or `5xx`: worth retrying.
    Retry,
}

impl Outcome {
    /// Judges a report's outcome: `status` is the HTTP status, or 0 when the request
    /// failed; `success` whether the body says `"success": true`.
    pub fn of(status: u16, success: bool) -> Outcome {
        if status == 0 || status == 429 || status >= 500 {
            Outcome::Retry
        } else if (200..300).contains(&status) && success {
            Outcome::Data
        } else {
            Outcome::Nothing
        }
    }

    /// The outcome of the answer being applied: `status`, and its parsed body at `a`.
    pub fn answer(status: u16) -> Outcome {
        Outcome::of(status, page::is_true("a.success"))
    }
}
