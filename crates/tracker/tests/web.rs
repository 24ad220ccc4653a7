//! The tracker's logic in a real browser (headless Chromium through wasm-bindgen-test):
//! token capture from `location.search`, the referral cookie rules, the click answer, the
//! delivery queue, restore from the server cookie, URL clean-up and robustness against bad
//! input. Run by `make test-tracker`.
//!
//! All tests share one page, so each starts with [`fresh`]: no viatrack cookies, no queue,
//! no query string.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use js_sys::{Array, Function, Object, Promise, Reflect};
use viatrack_core::cookie::{ReferralCookie, SCRIPT_REFERRAL_COOKIE as REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{AffiliateId, Attribution, ClickId, Timestamp, ViaToken, VisitorId};
use viatrack_tracker::capture::{page_token, token_from_query, without_params};
use viatrack_tracker::config::Config;
use viatrack_tracker::net::Outcome;
use viatrack_tracker::queue::{self, Kind, Pending};
use viatrack_tracker::track::{self, ClickAnswer};
use viatrack_tracker::{cookies, page};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const AFF: &str = "aff_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const AFF2: &str = "aff_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const REF1: &str = "ref_11111111111111111111111111111111";
const REF2: &str = "ref_22222222222222222222222222222222";
const VISITOR: &str = "vis_33333333333333333333333333333333";
/// An API origin nothing listens on: every report fails (network error). Another site than
/// the test page (127.0.0.1), so reports carry no cookies and there is no server cookie.
const DEAD_API: &str = "http://localhost:9";
/// The same, on the test page's own site: first-party mode.
const DEAD_SAME_SITE_API: &str = "http://127.0.0.1:9";

/// Sets the test page's query string (`history.replaceState`).
fn set_query(query: &str) {
    let history = page::global_get("history");
    let replace: Function = page::get(&history, "replaceState").unchecked_into();
    let path = page::location("pathname");
    let url = format!("{path}{query}");
    replace.call3(&history, &JsValue::NULL, &JsValue::from_str(""), &JsValue::from_str(&url)).expect("replaceState");
}

/// Removes the tracker's cookies and queue and clears the query string.
fn fresh() {
    cookies::remove(REFERRAL_COOKIE);
    cookies::remove(VISITOR_COOKIE);
    queue::clear();
    set_query("");
}

/// An options object as the loader builds it.
fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).expect("set");
    }
    o.into()
}

fn config(pairs: &[(&str, JsValue)]) -> Config {
    Config::from_js(&options(pairs))
}

/// A click answer's `data` object, as the Worker sends it.
fn answer(click_id: &str, affiliate_id: &str, token: &str, expires_in: f64, attribution: &str) -> JsValue {
    options(&[
        ("click_id", click_id.into()),
        ("affiliate_id", affiliate_id.into()),
        ("token", token.into()),
        ("expires_at", "2026-01-20T15:30:00.000Z".into()),
        ("expires_in", expires_in.into()),
        ("cookie_duration", 60.into()),
        ("attribution", attribution.into()),
        ("cookie_domain", JsValue::NULL),
        ("visits", 1.into()),
    ])
}

/// The success envelope around `data`.
fn envelope(data: &JsValue) -> JsValue {
    options(&[("success", true.into()), ("data", data.clone())])
}

fn held_id() -> Option<String> {
    cookies::held(page::now()).map(|c| c.click_id.as_str().to_owned())
}

/// Stores a referral cookie directly (bypassing the tracker), `expires_at` in the value.
fn plant(click_id: &str, expires_at: Timestamp, attribution: Attribution, max_age: i64) {
    let c = ReferralCookie {
        click_id: ClickId::parse(click_id).expect("click id"),
        affiliate_id: AffiliateId::parse(AFF).expect("aff"),
        token: ViaToken::parse("first").expect("token"),
        expires_at,
        attribution,
    };
    cookies::write(REFERRAL_COOKIE, &c.encode(), max_age, None);
}

/// Resolves after `ms` milliseconds.
async fn sleep(ms: u32) {
    let p = Promise::new(&mut |resolve, _| {
        page::call2(&page::global(), "setTimeout", &resolve, &JsValue::from(ms)).expect("setTimeout");
    });
    JsFuture::from(p).await.expect("timer");
}

