//! Commissions: what an affiliate earns on a sale, when it is due, and what a refund takes
//! back. Every rule here is pure arithmetic on cents; the Worker stores what it decides.
//!
//! # Amounts
//!
//! * **Percentage** rules are kept in basis points (1 bp = 0.01 %, 2,000 = 20 %, at most
//!   10,000): `amount = sale × bp / 10,000`, rounded to the cent **half away from zero**
//!   ([`div_round`]: 0.5 ¢ → 1 ¢, −0.5 ¢ → −1 ¢), so a commission is never a fraction of a
//!   cent and rounding never favours one side by sign.
//! * **Fixed** rules are in cents, but never more than the sale they are paid on.
//!
//! So a commission is never negative and never more than its sale; only a **clawback** (a
//! refund of a sale whose commission was already paid) is negative.
//!
//! # Recurring sales
//!
//! The first sale of a referral always earns. A later sale earns only when the campaign is
//! `recurring`, and, when `recurring_months` is set, only while the sale falls before the
//! first sale plus that many calendar months ([`Recurring::earns`]).
//!
//! # Status
//!
//! | from \ to | pending | paid | voided |
//! |-----------|:-------:|:----:|:------:|
//! | `pending` |    =    |  ✓   |   ✓    |
//! | `paid`    |         |  =   |        |
//! | `voided`  |         |      |   =    |
//!
//! `due_at` is `created_at` plus the campaign's hold period in days. "Due" is not stored: a
//! commission is due when it is `pending`, positive, and `due_at` has passed
//! ([`is_due`]).
//!
//! # Refunds ([`refund_effect`])
//!
//! * a `pending` commission is reduced pro rata to what remains of the sale
//!   (`base × remaining / sale`, rounded as above), or voided when nothing remains;
//! * a `paid` commission cannot change: the refunded share (`base × refunded / sale`) becomes
//!   a new negative commission, a clawback, to set against the affiliate's next payout;
//! * a `voided` commission is left alone.

use crate::time::Timestamp;
use core::fmt;

/// 100 % in basis points.
pub const BASIS_POINTS: u32 = 10_000;

/// `n / d` rounded to the nearest integer, halves away from zero (`d` > 0).
pub fn div_round(n: i128, d: i128) -> i128 {
    debug_assert!(d > 0);
    let (q, r) = (n / d, n % d);
    if 2 * r.abs() >= d {
        q + n.signum()
    } else {
        q
    }
}

/// How a campaign pays its affiliates on each sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A share of the sale, in basis points (0 to [`BASIS_POINTS`]).
    Percentage {
        /// Basis points (2,000 = 20 %).
        basis_points: u32,
    },
    /// A fixed amount per sale, in cents (capped at the sale).
    Fixed {
        /// Cents.
        cents: u64,
    },
}

impl Rule {
    /// The commission on a sale of `sale_cents`, in cents: never negative, never more than
    /// the sale.
    pub fn amount(self, sale_cents: u64) -> u64 {
        match self {
            Rule::Percentage { basis_points } => {
                let bp = i128::from(basis_points.min(BASIS_POINTS));
                let n = div_round(i128::from(sale_cents) * bp, i128::from(BASIS_POINTS));
                u64::try_from(n).unwrap_or(0).min(sale_cents)
            }
            Rule::Fixed { cents } => cents.min(sale_cents),
        }
    }
}

/// A campaign's rule for sales after a referral's first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Recurring {
    /// Whether later sales earn at all.
    pub recurring: bool,
    /// For how many calendar months after the first sale they earn; `None` = no limit.
    pub months: Option<u32>,
}

impl Recurring {
    /// Whether a sale at `sale_at` earns a commission, given the referral's first sale
    /// (`None` when this is the first).
    pub fn earns(self, first_sale_at: Option<Timestamp>, sale_at: Timestamp) -> bool {
        match first_sale_at {
            None => true,
            Some(first) => self.recurring && self.months.is_none_or(|m| sale_at < first.plus_months(m)),
        }
    }
}

/// What a campaign pays on its referrals' sales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Terms {
    /// The amount rule; `None` = no commission.
    pub rule: Option<Rule>,
    /// Whether, and how long, sales after the first earn.
    pub recurring: Recurring,
    /// Days a commission is held before it is due.
    pub hold_days: u32,
}

/// A commission a sale earns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Earned {
    /// Cents, at least 1.
    pub amount: u64,
    /// `created_at` + the hold period.
    pub due_at: Timestamp,
}

