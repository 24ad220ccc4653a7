//! `sales`: payments credited to a referral, one per invoice ID per program.

use super::{arg, batch, corrupt, first, parse_ts, stmt, StoreResult};
use serde::Deserialize;
use viatrack_core::api::tracking::Sale;
use viatrack_core::{Lifecycle, ProgramId, ReferralId, SaleId, Status, Timestamp};
use worker::D1Database;

/// The sales of programs, through one D1 binding.
pub struct SaleRepo<'a> {
    db: &'a D1Database,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    referral_id: String,
    amount: u64,
    currency: String,
    invoice_id: String,
    created_at: String,
}

impl Row {
    fn into_sale(self) -> StoreResult<Sale> {
        Ok(Sale {
            id: SaleId::parse(&self.id).map_err(|_| corrupt("sale id"))?,
            referral_id: ReferralId::parse(&self.referral_id).map_err(|_| corrupt("referral id"))?,
            amount: self.amount,
            currency: self.currency,
            invoice_id: self.invoice_id,
            created_at: parse_ts(&self.created_at)?,
        })
    }
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
        first::<Row>(
            self.db,
            "SELECT id, referral_id, amount, currency, invoice_id, created_at FROM sales WHERE program_id = ?1 AND invoice_id = ?2",
            &[arg(program.as_str()), arg(invoice_id)],
        )
        .await?
        .map(Row::into_sale)
        .transpose()
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
        let results = batch(
            self.db,
            vec![
                stmt(
                    self.db,
                    "INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM referrals WHERE program_id = ?2 AND id = ?3 AND status = ?8)",
                    &[
                        arg(id.as_str()),
                        arg(program.as_str()),
                        arg(sale.referral_id.as_str()),
                        arg(&sale.amount),
                        arg(sale.currency),
                        arg(sale.invoice_id),
                        arg(&now),
                        arg(expected.as_str()),
                    ],
                )?,
                stmt(
                    self.db,
                    "UPDATE referrals SET status = ?4, became_lead_at = ?5, became_conversion_at = ?6, converted_at = ?7, updated_at = ?8 \
                     WHERE program_id = ?1 AND id = ?2 AND status = ?3",
                    &[
                        arg(program.as_str()),
                        arg(sale.referral_id.as_str()),
                        arg(expected.as_str()),
                        arg(next.status.as_str()),
                        arg(&next.became_lead_at),
                        arg(&next.became_conversion_at),
                        arg(&next.converted_at),
                        arg(&now),
                    ],
                )?,
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
