//! `GET /v1/stats`: funnel figures per affiliate, campaign, link or day (secret key with
//! `read:stats`). What each figure counts is core's ([`viatrack_core::api::stats`]).

use crate::auth::caller;
use crate::error::ApiResult;
use crate::http::{self, query_pairs, Ctx};
use crate::repo::stats::StatsRepo;
use viatrack_core::api::stats::StatsQuery;
use worker::{Request, Response};

/// `GET /v1/stats?group_by=affiliate|campaign|link|day&from=…&to=…`: the groups and
/// their totals.
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (a publishable key, or no `read:stats`),
/// `VALIDATION_ERROR` naming the query parameter.
pub async fn get(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = StatsQuery::parse(query_pairs(req)?)?;
    http::data(200, StatsRepo::new(&ctx.db).get(&who.program_id, &q).await?)
}
