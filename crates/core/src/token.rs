//! The affiliate token carried in `?via=TOKEN` links.

use alloc::string::String;
use core::fmt;
use core::str::FromStr;

/// Longest accepted token, in bytes (= characters: tokens are ASCII).
pub const MAX_TOKEN_LEN: usize = 64;

/// An affiliate link token, as in `https://shop.example/?via=jb007`.
///
/// Syntax (viatrack's rule, chosen so a token is safe unescaped in a URL query, a cookie
/// value, HTML text and attributes, and SQL text):
///
/// * 1 to [`MAX_TOKEN_LEN`] characters;
/// * only ASCII letters `A–Z a–z`, digits `0–9`, `-` and `_`.
///
/// Tokens are **case-insensitive**: `JB007` and `jb007` are the same link. The parsed token
/// is stored and displayed in lower case, so `parse(t).as_str()` is `t.to_ascii_lowercase()`.
/// This follows the field's `link.token` (the referral object seed's `"token": "jb007"`).
///
/// # Errors
///
/// [`TokenError::Empty`], [`TokenError::TooLong`] or [`TokenError::InvalidChar`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ViaToken(String);

/// Why a string is not a [`ViaToken`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is the empty string.
    #[error("token is empty")]
    Empty,
    /// The token is longer than [`MAX_TOKEN_LEN`] characters.
    #[error("token is longer than 64 characters")]
    TooLong,
    /// The token has a character other than ASCII letters, digits, `-` and `_`.
    #[error("token may contain only letters, digits, '-' and '_'")]
    InvalidChar,
}

impl ViaToken {
    /// Checks `s` against the token syntax without allocating.
    ///
    /// # Errors
    ///
    /// See [`ViaToken`].
    pub fn validate(s: &str) -> Result<(), TokenError> {
        if s.is_empty() {
            return Err(TokenError::Empty);
        }
        if s.len() > MAX_TOKEN_LEN {
            return Err(TokenError::TooLong);
        }
        if s.as_bytes().iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(())
        } else {
            Err(TokenError::InvalidChar)
        }
    }

    /// Parses and normalises (lower-cases) a token.
    ///
    /// # Errors
    ///
    /// See [`ViaToken`].
    pub fn parse(s: &str) -> Result<Self, TokenError> {
        Self::validate(s)?;
        Ok(Self(s.to_ascii_lowercase()))
    }

    /// The token in its normalised (lower-case) form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ViaToken {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for ViaToken {
    type Error = TokenError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ViaToken {
    type Error = TokenError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl AsRef<str> for ViaToken {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ViaToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ViaToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ViaToken({:?})", self.0)
    }
}

crate::serde_via_str!(ViaToken, "an affiliate token");
crate::json_schema!(
    ViaToken,
    "ViaToken",
    serde_json::json!({
        "type": "string",
        "pattern": alloc::format!("^[A-Za-z0-9_-]{{1,{MAX_TOKEN_LEN}}}$"),
        "description": "an affiliate token: ASCII letters, digits, `-` and `_`, case-sensitive"
    })
);
