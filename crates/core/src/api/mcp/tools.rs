//! The MCP tools: one row per tool ([`TOOLS`]), each naming the one operation of the table
//! of operations ([`crate::api::operations`]) it runs. Its method, path and the scope it
//! needs come from that row; its schemas from the OpenAPI document built from the same
//! table ([`specs`]); so a tool is a thin adapter over its REST route and cannot drift from
//! it.
//!
//! A call ([`ToolSpec::request`]) turns the arguments into the REST request: path parameters
//! (`id`) into the path, query parameters (a list's `page`, `limit`, filters) into the query
//! string, the rest into the JSON body; [`ToolSpec::result`] turns the REST answer into the
//! tool result.

use super::markdown;
use crate::api::operations::{Caller, HttpMethod, Operation, OperationId, OPERATIONS};
use crate::api::scopes::{Access, Resource, Scope};
use crate::api::ValidationError;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{json, Map, Value};

/// One tool: its name, the operation it runs, its title and description, and the columns
/// its Markdown list table shows.
#[derive(Debug)]
pub struct ToolDef {
    /// `viatrack_…`.
    pub name: &'static str,
    /// The operation it runs.
    pub op: OperationId,
    /// A short human-readable title.
    pub title: &'static str,
    /// What it does, for the model: what it takes and answers beyond the schema.
    pub description: &'static str,
    /// What the items are called, plural (`referrals`), for headings and the pagination line.
    pub noun: &'static str,
    /// A list's Markdown table columns (dotted for a nested field: `campaign.name`).
    pub columns: &'static [&'static str],
}

const fn tool(
    name: &'static str,
    op: OperationId,
    title: &'static str,
    noun: &'static str,
    columns: &'static [&'static str],
    description: &'static str,
) -> ToolDef {
    ToolDef { name, op, title, description, noun, columns }
}

const NONE: &[&str] = &[];

use OperationId as O;

