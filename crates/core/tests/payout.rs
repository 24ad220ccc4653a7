//! Payout runs: worked examples with exact figures, the status table written out
//! independently of the implementation, and properties over random sets of commissions
//! (four affiliates, two currencies, due and held, clawbacks, some already in live payouts):
//! no commission is paid twice, every cent collectable is either paid or carried, a second
//! run finds nothing new, a clawback after a payout is netted exactly, and failed or
//! canceled payouts release their commissions.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;
use viatrack_core::api::fields::Currency;
use viatrack_core::commission::{refund_effect, CommissionStatus, RefundEffect};
use viatrack_core::payout::{plan, Candidate, Carried, CarryReason, PayoutStatus, Plan, Planned};
use viatrack_core::{AffiliateId, CommissionId, Timestamp};

const DAY: i64 = 86_400_000;

/// Affiliates in ID order.
static AFFILIATES: LazyLock<Vec<AffiliateId>> =
    LazyLock::new(|| (1..=4).map(|n| AffiliateId::from_bytes([n; 16])).collect());
/// Currencies in code order.
static CURRENCIES: LazyLock<Vec<Currency>> =
    LazyLock::new(|| ["EUR", "USD"].map(|c| Currency::try_from(c.to_owned()).unwrap()).into());

fn cutoff() -> Timestamp {
    Timestamp::parse_iso8601("2026-03-01T00:00:00Z").unwrap()
}

/// A stored commission: affiliate and currency as indexes into the tables above.
#[derive(Clone, Debug)]
struct Row {
    id: CommissionId,
    affiliate: usize,
    currency: usize,
    amount: i64,
    status: CommissionStatus,
    due_at: Timestamp,
    in_live_payout: bool,
}

impl Row {
    /// A pending commission in no payout, due `days` after the cutoff (negative: before).
    fn new(n: usize, affiliate: usize, currency: usize, amount: i64, days: i64) -> Row {
        let mut bytes = [0; 16];
        bytes[8..].copy_from_slice(&(n as u64).to_be_bytes());
        Row {
            id: CommissionId::from_bytes(bytes),
            affiliate,
            currency,
            amount,
            status: CommissionStatus::Pending,
            due_at: cutoff().plus_ms(days * DAY),
            in_live_payout: false,
        }
    }

    fn candidate(&self) -> Candidate<'_> {
        Candidate {
            id: &self.id,
            affiliate_id: &AFFILIATES[self.affiliate],
            currency: &CURRENCIES[self.currency],
            amount: self.amount,
            status: self.status,
            due_at: self.due_at,
            in_live_payout: self.in_live_payout,
        }
    }

    /// Written out from the rule, not from the implementation: pending, in no live payout,
    /// and due by the cutoff or a clawback.
    fn collectable(&self) -> bool {
        self.status == CommissionStatus::Pending && !self.in_live_payout && (self.amount < 0 || self.due_at <= cutoff())
    }

    fn group(&self) -> (usize, usize) {
        (self.affiliate, self.currency)
    }
}

fn run<'a>(rows: &'a [Row], minimums: &[u64]) -> Plan<'a> {
    let candidates: Vec<_> = rows.iter().map(Row::candidate).collect();
    let minimum = |a: &AffiliateId| minimums[AFFILIATES.iter().position(|x| x == a).unwrap()];
    plan(&candidates, minimum, cutoff())
}

/// The (affiliate, currency) indexes of a payout or carried balance.
fn group_of(affiliate: &AffiliateId, currency: &Currency) -> (usize, usize) {
    (AFFILIATES.iter().position(|a| a == affiliate).unwrap(), CURRENCIES.iter().position(|c| c == currency).unwrap())
}

