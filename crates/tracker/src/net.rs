//! Reports to the Worker. The page builds every request (js/page.js `send`, the one request
//! builder, which the loader's fast path uses too): the module passes only the report's queue
//! line, `<at> <kind> <body>` ([`crate::queue`]), whose kind gives the path (`c`
//! `POST /v1/track/click`, `l` `POST /v1/track/lead`; the empty [`crate::track::RESTORE`]
//! line `GET /v1/track/referral`). The page adds the publishable key, `keepalive` so a
//! report survives the page navigating away, the visitor's cookies when same-site
//! (`credentials: "include"`, so the Worker can set and read its `HttpOnly` referral
//! cookie) and a [`TIMEOUT_MS`] abort signal.
//!
//! The module starts requests and judges their outcome; it does not await them. The loader
//! awaits each `fetch` promise, reads the status and the JSON body (status `0` for a network
//! failure or timeout) and hands both back ([`Outcome::answer`]). This keeps async machinery
//! (executor, closures) out of the module, which keeps it small, and every call into it
//! synchronous, so the loader can catch anything that goes wrong.

use crate::page;

/// A report not answered within this many milliseconds is aborted (and kept for retry); the
/// page (js/page.js) sets the abort signal where the browser has `AbortSignal.timeout`.
pub const TIMEOUT_MS: u32 = 10_000;

/// Starts the report of queue line `line` (the empty line: the restore request); the loader
/// gets the `fetch` promise with `line`.
pub fn send(line: &str) {
    page::fetch(line);
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
