//! `/v1/referrals`: create (create-referral seed), list (list-referrals seed), get, update,
//! delete. Secret keys with `read:`, `write:` or `delete:referrals`.

use super::track::conflict_on_email;
use super::{page, path_id};
use crate::auth::caller;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, query_pairs, read_json, Ctx};
use crate::repo::affiliates::AffiliateRepo;
use crate::repo::campaigns::CampaignRepo;
use crate::repo::outbox::{Committed, Planned};
use crate::repo::referrals::{CustomerFields, NewReferral, ReferralRepo};
use crate::repo::{random_id_bytes, Deleted};
use crate::webhooks;
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::api::referrals::{CreateReferral, Referral, UpdateReferral};
use viatrack_core::attribution::{check_convertible, expires_at};
use viatrack_core::outbox;
use viatrack_core::{Lifecycle, ProgramId, ReferralId, Status};
use worker::{Request, Response};

/// How far in the future a backdated `created_at` may be (clock skew), in milliseconds.
const MAX_CLOCK_SKEW_MS: i64 = 5 * 60 * 1000;

/// `POST /v1/referrals`: 201 with the referral. With `click_id` it converts that click
/// ([`convert_click`]); without, it creates a referral for `affiliate_id` ([`create_new`]).
///
/// # Errors
///
/// `VALIDATION_ERROR`, `INVALID_AFFILIATE`, `NOT_FOUND` (click), `INVALID_TRANSITION`
/// (click no longer in status `click`, or expired), `CONFLICT` (email).
pub async fn create(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: CreateReferral = read_json(req).await?;
    let status = body.status.unwrap_or(Status::Lead);
    if status == Status::Click {
        return Err(ApiError::field(
            "status",
            "a referral cannot be created in status click; clicks come from the tracker",
        ));
    }
    let fields = CustomerFields {
        email: Some(body.email.clone()),
        name: body.name.clone(),
        customer_id: body.customer_id.clone(),
        subscription_id: body.subscription_id.clone(),
        metadata: body.metadata.as_ref().map(|m| m.to_json()),
    };
    let written = match &body.click_id {
        Some(click_id) => {
            let id = click_id.id().ok_or_else(|| ApiError::NotFound("no click with this click_id".into()))?;
            convert_click(ctx, &who.program_id, id.clone().into(), &body, status, &fields).await?
        }
        None => create_new(ctx, &who.program_id, &body, status, fields).await?,
    };
    webhooks::dispatch(ctx, &who.program_id, written.events).await;
    http::data(201, written.value)
}

/// Converts the click `id` to a referral in `status` with the customer `fields`: it must be
/// the program's, still a click, unexpired (core's one rule, [`check_convertible`]), and of
/// `affiliate_id` when one is given.
async fn convert_click(
    ctx: &Ctx,
    program: &ProgramId,
    id: ReferralId,
    body: &CreateReferral,
    status: Status,
    fields: &CustomerFields,
) -> ApiResult<Committed<Referral>> {
    let repo = ReferralRepo::new(&ctx.db);
    let stored =
        repo.stored(program, &id).await?.ok_or_else(|| ApiError::NotFound("no click with this click_id".into()))?;
    if body.affiliate_id.as_ref().is_some_and(|a| a.id() != Some(&stored.affiliate_id)) {
        return Err(ApiError::InvalidAffiliate("affiliate_id is not the affiliate of this click".into()));
    }
    if stored.lifecycle.status != Status::Click {
        return Err(ApiError::InvalidTransition(format!(
            "the click is already a referral in status {}",
            stored.lifecycle.status
        )));
    }
    check_convertible(stored.lifecycle.status, stored.expires_at, ctx.now)?;
    let next = stored.lifecycle.transition(status, ctx.now)?;
    let events = Planned::on(&outbox::referral_created(&stored.lifecycle, &next), id.as_str());
    repo.write(program, &id, Status::Click, &next, fields, ctx.now, &events)
        .await
        .map_err(conflict_on_email)?
        .ok_or_else(|| ApiError::InvalidTransition("the click converted meanwhile".into()))
}

