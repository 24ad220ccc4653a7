//! The tracker's flows: start (capture → click report → referral cookie, replay of the
//! delivery queue, restore from the server cookie), the answers, consent, convert, and the
//! held referral.
//!
//! A flow that reports returns the started `fetch` promises with their queue lines; the
//! loader awaits them and calls back with the outcome ([`answered`]); see
//! [`crate::net`]. Every report is stored in the delivery queue ([`crate::queue`]) before it
//! is sent and leaves it only when answered.

use crate::capture;
use crate::config::{self, Config};
use crate::cookies;
use crate::json;
use crate::net::{self, Outcome};
use crate::page::{self, Value};
use crate::queue::{self, Kind, Pending};
use alloc::string::String;
use viatrack_core::cookie::{
    after_click, AfterClick, ReferralCookie, MARKER_COOKIE, SCRIPT_REFERRAL_COOKIE, VISITOR_COOKIE,
};
use viatrack_core::{AffiliateId, Attribution, ClickId, ReferralId, ReportId, Timestamp, ViaToken, VisitorId};

/// Longest `url` or `referrer` sent, in bytes. A longer page URL is sent as origin + path;
/// a longer referrer is left out.
pub const MAX_URL_LEN: usize = 2048;
/// The queue line of the restore request (`GET /v1/track/referral`, the Worker's answer of
/// the referral its server-set cookie holds), which is never stored.
pub const RESTORE: &str = "";
/// Where the answer being applied keeps its `data` (see [`crate::page`]).
pub const DATA: &str = "a.data.";
/// Where a click answer names the referral the Worker's own cookie keeps.
pub const HELD: &str = "a.data.held.";

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
    /// Reads the referral fields of the object at `at` (a path ending in `.`: [`DATA`],
    /// [`HELD`]); `None` if any field is missing or invalid (the answer is then ignored) or
    /// the click has already expired (`expires_in` < 1 s).
    pub fn read(at: &str) -> Option<ClickAnswer> {
        // Whole seconds; `as` saturates (NaN, for no number, is 0).
        let expires_in = (page::number(&page::join(at, "expires_in")) as i64).max(0);
        if expires_in < 1 {
            return None;
        }
        Some(ClickAnswer {
            click_id: ClickId::parse(&page::text_at(at, "click_id")).ok()?,
            affiliate_id: AffiliateId::parse(&page::text_at(at, "affiliate_id")).ok()?,
            token: ViaToken::parse(&page::text_at(at, "token")).ok()?,
            expires_in: expires_in.min(cookies::MAX_AGE_CAP),
            attribution: Attribution::parse(&page::text_at(at, "attribution")).ok()?,
            cookie_domain: cookies::valid_domain(&page::text_at(at, "cookie_domain")),
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
        page::debug("not http(s)");
        return None;
    }
    if url.len() > MAX_URL_LEN {
        url = page::location("origin");
        let path = page::location("pathname");
        if url.len() + path.len() <= MAX_URL_LEN {
            url.push_str(&path);
        }
    }
    let mut body = String::from("{");
    json::push_field(&mut body, "token", token.as_str());
    json::push_field(&mut body, "url", &url);
    let referrer = page::referrer();
    if page::is_http_url(&referrer) && referrer.len() <= MAX_URL_LEN {
        json::push_field(&mut body, "referrer", &referrer);
    }
    json::push_field(&mut body, "visitor_id", visitor.as_str());
    json::push_field(&mut body, "report_id", report.as_str());
    body.push('}');
    Some(body)
}

/// The visitor ID a queued click report carries (its body's `visitor_id`, as
/// [`click_body`] wrote it).
fn queued_visitor<'a>(mut pending: impl Iterator<Item = &'a Pending>) -> Option<VisitorId> {
    pending.find_map(|p| VisitorId::parse(&id_in(p, "\"visitor_id\":\"")?).ok())
}

