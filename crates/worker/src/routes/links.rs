//! `/v1/links`: create, list, get, update, delete. A change drops the link's KV entries (old and
//! new token), so the next click reads it from D1.

use super::affiliates::require_campaign;
use super::{deleted, page, path_id};
use crate::auth::caller;
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::links::LinkRepo;
use crate::repo::Deleted;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{CreateLink, UpdateLink};
use viatrack_core::LinkId;
use worker::{Request, Response};

/// `POST /v1/links`: 201 with the link.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `INVALID_AFFILIATE`, `NOT_FOUND` (campaign), `CONFLICT` (token).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateLink = read_json(req).await?;
    let affiliate = match body.affiliate_id.id() {
        Some(id) => AffiliateRepo::new(&ctx.db).get(&who.program_id, id).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::InvalidAffiliate("no affiliate with this affiliate_id in the program".into()))?;
    let campaign = match &body.campaign_id {
        Some(c) => require_campaign(ctx, &who.program_id, c).await?,
        None => affiliate.campaign.id,
    };
    let link = LinkRepo::new(&ctx.db).create(&who.program_id, &body, &affiliate.id, &campaign, ctx.now).await?;
    // A click may have looked this token up before the link existed; nothing negative is
    // cached, but drop the entry anyway so a recreated token never serves old settings.
    cache::forget(ctx, &[cache::link_entry(&who.program_id, &link.token)]).await;
    http::data(201, link)
}

/// `GET /v1/links` (filters `affiliate_id`, `campaign_id`).
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &["affiliate_id", "campaign_id"])?;
    if q.names_nothing() {
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = LinkRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/links/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: LinkId = path_id(raw_id, "link")?;
    let link = LinkRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, link)
}

/// `PATCH /v1/links/{id}`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`, `CONFLICT` (token).
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: LinkId = path_id(raw_id, "link")?;
    let body: UpdateLink = read_json(req).await?;
    if body == UpdateLink::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    let campaign = match &body.campaign_id {
        Some(c) => Some(require_campaign(ctx, &who.program_id, c).await?),
        None => None,
    };
    let repo = LinkRepo::new(&ctx.db);
    let before = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    let link = repo.update(&who.program_id, &id, &body, campaign.as_ref(), ctx.now).await?.ok_or_else(not_found)?;
    let keys = [cache::link_entry(&who.program_id, &before.token), cache::link_entry(&who.program_id, &link.token)];
    cache::forget(ctx, &keys).await;
    http::data(200, link)
}

/// `DELETE /v1/links/{id}`: only a link no referral came through. Drops the link's
/// tracking cache entry.
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` when referrals name it.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: LinkId = path_id(raw_id, "link")?;
    let repo = LinkRepo::new(&ctx.db);
    let before = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    let result = repo.delete(&who.program_id, &id).await?;
    if result == Deleted::Yes {
        cache::forget(ctx, &[cache::link_entry(&who.program_id, &before.token)]).await;
    }
    deleted(result, "link", id.as_str())
}

fn not_found() -> ApiError {
    ApiError::NotFound("no link with this id".into())
}
