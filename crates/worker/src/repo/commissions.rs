//! `commissions` and `refunds`: what affiliates earn on sales, and what refunds take back.
//! The amounts and status moves are decided by core ([`viatrack_core::commission`]); this
//! stores them.

use super::outbox::{record_stmt, Committed, Guard, Planned, Snapshot};
use super::sales::SaleRepo;
use super::{all, batch, first, stmt, Count, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::commissions::{Commission, CommissionQuery, CommissionSummary, CreateCommission, SummaryQuery};
use viatrack_core::api::fields::{Currency, Reason};
use viatrack_core::api::tracking::Sale;
use viatrack_core::commission::{is_due, CommissionStatus, RefundEffect};
use viatrack_core::outbox::EventObject;
use viatrack_core::webhooks::EventType;
use viatrack_core::{AffiliateId, CommissionId, PayoutId, ProgramId, ReferralId, SaleId, Timestamp};
use worker::{D1Database, D1PreparedStatement};

/// The commissions of programs, through one D1 binding.
pub struct CommissionRepo<'a> {
    db: &'a D1Database,
}

#[derive(Deserialize)]
struct Row {
    id: CommissionId,
    sale_id: Option<SaleId>,
    referral_id: Option<ReferralId>,
    reason: Option<Reason>,
    affiliate_id: AffiliateId,
    amount: i64,
    currency: Currency,
    status: CommissionStatus,
    due_at: Timestamp,
    paid_at: Option<Timestamp>,
    voided_at: Option<Timestamp>,
    payout_id: Option<PayoutId>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Row {
    fn into_commission(self, now: Timestamp) -> Commission {
        Commission {
            due: is_due(self.status, self.amount, self.due_at, now),
            id: self.id,
            sale_id: self.sale_id,
            referral_id: self.referral_id,
            reason: self.reason,
            affiliate_id: self.affiliate_id,
            amount: self.amount,
            currency: self.currency,
            status: self.status,
            due_at: self.due_at,
            paid_at: self.paid_at,
            voided_at: self.voided_at,
            payout_id: self.payout_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, sale_id, referral_id, reason, affiliate_id, amount, currency, status, due_at, paid_at, voided_at, payout_id, created_at, updated_at";

/// A sale's own commission (not a clawback), as a refund needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct Earning {
    /// The commission.
    pub id: CommissionId,
    /// Its status.
    pub status: CommissionStatus,
    /// What the sale earned when it was made, in cents.
    pub base_amount: u64,
    /// The payout it is in, if any: a refund then claws it back instead of reducing it.
    pub payout_id: Option<PayoutId>,
}

impl<'a> CommissionRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// The statement that creates the commission of sale `sale` (inserted by an earlier
    /// statement of the same batch; nothing when it was not), for the referral's affiliate.
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_for_sale_stmt(
        &self,
        program: &ProgramId,
        id: &CommissionId,
        sale: &SaleId,
        referral: &ReferralId,
        amount: u64,
        currency: &Currency,
        due_at: Timestamp,
        now: Timestamp,
    ) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            "INSERT INTO commissions (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at) \
             SELECT ?1, ?2, ?3, ?4, r.affiliate_id, ?5, ?5, ?6, ?9, ?7, ?8, ?8 FROM referrals r \
             WHERE r.program_id = ?2 AND r.id = ?4 AND EXISTS (SELECT 1 FROM sales WHERE id = ?3)",
            &args![id, program, sale, referral, amount, currency, due_at, now, CommissionStatus::Pending],
        )
    }

