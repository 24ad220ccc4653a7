//! The tracker's logic in a real browser (headless Chromium through wasm-bindgen-test):
//! token capture from `location.search`, the referral cookie rules, the click answer, the
//! delivery queue, restore from the server cookie, URL clean-up and robustness against bad
//! input. Run by `make test-tracker`.
//!
//! The module reaches the page only through js/page.js, the same file the loader bundles:
//! these tests put the loader's part in its world object `E` themselves (the options at
//! `o`, an answer at `a`, convert's data at `c`) and read the reports started from `E.f`.
//!
//! All tests share one page and one module instance, so each starts with [`fresh`]: no
//! viatrack cookies, no queue, no query string, no consent choice, capture not run.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use js_sys::{Array, Function, Object, Promise, Reflect};
use viatrack_core::cookie::{ReferralCookie, MARKER_COOKIE, SCRIPT_REFERRAL_COOKIE as REFERRAL_COOKIE, VISITOR_COOKIE};
use viatrack_core::{AffiliateId, Attribution, ClickId, Timestamp, ViaToken, VisitorId};
use viatrack_tracker::capture;
use viatrack_tracker::config::{self, Config};
use viatrack_tracker::net::Outcome;
use viatrack_tracker::queue::{self, Kind, Pending};
use viatrack_tracker::track::{self, ClickAnswer};
use viatrack_tracker::{cookies, json, page};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/js/page.js")]
extern "C" {
    /// js/page.js's world object (the module instance the tracker's import uses).
    #[wasm_bindgen(thread_local_v2, js_name = E)]
    static ENV: JsValue;
    /// js/page.js's `setup(data, here)`: the API URL, credentials and "can report" the loader
    /// works out from the options (`E.u`, `E.s`, `E.n`).
    fn setup(data: &JsValue, here: &JsValue);
    /// js/page.js's `capture(params)`: the token parameters' values (`E.t`) and the URL
    /// without them (`E.x`), as the loader reads them.
    fn capture(params: &JsValue);
}

/// `E[key] = value`.
fn put(key: &str, value: &JsValue) {
    ENV.with(|e| Reflect::set(e, &JsValue::from_str(key), value).expect("E"));
}

/// `E[key]`.
fn env(key: &str) -> JsValue {
    ENV.with(|e| Reflect::get(e, &JsValue::from_str(key)).expect("E"))
}

/// `target[key]`.
fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `target[key]` if it is a string.
fn string(target: &JsValue, key: &str) -> Option<String> {
    get(target, key).as_string()
}

/// Runs `f` as the loader does (a fresh list at `E.f`) and returns the reports it started,
/// flat: `[answer, queue line, …]`, each answer the promise of `[status, body]` js/page.js
/// made of the `fetch` (status 0: no answer).
fn flights(f: impl FnOnce()) -> Array {
    put("f", &Array::new());
    f();
    let flat = Array::new();
    for pair in env("f").unchecked_into::<Array>().iter() {
        let pair: Array = pair.unchecked_into();
        flat.push(&pair.get(0));
        flat.push(&pair.get(1));
    }
    flat
}

/// The HTTP status an answer promise resolves to (0: no answer).
async fn status_of(answer: JsValue) -> JsValue {
    let settled: Array = JsFuture::from(answer.unchecked_into::<Promise>()).await.unwrap().unchecked_into();
    settled.get(0)
}

/// The body of a queue line, parsed.
fn body_of(line: &str) -> JsValue {
    js_sys::JSON::parse(line.splitn(3, ' ').nth(2).unwrap()).unwrap()
}

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

/// Sets the test page's query string (`history.replaceState`; a `?` is added when missing)
/// and reads it as the loader does, for the default parameter (`via`).
fn set_query(query: &str) {
    let history = get(&js_sys::global(), "history");
    let replace: Function = get(&history, "replaceState").unchecked_into();
    let path = page::location("pathname");
    let sep = if query.is_empty() || query.starts_with(['?', '#']) { "" } else { "?" };
    let url = format!("{path}{sep}{query}");
    replace.call3(&history, &JsValue::NULL, &JsValue::from_str(""), &JsValue::from_str(&url)).expect("replaceState");
    capture(&JsValue::UNDEFINED);
}

