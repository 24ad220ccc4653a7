//! The tracker's flows: start (capture → click report → referral cookie, replay of the
//! delivery queue, restore from the server cookie), the answers, consent, convert, and the
//! held referral.
//!
//! A flow that reports returns the started `fetch` promises with their queue lines; the
//! loader awaits them and calls back with the outcome ([`answered`], [`converted`]); see
//! [`crate::net`]. Every report is stored in the delivery queue ([`crate::queue`]) before it
//! is sent and leaves it only when answered.

use crate::capture;
use crate::config::Config;
use crate::cookies;
use crate::net::{self, Outcome};
use crate::page;
use crate::queue::{self, Kind, Pending};
use alloc::string::String;
use js_sys::{Array, Object};
use viatrack_core::cookie::{after_click, AfterClick, ReferralCookie, SCRIPT_REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{AffiliateId, Attribution, ClickId, ReferralId, ReportId, Timestamp, ViaToken, VisitorId};
use wasm_bindgen::JsValue;

/// The Worker's click endpoint.
pub const CLICK_PATH: &str = "/v1/track/click";
/// The Worker's lead endpoint.
pub const LEAD_PATH: &str = "/v1/track/lead";
/// The Worker's endpoint that answers the referral of its server-set cookie.
pub const REFERRAL_PATH: &str = "/v1/track/referral";
/// Longest `url` or `referrer` sent, in bytes. A longer page URL is sent as origin + path;
/// a longer referrer is left out.
pub const MAX_URL_LEN: usize = 2048;
/// The queue line of the restore request (`GET /v1/track/referral`), which is never stored.
pub const RESTORE: &str = "";

/// The referral fields of a click answer (`data` of a 200 success envelope), or of the
/// `held` referral inside it, or of `GET /v1/track/referral`.
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
    /// Reads an answer's referral fields; `None` if any field is missing or invalid (the
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
            attribution: Attribution::parse(&text("attribution")?).ok()?,
            cookie_domain: text("cookie_domain").and_then(|d| cookies::valid_domain(&d)),
        })
    }

    /// The referral cookie value it makes at `now` (expiry: the page's clock + `expires_in`).
    fn cookie(&self, now: Timestamp) -> ReferralCookie {
        ReferralCookie {
            click_id: self.click_id.clone(),
            affiliate_id: self.affiliate_id.clone(),
            token: self.token.clone(),
            expires_at: now.plus_ms(self.expires_in * 1000),
            attribution: self.attribution,
        }
    }

    /// The cookie domain: the `data-cookie-domain` override, else the Worker's.
    fn domain<'a>(&'a self, cfg: &'a Config) -> Option<&'a str> {
        cfg.cookie_domain.as_deref().or(self.cookie_domain.as_deref())
    }
}

/// Applies a click answer at `now` by core's one cookie rule ([`after_click`]): a held,
/// unexpired first-click referral is kept; otherwise the answer's click becomes the page's
/// referral cookie. Returns whether the cookie was written and is visible.
pub fn remember(cfg: &Config, answer: &ClickAnswer, now: Timestamp) -> bool {
    match after_click(cookies::held(now), answer.cookie(now), now) {
        AfterClick::Write(cookie) => write(cfg, answer, &cookie),
        AfterClick::Keep(_) => false,
    }
}

/// Writes `answer` as the page's referral cookie (on the `data-cookie-domain` override, else
/// the Worker's domain), whatever the page held. Returns whether it is visible.
pub fn hold(cfg: &Config, answer: &ClickAnswer, now: Timestamp) -> bool {
    write(cfg, answer, &answer.cookie(now))
}

fn write(cfg: &Config, answer: &ClickAnswer, cookie: &ReferralCookie) -> bool {
    cookies::set(SCRIPT_REFERRAL_COOKIE, &cookie.encode(), answer.expires_in, answer.domain(cfg))
}

/// The click report body for `token` on the current page, as JSON text:
/// `{"token", "url", "referrer"?, "visitor_id", "report_id"}`. `url` is `location.href`, or
/// origin + path when longer than [`MAX_URL_LEN`]; `referrer` only when it is an http(s)
/// URL of at most [`MAX_URL_LEN`] bytes. `None` when the page is not an http(s) page.
pub fn click_body(token: &ViaToken, visitor: &VisitorId, report: &ReportId) -> Option<String> {
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
    page::set_str(&body, "report_id", report.as_str());
    page::stringify(&body)
}

/// The visitor ID a queued click report carries (its body's `visitor_id`).
fn queued_visitor(pending: &[Pending]) -> Option<VisitorId> {
    pending.iter().filter(|p| p.kind() == Kind::Click).find_map(|p| {
        let body = page::parse(p.body())?;
        VisitorId::parse(&page::get_string(&body, "visitor_id")?).ok()
    })
}

