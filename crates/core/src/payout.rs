//! Payouts: which commissions a payout run collects, when a payout is made, and the payout
//! status table. Pure: the run's `cutoff` is an input, and the Worker stores what [`plan`]
//! decides.
//!
//! # What a run collects
//!
//! A payout belongs to **one affiliate and one currency**. For each (affiliate, currency) a
//! run collects every commission that is `pending` and in no live payout (see
//! [`PayoutStatus::is_live`]) and either
//!
//! * **due**: not negative, and its `due_at` (`created_at` plus the campaign's hold) is at
//!   or before the run's `cutoff` (a commission that a refund reduced to 0 ¢ is collected
//!   too, so the payout that holds it closes it), or
//! * a **clawback**: negative, whatever its `due_at`, since a clawback is a debt to net,
//!   not money held back.
//!
//! Its `amount`, in cents of that currency, is their sum. A payout is made only when that
//! sum is positive and at least the affiliate's **minimum payout** (`minimum_payout`, a
//! campaign setting in cents, default 0; the same number of cents in every currency, no
//! exchange rates); otherwise nothing is assigned and the whole balance is **carried** to
//! the next run ([`Carried`]). A negative or zero balance is carried, never paid.
//!
//! # Status
//!
//! | from \ to    | pending | processing | paid | failed | canceled |
//! |--------------|:-------:|:----------:|:----:|:------:|:--------:|
//! | `pending`    |    =    |     ✓      |  ✓   |   ✓    |    ✓     |
//! | `processing` |         |     =      |  ✓   |   ✓    |    ✓     |
//! | `paid`       |         |            |  =   |        |          |
//! | `failed`     |         |            |      |   =    |          |
//! | `canceled`   |         |            |      |        |    =     |
//!
//! `=` is a no-op. `pending` → `paid` is Rewardful's "mark as paid"
//! (`PUT /v1/payouts/:id/pay`); `processing` is a transfer under way (Dub's statuses).
//! `paid`, `failed` and `canceled` are final. A `pending`, `processing` or `paid` payout
//! holds its commissions; a `failed` or `canceled` one releases them, and the next run
//! collects them again.
//!
//! # What the peers leave out
//!
//! Issue 24: "None of them documents what happens to a clawback that arrives after a payout
//! was made, or a payout run that is retried, or an affiliate paid in two currencies. We do."
//!
//! * **A clawback after a payout** needs no rule of its own: refunding a paid sale makes a
//!   new `pending` commission with a negative amount
//!   ([`refund_effect`](crate::commission::refund_effect)), in no payout, so the next run
//!   nets it against that affiliate's due commissions in that currency — exactly, to the
//!   cent — or carries the balance when it is not positive.
//! * **A retried run** finds nothing new: what the first run planned is in a live payout,
//!   and what it carried gives the same balance again.
//! * **Two currencies** make two payouts, each with its own minimum check; amounts in
//!   different currencies are never added.

use crate::api::fields::Currency;
use crate::commission::CommissionStatus;
use crate::ids::{AffiliateId, CommissionId};
use crate::time::Timestamp;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

crate::wire_enum! {
    /// A payout's stored status (the module's table).
    pub enum PayoutStatus ("payout status (pending, processing, paid, failed or canceled)") {
        /// Made by a run, not yet sent.
        Pending = "pending",
        /// The transfer is under way.
        Processing = "processing",
        /// Paid, with its commissions. Final.
        Paid = "paid",
        /// The transfer failed; its commissions are released. Final.
        Failed = "failed",
        /// Canceled by the merchant; its commissions are released. Final.
        Canceled = "canceled",
    }
}

/// A payout status move the table forbids (`INVALID_TRANSITION` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} payout cannot become {to}")]
pub struct PayoutTransitionError {
    /// The current status.
    pub from: PayoutStatus,
    /// The requested one.
    pub to: PayoutStatus,
}

impl PayoutStatus {
    /// The transition table (the module docs). `self == to` is allowed (a no-op).
    pub fn can_move_to(self, to: PayoutStatus) -> bool {
        use PayoutStatus::*;
        self == to || matches!((self, to), (Pending, _) | (Processing, Paid | Failed | Canceled))
    }

    /// Applies the transition table: `Ok(true)` for a move, `Ok(false)` for the same status
    /// (nothing to do).
    ///
    /// # Errors
    ///
    /// [`PayoutTransitionError`] for a move the table forbids: back to `pending`, or out of
    /// `paid`, `failed` or `canceled`.
    pub fn transition(self, to: PayoutStatus) -> Result<bool, PayoutTransitionError> {
        if self.can_move_to(to) {
            Ok(self != to)
        } else {
            Err(PayoutTransitionError { from: self, to })
        }
    }

