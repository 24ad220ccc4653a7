//! The referral lifecycle: the transition table written out independently of the
//! implementation, the derived views, and properties over random move sequences.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::{ConversionState, Lifecycle, ReferralType, Status, Timestamp};

use Status::*;

/// The documented table (crates/core/src/lifecycle.rs), row by row: the statuses each
/// status may move to, besides itself.
fn documented(from: Status) -> &'static [Status] {
    match from {
        Click => &[Lead, Trialing, Customer, Active, Canceled, Rejected],
        Lead => &[Trialing, Customer, Active, Canceled, Rejected],
        Trialing => &[Customer, Active, Canceled, Rejected],
        Customer => &[Active, Canceled, Rejected],
        Active => &[Customer, Canceled, Rejected],
        Canceled => &[Customer, Active, Rejected],
        Rejected => &[],
    }
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(1_700_000_000_000 + ms)
}

fn state(status: Status) -> Lifecycle {
    Lifecycle { status, ..Lifecycle::CLICK }
}

#[test]
fn table_matches_documentation() {
    for &from in Status::ALL {
        for &to in Status::ALL {
            let want = from == to || documented(from).contains(&to);
            assert_eq!(from.can_move_to(to), want, "{from} -> {to}");
            let got = state(from).transition(to, at(0));
            assert_eq!(got.is_ok(), want, "{from} -> {to} via transition()");
            if let Err(e) = got {
                assert_eq!((e.from, e.to), (from, to));
                assert_eq!(e.to_string(), format!("a referral in status {from} cannot move to {to}"));
            }
        }
    }
}

#[test]
fn nothing_goes_back_to_click_and_rejected_is_final() {
    for &from in Status::ALL {
        if from != Click {
            assert!(state(from).transition(Click, at(0)).is_err(), "{from} -> click");
        }
        if from != Rejected {
            assert!(state(Rejected).transition(from, at(0)).is_err(), "rejected -> {from}");
        }
    }
}

#[test]
fn derived_views() {
    let table = [
        (Click, ReferralType::Click, ConversionState::Visitor),
        (Lead, ReferralType::Lead, ConversionState::Lead),
        (Trialing, ReferralType::Lead, ConversionState::Lead),
        (Customer, ReferralType::Conversion, ConversionState::Conversion),
        (Active, ReferralType::Conversion, ConversionState::Conversion),
        (Canceled, ReferralType::Cancelled, ConversionState::Visitor),
        (Rejected, ReferralType::Rejected, ConversionState::Visitor),
    ];
    for (status, ty, cs) in table {
        assert_eq!(status.referral_type(), ty, "{status}");
        assert_eq!(state(status).conversion_state(), cs, "{status}");
    }
    // canceled/rejected show the furthest state reached.
    let paid = Lifecycle::CLICK.transition(Customer, at(1)).unwrap().transition(Canceled, at(2)).unwrap();
    assert_eq!(paid.conversion_state(), ConversionState::Conversion);
    let lead = Lifecycle::CLICK.transition(Lead, at(1)).unwrap().transition(Rejected, at(2)).unwrap();
    assert_eq!(lead.conversion_state(), ConversionState::Lead);
    // the type filter maps back to statuses
    assert_eq!(ReferralType::Lead.statuses().collect::<Vec<_>>(), vec![Lead, Trialing]);
    assert_eq!(ReferralType::Conversion.statuses().collect::<Vec<_>>(), vec![Customer, Active]);
    assert_eq!(ReferralType::Cancelled.statuses().collect::<Vec<_>>(), vec![Canceled]);
}

#[test]
fn names_round_trip() {
    for &s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()).unwrap(), s);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.as_str()));
    }
    let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["click", "lead", "trialing", "customer", "active", "canceled", "rejected"]);
    for &t in ReferralType::ALL {
        assert_eq!(ReferralType::parse(t.as_str()).unwrap(), t);
    }
    assert!(Status::parse("cancelled").is_err());
    assert!(Status::parse("Lead").is_err());
    assert!(ReferralType::parse("lead").is_err());
}

