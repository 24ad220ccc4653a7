//! The tracking endpoints: `POST /v1/track/click`, `POST /v1/track/lead` and
//! `GET /v1/track/referral` (called by the browser tracker with the publishable key; CORS
//! limited to the campaign's allowed hostnames) and `POST /v1/track/sale` (the merchant's
//! server, secret key).
//!
//! When the page is on the same site as the request (the Worker serves the merchant's own
//! site, e.g. through a `shop.example.com/_viatrack/*` route), the click answer also sets the
//! `HttpOnly` referral cookie ([`viatrack_core::cookie`]): the lead endpoint takes the click
//! from it when the page sends none, and `GET /v1/track/referral` gives its referral back to
//! a page whose own cookie was deleted (WebKit's 7-day cap on script-written cookies).

use crate::auth::caller;
use crate::bots;
use crate::cache;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, read_json, Ctx};
use crate::limits;
use crate::repo::campaigns::CampaignRepo;
use crate::repo::commissions::CommissionRepo;
use crate::repo::links::{LinkRepo, LinkTarget};
use crate::repo::outbox::Planned;
use crate::repo::referrals::{CustomerFields, ReferralRepo};
use crate::repo::{random_id_bytes, Constraint, StoreError};
use crate::sales::{self, Payment};
use crate::webhooks;
use viatrack_core::api::commissions::{RefundRequest, RefundResponse};
use viatrack_core::api::fields::{cookie_domain, Email};
use viatrack_core::api::scopes::KeyKind;
use viatrack_core::api::tracking::{
    decide_lead, ClickReport, ClickResponse, HeldReferral, LeadDecision, LeadReferral, LeadRequest, SaleRequest,
    SaleResponse,
};
use viatrack_core::api::{Notice, NoticeCode, Tracked};
use viatrack_core::attribution::{expires_at, ClickExpired};
use viatrack_core::cookie::{
    after_click, held_in, marker_cookie_line, server_cookie_line, AfterClick, ReferralCookie, REFERRAL_COOKIE,
};
use viatrack_core::outbox;
use viatrack_core::payment::{self, Hints, Lookup, Named, Source};
use viatrack_core::{ClickId, ProgramId, ReferralId, ReportId, Status, ViaToken};
use worker::{Request, Response};

/// `OPTIONS` preflight: allowed when some campaign lists the origin's host.
///
/// # Errors
///
/// 403 without CORS headers for an origin no campaign allows.
pub async fn preflight(ctx: &Ctx) -> ApiResult<Response> {
    let (Some(origin), Some(host)) = (ctx.origin.as_deref(), ctx.origin_host()) else {
        return Err(ApiError::OriginNotAllowed);
    };
    if CampaignRepo::new(&ctx.db).any_allows_host(&host).await? {
        Ok(http::preflight(origin)?)
    } else {
        Err(ApiError::OriginNotAllowed)
    }
}

/// `HEAD /v1/track/click` (link checkers): 200, nothing recorded.
///
/// # Errors
///
/// Never in practice.
pub fn head() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(200))
}