/// The page's token for the parameters `params` (as data-params), as the module takes it.
fn page_token(params: &str) -> Option<ViaToken> {
    capture(&params.into());
    capture::token()
}

/// The token of the query `query` for `params`.
fn token_from_query(query: &str, params: &str) -> Option<ViaToken> {
    set_query(query);
    page_token(params)
}

/// The query (and fragment) of `query` without the `params` parameters, as the loader gives
/// it for data-clean-url (its URL without the path); `None` when there is none to remove.
fn without_params(query: &str, params: &str) -> Option<String> {
    set_query(query);
    capture(&params.into());
    let path = page::location("pathname");
    capture::clean_url().map(|url| url.strip_prefix(&path).unwrap_or(&url).to_owned())
}

/// A new page view: the module's memory bound as the loader binds it, the tracker's cookies
/// and queue removed, the query string cleared, no consent choice, capture not run.
fn fresh() {
    put("m", &wasm_bindgen::memory());
    cookies::remove(REFERRAL_COOKIE);
    cookies::remove(VISITOR_COOKIE);
    queue::clear();
    set_query("");
    config::forget();
    put("q", &JsValue::FALSE);
    put("b", &JsValue::UNDEFINED);
}

/// An object with the given properties (options, answers, convert's data).
fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).expect("set");
    }
    o.into()
}

/// The options as the loader leaves them, read by the module: the tag's data- attributes at
/// `E.o` (a `true` flag is the attribute present, `""`), except `consentRequired`, which the
/// loader works out into `E.q`; no default API base URL at `E.b`.
fn config(pairs: &[(&str, JsValue)]) -> Config {
    let data = Object::new();
    put("q", &JsValue::FALSE);
    put("b", &JsValue::UNDEFINED);
    for (k, v) in pairs {
        match (*k, v.as_bool()) {
            ("consentRequired", _) => put("q", v),
            (_, Some(true)) => Reflect::set(&data, &JsValue::from_str(k), &JsValue::from_str("")).map(drop).unwrap(),
            _ => Reflect::set(&data, &JsValue::from_str(k), v).map(drop).unwrap(),
        }
    }
    setup(&data, &env("b"));
    Config::read()
}

/// A click answer's `data` read as the module reads an answer at `E.a`.
fn click_answer(data: &JsValue) -> Option<ClickAnswer> {
    put("a", &envelope(data));
    ClickAnswer::read(track::DATA)
}

/// `viatrack.referral` and `viatrack.affiliate` as the loader reads them from `held`.
/// (`held` answers the cookie value, `1.<click ID>.<affiliate ID>.<token>.…`, or `""`; the
/// loader splits it on `.`.)
fn held_pair() -> (JsValue, JsValue) {
    let value = track::held();
    let parts: Vec<&str> = value.split('.').collect();
    if value.is_empty() {
        return (JsValue::NULL, JsValue::NULL);
    }
    assert_eq!(parts.len(), 6, "{value}");
    (parts[1].into(), options(&[("id", parts[2].into()), ("token", parts[3].into())]))
}

/// Starts the lead report for `data` (at `E.c`); the reports started.
fn convert(cfg: &Config, data: &JsValue) -> Array {
    put("c", data);
    flights(|| track::convert(cfg))
}

/// The answer of a lead report (`body` at `E.a`): `a.data` when it is the referral, else null.
fn converted(line: &str, status: u16, body: &JsValue) -> JsValue {
    put("a", body);
    if track::answered(&Config::read(), line, status) {
        get(body, "data")
    } else {
        JsValue::NULL
    }
}