/// Every tool, in `tools/list` order.
#[rustfmt::skip]
pub const TOOLS: &[ToolDef] = &[
    tool("viatrack_list_referrals", O::ListReferrals, "List referrals", "referrals",
        &["id", "type", "status", "email", "affiliate_id", "sales_total", "commissions_total", "created_at"],
        "List referrals, newest first. Filters: affiliate_id, type (CLICK, LEAD, CONVERSION, REJECTED, \
         CANCELLED; comma-separated), status (comma-separated), subscription_status (PromoteKit's signed_up, \
         active, trialing, canceled, past_due), email, customer_id (or stripe_customer_id), from and to \
         (created_at, ISO 8601 UTC); page and limit (at most 100)."),
    tool("viatrack_get_referral", O::GetReferral, "Get a referral", "referrals", NONE,
        "Get one referral by its ID (ref_…): customer, status and type, link, affiliate, sales and commissions \
         totals (cents)."),
    tool("viatrack_create_referral", O::CreateReferral, "Create a referral", "referrals", NONE,
        "Create a referral (a lead by default) for affiliate_id with the customer's email, or convert a tracked \
         click with click_id. Errors: INVALID_AFFILIATE (no such affiliate), NOT_FOUND (no such click), \
         INVALID_TRANSITION (the click is no longer a click), CONFLICT (email taken)."),
    tool("viatrack_update_referral", O::UpdateReferral, "Update a referral", "referrals", NONE,
        "Update a referral: its status (through the transition table: click → lead → customer/trialing/active, \
         canceled, rejected; INVALID_TRANSITION otherwise) or its customer fields; null clears a field."),
    tool("viatrack_delete_referral", O::DeleteReferral, "Delete a referral", "referrals", NONE,
        "Delete a referral and what belongs to it only; CONFLICT when a commission of it was paid."),
    tool("viatrack_list_affiliates", O::ListAffiliates, "List affiliates", "affiliates",
        &["id", "email", "first_name", "last_name", "campaign.name", "created_at"],
        "List affiliates, newest first; filter by campaign_id; page and limit (at most 100)."),
    tool("viatrack_get_affiliate", O::GetAffiliate, "Get an affiliate", "affiliates", NONE,
        "Get one affiliate by its ID (aff_…)."),
    tool("viatrack_create_affiliate", O::CreateAffiliate, "Create an affiliate", "affiliates", NONE,
        "Create an affiliate in a campaign (campaign_id) with their email."),
    tool("viatrack_update_affiliate", O::UpdateAffiliate, "Update an affiliate", "affiliates", NONE,
        "Update an affiliate's email, names, payout email or campaign; null clears a field."),
    tool("viatrack_delete_affiliate", O::DeleteAffiliate, "Delete an affiliate", "affiliates", NONE,
        "Delete an affiliate that no link or referral uses (CONFLICT otherwise)."),
    tool("viatrack_list_campaigns", O::ListCampaigns, "List campaigns", "campaigns",
        &["id", "name", "cookie_duration", "attribution", "commission_type", "commission_amount", "created_at"],
        "List campaigns, newest first; page and limit (at most 100)."),
    tool("viatrack_get_campaign", O::GetCampaign, "Get a campaign", "campaigns", NONE,
        "Get one campaign by its ID (cmp_…): cookie duration (days), attribution, commission terms (basis \
         points for a percentage, cents for a fixed amount), hold days and minimum payout (cents)."),
    tool("viatrack_create_campaign", O::CreateCampaign, "Create a campaign", "campaigns", NONE,
        "Create a campaign: name, cookie duration in days, first or last click attribution, allowed hostnames, \
         commission terms."),
    tool("viatrack_update_campaign", O::UpdateCampaign, "Update a campaign", "campaigns", NONE,
        "Update a campaign's settings; null clears an optional one."),
    tool("viatrack_delete_campaign", O::DeleteCampaign, "Delete a campaign", "campaigns", NONE,
        "Delete a campaign that no affiliate, link or referral uses (CONFLICT otherwise)."),
    tool("viatrack_list_links", O::ListLinks, "List links", "links",
        &["id", "token", "affiliate_id", "visitors", "leads", "conversions", "created_at"],
        "List links (tokens for ?via=), newest first; filter by affiliate_id or campaign_id; page and limit."),
    tool("viatrack_get_link", O::GetLink, "Get a link", "links", NONE,
        "Get one link by its ID (lnk_…) with its visitor, lead and conversion counts."),
    tool("viatrack_create_link", O::CreateLink, "Create a link", "links", NONE,
        "Create a link: a token for ?via= of an affiliate (affiliate_id), optionally a destination URL."),
    tool("viatrack_update_link", O::UpdateLink, "Update a link", "links", NONE,
        "Update a link's token, campaign or destination URL."),
    tool("viatrack_delete_link", O::DeleteLink, "Delete a link", "links", NONE,
        "Delete a link that no referral uses (CONFLICT otherwise)."),
    tool("viatrack_list_coupons", O::ListCoupons, "List coupon codes", "coupons",
        &["id", "code", "affiliate_id", "archived", "leads", "conversions", "created_at"],
        "List coupon codes, newest first; filter by affiliate_id or campaign_id; page and limit (at most 100)."),
    tool("viatrack_get_coupon", O::GetCoupon, "Get a coupon code", "coupons", NONE,
        "Get one coupon code by its ID (cpn_…) with the leads and conversions it credited."),
    tool("viatrack_create_coupon", O::CreateCoupon, "Create a coupon code", "coupons", NONE,
        "Create a coupon code for an affiliate (affiliate_id): code (letters, digits, - and _, case-insensitive, \
         unique in the program; CONFLICT otherwise), optionally the Stripe promotion code ID (promo_…). A sale \
         naming the code credits the affiliate when no referral explains it."),
    tool("viatrack_update_coupon", O::UpdateCoupon, "Update a coupon code", "coupons", NONE,
        "Rename a coupon code, move it to another campaign, set or clear its Stripe promotion code, or archive \
         it (archived: true; an archived code credits nobody)."),
    tool("viatrack_delete_coupon", O::DeleteCoupon, "Delete a coupon code", "coupons", NONE,
        "Delete a coupon code that credited no referral (CONFLICT otherwise: archive it instead)."),
    tool("viatrack_list_commissions", O::ListCommissions, "List commissions", "commissions",
        &["id", "affiliate_id", "amount", "status", "due", "due_at", "created_at"],
        "List commissions, newest first; filter by affiliate_id, referral_id, status (pending, paid, voided), \
         from and to; page and limit. Amounts in cents of their currency."),
    tool("viatrack_get_commission", O::GetCommission, "Get a commission", "commissions", NONE,
        "Get one commission by its ID (com_…)."),
    tool("viatrack_create_commission", O::CreateCommission, "Create a commission", "commissions", NONE,
        "Create a manual commission (a bonus) for an affiliate: amount in cents, currency, reason; due at once. \
         Money: confirm with the user first."),
    tool("viatrack_update_commission", O::UpdateCommission, "Update a commission", "commissions", NONE,
        "Mark a commission paid or voided (through the commission status table). Money: confirm with the user \
         first."),
    tool("viatrack_delete_commission", O::DeleteCommission, "Delete a commission", "commissions", NONE,
        "Delete a pending commission that is in no payout (never a paid one)."),
    tool("viatrack_commission_summary", O::SummarizeCommissions, "Commission summary", "rows",
        &["affiliate_id", "currency", "pending", "due", "paid", "clawed_back", "voided"],
        "Per affiliate and currency, the commissions pending in their hold, due (past the hold, paid by the \
         next payout run), paid, clawed back (refunds after payment) and voided, in cents of the currency. \
         Filters: affiliate_id, from and to (when the commissions were made); page and limit."),
    tool("viatrack_list_payouts", O::ListPayouts, "List payouts", "payouts",
        &["id", "affiliate_id", "amount", "status", "commissions_count", "created_at"],
        "List payouts, newest first; filter by affiliate_id, status (comma-separated), currency, from and to; \
         page and limit. Amounts in cents of their currency."),
    tool("viatrack_get_payout", O::GetPayout, "Get a payout", "payouts", NONE,
        "Get one payout by its ID (pay_…) with its commissions."),
    tool("viatrack_top_affiliates", O::TopAffiliates, "Top affiliates", "affiliates", NONE,
        "The affiliates that brought the most revenue, conversions or commissions (by) over from..to (UTC \
         days), best first, with their whole funnel; money is ranked in one currency (currency, needed when \
         the range has sales in several). limit: 1 to 100 (default 10)."),
    tool("viatrack_stats", O::GetStats, "Funnel stats", "groups", NONE,
        "The funnel grouped by affiliate, campaign, link or day (group_by, required) over from..to (UTC days): \
         visitors, clicks, leads, conversions, revenue and commissions (cents), with totals."),
];

