//! The referral cookies: their names, their value (IDs and an expiry, never personal
//! data), the `Set-Cookie` line, and reading them back from a `Cookie` header or
//! `document.cookie`.
//!
//! A visitor holds the referral in up to two cookies with the same value:
//!
//! * [`SCRIPT_REFERRAL_COOKIE`] (`viatrack_js`), written by the tracker with
//!   `document.cookie`. The page reads it (`viatrack.referral`), but WebKit's tracking
//!   prevention caps script-written cookies at 7 days (24 hours after a click from a known
//!   tracker domain with a query string).
//! * [`REFERRAL_COOKIE`] (`viatrack_ref`), set by the Worker in the click answer when it
//!   serves the merchant's own site (same site as the page: a Workers route such as
//!   `shop.example.com/_viatrack/*`). `HttpOnly`, so no script reads or overwrites it, and
//!   a server-set cookie from the page's own site is not capped. The lead endpoint reads it
//!   when the page sends no click ID, and `GET /v1/track/referral` hands its value back to
//!   a page whose script cookie was deleted.
//!
//! Both are decided by the same rule ([`crate::attribution::credit`] over [`held_in`]), so
//! they agree for the same history.
//!
//! Format (version 1), every part safe in a cookie value without escaping:
//!
//! ```text
//! 1.<click id>.<affiliate id>.<token>.<expires_at, Unix seconds>.<f|l>
//! 1.ref_0123….aff_4567….jb007.1767225600.l
//! ```
//!
//! IDs are `prefix_` + hex and tokens are letters, digits, `-` and `_` (see [`crate::token`]),
//! so `.` can never occur inside a part, and `;`, `,`, `=`, spaces and quotes never occur at
//! all. Anything that does not parse exactly is treated as no cookie.

use crate::attribution::{Attribution, Held};
use crate::ids::{AffiliateId, ClickId};
use crate::text::{parts, skip_spaces, split_once};
use crate::time::Timestamp;
use crate::token::ViaToken;
use alloc::string::String;

/// Name of the server-set, `HttpOnly` referral cookie (see the module docs).
pub const REFERRAL_COOKIE: &str = "viatrack_ref";
/// Name of the server-set marker cookie (value `1`), which the Worker sets next to
/// [`REFERRAL_COOKIE`] with the same lifetime and domain ([`marker_cookie_line`]). Not
/// `HttpOnly`, and it holds no referral data: it only tells the loader, without a request,
/// that a server cookie exists (a page whose script cookies Safari deleted is then still
/// referred). A cookie set by the server's response is not capped the way `document.cookie`
/// is.
pub const MARKER_COOKIE: &str = "viatrack_on";
/// Name of the script-written referral cookie, the copy the page can read.
pub const SCRIPT_REFERRAL_COOKIE: &str = "viatrack_js";
/// Name of the visitor cookie (value: a [`crate::VisitorId`]). Written only for a referred
/// visitor (a token was captured), for the campaign's cookie duration, on the registrable
/// domain, so one person is one visitor on every subdomain of the site.
pub const VISITOR_COOKIE: &str = "viatrack_vid";

/// Longest lifetime a cookie is given, in seconds (400 days: browsers cap `Max-Age` there).
pub const MAX_AGE_CAP: i64 = 400 * 86_400;

/// Longest accepted cookie domain, in bytes (a DNS name).
pub const MAX_DOMAIN_LEN: usize = 253;

/// The `document.cookie` line that sets cookie `name` to `value` (a value of this module:
/// nothing in it needs escaping): `Max-Age` in seconds (capped at [`MAX_AGE_CAP`]; 0
/// deletes), `Path=/`, `SameSite=Lax`, `Secure` when the page is https, and `Domain=` when
/// a domain is given (pass it through [`valid_domain`] first).
pub fn set_cookie_line(name: &str, value: &str, max_age: i64, https: bool, domain: Option<&str>) -> String {
    cookie_line(name, value, max_age, https, domain)
}

/// The `Set-Cookie` header value the Worker sends for [`REFERRAL_COOKIE`]: the attributes
/// of [`set_cookie_line`] plus `HttpOnly`.
pub fn server_cookie_line(name: &str, value: &str, max_age: i64, https: bool, domain: Option<&str>) -> String {
    let mut s = cookie_line(name, value, max_age, https, domain);
    s.push_str("; HttpOnly");
    s
}

/// The `Set-Cookie` header value the Worker sends for [`MARKER_COOKIE`] next to the referral
/// cookie: value `1`, the attributes of [`set_cookie_line`] (`max_age` in seconds, the same
/// as the referral cookie's), not `HttpOnly`.
pub fn marker_cookie_line(max_age: i64, https: bool, domain: Option<&str>) -> String {
    cookie_line(MARKER_COOKIE, "1", max_age, https, domain)
}

fn cookie_line(name: &str, value: &str, max_age: i64, https: bool, domain: Option<&str>) -> String {
    let mut s = String::with_capacity(128);
    s.push_str(name);
    s.push('=');
    s.push_str(value);
    s.push_str("; Max-Age=");
    push_decimal(&mut s, max_age.min(MAX_AGE_CAP));
    s.push_str("; Path=/; SameSite=Lax");
    if https {
        s.push_str("; Secure");
    }
    if let Some(d) = domain {
        s.push_str("; Domain=");
        s.push_str(d);
    }
    s
}

/// A cookie domain as given by the Worker or `data-cookie-domain`: a leading `.` dropped,
/// lower-cased, at most [`MAX_DOMAIN_LEN`] bytes of letters, digits, `-` and `.`.
/// Anything else (which could inject cookie attributes) gives `None`.
pub fn valid_domain(domain: &str) -> Option<String> {
    let d = domain.strip_prefix('.').unwrap_or(domain);
    let ok = !d.is_empty()
        && d.len() <= MAX_DOMAIN_LEN
        && d.as_bytes().iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    ok.then(|| d.to_ascii_lowercase())
}