/// Each configured parameter is read, not only `via`.
#[wasm_bindgen_test]
fn captures_from_each_configured_parameter() {
    fresh();
    for (query, want) in [("?via=jb007", "jb007"), ("?ref=partner_1", "partner_1"), ("?aff=A-B", "a-b")] {
        set_query(query);
        let got = page_token("via,ref,aff").map(|t| t.as_str().to_owned());
        assert_eq!(got.as_deref(), Some(want), "{query}");
    }
    // A parameter that is not configured is not read.
    set_query("?aff=jb007");
    assert_eq!(page_token("via,ref"), None);
    set_query("?via=jb007");
    assert_eq!(page_token(" ref , aff ").map(|t| t.as_str().to_owned()), None);
}

/// The first configured parameter with a valid token wins, in configuration order, not URL
/// order; for one name, the first valid occurrence wins.
#[wasm_bindgen_test]
fn precedence_follows_the_configured_order() {
    fresh();
    set_query("?aff=third&ref=second&via=first");
    assert_eq!(page_token("via,ref,aff").unwrap().as_str(), "first");
    assert_eq!(page_token("aff,via").unwrap().as_str(), "third");
    assert_eq!(page_token(" ref , via").unwrap().as_str(), "second");
    set_query("?via=bad!&via=good&via=later");
    assert_eq!(page_token("via").unwrap().as_str(), "good");
    // An invalid value under the first name falls through to the next name.
    set_query("?via=%3Cscript%3E&ref=fallback");
    assert_eq!(page_token("via,ref").unwrap().as_str(), "fallback");
}

/// Values are percent-decoded like URLSearchParams and tokens lower-cased (core's rules).
#[wasm_bindgen_test]
fn decodes_like_url_search_params() {
    assert_eq!(token_from_query("?via=JB%30%30%37", "via").unwrap().as_str(), "jb007");
    assert_eq!(token_from_query("v%69a=x_1", "via").unwrap().as_str(), "x_1");
    assert_eq!(token_from_query("?a=1&via=ok&b", "via").unwrap().as_str(), "ok");
    assert_eq!(token_from_query("?via=a+b", "via"), None, "+ is a space");
    assert_eq!(token_from_query("?via=%zz", "via"), None, "a stray % stays and is invalid");
}

/// Invalid tokens are ignored quietly: nothing captured, nothing thrown.
#[wasm_bindgen_test]
fn invalid_tokens_are_ignored() {
    let long = "a".repeat(65);
    let max = "a".repeat(64);
    let bad = [
        "?via=".to_owned(),
        "?via".to_owned(),
        "?via=<script>alert(1)</script>".to_owned(),
        "?via=%3Cscript%3E".to_owned(),
        "?via=a;b".to_owned(),
        "?via=a%3Bb".to_owned(),
        "?via=a.b".to_owned(),
        "?via=j%C3%A9r%C3%B4me".to_owned(),
        "?via=%E0%A4%A".to_owned(),
        "?via=%00".to_owned(),
        format!("?via={long}"),
        "?=jb007".to_owned(),
        "&&&==&".to_owned(),
    ];
    for q in &bad {
        assert_eq!(token_from_query(q, "via"), None, "{q}");
    }
    assert_eq!(token_from_query(&format!("?via={max}"), "via").unwrap().as_str(), max);
    // The same through the live location.
    fresh();
    set_query("?via=%3Cscript%3E");
    assert_eq!(page_token("via"), None);
}

