//! Commissions (`/v1/commissions`), refunds (`POST /v1/track/refund`) and the Stripe
//! connection (`POST /v1/integrations/stripe`). The rules are [`crate::commission`]'s.

use super::fields::{AmountCents, Currency, ExternalId, Reason, Ref};
use super::query::Paging;
use super::ValidationError;
use crate::commission::CommissionStatus;
use crate::ids::{AffiliateId, CommissionId, PayoutId, ReferralId, SaleId};
use crate::time::Timestamp;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// The commission object. Amounts are in cents of `currency`; a negative `amount` is a
/// clawback (a refund of a sale whose commission was already paid).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Commission {
    /// `com_…`.
    pub id: CommissionId,
    /// The sale it is paid on (`null` for a manual commission).
    pub sale_id: Option<SaleId>,
    /// The sale's referral (`null` for a manual commission).
    pub referral_id: Option<ReferralId>,
    /// Why a manual commission was made (`null` for one on a sale).
    pub reason: Option<Reason>,
    /// Who earns it.
    pub affiliate_id: AffiliateId,
    /// Cents owed (signed: negative for a clawback), after any pro-rata reduction.
    pub amount: i64,
    /// ISO 4217 code of the sale.
    pub currency: Currency,
    /// `pending`, `paid` or `voided`.
    pub status: CommissionStatus,
    /// Whether it is due now: pending, positive and past `due_at` (computed, not stored).
    pub due: bool,
    /// `created_at` + the campaign's hold period, ISO 8601 UTC.
    pub due_at: Timestamp,
    /// When it was marked paid, ISO 8601 UTC.
    pub paid_at: Option<Timestamp>,
    /// When it was voided, ISO 8601 UTC.
    pub voided_at: Option<Timestamp>,
    /// The payout it is in (`pay_…`), if any; null again when that payout failed or was
    /// canceled.
    pub payout_id: Option<PayoutId>,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

/// `POST /v1/commissions` (secret key, `write:commissions`): a manual commission — a bonus
/// — for an affiliate, on no sale (Rewardful's and PromoteKit's "create commission"). It is
/// `pending` and due at once, and a payout run pays it with the affiliate's others.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCommission {
    /// Who earns it (`INVALID_AFFILIATE` when not the program's; any format).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api::fields::IdRef))]
    pub affiliate_id: Ref<AffiliateId>,
    /// Cents owed, 1 to 10,000,000,000.
    pub amount: AmountCents,
    /// ISO 4217 code.
    pub currency: Currency,
    /// Why (shown in the commission and the affiliate's statement): 1–500 characters.
    pub reason: Reason,
}

/// `PATCH /v1/commissions/{id}`: mark it `paid` or `voided` (the status table:
/// `INVALID_TRANSITION` otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCommission {
    /// The new status.
    pub status: CommissionStatus,
}

/// `GET /v1/commissions/summary` filters: one affiliate, and the commissions made in a range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryQuery {
    /// Page and limit (of affiliate and currency rows).
    pub paging: Paging,
    /// `affiliate_id`, any format.
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// `created_at` at or after.
    pub from: Option<Timestamp>,
    /// `created_at` at or before.
    pub to: Option<Timestamp>,
}

impl SummaryQuery {
    /// The parameters the summary accepts.
    pub const PARAMS: &'static [&'static str] = &["page", "limit", "affiliate_id", "from", "to"];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter (unknown, repeated, not an ID, not ISO 8601,
    /// `from` after `to`, a bad page or limit).
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let p = super::query::Params::new(pairs, Self::PARAMS)?;
        let (from, to) = p.range()?;
        Ok(Self {
            paging: p.paging()?,
            affiliate_id: p.parse("affiliate_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
            from,
            to,
        })
    }
}

/// One affiliate's commissions in one currency, by where they stand (`GET
/// /v1/commissions/summary`, the MCP tool `viatrack_commission_summary`). Amounts in cents;
/// a clawback (a negative commission) counts under `clawed_back` as a positive amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommissionSummary {
    /// The affiliate.
    pub affiliate_id: AffiliateId,
    /// ISO 4217, upper case.
    pub currency: Currency,
    /// Pending commissions still in their hold (`due_at` later than now).
    pub pending: i64,
    /// Pending commissions past their hold: what the next payout run pays (before clawbacks).
    pub due: i64,
    /// Paid commissions.
    pub paid: i64,
    /// Clawbacks (refunds after payment) not voided, as a positive amount.
    pub clawed_back: i64,
    /// Voided commissions, at their amount before voiding.
    pub voided: i64,
}