/// The values of the cookies named `name` in `cookies` (a `Cookie` request header or
/// `document.cookie`: `a=1; b=2`), in order (a host-only and a domain cookie may share a
/// name).
pub fn cookie_values<'a>(cookies: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    parts(cookies, b';').filter_map(move |pair| {
        let (key, value) = split_once(pair, b'=')?;
        (skip_spaces(key) == name).then_some(value)
    })
}

/// The referral held in cookie `name` of `cookies` (see [`cookie_values`]): the first value
/// that decodes and has not expired at `now`. A mangled or expired cookie counts as none.
pub fn held_in(cookies: &str, name: &str, now: Timestamp) -> Option<ReferralCookie> {
    cookie_values(cookies, name)
        .find_map(|v| ReferralCookie::decode(v).filter(|c| !crate::attribution::is_expired(c.expires_at, now)))
}

/// Whether the tracker's reports from a page on `page_host` to an API on `api_host` are
/// same-site, so they carry the visitor's cookies (`credentials: "include"`) and the
/// Worker's answer may set [`REFERRAL_COOKIE`]: the same host, one a subdomain of the
/// other, or both within `domain` (the known cookie domain, e.g. `data-cookie-domain`).
/// Without the public-suffix list this errs towards "not same-site", which only costs the
/// server cookie.
pub fn same_site_hosts(page_host: &str, api_host: &str, domain: Option<&str>) -> bool {
    let within = |host: &str, d: &str| {
        host == d || (host.len() > d.len() && host.ends_with(d) && host.as_bytes()[host.len() - d.len() - 1] == b'.')
    };
    !page_host.is_empty()
        && !api_host.is_empty()
        && (within(page_host, api_host)
            || within(api_host, page_host)
            || domain.is_some_and(|d| within(page_host, d) && within(api_host, d)))
}

/// What the referral cookie holds.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReferralCookie {
    /// The click (= referral) ID the Worker returned.
    pub click_id: ClickId,
    /// The affiliate who gets the credit.
    pub affiliate_id: AffiliateId,
    /// The link token the visitor arrived through.
    pub token: ViaToken,
    /// When the click expires (the cookie's own expiry), Unix seconds.
    pub expires_at: Timestamp,
    /// The campaign's attribution, which decides whether a later link may replace this one.
    pub attribution: Attribution,
}

impl ReferralCookie {
    /// Encodes the cookie value (see the module docs).
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(128);
        s.push_str("1.");
        s.push_str(self.click_id.as_str());
        s.push('.');
        s.push_str(self.affiliate_id.as_str());
        s.push('.');
        s.push_str(self.token.as_str());
        s.push('.');
        push_decimal(&mut s, self.expires_at.unix_seconds());
        s.push('.');
        s.push(match self.attribution {
            Attribution::FirstClick => 'f',
            Attribution::LastClick => 'l',
        });
        s
    }

    /// Parses a cookie value; `None` for anything that is not exactly a version-1 value.
    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = parts(value, b'.');
        if parts.next()? != "1" {
            return None;
        }
        let click_id = ClickId::parse(parts.next()?).ok()?;
        let affiliate_id = AffiliateId::parse(parts.next()?).ok()?;
        let token = ViaToken::parse(parts.next()?).ok()?;
        let secs = parts.next()?;
        let canonical = !secs.is_empty()
            && secs.len() <= 12
            && secs.as_bytes().iter().all(u8::is_ascii_digit)
            && (secs == "0" || secs.as_bytes()[0] != b'0');
        if !canonical {
            return None;
        }
        // At most 12 digits: no overflow.
        let secs = secs.as_bytes().iter().fold(0i64, |n, &b| n * 10 + i64::from(b - b'0'));
        if secs > crate::time::MAX_UNIX_MS / 1000 {
            return None;
        }
        let expires_at = Timestamp::from_unix_seconds(secs);
        let attribution = match parts.next()? {
            "f" => Attribution::FirstClick,
            "l" => Attribution::LastClick,
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self { click_id, affiliate_id, token, expires_at, attribution })
    }

    /// What attribution needs to know about this cookie.
    pub fn held(&self) -> Held {
        Held { expires_at: self.expires_at, attribution: self.attribution }
    }
}

/// What a visitor's referral cookie becomes after a click: the one rule the page's cookie
/// (in the tracker) and the server-set cookie (in the Worker) both follow.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AfterClick {
    /// Write the clicked referral (no unexpired referral held, or the held one's campaign is
    /// last-click).
    Write(ReferralCookie),
    /// Keep the held referral (unexpired, first-click): the cookie is left as it is.
    Keep(ReferralCookie),
}

/// Decides what the cookie that holds `held` becomes when the visitor clicks `clicked` at
/// `now`, by [`crate::attribution::credit`]: the held referral's campaign decides.
pub fn after_click(held: Option<ReferralCookie>, clicked: ReferralCookie, now: Timestamp) -> AfterClick {
    match (crate::attribution::credit(held.as_ref().map(ReferralCookie::held), now), held) {
        (crate::attribution::Credit::KeepHeld, Some(h)) => AfterClick::Keep(h),
        _ => AfterClick::Write(clicked),
    }
}

/// Appends a non-negative integer in decimal without `core::fmt` (keeps the browser
/// module small). Negative values are written as 0.
pub fn push_decimal(out: &mut String, n: i64) {
    let mut n = u64::try_from(n).unwrap_or(0);
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &b in &buf[i..] {
        out.push(b as char);
    }
}
