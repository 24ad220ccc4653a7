//! The one table of operations (issue 23): every route the Worker serves, with its method,
//! path pattern, operation ID, who may call it, tag and summary. The Worker's router
//! dispatches from it (and answers 405 from it), its dispatcher checks the caller it names
//! before the handler runs, and the OpenAPI document (`crates/openapi`) is generated from
//! it, so an operation cannot be served undocumented or documented with another scope than
//! the one enforced. Adding an endpoint is one row here, one handler, and one arm of the
//! router's exhaustive `match` on [`OperationId`].

use super::scopes::{Access, Resource, Scope};

/// An HTTP method the API serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
    /// `OPTIONS` (CORS preflight).
    Options,
    /// Any other method (`PUT`, …): no operation has it, so a known path answers 405.
    Other,
}

impl HttpMethod {
    /// The lower-case name, as OpenAPI's path items spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "get",
            HttpMethod::Head => "head",
            HttpMethod::Post => "post",
            HttpMethod::Patch => "patch",
            HttpMethod::Delete => "delete",
            HttpMethod::Options => "options",
            HttpMethod::Other => "other",
        }
    }
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone, no key (health check, CORS preflight, link checkers).
    Public,
    /// A tracking call: the publishable key from a page (on the campaign's hostnames), or a
    /// secret key with `write:referrals` from a server.
    Tracking,
    /// A secret key holding this scope.
    Secret(Scope),
    /// A secret key, whatever its scopes: the MCP endpoint, whose tools each run one
    /// operation of this table and need that operation's scope (`api::mcp::tools`).
    AnySecret,
    /// Stripe, by the `Stripe-Signature` header checked against the connected secret.
    Stripe,
}

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// Its ID (OpenAPI `operationId`).
    pub id: OperationId,
    /// Its method.
    pub method: HttpMethod,
    /// Its path pattern, `{name}` for a path parameter (`/v1/referrals/{id}`).
    pub path: &'static str,
    /// Who may call it.
    pub caller: Caller,
    /// Its group (OpenAPI tag).
    pub tag: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
}

const fn secret(access: Access, resource: Resource) -> Caller {
    Caller::Secret(Scope { access, resource })
}

macro_rules! operations {
    ($( $variant:ident = $id:literal: $method:ident $path:literal, $caller:expr, $tag:literal, $summary:literal; )+) => {
        /// Every operation's ID: the router's exhaustive `match` makes each one have a handler.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum OperationId {
            $(
                #[doc = $summary]
                $variant,
            )+
        }

        impl OperationId {
            /// The `operationId`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(OperationId::$variant => $id,)+
                }
            }
        }

        /// Every operation, in the document's order.
        pub const OPERATIONS: &[Operation] = &[
            $(Operation { id: OperationId::$variant, method: HttpMethod::$method, path: $path, caller: $caller, tag: $tag, summary: $summary },)+
        ];
    };
}

use Access::{Delete, Read, Write};
use Caller::{AnySecret, Public, Stripe, Tracking};
use Resource::{
    Affiliates, ApiKeys, Campaigns, Commissions, Coupons, Integrations, Links, Payouts, Referrals, Stats, Webhooks,
};