/// The row of the table of operations for `id`.
///
/// # Panics
///
/// Never: every [`OperationId`] has a row (the table declares both).
pub fn operation(id: OperationId) -> &'static Operation {
    OPERATIONS.iter().find(|o| o.id == id).expect("every operation ID has a row")
}

impl ToolDef {
    /// The scope the tool needs: its operation's, from the table of operations.
    ///
    /// # Panics
    ///
    /// If the operation is not a secret-key one (the table's tests refuse such a tool).
    pub fn scope(&self) -> Scope {
        match operation(self.op).caller {
            Caller::Secret(scope) => scope,
            other => panic!("tool {} runs an operation without a scope: {other:?}", self.name),
        }
    }

    /// MCP's tool annotations: `readOnlyHint` for a read; `destructiveHint` for a delete and
    /// for a write of money (commissions, payouts); `idempotentHint` for reads, updates and
    /// deletes (the same call again changes nothing more), never for a create. None reaches
    /// outside the program (`openWorldHint: false`).
    pub fn annotations(&self) -> Value {
        let op = operation(self.op);
        let scope = self.scope();
        let read = op.method == HttpMethod::Get;
        let money = matches!(scope.resource, Resource::Commissions | Resource::Payouts);
        let destructive = op.method == HttpMethod::Delete || (money && scope.access == Access::Write);
        let idempotent = matches!(op.method, HttpMethod::Get | HttpMethod::Patch | HttpMethod::Delete);
        json!({
            "title": self.title,
            "readOnlyHint": read,
            "destructiveHint": !read && destructive,
            "idempotentHint": idempotent,
            "openWorldHint": false,
        })
    }
}