/// Applies a report's outcome (`body` at `E.a`).
fn answered(cfg: &Config, line: &str, status: u16, body: &JsValue) {
    put("a", body);
    track::answered(cfg, line, status);
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
        let set_timeout: Function = get(&js_sys::global(), "setTimeout").unchecked_into();
        set_timeout.call2(&JsValue::NULL, &resolve, &JsValue::from(ms)).expect("setTimeout");
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
    fresh();
    for bad in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from(42), JsValue::from_str("x")] {
        setup(&bad, &JsValue::UNDEFINED);
        put("q", &bad);
        let c = Config::read();
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
    assert_eq!(env("u").as_string().as_deref(), Some("https://t.shop.example"));
    assert!(c.can_send());
    set_query("?via=jb007");
    assert_eq!(
        page_token(" , ").map(|t| t.as_str().to_owned()).as_deref(),
        Some("jb007"),
        "no names given: the default"
    );
    assert_eq!(c.cookie_domain.as_deref(), Some("shop.example"));
    assert!(c.consent_required && !c.allowed());
    let c = config(&[
        ("key", "pk_x".into()),
        ("api", "javascript:alert(1)".into()),
        ("cookieDomain", "x.com; Max-Age=9".into()),
        ("consentRequired", "yes".into()),
        ("cleanUrl", "false".into()),
    ]);
    assert!(!c.can_send(), "only http(s) API origins");
    assert_eq!(c.cookie_domain, None, "a domain that would inject attributes is dropped");
    assert!(!c.consent_required, "only true is true");
    assert!(!c.clean_url, "data-clean-url=\"false\"");
    assert!(!config(&[("api", "https://t.shop.example".into())]).can_send(), "no key");
    // data-api empty or missing: the directory of the loader script's URL.
    for (script, api) in [
        ("https://shop.example/_viatrack/viatrack.js?v=2#x", "https://shop.example/_viatrack"),
        ("https://shop.example/viatrack.js", "https://shop.example"),
        ("https://shop.example/a/b?c=/d", "https://shop.example/a"),
    ] {
        for given in [JsValue::from_str(""), JsValue::UNDEFINED] {
            setup(&options(&[("key", "pk_x".into()), ("api", given)]), &script.into());
            assert_eq!(env("u").as_string().as_deref(), Some(api), "{script}");
        }
    }
    // Reports carry the visitor's cookies on the page's own site (the test page is on
    // 127.0.0.1): the same host, one within the other, or both within data-cookie-domain.
    for (api, domain, want) in [
        (DEAD_SAME_SITE_API, "", true),
        (DEAD_API, "", false),
        ("http://localhost:9", "localhost", false),
        ("http://127.0.0.2:9", "", false),
    ] {
        let c = config(&[("key", "pk_x".into()), ("api", api.into()), ("cookieDomain", domain.into())]);
        assert_eq!(c.first_party, want, "{api} {domain}");
    }
}