    /// The sale's own commission, if it earned one.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn earning(&self, program: &ProgramId, sale: &SaleId) -> StoreResult<Option<Earning>> {
        first::<Earning>(
            self.db,
            "SELECT id, status, base_amount, payout_id FROM commissions WHERE sale_id = ?2 AND program_id = ?1 AND base_amount > 0",
            &args![program, sale],
        )
        .await
    }

    /// Records a refund of `amount` cents of `sale` (of which `refunded_before` was refunded)
    /// and its effect on the sale's commission, in one transaction, only if nothing else
    /// refunded the sale meanwhile, with `events` (core's [`viatrack_core::outbox`] for the
    /// effect). Returns the sale and its commissions as the write left them, read in the same
    /// batch, or `None`: nothing was written (retry).
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] when the refund ID was recorded meanwhile; storage
    /// failure.
    #[allow(clippy::too_many_arguments)]
    pub async fn refund(
        &self,
        program: &ProgramId,
        sale: &SaleId,
        sale_amount: u64,
        refunded_before: u64,
        refund_id: &str,
        amount: u64,
        effect: (Option<&Earning>, RefundEffect),
        now: Timestamp,
        events: &[EventType],
    ) -> StoreResult<Option<Committed<(Sale, Vec<Commission>)>>> {
        let after = refunded_before.saturating_add(amount).min(sale_amount);
        let clawback = CommissionId::from_bytes(super::random_id_bytes());
        let touched = match effect {
            (_, RefundEffect::Clawback(_)) => clawback.as_str().to_string(),
            (Some(earning), _) => earning.id.as_str().to_string(),
            (None, _) => String::new(),
        };
        let planned = Planned::all(events, |object| match object {
            EventObject::Commission => touched.clone(),
            // (A refund never makes a payout event.)
            EventObject::Sale | EventObject::Referral | EventObject::Payout | EventObject::Coupon => {
                sale.as_str().to_string()
            }
        });
        // Every statement after the first runs only if the first recorded this refund; the
        // events directly follow it (Guard::Changed). A reduction or a void was decided for a
        // commission in no payout: if a payout run took it meanwhile, nothing is recorded and
        // the retry claws it back instead.
        let unpaid = match effect {
            (Some(earning), RefundEffect::Reduce(_) | RefundEffect::Void) => Some(&earning.id),
            _ => None,
        };
        let mut statements = vec![stmt(
            self.db,
            "INSERT INTO refunds (program_id, refund_id, sale_id, amount, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM sales WHERE id = ?3 AND program_id = ?1 AND refunded = ?6) \
             AND (?7 IS NULL OR EXISTS (SELECT 1 FROM commissions WHERE id = ?7 AND program_id = ?1 AND payout_id IS NULL))",
            &args![program, refund_id, sale, amount, now, refunded_before, unpaid],
        )?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        statements.push(stmt(
            self.db,
            "UPDATE sales SET refunded = ?3 WHERE id = ?2 AND program_id = ?1 \
             AND EXISTS (SELECT 1 FROM refunds WHERE program_id = ?1 AND refund_id = ?4 AND created_at = ?5)",
            &args![program, sale, after, refund_id, now],
        )?);
        // The refund row this request wrote (?3 refund ID, ?4 now): later statements run only
        // when it exists, i.e. when the first statement recorded the refund.
        const RECORDED: &str =
            "EXISTS (SELECT 1 FROM refunds WHERE program_id = ?1 AND refund_id = ?3 AND created_at = ?4)";
        match effect {
            (Some(earning), RefundEffect::Reduce(to)) => statements.push(stmt(
                self.db,
                &format!("UPDATE commissions SET amount = ?5, updated_at = ?4 WHERE program_id = ?1 AND id = ?2 AND status = ?6 AND {RECORDED}"),
                &args![program, earning.id, refund_id, now, to, CommissionStatus::Pending],
            )?),
            (Some(earning), RefundEffect::Void) => statements.push(stmt(
                self.db,
                &format!("UPDATE commissions SET status = ?6, voided_at = ?4, updated_at = ?4 WHERE program_id = ?1 AND id = ?2 AND status = ?5 AND {RECORDED}"),
                &args![program, earning.id, refund_id, now, CommissionStatus::Pending, CommissionStatus::Voided],
            )?),
            (Some(earning), RefundEffect::Clawback(by)) => {
                statements.push(stmt(
                    self.db,
                    &format!(
                        "INSERT INTO commissions (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at) \
                         SELECT ?5, ?1, c.sale_id, c.referral_id, c.affiliate_id, ?6, 0, c.currency, ?7, ?4, ?4, ?4 FROM commissions c \
                         WHERE c.program_id = ?1 AND c.id = ?2 AND {RECORDED}"
                    ),
                    &args![program, earning.id, refund_id, now, clawback, by, CommissionStatus::Pending],
                )?);
            }
            _ => {}
        }
        statements.push(SaleRepo::new(self.db).get_stmt(program, sale)?);
        statements.push(self.of_sale_stmt(program, sale)?);
        let results = batch(self.db, statements).await?;
        let recorded = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if recorded == 0 {
            return Ok(None);
        }
        let [.., sale_read, commissions_read] = results.as_slice() else {
            return Err(super::corrupt("a refund's batch without its reads"));
        };
        let after =
            SaleRepo::row(sale_read)?.ok_or_else(|| super::corrupt("a refund's batch did not read the sale"))?;
        let commissions = Self::rows(commissions_read, now)?;
        let events =
            Snapshot { sale: Some(&after), commissions: &commissions, ..Snapshot::default() }.events(planned)?;
        Ok(Some(Committed { value: (after, commissions), events }))
    }

    /// Whether the program recorded a refund with this ID.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn refund_seen(&self, program: &ProgramId, refund_id: &str) -> StoreResult<bool> {
        let n = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM refunds WHERE program_id = ?1 AND refund_id = ?2",
            &args![program, refund_id],
        )
        .await?;
        Ok(n.is_some_and(|c| c.n > 0))
    }

    /// One commission of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &CommissionId, now: Timestamp) -> StoreResult<Option<Commission>> {
        let row = self.get_stmt(program, id)?.first::<Row>(None).await?;
        Ok(row.map(|r| r.into_commission(now)))
    }

    /// The sale's commissions (its own and any clawbacks), newest first.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn of_sale(&self, program: &ProgramId, sale: &SaleId, now: Timestamp) -> StoreResult<Vec<Commission>> {
        Self::rows(&self.of_sale_stmt(program, sale)?.all().await?, now)
    }

    /// The statement that reads the sale's commissions, newest first (in a write's batch;
    /// [`Self::rows`] reads its result).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn of_sale_stmt(&self, program: &ProgramId, sale: &SaleId) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            &format!(
                "SELECT {COLUMNS} FROM commissions WHERE sale_id = ?2 AND program_id = ?1 ORDER BY created_at DESC, id DESC"
            ),
            &args![program, sale],
        )
    }

    /// The statement that reads the payout's commissions, newest first (in a batch;
    /// [`Self::rows`] reads its result).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn of_payout_stmt(&self, program: &ProgramId, payout: &PayoutId) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            &format!(
                "SELECT {COLUMNS} FROM commissions WHERE payout_id = ?2 AND program_id = ?1 ORDER BY created_at DESC, id DESC"
            ),
            &args![program, payout],
        )
    }

    /// The commissions a [`Self::of_sale_stmt`] or [`Self::get_stmt`] of a batch read.
    ///
    /// # Errors
    ///
    /// A row that does not deserialize.
    pub fn rows(result: &worker::D1Result, now: Timestamp) -> StoreResult<Vec<Commission>> {
        Ok(result.results::<Row>()?.into_iter().map(|r| r.into_commission(now)).collect())
    }

    /// The statement that reads one commission (in a write's batch; [`Self::rows`]).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn get_stmt(&self, program: &ProgramId, id: &CommissionId) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            &format!("SELECT {COLUMNS} FROM commissions WHERE program_id = ?1 AND id = ?2"),
            &args![program, id],
        )
    }

    /// A page of the program's commissions matching `q`, newest first, and the total.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(
        &self,
        program: &ProgramId,
        q: &CommissionQuery,
        now: Timestamp,
    ) -> StoreResult<(Vec<Commission>, u64)> {
        let (filter, args) = super::sql::commission_filter(program, q);
        let page = format!(
            "SELECT {COLUMNS} FROM commissions WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
            q.paging.limit,
            q.paging.offset()
        );
        let rows = all::<Row>(self.db, &page, &args).await?;
        let total = first::<Count>(self.db, &format!("SELECT COUNT(*) AS n FROM commissions WHERE {filter}"), &args)
            .await?
            .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(|r| r.into_commission(now)).collect(), total))
    }

    /// The summary per affiliate and currency (core's [`CommissionSummary`]), a page of it
    /// and the number of rows in all ([`super::sql::commission_summary`]).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn summary(
        &self,
        program: &ProgramId,
        q: &SummaryQuery,
        now: Timestamp,
    ) -> StoreResult<(Vec<CommissionSummary>, u64)> {
        let (sql, args) = super::sql::commission_summary(program, q, now);
        let page = format!("{sql} LIMIT {} OFFSET {}", q.paging.limit, q.paging.offset());
        let rows = all::<CommissionSummary>(self.db, &page, &args).await?;
        let total =
            first::<Count>(self.db, &format!("SELECT COUNT(*) AS n FROM ({sql})"), &args).await?.map_or(0, |c| c.n);
        Ok((rows, total))
    }

    /// Creates a manual commission of `affiliate` (already checked to be the program's),
    /// pending and due at `now`, with `events` (core's `commission.created`) in the same
    /// transaction. Returns it as stored.
    ///
    /// # Errors
    ///
    /// Storage failure (nothing written).
    pub async fn create_manual(
        &self,
        program: &ProgramId,
        affiliate: &AffiliateId,
        input: &CreateCommission,
        now: Timestamp,
        events: &[EventType],
    ) -> StoreResult<Committed<Commission>> {
        let id = CommissionId::from_bytes(super::random_id_bytes());
        let planned = Planned::all(events, |_| id.as_str().to_string());
        let mut statements = vec![stmt(
            self.db,
            "INSERT INTO commissions (id, program_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at, reason) \
             VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?7, ?7, ?8)",
            &args![id, program, affiliate, input.amount, input.currency, CommissionStatus::Pending, now, input.reason],
        )?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        statements.push(self.get_stmt(program, &id)?);
        let results = batch(self.db, statements).await?;
        let commission = results
            .last()
            .map(|r| Self::rows(r, now))
            .transpose()?
            .and_then(|rows| rows.into_iter().next())
            .ok_or_else(|| super::corrupt("a manual commission's batch did not read it back"))?;
        let events =
            Snapshot { commissions: std::slice::from_ref(&commission), ..Snapshot::default() }.events(planned)?;
        Ok(Committed { value: commission, events })
    }

    /// Deletes the commission if it is still pending and in no payout (a paid one is never
    /// deleted; one in a payout moves with it). Returns whether it was deleted.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete_pending(&self, program: &ProgramId, id: &CommissionId) -> StoreResult<bool> {
        let n = super::run(
            self.db,
            "DELETE FROM commissions WHERE program_id = ?1 AND id = ?2 AND status = ?3 AND payout_id IS NULL",
            &args![program, id, CommissionStatus::Pending],
        )
        .await?;
        Ok(n > 0)
    }

    /// Moves the commission from `from` to `to` (already allowed by core's table), only if it
    /// is still `from`, storing `events` (each carrying the commission) in the same
    /// transaction. Returns the commission as the write left it, or `None`: it changed
    /// meanwhile (nothing written).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn set_status(
        &self,
        program: &ProgramId,
        id: &CommissionId,
        from: CommissionStatus,
        to: CommissionStatus,
        now: Timestamp,
        events: &[EventType],
    ) -> StoreResult<Option<Committed<Commission>>> {
        let sql = match to {
            CommissionStatus::Paid => "UPDATE commissions SET status = ?4, paid_at = ?5, updated_at = ?5 WHERE program_id = ?1 AND id = ?2 AND status = ?3 AND payout_id IS NULL",
            CommissionStatus::Voided => "UPDATE commissions SET status = ?4, voided_at = ?5, updated_at = ?5 WHERE program_id = ?1 AND id = ?2 AND status = ?3 AND payout_id IS NULL",
            CommissionStatus::Pending => "UPDATE commissions SET status = ?4, updated_at = ?5 WHERE program_id = ?1 AND id = ?2 AND status = ?3",
        };
        let planned = Planned::all(events, |_| id.as_str().to_string());
        let mut statements = vec![stmt(self.db, sql, &args![program, id, from, to, now])?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        statements.push(self.get_stmt(program, id)?);
        let results = batch(self.db, statements).await?;
        let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if changed == 0 {
            return Ok(None);
        }
        let commission = results
            .last()
            .map(|r| Self::rows(r, now))
            .transpose()?
            .and_then(|mut rows| rows.pop())
            .ok_or_else(|| super::corrupt("a commission write's batch did not read it back"))?;
        let events =
            Snapshot { commissions: std::slice::from_ref(&commission), ..Snapshot::default() }.events(planned)?;
        Ok(Some(Committed { value: commission, events }))
    }
}
