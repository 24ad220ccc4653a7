//! The JSON wire contract shared by the Worker, the tracker's tests and API clients.
//!
//! * [`envelope`] — `{"success": true, "data": …}`, list pages with `pagination`, and the
//!   error body `{"success": false, "error": {"code", "message", "field"}}` with the stable
//!   [`ErrorCode`]s.
//! * [`fields`] — validated field types (email, bounded text, metadata, URLs, hostnames,
//!   currency, amount in cents) and the registrable cookie domain.
//! * [`tracking`] — what the tracker and the merchant's server send: click report, lead
//!   (the JS `convert` call), sale.
//! * [`referrals`] — the referral object and the create/update bodies of the REST API
//!   (create-referral and referral object seeds).
//! * [`resources`] — campaigns, affiliates and links.
//! * [`query`] — list query strings: filters, `page` and `limit`.
//! * [`scopes`] — publishable and secret keys and the scopes a secret key carries.
//! * [`keys`] — `/v1/api_keys`: the key object and what a key may grant.
//! * [`webhook_endpoints`] — outbound webhook endpoints and their delivery log.
//! * [`commissions`] — the commission object and list query, refunds, the Stripe connection.
//! * [`stats`] — funnel figures (`GET /v1/stats`): what each counts, the query, the answer.
//! * [`mcp`] — the MCP server's pure half: JSON-RPC messages, the tool table and its
//!   schemas (derived from the OpenAPI document), and the Markdown response format.
//!
//! Request bodies reject unknown fields (`deny_unknown_fields`), so nothing like
//! `program_id`, counters or timestamps can be mass-assigned. [`parse_json`] turns any
//! deserialization failure into a [`ValidationError`] that names the field.

pub mod commissions;
pub mod envelope;
pub mod fields;
pub mod keys;
pub mod mcp;
pub mod operations;
pub mod payout_export;
pub mod payouts;
pub mod query;
pub mod referrals;
pub mod resources;
pub mod scopes;
pub mod stats;
pub mod tracking;
pub mod webhook_endpoints;

pub use envelope::{
    Deleted, ErrorBody, ErrorCode, ErrorDetail, Notice, NoticeCode, Page, Pagination, Success, Tracked,
};

use alloc::string::{String, ToString};
use core::fmt;

/// Largest request body accepted by any endpoint, in bytes (16 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A request that is malformed or breaks a field rule: `VALIDATION_ERROR` on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The offending field as a dotted path (`metadata.plan`, `token`), when one is known.
    pub field: Option<String>,
    /// What is wrong, in lower-case prose; never echoes more than the field name.
    pub message: String,
}

impl ValidationError {
    /// An error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_string()), message: message.into() }
    }

    /// An error about the request as a whole.
    pub fn body(message: impl Into<String>) -> Self {
        Self { field: None, message: message.into() }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ValidationError {}

/// Parses a JSON request body into `T`.
///
/// # Errors
///
/// [`ValidationError`] when the body is larger than [`MAX_BODY_BYTES`], is not JSON, or does
/// not fit `T` (wrong type, unknown or missing field, a field rule broken). The error names
/// the field: the path to the failing value, or the unknown/missing field's name.
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ValidationError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ValidationError::body("request body is larger than 16384 bytes"));
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(ValidationError::body("request body is empty; expected a JSON object")),
        // serde fills a struct from an array too (positionally, past `deny_unknown_fields`):
        // only an object is a request body.
        Some(b'{') => {}
        Some(_) => return Err(ValidationError::body("request body must be a JSON object")),
    }
    // A first pass refuses what the typed pass would let through: a key given twice at any
    // depth (serde keeps the last one in a map such as `metadata`).
    let mut strict = serde_json::Deserializer::from_slice(body);
    serde::de::DeserializeSeed::deserialize(strict::NoDuplicateKeys, &mut strict).map_err(|e| {
        let message = strip_position(&e.to_string());
        if e.is_syntax() || e.is_eof() {
            ValidationError::body(alloc::format!("malformed JSON: {message}"))
        } else {
            ValidationError::body(message)
        }
    })?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = strip_position(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            return ValidationError::body(alloc::format!("malformed JSON: {message}"));
        }
        let field = if path == "." { named_field(&message) } else { Some(path) };
        ValidationError { field, message }
    })?;
    // Trailing content after the value (`{} {}`) is malformed too.
    de.end()
        .map_err(|e| ValidationError::body(alloc::format!("malformed JSON: {}", strip_position(&e.to_string()))))?;
    Ok(value)
}

mod strict {
    //! A JSON pass that keeps nothing and refuses a key repeated within one object.
    use alloc::collections::BTreeSet;
    use alloc::string::String;
    use core::fmt;
    use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};

    /// Walks any JSON value; fails on the first key an object repeats.
    #[derive(Clone, Copy)]
    pub struct NoDuplicateKeys;

    impl<'de> DeserializeSeed<'de> for NoDuplicateKeys {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for NoDuplicateKeys {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = BTreeSet::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value_seed(self)?;
                if seen.contains(&key) {
                    return Err(A::Error::custom(alloc::format!("key `{key}` appears twice in one JSON object")));
                }
                seen.insert(key);
            }
            Ok(())
        }
    }
}

/// serde_json appends " at line L column C"; the field path says where, more usefully.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The field named in serde's "unknown field `x`" / "missing field `x`" messages.
fn named_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}
