//! Commission rules: the rounding table, recurring months, the status table, refunds; and
//! properties over all sales: a commission is never negative (a clawback is the only negative
//! one) and never more than its sale, and refunds never take back more than was earned.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::commission::{
    div_round, due_at, is_due, refund_effect, CommissionStatus, Recurring, RefundEffect, Rule, BASIS_POINTS,
};
use viatrack_core::Timestamp;

const fn pct(basis_points: u32) -> Rule {
    Rule::Percentage { basis_points }
}

#[test]
fn rounding_table_half_away_from_zero() {
    // (sale cents, basis points, commission cents): the exact value, then the rounded one.
    for (sale, bp, want) in [
        (10_000, 2_000, 2_000), // 2000.00
        (4_999, 2_000, 1_000),  // 999.8
        (1, 5_000, 1),          // 0.5 → 1
        (3, 5_000, 2),          // 1.5 → 2
        (5, 1_000, 1),          // 0.5 → 1
        (4, 1_000, 0),          // 0.4 → 0
        (14, 2_500, 4),         // 3.5 → 4
        (13, 2_500, 3),         // 3.25 → 3
        (199, 3_333, 66),       // 66.3267
        (1_005, 50, 5),         // 5.025
        (1_000, 5, 1),          // 0.5 → 1
        (999, 5, 0),            // 0.4995
        (10_000_000_000, 10_000, 10_000_000_000),
        (123, 0, 0),
    ] {
        assert_eq!(pct(bp).amount(sale), want, "{sale} × {bp} bp");
    }
    assert_eq!(div_round(-5, 10), -1, "−0.5 → −1");
    assert_eq!(div_round(-4, 10), 0);
    assert_eq!(div_round(-15, 10), -2);
    assert_eq!(Rule::Fixed { cents: 500 }.amount(10_000), 500);
    assert_eq!(Rule::Fixed { cents: 500 }.amount(300), 300, "never more than the sale");
    assert_eq!(pct(20_000).amount(100), 100, "basis points above 100 % count as 100 %");
}

fn at(s: &str) -> Timestamp {
    Timestamp::parse_iso8601(s).unwrap()
}

#[test]
fn recurring_sales_earn_within_the_months() {
    let first = at("2026-01-31T10:00:00Z");
    let three = Recurring { recurring: true, months: Some(3) };
    assert!(three.earns(None, first), "the first sale always earns");
    assert!(Recurring::default().earns(None, first));
    assert!(!Recurring::default().earns(Some(first), at("2026-02-01T00:00:00Z")), "not recurring");
    assert!(three.earns(Some(first), at("2026-04-30T09:59:59Z")));
    // Jan 31 + 3 months = Apr 30 (clamped), same time of day.
    assert!(!three.earns(Some(first), at("2026-04-30T10:00:00Z")));
    let unlimited = Recurring { recurring: true, months: None };
    assert!(unlimited.earns(Some(first), at("2036-01-31T10:00:00Z")));
    assert_eq!(at("2024-01-31T00:00:00Z").plus_months(1), at("2024-02-29T00:00:00Z"), "leap year");
    assert_eq!(at("2026-11-15T12:00:00Z").plus_months(14), at("2028-01-15T12:00:00Z"));
}

#[test]
fn status_table_and_due_view() {
    use CommissionStatus::*;
    for (from, to, ok) in [
        (Pending, Pending, Ok(false)),
        (Pending, Paid, Ok(true)),
        (Pending, Voided, Ok(true)),
        (Paid, Paid, Ok(false)),
        (Voided, Voided, Ok(false)),
    ] {
        assert_eq!(from.transition(to), ok, "{from} → {to}");
    }
    for (from, to) in [(Paid, Pending), (Paid, Voided), (Voided, Pending), (Voided, Paid)] {
        let e = from.transition(to).unwrap_err();
        assert_eq!(e.to_string(), format!("a {from} commission cannot become {to}"));
    }
    let created = at("2026-01-01T00:00:00Z");
    let due = due_at(created, 30);
    assert_eq!(due, at("2026-01-31T00:00:00Z"));
    assert!(!is_due(Pending, 100, due, at("2026-01-30T23:59:59Z")));
    assert!(is_due(Pending, 100, due, due));
    assert!(!is_due(Paid, 100, due, due), "paid is not due");
    assert!(!is_due(Pending, -100, due, due), "a clawback is not due to the affiliate");
}

