//! Which referral a payment credits: the one rule that `POST /v1/track/sale` and the Stripe
//! webhook both follow, decided here once.
//!
//! A payment carries up to three hints: a referral it names (the sale's `click_id`;
//! Stripe's `client_reference_id` or `metadata.viatrack_referral`), the customer ID and the
//! customer's email. [`lookups`] turns them into the look-ups to try, in order; the first
//! that finds a referral of the program credits the payment, and none finding one means
//! nobody referred it.
//!
//! | source | named referral | look-ups, in order |
//! |---|---|---|
//! | API | an ID in our format | that referral only (a `click_id` is exclusive: a miss is `NOT_FOUND`, never another customer's referral) |
//! | API | text not in our format | none (`NOT_FOUND`) |
//! | API | none | customer ID, then email |
//! | Stripe | an ID in our format | that referral, then customer ID, then email |
//! | Stripe | none, or not in our format | customer ID, then email |
//!
//! Stripe falls back because its hints are set by the page (a `client_reference_id` may
//! name a referral that was deleted, or another program's), while the payment is real; the
//! API's `click_id` is the merchant's explicit choice. The customer ID comes before the email
//! because a Stripe customer made at checkout is new to the program while its lead's email is
//! not, and an email is tried only when no referral has that customer ID.
//!
//! A payment may also carry a coupon code (a sale's `coupon`). [`credit`] decides what credits
//! it once the look-ups ran: a referral they found always stands (a link's attribution wins
//! over a code, as Dub does), and a code credits the payment only when no referral explains
//! it, and only when the code is the program's and not archived; then it makes the referral
//! (no click, credited to the code's affiliate and campaign).

use crate::ids::ReferralId;
use alloc::vec::Vec;

/// Where a payment was reported.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    /// `POST /v1/track/sale`, from the merchant's server.
    Api,
    /// A Stripe event (`checkout.session.completed`, `invoice.paid`).
    Stripe,
}

/// A referral the payment names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Named<'a> {
    /// No referral is named.
    Nothing,
    /// A referral ID in our format (`ref_…`, or a `click_id`, which is the same ID).
    Referral(&'a ReferralId),
    /// Text that is not one of our IDs: it names no referral.
    Malformed,
}

/// What a payment says about who referred it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Hints<'a> {
    /// The referral it names.
    pub named: Named<'a>,
    /// The merchant's (or Stripe's) customer ID.
    pub customer_id: Option<&'a str>,
    /// The customer's email (already validated and lower-cased by the caller).
    pub email: Option<&'a str>,
}

/// One look-up of a referral in the program.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lookup<'a> {
    /// The referral with this ID.
    Referral(&'a ReferralId),
    /// The newest referral with this customer ID.
    Customer(&'a str),
    /// The newest referral with this email.
    Email(&'a str),
}

/// The look-ups to try for a payment from `source` with `hints`, in order: the first that
/// finds a referral credits the payment (the module's table). Empty when no hint can name
/// a referral.
pub fn lookups<'a>(source: Source, hints: &Hints<'a>) -> Vec<Lookup<'a>> {
    let mut out = Vec::with_capacity(3);
    match (source, hints.named) {
        (Source::Api, Named::Referral(id)) => return alloc::vec![Lookup::Referral(id)],
        (Source::Api, Named::Malformed) => return out,
        (Source::Stripe, Named::Referral(id)) => out.push(Lookup::Referral(id)),
        (_, Named::Nothing) | (Source::Stripe, Named::Malformed) => {}
    }
    out.extend(hints.customer_id.map(Lookup::Customer));
    out.extend(hints.email.map(Lookup::Email));
    out
}

/// What credits a payment (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Credit {
    /// The referral the look-ups found.
    Referral,
    /// The coupon code: a referral is made for its affiliate.
    Coupon,
    /// Nobody: no referral, and no code that credits.
    Nobody,
}

/// The state of the coupon code a payment carries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Code {
    /// The payment names no code.
    None,
    /// A code of the program that is not archived.
    Usable,
    /// A code that is archived, or that the program does not have.
    Unusable,
}

/// What credits a payment whose look-ups found a referral (`referral_found`) or not, and that
/// carries `code`.
pub fn credit(referral_found: bool, code: Code) -> Credit {
    match (referral_found, code) {
        (true, _) => Credit::Referral,
        (false, Code::Usable) => Credit::Coupon,
        (false, Code::None | Code::Unusable) => Credit::Nobody,
    }
}

/// The ID of the referral a coupon code makes for the payment `invoice_id` of `program`: the
/// first 16 bytes of SHA-256 over both, so a retried payment (a lost answer, a Stripe
/// redelivery) finds the referral its first try made instead of making a second.
pub fn code_referral_id(program: &crate::ids::ProgramId, invoice_id: &str) -> ReferralId {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"viatrack coupon referral\0");
    h.update(program.as_str().as_bytes());
    h.update(b"\0");
    h.update(invoice_id.as_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    ReferralId::from_bytes(bytes)
}
