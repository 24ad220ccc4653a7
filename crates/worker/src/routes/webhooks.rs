//! `/v1/webhook_endpoints`: create (the secret shown once), list, get, `PATCH` (url, events,
//! enabled), `DELETE`, `POST …/rotate_secret` (the old secret keeps signing for 24 h; a second
//! rotation within them keeps the original secret's 24 h),
//! `GET …/deliveries` (every attempt) and `POST …/deliveries/{id}/retry` (the same event and
//! `webhook-id` again). Secret keys with `read:`, `write:` or `delete:webhooks`.

use super::{page, path_id};
use crate::auth::{caller, Principal};
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::webhooks::{Job, WebhookRepo};
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::scopes::{Access, Scope};
use viatrack_core::api::webhook_endpoints::{
    CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookEndpoint, WithSecret,
};
use viatrack_core::webhooks::{new_secret, unreadable_event, EventType};
use viatrack_core::{DeliveryId, ProgramId, WebhookEndpointId};
use worker::{Request, Response};

/// How long a rotated-out secret keeps signing, in milliseconds (24 h).
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// The URL an endpoint may have ([`crate::webhooks::endpoint_url`], with this request's
/// origin as the Worker itself), as the URL parser serialises it.
fn allowed_url(ctx: &Ctx, raw: &str) -> ApiResult<String> {
    crate::webhooks::endpoint_url(&ctx.env, raw, &ctx.self_origin)
        .map(String::from)
        .map_err(|e| ApiError::field("url", e.to_string()))
}

/// Refuses events whose data the key may not read ([`unreadable_event`]).
fn readable(who: &Principal, events: &[EventType]) -> ApiResult<()> {
    match unreadable_event(events, &who.scopes) {
        None => Ok(()),
        Some(event) => {
            let scope = Scope { access: Access::Read, resource: event.resource() };
            Err(ApiError::PermissionDenied(format!("subscribing to {event} needs the {scope} scope")))
        }
    }
}

/// A fresh secret: `whsec_` + base64 of 32 random bytes, and its sealed form.
fn fresh_secret(ctx: &Ctx, program: &ProgramId) -> ApiResult<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let secret = new_secret(&bytes);
    let sealed = crypto::seal(&ctx.env, program, &secret)?;
    Ok((secret, sealed))
}

/// `POST /v1/webhook_endpoints`: 201 with the endpoint and its secret (shown once).
///
/// # Errors
///
/// `VALIDATION_ERROR` (a refused URL, unknown event types), `PERMISSION_DENIED`.
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateWebhookEndpoint = read_json(req).await?;
    readable(&who, body.events.as_slice())?;
    let url = allowed_url(ctx, body.url.as_str())?;
    let (secret, sealed) = fresh_secret(ctx, &who.program_id)?;
    let id = WebhookEndpointId::from_bytes(crate::repo::random_id_bytes());
    let repo = WebhookRepo::new(&ctx.db);
    repo.create(&who.program_id, &id, &url, &body.events, &sealed, ctx.now).await?;
    let endpoint = repo.get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(201, WithSecret { endpoint, secret, previous_secret_expires_at: None })
}

/// `GET /v1/webhook_endpoints`.
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &[])?;
    let (items, total) = WebhookRepo::new(&ctx.db).list(&who.program_id, q.paging).await?;
    page(items, total, q.paging)
}

/// `GET /v1/webhook_endpoints/{id}`.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    http::data(200, endpoint(ctx, &who.program_id, raw_id).await?)
}

async fn endpoint(ctx: &Ctx, program: &ProgramId, raw_id: &str) -> ApiResult<WebhookEndpoint> {
    let id: WebhookEndpointId = path_id(raw_id, "webhook endpoint")?;
    WebhookRepo::new(&ctx.db).get(program, &id).await?.ok_or_else(not_found)
}

/// `PATCH /v1/webhook_endpoints/{id}`: `url`, `events`, `enabled`.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`.
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let current = endpoint(ctx, &who.program_id, raw_id).await?;
    let body: UpdateWebhookEndpoint = read_json(req).await?;
    if body == UpdateWebhookEndpoint::default() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    if let Some(events) = &body.events {
        readable(&who, events.as_slice())?;
    }
    let url = body.url.as_ref().map(|u| allowed_url(ctx, u.as_str())).transpose()?;
    let repo = WebhookRepo::new(&ctx.db);
    repo.update(&who.program_id, &current, url.as_deref(), body.events.as_ref(), body.enabled, ctx.now).await?;
    http::data(200, repo.get(&who.program_id, &current.id).await?.ok_or_else(not_found)?)
}

/// `DELETE /v1/webhook_endpoints/{id}`: the endpoint, its pending events and its log.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: WebhookEndpointId = path_id(raw_id, "webhook endpoint")?;
    if !WebhookRepo::new(&ctx.db).delete(&who.program_id, &id).await? {
        return Err(not_found());
    }
    http::data(200, viatrack_core::api::Deleted::new(id.as_str()))
}

/// `POST /v1/webhook_endpoints/{id}/rotate_secret`: a new secret (shown once); the previous one
/// also signs for 24 h, so receivers can switch without losing an event.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn rotate(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let current = endpoint(ctx, &who.program_id, raw_id).await?;
    let (secret, sealed) = fresh_secret(ctx, &who.program_id)?;
    let until = ctx.now.plus_ms(ROTATION_OVERLAP_MS);
    let repo = WebhookRepo::new(&ctx.db);
    let Some(until) = repo.rotate(&who.program_id, &current.id, &sealed, until, ctx.now).await? else {
        return Err(not_found());
    };
    let endpoint = repo.get(&who.program_id, &current.id).await?.ok_or_else(not_found)?;
    http::data(200, WithSecret { endpoint, secret, previous_secret_expires_at: Some(until) })
}

/// `GET /v1/webhook_endpoints/{id}/deliveries`: every attempt, newest first.
///
/// # Errors
///
/// `NOT_FOUND`, `VALIDATION_ERROR` naming the query parameter.
pub async fn deliveries(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let current = endpoint(ctx, &who.program_id, raw_id).await?;
    let q = ResourceQuery::parse(query_pairs(req)?, &[])?;
    let (items, total) = WebhookRepo::new(&ctx.db).deliveries(&who.program_id, &current.id, q.paging).await?;
    page(items, total, q.paging)
}

/// `POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry`: sends that delivery's
/// event again, with the same `webhook-id` and body; 202, and the attempt appears in the log.
///
/// # Errors
///
/// `NOT_FOUND`.
pub async fn retry(req: &mut Request, ctx: &Ctx, raw_id: &str, raw_delivery: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let current = endpoint(ctx, &who.program_id, raw_id).await?;
    let delivery: DeliveryId = path_id(raw_delivery, "delivery")?;
    let event_id = WebhookRepo::new(&ctx.db)
        .reopen(&who.program_id, &current.id, &delivery, ctx.now)
        .await?
        .ok_or_else(|| ApiError::NotFound("no delivery with this id on this endpoint".into()))?;
    crate::webhooks::requeue(&ctx.env, &Job { endpoint_id: current.id, event_id: event_id.clone() }).await?;
    http::data(202, viatrack_core::api::webhook_endpoints::RetryQueued { event_id, queued: true })
}

fn not_found() -> ApiError {
    ApiError::NotFound("no webhook endpoint with this id".into())
}