/// The ID after `field` (`"report_id":"`) in a click report's body, as [`click_body`] wrote it.
fn id_in(p: &Pending, field: &str) -> Option<String> {
    let body = p.body();
    let at = crate::text::after(body, field)?;
    (p.kind() == Kind::Click).then(|| body.get(at..at + 4 + viatrack_core::ids::ID_HEX_LEN)).flatten().map(String::from)
}

/// Runs the page's capture once, when allowed: replays the delivery queue, and for a token
/// in the URL stores and sends a new click report (visitor ID from the visitor cookie, a
/// queued report, or new; a new report ID). Without a token and without a page cookie, a
/// same-site page whose visitor holds the Worker's marker cookie (next to its `HttpOnly`
/// cookie) asks the Worker for the referral of that cookie.
///
/// The loader's fast path (its click report's queue line at `k`, already stored and sent):
/// the report is rebuilt here by core's rules with the loader's visitor and report IDs. When
/// the two bodies agree, the loader's line stays queued and its answer (in flight) is the
/// page's click; otherwise the loader's line leaves the queue and, for a valid token, this
/// report takes its place and is sent with the same report ID (the Worker records it once).
///
/// Starts the reports older first, so that answers applied in order leave the page's own
/// click last. For each, the loader awaits the promise and calls [`answered`] with the line
/// and the outcome.
pub fn start(cfg: &Config) {
    if !cfg.allowed() || config::mark_started() {
        return;
    }
    if !cfg.can_send() {
        page::debug("no key or API");
        return;
    }
    let now = page::now();
    let mut pending = queue::pending(now);
    // The loader's report (queued unless storage failed): it is not sent again.
    let fast = Pending::parse(&page::string("k"), now);
    let mut sent = fast.clone();
    let token = capture::token();
    let mut own = None;
    if let Some(token) = &token {
        let visitor =
            cookies::visitor().or_else(|| queued_visitor(pending.iter().chain(&fast))).or_else(cookies::new_visitor);
        let report = fast
            .as_ref()
            .and_then(|f| ReportId::parse(&id_in(f, "\"report_id\":\"")?).ok())
            .or_else(|| ReportId::parse(&page::new_id(ReportId::PREFIX)).ok());
        if let (Some(visitor), Some(report)) = (visitor, report) {
            own = click_body(token, &visitor, &report).and_then(|b| Pending::new(now, Kind::Click, &b));
        }
    }
    let mut changed = false;
    if let Some(f) = &fast {
        if own.as_ref().is_some_and(|p| p.body() == f.body()) {
            own = None;
        } else {
            pending.retain(|p| p != f);
            sent = None;
            changed = true;
        }
    }
    if let Some(p) = own {
        pending.push(p);
        changed = true;
    }
    if changed {
        queue::save(&pending);
    }
    if cfg.clean_url {
        if let Some(url) = capture::clean_url() {
            page::replace_url(&url);
        }
    }
    let restore = token.is_none()
        && cfg.first_party
        && cookies::values(&cookies::all(), MARKER_COOKIE).next().is_some()
        && cookies::held(now).is_none()
        && !pending.iter().any(|p| p.kind() == Kind::Click);
    if restore {
        net::send(RESTORE);
    }
    for p in &pending {
        if Some(p) != sent.as_ref() {
            net::send(p.line());
        }
    }
}

