//! Stripe: `POST /v1/integrations/stripe` stores a program's webhook signing secret, and
//! `POST /v1/stripe/webhook/{program_id}` takes Stripe's events for it, verified as Stripe's
//! libraries verify them ([`viatrack_core::stripe::verify`]).
//!
//! Events: `checkout.session.completed` and `invoice.paid` record a sale (and its
//! commission) — for the referral core's look-ups find, else, when the payment carries a
//! promotion code of a coupon (its `stripe_promotion_code`, or its code when the event expands
//! the promotion code), for the coupon's affiliate (core's `payment::credit`); `charge.refunded` a refund; `customer.subscription.deleted` moves the
//! referral to `canceled`. Each event ID is handled once; other types, and sales without a
//! referral, are answered 200 and ignored (Stripe would retry anything else for days); a
//! transient failure (storage, a write that raced another) answers 500 so that Stripe retries.

use crate::auth::caller;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::http::{self, read_json, Ctx};
use crate::repo::integrations::IntegrationRepo;
use crate::repo::outbox::Planned;
use crate::repo::referrals::{CustomerFields, ReferralRepo};
use crate::repo::sales::SaleRepo;
use crate::sales::{self, Payment};
use crate::webhooks;
use viatrack_core::api::commissions::{ConnectStripe, StripeConnection, StripeOutcome, STRIPE_EVENTS};
use viatrack_core::api::fields::{Currency, Email, ExternalId};
use viatrack_core::coupon::{CouponCode, PromotionCodeId};
use viatrack_core::outbox;
use viatrack_core::payment::{self, Hints, Lookup, Named, Source};
use viatrack_core::stripe::{verify, Action, Event, StripeRefund, StripeSale};
use viatrack_core::{ProgramId, Status, Timestamp};
use worker::{Request, Response};

/// Largest webhook body accepted, in bytes (Stripe's events are a few KiB).
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// `POST /v1/integrations/stripe`: stores the signing secret (sealed, never returned) and
/// answers the webhook URL to register in Stripe's dashboard.
///
/// # Errors
///
/// `VALIDATION_ERROR`, `PERMISSION_DENIED` (needs `write:integrations`), 500 when the Worker
/// secret `INTEGRATIONS_KEY` is not set.
pub async fn connect(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let body: ConnectStripe = read_json(req).await?;
    let sealed = crypto::seal(&ctx.env, &who.program_id, body.signing_secret.as_str())?;
    IntegrationRepo::new(&ctx.db).put_stripe(&who.program_id, &sealed, ctx.now).await?;
    let mut url = req.url()?;
    url.set_query(None);
    url.set_path(&format!("{}/v1/stripe/webhook/{}", prefix(&url), who.program_id.as_str()));
    http::data(200, StripeConnection { connected: true, webhook_url: url.to_string(), events: STRIPE_EVENTS })
}

/// The first-party prefix the request came through (`/_viatrack`), if any.
fn prefix(url: &worker::Url) -> &'static str {
    if url.path().starts_with("/_viatrack/") {
        "/_viatrack"
    } else {
        ""
    }
}

/// `POST /v1/stripe/webhook/{program_id}`: one Stripe event.
///
/// # Errors
///
/// 400 `VALIDATION_ERROR` for a missing or failed signature, a stale timestamp or a body
/// that is not an event (nothing recorded); 404 for a program with no Stripe connection;
/// 500 (Stripe retries) for storage failures.
pub async fn webhook(req: &mut Request, ctx: &Ctx, raw_program: &str) -> ApiResult<Response> {
    let not_connected = || ApiError::NotFound("no Stripe connection for this program".into());
    let program: ProgramId = raw_program.parse().map_err(|_| not_connected())?;
    let header = req
        .headers()
        .get("Stripe-Signature")?
        .ok_or_else(|| ApiError::field("Stripe-Signature", "the Stripe-Signature header is missing"))?;
    let body = http::read_body(req, MAX_EVENT_BYTES).await?;
    let sealed = IntegrationRepo::new(&ctx.db).stripe(&program).await?.ok_or_else(not_connected)?;
    let secret = crypto::open(&ctx.env, &program, &sealed)?;
    verify(&secret, &header, &body, ctx.now.unix_seconds())
        .map_err(|e| ApiError::field("Stripe-Signature", e.to_string()))?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|_| ApiError::field("body", "not a Stripe event (id, type, created, data.object)"))?;
    let integrations = IntegrationRepo::new(&ctx.db);
    if integrations.event_seen(&program, &event.id).await? {
        return answer(StripeOutcome::Duplicate, "this event was handled already");
    }
    let (outcome, detail) = match event.action() {
        Action::Sale(sale) => on_sale(ctx, &program, &sale, Timestamp::from_unix_seconds(event.created)).await?,
        Action::Refund(refund) => on_refund(ctx, &program, &refund).await?,
        Action::Cancel { customer } => on_cancel(ctx, &program, &customer).await?,
        Action::Ignore(why) => (StripeOutcome::Ignored, why.to_string()),
    };
    integrations.event_done(&program, &event.id, &event.event_type, ctx.now).await?;
    answer(outcome, &detail)
}

fn answer(outcome: StripeOutcome, detail: &str) -> ApiResult<Response> {
    http::data(200, viatrack_core::api::commissions::StripeReceipt { received: true, outcome, detail: detail.into() })
}

