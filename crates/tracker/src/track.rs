//! The tracker's flows: start (capture → click report → referral cookie, plus the retry
//! queue), the click answer, consent, convert, and the held referral.
//!
//! A flow that reports returns the started `fetch` promises; the loader awaits them and
//! calls back with the outcome ([`clicked`], [`converted`]); see [`crate::net`].

use crate::capture;
use crate::config::Config;
use crate::cookies;
use crate::net::{self, Outcome};
use crate::page;
use crate::queue::{self, Pending};
use alloc::string::String;
use js_sys::{Array, Object};
use viatrack_core::attribution::{credit, Credit};
use viatrack_core::cookie::{ReferralCookie, REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{AffiliateId, Attribution, ClickId, Timestamp, ViaToken, VisitorId};
use wasm_bindgen::JsValue;

/// The Worker's click endpoint.
pub const CLICK_PATH: &str = "/v1/track/click";
/// The Worker's lead endpoint.
pub const LEAD_PATH: &str = "/v1/track/lead";
/// Longest `url` or `referrer` sent, in bytes. A longer page URL is sent as origin + path;
/// a longer referrer is left out.
pub const MAX_URL_LEN: usize = 2048;

/// The Worker's answer to a click report (`data` of a 200 success envelope).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClickAnswer {
    /// The click (= referral) ID.
    pub click_id: ClickId,
    /// The affiliate the link belongs to.
    pub affiliate_id: AffiliateId,
    /// The link token, normalised.
    pub token: ViaToken,
    /// Seconds until the click expires (1 to [`cookies::MAX_AGE_CAP`]): the cookie's
    /// `Max-Age`, and `now + expires_in` is the expiry stored in the cookie value.
    pub expires_in: i64,
    /// The campaign's attribution.
    pub attribution: Attribution,
    /// The registrable domain to set the cookie on, if the Worker gave a valid one.
    pub cookie_domain: Option<String>,
}

impl ClickAnswer {
    /// Reads `data` of a click answer; `None` if any field is missing or invalid (the
    /// answer is then ignored) or the click has already expired (`expires_in` < 1 s).
    pub fn from_js(data: &JsValue) -> Option<ClickAnswer> {
        let text = |key| page::get_string(data, key);
        // NaN fails the filter too.
        let expires_in = page::get(data, "expires_in").as_f64().filter(|s| *s >= 1.0)?;
        Some(ClickAnswer {
            click_id: ClickId::parse(&text("click_id")?).ok()?,
            affiliate_id: AffiliateId::parse(&text("affiliate_id")?).ok()?,
            token: ViaToken::parse(&text("token")?).ok()?,
            // `as` saturates and drops the fraction.
            expires_in: (expires_in as i64).min(cookies::MAX_AGE_CAP),
            attribution: Attribution::parse(&text("attribution")?)?,
            cookie_domain: text("cookie_domain").and_then(|d| cookies::valid_domain(&d)),
        })
    }
}

/// Applies a click answer at `now`. The held referral's attribution decides ([`credit`]):
/// a held, unexpired first-click referral is kept; otherwise the answer's click becomes the
/// referral cookie (on the `data-cookie-domain` override, else the Worker's domain).
/// Returns whether the cookie was written and is visible.
pub fn remember(cfg: &Config, answer: &ClickAnswer, now: Timestamp) -> bool {
    let held = cookies::held(now).map(|c| c.held());
    if credit(held, now) == Credit::KeepHeld {
        return false;
    }
    let cookie = ReferralCookie {
        click_id: answer.click_id.clone(),
        affiliate_id: answer.affiliate_id.clone(),
        token: answer.token.clone(),
        expires_at: now.plus_ms(answer.expires_in * 1000),
        attribution: answer.attribution,
    };
    let domain = cfg.cookie_domain.as_deref().or(answer.cookie_domain.as_deref());
    cookies::set(REFERRAL_COOKIE, &cookie.encode(), answer.expires_in, domain)
}

/// The click report body for `token` on the current page, as JSON text:
/// `{"token", "url", "referrer"?, "visitor_id"}`. `url` is `location.href`, or origin +
/// path when longer than [`MAX_URL_LEN`]; `referrer` only when it is an http(s) URL of at
/// most [`MAX_URL_LEN`] bytes. `None` when the page is not an http(s) page.
pub fn click_body(token: &ViaToken, visitor: &VisitorId) -> Option<String> {
    let mut url = page::location("href");
    if !page::is_http_url(&url) {
        page::debug("viatrack: not an http(s) page, click not reported");
        return None;
    }
    if url.len() > MAX_URL_LEN {
        url = page::location("origin");
        let path = page::location("pathname");
        if url.len() + path.len() <= MAX_URL_LEN {
            url.push_str(&path);
        }
    }
    let body = Object::new();
    page::set_str(&body, "token", token.as_str());
    page::set_str(&body, "url", &url);
    let referrer = page::referrer();
    if page::is_http_url(&referrer) && referrer.len() <= MAX_URL_LEN {
        page::set_str(&body, "referrer", &referrer);
    }
    page::set_str(&body, "visitor_id", visitor.as_str());
    page::stringify(&body)
}

