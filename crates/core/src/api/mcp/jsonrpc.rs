//! JSON-RPC 2.0 messages as MCP's Streamable HTTP transport (revision 2025-11-25) carries
//! them: the body of one POST is one message (a request, a notification or a response to a
//! request of ours), never a batch. Parsing sorts a body into [`Incoming`] or the JSON-RPC
//! error it deserves ([`RpcErrorCode`]); [`result`] and [`error`] write the answers.

use alloc::string::{String, ToString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// The protocol revision this server speaks first (and answers when a client asks for a
/// later one: lifecycle, "Version Negotiation").
pub const LATEST_PROTOCOL_VERSION: &str = "2025-11-25";

/// Every revision whose messages this server answers: the tools of each are a subset of the
/// latest's (older clients ignore `structuredContent`, `outputSchema` and `title`).
pub const SUPPORTED_PROTOCOL_VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

/// A request's ID: a string or an integer (MCP forbids `null`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer ID.
    Number(i64),
    /// A string ID.
    Text(String),
}

/// The JSON-RPC error codes this server answers (JSON-RPC 2.0 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpcErrorCode {
    /// `-32700`: the body is not JSON.
    ParseError,
    /// `-32600`: JSON, but not one JSON-RPC message (a batch, no `jsonrpc: "2.0"`, a bad ID),
    /// or an `MCP-Protocol-Version` header naming a revision not served.
    InvalidRequest,
    /// `-32601`: no such method.
    MethodNotFound,
    /// `-32602`: the method's params are wrong (an unknown tool, a missing protocol version).
    InvalidParams,
    /// `-32603`: something failed on our side.
    InternalError,
    /// `-32020` (revision 2026-07-28): the `MCP-Protocol-Version`, `Mcp-Method` or `Mcp-Name`
    /// header is missing or does not match the body.
    HeaderMismatch,
    /// `-32022` (revision 2026-07-28): the request's `_meta` names a revision not served.
    UnsupportedProtocolVersion,
}

impl RpcErrorCode {
    /// The number on the wire.
    pub fn code(self) -> i64 {
        match self {
            RpcErrorCode::ParseError => -32700,
            RpcErrorCode::InvalidRequest => -32600,
            RpcErrorCode::MethodNotFound => -32601,
            RpcErrorCode::InvalidParams => -32602,
            RpcErrorCode::InternalError => -32603,
            RpcErrorCode::HeaderMismatch => -32020,
            RpcErrorCode::UnsupportedProtocolVersion => -32022,
        }
    }
}

/// A JSON-RPC error: code, message and optional data.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The code.
    pub code: RpcErrorCode,
    /// One line on what is wrong; never secrets or internals.
    pub message: String,
    /// Details (the versions supported, for an unsupported one).
    pub data: Option<Value>,
}

impl RpcError {
    /// An error without data.
    pub fn new(code: RpcErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }
}

/// What one POST carried.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    /// A request: it gets a response with the same ID.
    Request {
        /// Its ID.
        id: RequestId,
        /// Its method (`initialize`, `tools/call`, …).
        method: String,
        /// Its params (an object; empty when absent).
        params: Map<String, Value>,
    },
    /// A notification (`notifications/initialized`, …): no response (HTTP 202).
    Notification {
        /// Its method.
        method: String,
    },
    /// A response to a request of ours (this server sends none): accepted (HTTP 202).
    Response,
}

/// A message that is not one valid JSON-RPC message: the error, with the request's ID when
/// it could be read.
pub type Rejected = (Option<RequestId>, RpcError);

