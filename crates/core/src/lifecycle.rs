//! The referral lifecycle: stored statuses, their derived views, and the transition table.
//!
//! A referral starts as a tracked **click** and moves on when the visitor becomes a **lead**
//! (signs up) and a **conversion** (pays). Stored statuses are the create-referral seed's
//! set (`lead`, `trialing`, `customer`, `active`, `canceled`, `rejected`) plus `click` for a
//! click not yet converted. Two views are derived and never stored:
//!
//! | status     | `type` (referral tools seed) | `conversion_state` (referral object seed) |
//! |------------|------------------------------|-------------------------------------------|
//! | `click`    | `CLICK`                      | `visitor`                                 |
//! | `lead`     | `LEAD`                       | `lead`                                    |
//! | `trialing` | `LEAD`                       | `lead`                                    |
//! | `customer` | `CONVERSION`                 | `conversion`                              |
//! | `active`   | `CONVERSION`                 | `conversion`                              |
//! | `canceled` | `CANCELLED`                  | furthest state reached (by timestamps)    |
//! | `rejected` | `REJECTED`                   | furthest state reached (by timestamps)    |
//!
//! # Transition table
//!
//! | from \ to  | lead | trialing | customer | active | canceled | rejected |
//! |------------|:----:|:--------:|:--------:|:------:|:--------:|:--------:|
//! | `click`    |  ✓   |    ✓     |    ✓     |   ✓    |    ✓     |    ✓     |
//! | `lead`     |  =   |    ✓     |    ✓     |   ✓    |    ✓     |    ✓     |
//! | `trialing` |      |    =     |    ✓     |   ✓    |    ✓     |    ✓     |
//! | `customer` |      |          |    =     |   ✓    |    ✓     |    ✓     |
//! | `active`   |      |          |    ✓     |   =    |    ✓     |    ✓     |
//! | `canceled` |      |          |    ✓     |   ✓    |    =     |    ✓     |
//! | `rejected` |      |          |          |        |          |    =     |
//!
//! `=` is a no-op (same status; nothing changes). Nothing ever moves to `click`; nothing
//! moves back from a paying state to `lead`/`trialing`; `rejected` is final. `click` may go
//! straight to any status because the create-referral seed converts a click "to a referral
//! with the specified status".
//!
//! # Timestamps (each set once, at the first move that earns it, never changed after)
//!
//! * `became_lead_at`: the first move out of `click` into anything but `rejected`.
//! * `became_conversion_at`: the first move into a paying status (`customer`, `active`).
//! * `converted_at`: the first move into any status other than `click` and `lead` — the
//!   create-referral seed: "If set to any value other than lead, converted_at will be
//!   automatically set."

use crate::time::Timestamp;

crate::wire_enum! {
    /// A referral's stored status (lower case on the wire and in D1), in lifecycle order.
    #[derive(PartialOrd, Ord)]
    pub enum Status ("referral status (click, lead, trialing, customer, active, canceled or rejected)") {
        /// A tracked click that has not converted.
        Click = "click",
        /// Signed up, not paying (the create-referral seed's default).
        Lead = "lead",
        /// On a free trial.
        Trialing = "trialing",
        /// Paying customer.
        Customer = "customer",
        /// Paying, with an active subscription.
        Active = "active",
        /// Was a customer, canceled.
        Canceled = "canceled",
        /// Rejected by the merchant (fraud, self-referral…). Final.
        Rejected = "rejected",
    }
}

impl Status {
    /// A paying status: `customer` or `active`.
    pub fn is_paying(self) -> bool {
        matches!(self, Status::Customer | Status::Active)
    }

    /// The transition table (see the module docs). `from == to` is allowed (a no-op).
    pub fn can_move_to(self, to: Status) -> bool {
        use Status::*;
        if self == to {
            return true;
        }
        match (self, to) {
            (_, Click) => false,
            (Rejected, _) => false,
            (Click, _) => true,
            (Lead, _) => true,
            (Trialing, Lead) => false,
            (Trialing, _) => true,
            (Customer | Active | Canceled, Lead | Trialing) => false,
            (Customer | Active | Canceled, _) => true,
        }
    }

    /// The derived `type` (referral tools seed).
    pub fn referral_type(self) -> ReferralType {
        match self {
            Status::Click => ReferralType::Click,
            Status::Lead | Status::Trialing => ReferralType::Lead,
            Status::Customer | Status::Active => ReferralType::Conversion,
            Status::Canceled => ReferralType::Cancelled,
            Status::Rejected => ReferralType::Rejected,
        }
    }
}

crate::wire_enum! {
    /// The referral `type` view (referral tools seed), upper case on the wire.
    pub enum ReferralType ("referral type (CLICK, LEAD, CONVERSION, REJECTED or CANCELLED)") {
        /// Status `click`.
        Click = "CLICK",
        /// Status `lead` or `trialing`.
        Lead = "LEAD",
        /// Status `customer` or `active`.
        Conversion = "CONVERSION",
        /// Status `rejected`.
        Rejected = "REJECTED",
        /// Status `canceled` (the seed spells the type `CANCELLED`).
        Cancelled = "CANCELLED",
    }
}

