//! SQL that needs no D1 binding, so core's native tests can run it on SQLite
//! (`crates/core/tests/query_plans.rs` includes this file): bound parameters as values, and
//! the referral list's statements for the filters present.

use serde_json::Value;
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::{ProgramId, Status};

/// A bound SQL parameter: any `Serialize` value as JSON (text, number or null). Core's
/// types serialize to their wire form, which is also their stored form (IDs, tokens,
/// statuses, ISO 8601 timestamps), so values keep their types up to the binding.
pub type Arg = Value;

/// A bound parameter from any `Serialize` value (`None` binds NULL).
pub fn arg<T: serde::Serialize + ?Sized>(value: &T) -> Arg {
    // Core's types and plain values always serialize; a failure would be a bug, bound as NULL.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The referral object's columns: the referral, its link (with the counters the triggers
/// keep), its affiliate and the affiliate's campaign.
pub const REFERRAL_SELECT: &str = "SELECT r.id, r.program_id, r.affiliate_id, r.link_id, r.status, r.visits, r.visitor_id, r.landing_url, r.referrer, \
    r.email, r.name, r.customer_id, r.subscription_id, r.metadata, r.created_at, r.updated_at, r.expires_at, \
    r.became_lead_at, r.became_conversion_at, r.converted_at, \
    l.token AS link_token, l.destination_url AS link_destination_url, \
    l.visitors AS link_visitors, l.leads AS link_leads, l.conversions AS link_conversions, \
    a.email AS affiliate_email, a.first_name AS affiliate_first_name, a.last_name AS affiliate_last_name, \
    ac.id AS affiliate_campaign_id, ac.name AS affiliate_campaign_name, cp.code AS coupon_code, \
    (SELECT COALESCE(SUM(s.amount - s.refunded), 0) FROM sales s WHERE s.referral_id = r.id) AS sales_total, \
    (SELECT COALESCE(SUM(c.amount), 0) FROM commissions c WHERE c.referral_id = r.id AND c.status != 'voided') AS commissions_total \
    FROM referrals r JOIN affiliates a ON a.id = r.affiliate_id JOIN campaigns ac ON ac.id = a.campaign_id \
    LEFT JOIN links l ON l.id = r.link_id LEFT JOIN coupons cp ON cp.id = r.coupon_id";
/// The statements of a referral list for the filters present (see
/// `ReferralRepo::list`): only the given filters are named, each value bound, so SQLite
/// serves every filter and every pair from an index whose tail is the list order.
#[derive(Debug)]
pub struct ListSql {
    conditions: Vec<String>,
    args: Vec<Arg>,
    /// No filter but status: the count comes from `referral_counts`.
    counted: bool,
    statuses: Vec<Status>,
    limit: u32,
    offset: u64,
}

impl ListSql {
    /// The conditions and bound values for `q` in `program`.
    pub fn new(program: &ProgramId, q: &ReferralQuery) -> Self {
        let mut list = ListSql {
            conditions: Vec::new(),
            args: Vec::new(),
            counted: q.affiliate_id.is_none()
                && q.email.is_none()
                && q.customer_id.is_none()
                && q.from.is_none()
                && q.to.is_none(),
            statuses: q.statuses.clone().unwrap_or_else(|| Status::ALL.to_vec()),
            limit: q.paging.limit,
            offset: q.paging.offset(),
        };
        list.push("r.program_id = ", arg(program));
        if let Some(a) = &q.affiliate_id {
            list.push("r.affiliate_id = ", arg(a));
        }
        if let Some(e) = &q.email {
            list.push("r.email = ", arg(e));
        }
        if let Some(c) = &q.customer_id {
            list.push("r.customer_id = ", arg(c));
        }
        if let Some(statuses) = &q.statuses {
            let marks: Vec<String> = statuses
                .iter()
                .map(|s| {
                    list.args.push(arg(s));
                    format!("?{}", list.args.len())
                })
                .collect();
            list.conditions
                .push(format!("r.status IN ({})", if marks.is_empty() { "NULL".into() } else { marks.join(", ") }));
        }
        if let Some(from) = &q.from {
            list.push("r.created_at >= ", arg(from));
        }
        if let Some(to) = &q.to {
            list.push("r.created_at <= ", arg(to));
        }
        list
    }

    fn push(&mut self, condition: &str, value: Arg) {
        self.args.push(value);
        self.conditions.push(format!("{condition}?{}", self.args.len()));
    }

    /// The count query.
    pub fn count_sql(&self) -> String {
        if self.counted {
            let marks: Vec<String> = (0..self.statuses.len()).map(|i| format!("?{}", i + 2)).collect();
            return format!(
                "SELECT COALESCE(SUM(n), 0) AS n FROM referral_counts WHERE program_id = ?1 AND status IN ({})",
                if marks.is_empty() { "NULL".into() } else { marks.join(", ") }
            );
        }
        format!("SELECT COUNT(*) AS n FROM referrals r WHERE {}", self.conditions.join(" AND "))
    }

    /// The count query's bound values.
    pub fn count_args(&self) -> Vec<Arg> {
        if self.counted {
            let mut args = vec![self.args[0].clone()];
            args.extend(self.statuses.iter().map(arg));
            return args;
        }
        self.args.clone()
    }

    /// The page query: the page's IDs read in order from an index, then only their rows
    /// joined (an `OFFSET` skips index entries, not joined rows).
    pub fn page_sql(&self) -> String {
        let n = self.args.len();
        format!(
            "{REFERRAL_SELECT} WHERE r.id IN (SELECT r.id FROM referrals r WHERE {} \
             ORDER BY r.created_at DESC, r.id DESC LIMIT ?{} OFFSET ?{}) ORDER BY r.created_at DESC, r.id DESC",
            self.conditions.join(" AND "),
            n + 1,
            n + 2
        )
    }

    /// The page query's bound values.
    pub fn page_args(&self) -> Vec<Arg> {
        let mut args = self.args.clone();
        args.push(arg(&self.limit));
        args.push(arg(&self.offset));
        args
    }
}

/// Rows that name a row to delete: `(kind, table, column)`, e.g.
/// `("links", "links", "campaign_id")`. Each column has an index that starts with it
/// (migrations/0004), so the checks and the delete's own foreign-key checks never scan.
pub type Users = &'static [(&'static str, &'static str, &'static str)];

