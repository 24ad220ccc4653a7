//! Funnel figures (`GET /v1/stats`, secret key with `read:stats`): visitors, clicks, leads,
//! conversions, revenue and commissions per affiliate, campaign, link or day, and their
//! totals.
//!
//! The figures ([`Figures`]) are counters that the database keeps over aligned blocks of
//! UTC days (migration 0007, `stats`, and `stats_program_days` per day), updated by
//! triggers in the same transaction as every write that changes one; so `from` and `to`
//! select whole UTC days, and a query reads a few counters per group
//! ([`StatsQuery::blocks`]), never the referrals. What each figure counts, and on which day:
//!
//! * **visitors** — referrals made by a tracked click (each is one visitor on one link for
//!   the campaign's cookie duration), on the day the first click arrived;
//! * **clicks** — click reports, first and repeat visits, each on the day it arrived (a
//!   replayed report is no click); deleting a referral does not take its clicks back;
//! * **leads** — referrals that became leads (tracker `convert`, or made through the API as
//!   a lead), on the day they did;
//! * **conversions** — referrals that became paying (their first sale, or a paying status
//!   set through the API), on the day they did;
//! * **revenue** — cents of sales made that day, net of every refund of them so far
//!   (`amount − refunded`, the referral object's `sales_total`); `revenue` sums them as
//!   recorded whatever the currency, and `money` gives them per currency;
//! * **commissions** — cents of the commissions on those sales that are not voided, pending
//!   or paid, after pro-rata reductions and net of clawbacks (which are negative), counted
//!   on the day of their sale (the referral object's `commissions_total`); per currency in
//!   `money`, as revenue is.
//!
//! Money is kept apart per currency by migration 0012 (`stats_money`, `stats_money_days`):
//! each group's and the total's `money` lists its currencies, so no figure a dashboard shows
//! adds dollars to euros.
//!
//! Every figure is counted under its referral's affiliate, campaign and link. A deleted
//! referral leaves visitors, leads, conversions, revenue and commissions.

use super::fields::Currency;
use super::query::Params;
use super::ValidationError;
use crate::time::{Timestamp, MAX_UNIX_MS, MS_PER_DAY};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

crate::wire_enum! {
    /// `group_by`: what one row of the answer is.
    pub enum GroupBy ("group_by (affiliate, campaign, link or day)") {
        /// One row per affiliate (`aff_…`), labelled with its name, else its email.
        Affiliate = "affiliate",
        /// One row per campaign (`cmp_…`), labelled with its name.
        Campaign = "campaign",
        /// One row per link (`lnk_…`), labelled with its token; referrals made through the
        /// API without a click have no link (`key` null).
        Link = "link",
        /// One row per UTC day (`YYYY-MM-DD`), oldest first; days without activity are absent.
        Day = "day",
    }
}

/// `GET /v1/stats` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatsQuery {
    /// `group_by` (required).
    pub group_by: GroupBy,
    /// `from`: the first UTC day counted is this instant's day (ISO 8601).
    pub from: Option<Timestamp>,
    /// `to`: the last UTC day counted is this instant's day (ISO 8601), included.
    pub to: Option<Timestamp>,
}

