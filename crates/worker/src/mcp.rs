//! `POST /mcp` (and `/_viatrack/mcp`): the Model Context Protocol server, Streamable HTTP
//! transport of revision 2025-11-25, stateless (no session; every answer is one JSON body,
//! never a stream). `GET` and `DELETE` are 405 from the table of operations.
//!
//! Per request, in order:
//!
//! 1. `Origin`: a browser origin other than one of `MCP_ALLOWED_ORIGINS` or the Worker's own
//!    (on a host it is known by) is refused (403), the transport's DNS-rebinding rule
//!    (`check_origin`).
//! 2. The key: `Authorization: Bearer sk_…`, the API's own secret keys, with its failed-auth
//!    limit ([`crate::auth`]); a 401 carries `WWW-Authenticate: Bearer`.
//! 3. The body: one JSON-RPC message ([`jsonrpc::parse`]; a batch is refused), and its
//!    revision ([`jsonrpc::era`]): a request whose `_meta` names one speaks 2026-07-28, the
//!    stateless revision (no `initialize`; `server/discover`; the `MCP-Protocol-Version`,
//!    `Mcp-Method` and `Mcp-Name` headers must repeat the body, else 400 `-32020`; another
//!    `_meta` revision is 400 `-32022`; results carry `resultType`); any other speaks
//!    2025-11-25 and before, with the `MCP-Protocol-Version` header checked after
//!    `initialize` (400 for one not served).
//! 4. The method: `initialize`, `ping`, `tools/list` (the tools the key's scopes allow) or
//!    `tools/call`; a notification or a response gets 202 and no body.
//!
//! A tool call is a thin adapter over its REST operation: its arguments become the REST
//! request ([`tools::ToolSpec::request`]), carrying the caller's own `Authorization` (and an
//! `Idempotency-Key` from `idempotency_key`), which runs in-process through the router's own
//! [`crate::router::serve`] (the same idempotency, handler, scope check and errors as over
//! HTTP), and its JSON envelope becomes the tool result.
//!
//! The tools' schemas are derived from the OpenAPI document the Worker serves as a static
//! asset (`/v1/openapi.json`, built from core's wire types by `crates/openapi`), read once per
//! isolate and kept in memory (the first `tools/list` of an isolate takes about 75 ms under
//! `wrangler dev`, later ones about 20 ms). At run time rather than at build time because that
//! document is already the build's one artifact of the API's shapes: the tools cannot
//! describe another version of the API than the reference does, and no generated file is
//! checked in or compiled into the Worker (which `make lint`, run before the site is built,
//! would then depend on). The derivation itself is core's (`api::mcp::tools::specs`), tested
//! natively against the document in `crates/openapi/tests/mcp_tools.rs`.

