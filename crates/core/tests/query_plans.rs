//! Lists at a million referrals: every filter and every pair of filters that
//! `GET /v1/referrals` offers is served by an index. The Worker's own list SQL
//! (`crates/worker/src/repo/sql.rs`, included here, no D1 binding needed) runs on SQLite —
//! what D1 runs — with every migration applied: `EXPLAIN QUERY PLAN` must show no full scan
//! of `referrals`, and the statements must run and count what a plain query counts. The
//! counters the triggers keep (per program and status, per link) must equal a recount after
//! inserts, status moves and deletes.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod common;
#[path = "../../worker/src/repo/sql.rs"]
#[allow(dead_code)]
mod sql;

use common::{bind, db_until};
use rusqlite::{params_from_iter, Connection};
use serde_json::Value;
use sql::ListSql;
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::ProgramId;

const PROGRAM: &str = "prg_00000000000000000000000000000001";
const AFF: &str = "aff_00000000000000000000000000000001";

fn db() -> Connection {
    db_until(None)
}

fn plan(db: &Connection, sql: &str, args: &[Value]) -> Vec<String> {
    let mut stmt = db.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt.query_map(params_from_iter(bind(args)), |r| r.get::<_, String>(3)).unwrap();
    rows.map(Result::unwrap).collect()
}

/// The query strings the API offers, alone and in pairs.
fn filter_sets() -> Vec<Vec<(&'static str, &'static str)>> {
    let one: Vec<(&str, &str)> = vec![
        ("affiliate_id", AFF),
        ("email", "ann@example.com"),
        ("customer_id", "cus_1"),
        ("status", "lead"),
        ("status", "customer,active"),
        ("type", "CONVERSION"),
        ("subscription_status", "active,trialing"),
        ("stripe_customer_id", "cus_2"),
        ("from", "2026-01-01T00:00:00.000Z"),
        ("to", "2026-06-01T00:00:00.000Z"),
    ];
    // Two values of one parameter, status and type naming the same, or the customer ID under
    // both its names, are no pair.
    alone_and_in_pairs(&one, |a, b| {
        let customer = |x: &str| matches!(x, "customer_id" | "stripe_customer_id");
        a.0 != b.0
            && !(matches!(a.0, "status" | "type") && matches!(b.0, "status" | "type") && a.1 == b.1)
            && !(customer(a.0) && customer(b.0))
    })
}

/// No filter, each filter alone, and each pair of them that `pair` accepts.
fn alone_and_in_pairs<'a>(
    one: &[(&'a str, &'a str)],
    pair: impl Fn(&(&str, &str), &(&str, &str)) -> bool,
) -> Vec<Vec<(&'a str, &'a str)>> {
    let mut sets = vec![vec![]];
    for (i, a) in one.iter().enumerate() {
        sets.push(vec![*a]);
        for b in &one[i + 1..] {
            if pair(a, b) {
                sets.push(vec![*a, *b]);
            }
        }
    }
    sets
}

#[test]
fn every_filter_and_pair_is_served_by_an_index() {
    let db = db();
    let program = ProgramId::parse(PROGRAM).unwrap();
    let sets = filter_sets();
    assert!(sets.len() > 30, "{} combinations", sets.len());
    for set in sets {
        let mut pairs = set.clone();
        pairs.push(("page", "3"));
        let q = ReferralQuery::parse(pairs).unwrap();
        let list = ListSql::new(&program, &q);
        for (what, sql, args) in
            [("count", list.count_sql(), list.count_args()), ("page", list.page_sql(), list.page_args())]
        {
            let steps = plan(&db, &sql, &args);
            let scans: Vec<&String> =
                steps.iter().filter(|s| s.starts_with("SCAN r") || s.starts_with("SCAN referrals")).collect();
            assert!(scans.is_empty(), "{set:?} {what}: full scan of referrals\n{sql}\n{steps:#?}");
            assert!(
                steps.iter().any(|s| s.starts_with("SEARCH")),
                "{set:?} {what}: no index search at all\n{steps:#?}"
            );
        }
    }
}

