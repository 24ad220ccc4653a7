//! The tracking endpoints' bodies: `POST /v1/track/click`, `/v1/track/lead`, `/v1/track/sale`,
//! and `GET /v1/track/referral`.

use super::fields::{AmountCents, Currency, Email, ExternalId, HttpUrl, Metadata, Name, Ref};
use super::referrals::Referral;
use crate::attribution::Attribution;
use crate::cookie::ReferralCookie;
use crate::ids::{AffiliateId, ClickId, ReferralId, ReportId, SaleId, VisitorId};
use crate::lifecycle::Status;
use crate::time::Timestamp;
use crate::token::ViaToken;
use alloc::string::String;
use serde::{Deserialize, Serialize};

/// `POST /v1/track/click` (publishable key): a visit through an affiliate link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClickReport {
    /// The link token from `?via=` (or another configured parameter).
    pub token: ViaToken,
    /// The landing page URL (absolute http/https, ≤ 2048 bytes).
    pub url: HttpUrl,
    /// `document.referrer`, when there is one.
    #[serde(default)]
    pub referrer: Option<HttpUrl>,
    /// The tracker's visitor ID, so a repeat visit is deduplicated.
    #[serde(default)]
    pub visitor_id: Option<VisitorId>,
    /// The report's own ID, made by the tracker when it captured the token and kept with the
    /// report until an answer arrives. The same report sent again (a replay after the page
    /// was left before the answer) is answered with the same click and counts no visit.
    #[serde(default)]
    pub report_id: Option<ReportId>,
}

/// The answer to a click report: what the tracker puts in the referral cookie.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClickResponse {
    /// The click (= referral) ID.
    pub click_id: ClickId,
    /// The link's affiliate.
    pub affiliate_id: AffiliateId,
    /// The link token (normalised).
    pub token: ViaToken,
    /// When the click expires: `created_at` + cookie duration. ISO 8601 UTC.
    pub expires_at: Timestamp,
    /// Seconds from now until `expires_at` (the cookie's `Max-Age`).
    pub expires_in: i64,
    /// The campaign's cookie duration, in days.
    pub cookie_duration: u16,
    /// The campaign's attribution.
    pub attribution: Attribution,
    /// The registrable domain to set the cookie on, or `null` for a host-only cookie.
    pub cookie_domain: Option<String>,
    /// Visits recorded on this click (1 for a new click).
    pub visits: u32,
    /// The report's visitor ID, echoed: the tracker keeps it in its visitor cookie for the
    /// click's lifetime (`expires_in`) on `cookie_domain`.
    pub visitor_id: Option<VisitorId>,
    /// Present when the visitor's server-set referral cookie keeps another referral
    /// (first-click attribution, [`crate::attribution::credit`]): the page should hold that
    /// one, not this click.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<HeldReferral>,
}

/// A referral as a page holds it (the fields of the click answer that the tracker keeps in
/// its cookie): `GET /v1/track/referral` answers it from the server-set cookie, and a click
/// answer carries it as `held` when that cookie keeps an earlier referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeldReferral {
    /// The click (= referral) ID.
    pub click_id: ClickId,
    /// The crediting affiliate.
    pub affiliate_id: AffiliateId,
    /// The link token the visitor came through.
    pub token: ViaToken,
    /// When the click expires, ISO 8601 UTC.
    pub expires_at: Timestamp,
    /// Seconds from now until `expires_at`.
    pub expires_in: i64,
    /// The held referral's campaign attribution.
    pub attribution: Attribution,
    /// The registrable domain to set the page's cookie on, or `null` for host-only.
    pub cookie_domain: Option<String>,
}

impl HeldReferral {
    /// The referral a decoded cookie holds, at `now`.
    pub fn from_cookie(c: &ReferralCookie, now: Timestamp, cookie_domain: Option<String>) -> Self {
        Self {
            click_id: c.click_id.clone(),
            affiliate_id: c.affiliate_id.clone(),
            token: c.token.clone(),
            expires_at: c.expires_at,
            expires_in: (c.expires_at.unix_ms() - now.unix_ms()).max(0) / 1000,
            attribution: c.attribution,
            cookie_domain,
        }
    }
}

/// `POST /v1/track/lead` (publishable key): what the JS `convert` call sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadRequest {
    /// The click ID from the page's referral cookie. Without it the Worker takes the click
    /// from the server-set referral cookie the request carries.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub click_id: Option<Ref<ClickId>>,
    /// The lead's email.
    pub email: Email,
    /// The lead's name.
    #[serde(default)]
    pub name: Option<Name>,
    /// The merchant's customer ID.
    #[serde(default)]
    pub customer_id: Option<ExternalId>,
    /// Custom data (≤ 4096 bytes).
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// What `POST /v1/track/lead` answers to the page: the visitor's own referral, without
/// anything about the affiliate beyond its ID or about other referrals (the publishable key
/// is public, so this answer is too). The secret-key API returns the full [`Referral`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadReferral {
    /// The referral (= click) ID, e.g. for Stripe's `client_reference_id`.
    pub id: ReferralId,
    /// Stored status (`lead` after a first convert).
    pub status: Status,
    /// Derived `type`.
    #[serde(rename = "type")]
    pub referral_type: Option<crate::ReferralType>,
    /// Derived `conversion_state`.
    pub conversion_state: Option<crate::ConversionState>,
    /// The crediting affiliate.
    pub affiliate_id: AffiliateId,
    /// The link token the visitor came through.
    pub token: Option<String>,
    /// The email the visitor gave.
    pub email: Option<Email>,
    /// The name the visitor gave.
    pub name: Option<Name>,
    /// When the click was made, ISO 8601 UTC.
    pub created_at: Timestamp,
    /// When it became a lead.
    pub became_lead_at: Option<Timestamp>,
    /// When the click's cookie duration ends.
    pub expires_at: Option<Timestamp>,
}

