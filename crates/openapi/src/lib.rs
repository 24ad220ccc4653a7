//! viatrack's OpenAPI 3.1 document, built from core's wire types.
//!
//! Layout:
//! * [`document`] — the whole document: info, servers, security schemes, paths, components.
//! * The operations come from the table the Worker routes by
//!   (`viatrack_core::api::operations`: method, path, ID, caller and scope, tag, summary);
//!   `operations` here adds, per operation ID, its query parameters, body, success answer
//!   and error statuses, and [`document`] refuses (panics on) an operation it does not
//!   describe.
//! * Schemas come from `utoipa::ToSchema` on core's types (derived next to their serde
//!   derives, or written in `viatrack_core::openapi` for hand-written serde), so a field
//!   added, renamed or retyped in core changes this document. List parameters are read from
//!   the query parsers' own `PARAMS` tables.
//!
//! Envelopes (`{"success": true, "data": …}`, pages, tracking answers with a notice) and the
//! error body are the shapes of `viatrack_core::api::envelope`.

use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use viatrack_core::api::commissions::{
    Commission, CommissionQuery, ConnectStripe, CreateCommission, RefundRequest, RefundResponse, StripeConnection,
    StripeReceipt, UpdateCommission,
};
use viatrack_core::api::keys::{ApiKey, CreateApiKey, CreatedApiKey};
use viatrack_core::api::operations::{Caller, HttpMethod, Operation, OperationId, OPERATIONS};
use viatrack_core::api::payouts::{PayPayout, Payout, PayoutQuery, PayoutRun, RunPayouts};
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::api::referrals::{CreateReferral, Referral, UpdateReferral};
use viatrack_core::api::resources::{
    Affiliate, Campaign, Coupon, CreateAffiliate, CreateCampaign, CreateCoupon, CreateLink, Link, UpdateAffiliate,
    UpdateCampaign, UpdateCoupon, UpdateLink,
};
use viatrack_core::api::tracking::{
    ClickReport, ClickResponse, HeldReferral, LeadReferral, LeadRequest, SaleRequest, SaleResponse,
};
use viatrack_core::api::webhook_endpoints::{
    CreateWebhookEndpoint, Delivery, RetryQueued, UpdateWebhookEndpoint, WebhookEndpoint, WithSecret,
};
use viatrack_core::api::{Deleted, ErrorBody, Notice, Pagination};

/// How a success answer is wrapped.
enum Answer {
    /// `{"success": true, "data": T}`.
    Data(u16, Value),
    /// `{"success": true, "data": [T], "pagination": …}`.
    Page(Value),
    /// `{"success": true, "data": T | null, "notice"?: …}`.
    Tracked(Value),
    /// No body.
    Empty(u16, &'static str),
    /// A body written out (the health check).
    Raw(u16, Value),
    /// A CSV download: its description.
    Csv(&'static str),
    /// A JSON-RPC answer (the MCP endpoint): 200 with the response to a request, 202 and no
    /// body for a notification, 400 with a JSON-RPC error for a body that is not one valid
    /// message or an unsupported `MCP-Protocol-Version`.
    JsonRpc,
}

/// What the document says of one operation beyond its row in the table of operations
/// (`viatrack_core::api::operations`: method, path, ID, caller, tag, summary).
struct Op {
    op: OperationId,
    query: &'static [&'static str],
    body: Option<Value>,
    answer: Answer,
    /// Error statuses besides those every route of its kind can answer.
    errors: &'static [u16],
}

/// Schemas under `#/components/schemas`, filled as operations name types.
#[derive(Default)]
struct Components(Map<String, Value>);

impl Components {
    /// Adds `T` (and every type it names) and returns a `$ref` to it.
    fn of<T: ToSchema>(&mut self) -> Value {
        let mut deps = Vec::new();
        T::schemas(&mut deps);
        for (name, schema) in deps {
            self.0.insert(name, to_json(&schema));
        }
        let name = T::name().into_owned();
        self.0.insert(name.clone(), to_json(&T::schema()));
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }
}

fn to_json<S: serde::Serialize>(s: &S) -> Value {
    serde_json::to_value(s).expect("a utoipa schema serializes")
}

/// Error statuses every route of a kind can answer, with what they mean.
fn error_meaning(status: u16) -> &'static str {
    match status {
        400 => "VALIDATION_ERROR: a malformed body or query, or a field rule broken (`error.field` names it)",
        401 => "UNAUTHORIZED: no key, or a key that is unknown or revoked",
        403 => "PERMISSION_DENIED: the key lacks the scope, or the origin is not one of the campaign's hostnames",
        404 => "NOT_FOUND: no such object in this program",
        409 => "CONFLICT: a unique value is taken, the object is still in use, or it changed meanwhile",
        412 => "CONFLICT: `If-Match` names another version; the object changed since it was read",
        413 => "VALIDATION_ERROR: the body is larger than 16384 bytes",
        422 => {
            "INVALID_AFFILIATE or INVALID_TRANSITION: the body names no affiliate of this program, or \
                the status change is not allowed; VALIDATION_ERROR (field `Idempotency-Key`): the key was \
                used with another request"
        }
        429 => "RATE_LIMITED: too many requests; retry after the `Retry-After` seconds",
        500 => "INTERNAL_ERROR: storage failed; retrying is safe",
        _ => "error",
    }
}