/// A refusal that retrying cannot change (no referral, an expired click, a rejected
/// referral) is an answer, not an error: Stripe would retry an error for days. A conflict
/// ("the referral changed meanwhile; retry") is transient: it answers 500, the event is not
/// marked done, and Stripe's retry records the sale, the refund or the cancellation.
fn settled(e: ApiError) -> ApiResult<(StripeOutcome, String)> {
    match e {
        ApiError::NotFound(m) | ApiError::InvalidTransition(m) => Ok((StripeOutcome::Ignored, m)),
        ApiError::Conflict(m) => Err(ApiError::Internal(format!("transient, Stripe will retry: {m}"))),
        other => Err(other),
    }
}

async fn on_sale(
    ctx: &Ctx,
    program: &ProgramId,
    sale: &StripeSale,
    at: Timestamp,
) -> ApiResult<(StripeOutcome, String)> {
    let Ok(currency) = Currency::try_from(sale.currency.clone()) else {
        return Ok((StripeOutcome::Ignored, "no currency".into()));
    };
    // Which referral the payment credits is core's rule (the one `POST /v1/track/sale`
    // follows too): the referral the page handed over, else the customer's, else the email's.
    let hints = Hints {
        named: match &sale.referral {
            None => Named::Nothing,
            Some(r) => r.id().map_or(Named::Malformed, Named::Referral),
        },
        customer_id: sale.customer.as_deref(),
        email: sale.email.as_deref(),
    };
    let lookups = payment::lookups(Source::Stripe, &hints);
    let payment = Payment {
        amount: sale.amount,
        currency: &currency,
        invoice_id: &sale.invoice_id,
        payment_id: sale.payment_id.as_deref(),
        at,
    };
    let repo = ReferralRepo::new(&ctx.db);
    let mut stored = sales::referral(ctx, program, &lookups).await?;
    // A promotion code credits the payment when no referral explains it (core's
    // payment::credit, as a sale's `coupon` does).
    if stored.is_none() {
        if let Some(promo) = sale.promotion.as_ref().and_then(|p| PromotionCodeId::parse(&p.id).ok().map(|id| (id, p)))
        {
            let code = promo.1.code.as_deref().and_then(|c| CouponCode::parse(c).ok());
            let fields = CustomerFields {
                email: sale.email.clone().and_then(|e| Email::try_from(e).ok()),
                name: None,
                customer_id: sale.customer.clone().and_then(|c| ExternalId::try_from(c).ok()),
                subscription_id: None,
                metadata: None,
            };
            let key = sales::CouponKey::Promotion(&promo.0, code.as_ref());
            match sales::credit_by_code(ctx, program, false, key, fields, &payment).await {
                Ok(Some(id)) => stored = repo.stored(program, &id).await?,
                Ok(None) => {}
                Err(e) => return settled(e),
            }
        }
    }
    let Some(stored) = stored else {
        return Ok((StripeOutcome::Ignored, "no referral of this program matches the payment".into()));
    };
    if let Some(customer) = &sale.customer {
        repo.set_customer_if_none(program, &stored.id, customer, ctx.now).await?;
    }
    match sales::record_sale(ctx, program, &[Lookup::Referral(&stored.id)], &payment).await {
        Ok((recorded, _)) => Ok((StripeOutcome::Sale, recorded.id.as_str().to_string())),
        Err(e) => settled(e),
    }
}

async fn on_refund(ctx: &Ctx, program: &ProgramId, refund: &StripeRefund) -> ApiResult<(StripeOutcome, String)> {
    let sales = SaleRepo::new(&ctx.db);
    let by_payment = match &refund.payment_id {
        Some(pi) => sales.by_payment(program, pi).await?,
        None => None,
    };
    let sale = match (by_payment, &refund.invoice_id) {
        (Some(s), _) => Some(s),
        (None, Some(invoice)) => sales.by_invoice(program, invoice).await?,
        (None, None) => None,
    };
    let Some(sale) = sale else {
        return Ok((StripeOutcome::Ignored, "no sale of this program was paid with this charge".into()));
    };
    // Stripe gives the charge's refunded total; what is new is what the sale has not yet
    // counted. The refund's ID is the charge and that total, so a replay changes nothing.
    let Some(delta) = refund.amount_refunded.checked_sub(sale.refunded).filter(|d| *d > 0) else {
        return Ok((StripeOutcome::Ignored, "nothing newly refunded".into()));
    };
    let refund_id = format!("{}:{}", refund.charge, refund.amount_refunded);
    match sales::refund(ctx, program, &sale.invoice_id, &refund_id, delta).await {
        Ok(_) => Ok((StripeOutcome::Refund, refund_id)),
        Err(e) => settled(e),
    }
}

async fn on_cancel(ctx: &Ctx, program: &ProgramId, customer: &str) -> ApiResult<(StripeOutcome, String)> {
    let repo = ReferralRepo::new(&ctx.db);
    let Some(stored) = repo.find(program, Lookup::Customer(customer)).await? else {
        return Ok((StripeOutcome::Ignored, "no referral of this program has this customer".into()));
    };
    let next = match stored.lifecycle.transition(Status::Canceled, ctx.now) {
        Ok(next) => next,
        Err(e) => return Ok((StripeOutcome::Ignored, e.to_string())),
    };
    let events = Planned::on(&outbox::referral_updated(&stored.lifecycle, &next), stored.id.as_str());
    if let Some(written) =
        repo.write(program, &stored.id, stored.lifecycle.status, &next, &stored.fields, ctx.now, &events).await?
    {
        webhooks::dispatch(ctx, program, written.events).await;
        Ok((StripeOutcome::Canceled, stored.id.as_str().to_string()))
    } else {
        settled(ApiError::Conflict("the referral changed meanwhile".into()))
    }
}
