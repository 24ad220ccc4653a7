//! [`Timestamp`]: an instant in UTC, kept as Unix milliseconds.
//!
//! On the wire and in D1 a timestamp is ISO 8601 / RFC 3339 UTC with milliseconds,
//! `2020-04-27T00:34:28.448Z` (the referral object seed's format). That text form has a
//! fixed width, so in SQL it sorts and compares in time order. Formatting and parsing use
//! the `time` crate (feature `api`); the tracker only needs the integer form.

/// Milliseconds in one day.
pub const MS_PER_DAY: i64 = 86_400_000;

/// Earliest instant accepted: 1970-01-01T00:00:00.000Z.
pub const MIN_UNIX_MS: i64 = 0;
/// Latest instant accepted: 9999-12-31T23:59:59.999Z, so the text form keeps four-digit years.
pub const MAX_UNIX_MS: i64 = 253_402_300_799_999;

/// An instant in UTC, as milliseconds since the Unix epoch, between [`MIN_UNIX_MS`] and
/// [`MAX_UNIX_MS`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Timestamp(i64);

impl Timestamp {
    /// From Unix milliseconds (what `Date.now()` returns), clamped to the accepted range.
    pub fn from_unix_ms(ms: i64) -> Self {
        Self(ms.clamp(MIN_UNIX_MS, MAX_UNIX_MS))
    }

    /// From Unix seconds, clamped to the accepted range.
    pub fn from_unix_seconds(s: i64) -> Self {
        Self::from_unix_ms(s.saturating_mul(1000))
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_ms(self) -> i64 {
        self.0
    }

    /// Whole seconds since the Unix epoch (rounded down).
    pub fn unix_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// This instant plus `days` whole days of 24 hours (clamped to the accepted range).
    pub fn plus_days(self, days: u32) -> Self {
        Self::from_unix_ms(self.0.saturating_add(i64::from(days) * MS_PER_DAY))
    }

    /// This instant plus `ms` milliseconds (negative moves back), clamped.
    pub fn plus_ms(self, ms: i64) -> Self {
        Self::from_unix_ms(self.0.saturating_add(ms))
    }
}

#[cfg(feature = "api")]
mod text {
    use super::Timestamp;
    use alloc::string::String;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::OffsetDateTime;

    /// Why a string is not an ISO 8601 timestamp viatrack accepts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
    #[non_exhaustive]
    pub enum TimestampError {
        /// Not RFC 3339 (`2024-01-20T15:30:00Z`, `2024-01-20T15:30:00.123+02:00`).
        #[error("expected an ISO 8601 timestamp such as 2024-01-20T15:30:00Z")]
        Syntax,
        /// Before 1970 or after 9999.
        #[error("timestamp is out of range (1970 to 9999)")]
        Range,
    }

    impl Timestamp {
        /// Parses RFC 3339 (ISO 8601 with an offset: `Z` or `±hh:mm`); any offset is
        /// converted to UTC.
        ///
        /// # Errors
        ///
        /// [`TimestampError::Syntax`] or [`TimestampError::Range`].
        pub fn parse_iso8601(s: &str) -> Result<Self, TimestampError> {
            let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|_| TimestampError::Syntax)?;
            let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).map_err(|_| TimestampError::Range)?;
            if !(super::MIN_UNIX_MS..=super::MAX_UNIX_MS).contains(&ms) {
                return Err(TimestampError::Range);
            }
            Ok(Self(ms))
        }

        /// The same wall-clock time `months` calendar months later, in UTC (the `time`
        /// crate's calendar); a day past the end of the target month is clamped to its last
        /// day (Jan 31 + 1 month = Feb 28 or 29). Saturates at the end of year 9999.
        pub fn plus_months(self, months: u32) -> Self {
            let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000) else { return self };
            let index = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + i64::from(months);
            let Ok(year) = i32::try_from(index.div_euclid(12)) else { return Self(super::MAX_UNIX_MS) };
            let Ok(month) = time::Month::try_from((index.rem_euclid(12) + 1) as u8) else { return self };
            let day = t.day().min(time::util::days_in_month(month, year));
            match time::Date::from_calendar_date(year, month, day) {
                Ok(date) => {
                    let ms = date.with_time(t.time()).assume_utc().unix_timestamp_nanos() / 1_000_000;
                    Self(i64::try_from(ms).unwrap_or(super::MAX_UNIX_MS).min(super::MAX_UNIX_MS))
                }
                Err(_) => Self(super::MAX_UNIX_MS),
            }
        }

        /// ISO 8601 UTC with milliseconds: `2020-04-27T00:34:28.448Z`.
        pub fn to_iso8601(self) -> String {
            let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
            // The value is always in range (constructors clamp), so formatting cannot fail.
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000)
                .ok()
                .and_then(|t| t.format(fmt).ok())
                .unwrap_or_else(|| String::from("1970-01-01T00:00:00.000Z"))
        }
    }

    crate::json_schema!(
        Timestamp,
        "Timestamp",
        serde_json::json!({
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 UTC with milliseconds, e.g. 2024-01-20T15:30:00.000Z"
        })
    );

    impl serde::Serialize for Timestamp {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&self.to_iso8601())
        }
    }

    impl<'de> serde::Deserialize<'de> for Timestamp {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Timestamp;
                fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    f.write_str("an ISO 8601 timestamp such as 2024-01-20T15:30:00Z")
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                    Timestamp::parse_iso8601(v).map_err(E::custom)
                }
            }
            d.deserialize_str(V)
        }
    }
}

#[cfg(feature = "api")]
pub use text::TimestampError;
