//! viatrack's edge Worker: records clicks, turns them into leads and sales, and serves the
//! REST API over referrals, affiliates, campaigns and links. D1 is the system of record; KV
//! caches the hot look-ups (API key → program, program + token → link and campaign).
//!
//! # Layout
//!
//! * [`router`] — the one `fetch` entry: finds the operation in core's table of operations
//!   (`viatrack_core::api::operations`), answers 404/405 from it, and runs its handler
//!   through an exhaustive `match` on its ID. Adding an endpoint is one row in that table,
//!   one handler, and one arm there.
//! * [`routes`] — thin handlers, one module per resource (and [`routes::keys`] for
//!   `/v1/api_keys`): take the caller the table declares ([`auth::caller`]), parse and
//!   validate with `viatrack-core`, call a repository or a service, answer JSON.
//!   [`routes::track`] serves the tracker (click, lead) and the merchant's server (sale,
//!   refund); [`routes::stripe`] the Stripe connection and webhook; [`routes::commissions`]
//!   lists and settles commissions.
//! * [`mcp`] — `POST /mcp`, the Model Context Protocol server: JSON-RPC over Streamable
//!   HTTP; each `viatrack_…` tool runs its REST operation in-process through [`router`]
//!   (core's `api::mcp` holds the messages, the tool table and the schema derivation).
//! * [`payouts`] — the payout run service that `routes::payouts` and the Cron Trigger share.
//! * [`sales`] — the sale and refund service that `routes::track` and `routes::stripe`
//!   share: finds the referral, lets core decide the status move and the commission, writes
//!   it in one transaction with its outbox events, and dispatches them.
//! * [`webhooks`] — the outbox's dispatch, the Cron Trigger's sweep, and the Queue consumer
//!   that signs and delivers.
//! * [`repo`] — one repository per table, owning the D1 binding; parameterised SQL only,
//!   values bound through serde ([`repo::arg`]), rows deserialized straight into core's
//!   types; a multi-table write is one D1 batch (a transaction) assembled from each table's
//!   own statements. [`repo::sql`] holds the SQL that needs no binding (the referral list
//!   for the filters present), which core's native tests run on SQLite; [`repo::keys`] the
//!   API-key look-up. [`repo::StoreError`] keeps D1's error and names a broken constraint.
//! * [`crypto`] — secrets kept for a program (Stripe's signing secret), sealed with
//!   AES-256-GCM under the Worker secret `INTEGRATIONS_KEY`.
//! * [`cache`] — the KV read cache in front of the link and key look-ups; never read back
//!   for a fact just written.
//! * [`auth`] — API keys: SHA-256 hashes, constant-time comparison, kinds and scopes (the
//!   look-up itself is [`repo::keys`]).
//! * [`error`] — [`error::ApiError`], mapped to HTTP status and the core error body in
//!   exactly one place.
//! * [`http`] — the per-request context, body and query reading, CORS.
//! * [`versions`] — `ETag` on every resource, `If-Match` on `PATCH` (412 when stale).
//! * [`idempotency`] — `Idempotency-Key` on every POST: the first answer replayed for 24 h.
//! * [`limits`] — abuse limits on the Rate Limiting binding: clicks per client IP and
//!   token, leads per click, failed authentications per IP (429 with `Retry-After`).
//! * [`webhooks`] — outbound events: queued after a write commits, delivered by the queue
//!   consumer with Standard Webhooks signatures, retries and a delivery log.
//! * [`bots`] — known bot and link-preview user agents (`isbot`), which are not recorded.
//!
//! Domain rules (token syntax, the status transition table, attribution and expiry, wire
//! shapes) live in `viatrack-core`; nothing here re-decides them.

pub mod auth;
pub mod bots;
pub mod cache;
pub mod crypto;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod limits;
pub mod mcp;
pub mod payouts;
pub mod repo;
pub mod router;
pub mod routes;
pub mod sales;
pub mod versions;
pub mod webhooks;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    router::handle(req, env, ctx).await
}

#[event(queue)]
async fn queue(batch: MessageBatch<repo::webhooks::Job>, env: Env, _ctx: Context) -> Result<()> {
    webhooks::consume(batch, env).await
}

/// The Cron Trigger (`[triggers] crons` in wrangler.toml; locally `wrangler dev
/// --test-scheduled` and `GET /__scheduled`): dispatches events a request left undispatched
/// and re-sends webhook messages whose queue send was lost ([`webhooks::sweep`]) and removes what [`viatrack_core::retention`] no longer keeps.
/// On the schedule that the `PAYOUT_RUN_CRON` var names (monthly by default; `off` for none)
/// it makes every program's due payouts instead ([`payouts::run_all`]); their events go out
/// with the next sweep. A failure is logged; the next run goes on from where this one stopped.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = viatrack_core::Timestamp::from_unix_ms(worker::Date::now().as_millis() as i64);
    let payout_cron = env.var("PAYOUT_RUN_CRON").map(|v| v.to_string()).unwrap_or_default();
    if payout_cron != "off" && event.cron() == payout_cron {
        match env.d1("DB") {
            Ok(db) => match payouts::run_all(&db, now).await {
                Ok(made) => worker::console_log!("cron: payout run made {made} payouts"),
                Err(e) => worker::console_error!("cron: payout run failed: {e}"),
            },
            Err(e) => worker::console_error!("cron: payout run: no D1: {e}"),
        }
        return;
    }
    match webhooks::sweep(&env, now).await {
        Ok((0, 0)) => {}
        Ok((events, messages)) => worker::console_log!(
            "cron: {events} undispatched events dispatched, {messages} overdue webhook messages sent again"
        ),
        Err(e) => worker::console_error!("cron: webhook sweep failed: {e}"),
    }
    let cut = viatrack_core::retention::Cutoffs::at(now);
    let pruned = match env.d1("DB") {
        Ok(db) => repo::webhooks::WebhookRepo::new(&db).prune(&cut).await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match pruned {
        Ok([0, 0, 0, 0, 0]) => {}
        Ok([reports, messages, deliveries, stripe, events]) => worker::console_log!(
            "cron: removed {reports} click reports, {messages} webhook messages, {deliveries} delivery attempts, {stripe} Stripe event IDs, {events} dispatched events"
        ),
        Err(e) => worker::console_error!("cron: retention failed: {e}"),
    }
}