/// Marks a run's payouts as stored in `status`: a live one holds its commissions.
fn store(rows: &mut [Row], payouts: &[Planned<'_>], status: impl Fn(usize) -> PayoutStatus) {
    for (i, p) in payouts.iter().enumerate() {
        let status = status(i);
        for row in rows.iter_mut().filter(|r| p.commissions.contains(&&r.id)) {
            row.in_live_payout = status.is_live();
            if status == PayoutStatus::Paid {
                row.status = CommissionStatus::Paid;
            }
        }
    }
}

fn rows() -> impl Strategy<Value = Vec<Row>> {
    let amount = prop_oneof![6 => 1i64..20_000, 2 => -8_000i64..0, 1 => Just(0)];
    let status = prop_oneof![
        6 => Just(CommissionStatus::Pending),
        1 => Just(CommissionStatus::Paid),
        1 => Just(CommissionStatus::Voided)
    ];
    let row = (0..4usize, 0..2usize, amount, status, -10i64..=10, prop::bool::weighted(0.2));
    prop::collection::vec(row, 0..40)
        .prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(n, (affiliate, currency, amount, status, days, in_live_payout))| Row {
                    status,
                    in_live_payout,
                    ..Row::new(n, affiliate, currency, amount, days)
                })
                .collect::<Vec<_>>()
        })
        .prop_shuffle()
}

fn minimums() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(prop_oneof![Just(0u64), 1u64..30_000], 4)
}

#[test]
fn three_affiliates_two_currencies_minimum_5000() {
    let (a, b, c) = (0, 1, 2);
    let (eur, usd) = (0, 1);
    let mut rows = vec![
        Row::new(0, a, usd, 3_000, -5),
        Row::new(1, a, usd, 2_500, 0), // due exactly at the cutoff
        Row::new(2, a, usd, 9_000, 1), // still held
        Row::new(3, a, eur, 4_000, -5),
        Row::new(4, b, usd, 7_000, -5),
        Row::new(5, b, usd, -2_500, 20), // a clawback: netted whatever its due_at
        Row::new(6, b, eur, 6_000, -5),  // already in a live payout
        Row::new(7, b, eur, 5_000, -5),
        Row::new(8, c, usd, -1_000, -5),
        Row::new(9, c, usd, 8_000, -5),  // paid
        Row::new(10, c, usd, 9_000, -5), // voided
        Row::new(11, c, eur, 12_000, -30),
    ];
    rows[6].in_live_payout = true;
    rows[9].status = CommissionStatus::Paid;
    rows[10].status = CommissionStatus::Voided;
    let got = run(&rows, &[5_000; 4]);
    let payout = |a: usize, c: usize, amount, ids: &[usize]| Planned {
        affiliate_id: &AFFILIATES[a],
        currency: &CURRENCIES[c],
        amount,
        commissions: ids.iter().map(|&i| &rows[i].id).collect(),
    };
    let carried = |a: usize, c: usize, amount, reason| Carried {
        affiliate_id: &AFFILIATES[a],
        currency: &CURRENCIES[c],
        amount,
        reason,
    };
    assert_eq!(
        got.payouts,
        [payout(a, usd, 5_500, &[0, 1]), payout(b, eur, 5_000, &[7]), payout(c, eur, 12_000, &[11])],
        "5,000 ¢ exactly is paid"
    );
    assert_eq!(
        got.carried,
        [
            carried(a, eur, 4_000, CarryReason::BelowMinimum),
            carried(b, usd, 4_500, CarryReason::BelowMinimum),
            carried(c, usd, -1_000, CarryReason::NotPositive),
        ]
    );
    assert_eq!(run(&rows, &[0, 5_000, 5_000, 0]).payouts.len(), 4, "minimum 0: affiliate A's 4,000 € is paid");
}

#[test]
fn pay_refund_and_net_the_clawback() {
    // A 10,000 ¢ sale with a 2,000 ¢ commission, and a second 8,000 ¢ one: paid together.
    let due = [Row::new(0, 0, 1, 2_000, -40), Row::new(1, 0, 1, 8_000, -35)];
    let first = run(&due, &[5_000; 4]);
    assert_eq!(first.payouts.len(), 1);
    assert_eq!(first.payouts[0].amount, 10_000);
    let mut rows = due.to_vec();
    store(&mut rows, &first.payouts, |_| PayoutStatus::Paid);

    // A quarter of the first sale is refunded after the payout: a 500 ¢ clawback.
    let RefundEffect::Clawback(back) = refund_effect(CommissionStatus::Paid, 2_000, 10_000, 0, 2_500) else {
        panic!("a paid commission is clawed back");
    };
    assert_eq!(back, -500);
    rows.push(Row::new(2, 0, 1, back, 30));
    let alone = run(&rows, &[5_000; 4]);
    assert_eq!((alone.payouts.len(), alone.carried.len()), (0, 1));
    assert_eq!((alone.carried[0].amount, alone.carried[0].reason), (-500, CarryReason::NotPositive));

    // A new due commission: the next payout nets the clawback to the cent.
    rows.push(Row::new(3, 0, 1, 6_000, -1));
    let next = run(&rows, &[5_000; 4]);
    assert_eq!(next.payouts.len(), 1);
    assert_eq!(next.payouts[0].amount, 5_500);
    assert_eq!(next.payouts[0].commissions, [&rows[2].id, &rows[3].id]);
    assert!(next.carried.is_empty());
}

