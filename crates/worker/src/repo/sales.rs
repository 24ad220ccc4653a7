//! `sales`: payments credited to a referral, one per invoice ID per program.

use super::commissions::CommissionRepo;
use super::outbox::{record_stmt, Committed, Guard, Planned, Snapshot};
use super::referrals::ReferralRepo;
use super::{arg, batch, first, stmt, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::fields::Currency;
use viatrack_core::api::referrals::Referral;
use viatrack_core::api::resources::CommissionType;
use viatrack_core::api::tracking::Sale;
use viatrack_core::commission::{Earned, Recurring, Terms};
use viatrack_core::outbox::EventObject;
use viatrack_core::webhooks::EventType;
use viatrack_core::{CommissionId, Lifecycle, ProgramId, ReferralId, SaleId, Status, Timestamp};
use worker::{D1Database, D1PreparedStatement};

/// The sales of programs, through one D1 binding.
pub struct SaleRepo<'a> {
    db: &'a D1Database,
}

/// A sale to record.
#[derive(Debug, Clone)]
pub struct NewSale<'s> {
    /// The referral credited.
    pub referral_id: &'s ReferralId,
    /// Amount in cents.
    pub amount: u64,
    /// ISO 4217 code.
    pub currency: &'s Currency,
    /// The merchant's invoice ID.
    pub invoice_id: &'s str,
    /// The payment it was made with (Stripe's PaymentIntent), by which a refund finds it.
    pub payment_id: Option<&'s str>,
    /// When it was made.
    pub at: Timestamp,
}

const SALE: &str = "SELECT id, referral_id, amount, currency, invoice_id, refunded, created_at FROM sales";

/// The commission terms of a referral's campaign, and the referral's first sale.
#[derive(Deserialize)]
struct TermsRow {
    commission_type: Option<CommissionType>,
    commission_amount: Option<u64>,
    #[serde(deserialize_with = "super::flag")]
    recurring: bool,
    recurring_months: Option<u32>,
    hold_days: u32,
    first_sale_at: Option<Timestamp>,
}

