//! The document hangs together: every `$ref` names a component, every path parameter is
//! declared, operation IDs are unique, and list parameters are the parsers' own tables.

use serde_json::Value;
use std::collections::BTreeSet;

fn refs(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get("$ref") {
                out.insert(r.clone());
            }
            m.values().for_each(|x| refs(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_ref_resolves_and_ids_are_unique() {
    let doc = viatrack_openapi::document();
    let mut found = BTreeSet::new();
    refs(&doc, &mut found);
    assert!(found.len() > 20, "only {} refs", found.len());
    for r in &found {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected ref {r}"));
        assert!(doc["components"]["schemas"].get(name).is_some(), "{r} is not in components");
    }
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_string()), "{id} twice");
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            let in_path: BTreeSet<&str> =
                path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))).collect();
            assert_eq!(declared, in_path, "{method} {path}");
        }
    }
}

#[test]
fn list_parameters_are_the_parsers_tables() {
    let doc = viatrack_openapi::document();
    let names = |path: &str| -> Vec<String> {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    assert_eq!(names("/v1/referrals"), viatrack_core::api::query::ReferralQuery::PARAMS);
    assert_eq!(names("/v1/commissions"), viatrack_core::api::commissions::CommissionQuery::PARAMS);
    assert_eq!(names("/v1/stats"), viatrack_core::api::stats::StatsQuery::PARAMS);
}

#[test]
fn a_request_body_refuses_unknown_fields_as_the_parser_does() {
    let doc = viatrack_openapi::document();
    let create = &doc["components"]["schemas"]["CreateReferral"];
    assert_eq!(create["additionalProperties"], Value::Bool(false), "{create}");
    let required: Vec<&str> =
        create["required"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect()).unwrap_or_default();
    assert!(required.contains(&"email"), "{create}");
}
