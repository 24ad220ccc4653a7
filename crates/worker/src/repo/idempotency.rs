//! `idempotency_keys`: each program's `Idempotency-Key`s of the last 24 h, the request each
//! was first used with, and that request's answer (sealed).

use super::{first, run, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::{ProgramId, Timestamp};
use worker::D1Database;

/// Idempotency keys of programs, through one D1 binding.
pub struct IdempotencyRepo<'a> {
    db: &'a D1Database,
}

/// A stored key.
#[derive(Debug, Deserialize)]
pub struct Stored {
    /// SHA-256 (hex) of the request it was first used with.
    pub request_hash: String,
    /// The first answer's status; `None` while that request runs.
    pub status: Option<u16>,
    /// The first answer's body, sealed.
    pub answer: Option<String>,
}

impl<'a> IdempotencyRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Claims `key` for the request hashing to `hash`: true when this request is the first
    /// under the key since `expired_before` (a row older than that is taken over), false when
    /// another request holds it. One statement, so of parallel requests exactly one claims.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn claim(
        &self,
        program: &ProgramId,
        key: &str,
        hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
    ) -> StoreResult<bool> {
        let changed = run(
            self.db,
            "INSERT INTO idempotency_keys (program_id, key, request_hash, created_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (program_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = NULL, answer = NULL, created_at = excluded.created_at \
             WHERE idempotency_keys.created_at < ?5",
            &args![program, key, hash, now, expired_before],
        )
        .await?;
        Ok(changed > 0)
    }

    /// The stored key.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, key: &str) -> StoreResult<Option<Stored>> {
        first::<Stored>(
            self.db,
            "SELECT request_hash, status, answer FROM idempotency_keys WHERE program_id = ?1 AND key = ?2",
            &args![program, key],
        )
        .await
    }

    /// Stores the first request's answer.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn answered(&self, program: &ProgramId, key: &str, status: u16, sealed: &str) -> StoreResult<()> {
        run(
            self.db,
            "UPDATE idempotency_keys SET status = ?3, answer = ?4 WHERE program_id = ?1 AND key = ?2",
            &args![program, key, status, sealed],
        )
        .await?;
        Ok(())
    }

    /// Releases a key whose first request failed on our side (5xx), so a retry runs again.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn release(&self, program: &ProgramId, key: &str) -> StoreResult<()> {
        run(
            self.db,
            "DELETE FROM idempotency_keys WHERE program_id = ?1 AND key = ?2 AND status IS NULL",
            &args![program, key],
        )
        .await?;
        Ok(())
    }
}
