//! The options object the loader passes to every export, and the page state kept on it.
//!
//! The loader (`www/viatrack.js`) builds it from the script tag's `data-` attributes:
//!
//! ```text
//! { key: "pk_…",               data-key: the program's publishable key
//!   api: "https://t.shop.com", data-api, default the loader script's origin
//!   params: "via,ref,aff",     data-params, default "via"
//!   cookieDomain: "shop.com",  data-cookie-domain, overrides the Worker's cookie_domain
//!   consentRequired: true,     data-consent-required, or Global Privacy Control (below)
//!   cleanUrl: true }           data-clean-url: remove the token parameters after capture
//! ```
//!
//! The loader sets `consentRequired` also when the browser sends Global Privacy Control
//! (`navigator.globalPrivacyControl === true`) and the tag does not say `data-gpc="ignore"`:
//! honouring GPC is the default, and the page's own `viatrack('consent', true)` still opts in.
//!
//! The tracker also writes two properties on the same object: `consent` (true/false once
//! `viatrack('consent', …)` was called) and `started` (the page's capture has run). Keeping
//! them there instead of in Rust statics leaves the module without global state, so every
//! test can start from a fresh object.

use crate::cookies;
use crate::page;
use alloc::string::String;
use viatrack_core::cookie::same_site_hosts;
use wasm_bindgen::JsValue;

/// The host of an http(s) URL (`https://t.shop.com:8443/x` → `t.shop.com`), lower case as
/// the browser gives `location.hostname`; `""` when there is none.
pub fn host_of(url: &str) -> &str {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).unwrap_or("");
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.split(':').next().unwrap_or("")
}

/// Query parameters read when `params` is not given (or names none).
pub const DEFAULT_PARAMS: &str = "via";

/// The tracker's options, read from the loader's options object.
#[derive(Debug)]
pub struct Config {
    /// The publishable key, sent as `Authorization: Bearer <key>`; empty = not configured.
    pub key: String,
    /// The API origin without a trailing `/`; empty when missing or not http(s).
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
    object: JsValue,
}

impl Config {
    /// Reads the options object; anything missing or malformed falls back to its default
    /// (never fails: a non-object gives an unconfigured tracker that sends nothing).
    pub fn from_js(object: &JsValue) -> Config {
        let key = page::get_string(object, "key").unwrap_or_default();
        let mut api = page::get_string(object, "api").unwrap_or_default();
        while api.as_bytes().last() == Some(&b'/') {
            api.truncate(api.len() - 1);
        }
        if !page::is_http_url(&api) {
            api.clear();
        }
        let params = page::get_string(object, "params")
            .filter(|p| p.split(',').any(|name| !name.trim_matches(' ').is_empty()))
            .unwrap_or_else(|| String::from(DEFAULT_PARAMS));
        let cookie_domain = page::get_string(object, "cookieDomain").and_then(|d| cookies::valid_domain(&d));
        let first_party = same_site_hosts(&page::location("hostname"), host_of(&api), cookie_domain.as_deref());
        Config {
            key,
            api,
            params,
            cookie_domain,
            consent_required: page::get(object, "consentRequired").as_bool() == Some(true),
            clean_url: page::get(object, "cleanUrl").as_bool() == Some(true),
            first_party,
            object: object.clone(),
        }
    }

    /// Whether the tracker may store and send now: an explicit `consent(true)`, or no
    /// consent required and no `consent(false)`.
    pub fn allowed(&self) -> bool {
        match page::get(&self.object, "consent").as_bool() {
            Some(granted) => granted,
            None => !self.consent_required,
        }
    }

    /// Records `viatrack('consent', granted)` on the options object.
    pub fn set_consent(&self, granted: bool) {
        page::set(&self.object, "consent", &JsValue::from_bool(granted));
    }

    /// Marks the page's capture as done; returns whether it had already run.
    pub fn mark_started(&self) -> bool {
        let before = page::get(&self.object, "started").as_bool() == Some(true);
        page::set(&self.object, "started", &JsValue::TRUE);
        before
    }

    /// Whether the tracker can report at all (a key and an API origin).
    pub fn can_send(&self) -> bool {
        !self.key.is_empty() && !self.api.is_empty()
    }
}
