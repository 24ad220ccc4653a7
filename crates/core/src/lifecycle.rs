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
use core::fmt;
use core::str::FromStr;

/// A referral's stored status (lower case on the wire and in D1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Status {
    /// A tracked click that has not converted.
    Click,
    /// Signed up, not paying (the create-referral seed's default).
    Lead,
    /// On a free trial.
    Trialing,
    /// Paying customer.
    Customer,
    /// Paying, with an active subscription.
    Active,
    /// Was a customer, canceled.
    Canceled,
    /// Rejected by the merchant (fraud, self-referral…). Final.
    Rejected,
}

/// Why a status or type name did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Not one of the documented names.
    #[error("unknown status; expected one of click, lead, trialing, customer, active, canceled, rejected")]
    UnknownStatus,
    /// Not one of the documented type names.
    #[error("unknown type; expected one of CLICK, LEAD, CONVERSION, REJECTED, CANCELLED")]
    UnknownType,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 7] = [
        Status::Click,
        Status::Lead,
        Status::Trialing,
        Status::Customer,
        Status::Active,
        Status::Canceled,
        Status::Rejected,
    ];

    /// The wire name: `click`, `lead`, `trialing`, `customer`, `active`, `canceled`, `rejected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Click => "click",
            Status::Lead => "lead",
            Status::Trialing => "trialing",
            Status::Customer => "customer",
            Status::Active => "active",
            Status::Canceled => "canceled",
            Status::Rejected => "rejected",
        }
    }

    /// Parses a wire name (exact, lower case).
    ///
    /// # Errors
    ///
    /// [`StatusError::UnknownStatus`].
    pub fn parse(s: &str) -> Result<Self, StatusError> {
        Status::ALL.into_iter().find(|st| st.as_str() == s).ok_or(StatusError::UnknownStatus)
    }

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

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = StatusError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

crate::serde_via_str!(Status, "a referral status (click, lead, trialing, customer, active, canceled, rejected)");
crate::json_schema!(
    Status,
    "Status",
    serde_json::json!({"type": "string", "enum": Status::ALL.iter().map(|s| s.as_str()).collect::<alloc::vec::Vec<_>>()})
);

/// The referral `type` view (referral tools seed): `CLICK`, `LEAD`, `CONVERSION`,
/// `REJECTED`, `CANCELLED`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ReferralType {
    /// Status `click`.
    Click,
    /// Status `lead` or `trialing`.
    Lead,
    /// Status `customer` or `active`.
    Conversion,
    /// Status `rejected`.
    Rejected,
    /// Status `canceled` (the seed spells the type `CANCELLED`).
    Cancelled,
}

impl ReferralType {
    /// Every type.
    pub const ALL: [ReferralType; 5] = [
        ReferralType::Click,
        ReferralType::Lead,
        ReferralType::Conversion,
        ReferralType::Rejected,
        ReferralType::Cancelled,
    ];

    /// The wire name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralType::Click => "CLICK",
            ReferralType::Lead => "LEAD",
            ReferralType::Conversion => "CONVERSION",
            ReferralType::Rejected => "REJECTED",
            ReferralType::Cancelled => "CANCELLED",
        }
    }

    /// Parses a wire name (exact, upper case).
    ///
    /// # Errors
    ///
    /// [`StatusError::UnknownType`].
    pub fn parse(s: &str) -> Result<Self, StatusError> {
        ReferralType::ALL.into_iter().find(|t| t.as_str() == s).ok_or(StatusError::UnknownType)
    }

    /// The stored statuses that have this type (for list filters).
    pub fn statuses(self) -> impl Iterator<Item = Status> {
        Status::ALL.into_iter().filter(move |s| s.referral_type() == self)
    }
}

impl fmt::Display for ReferralType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

crate::serde_via_str!(ReferralType, "a referral type (CLICK, LEAD, CONVERSION, REJECTED, CANCELLED)");
crate::json_schema!(
    ReferralType,
    "ReferralType",
    serde_json::json!({"type": "string", "enum": ReferralType::ALL.iter().map(|s| s.as_str()).collect::<alloc::vec::Vec<_>>()})
);

/// The `conversion_state` view (referral object seed): `visitor`, `lead`, `conversion`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ConversionState {
    /// An anonymous visitor who has not converted.
    Visitor,
    /// Gave contact details or started a non-paying plan.
    Lead,
    /// Has paid.
    Conversion,
}

impl ConversionState {
    /// Every value, in funnel order.
    pub const ALL: [ConversionState; 3] =
        [ConversionState::Visitor, ConversionState::Lead, ConversionState::Conversion];

    /// The wire name, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversionState::Visitor => "visitor",
            ConversionState::Lead => "lead",
            ConversionState::Conversion => "conversion",
        }
    }

    /// Parses a wire name.
    ///
    /// # Errors
    ///
    /// [`StatusError::UnknownStatus`].
    pub fn parse(s: &str) -> Result<Self, StatusError> {
        match s {
            "visitor" => Ok(ConversionState::Visitor),
            "lead" => Ok(ConversionState::Lead),
            "conversion" => Ok(ConversionState::Conversion),
            _ => Err(StatusError::UnknownStatus),
        }
    }
}

crate::serde_via_str!(ConversionState, "a conversion state (visitor, lead, conversion)");
crate::json_schema!(
    ConversionState,
    "ConversionState",
    serde_json::json!({"type": "string", "enum": ConversionState::ALL.iter().map(|s| s.as_str()).collect::<alloc::vec::Vec<_>>()})
);

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