/// A small program: referrals inserted, moved and deleted, then every list's count and page
/// checked against plain SQL, and the counters against a recount.
#[test]
fn counters_and_lists_agree_with_a_recount() {
    let db = db();
    let now = "2026-03-01T00:00:00.000Z";
    db.execute_batch(&format!(
        "INSERT INTO programs VALUES ('{PROGRAM}', 'p', '{now}');
         INSERT INTO programs VALUES ('prg_00000000000000000000000000000002', 'q', '{now}');
         INSERT INTO campaigns (id, program_id, name, cookie_duration, attribution, created_at, updated_at)
           VALUES ('cmp_1', '{PROGRAM}', 'c', 60, 'last_click', '{now}', '{now}');
         INSERT INTO affiliates (id, program_id, campaign_id, email, created_at, updated_at)
           VALUES ('{AFF}', '{PROGRAM}', 'cmp_1', 'a@example.com', '{now}', '{now}'),
                  ('aff_2', '{PROGRAM}', 'cmp_1', 'b@example.com', '{now}', '{now}');
         INSERT INTO links (id, program_id, token, affiliate_id, campaign_id, created_at, updated_at)
           VALUES ('lnk_1', '{PROGRAM}', 'jb007', '{AFF}', 'cmp_1', '{now}', '{now}'),
                  ('lnk_2', '{PROGRAM}', 'other', 'aff_2', 'cmp_1', '{now}', '{now}');"
    ))
    .unwrap();
    let statuses = ["click", "lead", "customer", "active", "rejected"];
    for i in 0..200 {
        let (aff, link) = if i % 3 == 0 { ("aff_2", "lnk_2") } else { (AFF, "lnk_1") };
        let status = statuses[i % statuses.len()];
        let lead = if status == "click" { "NULL".to_string() } else { format!("'{now}'") };
        let conv = if matches!(status, "customer" | "active") { format!("'{now}'") } else { "NULL".into() };
        let email = if status == "click" { "NULL".to_string() } else { format!("'u{i}@example.com'") };
        let created = format!("2026-0{}-{:02}T00:00:00.000Z", 1 + i % 6, 1 + i % 28);
        db.execute_batch(&format!(
            "INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, email, customer_id, created_at, updated_at, expires_at, became_lead_at, became_conversion_at)
             VALUES ('ref_{i:032}', '{PROGRAM}', '{link}', '{aff}', 'cmp_1', '{status}', {email}, {}, '{created}', '{created}', '2027-01-01T00:00:00.000Z', {lead}, {conv});",
            if i % 10 == 0 { format!("'cus_{}'", i % 4) } else { "NULL".into() }
        ))
        .unwrap();
    }
    db.execute_batch(&format!(
        "UPDATE referrals SET status = 'lead', became_lead_at = '{now}', email = 'moved' || id WHERE status = 'click' AND rowid % 2 = 0;
         UPDATE referrals SET link_id = 'lnk_2' WHERE rowid % 7 = 0;
         DELETE FROM referrals WHERE rowid % 11 = 0;"
    ))
    .unwrap();
    let recount: Vec<(String, i64)> = db
        .prepare(&format!(
            "SELECT status, COUNT(*) FROM referrals WHERE program_id = '{PROGRAM}' GROUP BY status ORDER BY status"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let counted: Vec<(String, i64)> = db
        .prepare(&format!(
            "SELECT status, n FROM referral_counts WHERE program_id = '{PROGRAM}' AND n > 0 ORDER BY status"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(counted, recount, "per-status counters");
    for link in ["lnk_1", "lnk_2"] {
        let kept: (i64, i64, i64) = db
            .query_row(&format!("SELECT visitors, leads, conversions FROM links WHERE id = '{link}'"), [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        let real: (i64, i64, i64) = db
            .query_row(
                &format!("SELECT COUNT(*), COUNT(became_lead_at), COUNT(became_conversion_at) FROM referrals WHERE link_id = '{link}'"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(kept, real, "{link} counters");
        assert!(real.0 > 10);
    }

    let program = ProgramId::parse(PROGRAM).unwrap();
    for set in filter_sets() {
        let mut pairs = set.clone();
        pairs.push(("limit", "7"));
        pairs.push(("page", "2"));
        let q = ReferralQuery::parse(pairs).unwrap();
        let list = ListSql::new(&program, &q);
        let total: i64 =
            db.query_row(&list.count_sql(), params_from_iter(bind(&list.count_args())), |r| r.get(0)).unwrap();
        // The same filter as plain SQL, every condition spelled out.
        let mut plain = vec![format!("program_id = '{PROGRAM}'")];
        let statuses =
            q.statuses.as_ref().map(|s| s.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(","));
        if let Some(s) = statuses {
            plain.push(format!("status IN ({s})"));
        }
        for (k, v) in &set {
            match *k {
                "affiliate_id" | "email" | "customer_id" => plain.push(format!("{k} = '{v}'")),
                "stripe_customer_id" => plain.push(format!("customer_id = '{v}'")),
                "from" => plain.push(format!("created_at >= '{v}'")),
                "to" => plain.push(format!("created_at <= '{v}'")),
                _ => {}
            }
        }
        let where_ = plain.join(" AND ");
        let want: i64 =
            db.query_row(&format!("SELECT COUNT(*) FROM referrals WHERE {where_}"), [], |r| r.get(0)).unwrap();
        assert_eq!(total, want, "{set:?} count");
        let ids: Vec<String> = db
            .prepare(&list.page_sql())
            .unwrap()
            .query_map(params_from_iter(bind(&list.page_args())), |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let want_ids: Vec<String> = db
            .prepare(&format!(
                "SELECT id FROM referrals WHERE {where_} ORDER BY created_at DESC, id DESC LIMIT 7 OFFSET 7"
            ))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(ids, want_ids, "{set:?} page 2");
    }
}

/// Every foreign key that names a campaign, an affiliate or a link is one of the users its
/// guarded delete checks: a child table the list forgot made `DELETE /v1/affiliates/{id}` of an
/// affiliate with a manual commission fail on the foreign key (a 500) instead of answering 409.
#[test]
fn guarded_deletes_know_every_foreign_key_to_their_table() {
    let db = db();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (parent, users) in [
        ("campaigns", sql::CAMPAIGN_USERS),
        ("affiliates", sql::AFFILIATE_USERS),
        ("links", sql::LINK_USERS),
        ("coupons", sql::COUPON_USERS),
    ] {
        let mut children = Vec::new();
        for child in &tables {
            let mut stmt =
                db.prepare(&format!("SELECT \"table\", \"from\" FROM pragma_foreign_key_list('{child}')")).unwrap();
            for (to, column) in stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .unwrap()
                .map(Result::unwrap)
            {
                if to == parent {
                    children.push((child.clone(), column));
                }
            }
        }
        children.sort();
        let mut listed: Vec<(String, String)> = users.iter().map(|(_, t, c)| (t.to_string(), c.to_string())).collect();
        listed.sort();
        assert_eq!(listed, children, "what names a row of {parent}");
    }
}

/// The guarded deletes of campaigns, affiliates and links, the "what uses it" read after a
/// refused one, and the API key page: each reads only through indexes (the child-key
/// indexes of migration 0004 also serve the foreign-key checks of the delete itself).
#[test]
fn deletes_usage_checks_and_key_list_use_indexes() {
    let db = db();
    let args = [Value::from(PROGRAM), Value::from(AFF)];
    for (table, users) in [
        ("campaigns", sql::CAMPAIGN_USERS),
        ("affiliates", sql::AFFILIATE_USERS),
        ("links", sql::LINK_USERS),
        ("coupons", sql::COUPON_USERS),
    ] {
        for statement in [sql::delete_unused(table, users), sql::usage(table, users)] {
            let steps = plan(&db, &statement, &args);
            assert!(steps.len() > users.len(), "{statement}: {steps:?}");
            // A SELECT without FROM "scans" its one constant row; no table is scanned.
            assert!(steps.iter().all(|s| !s.starts_with("SCAN") || s == "SCAN CONSTANT ROW"), "{statement}: {steps:?}");
        }
    }
    let steps = plan(&db, sql::KEYS_PAGE, &[Value::from(PROGRAM), Value::from(50), Value::from(0)]);
    assert!(steps.iter().all(|s| !s.starts_with("SCAN") && !s.contains("TEMP B-TREE")), "{steps:?}");
    // A parent delete's foreign-key checks look the children up by an index that starts with
    // the child key: SQLite's own list of such indexes for each child key must not be empty.
    for (table, column) in [
        ("referrals", "affiliate_id"),
        ("referrals", "campaign_id"),
        ("referrals", "link_id"),
        ("links", "affiliate_id"),
        ("links", "campaign_id"),
        ("affiliates", "campaign_id"),
        ("commissions", "affiliate_id"),
        ("payouts", "affiliate_id"),
        ("coupons", "affiliate_id"),
        ("coupons", "campaign_id"),
        ("referrals", "coupon_id"),
    ] {
        let mut stmt = db.prepare(&format!("SELECT name FROM pragma_index_list('{table}')")).unwrap();
        let indexes: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
        let leads = indexes.iter().any(|i| {
            db.query_row(&format!("SELECT name FROM pragma_index_info('{i}') WHERE seqno = 0"), [], |r| {
                r.get::<_, String>(0)
            })
            .is_ok_and(|c| c == column)
        });
        assert!(leads, "no index of {table} starts with {column}: {indexes:?}");
    }
}

/// `GET /v1/commissions`: every filter alone reads the page in order from an index, and every
/// pair reads through one (no full scan).
#[test]
fn commission_filters_use_indexes() {
    use viatrack_core::api::commissions::CommissionQuery;
    let db = db();
    let program = ProgramId::parse(PROGRAM).unwrap();
    let one: Vec<(&str, &str)> = vec![
        ("affiliate_id", AFF),
        ("referral_id", "ref_00000000000000000000000000000001"),
        ("status", "pending"),
        ("from", "2026-01-01T00:00:00.000Z"),
        ("to", "2026-06-01T00:00:00.000Z"),
    ];
    for set in alone_and_in_pairs(&one, |_, _| true) {
        let q = CommissionQuery::parse(set.clone()).unwrap();
        let (filter, args) = sql::commission_filter(&program, &q);
        let page =
            format!("SELECT id FROM commissions WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET 0");
        let steps = plan(&db, &page, &args);
        assert!(steps.iter().all(|s| !s.starts_with("SCAN")), "{set:?}: {steps:?}");
        if set.len() <= 1 {
            assert!(steps.iter().all(|s| !s.contains("TEMP B-TREE")), "{set:?}: {steps:?}");
        }
        let count = plan(&db, &format!("SELECT COUNT(*) FROM commissions WHERE {filter}"), &args);
        assert!(count.iter().all(|s| !s.starts_with("SCAN")), "{set:?}: {count:?}");
    }
}

/// The one status literal in the Worker's SQL (`REFERRAL_SELECT` is a constant, so it cannot
/// bind it) is the commission status's wire name, so renaming it cannot leave the SQL behind.
#[test]
fn the_referral_select_names_the_voided_status_by_its_wire_name() {
    let voided = viatrack_core::commission::CommissionStatus::Voided.as_str();
    assert!(sql::REFERRAL_SELECT.contains(&format!("c.status != '{voided}'")));
    assert_eq!(sql::REFERRAL_SELECT.matches('\'').count(), 2, "no other literal in REFERRAL_SELECT");
}

/// `GET /v1/payouts`: every filter and every pair is served by an index of migration 0011,
/// and so is a payout run's look-up of what it may pay.
#[test]
fn payout_lists_and_the_run_are_served_by_indexes() {
    use viatrack_core::api::payouts::PayoutQuery;
    let db = db();
    let program = ProgramId::parse(PROGRAM).unwrap();
    let one: Vec<(&str, &str)> = vec![
        ("affiliate_id", AFF),
        ("status", "pending"),
        ("status", "paid,failed"),
        ("currency", "USD"),
        ("from", "2026-01-01T00:00:00.000Z"),
        ("to", "2026-06-01T00:00:00.000Z"),
    ];
    let sets = alone_and_in_pairs(&one, |a, b| a.0 != b.0);
    assert!(sets.len() > 15, "{} combinations", sets.len());
    for set in sets {
        let mut pairs = set.clone();
        pairs.push(("page", "3"));
        let q = PayoutQuery::parse(pairs).unwrap();
        let (filter, args) = sql::payout_filter(&program, &q);
        for sql in [
            format!(
                "SELECT p.id FROM payouts p WHERE {filter} ORDER BY p.created_at DESC, p.id DESC LIMIT 20 OFFSET 40"
            ),
            format!("SELECT COUNT(*) AS n FROM payouts p WHERE {filter}"),
        ] {
            let steps = plan(&db, &sql, &args);
            assert!(!steps.iter().any(|s| s.starts_with("SCAN p")), "{set:?}: full scan of payouts\n{sql}\n{steps:#?}");
            assert!(steps.iter().any(|s| s.starts_with("SEARCH p")), "{set:?}: no index search\n{steps:#?}");
        }
    }
    // A payout's insert and assignment look each commission up by its primary key, never
    // through the program's payable commissions (60 ms a payout at 100,000 of them, before).
    let ids = Value::from(r#"["com_1","com_2"]"#);
    let insert =
        ["pay_1", PROGRAM, AFF, "USD", "5000", "pending", "2", "2026-06-01T00:00:00.000Z", "2026-06-01T00:00:00.000Z"]
            .map(Value::from)
            .into_iter()
            .chain([ids.clone(), Value::from("pending")])
            .collect::<Vec<_>>();
    for (sql, args) in [
        (sql::PAYOUT_INSERT, insert),
        (sql::PAYOUT_ASSIGN, vec![Value::from(PROGRAM), Value::from("pay_1"), ids, Value::from("x")]),
    ] {
        let steps = plan(&db, sql, &args);
        let commissions: Vec<&String> =
            steps.iter().filter(|s| s.contains("commissions") || s.contains(" c ")).collect();
        assert!(
            // (The other look-up is SQLite's foreign-key check of the new payout's children.)
            !commissions.is_empty()
                && commissions
                    .iter()
                    .all(|s| s.contains("sqlite_autoindex_commissions_1 (id=?)") || s.contains("(payout_id=?)")),
            "{sql}\n{steps:#?}"
        );
    }
    let args = [Value::from(PROGRAM), Value::from("2026-06-01T00:00:00.000Z"), Value::from("pending")];
    let steps = plan(&db, sql::PAYABLE, &args);
    assert!(
        steps.iter().any(|s| s.contains("USING INDEX commissions_payable"))
            && !steps.iter().any(|s| s.starts_with("SCAN")),
        "{steps:#?}"
    );
}

/// Migration 0011 gives full-access secret keys the payout scopes and leaves the others.
#[test]
fn migration_0011_grants_the_payout_scopes_to_full_access_keys_only() {
    use viatrack_core::api::scopes::Scope;
    let db = db_until(Some("0011"));
    let before: Vec<String> = Scope::all().into_iter().map(Scope::name).filter(|s| !s.ends_with(":payouts")).collect();
    let full = before.join(" ");
    db.execute_batch(&format!(
        "INSERT INTO programs VALUES ('{PROGRAM}', 'p', '2026-01-01T00:00:00.000Z');
         INSERT INTO api_keys (id, program_id, kind, key_hash, key_prefix, scopes, created_at) VALUES
           ('key_full', '{PROGRAM}', 'secret', 'h1', 'sk_1', '{full}', '2026-01-01T00:00:00.000Z'),
           ('key_narrow', '{PROGRAM}', 'secret', 'h2', 'sk_2', 'read:commissions write:commissions', '2026-01-01T00:00:00.000Z'),
           ('key_pub', '{PROGRAM}', 'publishable', 'h3', 'pk_3', '', '2026-01-01T00:00:00.000Z');"
    ))
    .unwrap();
    common::apply_from(&db, "0011");
    let scopes =
        |id: &str| -> String { db.query_row("SELECT scopes FROM api_keys WHERE id = ?1", [id], |r| r.get(0)).unwrap() };
    assert_eq!(scopes("key_full"), format!("{full} read:payouts write:payouts"));
    assert_eq!(scopes("key_narrow"), "read:commissions write:commissions");
    assert_eq!(scopes("key_pub"), "");
}

/// `GET /v1/coupons`: alone, by affiliate, by campaign and by both, each served by an index of
/// migration 0013 (no full scan, no sort of the program's coupons).
#[test]
fn coupon_lists_are_served_by_indexes() {
    use viatrack_core::api::query::ResourceQuery;
    let db = db();
    let program = ProgramId::parse(PROGRAM).unwrap();
    let one: Vec<(&str, &str)> = vec![("affiliate_id", AFF), ("campaign_id", "cmp_00000000000000000000000000000001")];
    let mut sets = alone_and_in_pairs(&one, |a, b| a.0 != b.0);
    sets.push(vec![]);
    for set in sets {
        let q = ResourceQuery::parse(set.clone(), &["affiliate_id", "campaign_id"]).unwrap();
        let (filter, args) = sql::coupon_filter(&program, &q);
        for sql in [
            format!(
                "SELECT c.id FROM coupons c WHERE {filter} ORDER BY c.created_at DESC, c.id DESC LIMIT 20 OFFSET 40"
            ),
            format!("SELECT COUNT(*) AS n FROM coupons c WHERE {filter}"),
        ] {
            let steps = plan(&db, &sql, &args);
            assert!(!steps.iter().any(|s| s.starts_with("SCAN c")), "{set:?}: full scan of coupons\n{sql}\n{steps:#?}");
            assert!(steps.iter().any(|s| s.starts_with("SEARCH c USING")), "{set:?}: no index search\n{steps:#?}");
            if sql.contains("ORDER BY") && set.len() < 2 {
                assert!(!steps.iter().any(|s| s.contains("TEMP B-TREE")), "{set:?}: sorted in memory\n{steps:#?}");
            }
        }
    }
}

/// Migration 0013 gives full-access secret keys the coupon scopes and leaves the others.
#[test]
fn migration_0013_grants_the_coupon_scopes_to_full_access_keys_only() {
    use viatrack_core::api::scopes::Scope;
    let db = db_until(Some("0013"));
    let before: Vec<String> = Scope::all().into_iter().map(Scope::name).filter(|s| !s.ends_with(":coupons")).collect();
    let full = before.join(" ");
    db.execute_batch(&format!(
        "INSERT INTO programs VALUES ('{PROGRAM}', 'p', '2026-01-01T00:00:00.000Z');
         INSERT INTO api_keys (id, program_id, kind, key_hash, key_prefix, scopes, created_at) VALUES
           ('key_full', '{PROGRAM}', 'secret', 'h1', 'sk_1', '{full}', '2026-01-01T00:00:00.000Z'),
           ('key_narrow', '{PROGRAM}', 'secret', 'h2', 'sk_2', 'read:links write:links', '2026-01-01T00:00:00.000Z'),
           ('key_pub', '{PROGRAM}', 'publishable', 'h3', 'pk_3', '', '2026-01-01T00:00:00.000Z');"
    ))
    .unwrap();
    common::apply_from(&db, "0013");
    let scopes =
        |id: &str| -> String { db.query_row("SELECT scopes FROM api_keys WHERE id = ?1", [id], |r| r.get(0)).unwrap() };
    assert_eq!(scopes("key_full"), format!("{full} read:coupons write:coupons delete:coupons"));
    assert_eq!(scopes("key_narrow"), "read:links write:links");
    assert_eq!(scopes("key_pub"), "");
}

/// `GET /v1/commissions/summary`: alone, by affiliate and over a range, the program's
/// commissions are read through an index (no full scan of the table).
#[test]
fn the_commission_summary_reads_through_an_index() {
    use viatrack_core::api::commissions::SummaryQuery;
    let db = db();
    let program = ProgramId::parse(PROGRAM).unwrap();
    let now = viatrack_core::Timestamp::parse_iso8601("2026-06-01T00:00:00Z").unwrap();
    let one: Vec<(&str, &str)> =
        vec![("affiliate_id", AFF), ("from", "2026-01-01T00:00:00.000Z"), ("to", "2026-06-01T00:00:00.000Z")];
    let mut sets = alone_and_in_pairs(&one, |a, b| a.0 != b.0);
    sets.push(vec![]);
    for set in sets {
        let q = SummaryQuery::parse(set.clone()).unwrap();
        let (sql, args) = sql::commission_summary(&program, &q, now);
        let steps = plan(&db, &sql, &args);
        assert!(!steps.iter().any(|s| s.starts_with("SCAN c")), "{set:?}: full scan of commissions\n{steps:#?}");
        assert!(steps.iter().any(|s| s.starts_with("SEARCH c USING")), "{set:?}: no index search\n{steps:#?}");
        assert!(!sql.contains("'pending'") && !sql.contains("'paid'"), "statuses are bound");
    }
}