/// The schema of one query parameter, by name, for the list it belongs to.
fn query_param(c: &mut Components, path: &str, name: &str) -> Value {
    let id_ref = c.of::<viatrack_core::api::fields::IdRef>();
    let (schema, description) = match name {
        "page" => (json!({"type": "integer", "minimum": 1, "default": 1}), "page number, 1-indexed"),
        "limit" if path == "/v1/stats/top_affiliates" => {
            (json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}), "how many affiliates")
        }
        "currency" if path == "/v1/stats/top_affiliates" => (
            c.of::<viatrack_core::api::fields::Currency>(),
            "the currency money is ranked in; needed when the range has sales in several",
        ),
        "limit" => (json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}), "items per page"),
        "affiliate_id" => (id_ref, "only this affiliate's"),
        "campaign_id" => (id_ref, "only this campaign's"),
        "referral_id" => (id_ref, "only this referral's"),
        "email" => (c.of::<viatrack_core::api::fields::Email>(), "exact email (compared lower-cased)"),
        "customer_id" => (json!({"type": "string", "minLength": 1, "maxLength": 255}), "exact customer ID"),
        "stripe_customer_id" => (
            json!({"type": "string", "minLength": 1, "maxLength": 255}),
            "PromoteKit's name for customer_id (the Stripe customer); not with customer_id",
        ),
        "subscription_status" => (
            json!({"type": "string", "pattern": "^(signed_up|active|trialing|canceled|past_due)(,(signed_up|active|trialing|canceled|past_due))*$"}),
            "PromoteKit's comma-separated subscription statuses: signed_up = lead, active = active or customer, trialing, canceled; past_due matches none",
        ),
        "status" if path == "/v1/commissions" => {
            (c.of::<viatrack_core::commission::CommissionStatus>(), "commission status")
        }
        "status" if path.starts_with("/v1/payouts") => {
            let names =
                viatrack_core::payout::PayoutStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|");
            (
                json!({"type": "string", "pattern": format!("^({names})(,({names}))*$")}),
                "comma-separated payout statuses",
            )
        }
        "currency" => (c.of::<viatrack_core::api::fields::Currency>(), "only this currency's (ISO 4217)"),
        "format" => (c.of::<viatrack_core::api::payout_export::ExportFormat>(), "the file to write (required)"),
        "status" => (
            json!({"type": "string", "pattern": "^(click|lead|trialing|customer|active|canceled|rejected)(,(click|lead|trialing|customer|active|canceled|rejected))*$"}),
            "comma-separated referral statuses",
        ),
        "type" => (
            json!({"type": "string", "pattern": "^(CLICK|LEAD|CONVERSION|REJECTED|CANCELLED)(,(CLICK|LEAD|CONVERSION|REJECTED|CANCELLED))*$"}),
            "comma-separated referral types",
        ),
        "group_by" => (c.of::<viatrack_core::api::stats::GroupBy>(), "what each group is (required)"),
        "by" => (c.of::<viatrack_core::api::stats::RankBy>(), "what to rank by (default revenue)"),
        "from" if path.starts_with("/v1/stats") => {
            (c.of::<viatrack_core::Timestamp>(), "the first UTC day counted is this instant's day (ISO 8601 UTC)")
        }
        "to" if path.starts_with("/v1/stats") => {
            (c.of::<viatrack_core::Timestamp>(), "the last UTC day counted is this instant's day; not before `from`")
        }
        "from" => (c.of::<viatrack_core::Timestamp>(), "created at or after (ISO 8601 UTC)"),
        "to" => (c.of::<viatrack_core::Timestamp>(), "created at or before (ISO 8601 UTC); not before `from`"),
        other => panic!("query parameter `{other}` of {path} has no schema in crates/openapi"),
    };
    json!({"name": name, "in": "query", "required": matches!(name, "group_by" | "format"), "schema": schema, "description": description})
}

