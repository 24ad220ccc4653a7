//! Repositories: one per table, each owning the D1 binding it is given. SQL is always
//! parameterised (`?1`, `?2` … bound values); nothing from a request is ever spliced into
//! SQL text. Writes that touch several rows go through one `batch`, which D1 runs as a
//! transaction, so a failure leaves nothing half-written.

pub mod affiliates;
pub mod campaigns;
pub mod links;
pub mod referrals;
pub mod sales;

use serde::de::DeserializeOwned;
use viatrack_core::Timestamp;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// A storage failure.
#[derive(Debug)]
pub enum StoreError {
    /// A unique constraint refused the write; names the field that clashed (`email`,
    /// `token`, `invoice_id`).
    Unique(&'static str),
    /// Anything else D1 or the runtime reported (logged, answered as a bare 500).
    Backend(String),
}

/// Repository result.
pub type StoreResult<T> = Result<T, StoreError>;

impl From<worker::Error> for StoreError {
    fn from(e: worker::Error) -> Self {
        let text = e.to_string();
        if let Some(i) = text.find("UNIQUE constraint failed: ") {
            let cols = &text[i + "UNIQUE constraint failed: ".len()..];
            let field = if cols.contains(".token") {
                "token"
            } else if cols.contains(".invoice_id") {
                "invoice_id"
            } else if cols.contains(".email") {
                "email"
            } else {
                "a unique value"
            };
            return StoreError::Unique(field);
        }
        StoreError::Backend(text)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(format!("stored JSON: {e}"))
    }
}

/// A stored row that does not parse back (corruption or a bug).
pub fn corrupt(what: &str) -> StoreError {
    StoreError::Backend(format!("stored value does not parse: {what}"))
}

/// A text parameter.
pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// A nullable text parameter.
pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

/// An integer parameter.
pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// A timestamp parameter (ISO 8601 UTC text).
pub fn ts(t: Timestamp) -> JsValue {
    JsValue::from_str(&t.to_iso8601())
}

/// A nullable timestamp parameter.
pub fn opt_ts(t: Option<Timestamp>) -> JsValue {
    t.map_or(JsValue::NULL, ts)
}

/// Parses a stored timestamp.
pub fn parse_ts(s: &str) -> StoreResult<Timestamp> {
    Timestamp::parse_iso8601(s).map_err(|_| corrupt("timestamp"))
}

/// Parses an optional stored timestamp.
pub fn parse_opt_ts(s: Option<&str>) -> StoreResult<Option<Timestamp>> {
    s.map(parse_ts).transpose()
}

/// Prepares `sql` with bound `args`.
pub fn stmt(db: &D1Database, sql: &str, args: &[JsValue]) -> StoreResult<D1PreparedStatement> {
    Ok(db.prepare(sql).bind(args)?)
}

/// The first row, if any.
pub async fn first<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[JsValue]) -> StoreResult<Option<T>> {
    Ok(stmt(db, sql, args)?.first::<T>(None).await?)
}

/// All rows.
pub async fn all<T: DeserializeOwned>(db: &D1Database, sql: &str, args: &[JsValue]) -> StoreResult<Vec<T>> {
    Ok(stmt(db, sql, args)?.all().await?.results::<T>()?)
}

/// Runs a write; returns the number of rows changed.
pub async fn run(db: &D1Database, sql: &str, args: &[JsValue]) -> StoreResult<usize> {
    let result = stmt(db, sql, args)?.run().await?;
    Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
}

/// Runs statements as one transaction.
pub async fn batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> StoreResult<Vec<worker::D1Result>> {
    Ok(db.batch(statements).await?)
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
