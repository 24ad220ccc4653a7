//! The wire contract: request parsing and its field-naming errors, the seeds' example
//! payloads, list queries and pagination, and the validated field types.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use serde_json::{json, Value};
use viatrack_core::api::fields::{
    cookie_domain, host_allowed, share_url, AmountCents, Email, Hostname, HttpUrl, Metadata,
};
use viatrack_core::api::query::{ReferralQuery, ResourceQuery};
use viatrack_core::api::referrals::{CreateReferral, Referral, UpdateReferral};
use viatrack_core::api::resources::CreateCampaign;
use viatrack_core::api::tracking::{ClickReport, LeadRequest, SaleRequest};
use viatrack_core::api::{parse_json, ErrorBody, ErrorCode, Pagination, Success, ValidationError};
use viatrack_core::{Status, ViaToken};

const AFF: &str = "aff_0123456789abcdef0123456789abcdef";
const REF: &str = "ref_abcdef0123456789abcdef0123456789";

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn err<T: serde::de::DeserializeOwned + std::fmt::Debug>(body: &str) -> ValidationError {
    parse_json::<T>(body.as_bytes()).expect_err(body)
}

#[test]
fn seed_create_referral_request_parses() {
    let req: CreateReferral = parse_json(fixture("affonso-create-referral-request.json").as_bytes()).unwrap();
    assert_eq!(req.affiliate_id.unwrap().as_str(), AFF);
    assert_eq!(req.email.as_str(), "newcustomer@example.com");
    assert_eq!(req.status, Some(Status::Customer));
    assert_eq!(req.name.unwrap().as_str(), "John Doe");
    assert_eq!(req.metadata.unwrap().as_map()["plan"], "enterprise");
}

#[test]
fn seed_create_referral_response_parses() {
    let resp: Success<Referral> = serde_json::from_str(&fixture("affonso-create-referral-response.json")).unwrap();
    assert!(resp.success);
    let r = resp.data;
    assert_eq!(r.id.as_str(), REF);
    assert_eq!(r.status, Status::Customer);
    assert_eq!(r.subscription_id, None);
    assert_eq!(r.created_at.to_iso8601(), "2024-01-20T15:30:00.000Z");
    assert_eq!(r.converted_at.unwrap().to_iso8601(), "2024-01-20T15:30:00.000Z");
}

/// Every key of the referral object seed that viatrack follows is in our referral object,
/// with the same nesting; the ones we leave out are Rewardful's own payment-platform fields.
#[test]
fn referral_object_covers_the_seed() {
    let seed: Value = serde_json::from_str(&fixture("rewardful-referral-object.json")).unwrap();
    let ours: Success<Referral> = serde_json::from_str(&fixture("affonso-create-referral-response.json")).unwrap();
    let mut r = ours.data;
    r.link = Some(serde_json::from_value(json!({"id": "lnk_32a19d652b68434da401e72ca7f24d81", "url": "http://www.example.com/?via=jb007", "token": "jb007", "visitors": 7, "leads": 6, "conversions": 5})).unwrap());
    r.affiliate = Some(serde_json::from_value(json!({"id": AFF, "email": "james.bond@mi6.co.uk", "first_name": "James", "last_name": "Bond", "campaign": {"id": "cmp_ae37c8cef82b4e1b9653b802ae459a62", "name": "Friends of MI6"}})).unwrap());
    let ours = serde_json::to_value(&r).unwrap();
    let not_followed = [
        "customer",
        "deactivated_at",
        "stripe_account_id",
        "stripe_customer_id",
        "affiliate.leads",
        "affiliate.visitors",
        "affiliate.conversions",
        "affiliate.created_at",
        "affiliate.updated_at",
        "affiliate.confirmed_at",
        "affiliate.paypal_email",
        "affiliate.sign_in_count",
        "affiliate.stripe_account_id",
        "affiliate.unconfirmed_email",
        "affiliate.stripe_customer_id",
        "affiliate.paypal_email_confirmed_at",
        "affiliate.receive_new_commission_notifications",
        "affiliate.campaign.created_at",
        "affiliate.campaign.updated_at",
    ];
    fn walk(seed: &Value, ours: &Value, path: String, skip: &[&str], missing: &mut Vec<String>) {
        if let Value::Object(m) = seed {
            for (k, v) in m {
                let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                if skip.contains(&p.as_str()) {
                    continue;
                }
                match ours.get(k) {
                    None => missing.push(p),
                    Some(o) => walk(v, o, p, skip, missing),
                }
            }
        }
    }
    let mut missing = vec![];
    walk(&seed, &ours, String::new(), &not_followed, &mut missing);
    assert!(missing.is_empty(), "referral object lacks seed fields: {missing:?}");
    // The link counters keep the seed's meaning and types.
    assert_eq!(ours["link"]["token"], "jb007");
    assert_eq!(ours["link"]["visitors"], 7);
}

