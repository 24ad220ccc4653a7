//! Response envelopes and the error body.
//!
//! Success: `{"success": true, "data": …}` (create-referral seed). Lists add
//! `"pagination": {page, limit, total_count, total_pages, has_more}` (list-referrals seed).
//! Failure: `{"success": false, "error": {"code": "NOT_FOUND", "message": "…", "field": null}}`.

use alloc::string::String;
use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// A stable, machine-readable error code. The referral tools seed documents `NOT_FOUND`,
    /// `INVALID_AFFILIATE`, `INVALID_TRANSITION` and `PERMISSION_DENIED`; the create-referral
    /// seed a conflict on duplicate email; the rest are viatrack's.
    pub enum ErrorCode ("error code") {
        /// The ID or route does not exist for this program (404).
        NotFound = "NOT_FOUND",
        /// `affiliate_id` names no affiliate of this program (422).
        InvalidAffiliate = "INVALID_AFFILIATE",
        /// The transition table forbids the status change (422).
        InvalidTransition = "INVALID_TRANSITION",
        /// The key lacks the scope this request needs (403).
        PermissionDenied = "PERMISSION_DENIED",
        /// A unique value is taken: referral email, link token, affiliate email (409).
        Conflict = "CONFLICT",
        /// The request is malformed or breaks a field rule; `field` names it (400, 413 when
        /// the body is too large).
        ValidationError = "VALIDATION_ERROR",
        /// No key, or a key that is unknown or revoked (401).
        Unauthorized = "UNAUTHORIZED",
        /// Too many requests (429).
        RateLimited = "RATE_LIMITED",
        /// The route exists but not with this HTTP method (405).
        MethodNotAllowed = "METHOD_NOT_ALLOWED",
        /// Something failed on our side; the message says nothing more (500).
        InternalError = "INTERNAL_ERROR",
    }
}

crate::wire_enum! {
    /// Why a tracking answer (200) carries no data: `notice.code`.
    pub enum NoticeCode ("notice code") {
        /// A known bot or link-preview fetcher made the click report; nothing recorded.
        Bot = "BOT",
        /// The click ID names no click of this program (or the referral cookie does not).
        ClickNotFound = "CLICK_NOT_FOUND",
        /// The request names no click and carries no referral cookie.
        NoReferral = "NO_REFERRAL",
    }
}

/// `{"success": true, "data": …}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Success<T> {
    /// Always `true`.
    pub success: bool,
    /// The payload.
    pub data: T,
}

impl<T> Success<T> {
    /// Wraps a payload.
    pub fn new(data: T) -> Self {
        Self { success: true, data }
    }
}

/// A tracking answer that may carry no data, with a notice saying why:
/// `{"success": true, "data": null, "notice": {"code": "CLICK_NOT_FOUND", "message": "…"}}`.
/// Used where the page must not see an error status (an unknown or expired click).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tracked<T> {
    /// Always `true`: the request was understood.
    pub success: bool,
    /// The payload, or `null` when nothing was recorded.
    pub data: Option<T>,
    /// Why nothing was recorded, when `data` is `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
}

/// Why a tracking call recorded nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Notice {
    /// Why there is no data.
    pub code: NoticeCode,
    /// Human-readable explanation.
    pub message: String,
}

/// A page of a list: `{"success": true, "data": […], "pagination": {…}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Page<T> {
    /// Always `true`.
    pub success: bool,
    /// This page's items, newest first.
    pub data: alloc::vec::Vec<T>,
    /// Where this page sits.
    pub pagination: Pagination,
}

/// The list-referrals seed's pagination block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pagination {
    /// This page, 1-indexed.
    pub page: u32,
    /// Items per page, 1–100.
    pub limit: u32,
    /// Items matching the filters, over all pages.
    pub total_count: u64,
    /// `ceil(total_count / limit)`; 0 when nothing matches.
    pub total_pages: u64,
    /// Whether a page after this one has items.
    pub has_more: bool,
}

impl Pagination {
    /// The block for `page` of `limit` items when `total_count` items match.
    pub fn new(page: u32, limit: u32, total_count: u64) -> Self {
        let limit_u64 = u64::from(limit.max(1));
        let total_pages = total_count.div_ceil(limit_u64);
        Self { page, limit, total_count, total_pages, has_more: u64::from(page) < total_pages }
    }

    /// Rows to skip for this page (SQL `OFFSET`).
    pub fn offset(page: u32, limit: u32) -> u64 {
        u64::from(page.saturating_sub(1)) * u64::from(limit)
    }
}

/// `{"success": false, "error": {…}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The error inside [`ErrorBody`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// The stable code.
    pub code: ErrorCode,
    /// Human-readable; never contains secrets or internals.
    pub message: String,
    /// The request field at fault, when one is (dotted path).
    #[serde(default)]
    pub field: Option<String>,
}

/// The answer to a `DELETE`: `{"id": "…", "deleted": true}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deleted {
    /// The deleted object's ID.
    pub id: String,
    /// Always `true`.
    pub deleted: bool,
}

impl Deleted {
    /// The answer for `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into(), deleted: true }
    }
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(code: ErrorCode, message: impl Into<String>, field: Option<String>) -> Self {
        Self { success: false, error: ErrorDetail { code, message: message.into(), field } }
    }
}
