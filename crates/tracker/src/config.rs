//! The options object the loader passes to every export, and the page state kept on it.
//!
//! The loader (`www/viatrack.js`) builds it from the script tag's `data-` attributes:
//!
//! ```text
//! { key: "pk_…",               data-key: the program's publishable key
//!   api: "https://t.shop.com", data-api, default the loader script's origin
//!   params: "via,ref,aff",     data-params, default "via"
//!   cookieDomain: "shop.com",  data-cookie-domain, overrides the Worker's cookie_domain
//!   consentRequired: true }    data-consent-required
//! ```
//!
//! The tracker also writes two properties on the same object: `consent` (true/false once
//! `viatrack('consent', …)` was called) and `started` (the page's capture has run). Keeping
//! them there instead of in Rust statics leaves the module without global state, so every
//! test can start from a fresh object.

use crate::cookies;
use crate::page;
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

/// Query parameters read when `params` is not given.
pub const DEFAULT_PARAM: &str = "via";
/// Most query parameter names honoured from `params`.
pub const MAX_PARAMS: usize = 8;

/// The tracker's options, read from the loader's options object.
#[derive(Debug)]
pub struct Config {
    /// The publishable key, sent as `Authorization: Bearer <key>`; empty = not configured.
    pub key: String,
    /// The API origin without a trailing `/`; empty when missing or not http(s).
    pub api: String,
    /// Query parameter names to read a token from, in precedence order (non-empty).
    pub params: Vec<String>,
    /// Cookie domain override (`data-cookie-domain`), validated.
    pub cookie_domain: Option<String>,
    /// Whether nothing may be stored or sent before consent is given.
    pub consent_required: bool,
    object: JsValue,
}

impl Config {
    /// Reads the options object; anything missing or malformed falls back to its default
    /// (never fails: a non-object gives an unconfigured tracker that sends nothing).
    pub fn from_js(object: &JsValue) -> Config {
        let key = page::get_string(object, "key").unwrap_or_default();
        let mut api = page::get_string(object, "api").unwrap_or_default();
        while api.ends_with('/') {
            api.pop();
        }
        if !page::is_http_url(&api) {
            api.clear();
        }
        let mut params: Vec<String> = page::get_string(object, "params")
            .unwrap_or_default()
            .split(',')
            .map(|p| p.trim_matches(' '))
            .filter(|p| !p.is_empty())
            .take(MAX_PARAMS)
            .map(String::from)
            .collect();
        if params.is_empty() {
            params.push(String::from(DEFAULT_PARAM));
        }
        Config {
            key,
            api,
            params,
            cookie_domain: page::get_string(object, "cookieDomain")
                .and_then(|d| cookies::valid_domain(&d)),
            consent_required: page::get(object, "consentRequired").is_truthy(),
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
        let before = page::get(&self.object, "started").is_truthy();
        page::set(&self.object, "started", &JsValue::TRUE);
        before
    }

    /// Whether the tracker can report at all (a key and an API origin).
    pub fn can_send(&self) -> bool {
        !self.key.is_empty() && !self.api.is_empty()
    }
}