/// `DELETE` of the program's row `?2` of `table` (program `?1`) unless a row of `users`
/// names it: the check and the delete in one statement.
pub fn delete_unused(table: &str, users: Users) -> String {
    let unused: String =
        users.iter().map(|(_, t, c)| format!(" AND NOT EXISTS (SELECT 1 FROM {t} WHERE {c} = ?2)")).collect();
    format!("DELETE FROM {table} WHERE program_id = ?1 AND id = ?2{unused}")
}

/// Whether the program's row `?2` of `table` exists (`found`), and for each of `users` in
/// order whether a row names it (`u0`, `u1`, …).
pub fn usage(table: &str, users: Users) -> String {
    let checks: String = users
        .iter()
        .enumerate()
        .map(|(i, (_, t, c))| format!(", EXISTS (SELECT 1 FROM {t} WHERE {c} = ?2) AS u{i}"))
        .collect();
    format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE program_id = ?1 AND id = ?2) AS found{checks}")
}

/// What names a campaign.
pub const CAMPAIGN_USERS: Users = &[
    ("affiliates", "affiliates", "campaign_id"),
    ("links", "links", "campaign_id"),
    ("referrals", "referrals", "campaign_id"),
    ("coupons", "coupons", "campaign_id"),
];
/// What names an affiliate: its links and referrals, and the commissions and payouts made to it
/// (a manual commission names the affiliate with no referral; payouts are its history).
pub const AFFILIATE_USERS: Users = &[
    ("links", "links", "affiliate_id"),
    ("referrals", "referrals", "affiliate_id"),
    ("commissions", "commissions", "affiliate_id"),
    ("payouts", "payouts", "affiliate_id"),
    ("coupons", "coupons", "affiliate_id"),
];
/// What names a coupon: the referrals it credited.
pub const COUPON_USERS: Users = &[("referrals", "referrals", "coupon_id")];
/// What names a link.
pub const LINK_USERS: Users = &[("referrals", "referrals", "link_id")];

/// A page of the program's active API keys, newest first (`?1` program, `?2` limit,
/// `?3` offset).
pub const KEYS_PAGE: &str = "SELECT id, kind, key_prefix, scopes, created_at, last_used_at FROM api_keys \
    WHERE program_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3";