/// `POST /v1/track/click`: records a visit through an affiliate link, once per report ID
/// (a replayed report gets the same click back and counts no visit).
///
/// From a page on the same site, the answer also sets the `HttpOnly` referral cookie, unless
/// the visitor's cookie keeps an earlier referral by the attribution rule
/// ([`viatrack_core::attribution::credit`]); the answer then names that one as `held`.
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (key or origin), `VALIDATION_ERROR`, `NOT_FOUND`
/// (no link with this token).
pub async fn click(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    if bots::is_bot(req.headers().get("User-Agent")?.as_deref()) {
        return nothing(NoticeCode::Bot, "known bot or link preview; nothing recorded");
    }
    let who = caller(req, ctx).await?;
    let report: ClickReport = read_json(req).await?;
    let target = link_target(ctx, &who.program_id, &report.token)
        .await?
        .ok_or_else(|| ApiError::NotFound("no link with this token".into()))?;
    who.check_origin(ctx, &target.allowed_hostnames)?;
    if who.kind == KeyKind::Publishable {
        limits::click(ctx, &who.program_id, &report.token).await?;
    }
    let duration = target.cookie_duration;
    let new_id = ClickId::from_bytes(random_id_bytes());
    let report_id = report.report_id.clone().unwrap_or_else(|| ReportId::from_bytes(random_id_bytes()));
    let row = ReferralRepo::new(&ctx.db)
        .record_click(&who.program_id, &target, &report, &report_id, &new_id, ctx.now, expires_at(ctx.now, duration))
        .await?;
    let expires = row.expires_at;
    let mut answer = ClickResponse {
        click_id: row.id,
        affiliate_id: target.affiliate_id.clone(),
        token: report.token.clone(),
        expires_at: expires,
        expires_in: (expires.unix_ms() - ctx.now.unix_ms()).max(0) / 1000,
        cookie_duration: duration.days(),
        attribution: target.attribution,
        cookie_domain: cookie_domain(&report.url.host()),
        visits: row.visits,
        visitor_id: report.visitor_id.clone(),
        held: None,
    };
    let Some(page_host) = ctx.first_party_host() else {
        return http::data(200, answer);
    };
    // The server cookie, by the rule the tracker applies to its own cookie.
    let clicked = ReferralCookie {
        click_id: answer.click_id.clone(),
        affiliate_id: answer.affiliate_id.clone(),
        token: answer.token.clone(),
        expires_at: answer.expires_at,
        attribution: answer.attribution,
    };
    let set_cookie = match after_click(held_in(&ctx.cookies, REFERRAL_COOKIE, ctx.now), clicked, ctx.now) {
        AfterClick::Write(cookie) => Some(cookie),
        AfterClick::Keep(h) => {
            if h.click_id != answer.click_id {
                answer.held = Some(HeldReferral::from_cookie(&h, ctx.now, answer.cookie_domain.clone()));
            }
            None
        }
    };
    let mut resp = http::data(200, &answer)?;
    if let Some(cookie) = set_cookie {
        let domain = cookie_domain(&page_host);
        let line =
            server_cookie_line(REFERRAL_COOKIE, &cookie.encode(), answer.expires_in, ctx.https, domain.as_deref());
        resp.headers_mut().append("Set-Cookie", &line)?;
        // The script-readable marker, same lifetime and domain, no referral data: the loader
        // then knows without a request that this visitor has a server cookie.
        let marker = marker_cookie_line(answer.expires_in, ctx.https, domain.as_deref());
        resp.headers_mut().append("Set-Cookie", &marker)?;
    }
    Ok(resp)
}

/// `GET /v1/track/referral`: the referral the visitor's server-set cookie holds, in the shape
/// the tracker keeps ([`HeldReferral`]), so a page whose own cookie was deleted (Safari's cap)
/// gets it back for `viatrack.referral`. Without such a cookie, or when it names no click of
/// the program, 200 with `data: null` and a notice.
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (key or origin).
pub async fn referral(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let Some(held) = held_in(&ctx.cookies, REFERRAL_COOKIE, ctx.now) else {
        return nothing(NoticeCode::NoReferral, "no referral cookie with this request");
    };
    let Some(stored) = ReferralRepo::new(&ctx.db).stored(&who.program_id, &held.click_id.clone().into()).await? else {
        return nothing(NoticeCode::ClickNotFound, "the referral cookie names no click of this program");
    };
    who.check_origin(ctx, &stored.allowed_hostnames)?;
    let domain = ctx.origin_host().and_then(|h| cookie_domain(&h));
    http::data(200, HeldReferral::from_cookie(&held, ctx.now, domain))
}

