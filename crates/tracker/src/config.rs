//! The loader's options, and the page's state (consent given or refused, capture done).
//!
//! The module reads the script tag's `data-` attributes at `o` (the tag's `dataset`, see
//! [`crate::page`]), and two values the loader works out:
//!
//! ```text
//! o.key            data-key: the program's publishable key
//! o.api            data-api, else the directory of b, the loader script's URL
//! o.params         data-params ("via,ref,aff"), default "via"
//! o.cookieDomain   data-cookie-domain, overrides the Worker's cookie_domain
//! o.cleanUrl       data-clean-url (present and not "false"): remove the token parameters
//! q                consent required: data-consent-required (present and not "false"), or
//!                  Global Privacy Control (below)
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
use crate::text::split_once;
use alloc::string::String;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use viatrack_core::cookie::same_site_hosts;

/// The host of an http(s) URL (`https://t.shop.com:8443/x` → `t.shop.com`), lower case as
/// the browser gives `location.hostname`; `""` when there is none.
pub fn host_of(url: &str) -> &str {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or("");
    let b = rest.as_bytes();
    let end = b.iter().position(|&c| matches!(c, b'/' | b'?' | b'#')).unwrap_or(b.len());
    let start = b[..end].iter().rposition(|&c| c == b'@').map_or(0, |i| i + 1);
    let host = rest.get(start..end).unwrap_or("");
    split_once(host, b':').map_or(host, |(h, _)| h)
}

/// Query parameters read when `params` is not given (or names none).
pub const DEFAULT_PARAMS: &str = "via";

/// The tracker's options, read from the loader's options object.
#[derive(Debug)]
pub struct Config {
    /// The publishable key, sent as `Authorization: Bearer <key>`; empty = not configured.
    pub key: String,
    /// The API base URL without a trailing `/`; empty when missing or not http(s).
    pub api: String,
    /// Query parameter names to read a token from, comma-separated in precedence order
    /// (spaces around names and empty names are ignored; see [`crate::capture`]).
    pub params: String,
    /// Cookie domain override (`data-cookie-domain`), validated.
    pub cookie_domain: Option<String>,
    /// Whether nothing may be stored or sent before consent is given.
    pub consent_required: bool,
    /// Whether the token parameters are removed from the address bar after capture.
    pub clean_url: bool,
    /// Whether the page and the API are on the same site
    /// ([`viatrack_core::cookie::same_site_hosts`]): reports then carry the visitor's
    /// cookies, so the Worker can set and read its `HttpOnly` referral cookie.
    pub first_party: bool,
}

/// The visitor's consent choice: 0 none yet, 1 refused, 2 given.
static CONSENT: AtomicU8 = AtomicU8::new(0);
/// Whether the page's capture has run.
static STARTED: AtomicBool = AtomicBool::new(false);

impl Config {
    /// Reads the options (see the module docs); anything missing or malformed falls back to
    /// its default (never fails: no options give an unconfigured tracker that sends nothing).
    pub fn read() -> Config {
        let key = page::string("o.key");
        let mut api = page::string("o.api");
        if api.is_empty() {
            // The directory of the loader's URL, as `new URL(".", b)`: up to its last `/`
            // before any query or fragment (`https://t.shop.com/_viatrack/viatrack.js?v=2` →
            // `…/_viatrack/`).
            api = page::string("b");
            let b = api.as_bytes();
            let end = b.iter().position(|&c| c == b'?' || c == b'#').unwrap_or(b.len());
            let dir = b.get(..end).and_then(|b| b.iter().rposition(|&c| c == b'/')).map_or(0, |i| i + 1);
            api.truncate(dir);
        }
        // Without trailing `/`; `/` is ASCII, so every cut is a char boundary.
        api.truncate(api.as_bytes().iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1));
        if !page::is_http_url(&api) {
            api.clear();
        }
        // Some name that is not empty once spaces are trimmed.
        let mut params = page::string("o.params");
        if !params.as_bytes().iter().any(|&b| b != b',' && b != b' ') {
            params = String::from(DEFAULT_PARAMS);
        }
        let cookie_domain = cookies::valid_domain(&page::string("o.cookieDomain"));
        let first_party = same_site_hosts(&page::location("hostname"), host_of(&api), cookie_domain.as_deref());
        Config {
            key,
            api,
            params,
            cookie_domain,
            consent_required: page::is_true("q"),
            clean_url: page::text("o.cleanUrl").is_some_and(|v| v != "false"),
            first_party,
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
        !self.key.is_empty() && !self.api.is_empty()
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