/// The path parameters of `path` (`{id}`, `{delivery_id}`, `{program_id}`).
fn path_params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            json!({
                "name": name, "in": "path", "required": true,
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,255}$"},
                "description": "an ID; one of another format or another program's is answered 404"
            })
        })
        .collect()
}

fn operations(c: &mut Components) -> Vec<Op> {
    use Answer::*;
    const LIST: &[&str] = &["page", "limit"];
    vec![
        Op {
            op: OperationId::Health,
            query: &[],
            body: Option::None,
            answer: Raw(200, json!({"type": "object", "required": ["ok"], "properties": {"ok": {"const": true}}})),
            errors: &[],
        },
        Op {
            op: OperationId::HealthHead,
            query: &[],
            body: Option::None,
            answer: Empty(200, "the Worker runs"),
            errors: &[],
        },
        Op {
            op: OperationId::PreflightTrackLead,
            query: &[],
            body: Option::None,
            answer: Empty(204, "the origin may call the tracking routes"),
            errors: &[403],
        },
        Op {
            op: OperationId::PreflightTrackReferral,
            query: &[],
            body: Option::None,
            answer: Empty(204, "the origin may call the tracking routes"),
            errors: &[403],
        },
        // Tracking (the browser tracker and the merchant's server).
        Op {
            op: OperationId::TrackClick,
            query: &[],
            body: Some(c.of::<ClickReport>()),
            answer: Tracked(c.of::<ClickResponse>()),
            errors: &[404, 413],
        },
        Op {
            op: OperationId::CheckTrackClick,
            query: &[],
            body: Option::None,
            answer: Empty(200, "nothing recorded"),
            errors: &[],
        },
        Op {
            op: OperationId::PreflightTrackClick,
            query: &[],
            body: Option::None,
            answer: Empty(204, "the origin may call the tracking routes"),
            errors: &[403],
        },
        Op {
            op: OperationId::TrackLead,
            query: &[],
            body: Some(c.of::<LeadRequest>()),
            answer: Tracked(c.of::<LeadReferral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::TrackReferral,
            query: &[],
            body: Option::None,
            answer: Tracked(c.of::<HeldReferral>()),
            errors: &[],
        },
        Op {
            op: OperationId::TrackSale,
            query: &[],
            body: Some(c.of::<SaleRequest>()),
            answer: Data(200, c.of::<SaleResponse>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::TrackRefund,
            query: &[],
            body: Some(c.of::<RefundRequest>()),
            answer: Data(200, c.of::<RefundResponse>()),
            errors: &[404, 409, 413],
        },
        // Referrals.
        Op {
            op: OperationId::CreateReferral,
            query: &[],
            body: Some(c.of::<CreateReferral>()),
            answer: Data(201, c.of::<Referral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::ListReferrals,
            query: ReferralQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<Referral>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetReferral,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Referral>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateReferral,
            query: &[],
            body: Some(c.of::<UpdateReferral>()),
            answer: Data(200, c.of::<Referral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::DeleteReferral,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Campaigns.
        Op {
            op: OperationId::CreateCampaign,
            query: &[],
            body: Some(c.of::<CreateCampaign>()),
            answer: Data(201, c.of::<Campaign>()),
            errors: &[409, 413],
        },
        Op {
            op: OperationId::ListCampaigns,
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<Campaign>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetCampaign,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Campaign>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateCampaign,
            query: &[],
            body: Some(c.of::<UpdateCampaign>()),
            answer: Data(200, c.of::<Campaign>()),
            errors: &[404, 409, 413],
        },
        Op {
            op: OperationId::DeleteCampaign,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Affiliates.
        Op {
            op: OperationId::CreateAffiliate,
            query: &[],
            body: Some(c.of::<CreateAffiliate>()),
            answer: Data(201, c.of::<Affiliate>()),
            errors: &[404, 409, 413],
        },
        Op {
            op: OperationId::ListAffiliates,
            query: &["page", "limit", "campaign_id"],
            body: Option::None,
            answer: Page(c.of::<Affiliate>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetAffiliate,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Affiliate>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateAffiliate,
            query: &[],
            body: Some(c.of::<UpdateAffiliate>()),
            answer: Data(200, c.of::<Affiliate>()),
            errors: &[404, 409, 413],
        },
        Op {
            op: OperationId::DeleteAffiliate,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Links.
        Op {
            op: OperationId::CreateLink,
            query: &[],
            body: Some(c.of::<CreateLink>()),
            answer: Data(201, c.of::<Link>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::ListLinks,
            query: &["page", "limit", "affiliate_id", "campaign_id"],
            body: Option::None,
            answer: Page(c.of::<Link>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetLink,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Link>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateLink,
            query: &[],
            body: Some(c.of::<UpdateLink>()),
            answer: Data(200, c.of::<Link>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::DeleteLink,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Coupons.
        Op {
            op: OperationId::CreateCoupon,
            query: &[],
            body: Some(c.of::<CreateCoupon>()),
            answer: Data(201, c.of::<Coupon>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::ListCoupons,
            query: &["page", "limit", "affiliate_id", "campaign_id"],
            body: Option::None,
            answer: Page(c.of::<Coupon>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetCoupon,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Coupon>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateCoupon,
            query: &[],
            body: Some(c.of::<UpdateCoupon>()),
            answer: Data(200, c.of::<Coupon>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::DeleteCoupon,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Commissions.
        Op {
            op: OperationId::CreateCommission,
            query: &[],
            body: Some(c.of::<CreateCommission>()),
            answer: Data(201, c.of::<Commission>()),
            errors: &[413, 422],
        },
        Op {
            op: OperationId::DeleteCommission,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409, 422],
        },
        Op {
            op: OperationId::ListCommissions,
            query: CommissionQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<Commission>()),
            errors: &[],
        },
        Op {
            op: OperationId::SummarizeCommissions,
            query: viatrack_core::api::commissions::SummaryQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<viatrack_core::api::commissions::CommissionSummary>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetCommission,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Commission>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateCommission,
            query: &[],
            body: Some(c.of::<UpdateCommission>()),
            answer: Data(200, c.of::<Commission>()),
            errors: &[404, 409, 413, 422],
        },
        // Payouts.
        Op {
            op: OperationId::RunPayouts,
            query: &[],
            body: Some(c.of::<RunPayouts>()),
            answer: Data(200, c.of::<PayoutRun>()),
            errors: &[413],
        },
        Op {
            op: OperationId::ListPayouts,
            query: PayoutQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<Payout>()),
            errors: &[],
        },
        Op {
            op: OperationId::ExportPayouts,
            query: viatrack_core::api::payouts::ExportQuery::PARAMS,
            body: Option::None,
            answer: Csv("the payouts as the file the format names (UTF-8 CSV, as an attachment)"),
            errors: &[],
        },
        Op {
            op: OperationId::GetPayout,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Payout>()),
            errors: &[404],
        },
        Op {
            op: OperationId::PayPayout,
            query: &[],
            body: Some(c.of::<PayPayout>()),
            answer: Data(200, c.of::<Payout>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            op: OperationId::ProcessPayout,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Payout>()),
            errors: &[404, 409, 422],
        },
        Op {
            op: OperationId::FailPayout,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Payout>()),
            errors: &[404, 409, 422],
        },
        Op {
            op: OperationId::CancelPayout,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Payout>()),
            errors: &[404, 409, 422],
        },
        // Stats.
        Op {
            op: OperationId::GetStats,
            query: viatrack_core::api::stats::StatsQuery::PARAMS,
            body: Option::None,
            answer: Data(200, c.of::<viatrack_core::api::stats::Stats>()),
            errors: &[],
        },
        Op {
            op: OperationId::TopAffiliates,
            query: viatrack_core::api::stats::TopQuery::PARAMS,
            body: Option::None,
            answer: Data(200, c.of::<viatrack_core::api::stats::TopAffiliates>()),
            errors: &[],
        },
        // Stripe.
        Op {
            op: OperationId::ConnectStripe,
            query: &[],
            body: Some(c.of::<ConnectStripe>()),
            answer: Data(200, c.of::<StripeConnection>()),
            errors: &[413],
        },
        Op {
            op: OperationId::StripeWebhook,
            query: &[],
            body: Some(json!({"type": "object", "description": "a Stripe event"})),
            answer: Data(200, c.of::<StripeReceipt>()),
            errors: &[404, 413, 500],
        },
        // Webhook endpoints.
        Op {
            op: OperationId::CreateWebhookEndpoint,
            query: &[],
            body: Some(c.of::<CreateWebhookEndpoint>()),
            answer: Data(201, c.of::<WithSecret>()),
            errors: &[413],
        },
        Op {
            op: OperationId::ListWebhookEndpoints,
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<WebhookEndpoint>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetWebhookEndpoint,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<WebhookEndpoint>()),
            errors: &[404],
        },
        Op {
            op: OperationId::UpdateWebhookEndpoint,
            query: &[],
            body: Some(c.of::<UpdateWebhookEndpoint>()),
            answer: Data(200, c.of::<WebhookEndpoint>()),
            errors: &[404, 413],
        },
        Op {
            op: OperationId::DeleteWebhookEndpoint,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404],
        },
        Op {
            op: OperationId::RotateWebhookSecret,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<WithSecret>()),
            errors: &[404],
        },
        Op {
            op: OperationId::ListWebhookDeliveries,
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<Delivery>()),
            errors: &[404],
        },
        Op {
            op: OperationId::RetryWebhookDelivery,
            query: &[],
            body: Option::None,
            answer: Data(202, c.of::<RetryQueued>()),
            errors: &[404],
        },
        // API keys.
        Op {
            op: OperationId::CreateApiKey,
            query: &[],
            body: Some(c.of::<CreateApiKey>()),
            answer: Data(201, c.of::<CreatedApiKey>()),
            errors: &[413],
        },
        Op {
            op: OperationId::ListApiKeys,
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<ApiKey>()),
            errors: &[],
        },
        Op {
            op: OperationId::GetApiKey,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<ApiKey>()),
            errors: &[404],
        },
        Op {
            op: OperationId::RevokeApiKey,
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404],
        },
        // MCP (JSON-RPC 2.0 over Streamable HTTP; the tools are listed by `tools/list`).
        Op { op: OperationId::Mcp, query: &[], body: Some(json_rpc_message()), answer: JsonRpc, errors: &[413] },
    ]
}

/// One JSON-RPC 2.0 message, as a client posts it to `/mcp` (never a batch).
fn json_rpc_message() -> Value {
    json!({
        "type": "object", "required": ["jsonrpc"],
        "description": "One JSON-RPC 2.0 message of MCP revision 2025-11-25 (`initialize`, `ping`, `tools/list`, \
                        `tools/call`, or a notification, answered 202 without a body). Batches are refused.",
        "properties": {
            "jsonrpc": {"const": "2.0"},
            "id": {"type": ["string", "integer"]},
            "method": {"type": "string"},
            "params": {"type": "object"}
        }
    })
}

/// A JSON-RPC 2.0 response: a result or an error.
fn json_rpc_answer() -> Value {
    json!({
        "type": "object", "required": ["jsonrpc", "id"],
        "description": "The JSON-RPC response (`result`, or `error` with its code: -32700, -32600, -32601, -32602, \
                        -32603). A tool that fails answers a result with `isError: true` naming the API error code.",
        "properties": {
            "jsonrpc": {"const": "2.0"},
            "id": {"type": ["string", "integer", "null"]},
            "result": {"type": "object"},
            "error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}, "data": {}}
            }
        }
    })
}

fn success(data: Value) -> Value {
    json!({
        "type": "object", "required": ["success", "data"],
        "properties": {"success": {"const": true}, "data": data}
    })
}

fn operation(c: &mut Components, row: &Operation, op: Op) -> Value {
    let error_ref = c.of::<ErrorBody>();
    let mut responses = Map::new();
    let csv = matches!(op.answer, Answer::Csv(_));
    let json_rpc = matches!(op.answer, Answer::JsonRpc);
    let (status, body, description) = match op.answer {
        Answer::Data(status, data) => (status, Some(success(data)), "the object"),
        Answer::Page(item) => {
            let pagination = c.of::<Pagination>();
            let schema = json!({
                "type": "object", "required": ["success", "data", "pagination"],
                "properties": {"success": {"const": true}, "data": {"type": "array", "items": item}, "pagination": pagination}
            });
            (200, Some(schema), "a page, newest first")
        }
        Answer::Tracked(data) => {
            let notice = c.of::<Notice>();
            let schema = json!({
                "type": "object", "required": ["success", "data"],
                "properties": {
                    "success": {"const": true},
                    "data": {"oneOf": [data, {"type": "null"}]},
                    "notice": notice
                }
            });
            (200, Some(schema), "what was recorded, or `data: null` and a notice saying why nothing was")
        }
        Answer::Empty(status, description) => (status, Option::None, description),
        Answer::Raw(status, schema) => (status, Some(schema), "ok"),
        Answer::Csv(description) => (200, Option::None, description),
        Answer::JsonRpc => (200, Some(json_rpc_answer()), "the JSON-RPC response to the request"),
    };
    let mut ok = json!({ "description": description });
    if let Some(schema) = body {
        ok["content"] = json!({"application/json": {"schema": schema}});
    } else if csv {
        ok["content"] = json!({"text/csv": {"schema": {"type": "string"}}});
    }
    responses.insert(status.to_string(), ok);
    // Every POST that a key authenticates takes an Idempotency-Key (the Worker's
    // idempotency module): a key reused with another request is 422, one still running 409.
    let idempotent = row.method == HttpMethod::Post && matches!(row.caller, Caller::Secret(_) | Caller::Tracking);
    let mut errors: Vec<u16> = match row.caller {
        Caller::Public => vec![],
        Caller::Stripe => vec![400],
        Caller::Secret(_) | Caller::AnySecret | Caller::Tracking => vec![400, 401, 403, 429],
    };
    if idempotent {
        errors.extend_from_slice(&[409, 422]);
    }
    // Every PATCH of one object takes If-Match (the Worker's versions module).
    let conditional = row.method == HttpMethod::Patch;
    if conditional {
        errors.push(412);
    }
    errors.extend_from_slice(op.errors);
    errors.sort_unstable();
    errors.dedup();
    for e in errors {
        responses.insert(
            e.to_string(),
            json!({"description": error_meaning(e), "content": {"application/json": {"schema": error_ref}}}),
        );
    }
    if json_rpc {
        responses.insert("202".into(), json!({"description": "a notification or a response: accepted, no body"}));
        responses.insert(
            "400".into(),
            json!({
                "description": "a body that is not one JSON-RPC message (-32700, -32600: a batch, no `jsonrpc`), or an \
                                unsupported `MCP-Protocol-Version` header; or VALIDATION_ERROR",
                "content": {"application/json": {"schema": {"oneOf": [json_rpc_answer(), error_ref]}}}
            }),
        );
    }
    let mut parameters = path_params(row.path);
    for name in op.query {
        parameters.push(query_param(c, row.path, name));
    }
    if conditional {
        parameters.push(json!({
            "name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
            "description": "The `ETag` of the version read (or `*`): the change is made only if the object is still that \
                            version, else 412 and nothing is written"
        }));
    }
    if idempotent {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
            "description": "Any unique string (a UUID): the same key and request within 24 h answers the first answer again \
                            (`Idempotent-Replayed: true`); the same key with another request is 422, one still running 409"
        }));
    }
    let (security, auth_note) = match row.caller {
        Caller::Public => (json!([]), String::from("No key.")),
        Caller::Secret(scope) => (json!([{"secretKey": []}]), format!("Secret key with `{scope}`.")),
        Caller::AnySecret => (
            json!([{"secretKey": []}]),
            String::from(
                "Secret key, any scopes: `tools/list` shows the tools its scopes allow, and each tool needs the scope \
                 of the operation it runs (README: \"Use it from an AI client\").",
            ),
        ),
        Caller::Tracking => (
            json!([{"publishableKey": []}, {"secretKey": []}]),
            String::from("Publishable key from a page of a campaign's hostnames, or a secret key from a server."),
        ),
        Caller::Stripe => {
            parameters.push(json!({
                "name": "Stripe-Signature", "in": "header", "required": true, "schema": {"type": "string"},
                "description": "Stripe's `t=…,v1=…` signature of the body (5 minutes tolerance)"
            }));
            (json!([]), String::from("Stripe's signature, no key."))
        }
    };
    let mut out = json!({
        "operationId": row.id.as_str(),
        "tags": [row.tag],
        "summary": row.summary,
        "description": auth_note,
        "security": security,
        "responses": responses,
    });
    if !parameters.is_empty() {
        out["parameters"] = Value::Array(parameters);
    }
    if let Some(schema) = op.body {
        out["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": schema}}});
    }
    out
}