/// Sorts a POST body into [`Incoming`].
///
/// # Errors
///
/// `-32700` when it is not JSON; `-32600` for a batch (an array: refused, one message per
/// request), a non-object, `jsonrpc` other than `"2.0"`, an ID that is not a string or an
/// integer, a `method` that is not a string, or neither a method nor a result/error;
/// `-32602` for params that are not an object.
pub fn parse(body: &[u8]) -> Result<Incoming, Rejected> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| (None, RpcError::new(RpcErrorCode::ParseError, "Parse error: the body is not JSON")))?;
    let invalid = |id: Option<RequestId>, m: &str| (id, RpcError::new(RpcErrorCode::InvalidRequest, m));
    let obj = match value {
        Value::Object(o) => o,
        Value::Array(_) => {
            return Err(invalid(None, "Invalid Request: batches are not supported; send one JSON-RPC message per POST"))
        }
        _ => return Err(invalid(None, "Invalid Request: a JSON-RPC message is an object")),
    };
    let id = match obj.get("id") {
        None => None,
        Some(raw) => Some(
            match raw {
                Value::String(s) => Some(RequestId::Text(s.clone())),
                Value::Number(n) => n.as_i64().map(RequestId::Number),
                _ => None,
            }
            .ok_or_else(|| invalid(None, "Invalid Request: id must be a string or an integer"))?,
        ),
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid(id, "Invalid Request: jsonrpc must be \"2.0\""));
    }
    let method = match obj.get("method") {
        Some(Value::String(m)) => m.clone(),
        Some(_) => return Err(invalid(id, "Invalid Request: method must be a string")),
        None if id.is_some() && (obj.contains_key("result") || obj.contains_key("error")) => {
            return Ok(Incoming::Response)
        }
        None => return Err(invalid(id, "Invalid Request: no method")),
    };
    let params = match obj.get("params") {
        None => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(_) => {
            return Err((id, RpcError::new(RpcErrorCode::InvalidParams, "Invalid params: params must be an object")))
        }
    };
    Ok(match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method },
    })
}

/// `{"jsonrpc": "2.0", "id": …, "result": …}`.
pub fn result(id: &RequestId, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// `{"jsonrpc": "2.0", "id": … | null, "error": {"code", "message", "data"?}}`.
pub fn error(id: Option<&RequestId>, e: &RpcError) -> Value {
    let mut err = json!({"code": e.code.code(), "message": e.message});
    if let Some(data) = &e.data {
        err["data"] = data.clone();
    }
    json!({"jsonrpc": "2.0", "id": id, "error": err})
}

fn supported() -> Value {
    Value::Array(SUPPORTED_PROTOCOL_VERSIONS.iter().map(|v| Value::String((*v).to_string())).collect())
}

fn is_revision_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

/// The revision to answer `initialize` with, from its `params.protocolVersion`: the same
/// when served; the latest for another revision (a `YYYY-MM-DD` date: the spec's
/// negotiation, the client then decides whether it speaks it).
///
/// # Errors
///
/// `-32602` "Unsupported protocol version" with `data: {supported, requested}` (the
/// lifecycle's error) when it is missing, not a string, or not a revision date.
pub fn negotiate(requested: Option<&Value>) -> Result<&'static str, RpcError> {
    let unsupported = |requested: Value| RpcError {
        code: RpcErrorCode::InvalidParams,
        message: "Unsupported protocol version".into(),
        data: Some(json!({"supported": supported(), "requested": requested})),
    };
    match requested {
        Some(Value::String(v)) => match SUPPORTED_PROTOCOL_VERSIONS.iter().find(|s| **s == v.as_str()) {
            Some(s) => Ok(*s),
            None if is_revision_date(v) => Ok(LATEST_PROTOCOL_VERSION),
            None => Err(unsupported(Value::String(v.clone()))),
        },
        other => Err(unsupported(other.cloned().unwrap_or(Value::Null))),
    }
}

/// Checks the `MCP-Protocol-Version` header of a request after `initialize` (transports,
/// "Protocol Version Header"): absent is accepted (the spec then assumes 2025-03-26).
///
/// # Errors
///
/// `-32600` with `data: {supported, requested}` for a revision not served (answered with
/// HTTP 400).
pub fn check_version_header(header: Option<&str>) -> Result<(), RpcError> {
    match header {
        None => Ok(()),
        Some(v) if SUPPORTED_PROTOCOL_VERSIONS.contains(&v.trim()) => Ok(()),
        Some(v) => Err(RpcError {
            code: RpcErrorCode::InvalidRequest,
            message: "Bad Request: unsupported MCP-Protocol-Version".into(),
            data: Some(json!({"supported": supported(), "requested": v})),
        }),
    }
}

/// The `initialize` result: the negotiated revision, the tools capability (the list does
/// not change during a connection), who we are and how to use us.
pub fn initialize_result(version: &str) -> Value {
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "viatrack", "title": "viatrack", "version": env!("CARGO_PKG_VERSION")},
        "instructions": "viatrack's affiliate tracking: referrals (clicks, leads, conversions), affiliates, \
                         campaigns, links, commissions, payouts and funnel stats of one program. Amounts are \
                         integers in cents (the currency's minor unit); timestamps ISO 8601 UTC. Every tool \
                         takes response_format: markdown (default) or json (the REST API's data). The key's \
                         scopes decide which tools are listed."
    })
}