#[test]
fn refunds_reduce_void_or_claw_back() {
    use CommissionStatus::*;
    // A 10,000 ¢ sale with a 2,000 ¢ commission.
    assert_eq!(refund_effect(Pending, 2_000, 10_000, 0, 10_000), RefundEffect::Void);
    assert_eq!(refund_effect(Pending, 2_000, 10_000, 0, 2_500), RefundEffect::Reduce(1_500));
    assert_eq!(refund_effect(Pending, 2_000, 10_000, 2_500, 2_500), RefundEffect::Reduce(1_000));
    assert_eq!(refund_effect(Pending, 2_000, 10_000, 0, 99_999), RefundEffect::Void, "past the sale");
    assert_eq!(refund_effect(Paid, 2_000, 10_000, 0, 10_000), RefundEffect::Clawback(-2_000));
    assert_eq!(refund_effect(Paid, 2_000, 10_000, 0, 2_500), RefundEffect::Clawback(-500));
    assert_eq!(refund_effect(Paid, 2_000, 10_000, 10_000, 1), RefundEffect::Nothing, "already all refunded");
    assert_eq!(refund_effect(Voided, 2_000, 10_000, 0, 5_000), RefundEffect::Nothing);
    assert_eq!(refund_effect(Pending, 2_000, 10_000, 0, 0), RefundEffect::Nothing);
    // 3 ¢ of a 1 ¢ commission on a 3 ¢ sale, refunded a cent at a time: −0, −1… adds to −1.
    let parts: i64 = (0..3)
        .map(|i| match refund_effect(Paid, 1, 3, i, 1) {
            RefundEffect::Clawback(n) => n,
            _ => 0,
        })
        .sum();
    assert_eq!(parts, -1);
}

proptest! {
    #[test]
    fn commission_within_zero_and_the_sale(sale in 0u64..=10_000_000_000, bp in 0u32..=BASIS_POINTS, fixed in 0u64..=20_000_000_000) {
        let p = pct(bp).amount(sale);
        prop_assert!(p <= sale);
        let exact = sale as f64 * f64::from(bp) / 10_000.0;
        prop_assert!((p as f64 - exact).abs() <= 0.5 + 1e-6 * exact, "{p} vs {exact}");
        let f = Rule::Fixed { cents: fixed }.amount(sale);
        prop_assert!(f <= sale);
    }

    #[test]
    fn refunds_never_take_back_more_than_was_earned(
        sale in 1u64..=1_000_000_000,
        bp in 0u32..=BASIS_POINTS,
        cuts in proptest::collection::vec(0u64..=2_000_000_000, 1..6),
        paid in any::<bool>(),
    ) {
        let base = pct(bp).amount(sale);
        let status = if paid { CommissionStatus::Paid } else { CommissionStatus::Pending };
        let (mut refunded, mut current, mut clawed, mut voided) = (0u64, base as i64, 0i64, false);
        for cut in cuts {
            match refund_effect(if voided { CommissionStatus::Voided } else { status }, base, sale, refunded, cut) {
                RefundEffect::Nothing => {}
                RefundEffect::Reduce(n) => { prop_assert!(!paid && n >= 0 && n <= current); current = n; }
                RefundEffect::Void => { prop_assert!(!paid); voided = true; current = 0; }
                RefundEffect::Clawback(n) => { prop_assert!(paid && n < 0); clawed += n; }
            }
            refunded = (refunded + cut).min(sale);
        }
        prop_assert!(current >= 0, "only a clawback is negative");
        prop_assert!(-clawed <= base as i64, "clawed back {clawed} of {base}");
        if paid && refunded == sale { prop_assert_eq!(-clawed, base as i64, "a full refund takes back all of it"); }
    }
}

#[test]
fn terms_on_sale() {
    use viatrack_core::commission::{Earned, Terms};
    let now = at("2026-03-01T00:00:00Z");
    let terms =
        Terms { rule: Some(pct(2_000)), recurring: Recurring { recurring: true, months: Some(2) }, hold_days: 30 };
    let first = at("2026-01-15T00:00:00Z");
    assert_eq!(
        terms.on_sale(None, first, 4_999, now),
        Some(Earned { amount: 1_000, due_at: at("2026-03-31T00:00:00Z") })
    );
    assert!(terms.on_sale(Some(first), at("2026-03-14T23:59:59Z"), 4_999, now).is_some());
    assert_eq!(terms.on_sale(Some(first), at("2026-03-15T00:00:00Z"), 4_999, now), None, "past the months");
    assert_eq!(Terms { rule: None, ..terms }.on_sale(None, first, 4_999, now), None, "no rule");
    assert_eq!(terms.on_sale(None, first, 2, now), None, "rounds to zero: nothing");
}
