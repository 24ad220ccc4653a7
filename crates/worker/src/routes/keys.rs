//! `/v1/api_keys`: create (the key shown once), list, get, revoke. Secret keys with
//! `write:`, `read:` or `delete:api_keys`; a key may create or revoke only keys whose scopes
//! it holds itself ([`check_grant`]).

use super::{page, path_id};
use crate::auth::{caller, hash_key, Principal};
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::keys::{KeyRepo, NewKey};
use viatrack_core::api::keys::{check_grant, CreateApiKey, CreatedApiKey, KEY_PREFIX_LEN};
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::scopes::{KeyKind, Scope};
use viatrack_core::ApiKeyId;
use worker::{Request, Response};

/// `POST /v1/api_keys`: 201 with the key's record and, this once, the key itself.
///
/// # Errors
///
/// `VALIDATION_ERROR` (kind, scopes), `PERMISSION_DENIED` (needs `write:api_keys`, and every
/// scope it grants).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateApiKey = read_json(req).await?;
    let scopes = body.scopes()?;
    may_grant(&who, &scopes)?;
    let key = new_key(body.kind)?;
    let id = ApiKeyId::from_bytes(crate::repo::random_id_bytes());
    let hash = hash_key(&key);
    let new = NewKey { id: &id, kind: body.kind, key_hash: &hash, prefix: &key[..KEY_PREFIX_LEN], scopes: &scopes };
    let record = KeyRepo::new(&ctx.db).create(&who.program_id, &new, ctx.now).await?;
    http::data(201, CreatedApiKey { record, key })
}

/// `GET /v1/api_keys`: the program's active keys, newest first; never a key itself.
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &[])?;
    let (items, total) = KeyRepo::new(&ctx.db).list(&who.program_id, q.paging).await?;
    page(items, total, q.paging)
}

/// `GET /v1/api_keys/{id}`.
///
/// # Errors
///
/// `NOT_FOUND` (also for a revoked key).
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: ApiKeyId = path_id(raw_id, "API key")?;
    let key = KeyRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, key)
}

/// `DELETE /v1/api_keys/{id}`: revokes the key. This isolate refuses it from the next
/// request on; every other isolate within [`cache::KEY_TTL_MS`].
///
/// # Errors
///
/// `NOT_FOUND`, `PERMISSION_DENIED` (needs `delete:api_keys`, and every scope the key holds).
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: ApiKeyId = path_id(raw_id, "API key")?;
    let repo = KeyRepo::new(&ctx.db);
    let key = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    may_grant(&who, &key.scopes)?;
    let hash = repo.revoke(&who.program_id, &id, ctx.now).await?.ok_or_else(not_found)?;
    cache::drop_key(&cache::key_entry(&hash));
    http::data(200, viatrack_core::api::Deleted::new(id.as_str()))
}

/// A key may hand out (or take away) only scopes it holds.
fn may_grant(who: &Principal, scopes: &[Scope]) -> ApiResult<()> {
    check_grant(&who.scopes, scopes).map_err(|missing| {
        ApiError::PermissionDenied(format!("this key lacks the {missing} scope, so it cannot grant or revoke it"))
    })
}

/// A fresh key: `pk_`/`sk_` + 40 lower-case hex digits (160 random bits), the format
/// [`KeyKind::of`] accepts and `scripts/lib/program.mjs` makes.
fn new_key(kind: KeyKind) -> ApiResult<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let prefix = match kind {
        KeyKind::Publishable => "pk_",
        KeyKind::Secret => "sk_",
    };
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no API key with this id".into())
}
