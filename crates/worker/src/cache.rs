//! The read caches.
//!
//! **Link look-ups** (`link:<program id>:<token>` → link and campaign settings) go through
//! KV. KV is eventually consistent, so it only answers facts that change rarely, with a
//! TTL, and every change to those facts deletes the entry in the same request. A fact this
//! Worker has just written is never read back from KV: writers read D1. In front of KV sits
//! a small per-isolate memory (at most [`MEMO_ENTRIES`] entries, each for [`MEMO_TTL_MS`]):
//! a hot token is then served without any storage round trip. A change drops the entry from
//! this isolate's memory and from KV at once; other isolates see it within [`MEMO_TTL_MS`],
//! which is inside the staleness KV itself has across locations.
//!
//! **API keys** (`key:<sha-256 hex of the key>`) are kept only in the isolate's memory, for
//! [`KEY_TTL_MS`], never in KV: a revoked key must be refused within 10 s everywhere, and
//! KV may serve a deleted entry for up to 60 s at other locations. Revoking drops the entry
//! from the revoking isolate at once (its next request is refused); every other isolate reads
//! D1 again within [`KEY_TTL_MS`].

use crate::http::Ctx;
use serde::{de::DeserializeOwned, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use viatrack_core::{ProgramId, Timestamp, ViaToken};

/// How long an entry stays in the isolate's memory, in milliseconds.
pub const MEMO_TTL_MS: i64 = 30_000;
/// Most entries kept in the isolate's memory; past that it is emptied and refilled.
pub const MEMO_ENTRIES: usize = 10_000;

thread_local! {
    /// key → (expires at, Unix ms; JSON text). Workers run one thread per isolate.
    static MEMO: RefCell<HashMap<String, (i64, String)>> = RefCell::new(HashMap::new());
}

fn memo_get(key: &str, now: Timestamp) -> Option<String> {
    MEMO.with(|m| m.borrow().get(key).filter(|(exp, _)| *exp > now.unix_ms()).map(|(_, v)| v.clone()))
}

fn memo_put(key: &str, text: &str, now: Timestamp) {
    memo_put_for(key, text, now, MEMO_TTL_MS);
}

fn memo_put_for(key: &str, text: &str, now: Timestamp, ttl_ms: i64) {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= MEMO_ENTRIES {
            m.clear();
        }
        m.insert(key.to_string(), (now.unix_ms() + ttl_ms, text.to_string()));
    });
}

fn memo_forget(key: &str) {
    MEMO.with(|m| m.borrow_mut().remove(key));
}

/// How long an isolate keeps an API key look-up, in milliseconds (5 s: a revoked key is
/// refused everywhere within 10 s).
pub const KEY_TTL_MS: i64 = 5_000;

/// An API key look-up from this isolate's memory ([`KEY_TTL_MS`]); never from KV.
pub fn recall<T: DeserializeOwned>(ctx: &Ctx, key: &str) -> Option<T> {
    memo_get(key, ctx.now).and_then(|t| serde_json::from_str(&t).ok())
}

/// Keeps an API key look-up in this isolate's memory for [`KEY_TTL_MS`].
pub fn remember<T: Serialize>(ctx: &Ctx, key: &str, value: &T) {
    if let Ok(text) = serde_json::to_string(value) {
        memo_put_for(key, &text, ctx.now, KEY_TTL_MS);
    }
}

/// Drops an API key look-up from this isolate's memory.
pub fn drop_key(key: &str) {
    memo_forget(key);
}

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
    if let Some(hit) = memo_get(key, ctx.now).and_then(|t| serde_json::from_str(&t).ok()) {
        return Some(hit);
    }
    let text = ctx.kv.get(key).text().await.ok().flatten()?;
    let value = serde_json::from_str(&text).ok()?;
    memo_put(key, &text, ctx.now);
    Some(value)
}

/// Stores a value after the response is sent (`wait_until`), so a cache fill never delays
/// the answer. Failures are logged and ignored: the cache is only an optimisation.
pub fn put<T: Serialize>(ctx: &Ctx, key: String, value: &T) {
    let Ok(text) = serde_json::to_string(value) else { return };
    memo_put(&key, &text, ctx.now);
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
        memo_forget(key);
        if let Err(e) = ctx.kv.delete(key).await {
            worker::console_warn!("cache delete failed: {e:?}");
        }
    }
}