operations! {
    Health = "health": Get "/healthz", Public, "Health", "Whether the Worker runs";
    HealthHead = "checkHealth": Head "/healthz", Public, "Health", "Whether the Worker runs, without a body";

    TrackClick = "trackClick": Post "/v1/track/click", Tracking, "Tracking", "Record a click through an affiliate link (once per report ID)";
    CheckTrackClick = "checkTrackClick": Head "/v1/track/click", Public, "Tracking", "Link checkers: answers 200, records nothing";
    PreflightTrackClick = "preflightTrackClick": Options "/v1/track/click", Public, "Tracking", "CORS preflight: allowed when a campaign lists the origin's host";
    TrackLead = "trackLead": Post "/v1/track/lead", Tracking, "Tracking", "Turn the visitor's click into a lead (the tracker's `convert`)";
    PreflightTrackLead = "preflightTrackLead": Options "/v1/track/lead", Public, "Tracking", "CORS preflight: allowed when a campaign lists the origin's host";
    TrackReferral = "trackReferral": Get "/v1/track/referral", Tracking, "Tracking", "The referral held in this visitor's HttpOnly cookie";
    PreflightTrackReferral = "preflightTrackReferral": Options "/v1/track/referral", Public, "Tracking", "CORS preflight: allowed when a campaign lists the origin's host";
    TrackSale = "trackSale": Post "/v1/track/sale", secret(Write, Referrals), "Tracking", "Record a sale and its commission (from the merchant's server)";
    TrackRefund = "trackRefund": Post "/v1/track/refund", secret(Write, Referrals), "Tracking", "Record a refund: commissions reduced, voided or clawed back";

    CreateReferral = "createReferral": Post "/v1/referrals", secret(Write, Referrals), "Referrals", "Create a referral";
    ListReferrals = "listReferrals": Get "/v1/referrals", secret(Read, Referrals), "Referrals", "List referrals, newest first";
    GetReferral = "getReferral": Get "/v1/referrals/{id}", secret(Read, Referrals), "Referrals", "Get a referral";
    UpdateReferral = "updateReferral": Patch "/v1/referrals/{id}", secret(Write, Referrals), "Referrals", "Update a referral (status through the transition table)";
    DeleteReferral = "deleteReferral": Delete "/v1/referrals/{id}", secret(Delete, Referrals), "Referrals", "Delete a referral";

    CreateCampaign = "createCampaign": Post "/v1/campaigns", secret(Write, Campaigns), "Campaigns", "Create a campaign";
    ListCampaigns = "listCampaigns": Get "/v1/campaigns", secret(Read, Campaigns), "Campaigns", "List campaigns";
    GetCampaign = "getCampaign": Get "/v1/campaigns/{id}", secret(Read, Campaigns), "Campaigns", "Get a campaign";
    UpdateCampaign = "updateCampaign": Patch "/v1/campaigns/{id}", secret(Write, Campaigns), "Campaigns", "Update a campaign";
    DeleteCampaign = "deleteCampaign": Delete "/v1/campaigns/{id}", secret(Delete, Campaigns), "Campaigns", "Delete a campaign no affiliate, link or referral uses";

    CreateAffiliate = "createAffiliate": Post "/v1/affiliates", secret(Write, Affiliates), "Affiliates", "Create an affiliate";
    ListAffiliates = "listAffiliates": Get "/v1/affiliates", secret(Read, Affiliates), "Affiliates", "List affiliates";
    GetAffiliate = "getAffiliate": Get "/v1/affiliates/{id}", secret(Read, Affiliates), "Affiliates", "Get an affiliate";
    UpdateAffiliate = "updateAffiliate": Patch "/v1/affiliates/{id}", secret(Write, Affiliates), "Affiliates", "Update an affiliate";
    DeleteAffiliate = "deleteAffiliate": Delete "/v1/affiliates/{id}", secret(Delete, Affiliates), "Affiliates", "Delete an affiliate no link or referral uses";

    CreateLink = "createLink": Post "/v1/links", secret(Write, Links), "Links", "Create a link (a token for `?via=`)";
    ListLinks = "listLinks": Get "/v1/links", secret(Read, Links), "Links", "List links";
    GetLink = "getLink": Get "/v1/links/{id}", secret(Read, Links), "Links", "Get a link";
    UpdateLink = "updateLink": Patch "/v1/links/{id}", secret(Write, Links), "Links", "Update a link";
    DeleteLink = "deleteLink": Delete "/v1/links/{id}", secret(Delete, Links), "Links", "Delete a link no referral uses";

    CreateCoupon = "createCoupon": Post "/v1/coupons", secret(Write, Coupons), "Coupons", "Create a coupon code for an affiliate";
    ListCoupons = "listCoupons": Get "/v1/coupons", secret(Read, Coupons), "Coupons", "List coupon codes, newest first";
    GetCoupon = "getCoupon": Get "/v1/coupons/{id}", secret(Read, Coupons), "Coupons", "Get a coupon code";
    UpdateCoupon = "updateCoupon": Patch "/v1/coupons/{id}", secret(Write, Coupons), "Coupons", "Update a coupon code (code, campaign, Stripe promotion code, archived)";
    DeleteCoupon = "deleteCoupon": Delete "/v1/coupons/{id}", secret(Delete, Coupons), "Coupons", "Delete a coupon code";

    CreateCommission = "createCommission": Post "/v1/commissions", secret(Write, Commissions), "Commissions", "Create a manual commission (a bonus, with a reason), due at once";
    ListCommissions = "listCommissions": Get "/v1/commissions", secret(Read, Commissions), "Commissions", "List commissions";
    SummarizeCommissions = "summarizeCommissions": Get "/v1/commissions/summary", secret(Read, Commissions), "Commissions", "Commissions per affiliate and currency: pending in their hold, due, paid, clawed back and voided (cents)";
    GetCommission = "getCommission": Get "/v1/commissions/{id}", secret(Read, Commissions), "Commissions", "Get a commission";
    UpdateCommission = "updateCommission": Patch "/v1/commissions/{id}", secret(Write, Commissions), "Commissions", "Mark a commission paid or voided";
    DeleteCommission = "deleteCommission": Delete "/v1/commissions/{id}", secret(Delete, Commissions), "Commissions", "Delete a pending commission in no payout (never a paid one)";

    RunPayouts = "runPayouts": Post "/v1/payouts/run", secret(Write, Payouts), "Payouts", "Make every payout due: one per affiliate and currency, at least the campaign's minimum payout";
    ListPayouts = "listPayouts": Get "/v1/payouts", secret(Read, Payouts), "Payouts", "List payouts";
    ExportPayouts = "exportPayouts": Get "/v1/payouts/export", secret(Read, Payouts), "Payouts", "The payouts as PayPal's Payouts upload file, Wise's batch payment file, or a CSV";
    GetPayout = "getPayout": Get "/v1/payouts/{id}", secret(Read, Payouts), "Payouts", "Get a payout with its commissions";
    ProcessPayout = "processPayout": Post "/v1/payouts/{id}/process", secret(Write, Payouts), "Payouts", "Mark a payout processing: its payment is on its way (a PayPal or Wise batch uploaded)";
    PayPayout = "payPayout": Post "/v1/payouts/{id}/pay", secret(Write, Payouts), "Payouts", "Mark a payout paid, and its commissions with it";
    FailPayout = "failPayout": Post "/v1/payouts/{id}/fail", secret(Write, Payouts), "Payouts", "Mark a payout failed: its commissions go to the next run";
    CancelPayout = "cancelPayout": Post "/v1/payouts/{id}/cancel", secret(Write, Payouts), "Payouts", "Cancel a payout: its commissions go to the next run";

    GetStats = "getStats": Get "/v1/stats", secret(Read, Stats), "Stats", "The funnel per affiliate, campaign, link or day: visitors, clicks, leads, conversions, revenue and commissions (cents)";
    TopAffiliates = "topAffiliates": Get "/v1/stats/top_affiliates", secret(Read, Stats), "Stats", "The affiliates ranked by revenue, conversions or commissions over a range (money in one currency)";

    ConnectStripe = "connectStripe": Post "/v1/integrations/stripe", secret(Write, Integrations), "Stripe", "Store the Stripe webhook signing secret; answers the URL to register";
    StripeWebhook = "stripeWebhook": Post "/v1/stripe/webhook/{program_id}", Stripe, "Stripe", "Stripe events (signed with the connected secret)";

    CreateWebhookEndpoint = "createWebhookEndpoint": Post "/v1/webhook_endpoints", secret(Write, Webhooks), "Webhooks", "Create a webhook endpoint (its secret is shown once)";
    ListWebhookEndpoints = "listWebhookEndpoints": Get "/v1/webhook_endpoints", secret(Read, Webhooks), "Webhooks", "List webhook endpoints";
    GetWebhookEndpoint = "getWebhookEndpoint": Get "/v1/webhook_endpoints/{id}", secret(Read, Webhooks), "Webhooks", "Get a webhook endpoint";
    UpdateWebhookEndpoint = "updateWebhookEndpoint": Patch "/v1/webhook_endpoints/{id}", secret(Write, Webhooks), "Webhooks", "Update a webhook endpoint (url, events, enabled)";
    DeleteWebhookEndpoint = "deleteWebhookEndpoint": Delete "/v1/webhook_endpoints/{id}", secret(Delete, Webhooks), "Webhooks", "Delete a webhook endpoint";
    RotateWebhookSecret = "rotateWebhookSecret": Post "/v1/webhook_endpoints/{id}/rotate_secret", secret(Write, Webhooks), "Webhooks", "Rotate the signing secret (the previous one also signs for 24 h)";
    ListWebhookDeliveries = "listWebhookDeliveries": Get "/v1/webhook_endpoints/{id}/deliveries", secret(Read, Webhooks), "Webhooks", "Every delivery attempt, newest first";
    RetryWebhookDelivery = "retryWebhookDelivery": Post "/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry", secret(Write, Webhooks), "Webhooks", "Send a delivery's event again (same webhook-id)";

    CreateApiKey = "createApiKey": Post "/v1/api_keys", secret(Write, ApiKeys), "API keys", "Create a key (shown once) with scopes the caller holds";
    ListApiKeys = "listApiKeys": Get "/v1/api_keys", secret(Read, ApiKeys), "API keys", "List active keys (never the secret)";
    GetApiKey = "getApiKey": Get "/v1/api_keys/{id}", secret(Read, ApiKeys), "API keys", "Get a key's record";
    RevokeApiKey = "revokeApiKey": Delete "/v1/api_keys/{id}", secret(Delete, ApiKeys), "API keys", "Revoke a key";

    Mcp = "mcp": Post "/mcp", AnySecret, "MCP", "Model Context Protocol (Streamable HTTP, one JSON-RPC 2.0 message per POST): the viatrack_… tools, each needing its operation's scope";
}