/// Handles the outcome of a report: `line` is its queue line ([`RESTORE`] for the restore
/// request), `status` the HTTP status (0: no answer), the parsed JSON body at `a`. A report
/// stays queued when the outcome is worth retrying and leaves the queue otherwise. A click
/// answer sets the visitor cookie and the referral cookie ([`remember`], or [`hold`] for a
/// referral the server cookie keeps); a restore answer sets the referral cookie.
///
/// Returns whether the answer is what `convert` resolves: for a lead report, the Worker's
/// referral object (`a.data`, with a valid `id`, for a success). Otherwise `convert` resolves
/// `null` (a notice: no click, click not found or expired; an error, a failure, or an answer
/// that is not a referral); a lead with no answer stays queued for the next page view.
pub fn answered(cfg: &Config, line: &str, status: u16) -> bool {
    let now = page::now();
    let outcome = Outcome::answer(status);
    // The restore request is never queued: nothing to remove.
    if outcome != Outcome::Retry && line != RESTORE {
        queue::remove(line, now);
    }
    if outcome != Outcome::Data {
        return false;
    }
    // The restore request's line is empty: no kind.
    let kind = queue::kind_of(line);
    if kind == Some(Kind::Lead) {
        return ReferralId::parse(&page::string("a.data.id")).is_ok();
    }
    let Some(answer) = ClickAnswer::read(DATA) else { return false };
    if line == RESTORE {
        hold(cfg, &answer, now);
        return false;
    }
    if kind.is_none() {
        return false;
    }
    if let Ok(visitor) = VisitorId::parse(&page::string("a.data.visitor_id")) {
        cookies::set(VISITOR_COOKIE, visitor.as_str(), answer.expires_in, answer.domain(cfg));
    }
    match ClickAnswer::read(HELD) {
        Some(held) => hold(cfg, &held, now),
        None => remember(cfg, &answer, now),
    };
    false
}

/// `viatrack('consent', granted)`: records the choice. `true` runs the page's capture if it
/// has not run (as [`start`]); `false` deletes the tracker's cookies and delivery queue and
/// stops it.
pub fn consent(cfg: &Config, granted: bool) {
    config::set_consent(granted);
    if !granted {
        cookies::remove(SCRIPT_REFERRAL_COOKIE);
        cookies::remove(VISITOR_COOKIE);
        queue::clear();
    }
    start(cfg);
}

/// `viatrack('convert', data)` with `data` at `c`: stores and starts the lead report for the
/// held referral (the loader awaits it and calls [`answered`]), or starts nothing — the
/// answer is then `null` without a request — when there is no consent, no string `email`,
/// or no referral: no valid, unexpired page cookie and, on a page not on the API's site, no
/// server cookie to fall back on.
///
/// The body is `{"click_id"?, "email", "name"?, "customer_id"?, "metadata"?}`: `click_id`
/// from the page cookie (without it, a same-site Worker reads its own cookie), the optional
/// fields only when given (not `undefined`/`null`), nothing else; data that cannot be read
/// or written as JSON (a throwing getter, a cycle) starts nothing.
pub fn convert(cfg: &Config) {
    let now = page::now();
    if let Some(p) = lead_body(cfg, now).and_then(|b| Pending::new(now, Kind::Lead, &b)) {
        queue::push(&p, now);
        net::send(p.line());
    }
}

fn lead_body(cfg: &Config, now: Timestamp) -> Option<String> {
    if !cfg.allowed() || !cfg.can_send() {
        return None;
    }
    let held = cookies::held(now);
    if held.is_none() && !cfg.first_party {
        return None;
    }
    let email = page::string("c.email");
    if email.is_empty() {
        return None;
    }
    let mut body = String::from("{");
    if let Some(held) = &held {
        json::push_field(&mut body, "click_id", held.click_id.as_str());
    }
    json::push_field(&mut body, "email", &email);
    for key in ["name", "customer_id", "metadata"] {
        match page::get(&page::join("c.", key)) {
            Value::Text(s) => json::push_field(&mut body, key, &s),
            Value::Json(j) if j != "null" => {
                json::push_key(&mut body, key);
                body.push_str(&j);
            }
            Value::Threw => return None,
            _ => {}
        }
    }
    body.push('}');
    Some(body)
}

/// The held referral (`viatrack.referral` and `viatrack.affiliate`) as its cookie value,
/// `1.<click ID>.<affiliate ID>.<token>.<expires_at>.<f|l>`
/// ([`viatrack_core::cookie::ReferralCookie::encode`], which the loader splits on `.`), or
/// `""` when the visitor holds none (no valid, unexpired page cookie).
pub fn held() -> String {
    cookies::held(page::now()).map(|held| held.encode()).unwrap_or_default()
}
