//! The referral object and the REST bodies that create and update it.

use super::fields::{Email, ExternalId, Metadata, Name, Ref};
use crate::ids::{AffiliateId, CampaignId, ClickId, LinkId, ProgramId, ReferralId, VisitorId};
use crate::lifecycle::{ConversionState, ReferralType, Status};
use crate::time::Timestamp;
use alloc::string::String;
use serde::{Deserialize, Deserializer, Serialize};

/// The referral object: the create-referral seed's fields plus the referral object seed's
/// (`link`, `visits`, `affiliate`, `conversion_state`, `became_*_at`, `expires_at`,
/// `updated_at`) and the referral tools seed's `type`. Timestamps are ISO 8601 UTC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Referral {
    /// `ref_…`; for a tracked click, the click ID.
    pub id: ReferralId,
    /// The program the referral belongs to.
    pub program_id: ProgramId,
    /// The affiliate credited.
    pub affiliate_id: AffiliateId,
    /// The referred customer's email (null while a click).
    pub email: Option<Email>,
    /// The customer's name.
    pub name: Option<Name>,
    /// The merchant's customer ID.
    pub customer_id: Option<ExternalId>,
    /// The merchant's subscription ID.
    pub subscription_id: Option<ExternalId>,
    /// Stored status (lower case).
    pub status: Status,
    /// Derived `CLICK`/`LEAD`/`CONVERSION`/`REJECTED`/`CANCELLED`.
    #[serde(rename = "type", default)]
    pub referral_type: Option<ReferralType>,
    /// Derived `visitor`/`lead`/`conversion`.
    #[serde(default)]
    pub conversion_state: Option<ConversionState>,
    /// Custom data.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Visits through the link recorded on this referral.
    #[serde(default)]
    pub visits: u32,
    /// The anonymous visitor ID the tracker sent.
    #[serde(default)]
    pub visitor_id: Option<VisitorId>,
    /// The landing page of the first visit.
    #[serde(default)]
    pub landing_url: Option<String>,
    /// The page that linked to the landing page.
    #[serde(default)]
    pub referrer: Option<String>,
    /// The link the visitor came through (null for a referral created without a click).
    #[serde(default)]
    pub link: Option<ReferralLink>,
    /// The affiliate with its campaign.
    #[serde(default)]
    pub affiliate: Option<ReferralAffiliate>,
    /// How the referral was credited: `link`, `code` or `api` (issue 26); always set in
    /// viatrack's answers (optional only to read the seeds' objects).
    #[serde(default)]
    pub attribution_method: Option<crate::coupon::AttributionMethod>,
    /// The coupon code that credited it (upper case), when `attribution_method` is `code`.
    #[serde(default)]
    pub coupon: Option<crate::coupon::CouponCode>,
    /// When the click was made (or the backdated creation time).
    pub created_at: Timestamp,
    /// Last change.
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// `created_at` + the campaign's cookie duration.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// First move out of `click`.
    #[serde(default)]
    pub became_lead_at: Option<Timestamp>,
    /// First move into a paying status.
    #[serde(default)]
    pub became_conversion_at: Option<Timestamp>,
    /// First move into a status other than `click`/`lead` (create-referral seed).
    pub converted_at: Option<Timestamp>,
    /// Its sales less their refunds, in cents (summed across currencies as recorded).
    #[serde(default)]
    pub sales_total: i64,
    /// Its commissions that are not voided, clawbacks included, in cents.
    #[serde(default)]
    pub commissions_total: i64,
}

/// The referral object's `link` (referral object seed), with counts over its referrals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralLink {
    /// `lnk_…`.
    pub id: LinkId,
    /// The shareable URL (`…?via=token`), when the link has a destination.
    pub url: Option<String>,
    /// The token.
    pub token: String,
    /// Referrals (clicks) recorded through the link.
    pub visitors: u64,
    /// Of those, how many became leads.
    pub leads: u64,
    /// Of those, how many became conversions.
    pub conversions: u64,
}

/// The referral object's `affiliate` (referral object seed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferralAffiliate {
    /// `aff_…`.
    pub id: AffiliateId,
    /// The affiliate's email.
    pub email: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The affiliate's campaign.
    pub campaign: CampaignRef,
}

/// A campaign named inside another object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignRef {
    /// `cmp_…`.
    pub id: CampaignId,
    /// Its name.
    pub name: String,
}

/// `POST /v1/referrals` (create-referral seed). `affiliate_id` is required unless
/// `click_id` is given (then it must match the click's affiliate).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateReferral {
    /// The referring affiliate; must belong to the key's program. One that does not, in any
    /// format (`aff_123abc` too), is `INVALID_AFFILIATE`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// The customer's email; a second referral with it in the program is a `CONFLICT`.
    pub email: Email,
    /// The merchant's customer ID.
    #[serde(default)]
    pub customer_id: Option<ExternalId>,
    /// The merchant's subscription ID.
    #[serde(default)]
    pub subscription_id: Option<ExternalId>,
    /// Converts this existing click (status `click`) into the referral; one that names no
    /// click of the program, in any format, is `NOT_FOUND`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub click_id: Option<Ref<ClickId>>,
    /// Initial status; default `lead`; `click` is not allowed.
    #[serde(default)]
    pub status: Option<Status>,
    /// Backdated creation time (ISO 8601), not in the future. Ignored with `click_id`
    /// (the click's own time stands).
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    /// The customer's name.
    #[serde(default)]
    pub name: Option<Name>,
    /// Custom data (≤ 4096 bytes).
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// `PATCH /v1/referrals/{id}`: every field optional; `null` clears the nullable ones.
/// A status change goes through the transition table (`INVALID_TRANSITION`).
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateReferral {
    /// New status.
    #[serde(default, deserialize_with = "present")]
    pub status: Option<Status>,
    /// New email (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Email>,
    /// New name, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub name: Option<Option<Name>>,
    /// New customer ID, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub customer_id: Option<Option<ExternalId>>,
    /// New subscription ID, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub subscription_id: Option<Option<ExternalId>>,
    /// New metadata (replaces the old), or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub metadata: Option<Option<Metadata>>,
}

impl UpdateReferral {
    /// Whether the body changes nothing.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.email.is_none()
            && self.name.is_none()
            && self.customer_id.is_none()
            && self.subscription_id.is_none()
            && self.metadata.is_none()
    }
}

/// Absent → `None` (via `default`); a value → `Some(v)`; `null` is an error (the field
/// cannot be cleared).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Absent → `None` (via `default`); `null` → `Some(None)`; a value → `Some(Some(v))`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
