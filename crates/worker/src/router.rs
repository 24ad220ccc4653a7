//! Serves each request through the table of operations ([`viatrack_core::api::operations`]):
//! method and path name an operation there, and an exhaustive `match` on its ID names the
//! handler (adding an endpoint: one row in the table, one handler, one arm here). Unknown
//! paths answer 404 `NOT_FOUND`, known paths with another method 405 `METHOD_NOT_ALLOWED`,
//! all as JSON; who may call the operation comes from its row ([`crate::auth::caller`]). Tracking routes get CORS
//! headers for the calling origin (unless the origin itself was refused).
//!
//! Everything is also served under [`FIRST_PARTY_PREFIX`] (`/_viatrack/…`), for a Workers
//! route on the merchant's own zone (`shop.example.com/_viatrack/*`): `/_viatrack/v1/…` is
//! the API and any other `/_viatrack/…` path is a static asset (`/_viatrack/viatrack.js`,
//! the loader, which then reports to `/_viatrack/v1/…` by default), and `/_viatrack/mcp` is
//! the MCP endpoint ([`crate::mcp`]).

use crate::error::{ApiError, ApiResult};
use crate::http::{self, Ctx};
use crate::routes::{
    affiliates, campaigns, commissions, coupons, keys, links, payouts, referrals, stats, stripe, track, webhooks,
};
use crate::versions;
use viatrack_core::api::operations::{self, HttpMethod, OperationId, Route};
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
        if !matches!(segments.as_slice(), ["v1", ..] | ["healthz"] | ["mcp"]) || segments == ["v1", "openapi.json"] {
            return asset(&req, &env, &segments).await;
        }
    }
    let tracking = matches!(segments.as_slice(), ["v1", "track", ..]);
    let result = serve(&mut req, &ctx, &segments).await;
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

