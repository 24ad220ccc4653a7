//! `/v1/payouts`: the payout run, the list (filters `affiliate_id`, `status`, `currency`,
//! `from`, `to`), one payout with its commissions, and the moves to `paid`, `failed` and
//! `canceled`. Secret keys with `read:` or `write:payouts`. Which commissions make a payout,
//! and which moves are allowed, is core's ([`viatrack_core::payout`]).

use super::{page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::payouts::PayoutRepo;
use crate::webhooks;
use viatrack_core::api::payout_export::{render, ExportError, ExportRow, MAX_EXPORT_ROWS};
use viatrack_core::api::payouts::{ExportQuery, PayPayout, PayoutQuery, RunPayouts};
use viatrack_core::outbox;
use viatrack_core::payout::PayoutStatus;
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
    let (run, events) = crate::payouts::run(&ctx.db, &who.program_id, cutoff, ctx.now).await?;
    webhooks::dispatch(ctx, &who.program_id, events).await;
    http::data(200, run)
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

/// `GET /v1/payouts/export?format=paypal|wise|csv&status=…&currency=…`: the payouts (default
/// `pending`) as the file PayPal's Payouts upload or Wise's batch payments take, or a plain
/// CSV ([`viatrack_core::api::payout_export`]), as a download.
///
/// # Errors
///
/// `VALIDATION_ERROR` (no or unknown `format`; a PayPal file of several currencies without
/// `currency`; more than 5,000 payouts).
pub async fn export(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ExportQuery::parse(query_pairs(req)?)?;
    let found = PayoutRepo::new(&ctx.db).for_export(&who.program_id, &q, MAX_EXPORT_ROWS + 1).await?;
    if found.len() > MAX_EXPORT_ROWS {
        return Err(ApiError::field(
            "status",
            format!("more than {MAX_EXPORT_ROWS} payouts: narrow by status or currency"),
        ));
    }
    let rows: Vec<ExportRow<'_>> = found
        .iter()
        .map(|e| ExportRow { payout: &e.payout, recipient: &e.recipient, name: e.name.as_deref() })
        .collect();
    let file = render(q.format, &rows).map_err(|e| match e {
        ExportError::SeveralCurrencies(_) => ApiError::field("currency", e.to_string()),
        ExportError::Csv(m) => ApiError::Internal(m),
    })?;
    let mut resp = Response::from_bytes(file.into_bytes())?;
    let headers = resp.headers_mut();
    headers.set("Content-Type", "text/csv; charset=utf-8")?;
    headers
        .set("Content-Disposition", &format!("attachment; filename=\"viatrack-payouts-{}.csv\"", q.format.as_str()))?;
    Ok(resp)
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

/// `POST /v1/payouts/{id}/process`: its payment is on its way (a PayPal or Wise batch was
/// uploaded); it can then be paid, failed or canceled.
///
/// # Errors
///
/// `NOT_FOUND`, `INVALID_TRANSITION` (a paid, failed or canceled payout), `CONFLICT`.
pub async fn process(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: PayoutId = path_id(raw_id, "payout")?;
    move_to(ctx, &who.program_id, &id, PayoutStatus::Processing, None).await
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
