//! Helpers shared by the SQL tests (`query_plans.rs`, `stats.rs`): an in-memory SQLite
//! database with the project's migrations applied, and the Worker's bound values as
//! rusqlite's.

use rusqlite::Connection;
use serde_json::Value;
use std::path::PathBuf;

/// The migration files (`migrations/*.sql`), in the order they apply.
pub fn migrations() -> Vec<PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.retain(|f| f.extension().is_some_and(|e| e == "sql"));
    files
}

/// A database with the migrations before `stop` (file name prefix) applied, or all.
pub fn db_until(stop: Option<&str>) -> Connection {
    let db = Connection::open_in_memory().unwrap();
    db.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    for f in migrations() {
        if stop.is_some_and(|s| f.file_name().unwrap().to_str().unwrap().starts_with(s)) {
            break;
        }
        db.execute_batch(&std::fs::read_to_string(&f).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
    db
}

/// Applies the migrations from `start` (file name prefix) on, to a database made by
/// [`db_until`] with the same `start`.
#[allow(dead_code)] // not every test file moves a database across a migration
pub fn apply_from(db: &Connection, start: &str) {
    for f in migrations() {
        if f.file_name().unwrap().to_str().unwrap() >= start {
            db.execute_batch(&std::fs::read_to_string(&f).unwrap()).unwrap();
        }
    }
}

/// The JSON values the Worker binds to D1 (`null`, strings, whole numbers) as rusqlite's.
pub fn bind(args: &[Value]) -> Vec<rusqlite::types::Value> {
    args.iter()
        .map(|a| match a {
            Value::Null => rusqlite::types::Value::Null,
            Value::String(s) => rusqlite::types::Value::Text(s.clone()),
            Value::Number(n) => rusqlite::types::Value::Integer(n.as_i64().unwrap()),
            other => panic!("unexpected bound value {other}"),
        })
        .collect()
}
