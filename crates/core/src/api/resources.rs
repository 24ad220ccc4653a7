//! Campaigns, affiliates and links: the objects and their create/update bodies.

use super::fields::{Email, Hostname, HttpUrl, Name, Ref, Title};
use super::referrals::{nullable, present, CampaignRef};
use crate::attribution::{Attribution, CookieDuration};
use crate::coupon::{CouponCode, PromotionCodeId};
use crate::ids::{AffiliateId, CampaignId, CouponId, LinkId};
use crate::time::Timestamp;
use crate::token::ViaToken;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Most allowed hostnames one campaign may list.
pub const MAX_HOSTNAMES: usize = 20;

crate::wire_enum! {
    /// How an affiliate's commission is counted ([`crate::commission`]).
    pub enum CommissionType ("commission type (percentage or fixed)") {
        /// `commission_amount` is a share of each sale in basis points (0–10000; 2000 = 20 %).
        Percentage = "percentage",
        /// `commission_amount` is a fixed amount in cents per sale.
        Fixed = "fixed",
    }
}

/// A campaign: the rules its affiliates' links are tracked by.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    /// `cmp_…`.
    pub id: CampaignId,
    /// Display name.
    pub name: String,
    /// Cookie duration in days (1–365).
    pub cookie_duration: CookieDuration,
    /// `first_click` or `last_click`.
    pub attribution: Attribution,
    /// Hostnames (and their subdomains) the tracker may report from; empty = any.
    pub allowed_hostnames: Vec<Hostname>,
    /// Commission type; `null` = sales earn no commission.
    pub commission_type: Option<CommissionType>,
    /// Commission amount: basis points (0–10000) or cents, per `commission_type`.
    pub commission_amount: Option<u64>,
    /// Whether sales after a referral's first earn a commission.
    pub recurring: bool,
    /// For how many calendar months after the first sale recurring sales earn; `null` = no
    /// limit.
    pub recurring_months: Option<u32>,
    /// Days a commission is held before it is due (refund window), 0–365.
    pub hold_days: u32,
    /// The smallest payout a run makes, in cents of the payout's currency; a smaller
    /// balance is carried to the next run (issue 24). 0: any positive balance is paid.
    pub minimum_payout: u32,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

impl Campaign {
    /// The commission terms its sales are paid on ([`crate::commission::Terms`]).
    pub fn terms(&self) -> crate::commission::Terms {
        use crate::commission::{Recurring, Terms};
        Terms::from_fields(
            self.commission_type,
            self.commission_amount,
            Recurring { recurring: self.recurring, months: self.recurring_months },
            self.hold_days,
        )
    }
}

/// `POST /v1/campaigns`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCampaign {
    /// Display name, 1–200 characters.
    pub name: Title,
    /// Days, 1–365; default 60.
    #[serde(default)]
    pub cookie_duration: Option<CookieDuration>,
    /// Default `last_click`.
    #[serde(default)]
    pub attribution: Option<Attribution>,
    /// At most 20 hostnames; default none (any origin).
    #[serde(default)]
    pub allowed_hostnames: Option<Vec<Hostname>>,
    /// Commission type.
    #[serde(default)]
    pub commission_type: Option<CommissionType>,
    /// Commission amount (basis points 0–10000, or cents).
    #[serde(default)]
    pub commission_amount: Option<u64>,
    /// Default `false`.
    #[serde(default)]
    pub recurring: Option<bool>,
    /// 1–1200; default `null` (no limit).
    #[serde(default)]
    pub recurring_months: Option<RecurringMonths>,
    /// 0–365; default 0.
    #[serde(default)]
    pub hold_days: Option<HoldDays>,
    /// Cents, 0 to 1,000,000,000; default 0.
    #[serde(default)]
    pub minimum_payout: Option<MinimumPayout>,
}

/// `PATCH /v1/campaigns/{id}`: every field optional.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCampaign {
    /// New name.
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Title>,
    /// New cookie duration in days; applies to clicks recorded after the change.
    #[serde(default, deserialize_with = "present")]
    pub cookie_duration: Option<CookieDuration>,
    /// New attribution.
    #[serde(default, deserialize_with = "present")]
    pub attribution: Option<Attribution>,
    /// Replaces the hostname list.
    #[serde(default, deserialize_with = "present")]
    pub allowed_hostnames: Option<Vec<Hostname>>,
    /// New commission type, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub commission_type: Option<Option<CommissionType>>,
    /// New commission amount, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub commission_amount: Option<Option<u64>>,
    /// New recurring setting.
    #[serde(default, deserialize_with = "present")]
    pub recurring: Option<bool>,
    /// New month limit, or `null` for none.
    #[serde(default, deserialize_with = "nullable")]
    pub recurring_months: Option<Option<RecurringMonths>>,
    /// New hold period in days.
    #[serde(default, deserialize_with = "present")]
    pub hold_days: Option<HoldDays>,
    /// New minimum payout in cents; applies to the next run.
    #[serde(default, deserialize_with = "present")]
    pub minimum_payout: Option<MinimumPayout>,
}