/// Options are read defensively: defaults for anything missing or malformed.
#[wasm_bindgen_test]
fn options_fall_back_to_defaults() {
    for bad in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from(42), JsValue::from_str("x")] {
        let c = Config::from_js(&bad);
        assert_eq!(c.params, "via");
        assert!(!c.can_send());
        assert!(c.allowed());
    }
    let c = config(&[
        ("key", "pk_x".into()),
        ("api", "https://t.shop.example//".into()),
        ("params", " , ".into()),
        ("cookieDomain", ".Shop.Example".into()),
        ("consentRequired", true.into()),
    ]);
    assert_eq!(c.api, "https://t.shop.example");
    assert_eq!(c.params, "via", "no names given: the default");
    assert_eq!(c.cookie_domain.as_deref(), Some("shop.example"));
    assert!(c.consent_required && !c.allowed());
    let c = config(&[
        ("key", "pk_x".into()),
        ("api", "javascript:alert(1)".into()),
        ("cookieDomain", "x.com; Max-Age=9".into()),
    ]);
    assert!(!c.can_send(), "only http(s) API origins");
    assert_eq!(c.cookie_domain, None, "a domain that would inject attributes is dropped");
}

/// A last-click answer replaces the held referral; a held first-click referral is kept
/// while it is unexpired (the held cookie's attribution decides).
#[wasm_bindgen_test]
fn first_click_keeps_and_last_click_replaces() {
    fresh();
    let cfg = config(&[]);
    let now = page::now();
    let first = ClickAnswer::from_js(&answer(REF1, AFF, "first", 3600.0, "first_click")).unwrap();
    let second = ClickAnswer::from_js(&answer(REF2, AFF2, "second", 3600.0, "last_click")).unwrap();

    assert!(track::remember(&cfg, &first, now), "no referral held: the click is taken");
    assert_eq!(held_id().as_deref(), Some(REF1));
    assert!(!track::remember(&cfg, &second, now), "held first-click referral kept");
    assert_eq!(held_id().as_deref(), Some(REF1));

    fresh();
    let last = ClickAnswer::from_js(&answer(REF1, AFF, "first", 3600.0, "last_click")).unwrap();
    let later_first = ClickAnswer::from_js(&answer(REF2, AFF2, "second", 3600.0, "first_click")).unwrap();
    assert!(track::remember(&cfg, &last, now));
    assert!(track::remember(&cfg, &later_first, now), "held last-click referral replaced");
    let held = cookies::held(now).unwrap();
    assert_eq!(held.click_id.as_str(), REF2);
    assert_eq!(held.affiliate_id.as_str(), AFF2);
    assert_eq!(held.token.as_str(), "second");
    assert_eq!(held.attribution, Attribution::FirstClick);
    // The expiry stored in the value is now + expires_in.
    let expected = now.unix_seconds() + 3600;
    assert!((held.expires_at.unix_seconds() - expected).abs() <= 1);
}

/// A held first-click referral whose expiry (in the value) has passed does not hold the
/// credit: a new click replaces it. An expired cookie is not used at all.
#[wasm_bindgen_test]
fn expired_cookie_is_not_used() {
    fresh();
    let now = page::now();
    // The browser still has it (Max-Age 1 h) but its value says it expired a minute ago.
    plant(REF1, now.plus_ms(-60_000), Attribution::FirstClick, 3600);
    assert!(cookies::values(&cookies::all(), REFERRAL_COOKIE).next().is_some());
    assert_eq!(cookies::held(now), None);
    assert!(track::referral().is_null());
    assert!(track::affiliate().is_null());
    let cfg = config(&[("key", "pk_x".into()), ("api", DEAD_API.into())]);
    assert!(track::convert(&cfg, &options(&[("email", "a@b.example".into())])).is_undefined(), "no request");
    let next = ClickAnswer::from_js(&answer(REF2, AFF2, "second", 3600.0, "first_click")).unwrap();
    assert!(track::remember(&config(&[]), &next, now));
    assert_eq!(held_id().as_deref(), Some(REF2));
}

/// A mangled referral cookie reads as no referral and is replaced by the next click.
#[wasm_bindgen_test]
fn mangled_cookie_is_ignored() {
    for junk in [
        "garbage",
        "1.ref_x.aff_y.jb007.1.l",
        "2.ref_11111111111111111111111111111111.aff_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.jb007.99999999999.l",
        "",
        "%00%FF",
    ] {
        fresh();
        cookies::write(REFERRAL_COOKIE, junk, 3600, None);
        assert_eq!(cookies::held(page::now()), None, "{junk}");
        assert!(track::referral().is_null());
        let a = ClickAnswer::from_js(&answer(REF1, AFF, "jb007", 3600.0, "first_click")).unwrap();
        assert!(track::remember(&config(&[]), &a, page::now()));
        assert_eq!(held_id().as_deref(), Some(REF1));
    }
}

