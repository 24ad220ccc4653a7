//! OpenAPI 3.1 schemas of the wire types (feature `openapi`, native builds only).
//!
//! Structs derive `utoipa::ToSchema` next to their serde derives, so a field added, renamed or
//! retyped changes the spec. Types with hand-written serde (validated strings, IDs, enums
//! whose wire names live in one table) describe themselves here through `json_schema!` (crate root),
//! reading the same constants their parsers check. `crates/openapi` assembles the document
//! (paths, parameters, envelopes, errors, security schemes) at build time; neither the Worker
//! nor the tracker compiles any of this.

use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;

/// A schema written as JSON Schema (the 2020-12 dialect of OpenAPI 3.1).
///
/// # Panics
///
/// When `value` is not a schema utoipa can read: a bug in a literal of this crate, caught by
/// the spec's own test (`crates/openapi`).
pub fn schema(value: serde_json::Value) -> RefOr<Schema> {
    serde_json::from_value(value).expect("a JSON Schema literal of viatrack-core")
}
