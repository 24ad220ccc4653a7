//! viatrack's browser tracker: captures `?via=TOKEN`, reports the click to the Worker,
//! keeps the referral in a first-party cookie and reports leads (`convert`).
//!
//! The merchant's page loads `www/viatrack.js` (the loader), which builds an options object
//! from the script tag (see [`config`]), instantiates this module and calls its exports,
//! always passing that object: [`start`] once, then [`consent`], [`convert`], [`referral`]
//! and [`affiliate`] on demand. Every export is synchronous: the ones that report start
//! `fetch` and return the promises; the loader awaits them and hands the outcome back to
//! [`answered`] / [`converted`] (see [`net`]).
//!
//! # Layout
//!
//! * [`config`] — the loader's options object (`key`, `api`, `params`, `cookieDomain`,
//!   `consentRequired`, `cleanUrl`) and the page state kept on it (consent, capture done).
//! * [`capture`] — the first valid token of the configured query parameters, and the URL
//!   without them (`data-clean-url`).
//! * [`cookies`] — `document.cookie`: the visitor cookie and the page's referral cookie
//!   (value encoded by the core crate), attributes, domain fallback, deletion.
//! * [`net`] — requests to the Worker with the publishable key, `keepalive`, and the
//!   visitor's cookies when same-site; outcomes classified as answered or worth retrying.
//! * [`queue`] — the `localStorage` delivery queue: every click and lead report from before
//!   it is sent until it is answered.
//! * [`track`] — the flows: start (capture → report → cookie, queue replay, restore from the
//!   server cookie), consent, convert, the held referral.
//! * [`page`] — the page globals and JS built-ins used, none of which may throw.
//! * `panic` — logs a panic once (`console.error`); with the `bare` feature (the release
//!   build) also the `#[panic_handler]` and a small global allocator, so the module is
//!   `no_std` throughout and carries neither std's panic machinery nor `core::fmt`.
//!
//! What flows through: `location.search` → [`viatrack_core::ViaToken`] → click report
//! `{token, url, referrer, visitor_id, report_id}`, queued → the Worker's answer (click ID,
//! affiliate, expiry in seconds, attribution, cookie domain, visitor ID, and `held` when
//! its own cookie keeps another referral) → [`viatrack_core::attribution::credit`] against
//! the held cookie → `viatrack_js` and `viatrack_vid` cookies
//! ([`viatrack_core::cookie::ReferralCookie`]) → lead report `{click_id, email, …}`, queued.
//!
//! The module never throws into the page on purpose: every browser call that can throw is
//! caught and bad input or bad answers become "no referral"; the loader also wraps every
//! call in `try`.
//!
//! # Size
//!
//! It ships to every page view (`make size` prints the bytes), so, each rule measured:
//!
//! * no serde, `format!` or other `core::fmt` use: JS objects are read and built with
//!   `Reflect`, JSON text made by `JSON.stringify`;
//! * no `&str` patterns (`split("; ")`): their slicing panic formats its message and brings
//!   `core::fmt` back; char patterns do not;
//! * no `dyn` calls: an indirect call keeps every same-signature function of the table
//!   alive, `core::fmt`'s included;
//! * no async: an executor and closures cost more than the loader's few `await`s;
//! * few imports ([`page`]): each one adds a wrapper to the JS glue.
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// Without `bare`, std provides the allocator and the panic handler.
#[cfg(not(feature = "bare"))]
extern crate std;

pub mod capture;
pub mod config;
pub mod cookies;
pub mod net;
pub mod page;
mod panic;
pub mod queue;
pub mod track;

use config::Config;
use js_sys::Array;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &str = r#"
/** The loader's options object (built from the script tag's data- attributes). */
export interface TrackerOptions {
  /** Publishable key (data-key), sent as `Authorization: Bearer <key>`. */
  key?: string | null;
  /** API origin (data-api; default the loader script's origin). */
  api?: string | null;
  /** Comma-separated query parameters to read, in precedence order (data-params; default "via"). */
  params?: string | null;
  /** Cookie domain override (data-cookie-domain). */
  cookieDomain?: string | null;
  /** Nothing is stored or sent before consent(options, true) (data-consent-required, or GPC). */
  consentRequired?: boolean;
  /** Remove the token parameters from the address bar after capture (data-clean-url). */
  cleanUrl?: boolean;
  /** Written by the tracker: the visitor's consent choice, once made. */
  consent?: boolean;
  /** Written by the tracker: the page's capture has run. */
  started?: boolean;
}
/** Reports in flight, flat: each fetch promise followed by the report's delivery-queue line. */
export type Flights = Array<Promise<Response> | string | undefined>;
"#;

/// Runs the page's capture once (delivery-queue replay, `?via=` token, restore from the
/// server cookie) and starts the reports. Returns the flights, older first, flat:
/// `[promise, line, …]`; await each promise, then call [`answered`] with its line. Empty when
/// consent is required and not given, or when the capture has already run.
#[wasm_bindgen(unchecked_return_type = "Flights")]
pub fn start(#[wasm_bindgen(unchecked_param_type = "TrackerOptions")] options: &JsValue) -> Array {
    panic::install();
    track::start(&Config::from_js(options))
}

/// Applies the outcome of a report from [`start`] or [`consent`]: `status` is the HTTP status
/// (0 when the request failed or timed out), `body` the parsed JSON body (anything else when
/// there was none). Sets the cookies; keeps the report queued when worth retrying.
#[wasm_bindgen]
pub fn answered(
    #[wasm_bindgen(unchecked_param_type = "TrackerOptions")] options: &JsValue,
    line: &str,
    status: u16,
    body: &JsValue,
) {
    track::answered(&Config::from_js(options), line, status, body);
}

/// Records the visitor's consent choice: `true` runs the capture if it has not run (and
/// returns its flights, as [`start`]); `false` deletes the tracker's cookies and queue.
#[wasm_bindgen(unchecked_return_type = "Flights")]
pub fn consent(#[wasm_bindgen(unchecked_param_type = "TrackerOptions")] options: &JsValue, granted: bool) -> Array {
    track::consent(&Config::from_js(options), granted)
}

/// Stores and starts the lead report `{email, name?, customer_id?, metadata?}` for the held
/// referral and returns its flight `[promise, line]` (then call [`converted`]), or
/// `undefined` when there is nothing to report (no referral, no consent, no email): the
/// answer is then `null`.
#[wasm_bindgen(unchecked_return_type = "Flights | undefined")]
pub fn convert(
    #[wasm_bindgen(unchecked_param_type = "TrackerOptions")] options: &JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ email: string; name?: string; customer_id?: string; metadata?: Record<string, unknown> }"
    )]
    data: &JsValue,
) -> JsValue {
    track::convert(&Config::from_js(options), data)
}

/// The answer of a lead report: the Worker's referral object, or `null` (notice, error,
/// failure; a failure worth retrying stays queued for the next page view). `line`, `status`
/// and `body` as for [`answered`].
#[wasm_bindgen(unchecked_return_type = "Record<string, unknown> | null")]
pub fn converted(line: &str, status: u16, body: &JsValue) -> JsValue {
    track::converted(line, status, body)
}

/// The held referral's click ID (`ref_…`), or `null` when the visitor has none.
#[wasm_bindgen(unchecked_return_type = "string | null")]
pub fn referral() -> JsValue {
    track::referral()
}

/// The held referral's affiliate, `{id: "aff_…", token: "jb007"}`, or `null`.
#[wasm_bindgen(unchecked_return_type = "{ id: string; token: string } | null")]
pub fn affiliate() -> JsValue {
    track::affiliate()
}
