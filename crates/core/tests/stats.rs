//! `GET /v1/stats` at a million referrals: the Worker's stats SQL (`sql::stats_sql`,
//! included from `crates/worker/src/repo/sql.rs`) runs on SQLite with every migration
//! applied. For every `group_by`, with and without `from`/`to`, `EXPLAIN QUERY PLAN` reads
//! the counters through the primary key (no full scan of any table), and the answers equal
//! a recount of the figures from the rows themselves, after clicks, repeat visits, leads,
//! conversions, sales, refunds, clawbacks, voids and a deleted referral, and after
//! migration 0007's backfill of rows written before it. The money per currency
//! (`sql::stats_money_sql`, migration 0012) is read and recounted the same way.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test
#![allow(clippy::type_complexity)] // tests: row tuples read once

mod common;
#[path = "../../worker/src/repo/sql.rs"]
#[allow(dead_code)]
mod sql;

use common::{apply_from, bind, db_until};
use rusqlite::{params_from_iter, Connection};
use std::collections::BTreeMap;
use viatrack_core::api::fields::Currency;
use viatrack_core::api::stats::{Blocks, Figures, GroupBy, Money, Stats, StatsGroup, StatsQuery};
use viatrack_core::ProgramId;

const PROGRAM: &str = "prg_00000000000000000000000000000001";
const OTHER: &str = "prg_00000000000000000000000000000002";
const A1: &str = "aff_00000000000000000000000000000001";
const A2: &str = "aff_00000000000000000000000000000002";

fn query(pairs: &[(&str, &str)]) -> StatsQuery {
    StatsQuery::parse(pairs.iter().copied()).unwrap()
}

/// Every `group_by`, alone and with `from`, `to`, and both (one partial month, one whole
/// month, across months, across a year).
fn queries() -> Vec<StatsQuery> {
    let ranges: [&[(&str, &str)]; 7] = [
        &[],
        &[("from", "2026-02-10T00:00:00Z")],
        &[("to", "2026-02-10T23:59:59Z")],
        &[("from", "2026-02-03T00:00:00Z"), ("to", "2026-02-20T00:00:00Z")],
        &[("from", "2026-02-01T00:00:00Z"), ("to", "2026-02-28T23:59:59Z")],
        &[("from", "2026-01-15T00:00:00Z"), ("to", "2026-03-05T00:00:00Z")],
        &[("from", "2025-12-31T00:00:00Z"), ("to", "2026-03-31T00:00:00Z")],
    ];
    let mut v = Vec::new();
    for g in ["affiliate", "campaign", "link", "day"] {
        for r in ranges {
            let mut pairs = vec![("group_by", g)];
            pairs.extend_from_slice(r);
            v.push(query(&pairs));
        }
    }
    v
}

