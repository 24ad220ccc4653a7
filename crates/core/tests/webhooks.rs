//! Outbound webhook rules: signatures against the `standardwebhooks` npm package (1.1.1,
//! `new Webhook(secret).sign(id, date, body)` printed the vector below), the retry schedule
//! and the endpoint URL rules.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use viatrack_core::webhooks::{check_url, retry_delay, secret_key, sign, signature_header, UrlRefusal, MAX_ATTEMPTS};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
// node -e "new (require('standardwebhooks').Webhook)(SECRET).sign('evt_0123', new Date(1700000000e3), '{\"type\":\"sale.created\"}')"
const FROM_STANDARDWEBHOOKS: &str = "v1,jpz00McMs0gVrQV+66w8f/s3GHe1sjkGYDsZUX59WUE=";

#[test]
fn signatures_match_the_reference_library() {
    let key = secret_key(SECRET).unwrap();
    assert_eq!(sign(&key, "evt_0123", 1_700_000_000, r#"{"type":"sale.created"}"#), FROM_STANDARDWEBHOOKS);
    let other = secret_key("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let both = signature_header(&[key.clone(), other.clone()], "evt_0123", 1_700_000_000, r#"{"type":"sale.created"}"#);
    assert_eq!(both.split(' ').next(), Some(FROM_STANDARDWEBHOOKS));
    assert_eq!(both.split(' ').count(), 2);
    assert_ne!(sign(&key, "evt_0124", 1_700_000_000, "{}"), sign(&key, "evt_0123", 1_700_000_000, "{}"));
    assert_eq!(secret_key("sk_nope"), None);
}

#[test]
fn retries_back_off_over_about_a_day() {
    let delays: Vec<u32> = (1..MAX_ATTEMPTS).map(|n| retry_delay(n, 10).unwrap()).collect();
    assert_eq!(delays, [10, 40, 160, 640, 2_560, 10_240, 40_960]);
    let total: u32 = delays.iter().sum();
    assert!((12 * 3600..=24 * 3600).contains(&total), "{total} s");
    assert_eq!(retry_delay(MAX_ATTEMPTS, 10), None, "the attempt after the last is a dead letter");
    assert_eq!(retry_delay(7, 1_000_000), Some(12 * 3600), "Queues delay at most 12 h");
}

#[test]
fn endpoint_urls() {
    let own = "https://viatrack.example.workers.dev";
    for ok in ["https://hooks.example.com/viatrack", "https://93.184.216.34/x"] {
        assert!(check_url(ok, own, false).is_ok(), "{ok}");
    }
    for (bad, why) in [
        ("http://hooks.example.com/", UrlRefusal::Scheme),
        ("https://10.0.0.8/", UrlRefusal::Internal),
        ("https://172.20.1.1/", UrlRefusal::Internal),
        ("https://192.168.1.1/", UrlRefusal::Internal),
        ("https://169.254.169.254/latest/meta-data", UrlRefusal::Internal),
        ("https://100.64.0.1/", UrlRefusal::Internal),
        ("https://[fe80::1]/", UrlRefusal::Internal),
        ("https://[fd00::1]/", UrlRefusal::Internal),
        ("https://[::ffff:10.0.0.1]/", UrlRefusal::Internal),
        ("https://0.0.0.0/", UrlRefusal::Internal),
        ("https://127.0.0.1/", UrlRefusal::Internal),
        ("https://localhost/", UrlRefusal::Internal),
        ("https://metadata.internal/", UrlRefusal::Internal),
        ("https://printer.local/", UrlRefusal::Internal),
        ("https://intranet/", UrlRefusal::Internal),
        ("https://VIATRACK.example.workers.dev/v1/x", UrlRefusal::Itself),
        ("not a url", UrlRefusal::Syntax),
    ] {
        assert_eq!(check_url(bad, own, false).err(), Some(why), "{bad}");
    }
    assert!(check_url("http://127.0.0.1:9999/hook", own, true).is_ok(), "loopback in local development");
    let local = "http://127.0.0.1:8787";
    assert!(check_url("http://127.0.0.1:9999/hook", local, true).is_ok(), "another port of loopback");
    assert_eq!(check_url("http://127.0.0.1:8787/v1/referrals", local, true).err(), Some(UrlRefusal::Itself));
    assert_eq!(check_url("https://viatrack.example.workers.dev:8443/", own, false).err(), Some(UrlRefusal::Itself));
    assert!(check_url("http://localhost:9999/hook", own, true).is_ok());
    assert_eq!(check_url("http://10.0.0.1/", own, true).err(), Some(UrlRefusal::Scheme));
}