/// Runs the page's capture once, when allowed: ensures the visitor cookie, takes the retry
/// queue, adds a report for the page's token, and starts all the reports at once.
///
/// Returns the flights as a flat array `[fetch promise, queue line, …]`, older reports
/// first, so that answers applied in order leave the page's own click last. For each pair,
/// the loader awaits the promise and calls [`clicked`] with the line and the outcome.
pub fn start(cfg: &Config) -> Array {
    let flights = Array::new();
    if !cfg.allowed() || cfg.mark_started() {
        return flights;
    }
    if !cfg.can_send() {
        page::debug("viatrack: no data-key or API origin, nothing reported");
        return flights;
    }
    let now = page::now();
    let visitor = cookies::visitor(cfg);
    let mut pending = queue::take(now);
    if let (Some(token), Some(visitor)) = (capture::page_token(&cfg.params), visitor) {
        if let Some(p) = click_body(&token, &visitor).and_then(|b| Pending::new(now, &b)) {
            pending.push(p);
        }
    }
    for p in pending {
        let request = net::send(cfg, CLICK_PATH, p.body());
        flights.push(&request);
        flights.push(&JsValue::from_str(p.line()));
    }
    flights
}

/// Handles the outcome of a click report started by [`start`]: `line` is its queue line,
/// `status` the HTTP status (0: no answer), `body` the parsed JSON. A success sets the
/// referral cookie ([`remember`]); a failure worth retrying goes back to the queue; a
/// notice (bot), a 4xx or an unreadable answer is dropped.
pub fn clicked(cfg: &Config, line: &str, status: u16, body: &JsValue) {
    let now = page::now();
    match Outcome::of(status, body) {
        Outcome::Retry => queue::add(line, now),
        Outcome::Data(data) => {
            if let Some(answer) = ClickAnswer::from_js(&data) {
                remember(cfg, &answer, now);
            }
        }
        Outcome::Nothing => {}
    }
}

/// `viatrack('consent', granted)`: records the choice. `true` runs the page's capture if it
/// has not run (and returns its flights, as [`start`]); `false` deletes the tracker's
/// cookies and retry queue and stops it.
pub fn consent(cfg: &Config, granted: bool) -> Array {
    cfg.set_consent(granted);
    if !granted {
        cookies::remove(REFERRAL_COOKIE);
        cookies::remove(VISITOR_COOKIE);
        queue::clear();
    }
    start(cfg)
}

/// `viatrack('convert', data)`: starts the lead report for the held referral and returns
/// the `fetch` promise (the loader awaits it and calls [`converted`]), or `undefined` —
/// the answer is then `null` without a request — when there is no valid, unexpired
/// referral cookie, no consent, or no string `email`.
///
/// The body is `{"click_id", "email", "name"?, "customer_id"?, "metadata"?}`: the optional
/// fields only when given (not `undefined`/`null`), nothing else.
pub fn convert(cfg: &Config, data: &JsValue) -> JsValue {
    lead_body(cfg, data).map_or(JsValue::UNDEFINED, |body| net::send(cfg, LEAD_PATH, &body))
}

fn lead_body(cfg: &Config, data: &JsValue) -> Option<String> {
    if !cfg.allowed() || !cfg.can_send() {
        return None;
    }
    let held = cookies::held(page::now())?;
    let email = page::get(data, "email");
    email.as_string().filter(|e| !e.is_empty())?;
    let body = Object::new();
    page::set_str(&body, "click_id", held.click_id.as_str());
    page::set(&body, "email", &email);
    for key in ["name", "customer_id", "metadata"] {
        let value = page::get(data, key);
        if !value.is_undefined() && !value.is_null() {
            page::set(&body, key, &value);
        }
    }
    page::stringify(&body)
}

/// The answer `convert` resolves: the Worker's referral object (`data`) for a success,
/// `null` for a notice (click not found or expired), an error or a failure.
pub fn converted(status: u16, body: &JsValue) -> JsValue {
    match Outcome::of(status, body) {
        Outcome::Data(data) => data,
        _ => JsValue::NULL,
    }
}

/// The held referral's click ID (`viatrack.referral`), or `null`.
pub fn referral() -> JsValue {
    cookies::held(page::now()).map_or(JsValue::NULL, |c| JsValue::from_str(c.click_id.as_str()))
}

/// The held referral's affiliate as `{id, token}` (`viatrack.affiliate`), or `null`.
pub fn affiliate() -> JsValue {
    let Some(held) = cookies::held(page::now()) else {
        return JsValue::NULL;
    };
    let out = Object::new();
    page::set_str(&out, "id", held.affiliate_id.as_str());
    page::set_str(&out, "token", held.token.as_str());
    out.into()
}
