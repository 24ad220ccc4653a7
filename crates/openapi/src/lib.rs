//! viatrack's OpenAPI 3.1 document, built from core's wire types.
//!
//! Layout:
//! * [`document`] — the whole document: info, servers, security schemes, paths, components.
//! * `OPS` — one row per route the Worker serves (`crates/worker/src/router.rs`): method,
//!   path, key and scope, query parameters, body, success answer and error statuses.
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
    Commission, CommissionQuery, ConnectStripe, RefundRequest, RefundResponse, StripeConnection, StripeReceipt,
    UpdateCommission,
};
use viatrack_core::api::keys::{ApiKey, CreateApiKey, CreatedApiKey};
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::api::referrals::{CreateReferral, Referral, UpdateReferral};
use viatrack_core::api::resources::{
    Affiliate, Campaign, CreateAffiliate, CreateCampaign, CreateLink, Link, UpdateAffiliate, UpdateCampaign, UpdateLink,
};
use viatrack_core::api::tracking::{
    ClickReport, ClickResponse, HeldReferral, LeadReferral, LeadRequest, SaleRequest, SaleResponse,
};
use viatrack_core::api::webhook_endpoints::{
    CreateWebhookEndpoint, Delivery, RetryQueued, UpdateWebhookEndpoint, WebhookEndpoint, WithSecret,
};
use viatrack_core::api::{Deleted, ErrorBody, Notice, Pagination};

/// Who may call a route.
#[derive(Clone, Copy)]
enum Auth {
    /// No key (health check).
    None,
    /// A secret key with this scope (`read:referrals`, …).
    Secret(&'static str),
    /// The publishable key from a page (a secret key works too, from a server).
    Publishable,
    /// Stripe's `Stripe-Signature` header, checked against the connected signing secret.
    Stripe,
}

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
}

