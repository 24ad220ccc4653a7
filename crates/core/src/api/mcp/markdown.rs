//! The `markdown` response format of the MCP tools: a short heading; for a list, a table of
//! the tool's columns and the pagination line; for one object, a field/value table; for the
//! stats, a table of the groups and the totals. Amounts in cents are shown as money
//! (`12.34 USD`) with the object's currency where it has one.

use super::tools::ToolDef;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// Fields that hold an amount in cents (the currency's minor unit).
const MONEY: &[&str] = &[
    "amount",
    "sales_total",
    "commissions_total",
    "revenue",
    "commissions",
    "minimum_payout",
    "pending",
    "due",
    "paid",
    "clawed_back",
    "voided",
];

/// The Markdown for the structured result `v` of `tool`.
pub fn render(tool: &ToolDef, v: &Value) -> String {
    let mut out = format!("## {}\n\n", tool.title);
    if let (Some(items), Some(p)) = (v.get("data").and_then(Value::as_array), v.get("pagination")) {
        list(&mut out, tool, items, p);
    } else if let (Some(groups), Some(totals)) = (v.get("groups").and_then(Value::as_array), v.get("totals")) {
        stats(&mut out, v, groups, totals);
    } else if let Some(obj) = v.as_object() {
        object(&mut out, obj);
    } else {
        out.push_str(&cell(v));
        out.push('\n');
    }
    out
}

fn list(out: &mut String, tool: &ToolDef, items: &[Value], p: &Value) {
    let n = |k: &str| p.get(k).and_then(Value::as_u64).unwrap_or(0);
    if items.is_empty() {
        out.push_str(&format!("No {} match.\n\n", tool.noun));
    } else {
        row(out, tool.columns.iter().map(|c| c.to_string()));
        row(out, tool.columns.iter().map(|_| "---".to_string()));
        for item in items {
            row(out, tool.columns.iter().map(|c| field(item, c)));
        }
        out.push('\n');
    }
    let mut line = format!(
        "Page {} of {} · {} {} in all · {} per page",
        n("page"),
        n("total_pages"),
        n("total_count"),
        tool.noun,
        n("limit")
    );
    if p.get("has_more").and_then(Value::as_bool) == Some(true) {
        line.push_str(&format!(" · more on page {}", n("page") + 1));
    }
    out.push_str(&line);
    out.push('\n');
}

fn stats(out: &mut String, v: &Value, groups: &[Value], totals: &Value) {
    const FIGURES: &[&str] = &["visitors", "clicks", "leads", "conversions", "revenue", "commissions"];
    let by = v.get("group_by").and_then(Value::as_str).unwrap_or("group");
    out.push_str(&format!(
        "By {by}, {} to {} (UTC days; revenue and commissions in cents of the program's currency)\n\n",
        v.get("from").and_then(Value::as_str).unwrap_or("the start"),
        v.get("to").and_then(Value::as_str).unwrap_or("now"),
    ));
    row(out, core::iter::once(by.to_string()).chain(FIGURES.iter().map(|f| f.to_string())));
    row(out, (0..=FIGURES.len()).map(|_| "---".to_string()));
    for g in groups {
        let name = g.get("label").filter(|l| !l.is_null()).or_else(|| g.get("key")).map(cell).unwrap_or_default();
        let figures = g.get("figures").unwrap_or(&Value::Null);
        row(out, core::iter::once(name).chain(FIGURES.iter().map(|f| field(figures, f))));
    }
    row(out, core::iter::once("**total**".to_string()).chain(FIGURES.iter().map(|f| field(totals, f))));
}

fn object(out: &mut String, obj: &Map<String, Value>) {
    row(out, ["Field".to_string(), "Value".to_string()].into_iter());
    row(out, ["---".to_string(), "---".to_string()].into_iter());
    let currency = obj.get("currency").and_then(Value::as_str);
    for (k, v) in obj {
        match v {
            Value::Object(inner) => {
                for (ik, iv) in inner {
                    if !iv.is_object() && !iv.is_array() {
                        row(out, [format!("{k}.{ik}"), value(ik, iv, currency)].into_iter());
                    }
                }
            }
            Value::Array(items) if items.iter().any(|i| i.is_object()) => {
                row(out, [k.clone(), format!("{} items", items.len())].into_iter());
            }
            _ => row(out, [k.clone(), value(k, v, currency)].into_iter()),
        }
    }
}

/// The cell for the dotted field `path` of `item`, money formatted with its currency.
fn field(item: &Value, path: &str) -> String {
    let mut at = item;
    for part in path.split('.') {
        at = at.get(part).unwrap_or(&Value::Null);
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    value(last, at, item.get("currency").and_then(Value::as_str))
}

fn value(key: &str, v: &Value, currency: Option<&str>) -> String {
    match (v.as_i64(), MONEY.contains(&key)) {
        (Some(cents), true) => money(cents, currency),
        _ => cell(v),
    }
}

/// `1234` cents as `12.34 USD` (or `12.34` without a currency).
pub fn money(cents: i64, currency: Option<&str>) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let amount = format!("{sign}{}.{:02}", abs / 100, abs % 100);
    match currency {
        Some(c) => format!("{amount} {c}"),
        None => amount,
    }
}

fn cell(v: &Value) -> String {
    let text = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    };
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn row(out: &mut String, cells: impl Iterator<Item = String>) {
    out.push('|');
    for c in cells {
        out.push(' ');
        out.push_str(&c);
        out.push_str(" |");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::tools::TOOLS;
    use super::*;
    use serde_json::json;

    fn tool(name: &str) -> &'static ToolDef {
        TOOLS.iter().find(|t| t.name == name).expect("tool")
    }

    #[test]
    fn money_has_two_decimals_and_its_currency() {
        for (cents, currency, text) in
            [(1234, Some("USD"), "12.34 USD"), (-5, Some("EUR"), "-0.05 EUR"), (0, None, "0.00"), (100, None, "1.00")]
        {
            assert_eq!(money(cents, currency), text);
        }
    }

    #[test]
    fn a_list_is_a_table_with_the_pagination_line() {
        let v = json!({
            "data": [{"id": "com_1", "affiliate_id": "aff_1", "amount": 2500, "currency": "USD", "status": "pending",
                      "due": false, "due_at": "2026-01-01T00:00:00Z", "created_at": "2025-12-01T00:00:00Z"}],
            "pagination": {"page": 1, "limit": 1, "total_count": 3, "total_pages": 3, "has_more": true}
        });
        let md = render(tool("viatrack_list_commissions"), &v);
        assert!(md.starts_with("## List commissions\n\n| id | affiliate_id | amount |"), "{md}");
        assert!(md.contains("| com_1 | aff_1 | 25.00 USD | pending | false |"), "{md}");
        assert!(md.ends_with("Page 1 of 3 · 3 commissions in all · 1 per page · more on page 2\n"), "{md}");
        let empty = json!({"data": [], "pagination": {"page": 1, "limit": 10, "total_count": 0, "total_pages": 0, "has_more": false}});
        assert!(render(tool("viatrack_list_referrals"), &empty).contains("No referrals match."));
    }

    #[test]
    fn an_object_is_a_field_table() {
        let v = json!({"id": "aff_1", "email": "a|b@example.com", "campaign": {"id": "cmp_1", "name": "Main"}});
        let md = render(tool("viatrack_get_affiliate"), &v);
        assert!(md.contains("| email | a\\|b@example.com |"), "{md}");
        assert!(md.contains("| campaign.name | Main |"), "{md}");
    }
}
