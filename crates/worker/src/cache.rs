//! The KV read cache. KV is eventually consistent, so it only ever answers look-ups of
//! facts that change rarely (API keys, link → campaign settings), with a TTL, and every
//! change to those facts deletes the entry in the same request. A fact this Worker has just
//! written is never read back from KV: writers read D1.
//!
//! Keys: `key:<sha-256 hex of the API key>`, `link:<program id>:<token>`.

use crate::http::Ctx;
use serde::{de::DeserializeOwned, Serialize};
use viatrack_core::{ProgramId, ViaToken};

/// How long a cached look-up lives, in seconds.
pub const TTL_SECONDS: u64 = 300;

/// The cache key of an API key's hash.
pub fn key_entry(hash_hex: &str) -> String {
    format!("key:{hash_hex}")
}

/// The cache key of a program's link token.
pub fn link_entry(program_id: &ProgramId, token: &ViaToken) -> String {
    format!("link:{}:{}", program_id.as_str(), token.as_str())
}

/// Reads a cached JSON value; a miss, a KV failure or a stale shape all read as `None`
/// (the caller falls back to D1).
pub async fn get<T: DeserializeOwned>(ctx: &Ctx, key: &str) -> Option<T> {
    ctx.kv.get(key).json::<T>().await.ok().flatten()
}

/// Stores a value after the response is sent (`wait_until`), so a cache fill never delays
/// the answer. Failures are logged and ignored: the cache is only an optimisation.
pub fn put<T: Serialize>(ctx: &Ctx, key: String, value: &T) {
    let Ok(text) = serde_json::to_string(value) else { return };
    let kv = ctx.kv.clone();
    ctx.wctx.wait_until(async move {
        let result = match kv.put(&key, text) {
            Ok(builder) => builder.expiration_ttl(TTL_SECONDS).execute().await,
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            worker::console_warn!("cache put failed: {e:?}");
        }
    });
}

/// Drops entries whose facts changed. Awaited, so the next request cannot see them from
/// this location.
pub async fn forget(ctx: &Ctx, keys: &[String]) {
    for key in keys {
        if let Err(e) = ctx.kv.delete(key).await {
            worker::console_warn!("cache delete failed: {e:?}");
        }
    }
}
