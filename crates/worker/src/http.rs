//! The per-request context, request body and query reading, JSON answers and CORS.

use crate::error::{ApiError, ApiResult};
use serde::Serialize;
use viatrack_core::api::fields::{same_site, HttpUrl};
use viatrack_core::api::operations::Caller;
use viatrack_core::api::{parse_json, Success, MAX_BODY_BYTES};
use viatrack_core::Timestamp;
use worker::{Context, D1Database, Env, Headers, KvStore, Request, Response};

/// What every handler gets: the bindings, the request time and the caller's `Origin`.
pub struct Ctx {
    /// D1, the system of record (binding `DB`).
    pub db: D1Database,
    /// KV, the read cache (binding `CACHE`).
    pub kv: KvStore,
    /// The Worker context, for `wait_until` (cache fills after the answer).
    pub wctx: Context,
    /// When the request arrived (one clock reading per request).
    pub now: Timestamp,
    /// The calling page's origin: the `Origin` header, or, for a same-origin request that
    /// carries none (a browser's same-origin `GET`, e.g. the restore call on a first-party
    /// route), the request's own origin when the browser marks it `Sec-Fetch-Site:
    /// same-origin`.
    pub origin: Option<String>,
    /// The request's own host (the Worker's hostname as the browser addressed it).
    pub host: String,
    /// Whether the request came over https (a cookie the answer sets is then `Secure`).
    pub https: bool,
    /// The request's `Cookie` header (`""` when none): the visitor's cookies, sent only by a
    /// browser on the same site.
    pub cookies: String,
    /// The client's IP address (`CF-Connecting-IP`, set by Cloudflare's edge), `"unknown"`
    /// when absent. Used only as a rate-limit key, never stored.
    pub client_ip: String,
    /// The bindings, for the rate limiters ([`crate::limits`]).
    pub env: Env,
    /// The Worker's own origin as this request addressed it (`https://viatrack.example.com`).
    pub self_origin: String,
    /// Who may call the operation being served, from the table of operations
    /// ([`viatrack_core::api::operations`]); set by the router, checked by
    /// [`crate::auth::caller`].
    pub caller: std::cell::Cell<Caller>,
}

impl Ctx {
    /// Builds the context from the bindings.
    ///
    /// # Errors
    ///
    /// A missing binding (a deployment error: see wrangler.toml).
    pub fn new(req: &Request, env: &Env, wctx: Context) -> worker::Result<Self> {
        let url = req.url()?;
        let origin = match req.headers().get("Origin")?.filter(|o| o != "null") {
            Some(o) => Some(o),
            None if req.headers().get("Sec-Fetch-Site")?.as_deref() == Some("same-origin") => {
                Some(url.origin().ascii_serialization())
            }
            None => None,
        };
        Ok(Self {
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            https: url.scheme() == "https",
            cookies: req.headers().get("Cookie")?.unwrap_or_default(),
            db: env.d1("DB")?,
            kv: env.kv("CACHE")?,
            wctx,
            now: Timestamp::from_unix_ms(worker::Date::now().as_millis() as i64),
            origin,
            client_ip: req.headers().get("CF-Connecting-IP")?.unwrap_or_else(|| "unknown".into()),
            env: env.clone(),
            self_origin: url.origin().ascii_serialization(),
            caller: std::cell::Cell::new(Caller::Public),
        })
    }

    /// The host of the caller's `Origin` (`shop.example.com`), lower case.
    pub fn origin_host(&self) -> Option<String> {
        let origin = HttpUrl::try_from(self.origin.clone()?).ok()?;
        Some(origin.host())
    }

    /// The calling page's host when it is on the same site as the request (a browser on the
    /// merchant's site calling the Worker on that site: [`same_site`]). Only then do the
    /// visitor's cookies come with the request and may the answer set one.
    pub fn first_party_host(&self) -> Option<String> {
        self.origin_host().filter(|page| same_site(page, &self.host))
    }
}

/// Reads and parses a JSON body of at most [`MAX_BODY_BYTES`] (16 KiB), through
/// [`read_body`].
///
/// # Errors
///
/// `VALIDATION_ERROR`: 413 when too large, 400 when malformed or not the expected shape.
pub async fn read_json<T: serde::de::DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_body(req, MAX_BODY_BYTES).await?;
    Ok(parse_json(&bytes)?)
}

/// Reads a request body of at most `limit` bytes without ever holding more.
///
/// * A `Content-Length` over the limit is refused before a byte is read (workerd discards
///   the upload; none of it is held).
/// * A body without one (chunked) is kept only up to the limit; past it, the rest is read and
///   discarded chunk by chunk (memory stays at one chunk), and then refused.
///
/// Neither cancels the body stream: under `wrangler dev`, cancelling an upload resets the
/// connection before the 413 reaches the client (in about half the tries with a declared
/// length, in every try when chunked), and a client must get its answer.
///
/// No body reads as empty.
///
/// # Errors
///
/// 413 `VALIDATION_ERROR` ([`ApiError::PayloadTooLarge`]) over the limit; 400 when the
/// stream fails.
pub async fn read_body(req: &mut Request, limit: usize) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    let declared = req.headers().get("Content-Length")?;
    if let Some(len) = declared {
        if len.trim().parse::<usize>().map_or(true, |n| n > limit) {
            return Err(ApiError::PayloadTooLarge(limit));
        }
    }
    // `stream` fails only when the request has no body.
    let Ok(mut stream) = req.stream() else { return Ok(Vec::new()) };
    let mut body = Vec::new();
    let mut over = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::field("body", "could not read the request body"))?;
        over = over || body.len() + chunk.len() > limit;
        if !over {
            body.extend_from_slice(&chunk);
        }
    }
    if over {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    Ok(body)
}

/// The decoded query pairs of the request URL.
///
/// # Errors
///
/// Only if the runtime hands over an unparsable URL.
pub fn query_pairs(req: &Request) -> ApiResult<Vec<(String, String)>> {
    Ok(req.url()?.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

/// `{"success": true, "data": …}` with `status`.
///
/// # Errors
///
/// Serialization failure (a bug): 500.
pub fn data<T: Serialize>(status: u16, value: T) -> ApiResult<Response> {
    json(status, &Success::new(value))
}

/// Any serializable body with `status`.
///
/// # Errors
///
/// Serialization failure (a bug): 500.
pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// Adds the CORS headers that let `origin` read a tracking answer (and send the tracker's
/// requests with credentials, so a same-site page's cookies come along).
///
/// # Errors
///
/// Only if the runtime refuses a header.
pub fn allow_origin(mut resp: Response, origin: &str) -> worker::Result<Response> {
    let headers = resp.headers_mut();
    headers.set("Access-Control-Allow-Origin", origin)?;
    headers.set("Access-Control-Allow-Credentials", "true")?;
    headers.set("Access-Control-Expose-Headers", "Retry-After")?;
    headers.set("Vary", "Origin")?;
    Ok(resp)
}

/// The answer to a CORS preflight from an allowed origin (cached by the browser for a day).
///
/// # Errors
///
/// Only if the runtime refuses a header.
pub fn preflight(origin: &str) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set("Access-Control-Allow-Origin", origin)?;
    headers.set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")?;
    headers.set("Access-Control-Allow-Credentials", "true")?;
    headers.set("Access-Control-Allow-Headers", "Authorization, Content-Type")?;
    headers.set("Access-Control-Max-Age", "86400")?;
    headers.set("Vary", "Origin")?;
    Ok(Response::empty()?.with_status(204).with_headers(headers))
}
