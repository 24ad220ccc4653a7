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
        assert!(check_url(ok, own, &[], false).is_ok(), "{ok}");
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
        // The rest of IANA's special-purpose registries, multicast and site-local.
        ("https://0.1.2.3/", UrlRefusal::Internal),
        ("https://198.18.0.1/", UrlRefusal::Internal),
        ("https://198.19.255.254/", UrlRefusal::Internal),
        ("https://240.0.0.1/", UrlRefusal::Internal),
        ("https://255.255.255.255/", UrlRefusal::Internal),
        ("https://224.0.0.251/", UrlRefusal::Internal),
        ("https://239.255.255.250/", UrlRefusal::Internal),
        ("https://192.0.0.170/", UrlRefusal::Internal),
        ("https://192.0.2.1/", UrlRefusal::Internal),
        ("https://203.0.113.9/", UrlRefusal::Internal),
        ("https://[64:ff9b::a00:1]/", UrlRefusal::Internal),
        ("https://[64:ff9b:1::1]/", UrlRefusal::Internal),
        ("https://[2002:a00:1::]/", UrlRefusal::Internal),
        ("https://[2001::1]/", UrlRefusal::Internal),
        ("https://[2001:db8::1]/", UrlRefusal::Internal),
        ("https://[fec0::1]/", UrlRefusal::Internal),
        ("https://[ff02::1]/", UrlRefusal::Internal),
        ("https://[::]/", UrlRefusal::Internal),
        ("https://[::a00:1]/", UrlRefusal::Internal),
        ("https://[100::1]/", UrlRefusal::Internal),
        // Any host's first-party route is the Worker itself.
        ("https://hooks.example.com/_viatrack/v1/referrals", UrlRefusal::Itself),
    ] {
        assert_eq!(check_url(bad, own, &[], false).err(), Some(why), "{bad}");
    }
    assert!(check_url("http://127.0.0.1:9999/hook", own, &[], true).is_ok(), "loopback in local development");
    let local = "http://127.0.0.1:8787";
    assert!(check_url("http://127.0.0.1:9999/hook", local, &[], true).is_ok(), "another port of loopback");
    assert_eq!(check_url("http://127.0.0.1:8787/v1/referrals", local, &[], true).err(), Some(UrlRefusal::Itself));
    assert_eq!(
        check_url("https://viatrack.example.workers.dev:8443/", own, &[], false).err(),
        Some(UrlRefusal::Itself)
    );
    assert!(check_url("http://localhost:9999/hook", own, &[], true).is_ok());
    assert_eq!(check_url("http://10.0.0.1/", own, &[], true).err(), Some(UrlRefusal::Scheme));
    // The hostnames of the Worker's first-party routes (WORKER_HOSTS) are the Worker too.
    let hosts = ["shop.example.com", "www.shop.example"];
    assert_eq!(check_url("https://SHOP.example.com./hooks", own, &hosts, false).err(), Some(UrlRefusal::Itself));
    assert_eq!(check_url("https://www.shop.example/hooks", "", &hosts, false).err(), Some(UrlRefusal::Itself));
    assert!(check_url("https://hooks.shop.example.com/", own, &hosts, false).is_ok());
    // Public neighbours of the special blocks stay allowed.
    for ok in [
        "https://1.0.0.1/",
        "https://198.20.0.1/",
        "https://223.255.255.255/",
        "https://[2606:4700::1111]/",
        "https://[2001:4860:4860::8888]/",
        "https://[::ffff:8.8.8.8]/",
    ] {
        assert!(check_url(ok, own, &[], false).is_ok(), "{ok}");
    }
}

#[test]
fn special_purpose_blocks_agree_with_the_standard_library() {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use viatrack_core::webhooks::is_special_purpose;
    // Every address std calls private, loopback, link-local, multicast, broadcast,
    // documentation or unspecified is special here too (a sweep of one in 2^16 v4 addresses).
    for hi in 0..=u16::MAX {
        let v4 = Ipv4Addr::from(u32::from(hi) << 16 | 0x0101);
        let std_says = v4.is_private()
            || v4.is_loopback()
            || v4.is_link_local()
            || v4.is_multicast()
            || v4.is_broadcast()
            || v4.is_documentation()
            || v4.is_unspecified();
        if std_says {
            assert!(is_special_purpose(IpAddr::V4(v4)), "{v4}");
        }
    }
    for v6 in [Ipv6Addr::LOCALHOST, Ipv6Addr::UNSPECIFIED, "fe80::9".parse().unwrap(), "ff05::2".parse().unwrap()] {
        assert!(is_special_purpose(IpAddr::V6(v6)), "{v6}");
    }
}

#[test]
fn subscribing_needs_read_on_each_event_resource() {
    use viatrack_core::api::scopes::Scope;
    use viatrack_core::webhooks::{unreadable_event, EventType};
    let scopes = |names: &[&str]| names.iter().map(|n| Scope::parse(n).unwrap()).collect::<Vec<_>>();
    let hooks_only = scopes(&["write:webhooks", "read:webhooks"]);
    let referrals = scopes(&["write:webhooks", "read:referrals"]);
    let commissions = scopes(&["write:webhooks", "read:commissions"]);
    let every = Scope::all();
    for event in EventType::ALL {
        let name = event.as_str();
        assert_eq!(unreadable_event(&[*event], &hooks_only), Some(*event), "{name} without read:");
        assert_eq!(unreadable_event(&[*event], &every), None, "{name} with every scope");
        let by_referrals = name.starts_with("referral.") || name.starts_with("sale.");
        assert_eq!(unreadable_event(&[*event], &referrals).is_none(), by_referrals, "{name} with read:referrals");
        assert_eq!(unreadable_event(&[*event], &commissions).is_none(), name.starts_with("commission."), "{name}");
    }
    assert_eq!(
        unreadable_event(&[EventType::SaleCreated, EventType::CommissionPaid], &referrals),
        Some(EventType::CommissionPaid)
    );
}
