//! The MCP tools' schemas derive from this document (`viatrack_core::api::mcp::tools`): every
//! tool's operation is in it, each schema is an object whose `$ref`s resolve in its own
//! `$defs`, and a call's arguments land where the REST route reads them.

use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use viatrack_core::api::mcp::tools::{self, ArgIn, ResponseFormat, TOOLS};
use viatrack_core::api::operations::HttpMethod;
use viatrack_core::api::scopes::Scope;

fn specs() -> Vec<tools::ToolSpec> {
    tools::specs(&viatrack_openapi::document()).expect("every tool derives from the document")
}

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
fn every_schema_is_an_object_with_its_own_defs() {
    let specs = specs();
    assert_eq!(specs.len(), TOOLS.len());
    for s in &specs {
        for schema in [&s.input_schema, &s.output_schema] {
            assert_eq!(schema["type"], "object", "{}: {schema}", s.def.name);
            let mut found = BTreeSet::new();
            refs(schema, &mut found);
            for r in found {
                let name = r.strip_prefix("#/$defs/").unwrap_or_else(|| panic!("{}: ref {r}", s.def.name));
                assert!(schema["$defs"].get(name).is_some(), "{}: {r} not in $defs", s.def.name);
            }
        }
        assert!(s.input_schema["properties"].get("response_format").is_some());
        assert_eq!(s.input_schema["additionalProperties"], false);
    }
}

#[test]
fn arguments_are_the_operations_parameters_and_body() {
    let specs = specs();
    let spec = |name: &str| tools::find(&specs, name).expect(name).clone();
    let list = spec("viatrack_list_referrals");
    assert!(list.list);
    let query: Vec<&str> = list.args.iter().filter(|(_, p)| *p == ArgIn::Query).map(|(n, _)| n.as_str()).collect();
    assert_eq!(query, viatrack_core::api::query::ReferralQuery::PARAMS);
    let create = spec("viatrack_create_referral");
    assert!(create.input_schema["required"].as_array().expect("required").contains(&json!("email")));
    for name in ["affiliate_id", "email", "click_id", "metadata"] {
        assert!(create.args.contains(&(name.to_string(), ArgIn::Body)), "{name}");
    }
    assert!(create.args.contains(&("idempotency_key".to_string(), ArgIn::Header)));
    let mut args = Map::new();
    args.insert("idempotency_key".into(), json!("k1"));
    args.insert("email".into(), json!("a@example.com"));
    let post = create.request(&args).expect("a request");
    assert_eq!(post.headers, vec![("Idempotency-Key".to_string(), "k1".to_string())]);
    assert_eq!(post.body, Some(json!({"email": "a@example.com"})));
    assert!(!spec("viatrack_update_referral").args.iter().any(|(_, p)| *p == ArgIn::Header), "no If-Match");
    let mut args = Map::new();
    args.insert("id".into(), json!("ref_a/b"));
    args.insert("response_format".into(), json!("json"));
    let get = spec("viatrack_get_referral").request(&args).expect("a request");
    assert_eq!(
        (get.method, get.segments.clone(), get.body.clone(), get.format),
        (HttpMethod::Get, vec!["v1".into(), "referrals".into(), "ref_a/b".into()], None, ResponseFormat::Json)
    );
    let mut args = Map::new();
    args.insert("type".into(), json!(["CLICK", "LEAD"]));
    args.insert("limit".into(), json!(5));
    let mut q = list.request(&args).expect("a request").query;
    q.sort();
    assert_eq!(q, vec![("limit".to_string(), "5".to_string()), ("type".to_string(), "CLICK,LEAD".to_string())]);
    let mut bad = Map::new();
    bad.insert("nope".into(), json!(1));
    assert_eq!(list.request(&bad).expect_err("unknown").field.as_deref(), Some("nope"));
    assert_eq!(spec("viatrack_get_referral").request(&Map::new()).expect_err("no id").field.as_deref(), Some("id"));
}

#[test]
fn a_key_lists_only_the_tools_of_its_scopes() {
    let specs = specs();
    let read = [Scope::parse("read:referrals").expect("scope")];
    let names: Vec<&str> = tools::allowed(&specs, &read).map(|s| s.def.name).collect();
    assert_eq!(names, ["viatrack_list_referrals", "viatrack_get_referral"]);
    assert_eq!(tools::allowed(&specs, &Scope::all()).count(), TOOLS.len());
    for s in &specs {
        let l = s.listing();
        assert!(l["description"].as_str().expect("text").contains(&s.scope.to_string()), "{}", s.def.name);
        assert_eq!(l["annotations"]["readOnlyHint"], s.op.method == HttpMethod::Get, "{}", s.def.name);
    }
}

#[test]
fn results_carry_the_data_or_the_error_code() {
    let specs = specs();
    let get = tools::find(&specs, "viatrack_get_referral").expect("tool");
    let ok = get.result(&json!({"success": true, "data": {"id": "ref_1"}}), ResponseFormat::Json);
    assert_eq!(ok["structuredContent"], json!({"id": "ref_1"}));
    assert_eq!(ok["content"][0]["text"], r#"{"id":"ref_1"}"#);
    let md = get.result(&json!({"success": true, "data": {"id": "ref_1"}}), ResponseFormat::Markdown);
    assert!(md["content"][0]["text"].as_str().expect("text").starts_with("## Get a referral"));
    let err = get.result(
        &json!({"success": false, "error": {"code": "NOT_FOUND", "message": "no referral with this id", "field": null}}),
        ResponseFormat::Markdown,
    );
    assert_eq!(err["isError"], true);
    assert_eq!(err["content"][0]["text"], "NOT_FOUND: no referral with this id");
}
