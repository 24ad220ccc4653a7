//! Repositories: one per table, each owning the D1 binding it is given. SQL is always
//! parameterised (`?1`, `?2` … bound values); nothing from a request is ever spliced into
//! SQL text. Writes that touch several rows go through one `batch`, which D1 runs as a
//! transaction, so a failure leaves nothing half-written.

pub mod affiliates;
pub mod campaigns;
pub mod commissions;
pub mod coupons;
pub mod idempotency;
pub mod integrations;
pub mod keys;
pub mod links;
pub mod outbox;
pub mod payouts;
pub mod referrals;
pub mod sales;
pub mod sql;
pub mod stats;
pub mod webhooks;

pub use sql::{arg, Arg, Users};

use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("{constraint:?} refused the write")]
    Unique {
        /// The constraint that clashed.
        constraint: Constraint,
        /// D1's error.
        #[source]
        source: worker::Error,
    },
    /// Anything else D1 or the runtime reported (logged, answered as a bare 500).
    #[error("storage: {0}")]
    Backend(#[from] worker::Error),
    /// A stored row that does not deserialize into its type (corruption or a bug).
    #[error("stored row does not parse: {0}")]
    Corrupt(String),
    /// A stored JSON column that does not parse, or a value that does not serialize.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The unique constraints of the schema (migrations/), named by the columns SQLite reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `referrals_email`: one referral per email in a program.
    ReferralEmail,
    /// `links (program_id, token)`: one link per token in a program.
    LinkToken,
    /// `sales (program_id, invoice_id)`: one sale per invoice in a program.
    SaleInvoice,
    /// `affiliates (program_id, email)`: one affiliate per email in a program.
    AffiliateEmail,
    /// `coupons (program_id, code)`: one coupon per code (upper case) in a program.
    CouponCode,
    /// `coupons_promotion_code`: one coupon per Stripe promotion code in a program.
    CouponPromotionCode,
    /// Any other unique constraint.
    Other,
}

impl Constraint {
    /// The constraint SQLite names in `UNIQUE constraint failed: <table.column, …>`.
    fn of(message: &str) -> Option<Constraint> {
        let columns = message.split("UNIQUE constraint failed: ").nth(1)?;
        let columns = columns.split(':').next().unwrap_or(columns).trim();
        Some(match columns {
            "referrals.program_id, referrals.email" => Constraint::ReferralEmail,
            "links.program_id, links.token" => Constraint::LinkToken,
            "sales.program_id, sales.invoice_id" => Constraint::SaleInvoice,
            "affiliates.program_id, affiliates.email" => Constraint::AffiliateEmail,
            "coupons.program_id, coupons.code" => Constraint::CouponCode,
            "coupons.program_id, coupons.stripe_promotion_code" => Constraint::CouponPromotionCode,
            _ => Constraint::Other,
        })
    }

    /// The field a client sent that clashed, for the `CONFLICT` message.
    pub fn field(self) -> &'static str {
        match self {
            Constraint::ReferralEmail | Constraint::AffiliateEmail => "email",
            Constraint::LinkToken => "token",
            Constraint::SaleInvoice => "invoice_id",
            Constraint::CouponCode => "code",
            Constraint::CouponPromotionCode => "stripe_promotion_code",
            Constraint::Other => "a unique value",
        }
    }
}

/// Repository result.
pub type StoreResult<T> = Result<T, StoreError>;

/// Classifies a D1 error: a unique-constraint refusal names its constraint.
fn classify(e: worker::Error) -> StoreError {
    match Constraint::of(&e.to_string()) {
        Some(constraint) => StoreError::Unique { constraint, source: e },
        None => StoreError::Backend(e),
    }
}

/// A stored row that does not parse back (corruption or a bug).
pub fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The bound parameters `[arg(&a), arg(&b), …]`, as an array.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => { [$($crate::repo::arg(&$value)),*] };
}

fn js(args: &[Arg]) -> StoreResult<Vec<JsValue>> {
    // As workers-rs's `query!` binds: JSON-compatible, a missing value as NULL.
    let serializer = worker::d1::serde_wasm_bindgen::Serializer::json_compatible().serialize_missing_as_null(true);
    args.iter()
        .map(|a| serde::Serialize::serialize(a, &serializer).map_err(|e| StoreError::Corrupt(format!("bind: {e}"))))
        .collect()
}

/// Prepares `sql` with bound `args` ([`arg`], [`args!`](crate::args)).
pub fn stmt(db: &D1Database, sql: &str, args: &[Arg]) -> StoreResult<D1PreparedStatement> {
    Ok(db.prepare(sql).bind(&js(args)?)?)
}

/// The first row, if any, deserialized into `T`.
pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> StoreResult<Option<T>> {
    stmt(db, sql, args)?.first::<T>(None).await.map_err(classify)
}

/// All rows, deserialized into `T`.
pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[Arg]) -> StoreResult<Vec<T>> {
    Ok(stmt(db, sql, args)?.all().await.map_err(classify)?.results::<T>()?)
}

/// Runs a write; returns the number of rows changed.
pub async fn run(db: &D1Database, sql: &str, args: &[Arg]) -> StoreResult<usize> {
    let result = stmt(db, sql, args)?.run().await.map_err(classify)?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// Runs statements as one transaction.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> StoreResult<Vec<worker::D1Result>> {
    db.batch(statements).await.map_err(classify)
}

/// Reads an SQLite boolean (INTEGER 0 or 1) as a `bool`.
///
/// # Errors
///
/// Any other value.
pub fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match <i64 as serde::Deserialize>::deserialize(d)? {
        0 => Ok(false),
        1 => Ok(true),
        n => Err(serde::de::Error::custom(format!("{n} is not a stored boolean"))),
    }
}

/// The single `COUNT(*) AS n` of a count query.
#[derive(serde::Deserialize)]
pub struct Count {
    /// The count.
    pub n: u64,
}

/// 16 random bytes for a new ID (a UUID v4, from the `uuid` crate).
pub fn random_id_bytes() -> [u8; 16] {
    uuid::Uuid::new_v4().into_bytes()
}

/// What a guarded delete did ([`delete_unused`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// The row is gone.
    Yes,
    /// The program has no such row.
    NotFound,
    /// Rows of these kinds (`"affiliates"`, `"links"`, `"referrals"`) still name it.
    InUse(Vec<&'static str>),
}

/// Deletes the program's row `id` of `table` unless a row of `users` still names it: one
/// statement ([`sql::delete_unused`]), so nothing can start using it between the check and
/// the delete. When nothing was deleted, a second read ([`sql::usage`]) tells why.
///
/// # Errors
///
/// Storage failure.
pub async fn delete_unused(
    db: &D1Database,
    table: &'static str,
    users: Users,
    program: &str,
    id: &str,
) -> StoreResult<Deleted> {
    if run(db, &sql::delete_unused(table, users), &args![program, id]).await? > 0 {
        return Ok(Deleted::Yes);
    }
    let row = first::<std::collections::HashMap<String, i64>>(db, &sql::usage(table, users), &args![program, id])
        .await?
        .unwrap_or_default();
    if row.get("found").copied().unwrap_or(0) == 0 {
        return Ok(Deleted::NotFound);
    }
    let in_use = users.iter().enumerate().filter(|(i, _)| row.get(&format!("u{i}")).copied().unwrap_or(0) != 0);
    Ok(Deleted::InUse(in_use.map(|(_, (kind, _, _))| *kind).collect()))
}
