//! `document.cookie`: the visitor cookie (`viatrack_vid`) and the page's referral cookie
//! (`viatrack_js`, value encoded by [`ReferralCookie`]).
//!
//! Both are written only for a referred visitor, after the Worker's answer, with `Max-Age`
//! = the click's remaining lifetime (the campaign's cookie duration), `Path=/`,
//! `SameSite=Lax`, `Secure` on https pages, and `Domain=` when a domain is known (the
//! `data-cookie-domain` override or the Worker's `cookie_domain`) so they are shared across
//! subdomains. A write is checked by reading it back: when the browser rejects the domain
//! (it does not match the page), the cookie is written host-only instead. The server-set
//! `viatrack_ref` is `HttpOnly` and never seen here.

use crate::page;
use crate::text::split_once;
use alloc::string::String;
// Re-exported for the flows and tests: the cookie rules live in the core crate.
pub use viatrack_core::cookie::{cookie_values as values, valid_domain, MAX_AGE_CAP};
use viatrack_core::cookie::{held_in, set_cookie_line, ReferralCookie, SCRIPT_REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{Timestamp, VisitorId};

/// `document.cookie` (`a=1; b=2`), or `""` when cookies are unavailable.
pub fn all() -> String {
    page::cookie()
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
        domain = split_once(domain, b'.').map_or("", |(_, parent)| parent);
    }
}

/// The referral the page holds ([`held_in`] its `viatrack_js` cookie): a mangled or expired
/// cookie counts as none.
pub fn held(now: Timestamp) -> Option<ReferralCookie> {
    held_in(&all(), SCRIPT_REFERRAL_COOKIE, now)
}

/// The visitor ID from `viatrack_vid`, if the visitor has one.
pub fn visitor() -> Option<VisitorId> {
    values(&all(), VISITOR_COOKIE).find_map(|v| VisitorId::parse(v).ok())
}

/// A new random visitor ID (`crypto.getRandomValues`, 128 bits); `None` only when the
/// browser has no random source.
pub fn new_visitor() -> Option<VisitorId> {
    VisitorId::parse(&page::new_id(VisitorId::PREFIX)).ok()
}
