//! Matches method and path to a named handler. Unknown paths answer 404 `NOT_FOUND`, known
//! paths with another method 405 `METHOD_NOT_ALLOWED`, all as JSON. Tracking routes get CORS
//! headers for the calling origin (unless the origin itself was refused).
//!
//! Everything is also served under [`FIRST_PARTY_PREFIX`] (`/_viatrack/…`), for a Workers
//! route on the merchant's own zone (`shop.example.com/_viatrack/*`): `/_viatrack/v1/…` is
//! the API and any other `/_viatrack/…` path is a static asset (`/_viatrack/viatrack.js`,
//! the loader, which then reports to `/_viatrack/v1/…` by default).

use crate::error::{ApiError, ApiResult};
use crate::http::{self, Ctx};
use crate::routes::{affiliates, campaigns, commissions, keys, links, referrals, stats, stripe, track, webhooks};
use crate::versions;
use worker::{Context, Env, Method, Request, Response};

/// Serves one request.
///
/// # Errors
///
/// Only when the runtime cannot build a response; every request failure is a JSON answer.
pub async fn handle(mut req: Request, env: Env, wctx: Context) -> worker::Result<Response> {
    let ctx = Ctx::new(&req, &env, wctx)?;
    let path = req.path();
    let mut segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.first() == Some(&FIRST_PARTY_PREFIX) {
        segments.remove(0);
        // The OpenAPI document is a static asset under /v1 too.
        if !matches!(segments.as_slice(), ["v1", ..] | ["healthz"]) || segments == ["v1", "openapi.json"] {
            return asset(&req, &env, &segments).await;
        }
    }
    let tracking = matches!(segments.as_slice(), ["v1", "track", ..]);
    let result = match idempotent_key(&req, &segments) {
        Ok(Some(key)) => {
            let segments = &segments;
            let ctx_ref = &ctx;
            crate::idempotency::run(&mut req, &ctx, &key, |mut again| async move {
                route(&mut again, ctx_ref, segments).await
            })
            .await
        }
        Ok(None) => conditional(&mut req, &ctx, &segments).await,
        Err(e) => Err(e),
    };
    let resource = versions::is_resource(&segments) && matches!(req.method(), Method::Get | Method::Patch);
    let origin_refused = matches!(result, Err(ApiError::OriginNotAllowed));
    let resp = match result {
        Ok(resp) if resource => versions::with_tag(resp).await?,
        Ok(resp) => resp,
        Err(e) => e.into_response()?,
    };
    match (&ctx.origin, tracking && !origin_refused) {
        (Some(origin), true) => http::allow_origin(resp, origin),
        _ => Ok(resp),
    }
}

/// A `PATCH` of one resource with `If-Match` runs only if the tag is the resource's current
/// one ([`versions`]); every other request runs as it is.
async fn conditional(req: &mut Request, ctx: &Ctx, segments: &[&str]) -> ApiResult<Response> {
    if req.method() == Method::Patch && versions::is_resource(segments) {
        if let Some(wanted) = versions::if_match(req)? {
            let mut current = route(&mut versions::current_request(req)?, ctx, segments).await?;
            let body = current.text().await?;
            versions::check(&wanted, &versions::tag(&body))?;
        }
    }
    route(req, ctx, segments).await
}

/// The `Idempotency-Key` of a POST that a key authenticates (every POST but Stripe's
/// webhook, which Stripe's own event IDs make idempotent).
fn idempotent_key(req: &Request, segments: &[&str]) -> ApiResult<Option<String>> {
    if req.method() != Method::Post || matches!(segments, ["v1", "stripe", "webhook", _]) {
        return Ok(None);
    }
    crate::idempotency::key_of(req)
}

/// The path prefix of a first-party Workers route (`shop.example.com/_viatrack/*`).
pub const FIRST_PARTY_PREFIX: &str = "_viatrack";

/// A static asset (the loader, the tracker's wasm) under the first-party prefix.
async fn asset(req: &Request, env: &Env, segments: &[&str]) -> worker::Result<Response> {
    let mut url = req.url()?;
    url.set_path(&segments.join("/"));
    url.set_query(None);
    env.assets("ASSETS")?.fetch(url.to_string(), None).await
}

