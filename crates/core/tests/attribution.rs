//! Attribution arithmetic: expiry, the conversion window and who gets the credit.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::attribution::{credit, expires_at, is_expired, Held};
use viatrack_core::time::MS_PER_DAY;
use viatrack_core::{Attribution, CookieDuration, Credit, Timestamp};

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(ms)
}

#[test]
fn cookie_duration_bounds() {
    for (days, ok) in
        [(0, false), (1, true), (30, true), (60, true), (365, true), (366, false), (-1, false), (i64::MAX, false)]
    {
        assert_eq!(CookieDuration::from_days(days).is_ok(), ok, "{days}");
    }
    assert_eq!(CookieDuration::from_days(60).unwrap().seconds(), 60 * 86_400);
    assert_eq!(CookieDuration::DEFAULT.days(), 60);
    assert!(serde_json::from_str::<CookieDuration>("0").is_err());
    assert!(serde_json::from_str::<CookieDuration>("\"30\"").is_err());
    assert_eq!(serde_json::from_str::<CookieDuration>("30").unwrap().days(), 30);
}

#[test]
fn seed_expiry_is_created_plus_sixty_days() {
    // Referral object seed: created_at 2020-04-27T00:34:28.448Z, expires_at 2020-06-26T00:34:28.448Z.
    let created = Timestamp::parse_iso8601("2020-04-27T00:34:28.448Z").unwrap();
    let expires = expires_at(created, CookieDuration::from_days(60).unwrap());
    assert_eq!(expires.to_iso8601(), "2020-06-26T00:34:28.448Z");
}

#[test]
fn expiry_is_exclusive() {
    let e = t(10 * MS_PER_DAY);
    assert!(!is_expired(e, t(10 * MS_PER_DAY - 1)));
    assert!(is_expired(e, e));
    assert!(is_expired(e, t(10 * MS_PER_DAY + 1)));
}

#[test]
fn credit_table() {
    let now = t(100 * MS_PER_DAY);
    let live = |a| Some(Held { expires_at: t(101 * MS_PER_DAY), attribution: a });
    let dead = |a| Some(Held { expires_at: now, attribution: a });
    let cases = [
        (None, Credit::TakeNew),
        (live(Attribution::FirstClick), Credit::KeepHeld),
        (live(Attribution::LastClick), Credit::TakeNew),
        (dead(Attribution::FirstClick), Credit::TakeNew),
        (dead(Attribution::LastClick), Credit::TakeNew),
    ];
    for (held, want) in cases {
        assert_eq!(credit(held, now), want, "{held:?}");
    }
}

#[test]
fn attribution_names() {
    assert_eq!(serde_json::to_string(&Attribution::FirstClick).unwrap(), "\"first_click\"");
    assert_eq!(Attribution::parse("last_click"), Ok(Attribution::LastClick));
    assert!(Attribution::parse("last-click").is_err());
}

proptest! {
    /// expires_at - created_at is exactly the duration in days, and a click is live for
    /// every instant before it and dead from it on.
    #[test]
    fn window_arithmetic(created in 0i64..200_000_000_000_000, days in 1i64..=365, probe in 0i64..400 * MS_PER_DAY) {
        let d = CookieDuration::from_days(days).unwrap();
        let c = t(created);
        let e = expires_at(c, d);
        prop_assert_eq!(e.unix_ms() - c.unix_ms(), days * MS_PER_DAY);
        let now = t(created + probe);
        prop_assert_eq!(is_expired(e, now), probe >= days * MS_PER_DAY);
    }

    /// First-click keeps an unexpired holder whatever happens; last-click never keeps.
    #[test]
    fn credit_properties(exp in 0i64..1_000_000, now in 0i64..1_000_000, first in any::<bool>()) {
        let attribution = if first { Attribution::FirstClick } else { Attribution::LastClick };
        let c = credit(Some(Held { expires_at: t(exp), attribution }), t(now));
        prop_assert_eq!(c == Credit::KeepHeld, first && now < exp);
    }
}

#[test]
fn only_an_unconverted_expired_click_cannot_convert() {
    use viatrack_core::attribution::can_convert;
    use viatrack_core::Status;
    let exp = t(1_000);
    for &status in Status::ALL {
        assert!(can_convert(status, exp, t(999)), "{status} before expiry");
        assert_eq!(can_convert(status, exp, t(1_000)), status != Status::Click, "{status} at expiry");
    }
}
