//! The Model Context Protocol (MCP) server's pure half: what the Worker's `POST /mcp` speaks,
//! without any I/O. The Worker (`crates/worker/src/mcp.rs`) authenticates, reads the body and
//! runs each tool's REST operation through its own router; everything it decides on the way
//! is decided here.
//!
//! * [`jsonrpc`] — JSON-RPC 2.0 messages as MCP's Streamable HTTP transport carries them (one
//!   message per POST; batches refused), their error codes, and protocol version negotiation
//!   (revision [`jsonrpc::LATEST_PROTOCOL_VERSION`]).
//! * [`tools`] — the tool table (`viatrack_list_referrals`, …): each tool names one operation
//!   of [`crate::api::operations`], whose row gives its method, path and scope (never restated
//!   here); its input and output schemas are derived from the OpenAPI document
//!   (`crates/openapi`, served at `/v1/openapi.json`); a call's arguments become the REST
//!   request, and the REST answer becomes the tool result.
//! * [`markdown`] — the `markdown` response format: a heading, a table for lists with the
//!   pagination line, amounts in cents shown as money with their currency.
//!
//! Tool results: `structuredContent` is the REST answer's `data` (for a list, `data` and
//! `pagination`, since a structured result is an object) in both formats; the text content
//! is that JSON (`response_format: "json"`) or its Markdown rendering (the default). A REST
//! error is a tool result with `isError: true` whose text starts with the API's error code.

pub mod jsonrpc;
pub mod markdown;
pub mod tools;