/// One route.
struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    auth: Auth,
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
        "limit" => (json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 20}), "items per page"),
        "affiliate_id" => (id_ref, "only this affiliate's"),
        "campaign_id" => (id_ref, "only this campaign's"),
        "referral_id" => (id_ref, "only this referral's"),
        "email" => (c.of::<viatrack_core::api::fields::Email>(), "exact email (compared lower-cased)"),
        "customer_id" => (json!({"type": "string", "minLength": 1, "maxLength": 255}), "exact customer ID"),
        "status" if path == "/v1/commissions" => {
            (c.of::<viatrack_core::commission::CommissionStatus>(), "commission status")
        }
        "status" => (
            json!({"type": "string", "pattern": "^(click|lead|trialing|customer|active|canceled|rejected)(,(click|lead|trialing|customer|active|canceled|rejected))*$"}),
            "comma-separated referral statuses",
        ),
        "type" => (
            json!({"type": "string", "pattern": "^(CLICK|LEAD|CONVERSION|REJECTED|CANCELLED)(,(CLICK|LEAD|CONVERSION|REJECTED|CANCELLED))*$"}),
            "comma-separated referral types",
        ),
        "group_by" => (c.of::<viatrack_core::api::stats::GroupBy>(), "what each group is (required)"),
        "from" if path == "/v1/stats" => {
            (c.of::<viatrack_core::Timestamp>(), "the first UTC day counted is this instant's day (ISO 8601 UTC)")
        }
        "to" if path == "/v1/stats" => {
            (c.of::<viatrack_core::Timestamp>(), "the last UTC day counted is this instant's day; not before `from`")
        }
        "from" => (c.of::<viatrack_core::Timestamp>(), "created at or after (ISO 8601 UTC)"),
        "to" => (c.of::<viatrack_core::Timestamp>(), "created at or before (ISO 8601 UTC); not before `from`"),
        other => panic!("query parameter `{other}` of {path} has no schema in crates/openapi"),
    };
    json!({"name": name, "in": "query", "required": name == "group_by", "schema": schema, "description": description})
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
    use Auth::*;
    const LIST: &[&str] = &["page", "limit"];
    vec![
        Op {
            method: "get",
            path: "/healthz",
            id: "health",
            tag: "Health",
            summary: "Whether the Worker runs",
            auth: None,
            query: &[],
            body: Option::None,
            answer: Raw(200, json!({"type": "object", "required": ["ok"], "properties": {"ok": {"const": true}}})),
            errors: &[],
        },
        // Tracking (the browser tracker and the merchant's server).
        Op {
            method: "post",
            path: "/v1/track/click",
            id: "trackClick",
            tag: "Tracking",
            summary: "Record a click through an affiliate link (once per report ID)",
            auth: Publishable,
            query: &[],
            body: Some(c.of::<ClickReport>()),
            answer: Tracked(c.of::<ClickResponse>()),
            errors: &[404, 413],
        },
        Op {
            method: "head",
            path: "/v1/track/click",
            id: "checkTrackClick",
            tag: "Tracking",
            summary: "Link checkers: answers 200, records nothing",
            auth: None,
            query: &[],
            body: Option::None,
            answer: Empty(200, "nothing recorded"),
            errors: &[],
        },
        Op {
            method: "options",
            path: "/v1/track/click",
            id: "preflightTrackClick",
            tag: "Tracking",
            summary: "CORS preflight: allowed when a campaign lists the origin's host",
            auth: None,
            query: &[],
            body: Option::None,
            answer: Empty(204, "the origin may call the tracking routes"),
            errors: &[403],
        },
        Op {
            method: "post",
            path: "/v1/track/lead",
            id: "trackLead",
            tag: "Tracking",
            summary: "Turn the visitor's click into a lead (the tracker's `convert`)",
            auth: Publishable,
            query: &[],
            body: Some(c.of::<LeadRequest>()),
            answer: Tracked(c.of::<LeadReferral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "get",
            path: "/v1/track/referral",
            id: "trackReferral",
            tag: "Tracking",
            summary: "The referral held in this visitor's HttpOnly cookie",
            auth: Publishable,
            query: &[],
            body: Option::None,
            answer: Tracked(c.of::<HeldReferral>()),
            errors: &[],
        },
        Op {
            method: "post",
            path: "/v1/track/sale",
            id: "trackSale",
            tag: "Tracking",
            summary: "Record a sale and its commission (from the merchant's server)",
            auth: Secret("write:referrals"),
            query: &[],
            body: Some(c.of::<SaleRequest>()),
            answer: Data(200, c.of::<SaleResponse>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "post",
            path: "/v1/track/refund",
            id: "trackRefund",
            tag: "Tracking",
            summary: "Record a refund: commissions reduced, voided or clawed back",
            auth: Secret("write:referrals"),
            query: &[],
            body: Some(c.of::<RefundRequest>()),
            answer: Data(200, c.of::<RefundResponse>()),
            errors: &[404, 409, 413],
        },
        // Referrals.
        Op {
            method: "post",
            path: "/v1/referrals",
            id: "createReferral",
            tag: "Referrals",
            summary: "Create a referral",
            auth: Secret("write:referrals"),
            query: &[],
            body: Some(c.of::<CreateReferral>()),
            answer: Data(201, c.of::<Referral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "get",
            path: "/v1/referrals",
            id: "listReferrals",
            tag: "Referrals",
            summary: "List referrals, newest first",
            auth: Secret("read:referrals"),
            query: ReferralQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<Referral>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/referrals/{id}",
            id: "getReferral",
            tag: "Referrals",
            summary: "Get a referral",
            auth: Secret("read:referrals"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Referral>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/referrals/{id}",
            id: "updateReferral",
            tag: "Referrals",
            summary: "Update a referral (status through the transition table)",
            auth: Secret("write:referrals"),
            query: &[],
            body: Some(c.of::<UpdateReferral>()),
            answer: Data(200, c.of::<Referral>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "delete",
            path: "/v1/referrals/{id}",
            id: "deleteReferral",
            tag: "Referrals",
            summary: "Delete a referral",
            auth: Secret("delete:referrals"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Campaigns.
        Op {
            method: "post",
            path: "/v1/campaigns",
            id: "createCampaign",
            tag: "Campaigns",
            summary: "Create a campaign",
            auth: Secret("write:campaigns"),
            query: &[],
            body: Some(c.of::<CreateCampaign>()),
            answer: Data(201, c.of::<Campaign>()),
            errors: &[409, 413],
        },
        Op {
            method: "get",
            path: "/v1/campaigns",
            id: "listCampaigns",
            tag: "Campaigns",
            summary: "List campaigns",
            auth: Secret("read:campaigns"),
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<Campaign>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/campaigns/{id}",
            id: "getCampaign",
            tag: "Campaigns",
            summary: "Get a campaign",
            auth: Secret("read:campaigns"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Campaign>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/campaigns/{id}",
            id: "updateCampaign",
            tag: "Campaigns",
            summary: "Update a campaign",
            auth: Secret("write:campaigns"),
            query: &[],
            body: Some(c.of::<UpdateCampaign>()),
            answer: Data(200, c.of::<Campaign>()),
            errors: &[404, 409, 413],
        },
        Op {
            method: "delete",
            path: "/v1/campaigns/{id}",
            id: "deleteCampaign",
            tag: "Campaigns",
            summary: "Delete a campaign no affiliate, link or referral uses",
            auth: Secret("delete:campaigns"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Affiliates.
        Op {
            method: "post",
            path: "/v1/affiliates",
            id: "createAffiliate",
            tag: "Affiliates",
            summary: "Create an affiliate",
            auth: Secret("write:affiliates"),
            query: &[],
            body: Some(c.of::<CreateAffiliate>()),
            answer: Data(201, c.of::<Affiliate>()),
            errors: &[404, 409, 413],
        },
        Op {
            method: "get",
            path: "/v1/affiliates",
            id: "listAffiliates",
            tag: "Affiliates",
            summary: "List affiliates",
            auth: Secret("read:affiliates"),
            query: &["page", "limit", "campaign_id"],
            body: Option::None,
            answer: Page(c.of::<Affiliate>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/affiliates/{id}",
            id: "getAffiliate",
            tag: "Affiliates",
            summary: "Get an affiliate",
            auth: Secret("read:affiliates"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Affiliate>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/affiliates/{id}",
            id: "updateAffiliate",
            tag: "Affiliates",
            summary: "Update an affiliate",
            auth: Secret("write:affiliates"),
            query: &[],
            body: Some(c.of::<UpdateAffiliate>()),
            answer: Data(200, c.of::<Affiliate>()),
            errors: &[404, 409, 413],
        },
        Op {
            method: "delete",
            path: "/v1/affiliates/{id}",
            id: "deleteAffiliate",
            tag: "Affiliates",
            summary: "Delete an affiliate no link or referral uses",
            auth: Secret("delete:affiliates"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Links.
        Op {
            method: "post",
            path: "/v1/links",
            id: "createLink",
            tag: "Links",
            summary: "Create a link (a token for `?via=`)",
            auth: Secret("write:links"),
            query: &[],
            body: Some(c.of::<CreateLink>()),
            answer: Data(201, c.of::<Link>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "get",
            path: "/v1/links",
            id: "listLinks",
            tag: "Links",
            summary: "List links",
            auth: Secret("read:links"),
            query: &["page", "limit", "affiliate_id", "campaign_id"],
            body: Option::None,
            answer: Page(c.of::<Link>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/links/{id}",
            id: "getLink",
            tag: "Links",
            summary: "Get a link",
            auth: Secret("read:links"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Link>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/links/{id}",
            id: "updateLink",
            tag: "Links",
            summary: "Update a link",
            auth: Secret("write:links"),
            query: &[],
            body: Some(c.of::<UpdateLink>()),
            answer: Data(200, c.of::<Link>()),
            errors: &[404, 409, 413, 422],
        },
        Op {
            method: "delete",
            path: "/v1/links/{id}",
            id: "deleteLink",
            tag: "Links",
            summary: "Delete a link no referral uses",
            auth: Secret("delete:links"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404, 409],
        },
        // Commissions.
        Op {
            method: "get",
            path: "/v1/commissions",
            id: "listCommissions",
            tag: "Commissions",
            summary: "List commissions",
            auth: Secret("read:commissions"),
            query: CommissionQuery::PARAMS,
            body: Option::None,
            answer: Page(c.of::<Commission>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/commissions/{id}",
            id: "getCommission",
            tag: "Commissions",
            summary: "Get a commission",
            auth: Secret("read:commissions"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Commission>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/commissions/{id}",
            id: "updateCommission",
            tag: "Commissions",
            summary: "Mark a commission paid or voided",
            auth: Secret("write:commissions"),
            query: &[],
            body: Some(c.of::<UpdateCommission>()),
            answer: Data(200, c.of::<Commission>()),
            errors: &[404, 409, 413, 422],
        },
        // Stats.
        Op {
            method: "get",
            path: "/v1/stats",
            id: "getStats",
            tag: "Stats",
            summary: "The funnel per affiliate, campaign, link or day: visitors, clicks, leads, conversions, \
                      revenue and commissions (cents)",
            auth: Secret("read:stats"),
            query: viatrack_core::api::stats::StatsQuery::PARAMS,
            body: Option::None,
            answer: Data(200, c.of::<viatrack_core::api::stats::Stats>()),
            errors: &[],
        },
        // Stripe.
        Op {
            method: "post",
            path: "/v1/integrations/stripe",
            id: "connectStripe",
            tag: "Stripe",
            summary: "Store the Stripe webhook signing secret; answers the URL to register",
            auth: Secret("write:integrations"),
            query: &[],
            body: Some(c.of::<ConnectStripe>()),
            answer: Data(200, c.of::<StripeConnection>()),
            errors: &[413],
        },
        Op {
            method: "post",
            path: "/v1/stripe/webhook/{program_id}",
            id: "stripeWebhook",
            tag: "Stripe",
            summary: "Stripe events (signed with the connected secret)",
            auth: Stripe,
            query: &[],
            body: Some(json!({"type": "object", "description": "a Stripe event"})),
            answer: Data(200, c.of::<StripeReceipt>()),
            errors: &[404, 413, 500],
        },
        // Webhook endpoints.
        Op {
            method: "post",
            path: "/v1/webhook_endpoints",
            id: "createWebhookEndpoint",
            tag: "Webhooks",
            summary: "Create a webhook endpoint (its secret is shown once)",
            auth: Secret("write:webhooks"),
            query: &[],
            body: Some(c.of::<CreateWebhookEndpoint>()),
            answer: Data(201, c.of::<WithSecret>()),
            errors: &[413],
        },
        Op {
            method: "get",
            path: "/v1/webhook_endpoints",
            id: "listWebhookEndpoints",
            tag: "Webhooks",
            summary: "List webhook endpoints",
            auth: Secret("read:webhooks"),
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<WebhookEndpoint>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/webhook_endpoints/{id}",
            id: "getWebhookEndpoint",
            tag: "Webhooks",
            summary: "Get a webhook endpoint",
            auth: Secret("read:webhooks"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<WebhookEndpoint>()),
            errors: &[404],
        },
        Op {
            method: "patch",
            path: "/v1/webhook_endpoints/{id}",
            id: "updateWebhookEndpoint",
            tag: "Webhooks",
            summary: "Update a webhook endpoint (url, events, enabled)",
            auth: Secret("write:webhooks"),
            query: &[],
            body: Some(c.of::<UpdateWebhookEndpoint>()),
            answer: Data(200, c.of::<WebhookEndpoint>()),
            errors: &[404, 413],
        },
        Op {
            method: "delete",
            path: "/v1/webhook_endpoints/{id}",
            id: "deleteWebhookEndpoint",
            tag: "Webhooks",
            summary: "Delete a webhook endpoint",
            auth: Secret("delete:webhooks"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404],
        },
        Op {
            method: "post",
            path: "/v1/webhook_endpoints/{id}/rotate_secret",
            id: "rotateWebhookSecret",
            tag: "Webhooks",
            summary: "Rotate the signing secret (the previous one also signs for 24 h)",
            auth: Secret("write:webhooks"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<WithSecret>()),
            errors: &[404],
        },
        Op {
            method: "get",
            path: "/v1/webhook_endpoints/{id}/deliveries",
            id: "listWebhookDeliveries",
            tag: "Webhooks",
            summary: "Every delivery attempt, newest first",
            auth: Secret("read:webhooks"),
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<Delivery>()),
            errors: &[404],
        },
        Op {
            method: "post",
            path: "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry",
            id: "retryWebhookDelivery",
            tag: "Webhooks",
            summary: "Send a delivery's event again (same webhook-id)",
            auth: Secret("write:webhooks"),
            query: &[],
            body: Option::None,
            answer: Data(202, c.of::<RetryQueued>()),
            errors: &[404],
        },
        // API keys.
        Op {
            method: "post",
            path: "/v1/api_keys",
            id: "createApiKey",
            tag: "API keys",
            summary: "Create a key (shown once) with scopes the caller holds",
            auth: Secret("write:api_keys"),
            query: &[],
            body: Some(c.of::<CreateApiKey>()),
            answer: Data(201, c.of::<CreatedApiKey>()),
            errors: &[413],
        },
        Op {
            method: "get",
            path: "/v1/api_keys",
            id: "listApiKeys",
            tag: "API keys",
            summary: "List active keys (never the secret)",
            auth: Secret("read:api_keys"),
            query: LIST,
            body: Option::None,
            answer: Page(c.of::<ApiKey>()),
            errors: &[],
        },
        Op {
            method: "get",
            path: "/v1/api_keys/{id}",
            id: "getApiKey",
            tag: "API keys",
            summary: "Get a key's record",
            auth: Secret("read:api_keys"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<ApiKey>()),
            errors: &[404],
        },
        Op {
            method: "delete",
            path: "/v1/api_keys/{id}",
            id: "revokeApiKey",
            tag: "API keys",
            summary: "Revoke a key",
            auth: Secret("delete:api_keys"),
            query: &[],
            body: Option::None,
            answer: Data(200, c.of::<Deleted>()),
            errors: &[404],
        },
    ]
}

fn success(data: Value) -> Value {
    json!({
        "type": "object", "required": ["success", "data"],
        "properties": {"success": {"const": true}, "data": data}
    })
}

fn operation(c: &mut Components, op: Op) -> Value {
    let error_ref = c.of::<ErrorBody>();
    let mut responses = Map::new();
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
    };
    let mut ok = json!({ "description": description });
    if let Some(schema) = body {
        ok["content"] = json!({"application/json": {"schema": schema}});
    }
    responses.insert(status.to_string(), ok);
    // Every POST that a key authenticates takes an Idempotency-Key (the Worker's
    // idempotency module): a key reused with another request is 422, one still running 409.
    let idempotent = op.method == "post" && matches!(op.auth, Auth::Secret(_) | Auth::Publishable);
    let mut errors: Vec<u16> = match op.auth {
        Auth::None => vec![],
        Auth::Stripe => vec![400],
        Auth::Secret(_) | Auth::Publishable => vec![400, 401, 403, 429],
    };
    if idempotent {
        errors.extend_from_slice(&[409, 422]);
    }
    // Every PATCH of one object takes If-Match (the Worker's versions module).
    let conditional = op.method == "patch";
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
    let mut parameters = path_params(op.path);
    for name in op.query {
        parameters.push(query_param(c, op.path, name));
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
    let (security, auth_note) = match op.auth {
        Auth::None => (json!([]), String::from("No key.")),
        Auth::Secret(scope) => (json!([{"secretKey": []}]), format!("Secret key with `{scope}`.")),
        Auth::Publishable => (
            json!([{"publishableKey": []}, {"secretKey": []}]),
            String::from("Publishable key from a page of a campaign's hostnames, or a secret key from a server."),
        ),
        Auth::Stripe => {
            parameters.push(json!({
                "name": "Stripe-Signature", "in": "header", "required": true, "schema": {"type": "string"},
                "description": "Stripe's `t=…,v1=…` signature of the body (5 minutes tolerance)"
            }));
            (json!([]), String::from("Stripe's signature, no key."))
        }
    };
    let mut out = json!({
        "operationId": op.id,
        "tags": [op.tag],
        "summary": op.summary,
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
    for op in operations(&mut c) {
        if !tags.contains(&op.tag) {
            tags.push(op.tag);
        }
        let item = paths.entry(op.path).or_insert_with(|| json!({}));
        let method = op.method;
        let value = operation(&mut c, op);
        item[method] = value;
    }
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