/// A cookie written with a short Max-Age really disappears from the browser when it runs
/// out.
#[wasm_bindgen_test]
async fn short_max_age_really_expires() {
    fresh();
    let a = ClickAnswer::from_js(&answer(REF1, AFF, "jb007", 1.0, "last_click")).unwrap();
    assert!(track::remember(&config(&[]), &a, page::now()));
    assert_eq!(held_id().as_deref(), Some(REF1));
    sleep(1600).await;
    assert!(cookies::values(&cookies::all(), REFERRAL_COOKIE).next().is_none(), "{}", cookies::all());
    assert!(track::referral().is_null());
}

/// The exports that read the held referral give its click ID and affiliate.
#[wasm_bindgen_test]
fn referral_and_affiliate_read_the_cookie() {
    fresh();
    assert!(track::referral().is_null());
    let a = ClickAnswer::from_js(&answer(REF1, AFF, "JB007", 3600.0, "last_click")).unwrap();
    assert!(track::remember(&config(&[]), &a, page::now()));
    assert_eq!(track::referral().as_string().as_deref(), Some(REF1));
    let aff = track::affiliate();
    assert_eq!(page::get_string(&aff, "id").as_deref(), Some(AFF));
    assert_eq!(page::get_string(&aff, "token").as_deref(), Some("jb007"));
}

/// Answers that are not a valid click are rejected field by field, never half-applied.
#[wasm_bindgen_test]
fn bad_click_answers_are_rejected() {
    let ok = answer(REF1, AFF, "jb007", 60.0, "last_click");
    assert!(ClickAnswer::from_js(&ok).is_some());
    let mutate = |key: &str, value: JsValue| {
        let a = answer(REF1, AFF, "jb007", 60.0, "last_click");
        Reflect::set(&a, &JsValue::from_str(key), &value).unwrap();
        ClickAnswer::from_js(&a)
    };
    assert!(mutate("click_id", "ref_nothex".into()).is_none());
    assert!(mutate("click_id", AFF.into()).is_none());
    assert!(mutate("affiliate_id", JsValue::NULL).is_none());
    assert!(mutate("token", "<b>".into()).is_none());
    assert!(mutate("expires_in", 0.into()).is_none());
    assert!(mutate("expires_in", (-5).into()).is_none());
    assert!(mutate("expires_in", f64::NAN.into()).is_none());
    assert!(mutate("expires_in", "60".into()).is_none());
    assert!(mutate("attribution", "middle_click".into()).is_none());
    let capped = mutate("expires_in", 1e12.into()).unwrap();
    assert_eq!(capped.expires_in, cookies::MAX_AGE_CAP);
    assert_eq!(mutate("cookie_domain", "shop.example".into()).unwrap().cookie_domain.as_deref(), Some("shop.example"));
    assert_eq!(mutate("cookie_domain", "a.com; Domain=evil.com".into()).unwrap().cookie_domain, None);
    for garbage in [JsValue::NULL, JsValue::UNDEFINED, JsValue::from(1), JsValue::from_str("{}"), Object::new().into()]
    {
        assert!(ClickAnswer::from_js(&garbage).is_none());
    }
}

/// Outcomes: data on a 2xx success, nothing on a notice or a 4xx, retry on no answer, 429
/// and 5xx.
#[wasm_bindgen_test]
fn outcomes_are_classified() {
    let data = answer(REF1, AFF, "jb007", 60.0, "last_click");
    assert!(matches!(Outcome::of(200, &envelope(&data)), Outcome::Data(_)));
    let notice = options(&[("success", true.into()), ("data", JsValue::NULL)]);
    assert_eq!(Outcome::of(200, &notice), Outcome::Nothing);
    let err = options(&[("success", false.into())]);
    for s in [400, 401, 403, 404, 409] {
        assert_eq!(Outcome::of(s, &err), Outcome::Nothing, "{s}");
    }
    for s in [0, 429, 500, 502, 503] {
        assert_eq!(Outcome::of(s, &JsValue::NULL), Outcome::Retry, "{s}");
    }
    for garbage in [JsValue::NULL, JsValue::from_str("<html>"), JsValue::from(3), Array::new().into()] {
        assert_eq!(Outcome::of(200, &garbage), Outcome::Nothing);
    }
    assert_eq!(Outcome::of(404, &envelope(&data)), Outcome::Nothing, "4xx never carries data");
}

