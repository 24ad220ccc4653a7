//! `/v1/commissions`: list (filters `affiliate_id`, `status`, `referral_id`, `from`, `to`),
//! get, and `PATCH` to mark one `paid` or `voided` through core's status table. Secret keys
//! with `read:` or `write:commissions`.

use super::{page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::commissions::CommissionRepo;
use crate::webhooks;
use viatrack_core::api::commissions::{CommissionQuery, CreateCommission, SummaryQuery, UpdateCommission};
use viatrack_core::commission::CommissionStatus;
use viatrack_core::outbox;
use viatrack_core::CommissionId;
use worker::{Request, Response};

/// `GET /v1/commissions`: a page, newest first.
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = CommissionQuery::parse(query_pairs(req)?)?;
    if q.names_nothing() {
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = CommissionRepo::new(&ctx.db).list(&who.program_id, &q, ctx.now).await?;
    page(items, total, q.paging)
}

/// `GET /v1/commissions/summary`: per affiliate and currency, the commissions pending in
/// their hold, due, paid, clawed back and voided (cents), by affiliate ID then currency;
/// filters `affiliate_id`, `from`, `to` (the commissions' `created_at`).
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn summary(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = SummaryQuery::parse(query_pairs(req)?)?;
    if q.affiliate_id.as_ref().is_some_and(|a| a.id().is_none()) {
        // Not in our ID format: no affiliate of ours.
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = CommissionRepo::new(&ctx.db).summary(&who.program_id, &q, ctx.now).await?;
    page(items, total, q.paging)
}

/// `GET /v1/commissions/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CommissionId = path_id(raw_id, "commission")?;
    let c = CommissionRepo::new(&ctx.db).get(&who.program_id, &id, ctx.now).await?.ok_or_else(not_found)?;
    http::data(200, c)
}

/// `PATCH /v1/commissions/{id}` `{"status": "paid" | "voided"}`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`, `INVALID_TRANSITION` (out of `paid` or `voided`),
/// `CONFLICT` (it changed meanwhile).
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CommissionId = path_id(raw_id, "commission")?;
    let body: UpdateCommission = read_json(req).await?;
    let repo = CommissionRepo::new(&ctx.db);
    let current = repo.get(&who.program_id, &id, ctx.now).await?.ok_or_else(not_found)?;
    if let Some(payout) = current.payout_id.as_ref().filter(|_| body.status != current.status) {
        return Err(ApiError::InvalidTransition(format!(
            "the commission is in payout {payout}: pay, fail or cancel the payout instead"
        )));
    }
    let moves = current.status.transition(body.status).map_err(|e| ApiError::InvalidTransition(e.to_string()))?;
    if !moves {
        return http::data(200, current);
    }
    let events: Vec<_> = outbox::commission_moved(body.status).into_iter().collect();
    let written = repo
        .set_status(&who.program_id, &id, current.status, body.status, ctx.now, &events)
        .await?
        .ok_or_else(|| ApiError::Conflict("the commission changed meanwhile; retry".into()))?;
    webhooks::dispatch(ctx, &who.program_id, written.events).await;
    http::data(200, written.value)
}

/// `POST /v1/commissions` `{affiliate_id, amount, currency, reason}`: a manual commission (a
/// bonus), pending and due at once.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `INVALID_AFFILIATE` (not an affiliate of this program).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateCommission = read_json(req).await?;
    let invalid = || ApiError::InvalidAffiliate("no affiliate with this id in this program".into());
    let affiliate = body.affiliate_id.id().ok_or_else(invalid)?;
    AffiliateRepo::new(&ctx.db).get(&who.program_id, affiliate).await?.ok_or_else(invalid)?;
    let events: Vec<_> = outbox::commission_made().into_iter().collect();
    let written =
        CommissionRepo::new(&ctx.db).create_manual(&who.program_id, affiliate, &body, ctx.now, &events).await?;
    webhooks::dispatch(ctx, &who.program_id, written.events).await;
    http::data(201, written.value)
}

/// `DELETE /v1/commissions/{id}`: only a pending commission in no payout (a paid one is
/// never deleted; to undo one in a payout, fail or cancel the payout first).
///
/// # Errors
///
/// `NOT_FOUND`, `INVALID_TRANSITION` (paid, voided, or in a payout).
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: CommissionId = path_id(raw_id, "commission")?;
    let repo = CommissionRepo::new(&ctx.db);
    let current = repo.get(&who.program_id, &id, ctx.now).await?.ok_or_else(not_found)?;
    let refuse = |why: String| Err(ApiError::InvalidTransition(why));
    if current.status != CommissionStatus::Pending {
        return refuse(format!("a {} commission is never deleted", current.status));
    }
    if let Some(payout) = &current.payout_id {
        return refuse(format!("the commission is in payout {payout}: fail or cancel the payout first"));
    }
    if !repo.delete_pending(&who.program_id, &id).await? {
        return Err(ApiError::Conflict("the commission changed meanwhile; retry".into()));
    }
    http::data(200, viatrack_core::api::Deleted::new(id.as_str()))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no commission with this id".into())
}
