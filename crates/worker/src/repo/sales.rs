//! `sales`: payments credited to a referral, one per invoice ID per program.

use super::referrals::ReferralRepo;
use super::{arg, batch, first, stmt, StoreResult};
use crate::args;
use viatrack_core::api::tracking::Sale;
use viatrack_core::{Lifecycle, ProgramId, ReferralId, SaleId, Status, Timestamp};
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
    pub currency: &'s str,
    /// The merchant's invoice ID.
    pub invoice_id: &'s str,
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
            "SELECT id, referral_id, amount, currency, invoice_id, created_at FROM sales WHERE program_id = ?1 AND invoice_id = ?2",
            &[arg(program.as_str()), arg(invoice_id)],
        )
        .await
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
        now: Timestamp,
    ) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            "INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM referrals WHERE program_id = ?2 AND id = ?3 AND status = ?8)",
            &args![id, program, sale.referral_id, sale.amount, sale.currency, sale.invoice_id, now, expected],
        )
    }

    /// The statement that deletes a referral's sales (part of deleting the referral).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn delete_for_referral_stmt(
        &self,
        program: &ProgramId,
        referral: &ReferralId,
    ) -> StoreResult<D1PreparedStatement> {
        stmt(self.db, "DELETE FROM sales WHERE program_id = ?1 AND referral_id = ?2", &args![program, referral])
    }

    /// Records the sale and moves its referral to `next`, in one transaction, only if the
    /// referral is still in status `expected`. Returns the sale, or `None` (and writes
    /// nothing) if the referral's status changed meanwhile.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`invoice_id`, a racing duplicate) or storage failure.
    pub async fn record(
        &self,
        program: &ProgramId,
        sale: &NewSale<'_>,
        expected: Status,
        next: &Lifecycle,
        now: Timestamp,
    ) -> StoreResult<Option<Sale>> {
        let id = SaleId::from_bytes(super::random_id_bytes());
        // One transaction from each table's own statement: the sale (only while the referral
        // is still `expected`), then the referral's move.
        let results = batch(
            self.db,
            vec![
                self.insert_stmt(program, &id, sale, expected, now)?,
                ReferralRepo::new(self.db).move_stmt(program, sale.referral_id, expected, next, now)?,
            ],
        )
        .await?;
        let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok((inserted > 0).then(|| Sale {
            id,
            referral_id: sale.referral_id.clone(),
            amount: sale.amount,
            currency: sale.currency.to_string(),
            invoice_id: sale.invoice_id.to_string(),
            created_at: now,
        }))
    }
}
