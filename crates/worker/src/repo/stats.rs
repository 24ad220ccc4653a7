//! `stats`: the funnel counters migration 0007's triggers keep (see
//! [`viatrack_core::api::stats`] for what each figure counts). Read only.

use super::{batch, stmt, StoreResult};
use serde::Deserialize;
use viatrack_core::api::fields::Currency;
use viatrack_core::api::stats::{Figures, Money, Stats, StatsGroup, StatsQuery};
use viatrack_core::ProgramId;
use worker::D1Database;

/// The funnel figures of programs, through one D1 binding.
pub struct StatsRepo<'a> {
    db: &'a D1Database,
}

/// One group as the statement answers it (flat: D1 rows do not nest).
#[derive(Deserialize)]
struct Row {
    key: Option<String>,
    label: Option<String>,
    visitors: i64,
    clicks: i64,
    leads: i64,
    conversions: i64,
    revenue: i64,
    commissions: i64,
}

/// One group's money in one currency (migration 0012).
#[derive(Deserialize)]
struct MoneyRow {
    key: Option<String>,
    currency: Currency,
    revenue: i64,
    commissions: i64,
}

impl<'a> StatsRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// The program's figures for `q`: one statement over the counters and one over their
    /// money per currency, both read by primary key (`EXPLAIN QUERY PLAN` is tested for every
    /// `group_by` and range), grouped and labelled; core merges them, orders the groups and
    /// sums the totals.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, q: &StatsQuery) -> StoreResult<Stats> {
        let (sql, args) = super::sql::stats_sql(program, q);
        let (money_sql, money_args) = super::sql::stats_money_sql(program, q);
        // One round trip: both statements in one batch.
        let results =
            batch(self.db, vec![stmt(self.db, &sql, &args)?, stmt(self.db, &money_sql, &money_args)?]).await?;
        let (Some(counters), Some(money)) = (results.first(), results.get(1)) else {
            return Err(super::corrupt("the stats batch answered fewer results than statements"));
        };
        let (rows, money) = (counters.results::<Row>()?, money.results::<MoneyRow>()?);
        let groups = rows
            .into_iter()
            .map(|r| StatsGroup {
                key: r.key,
                label: r.label,
                figures: Figures {
                    visitors: r.visitors,
                    clicks: r.clicks,
                    leads: r.leads,
                    conversions: r.conversions,
                    revenue: r.revenue,
                    commissions: r.commissions,
                },
                money: Vec::new(),
            })
            .collect();
        let money = money
            .into_iter()
            .map(|m| (m.key, Money { currency: m.currency, revenue: m.revenue, commissions: m.commissions }))
            .collect();
        Ok(Stats::new(q, groups, money))
    }
}