/// The delivery queue keeps what it may (fresh, well-formed, bounded) and drops the rest;
/// a report stays until it is removed.
#[wasm_bindgen_test]
fn queue_is_bounded_and_validated() {
    let now = page::now();
    let p = Pending::new(now, Kind::Click, r#"{"token":"jb007"}"#).unwrap();
    assert_eq!(p.body(), r#"{"token":"jb007"}"#);
    assert_eq!(p.kind(), Kind::Click);
    assert_eq!(Pending::new(now, Kind::Lead, "{}").unwrap().kind(), Kind::Lead);
    assert!(Pending::new(now, Kind::Click, "not json").is_none());
    assert!(Pending::new(now, Kind::Click, "{\n}").is_none());
    assert!(Pending::new(now, Kind::Click, &format!("{{\"x\":\"{}\"}}", "a".repeat(queue::MAX_BODY))).is_none());
    let old = now.plus_ms(-queue::MAX_AGE_MS - 1);
    assert!(Pending::parse(&format!("{} c {{}}", old.unix_ms()), now).is_none(), "too old");
    let future = now.plus_ms(60_000);
    assert!(Pending::parse(&format!("{} c {{}}", future.unix_ms()), now).is_none(), "from the future");
    assert!(Pending::parse(&format!("{} x {{}}", now.unix_ms()), now).is_none(), "unknown kind");
    assert!(Pending::parse(&format!("{} {{}}", now.unix_ms()), now).is_none(), "no kind");
    let mut text = String::from("garbage\n\n12 c {}\n");
    for i in 0..queue::MAX_ITEMS + 5 {
        text.push_str(&format!("{} c {{\"n\":{i}}}\n", now.unix_ms()));
    }
    let items = queue::parse(&text, now);
    assert_eq!(items.len(), queue::MAX_ITEMS);
    assert_eq!(items[0].body(), "{\"n\":5}", "the newest are kept");

    queue::clear();
    let q = Pending::new(now, Kind::Lead, r#"{"email":"a@b.example"}"#).unwrap();
    queue::push(&p, now);
    queue::push(&q, now);
    assert_eq!(queue::pending(now), vec![p.clone(), q.clone()]);
    assert_eq!(queue::pending(now).len(), 2, "reading does not take");
    queue::remove("broken line", now);
    queue::remove(p.line(), now);
    assert_eq!(queue::pending(now), vec![q.clone()]);
    queue::remove(q.line(), now);
    assert!(page::storage_get(queue::KEY).is_none(), "an empty queue leaves no key");
}

/// A full capture against an API that cannot be reached: the report is stored before it is
/// sent, with the page's token, a new visitor ID and a report ID; no cookie is written
/// before an answer; the failure (status 0) leaves it queued, and the next page load sends
/// the same line again until an answer removes it.
#[wasm_bindgen_test]
async fn failed_report_is_kept_and_replayed_until_answered() {
    fresh();
    set_query("?via=JB007");
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    let flights = track::start(&cfg);
    assert_eq!(flights.length(), 2, "one report: [promise, line]");
    let line = flights.get(1).as_string().unwrap();
    assert_eq!(
        queue::pending(page::now()).iter().map(|p| p.line().to_owned()).collect::<Vec<_>>(),
        vec![line.clone()],
        "stored before it is sent"
    );
    assert!(cookies::all().find("viatrack_").is_none(), "no cookie before an answer: {}", cookies::all());
    let body: JsValue = js_sys::JSON::parse(line.splitn(3, ' ').nth(2).unwrap()).unwrap();
    assert_eq!(page::get_string(&body, "token").as_deref(), Some("jb007"));
    let visitor = page::get_string(&body, "visitor_id").unwrap();
    assert!(VisitorId::parse(&visitor).is_ok());
    assert!(viatrack_core::ReportId::parse(&page::get_string(&body, "report_id").unwrap()).is_ok());
    assert_eq!(page::get_string(&body, "url"), Some(page::location("href")));
    let keys = Reflect::own_keys(&body).unwrap().join(",");
    assert!(keys == "token,url,visitor_id,report_id" || keys == "token,url,referrer,visitor_id,report_id", "{keys}");
    // The request really fails.
    let promise: Promise = flights.get(0).unchecked_into();
    assert!(JsFuture::from(promise).await.is_err());
    track::answered(&cfg, &line, 0, &JsValue::NULL);
    assert!(track::start(&cfg).length() == 0, "the capture runs once per page");
    assert_eq!(queue::pending(page::now()).len(), 1, "still queued");

    // Next page load (a new options object), with the same token again: the queued report
    // is sent first, and the new report reuses its visitor ID.
    let next = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    let replay = track::start(&next);
    assert_eq!(replay.length(), 4);
    assert_eq!(replay.get(1).as_string().as_deref(), Some(line.as_str()), "same report first");
    let second: JsValue =
        js_sys::JSON::parse(replay.get(3).as_string().unwrap().splitn(3, ' ').nth(2).unwrap()).unwrap();
    assert_eq!(page::get_string(&second, "visitor_id").as_deref(), Some(visitor.as_str()), "one visitor");
    assert_ne!(page::get_string(&second, "report_id"), page::get_string(&body, "report_id"), "a new report");
    for i in [0, 2] {
        let _ = JsFuture::from(replay.get(i).unchecked_into::<Promise>()).await;
    }
    // Delivered (answered with a notice): nothing left to send.
    track::answered(&next, &line, 200, &options(&[("success", true.into()), ("data", JsValue::NULL)]));
    track::answered(&next, &replay.get(3).as_string().unwrap(), 404, &options(&[("success", false.into())]));
    set_query("");
    assert_eq!(track::start(&config(&[("key", "pk_test".into()), ("api", DEAD_API.into())])).length(), 0);
    assert!(page::storage_get(queue::KEY).is_none());
    fresh();
}

/// A 2xx answer sets the referral and visitor cookies and removes the report; a 4xx removes
/// it; a 5xx keeps it queued.
#[wasm_bindgen_test]
fn answered_applies_drops_or_keeps() {
    fresh();
    let cfg = config(&[]);
    let now = page::now();
    let line = Pending::new(now, Kind::Click, r#"{"token":"jb007","url":"http://x.example/"}"#).unwrap();
    queue::push(&line, now);
    track::answered(&cfg, line.line(), 503, &JsValue::NULL);
    assert_eq!(queue::pending(now).len(), 1, "5xx: kept");
    track::answered(&cfg, line.line(), 404, &options(&[("success", false.into())]));
    assert!(queue::pending(now).is_empty(), "4xx: removed");
    queue::push(&line, now);
    track::answered(&cfg, line.line(), 200, &JsValue::from_str("<html>"));
    assert!(queue::pending(now).is_empty(), "an unreadable answer: removed");
    assert!(held_id().is_none());
    queue::push(&line, now);
    let data = answer(REF1, AFF, "jb007", 60.0, "last_click");
    Reflect::set(&data, &"visitor_id".into(), &VISITOR.into()).unwrap();
    track::answered(&cfg, line.line(), 200, &envelope(&data));
    assert!(queue::pending(now).is_empty());
    assert_eq!(held_id().as_deref(), Some(REF1));
    assert_eq!(
        cookies::visitor().map(|v| v.as_str().to_owned()).as_deref(),
        Some(VISITOR),
        "visitor cookie from the answer"
    );
    fresh();
}

/// A click answer that names a `held` referral (the Worker's own cookie keeps an earlier
/// first-click referral) makes the page hold that one, even without a page cookie.
#[wasm_bindgen_test]
fn held_referral_in_the_answer_wins() {
    fresh();
    let now = page::now();
    let line = Pending::new(now, Kind::Click, r#"{"token":"second"}"#).unwrap();
    let data = answer(REF2, AFF2, "second", 3600.0, "last_click");
    Reflect::set(&data, &"held".into(), &answer(REF1, AFF, "first", 7200.0, "first_click")).unwrap();
    track::answered(&config(&[]), line.line(), 200, &envelope(&data));
    let held = cookies::held(now).unwrap();
    assert_eq!(held.click_id.as_str(), REF1);
    assert_eq!(held.attribution, Attribution::FirstClick);
    fresh();
}

/// On a page on the API's site (first-party mode), with no page cookie: the capture asks
/// the Worker for its server cookie's referral, and its answer becomes the page cookie;
/// convert sends the lead without a click ID (the Worker reads its own cookie).
#[wasm_bindgen_test]
async fn first_party_restores_and_converts_without_a_page_cookie() {
    fresh();
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_SAME_SITE_API.into())]);
    assert!(cfg.first_party);
    assert!(!config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]).first_party);
    let flights = track::start(&cfg);
    assert_eq!(flights.length(), 2, "the restore request");
    assert_eq!(flights.get(1).as_string().as_deref(), Some(track::RESTORE));
    assert!(page::storage_get(queue::KEY).is_none(), "a restore is not queued");
    let _ = JsFuture::from(flights.get(0).unchecked_into::<Promise>()).await;
    track::answered(&cfg, track::RESTORE, 200, &envelope(&answer(REF1, AFF, "jb007", 3600.0, "first_click")));
    assert_eq!(held_id().as_deref(), Some(REF1));

    fresh();
    let flight: Array = track::convert(&cfg, &options(&[("email", "bond@mi6.example".into())])).unchecked_into();
    let line = flight.get(1).as_string().unwrap();
    let body: JsValue = js_sys::JSON::parse(line.splitn(3, ' ').nth(2).unwrap()).unwrap();
    assert_eq!(Reflect::own_keys(&body).unwrap().join(","), "email", "no click_id: the Worker reads its cookie");
    let _ = JsFuture::from(flight.get(0).unchecked_into::<Promise>()).await;
    assert!(track::converted(&line, 0, &JsValue::NULL).is_null());
    assert_eq!(queue::pending(page::now()).len(), 1, "an unanswered lead stays queued");
    fresh();
}

