//! viatrack's browser tracker: captures `?via=TOKEN`, reports the click to the Worker,
//! keeps the referral in a first-party cookie and reports leads (`convert`).
//!
//! The merchant's page loads `www/viatrack.js` (the loader), which decides whether the page
//! view needs the module at all, instantiates it and calls its exports: [`start`] once, then
//! [`consent`], [`convert`] and [`held`] on demand. Every export is synchronous and takes
//! numbers only: what the module reads and changes in the page goes through one import (see
//! [`page`]), so the loader carries no generated glue. The exports that report start `fetch`;
//! the loader awaits the promises and hands each outcome back to [`answered`] (see
//! [`net`]).
//!
//! # Layout
//!
//! * [`page`] — the one import, `io`: read a value by its path (as text or as a number; the
//!   page, the loader's options, an answer), the clock, random bytes, write cookies, the queue or the URL, log,
//!   start a report, answer.
//! * [`config`] — the loader's options (`cookieDomain`, `consentRequired`, `cleanUrl`, and
//!   what the page works out: same-site, can report) and the page's state (consent, capture
//!   done).
//! * [`capture`] — the first valid token among the configured parameters' values, which the
//!   page reads from the URL, and the URL without them (`data-clean-url`).
//! * [`cookies`] — `document.cookie`: the visitor cookie and the page's referral cookie
//!   (value encoded by the core crate), attributes, domain fallback, deletion.
//! * [`net`] — reports to the Worker through the page's one request builder (the module
//!   passes the queue line); outcomes classified as answered or worth retrying.
//! * [`json`] — the JSON text of the reports, written directly.
//! * [`text`] — byte-wise splitting on ASCII separators (no core pattern searchers).
//! * [`queue`] — the `localStorage` delivery queue: every click and lead report from before
//!   it is sent until it is answered.
//! * [`track`] — the flows: start (capture → report → cookie, queue replay, restore from the
//!   server cookie), consent, convert, the held referral.
//! * `panic` — a panic ends the call (the loader logs it and stops the module); with the
//!   `bare` feature (the release build) also the `#[panic_handler]`, so the module is
//!   `no_std` throughout and carries neither std's panic machinery nor `core::fmt` (the
//!   release build's core traps on a panic at once).
//! * `heap` — with `bare`, the global allocator: a bump allocator that every export resets
//!   when it returns (no heap value outlives a call); the crate's only `unsafe`.
//!
//! What flows through: `location.search` (the page gives the parameters' values) →
//! [`viatrack_core::ViaToken`] → click report `{token, url, referrer, visitor_id, report_id}`,
//! queued (or the loader's own, already queued and sent: adopted when it agrees) → the Worker's answer (click ID,
//! affiliate, expiry in seconds, attribution, cookie domain, visitor ID, and `held` when
//! its own cookie keeps another referral) → [`viatrack_core::attribution::credit`] against
//! the held cookie → `viatrack_js` and `viatrack_vid` cookies
//! ([`viatrack_core::cookie::ReferralCookie`]) → lead report `{click_id, email, …}`, queued.
//!
//! The module never throws into the page on purpose: every read that can throw is caught by
//! the page side and bad input or bad answers become "no referral"; the loader also wraps
//! every call in `try`.
//!
//! # Size
//!
//! It ships to every referred page view (`make size` prints the bytes; `tests/size.test.mjs`
//! holds the budget), so, each rule measured:
//!
//! * no JS value handles (`JsValue`, `js-sys`, `web-sys`): one numeric import and numeric
//!   exports, text in memory (UTF-8 out, code points in: see [`page`]), so wasm-bindgen adds
//!   no glue, no externref table and no string conversion;
//! * no serde, `format!` or other `core::fmt` use: JSON is written by [`json`];
//! * no `&str` patterns in searches (`split("; ")`): their slicing panic formats its message
//!   and brings `core::fmt` back; char patterns do not;
//! * no `dyn` calls: an indirect call keeps every same-signature function of the table
//!   alive, `core::fmt`'s included;
//! * no async: an executor and closures cost more than the loader's few `await`s;
//! * bytes scanned through `<[u8]>::iter()` (`s.as_bytes().iter().position(…)`), not
//!   `str::bytes()`: the latter's `any`/`all`/`position` are a generic `try_fold` per closure
//!   (about 260 B gzip over the module when this rule was applied);
//! * loops over a `Vec` of owned values by reference (`for p in &pending`): consuming it
//!   brings `IntoIter`'s drop glue (95 B gzip);
//! * splitting on one ASCII byte through [`viatrack_core::text`], the same code the core
//!   crate's cookie parsing uses;
//! * no plumbing: the page builds every request, reads the URL's parameters, makes random
//!   IDs' hex and prefixes the log (js/page.js `send`, `capture`, `hex`); `held` answers the
//!   cookie value, which the loader splits. Issue 30, node's zlib at level 9: the request
//!   builder with the bump allocator (`heap`) instead of a free list and numbers read as
//!   numbers 9,888 → 9,328 B gzip; the URL reading → 8,584 B; shorter log lines → 8,536 B;
//!   `held` → 8,446 B; binaryen's flatten + rereloop and more -Oz rounds
//!   (scripts/shrink-tracker.mjs) → 8,331 B; IDs' hex from the page → 8,242 B; the log
//!   prefix → 8,228 B.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// Without `bare`, std provides the allocator and the panic handler.
#[cfg(not(feature = "bare"))]
extern crate std;