#[test]
fn status_table_matches_documentation() {
    use PayoutStatus::*;
    // The table in crates/core/src/payout.rs, row by row: the moves besides staying.
    let documented = |from| match from {
        Pending => &[Processing, Paid, Failed, Canceled][..],
        Processing => &[Paid, Failed, Canceled],
        Paid | Failed | Canceled => &[],
    };
    for &from in PayoutStatus::ALL {
        for &to in PayoutStatus::ALL {
            let allowed = documented(from).contains(&to);
            assert_eq!(from.can_move_to(to), from == to || allowed, "{from} -> {to}");
            match from.transition(to) {
                Ok(moved) => assert!(moved == allowed && (moved || from == to), "{from} -> {to}"),
                Err(e) => {
                    assert!(from != to && !allowed, "{from} -> {to}");
                    assert_eq!((e.from, e.to), (from, to));
                    assert_eq!(e.to_string(), format!("a {from} payout cannot become {to}"));
                }
            }
        }
        assert_eq!(from.is_live(), matches!(from, Pending | Processing | Paid), "{from}");
        assert_eq!(PayoutStatus::parse(from.as_str()), Ok(from));
    }
    assert_eq!(Pending.transition(Pending), Ok(false), "same status: nothing to do");
    assert_eq!(Pending.transition(Paid), Ok(true), "mark as paid");
}

