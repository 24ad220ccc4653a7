//! `/v1/coupons`: create, list, get, update (archive), delete (issue 26). A coupon is a code
//! tied to an affiliate and a campaign of the program; core's [`viatrack_core::coupon`] owns
//! the code's syntax.

use super::affiliates::require_campaign;
use super::{deleted, page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::coupons::CouponRepo;
use crate::webhooks;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{CreateCoupon, UpdateCoupon};
use viatrack_core::outbox;
use viatrack_core::CouponId;
use worker::{Request, Response};

/// `POST /v1/coupons`: 201 with the coupon.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `INVALID_AFFILIATE`, `NOT_FOUND` (campaign), `CONFLICT` (`code` or
/// `stripe_promotion_code` taken in the program).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateCoupon = read_json(req).await?;
    let affiliate = match body.affiliate_id.id() {
        Some(id) => AffiliateRepo::new(&ctx.db).get(&who.program_id, id).await?,
        None => None,
    }
    .ok_or_else(|| ApiError::InvalidAffiliate("no affiliate with this affiliate_id in the program".into()))?;
    let campaign = match &body.campaign_id {
        Some(c) => require_campaign(ctx, &who.program_id, c).await?,
        None => affiliate.campaign.id,
    };
    let written = CouponRepo::new(&ctx.db)
        .create(&who.program_id, &body, &affiliate.id, &campaign, ctx.now, &outbox::coupon_created())
        .await?;
    webhooks::dispatch(ctx, &who.program_id, written.events).await;
    http::data(201, written.value)
}

/// `GET /v1/coupons` (filters `affiliate_id`, `campaign_id`), newest first.
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
    let (items, total) = CouponRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/coupons/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CouponId = path_id(raw_id, "coupon")?;
    let coupon = CouponRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, coupon)
}

/// `PATCH /v1/coupons/{id}`: code, campaign, Stripe promotion code, `archived`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`, `CONFLICT` (`code` or `stripe_promotion_code`).
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CouponId = path_id(raw_id, "coupon")?;
    let body: UpdateCoupon = read_json(req).await?;
    if body == UpdateCoupon::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    let campaign = match &body.campaign_id {
        Some(c) => Some(require_campaign(ctx, &who.program_id, c).await?),
        None => None,
    };
    let written = CouponRepo::new(&ctx.db)
        .update(&who.program_id, &id, &body, campaign.as_ref(), ctx.now)
        .await?
        .ok_or_else(not_found)?;
    webhooks::dispatch(ctx, &who.program_id, written.events).await;
    http::data(200, written.value)
}

/// `DELETE /v1/coupons/{id}`: only a coupon that credited no referral (archive the others).
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` when referrals name it.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CouponId = path_id(raw_id, "coupon")?;
    let result = CouponRepo::new(&ctx.db).delete(&who.program_id, &id).await?;
    deleted(result, "coupon", id.as_str())
}

fn not_found() -> ApiError {
    ApiError::NotFound("no coupon with this id".into())
}