/// The `WHERE` of a commission list for the filters present (`?1` program, then each
/// filter's value bound in turn), served by the commission indexes of migration 0005.
pub fn commission_filter(
    program: &ProgramId,
    q: &viatrack_core::api::commissions::CommissionQuery,
) -> (String, Vec<Arg>) {
    let mut conditions = vec![String::from("program_id = ?1")];
    let mut args = vec![arg(program)];
    let mut push = |condition: &str, value: Arg| {
        args.push(value);
        conditions.push(format!("{condition} ?{}", args.len()));
    };
    if let Some(a) = &q.affiliate_id {
        push("affiliate_id =", arg(a));
    }
    if let Some(r) = &q.referral_id {
        push("referral_id =", arg(r));
    }
    if let Some(s) = q.status {
        push("status =", arg(&s));
    }
    if let Some(f) = q.from {
        push("created_at >=", arg(&f));
    }
    if let Some(t) = q.to {
        push("created_at <=", arg(&t));
    }
    (conditions.join(" AND "), args)
}

/// What a payout run may pay (`?1` program, `?2` the cutoff, `?3` `pending`): commissions in
/// no payout, due by the cutoff, and every clawback (netted whenever it is), served by the
/// index `commissions_payable` (migration 0011).
pub const PAYABLE: &str = "SELECT id, affiliate_id, currency, amount, due_at FROM commissions \
    WHERE program_id = ?1 AND status = ?3 AND payout_id IS NULL AND (due_at <= ?2 OR amount < 0)";

/// A payout run's insert of one payout (`?1` its ID, `?2` program, `?3` affiliate, `?4`
/// currency, `?5` amount, `?6` `pending`, `?7` the number of commissions, `?8` the cutoff,
/// `?9` now, `?10` the commission IDs as a JSON array, `?11` `pending`): written only if
/// every one of those commissions is still the affiliate's, pending, in no payout and of the
/// planned sum. Each ID is looked up by the primary key (driven from `json_each`, so the
/// planner does not walk the program's payable commissions instead).
pub const PAYOUT_INSERT: &str = "INSERT INTO payouts (id, program_id, affiliate_id, currency, amount, status, commissions_count, due_before, created_at, updated_at) \
    SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9 \
    WHERE (SELECT COUNT(*) FROM json_each(?10) AS j CROSS JOIN commissions AS c ON c.id = j.value \
           WHERE c.program_id = ?2 AND c.affiliate_id = ?3 AND c.currency = ?4 AND c.status = ?11 AND c.payout_id IS NULL) = ?7 \
      AND (SELECT COALESCE(SUM(c.amount), 0) FROM json_each(?10) AS j CROSS JOIN commissions AS c ON c.id = j.value \
           WHERE c.program_id = ?2 AND c.payout_id IS NULL) = ?5";

/// The assignment of a payout's commissions (`?1` program, `?2` the payout, `?3` the IDs as
/// a JSON array, `?4` now), only if [`PAYOUT_INSERT`] wrote the payout. The unary `+` keeps
/// the planner on the primary key.
pub const PAYOUT_ASSIGN: &str = "UPDATE commissions SET payout_id = ?2, updated_at = ?4 \
    WHERE id IN (SELECT value FROM json_each(?3)) AND +program_id = ?1 AND +payout_id IS NULL \
      AND EXISTS (SELECT 1 FROM payouts WHERE id = ?2)";

/// The `WHERE` of a payout list (table alias `p`) for the filters present (`?1` program,
/// then each filter's value bound in turn; statuses as one JSON array), served by the payout
/// indexes of migration 0011.
pub fn payout_filter(program: &ProgramId, q: &viatrack_core::api::payouts::PayoutQuery) -> (String, Vec<Arg>) {
    let mut conditions = vec![String::from("p.program_id = ?1")];
    let mut args = vec![arg(program)];
    let mut push = |condition: &str, value: Arg, close: &str| {
        args.push(value);
        conditions.push(format!("{condition} ?{}{close}", args.len()));
    };
    if let Some(a) = &q.affiliate_id {
        push("p.affiliate_id =", arg(a), "");
    }
    if let Some(s) = &q.statuses {
        push("p.status IN (SELECT value FROM json_each(", arg(&serde_json::to_string(s).unwrap_or_default()), "))");
    }
    if let Some(c) = &q.currency {
        push("p.currency =", arg(c), "");
    }
    if let Some(f) = q.from {
        push("p.created_at >=", arg(&f), "");
    }
    if let Some(t) = q.to {
        push("p.created_at <=", arg(&t), "");
    }
    (conditions.join(" AND "), args)
}

