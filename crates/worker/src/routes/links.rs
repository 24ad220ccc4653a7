//! `/v1/links`: create, list, get, update. A change drops the link's KV entries (old and
//! new token), so the next click reads it from D1.

use super::affiliates::require_campaign;
use super::{page, path_id};
use crate::auth::authenticate;
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::links::LinkRepo;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{CreateLink, UpdateLink};
use viatrack_core::api::scopes::{Access, Resource};
use viatrack_core::LinkId;
use worker::{Request, Response};

/// `POST /v1/links`: 201 with the link.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `INVALID_AFFILIATE`, `NOT_FOUND` (campaign), `CONFLICT` (token).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = authenticate(req, ctx).await?;
    who.require(Access::Write, Resource::Links)?;
    let body: CreateLink = read_json(req).await?;
    let affiliate = AffiliateRepo::new(&ctx.db)
        .get(&who.program_id, &body.affiliate_id)
        .await?
        .ok_or_else(|| ApiError::InvalidAffiliate("no affiliate with this affiliate_id in the program".into()))?;
    let campaign = match &body.campaign_id {
        Some(c) => {
            require_campaign(ctx, &who.program_id, c).await?;
            c.clone()
        }
        None => affiliate.campaign.id,
    };
    let link = LinkRepo::new(&ctx.db).create(&who.program_id, &body, &campaign, ctx.now).await?;
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
    let who = authenticate(req, ctx).await?;
    who.require(Access::Read, Resource::Links)?;
    let q = ResourceQuery::parse(query_pairs(req)?, &["affiliate_id", "campaign_id"])?;
    let (items, total) = LinkRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/links/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = authenticate(req, ctx).await?;
    who.require(Access::Read, Resource::Links)?;
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
    let who = authenticate(req, ctx).await?;
    who.require(Access::Write, Resource::Links)?;
    let id: LinkId = path_id(raw_id, "link")?;
    let body: UpdateLink = read_json(req).await?;
    if body == UpdateLink::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    if let Some(campaign) = &body.campaign_id {
        require_campaign(ctx, &who.program_id, campaign).await?;
    }
    let repo = LinkRepo::new(&ctx.db);
    let before = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    let link = repo.update(&who.program_id, &id, &body, ctx.now).await?.ok_or_else(not_found)?;
    let keys = [cache::link_entry(&who.program_id, &before.token), cache::link_entry(&who.program_id, &link.token)];
    cache::forget(ctx, &keys).await;
    http::data(200, link)
}

fn not_found() -> ApiError {
    ApiError::NotFound("no link with this id".into())
}