proptest! {
    #[test]
    fn planned_commissions_are_pending_free_and_in_one_payout(rows in rows(), minimums in minimums()) {
        let by_id: HashMap<_, _> = rows.iter().map(|r| (&r.id, r)).collect();
        let mut seen = HashSet::new();
        for p in &run(&rows, &minimums).payouts {
            for id in &p.commissions {
                prop_assert!(seen.insert(*id), "{id:?} in two payouts");
                let row = by_id[id];
                prop_assert_eq!(row.status, CommissionStatus::Pending);
                prop_assert!(!row.in_live_payout, "{:?} is already in a live payout", id);
                prop_assert!(row.collectable());
            }
        }
    }

    #[test]
    fn a_payout_is_one_affiliate_one_currency_positive_and_at_least_the_minimum(
        rows in rows(),
        minimums in minimums(),
    ) {
        let by_id: HashMap<_, _> = rows.iter().map(|r| (&r.id, r)).collect();
        let got = run(&rows, &minimums);
        for p in &got.payouts {
            let group = group_of(p.affiliate_id, p.currency);
            prop_assert!(p.commissions.iter().all(|id| by_id[id].group() == group));
            prop_assert_eq!(p.amount, p.commissions.iter().map(|id| by_id[id].amount).sum::<i64>());
            prop_assert!(p.amount > 0 && p.amount.unsigned_abs() >= minimums[group.0]);
            prop_assert!(p.commissions.is_sorted());
        }
        for c in &got.carried {
            let reason = if c.amount <= 0 { CarryReason::NotPositive } else { CarryReason::BelowMinimum };
            prop_assert_eq!(c.reason, reason);
            prop_assert!(c.amount <= 0 || c.amount.unsigned_abs() < minimums[group_of(c.affiliate_id, c.currency).0]);
        }
    }

    #[test]
    fn planned_plus_carried_equals_everything_collectable(rows in rows(), minimums in minimums()) {
        let mut collectable = BTreeMap::new();
        for r in rows.iter().filter(|r| r.collectable()) {
            *collectable.entry(r.group()).or_insert(0) += r.amount;
        }
        let got = run(&rows, &minimums);
        let planned = got.payouts.iter().map(|p| (group_of(p.affiliate_id, p.currency), p.amount));
        let carried = got.carried.iter().map(|c| (group_of(c.affiliate_id, c.currency), c.amount));
        let payouts: Vec<_> = planned.clone().map(|(g, _)| g).collect();
        let balances: Vec<_> = carried.clone().map(|(g, _)| g).collect();
        prop_assert!(payouts.is_sorted() && balances.is_sorted(), "sorted by affiliate, then currency");
        let mut out = BTreeMap::new();
        for (group, amount) in planned.chain(carried) {
            prop_assert!(out.insert(group, amount).is_none(), "{group:?} both paid and carried, or twice");
        }
        prop_assert_eq!(out, collectable);
    }

    #[test]
    fn a_second_run_plans_nothing_new(rows in rows(), minimums in minimums()) {
        let first = run(&rows, &minimums);
        let mut stored = rows.clone();
        store(&mut stored, &first.payouts, |_| PayoutStatus::Pending);
        let second = run(&stored, &minimums);
        prop_assert!(second.payouts.is_empty());
        prop_assert_eq!(second.carried, first.carried);
    }

    #[test]
    fn a_clawback_after_a_payout_is_netted_exactly_by_the_next(
        rows in rows(),
        minimums in minimums(),
        pick in any::<prop::sample::Index>(),
        percent in 1i64..=150,
        fresh in prop::collection::vec(1i64..20_000, 0..4),
    ) {
        let first = run(&rows, &minimums);
        prop_assume!(!first.payouts.is_empty());
        let paid = &first.payouts[pick.index(first.payouts.len())];
        let (affiliate, currency) = group_of(paid.affiliate_id, paid.currency);
        let mut next = rows.clone();
        store(&mut next, &first.payouts, |_| PayoutStatus::Paid);
        // The clawback is held well past the cutoff, and may exceed what was paid.
        let clawback = -(paid.amount * percent / 100).max(1);
        let n = rows.len();
        next.push(Row::new(n, affiliate, currency, clawback, 30));
        next.extend(fresh.iter().enumerate().map(|(i, &amount)| Row::new(n + 1 + i, affiliate, currency, amount, -1)));
        let want = fresh.iter().sum::<i64>() + clawback;

        let second = run(&next, &minimums);
        let ours = |a: &AffiliateId, c: &Currency| group_of(a, c) == (affiliate, currency);
        let netted: Vec<_> = second.payouts.iter().filter(|p| ours(p.affiliate_id, p.currency)).collect();
        let carried: Vec<_> = second.carried.iter().filter(|c| ours(c.affiliate_id, c.currency)).collect();
        if want > 0 && want.unsigned_abs() >= minimums[affiliate] {
            prop_assert!(carried.is_empty());
            prop_assert_eq!(netted.len(), 1);
            prop_assert_eq!(netted[0].amount, want);
            let ids: Vec<_> = next[n..].iter().map(|r| &r.id).collect();
            prop_assert_eq!(&netted[0].commissions, &ids, "the clawback and the new commissions");
        } else {
            prop_assert!(netted.is_empty());
            prop_assert_eq!(carried.len(), 1);
            prop_assert_eq!(carried[0].amount, want);
        }
        // Nothing else changes: the other payouts are paid, the other balances still carried.
        prop_assert_eq!(second.payouts.len(), netted.len());
        let others: Vec<_> = second.carried.iter().filter(|c| !ours(c.affiliate_id, c.currency)).collect();
        prop_assert_eq!(others, first.carried.iter().collect::<Vec<_>>());
    }

    #[test]
    fn failed_or_canceled_payouts_release_their_commissions(
        rows in rows(),
        minimums in minimums(),
        // One status per payout: at most 4 affiliates × 2 currencies.
        statuses in prop::collection::vec(prop::sample::select(PayoutStatus::ALL), 8),
    ) {
        let first = run(&rows, &minimums);
        let mut next = rows.clone();
        store(&mut next, &first.payouts, |i| statuses[i]);
        let second = run(&next, &minimums);
        let released: Vec<_> =
            first.payouts.iter().zip(&statuses).filter(|(_, s)| !s.is_live()).map(|(p, _)| p).collect();
        prop_assert_eq!(second.payouts.iter().collect::<Vec<_>>(), released, "planned again, as they were");
        prop_assert_eq!(second.carried, first.carried);
    }
}
