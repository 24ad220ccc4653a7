//! `sales`: payments credited to a referral, one per invoice ID per program.

use super::commissions::CommissionRepo;
use super::referrals::ReferralRepo;
use super::{arg, batch, first, stmt, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::resources::CommissionType;
use viatrack_core::api::tracking::Sale;
use viatrack_core::commission::{Earned, Recurring, Terms};
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
    pub currency: &'s str,
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
    /// `expected`. Returns the sale, or `None` (and writes nothing) if the referral's status
    /// changed meanwhile.
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
        earned: Option<Earned>,
        now: Timestamp,
    ) -> StoreResult<Option<Sale>> {
        let id = SaleId::from_bytes(super::random_id_bytes());
        // One transaction from each table's own statement: the sale (only while the referral
        // is still `expected`), its commission (only if the sale went in), then the
        // referral's move.
        let mut statements = vec![self.insert_stmt(program, &id, sale, expected)?];
        if let Some(e) = earned {
            let commission = CommissionId::from_bytes(super::random_id_bytes());
            statements.push(CommissionRepo::new(self.db).insert_for_sale_stmt(
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
        statements.push(ReferralRepo::new(self.db).move_stmt(program, sale.referral_id, expected, next, now)?);
        let results = batch(self.db, statements).await?;
        let inserted = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        Ok((inserted > 0).then(|| Sale {
            id,
            referral_id: sale.referral_id.clone(),
            amount: sale.amount,
            currency: sale.currency.to_string(),
            invoice_id: sale.invoice_id.to_string(),
            refunded: 0,
            created_at: sale.at,
        }))
    }
}
