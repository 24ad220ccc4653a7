//! The loader's options, and the page's state (consent given or refused, capture done).
//!
//! The module reads the script tag's `data-` attributes at `o` (the tag's `dataset`, see
//! [`crate::page`]), and values the loader works out (`js/page.js`'s `setup`, which also
//! owns the request: API URL, key, credentials):
//!
//! ```text
//! o.params         data-params ("via,ref,aff"), default "via": read by the page
//!                  (js/page.js `capture`), which gives the module their values (`t`)
//! o.cookieDomain   data-cookie-domain, overrides the Worker's cookie_domain
//! o.cleanUrl       data-clean-url (present and not "false"): remove the token parameters
//! q                consent required: data-consent-required (present and not "false"), or
//!                  Global Privacy Control (below)
//! s                the page and the API are on the same site: reports carry the cookies
//! n                a key and an http(s) API base are set: the tracker can report
//! ```
//!
//! The loader requires consent also when the browser sends Global Privacy Control
//! (`navigator.globalPrivacyControl === true`) and the tag does not say `data-gpc="ignore"`:
//! honouring GPC is the default, and the page's own `viatrack('consent', true)` still opts in.
//!
//! The page's state lives in the module instance (one per page view): the visitor's consent
//! choice once made, and whether the page's capture has run. [`forget`] starts over.

use crate::cookies;
use crate::page;
use alloc::string::String;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// The tracker's options, read from the loader's options object.
#[derive(Debug)]
pub struct Config {
    /// Cookie domain override (`data-cookie-domain`), validated.
    pub cookie_domain: Option<String>,
    /// Whether nothing may be stored or sent before consent is given.
    pub consent_required: bool,
    /// Whether the token parameters are removed from the address bar after capture.
    pub clean_url: bool,
    /// Whether the page and the API are on the same site (the loader's `E.s`): reports
    /// then carry the visitor's cookies, so the Worker can set and read its `HttpOnly`
    /// referral cookie.
    pub first_party: bool,
    /// Whether the tracker can report at all (the loader's `E.n`: a key and an http(s) API
    /// base URL).
    pub reports: bool,
}

/// The visitor's consent choice: 0 none yet, 1 refused, 2 given.
static CONSENT: AtomicU8 = AtomicU8::new(0);
/// Whether the page's capture has run.
static STARTED: AtomicBool = AtomicBool::new(false);

impl Config {
    /// Reads the options (see the module docs); anything missing or malformed falls back to
    /// its default (never fails: no options give an unconfigured tracker that sends nothing).
    pub fn read() -> Config {
        Config {
            cookie_domain: cookies::valid_domain(&page::string("o.cookieDomain")),
            consent_required: page::is_true("q"),
            clean_url: page::text("o.cleanUrl").is_some_and(|v| v != "false"),
            first_party: page::is_true("s"),
            reports: page::is_true("n"),
        }
    }

    /// Whether the tracker may store and send now: an explicit `consent(true)`, or no
    /// consent required and no `consent(false)`.
    pub fn allowed(&self) -> bool {
        match CONSENT.load(Ordering::Relaxed) {
            0 => !self.consent_required,
            choice => choice == 2,
        }
    }

    /// Whether the tracker can report at all (a key and an API origin).
    pub fn can_send(&self) -> bool {
        self.reports
    }
}

/// Records `viatrack('consent', granted)` for the rest of the page view.
pub fn set_consent(granted: bool) {
    CONSENT.store(if granted { 2 } else { 1 }, Ordering::Relaxed);
}

/// Marks the page's capture as done; returns whether it had already run.
pub fn mark_started() -> bool {
    STARTED.swap(true, Ordering::Relaxed)
}

/// Forgets the page's state (no consent choice, capture not run), as on a new page view.
pub fn forget() {
    CONSENT.store(0, Ordering::Relaxed);
    STARTED.store(false, Ordering::Relaxed);
}