/// `POST /v1/track/lead`: converts the visitor's click into a referral in status `lead`.
/// The click is the body's `click_id`, or else the one in the request's server-set referral
/// cookie. Repeating it returns the same referral; no click or an unknown one records
/// nothing and answers 200 with `data: null` and a notice. An expired click is refused as
/// on every endpoint ([`ClickExpired`]).
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED`, `VALIDATION_ERROR`, `CONFLICT` (the email already has
/// a referral in the program, or the click converted with another email),
/// `INVALID_TRANSITION` (the click expired).
pub async fn lead(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let lead: LeadRequest = read_json(req).await?;
    let program = &who.program_id;
    let repo = ReferralRepo::new(&ctx.db);
    let click_id = match &lead.click_id {
        // An ID not in our format names no click.
        Some(r) => match r.id() {
            Some(id) => id.clone(),
            None => return nothing(NoticeCode::ClickNotFound, "no click with this id; nothing recorded"),
        },
        None => match held_in(&ctx.cookies, REFERRAL_COOKIE, ctx.now) {
            Some(c) => c.click_id,
            None => return nothing(NoticeCode::NoReferral, "no click_id and no referral cookie; nothing recorded"),
        },
    };
    limits::lead(ctx, program, &click_id).await?;
    let id: ReferralId = click_id.into();
    // Two rounds at most: if another request converts the click between our read and our
    // write, the second round sees it and replays or conflicts.
    for _ in 0..2 {
        let Some(stored) = repo.stored(program, &id).await? else {
            return nothing(NoticeCode::ClickNotFound, "no click with this id; nothing recorded");
        };
        who.check_origin(ctx, &stored.allowed_hostnames)?;
        match decide_lead(
            stored.lifecycle.status,
            stored.fields.email.as_ref().map(Email::as_str),
            stored.expires_at,
            lead.email.as_str(),
            ctx.now,
        ) {
            LeadDecision::Replay => return lead_answer(ctx, program, &id).await,
            // No oracle: with the public key, the page learns nothing about other emails.
            LeadDecision::AlreadyConverted if who.kind == KeyKind::Publishable => {
                return silent_lead(ctx, program, &id, &lead).await
            }
            LeadDecision::AlreadyConverted => {
                return Err(ApiError::Conflict("this click already converted to a referral with another email".into()))
            }
            LeadDecision::Expired => return Err(ClickExpired.into()),
            LeadDecision::Convert => {}
        }
        // A second referral with this email is refused by the unique index (CONFLICT).
        let next = stored.lifecycle.transition(Status::Lead, ctx.now)?;
        let fields = CustomerFields {
            email: Some(lead.email.clone()),
            name: lead.name.clone(),
            customer_id: lead.customer_id.clone(),
            subscription_id: None,
            metadata: lead.metadata.as_ref().map(|m| m.to_json()),
        };
        let events = Planned::on(&outbox::referral_created(&stored.lifecycle, &next), id.as_str());
        let written = match repo.write(program, &id, Status::Click, &next, &fields, ctx.now, &events).await {
            // No oracle: the publishable key's answer is the same whether or not the email is
            // already a referral of the program (the secret-key API keeps its 409).
            Err(StoreError::Unique { constraint: Constraint::ReferralEmail, .. })
                if who.kind == KeyKind::Publishable =>
            {
                return silent_lead(ctx, program, &id, &lead).await
            }
            other => other.map_err(conflict_on_email)?,
        };
        if let Some(written) = written {
            webhooks::dispatch(ctx, program, written.events).await;
            // The answer is what the write's own batch read: nothing after the commit can
            // turn a recorded lead into an error.
            return http::data(200, LeadReferral::from(written.value));
        }
    }
    Err(ApiError::Conflict("the click changed while converting; retry".into()))
}

/// `POST /v1/track/sale`: records a payment and moves the referral to a paying status.
/// The same `invoice_id` again records nothing and answers with the first result.
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (needs `write:referrals`), `VALIDATION_ERROR`,
/// `NOT_FOUND` (no referral matches), `INVALID_TRANSITION` (a rejected referral, or a click
/// that expired unconverted).
pub async fn sale(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let sale: SaleRequest = read_json(req).await?;
    if sale.click_id.is_none() && sale.customer_id.is_none() && sale.email.is_none() && sale.coupon.is_none() {
        return Err(ApiError::field("click_id", "one of click_id, customer_id, email or coupon is required"));
    }
    let program = &who.program_id;
    let click = sale.click_id.as_ref().map(|c| c.id().cloned().map(ReferralId::from));
    let hints = Hints {
        named: match &click {
            None => Named::Nothing,
            Some(Some(id)) => Named::Referral(id),
            Some(None) => Named::Malformed,
        },
        customer_id: sale.customer_id.as_ref().map(|c| c.as_str()),
        email: sale.email.as_ref().map(|e| e.as_str()),
    };
    let mut lookups = payment::lookups(Source::Api, &hints);
    let payment = Payment {
        amount: sale.amount.cents(),
        currency: &sale.currency,
        invoice_id: sale.invoice_id.as_str(),
        payment_id: None,
        at: ctx.now,
    };
    // A coupon code credits the sale when no referral explains it (core's payment::credit).
    let by_code = match &sale.coupon {
        Some(code) if !matches!(hints.named, Named::Malformed) => {
            let fields = CustomerFields {
                email: sale.email.clone(),
                name: None,
                customer_id: sale.customer_id.clone(),
                subscription_id: None,
                metadata: None,
            };
            // The look-ups run once: their referral, if any, is what the sale is recorded on.
            let found = sales::referral(ctx, program, &lookups).await?;
            let key = sales::CouponKey::Code(code);
            let coded = sales::credit_by_code(ctx, program, found.is_some(), key, fields, &payment).await?;
            coded.or(found.map(|r| r.id))
        }
        _ => None,
    };
    if let Some(id) = &by_code {
        lookups = vec![Lookup::Referral(id)];
    }
    if lookups.is_empty() {
        // A click ID not in our format names no referral.
        return Err(ApiError::NotFound("no referral matches this click_id".into()));
    }
    let (sale, referral) = sales::record_sale(ctx, program, &lookups, &payment).await?;
    sale_answer(ctx, program, sale, referral).await
}

/// `POST /v1/track/refund`: a refund of a sale (by its `invoice_id`), for merchants not on
/// Stripe; idempotent by `refund_id`. A pending commission is reduced pro rata or voided; a
/// paid one gets a clawback ([`viatrack_core::commission`]).
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (needs `write:referrals`), `VALIDATION_ERROR`,
/// `NOT_FOUND` (no sale with this invoice ID).
pub async fn refund(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: RefundRequest = read_json(req).await?;
    let program = &who.program_id;
    let (sale, written) =
        sales::refund(ctx, program, body.invoice_id.as_str(), body.refund_id.as_str(), body.amount.cents()).await?;
    let commissions = match written {
        Some(commissions) => commissions,
        // A replayed refund ID: the sale's commissions as they are now, newest first.
        None => CommissionRepo::new(&ctx.db).of_sale(program, &sale.id, ctx.now).await?,
    };
    http::data(200, RefundResponse { sale, commissions })
}

/// The token look-up, through the KV cache (filled after the answer on a miss).
async fn link_target(ctx: &Ctx, program: &ProgramId, token: &ViaToken) -> ApiResult<Option<LinkTarget>> {
    let key = cache::link_entry(program, token);
    if let Some(hit) = cache::get::<LinkTarget>(ctx, &key).await {
        return Ok(Some(hit));
    }
    let found = LinkRepo::new(&ctx.db).target(program, token).await?;
    if let Some(t) = &found {
        cache::put(ctx, key, t);
    }
    Ok(found)
}

fn nothing(code: NoticeCode, message: &str) -> ApiResult<Response> {
    http::json(
        200,
        &Tracked::<()> { success: true, data: None, notice: Some(Notice { code, message: message.into() }) },
    )
}

/// The answer to a publishable key's lead that was not recorded (the email is another
/// referral's, or the click converted with another email): [`LeadReferral::as_submitted`],
/// the same shape and values a recorded lead gets.
async fn silent_lead(ctx: &Ctx, program: &ProgramId, id: &ReferralId, lead: &LeadRequest) -> ApiResult<Response> {
    let click = ReferralRepo::new(&ctx.db)
        .get(program, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no referral with this id".into()))?;
    let next = viatrack_core::lifecycle::Lifecycle::CLICK.transition(Status::Lead, ctx.now)?;
    http::data(200, LeadReferral::as_submitted(click, &next, &lead.email, lead.name.as_ref()))
}

/// The page's view of its referral ([`LeadReferral`]: nothing about the affiliate or
/// other referrals, since the publishable key is public).
async fn lead_answer(ctx: &Ctx, program: &ProgramId, id: &ReferralId) -> ApiResult<Response> {
    let referral = ReferralRepo::new(&ctx.db)
        .get(program, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no referral with this id".into()))?;
    http::data(200, LeadReferral::from(referral))
}

/// The sale and its referral: the one the write read in its batch, or for a replayed invoice
/// ID the referral as it is now.
async fn sale_answer(
    ctx: &Ctx,
    program: &ProgramId,
    sale: viatrack_core::api::tracking::Sale,
    written: Option<viatrack_core::api::referrals::Referral>,
) -> ApiResult<Response> {
    let referral = match written {
        Some(r) => r,
        None => ReferralRepo::new(&ctx.db)
            .get(program, &sale.referral_id)
            .await?
            .ok_or_else(|| ApiError::NotFound("the sale's referral was deleted".into()))?,
    };
    http::data(200, SaleResponse { sale, referral })
}

/// A write refused by the unique email index is the create-referral seed's conflict.
pub fn conflict_on_email(e: StoreError) -> ApiError {
    match e {
        StoreError::Unique { constraint: Constraint::ReferralEmail, .. } => {
            ApiError::Conflict("a referral with this email already exists in the program".into())
        }
        other => other.into(),
    }
}