/// `data-clean-url`: the token parameters leave the address bar after capture; every other
/// parameter (as written) and the fragment stay.
#[wasm_bindgen_test]
async fn clean_url_removes_only_the_token_parameters() {
    assert_eq!(without_params("?utm_source=x&via=jb007&b=%20c", "via").as_deref(), Some("?utm_source=x&b=%20c"));
    assert_eq!(without_params("?via=a&ref=b&via=c", "via, ref").as_deref(), Some(""));
    assert_eq!(without_params("?%76ia=a&x", "via").as_deref(), Some("?x"), "encoded names too");
    assert_eq!(without_params("?x=1&viax=2", "via"), None, "nothing to remove");
    assert_eq!(without_params("", "via"), None);
    fresh();
    set_query("?utm_source=news&via=jb007&b=2#plans");
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into()), ("cleanUrl", true.into())]);
    let flights = track::start(&cfg);
    assert_eq!(flights.length(), 2, "the click is still reported");
    assert_eq!(page::location("search"), "?utm_source=news&b=2");
    assert_eq!(page::location("hash"), "#plans");
    let _ = JsFuture::from(flights.get(0).unchecked_into::<Promise>()).await;
    fresh();
}

/// With consent required, nothing is stored or sent before consent; `consent(false)`
/// deletes the tracker's cookies and queue.
#[wasm_bindgen_test]
async fn consent_gates_storage_and_reports() {
    fresh();
    set_query("?via=jb007");
    let o = options(&[("key", "pk_test".into()), ("api", DEAD_API.into()), ("consentRequired", true.into())]);
    let cfg = Config::from_js(&o);
    assert_eq!(track::start(&cfg).length(), 0);
    assert!(cookies::all().find("viatrack_").is_none(), "nothing stored: {}", cookies::all());
    assert!(page::storage_get(queue::KEY).is_none());
    let flights = track::consent(&Config::from_js(&o), true);
    assert_eq!(flights.length(), 2, "consent runs the capture");
    assert_eq!(queue::pending(page::now()).len(), 1, "the report is stored once consent is given");
    assert!(JsFuture::from(flights.get(0).unchecked_into::<Promise>()).await.is_err());

    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    cookies::write(VISITOR_COOKIE, VISITOR, 3600, None);
    assert_eq!(track::consent(&Config::from_js(&o), false).length(), 0);
    assert!(cookies::all().find("viatrack_").is_none(), "{}", cookies::all());
    assert!(page::storage_get(queue::KEY).is_none());
    let after = Config::from_js(&o);
    assert!(!after.allowed());
    assert!(track::convert(&after, &options(&[("email", "a@b.example".into())])).is_undefined());
    fresh();
}

