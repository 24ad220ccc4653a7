//! API keys. A key is presented as `Authorization: Bearer <key>`; only its SHA-256 hash is
//! stored, looked up by hash and compared in constant time. A key belongs to one program and
//! every query a handler makes is scoped to that program.

use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::Ctx;
use crate::repo::keys::{KeyRecord, KeyRepo};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use viatrack_core::api::scopes::{Access, KeyKind, Resource, Scope};
use viatrack_core::ProgramId;
use worker::Request;

/// Who is calling: the key's program, kind and scopes.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Every read and write is limited to this program.
    pub program_id: ProgramId,
    /// Publishable or secret.
    pub kind: KeyKind,
    /// A secret key's scopes (empty for a publishable key).
    pub scopes: Vec<Scope>,
}

/// SHA-256 of a key, lower-case hex (what `api_keys.key_hash` stores).
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Identifies the caller from `Authorization: Bearer <key>`.
///
/// # Errors
///
/// `UNAUTHORIZED` when the header is missing, malformed, or names no active key.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> ApiResult<Principal> {
    const MISSING: &str = "missing or invalid API key: send Authorization: Bearer <key>";
    let header = req.headers().get("Authorization")?.ok_or(ApiError::Unauthorized(MISSING))?;
    let key = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or(ApiError::Unauthorized(MISSING))?;
    let claimed = KeyKind::of(key).ok_or(ApiError::Unauthorized(MISSING))?;
    let hash = hash_key(key);
    let entry = cache::key_entry(&hash);
    let record = match cache::get::<KeyRecord>(ctx, &entry).await {
        Some(r) => r,
        None => {
            let r = KeyRepo::new(&ctx.db).active_by_hash(&hash).await?.ok_or(ApiError::Unauthorized(MISSING))?;
            cache::put(ctx, entry, &r);
            r
        }
    };
    // The look-up was by hash; compare again in constant time so no branch depends on a
    // partial match, whatever the storage engine does.
    if !bool::from(record.key_hash.as_bytes().ct_eq(hash.as_bytes())) {
        return Err(ApiError::Unauthorized(MISSING));
    }
    if record.kind != claimed {
        return Err(ApiError::Unauthorized(MISSING));
    }
    let scopes = if record.kind == KeyKind::Secret { Scope::parse_list(&record.scopes) } else { Vec::new() };
    Ok(Principal { program_id: record.program_id, kind: record.kind, scopes })
}

impl Principal {
    /// Requires a secret key holding `access:resource`.
    ///
    /// # Errors
    ///
    /// `PERMISSION_DENIED` for a publishable key or a secret key without the scope.
    pub fn require(&self, access: Access, resource: Resource) -> ApiResult<()> {
        let scope = Scope { access, resource };
        match self.kind {
            KeyKind::Publishable => Err(ApiError::PermissionDenied(
                "a publishable key may only call the tracking endpoints; use a secret key".into(),
            )),
            KeyKind::Secret if self.scopes.contains(&scope) => Ok(()),
            KeyKind::Secret => Err(ApiError::PermissionDenied(format!("this key lacks the {scope} scope"))),
        }
    }

    /// Requires a key that may record clicks and leads: a publishable key, or a secret key
    /// with `write:referrals` (a merchant's server).
    ///
    /// # Errors
    ///
    /// `PERMISSION_DENIED`.
    pub fn require_tracking(&self) -> ApiResult<()> {
        match self.kind {
            KeyKind::Publishable => Ok(()),
            KeyKind::Secret => self.require(Access::Write, Resource::Referrals),
        }
    }
}