/// Creates a referral without a click for `affiliate_id`, in `status`, possibly backdated
/// (`created_at`, at most [`MAX_CLOCK_SKEW_MS`] ahead), expiring after the affiliate's
/// campaign cookie duration.
async fn create_new(
    ctx: &Ctx,
    program: &ProgramId,
    body: &CreateReferral,
    status: Status,
    fields: CustomerFields,
) -> ApiResult<Committed<Referral>> {
    let affiliate_id = body
        .affiliate_id
        .as_ref()
        .ok_or_else(|| ApiError::field("affiliate_id", "is required unless click_id is given"))?;
    let affiliate = match affiliate_id.id() {
        Some(id) => AffiliateRepo::new(&ctx.db).get(program, id).await?,
        // Not in our ID format (the seed's `aff_123abc`, a UUID): no affiliate of ours.
        None => None,
    }
    .ok_or_else(|| ApiError::InvalidAffiliate("no affiliate with this affiliate_id in the program".into()))?;
    let campaign = CampaignRepo::new(&ctx.db)
        .get(program, &affiliate.campaign.id)
        .await?
        .ok_or_else(|| ApiError::Internal("affiliate's campaign is missing".into()))?;
    let created_at = body.created_at.unwrap_or(ctx.now);
    if created_at > ctx.now.plus_ms(MAX_CLOCK_SKEW_MS) {
        return Err(ApiError::field("created_at", "must not be in the future"));
    }
    let id = ReferralId::from_bytes(random_id_bytes());
    let lifecycle = Lifecycle::CLICK.transition(status, created_at)?;
    let events = Planned::on(&outbox::referral_created(&Lifecycle::CLICK, &lifecycle), id.as_str());
    let new = NewReferral {
        affiliate_id: affiliate.id,
        campaign_id: campaign.id,
        created_at,
        expires_at: expires_at(created_at, campaign.cookie_duration),
        lifecycle,
        fields,
        coupon_id: None,
    };
    ReferralRepo::new(&ctx.db).insert(program, &id, &new, ctx.now, &events).await.map_err(conflict_on_email)
}

/// `GET /v1/referrals`: a page, newest first.
///
/// # Errors
///
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn list(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = ReferralQuery::parse(query_pairs(req)?)?;
    if q.names_nothing() {
        return page(Vec::<()>::new(), 0, q.paging);
    }
    let (items, total) = ReferralRepo::new(&ctx.db).list(&who.program_id, &q).await?;
    page(items, total, q.paging)
}

/// `GET /v1/referrals/{id}`: the full referral object.
///
/// # Errors
///
/// `NOT_FOUND` (also for another program's ID).
pub async fn get(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: ReferralId = path_id(raw_id, "referral")?;
    let referral = ReferralRepo::new(&ctx.db).get(&who.program_id, &id).await?.ok_or_else(not_found)?;
    http::data(200, referral)
}

/// `PATCH /v1/referrals/{id}`: status (through the transition table) and customer fields.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `NOT_FOUND`, `INVALID_TRANSITION`, `CONFLICT` (email).
pub async fn update(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: ReferralId = path_id(raw_id, "referral")?;
    let body: UpdateReferral = read_json(req).await?;
    if body.is_empty() {
        return Err(ApiError::field("body", "no fields to update"));
    }
    let program = &who.program_id;
    let repo = ReferralRepo::new(&ctx.db);
    let stored = repo.stored(program, &id).await?.ok_or_else(not_found)?;
    let next = match body.status {
        Some(to) => stored.lifecycle.transition(to, ctx.now)?,
        None => stored.lifecycle,
    };
    let current = stored.fields;
    // Absent keeps the stored value, `null` clears it, a value replaces it. A taken email
    // is refused by the unique index (CONFLICT).
    let fields = CustomerFields {
        email: body.email.clone().or(current.email),
        name: merge(&body.name, current.name, Clone::clone),
        customer_id: merge(&body.customer_id, current.customer_id, Clone::clone),
        subscription_id: merge(&body.subscription_id, current.subscription_id, Clone::clone),
        metadata: merge(&body.metadata, current.metadata, |m| m.to_json()),
    };
    let events = Planned::on(&outbox::referral_updated(&stored.lifecycle, &next), id.as_str());
    let written = repo
        .write(program, &id, stored.lifecycle.status, &next, &fields, ctx.now, &events)
        .await
        .map_err(conflict_on_email)?
        .ok_or_else(|| ApiError::Conflict("the referral changed while updating; retry".into()))?;
    webhooks::dispatch(ctx, program, written.events).await;
    http::data(200, written.value)
}

/// `DELETE /v1/referrals/{id}`: removes a referral that has no sales and no commissions
/// (money is never deleted; reject or cancel such a referral instead).
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` when it has sales or commissions.
pub async fn delete(req: &mut Request, ctx: &Ctx, raw_id: &str) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let id: ReferralId = path_id(raw_id, "referral")?;
    match ReferralRepo::new(&ctx.db).delete(&who.program_id, &id).await? {
        Deleted::Yes => http::data(200, viatrack_core::api::Deleted::new(id.as_str())),
        Deleted::NotFound => Err(not_found()),
        Deleted::InUse(_) => Err(ApiError::Conflict(
            "this referral has sales or commissions, which are never deleted; set its status to rejected or canceled instead"
                .into(),
        )),
    }
}

/// A nullable field of a partial update: absent → `old`, `null` → cleared, a value → it.
fn merge<T, U>(new: &Option<Option<T>>, old: Option<U>, into: impl Fn(&T) -> U) -> Option<U> {
    match new {
        Some(value) => value.as_ref().map(into),
        None => old,
    }
}

fn not_found() -> ApiError {
    ApiError::NotFound("no referral with this id".into())
}
