//! Coupon codes (issue 26): a code an affiliate reads out ("use JAMES20") that credits them
//! without a click.
//!
//! The code's syntax is viatrack's rule, chosen so a code matches a Stripe promotion code's
//! customer-facing `code` (Stripe allows ASCII letters and digits, compared without case) and
//! the codes of the peers (Rewardful's affiliate coupon `token`), and is safe unescaped in a
//! URL, a cookie, HTML and SQL text:
//!
//! * 1 to [`MAX_CODE_LEN`] characters;
//! * only ASCII letters `A–Z a–z`, digits `0–9`, `-` and `_`.
//!
//! Codes are **case-insensitive**, as Stripe's are: `james20` and `JAMES20` are one code. The
//! parsed code is stored and shown in upper case, so `parse(c).as_str()` is
//! `c.to_ascii_uppercase()`, and a program's codes are unique in that form.

use crate::token::{TokenError, ViaToken};
use alloc::string::String;
use core::fmt;

/// Longest accepted code, in bytes (= characters: codes are ASCII): a token's.
pub const MAX_CODE_LEN: usize = crate::token::MAX_TOKEN_LEN;

/// A coupon code, normalised to upper case.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CouponCode(String);

/// Why a string is not a [`CouponCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The code is the empty string.
    #[error("code is empty")]
    Empty,
    /// The code is longer than [`MAX_CODE_LEN`] characters.
    #[error("code is longer than 64 characters")]
    TooLong,
    /// The code has a character other than ASCII letters, digits, `-` and `_`.
    #[error("code may contain only letters, digits, '-' and '_'")]
    InvalidChar,
}

impl CouponCode {
    /// Parses and normalises (upper-cases) a code.
    ///
    /// # Errors
    ///
    /// [`CodeError::Empty`], [`CodeError::TooLong`] or [`CodeError::InvalidChar`].
    pub fn parse(s: &str) -> Result<Self, CodeError> {
        // The syntax is the affiliate token's ([`ViaToken::validate`]); only the case differs.
        ViaToken::validate(s).map_err(|e| match e {
            TokenError::Empty => CodeError::Empty,
            TokenError::TooLong => CodeError::TooLong,
            _ => CodeError::InvalidChar,
        })?;
        Ok(Self(s.to_ascii_uppercase()))
    }

    /// The code in its normalised (upper-case) form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<&str> for CouponCode {
    type Error = CodeError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CouponCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl core::str::FromStr for CouponCode {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CouponCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CouponCode({:?})", self.0)
    }
}

crate::serde_via_str!(CouponCode, "a coupon code");
crate::json_schema!(
    CouponCode,
    "CouponCode",
    serde_json::json!({
        "type": "string",
        "pattern": alloc::format!("^[A-Za-z0-9_-]{{1,{MAX_CODE_LEN}}}$"),
        "description": "a coupon code: ASCII letters, digits, `-` and `_`, case-insensitive; stored upper case"
    })
);

/// A Stripe promotion code's ID (`promo_…`), as Stripe makes them: `promo_` and 1 to 250
/// ASCII letters, digits and `_`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PromotionCodeId(String);

impl PromotionCodeId {
    /// Parses a `promo_…` ID.
    ///
    /// # Errors
    ///
    /// A message when `s` is not `promo_` followed by 1 to 250 letters, digits or `_`.
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s.strip_prefix("promo_") {
            Some(rest)
                if !rest.is_empty()
                    && rest.len() <= 250
                    && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') =>
            {
                Ok(Self(s.into()))
            }
            _ => Err("must be a Stripe promotion code ID (promo_…)"),
        }
    }

    /// The ID.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PromotionCodeId {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl core::str::FromStr for PromotionCodeId {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PromotionCodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::serde_via_str!(PromotionCodeId, "a Stripe promotion code ID (promo_…)");
crate::json_schema!(
    PromotionCodeId,
    "PromotionCodeId",
    serde_json::json!({"type": "string", "pattern": "^promo_[A-Za-z0-9_]{1,250}$",
        "description": "a Stripe promotion code ID"})
);

crate::wire_enum! {
    /// How a referral was credited to its affiliate (the referral object's
    /// `attribution_method`): by a tracked click on a link, by a coupon code a payment carried
    /// with no referral to explain it, or made through the API with neither.
    pub enum AttributionMethod ("attribution method (link, code or api)") {
        /// A click on the affiliate's link (the referral has a `link`).
        Link = "link",
        /// A coupon code (the referral has a `coupon`).
        Code = "code",
        /// Created through `POST /v1/referrals` without a click or a code.
        Api = "api",
    }
}

impl AttributionMethod {
    /// The method of a referral that has a link (`has_link`) and/or a coupon (`has_coupon`):
    /// a code credits only a referral it made, so a referral has at most one of them; a link
    /// wins should both ever be set.
    pub fn of(has_link: bool, has_coupon: bool) -> Self {
        match (has_link, has_coupon) {
            (true, _) => AttributionMethod::Link,
            (false, true) => AttributionMethod::Code,
            (false, false) => AttributionMethod::Api,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_case_insensitive_and_stored_upper_case() {
        assert_eq!(CouponCode::parse("james20").unwrap().as_str(), "JAMES20");
        assert_eq!(CouponCode::parse("JaMeS-20_x").unwrap(), CouponCode::parse("JAMES-20_X").unwrap());
        assert_eq!(CouponCode::parse(""), Err(CodeError::Empty));
        assert_eq!(CouponCode::parse(&"a".repeat(65)), Err(CodeError::TooLong));
        assert!(CouponCode::parse(&"a".repeat(64)).is_ok());
        for bad in ["a b", "ä20", "x%20", "x\n", "<b>", "a;b", "a'b"] {
            assert_eq!(CouponCode::parse(bad), Err(CodeError::InvalidChar), "{bad:?}");
        }
    }

    #[test]
    fn promotion_code_ids() {
        assert!(PromotionCodeId::parse("promo_1MiM6KLkdIwHu7ixrIaX4wgn").is_ok());
        for bad in ["promo_", "coupon_1", "promo_a-b", "PROMO_1", ""] {
            assert!(PromotionCodeId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