/// Runs the page's capture once, when allowed: replays the delivery queue, and for a token
/// in the URL stores and sends a new click report (visitor ID from the visitor cookie, a
/// queued report, or new; a new report ID). Without a token and without a page cookie, a
/// same-site page asks the Worker for the referral of its `HttpOnly` cookie.
///
/// Returns the flights as a flat array `[fetch promise, queue line, …]`, older reports
/// first, so that answers applied in order leave the page's own click last. For each pair,
/// the loader awaits the promise and calls [`answered`] with the line and the outcome.
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
    let mut pending = queue::pending(now);
    let token = capture::page_token(&cfg.params);
    if let Some(token) = &token {
        let visitor = cookies::visitor().or_else(|| queued_visitor(&pending)).or_else(cookies::new_visitor);
        let report = cookies::random().map(ReportId::from_bytes);
        if let (Some(visitor), Some(report)) = (visitor, report) {
            if let Some(p) = click_body(token, &visitor, &report).and_then(|b| Pending::new(now, Kind::Click, &b)) {
                queue::push(&p, now);
                pending.push(p);
            }
        }
    }
    if cfg.clean_url {
        let search = page::location("search");
        if let Some(clean) = capture::without_params(&search, &cfg.params) {
            let mut url = page::location("pathname");
            url.push_str(&clean);
            url.push_str(&page::location("hash"));
            page::replace_url(&url);
        }
    }
    let restore = token.is_none()
        && cfg.first_party
        && cookies::held(now).is_none()
        && !pending.iter().any(|p| p.kind() == Kind::Click);
    if restore {
        flights.push(&net::send(cfg, REFERRAL_PATH, None));
        flights.push(&JsValue::from_str(RESTORE));
    }
    for p in pending {
        flights.push(&net::send(cfg, p.kind().path(), Some(p.body())));
        flights.push(&JsValue::from_str(p.line()));
    }
    flights
}

/// Handles the outcome of a report started by [`start`]: `line` is its queue line
/// ([`RESTORE`] for the restore request), `status` the HTTP status (0: no answer), `body`
/// the parsed JSON. A report stays queued when the outcome is worth retrying and leaves the
/// queue otherwise. A click answer sets the visitor cookie and the referral cookie
/// ([`remember`], or [`hold`] for a referral the server cookie keeps); a restore answer sets
/// the referral cookie.
pub fn answered(cfg: &Config, line: &str, status: u16, body: &JsValue) {
    let now = page::now();
    let outcome = Outcome::of(status, body);
    // The restore request is never queued: nothing to remove.
    if outcome != Outcome::Retry && line != RESTORE {
        queue::remove(line, now);
    }
    let Outcome::Data(data) = outcome else { return };
    if line == RESTORE {
        if let Some(answer) = ClickAnswer::from_js(&data) {
            hold(cfg, &answer, now);
        }
        return;
    }
    if Pending::parse(line, now).map(|p| p.kind()) != Some(Kind::Click) {
        return;
    }
    let Some(answer) = ClickAnswer::from_js(&data) else { return };
    if let Some(visitor) = page::get_string(&data, "visitor_id").and_then(|v| VisitorId::parse(&v).ok()) {
        cookies::set(VISITOR_COOKIE, visitor.as_str(), answer.expires_in, answer.domain(cfg));
    }
    match ClickAnswer::from_js(&page::get(&data, "held")) {
        Some(held) => hold(cfg, &held, now),
        None => remember(cfg, &answer, now),
    };
}

/// `viatrack('consent', granted)`: records the choice. `true` runs the page's capture if it
/// has not run (and returns its flights, as [`start`]); `false` deletes the tracker's
/// cookies and delivery queue and stops it.
pub fn consent(cfg: &Config, granted: bool) -> Array {
    cfg.set_consent(granted);
    if !granted {
        cookies::remove(SCRIPT_REFERRAL_COOKIE);
        cookies::remove(VISITOR_COOKIE);
        queue::clear();
    }
    start(cfg)
}

/// `viatrack('convert', data)`: stores and starts the lead report for the held referral and
/// returns `[fetch promise, queue line]` (the loader awaits the promise and calls
/// [`converted`]), or `undefined` — the answer is then `null` without a request — when there
/// is no consent, no string `email`, or no referral: no valid, unexpired page cookie and,
/// on a page not on the API's site, no server cookie to fall back on.
///
/// The body is `{"click_id"?, "email", "name"?, "customer_id"?, "metadata"?}`: `click_id`
/// from the page cookie (without it, a same-site Worker reads its own cookie), the optional
/// fields only when given (not `undefined`/`null`), nothing else.
pub fn convert(cfg: &Config, data: &JsValue) -> JsValue {
    let now = page::now();
    let Some(p) = lead_body(cfg, data, now).and_then(|b| Pending::new(now, Kind::Lead, &b)) else {
        return JsValue::UNDEFINED;
    };
    queue::push(&p, now);
    let flight = Array::new();
    flight.push(&net::send(cfg, LEAD_PATH, Some(p.body())));
    flight.push(&JsValue::from_str(p.line()));
    flight.into()
}

fn lead_body(cfg: &Config, data: &JsValue, now: Timestamp) -> Option<String> {
    if !cfg.allowed() || !cfg.can_send() {
        return None;
    }
    let held = cookies::held(now);
    if held.is_none() && !cfg.first_party {
        return None;
    }
    let email = page::get(data, "email");
    email.as_string().filter(|e| !e.is_empty())?;
    let body = Object::new();
    if let Some(held) = held {
        page::set_str(&body, "click_id", held.click_id.as_str());
    }
    page::set(&body, "email", &email);
    for key in ["name", "customer_id", "metadata"] {
        let value = page::get(data, key);
        if !value.is_undefined() && !value.is_null() {
            page::set(&body, key, &value);
        }
    }
    page::stringify(&body)
}

/// The answer `convert` resolves: the Worker's referral object (`data`, with a valid `id`)
/// for a success, `null` for a notice (no click, click not found or expired), an error, a
/// failure or an answer that is not a referral. The
/// lead leaves the delivery queue unless the outcome is worth retrying (then the next page
/// view sends it again).
pub fn converted(line: &str, status: u16, body: &JsValue) -> JsValue {
    let outcome = Outcome::of(status, body);
    if outcome != Outcome::Retry {
        queue::remove(line, page::now());
    }
    match outcome {
        Outcome::Data(data) if page::get_string(&data, "id").is_some_and(|id| ReferralId::parse(&id).is_ok()) => data,
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
