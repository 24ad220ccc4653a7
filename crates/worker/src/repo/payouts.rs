//! `payouts`: what a payout run may pay (pending commissions in no payout, per affiliate and
//! currency, with the campaigns' minimum payouts), the payouts it makes, and their moves.
//! Which commissions make a payout is core's rule ([`viatrack_core::payout`]); this module
//! writes what core decided, each payout in one D1 batch that refuses to write when another
//! run took any of its commissions first.

use super::commissions::CommissionRepo;
use super::outbox::{record_stmt, Committed, Guard, Planned, Snapshot};
use super::{all, batch, first, stmt, Count, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::commissions::Commission;
use viatrack_core::api::fields::{Currency, ExternalId};
use viatrack_core::api::payouts::{ExportQuery, Payout, PayoutQuery};
use viatrack_core::commission::CommissionStatus;
use viatrack_core::payout::PayoutStatus;
use viatrack_core::{AffiliateId, CommissionId, PayoutId, ProgramId, Timestamp};
use worker::{D1Database, D1PreparedStatement};

/// A commission a run may pay: pending, in no payout, and due by the cutoff (or a
/// clawback, which is netted whenever it is).
#[derive(Debug, Clone, Deserialize)]
pub struct Payable {
    /// The commission.
    pub id: CommissionId,
    /// Who earns it.
    pub affiliate_id: AffiliateId,
    /// ISO 4217.
    pub currency: Currency,
    /// Cents, negative for a clawback.
    pub amount: i64,
    /// When its hold ends.
    pub due_at: Timestamp,
}

/// An affiliate's minimum payout, in cents (its campaign's).
#[derive(Debug, Clone, Deserialize)]
pub struct Minimum {
    /// The affiliate.
    pub affiliate_id: AffiliateId,
    /// Cents.
    pub minimum_payout: u64,
}

#[derive(Deserialize)]
struct Row {
    id: PayoutId,
    affiliate_id: AffiliateId,
    currency: Currency,
    amount: i64,
    status: PayoutStatus,
    reference: Option<ExternalId>,
    commissions_count: u32,
    due_before: Timestamp,
    paid_at: Option<Timestamp>,
    failed_at: Option<Timestamp>,
    canceled_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Row {
    fn into_payout(self, commissions: Option<Vec<Commission>>) -> Payout {
        Payout {
            id: self.id,
            affiliate_id: self.affiliate_id,
            currency: self.currency,
            amount: self.amount,
            status: self.status,
            reference: self.reference,
            commissions_count: self.commissions_count,
            due_before: self.due_before,
            paid_at: self.paid_at,
            failed_at: self.failed_at,
            canceled_at: self.canceled_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            commissions,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.affiliate_id, p.currency, p.amount, p.status, p.reference, \
    p.commissions_count, p.due_before, p.paid_at, p.failed_at, p.canceled_at, p.created_at, p.updated_at \
    FROM payouts p";

/// A payout as an export writes it: with its affiliate's recipient and name.
pub struct Exported {
    /// The payout (without its commissions).
    pub payout: Payout,
    /// The affiliate's `payout_email`, else their email.
    pub recipient: String,
    /// The affiliate's first and last name, if any.
    pub name: Option<String>,
}

#[derive(Deserialize)]
struct ExportedRow {
    recipient: String,
    name: Option<String>,
    #[serde(flatten)]
    row: Row,
}

/// A payout to make: what core's plan decided.
pub struct NewPayout<'a> {
    /// Who is paid.
    pub affiliate_id: &'a AffiliateId,
    /// ISO 4217.
    pub currency: &'a Currency,
    /// Cents: the sum of `commissions`.
    pub amount: i64,
    /// The commissions it holds.
    pub commissions: &'a [&'a CommissionId],
    /// The run's cutoff.
    pub due_before: Timestamp,
}

/// The payouts of programs, through one D1 binding.
pub struct PayoutRepo<'a> {
    db: &'a D1Database,
}

impl<'a> PayoutRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Every commission of the program a run at `cutoff` may pay ([`Payable`]), served by
    /// the index `commissions_payable`.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn payable(&self, program: &ProgramId, cutoff: Timestamp) -> StoreResult<Vec<Payable>> {
        all::<Payable>(self.db, super::sql::PAYABLE, &args![program, cutoff, CommissionStatus::Pending]).await
    }

    /// Each affiliate's minimum payout (its campaign's `minimum_payout`).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn minimums(&self, program: &ProgramId) -> StoreResult<Vec<Minimum>> {
        all::<Minimum>(
            self.db,
            "SELECT a.id AS affiliate_id, c.minimum_payout FROM affiliates a JOIN campaigns c ON c.id = a.campaign_id \
             WHERE a.program_id = ?1",
            &args![program],
        )
        .await
    }

    /// Makes one payout, its commissions' assignment and its `events` in one transaction,
    /// only if every one of its commissions is still pending, in no payout and of the amount
    /// planned (another run, a refund or a PATCH may have moved one meanwhile). Returns the
    /// payout, or `None`: nothing was written (the next run plans again).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn create(
        &self,
        program: &ProgramId,
        new: &NewPayout<'_>,
        now: Timestamp,
        events: &[viatrack_core::webhooks::EventType],
    ) -> StoreResult<Option<Committed<Payout>>> {
        let id = PayoutId::from_bytes(super::random_id_bytes());
        let ids = serde_json::to_string(new.commissions)?;
        let n = new.commissions.len() as u64;
        let planned = Planned::on(events, id.as_str());
        let mut statements = vec![stmt(
            self.db,
            super::sql::PAYOUT_INSERT,
            &args![
                id,
                program,
                new.affiliate_id,
                new.currency,
                new.amount,
                PayoutStatus::Pending,
                n,
                new.due_before,
                now,
                ids,
                CommissionStatus::Pending
            ],
        )?];
        statements.push(stmt(self.db, super::sql::PAYOUT_ASSIGN, &args![program, id, ids, now])?);
        statements.extend(record_stmt(
            self.db,
            program,
            &planned,
            Guard::Exists { table: "payouts", id: id.as_str() },
            now,
        )?);
        statements.push(self.get_stmt(program, &id)?);
        let results = batch(self.db, statements).await?;
        let Some(row) =
            results.last().map(|r| r.results::<Row>()).transpose()?.and_then(|rows| rows.into_iter().next())
        else {
            return Ok(None);
        };
        let payout = row.into_payout(None);
        let events = Snapshot { payout: Some(&payout), ..Snapshot::default() }.events(planned)?;
        Ok(Some(Committed { value: payout, events }))
    }

    /// The statement that reads one payout (without its commissions).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    fn get_stmt(&self, program: &ProgramId, id: &PayoutId) -> StoreResult<D1PreparedStatement> {
        stmt(self.db, &format!("{SELECT} WHERE p.program_id = ?1 AND p.id = ?2"), &args![program, id])
    }

    /// One payout of the program with its commissions (newest first).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &PayoutId, now: Timestamp) -> StoreResult<Option<Payout>> {
        let commissions = CommissionRepo::new(self.db);
        let results =
            batch(self.db, vec![self.get_stmt(program, id)?, commissions.of_payout_stmt(program, id)?]).await?;
        let [payout, of_payout] = results.as_slice() else {
            return Err(super::corrupt("a payout read without its two results"));
        };
        let Some(row) = payout.results::<Row>()?.into_iter().next() else { return Ok(None) };
        Ok(Some(row.into_payout(Some(CommissionRepo::rows(of_payout, now)?))))
    }

    /// The program's payouts an export of `q` writes, oldest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn for_export(&self, program: &ProgramId, q: &ExportQuery, limit: usize) -> StoreResult<Vec<Exported>> {
        let sql = format!(
            "SELECT p.id, p.affiliate_id, p.currency, p.amount, p.status, p.reference, p.commissions_count, p.due_before, \
             p.paid_at, p.failed_at, p.canceled_at, p.created_at, p.updated_at, COALESCE(a.payout_email, a.email) AS recipient, \
             NULLIF(TRIM(COALESCE(a.first_name, '') || ' ' || COALESCE(a.last_name, '')), '') AS name \
             FROM payouts p JOIN affiliates a ON a.id = p.affiliate_id \
             WHERE p.program_id = ?1 AND p.status IN (SELECT value FROM json_each(?2)) AND (?3 IS NULL OR p.currency = ?3) \
             ORDER BY p.created_at, p.id LIMIT {limit}"
        );
        let rows =
            all::<ExportedRow>(self.db, &sql, &args![program, serde_json::to_string(&q.statuses)?, q.currency]).await?;
        Ok(rows
            .into_iter()
            .map(|r| Exported { payout: r.row.into_payout(None), recipient: r.recipient, name: r.name })
            .collect())
    }

    /// A page of the program's payouts matching `q`, newest first, and the total.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, q: &PayoutQuery) -> StoreResult<(Vec<Payout>, u64)> {
        let (filter, args) = super::sql::payout_filter(program, q);
        let page = format!(
            "{SELECT} WHERE {filter} ORDER BY p.created_at DESC, p.id DESC LIMIT {} OFFSET {}",
            q.paging.limit,
            q.paging.offset()
        );
        let rows = all::<Row>(self.db, &page, &args).await?;
        let total = first::<Count>(self.db, &format!("SELECT COUNT(*) AS n FROM payouts p WHERE {filter}"), &args)
            .await?
            .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(|r| r.into_payout(None)).collect(), total))
    }

    /// Moves the payout from `from` to `to` (already allowed by core's table), only if it is
    /// still `from`, with what the move does to its commissions in the same transaction:
    /// `paid` marks them paid; `failed` and `canceled` release them to the next run. Stores
    /// `events` and returns the payout with its commissions as the write left them, or
    /// `None`: it changed meanwhile (nothing written).
    ///
    /// # Errors
    ///
    /// Storage failure.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_status(
        &self,
        program: &ProgramId,
        id: &PayoutId,
        from: PayoutStatus,
        to: PayoutStatus,
        reference: Option<&ExternalId>,
        now: Timestamp,
        events: &[viatrack_core::webhooks::EventType],
    ) -> StoreResult<Option<Committed<Payout>>> {
        let at = match to {
            PayoutStatus::Paid => "paid_at = ?5, ",
            PayoutStatus::Failed => "failed_at = ?5, ",
            PayoutStatus::Canceled => "canceled_at = ?5, ",
            PayoutStatus::Pending | PayoutStatus::Processing => "",
        };
        let planned = Planned::on(events, id.as_str());
        let mut statements = vec![stmt(
            self.db,
            &format!(
                "UPDATE payouts SET status = ?4, {at}reference = COALESCE(?6, reference), updated_at = ?5 \
                 WHERE program_id = ?1 AND id = ?2 AND status = ?3"
            ),
            &args![program, id, from, to, now, reference],
        )?];
        statements.extend(record_stmt(self.db, program, &planned, Guard::Changed, now)?);
        // The payout's row as this request left it (?4 status, ?5 now) gates the commissions'
        // move, so a request that lost the race moves nothing.
        const MOVED: &str = "EXISTS (SELECT 1 FROM payouts WHERE id = ?2 AND status = ?4 AND updated_at = ?5)";
        match to {
            PayoutStatus::Paid => statements.push(stmt(
                self.db,
                &format!(
                    "UPDATE commissions SET status = ?3, paid_at = ?5, updated_at = ?5 \
                     WHERE payout_id = ?2 AND program_id = ?1 AND status = ?6 AND {MOVED}"
                ),
                &args![program, id, CommissionStatus::Paid, to, now, CommissionStatus::Pending],
            )?),
            PayoutStatus::Failed | PayoutStatus::Canceled => statements.push(stmt(
                self.db,
                &format!(
                    "UPDATE commissions SET payout_id = NULL, updated_at = ?5 \
                     WHERE payout_id = ?2 AND program_id = ?1 AND status = ?3 AND {MOVED}"
                ),
                &args![program, id, CommissionStatus::Pending, to, now],
            )?),
            PayoutStatus::Pending | PayoutStatus::Processing => {}
        }
        statements.push(self.get_stmt(program, id)?);
        statements.push(CommissionRepo::new(self.db).of_payout_stmt(program, id)?);
        let results = batch(self.db, statements).await?;
        let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if changed == 0 {
            return Ok(None);
        }
        let [.., payout_read, commissions_read] = results.as_slice() else {
            return Err(super::corrupt("a payout move's batch without its reads"));
        };
        let row = payout_read
            .results::<Row>()?
            .into_iter()
            .next()
            .ok_or_else(|| super::corrupt("a payout move's batch did not read the payout"))?;
        let payout = row.into_payout(Some(CommissionRepo::rows(commissions_read, now)?));
        let events = Snapshot { payout: Some(&payout), ..Snapshot::default() }.events(planned)?;
        Ok(Some(Committed { value: payout, events }))
    }
}