/// `GET /v1/commissions` filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommissionQuery {
    /// Page and limit.
    pub paging: Paging,
    /// `affiliate_id`, any format.
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// `referral_id`, any format.
    pub referral_id: Option<Ref<ReferralId>>,
    /// `status`: `pending`, `paid` or `voided`.
    pub status: Option<CommissionStatus>,
    /// `created_at` at or after.
    pub from: Option<Timestamp>,
    /// `created_at` at or before.
    pub to: Option<Timestamp>,
}

impl CommissionQuery {
    /// The parameters this list accepts.
    pub const PARAMS: &'static [&'static str] =
        &["page", "limit", "affiliate_id", "referral_id", "status", "from", "to"];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter.
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let p = super::query::Params::new(pairs, Self::PARAMS)?;
        let (from, to) = p.range()?;
        Ok(Self {
            paging: p.paging()?,
            affiliate_id: p.parse("affiliate_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
            referral_id: p.parse("referral_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
            status: p.parse("status", |v| CommissionStatus::parse(v).ok(), "pending, paid or voided")?,
            from,
            to,
        })
    }

    /// Whether an ID filter is not in our format, so nothing matches.
    pub fn names_nothing(&self) -> bool {
        self.affiliate_id.as_ref().is_some_and(|r| r.id().is_none())
            || self.referral_id.as_ref().is_some_and(|r| r.id().is_none())
    }
}

/// `POST /v1/track/refund` (secret key, `write:referrals`): a refund for merchants not on
/// Stripe. Idempotent by `refund_id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundRequest {
    /// The refunded sale's `invoice_id`.
    pub invoice_id: ExternalId,
    /// Cents refunded by this refund (refunds past the sale count up to the sale).
    pub amount: AmountCents,
    /// The refund's own ID: the same ID again changes nothing.
    pub refund_id: ExternalId,
}

/// `POST /v1/integrations/stripe` (secret key, `write:integrations`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConnectStripe {
    /// The webhook endpoint's signing secret from Stripe's dashboard (`whsec_…`). Stored
    /// encrypted, never returned.
    pub signing_secret: SigningSecret,
}

/// A Stripe webhook signing secret: `whsec_` followed by 1 to 200 letters and digits.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SigningSecret(String);

impl SigningSecret {
    /// The secret.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::json_schema!(
    SigningSecret,
    "SigningSecret",
    serde_json::json!({"type": "string", "pattern": "^whsec_[A-Za-z0-9]{1,200}$", "writeOnly": true})
);

impl core::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SigningSecret(whsec_…)")
    }
}

impl<'de> Deserialize<'de> for SigningSecret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let ok = s
            .strip_prefix("whsec_")
            .is_some_and(|rest| (1..=200).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
        if ok {
            Ok(SigningSecret(s))
        } else {
            Err(serde::de::Error::custom("must be a Stripe webhook signing secret (whsec_…)"))
        }
    }
}

/// The answer to `POST /v1/integrations/stripe`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StripeConnection {
    /// Whether a signing secret is stored.
    pub connected: bool,
    /// The URL to register in Stripe's dashboard (Developers → Webhooks).
    pub webhook_url: String,
    /// The events to select there.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub events: [&'static str; 4],
}

/// The Stripe events viatrack handles (others are answered 200 and ignored).
pub const STRIPE_EVENTS: [&str; 4] =
    ["checkout.session.completed", "invoice.paid", "charge.refunded", "customer.subscription.deleted"];

crate::wire_enum! {
    /// What a Stripe event did (`StripeReceipt.outcome`).
    pub enum StripeOutcome ("Stripe event outcome") {
        /// A sale (and its commission) was recorded.
        Sale = "sale",
        /// A refund was recorded.
        Refund = "refund",
        /// A referral was canceled (its subscription ended).
        Canceled = "canceled",
        /// The event was handled before; nothing was done again.
        Duplicate = "duplicate",
        /// Nothing to do, and retrying cannot change that (the detail says why).
        Ignored = "ignored",
    }
}

/// The answer to a Stripe event (`POST /v1/stripe/webhook/{program_id}`, 200).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StripeReceipt {
    /// Always `true`.
    pub received: bool,
    /// What the event did.
    pub outcome: StripeOutcome,
    /// Why, in prose.
    pub detail: String,
}

/// The answer to `POST /v1/track/refund`: the sale after it and the sale's commissions
/// (its own and any clawbacks), newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundResponse {
    /// The sale, with `refunded` updated.
    pub sale: super::tracking::Sale,
    /// Its commissions.
    pub commissions: alloc::vec::Vec<Commission>,
}
