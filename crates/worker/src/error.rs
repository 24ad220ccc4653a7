//! [`ApiError`]: every way a request can fail, and its one mapping to HTTP.

use viatrack_core::api::{ErrorBody, ErrorCode, ValidationError};
use viatrack_core::TransitionError;
use worker::Response;

/// A failed request. [`ApiError::into_response`] is the only place that turns a failure
/// into a status code and the core error body; a 500 never carries internal detail.
#[derive(Debug)]
pub enum ApiError {
    /// 400 `VALIDATION_ERROR`, naming the field.
    Validation(ValidationError),
    /// 413 `VALIDATION_ERROR`: the body is over the size limit, in bytes.
    PayloadTooLarge(usize),
    /// 401 `UNAUTHORIZED`.
    Unauthorized(&'static str),
    /// 403 `PERMISSION_DENIED`.
    PermissionDenied(String),
    /// 403 `PERMISSION_DENIED` because the browser's origin is not one of the campaign's
    /// allowed hostnames; answered without CORS headers, so the page cannot read it.
    OriginNotAllowed,
    /// 404 `NOT_FOUND`.
    NotFound(String),
    /// 405 `METHOD_NOT_ALLOWED`.
    MethodNotAllowed,
    /// 409 `CONFLICT`.
    Conflict(String),
    /// 422 `INVALID_AFFILIATE`.
    InvalidAffiliate(String),
    /// 422 `INVALID_TRANSITION`.
    InvalidTransition(String),
    /// 429 `RATE_LIMITED`, with `Retry-After` in seconds ([`crate::limits`]).
    RateLimited {
        /// What was limited.
        message: &'static str,
        /// Seconds until a retry may succeed.
        retry_after: u32,
    },
    /// 412 `CONFLICT`: `If-Match` names another version of the resource ([`crate::versions`]).
    PreconditionFailed,
    /// 422 `VALIDATION_ERROR` (field `Idempotency-Key`): the key was first used with another
    /// request ([`crate::idempotency`]).
    IdempotencyKeyReused,
    /// 500 `INTERNAL_ERROR`; the cause is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// A validation error about one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(ValidationError::field(field, message))
    }

    /// The HTTP status and code for this error.
    pub fn status_and_code(&self) -> (u16, ErrorCode) {
        match self {
            ApiError::Validation(_) => (400, ErrorCode::ValidationError),
            ApiError::PayloadTooLarge(_) => (413, ErrorCode::ValidationError),
            ApiError::Unauthorized(_) => (401, ErrorCode::Unauthorized),
            ApiError::PermissionDenied(_) | ApiError::OriginNotAllowed => (403, ErrorCode::PermissionDenied),
            ApiError::NotFound(_) => (404, ErrorCode::NotFound),
            ApiError::MethodNotAllowed => (405, ErrorCode::MethodNotAllowed),
            ApiError::Conflict(_) => (409, ErrorCode::Conflict),
            ApiError::InvalidAffiliate(_) => (422, ErrorCode::InvalidAffiliate),
            ApiError::InvalidTransition(_) => (422, ErrorCode::InvalidTransition),
            ApiError::IdempotencyKeyReused => (422, ErrorCode::ValidationError),
            ApiError::PreconditionFailed => (412, ErrorCode::Conflict),
            ApiError::RateLimited { .. } => (429, ErrorCode::RateLimited),
            ApiError::Internal(_) => (500, ErrorCode::InternalError),
        }
    }

    /// The JSON error response.
    ///
    /// # Errors
    ///
    /// Only if the runtime cannot build a response at all.
    pub fn into_response(self) -> worker::Result<Response> {
        let (status, code) = self.status_and_code();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after, .. } => Some(*retry_after),
            _ => None,
        };
        let (message, field) = match self {
            ApiError::Validation(v) => (v.message, v.field),
            ApiError::PayloadTooLarge(limit) => (format!("request body is larger than {limit} bytes"), None),
            ApiError::Unauthorized(m) | ApiError::RateLimited { message: m, .. } => (m.into(), None),
            ApiError::MethodNotAllowed => ("method not allowed on this route".into(), None),
            ApiError::PreconditionFailed => {
                ("If-Match names another version: the resource changed since you read it; GET it again".into(), None)
            }
            ApiError::IdempotencyKeyReused => (
                "this Idempotency-Key was used with another request (method, path or body) in the last 24 hours".into(),
                Some(crate::idempotency::HEADER.into()),
            ),
            ApiError::OriginNotAllowed => ("this origin is not an allowed hostname of the campaign".into(), None),
            ApiError::PermissionDenied(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::InvalidAffiliate(m)
            | ApiError::InvalidTransition(m) => (m, None),
            ApiError::Internal(cause) => {
                worker::console_error!("internal error: {cause}");
                ("internal error".into(), None)
            }
        };
        let body = ErrorBody::new(code, message, field);
        let mut resp = Response::from_json(&body)?.with_status(status);
        if let Some(seconds) = retry_after {
            resp.headers_mut().set("Retry-After", &seconds.to_string())?;
        }
        Ok(resp)
    }
}

impl From<ValidationError> for ApiError {
    fn from(v: ValidationError) -> Self {
        ApiError::Validation(v)
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        ApiError::InvalidTransition(e.to_string())
    }
}

impl From<viatrack_core::attribution::ClickExpired> for ApiError {
    fn from(e: viatrack_core::attribution::ClickExpired) -> Self {
        ApiError::InvalidTransition(e.to_string())
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::repo::StoreError> for ApiError {
    fn from(e: crate::repo::StoreError) -> Self {
        match e {
            crate::repo::StoreError::Unique { constraint, .. } => {
                ApiError::Conflict(format!("{} is already taken", constraint.field()))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;