/// The statement of `GET /v1/stats` for `q` in `program` (see `StatsRepo::get`): for
/// `group_by=day` the program's days in range (`stats_program_days`); otherwise the counters
/// of each run of [`viatrack_core::api::stats::StatsQuery::blocks`], bound as one JSON array
/// of `[days, first start, last start]` and each read from the primary key of `stats` by
/// program, block size and start range (one `SELECT`: D1 allows at most 5 terms in a
/// `UNION`). Summed per group and labelled from the group's own row. Only the grouping
/// column and the label come from `q.group_by` (never request text); every value is bound.
pub fn stats_sql(program: &ProgramId, q: &viatrack_core::api::stats::StatsQuery) -> (String, Vec<Arg>) {
    const SUMS: &str = "SUM(s.visitors) AS visitors, SUM(s.clicks) AS clicks, SUM(s.leads) AS leads, \
        SUM(s.conversions) AS conversions, SUM(s.revenue) AS revenue, SUM(s.commissions) AS commissions";
    let (counters, args) = stats_counters(program, q, ("stats", "stats_program_days"), SUMS, "");
    let (label, join) = stats_label(q);
    let sql = format!(
        "SELECT NULLIF(g.k, '') AS key, {label} AS label, g.visitors, g.clicks, g.leads, g.conversions, g.revenue, g.commissions \
         FROM ({counters}) g {join}"
    );
    (sql, args)
}

/// The money of `GET /v1/stats` per group and currency (migration 0012's `stats_money` and
/// `stats_money_days`, read by the same keys and blocks as [`stats_sql`]): rows of `key`,
/// `currency`, `revenue`, `commissions`, in cents.
pub fn stats_money_sql(program: &ProgramId, q: &viatrack_core::api::stats::StatsQuery) -> (String, Vec<Arg>) {
    const SUMS: &str = "s.currency AS currency, SUM(s.revenue) AS revenue, SUM(s.commissions) AS commissions";
    let (counters, args) = stats_counters(program, q, ("stats_money", "stats_money_days"), SUMS, ", s.currency");
    let sql = format!("SELECT NULLIF(g.k, '') AS key, g.currency, g.revenue, g.commissions FROM ({counters}) g");
    (sql, args)
}

/// The grouped read of one pair of counter tables (`(blocks, days)`) for `q`: `sums` per
/// group key (`k`) and `also` (more grouping columns, `", s.…"`). The values are bound.
fn stats_counters(
    program: &ProgramId,
    q: &viatrack_core::api::stats::StatsQuery,
    (blocks, days): (&str, &str),
    sums: &str,
    also: &str,
) -> (String, Vec<Arg>) {
    use viatrack_core::api::stats::GroupBy;
    let mut args = vec![arg(program.as_str())];
    let counters = if q.group_by == GroupBy::Day {
        let mut sql = format!("SELECT s.day AS k, {sums} FROM {days} s WHERE s.program_id = ?1");
        if let Some(first) = q.first_day() {
            args.push(arg(&first));
            sql.push_str(&format!(" AND s.day >= ?{}", args.len()));
        }
        if let Some(last) = q.last_day() {
            args.push(arg(&last));
            sql.push_str(&format!(" AND s.day <= ?{}", args.len()));
        }
        sql + " GROUP BY s.day" + also
    } else {
        let key = match q.group_by {
            GroupBy::Campaign => "campaign_id",
            GroupBy::Link => "link_id",
            GroupBy::Affiliate | GroupBy::Day => "affiliate_id",
        };
        // Open ends as bounds that hold every block (day numbers are below 3,000,000).
        let runs: Vec<[i64; 3]> = q
            .blocks()
            .into_iter()
            .map(|r| [r.days, r.first_start.unwrap_or(0), r.last_start.unwrap_or(i64::from(i32::MAX))])
            .collect();
        // As JSON text: D1 binds text, numbers and null, not arrays.
        args.push(arg(&serde_json::to_string(&runs).unwrap_or_default()));
        format!(
            "SELECT s.{key} AS k, {sums} FROM json_each(?2) AS r CROSS JOIN {blocks} AS s \
             WHERE s.program_id = ?1 AND s.days = json_extract(r.value, '$[0]') \
             AND s.start >= json_extract(r.value, '$[1]') AND s.start <= json_extract(r.value, '$[2]') GROUP BY s.{key}{also}"
        )
    };
    (counters, args)
}

