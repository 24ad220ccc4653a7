//! `coupons`: codes tied to an affiliate and a campaign (migration 0013). Every statement is
//! scoped by program.

use super::outbox::{record_stmt, Committed, Guard, Planned, Snapshot};
use super::{all, arg, batch, corrupt, delete_unused, first, random_id_bytes, stmt, Count, Deleted, StoreResult};
use serde::Deserialize;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{Coupon, CreateCoupon, UpdateCoupon};
use viatrack_core::coupon::{CouponCode, PromotionCodeId};
use viatrack_core::outbox;
use viatrack_core::webhooks::EventType;
use viatrack_core::{AffiliateId, CampaignId, CouponId, ProgramId, Timestamp};
use worker::{D1Database, D1PreparedStatement};

/// The coupons of programs, through one D1 binding.
pub struct CouponRepo<'a> {
    db: &'a D1Database,
}

/// A coupon row, deserialized straight into core's validated types.
#[derive(Deserialize)]
struct Row {
    id: CouponId,
    code: CouponCode,
    affiliate_id: AffiliateId,
    campaign_id: CampaignId,
    stripe_promotion_code: Option<PromotionCodeId>,
    archived: u8,
    leads: u64,
    conversions: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Row> for Coupon {
    fn from(r: Row) -> Self {
        Coupon {
            id: r.id,
            code: r.code,
            affiliate_id: r.affiliate_id,
            campaign_id: r.campaign_id,
            stripe_promotion_code: r.stripe_promotion_code,
            archived: r.archived != 0,
            leads: r.leads,
            conversions: r.conversions,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The counters are kept by triggers on `referrals` (migration 0013).
const SELECT: &str = "SELECT c.id, c.code, c.affiliate_id, c.campaign_id, c.stripe_promotion_code, c.archived, \
    c.leads, c.conversions, c.created_at, c.updated_at FROM coupons c";

impl<'a> CouponRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Creates a coupon of `affiliate` in `campaign` (both already checked to be the
    /// program's), with `events` (core's `coupon.created`) in the same batch, guarded by the
    /// insert. Returns it as the batch read it.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`code`, `stripe_promotion_code`) or storage failure
    /// (nothing written).
    pub async fn create(
        &self,
        program: &ProgramId,
        input: &CreateCoupon,
        affiliate: &AffiliateId,
        campaign: &CampaignId,
        now: Timestamp,
        events: &[EventType],
    ) -> StoreResult<Committed<Coupon>> {
        let id = CouponId::from_bytes(random_id_bytes());
        let planned = Planned::all(events, |_| id.as_str().to_string());
        let mut statements = vec![stmt(
            self.db,
            "INSERT INTO coupons (id, program_id, code, affiliate_id, campaign_id, stripe_promotion_code, archived, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7)",
            &[
                arg(id.as_str()),
                arg(program.as_str()),
                arg(input.code.as_str()),
                arg(affiliate.as_str()),
                arg(campaign.as_str()),
                arg(&input.stripe_promotion_code.as_ref().map(PromotionCodeId::as_str)),
                arg(&now),
            ],
        )?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        statements.push(self.get_stmt(program, &id)?);
        self.committed(batch(self.db, statements).await?, planned)
    }

    /// The statement that reads one coupon (the last of a write's batch).
    fn get_stmt(&self, program: &ProgramId, id: &CouponId) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            &format!("{SELECT} WHERE c.program_id = ?1 AND c.id = ?2"),
            &[arg(program.as_str()), arg(id.as_str())],
        )
    }

    /// The coupon a batch read last, with the events of `planned` carrying it.
    fn committed(&self, results: Vec<worker::D1Result>, planned: Vec<Planned>) -> StoreResult<Committed<Coupon>> {
        let coupon: Coupon = results
            .last()
            .map(|r| r.results::<Row>())
            .transpose()?
            .and_then(|rows| rows.into_iter().next())
            .map(Coupon::from)
            .ok_or_else(|| corrupt("a coupon's batch did not read it back"))?;
        let events = Snapshot { coupon: Some(&coupon), ..Snapshot::default() }.events(planned)?;
        Ok(Committed { value: coupon, events })
    }

    /// One coupon of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &CouponId) -> StoreResult<Option<Coupon>> {
        let sql = format!("{SELECT} WHERE c.program_id = ?1 AND c.id = ?2");
        Ok(first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(id.as_str())]).await?.map(Coupon::from))
    }

    /// The program's coupon with this code (any case: codes are stored upper case).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn by_code(&self, program: &ProgramId, code: &CouponCode) -> StoreResult<Option<Coupon>> {
        let sql = format!("{SELECT} WHERE c.program_id = ?1 AND c.code = ?2");
        Ok(first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(code.as_str())]).await?.map(Coupon::from))
    }

    /// The program's coupon that stands for the Stripe promotion code `promo` (its
    /// `stripe_promotion_code`), else the one whose code is `code` (the promotion code's
    /// customer-facing code, when the event carries it).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn by_promotion(
        &self,
        program: &ProgramId,
        promo: &PromotionCodeId,
        code: Option<&CouponCode>,
    ) -> StoreResult<Option<Coupon>> {
        let sql = format!("{SELECT} WHERE c.program_id = ?1 AND c.stripe_promotion_code = ?2");
        if let Some(r) = first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(promo.as_str())]).await? {
            return Ok(Some(r.into()));
        }
        match code {
            Some(code) => self.by_code(program, code).await,
            None => Ok(None),
        }
    }

    /// A page of the program's coupons (optionally of one affiliate or campaign), newest
    /// first; each filter is served by an index of migration 0013 (query-plan test).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, q: &ResourceQuery) -> StoreResult<(Vec<Coupon>, u64)> {
        let (filter, mut args) = super::sql::coupon_filter(program, q);
        let n = args.len();
        let sql =
            format!("{SELECT} WHERE {filter} ORDER BY c.created_at DESC, c.id DESC LIMIT ?{} OFFSET ?{}", n + 1, n + 2);
        let total = first::<Count>(self.db, &format!("SELECT COUNT(*) AS n FROM coupons c WHERE {filter}"), &args)
            .await?
            .map_or(0, |c| c.n);
        args.push(arg(&i64::from(q.paging.limit)));
        args.push(arg(&q.paging.offset()));
        let rows = all::<Row>(self.db, &sql, &args).await?;
        Ok((rows.into_iter().map(Coupon::from).collect(), total))
    }

    /// Applies a partial update, with the events core's `outbox::coupon_updated` gives for
    /// it (`coupon.archived` when it becomes archived) in the same batch, guarded by the
    /// update; `None` when the coupon is not in the program.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`code`, `stripe_promotion_code`) or storage failure.
    pub async fn update(
        &self,
        program: &ProgramId,
        id: &CouponId,
        input: &UpdateCoupon,
        campaign: Option<&CampaignId>,
        now: Timestamp,
    ) -> StoreResult<Option<Committed<Coupon>>> {
        let Some(current) = self.get(program, id).await? else { return Ok(None) };
        let promotion = match &input.stripe_promotion_code {
            Some(v) => v.clone(),
            None => current.stripe_promotion_code,
        };
        let archived = input.archived.unwrap_or(current.archived);
        let planned = Planned::all(&outbox::coupon_updated(current.archived, archived), |_| id.as_str().to_string());
        // Guarded by the archived flag it was read with: a racing archive records its event once.
        let mut statements = vec![stmt(
            self.db,
            "UPDATE coupons SET code = ?3, campaign_id = ?4, stripe_promotion_code = ?5, archived = ?6, updated_at = ?7 \
             WHERE program_id = ?1 AND id = ?2 AND archived = ?8",
            &[
                arg(program.as_str()),
                arg(id.as_str()),
                arg(input.code.as_ref().unwrap_or(&current.code).as_str()),
                arg(campaign.unwrap_or(&current.campaign_id).as_str()),
                arg(&promotion.as_ref().map(PromotionCodeId::as_str)),
                arg(&i64::from(archived)),
                arg(&now),
                arg(&i64::from(current.archived)),
            ],
        )?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        statements.push(self.get_stmt(program, id)?);
        self.committed(batch(self.db, statements).await?, planned).map(Some)
    }

    /// Deletes the coupon unless a referral it credited names it (archive it instead).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete(&self, program: &ProgramId, id: &CouponId) -> StoreResult<Deleted> {
        delete_unused(self.db, "coupons", super::sql::COUPON_USERS, program.as_str(), id.as_str()).await
    }
}