    /// Whether a payout in this status holds its commissions: `pending`, `processing` and
    /// `paid` do; `failed` and `canceled` release them to the next run.
    pub fn is_live(self) -> bool {
        matches!(self, PayoutStatus::Pending | PayoutStatus::Processing | PayoutStatus::Paid)
    }
}

/// A commission as a payout run sees it. Distinct commissions only: each ID once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate<'a> {
    /// The commission.
    pub id: &'a CommissionId,
    /// Whose it is.
    pub affiliate_id: &'a AffiliateId,
    /// Its currency.
    pub currency: &'a Currency,
    /// In cents of `currency`; negative for a clawback.
    pub amount: i64,
    /// Its stored status.
    pub status: CommissionStatus,
    /// When its hold ends (UTC; ISO 8601 on the wire).
    pub due_at: Timestamp,
    /// Whether a live payout (`pending`, `processing` or `paid`) already holds it.
    pub in_live_payout: bool,
}

impl Candidate<'_> {
    /// Pending, in no live payout, and due by `cutoff` or a clawback.
    fn collected(&self, cutoff: Timestamp) -> bool {
        self.status == CommissionStatus::Pending && !self.in_live_payout && (self.amount < 0 || self.due_at <= cutoff)
    }
}

/// A payout to make: one affiliate, one currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned<'a> {
    /// The affiliate paid.
    pub affiliate_id: &'a AffiliateId,
    /// The currency paid in.
    pub currency: &'a Currency,
    /// In cents: the sum of the commissions' amounts, positive and at least the minimum.
    pub amount: i64,
    /// The commissions it holds (clawbacks included), sorted by ID.
    pub commissions: Vec<&'a CommissionId>,
}

crate::wire_enum! {
    /// Why a balance is carried to the next run instead of paid (`carried[].reason` of
    /// `POST /v1/payouts/run`).
    pub enum CarryReason ("carry reason (not_positive or below_minimum)") {
        /// Zero or negative: clawbacks outweigh what is due.
        NotPositive = "not_positive",
        /// Positive, but under the affiliate's minimum payout.
        BelowMinimum = "below_minimum",
    }
}

/// A balance left for the next run; none of its commissions is assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Carried<'a> {
    /// Whose balance it is.
    pub affiliate_id: &'a AffiliateId,
    /// Its currency.
    pub currency: &'a Currency,
    /// In cents: the sum of the commissions the run would have collected.
    pub amount: i64,
    /// Why it was not paid.
    pub reason: CarryReason,
}

/// What a payout run decides: both lists sorted by affiliate ID, then currency code, with
/// each (affiliate, currency) that has anything to collect in exactly one of them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Plan<'a> {
    /// The payouts to make.
    pub payouts: Vec<Planned<'a>>,
    /// The balances carried to the next run.
    pub carried: Vec<Carried<'a>>,
}

/// Plans a payout run at `cutoff` (an instant, UTC: the request's `due_before`, or now)
/// over `candidates`, with `minimum` giving each affiliate's minimum payout in cents: the
/// rules of the module docs. It cannot fail: every balance is either paid or carried.
/// Running it again once the payouts are stored (their commissions `in_live_payout`) plans
/// nothing new.
pub fn plan<'a>(candidates: &[Candidate<'a>], minimum: impl Fn(&AffiliateId) -> u64, cutoff: Timestamp) -> Plan<'a> {
    let mut groups: BTreeMap<(&AffiliateId, &str), (&Currency, i64, Vec<&CommissionId>)> = BTreeMap::new();
    for c in candidates.iter().filter(|c| c.collected(cutoff)) {
        let group = groups.entry((c.affiliate_id, c.currency.as_str())).or_insert((c.currency, 0, Vec::new()));
        group.1 += c.amount;
        group.2.push(c.id);
    }
    let mut out = Plan::default();
    for ((affiliate_id, _), (currency, amount, mut commissions)) in groups {
        let carry = |reason| Carried { affiliate_id, currency, amount, reason };
        if amount <= 0 {
            out.carried.push(carry(CarryReason::NotPositive));
        } else if amount.unsigned_abs() < minimum(affiliate_id) {
            out.carried.push(carry(CarryReason::BelowMinimum));
        } else {
            commissions.sort_unstable();
            out.payouts.push(Planned { affiliate_id, currency, amount, commissions });
        }
    }
    out
}