#[test]
fn timestamps_on_the_documented_moves() {
    // click -> lead: became_lead_at only (converted_at waits until status leaves lead).
    let l = Lifecycle::CLICK.transition(Lead, at(1)).unwrap();
    assert_eq!((l.became_lead_at, l.became_conversion_at, l.converted_at), (Some(at(1)), None, None));
    // lead -> trialing: converted_at (create-referral seed: any status other than lead).
    let t = l.transition(Trialing, at(2)).unwrap();
    assert_eq!((t.became_lead_at, t.became_conversion_at, t.converted_at), (Some(at(1)), None, Some(at(2))));
    // trialing -> customer: became_conversion_at.
    let c = t.transition(Customer, at(3)).unwrap();
    assert_eq!((c.became_lead_at, c.became_conversion_at, c.converted_at), (Some(at(1)), Some(at(3)), Some(at(2))));
    // click -> customer directly sets all three at once.
    let d = Lifecycle::CLICK.transition(Customer, at(5)).unwrap();
    assert_eq!((d.became_lead_at, d.became_conversion_at, d.converted_at), (Some(at(5)), Some(at(5)), Some(at(5))));
    // click -> rejected: never a lead.
    let r = Lifecycle::CLICK.transition(Rejected, at(6)).unwrap();
    assert_eq!((r.became_lead_at, r.became_conversion_at, r.converted_at), (None, None, Some(at(6))));
}

#[test]
fn sales_move_to_paying() {
    let cases = [
        (Click, Customer),
        (Lead, Customer),
        (Trialing, Customer),
        (Customer, Customer),
        (Active, Active),
        (Canceled, Active),
    ];
    for (from, to) in cases {
        let after = state(from).record_sale(at(9)).unwrap();
        assert_eq!(after.status, to, "sale on {from}");
        assert_eq!(after.became_conversion_at, Some(at(9)));
    }
    assert!(state(Rejected).record_sale(at(9)).is_err());
}

proptest! {
    /// Random move sequences: every accepted move is in the table, timestamps are set at
    /// most once and never change, nothing leaves `rejected`, nothing returns to `click`.
    #[test]
    fn random_walks(moves in proptest::collection::vec((0usize..7, 1i64..1_000_000), 0..30)) {
        let mut life = Lifecycle::CLICK;
        let mut t = 0;
        for (i, dt) in moves {
            t += dt;
            let to = Status::ALL[i];
            let before = life;
            match life.transition(to, at(t)) {
                Ok(next) => {
                    prop_assert!(before.status == to || documented(before.status).contains(&to));
                    for (b, n) in [
                        (before.became_lead_at, next.became_lead_at),
                        (before.became_conversion_at, next.became_conversion_at),
                        (before.converted_at, next.converted_at),
                    ] {
                        if b.is_some() { prop_assert_eq!(b, n); }
                    }
                    if to.is_paying() { prop_assert!(next.became_conversion_at.is_some()); }
                    if next.became_conversion_at.is_some() { prop_assert!(next.converted_at.is_some()); }
                    if next.status != Click && next.status != Rejected { prop_assert!(next.became_lead_at.is_some()); }
                    life = next;
                }
                Err(e) => {
                    prop_assert!(!(before.status == to || documented(before.status).contains(&to)));
                    prop_assert_eq!(e.from, before.status);
                }
            }
            if before.status == Rejected { prop_assert_eq!(life.status, Rejected); }
            if before.status != Click { prop_assert_ne!(life.status, Click); }
        }
    }
}

#[test]
fn lead_decisions() {
    use viatrack_core::api::tracking::{decide_lead, LeadDecision};
    let exp = at(1_000);
    let cases = [
        (Click, None, at(999), LeadDecision::Convert),
        (Click, None, at(1_000), LeadDecision::Expired),
        (Click, None, at(5_000), LeadDecision::Expired),
        (Lead, Some("a@b.co"), at(5_000), LeadDecision::Replay),
        (Lead, Some("other@b.co"), at(10), LeadDecision::AlreadyConverted),
        (Customer, Some("a@b.co"), at(10), LeadDecision::Replay),
        (Rejected, None, at(10), LeadDecision::AlreadyConverted),
    ];
    for (status, stored, now, want) in cases {
        assert_eq!(decide_lead(status, stored, exp, "a@b.co", now), want, "{status} {stored:?}");
    }
}
