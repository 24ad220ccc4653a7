//! Attribution: how long a click counts, and which affiliate gets the credit.
//!
//! * `expires_at = created_at + cookie duration` (cookie duration in whole days per
//!   campaign; the referral object seed's `expires_at` is `created_at` + 60 days there).
//! * A click can be converted (to a lead or sale) only strictly before `expires_at`.
//! * When a visitor already holds an unexpired referral and arrives through another link,
//!   the **held** referral's campaign decides: `first_click` keeps it, `last_click` hands
//!   the credit to the new link. The promise of a first-click campaign is made to the
//!   affiliate who holds the visitor, so the holder's setting is the one that counts.

use crate::time::Timestamp;

/// A campaign's cookie duration, in whole days, 1 to 365.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct CookieDuration(u16);

/// Why a number of days is not a cookie duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cookie duration must be between 1 and 365 days")]
pub struct CookieDurationError;

impl CookieDuration {
    /// Shortest cookie duration, in days.
    pub const MIN_DAYS: u16 = 1;
    /// Longest cookie duration, in days (browsers cap cookie lifetime near 400 days).
    pub const MAX_DAYS: u16 = 365;
    /// The default for a new campaign: 60 days.
    pub const DEFAULT: CookieDuration = CookieDuration(60);

    /// From a number of days.
    ///
    /// # Errors
    ///
    /// [`CookieDurationError`] outside 1..=365.
    pub fn from_days(days: i64) -> Result<Self, CookieDurationError> {
        u16::try_from(days)
            .ok()
            .filter(|d| (Self::MIN_DAYS..=Self::MAX_DAYS).contains(d))
            .map(CookieDuration)
            .ok_or(CookieDurationError)
    }

    /// The duration in days.
    pub fn days(self) -> u16 {
        self.0
    }

    /// The duration in seconds (a cookie's `Max-Age`).
    pub fn seconds(self) -> i64 {
        i64::from(self.0) * 86_400
    }
}

impl serde::Serialize for CookieDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u16(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CookieDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let days = i64::deserialize(d)?;
        CookieDuration::from_days(days).map_err(serde::de::Error::custom)
    }
}

crate::json_schema!(
    CookieDuration,
    "CookieDuration",
    serde_json::json!({
        "type": "integer",
        "minimum": CookieDuration::MIN_DAYS,
        "maximum": CookieDuration::MAX_DAYS,
        "description": "cookie duration in days"
    })
);

crate::wire_enum! {
    /// Who gets the credit when a visitor arrives through a second link.
    pub enum Attribution ("attribution (first_click or last_click)") {
        /// The first unexpired referral keeps the credit.
        FirstClick = "first_click",
        /// The latest link takes the credit.
        LastClick = "last_click",
    }
}

/// When a click made at `created_at` stops counting.
pub fn expires_at(created_at: Timestamp, duration: CookieDuration) -> Timestamp {
    created_at.plus_days(u32::from(duration.days()))
}

/// Whether a click that expires at `expires_at` has expired at `now` (expiry is exclusive:
/// at `expires_at` itself it has expired).
pub fn is_expired(expires_at: Timestamp, now: Timestamp) -> bool {
    now >= expires_at
}

/// Whether a referral in `status` that expires at `expires_at` may still be converted (to a
/// lead, or credited with a sale) at `now`: an unconverted click only before it expires; a
/// referral that has already converted always (its sales keep counting after the cookie
/// duration). The one source of "an expired click cannot be converted".
pub fn can_convert(status: crate::Status, expires_at: Timestamp, now: Timestamp) -> bool {
    status != crate::Status::Click || !is_expired(expires_at, now)
}

/// A click whose cookie duration has passed cannot be converted. Every endpoint that would
/// convert a click (a lead from the tracker, a referral created with `click_id`, a sale
/// naming the click) refuses it the same way: 422 `INVALID_TRANSITION` (the move out of
/// `click` is what is refused), and records nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the click's cookie duration has passed; it can no longer be converted")]
pub struct ClickExpired;

/// Whether a referral may be converted now ([`can_convert`]), as a `Result`.
///
/// # Errors
///
/// [`ClickExpired`] for an unconverted click at or after `expires_at`.
pub fn check_convertible(status: crate::Status, expires_at: Timestamp, now: Timestamp) -> Result<(), ClickExpired> {
    if can_convert(status, expires_at, now) {
        Ok(())
    } else {
        Err(ClickExpired)
    }
}

/// The referral a visitor already holds, as far as attribution needs to know.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Held {
    /// When the held referral expires.
    pub expires_at: Timestamp,
    /// The held referral's campaign attribution.
    pub attribution: Attribution,
}

/// The outcome of a new click for a visitor.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Credit {
    /// Keep the referral the visitor holds; the new click is recorded but gets no credit.
    KeepHeld,
    /// The new click becomes the visitor's referral.
    TakeNew,
}

/// Decides who gets the credit for a visitor who arrives through a link at `now`.
///
/// * no held referral, or it has expired → [`Credit::TakeNew`];
/// * held and unexpired, `first_click` → [`Credit::KeepHeld`];
/// * held and unexpired, `last_click` → [`Credit::TakeNew`].
///
/// A repeat visit through the same link gets the same click back from the Worker, so
/// `TakeNew` then keeps the same referral.
pub fn credit(held: Option<Held>, now: Timestamp) -> Credit {
    match held {
        Some(h) if !is_expired(h.expires_at, now) && h.attribution == Attribution::FirstClick => Credit::KeepHeld,
        _ => Credit::TakeNew,
    }
}
