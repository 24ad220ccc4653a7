//! Prefixed, validated identifiers: `ref_…`, `aff_…`, `cmp_…`, `lnk_…`, `prg_…`, `vis_…`.
//!
//! Every ID viatrack issues is a type prefix, `_`, and 32 lower-case hex digits (128 bits,
//! a UUID v4 in its "simple" form where the Worker generates it). The prefix says what the
//! ID names, so a campaign ID pasted where an affiliate ID belongs is rejected at parse time
//! (the referral tools seed: "The referral ID (starts with `ref_`)").

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

/// Number of hex digits after the prefix.
pub const ID_HEX_LEN: usize = 32;

/// Why a string is not an ID of the expected kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The string does not start with the kind's prefix (e.g. `ref_`).
    #[error("id has the wrong prefix")]
    Prefix,
    /// What follows the prefix is not exactly 32 lower-case hex digits.
    #[error("id must be the prefix followed by 32 lower-case hex digits")]
    Body,
}

/// Checks `s` is `prefix` followed by [`ID_HEX_LEN`] lower-case hex digits.
fn validate(prefix: &str, s: &str) -> Result<(), IdError> {
    let body = s.strip_prefix(prefix).ok_or(IdError::Prefix)?;
    if body.len() == ID_HEX_LEN && body.as_bytes().iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(IdError::Body)
    }
}

/// Renders `prefix` + the 16 bytes as 32 lower-case hex digits.
fn from_bytes(prefix: &str, bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(prefix.len() + ID_HEX_LEN);
    s.push_str(prefix);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 0x0f)] as char);
    }
    s
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $what:literal) => {
        $(#[$doc])*
        #[doc = concat!("\n\nSyntax: `", $prefix, "` followed by 32 lower-case hex digits.")]
        #[doc = "\n\n# Errors\n\nParsing fails with [`IdError::Prefix`] or [`IdError::Body`]."]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefix every ID of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Parses an ID, checking prefix and body.
            ///
            /// # Errors
            ///
            /// [`IdError::Prefix`] or [`IdError::Body`].
            pub fn parse(s: &str) -> Result<Self, IdError> {
                validate($prefix, s)?;
                Ok(Self(String::from(s)))
            }

            /// Builds an ID from 16 random bytes (a UUID v4, or `getrandom` output).
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(from_bytes($prefix, bytes))
            }

            /// The ID as text, prefix included.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = IdError;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                validate($prefix, &s)?;
                Ok(Self(s))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        crate::serde_via_str!($name, $what);
        crate::json_schema!(
            $name,
            stringify!($name),
            serde_json::json!({"type": "string", "pattern": concat!("^", $prefix, "[0-9a-f]{32}$"), "description": $what})
        );
    };
}

id_type!(
    /// A referral: one row per tracked click, which becomes the referral when it converts.
    /// A click's ID and the referral's ID are the same value (see [`ClickId`]).
    ReferralId, "ref_", "a referral id (ref_…)"
);
id_type!(
    /// The ID of a click not yet converted. It is the ID of the referral row the click
    /// creates, so it shares `ref_` with [`ReferralId`] and converts to it losslessly.
    ClickId, "ref_", "a click id (ref_…)"
);
id_type!(
    /// An affiliate (a partner who shares links).
    AffiliateId, "aff_", "an affiliate id (aff_…)"
);
id_type!(
    /// A campaign: cookie duration, attribution and allowed hostnames for its affiliates.
    CampaignId, "cmp_", "a campaign id (cmp_…)"
);
id_type!(
    /// A program: one merchant's tracking account; every row and key belongs to one.
    ProgramId, "prg_", "a program id (prg_…)"
);
id_type!(
    /// An affiliate link (a token tied to an affiliate and a campaign).
    LinkId, "lnk_", "a link id (lnk_…)"
);
id_type!(
    /// A coupon code tied to an affiliate and a campaign (issue 26).
    CouponId, "cpn_", "a coupon id (cpn_…)"
);
id_type!(
    /// An anonymous browser, generated by the tracker and kept in its own cookie, so the
    /// Worker can deduplicate repeated clicks. Carries no personal data.
    VisitorId, "vis_", "a visitor id (vis_…)"
);
id_type!(
    /// A click report, made by the tracker when it captures a token and kept with the report
    /// until an answer arrives: a replay of the same report (the visitor left before the
    /// answer) is the same click, not a second visit.
    ReportId, "rpt_", "a report id (rpt_…)"
);
id_type!(
    /// A recorded sale.
    SaleId, "sal_", "a sale id (sal_…)"
);
id_type!(
    /// A commission (or a clawback) on a sale.
    CommissionId, "com_", "a commission id (com_…)"
);
id_type!(
    /// A payout: one affiliate's due commissions in one currency, paid together.
    PayoutId, "pay_", "a payout id (pay_…)"
);
id_type!(
    /// An outbound webhook endpoint.
    WebhookEndpointId, "whe_", "a webhook endpoint id (whe_…)"
);
id_type!(
    /// An outbound event: the `webhook-id` of every delivery of it, the same on each retry.
    EventId, "evt_", "an event id (evt_…)"
);
id_type!(
    /// One delivery attempt of an event to an endpoint.
    DeliveryId, "dlv_", "a delivery id (dlv_…)"
);
id_type!(
    /// An API key's record (not the key itself, which is shown once and stored hashed).
    ApiKeyId, "key_", "an API key id (key_…)"
);

impl From<ClickId> for ReferralId {
    fn from(id: ClickId) -> Self {
        ReferralId(id.0)
    }
}

impl From<ReferralId> for ClickId {
    fn from(id: ReferralId) -> Self {
        ClickId(id.0)
    }
}
