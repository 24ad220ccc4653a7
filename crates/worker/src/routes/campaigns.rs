//! `/v1/campaigns`: create, list, get, update, delete. A change drops the KV entries of the
//! campaign's links, so the next click reads the new rules from D1.

use super::{deleted, page, path_id};
use crate::auth::caller;
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::campaigns::CampaignRepo;
use crate::repo::links::LinkRepo;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{check_commission, check_hostnames, CreateCampaign, UpdateCampaign};
use viatrack_core::CampaignId;
use worker::{Request, Response};

/// `POST /v1/campaigns`: 201 with the campaign.
///
/// # Errors
///
/// `VALIDATION_ERROR`.
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateCampaign = read_json(req).await?;
    check_hostnames(body.allowed_hostnames.as_ref())?;
    check_commission(body.commission_type, body.commission_amount)?;
    let campaign = CampaignRepo::new(&ctx.db).create(&who.program_id, &body, ctx.now).await?;
    http::data(201, campaign)
}

/// `GET /v1/campaigns`.
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &[])?;
    let (items, total) = CampaignRepo::new(&ctx.db).list(&who.program_id, q.paging).await?;
    page(items, total, q.paging)
}

/// `GET /v1/campaigns/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CampaignId = path_id(raw_id, "campaign")?;
    let campaign = CampaignRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, campaign)
}

/// `PATCH /v1/campaigns/{id}`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`.
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CampaignId = path_id(raw_id, "campaign")?;
    let body: UpdateCampaign = read_json(req).await?;
    if body == UpdateCampaign::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    check_hostnames(body.allowed_hostnames.as_ref())?;
    let repo = CampaignRepo::new(&ctx.db);
    let current = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    check_commission(
        body.commission_type.unwrap_or(current.commission_type),
        body.commission_amount.unwrap_or(current.commission_amount),
    )?;
    let updated = repo.update(&who.program_id, &id, &body, ctx.now).await?.ok_or_else(not_found)?;
    let tokens = LinkRepo::new(&ctx.db).tokens_of_campaign(&who.program_id, &id).await?;
    let keys: Vec<String> = tokens.iter().map(|t| cache::link_entry(&who.program_id, t)).collect();
    cache::forget(ctx, &keys).await;
    http::data(200, updated)
}

/// `DELETE /v1/campaigns/{id}`: only a campaign no affiliate, link or referral names.
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` naming what still uses it.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CampaignId = path_id(raw_id, "campaign")?;
    let result = CampaignRepo::new(&ctx.db).delete(&who.program_id, &id).await?;
    deleted(result, "campaign", id.as_str())
}

fn not_found() -> ApiError {
    ApiError::NotFound("no campaign with this id".into())
}