/// The stateless revision: no `initialize`; every request names its revision in
/// `params._meta["io.modelcontextprotocol/protocolVersion"]` and repeats it, its method and
/// (for `tools/call`) the tool's name in the `MCP-Protocol-Version`, `Mcp-Method` and
/// `Mcp-Name` headers; results carry `resultType`.
pub const STATELESS_PROTOCOL_VERSION: &str = "2026-07-28";

/// The `_meta` key that names a stateless request's revision.
pub const META_PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";

/// Which revision family a request speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 2025-11-25 and before: `initialize`, then requests.
    Legacy,
    /// 2026-07-28: every request stands alone.
    Stateless,
}

/// The routing headers of a request, as sent.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoutingHeaders<'a> {
    /// `MCP-Protocol-Version`.
    pub version: Option<&'a str>,
    /// `Mcp-Method`.
    pub method: Option<&'a str>,
    /// `Mcp-Name`.
    pub name: Option<&'a str>,
}

/// The era of a request with `method` and `params` and its routing `headers`: stateless when
/// its `_meta` names a revision, or its `MCP-Protocol-Version` header names the stateless
/// one; a stateless request's headers must then match its body.
///
/// # Errors
///
/// `-32022` (data `{requested, supported}`) for a `_meta` revision not served; `-32020`
/// for a routing header that is missing or differs from the body (both answered with HTTP
/// 400).
pub fn era(method: &str, params: &Map<String, Value>, headers: RoutingHeaders<'_>) -> Result<Era, RpcError> {
    let meta = params.get("_meta").and_then(Value::as_object).and_then(|m| m.get(META_PROTOCOL_VERSION));
    let header_version = headers.version.map(str::trim);
    let requested = match (meta, header_version) {
        (Some(Value::String(v)), _) => v.as_str(),
        (Some(other), _) => {
            return Err(RpcError {
                code: RpcErrorCode::UnsupportedProtocolVersion,
                message: "Unsupported protocol version".into(),
                data: Some(json!({"requested": other, "supported": [STATELESS_PROTOCOL_VERSION]})),
            })
        }
        (None, Some(STATELESS_PROTOCOL_VERSION)) => {
            return Err(mismatch("the request's _meta names no protocol version; the header says 2026-07-28"))
        }
        (None, _) => return Ok(Era::Legacy),
    };
    if requested != STATELESS_PROTOCOL_VERSION {
        return Err(RpcError {
            code: RpcErrorCode::UnsupportedProtocolVersion,
            message: "Unsupported protocol version".into(),
            data: Some(json!({"requested": requested, "supported": [STATELESS_PROTOCOL_VERSION]})),
        });
    }
    if header_version != Some(requested) {
        return Err(mismatch("the MCP-Protocol-Version header must repeat the request's protocol version"));
    }
    if headers.method.map(str::trim) != Some(method) {
        return Err(mismatch("the Mcp-Method header must repeat the request's method"));
    }
    if method == "tools/call" {
        let name = params.get("name").and_then(Value::as_str);
        if name.is_none() || headers.name.map(str::trim) != name {
            return Err(mismatch("the Mcp-Name header must repeat the tool's name"));
        }
    }
    Ok(Era::Stateless)
}

fn mismatch(message: &str) -> RpcError {
    RpcError::new(RpcErrorCode::HeaderMismatch, alloc::format!("Header mismatch: {message}"))
}

/// The `server/discover` result (revision 2026-07-28): the stateless revision served, the
/// tools capability, who we are and how to use us.
pub fn discover_result() -> Value {
    let init = initialize_result(STATELESS_PROTOCOL_VERSION);
    json!({
        "resultType": "complete",
        "supportedVersions": [STATELESS_PROTOCOL_VERSION],
        "capabilities": {"tools": {}},
        "serverInfo": init["serverInfo"],
        "instructions": init["instructions"],
    })
}

/// A stateless request's result: the method's, marked complete (`resultType`).
pub fn stateless(mut result: Value) -> Value {
    if let Value::Object(m) = &mut result {
        m.insert("resultType".into(), Value::String("complete".into()));
    }
    result
}

/// The methods this server answers, besides notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `initialize`.
    Initialize,
    /// `ping`.
    Ping,
    /// `tools/list`.
    ToolsList,
    /// `tools/call`.
    ToolsCall,
    /// `server/discover` (revision 2026-07-28).
    Discover,
}