fn answer(db: &Connection, program: &str, q: &StatsQuery) -> Stats {
    let (sql, args) = sql::stats_sql(&ProgramId::parse(program).unwrap(), q);
    let mut stmt = db.prepare(&sql).unwrap();
    let groups = stmt
        .query_map(params_from_iter(bind(&args)), |r| {
            Ok(StatsGroup {
                key: r.get(0)?,
                label: r.get(1)?,
                figures: Figures {
                    visitors: r.get(2)?,
                    clicks: r.get(3)?,
                    leads: r.get(4)?,
                    conversions: r.get(5)?,
                    revenue: r.get(6)?,
                    commissions: r.get(7)?,
                },
                money: Vec::new(),
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (sql, args) = sql::stats_money_sql(&ProgramId::parse(program).unwrap(), q);
    let mut stmt = db.prepare(&sql).unwrap();
    let money = stmt
        .query_map(params_from_iter(bind(&args)), |r| {
            let currency: String = r.get(1)?;
            Ok((
                r.get(0)?,
                Money { currency: Currency::try_from(currency).unwrap(), revenue: r.get(2)?, commissions: r.get(3)? },
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    Stats::new(q, groups, money)
}

#[test]
fn every_group_by_and_range_reads_the_counters_by_primary_key() {
    let db = db_until(None);
    let statements = [sql::stats_sql, sql::stats_money_sql];
    for (q, statement) in queries().into_iter().flat_map(|q| statements.map(|f| (q.clone(), f))) {
        let (sql, args) = statement(&ProgramId::parse(PROGRAM).unwrap(), &q);
        let mut stmt = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> =
            stmt.query_map(params_from_iter(bind(&args)), |r| r.get(3)).unwrap().map(Result::unwrap).collect();
        let reads: Vec<&String> = steps.iter().filter(|s| s.starts_with("SCAN") || s.starts_with("SEARCH")).collect();
        // Only the bound runs (json_each) and the grouped subquery are scanned; every table
        // is searched by key.
        for s in &reads {
            assert!(
                s.starts_with("SEARCH") || s.starts_with("SCAN r VIRTUAL TABLE") || s.starts_with("SCAN g"),
                "{q:?}: {steps:?}"
            );
        }
        // D1 allows at most 5 terms in a compound SELECT: the statement has none.
        assert!(!sql.contains("UNION"), "{sql}");
        if std::env::var_os("STATS_PLANS").is_some() {
            println!("{:?} from {:?} to {:?}:\n  {}", q.group_by, q.first_day(), q.last_day(), steps.join("\n  "));
        }
        let counters = reads.iter().filter(|s| {
            s.starts_with("SEARCH s USING PRIMARY KEY (program_id=? AND days=? AND start>? AND start<?)")
                || s.starts_with("SEARCH s USING PRIMARY KEY (program_id=?")
        });
        assert_eq!(counters.count(), 1, "{q:?}: {steps:?}");
    }
}

#[test]
fn blocks_tile_the_range_exactly_with_few_counters() {
    let day =
        |s: &str| viatrack_core::Timestamp::parse_iso8601(&format!("{s}T00:00:00Z")).unwrap().unix_ms() / 86_400_000;
    let run = |days, first: Option<i64>, last: Option<i64>| Blocks { days, first_start: first, last_start: last };
    // All time: every 256-day block.
    assert_eq!(query(&[("group_by", "affiliate")]).blocks(), vec![run(256, None, None)]);
    // Day 20480 (2026-01-27) is a multiple of 256: from there on, 256-day blocks.
    assert_eq!(day("2026-01-27"), 20480);
    assert_eq!(
        query(&[("group_by", "link"), ("from", "2026-01-27T10:00:00Z")]).blocks(),
        vec![run(256, Some(20480), None)]
    );
    // One day.
    assert_eq!(
        query(&[("group_by", "link"), ("from", "2026-01-27T10:00:00Z"), ("to", "2026-01-27T23:59:59Z")]).blocks(),
        vec![run(1, Some(20480), Some(20480))]
    );
    // Every range of up to two years starting on many days: the blocks are aligned, disjoint,
    // cover exactly the range, and are few.
    let mut most = 0;
    for start in (day("2025-01-01")..day("2025-03-01")).step_by(3) {
        for len in [1, 2, 3, 5, 7, 16, 30, 31, 90, 200, 365, 366, 700] {
            let (a, b) = (start, start + len - 1);
            let iso = |d: i64| viatrack_core::Timestamp::from_unix_ms(d * 86_400_000).to_iso8601();
            let q = query(&[("group_by", "affiliate"), ("from", &iso(a)), ("to", &iso(b))]);
            let mut covered = Vec::new();
            let mut counters = 0;
            for r in q.blocks() {
                let (first, last) = (r.first_start.unwrap(), r.last_start.unwrap());
                assert!(viatrack_core::api::stats::BLOCK_DAYS.contains(&r.days));
                assert_eq!(first % r.days, 0, "{r:?} aligned");
                assert_eq!((last - first) % r.days, 0);
                let mut s = first;
                while s <= last {
                    covered.extend(s..s + r.days);
                    counters += 1;
                    s += r.days;
                }
            }
            covered.sort_unstable();
            assert_eq!(covered, (a..=b).collect::<Vec<_>>(), "{a}..={b}");
            assert!(counters <= 3 * 2 * 4 + (len / 256 + 1) as usize, "{a}..={b}: {counters}");
            most = most.max(counters);
        }
    }
    assert!(most >= 10, "the ranges tested need several sizes ({most})");
}

#[test]
fn bad_parameters_name_their_field() {
    for (pairs, field) in [
        (vec![], "group_by"),
        (vec![("group_by", "week")], "group_by"),
        (vec![("group_by", "day"), ("from", "yesterday")], "from"),
        (vec![("group_by", "day"), ("to", "2026-13-01T00:00:00Z")], "to"),
        (vec![("group_by", "day"), ("from", "2026-02-01T00:00:00Z"), ("to", "2026-01-01T00:00:00Z")], "from"),
        (vec![("group_by", "day"), ("page", "2")], "page"),
        (vec![("group_by", "day"), ("group_by", "link")], "group_by"),
    ] {
        let e = StatsQuery::parse(pairs.clone()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some(field), "{pairs:?}: {e}");
    }
}

/// The writes the Worker makes, as plain SQL, and what each should add to the figures,
/// kept by hand for clicks (whose days the rows do not keep).
struct World {
    db: Connection,
    clicks: Vec<(String, String, String, String, String)>, // (program, day, affiliate, campaign, link)
}

impl World {
    fn new(db: Connection) -> Self {
        let now = "2026-01-01T00:00:00.000Z";
        db.execute_batch(&format!(
            "INSERT INTO programs VALUES ('{PROGRAM}', 'p', '{now}'), ('{OTHER}', 'q', '{now}');
             INSERT INTO campaigns (id, program_id, name, cookie_duration, attribution, created_at, updated_at)
               VALUES ('cmp_1', '{PROGRAM}', 'Spring', 60, 'last_click', '{now}', '{now}'),
                      ('cmp_2', '{PROGRAM}', 'Autumn', 60, 'last_click', '{now}', '{now}'),
                      ('cmp_9', '{OTHER}', 'Other', 60, 'last_click', '{now}', '{now}');
             INSERT INTO affiliates (id, program_id, campaign_id, email, first_name, last_name, created_at, updated_at)
               VALUES ('{A1}', '{PROGRAM}', 'cmp_1', 'ada@example.com', 'Ada', 'Lovelace', '{now}', '{now}'),
                      ('{A2}', '{PROGRAM}', 'cmp_2', 'bob@example.com', NULL, NULL, '{now}', '{now}'),
                      ('aff_9', '{OTHER}', 'cmp_9', 'eve@example.com', 'Eve', NULL, '{now}', '{now}');
             INSERT INTO links (id, program_id, token, affiliate_id, campaign_id, created_at, updated_at)
               VALUES ('lnk_1', '{PROGRAM}', 'ada', '{A1}', 'cmp_1', '{now}', '{now}'),
                      ('lnk_2', '{PROGRAM}', 'ada2', '{A1}', 'cmp_2', '{now}', '{now}'),
                      ('lnk_3', '{PROGRAM}', 'bob', '{A2}', 'cmp_2', '{now}', '{now}'),
                      ('lnk_9', '{OTHER}', 'eve', 'aff_9', 'cmp_9', '{now}', '{now}');"
        ))
        .unwrap();
        Self { db, clicks: Vec::new() }
    }

    fn link(&self, link: &str) -> (String, String, String) {
        self.db
            .query_row("SELECT program_id, affiliate_id, campaign_id FROM links WHERE id = ?1", [link], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap()
    }

    fn click(&mut self, id: &str, link: &str, at: &str) {
        let (program, aff, cmp) = self.link(link);
        self.db
            .execute(
                "INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, visitor_id, created_at, updated_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'click', 1, 'vis', ?6, ?6, '2027-01-01T00:00:00.000Z')",
                [id, &program, link, &aff, &cmp, at],
            )
            .unwrap();
        self.clicks.push((program, at[..10].into(), aff, cmp, link.into()));
    }

    fn repeat(&mut self, id: &str, at: &str) {
        self.db.execute("UPDATE referrals SET visits = visits + 1, updated_at = ?2 WHERE id = ?1", [id, at]).unwrap();
        let (program, aff, cmp, link): (String, String, String, String) = self
            .db
            .query_row(
                "SELECT program_id, affiliate_id, campaign_id, link_id FROM referrals WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        self.clicks.push((program, at[..10].into(), aff, cmp, link));
    }

    fn exec(&self, sql: &str) {
        self.db.execute_batch(sql).unwrap();
    }

    /// The figures recounted from the rows (and the click log), per group, for `q`.
    fn recount(&self, program: &str, q: &StatsQuery) -> Stats {
        let (first, last) = (q.first_day().unwrap_or_default(), q.last_day().unwrap_or_else(|| "9999".into()));
        let key_of = |day: &str, aff: &str, cmp: Option<String>, link: Option<String>| match q.group_by {
            GroupBy::Affiliate => Some(aff.to_string()),
            GroupBy::Campaign => cmp,
            GroupBy::Link => link,
            GroupBy::Day => Some(day.to_string()),
        };
        let mut groups: BTreeMap<Option<String>, Figures> = BTreeMap::new();
        let mut add = |day: &str, key: Option<String>, f: &dyn Fn(&mut Figures)| {
            if day >= first.as_str() && day <= last.as_str() {
                f(groups.entry(key).or_default());
            }
        };
        for (p, day, aff, cmp, link) in &self.clicks {
            if p == program {
                add(day, key_of(day, aff, Some(cmp.clone()), Some(link.clone())), &|f| f.clicks += 1);
            }
        }
        let rows = |sql: &str| -> Vec<(String, String, Option<String>, Option<String>, i64)> {
            let mut st = self.db.prepare(sql).unwrap();
            st.query_map([program], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        let facts: [(&str, fn(&mut Figures, i64)); 5] = [
            ("SELECT substr(created_at, 1, 10), affiliate_id, campaign_id, link_id, 1 FROM referrals WHERE program_id = ?1 AND link_id IS NOT NULL",
             |f, _| f.visitors += 1),
            ("SELECT substr(became_lead_at, 1, 10), affiliate_id, campaign_id, link_id, 1 FROM referrals WHERE program_id = ?1 AND became_lead_at IS NOT NULL",
             |f, _| f.leads += 1),
            ("SELECT substr(became_conversion_at, 1, 10), affiliate_id, campaign_id, link_id, 1 FROM referrals WHERE program_id = ?1 AND became_conversion_at IS NOT NULL",
             |f, _| f.conversions += 1),
            ("SELECT substr(s.created_at, 1, 10), r.affiliate_id, r.campaign_id, r.link_id, s.amount - s.refunded FROM sales s JOIN referrals r ON r.id = s.referral_id WHERE s.program_id = ?1",
             |f, n| f.revenue += n),
            ("SELECT substr(s.created_at, 1, 10), r.affiliate_id, r.campaign_id, r.link_id, c.amount FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id WHERE c.program_id = ?1 AND c.status <> 'voided'",
             |f, n| f.commissions += n),
        ];
        for (sql, apply) in facts {
            for (day, aff, cmp, link, n) in rows(sql) {
                add(&day, key_of(&day, &aff, cmp, link), &|f| apply(f, n));
            }
        }
        let label = |key: &Option<String>| -> Option<String> {
            let key = key.as_ref()?;
            let sql = match q.group_by {
                GroupBy::Affiliate => {
                    "SELECT COALESCE(first_name || ' ' || last_name, first_name, email) FROM affiliates WHERE id = ?1"
                }
                GroupBy::Campaign => "SELECT name FROM campaigns WHERE id = ?1",
                GroupBy::Link => "SELECT token FROM links WHERE id = ?1",
                GroupBy::Day => return Some(key.clone()),
            };
            self.db.query_row(sql, [key], |r| r.get(0)).ok()
        };
        // Money per group and currency, from the sales and commissions.
        let mut money: BTreeMap<Option<String>, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
        let facts = [
            ("SELECT substr(s.created_at, 1, 10), r.affiliate_id, r.campaign_id, r.link_id, s.currency, s.amount - s.refunded, 0 FROM sales s JOIN referrals r ON r.id = s.referral_id WHERE s.program_id = ?1"),
            ("SELECT substr(s.created_at, 1, 10), r.affiliate_id, r.campaign_id, r.link_id, c.currency, 0, c.amount FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id WHERE c.program_id = ?1 AND c.status <> 'voided'"),
        ];
        for sql in facts {
            let mut st = self.db.prepare(sql).unwrap();
            let rows: Vec<(String, String, Option<String>, Option<String>, String, i64, i64)> = st
                .query_map([program], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for (day, aff, cmp, link, currency, revenue, commissions) in rows {
                if day >= first && day <= last {
                    let m = money
                        .entry(key_of(&day, &aff, cmp, link))
                        .or_default()
                        .entry(currency.to_uppercase())
                        .or_default();
                    m.0 += revenue;
                    m.1 += commissions;
                }
            }
        }
        let keys: std::collections::BTreeSet<Option<String>> = groups.keys().chain(money.keys()).cloned().collect();
        let groups = keys
            .into_iter()
            .map(|key| StatsGroup {
                label: label(&key),
                figures: groups.get(&key).copied().unwrap_or_default(),
                money: money
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .filter(|(_, &(r, c))| r != 0 || c != 0)
                    .map(|(currency, &(revenue, commissions))| Money {
                        currency: Currency::try_from(currency.clone()).unwrap(),
                        revenue,
                        commissions,
                    })
                    .collect(),
                key,
            })
            .collect();
        Stats::new(q, groups, Vec::new())
    }
}

/// The history both tests write: two affiliates, three links, an API referral, across
/// January to March; sales, a partial refund of a pending commission, a full refund that
/// voids, a clawback of a paid one, a voided commission, and a deleted referral.
fn write_history(w: &mut World) {
    w.click("ref_1", "lnk_1", "2026-01-20T10:00:00.000Z");
    w.repeat("ref_1", "2026-02-03T09:00:00.000Z");
    w.repeat("ref_1", "2026-02-03T11:00:00.000Z");
    w.click("ref_2", "lnk_2", "2026-02-03T12:00:00.000Z");
    w.click("ref_3", "lnk_3", "2026-02-10T23:59:59.999Z");
    w.click("ref_4", "lnk_3", "2026-02-28T08:00:00.000Z");
    w.click("ref_5", "lnk_1", "2026-03-05T08:00:00.000Z");
    w.click("ref_9", "lnk_9", "2026-02-03T12:00:00.000Z");
    w.exec(&format!(
        "UPDATE referrals SET status = 'lead', became_lead_at = '2026-02-04T00:00:00.000Z', email = 'a@x.com' WHERE id = 'ref_1';
         UPDATE referrals SET status = 'customer', became_conversion_at = '2026-02-15T00:00:00.000Z' WHERE id = 'ref_1';
         UPDATE referrals SET status = 'lead', became_lead_at = '2026-02-11T00:00:00.000Z', email = 'b@x.com' WHERE id = 'ref_3';
         UPDATE referrals SET status = 'lead', became_lead_at = '2026-03-05T09:00:00.000Z', email = 'c@x.com' WHERE id = 'ref_5';
         UPDATE referrals SET status = 'lead', became_lead_at = '2026-02-04T00:00:00.000Z', email = 'z@x.com' WHERE id = 'ref_9';
         INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, email, created_at, updated_at, expires_at, became_lead_at, became_conversion_at)
           VALUES ('ref_api', '{PROGRAM}', NULL, '{A2}', 'cmp_2', 'customer', 0, 'api@x.com', '2026-02-12T00:00:00.000Z', '2026-02-12T00:00:00.000Z', '2027-01-01T00:00:00.000Z',
                   '2026-02-12T00:00:00.000Z', '2026-02-12T00:00:00.000Z');
         INSERT INTO sales (id, program_id, referral_id, amount, currency, invoice_id, created_at)
           VALUES ('sal_1', '{PROGRAM}', 'ref_1', 10000, 'usd', 'in_1', '2026-02-15T00:00:00.000Z'),
                  ('sal_2', '{PROGRAM}', 'ref_1', 5000, 'usd', 'in_2', '2026-03-15T00:00:00.000Z'),
                  ('sal_3', '{PROGRAM}', 'ref_api', 4999, 'usd', 'in_3', '2026-02-12T00:00:00.000Z'),
                  ('sal_4', '{PROGRAM}', 'ref_api', 2000, 'usd', 'in_4', '2026-01-31T00:00:00.000Z'),
                  ('sal_5', '{PROGRAM}', 'ref_5', 3000, 'EUR', 'in_5', '2026-03-06T00:00:00.000Z'),
                  ('sal_9', '{OTHER}', 'ref_9', 777, 'usd', 'in_9', '2026-02-15T00:00:00.000Z');
         INSERT INTO commissions (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at)
           VALUES ('com_1', '{PROGRAM}', 'sal_1', 'ref_1', '{A1}', 2000, 2000, 'usd', 'pending', '2026-02-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z'),
                  ('com_2', '{PROGRAM}', 'sal_2', 'ref_1', '{A1}', 1000, 1000, 'usd', 'pending', '2026-03-15T00:00:00.000Z', '2026-03-15T00:00:00.000Z', '2026-03-15T00:00:00.000Z'),
                  ('com_3', '{PROGRAM}', 'sal_3', 'ref_api', '{A2}', 1000, 1000, 'usd', 'paid', '2026-02-12T00:00:00.000Z', '2026-02-12T00:00:00.000Z', '2026-02-12T00:00:00.000Z'),
                  ('com_4', '{PROGRAM}', 'sal_4', 'ref_api', '{A2}', 400, 400, 'usd', 'pending', '2026-01-31T00:00:00.000Z', '2026-01-31T00:00:00.000Z', '2026-01-31T00:00:00.000Z'),
                  ('com_5', '{PROGRAM}', 'sal_5', 'ref_5', '{A1}', 600, 600, 'EUR', 'pending', '2026-03-06T00:00:00.000Z', '2026-03-06T00:00:00.000Z', '2026-03-06T00:00:00.000Z'),
                  ('com_9', '{OTHER}', 'sal_9', 'ref_9', 'aff_9', 77, 77, 'usd', 'pending', '2026-02-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z', '2026-02-15T00:00:00.000Z');
         -- A partial refund of sal_1 (its pending commission is reduced pro rata).
         INSERT INTO refunds VALUES ('{PROGRAM}', 're_1', 'sal_1', 2500, '2026-03-20T00:00:00.000Z');
         UPDATE sales SET refunded = 2500 WHERE id = 'sal_1';
         UPDATE commissions SET amount = 1500 WHERE id = 'com_1';
         -- A full refund of sal_2 voids its commission.
         INSERT INTO refunds VALUES ('{PROGRAM}', 're_2', 'sal_2', 5000, '2026-03-20T00:00:00.000Z');
         UPDATE sales SET refunded = 5000 WHERE id = 'sal_2';
         UPDATE commissions SET status = 'voided', voided_at = '2026-03-20T00:00:00.000Z' WHERE id = 'com_2';
         -- A refund of half of sal_3, whose commission was paid: a clawback.
         INSERT INTO refunds VALUES ('{PROGRAM}', 're_3', 'sal_3', 2500, '2026-03-21T00:00:00.000Z');
         UPDATE sales SET refunded = 2500 WHERE id = 'sal_3';
         INSERT INTO commissions (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, created_at, updated_at)
           VALUES ('com_3c', '{PROGRAM}', 'sal_3', 'ref_api', '{A2}', -500, 0, 'usd', 'pending', '2026-03-21T00:00:00.000Z', '2026-03-21T00:00:00.000Z', '2026-03-21T00:00:00.000Z');
         -- sal_4's commission voided by hand.
         UPDATE commissions SET status = 'voided' WHERE id = 'com_4';"
    ));
}

fn delete_referral(w: &World, id: &str) {
    w.exec(&format!(
        "DELETE FROM commissions WHERE referral_id = '{id}';
         DELETE FROM refunds WHERE sale_id IN (SELECT id FROM sales WHERE referral_id = '{id}');
         DELETE FROM sales WHERE referral_id = '{id}';
         DELETE FROM click_reports WHERE referral_id = '{id}';
         DELETE FROM referrals WHERE id = '{id}';"
    ));
}

fn assert_agree(w: &World) {
    for program in [PROGRAM, OTHER] {
        for q in queries() {
            let got = answer(&w.db, program, &q);
            assert_eq!(got, w.recount(program, &q), "{program} {q:?}");
        }
    }
}

#[test]
fn triggers_keep_the_figures_equal_to_a_recount() {
    let mut w = World::new(db_until(None));
    write_history(&mut w);
    assert_agree(&w);
    // Figures the definitions give by hand, all time, per affiliate.
    let all = answer(&w.db, PROGRAM, &query(&[("group_by", "affiliate")]));
    let ada = all.groups.iter().find(|g| g.key.as_deref() == Some(A1)).unwrap();
    assert_eq!(ada.label.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        ada.figures,
        Figures { visitors: 3, clicks: 5, leads: 2, conversions: 1, revenue: 10500, commissions: 2100 }
    );
    // Dollars and euros apart: 75.00 USD net of a refund and 30.00 EUR; stored 'usd' is USD.
    let money = |c: &str, revenue, commissions| Money {
        currency: Currency::try_from(c.to_string()).unwrap(),
        revenue,
        commissions,
    };
    assert_eq!(ada.money, vec![money("EUR", 3000, 600), money("USD", 7500, 1500)]);
    let bob = all.groups.iter().find(|g| g.key.as_deref() == Some(A2)).unwrap();
    assert_eq!(bob.label.as_deref(), Some("bob@example.com"));
    assert_eq!(
        bob.figures,
        Figures { visitors: 2, clicks: 2, leads: 2, conversions: 1, revenue: 4499, commissions: 500 }
    );
    assert_eq!(all.groups[0].key.as_deref(), Some(A1), "sorted by revenue");
    assert_eq!(all.totals, ada.figures.plus(bob.figures));
    assert_eq!(bob.money, vec![money("USD", 4499, 500)]);
    assert_eq!(all.money, vec![money("EUR", 3000, 600), money("USD", 11999, 2000)]);
    // The API referral has no link.
    let links = answer(&w.db, PROGRAM, &query(&[("group_by", "link")]));
    assert!(links.groups.iter().any(|g| g.key.is_none() && g.figures.revenue == 4499));
    // By day: the euro sale's day holds euros only.
    let days = answer(&w.db, PROGRAM, &query(&[("group_by", "day")]));
    let euro_day = days.groups.iter().find(|g| g.key.as_deref() == Some("2026-03-06")).unwrap();
    assert_eq!(euro_day.money, vec![money("EUR", 3000, 600)]);
    // The other program sees only its own.
    let other = answer(&w.db, OTHER, &query(&[("group_by", "affiliate")]));
    assert_eq!(other.groups.len(), 1);
    assert_eq!(other.totals.revenue, 777);

    delete_referral(&w, "ref_api");
    delete_referral(&w, "ref_4");
    assert_agree(&w);
    let after = answer(&w.db, PROGRAM, &query(&[("group_by", "affiliate")]));
    let bob = after.groups.iter().find(|g| g.key.as_deref() == Some(A2)).unwrap();
    assert_eq!(bob.figures, Figures { visitors: 1, clicks: 2, leads: 1, conversions: 0, revenue: 0, commissions: 0 });
    assert_eq!(bob.money, vec![], "no money left, and no zero entries");
}

#[test]
fn migration_0012_backfills_money_per_currency() {
    let mut w = World::new(db_until(Some("0012")));
    write_history(&mut w);
    apply_from(&w.db, "0012");
    assert_agree(&w);
    // And the triggers carry on: a refund of the euro sale.
    w.exec(
        "UPDATE sales SET refunded = 1000 WHERE id = 'sal_5'; UPDATE commissions SET amount = 400 WHERE id = 'com_5';",
    );
    assert_agree(&w);
}

#[test]
fn migration_0007_backfills_the_rows_written_before_it() {
    let mut w = World::new(db_until(Some("0007")));
    write_history(&mut w);
    // Before 0007 nobody knew a repeat visit's day: the backfill counts it on the
    // referral's own day, so the log is rewritten that way for the recount.
    let mut st = w.db.prepare("SELECT program_id, substr(created_at, 1, 10), affiliate_id, campaign_id, link_id, visits FROM referrals WHERE link_id IS NOT NULL").unwrap();
    let clicks: Vec<(String, String, String, String, String)> = st
        .query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?), r.get::<_, i64>(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .flat_map(|(row, n)| std::iter::repeat_n(row, n as usize))
        .collect();
    drop(st);
    w.clicks = clicks;
    apply_from(&w.db, "0007");
    assert_agree(&w);
    // And the triggers carry on from there.
    w.click("ref_6", "lnk_3", "2026-03-30T08:00:00.000Z");
    w.repeat("ref_6", "2026-03-31T08:00:00.000Z");
    assert_agree(&w);
}

#[test]
fn read_stats_is_the_one_stats_scope_and_0007_grants_it_to_full_access_keys() {
    use viatrack_core::api::scopes::Scope;
    assert!(Scope::parse("read:stats").is_some());
    assert_eq!(Scope::parse("write:stats"), None);
    assert_eq!(Scope::parse("delete:stats"), None);
    let all: Vec<String> = Scope::all().into_iter().map(Scope::name).collect();
    assert_eq!(all.iter().filter(|s| s.ends_with(":stats")).collect::<Vec<_>>(), ["read:stats"]);

    let db = db_until(Some("0007"));
    let full = all.iter().filter(|s| *s != "read:stats").cloned().collect::<Vec<_>>().join(" ");
    db.execute_batch(&format!(
        "INSERT INTO programs VALUES ('{PROGRAM}', 'p', '2026-01-01T00:00:00.000Z');
         INSERT INTO api_keys (id, program_id, kind, key_hash, key_prefix, scopes, created_at) VALUES
           ('key_full', '{PROGRAM}', 'secret', 'h1', 'sk_1', '{full}', '2026-01-01T00:00:00.000Z'),
           ('key_narrow', '{PROGRAM}', 'secret', 'h2', 'sk_2', 'read:referrals read:commissions', '2026-01-01T00:00:00.000Z'),
           ('key_pub', '{PROGRAM}', 'publishable', 'h3', 'pk_3', '', '2026-01-01T00:00:00.000Z');"
    ))
    .unwrap();
    apply_from(&db, "0007");
    let scopes =
        |id: &str| -> String { db.query_row("SELECT scopes FROM api_keys WHERE id = ?1", [id], |r| r.get(0)).unwrap() };
    assert_eq!(scopes("key_full"), format!("{full} read:stats"));
    assert_eq!(scopes("key_narrow"), "read:referrals read:commissions");
    assert_eq!(scopes("key_pub"), "");
}

/// `GET /v1/stats/top_affiliates`: core ranks the `group_by=affiliate` answer, money in one
/// currency only (two in the range and none chosen is refused, naming `currency`).
#[test]
fn top_affiliates_rank_in_one_currency() {
    use viatrack_core::api::stats::{RankBy, TopAffiliates, TopQuery};
    let mut w = World::new(db_until(None));
    write_history(&mut w);
    let top = |pairs: &[(&str, &str)]| {
        let q = TopQuery::parse(pairs.iter().copied()).unwrap();
        TopAffiliates::rank(&q, answer(&w.db, PROGRAM, &q.range))
    };
    let mixed = top(&[("by", "revenue")]).unwrap_err();
    assert_eq!(mixed.field.as_deref(), Some("currency"));
    assert!(mixed.message.contains("EUR, USD"), "{}", mixed.message);
    let usd = top(&[("by", "revenue"), ("currency", "usd")]).unwrap();
    assert_eq!(usd.currency.as_ref().map(|c| c.as_str()), Some("USD"));
    assert_eq!(
        usd.affiliates.iter().map(|a| (a.rank, a.affiliate_id.as_deref(), a.value)).collect::<Vec<_>>(),
        [(1, Some(A1), 7500), (2, Some(A2), 4499)]
    );
    let eur = top(&[("by", "commissions"), ("currency", "EUR")]).unwrap();
    assert_eq!(
        eur.affiliates.iter().map(|a| (a.affiliate_id.as_deref(), a.value)).collect::<Vec<_>>(),
        [(Some(A1), 600)]
    );
    // Conversions need no currency; a tie goes by affiliate ID; limit cuts.
    let conv = top(&[("by", "conversions"), ("limit", "1")]).unwrap();
    assert_eq!((conv.by, conv.currency.clone()), (RankBy::Conversions, None));
    assert_eq!(
        conv.affiliates.iter().map(|a| (a.affiliate_id.as_deref(), a.value)).collect::<Vec<_>>(),
        [(Some(A1), 1)]
    );
    // One currency in the range: it is the one ranked by.
    // March's dollar sale was refunded in full, so its money is euros alone.
    let march = top(&[("from", "2026-03-01T00:00:00Z"), ("to", "2026-03-31T00:00:00Z")]).unwrap();
    assert_eq!(march.currency.as_ref().map(|c| c.as_str()), Some("EUR"));
    assert_eq!(
        march.affiliates.iter().map(|a| (a.affiliate_id.as_deref(), a.value)).collect::<Vec<_>>(),
        [(Some(A1), 3000)]
    );
    let feb = top(&[("from", "2026-02-01T00:00:00Z"), ("to", "2026-02-28T00:00:00Z")]).unwrap();
    assert_eq!(feb.currency.as_ref().map(|c| c.as_str()), Some("USD"));
    for (bad, field) in [
        ("by=visits", "by"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("currency=euro", "currency"),
        ("group_by=day", "group_by"),
    ] {
        let (k, v) = bad.split_once('=').unwrap();
        assert_eq!(TopQuery::parse([(k, v)]).unwrap_err().field.as_deref(), Some(field), "{bad}");
    }
}
