//! `document.cookie`: the visitor cookie (`viatrack_vid`) and the referral cookie
//! (`viatrack_ref`, value encoded by [`ReferralCookie`]).
//!
//! Every cookie is written with `Max-Age` (seconds), `Path=/`, `SameSite=Lax`, `Secure` on
//! https pages, and `Domain=` when a domain is known (the `data-cookie-domain` override or
//! the Worker's `cookie_domain`) so it is shared across subdomains. A write is checked by
//! reading it back: when the browser rejects the domain (it does not match the page), the
//! cookie is written host-only instead.

use crate::config::Config;
use crate::page;
use alloc::string::String;
use viatrack_core::attribution::is_expired;
// Re-exported for the flows and tests: the cookie rules live in the core crate.
use viatrack_core::cookie::{set_cookie_line, ReferralCookie, REFERRAL_COOKIE, VISITOR_COOKIE, VISITOR_COOKIE_MAX_AGE};
pub use viatrack_core::cookie::{valid_domain, MAX_AGE_CAP};
use viatrack_core::{Timestamp, VisitorId};

/// `document.cookie` (`a=1; b=2`), or `""` when cookies are unavailable.
pub fn all() -> String {
    page::cookie().unwrap_or_default()
}

/// The values of the cookies named `name` in `cookies` (a `document.cookie` string), in
/// order (a host-only and a domain cookie may share a name).
pub fn values<'a>(cookies: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    cookies.split(';').filter_map(move |pair| {
        let (key, value) = pair.trim_start_matches(' ').split_once('=')?;
        (key == name).then_some(value)
    })
}

/// Whether a cookie `name` with exactly `value` is visible to the page.
pub fn has(name: &str, value: &str) -> bool {
    values(&all(), name).any(|v| v == value)
}

/// Writes one cookie line ([`set_cookie_line`]: the attributes are the core crate's) through
/// `document.cookie`; `max_age` in seconds (0 deletes). Whether the browser kept it is
/// checked by [`set`].
pub fn write(name: &str, value: &str, max_age: i64, domain: Option<&str>) {
    page::set_cookie(&set_cookie_line(name, value, max_age, page::is_https(), domain));
}

/// Sets cookie `name` to `value` for `max_age` seconds, on `domain` if the browser accepts
/// it there (a host-only copy is removed first, so reads find the shared one), else
/// host-only. Returns whether the cookie is visible afterwards (false when cookies are
/// blocked).
pub fn set(name: &str, value: &str, max_age: i64, domain: Option<&str>) -> bool {
    if let Some(d) = domain {
        write(name, "", 0, None);
        write(name, value, max_age, Some(d));
        if has(name, value) {
            return true;
        }
    }
    write(name, value, max_age, None);
    has(name, value)
}

/// Deletes cookie `name` host-only and on every parent domain of the page's hostname
/// (`a.shop.com`, `shop.com`, `com`; the browser ignores the ones it never set).
pub fn remove(name: &str) {
    write(name, "", 0, None);
    let host = page::location("hostname");
    let mut domain = host.as_str();
    while !domain.is_empty() {
        write(name, "", 0, Some(domain));
        domain = domain.split_once('.').map_or("", |(_, parent)| parent);
    }
}

/// The referral the visitor holds: the first `viatrack_ref` cookie that decodes and has not
/// expired at `now`. A mangled or expired cookie counts as no cookie.
pub fn held(now: Timestamp) -> Option<ReferralCookie> {
    values(&all(), REFERRAL_COOKIE).find_map(|v| ReferralCookie::decode(v).filter(|c| !is_expired(c.expires_at, now)))
}

/// The visitor ID from `viatrack_vid`, or a new random one (`getrandom`, 128 bits) stored
/// for [`VISITOR_COOKIE_MAX_AGE`] seconds (365 days). `None` only when the browser has no
/// random source.
pub fn visitor(cfg: &Config) -> Option<VisitorId> {
    if let Some(id) = values(&all(), VISITOR_COOKIE).find_map(|v| VisitorId::parse(v).ok()) {
        return Some(id);
    }
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    let id = VisitorId::from_bytes(bytes);
    set(VISITOR_COOKIE, id.as_str(), VISITOR_COOKIE_MAX_AGE, cfg.cookie_domain.as_deref());
    Some(id)
}
