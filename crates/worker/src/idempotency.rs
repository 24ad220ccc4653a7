//! `Idempotency-Key` on every POST that a key authenticates, with Stripe's semantics: a
//! client that lost an answer sends the same request again with the same key and gets the
//! first answer again (the same status and body, a created secret included) instead of a
//! second campaign, endpoint or key.
//!
//! * The key: 1 to 255 printable ASCII characters, scoped to the caller's program.
//! * The same key with the same request (API key, method, path and body, by SHA-256) within
//!   [`WINDOW_MS`] (24 h) → the first answer, with `Idempotent-Replayed: true`.
//! * The same key with another request → 422 `VALIDATION_ERROR` (field `Idempotency-Key`),
//!   nothing run.
//! * While the first request runs → 409 `CONFLICT` ("retry"); of any number of parallel
//!   requests exactly one runs (one `INSERT … ON CONFLICT` claims the key).
//! * A 5xx answer is not kept: the key is released so a retry runs again.
//! * Answers are stored sealed ([`crate::crypto::seal`]), since one may carry a secret shown
//!   once.
//!
//! Tracking calls keep their own idempotency (report IDs, `invoice_id`, `refund_id`) and
//! Stripe's webhook its event IDs; a key sent to them is honoured the same way.

use crate::auth::authenticate;
use crate::crypto;
use crate::error::{ApiError, ApiResult};
use crate::http::{read_body, Ctx};
use crate::repo::idempotency::IdempotencyRepo;
use sha2::{Digest, Sha256};
use viatrack_core::api::MAX_BODY_BYTES;
use worker::{Headers, Request, RequestInit, Response};

/// How long a key's first answer is kept and replayed, in milliseconds (24 h).
pub const WINDOW_MS: i64 = 24 * 3600 * 1000;
/// The header.
pub const HEADER: &str = "Idempotency-Key";

/// The request's `Idempotency-Key`, if it sent one.
///
/// # Errors
///
/// `VALIDATION_ERROR` (field `Idempotency-Key`) for an empty key, one over 255 characters or
/// one with characters outside printable ASCII.
pub fn key_of(req: &Request) -> ApiResult<Option<String>> {
    let Some(key) = req.headers().get(HEADER)? else { return Ok(None) };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ApiError::field(HEADER, "must be 1 to 255 printable ASCII characters without spaces"));
    }
    Ok(Some(key))
}

/// Runs `route` once per program and key (see the module docs): the first request runs and
/// its answer is kept; a retry gets that answer again.
///
/// # Errors
///
/// `UNAUTHORIZED` (the key is checked first), 413 over the body limit, 422 for a key reused
/// with another request, 409 while the first request runs, 500 for storage failures.
pub async fn run<F, Fut>(req: &mut Request, ctx: &Ctx, key: &str, route: F) -> ApiResult<Response>
where
    F: FnOnce(Request) -> Fut,
    Fut: core::future::Future<Output = ApiResult<Response>>,
{
    let who = authenticate(req, ctx).await?;
    let program = &who.program_id;
    let body = read_body(req, MAX_BODY_BYTES).await?;
    let mut hasher = Sha256::new();
    // The API key is part of the request: another key of the program (with other scopes)
    // under the same Idempotency-Key gets 422, never the first key's answer.
    hasher.update(req.headers().get("Authorization")?.unwrap_or_default().as_bytes());
    hasher.update(b"\n");
    hasher.update(req.method().as_ref().as_bytes());
    hasher.update(b" ");
    hasher.update(req.path().as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let hash = hex::encode(hasher.finalize());
    let repo = IdempotencyRepo::new(&ctx.db);
    if !repo.claim(program, key, &hash, ctx.now, ctx.now.plus_ms(-WINDOW_MS)).await? {
        let stored = repo.get(program, key).await?;
        return match stored {
            Some(s) if s.request_hash != hash => Err(ApiError::IdempotencyKeyReused),
            Some(s) => match (s.status, s.answer) {
                (Some(status), Some(sealed)) => replay(status, &crypto::open(&ctx.env, program, &sealed)?),
                _ => Err(ApiError::Conflict("a request with this Idempotency-Key is still running; retry".into())),
            },
            // Released meanwhile (the first request failed on our side): the client retries.
            None => Err(ApiError::Conflict("a request with this Idempotency-Key just failed; retry".into())),
        };
    }
    // The body was read to hash it: the handler gets the same bytes in a new request.
    let mut init = RequestInit::new();
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        headers.set(&name, &value)?;
    }
    init.with_method(req.method()).with_headers(headers);
    if !body.is_empty() {
        init.with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
    }
    let again = Request::new_with_init(req.url()?.as_ref(), &init)?;
    let answer = match route(again).await {
        Ok(resp) => resp,
        Err(e) => e.into_response()?,
    };
    let status = answer.status_code();
    if status >= 500 {
        repo.release(program, key).await?;
        return Ok(answer);
    }
    let mut answer = answer;
    let text = answer.text().await?;
    let sealed = crypto::seal(&ctx.env, program, &text)?;
    // The write stands whatever happens here; if the answer cannot be kept, the key is
    // released so that a retry does not wait for 24 h (it then runs as a new request, and
    // each resource's own uniqueness refuses a duplicate where it has one).
    if let Err(e) = repo.answered(program, key, status, &sealed).await {
        worker::console_error!("idempotency: answer not kept: {e}");
        repo.release(program, key).await.ok();
    }
    let out = Response::ok(text)?.with_status(status).with_headers(answer.headers().clone());
    Ok(out)
}

/// The first answer again.
fn replay(status: u16, body: &str) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Idempotent-Replayed", "true")?;
    Ok(Response::ok(body)?.with_status(status).with_headers(headers))
}
