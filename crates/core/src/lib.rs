//! viatrack's domain, shared by the browser tracker and the edge Worker.
//!
//! Pure Rust: no wasm-bindgen, web-sys, worker or getrandom, so it builds for the host and
//! for `wasm32-unknown-unknown` and its tests run natively in seconds.
//!
//! # Layout
//!
//! * [`token`] — [`ViaToken`], the `?via=` affiliate token and its syntax.
//! * [`ids`] — prefixed, validated IDs ([`ReferralId`], [`ClickId`], [`AffiliateId`], …).
//! * [`time`] — [`Timestamp`], UTC milliseconds; ISO 8601 on the wire (feature `api`).
//! * [`lifecycle`] — the referral [`Status`] set, its derived `type` and
//!   `conversion_state`, and the one [`Lifecycle::transition`] function that applies the
//!   transition table.
//! * [`attribution`] — [`CookieDuration`], [`Attribution`] (first-click / last-click),
//!   `expires_at` arithmetic and who gets the credit.
//! * [`cookie`] — the referral cookie's value (IDs and an expiry only) and its encoding.
//! * [`text`] — splitting on an ASCII separator byte (small in the browser module).
//! * [`commission`] (feature `api`) — commission amounts (basis points or cents, rounded
//!   half away from zero), recurring sales, the commission status table, the "due" view and
//!   what a refund does (reduce, void or claw back).
//! * [`payout`] (feature `api`) — payout runs: which commissions a payout of one affiliate
//!   and one currency collects (clawbacks netted), the minimum payout, what is carried, and
//!   the payout status table.
//! * [`payment`] (feature `api`) — which referral a payment credits: the look-ups, in order,
//!   that the sale API and the Stripe webhook both follow.
//! * [`stripe`] (feature `api`) — Stripe webhook signatures (`Stripe-Signature`), checked as
//!   Stripe's libraries check them.
//! * [`webhooks`] (feature `api`) — outbound events: their types, Standard Webhooks
//!   signatures, the retry schedule and which endpoint URLs are refused.
//! * [`api`] (feature `api`, on by default) — the JSON wire contract: request bodies,
//!   response objects, list queries, pagination, the success envelope and the error body
//!   with its stable codes, and request validation.
//!
//! What flows through: the tracker parses a [`ViaToken`] from the page URL, the Worker
//! answers a click report with a [`ClickId`] and the campaign's cookie duration and
//! attribution, the tracker stores a [`cookie::ReferralCookie`], and a lead or sale moves
//! the referral through [`Lifecycle::transition`].
// utoipa's derive (feature `openapi`, native builds only) writes std's prelude names.
#![cfg_attr(not(feature = "openapi"), no_std)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "openapi")]
pub mod openapi;
#[cfg(feature = "api")]
extern crate std;

pub mod attribution;
pub mod cookie;
pub mod coupon;
pub mod ids;
pub mod lifecycle;
pub mod text;
pub mod time;
pub mod token;

#[cfg(feature = "api")]
pub mod api;
#[cfg(feature = "api")]
pub mod commission;
#[cfg(feature = "api")]
pub mod outbox;
#[cfg(feature = "api")]
pub mod payment;
#[cfg(feature = "api")]
pub mod payout;
#[cfg(feature = "api")]
pub mod retention;
#[cfg(feature = "api")]
pub mod stripe;
#[cfg(feature = "api")]
pub mod webhooks;

pub use attribution::{Attribution, CookieDuration, Credit};
pub use ids::{
    AffiliateId, ApiKeyId, CampaignId, ClickId, CommissionId, CouponId, DeliveryId, EventId, IdError, LinkId, PayoutId,
    ProgramId, ReferralId, ReportId, SaleId, VisitorId, WebhookEndpointId,
};
pub use lifecycle::{ConversionState, Lifecycle, ReferralType, Status, TransitionError};
pub use time::Timestamp;
pub use token::{TokenError, ViaToken};

/// A wire name that is none of an enum's documented names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown {0}")]
pub struct UnknownName(pub &'static str);

/// Implements `utoipa::PartialSchema` and `utoipa::ToSchema` for `$ty` (named `$name` under
/// `#/components/schemas`) from a JSON Schema literal, when the `openapi` feature is on.
#[macro_export]
#[doc(hidden)]
macro_rules! json_schema {
    ($ty:ty, $name:expr, $json:expr) => {
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::openapi::schema($json)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $ty {
            fn name() -> alloc::borrow::Cow<'static, str> {
                alloc::borrow::Cow::from($name)
            }
        }
    };
}

/// Declares a field-less enum whose wire names are written once, in the table given here:
/// `as_str`, `parse` (a `Result` with [`UnknownName`]), `ALL`, `Display`, and serde (through
/// [`serde_via_str!`]) all read that table.
#[macro_export]
#[doc(hidden)]
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name, the only spelling of it (serde, SQL and docs read this one).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// Parses a wire name (exact).
            ///
            /// # Errors
            ///
            /// [`UnknownName`](crate::UnknownName) for any other text.
            pub fn parse(s: &str) -> Result<Self, $crate::UnknownName> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err($crate::UnknownName($what)),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        $crate::json_schema!($name, stringify!($name), serde_json::json!({"type": "string", "enum": [$($wire),+]}));

        $crate::serde_via_str!($name, $what);
    };
}

/// Implements `Serialize` as the string and `Deserialize` through the type's own parser,
/// so an invalid value cannot be deserialized either.
#[macro_export]
#[doc(hidden)]
macro_rules! serde_via_str {
    ($ty:ty, $expecting:literal) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        <$ty>::parse(v).map_err(|e| E::custom(e))
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}