impl From<Referral> for LeadReferral {
    fn from(r: Referral) -> Self {
        Self {
            id: r.id,
            status: r.status,
            referral_type: r.referral_type,
            conversion_state: r.conversion_state,
            affiliate_id: r.affiliate_id,
            token: r.link.map(|l| l.token),
            email: r.email,
            name: r.name,
            created_at: r.created_at,
            became_lead_at: r.became_lead_at,
            expires_at: r.expires_at,
        }
    }
}

impl LeadReferral {
    /// The answer to a lead that the publishable key's page may not learn the fate of: the
    /// click as this lead would leave it (`next`, the lifecycle after the move to `lead`,
    /// with the submitted `email` and `name`), whether or not it was recorded. A page (or
    /// anyone holding the public key) so cannot tell whether an email is already a referral
    /// of the program, nor whether the click converted earlier with another email: both are
    /// refused silently with the publishable key, and the secret-key API keeps its 409
    /// `CONFLICT`. Source: issue "Nothing lost, nothing leaked" (no email oracle).
    pub fn as_submitted(
        click: Referral,
        next: &crate::lifecycle::Lifecycle,
        email: &Email,
        name: Option<&Name>,
    ) -> Self {
        let mut answer = LeadReferral::from(click);
        answer.status = next.status;
        answer.referral_type = Some(next.referral_type());
        answer.conversion_state = Some(next.conversion_state());
        answer.became_lead_at = next.became_lead_at;
        answer.email = Some(email.clone());
        answer.name = name.cloned();
        answer
    }
}

/// `POST /v1/track/sale` (secret key with `write:referrals`): a payment, from the
/// merchant's server. The referral is found by `click_id`, else `customer_id`, else `email`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// The click/referral ID (e.g. Stripe's `client_reference_id`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::api::fields::IdRef>))]
    pub click_id: Option<Ref<ClickId>>,
    /// The merchant's customer ID given at signup.
    #[serde(default)]
    pub customer_id: Option<ExternalId>,
    /// The customer's email.
    #[serde(default)]
    pub email: Option<Email>,
    /// Amount in cents, 1 to 10^10.
    pub amount: AmountCents,
    /// ISO 4217 code.
    pub currency: Currency,
    /// The merchant's invoice ID, unique per program: a repeat records nothing new.
    pub invoice_id: ExternalId,
    /// A coupon code the customer used: it credits the code's affiliate when no referral
    /// matches `click_id`, `customer_id` or `email` ([`crate::payment::credit`]).
    #[serde(default)]
    pub coupon: Option<crate::coupon::CouponCode>,
}

/// A recorded sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sale {
    /// The sale's ID.
    pub id: SaleId,
    /// The referral credited.
    pub referral_id: ReferralId,
    /// Amount in cents.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: Currency,
    /// The merchant's invoice ID.
    pub invoice_id: String,
    /// Cents refunded so far.
    #[serde(default)]
    pub refunded: u64,
    /// When it was made, ISO 8601 UTC (a Stripe sale: the event's time).
    pub created_at: Timestamp,
}

/// The answer to a sale: the sale and the referral after it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SaleResponse {
    /// The sale (the first one recorded for this `invoice_id`).
    pub sale: Sale,
    /// The referral, now in a paying status.
    pub referral: Referral,
}

/// What a lead (`POST /v1/track/lead`, the JS `convert` call) does to the click it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeadDecision {
    /// Move the click to `lead` with the given email.
    Convert,
    /// The same click already converted with the same email: answer with that referral and
    /// change nothing (the call is idempotent).
    Replay,
    /// The click already converted with another email: `CONFLICT`.
    AlreadyConverted,
    /// The click's cookie duration has passed: nothing is recorded, and the answer is the
    /// one every endpoint gives ([`crate::attribution::ClickExpired`]).
    Expired,
}

/// Decides a lead for a stored click: `status` and `email` as stored, `expires_at` the
/// click's expiry, `email` the one the lead sends (normalised), at `now`.
///
/// A converted referral answers [`LeadDecision::Replay`] or
/// [`LeadDecision::AlreadyConverted`] whatever its age; an unconverted click converts only
/// before it expires ([`crate::attribution::can_convert`]).
pub fn decide_lead(
    status: Status,
    stored_email: Option<&str>,
    expires_at: Timestamp,
    email: &str,
    now: Timestamp,
) -> LeadDecision {
    if status != Status::Click {
        return if stored_email == Some(email) { LeadDecision::Replay } else { LeadDecision::AlreadyConverted };
    }
    if crate::attribution::can_convert(status, expires_at, now) {
        LeadDecision::Convert
    } else {
        LeadDecision::Expired
    }
}
