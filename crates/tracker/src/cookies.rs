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
use viatrack_core::cookie::VISITOR_COOKIE_MAX_AGE;
use viatrack_core::cookie::{push_decimal, ReferralCookie, REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{Timestamp, VisitorId};

/// Longest lifetime a cookie is given, in seconds (400 days: browsers cap `Max-Age` there).
pub const MAX_AGE_CAP: i64 = 400 * 86_400;

/// Longest accepted cookie domain, in bytes (a DNS name).
pub const MAX_DOMAIN_LEN: usize = 253;

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

/// Writes one `Set-Cookie`-style line through `document.cookie`; `max_age` in seconds (0
/// deletes). Whether the browser kept it is checked by [`set`].
pub fn write(name: &str, value: &str, max_age: i64, domain: Option<&str>) {
    let mut s = String::with_capacity(128);
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    s.push_str("; Max-Age=");
    push_decimal(&mut s, max_age.min(MAX_AGE_CAP));
    s.push_str("; Path=/; SameSite=Lax");
    if page::is_https() {
        s.push_str("; Secure");
    }
    if let Some(d) = domain {
        s.push_str("; Domain=");
        s.push_str(d);
    }
    page::set_cookie(&s);
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

/// A cookie domain as given by the Worker or `data-cookie-domain`: a leading `.` dropped,
/// lower-cased, at most [`MAX_DOMAIN_LEN`] bytes of letters, digits, `-` and `.`.
/// Anything else (which could inject cookie attributes) gives `None`.
pub fn valid_domain(domain: &str) -> Option<String> {
    let d = domain.strip_prefix('.').unwrap_or(domain);
    let ok = !d.is_empty()
        && d.len() <= MAX_DOMAIN_LEN
        && d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    ok.then(|| d.to_ascii_lowercase())
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