impl StatsQuery {
    /// The parameters `GET /v1/stats` accepts.
    pub const PARAMS: &'static [&'static str] = &["group_by", "from", "to"];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter: unknown or repeated, `group_by` missing or
    /// not `affiliate`, `campaign`, `link` or `day`, `from`/`to` not ISO 8601, or `from`
    /// after `to`.
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let p = Params::new(pairs, Self::PARAMS)?;
        let group_by = p
            .parse("group_by", |v| GroupBy::parse(v).ok(), "affiliate, campaign, link or day")?
            .ok_or_else(|| ValidationError::field("group_by", "is required: affiliate, campaign, link or day"))?;
        let (from, to) = p.range()?;
        Ok(Self { group_by, from, to })
    }

    /// The first UTC day counted, `YYYY-MM-DD`, if `from` was given.
    pub fn first_day(&self) -> Option<String> {
        self.from.map(day_of)
    }

    /// The last UTC day counted, `YYYY-MM-DD`, if `to` was given.
    pub fn last_day(&self) -> Option<String> {
        self.to.map(day_of)
    }

    /// The first UTC day counted as a day number (days since 1970-01-01), if `from` was given.
    pub fn first_day_number(&self) -> Option<i64> {
        self.from.map(day_number)
    }

    /// The last UTC day counted as a day number, if `to` was given.
    pub fn last_day_number(&self) -> Option<i64> {
        self.to.map(day_number)
    }

    /// The counters to read for `group_by` `affiliate`, `campaign` or `link`: the fewest
    /// aligned blocks of [`BLOCK_DAYS`] days that tile the range exactly, as runs of
    /// consecutive blocks of one size. Each side of the range takes at most 3 blocks of
    /// each size below 256 days, so a year reads about a dozen counters per link, and all
    /// time one per 256 days.
    pub fn blocks(&self) -> Vec<Blocks> {
        let largest = BLOCK_DAYS[0];
        let a = self.first_day_number().unwrap_or(0);
        // An open end runs to the end of the last 256-day block of the timestamp range.
        let b = self.last_day_number().unwrap_or((MAX_UNIX_MS / MS_PER_DAY / largest + 1) * largest - 1);
        let mut runs: Vec<Blocks> = Vec::new();
        let mut x = a;
        while x <= b {
            let days = BLOCK_DAYS.into_iter().find(|&n| x % n == 0 && x + n - 1 <= b).unwrap_or(1);
            let count = if days == largest { (b - x + 1) / days } else { 1 };
            let last = x + (count - 1) * days;
            match runs.last_mut() {
                Some(run) if run.days == days && run.last_start == Some(x - days) => run.last_start = Some(last),
                _ => runs.push(Blocks { days, first_start: Some(x), last_start: Some(last) }),
            }
            x = last + days;
        }
        // Open ends read without a bound (the same rows: none lie outside the range).
        if self.from.is_none() {
            if let Some(first) = runs.first_mut() {
                first.first_start = None;
            }
        }
        if self.to.is_none() {
            if let Some(last) = runs.last_mut() {
                last.last_start = None;
            }
        }
        runs
    }
}

/// The sizes, in days, of the aligned blocks the counters are kept over (`stats.days`),
/// largest first. A block of `n` days starts on a day number that is a multiple of `n`.
pub const BLOCK_DAYS: [i64; 5] = [256, 64, 16, 4, 1];

/// Consecutive counter blocks of one size: those whose first day number (`stats.start`) is
/// between `first_start` and `last_start`, both included (`None`: unbounded).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocks {
    /// Days per block, one of [`BLOCK_DAYS`].
    pub days: i64,
    /// First block's first day number.
    pub first_start: Option<i64>,
    /// Last block's first day number.
    pub last_start: Option<i64>,
}

/// The six figures of a group or of the total (see the module docs for what each counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Referrals made by a tracked click: one per visitor and link.
    pub visitors: i64,
    /// Click reports, first and repeat visits.
    pub clicks: i64,
    /// Referrals that became leads.
    pub leads: i64,
    /// Referrals that became paying.
    pub conversions: i64,
    /// Cents of sales, net of their refunds.
    pub revenue: i64,
    /// Cents of commissions on those sales that are not voided, net of clawbacks.
    pub commissions: i64,
}

impl Figures {
    /// The sum of two sets of figures.
    pub fn plus(self, o: Figures) -> Figures {
        Figures {
            visitors: self.visitors + o.visitors,
            clicks: self.clicks + o.clicks,
            leads: self.leads + o.leads,
            conversions: self.conversions + o.conversions,
            revenue: self.revenue + o.revenue,
            commissions: self.commissions + o.commissions,
        }
    }
}

/// One group of the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsGroup {
    /// The group: an affiliate (`aff_…`), campaign (`cmp_…`) or link (`lnk_…`) ID, or a UTC
    /// day (`YYYY-MM-DD`); null for referrals that have no link (made through the API) or
    /// no campaign.
    pub key: Option<String>,
    /// What to show for it: the affiliate's name (else its email), the campaign's name, the
    /// link's token, or the day; null when the group names nothing that still exists.
    pub label: Option<String>,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Figures,
    /// Its revenue and commissions per currency, by currency code; none where they are zero.
    /// `revenue` and `commissions` above are their sums.
    pub money: Vec<Money>,
}