pub mod capture;
pub mod config;
pub mod cookies;
#[cfg(all(feature = "bare", target_arch = "wasm32"))]
mod heap;
pub mod json;
pub mod net;
pub mod page;
mod panic;
pub mod queue;
pub mod text;
pub mod track;

use config::Config;
use wasm_bindgen::prelude::wasm_bindgen;

/// Gives the heap back after an export (the release build's allocator, `heap`); nothing
/// without `bare`.
fn done() {
    #[cfg(all(feature = "bare", target_arch = "wasm32"))]
    heap::reset();
}

/// Runs the page's capture once (delivery-queue replay, `?via=` token or the loader's click
/// report at `k`, restore from the server cookie) and starts the reports ([`track::start`]).
/// Nothing when consent is required and not given, or when the capture has already run.
#[wasm_bindgen]
pub fn start() {
    panic::install();
    track::start(&Config::read());
    done();
}

/// Applies the outcome of a report ([`track::answered`]): its queue line at `l`, `status`
/// the HTTP status (0 when the request failed or timed out), the parsed JSON body at `a`.
/// Sets the cookies; keeps the report queued when worth retrying. Returns whether the body's
/// `data` is the referral a lead report's `convert` resolves (otherwise it resolves `null`).
#[wasm_bindgen]
pub fn answered(status: u16) -> bool {
    let referral = track::answered(&Config::read(), &page::string("l"), status);
    done();
    referral
}

/// Records the visitor's consent choice: `true` runs the capture if it has not run (as
/// [`start`]); `false` deletes the tracker's cookies and queue.
#[wasm_bindgen]
pub fn consent(granted: bool) {
    panic::install();
    track::consent(&Config::read(), granted);
    done();
}

/// Stores and starts the lead report for `{email, name?, customer_id?, metadata?}` at `c`
/// and the held referral ([`track::convert`]), or starts nothing when there is nothing to
/// report (no referral, no consent, no email): the answer is then `null`.
#[wasm_bindgen]
pub fn convert() {
    panic::install();
    track::convert(&Config::read());
    done();
}

/// Answers the held referral ([`track::held`]): `[click ID, {id, token}]`, or
/// `[null,null]` (`viatrack.referral`, `viatrack.affiliate`).
#[wasm_bindgen]
pub fn held() {
    page::answer(&track::held());
    done();
}
