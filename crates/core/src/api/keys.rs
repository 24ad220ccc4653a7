//! `/v1/api_keys`: creating, listing and revoking a program's API keys.
//!
//! A key is shown once, in the answer that creates it; only its SHA-256 hash is stored. A
//! key may create only keys whose scopes it holds itself ([`check_grant`]), and revoke only
//! keys whose scopes it holds, so no key can widen or remove access beyond its own.

use super::scopes::{Access, KeyKind, Resource, Scope};
use super::ValidationError;
use crate::ids::ApiKeyId;
use crate::time::Timestamp;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// How many characters of a key are kept in clear to recognise it (`sk_1a2b`).
pub const KEY_PREFIX_LEN: usize = 7;

/// `POST /v1/api_keys`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    /// `publishable` (tracking only, no scopes) or `secret`.
    pub kind: KeyKind,
    /// A secret key's scopes (`["read:referrals", …]`, at least one); must be absent or
    /// empty for a publishable key.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
}

impl CreateApiKey {
    /// The scopes the new key gets, sorted and without repeats.
    ///
    /// # Errors
    ///
    /// `VALIDATION_ERROR` naming `scopes`: scopes for a publishable key, or none for a
    /// secret key.
    pub fn scopes(&self) -> Result<Vec<Scope>, ValidationError> {
        let mut scopes = self.scopes.clone().unwrap_or_default();
        scopes.sort();
        scopes.dedup();
        match (self.kind, scopes.is_empty()) {
            (KeyKind::Publishable, false) => {
                Err(ValidationError::field("scopes", "a publishable key has no scopes; it may only track"))
            }
            (KeyKind::Secret, true) => Err(ValidationError::field("scopes", "a secret key needs at least one scope")),
            _ => Ok(scopes),
        }
    }
}

/// Whether a key holding `held` may give or take away a key with `scopes`: only when it holds
/// each of them itself (and `write:api_keys` / `delete:api_keys`, checked by the caller).
///
/// # Errors
///
/// The first scope `held` lacks.
pub fn check_grant(held: &[Scope], scopes: &[Scope]) -> Result<(), Scope> {
    match scopes.iter().find(|s| !held.contains(s)) {
        Some(missing) => Err(*missing),
        None => Ok(()),
    }
}

/// The scope that creating or revoking keys needs.
pub const fn keys_scope(access: Access) -> Scope {
    Scope { access, resource: Resource::ApiKeys }
}

/// An API key as `GET /v1/api_keys` shows it: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    /// `key_…`.
    pub id: ApiKeyId,
    /// `publishable` or `secret`.
    pub kind: KeyKind,
    /// The key's first [`KEY_PREFIX_LEN`] characters (`sk_1a2b`), to recognise it.
    pub prefix: String,
    /// A secret key's scopes (`[]` for a publishable key).
    pub scopes: Vec<Scope>,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// When a request last authenticated with it, ISO 8601 UTC, to the minute; `null` if
    /// never.
    pub last_used_at: Option<Timestamp>,
}

/// The answer to `POST /v1/api_keys`: the key's record and, this once, the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    /// The record, as the list shows it.
    #[serde(flatten)]
    pub record: ApiKey,
    /// The key itself (`pk_…` / `sk_…` + 40 hex digits). Shown only here: store it now.
    pub key: String,
}