/// Revenue and commissions in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Money {
    /// ISO 4217, upper case.
    pub currency: Currency,
    /// Cents (the currency's minor unit) of sales, net of their refunds.
    pub revenue: i64,
    /// Cents of commissions on those sales that are not voided, net of clawbacks.
    pub commissions: i64,
}

/// Adds `m` into `list` (one entry per currency, ordered by code), dropping an entry that
/// comes to zero.
fn add_money(list: &mut Vec<Money>, m: Money) {
    match list.binary_search_by(|x| x.currency.as_str().cmp(m.currency.as_str())) {
        Ok(i) => {
            list[i].revenue += m.revenue;
            list[i].commissions += m.commissions;
            if list[i].revenue == 0 && list[i].commissions == 0 {
                list.remove(i);
            }
        }
        Err(i) if m.revenue != 0 || m.commissions != 0 => list.insert(i, m),
        Err(_) => {}
    }
}

/// The answer to `GET /v1/stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    /// The grouping asked for.
    pub group_by: GroupBy,
    /// The first UTC day counted (`YYYY-MM-DD`), or null: from the beginning.
    pub from: Option<String>,
    /// The last UTC day counted (`YYYY-MM-DD`), or null: up to now.
    pub to: Option<String>,
    /// The sum of every group.
    pub totals: Figures,
    /// The sum of every group's `money`, per currency by code.
    pub money: Vec<Money>,
    /// Every group with a figure other than zero in the range: days oldest first, the
    /// others by revenue, highest first (then by key).
    pub groups: Vec<StatsGroup>,
}

impl Stats {
    /// The answer for `q` from its groups (in any order, `money` empty) and the money rows
    /// per group key and currency (in any order; a currency may come in several rows, as
    /// stored case differs): ordered, with their totals.
    pub fn new(q: &StatsQuery, mut groups: Vec<StatsGroup>, money: Vec<(Option<String>, Money)>) -> Self {
        for (key, m) in money {
            match groups.iter_mut().find(|g| g.key == key) {
                Some(g) => add_money(&mut g.money, m),
                None => {
                    let mut g = StatsGroup { key, label: None, figures: Figures::default(), money: Vec::new() };
                    add_money(&mut g.money, m);
                    groups.push(g);
                }
            }
        }
        groups.retain(|g| g.figures != Figures::default() || !g.money.is_empty());
        if q.group_by == GroupBy::Day {
            groups.sort_by(|a, b| a.key.cmp(&b.key));
        } else {
            groups.sort_by(|a, b| b.figures.revenue.cmp(&a.figures.revenue).then_with(|| a.key.cmp(&b.key)));
        }
        let totals = groups.iter().fold(Figures::default(), |t, g| t.plus(g.figures));
        let mut all = Vec::new();
        for m in groups.iter().flat_map(|g| g.money.iter()) {
            add_money(&mut all, m.clone());
        }
        Self { group_by: q.group_by, from: q.first_day(), to: q.last_day(), totals, money: all, groups }
    }
}

fn day_of(t: Timestamp) -> String {
    let mut s = t.to_iso8601();
    s.truncate(10);
    s
}

fn day_number(t: Timestamp) -> i64 {
    t.unix_ms().div_euclid(MS_PER_DAY)
}

crate::wire_enum! {
    /// What `GET /v1/stats/top_affiliates` ranks by.
    pub enum RankBy ("by (revenue, conversions or commissions)") {
        /// Cents of sales net of refunds, in one currency.
        Revenue = "revenue",
        /// Referrals that became paying.
        Conversions = "conversions",
        /// Cents of commissions not voided, net of clawbacks, in one currency.
        Commissions = "commissions",
    }
}

/// Most affiliates a ranking answers.
pub const MAX_TOP: usize = 100;

/// `GET /v1/stats/top_affiliates` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopQuery {
    /// `by` (default `revenue`).
    pub by: RankBy,
    /// `currency`: the money ranked by, for `revenue` and `commissions`; needed only when the
    /// range holds more than one currency.
    pub currency: Option<Currency>,
    /// `limit`: how many affiliates, 1 to [`MAX_TOP`] (default 10).
    pub limit: usize,
    /// The range, as for `GET /v1/stats` (whole UTC days).
    pub range: StatsQuery,
}

