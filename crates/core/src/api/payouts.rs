//! Payouts (`/v1/payouts`): the wire shapes of a payout run, the payout object, its list
//! filters and the pay, fail and cancel requests. The rules are [`crate::payout`]'s.
//!
//! Source: issue 24, after Rewardful's payouts (`id`, `currency`, `amount` in cents, a state,
//! `paid_at`, `affiliate`, `commissions[]`) and Dub's statuses.

use super::commissions::Commission;
use super::fields::{Currency, ExternalId, Ref};
use super::query::Paging;
use super::ValidationError;
use crate::ids::{AffiliateId, PayoutId};
use crate::payout::PayoutStatus;
use crate::time::Timestamp;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The payout object. `amount` is in cents of `currency`: the sum of its commissions
/// (clawbacks netted), always positive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payout {
    /// `pay_…`.
    pub id: PayoutId,
    /// Who is paid.
    pub affiliate_id: AffiliateId,
    /// ISO 4217 code: a payout is in one currency.
    pub currency: Currency,
    /// Cents to pay: the sum of its commissions.
    pub amount: i64,
    /// `pending`, `processing`, `paid`, `failed` or `canceled`.
    pub status: PayoutStatus,
    /// The bank's, PayPal's or Wise's reference given when it was paid.
    pub reference: Option<ExternalId>,
    /// How many commissions it holds.
    pub commissions_count: u32,
    /// The run's cutoff: it holds commissions due before it, ISO 8601 UTC.
    pub due_before: Timestamp,
    /// When it was marked paid, ISO 8601 UTC.
    pub paid_at: Option<Timestamp>,
    /// When it was marked failed, ISO 8601 UTC.
    pub failed_at: Option<Timestamp>,
    /// When it was canceled, ISO 8601 UTC.
    pub canceled_at: Option<Timestamp>,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
    /// Its commissions, newest first (`GET /v1/payouts/{id}` and the pay, fail and cancel
    /// answers; lists leave it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissions: Option<Vec<Commission>>,
}

/// `POST /v1/payouts/run`: make every payout due at `due_before` (default: now).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RunPayouts {
    /// Only commissions due at or before this time, ISO 8601 UTC; not in the future.
    #[serde(default)]
    pub due_before: Option<Timestamp>,
}

/// A balance a run did not pay: below the minimum payout, or not positive (clawbacks
/// exceeding what is due). It is carried to the next run, untouched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarriedBalance {
    /// Whose balance.
    pub affiliate_id: AffiliateId,
    /// ISO 4217 code.
    pub currency: Currency,
    /// The balance in cents (negative when clawbacks exceed what is due).
    pub amount: i64,
    /// Why it was carried.
    pub reason: crate::payout::CarryReason,
}

/// The answer to `POST /v1/payouts/run`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PayoutRun {
    /// The payouts this run made (none when a run before it took everything).
    pub payouts: Vec<Payout>,
    /// The balances it carried to the next run.
    pub carried: Vec<CarriedBalance>,
}

/// `POST /v1/payouts/{id}/pay`: it was paid, outside viatrack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PayPayout {
    /// The bank's, PayPal's or Wise's reference.
    #[serde(default)]
    pub reference: Option<ExternalId>,
}

/// `GET /v1/payouts` filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutQuery {
    /// Page and limit.
    pub paging: Paging,
    /// `affiliate_id`, any format.
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// `status`: comma-separated payout statuses.
    pub statuses: Option<Vec<PayoutStatus>>,
    /// `currency`: ISO 4217.
    pub currency: Option<Currency>,
    /// `created_at` at or after.
    pub from: Option<Timestamp>,
    /// `created_at` at or before.
    pub to: Option<Timestamp>,
}

impl PayoutQuery {
    /// The parameters this list accepts.
    pub const PARAMS: &'static [&'static str] = &["page", "limit", "affiliate_id", "status", "currency", "from", "to"];

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
            statuses: p.parse(
                "status",
                |v| v.split(',').map(|s| PayoutStatus::parse(s.trim()).ok()).collect::<Option<Vec<_>>>(),
                "a comma-separated list of pending, processing, paid, failed, canceled",
            )?,
            currency: p.parse(
                "currency",
                |v| Currency::try_from(alloc::string::String::from(v)).ok(),
                "an ISO 4217 code such as USD",
            )?,
            from,
            to,
        })
    }

    /// Whether the affiliate filter is not in our format, so nothing matches.
    pub fn names_nothing(&self) -> bool {
        self.affiliate_id.as_ref().is_some_and(|r| r.id().is_none())
    }
}

/// `GET /v1/payouts/export` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportQuery {
    /// `format` (required): `paypal`, `wise` or `csv`.
    pub format: super::payout_export::ExportFormat,
    /// `status`: comma-separated payout statuses; default `pending` (what is still to pay).
    pub statuses: Vec<PayoutStatus>,
    /// `currency`: ISO 4217 (a PayPal file holds one).
    pub currency: Option<Currency>,
}

impl ExportQuery {
    /// The parameters the export accepts.
    pub const PARAMS: &'static [&'static str] = &["format", "status", "currency"];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter (`format` is required).
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        use super::payout_export::ExportFormat;
        let p = super::query::Params::new(pairs, Self::PARAMS)?;
        let format = p
            .parse("format", |v| ExportFormat::parse(v).ok(), "paypal, wise or csv")?
            .ok_or_else(|| ValidationError::field("format", "is required: paypal, wise or csv"))?;
        Ok(Self {
            format,
            statuses: p
                .parse(
                    "status",
                    |v| v.split(',').map(|s| PayoutStatus::parse(s.trim()).ok()).collect::<Option<Vec<_>>>(),
                    "a comma-separated list of pending, processing, paid, failed, canceled",
                )?
                .unwrap_or_else(|| alloc::vec![PayoutStatus::Pending]),
            currency: p.parse(
                "currency",
                |v| Currency::try_from(alloc::string::String::from(v)).ok(),
                "an ISO 4217 code such as USD",
            )?,
        })
    }
}
