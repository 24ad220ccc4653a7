//! The sale and refund service, shared by `POST /v1/track/sale`, `POST /v1/track/refund` and
//! the Stripe webhook (a service, not a route: it serves no request itself): find the
//! referral, let core decide the status move and the commission
//! ([`viatrack_core::commission`]) and the events ([`viatrack_core::outbox`]), and write it
//! all in one transaction.

use crate::error::{ApiError, ApiResult};
use crate::http::Ctx;
use crate::repo::campaigns::CampaignRepo;
use crate::repo::commissions::CommissionRepo;
use crate::repo::coupons::CouponRepo;
use crate::repo::outbox::Planned;
use crate::repo::referrals::{CustomerFields, NewReferral};
use crate::repo::referrals::{ReferralRepo, Stored};
use crate::repo::sales::{NewSale, SaleRepo};
use crate::repo::Constraint;
use crate::repo::StoreError;
use crate::webhooks;
use viatrack_core::api::commissions::Commission;
use viatrack_core::api::fields::Currency;
use viatrack_core::api::referrals::Referral;
use viatrack_core::api::tracking::Sale;
use viatrack_core::attribution::check_convertible;
use viatrack_core::attribution::expires_at;
use viatrack_core::commission::{refund_effect, CommissionStatus, RefundEffect};
use viatrack_core::coupon::{CouponCode, PromotionCodeId};
use viatrack_core::outbox;
use viatrack_core::payment::{self, Lookup};
use viatrack_core::{Lifecycle, ProgramId, ReferralId, Status, Timestamp};

/// A payment to record.
pub struct Payment<'a> {
    /// Cents.
    pub amount: u64,
    /// ISO 4217, upper case.
    pub currency: &'a Currency,
    /// One sale per invoice ID per program.
    pub invoice_id: &'a str,
    /// The PaymentIntent, by which a refund finds the sale.
    pub payment_id: Option<&'a str>,
    /// When it was paid.
    pub at: Timestamp,
}