#[test]
fn errors_name_the_field() {
    let cases: Vec<(Value, Option<&str>, &str)> = vec![
        (json!({"token": "a b", "url": "https://x.example/"}), Some("token"), "token may contain only"),
        (json!({"token": "jb007", "url": "nope"}), Some("url"), "not a valid absolute URL"),
        (json!({"token": "jb007", "url": "ftp://x.example/"}), Some("url"), "http or https"),
        (
            json!({"token": "jb007", "url": "https://x.example/", "program_id": "prg_x"}),
            Some("program_id"),
            "unknown field",
        ),
        (json!({"url": "https://x.example/"}), Some("token"), "missing field"),
        (json!({"token": 7, "url": "https://x.example/"}), Some("token"), "invalid type"),
        (
            json!({"token": "jb007", "url": "https://x.example/", "visitor_id": "vis_1"}),
            Some("visitor_id"),
            "32 lower-case hex",
        ),
        (
            json!({"token": "jb007", "url": "https://x.example/", "report_id": "ref_abcdef0123456789abcdef0123456789"}),
            Some("report_id"),
            "wrong prefix",
        ),
    ];
    for (body, field, msg) in cases {
        let e = err::<ClickReport>(&body.to_string());
        assert_eq!(e.field.as_deref(), field, "{body}");
        assert!(e.message.contains(msg), "{body}: {}", e.message);
    }
}

#[test]
fn malformed_and_oversize_bodies() {
    for body in [
        "",
        "   ",
        "{",
        "{\"token\": }",
        "[1,2]",
        "null",
        "{\"token\":\"jb007\",\"url\":\"https://x.example/\"} {}",
        "\u{0}",
    ] {
        let e = parse_json::<ClickReport>(body.as_bytes()).expect_err(body);
        assert!(
            e.message.contains("malformed JSON") || e.message.contains("empty") || e.message.contains("JSON object"),
            "{body:?}: {}",
            e.message
        );
    }
    let huge = format!("{{\"token\": \"jb007\", \"url\": \"https://x.example/?{}\"}}", "a".repeat(17_000));
    assert!(parse_json::<ClickReport>(huge.as_bytes()).unwrap_err().message.contains("16384"));
}

#[test]
fn lead_and_sale_rules() {
    let ok: LeadRequest =
        parse_json(json!({"click_id": REF, "email": " Ann@Example.COM "}).to_string().as_bytes()).unwrap();
    assert_eq!(ok.email.as_str(), "ann@example.com");
    assert_eq!(ok.click_id.map(|c| c.as_str().to_owned()).as_deref(), Some(REF));
    let from_cookie: LeadRequest = parse_json(json!({"email": "ann@example.com"}).to_string().as_bytes()).unwrap();
    assert_eq!(from_cookie.click_id, None, "the click may come from the server cookie");
    assert_eq!(
        err::<LeadRequest>(&json!({"click_id": REF, "email": "ann"}).to_string()).field.as_deref(),
        Some("email")
    );
    // A click ID of another format parses: it names no click (NOT_FOUND / a notice), not a
    // format error. What no ID can be is still refused.
    let foreign: LeadRequest =
        parse_json(json!({"click_id": "ref_1", "email": "a@b.co"}).to_string().as_bytes()).unwrap();
    assert_eq!(foreign.click_id.as_ref().map(|c| (c.as_str(), c.id().is_none())), Some(("ref_1", true)));
    for bad in [json!(""), json!("ref_\u{0}"), json!("x".repeat(256)), json!(7)] {
        let body = json!({"click_id": bad, "email": "a@b.co"}).to_string();
        assert_eq!(err::<LeadRequest>(&body).field.as_deref(), Some("click_id"), "{body}");
    }
    let big = json!({"click_id": REF, "email": "a@b.co", "metadata": {"x": "y".repeat(5000)}});
    assert_eq!(err::<LeadRequest>(&big.to_string()).field.as_deref(), Some("metadata"));
    assert_eq!(
        err::<LeadRequest>(&json!({"click_id": REF, "email": "a@b.co", "metadata": [1]}).to_string()).field.as_deref(),
        Some("metadata")
    );

    let sale =
        |amount: Value| json!({"click_id": REF, "amount": amount, "currency": "usd", "invoice_id": "in_1"}).to_string();
    let s: SaleRequest = parse_json(sale(json!(4999)).as_bytes()).unwrap();
    assert_eq!((s.amount.cents(), s.currency.as_str()), (4999, "USD"));
    for bad in [json!(-1), json!(0), json!(1.5), json!("10"), json!(10_000_000_001u64)] {
        assert_eq!(err::<SaleRequest>(&sale(bad.clone())).field.as_deref(), Some("amount"), "{bad}");
    }
    assert_eq!(
        err::<SaleRequest>(&json!({"amount": 1, "currency": "dollars", "invoice_id": "x"}).to_string())
            .field
            .as_deref(),
        Some("currency")
    );
}

