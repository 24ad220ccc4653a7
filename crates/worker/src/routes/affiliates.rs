//! `/v1/affiliates`: create, list, get, update, delete.

use super::{deleted, page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::campaigns::CampaignRepo;
use viatrack_core::api::fields::Ref;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{CreateAffiliate, UpdateAffiliate};
use viatrack_core::{AffiliateId, CampaignId, ProgramId};
use worker::{Request, Response};

/// `POST /v1/affiliates`: 201 with the affiliate.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND` (campaign), `CONFLICT` (email).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateAffiliate = read_json(req).await?;
    let campaign = require_campaign(ctx, &who.program_id, &body.campaign_id).await?;
    let affiliate = AffiliateRepo::new(&ctx.db).create(&who.program_id, &body, &campaign, ctx.now).await?;
    http::data(201, affiliate)
}

/// `GET /v1/affiliates` (filter `campaign_id`).
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &["campaign_id"])?;
    if q.names_nothing() {
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = AffiliateRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/affiliates/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: AffiliateId = path_id(raw_id, "affiliate")?;
    let affiliate = AffiliateRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, affiliate)
}

/// `PATCH /v1/affiliates/{id}`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`, `CONFLICT` (email).
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: AffiliateId = path_id(raw_id, "affiliate")?;
    let body: UpdateAffiliate = read_json(req).await?;
    if body == UpdateAffiliate::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    let campaign = match &body.campaign_id {
        Some(c) => Some(require_campaign(ctx, &who.program_id, c).await?),
        None => None,
    };
    let affiliate = AffiliateRepo::new(&ctx.db)
        .update(&who.program_id, &id, &body, campaign.as_ref(), ctx.now)
        .await?
        .ok_or_else(not_found)?;
    http::data(200, affiliate)
}

/// `DELETE /v1/affiliates/{id}`: only an affiliate no link or referral names.
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` naming what still uses it.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: AffiliateId = path_id(raw_id, "affiliate")?;
    let result = AffiliateRepo::new(&ctx.db).delete(&who.program_id, &id).await?;
    deleted(result, "affiliate", id.as_str())
}

/// The campaign a request names must be the program's (in any format: one not in ours
/// names none).
///
/// # Errors
///
/// `NOT_FOUND` naming `campaign_id`.
pub async fn require_campaign(ctx: &Ctx, program: &ProgramId, id: &Ref<CampaignId>) -> ApiResult<CampaignId> {
    let found = match id.id() {
        Some(id) => CampaignRepo::new(&ctx.db).get(program, id).await?,
        None => None,
    };
    found.map(|c| c.id).ok_or_else(|| ApiError::NotFound("no campaign with this campaign_id in the program".into()))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no affiliate with this id".into())
}
