//! `GET /v1/stats`, and its ranking `GET /v1/stats/top_affiliates`: funnel figures per affiliate, campaign, link or day (secret key with
//! `read:stats`). What each figure counts is core's ([`viatrack_core::api::stats`]).

use crate::auth::caller;
use crate::error::ApiResult;
use crate::http::{self, query_pairs, Ctx};
use crate::repo::stats::StatsRepo;
use viatrack_core::api::stats::{StatsQuery, TopAffiliates, TopQuery};
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

/// `GET /v1/stats/top_affiliates?by=revenue|conversions|commissions&currency=…&limit=…&from=…&to=…`:
/// the affiliates ranked over the range, read from the same counters as `group_by=affiliate`
/// and ranked by core ([`TopAffiliates::rank`]).
///
/// # Errors
///
/// `UNAUTHORIZED`, `PERMISSION_DENIED` (needs `read:stats`), `VALIDATION_ERROR` naming the
/// query parameter (`currency` when money in several currencies is ranked without one).
pub async fn top(req: &mut Request, ctx: &Ctx) -> ApiResult<Response> {
    let who = caller(req, ctx).await?;
    let q = TopQuery::parse(query_pairs(req)?)?;
    let stats = StatsRepo::new(&ctx.db).get(&who.program_id, &q.range).await?;
    http::data(200, TopAffiliates::rank(&q, stats)?)
}