impl Method {
    /// The method a request names.
    ///
    /// # Errors
    ///
    /// `-32601` for any other.
    pub fn parse(method: &str) -> Result<Self, RpcError> {
        match method {
            "initialize" => Ok(Method::Initialize),
            "ping" => Ok(Method::Ping),
            "tools/list" => Ok(Method::ToolsList),
            "tools/call" => Ok(Method::ToolsCall),
            "server/discover" => Ok(Method::Discover),
            _ => Err(RpcError::new(RpcErrorCode::MethodNotFound, "Method not found")),
        }
    }
}

/// `tools/call` params: the tool's name and its arguments (an object; empty when absent).
///
/// # Errors
///
/// `-32602` when `name` is missing or not a string, or `arguments` is not an object.
pub fn call_params(params: &Map<String, Value>) -> Result<(String, Map<String, Value>), RpcError> {
    let invalid = |m: &str| RpcError::new(RpcErrorCode::InvalidParams, m);
    let name = params
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("Invalid params: name (the tool's name, a string) is required"))?;
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => return Err(invalid("Invalid params: arguments must be an object")),
    };
    Ok((name.to_string(), arguments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_sort_into_messages_or_errors() {
        use RpcErrorCode::*;
        let bad: &[(&str, RpcErrorCode, Option<RequestId>)] = &[
            ("{", ParseError, None),
            ("", ParseError, None),
            ("[]", InvalidRequest, None),
            (r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, InvalidRequest, None),
            ("3", InvalidRequest, None),
            (r#"{"id":1,"method":"ping"}"#, InvalidRequest, Some(RequestId::Number(1))),
            (r#"{"jsonrpc":"1.0","id":"a","method":"ping"}"#, InvalidRequest, Some(RequestId::Text("a".into()))),
            (r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#, InvalidRequest, None),
            (r#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, InvalidRequest, None),
            (r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#, InvalidRequest, None),
            (r#"{"jsonrpc":"2.0","id":1,"method":7}"#, InvalidRequest, Some(RequestId::Number(1))),
            (r#"{"jsonrpc":"2.0","id":1}"#, InvalidRequest, Some(RequestId::Number(1))),
            (r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}"#, InvalidParams, Some(RequestId::Number(1))),
        ];
        for (body, code, id) in bad {
            let (got_id, e) = parse(body.as_bytes()).expect_err(body);
            assert_eq!(e.code, *code, "{body}");
            assert_eq!(&got_id, id, "{body}");
        }
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","id":"x","method":"tools/list"}"#),
            Ok(Incoming::Request { id: RequestId::Text("x".into()), method: "tools/list".into(), params: Map::new() })
        );
        assert_eq!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Ok(Incoming::Notification { method: "notifications/initialized".into() })
        );
        assert_eq!(parse(br#"{"jsonrpc":"2.0","id":4,"result":{}}"#), Ok(Incoming::Response));
    }

    #[test]
    fn versions_negotiate_and_headers_check() {
        assert_eq!(negotiate(Some(&json!("2025-11-25"))), Ok("2025-11-25"));
        assert_eq!(negotiate(Some(&json!("2025-06-18"))), Ok("2025-06-18"));
        assert_eq!(negotiate(Some(&json!("2099-01-01"))), Ok(LATEST_PROTOCOL_VERSION));
        for bad in [None, Some(json!("1.0.0")), Some(json!(20251125)), Some(json!(null))] {
            let e = negotiate(bad.as_ref()).expect_err("unsupported");
            assert_eq!(e.code.code(), -32602);
            assert_eq!(e.message, "Unsupported protocol version");
            assert_eq!(e.data.as_ref().and_then(|d| d.get("supported")), Some(&supported()));
        }
        assert!(check_version_header(None).is_ok());
        assert!(check_version_header(Some("2025-11-25")).is_ok());
        assert_eq!(check_version_header(Some("1900-01-01")).map_err(|e| e.code), Err(RpcErrorCode::InvalidRequest));
    }

    #[test]
    fn answers_are_json_rpc() {
        assert_eq!(result(&RequestId::Number(3), json!({})), json!({"jsonrpc": "2.0", "id": 3, "result": {}}));
        let e = RpcError::new(RpcErrorCode::MethodNotFound, "Method not found");
        assert_eq!(
            error(None, &e),
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32601, "message": "Method not found"}})
        );
        assert!(Method::parse("resources/list").is_err());
        assert_eq!(call_params(&Map::new()).map_err(|e| e.code), Err(RpcErrorCode::InvalidParams));
    }
}