/// The label of a stats group (`g.k`) and the join that finds it, scoped to the program.
fn stats_label(q: &viatrack_core::api::stats::StatsQuery) -> (&'static str, &'static str) {
    use viatrack_core::api::stats::GroupBy;
    match q.group_by {
        GroupBy::Affiliate => (
            "COALESCE(NULLIF(TRIM(COALESCE(t.first_name, '') || ' ' || COALESCE(t.last_name, '')), ''), t.email)",
            "LEFT JOIN affiliates t ON t.id = g.k AND t.program_id = ?1",
        ),
        GroupBy::Campaign => ("t.name", "LEFT JOIN campaigns t ON t.id = g.k AND t.program_id = ?1"),
        GroupBy::Link => ("t.token", "LEFT JOIN links t ON t.id = g.k AND t.program_id = ?1"),
        GroupBy::Day => ("g.k", ""),
    }
}

/// The `WHERE` of a coupon list (table alias `c`) for the filters present (`?1` program, then
/// each filter's value bound in turn), each served by an index of migration 0013. Call only
/// when the filters name something ([`viatrack_core::api::query::ResourceQuery::names_nothing`]).
pub fn coupon_filter(program: &ProgramId, q: &viatrack_core::api::query::ResourceQuery) -> (String, Vec<Arg>) {
    let mut conditions = vec![String::from("c.program_id = ?1")];
    let mut args = vec![arg(program)];
    if let Some(a) = q.affiliate_id.as_ref().and_then(|r| r.id()) {
        args.push(arg(a));
        conditions.push(format!("c.affiliate_id = ?{}", args.len()));
    }
    if let Some(c) = q.campaign_id.as_ref().and_then(|r| r.id()) {
        args.push(arg(c));
        conditions.push(format!("c.campaign_id = ?{}", args.len()));
    }
    (conditions.join(" AND "), args)
}

/// `GET /v1/commissions/summary` (see `CommissionRepo::summary`): the program's commissions,
/// alone or of one affiliate and made in a range, summed per affiliate and currency by where
/// they stand, as of `now`. `?1` program, `?2` now, `?3`–`?5` the `pending`, `paid` and
/// `voided` wire names (states are bound, never spelled in SQL), then each filter's value.
/// Served by `commissions_list` or `commissions_affiliate` (query-plan test). Returns the
/// grouped `SELECT` (ordered by affiliate and currency, without `LIMIT`) and its arguments.
pub fn commission_summary(
    program: &ProgramId,
    q: &viatrack_core::api::commissions::SummaryQuery,
    now: viatrack_core::Timestamp,
) -> (String, Vec<Arg>) {
    use viatrack_core::commission::CommissionStatus;
    let mut args = vec![
        arg(program),
        arg(&now),
        arg(CommissionStatus::Pending.as_str()),
        arg(CommissionStatus::Paid.as_str()),
        arg(CommissionStatus::Voided.as_str()),
    ];
    let mut conditions = vec![String::from("c.program_id = ?1")];
    if let Some(a) = &q.affiliate_id {
        args.push(arg(a.as_str()));
        conditions.push(format!("c.affiliate_id = ?{}", args.len()));
    }
    if let Some(f) = q.from {
        args.push(arg(&f));
        conditions.push(format!("c.created_at >= ?{}", args.len()));
    }
    if let Some(t) = q.to {
        args.push(arg(&t));
        conditions.push(format!("c.created_at <= ?{}", args.len()));
    }
    let sql = format!(
        "SELECT c.affiliate_id, c.currency, \
           SUM(CASE WHEN c.status = ?3 AND c.amount > 0 AND c.due_at > ?2 THEN c.amount ELSE 0 END) AS pending, \
           SUM(CASE WHEN c.status = ?3 AND c.amount > 0 AND c.due_at <= ?2 THEN c.amount ELSE 0 END) AS due, \
           SUM(CASE WHEN c.status = ?4 AND c.amount > 0 THEN c.amount ELSE 0 END) AS paid, \
           SUM(CASE WHEN c.status <> ?5 AND c.amount < 0 THEN -c.amount ELSE 0 END) AS clawed_back, \
           SUM(CASE WHEN c.status = ?5 THEN c.amount ELSE 0 END) AS voided \
         FROM commissions c WHERE {} GROUP BY c.affiliate_id, c.currency ORDER BY c.affiliate_id, c.currency",
        conditions.join(" AND ")
    );
    (sql, args)
}
