//! `api_keys`: the look-up of a presented key by its SHA-256 hash (only hashes are stored).

use super::{first, StoreResult};
use crate::args;
use serde::{Deserialize, Serialize};
use viatrack_core::api::scopes::KeyKind;
use viatrack_core::ProgramId;
use worker::D1Database;

/// The stored facts about an active key, as read from D1 and as the KV cache holds them
/// under `key:<hash>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's program.
    pub program_id: ProgramId,
    /// Publishable or secret.
    pub kind: KeyKind,
    /// A secret key's scopes, space-separated (`read:referrals write:referrals`).
    pub scopes: String,
    /// SHA-256 of the key, lower-case hex.
    pub key_hash: String,
}

/// The API keys of all programs, through one D1 binding.
pub struct KeyRepo<'a> {
    db: &'a D1Database,
}

impl<'a> KeyRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// The active (not revoked) key with this hash, if any.
    ///
    /// # Errors
    ///
    /// Storage failure, or a stored row that does not deserialize.
    pub async fn active_by_hash(&self, key_hash: &str) -> StoreResult<Option<KeyRecord>> {
        first::<KeyRecord>(
            self.db,
            "SELECT program_id, kind, scopes, key_hash FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL",
            &args![key_hash],
        )
        .await
    }
}