/// Where an argument goes in the REST request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgIn {
    /// A path parameter (`{id}`).
    Path,
    /// A query parameter.
    Query,
    /// A field of the JSON body.
    Body,
    /// A request header (`idempotency_key` → `Idempotency-Key`).
    Header,
}

/// The format of a tool result's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseFormat {
    /// A heading and a table (the default).
    Markdown,
    /// The REST API's `data`, as JSON.
    Json,
}

/// The argument every tool takes.
pub const RESPONSE_FORMAT: &str = "response_format";

/// A tool ready to list and call: its row, its scope, its schemas and where each argument
/// goes.
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// Its row.
    pub def: &'static ToolDef,
    /// Its operation's row.
    pub op: &'static Operation,
    /// The scope it needs ([`ToolDef::scope`]).
    pub scope: Scope,
    /// JSON Schema (2020-12) of its arguments.
    pub input_schema: Value,
    /// JSON Schema (2020-12) of its `structuredContent`.
    pub output_schema: Value,
    /// Each argument's name and place.
    pub args: Vec<(String, ArgIn)>,
    /// Whether the answer is a list page (`structuredContent` is `{data, pagination}`).
    pub list: bool,
}

/// The REST request a tool call makes.
#[derive(Clone, Debug, PartialEq)]
pub struct RestCall {
    /// The method.
    pub method: HttpMethod,
    /// The path's segments, parameters filled in (not split further: an ID with a `/` stays
    /// one segment, and names nothing).
    pub segments: Vec<String>,
    /// The query pairs.
    pub query: Vec<(String, String)>,
    /// Request headers from arguments (`Idempotency-Key`), name and value.
    pub headers: Vec<(String, String)>,
    /// The JSON body, for a POST or PATCH.
    pub body: Option<Value>,
    /// The result's text format.
    pub format: ResponseFormat,
}

/// The tools `scopes` allow, in [`TOOLS`] order.
pub fn allowed<'a>(specs: &'a [ToolSpec], scopes: &[Scope]) -> impl Iterator<Item = &'a ToolSpec> + 'a {
    let scopes = scopes.to_vec();
    specs.iter().filter(move |s| scopes.contains(&s.scope))
}

/// Every tool's spec, its schemas derived from `openapi` (the document `crates/openapi`
/// builds and the Worker serves at `/v1/openapi.json`): the input schema holds the
/// operation's path and query parameters and its request body's fields, plus
/// [`RESPONSE_FORMAT`]; the output schema is the success answer's `data` (for a list page,
/// `data` and `pagination`). `$ref`s to `#/components/schemas` become `#/$defs`, and each
/// schema carries the definitions it uses.
///
/// # Errors
///
/// A message naming the tool when the document lacks its operation or the shapes it needs
/// (a body or an answer that is not an object, an argument named twice).
pub fn specs(openapi: &Value) -> Result<Vec<ToolSpec>, String> {
    TOOLS.iter().map(|def| spec(openapi, def).map_err(|e| format!("tool {}: {e}", def.name))).collect()
}

