//! Abuse limits on Cloudflare's Rate Limiting binding (`[[ratelimits]]` in wrangler.toml,
//! which `wrangler dev` also runs locally). Each limit is a binding whose `limit` and
//! `period` are set in wrangler.toml, so a merchant changes them there without a rebuild:
//!
//! | binding | counts | key | default |
//! |---|---|---|---|
//! | `CLICK_LIMITER` | click reports with the publishable key | client IP + program + token | 120 per 60 s |
//! | `LEAD_LIMITER` | lead reports | program + click | 10 per 60 s |
//! | `AUTH_LIMITER` | failed authentications | client IP | 20 per 60 s |
//!
//! A real visitor reports one click per page view through a link and one lead per signup,
//! far below these. Clicks with the secret key (the merchant's server, one IP for every
//! visitor) are not limited per IP. Past a limit the answer is 429 `RATE_LIMITED` with
//! `Retry-After: 60` (the bindings' period); the tracker keeps the report and sends it again
//! later.
//!
//! A client IP over the failed-authentication limit is also remembered in this isolate until
//! the period ends, so its next attempts are refused before any key look-up.
//!
//! When a binding is missing or fails, the request goes through (logged): a limit must never
//! lose a real click.

use crate::error::{ApiError, ApiResult};
use crate::http::Ctx;
use std::cell::RefCell;
use std::collections::HashMap;
use viatrack_core::{ClickId, ProgramId, ViaToken};

/// Seconds a client waits after a 429: the period of every limit in wrangler.toml.
pub const RETRY_AFTER_SECONDS: u32 = 60;

/// Most client IPs remembered as over the failed-authentication limit per isolate.
const BLOCKED_ENTRIES: usize = 10_000;

thread_local! {
    /// client IP → refused until (Unix ms), after the failed-authentication limit.
    static BLOCKED: RefCell<HashMap<String, i64>> = RefCell::new(HashMap::new());
}

/// The limit on click reports with the publishable key, per client IP and link token.
///
/// # Errors
///
/// 429 `RATE_LIMITED` past the limit.
pub async fn click(ctx: &Ctx, program: &ProgramId, token: &ViaToken) -> ApiResult<()> {
    let key = format!("{}|{}|{}", ctx.client_ip, program.as_str(), token.as_str());
    check(ctx, "CLICK_LIMITER", key, "too many clicks on this link from this address; retry later").await
}

/// The limit on lead reports per click.
///
/// # Errors
///
/// 429 `RATE_LIMITED` past the limit.
pub async fn lead(ctx: &Ctx, program: &ProgramId, click: &ClickId) -> ApiResult<()> {
    let key = format!("{}|{}", program.as_str(), click.as_str());
    check(ctx, "LEAD_LIMITER", key, "too many lead reports for this click; retry later").await
}

/// Whether this client IP is still refused after too many failed authentications.
///
/// # Errors
///
/// 429 `RATE_LIMITED` while it is.
pub fn auth_blocked(ctx: &Ctx) -> ApiResult<()> {
    let until = BLOCKED.with(|b| b.borrow().get(&ctx.client_ip).copied());
    match until {
        Some(t) if t > ctx.now.unix_ms() => Err(auth_refused()),
        _ => Ok(()),
    }
}

/// Counts a failed authentication from this client IP.
///
/// # Errors
///
/// 429 `RATE_LIMITED` once the IP is over the limit (and it is remembered as blocked).
pub async fn auth_failed(ctx: &Ctx) -> ApiResult<()> {
    let key = format!("auth|{}", ctx.client_ip);
    if allowed(ctx, "AUTH_LIMITER", key).await {
        return Ok(());
    }
    BLOCKED.with(|b| {
        let mut b = b.borrow_mut();
        if b.len() >= BLOCKED_ENTRIES {
            b.clear();
        }
        b.insert(ctx.client_ip.clone(), ctx.now.unix_ms() + i64::from(RETRY_AFTER_SECONDS) * 1000);
    });
    Err(auth_refused())
}

fn auth_refused() -> ApiError {
    ApiError::RateLimited {
        message: "too many failed authentications from this address; retry later",
        retry_after: RETRY_AFTER_SECONDS,
    }
}

async fn check(ctx: &Ctx, binding: &str, key: String, message: &'static str) -> ApiResult<()> {
    if allowed(ctx, binding, key).await {
        Ok(())
    } else {
        Err(ApiError::RateLimited { message, retry_after: RETRY_AFTER_SECONDS })
    }
}

/// Asks the binding; a missing or failing binding allows (and is logged).
async fn allowed(ctx: &Ctx, binding: &str, key: String) -> bool {
    let limiter = match ctx.env.rate_limiter(binding) {
        Ok(l) => l,
        Err(e) => {
            worker::console_warn!("rate limiter {binding} unavailable: {e}");
            return true;
        }
    };
    match limiter.limit(key).await {
        Ok(outcome) => outcome.success,
        Err(e) => {
            worker::console_warn!("rate limiter {binding} failed: {e}");
            true
        }
    }
}
