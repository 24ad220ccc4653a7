//! The referral cookie value: encoding, strict decoding, and that nothing can break it.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::cookie::ReferralCookie;
use viatrack_core::{AffiliateId, Attribution, ClickId, Timestamp, ViaToken};

fn sample(token: &str, attribution: Attribution) -> ReferralCookie {
    ReferralCookie {
        click_id: ClickId::from_bytes([0xab; 16]),
        affiliate_id: AffiliateId::from_bytes([0x01; 16]),
        token: ViaToken::parse(token).unwrap(),
        expires_at: Timestamp::from_unix_seconds(1_767_225_600),
        attribution,
    }
}

#[test]
fn encodes_to_the_documented_form() {
    let c = sample("jb007", Attribution::LastClick);
    assert_eq!(
        c.encode(),
        "1.ref_abababababababababababababababab.aff_01010101010101010101010101010101.jb007.1767225600.l"
    );
    assert_eq!(ReferralCookie::decode(&c.encode()), Some(c));
}

#[test]
fn mangled_values_are_no_cookie() {
    let good = sample("jb007", Attribution::FirstClick).encode();
    let mangled = [
        String::new(),
        "1".into(),
        good.replace("1.ref_", "2.ref_"),
        good.replace(".f", ".x"),
        format!("{good}.extra"),
        good.replace("1767225600", "-5"),
        good.replace("1767225600", ""),
        good.replace("1767225600", "99999999999999"),
        good.replace("jb007", "jb 007"),
        good.replace("ref_", "aff_"),
        good[..good.len() - 3].to_string(),
        "%3Cscript%3E".into(),
    ];
    for m in mangled {
        assert_eq!(ReferralCookie::decode(&m), None, "{m:?}");
    }
}

proptest! {
    /// Any valid token round-trips, and the value never contains a character that would
    /// end or split a cookie (`;`, `,`, space, `=`, quotes).
    #[test]
    fn round_trip_and_safe(token in "[A-Za-z0-9_-]{1,64}", secs in 0i64..253_402_300_799, first in any::<bool>(), a in any::<[u8; 16]>(), b in any::<[u8; 16]>()) {
        let c = ReferralCookie {
            click_id: ClickId::from_bytes(a),
            affiliate_id: AffiliateId::from_bytes(b),
            token: ViaToken::parse(&token).unwrap(),
            expires_at: Timestamp::from_unix_seconds(secs),
            attribution: if first { Attribution::FirstClick } else { Attribution::LastClick },
        };
        let v = c.encode();
        prop_assert!(!v.contains([';', ',', ' ', '=', '"', '\'', '\\']));
        prop_assert_eq!(ReferralCookie::decode(&v), Some(c));
    }

    /// Arbitrary strings never panic the decoder, and whatever decodes re-encodes to the
    /// same value up to token case.
    #[test]
    fn decode_is_strict(s in "[0-9a-z._]{0,120}|1\\.ref_[0-9a-f]{32}\\.aff_[0-9a-f]{32}\\.[A-Za-z0-9_-]{1,8}\\.[0-9]{1,12}\\.[flx]") {
        if let Some(c) = ReferralCookie::decode(&s) {
            prop_assert_eq!(c.encode(), s.to_ascii_lowercase());
        } else {
            // Rejected: then it is not a canonical version-1 value.
            let parts: Vec<&str> = s.split('.').collect();
            let canonical = parts.len() == 6
                && parts[0] == "1"
                && (parts[5] == "f" || parts[5] == "l")
                && parts[1].starts_with("ref_") && parts[1].len() == 36
                && parts[2].starts_with("aff_") && parts[2].len() == 36
                && !parts[3].is_empty()
                && !parts[4].is_empty() && (parts[4] == "0" || !parts[4].starts_with('0'))
                && parts[4].parse::<i64>().is_ok_and(|n| n <= 253_402_300_799);
            prop_assert!(!canonical, "a canonical value was rejected: {}", s);
        }
    }
}

#[test]
fn cookie_line_attributes() {
    use viatrack_core::cookie::{set_cookie_line, MAX_AGE_CAP};
    assert_eq!(
        set_cookie_line("viatrack_ref", "v", 60, false, None),
        "viatrack_ref=v; Max-Age=60; Path=/; SameSite=Lax"
    );
    assert_eq!(
        set_cookie_line("viatrack_ref", "v", 5, true, Some("example.com")),
        "viatrack_ref=v; Max-Age=5; Path=/; SameSite=Lax; Secure; Domain=example.com"
    );
    assert_eq!(set_cookie_line("a", "", 0, false, None), "a=; Max-Age=0; Path=/; SameSite=Lax");
    let capped = set_cookie_line("a", "b", i64::MAX, false, None);
    assert_eq!(capped, format!("a=b; Max-Age={MAX_AGE_CAP}; Path=/; SameSite=Lax"));
}

