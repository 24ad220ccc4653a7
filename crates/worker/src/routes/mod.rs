//! Thin handlers: authorize, parse and validate with `viatrack-core`, call a repository,
//! answer JSON. One module per resource.

pub mod affiliates;
pub mod campaigns;
pub mod links;
pub mod referrals;
pub mod track;

use crate::error::{ApiError, ApiResult};
use viatrack_core::api::query::Paging;
use viatrack_core::api::{Page, Pagination};
use worker::Response;

/// Parses an ID from the path (`/v1/referrals/{id}`).
///
/// # Errors
///
/// `VALIDATION_ERROR` naming `id`.
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> ApiResult<T> {
    raw.parse::<T>().map_err(|_| ApiError::field("id", format!("not a valid {what} id")))
}

/// A list page answer.
///
/// # Errors
///
/// Serialization failure (a bug).
pub fn page<T: serde::Serialize>(items: Vec<T>, total: u64, paging: Paging) -> ApiResult<Response> {
    crate::http::json(
        200,
        &Page { success: true, data: items, pagination: Pagination::new(paging.page, paging.limit, total) },
    )
}