/// A count within `MIN..=MAX`, refused (400) outside it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[serde(transparent)]
pub struct Bounded<const MIN: u32, const MAX: u32>(u32);

impl<const MIN: u32, const MAX: u32> Bounded<MIN, MAX> {
    /// The value.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl<'de, const MIN: u32, const MAX: u32> Deserialize<'de> for Bounded<MIN, MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u32::deserialize(d)?;
        if (MIN..=MAX).contains(&n) {
            Ok(Bounded(n))
        } else {
            Err(serde::de::Error::custom(alloc::format!("must be a whole number from {MIN} to {MAX}")))
        }
    }
}

#[cfg(feature = "openapi")]
impl<const MIN: u32, const MAX: u32> utoipa::PartialSchema for Bounded<MIN, MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::schema(serde_json::json!({"type": "integer", "minimum": MIN, "maximum": MAX}))
    }
}

#[cfg(feature = "openapi")]
impl<const MIN: u32, const MAX: u32> utoipa::ToSchema for Bounded<MIN, MAX> {
    fn name() -> alloc::borrow::Cow<'static, str> {
        alloc::borrow::Cow::Owned(alloc::format!("Count{MIN}To{MAX}"))
    }
}

/// Recurring commission months, 1–1200.
pub type RecurringMonths = Bounded<1, 1200>;
/// A hold period in days, 0–365.
pub type HoldDays = Bounded<0, 365>;
/// A minimum payout in cents, 0–1,000,000,000.
pub type MinimumPayout = Bounded<0, 1_000_000_000>;

/// An affiliate: a partner who shares links.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Affiliate {
    /// `aff_…`.
    pub id: AffiliateId,
    /// Email, unique in the program.
    pub email: String,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Where payouts are sent (PayPal's and Wise's recipient); `null`: the affiliate's email.
    pub payout_email: Option<Email>,
    /// The affiliate's campaign.
    pub campaign: CampaignRef,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

/// `POST /v1/affiliates`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAffiliate {
    /// Email, unique in the program (`CONFLICT`).
    pub email: Email,
    /// First name.
    #[serde(default)]
    pub first_name: Option<Name>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<Name>,
    /// Where payouts are sent, if not to `email` (`paypal_email`, as Rewardful names it, is
    /// accepted too).
    #[serde(default, alias = "paypal_email")]
    pub payout_email: Option<Email>,
    /// The campaign the affiliate joins (`NOT_FOUND` if not in the program, any format).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api::fields::IdRef))]
    pub campaign_id: Ref<CampaignId>,
}

/// `PATCH /v1/affiliates/{id}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAffiliate {
    /// New email.
    #[serde(default, deserialize_with = "present")]
    pub email: Option<Email>,
    /// New first name, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub first_name: Option<Option<Name>>,
    /// New last name, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub last_name: Option<Option<Name>>,
    /// New payout email (alias `paypal_email`), or `null` to pay to `email`.
    #[serde(default, alias = "paypal_email", deserialize_with = "nullable")]
    pub payout_email: Option<Option<Email>>,
    /// Moves the affiliate to another campaign (`NOT_FOUND` if not in the program).
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub campaign_id: Option<Ref<CampaignId>>,
}

/// An affiliate link: a token tied to an affiliate and a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Link {
    /// `lnk_…`.
    pub id: LinkId,
    /// The `?via=` token, unique in the program.
    pub token: ViaToken,
    /// The shareable URL (`destination_url` with `via=token`), or `null`.
    pub url: Option<String>,
    /// Where the link sends visitors.
    pub destination_url: Option<String>,
    /// The affiliate credited.
    pub affiliate_id: AffiliateId,
    /// The campaign whose rules apply.
    pub campaign_id: CampaignId,
    /// Referrals (clicks) recorded through the link.
    pub visitors: u64,
    /// Of those, leads.
    pub leads: u64,
    /// Of those, conversions.
    pub conversions: u64,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

/// `POST /v1/links`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateLink {
    /// The token (core token rules), unique in the program (`CONFLICT`).
    pub token: ViaToken,
    /// The affiliate (`INVALID_AFFILIATE` if not in the program, any format).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api::fields::IdRef))]
    pub affiliate_id: Ref<AffiliateId>,
    /// The campaign; default the affiliate's (`NOT_FOUND` if not in the program).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub campaign_id: Option<Ref<CampaignId>>,
    /// Where the link sends visitors.
    #[serde(default)]
    pub destination_url: Option<HttpUrl>,
}

