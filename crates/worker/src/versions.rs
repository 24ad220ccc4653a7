//! Optimistic concurrency: every single resource (`GET` or `PATCH /v1/{resource}/{id}`)
//! answers an `ETag`, the SHA-256 of the resource as served; a `PATCH` with `If-Match` whose
//! tag is not the resource's current one is 412 `CONFLICT` and writes nothing, so of two
//! editors who read the same version, the second learns that the first changed it.
//!
//! The check reads the resource through its own `GET` handler just before the `PATCH` runs;
//! a change landing between that read and the write is not caught (the window is one D1
//! round trip).

use crate::error::{ApiError, ApiResult};
use sha2::{Digest, Sha256};
use worker::{Headers, Method, Request, RequestInit, Response};

/// Whether this path names one resource (`/v1/{resource}/{id}`, not tracking).
pub fn is_resource(segments: &[&str]) -> bool {
    matches!(segments, ["v1", kind, _] if *kind != "track" && *kind != "stripe")
}

/// The entity tag of a served body: `"` + the first 32 hex digits of its SHA-256 + `"`.
pub fn tag(body: &str) -> String {
    let digest = hex::encode(Sha256::digest(body.as_bytes()));
    format!("\"{}\"", &digest[..32])
}

/// The request's `If-Match` tags (`*` included as is), if it sent the header.
///
/// # Errors
///
/// Only if the runtime refuses to read a header.
pub fn if_match(req: &Request) -> ApiResult<Option<Vec<String>>> {
    Ok(req.headers().get("If-Match")?.map(|v| {
        v.split(',').map(|t| t.trim().trim_start_matches("W/").to_string()).filter(|t| !t.is_empty()).collect()
    }))
}

/// A `GET` of the same URL with the same headers (the current version of the resource).
///
/// # Errors
///
/// Only if the runtime refuses to build the request.
pub fn current_request(req: &Request) -> ApiResult<Request> {
    let headers = Headers::new();
    for (name, value) in req.headers().entries() {
        if name.eq_ignore_ascii_case("authorization") {
            headers.set(&name, &value)?;
        }
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    Ok(Request::new_with_init(req.url()?.as_ref(), &init)?)
}

/// Refuses a `PATCH` whose `If-Match` names none of `current`'s tag (`*` matches any).
///
/// # Errors
///
/// 412 ([`ApiError::PreconditionFailed`]).
pub fn check(wanted: &[String], current: &str) -> ApiResult<()> {
    if wanted.iter().any(|t| t == "*" || t == current) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

/// `resp` with its `ETag` (a 200 of one resource), else as it is.
///
/// # Errors
///
/// Only if the runtime cannot read or build the answer.
pub async fn with_tag(mut resp: Response) -> worker::Result<Response> {
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let body = resp.text().await?;
    let headers = resp.headers().clone();
    headers.set("ETag", &tag(&body))?;
    Ok(Response::ok(body)?.with_status(200).with_headers(headers))
}