async fn route(req: &mut Request, ctx: &Ctx, segments: &[&str]) -> ApiResult<Response> {
    use Method::*;
    let method = req.method();
    match (method, segments) {
        (Get | Head, ["healthz"]) => http::json(200, &serde_json::json!({"ok": true})),
        (Options, ["v1", "track", "click" | "lead" | "referral"]) => track::preflight(ctx).await,
        (Head, ["v1", "track", "click"]) => track::head(),
        (Post, ["v1", "track", "click"]) => track::click(req, ctx).await,
        (Post, ["v1", "track", "lead"]) => track::lead(req, ctx).await,
        (Get, ["v1", "track", "referral"]) => track::referral(req, ctx).await,
        (Post, ["v1", "track", "sale"]) => track::sale(req, ctx).await,
        (Post, ["v1", "track", "refund"]) => track::refund(req, ctx).await,

        (Get, ["v1", "commissions"]) => commissions::list(req, ctx).await,
        (Get, ["v1", "commissions", id]) => commissions::get(req, ctx, id).await,
        (Patch, ["v1", "commissions", id]) => commissions::update(req, ctx, id).await,

        (Post, ["v1", "integrations", "stripe"]) => stripe::connect(req, ctx).await,

        (Get, ["v1", "stats"]) => stats::get(req, ctx).await,

        (Post, ["v1", "webhook_endpoints"]) => webhooks::create(req, ctx).await,
        (Get, ["v1", "webhook_endpoints"]) => webhooks::list(req, ctx).await,
        (Get, ["v1", "webhook_endpoints", id]) => webhooks::get(req, ctx, id).await,
        (Patch, ["v1", "webhook_endpoints", id]) => webhooks::update(req, ctx, id).await,
        (Delete, ["v1", "webhook_endpoints", id]) => webhooks::delete(req, ctx, id).await,
        (Post, ["v1", "webhook_endpoints", id, "rotate_secret"]) => webhooks::rotate(req, ctx, id).await,
        (Get, ["v1", "webhook_endpoints", id, "deliveries"]) => webhooks::deliveries(req, ctx, id).await,
        (Post, ["v1", "webhook_endpoints", id, "deliveries", delivery, "retry"]) => {
            webhooks::retry(req, ctx, id, delivery).await
        }
        (Post, ["v1", "stripe", "webhook", program]) => stripe::webhook(req, ctx, program).await,

        (Post, ["v1", "referrals"]) => referrals::create(req, ctx).await,
        (Get, ["v1", "referrals"]) => referrals::list(req, ctx).await,
        (Get, ["v1", "referrals", id]) => referrals::get(req, ctx, id).await,
        (Patch, ["v1", "referrals", id]) => referrals::update(req, ctx, id).await,
        (Delete, ["v1", "referrals", id]) => referrals::delete(req, ctx, id).await,

        (Post, ["v1", "campaigns"]) => campaigns::create(req, ctx).await,
        (Get, ["v1", "campaigns"]) => campaigns::list(req, ctx).await,
        (Get, ["v1", "campaigns", id]) => campaigns::get(req, ctx, id).await,
        (Patch, ["v1", "campaigns", id]) => campaigns::update(req, ctx, id).await,
        (Delete, ["v1", "campaigns", id]) => campaigns::delete(req, ctx, id).await,

        (Post, ["v1", "affiliates"]) => affiliates::create(req, ctx).await,
        (Get, ["v1", "affiliates"]) => affiliates::list(req, ctx).await,
        (Get, ["v1", "affiliates", id]) => affiliates::get(req, ctx, id).await,
        (Patch, ["v1", "affiliates", id]) => affiliates::update(req, ctx, id).await,
        (Delete, ["v1", "affiliates", id]) => affiliates::delete(req, ctx, id).await,

        (Post, ["v1", "links"]) => links::create(req, ctx).await,
        (Get, ["v1", "links"]) => links::list(req, ctx).await,
        (Get, ["v1", "links", id]) => links::get(req, ctx, id).await,
        (Patch, ["v1", "links", id]) => links::update(req, ctx, id).await,
        (Delete, ["v1", "links", id]) => links::delete(req, ctx, id).await,

        (Post, ["v1", "api_keys"]) => keys::create(req, ctx).await,
        (Get, ["v1", "api_keys"]) => keys::list(req, ctx).await,
        (Get, ["v1", "api_keys", id]) => keys::get(req, ctx, id).await,
        (Delete, ["v1", "api_keys", id]) => keys::delete(req, ctx, id).await,

        (_, path) if is_known(path) => Err(ApiError::MethodNotAllowed),
        _ => Err(ApiError::NotFound("no such route".into())),
    }
}

/// Whether some method serves this path.
fn is_known(segments: &[&str]) -> bool {
    matches!(
        segments,
        ["healthz"]
            | ["v1", "track", "click" | "lead" | "sale" | "referral" | "refund"]
            | ["v1", "commissions"]
            | ["v1", "commissions", _]
            | ["v1", "integrations", "stripe"]
            | ["v1", "stats"]
            | ["v1", "stripe", "webhook", _]
            | ["v1", "webhook_endpoints"]
            | ["v1", "webhook_endpoints", _]
            | ["v1", "webhook_endpoints", _, "rotate_secret" | "deliveries"]
            | ["v1", "webhook_endpoints", _, "deliveries", _, "retry"]
            | ["v1", "referrals" | "campaigns" | "affiliates" | "links" | "api_keys"]
            | ["v1", "referrals" | "campaigns" | "affiliates" | "links" | "api_keys", _]
    )
}