impl Terms {
    /// Terms from a campaign's stored fields: `kind` `percentage` (amount in basis points)
    /// or `fixed` (cents); no kind or no amount = no commission.
    pub fn from_fields(
        kind: Option<crate::api::resources::CommissionType>,
        amount: Option<u64>,
        recurring: Recurring,
        hold_days: u32,
    ) -> Self {
        use crate::api::resources::CommissionType;
        let rule = match (kind, amount) {
            (Some(CommissionType::Percentage), Some(a)) => {
                Some(Rule::Percentage { basis_points: u32::try_from(a).unwrap_or(u32::MAX) })
            }
            (Some(CommissionType::Fixed), Some(cents)) => Some(Rule::Fixed { cents }),
            _ => None,
        };
        Terms { rule, recurring, hold_days }
    }

    /// The commission a sale of `sale_cents` at `sale_at` earns, given the referral's first
    /// sale (`None` when this is it); `None` when it earns nothing (no rule, a later sale
    /// outside the recurring terms, or a zero amount). It is created at `now`.
    pub fn on_sale(
        self,
        first_sale_at: Option<Timestamp>,
        sale_at: Timestamp,
        sale_cents: u64,
        now: Timestamp,
    ) -> Option<Earned> {
        let rule = self.rule?;
        if !self.recurring.earns(first_sale_at, sale_at) {
            return None;
        }
        let amount = rule.amount(sale_cents);
        (amount > 0).then(|| Earned { amount, due_at: due_at(now, self.hold_days) })
    }
}

crate::wire_enum! {
    /// A commission's stored status.
    pub enum CommissionStatus ("commission status (pending, paid or voided)") {
        /// Earned, not yet paid out (a clawback: not yet deducted).
        Pending = "pending",
        /// Paid out (a clawback: deducted). Final.
        Paid = "paid",
        /// Cancelled: the sale was refunded before payout, or the merchant voided it. Final.
        Voided = "voided",
    }
}

/// A status move the table does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommissionTransitionError {
    /// The current status.
    pub from: CommissionStatus,
    /// The requested one.
    pub to: CommissionStatus,
}

impl fmt::Display for CommissionTransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} commission cannot become {}", self.from, self.to)
    }
}

impl core::error::Error for CommissionTransitionError {}

impl CommissionStatus {
    /// Applies the transition table: `Ok(true)` for a move, `Ok(false)` for the same status
    /// (nothing to do).
    ///
    /// # Errors
    ///
    /// [`CommissionTransitionError`] for any move out of `paid` or `voided`.
    pub fn transition(self, to: CommissionStatus) -> Result<bool, CommissionTransitionError> {
        match (self, to) {
            (a, b) if a == b => Ok(false),
            (CommissionStatus::Pending, _) => Ok(true),
            (from, to) => Err(CommissionTransitionError { from, to }),
        }
    }
}

/// When a commission created at `created_at` is due: after the hold period, in days.
pub fn due_at(created_at: Timestamp, hold_days: u32) -> Timestamp {
    created_at.plus_days(hold_days)
}

/// The computed "due" view: pending, positive, and past its `due_at`.
pub fn is_due(status: CommissionStatus, amount: i64, due_at: Timestamp, now: Timestamp) -> bool {
    status == CommissionStatus::Pending && amount > 0 && now >= due_at
}

/// What a refund does to a sale's commission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundEffect {
    /// Nothing changes (a voided commission, or nothing newly refunded).
    Nothing,
    /// The pending commission becomes this amount, in cents.
    Reduce(i64),
    /// The pending commission is voided: nothing of the sale remains.
    Void,
    /// The paid commission stays; a new commission of this negative amount takes back the
    /// refunded share.
    Clawback(i64),
}

/// What refunding `refund_cents` more of a sale of `sale_cents` (of which `refunded_before`
/// was already refunded) does to its commission: `status`, and `base`, the amount it was
/// created with (before any reduction). Refunds past the sale count up to the sale.
pub fn refund_effect(
    status: CommissionStatus,
    base: u64,
    sale_cents: u64,
    refunded_before: u64,
    refund_cents: u64,
) -> RefundEffect {
    let before = refunded_before.min(sale_cents);
    let after = before.saturating_add(refund_cents).min(sale_cents);
    if after == before || sale_cents == 0 {
        return RefundEffect::Nothing;
    }
    let share = |cents: u64| -> i64 {
        i64::try_from(div_round(i128::from(base) * i128::from(cents), i128::from(sale_cents))).unwrap_or(i64::MAX)
    };
    match status {
        CommissionStatus::Voided => RefundEffect::Nothing,
        CommissionStatus::Pending if after == sale_cents => RefundEffect::Void,
        CommissionStatus::Pending => RefundEffect::Reduce(share(sale_cents - after)),
        // Taken back: what the commission kept before this refund minus what it keeps after,
        // so several partial refunds add up to exactly the base.
        CommissionStatus::Paid => match share(sale_cents - before) - share(sale_cents - after) {
            0 => RefundEffect::Nothing,
            n => RefundEffect::Clawback(-n),
        },
    }
}