use crate::auth::{caller, Principal};
use crate::error::{ApiError, ApiResult};
use crate::http::{self, read_body, Ctx};
use futures_util::future::LocalBoxFuture;
use serde_json::{json, Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
use viatrack_core::api::mcp::jsonrpc::{self, Era, Incoming, Method, RpcError, RpcErrorCode};
use viatrack_core::api::mcp::tools::{self, RestCall, ToolSpec};
use viatrack_core::api::operations::HttpMethod;
use viatrack_core::api::{ErrorBody, ErrorCode, MAX_BODY_BYTES};
use worker::{Headers, Request, RequestInit, Response};

thread_local! {
    /// The tools with their schemas, derived once per isolate from the OpenAPI asset.
    static SPECS: RefCell<Option<Rc<Vec<ToolSpec>>>> = const { RefCell::new(None) };
}

/// Serves one POST to the MCP endpoint (see the module docs).
///
/// # Errors
///
/// `PERMISSION_DENIED` (a refused `Origin`, a publishable key), `UNAUTHORIZED` (with
/// `WWW-Authenticate`), `RATE_LIMITED`, 413 for a body over 16 KiB; every JSON-RPC failure is
/// a JSON-RPC answer.
pub async fn serve(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    check_origin(req, ctx)?;
    let who = match caller(req, ctx).await {
        Err(ApiError::Unauthorized(m)) => {
            let mut resp = ApiError::Unauthorized(m).into_response()?;
            resp.headers_mut().set("WWW-Authenticate", "Bearer realm=\"viatrack\"")?;
            return Ok(resp);
        }
        other => other?,
    };
    let body = read_body(req, MAX_BODY_BYTES).await?;
    let (id, method, params) = match jsonrpc::parse(&body) {
        Err((id, e)) => return http::json(400, &jsonrpc::error(id.as_ref(), &e)),
        Ok(Incoming::Request { id, method, params }) => (Some(id), method, params),
        Ok(Incoming::Notification { method }) => (None, method, Map::new()),
        Ok(Incoming::Response) => (None, String::new(), Map::new()),
    };
    let header = |name: &str| req.headers().get(name).ok().flatten();
    let (version, mcp_method, mcp_name) = (header("MCP-Protocol-Version"), header("Mcp-Method"), header("Mcp-Name"));
    let routing = jsonrpc::RoutingHeaders {
        version: version.as_deref(),
        method: mcp_method.as_deref(),
        name: mcp_name.as_deref(),
    };
    let era = match jsonrpc::era(&method, &params, routing) {
        Ok(era) => era,
        Err(e) => return http::json(400, &jsonrpc::error(id.as_ref(), &e)),
    };
    if era == Era::Legacy && method != "initialize" {
        if let Err(e) = jsonrpc::check_version_header(version.as_deref()) {
            return http::json(400, &jsonrpc::error(id.as_ref(), &e));
        }
    }
    let Some(id) = id else { return Ok(Response::empty()?.with_status(202)) };
    let answer = match answer(req, ctx, &who, &method, &params, era).await {
        Ok(result) if era == Era::Stateless => jsonrpc::result(&id, jsonrpc::stateless(result)),
        Ok(result) => jsonrpc::result(&id, result),
        Err(e) => jsonrpc::error(Some(&id), &e),
    };
    http::json(200, &answer)
}

/// The transport's DNS-rebinding rule: a request with an `Origin` (a browser's) must come
/// from one listed in the `MCP_ALLOWED_ORIGINS` var (comma-separated,
/// `https://app.example.com`), or from the Worker's own origin when that origin's host is
/// one the Worker is known to answer on (`WORKER_HOSTS`, or a loopback host under `wrangler
/// dev`). The request's own origin alone proves nothing: a rebound name (`evil.example` →
/// 127.0.0.1) sends a `Host` and an `Origin` that match each other. Clients outside a
/// browser send no `Origin`.
fn check_origin(req: &Request, ctx: &Ctx) -> ApiResult<()> {
    let Some(origin) = req.headers().get("Origin")? else { return Ok(()) };
    let normal = |o: &str| o.trim().trim_end_matches('/').to_ascii_lowercase();
    let origin = normal(&origin);
    let var = |name: &str| ctx.env.var(name).map(|v| v.to_string()).unwrap_or_default();
    let listed = var("MCP_ALLOWED_ORIGINS").split(',').map(normal).any(|o| !o.is_empty() && o == origin);
    let known_host = matches!(ctx.host.as_str(), "localhost" | "127.0.0.1" | "[::1]")
        || var("WORKER_HOSTS").split(',').any(|h| h.trim().eq_ignore_ascii_case(&ctx.host));
    let own = known_host && origin == normal(&ctx.self_origin);
    if listed || own {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(
            "this Origin may not call the MCP endpoint; list it in the MCP_ALLOWED_ORIGINS var".into(),
        ))
    }
}

/// The result of a request's method.
async fn answer(
    req: &Request,
    ctx: &Ctx,
    who: &Principal,
    method: &str,
    params: &Map<String, Value>,
    era: Era,
) -> Result<Value, RpcError> {
    match Method::parse(method)? {
        // The stateless revision has no handshake.
        Method::Initialize if era == Era::Stateless => {
            Err(RpcError::new(RpcErrorCode::MethodNotFound, "Method not found: 2026-07-28 has no initialize"))
        }
        Method::Initialize => Ok(jsonrpc::initialize_result(jsonrpc::negotiate(params.get("protocolVersion"))?)),
        Method::Discover => Ok(jsonrpc::discover_result()),
        Method::Ping => Ok(json!({})),
        Method::ToolsList => {
            let specs = specs(ctx).await?;
            let listed: Vec<Value> = tools::allowed(&specs, &who.scopes).map(ToolSpec::listing).collect();
            Ok(json!({ "tools": listed }))
        }
        Method::ToolsCall => {
            let (name, arguments) = jsonrpc::call_params(params)?;
            let specs = specs(ctx).await?;
            let spec = tools::find(&specs, &name)
                .ok_or_else(|| RpcError::new(RpcErrorCode::InvalidParams, format!("Unknown tool: {name}")))?;
            Ok(call(req, ctx, spec, &arguments).await)
        }
    }
}