/// convert sends nothing without a referral, without an email, or when not allowed, and
/// starts a request with a referral.
#[wasm_bindgen_test]
async fn convert_needs_a_referral_and_an_email() {
    fresh();
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    let data = options(&[("email", "bond@mi6.example".into()), ("name", "James".into())]);
    assert!(track::convert(&cfg, &data).is_undefined(), "no referral: no request");
    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    for bad in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from(5),
        options(&[("email", 5.into())]),
        options(&[("email", "".into())]),
    ] {
        assert!(track::convert(&cfg, &bad).is_undefined());
    }
    let flight: Array = track::convert(&cfg, &data).unchecked_into();
    assert!(flight.get(0).is_instance_of::<Promise>(), "a fetch was started");
    let line = flight.get(1).as_string().unwrap();
    assert_eq!(queue::pending(page::now()).len(), 1, "stored before it is sent");
    let body: JsValue = js_sys::JSON::parse(line.splitn(3, ' ').nth(2).unwrap()).unwrap();
    assert_eq!(page::get_string(&body, "click_id").as_deref(), Some(REF1));
    let _ = JsFuture::from(flight.get(0).unchecked_into::<Promise>()).await;
    assert!(track::converted(&line, 0, &JsValue::NULL).is_null());
    assert_eq!(queue::pending(page::now()).len(), 1, "no answer: kept for the next page view");
    assert!(track::converted(&line, 200, &options(&[("success", true.into()), ("data", JsValue::NULL)])).is_null());
    assert!(queue::pending(page::now()).is_empty(), "answered: removed");
    let not_a_referral = options(&[("id", 42.into()), ("status", "lead".into())]);
    assert!(track::converted(&line, 200, &envelope(&not_a_referral)).is_null(), "not a referral: null");
    let referral = options(&[("id", REF1.into()), ("status", "lead".into())]);
    assert_eq!(
        page::get_string(&track::converted(&line, 200, &envelope(&referral)), "status").as_deref(),
        Some("lead")
    );
    fresh();
}