/// The page's values by path, as the module reads them through js/page.js: strings as
/// text, anything else as its JSON text, `undefined` apart, and a throwing getter or a
/// value without JSON form as `Threw`.
#[wasm_bindgen_test]
fn values_are_read_by_path() {
    fresh();
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    put(
        "c",
        &options(&[
            ("s", "héllo \"x\"".into()),
            ("astral", "𝄞 clef".into()),
            ("lone", js_sys::JSON::parse(r#""a\ud800b""#).unwrap()),
            ("empty", "".into()),
            ("j", options(&[("é", "𝄞".into())])),
            ("n", 3600.5.into()),
            ("t", true.into()),
            ("z", JsValue::NULL),
            ("o", options(&[("k", 1.into())])),
            ("cyclic", cyclic.into()),
        ]),
    );
    assert_eq!(page::get("c.s"), page::Value::Text("héllo \"x\"".into()));
    // Text crosses as code points: one per astral char (two UTF-16 units), U+FFFD for a lone
    // surrogate (as TextEncoder would make it), none for "".
    assert_eq!(page::get("c.astral"), page::Value::Text("𝄞 clef".into()));
    assert_eq!(page::get("c.lone"), page::Value::Text("a\u{fffd}b".into()));
    assert_eq!(page::get("c.empty"), page::Value::Text(String::new()));
    assert_eq!(page::get("c.j"), page::Value::Json(r#"{"é":"𝄞"}"#.into()));
    assert_eq!(page::get("c.n"), page::Value::Json("3600.5".into()));
    assert_eq!(page::get("c.t"), page::Value::Json("true".into()));
    assert_eq!(page::get("c.z"), page::Value::Json("null".into()));
    assert_eq!(page::get("c.o"), page::Value::Json(r#"{"k":1}"#.into()));
    assert_eq!(page::get("c.missing"), page::Value::Undefined);
    assert_eq!(page::get("c.missing.deeper"), page::Value::Threw);
    assert_eq!(page::get("c.cyclic"), page::Value::Threw);
    assert!(page::is_true("c.t") && !page::is_true("c.n") && !page::is_true("c.s"));
    // Numbers and booleans read as numbers, not JSON text.
    assert_eq!(page::number("c.n"), 3600.5);
    assert_eq!(page::number("c.t"), 1.0);
    for not_a_number in ["c.s", "c.z", "c.o", "c.missing", "c.missing.deeper"] {
        assert!(page::number(not_a_number).is_nan(), "{not_a_number}");
    }
    assert_eq!(
        page::text("w.location.href"),
        Some(get(&get(&js_sys::global(), "location"), "href").as_string().unwrap())
    );
    let (a, b) = (page::random_hex(), page::random_hex());
    assert!(a.len() == 32 && a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{a}");
    assert_ne!(a, b, "random");
    assert!(VisitorId::parse(&page::new_id(VisitorId::PREFIX)).is_ok());
    let now = js_sys::Date::now() as i64;
    assert!((page::now().unix_ms() - now).abs() < 1000);
}

/// The JSON text the module writes: strings escaped as JSON needs (checked by the
/// browser's own parser).
#[wasm_bindgen_test]
fn json_is_written_and_read() {
    let tricky = "x\"y\\z\n\u{1}\u{7f}é/𝄞";
    let mut s = String::from("{");
    json::push_field(&mut s, "a", tricky);
    json::push_field(&mut s, "b", "");
    json::push_key(&mut s, "c");
    s.push_str("[1]}");
    let parsed = js_sys::JSON::parse(&s).unwrap();
    assert_eq!(string(&parsed, "a").as_deref(), Some(tricky), "{s}");
    assert_eq!(string(&parsed, "b").as_deref(), Some(""));
    assert_eq!(js_sys::JSON::stringify(&get(&parsed, "c")).unwrap(), "[1]");
}

/// A last-click answer replaces the held referral; a held first-click referral is kept
/// while it is unexpired (the held cookie's attribution decides).
#[wasm_bindgen_test]
fn first_click_keeps_and_last_click_replaces() {
    fresh();
    let cfg = config(&[]);
    let now = page::now();
    let first = click_answer(&answer(REF1, AFF, "first", 3600.0, "first_click")).unwrap();
    let second = click_answer(&answer(REF2, AFF2, "second", 3600.0, "last_click")).unwrap();

    assert!(track::remember(&cfg, &first, now), "no referral held: the click is taken");
    assert_eq!(held_id().as_deref(), Some(REF1));
    assert!(!track::remember(&cfg, &second, now), "held first-click referral kept");
    assert_eq!(held_id().as_deref(), Some(REF1));

    fresh();
    let last = click_answer(&answer(REF1, AFF, "first", 3600.0, "last_click")).unwrap();
    let later_first = click_answer(&answer(REF2, AFF2, "second", 3600.0, "first_click")).unwrap();
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
    assert!(held_pair().0.is_null());
    assert!(held_pair().1.is_null());
    let cfg = config(&[("key", "pk_x".into()), ("api", DEAD_API.into())]);
    assert_eq!(convert(&cfg, &options(&[("email", "a@b.example".into())])).length(), 0, "no request");
    let next = click_answer(&answer(REF2, AFF2, "second", 3600.0, "first_click")).unwrap();
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
        assert!(held_pair().0.is_null());
        let a = click_answer(&answer(REF1, AFF, "jb007", 3600.0, "first_click")).unwrap();
        assert!(track::remember(&config(&[]), &a, page::now()));
        assert_eq!(held_id().as_deref(), Some(REF1));
    }
}

/// A cookie written with a short Max-Age really disappears from the browser when it runs
/// out.
#[wasm_bindgen_test]
async fn short_max_age_really_expires() {
    fresh();
    let a = click_answer(&answer(REF1, AFF, "jb007", 1.0, "last_click")).unwrap();
    assert!(track::remember(&config(&[]), &a, page::now()));
    assert_eq!(held_id().as_deref(), Some(REF1));
    sleep(1600).await;
    assert!(cookies::values(&cookies::all(), REFERRAL_COOKIE).next().is_none(), "{}", cookies::all());
    assert!(held_pair().0.is_null());
}

/// The export that reads the held referral gives its click ID and affiliate (the cookie
/// value, which the loader splits).
#[wasm_bindgen_test]
fn referral_and_affiliate_read_the_cookie() {
    fresh();
    assert_eq!(track::held(), "", "none held");
    let a = click_answer(&answer(REF1, AFF, "JB007", 3600.0, "last_click")).unwrap();
    assert!(track::remember(&config(&[]), &a, page::now()));
    let (referral, affiliate) = held_pair();
    assert_eq!(referral.as_string().as_deref(), Some(REF1));
    assert_eq!(string(&affiliate, "id").as_deref(), Some(AFF));
    assert_eq!(string(&affiliate, "token").as_deref(), Some("jb007"));
}

/// Answers that are not a valid click are rejected field by field, never half-applied.
#[wasm_bindgen_test]
fn bad_click_answers_are_rejected() {
    let ok = answer(REF1, AFF, "jb007", 60.0, "last_click");
    assert!(click_answer(&ok).is_some());
    let mutate = |key: &str, value: JsValue| {
        let a = answer(REF1, AFF, "jb007", 60.0, "last_click");
        Reflect::set(&a, &JsValue::from_str(key), &value).unwrap();
        click_answer(&a)
    };
    assert!(mutate("click_id", "ref_nothex".into()).is_none());
    assert!(mutate("click_id", AFF.into()).is_none());
    assert!(mutate("affiliate_id", JsValue::NULL).is_none());
    assert!(mutate("token", "<b>".into()).is_none());
    assert!(mutate("expires_in", 0.into()).is_none());
    assert!(mutate("expires_in", 0.5.into()).is_none());
    assert!(mutate("expires_in", (-5).into()).is_none());
    assert!(mutate("expires_in", f64::NAN.into()).is_none());
    assert!(mutate("expires_in", "60".into()).is_none());
    assert!(mutate("attribution", "middle_click".into()).is_none());
    let capped = mutate("expires_in", 1e12.into()).unwrap();
    assert_eq!(capped.expires_in, cookies::MAX_AGE_CAP);
    assert_eq!(mutate("expires_in", 59.9.into()).unwrap().expires_in, 59, "whole seconds");
    assert_eq!(mutate("cookie_domain", "shop.example".into()).unwrap().cookie_domain.as_deref(), Some("shop.example"));
    assert_eq!(mutate("cookie_domain", "a.com; Domain=evil.com".into()).unwrap().cookie_domain, None);
    for garbage in [JsValue::NULL, JsValue::UNDEFINED, JsValue::from(1), JsValue::from_str("{}"), Object::new().into()]
    {
        assert!(click_answer(&garbage).is_none());
    }
}

/// Outcomes: data on a 2xx success, nothing on a 4xx or a body that is not a success
/// envelope, retry on no answer, 429 and 5xx. A notice (`data: null`) is a success whose
/// data names no referral, so nothing is applied either.
#[wasm_bindgen_test]
fn outcomes_are_classified() {
    for (status, success, want) in [
        (200, true, Outcome::Data),
        (201, true, Outcome::Data),
        (200, false, Outcome::Nothing),
        (404, true, Outcome::Nothing),
        (0, true, Outcome::Retry),
        (429, false, Outcome::Retry),
        (503, false, Outcome::Retry),
    ] {
        assert_eq!(Outcome::of(status, success), want, "{status} {success}");
    }
    let data = answer(REF1, AFF, "jb007", 60.0, "last_click");
    put("a", &envelope(&data));
    assert_eq!(Outcome::answer(200), Outcome::Data);
    put("a", &options(&[("success", true.into()), ("data", JsValue::NULL)]));
    assert_eq!(Outcome::answer(200), Outcome::Data);
    assert!(ClickAnswer::read(track::DATA).is_none(), "a notice names no referral");
    put("a", &options(&[("success", false.into())]));
    for s in [400, 401, 403, 404, 409] {
        assert_eq!(Outcome::answer(s), Outcome::Nothing, "{s}");
    }
    put("a", &JsValue::NULL);
    for s in [0, 429, 500, 502, 503] {
        assert_eq!(Outcome::answer(s), Outcome::Retry, "{s}");
    }
    for garbage in [
        JsValue::NULL,
        JsValue::from_str("<html>"),
        JsValue::from(3),
        Array::new().into(),
        options(&[("success", "true".into())]),
    ] {
        put("a", &garbage);
        assert_eq!(Outcome::answer(200), Outcome::Nothing);
    }
    put("a", &envelope(&data));
    assert_eq!(Outcome::answer(404), Outcome::Nothing, "4xx never carries data");
}

/// The delivery queue keeps what it may (fresh, well-formed, bounded) and drops the rest;
/// a report stays until it is removed.
#[wasm_bindgen_test]
fn queue_is_bounded_and_validated() {
    fresh();
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
    assert!(page::queue().is_none(), "an empty queue leaves no key");
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
    let started = flights(|| track::start(&cfg));
    assert_eq!(started.length(), 2, "one report: [promise, line]");
    let line = started.get(1).as_string().unwrap();
    assert_eq!(
        queue::pending(page::now()).iter().map(|p| p.line().to_owned()).collect::<Vec<_>>(),
        vec![line.clone()],
        "stored before it is sent"
    );
    assert!(cookies::all().find("viatrack_").is_none(), "no cookie before an answer: {}", cookies::all());
    let body = body_of(&line);
    assert_eq!(string(&body, "token").as_deref(), Some("jb007"));
    let visitor = string(&body, "visitor_id").unwrap();
    assert!(VisitorId::parse(&visitor).is_ok());
    assert!(viatrack_core::ReportId::parse(&string(&body, "report_id").unwrap()).is_ok());
    assert_eq!(string(&body, "url"), Some(page::location("href")));
    let keys = Reflect::own_keys(&body).unwrap().join(",");
    assert!(keys == "token,url,visitor_id,report_id" || keys == "token,url,referrer,visitor_id,report_id", "{keys}");
    // The request really fails.
    assert_eq!(status_of(started.get(0)).await, 0);
    answered(&cfg, &line, 0, &JsValue::NULL);
    assert_eq!(flights(|| track::start(&cfg)).length(), 0, "the capture runs once per page");
    assert_eq!(queue::pending(page::now()).len(), 1, "still queued");

    // Next page load, with the same token again: the queued report is sent first, and the
    // new report reuses its visitor ID.
    config::forget();
    let next = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    let replay = flights(|| track::start(&next));
    assert_eq!(replay.length(), 4);
    assert_eq!(replay.get(1).as_string().as_deref(), Some(line.as_str()), "same report first");
    let second = body_of(&replay.get(3).as_string().unwrap());
    assert_eq!(string(&second, "visitor_id").as_deref(), Some(visitor.as_str()), "one visitor");
    assert_ne!(string(&second, "report_id"), string(&body, "report_id"), "a new report");
    for i in [0, 2] {
        let _ = JsFuture::from(replay.get(i).unchecked_into::<Promise>()).await;
    }
    // Delivered (answered with a notice): nothing left to send.
    answered(&next, &line, 200, &options(&[("success", true.into()), ("data", JsValue::NULL)]));
    answered(&next, &replay.get(3).as_string().unwrap(), 404, &options(&[("success", false.into())]));
    set_query("");
    config::forget();
    assert_eq!(flights(|| track::start(&config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]))).length(), 0);
    assert!(page::queue().is_none());
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
    answered(&cfg, line.line(), 503, &JsValue::NULL);
    assert_eq!(queue::pending(now).len(), 1, "5xx: kept");
    answered(&cfg, line.line(), 404, &options(&[("success", false.into())]));
    assert!(queue::pending(now).is_empty(), "4xx: removed");
    queue::push(&line, now);
    answered(&cfg, line.line(), 200, &JsValue::from_str("<html>"));
    assert!(queue::pending(now).is_empty(), "an unreadable answer: removed");
    assert!(held_id().is_none());
    queue::push(&line, now);
    let data = answer(REF1, AFF, "jb007", 60.0, "last_click");
    Reflect::set(&data, &"visitor_id".into(), &VISITOR.into()).unwrap();
    answered(&cfg, line.line(), 200, &envelope(&data));
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
    answered(&config(&[]), line.line(), 200, &envelope(&data));
    let held = cookies::held(now).unwrap();
    assert_eq!(held.click_id.as_str(), REF1);
    assert_eq!(held.attribution, Attribution::FirstClick);
    fresh();
}

/// On a page on the API's site (first-party mode), with no page cookie: the capture asks
/// the Worker for its server cookie's referral when the Worker's marker cookie says it holds
/// one (and not otherwise), and its answer becomes the page cookie; convert sends the lead
/// without a click ID (the Worker reads its own cookie).
#[wasm_bindgen_test]
async fn first_party_restores_and_converts_without_a_page_cookie() {
    fresh();
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_SAME_SITE_API.into())]);
    assert!(cfg.first_party);
    assert!(!config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]).first_party);
    assert_eq!(flights(|| track::start(&cfg)).length(), 0, "no marker: nothing to restore, nothing asked");
    config::forget();
    cookies::write(MARKER_COOKIE, "1", 60, None);
    let started = flights(|| track::start(&cfg));
    cookies::remove(MARKER_COOKIE);
    assert_eq!(started.length(), 2, "the restore request");
    assert_eq!(started.get(1).as_string().as_deref(), Some(track::RESTORE));
    assert!(page::queue().is_none(), "a restore is not queued");
    let _ = JsFuture::from(started.get(0).unchecked_into::<Promise>()).await;
    answered(&cfg, track::RESTORE, 200, &envelope(&answer(REF1, AFF, "jb007", 3600.0, "first_click")));
    assert_eq!(held_id().as_deref(), Some(REF1));

    fresh();
    let flight = convert(&cfg, &options(&[("email", "bond@mi6.example".into())]));
    let line = flight.get(1).as_string().unwrap();
    let body = body_of(&line);
    assert_eq!(Reflect::own_keys(&body).unwrap().join(","), "email", "no click_id: the Worker reads its cookie");
    let _ = JsFuture::from(flight.get(0).unchecked_into::<Promise>()).await;
    assert!(converted(&line, 0, &JsValue::NULL).is_null());
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
    let started = flights(|| track::start(&cfg));
    assert_eq!(started.length(), 2, "the click is still reported");
    assert_eq!(page::location("search"), "?utm_source=news&b=2");
    assert_eq!(page::location("hash"), "#plans");
    let _ = JsFuture::from(started.get(0).unchecked_into::<Promise>()).await;
    fresh();
}

