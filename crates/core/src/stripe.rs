//! Stripe webhook signatures, checked the way Stripe's own libraries check them
//! (stripe-node `webhooks.constructEvent`; Stripe docs, "Verify webhook signatures"):
//!
//! * the `Stripe-Signature` header is a comma-separated list of `key=value` pairs: one
//!   `t=<Unix seconds>` and one or more `v1=<hex>` (several while a secret is being rolled);
//!   other schemes (`v0`) are ignored;
//! * each `v1` is the hex HMAC-SHA256, keyed with the endpoint's signing secret (`whsec_…`,
//!   used as it is, prefix included), of `"{t}.{raw body}"`; the header matches when any
//!   `v1` equals it, compared in constant time;
//! * the timestamp must be within [`TOLERANCE_SECONDS`] of now, so a captured request cannot
//!   be replayed later.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Largest accepted gap between the signature's timestamp and now, in seconds (Stripe's
/// default tolerance).
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a webhook request is refused (400, and nothing is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `t=` with a number, or no `v1=` entry.
    #[error("Stripe-Signature must hold t=<timestamp> and at least one v1=<signature>")]
    Header,
    /// No `v1` entry matches the body and the secret.
    #[error("no v1 signature matches the body for this endpoint's signing secret")]
    Mismatch,
    /// The signature is valid but its timestamp is more than the tolerance from now.
    #[error("the signature's timestamp is more than 300 seconds from now")]
    Stale,
}

/// Checks a `Stripe-Signature` header over the raw request `body` with `secret`, at
/// `now_unix` (seconds). Returns the signed timestamp.
///
/// # Errors
///
/// [`SignatureError::Header`], [`SignatureError::Mismatch`] or [`SignatureError::Stale`].
pub fn verify(secret: &str, header: &str, body: &[u8], now_unix: i64) -> Result<i64, SignatureError> {
    let mut timestamp = None;
    let mut signatures = alloc::vec::Vec::new();
    for pair in header.split(',') {
        match pair.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Header)?;
    if signatures.is_empty() {
        return Err(SignatureError::Header);
    }
    let mac = || {
        let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
        m.update(alloc::format!("{t}.").as_bytes());
        m.update(body);
        m
    };
    // `verify_slice` compares in constant time.
    let matches = signatures.iter().any(|sig| hex::decode(sig).is_ok_and(|bytes| mac().verify_slice(&bytes).is_ok()));
    if !matches {
        return Err(SignatureError::Mismatch);
    }
    if (now_unix - t).abs() > TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    Ok(t)
}

/// The part of a Stripe event viatrack reads (Stripe sends many more fields; they are
/// ignored). Referral IDs in it are in any format ([`Ref`]): one not ours names nothing.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Event {
    /// `evt_…`: a replay of the same ID changes nothing.
    pub id: String,
    /// `checkout.session.completed`, …
    #[serde(rename = "type")]
    pub event_type: String,
    /// When Stripe created the event, Unix seconds: the sale's time.
    pub created: i64,
    /// `{"object": …}`.
    pub data: EventData,
}

/// The event's object, read by [`Event::object`] as the type the event names.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct EventData {
    /// The Stripe object (a Checkout Session, an Invoice, a Charge, a Subscription).
    pub object: serde_json::Value,
}

/// What an event asks viatrack to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// A sale: `checkout.session.completed` or `invoice.paid`.
    Sale(StripeSale),
    /// A refund: `charge.refunded`.
    Refund(StripeRefund),
    /// The referral of this customer canceled: `customer.subscription.deleted`.
    Cancel {
        /// Stripe's customer ID.
        customer: String,
    },
    /// Nothing (another event type, or an event without what a sale needs).
    Ignore(&'static str),
}

/// A payment to credit.
#[derive(Clone, Debug, PartialEq)]
pub struct StripeSale {
    /// The referral, in the order Stripe's objects name it: `client_reference_id` (what
    /// `viatrack.referral` gave the page), `metadata.viatrack_referral`.
    pub referral: Option<Ref<ReferralId>>,
    /// The customer's email (a lead of the program with it is the referral, when no ID).
    pub email: Option<String>,
    /// Stripe's customer ID (stored as the referral's `customer_id`; `invoice.paid` finds the
    /// referral by it).
    pub customer: Option<String>,
    /// Cents.
    pub amount: u64,
    /// ISO 4217, as Stripe spells it (lower case).
    pub currency: String,
    /// The invoice (`in_…`) when there is one, else the Checkout Session (`cs_…`): a sale is
    /// recorded once per invoice ID, so a subscription's first invoice paid through Checkout
    /// is one sale, not two.
    pub invoice_id: String,
    /// The PaymentIntent (`pi_…`), by which a refund finds the sale.
    pub payment_id: Option<String>,
    /// The promotion code the customer used (issue 26), as the event carries it without a
    /// call back to Stripe: its ID and, when the object is expanded, its customer-facing code.
    pub promotion: Option<Promotion>,
}

