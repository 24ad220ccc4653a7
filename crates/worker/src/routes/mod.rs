//! Thin handlers: authorize, parse and validate with `viatrack-core`, call a repository,
//! answer JSON. One module per resource.

pub mod affiliates;
pub mod campaigns;
pub mod commissions;
pub mod coupons;
pub mod keys;
pub mod links;
pub mod payouts;
pub mod referrals;
pub mod stats;
pub mod stripe;
pub mod track;
pub mod webhooks;

use crate::error::{ApiError, ApiResult};
use crate::repo::Deleted;
use viatrack_core::api::query::Paging;
use viatrack_core::api::{Page, Pagination};
use worker::Response;

/// Parses an ID from the path (`/v1/referrals/{id}`). An ID not in our format names
/// nothing, like an unknown one.
///
/// # Errors
///
/// `NOT_FOUND` ("no {what} with this id").
pub fn path_id<T: std::str::FromStr>(raw: &str, what: &str) -> ApiResult<T> {
    raw.parse::<T>().map_err(|_| ApiError::NotFound(format!("no {what} with this id")))
}

/// The answer to a guarded delete ([`crate::repo::delete_unused`]): 200
/// `{"id", "deleted": true}`.
///
/// # Errors
///
/// `NOT_FOUND`; `CONFLICT` naming what still uses the `what` (e.g. "campaign").
pub fn deleted(result: Deleted, what: &str, id: &str) -> ApiResult<Response> {
    match result {
        Deleted::Yes => crate::http::data(200, viatrack_core::api::Deleted::new(id)),
        Deleted::NotFound => Err(ApiError::NotFound(format!("no {what} with this id"))),
        Deleted::InUse(users) if users.is_empty() => {
            Err(ApiError::Conflict(format!("the {what} changed while deleting; retry")))
        }
        Deleted::InUse(users) => Err(ApiError::Conflict(format!(
            "the {what} is still used by {}; delete or move them first",
            users.join(" and ")
        ))),
    }
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