/// Runs the operation `segments` name: a POST with an `Idempotency-Key` once per key
/// ([`crate::idempotency`]), a `PATCH` with `If-Match` only on the current version
/// ([`conditional`]), anything else as it is. The MCP tools' REST requests run through here
/// too ([`crate::mcp`]).
pub(crate) async fn serve(req: &mut Request, ctx: &Ctx, segments: &[&str]) -> ApiResult<Response> {
    match idempotent_key(req, segments)? {
        Some(key) => {
            crate::idempotency::run(req, ctx, &key, |mut again| async move { route(&mut again, ctx, segments).await })
                .await
        }
        None => conditional(req, ctx, segments).await,
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
/// webhook, which Stripe's own event IDs make idempotent, and the MCP endpoint, whose
/// JSON-RPC IDs name its requests).
fn idempotent_key(req: &Request, segments: &[&str]) -> ApiResult<Option<String>> {
    if req.method() != Method::Post || matches!(segments, ["v1", "stripe", "webhook", _] | ["mcp"]) {
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

/// The request's method as the table of operations names it.
fn method_of(req: &Request) -> HttpMethod {
    match req.method() {
        Method::Get => HttpMethod::Get,
        Method::Head => HttpMethod::Head,
        Method::Post => HttpMethod::Post,
        Method::Patch => HttpMethod::Patch,
        Method::Delete => HttpMethod::Delete,
        Method::Options => HttpMethod::Options,
        _ => HttpMethod::Other,
    }
}

/// Finds the operation in the table ([`operations::route`]: 404 for an unknown path, 405 for
/// a known path with another method), records who may call it ([`Ctx::caller`], checked by
/// the handler's [`crate::auth::caller`]) and runs its handler.
async fn route(req: &mut Request, ctx: &Ctx, segments: &[&str]) -> ApiResult<Response> {
    let (op, params) = match operations::route(method_of(req), segments) {
        Route::Found(op, params) => (op, params),
        Route::MethodNotAllowed => return Err(ApiError::MethodNotAllowed),
        Route::NotFound => return Err(ApiError::NotFound("no such route".into())),
    };
    ctx.caller.set(op.caller);
    let p = |i: usize| params.get(i).copied().unwrap_or_default();
    use OperationId::*;
    // One arm per operation, and the compiler checks that every operation has one.
    match op.id {
        Health | HealthHead => http::json(200, &serde_json::json!({"ok": true})),
        PreflightTrackClick | PreflightTrackLead | PreflightTrackReferral => track::preflight(ctx).await,
        CheckTrackClick => track::head(),
        TrackClick => track::click(req, ctx).await,
        TrackLead => track::lead(req, ctx).await,
        TrackReferral => track::referral(req, ctx).await,
        TrackSale => track::sale(req, ctx).await,
        TrackRefund => track::refund(req, ctx).await,

        CreateCommission => commissions::create(req, ctx).await,
        ListCommissions => commissions::list(req, ctx).await,
        DeleteCommission => commissions::delete(req, ctx, p(0)).await,
        SummarizeCommissions => commissions::summary(req, ctx).await,
        GetCommission => commissions::get(req, ctx, p(0)).await,
        UpdateCommission => commissions::update(req, ctx, p(0)).await,
        RunPayouts => payouts::run(req, ctx).await,
        ListPayouts => payouts::list(req, ctx).await,
        ExportPayouts => payouts::export(req, ctx).await,
        GetPayout => payouts::get(req, ctx, p(0)).await,
        ProcessPayout => payouts::process(req, ctx, p(0)).await,
        PayPayout => payouts::pay(req, ctx, p(0)).await,
        FailPayout => payouts::fail(req, ctx, p(0)).await,
        CancelPayout => payouts::cancel(req, ctx, p(0)).await,

        ConnectStripe => stripe::connect(req, ctx).await,
        StripeWebhook => stripe::webhook(req, ctx, p(0)).await,

        GetStats => stats::get(req, ctx).await,
        TopAffiliates => stats::top(req, ctx).await,

        CreateWebhookEndpoint => webhooks::create(req, ctx).await,
        ListWebhookEndpoints => webhooks::list(req, ctx).await,
        GetWebhookEndpoint => webhooks::get(req, ctx, p(0)).await,
        UpdateWebhookEndpoint => webhooks::update(req, ctx, p(0)).await,
        DeleteWebhookEndpoint => webhooks::delete(req, ctx, p(0)).await,
        RotateWebhookSecret => webhooks::rotate(req, ctx, p(0)).await,
        ListWebhookDeliveries => webhooks::deliveries(req, ctx, p(0)).await,
        RetryWebhookDelivery => webhooks::retry(req, ctx, p(0), p(1)).await,

        CreateReferral => referrals::create(req, ctx).await,
        ListReferrals => referrals::list(req, ctx).await,
        GetReferral => referrals::get(req, ctx, p(0)).await,
        UpdateReferral => referrals::update(req, ctx, p(0)).await,
        DeleteReferral => referrals::delete(req, ctx, p(0)).await,

        CreateCampaign => campaigns::create(req, ctx).await,
        ListCampaigns => campaigns::list(req, ctx).await,
        GetCampaign => campaigns::get(req, ctx, p(0)).await,
        UpdateCampaign => campaigns::update(req, ctx, p(0)).await,
        DeleteCampaign => campaigns::delete(req, ctx, p(0)).await,

        CreateAffiliate => affiliates::create(req, ctx).await,
        ListAffiliates => affiliates::list(req, ctx).await,
        GetAffiliate => affiliates::get(req, ctx, p(0)).await,
        UpdateAffiliate => affiliates::update(req, ctx, p(0)).await,
        DeleteAffiliate => affiliates::delete(req, ctx, p(0)).await,

        CreateLink => links::create(req, ctx).await,
        ListLinks => links::list(req, ctx).await,
        GetLink => links::get(req, ctx, p(0)).await,
        UpdateLink => links::update(req, ctx, p(0)).await,
        DeleteLink => links::delete(req, ctx, p(0)).await,
        CreateCoupon => coupons::create(req, ctx).await,
        ListCoupons => coupons::list(req, ctx).await,
        GetCoupon => coupons::get(req, ctx, p(0)).await,
        UpdateCoupon => coupons::update(req, ctx, p(0)).await,
        DeleteCoupon => coupons::delete(req, ctx, p(0)).await,

        CreateApiKey => keys::create(req, ctx).await,
        ListApiKeys => keys::list(req, ctx).await,
        GetApiKey => keys::get(req, ctx, p(0)).await,
        RevokeApiKey => keys::delete(req, ctx, p(0)).await,

        Mcp => crate::mcp::serve(req, ctx).await,
    }
}