/// What a request's method and path name.
#[derive(Debug, PartialEq, Eq)]
pub enum Route<'p> {
    /// This operation, with its path parameters' values in the pattern's order.
    Found(&'static Operation, alloc::vec::Vec<&'p str>),
    /// Some operation has this path, none this method (405).
    MethodNotAllowed,
    /// No operation has this path (404).
    NotFound,
}

impl PartialEq for Operation {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Operation {}

/// The path parameters' values if `segments` (the path split at `/`, without the leading
/// and trailing ones) fit `pattern`.
fn fit<'p>(pattern: &str, segments: &[&'p str]) -> Option<alloc::vec::Vec<&'p str>> {
    let mut parts = pattern.trim_matches('/').split('/');
    let mut params = alloc::vec::Vec::new();
    for s in segments {
        let p = parts.next()?;
        if p.starts_with('{') && p.ends_with('}') {
            params.push(*s);
        } else if p != *s {
            return None;
        }
    }
    parts.next().is_none().then_some(params)
}

/// The operation `method` and `segments` name ([`Route`]): the first in the table that fits,
/// so a literal segment wins over a parameter listed after it (the table's test keeps the
/// more specific first).
pub fn route<'p>(method: HttpMethod, segments: &[&'p str]) -> Route<'p> {
    let mut path_known = false;
    for op in OPERATIONS {
        if let Some(params) = fit(op.path, segments) {
            if op.method == method {
                return Route::Found(op, params);
            }
            path_known = true;
        }
    }
    if path_known {
        Route::MethodNotAllowed
    } else {
        Route::NotFound
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn ids_and_method_paths_are_unique() {
        for (i, a) in OPERATIONS.iter().enumerate() {
            for b in &OPERATIONS[i + 1..] {
                assert_ne!(a.id.as_str(), b.id.as_str());
                if a.method != b.method || a.path.split('/').count() != b.path.split('/').count() {
                    continue;
                }
                let pairs = || a.path.split('/').zip(b.path.split('/'));
                let param = |x: &str| x.starts_with('{');
                // Patterns that could name the same path: the earlier one (which `route`
                // tries first) must be the more specific, a literal where the later has a
                // parameter and never the other way round (`/v1/payouts/export` before
                // `/v1/payouts/{id}`); the same shape twice is ambiguous.
                if pairs().all(|(x, y)| x == y || param(x) || param(y)) {
                    let narrower = pairs().any(|(x, y)| !param(x) && param(y));
                    let wider = pairs().any(|(x, y)| param(x) && !param(y));
                    assert!(narrower && !wider, "{} and {} overlap", a.id.as_str(), b.id.as_str());
                }
            }
        }
    }

    #[test]
    fn routes_with_parameters_405_and_404() {
        let segs = |p: &'static str| p.trim_matches('/').split('/').collect::<Vec<_>>();
        let found = |m, p| match route(m, &segs(p)) {
            Route::Found(op, params) => Some((op.id, params)),
            _ => None,
        };
        assert_eq!(found(HttpMethod::Get, "/v1/referrals"), Some((OperationId::ListReferrals, vec![])));
        assert_eq!(found(HttpMethod::Get, "/v1/referrals/ref_1"), Some((OperationId::GetReferral, vec!["ref_1"])));
        assert_eq!(
            found(HttpMethod::Post, "/v1/webhook_endpoints/whe_1/deliveries/dlv_2/retry"),
            Some((OperationId::RetryWebhookDelivery, vec!["whe_1", "dlv_2"]))
        );
        assert_eq!(found(HttpMethod::Get, "/v1/payouts/export"), Some((OperationId::ExportPayouts, vec![])));
        assert_eq!(found(HttpMethod::Get, "/v1/payouts/pay_1"), Some((OperationId::GetPayout, vec!["pay_1"])));
        assert_eq!(route(HttpMethod::Other, &segs("/v1/referrals")), Route::MethodNotAllowed);
        assert_eq!(route(HttpMethod::Delete, &segs("/v1/track/click")), Route::MethodNotAllowed);
        assert_eq!(route(HttpMethod::Get, &segs("/v1/referrals/ref_1/x")), Route::NotFound);
        assert_eq!(route(HttpMethod::Get, &segs("/v2/referrals")), Route::NotFound);
    }

    #[test]
    fn every_secret_operation_names_the_scope_of_its_method() {
        for op in OPERATIONS {
            assert_ne!(op.method, HttpMethod::Other);
            if let Caller::Secret(scope) = op.caller {
                let expected = match op.method {
                    HttpMethod::Get | HttpMethod::Head => Access::Read,
                    HttpMethod::Delete => Access::Delete,
                    _ => Access::Write,
                };
                assert_eq!(scope.access, expected, "{}", op.id.as_str());
            }
        }
    }
}