/// With consent required, nothing is stored or sent before consent; `consent(false)`
/// deletes the tracker's cookies and queue.
#[wasm_bindgen_test]
async fn consent_gates_storage_and_reports() {
    fresh();
    set_query("?via=jb007");
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into()), ("consentRequired", true.into())]);
    assert_eq!(flights(|| track::start(&cfg)).length(), 0);
    assert!(cookies::all().find("viatrack_").is_none(), "nothing stored: {}", cookies::all());
    assert!(page::queue().is_none());
    let started = flights(|| track::consent(&Config::read(), true));
    assert_eq!(started.length(), 2, "consent runs the capture");
    assert_eq!(queue::pending(page::now()).len(), 1, "the report is stored once consent is given");
    assert_eq!(status_of(started.get(0)).await, 0, "no answer");

    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    cookies::write(VISITOR_COOKIE, VISITOR, 3600, None);
    assert_eq!(flights(|| track::consent(&Config::read(), false)).length(), 0);
    assert!(cookies::all().find("viatrack_").is_none(), "{}", cookies::all());
    assert!(page::queue().is_none());
    let after = Config::read();
    assert!(!after.allowed());
    assert_eq!(convert(&after, &options(&[("email", "a@b.example".into())])).length(), 0);
    fresh();
}

/// convert sends nothing without a referral, without an email, or when not allowed, and
/// starts a request with a referral.
#[wasm_bindgen_test]
async fn convert_needs_a_referral_and_an_email() {
    fresh();
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    let data = options(&[
        ("email", "bond@mi6.example".into()),
        ("name", "James \"007\"".into()),
        ("customer_id", JsValue::NULL),
        ("metadata", options(&[("plan", "pro".into())])),
    ]);
    assert_eq!(convert(&cfg, &data).length(), 0, "no referral: no request");
    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    for bad in [
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from(5),
        options(&[("email", 5.into())]),
        options(&[("email", "".into())]),
    ] {
        assert_eq!(convert(&cfg, &bad).length(), 0);
    }
    let flight = convert(&cfg, &data);
    assert!(flight.get(0).is_instance_of::<Promise>(), "a fetch was started");
    let line = flight.get(1).as_string().unwrap();
    assert_eq!(queue::pending(page::now()).len(), 1, "stored before it is sent");
    let body = body_of(&line);
    assert_eq!(Reflect::own_keys(&body).unwrap().join(","), "click_id,email,name,metadata", "no null fields");
    assert_eq!(string(&body, "click_id").as_deref(), Some(REF1));
    assert_eq!(string(&body, "name").as_deref(), Some("James \"007\""));
    assert_eq!(string(&get(&body, "metadata"), "plan").as_deref(), Some("pro"));
    let _ = JsFuture::from(flight.get(0).unchecked_into::<Promise>()).await;
    assert!(converted(&line, 0, &JsValue::NULL).is_null());
    assert_eq!(queue::pending(page::now()).len(), 1, "no answer: kept for the next page view");
    assert!(converted(&line, 200, &options(&[("success", true.into()), ("data", JsValue::NULL)])).is_null());
    assert!(queue::pending(page::now()).is_empty(), "answered: removed");
    let not_a_referral = options(&[("id", 42.into()), ("status", "lead".into())]);
    assert!(converted(&line, 200, &envelope(&not_a_referral)).is_null(), "not a referral: null");
    let referral = options(&[("id", REF1.into()), ("status", "lead".into())]);
    assert_eq!(string(&converted(&line, 200, &envelope(&referral)), "status").as_deref(), Some("lead"));
    fresh();
}