/// `PATCH /v1/links/{id}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateLink {
    /// New token (`CONFLICT` if taken).
    #[serde(default, deserialize_with = "present")]
    pub token: Option<ViaToken>,
    /// New campaign (`NOT_FOUND` if not in the program).
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub campaign_id: Option<Ref<CampaignId>>,
    /// New destination, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub destination_url: Option<Option<HttpUrl>>,
}

/// A coupon code tied to an affiliate and a campaign (issue 26; Rewardful's affiliate coupon:
/// `token` there is `code` here, `external_id` is `stripe_promotion_code`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coupon {
    /// `cpn_…`.
    pub id: CouponId,
    /// The code (core's rule: case-insensitive, shown upper case), unique in the program.
    pub code: CouponCode,
    /// The affiliate credited.
    pub affiliate_id: AffiliateId,
    /// The campaign whose rules apply.
    pub campaign_id: CampaignId,
    /// The Stripe promotion code (`promo_…`) whose use credits this coupon, or `null`: then
    /// the code itself is matched.
    pub stripe_promotion_code: Option<PromotionCodeId>,
    /// An archived code credits nobody.
    pub archived: bool,
    /// Referrals credited by the code that became leads.
    pub leads: u64,
    /// Of those, referrals that became paying.
    pub conversions: u64,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

/// `POST /v1/coupons`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateCoupon {
    /// The code (core's rule), unique in the program whatever its case (`CONFLICT`).
    pub code: CouponCode,
    /// The affiliate (`INVALID_AFFILIATE` if not in the program, any format).
    #[cfg_attr(feature = "openapi", schema(value_type = crate::api::fields::IdRef))]
    pub affiliate_id: Ref<AffiliateId>,
    /// The campaign; default the affiliate's (`NOT_FOUND` if not in the program).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub campaign_id: Option<Ref<CampaignId>>,
    /// The Stripe promotion code (`promo_…`), unique in the program (`CONFLICT`).
    #[serde(default)]
    pub stripe_promotion_code: Option<PromotionCodeId>,
}

/// `PATCH /v1/coupons/{id}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateCoupon {
    /// New code (`CONFLICT` if taken).
    #[serde(default, deserialize_with = "present")]
    pub code: Option<CouponCode>,
    /// New campaign (`NOT_FOUND` if not in the program).
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub campaign_id: Option<Ref<CampaignId>>,
    /// New Stripe promotion code, or `null` to clear.
    #[serde(default, deserialize_with = "nullable")]
    pub stripe_promotion_code: Option<Option<PromotionCodeId>>,
    /// Archive (`true`) or restore (`false`) the code.
    #[serde(default, deserialize_with = "present")]
    pub archived: Option<bool>,
}

/// Checks the length of a campaign's hostname list (at most [`MAX_HOSTNAMES`]).
///
/// # Errors
///
/// [`super::ValidationError`] naming `allowed_hostnames`.
pub fn check_hostnames(hostnames: Option<&Vec<Hostname>>) -> Result<(), super::ValidationError> {
    match hostnames {
        Some(h) if h.len() > MAX_HOSTNAMES => {
            Err(super::ValidationError::field("allowed_hostnames", alloc::format!("at most {MAX_HOSTNAMES} hostnames")))
        }
        _ => Ok(()),
    }
}

/// Checks a campaign's commission fields together: an amount needs a type; a percentage is
/// 0–10000 basis points; a fixed amount is at most [`super::fields::MAX_AMOUNT_CENTS`] cents.
///
/// # Errors
///
/// [`super::ValidationError`] naming `commission_amount` or `commission_type`.
pub fn check_commission(
    commission_type: Option<CommissionType>,
    commission_amount: Option<u64>,
) -> Result<(), super::ValidationError> {
    match (commission_type, commission_amount) {
        (None, Some(_)) => {
            Err(super::ValidationError::field("commission_type", "is required when commission_amount is set"))
        }
        (Some(CommissionType::Percentage), Some(a)) if a > u64::from(crate::commission::BASIS_POINTS) => {
            Err(super::ValidationError::field("commission_amount", "a percentage is in basis points, from 0 to 10000"))
        }
        (Some(CommissionType::Fixed), Some(a)) if a > super::fields::MAX_AMOUNT_CENTS => Err(
            super::ValidationError::field("commission_amount", "a fixed commission must be at most 10000000000 cents"),
        ),
        _ => Ok(()),
    }
}