/// The whole document.
///
/// # Panics
///
/// When a list names a query parameter this crate has no schema for (a new filter in core
/// needs one here), or a core schema literal is not a schema.
pub fn document() -> Value {
    let mut c = Components::default();
    let mut paths = Map::new();
    // Tags in the order their first operation comes.
    let mut tags: Vec<&str> = Vec::new();
    // Every operation of the table, in its order, with what this crate says of it: an
    // operation served but not described here (or described twice, or described and not
    // served) is a panic, which the crate's tests and the build of the document hit.
    let mut described = operations(&mut c);
    for row in OPERATIONS {
        let at = described
            .iter()
            .position(|d| d.op == row.id)
            .unwrap_or_else(|| panic!("operation {} is served but not described in crates/openapi", row.id.as_str()));
        let op = described.swap_remove(at);
        assert!(
            described.iter().all(|d| d.op != row.id),
            "operation {} is described twice in crates/openapi",
            row.id.as_str()
        );
        if !tags.contains(&row.tag) {
            tags.push(row.tag);
        }
        let item = paths.entry(row.path).or_insert_with(|| json!({}));
        item[row.method.as_str()] = operation(&mut c, row, op);
    }
    assert!(described.is_empty(), "crates/openapi describes operations the table does not serve");
    let tags: Vec<Value> = tags.iter().map(|t| json!({"name": t, "description": format!("{t} routes")})).collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "viatrack API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Affiliate (referral) tracking on your own Cloudflare account: clicks, leads, sales, \
                            commissions and webhooks. Every answer is JSON: `{\"success\": true, \"data\": …}`, or \
                            `{\"success\": false, \"error\": {\"code\", \"message\", \"field\"}}` with a stable code. \
                            Generated from viatrack-core's wire types.",
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT"}
        },
        "servers": [
            {"url": "/", "description": "this Worker"},
            {"url": "/_viatrack", "description": "the Worker on a first-party route of your site (`shop.example.com/_viatrack/*`)"}
        ],
        "tags": tags,
        "paths": paths,
        "components": {
            "schemas": c.0,
            "securitySchemes": {
                "secretKey": {"type": "http", "scheme": "bearer", "bearerFormat": "sk_…",
                    "description": "A secret key (`sk_` + 40 hex), scoped (`read:`/`write:`/`delete:` per resource). Server side only."},
                "publishableKey": {"type": "http", "scheme": "bearer", "bearerFormat": "pk_…",
                    "description": "The publishable key (`pk_…`): public, tracking routes only, from the campaign's hostnames."}
            }
        }
    })
}