impl TopQuery {
    /// The parameters it accepts.
    pub const PARAMS: &'static [&'static str] = &["by", "currency", "limit", "from", "to"];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter: unknown or repeated, `by` not one of its
    /// names, a bad currency, `limit` not 1–100, `from`/`to` not ISO 8601 or out of order.
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let p = Params::new(pairs, Self::PARAMS)?;
        let by =
            p.parse("by", |v| RankBy::parse(v).ok(), "revenue, conversions or commissions")?.unwrap_or(RankBy::Revenue);
        let currency =
            p.parse("currency", |v| Currency::try_from(String::from(v)).ok(), "a three-letter ISO 4217 code")?;
        let limit = p
            .parse(
                "limit",
                |v| v.parse::<usize>().ok().filter(|n| (1..=MAX_TOP).contains(n)),
                "an integer from 1 to 100",
            )?
            .unwrap_or(10);
        let (from, to) = p.range()?;
        Ok(Self { by, currency, limit, range: StatsQuery { group_by: GroupBy::Affiliate, from, to } })
    }
}

/// One affiliate of a ranking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankedAffiliate {
    /// 1 for the first.
    pub rank: u32,
    /// The affiliate (`aff_…`).
    pub affiliate_id: Option<String>,
    /// Its name, else its email; null for a deleted affiliate.
    pub label: Option<String>,
    /// The figure ranked by: a count, or cents of `currency`.
    pub value: i64,
    /// Its whole funnel in the range (money per currency in `money`).
    #[serde(flatten)]
    pub figures: Figures,
    /// Its revenue and commissions per currency.
    pub money: Vec<Money>,
}

/// The answer to `GET /v1/stats/top_affiliates`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopAffiliates {
    /// What they are ranked by.
    pub by: RankBy,
    /// The currency of `value` when ranking by money, else null.
    pub currency: Option<Currency>,
    /// The first UTC day counted, or null.
    pub from: Option<String>,
    /// The last UTC day counted, or null.
    pub to: Option<String>,
    /// The affiliates, best first (ties by affiliate ID); none with a zero figure.
    pub affiliates: Vec<RankedAffiliate>,
}

impl TopAffiliates {
    /// Ranks the affiliates of `stats` (`group_by=affiliate` over `q.range`) by `q.by`. Money
    /// is ranked in one currency: `q.currency`, else the range's only one.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming `currency` when ranking by money over a range with sales
    /// in several currencies and none was chosen (dollars are never added to euros).
    pub fn rank(q: &TopQuery, stats: Stats) -> Result<Self, ValidationError> {
        let currency = match (q.by, &q.currency) {
            (RankBy::Conversions, _) => None,
            (_, Some(c)) => Some(c.clone()),
            (_, None) => match stats.money.as_slice() {
                [] => None,
                [one] => Some(one.currency.clone()),
                _ => {
                    let codes: Vec<&str> = stats.money.iter().map(|m| m.currency.as_str()).collect();
                    return Err(ValidationError::field(
                        "currency",
                        alloc::format!("the range has sales in {}: choose one to rank by", codes.join(", ")),
                    ));
                }
            },
        };
        let value = |g: &StatsGroup| -> i64 {
            let money =
                |f: fn(&Money) -> i64| g.money.iter().find(|m| Some(&m.currency) == currency.as_ref()).map_or(0, f);
            match q.by {
                RankBy::Conversions => g.figures.conversions,
                RankBy::Revenue => money(|m| m.revenue),
                RankBy::Commissions => money(|m| m.commissions),
            }
        };
        let mut ranked: Vec<(i64, StatsGroup)> =
            stats.groups.into_iter().map(|g| (value(&g), g)).filter(|(v, _)| *v != 0).collect();
        ranked.sort_by(|(a, ga), (b, gb)| b.cmp(a).then_with(|| ga.key.cmp(&gb.key)));
        ranked.truncate(q.limit);
        let affiliates = ranked
            .into_iter()
            .zip(1u32..)
            .map(|((value, g), rank)| RankedAffiliate {
                rank,
                affiliate_id: g.key,
                label: g.label,
                value,
                figures: g.figures,
                money: g.money,
            })
            .collect();
        Ok(Self { by: q.by, currency, from: stats.from, to: stats.to, affiliates })
    }
}