fn spec(doc: &Value, def: &'static ToolDef) -> Result<ToolSpec, String> {
    let op = operation(def.op);
    let item = doc
        .pointer(&format!("/paths/{}/{}", op.path.replace('~', "~0").replace('/', "~1"), op.method.as_str()))
        .ok_or("the OpenAPI document lacks its operation")?;
    let components = doc.pointer("/components/schemas").cloned().unwrap_or(Value::Null);
    let mut props = Map::new();
    let mut required: Vec<Value> = Vec::new();
    let mut args = Vec::new();
    let mut add = |name: &str, schema: Value, place: ArgIn, is_required: bool| -> Result<(), String> {
        if props.insert(name.to_string(), schema).is_some() || name == RESPONSE_FORMAT {
            return Err(format!("argument {name} is named twice"));
        }
        args.push((name.to_string(), place));
        if is_required {
            required.push(Value::String(name.to_string()));
        }
        Ok(())
    };
    for p in item.get("parameters").and_then(Value::as_array).into_iter().flatten() {
        let name = p.get("name").and_then(Value::as_str).ok_or("a parameter without a name")?;
        let place = match p.get("in").and_then(Value::as_str) {
            Some("path") => ArgIn::Path,
            Some("query") => ArgIn::Query,
            Some("header") if HEADERS.contains(&name) => ArgIn::Header,
            _ => continue,
        };
        let name = if place == ArgIn::Header { header_arg(name) } else { name.to_string() };
        let name = name.as_str();
        let mut schema = p.get("schema").cloned().unwrap_or_else(|| json!({}));
        if let (Some(d), Some(obj)) = (p.get("description"), schema.as_object_mut()) {
            obj.insert("description".into(), d.clone());
        }
        add(name, schema, place, p.get("required").and_then(Value::as_bool).unwrap_or(false))?;
    }
    if let Some(body) = item.pointer("/requestBody/content/application~1json/schema") {
        let resolved = resolve(body, &components);
        let fields = resolved.get("properties").and_then(Value::as_object).ok_or("its body is not an object")?;
        let body_required: BTreeSet<&str> = resolved
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, schema) in fields {
            add(name, schema.clone(), ArgIn::Body, body_required.contains(name.as_str()))?;
        }
    }
    props.insert(
        RESPONSE_FORMAT.into(),
        json!({"type": "string", "enum": ["markdown", "json"], "default": "markdown",
               "description": "markdown: a heading and a table (default); json: the REST API's data"}),
    );
    let mut input = json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    with_defs(&mut input, &components);

    let answer = item
        .get("responses")
        .and_then(Value::as_object)
        .and_then(|r| r.iter().find(|(status, _)| status.starts_with('2')))
        .and_then(|(_, r)| r.pointer("/content/application~1json/schema"))
        .ok_or("its success answer is not JSON")?;
    let list = answer.pointer("/properties/pagination").is_some();
    let mut output = if list {
        json!({
            "type": "object", "required": ["data", "pagination"],
            "properties": {
                "data": answer.pointer("/properties/data").cloned().ok_or("a page without data")?,
                "pagination": answer.pointer("/properties/pagination").cloned().ok_or("a page without pagination")?,
            }
        })
    } else {
        let data = answer.pointer("/properties/data").ok_or("its answer has no data")?;
        let resolved = resolve(data, &components);
        if resolved.get("type").and_then(Value::as_str) != Some("object") {
            return Err("its answer's data is not an object".into());
        }
        resolved
    };
    with_defs(&mut output, &components);
    Ok(ToolSpec { def, op, scope: def.scope(), input_schema: input, output_schema: output, args, list })
}

/// The request headers a tool takes as arguments: `Idempotency-Key` (a retried create then
/// answers the first answer, shared with the REST API's own retries of the same request).
/// Not `If-Match`: it needs the `ETag` of a read, which a tool result does not carry.
const HEADERS: &[&str] = &["Idempotency-Key"];

/// The argument for a header: `Idempotency-Key` → `idempotency_key`.
fn header_arg(header: &str) -> String {
    header.to_ascii_lowercase().replace('-', "_")
}

const COMPONENT_REF: &str = "#/components/schemas/";

/// `schema`, or the component a top-level `$ref` names.
fn resolve(schema: &Value, components: &Value) -> Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix(COMPONENT_REF)) {
        Some(name) => components.get(name).cloned().unwrap_or(Value::Null),
        None => schema.clone(),
    }
}

/// Rewrites every `$ref` of `schema` from `#/components/schemas/X` to `#/$defs/X` and puts
/// each definition used (and those they use) under `$defs`.
fn with_defs(schema: &mut Value, components: &Value) {
    let mut wanted = Vec::new();
    rewrite(schema, &mut wanted);
    let mut defs = Map::new();
    while let Some(name) = wanted.pop() {
        if defs.contains_key(&name) {
            continue;
        }
        let mut def = components.get(&name).cloned().unwrap_or_else(|| json!({}));
        rewrite(&mut def, &mut wanted);
        defs.insert(name, def);
    }
    if !defs.is_empty() {
        if let Some(obj) = schema.as_object_mut() {
            obj.insert("$defs".into(), Value::Object(defs));
        }
    }
}