/// A promotion code applied to a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promotion {
    /// `promo_…`.
    pub id: String,
    /// The customer-facing code, when the event expands the promotion code object.
    pub code: Option<String>,
}

/// The first promotion code among `discounts` (a Checkout Session's `[{coupon,
/// promotion_code}]`, an invoice's expanded Discount objects) or the invoice's older single
/// `discount`. An invoice's unexpanded `discounts` are bare `di_…` IDs that name no promotion
/// code: reading one would need a call back to Stripe, which the webhook does not make.
fn promotion(o: &Value) -> Option<Promotion> {
    let of = |d: &Value| -> Option<Promotion> {
        let p = d.get("promotion_code")?;
        let id = text(d, "promotion_code")?;
        let code = p.get("code").and_then(Value::as_str).map(ToString::to_string);
        Some(Promotion { id, code })
    };
    o.get("discounts")
        .and_then(Value::as_array)
        .and_then(|ds| ds.iter().find_map(of))
        .or_else(|| o.get("discount").and_then(of))
}

/// A refund of a charge; Stripe gives the charge's total refunded so far.
#[derive(Clone, Debug, PartialEq)]
pub struct StripeRefund {
    /// `ch_…`.
    pub charge: String,
    /// The PaymentIntent the charge belongs to.
    pub payment_id: Option<String>,
    /// The invoice the charge paid, when Stripe names it.
    pub invoice_id: Option<String>,
    /// Cents refunded on the charge in all, so far.
    pub amount_refunded: u64,
}

use crate::api::fields::Ref;
use crate::ids::ReferralId;
use alloc::string::{String, ToString};
use serde_json::Value;

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        // An expanded object: its ID.
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(ToString::to_string),
        _ => None,
    }
}

fn cents(v: &Value, key: &str) -> Option<u64> {
    v.get(key)?.as_u64()
}

impl Event {
    /// What this event asks for, read from its object.
    pub fn action(&self) -> Action {
        let o = &self.data.object;
        match self.event_type.as_str() {
            "checkout.session.completed" => {
                let Some(amount) = cents(o, "amount_total").filter(|a| *a > 0) else {
                    return Action::Ignore("no amount paid");
                };
                let referral = text(o, "client_reference_id")
                    .or_else(|| o.get("metadata").and_then(|m| text(m, "viatrack_referral")))
                    .and_then(|r| Ref::parse(&r).ok());
                // Normalised as stored emails are (trimmed, lower case).
                let email = text(o, "customer_email")
                    .or_else(|| o.get("customer_details").and_then(|d| text(d, "email")))
                    .and_then(|e| crate::api::fields::Email::try_from(e).ok())
                    .map(|e| e.as_str().to_string());
                let Some(id) = text(o, "invoice").or_else(|| text(o, "id")) else {
                    return Action::Ignore("no session id");
                };
                Action::Sale(StripeSale {
                    referral,
                    email,
                    customer: text(o, "customer"),
                    amount,
                    currency: text(o, "currency").unwrap_or_default(),
                    invoice_id: id,
                    payment_id: text(o, "payment_intent"),
                    promotion: promotion(o),
                })
            }
            "invoice.paid" => {
                let (Some(amount), Some(id)) = (cents(o, "amount_paid").filter(|a| *a > 0), text(o, "id")) else {
                    return Action::Ignore("nothing paid");
                };
                Action::Sale(StripeSale {
                    referral: None,
                    email: None,
                    customer: text(o, "customer"),
                    amount,
                    currency: text(o, "currency").unwrap_or_default(),
                    invoice_id: id,
                    payment_id: text(o, "payment_intent"),
                    promotion: promotion(o),
                })
            }
            "charge.refunded" => match (text(o, "id"), cents(o, "amount_refunded")) {
                (Some(charge), Some(amount_refunded)) => Action::Refund(StripeRefund {
                    charge,
                    payment_id: text(o, "payment_intent"),
                    invoice_id: text(o, "invoice"),
                    amount_refunded,
                }),
                _ => Action::Ignore("no charge or refunded amount"),
            },
            "customer.subscription.deleted" => match text(o, "customer") {
                Some(customer) => Action::Cancel { customer },
                None => Action::Ignore("no customer"),
            },
            _ => Action::Ignore("event type not handled"),
        }
    }
}
