//! Payout exports (`GET /v1/payouts/export?format=…`): the CSV files that PayPal's Payouts
//! upload and Wise's batch payments take, and a plain CSV of the payouts. Written with the
//! `csv` crate (quoting and escaping are its).
//!
//! * `paypal` — PayPal Payouts "Send payouts via file upload": no header row; each row is
//!   recipient email, amount in the currency's major unit (`100.50`), currency code, customer
//!   ID (ours: the payout's `pay_…` is 36 characters, over PayPal's 30, so the affiliate's
//!   last 30), note to recipient, and the wallet `PAYPAL`. One currency per file, as PayPal
//!   requires.
//! * `wise` — Wise's "Send by email" batch template: a header row `name, recipientEmail,
//!   paymentReference, receiverType, amountCurrency, amount, sourceCurrency,
//!   targetCurrency`; `receiverType` is `PERSON`, `amountCurrency` `target` (the affiliate
//!   receives exactly the payout's amount), source and target the payout's currency.
//! * `csv` — every payout field a bookkeeper asks for, with a header row.
//!
//! The recipient is the affiliate's `payout_email` when set, else the affiliate's email.

use super::fields::Currency;
use super::payouts::Payout;
use alloc::string::String;
use alloc::vec::Vec;

crate::wire_enum! {
    /// The file a payout export writes.
    pub enum ExportFormat ("export format (paypal, wise or csv)") {
        /// PayPal Payouts' bulk upload file.
        PayPal = "paypal",
        /// Wise's batch payment template (send by email).
        Wise = "wise",
        /// A CSV of the payouts.
        Csv = "csv",
    }
}

/// The most rows one file holds: PayPal takes up to 5,000 payouts a file (Wise 1,000, which
/// the merchant splits on upload).
pub const MAX_EXPORT_ROWS: usize = 5_000;

/// One payout with its affiliate, as an export row needs it.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    /// The payout.
    pub payout: &'a Payout,
    /// Who receives it: the affiliate's `payout_email`, else their email.
    pub recipient: &'a str,
    /// The affiliate's name (first and last), if any.
    pub name: Option<&'a str>,
}

/// Why an export cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// PayPal takes one currency per file; the rows have several.
    #[error("a PayPal file holds one currency; these payouts are in {0}: add currency=… to the request")]
    SeveralCurrencies(String),
    /// The CSV writer failed (it writes to memory, so only a bug can make it).
    #[error("the CSV writer failed: {0}")]
    Csv(String),
}

/// Digits after the decimal point of `currency`'s major unit: 0 for Stripe's zero-decimal
/// currencies, 3 for the three-decimal ones, else 2 (amounts here are in the minor unit,
/// as Stripe reports them; source: Stripe's "Zero-decimal currencies" and "Three-decimal
/// currencies" lists, which follow ISO 4217).
pub fn minor_digits(currency: &Currency) -> u32 {
    match currency.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "JPY" | "KMF" | "KRW" | "MGA" | "PYG" | "RWF" | "UGX" | "VND" | "VUV"
        | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "JOD" | "KWD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// `cents` (the minor unit) in the major unit, as the files want it: `12345` USD →
/// `123.45`, `-5` USD → `-0.05`, `500` JPY → `500`.
pub fn major_units(cents: i64, currency: &Currency) -> String {
    let digits = minor_digits(currency);
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    if digits == 0 {
        return alloc::format!("{sign}{abs}");
    }
    let unit = 10u64.pow(digits);
    alloc::format!("{sign}{}.{:0width$}", abs / unit, abs % unit, width = digits as usize)
}

/// The file of `rows` in `format`, UTF-8 text.
///
/// # Errors
///
/// [`ExportError::SeveralCurrencies`] for a PayPal file of rows in more than one currency.
pub fn render(format: ExportFormat, rows: &[ExportRow<'_>]) -> Result<String, ExportError> {
    let bad = |e: csv::Error| ExportError::Csv(alloc::format!("{e}"));
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    match format {
        ExportFormat::PayPal => {
            let mut currencies: Vec<&str> = rows.iter().map(|r| r.payout.currency.as_str()).collect();
            currencies.sort_unstable();
            currencies.dedup();
            if currencies.len() > 1 {
                return Err(ExportError::SeveralCurrencies(currencies.join(", ")));
            }
            for r in rows {
                let p = r.payout;
                let customer = p.affiliate_id.as_str();
                let customer = &customer[customer.len().saturating_sub(30)..];
                let note = alloc::format!("Affiliate payout {}", p.id);
                w.write_record([
                    r.recipient,
                    &major_units(p.amount, &p.currency),
                    p.currency.as_str(),
                    customer,
                    &note,
                    "PAYPAL",
                ])
                .map_err(bad)?;
            }
        }
        ExportFormat::Wise => {
            w.write_record([
                "name",
                "recipientEmail",
                "paymentReference",
                "receiverType",
                "amountCurrency",
                "amount",
                "sourceCurrency",
                "targetCurrency",
            ])
            .map_err(bad)?;
            for r in rows {
                let p = r.payout;
                w.write_record([
                    r.name.unwrap_or(r.recipient),
                    r.recipient,
                    p.id.as_str(),
                    "PERSON",
                    "target",
                    &major_units(p.amount, &p.currency),
                    p.currency.as_str(),
                    p.currency.as_str(),
                ])
                .map_err(bad)?;
            }
        }
        ExportFormat::Csv => {
            w.write_record([
                "payout_id",
                "affiliate_id",
                "recipient_email",
                "name",
                "currency",
                "amount",
                "amount_cents",
                "status",
                "commissions_count",
                "due_before",
                "created_at",
                "paid_at",
                "reference",
            ])
            .map_err(bad)?;
            for r in rows {
                let p = r.payout;
                let time = |t: Option<crate::Timestamp>| t.map(|t| t.to_iso8601()).unwrap_or_default();
                w.write_record([
                    p.id.as_str(),
                    p.affiliate_id.as_str(),
                    r.recipient,
                    r.name.unwrap_or(""),
                    p.currency.as_str(),
                    &major_units(p.amount, &p.currency),
                    &alloc::format!("{}", p.amount),
                    p.status.as_str(),
                    &alloc::format!("{}", p.commissions_count),
                    &p.due_before.to_iso8601(),
                    &p.created_at.to_iso8601(),
                    &time(p.paid_at),
                    p.reference.as_ref().map_or("", |x| x.as_str()),
                ])
                .map_err(bad)?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| ExportError::Csv(alloc::format!("{e}")))?;
    String::from_utf8(bytes).map_err(|e| ExportError::Csv(alloc::format!("{e}")))
}
