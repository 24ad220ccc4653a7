//! API keys. A key is presented as `Authorization: Bearer <key>`; only its SHA-256 hash is
//! stored, looked up by hash and compared in constant time. A key belongs to one program and
//! every query a handler makes is scoped to that program.

use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::Ctx;
use crate::limits;
use crate::repo::keys::{KeyRecord, KeyRepo};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use viatrack_core::api::fields::{host_allowed, Hostname};
use viatrack_core::api::operations::Caller;
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

/// Identifies the caller ([`authenticate`]) and checks it against who may call the operation
/// being served, as the table of operations declares it ([`Ctx::caller`], set by the router):
/// the scope for a secret-key operation ([`Principal::require`]), a tracking key for a
/// tracking one ([`Principal::require_tracking`]). Handlers call this, never `require`.
///
/// # Errors
///
/// `UNAUTHORIZED`, `RATE_LIMITED` ([`authenticate`]); `PERMISSION_DENIED` for a key that may
/// not call the operation; 500 for an operation that takes no key (a bug).
pub async fn caller(req: &Request, ctx: &Ctx) -> ApiResult<Principal> {
    let who = authenticate(req, ctx).await?;
    match ctx.caller.get() {
        Caller::Secret(scope) => who.require(scope.access, scope.resource)?,
        Caller::Tracking => who.require_tracking()?,
        Caller::AnySecret => who.require_secret()?,
        Caller::Public | Caller::Stripe => {
            return Err(ApiError::Internal("a key was checked on an operation that takes none".into()))
        }
    }
    Ok(who)
}

/// Identifies the caller from `Authorization: Bearer <key>`.
///
/// The key's record is read from D1 and kept in this isolate's memory for
/// [`cache::KEY_TTL_MS`] (never in KV), so a revoked key is refused within 10 s on every
/// isolate and at once on the one that revoked it. A failed attempt counts against the
/// client IP's limit ([`limits::auth_failed`]).
///
/// # Errors
///
/// `UNAUTHORIZED` when the header is missing, malformed, or names no active key;
/// `RATE_LIMITED` when the client IP has failed too often.
pub async fn authenticate(req: &Request, ctx: &Ctx) -> ApiResult<Principal> {
    limits::auth_blocked(ctx)?;
    match identify(req, ctx).await {
        Err(ApiError::Unauthorized(m)) => {
            limits::auth_failed(ctx).await?;
            Err(ApiError::Unauthorized(m))
        }
        other => other,
    }
}

async fn identify(req: &Request, ctx: &Ctx) -> ApiResult<Principal> {
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
    let record = match cache::recall::<KeyRecord>(ctx, &entry) {
        Some(r) => r,
        None => {
            let r = KeyRepo::new(&ctx.db).active_by_hash(&hash).await?.ok_or(ApiError::Unauthorized(MISSING))?;
            cache::remember(ctx, &entry, &r);
            if r.last_used_at.is_none_or(|t| t < ctx.now.plus_ms(-60_000)) {
                let (db, id, now) = (ctx.env.d1("DB")?, r.id.clone(), ctx.now);
                ctx.wctx.wait_until(async move {
                    if let Err(e) = KeyRepo::new(&db).touch(&id, now).await {
                        worker::console_warn!("api key last_used_at not recorded: {e}");
                    }
                });
            }
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
    let scopes = if record.kind == KeyKind::Secret { record.scopes } else { Vec::new() };
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

    /// Requires a secret key, whatever its scopes (the MCP endpoint: each tool's operation
    /// then checks its own scope).
    ///
    /// # Errors
    ///
    /// `PERMISSION_DENIED` for a publishable key.
    pub fn require_secret(&self) -> ApiResult<()> {
        match self.kind {
            KeyKind::Publishable => Err(ApiError::PermissionDenied(
                "a publishable key may only call the tracking endpoints; use a secret key".into(),
            )),
            KeyKind::Secret => Ok(()),
        }
    }

    /// Requires a key that may record clicks and leads: a publishable key, or a secret key
    /// with `write:referrals` (a merchant's server). Where a browser may call from is
    /// [`Principal::check_origin`].
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

impl Principal {
    /// A tracking call must come from a browser on one of the campaign's `allowed` hostnames
    /// (any, when it lists none):
    ///
    /// * with an `Origin`, its host must be allowed;
    /// * without one (a script or a server, not a browser), the publishable key is refused
    ///   when the campaign lists hostnames: it is public, since it sits in the page, so it
    ///   would let anyone inflate clicks from a script. Server-side tracking uses the secret
    ///   key, which needs no `Origin`.
    ///
    /// # Errors
    ///
    /// 403 `PERMISSION_DENIED`: [`ApiError::OriginNotAllowed`] (no CORS headers) for a
    /// refused origin, [`ApiError::PermissionDenied`] for the publishable key without one.
    pub fn check_origin(&self, ctx: &Ctx, allowed: &[Hostname]) -> ApiResult<()> {
        match ctx.origin_host() {
            Some(host) if !host_allowed(allowed, &host) => Err(ApiError::OriginNotAllowed),
            Some(_) => Ok(()),
            None if self.kind == KeyKind::Publishable && !allowed.is_empty() => Err(ApiError::PermissionDenied(
                "the publishable key works only from a browser on the campaign's allowed hostnames \
                 (no Origin header was sent); track from a server with a secret key"
                    .into(),
            )),
            None => Ok(()),
        }
    }
}