fn rewrite(v: &mut Value, wanted: &mut Vec<String>) {
    match v {
        Value::Object(obj) => {
            for (k, child) in obj.iter_mut() {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) => {
                        if let Some(name) = r.strip_prefix(COMPONENT_REF).map(str::to_string) {
                            *r = format!("#/$defs/{name}");
                            wanted.push(name);
                        }
                    }
                    (_, child) => rewrite(child, wanted),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| rewrite(c, wanted)),
        _ => {}
    }
}

/// Looks a tool up by name.
pub fn find<'a>(specs: &'a [ToolSpec], name: &str) -> Option<&'a ToolSpec> {
    specs.iter().find(|s| s.def.name == name)
}

impl ToolSpec {
    /// The tool as `tools/list` shows it.
    pub fn listing(&self) -> Value {
        json!({
            "name": self.def.name,
            "title": self.def.title,
            "description": format!("{} Needs the {} scope.", self.def.description, self.scope),
            "inputSchema": self.input_schema,
            "outputSchema": self.output_schema,
            "annotations": self.def.annotations(),
        })
    }

    /// The REST request for `arguments`.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the argument: one the tool does not take, a path
    /// parameter missing or not a string, a query value that is not a string, number,
    /// boolean or list of them, a `response_format` other than `markdown` or `json`.
    pub fn request(&self, arguments: &Map<String, Value>) -> Result<RestCall, ValidationError> {
        let format = match arguments.get(RESPONSE_FORMAT) {
            None | Some(Value::Null) => ResponseFormat::Markdown,
            Some(Value::String(s)) if s == "markdown" => ResponseFormat::Markdown,
            Some(Value::String(s)) if s == "json" => ResponseFormat::Json,
            Some(_) => return Err(ValidationError::field(RESPONSE_FORMAT, "must be markdown or json")),
        };
        let mut query = Vec::new();
        let mut headers = Vec::new();
        let mut body = Map::new();
        let mut path = Vec::new();
        for (name, value) in arguments {
            if name == RESPONSE_FORMAT {
                continue;
            }
            let place = self.args.iter().find(|(n, _)| n == name).map(|(_, p)| *p).ok_or_else(|| {
                let names: Vec<&str> = self.args.iter().map(|(n, _)| n.as_str()).collect();
                ValidationError::field(
                    name,
                    format!("unknown argument; expected one of {}, {RESPONSE_FORMAT}", names.join(", ")),
                )
            })?;
            match place {
                ArgIn::Path => match value {
                    Value::String(s) => path.push((name.as_str(), s.clone())),
                    _ => return Err(ValidationError::field(name, "must be a string")),
                },
                ArgIn::Query => match query_value(value) {
                    Some(v) => query.push((name.clone(), v)),
                    None => return Err(ValidationError::field(name, "must be a string, a number or a list of them")),
                },
                ArgIn::Body => {
                    body.insert(name.clone(), value.clone());
                }
                ArgIn::Header => match (value, self.header_of(name)) {
                    (Value::String(s), Some(header)) => headers.push((header, s.clone())),
                    _ => return Err(ValidationError::field(name, "must be a string")),
                },
            }
        }
        let mut segments = Vec::new();
        for part in self.op.path.trim_matches('/').split('/') {
            match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(param) => {
                    let value = path.iter().find(|(n, _)| *n == param).map(|(_, v)| v.clone());
                    segments.push(value.ok_or_else(|| ValidationError::field(param, "is required"))?);
                }
                None => segments.push(part.to_string()),
            }
        }
        let body = matches!(self.op.method, HttpMethod::Post | HttpMethod::Patch).then_some(Value::Object(body));
        Ok(RestCall { method: self.op.method, segments, query, headers, body, format })
    }

    /// The header an [`ArgIn::Header`] argument sets, as the OpenAPI document names it.
    fn header_of(&self, arg: &str) -> Option<String> {
        HEADERS.iter().find(|h| header_arg(h) == arg).map(|h| h.to_string())
    }

    /// The tool result for the REST answer `answer` (the envelope): on success
    /// `structuredContent` is its `data` (with `pagination` for a list) and the text that
    /// JSON or its Markdown; on failure `isError: true` and the text `CODE: message`.
    pub fn result(&self, answer: &Value, format: ResponseFormat) -> Value {
        if answer.get("success").and_then(Value::as_bool) != Some(true) {
            let code = answer.pointer("/error/code").and_then(Value::as_str).unwrap_or("INTERNAL_ERROR");
            let message = answer.pointer("/error/message").and_then(Value::as_str).unwrap_or("internal error");
            let text = match answer.pointer("/error/field").and_then(Value::as_str) {
                Some(field) => format!("{code}: {message} (field: {field})"),
                None => format!("{code}: {message}"),
            };
            return error_result(&text);
        }
        let structured = if self.list {
            json!({"data": answer.get("data").cloned().unwrap_or(Value::Null),
                   "pagination": answer.get("pagination").cloned().unwrap_or(Value::Null)})
        } else {
            answer.get("data").cloned().unwrap_or(Value::Null)
        };
        let text = match format {
            ResponseFormat::Json => structured.to_string(),
            ResponseFormat::Markdown => markdown::render(self.def, &structured),
        };
        json!({"content": [{"type": "text", "text": text}], "structuredContent": structured, "isError": false})
    }
}

