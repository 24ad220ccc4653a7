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