/// Runs a tool: its REST request through the router, its answer as the tool result. A key
/// without the tool's scope gets the REST route's own `PERMISSION_DENIED`, naming the scope.
async fn call(req: &Request, ctx: &Ctx, spec: &ToolSpec, arguments: &Map<String, Value>) -> Value {
    let rest = match spec.request(arguments) {
        Ok(rest) => rest,
        Err(v) => {
            let body = ErrorBody::new(ErrorCode::ValidationError, v.message, v.field);
            return spec.result(&serde_json::to_value(body).unwrap_or(Value::Null), tools::ResponseFormat::Json);
        }
    };
    match dispatch(req, ctx, &rest).await {
        Ok(answer) => spec.result(&answer, rest.format),
        Err(e) => {
            worker::console_error!("mcp: tool {} failed: {e:?}", spec.def.name);
            tools::error_result("INTERNAL_ERROR: internal error")
        }
    }
}

/// The REST request `rest` with the caller's own `Authorization`, run in-process by the
/// router ([`crate::router::serve`]); its JSON envelope, success or error.
async fn dispatch(outer: &Request, ctx: &Ctx, rest: &RestCall) -> ApiResult<Value> {
    let mut url = worker::Url::parse(&ctx.self_origin).map_err(|e| ApiError::Internal(e.to_string()))?;
    url.path_segments_mut()
        .map_err(|()| ApiError::Internal("the Worker's origin cannot take a path".into()))?
        .clear()
        .extend(&rest.segments);
    if !rest.query.is_empty() {
        url.query_pairs_mut().extend_pairs(&rest.query);
    }
    let headers = Headers::new();
    if let Some(auth) = outer.headers().get("Authorization")? {
        headers.set("Authorization", &auth)?;
    }
    for (name, value) in &rest.headers {
        headers.set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(verb(rest.method));
    if let Some(body) = &rest.body {
        headers.set("Content-Type", "application/json")?;
        init.with_body(Some(wasm_bindgen::JsValue::from_str(&body.to_string())));
    }
    init.with_headers(headers);
    let mut inner = Request::new_with_init(url.as_str(), &init)?;
    let segments: Vec<&str> = rest.segments.iter().map(String::as_str).collect();
    // Boxed: the router runs this module for `/mcp`, and runs the tool's operation here.
    let routed: LocalBoxFuture<'_, ApiResult<Response>> = Box::pin(crate::router::serve(&mut inner, ctx, &segments));
    let mut resp = match routed.await {
        Ok(resp) => resp,
        Err(e) => e.into_response()?,
    };
    let text = resp.text().await?;
    serde_json::from_str(&text).map_err(|e| ApiError::Internal(format!("a route answered non-JSON: {e}")))
}

fn verb(m: HttpMethod) -> worker::Method {
    match m {
        HttpMethod::Get => worker::Method::Get,
        HttpMethod::Head => worker::Method::Head,
        HttpMethod::Post => worker::Method::Post,
        HttpMethod::Patch => worker::Method::Patch,
        HttpMethod::Delete => worker::Method::Delete,
        HttpMethod::Options | HttpMethod::Other => worker::Method::Options,
    }
}

/// The tools, derived from the OpenAPI asset on this isolate's first MCP request.
async fn specs(ctx: &Ctx) -> Result<Rc<Vec<ToolSpec>>, RpcError> {
    if let Some(specs) = SPECS.with(|s| s.borrow().clone()) {
        return Ok(specs);
    }
    let internal = |cause: String| {
        worker::console_error!("mcp: tool schemas: {cause}");
        RpcError::new(RpcErrorCode::InternalError, "Internal error: the tool schemas could not be read")
    };
    let doc = openapi(ctx).await.map_err(|e| internal(e.to_string()))?;
    let specs = Rc::new(tools::specs(&doc).map_err(internal)?);
    SPECS.with(|s| *s.borrow_mut() = Some(specs.clone()));
    Ok(specs)
}

/// The OpenAPI document, from the static assets (`build/site/v1/openapi.json`).
async fn openapi(ctx: &Ctx) -> worker::Result<Value> {
    let url = format!("{}/v1/openapi.json", ctx.self_origin);
    let mut resp = ctx.env.assets("ASSETS")?.fetch(url, None).await?;
    if resp.status_code() != 200 {
        return Err(worker::Error::RustError(format!("/v1/openapi.json answered {}", resp.status_code())));
    }
    resp.json::<Value>().await
}
