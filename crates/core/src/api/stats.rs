//! Funnel figures (`GET /v1/stats`, secret key with `read:stats`): visitors, clicks, leads,
//! conversions, revenue and commissions per affiliate, campaign, link or day, and their
//! totals.
//!
//! The figures ([`Figures`]) are counters that the database keeps per UTC day (migration
//! 0007, `stats`), updated by triggers in the same transaction as every write that changes
//! one; so `from` and `to` select whole UTC days, and a query reads counters, never the
//! referrals. What each figure counts, and on which day:
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
//!   (`amount − refunded`, the referral object's `sales_total`), summed as recorded whatever
//!   the currency;
//! * **commissions** — cents of the commissions on those sales that are not voided, pending
//!   or paid, after pro-rata reductions and net of clawbacks (which are negative), counted
//!   on the day of their sale (the referral object's `commissions_total`).
//!
//! Every figure is counted under its referral's affiliate, campaign and link. A deleted
//! referral leaves visitors, leads, conversions, revenue and commissions.

use super::query::Params;
use super::ValidationError;
use crate::time::Timestamp;
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

    /// The counter rows to read, as disjoint spans of one grain each: `group_by=day` reads
    /// the program's day totals; the others read whole months by month and only the
    /// partial first and last months by day, so a year reads about 12 + 60 counters per
    /// link instead of 365.
    pub fn spans(&self) -> Vec<Span> {
        let (first, last) = (self.first_day(), self.last_day());
        if self.group_by == GroupBy::Day {
            return alloc::vec![Span { grain: Grain::ProgramDay, first, last }];
        }
        let a = first.as_deref().map(Ymd::parse);
        let b = last.as_deref().map(Ymd::parse);
        let mut spans = Vec::new();
        if let (Some(a), Some(b)) = (a, b) {
            if (a.y, a.m) == (b.y, b.m) {
                let span = if a.d == 1 && b.d == days_in_month(b.y, b.m) {
                    Span { grain: Grain::Month, first: Some(a.month()), last: Some(b.month()) }
                } else {
                    Span { grain: Grain::Day, first, last }
                };
                return alloc::vec![span];
            }
        }
        // Different months (or an open end): partial first month, whole months, partial last.
        let mut months_from = None;
        if let Some(a) = a {
            if a.d == 1 {
                months_from = Some(a.month());
            } else {
                let end = Ymd { d: days_in_month(a.y, a.m), ..a };
                spans.push(Span { grain: Grain::Day, first: Some(a.day()), last: Some(end.day()) });
                months_from = Some(a.next_month().month());
            }
        }
        let mut months_to = None;
        let mut tail = None;
        if let Some(b) = b {
            if b.d == days_in_month(b.y, b.m) {
                months_to = Some(b.month());
            } else {
                let start = Ymd { d: 1, ..b };
                tail = Some(Span { grain: Grain::Day, first: Some(start.day()), last: Some(b.day()) });
                months_to = Some(b.previous_month().month());
            }
        }
        let months_empty = matches!((&months_from, &months_to), (Some(f), Some(t)) if f > t);
        if !months_empty {
            spans.push(Span { grain: Grain::Month, first: months_from, last: months_to });
        }
        spans.extend(tail);
        spans
    }
}

/// The grain of a counter row (`stats.grain`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    /// Per UTC day, affiliate, campaign and link; period `YYYY-MM-DD`.
    Day,
    /// Per UTC month, affiliate, campaign and link; period `YYYY-MM`.
    Month,
    /// Per UTC day for the whole program; period `YYYY-MM-DD`.
    ProgramDay,
}

impl Grain {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Month => "month",
            Grain::ProgramDay => "program_day",
        }
    }
}

/// Counter rows of one grain whose period is between `first` and `last` (both included;
/// `None` is open).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Which counters.
    pub grain: Grain,
    /// First period (`YYYY-MM-DD` or `YYYY-MM`), included.
    pub first: Option<String>,
    /// Last period, included.
    pub last: Option<String>,
}

/// The six figures of a group or of the total (see the module docs for what each counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The answer to `GET /v1/stats`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// The grouping asked for.
    pub group_by: GroupBy,
    /// The first UTC day counted (`YYYY-MM-DD`), or null: from the beginning.
    pub from: Option<String>,
    /// The last UTC day counted (`YYYY-MM-DD`), or null: up to now.
    pub to: Option<String>,
    /// The sum of every group.
    pub totals: Figures,
    /// Every group with a figure other than zero in the range: days oldest first, the
    /// others by revenue, highest first (then by key).
    pub groups: Vec<StatsGroup>,
}

impl Stats {
    /// The answer for `q` from its groups (in any order): ordered, with their totals.
    pub fn new(q: &StatsQuery, mut groups: Vec<StatsGroup>) -> Self {
        groups.retain(|g| g.figures != Figures::default());
        if q.group_by == GroupBy::Day {
            groups.sort_by(|a, b| a.key.cmp(&b.key));
        } else {
            groups.sort_by(|a, b| b.figures.revenue.cmp(&a.figures.revenue).then_with(|| a.key.cmp(&b.key)));
        }
        let totals = groups.iter().fold(Figures::default(), |t, g| t.plus(g.figures));
        Self { group_by: q.group_by, from: q.first_day(), to: q.last_day(), totals, groups }
    }
}

fn day_of(t: Timestamp) -> String {
    let mut s = t.to_iso8601();
    s.truncate(10);
    s
}

/// A calendar date, from a `YYYY-MM-DD` that [`day_of`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Ymd {
    y: u32,
    m: u32,
    d: u32,
}

impl Ymd {
    fn parse(s: &str) -> Ymd {
        let n = |r: core::ops::Range<usize>| s.get(r).and_then(|x| x.parse().ok()).unwrap_or(1);
        Ymd { y: n(0..4), m: n(5..7), d: n(8..10) }
    }
    fn day(self) -> String {
        alloc::format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }
    fn month(self) -> String {
        alloc::format!("{:04}-{:02}", self.y, self.m)
    }
    fn next_month(self) -> Ymd {
        if self.m == 12 {
            Ymd { y: self.y + 1, m: 1, d: 1 }
        } else {
            Ymd { m: self.m + 1, d: 1, ..self }
        }
    }
    fn previous_month(self) -> Ymd {
        if self.m == 1 {
            Ymd { y: self.y.saturating_sub(1), m: 12, d: 1 }
        } else {
            Ymd { m: self.m - 1, d: 1, ..self }
        }
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        _ => 31,
    }
}