#[test]
fn cookie_domains() {
    use viatrack_core::cookie::valid_domain;
    for (input, want) in [
        ("example.com", Some("example.com")),
        (".Example.COM", Some("example.com")),
        ("a-b.co.uk", Some("a-b.co.uk")),
        ("", None),
        (".", None),
        ("example.com; Secure", None),
        ("evil.com;Domain=x", None),
        ("exa mple.com", None),
    ] {
        assert_eq!(valid_domain(input).as_deref(), want, "{input:?}");
    }
    assert_eq!(valid_domain(&"a".repeat(254)), None);
}

#[test]
fn server_cookie_line_is_http_only() {
    use viatrack_core::cookie::server_cookie_line;
    assert_eq!(
        server_cookie_line("viatrack_ref", "v", 60, true, Some("shop.example")),
        "viatrack_ref=v; Max-Age=60; Path=/; SameSite=Lax; Secure; Domain=shop.example; HttpOnly"
    );
}

/// The marker holds `1`, never referral data, with the referral cookie's attributes and
/// without `HttpOnly`, so the loader can read it.
#[test]
fn marker_cookie_line_is_script_readable() {
    use viatrack_core::cookie::{marker_cookie_line, MARKER_COOKIE};
    assert_eq!(MARKER_COOKIE, "viatrack_on");
    assert_eq!(
        marker_cookie_line(60, true, Some("shop.example")),
        "viatrack_on=1; Max-Age=60; Path=/; SameSite=Lax; Secure; Domain=shop.example"
    );
    assert_eq!(marker_cookie_line(60, false, None), "viatrack_on=1; Max-Age=60; Path=/; SameSite=Lax");
}

/// The held referral is read the same way from a `Cookie` header (Worker) and from
/// `document.cookie` (tracker): the first value of the name that decodes and is unexpired.
#[test]
fn held_in_a_cookie_header() {
    use viatrack_core::cookie::{cookie_values, held_in};
    let live = sample("jb007", Attribution::FirstClick);
    let mut expired = sample("old", Attribution::LastClick);
    expired.expires_at = Timestamp::from_unix_seconds(1_000);
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let header = format!(
        "a=1; viatrack_ref=junk; viatrack_ref={}; x_viatrack_ref={}; viatrack_ref={}",
        expired.encode(),
        expired.encode(),
        live.encode()
    );
    assert_eq!(cookie_values(&header, "viatrack_ref").count(), 3);
    assert_eq!(held_in(&header, "viatrack_ref", now), Some(live.clone()));
    assert_eq!(held_in(&header, "viatrack_js", now), None);
    assert_eq!(held_in("", "viatrack_ref", now), None);
    assert_eq!(
        held_in(&format!("viatrack_ref={}", live.encode()), "viatrack_ref", live.expires_at),
        None,
        "expiry is exclusive"
    );
}

#[test]
fn same_site_hosts_for_credentials() {
    use viatrack_core::cookie::same_site_hosts;
    for (page, api, domain, want) in [
        ("shop.example.com", "shop.example.com", None, true),
        ("www.shop.example.com", "shop.example.com", None, true),
        ("shop.example.com", "t.shop.example.com", None, true),
        ("www.shop.example.com", "t.shop.example.com", Some("shop.example.com"), true),
        ("www.shop.example.com", "t.shop.example.com", None, false),
        ("evilshop.example.com", "shop.example.com", None, false),
        ("shop.example.com", "track.other.com", Some("shop.example.com"), false),
        ("127.0.0.1", "127.0.0.1", None, true),
        ("127.0.0.1", "localhost", None, false),
        ("", "", None, false),
    ] {
        assert_eq!(same_site_hosts(page, api, domain), want, "{page} {api} {domain:?}");
    }
}

/// The one cookie rule after a click: nothing held, an expired hold or a last-click hold →
/// write the clicked referral; an unexpired first-click hold → keep it.
#[test]
fn after_click_keeps_only_an_unexpired_first_click() {
    use viatrack_core::cookie::{after_click, AfterClick};
    let now = Timestamp::from_unix_seconds(1_700_000_000);
    let clicked = sample("second", Attribution::LastClick);
    let first = sample("first", Attribution::FirstClick);
    let last = sample("older", Attribution::LastClick);
    let mut stale = sample("stale", Attribution::FirstClick);
    stale.expires_at = Timestamp::from_unix_seconds(1_000);
    assert_eq!(after_click(None, clicked.clone(), now), AfterClick::Write(clicked.clone()));
    assert_eq!(after_click(Some(first.clone()), clicked.clone(), now), AfterClick::Keep(first));
    assert_eq!(after_click(Some(last), clicked.clone(), now), AfterClick::Write(clicked.clone()));
    assert_eq!(after_click(Some(stale), clicked.clone(), now), AfterClick::Write(clicked));
}
