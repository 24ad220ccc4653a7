//! `api_keys`: the look-up of a presented key by its SHA-256 hash (only hashes are stored),
//! and the key management of `/v1/api_keys`.

use super::{all, first, run, Count, StoreResult};
use crate::args;
use serde::{Deserialize, Serialize};
use viatrack_core::api::keys::ApiKey;
use viatrack_core::api::query::Paging;
use viatrack_core::api::scopes::{KeyKind, Scope};
use viatrack_core::{ApiKeyId, ProgramId, Timestamp};
use worker::D1Database;

/// The stored facts about an active key, as read from D1 and as an isolate keeps them
/// under `key:<hash>` ([`crate::cache::recall`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The key's record ID.
    pub id: ApiKeyId,
    /// The key's program.
    pub program_id: ProgramId,
    /// Publishable or secret.
    pub kind: KeyKind,
    /// A secret key's scopes (stored space-separated: `read:referrals write:referrals`).
    #[serde(with = "stored_scopes")]
    pub scopes: Vec<Scope>,
    /// SHA-256 of the key, lower-case hex.
    pub key_hash: String,
    /// When a request last authenticated with it (to the minute), if ever.
    pub last_used_at: Option<Timestamp>,
}

/// A row of the key list: [`ApiKey`] with its scopes as stored.
#[derive(Deserialize)]
struct KeyRow {
    id: ApiKeyId,
    kind: KeyKind,
    key_prefix: String,
    #[serde(with = "stored_scopes")]
    scopes: Vec<Scope>,
    created_at: Timestamp,
    last_used_at: Option<Timestamp>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: r.id,
            kind: r.kind,
            prefix: r.key_prefix,
            scopes: r.scopes,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        }
    }
}

/// A key to store: its hash, never the key.
pub struct NewKey<'a> {
    /// The record ID.
    pub id: &'a ApiKeyId,
    /// Publishable or secret.
    pub kind: KeyKind,
    /// SHA-256 of the key, lower-case hex.
    pub key_hash: &'a str,
    /// The key's first characters, to recognise it in a list.
    pub prefix: &'a str,
    /// The scopes (empty for a publishable key).
    pub scopes: &'a [Scope],
}

/// A scope list as D1 stores it (and the isolate's key cache keeps it): one text of
/// space-separated names. Unknown names are dropped ([`Scope::parse_list`]).
mod stored_scopes {
    use serde::{Deserialize, Deserializer, Serializer};
    use viatrack_core::api::scopes::Scope;

    pub fn serialize<S: Serializer>(scopes: &[Scope], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&scopes.iter().map(|x| x.name()).collect::<Vec<_>>().join(" "))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Scope>, D::Error> {
        Ok(Scope::parse_list(&String::deserialize(d)?))
    }
}

const COLUMNS: &str = "id, kind, key_prefix, scopes, created_at, last_used_at";

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
            "SELECT id, program_id, kind, scopes, key_hash, last_used_at FROM api_keys \
             WHERE key_hash = ?1 AND revoked_at IS NULL",
            &args![key_hash],
        )
        .await
    }

    /// Records that the key authenticated a request at `now`, unless it did within the
    /// last minute.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn touch(&self, id: &ApiKeyId, now: Timestamp) -> StoreResult<()> {
        run(
            self.db,
            "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
            &args![id, now, now.plus_ms(-60_000)],
        )
        .await?;
        Ok(())
    }

    /// Stores a new key of `program`.
    ///
    /// # Errors
    ///
    /// Storage failure (a hash clash is a unique-constraint error; 160 random bits make it
    /// impossible in practice).
    pub async fn create(&self, program: &ProgramId, key: &NewKey<'_>, now: Timestamp) -> StoreResult<ApiKey> {
        let scopes: Vec<String> = key.scopes.iter().map(|s| s.name()).collect();
        run(
            self.db,
            "INSERT INTO api_keys (id, program_id, kind, key_hash, key_prefix, scopes, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &args![key.id, program, key.kind, key.key_hash, key.prefix, scopes.join(" "), now],
        )
        .await?;
        Ok(ApiKey {
            id: key.id.clone(),
            kind: key.kind,
            prefix: key.prefix.to_string(),
            scopes: key.scopes.to_vec(),
            created_at: now,
            last_used_at: None,
        })
    }

    /// A page of the program's active keys, newest first, and their total.
    ///
    /// # Errors
    ///
    /// Storage failure, or a stored row that does not deserialize.
    pub async fn list(&self, program: &ProgramId, paging: Paging) -> StoreResult<(Vec<ApiKey>, u64)> {
        let rows =
            all::<KeyRow>(self.db, super::sql::KEYS_PAGE, &args![program, paging.limit, paging.offset()]).await?;
        let total = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM api_keys WHERE program_id = ?1 AND revoked_at IS NULL",
            &args![program],
        )
        .await?
        .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(ApiKey::from).collect(), total))
    }

    /// The program's active key `id`.
    ///
    /// # Errors
    ///
    /// Storage failure, or a stored row that does not deserialize.
    pub async fn get(&self, program: &ProgramId, id: &ApiKeyId) -> StoreResult<Option<ApiKey>> {
        let row = first::<KeyRow>(
            self.db,
            &format!("SELECT {COLUMNS} FROM api_keys WHERE program_id = ?1 AND id = ?2 AND revoked_at IS NULL"),
            &args![program, id],
        )
        .await?;
        Ok(row.map(ApiKey::from))
    }

    /// Revokes the program's active key `id`; returns its hash (to drop it from the cache),
    /// or `None` when there is no such active key.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn revoke(&self, program: &ProgramId, id: &ApiKeyId, now: Timestamp) -> StoreResult<Option<String>> {
        #[derive(Deserialize)]
        struct Hash {
            key_hash: String,
        }
        let row = first::<Hash>(
            self.db,
            "UPDATE api_keys SET revoked_at = ?3 WHERE program_id = ?1 AND id = ?2 AND revoked_at IS NULL \
             RETURNING key_hash",
            &args![program, id, now],
        )
        .await?;
        Ok(row.map(|h| h.key_hash))
    }
}
