//! `/v1/payouts`: the payout run, the list (filters `affiliate_id`, `status`, `currency`,
//! `from`, `to`), one payout with its commissions, and the moves to `paid`, `failed` and
//! `canceled`. Secret keys with `read:` or `write:payouts`. Which commissions make a payout,
//! and which moves are allowed, is core's ([`viatrack_core::payout`]).

use super::{page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::payouts::{NewPayout, PayoutRepo};
use crate::webhooks;
use std::collections::HashMap;
use viatrack_core::api::payouts::{CarriedBalance, PayPayout, PayoutQuery, PayoutRun, RunPayouts};
use viatrack_core::commission::CommissionStatus;
use viatrack_core::outbox;
use viatrack_core::payout::{self, Candidate, PayoutStatus};
use viatrack_core::PayoutId;
use worker::{Request, Response};

/// `POST /v1/payouts/run` `{"due_before"?}`: makes every payout due at `due_before` (default
/// now), one D1 batch each; a payout whose commissions another run took meanwhile is not
/// made, so running twice, or two runs at once, pays nothing twice.
///
/// # Errors
///
/// `VALIDATION_ERROR` (`due_before` in the future), `PERMISSION_DENIED` (needs
/// `write:payouts`).
pub async fn run(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: RunPayouts = read_json(req).await?;
    let cutoff = body.due_before.unwrap_or(ctx.now);
    if cutoff > ctx.now {
        return Err(ApiError::field("due_before", "must not be in the future: a payout holds only commissions due"));
    }
    let program = &who.program_id;
    let repo = PayoutRepo::new(&ctx.db);
    let payable = repo.payable(program, cutoff).await?;
    let minimums: HashMap<_, _> =
        repo.minimums(program).await?.into_iter().map(|m| (m.affiliate_id, m.minimum_payout)).collect();
    let candidates: Vec<Candidate<'_>> = payable
        .iter()
        .map(|c| Candidate {
            id: &c.id,
            affiliate_id: &c.affiliate_id,
            currency: &c.currency,
            amount: c.amount,
            status: CommissionStatus::Pending,
            due_at: c.due_at,
            in_live_payout: false,
        })
        .collect();
    let plan = payout::plan(&candidates, |a| minimums.get(a).copied().unwrap_or(0), cutoff);
    let mut made = Vec::with_capacity(plan.payouts.len());
    let mut events = Vec::new();
    for planned in &plan.payouts {
        let new = NewPayout {
            affiliate_id: planned.affiliate_id,
            currency: planned.currency,
            amount: planned.amount,
            commissions: &planned.commissions,
            due_before: cutoff,
        };
        if let Some(written) = repo.create(program, &new, ctx.now, &outbox::payout_created()).await? {
            events.extend(written.events);
            made.push(written.value);
        }
    }
    webhooks::dispatch(ctx, program, events).await;
    let carried = plan
        .carried
        .iter()
        .map(|c| CarriedBalance {
            affiliate_id: c.affiliate_id.clone(),
            currency: c.currency.clone(),
            amount: c.amount,
            reason: c.reason,
        })
        .collect();
    http::data(200, PayoutRun { payouts: made, carried })
}

/// `GET /v1/payouts`: a page, newest first (without their commissions).
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = PayoutQuery::parse(query_pairs(req)?)?;
    if q.names_nothing() {
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = PayoutRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/payouts/{id}`, with its commissions.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: PayoutId = path_id(raw_id, "payout")?;
    let p = PayoutRepo::new(&ctx.db).get(&who.program_id, &id, ctx.now).await?.ok_or_else(not_found)?;
    http::data(200, p)
}

/// `POST /v1/payouts/{id}/pay` `{"reference"?}`: it was paid; its commissions are marked
/// paid with it. Again on a paid payout: answers it as it is.
///
/// # Errors
///
/// `NOT_FOUND`, `INVALID_TRANSITION` (a failed or canceled payout), `CONFLICT` (it changed
/// meanwhile).
pub async fn pay(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: PayoutId = path_id(raw_id, "payout")?;
    let body: PayPayout = read_json(req).await?;
    move_to(ctx, &who.program_id, &id, PayoutStatus::Paid, body.reference.as_ref()).await
}

/// `POST /v1/payouts/{id}/fail`: the payment failed; its commissions go to the next run.
///
/// # Errors
///
/// `NOT_FOUND`, `INVALID_TRANSITION` (a paid or canceled payout), `CONFLICT`.
pub async fn fail(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: PayoutId = path_id(raw_id, "payout")?;
    move_to(ctx, &who.program_id, &id, PayoutStatus::Failed, None).await
}

/// `POST /v1/payouts/{id}/cancel`: it will not be paid; its commissions go to the next run.
///
/// # Errors
///
/// `NOT_FOUND`, `INVALID_TRANSITION` (a paid or failed payout), `CONFLICT`.
pub async fn cancel(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: PayoutId = path_id(raw_id, "payout")?;
    move_to(ctx, &who.program_id, &id, PayoutStatus::Canceled, None).await
}

async fn move_to(
    ctx: &Ctx,
    program: &viatrack_core::ProgramId,
    id: &PayoutId,
    to: PayoutStatus,
    reference: Option<&viatrack_core::api::fields::ExternalId>,
) -> ApiResult<Response> {
    let repo = PayoutRepo::new(&ctx.db);
    let current = repo.get(program, id, ctx.now).await?.ok_or_else(not_found)?;
    let moves = current.status.transition(to).map_err(|e| ApiError::InvalidTransition(e.to_string()))?;
    if !moves {
        return http::data(200, current);
    }
    let written = repo
        .set_status(program, id, current.status, to, reference, ctx.now, &outbox::payout_moved(to))
        .await?
        .ok_or_else(|| ApiError::Conflict("the payout changed meanwhile; retry".into()))?;
    webhooks::dispatch(ctx, program, written.events).await;
    http::data(200, written.value)
}

fn not_found() -> ApiError {
    ApiError::NotFound("no payout with this id".into())
}