impl ReferralType {
    /// The stored statuses that have this type (for list filters).
    pub fn statuses(self) -> impl Iterator<Item = Status> {
        Status::ALL.iter().copied().filter(move |s| s.referral_type() == self)
    }
}

crate::wire_enum! {
    /// The `conversion_state` view (referral object seed), in funnel order.
    pub enum ConversionState ("conversion state (visitor, lead or conversion)") {
        /// An anonymous visitor who has not converted.
        Visitor = "visitor",
        /// Gave contact details or started a non-paying plan.
        Lead = "lead",
        /// Has paid.
        Conversion = "conversion",
    }
}

crate::wire_enum! {
    /// PromoteKit's `subscription_status` list filter (list-referrals seed), mapped onto
    /// viatrack's statuses by [`SubscriptionStatus::statuses`]:
    ///
    /// | `subscription_status` | statuses |
    /// |---|---|
    /// | `signed_up` | `lead` |
    /// | `trialing` | `trialing` |
    /// | `active` | `active`, `customer` (paying: a subscription, or a one-time sale) |
    /// | `canceled` | `canceled` |
    /// | `past_due` | none: viatrack records payments, not failed renewals, so no referral is past due |
    pub enum SubscriptionStatus ("subscription status (signed_up, active, trialing, canceled or past_due)") {
        /// Signed up, not paying.
        SignedUp = "signed_up",
        /// Paying.
        Active = "active",
        /// In a trial.
        Trialing = "trialing",
        /// Canceled.
        Canceled = "canceled",
        /// A renewal failed (viatrack has no such status).
        PastDue = "past_due",
    }
}

impl SubscriptionStatus {
    /// The statuses this value selects (the table above).
    pub fn statuses(self) -> &'static [Status] {
        match self {
            SubscriptionStatus::SignedUp => &[Status::Lead],
            SubscriptionStatus::Active => &[Status::Active, Status::Customer],
            SubscriptionStatus::Trialing => &[Status::Trialing],
            SubscriptionStatus::Canceled => &[Status::Canceled],
            SubscriptionStatus::PastDue => &[],
        }
    }
}

/// A forbidden move in the transition table: the one source of `INVALID_TRANSITION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a referral in status {from} cannot move to {to}")]
pub struct TransitionError {
    /// The current status.
    pub from: Status,
    /// The requested status.
    pub to: Status,
}

/// A referral's status with the timestamps its moves set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Lifecycle {
    /// The current status.
    pub status: Status,
    /// First move out of `click` (not into `rejected`).
    pub became_lead_at: Option<Timestamp>,
    /// First move into `customer` or `active`.
    pub became_conversion_at: Option<Timestamp>,
    /// First move into a status other than `click` and `lead`.
    pub converted_at: Option<Timestamp>,
}

impl Lifecycle {
    /// A new click: status `click`, no timestamps.
    pub const CLICK: Lifecycle =
        Lifecycle { status: Status::Click, became_lead_at: None, became_conversion_at: None, converted_at: None };

    /// Applies a move to `to` at instant `at`, following the table in the module docs.
    /// Returns the new lifecycle; `self` is unchanged.
    ///
    /// # Errors
    ///
    /// [`TransitionError`] (`INVALID_TRANSITION` on the wire) when the table forbids the move.
    pub fn transition(self, to: Status, at: Timestamp) -> Result<Lifecycle, TransitionError> {
        if !self.status.can_move_to(to) {
            return Err(TransitionError { from: self.status, to });
        }
        let mut next = self;
        next.status = to;
        if self.status == Status::Click && to != Status::Rejected && to != Status::Click {
            next.became_lead_at.get_or_insert(at);
        }
        if to.is_paying() {
            next.became_conversion_at.get_or_insert(at);
        }
        if !matches!(to, Status::Click | Status::Lead) {
            next.converted_at.get_or_insert(at);
        }
        Ok(next)
    }

    /// The status a recorded sale moves the referral to: `customer` from `click`, `lead`,
    /// `trialing`; `active` from `canceled` (the customer paid again); a paying status stays.
    ///
    /// # Errors
    ///
    /// [`TransitionError`] from `rejected`.
    pub fn record_sale(self, at: Timestamp) -> Result<Lifecycle, TransitionError> {
        let to = match self.status {
            Status::Click | Status::Lead | Status::Trialing => Status::Customer,
            Status::Customer | Status::Active => self.status,
            Status::Canceled => Status::Active,
            Status::Rejected => Status::Customer,
        };
        self.transition(to, at)
    }

    /// The derived `type`.
    pub fn referral_type(&self) -> ReferralType {
        self.status.referral_type()
    }

    /// The derived `conversion_state`: for `canceled` and `rejected`, the furthest state the
    /// referral reached, read from its timestamps.
    pub fn conversion_state(&self) -> ConversionState {
        match self.status {
            Status::Click => ConversionState::Visitor,
            Status::Lead | Status::Trialing => ConversionState::Lead,
            Status::Customer | Status::Active => ConversionState::Conversion,
            Status::Canceled | Status::Rejected => {
                if self.became_conversion_at.is_some() {
                    ConversionState::Conversion
                } else if self.became_lead_at.is_some() {
                    ConversionState::Lead
                } else {
                    ConversionState::Visitor
                }
            }
        }
    }
}
