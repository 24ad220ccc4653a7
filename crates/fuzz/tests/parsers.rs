//! One bolero target per core parser of untrusted input: request bodies
//! (`api::parse_json` into each request type), the referral cookie, via tokens and IDs, the
//! `Stripe-Signature` header, Standard Webhooks secrets and signatures, webhook URLs.

use bolero::check;
use viatrack_core::api::parse_json;
use viatrack_core::api::referrals::{CreateReferral, UpdateReferral};
use viatrack_core::api::tracking::{ClickReport, LeadRequest, SaleRequest};
use viatrack_core::cookie::{held_in, ReferralCookie};
use viatrack_core::webhooks::{check_url, secret_key, signature_header};
use viatrack_core::{ClickId, ReferralId, Timestamp, ViaToken};
use viatrack_fuzz::{budget, report, Runs};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The request types' field names, so random objects reach the field rules rather than
/// stopping at "unknown field".
const FIELDS: &[&str] = &[
    "token",
    "url",
    "referrer",
    "visitor_id",
    "report_id",
    "click_id",
    "email",
    "name",
    "customer_id",
    "subscription_id",
    "metadata",
    "amount",
    "currency",
    "invoice_id",
    "affiliate_id",
    "status",
    "created_at",
];

/// A JSON value from generated parts: each `(field, kind, text)` becomes a member of one
/// object whose value is a string, number, boolean, null, array or nested object.
fn json_object(parts: &[(u8, u8, String)], depth: u8) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (i, (field, kind, text)) in parts.iter().enumerate() {
        let key = FIELDS[usize::from(*field) % FIELDS.len()].to_string();
        let value = match kind % 8 {
            0 => serde_json::Value::String(text.clone()),
            1 => serde_json::json!(text.len() as i64 - 8),
            2 => serde_json::json!(f64::from(*field) / 3.0),
            3 => serde_json::Value::Bool(kind % 2 == 0),
            4 => serde_json::Value::Null,
            5 => serde_json::json!([text]),
            6 if depth < 3 => json_object(&parts[i + 1..], depth + 1),
            _ => serde_json::Value::String(format!("{text}@example.com")),
        };
        map.insert(key, value);
    }
    serde_json::Value::Object(map)
}

#[test]
fn request_bodies() {
    static RUNS: Runs = Runs::new();
    check!().with_type::<(Vec<u8>, Vec<(u8, u8, String)>)>().with_test_time(budget()).for_each(|(raw, parts)| {
        RUNS.tick();
        let mut braced = b"{".to_vec();
        braced.extend_from_slice(raw);
        let shaped = json_object(parts, 0).to_string().into_bytes();
        // Any bytes, and objects of the request types' fields: an answer (a value or a
        // named error), never a panic.
        for body in [raw.as_slice(), &braced, &shaped] {
            let _ = parse_json::<ClickReport>(body);
            let _ = parse_json::<LeadRequest>(body);
            let _ = parse_json::<SaleRequest>(body);
            let _ = parse_json::<CreateReferral>(body);
            let _ = parse_json::<UpdateReferral>(body);
            let _ = parse_json::<serde_json::Value>(body);
        }
    });
    report("api::parse_json", &RUNS);
}

#[test]
fn referral_cookie() {
    static RUNS: Runs = Runs::new();
    let now = Timestamp::from_unix_seconds(1_800_000_000);
    check!().with_type::<Vec<String>>().with_test_time(budget()).for_each(|parts| {
        RUNS.tick();
        // Version 1 and dot-separated parts, as the encoder writes them.
        let raw = format!("1.{}", parts.join("."));
        if let Some(c) = ReferralCookie::decode(&raw) {
            // What decodes encodes back to a value that decodes to the same referral.
            let again = ReferralCookie::decode(&c.encode()).expect("an encoded cookie decodes");
            assert_eq!(again.encode(), c.encode());
        }
        let _ = held_in(&format!("a=b; viatrack_ref={raw}; viatrack_ref=x"), "viatrack_ref", now);
    });
    report("cookie::ReferralCookie::decode + held_in", &RUNS);
}

#[test]
fn tokens_and_ids() {
    static RUNS: Runs = Runs::new();
    check!().with_test_time(budget()).for_each(|bytes: &[u8]| {
        RUNS.tick();
        let raw = text(bytes);
        if let Ok(t) = ViaToken::parse(&raw) {
            assert_eq!(ViaToken::parse(t.as_str()).expect("a parsed token parses again").as_str(), t.as_str());
        }
        if let Ok(id) = ReferralId::parse(&raw) {
            assert_eq!(id.as_str(), raw, "an ID is kept as given");
        }
        let _ = ClickId::parse(&raw);
    });
    report("token::ViaToken::parse + ids", &RUNS);
}

#[test]
fn stripe_signature_header() {
    static RUNS: Runs = Runs::new();
    check!().with_type::<(i64, Vec<String>, Vec<u8>)>().with_test_time(budget()).for_each(|(t, signatures, body)| {
        RUNS.tick();
        // The header's own shape, `t=…,v1=…,v1=…`, with random values.
        let header = signatures.iter().fold(format!("t={t}"), |h, v| format!("{h},v1={v}"));
        for header in [header.as_str(), &text(body)] {
            let _ = viatrack_core::stripe::verify("whsec_fuzz", header, body, 1_800_000_000);
        }
    });
    report("stripe::verify", &RUNS);
}

#[test]
fn standard_webhooks_secret_and_signature() {
    static RUNS: Runs = Runs::new();
    check!().with_test_time(budget()).for_each(|bytes: &[u8]| {
        RUNS.tick();
        let raw = text(bytes);
        if let Some(key) = secret_key(&raw) {
            let header = signature_header(&[key], "evt_x", 1_800_000_000, &raw);
            assert!(header.starts_with("v1,"), "{header}");
        }
    });
    report("webhooks::secret_key + signature_header", &RUNS);
}

#[test]
fn webhook_urls() {
    static RUNS: Runs = Runs::new();
    check!().with_type::<(Vec<u8>, String)>().with_test_time(budget()).for_each(|(host, path)| {
        RUNS.tick();
        // Hosts from the characters that IP literals, IDNs and ports are made of.
        const HOST: &[u8] = b"0123456789abcdefx.:[]%-_";
        let host: String = host.iter().map(|b| char::from(HOST[usize::from(*b) % HOST.len()])).collect();
        let raw = format!("https://{host}/{path}");
        if let Ok(url) = check_url(&raw, "https://viatrack.example.com", &["viatrack.example.com"], false) {
            // Whatever passes is https to a named public host, never the Worker itself.
            assert_eq!(url.scheme(), "https");
            assert_ne!(url.host_str(), Some("viatrack.example.com"));
        }
    });
    report("webhooks::check_url", &RUNS);
}