/// Hostile values everywhere (a proxy whose every property read throws, wrong types) make
/// the exports return their "nothing" answers instead of throwing.
#[wasm_bindgen_test]
fn nothing_throws_on_hostile_input() {
    fresh();
    // Map.prototype.get throws when called on anything but a Map, as the trap is.
    let thrower = page::get(&page::get(&page::global_get("Map"), "prototype"), "get");
    let handler = Object::new();
    Reflect::set(&handler, &"get".into(), &thrower).unwrap();
    let hostile: JsValue = js_sys::Proxy::new(&Object::new(), &handler).into();
    let hostile_cfg = Config::from_js(&hostile);
    assert!(!hostile_cfg.can_send());
    assert_eq!(track::start(&hostile_cfg).length(), 0);
    assert!(track::convert(&hostile_cfg, &hostile).is_undefined());
    assert!(track::converted("garbage", 200, &hostile).is_null());
    track::answered(&hostile_cfg, "garbage", 200, &hostile);
    track::answered(&hostile_cfg, "", 503, &hostile);
    assert!(ClickAnswer::from_js(&envelope(&hostile)).is_none());
    let _ = track::consent(&hostile_cfg, true);
    assert!(track::referral().is_null());
    // Cyclic metadata cannot be serialised: no request, no exception.
    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let data = options(&[("email", "a@b.example".into()), ("metadata", cyclic.into())]);
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    assert!(track::convert(&cfg, &data).is_undefined());
    fresh();
}