/// The referral that credits a payment in `program`: the first that `lookups` (core's
/// [`payment::lookups`], in its order) finds.
///
/// # Errors
///
/// Storage failure.
pub async fn referral(ctx: &Ctx, program: &ProgramId, lookups: &[Lookup<'_>]) -> ApiResult<Option<Stored>> {
    let repo = ReferralRepo::new(&ctx.db);
    for lookup in lookups {
        if let Some(found) = repo.find(program, *lookup).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// How a payment names its coupon.
#[derive(Clone, Copy, Debug)]
pub enum CouponKey<'a> {
    /// By its code (a sale's `coupon`).
    Code(&'a CouponCode),
    /// By the Stripe promotion code applied (its ID, and its code when the event has it).
    Promotion(&'a PromotionCodeId, Option<&'a CouponCode>),
}

/// When the payment's coupon `code` credits it (core's [`payment::credit`]: the caller's
/// look-ups found no referral (`referral_found`), and a code of the program that is not
/// archived), makes its referral for
/// the code's affiliate and campaign (status `lead`, no click, `attribution_method: code`,
/// under core's [`payment::code_referral_id`], so a retry finds the one its first try made)
/// and returns its ID, to record the sale on. When the invoice was recorded already, its
/// sale's referral (the sale is replayed). `None`: the look-ups decide, as without a code.
///
/// # Errors
///
/// `CONFLICT` (the customer's email is another referral's), storage failure.
pub async fn credit_by_code(
    ctx: &Ctx,
    program: &ProgramId,
    referral_found: bool,
    code: CouponKey<'_>,
    fields: CustomerFields,
    pay: &Payment<'_>,
) -> ApiResult<Option<ReferralId>> {
    if let Some(first) = SaleRepo::new(&ctx.db).by_invoice(program, pay.invoice_id).await? {
        // A retry: record_sale replays the first sale's answer.
        return Ok(Some(first.referral_id));
    }
    let coupons = CouponRepo::new(&ctx.db);
    let coupon = match code {
        CouponKey::Code(code) => coupons.by_code(program, code).await?,
        CouponKey::Promotion(promo, code) => coupons.by_promotion(program, promo, code).await?,
    };
    let state = match &coupon {
        None => payment::Code::Unusable,
        Some(c) if c.archived => payment::Code::Unusable,
        Some(_) => payment::Code::Usable,
    };
    let (payment::Credit::Coupon, Some(coupon)) = (payment::credit(referral_found, state), coupon) else {
        return Ok(None);
    };
    let id = payment::code_referral_id(program, pay.invoice_id);
    let repo = ReferralRepo::new(&ctx.db);
    if repo.stored(program, &id).await?.is_some() {
        return Ok(Some(id));
    }
    let campaign = CampaignRepo::new(&ctx.db)
        .get(program, &coupon.campaign_id)
        .await?
        .ok_or_else(|| ApiError::Internal("the coupon's campaign is missing".into()))?;
    let lifecycle = Lifecycle::CLICK.transition(Status::Lead, ctx.now)?;
    let events = Planned::on(&outbox::referral_created(&Lifecycle::CLICK, &lifecycle), id.as_str());
    let new = NewReferral {
        affiliate_id: coupon.affiliate_id,
        campaign_id: campaign.id,
        created_at: ctx.now,
        expires_at: expires_at(ctx.now, campaign.cookie_duration),
        lifecycle,
        fields,
        coupon_id: Some(coupon.id),
    };
    match repo.insert(program, &id, &new, ctx.now, &events).await {
        Ok(written) => webhooks::dispatch(ctx, program, written.events).await,
        // A racing retry made it first (the primary key), or the email is another referral's.
        Err(StoreError::Unique { constraint: Constraint::ReferralEmail, .. }) => {
            return Err(ApiError::Conflict("this email is another referral's".into()))
        }
        Err(StoreError::Unique { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Some(id))
}

/// Records the payment as a sale of the referral that `lookups` finds ([`referral`]), with the commission its
/// campaign's terms give, and moves the referral to a paying status, with the events of
/// [`outbox::sale_recorded`] in the same transaction (dispatched here after the commit).
/// Returns the sale and, when this call recorded it, its referral as the write left it. The
/// same invoice ID again records nothing and returns the first sale (and no referral).
///
/// # Errors
///
/// `NOT_FOUND` (no referral), `INVALID_TRANSITION` (a rejected referral, or a click that
/// expired unconverted), `CONFLICT` (the referral kept changing).
pub async fn record_sale(
    ctx: &Ctx,
    program: &ProgramId,
    lookups: &[Lookup<'_>],
    pay: &Payment<'_>,
) -> ApiResult<(Sale, Option<Referral>)> {
    let sales = SaleRepo::new(&ctx.db);
    for _ in 0..2 {
        if let Some(first) = sales.by_invoice(program, pay.invoice_id).await? {
            return Ok((first, None));
        }
        let stored = referral(ctx, program, lookups)
            .await?
            .ok_or_else(|| ApiError::NotFound("no referral matches this click_id, customer_id or email".into()))?;
        check_convertible(stored.lifecycle.status, stored.expires_at, ctx.now)?;
        let next = stored.lifecycle.record_sale(ctx.now)?;
        let (terms, first_sale_at) = sales
            .terms(program, &stored.id)
            .await?
            .ok_or_else(|| ApiError::NotFound("the referral was deleted".into()))?;
        let earned = terms.on_sale(first_sale_at, pay.at, pay.amount, ctx.now);
        let new_sale = NewSale {
            referral_id: &stored.id,
            amount: pay.amount,
            currency: pay.currency,
            invoice_id: pay.invoice_id,
            payment_id: pay.payment_id,
            at: pay.at,
        };
        let events = outbox::sale_recorded(&stored.lifecycle, &next, earned.is_some());
        match sales.record(program, &new_sale, stored.lifecycle.status, &next, earned, ctx.now, &events).await {
            Ok(Some(written)) => {
                webhooks::dispatch(ctx, program, written.events).await;
                let (sale, referral) = written.value;
                return Ok((sale, Some(referral)));
            }
            // The referral moved meanwhile, or a racing request recorded this invoice: the
            // next round replays or re-decides.
            Ok(None) | Err(StoreError::Unique { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict("the referral changed while recording the sale; retry".into()))
}

/// Records a refund of `amount` cents of `invoice_id`'s sale, once per `refund_id`, and what
/// it does to the sale's commission (core's [`refund_effect`]: reduce or void a pending one,
/// claw back from a paid one), with the events of [`outbox::refund_recorded`] in the same
/// transaction. Returns the sale after it and, when this call recorded it, the sale's
/// commissions as the write left them (newest first).
///
/// # Errors
///
/// `NOT_FOUND` (no sale with this invoice ID), `CONFLICT` (the sale kept changing).
pub async fn refund(
    ctx: &Ctx,
    program: &ProgramId,
    invoice_id: &str,
    refund_id: &str,
    amount: u64,
) -> ApiResult<(Sale, Option<Vec<Commission>>)> {
    let sales = SaleRepo::new(&ctx.db);
    let commissions = CommissionRepo::new(&ctx.db);
    let not_found = || ApiError::NotFound("no sale with this invoice_id".into());
    for _ in 0..3 {
        let sale = sales.by_invoice(program, invoice_id).await?.ok_or_else(not_found)?;
        if commissions.refund_seen(program, refund_id).await? {
            return Ok((sale, None));
        }
        let earning = commissions.earning(program, &sale.id).await?;
        let effect = match &earning {
            // A commission in a payout is as good as paid: the payout's amount is fixed, so a
            // refund claws it back (netted by the next run) instead of reducing it.
            Some(e) => {
                let status = if e.payout_id.is_some() { CommissionStatus::Paid } else { e.status };
                refund_effect(status, e.base_amount, sale.amount, sale.refunded, amount)
            }
            None => RefundEffect::Nothing,
        };
        match commissions
            .refund(
                program,
                &sale.id,
                sale.amount,
                sale.refunded,
                refund_id,
                amount,
                (earning.as_ref(), effect),
                ctx.now,
                &outbox::refund_recorded(effect),
            )
            .await
        {
            Ok(Some(written)) => {
                webhooks::dispatch(ctx, program, written.events).await;
                let (after, of_sale) = written.value;
                return Ok((after, Some(of_sale)));
            }
            Ok(None) | Err(StoreError::Unique { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict("the sale changed while recording the refund; retry".into()))
}