/// Hostile values everywhere (a proxy whose every property read throws, wrong types) make
/// the exports return their "nothing" answers instead of throwing.
#[wasm_bindgen_test]
fn nothing_throws_on_hostile_input() {
    fresh();
    // Map.prototype.get throws when called on anything but a Map, as the trap is.
    let thrower = get(&get(&get(&js_sys::global(), "Map"), "prototype"), "get");
    let handler = Object::new();
    Reflect::set(&handler, &"get".into(), &thrower).unwrap();
    let hostile: JsValue = js_sys::Proxy::new(&Object::new(), &handler).into();
    setup(&hostile, &hostile);
    put("q", &hostile);
    let hostile_cfg = Config::read();
    assert!(!hostile_cfg.can_send());
    assert_eq!(flights(|| track::start(&hostile_cfg)).length(), 0);
    assert_eq!(convert(&hostile_cfg, &hostile).length(), 0);
    assert!(converted("garbage", 200, &hostile).is_null());
    answered(&hostile_cfg, "garbage", 200, &hostile);
    answered(&hostile_cfg, "", 503, &hostile);
    assert!(click_answer(&hostile).is_none());
    let _ = flights(|| track::consent(&hostile_cfg, true));
    assert!(held_pair().0.is_null());
    // Cyclic metadata cannot be serialised: no request, no exception.
    plant(REF1, page::now().plus_ms(3_600_000), Attribution::LastClick, 3600);
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let data = options(&[("email", "a@b.example".into()), ("metadata", cyclic.into())]);
    let cfg = config(&[("key", "pk_test".into()), ("api", DEAD_API.into())]);
    assert_eq!(convert(&cfg, &data).length(), 0);
    fresh();
}