#[test]
fn update_referral_distinguishes_absent_and_null() {
    let u: UpdateReferral = parse_json(br#"{"name": null, "status": "active"}"#).unwrap();
    assert_eq!(u.name, Some(None));
    assert_eq!(u.customer_id, None);
    assert_eq!(u.status, Some(Status::Active));
    assert!(parse_json::<UpdateReferral>(b"{}").unwrap().is_empty());
    assert_eq!(err::<UpdateReferral>(r#"{"created_at": "2024-01-01T00:00:00Z"}"#).field.as_deref(), Some("created_at"));
    assert_eq!(err::<UpdateReferral>(r#"{"status": "cancelled"}"#).field.as_deref(), Some("status"));
}

#[test]
fn campaign_body() {
    let c: CreateCampaign = parse_json(br#"{"name": "Friends", "cookie_duration": 30, "attribution": "first_click", "allowed_hostnames": ["Shop.Example.com"]}"#).unwrap();
    assert_eq!(c.allowed_hostnames.unwrap()[0].as_str(), "shop.example.com");
    assert_eq!(
        err::<CreateCampaign>(r#"{"name": "x", "cookie_duration": 400}"#).field.as_deref(),
        Some("cookie_duration")
    );
    assert_eq!(
        err::<CreateCampaign>(r#"{"name": "x", "attribution": "linear"}"#).field.as_deref(),
        Some("attribution")
    );
    assert_eq!(
        err::<CreateCampaign>(r#"{"name": "x", "allowed_hostnames": ["a b"]}"#).field.as_deref(),
        Some("allowed_hostnames[0]")
    );
    assert_eq!(err::<CreateCampaign>(r#"{"name": ""}"#).field.as_deref(), Some("name"));
}

#[test]
fn referral_query_table() {
    let q = |s: &str| ReferralQuery::parse(url_pairs(s));
    let d = q("").unwrap();
    assert_eq!((d.paging.page, d.paging.limit, d.statuses.clone()), (1, 10, None));
    assert_eq!(q("limit=100").unwrap().paging.limit, 100);
    assert_eq!(q("page=3&limit=1").unwrap().paging.offset(), 2);
    for (bad, field) in [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=x", "page"),
        ("limit=", "limit"),
        ("status=lead,bogus", "status"),
        ("type=lead", "type"),
        ("from=yesterday", "from"),
        ("email=nope", "email"),
        ("affiliate_id=", "affiliate_id"),
        ("sort=asc", "sort"),
        ("page=1&page=2", "page"),
        ("from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z", "from"),
    ] {
        assert_eq!(q(bad).unwrap_err().field.as_deref(), Some(field), "{bad}");
    }
    assert_eq!(q("status=lead,trialing").unwrap().statuses, Some(vec![Status::Lead, Status::Trialing]));
    assert_eq!(q("type=CONVERSION").unwrap().statuses, Some(vec![Status::Customer, Status::Active]));
    assert_eq!(q("type=LEAD&status=trialing,active").unwrap().statuses, Some(vec![Status::Trialing]));
    assert_eq!(q("email=Ann@Example.com").unwrap().email.unwrap().as_str(), "ann@example.com");
    // PromoteKit's filters (list-referrals seed): subscription_status by core's table, and
    // stripe_customer_id as customer_id.
    assert_eq!(q("subscription_status=signed_up").unwrap().statuses, Some(vec![Status::Lead]));
    assert_eq!(q("subscription_status=active").unwrap().statuses, Some(vec![Status::Customer, Status::Active]));
    assert_eq!(
        q("subscription_status=active,trialing").unwrap().statuses,
        Some(vec![Status::Trialing, Status::Customer, Status::Active])
    );
    assert_eq!(q("subscription_status=past_due").unwrap().statuses, Some(vec![]), "past due matches nobody");
    assert_eq!(q("subscription_status=active&status=customer,lead").unwrap().statuses, Some(vec![Status::Customer]));
    assert_eq!(q("subscription_status=canceled&type=CONVERSION").unwrap().statuses, Some(vec![]));
    assert_eq!(q("stripe_customer_id=cus_9").unwrap().customer_id.as_deref(), Some("cus_9"));
    for (bad, field) in [
        ("subscription_status=paused", "subscription_status"),
        ("subscription_status=Active", "subscription_status"),
        ("customer_id=cus_1&stripe_customer_id=cus_1", "stripe_customer_id"),
        ("stripe_customer_id=", "stripe_customer_id"),
    ] {
        assert_eq!(q(bad).unwrap_err().field.as_deref(), Some(field), "{bad}");
    }
    assert!(
        ResourceQuery::parse(url_pairs("campaign_id=cmp_0123456789abcdef0123456789abcdef"), &["campaign_id"]).is_ok()
    );
    assert_eq!(
        ResourceQuery::parse(url_pairs("affiliate_id=x"), &["campaign_id"]).unwrap_err().field.as_deref(),
        Some("affiliate_id")
    );
}

fn url_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn pagination_table() {
    let cases = [
        ((1, 10, 0), (0, false)),
        ((1, 10, 10), (1, false)),
        ((1, 10, 11), (2, true)),
        ((2, 10, 11), (2, false)),
        ((3, 10, 11), (2, false)),
        ((1, 100, 250), (3, true)),
    ];
    for ((page, limit, total), (pages, more)) in cases {
        let p = Pagination::new(page, limit, total);
        assert_eq!((p.total_pages, p.has_more), (pages, more), "{page} {limit} {total}");
    }
    let json = serde_json::to_value(Pagination::new(2, 10, 25)).unwrap();
    assert_eq!(json, json!({"page": 2, "limit": 10, "total_count": 25, "total_pages": 3, "has_more": true}));
}

#[test]
fn error_body_shape() {
    let b = ErrorBody::new(ErrorCode::InvalidTransition, "no", Some("status".into()));
    assert_eq!(
        serde_json::to_value(&b).unwrap(),
        json!({"success": false, "error": {"code": "INVALID_TRANSITION", "message": "no", "field": "status"}})
    );
    let codes = [
        "NOT_FOUND",
        "INVALID_AFFILIATE",
        "INVALID_TRANSITION",
        "PERMISSION_DENIED",
        "CONFLICT",
        "VALIDATION_ERROR",
        "UNAUTHORIZED",
        "RATE_LIMITED",
    ];
    for c in codes {
        let code: ErrorCode = serde_json::from_value(json!(c)).unwrap();
        assert_eq!(code.as_str(), c);
    }
}

#[test]
fn field_types() {
    for (e, ok) in [
        ("a@b.co", true),
        ("A.B+tag@Sub.Example.org", true),
        ("a@b", false),
        ("a b@c.co", false),
        ("Ann <a@b.co>", false),
        ("@b.co", false),
        ("", false),
    ] {
        assert_eq!(e.parse::<Email>().is_ok(), ok, "{e}");
    }
    let h = Hostname::try_from("example.com".to_string()).unwrap();
    for (host, ok) in [
        ("example.com", true),
        ("www.example.com", true),
        ("a.b.example.com", true),
        ("badexample.com", false),
        ("example.com.evil.io", false),
        ("com", false),
    ] {
        assert_eq!(h.allows(host), ok, "{host}");
    }
    for (host, want) in [
        ("www.shop.example.co.uk", Some("example.co.uk")),
        ("shop.example.com", Some("example.com")),
        ("example.com", Some("example.com")),
        ("my-app.github.io", Some("my-app.github.io")),
        ("github.io", None),
        ("127.0.0.1", None),
        ("localhost", None),
        ("::1", None),
        ("co.uk", None),
    ] {
        assert_eq!(cookie_domain(host).as_deref(), want, "{host}");
    }
    // Same site: the same host, or the same registrable domain (public-suffix list).
    for (page, request, want) in [
        ("www.shop.example.com", "shop.example.com", true),
        ("blog.example.com", "www.example.com", true),
        ("a.github.io", "b.github.io", false),
        ("shop.example.co.uk", "other.co.uk", false),
        ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "localhost", false),
        ("Shop.Example.com", "shop.example.COM", true),
        ("", "", false),
    ] {
        assert_eq!(viatrack_core::api::fields::same_site(page, request), want, "{page} {request}");
    }
    let list: Vec<Hostname> =
        ["shop.example.com", "127.0.0.1"].into_iter().map(|h| Hostname::try_from(h.to_string()).unwrap()).collect();
    for (host, ok) in [
        ("shop.example.com", true),
        ("www.shop.example.com", true),
        ("example.com", false),
        ("127.0.0.1", true),
        ("evil.io", false),
    ] {
        assert_eq!(host_allowed(&list, host), ok, "{host}");
    }
    assert!(host_allowed(&[], "anything.example"), "an empty list allows any host");
    let dest = HttpUrl::try_from("https://shop.example/pricing?plan=pro&via=old#top".to_string()).unwrap();
    assert_eq!(
        share_url(&dest, &ViaToken::parse("JB007").unwrap()),
        "https://shop.example/pricing?plan=pro&via=jb007#top"
    );
    assert!(serde_json::from_value::<AmountCents>(json!(0)).is_err());
    assert!(serde_json::from_value::<Metadata>(json!({"k": "v"})).is_ok());
}