impl<'a> SaleRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// The sale recorded for an invoice ID, if any.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn by_invoice(&self, program: &ProgramId, invoice_id: &str) -> StoreResult<Option<Sale>> {
        first::<Sale>(
            self.db,
            &format!("{SALE} WHERE program_id = ?1 AND invoice_id = ?2"),
            &[arg(program.as_str()), arg(invoice_id)],
        )
        .await
    }

    /// One sale of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &SaleId) -> StoreResult<Option<Sale>> {
        Ok(self.get_stmt(program, id)?.first::<Sale>(None).await?)
    }

    /// The statement that reads one sale (in a write's batch; [`Self::row`] reads its result).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn get_stmt(&self, program: &ProgramId, id: &SaleId) -> StoreResult<D1PreparedStatement> {
        stmt(self.db, &format!("{SALE} WHERE program_id = ?1 AND id = ?2"), &args![program, id])
    }

    /// The sale a [`Self::get_stmt`] of a batch read.
    ///
    /// # Errors
    ///
    /// A row that does not deserialize.
    pub fn row(result: &worker::D1Result) -> StoreResult<Option<Sale>> {
        Ok(result.results::<Sale>()?.pop())
    }

    /// The sale made with a payment (Stripe's PaymentIntent), if any.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn by_payment(&self, program: &ProgramId, payment_id: &str) -> StoreResult<Option<Sale>> {
        first::<Sale>(
            self.db,
            &format!("{SALE} WHERE program_id = ?1 AND payment_id = ?2"),
            &args![program, payment_id],
        )
        .await
    }

    /// The commission terms of the referral's campaign and the time of its first sale
    /// (`None` before any); `None` when the program has no such referral.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn terms(
        &self,
        program: &ProgramId,
        referral: &ReferralId,
    ) -> StoreResult<Option<(Terms, Option<Timestamp>)>> {
        let row = first::<TermsRow>(
            self.db,
            "SELECT c.commission_type, c.commission_amount, COALESCE(c.recurring, 0) AS recurring, c.recurring_months, \
             COALESCE(c.hold_days, 0) AS hold_days, (SELECT MIN(s.created_at) FROM sales s WHERE s.referral_id = r.id) AS first_sale_at \
             FROM referrals r LEFT JOIN campaigns c ON c.id = r.campaign_id WHERE r.program_id = ?1 AND r.id = ?2",
            &args![program, referral],
        )
        .await?;
        Ok(row.map(|r| {
            let terms = Terms::from_fields(
                r.commission_type,
                r.commission_amount,
                Recurring { recurring: r.recurring, months: r.recurring_months },
                r.hold_days,
            );
            (terms, r.first_sale_at)
        }))
    }

    /// The statement that inserts a sale for `sale.referral_id`, only while that referral is
    /// in status `expected` (else it inserts nothing).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn insert_stmt(
        &self,
        program: &ProgramId,
        id: &SaleId,
        sale: &NewSale<'_>,
        expected: Status,
    ) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            "INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, payment_id, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?9, ?7 WHERE EXISTS (SELECT 1 FROM referrals WHERE program_id = ?2 AND id = ?3 AND status = ?8)",
            &args![id, program, sale.referral_id, sale.amount, sale.currency, sale.invoice_id, sale.at, expected, sale.payment_id],
        )
    }

    /// Records the sale, its commission (`earned`, decided by core's terms) and the move of
    /// its referral to `next`, in one transaction, only if the referral is still in status
    /// `expected`, with `events` (core's [`viatrack_core::outbox::sale_recorded`]). Returns the
    /// sale and its referral as the write left them, read in the same batch, or `None` (and
    /// writes nothing) if the referral's status changed meanwhile.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`invoice_id`, a racing duplicate) or storage failure.
    #[allow(clippy::too_many_arguments)]
    pub async fn record(
        &self,
        program: &ProgramId,
        sale: &NewSale<'_>,
        expected: Status,
        next: &Lifecycle,
        earned: Option<Earned>,
        now: Timestamp,
        events: &[EventType],
    ) -> StoreResult<Option<Committed<(Sale, Referral)>>> {
        let id = SaleId::from_bytes(super::random_id_bytes());
        let commission = CommissionId::from_bytes(super::random_id_bytes());
        let planned = Planned::all(events, |object| match object {
            EventObject::Sale => id.as_str().to_string(),
            EventObject::Commission => commission.as_str().to_string(),
            // (A sale never makes a payout event.)
            EventObject::Referral | EventObject::Payout | EventObject::Coupon => sale.referral_id.as_str().to_string(),
        });
        let commissions = CommissionRepo::new(self.db);
        let referrals = ReferralRepo::new(self.db);
        // One transaction from each table's own statement: the sale (only while the referral
        // is still `expected`), its commission (only if the sale went in), the referral's
        // move, the events (only if the sale went in), then the reads of what it left.
        let mut statements = vec![self.insert_stmt(program, &id, sale, expected)?];
        if let Some(e) = earned {
            statements.push(commissions.insert_for_sale_stmt(
                program,
                &commission,
                &id,
                sale.referral_id,
                e.amount,
                sale.currency,
                e.due_at,
                now,
            )?);
        }
        statements.push(referrals.move_stmt(program, sale.referral_id, expected, next, now)?);
        statements.extend(record_stmt(
            self.db,
            program,
            &planned,
            Guard::Exists { table: "sales", id: id.as_str() },
            now,
        )?);
        statements.push(commissions.of_sale_stmt(program, &id)?);
        statements.push(referrals.get_stmt(program, sale.referral_id)?);
        let results = batch(self.db, statements).await?;
        let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if inserted == 0 {
            return Ok(None);
        }
        let recorded = Sale {
            id,
            referral_id: sale.referral_id.clone(),
            amount: sale.amount,
            currency: sale.currency.clone(),
            invoice_id: sale.invoice_id.to_string(),
            refunded: 0,
            created_at: sale.at,
        };
        let [.., commissions_read, referral_read] = results.as_slice() else {
            return Err(super::corrupt("a sale's batch without its reads"));
        };
        let earned = CommissionRepo::rows(commissions_read, now)?;
        let referral = ReferralRepo::row(referral_read)?
            .ok_or_else(|| super::corrupt("a sale's batch did not read its referral"))?;
        let events = Snapshot {
            referral: Some(&referral),
            sale: Some(&recorded),
            commissions: &earned,
            payout: None,
            coupon: None,
        }
        .events(planned)?;
        Ok(Some(Committed { value: (recorded, referral), events }))
    }
}