/// A tool result with `isError: true` and `text`.
pub fn error_result(text: &str) -> Value {
    json!({"content": [{"type": "text", "text": text}], "isError": true})
}

fn query_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Option<Vec<String>> =
                items.iter().map(|i| if i.is_array() { None } else { query_value(i) }).collect();
            Some(parts?.join(","))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_runs_a_secret_key_operation_once() {
        for (i, t) in TOOLS.iter().enumerate() {
            assert!(t.name.starts_with("viatrack_"), "{}", t.name);
            assert!(matches!(operation(t.op).caller, Caller::Secret(_)), "{}", t.name);
            assert!(TOOLS[i + 1..].iter().all(|u| u.name != t.name && u.op != t.op), "{} twice", t.name);
            // A list (and the summary, a page of rows) shows a table; a write shows its object.
            if operation(t.op).method != HttpMethod::Get {
                assert!(t.columns.is_empty(), "{}", t.name);
            }
            if t.name.contains("_list_") || t.name.ends_with("_summary") {
                assert!(!t.columns.is_empty(), "{}", t.name);
            }
        }
    }

    #[test]
    fn annotations_follow_the_method_and_money() {
        let hints = |name: &str| {
            let t = TOOLS.iter().find(|t| t.name == name).expect("tool");
            let a = t.annotations();
            (a["readOnlyHint"] == true, a["destructiveHint"] == true, a["idempotentHint"] == true)
        };
        assert_eq!(hints("viatrack_list_referrals"), (true, false, true));
        assert_eq!(hints("viatrack_create_referral"), (false, false, false));
        assert_eq!(hints("viatrack_update_referral"), (false, false, true));
        assert_eq!(hints("viatrack_delete_referral"), (false, true, true));
        assert_eq!(hints("viatrack_create_commission"), (false, true, false));
        assert_eq!(hints("viatrack_update_commission"), (false, true, true));
        assert_eq!(
            TOOLS.iter().find(|t| t.name == "viatrack_delete_referral").map(|t| t.scope().to_string()),
            Some("delete:referrals".into())
        );
    }

    #[test]
    fn query_values_flatten_lists() {
        assert_eq!(query_value(&json!(["CLICK", "LEAD"])), Some("CLICK,LEAD".into()));
        assert_eq!(query_value(&json!(5)), Some("5".into()));
        assert_eq!(query_value(&json!({"a": 1})), None);
        assert_eq!(query_value(&json!([["x"]])), None);
    }
}
