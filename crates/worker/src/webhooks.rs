//! Outbound webhooks ([`viatrack_core::webhooks`]). A write stores its events in its own
//! batch (the outbox, [`crate::repo::outbox`]); [`dispatch`] runs after the commit and turns
//! them into one message per subscribed endpoint (the body itself is kept in D1, so every
//! attempt sends the same bytes under the same `webhook-id`) and queue sends; [`sweep`], the
//! Cron Trigger's part, dispatches what a request could not and re-sends what the Queue lost;
//! [`consume`] is the queue consumer that signs and delivers, logs each attempt, and retries
//! with backoff (the message goes back to the queue with a delay) until [`MAX_ATTEMPTS`],
//! after which it is kept as a dead letter (`state = 'dead'`).

use crate::crypto;
use crate::http::Ctx;
use crate::repo::commissions::CommissionRepo;
use crate::repo::outbox::{Event, OutboxRepo, Undispatched};
use crate::repo::payouts::PayoutRepo;
use crate::repo::referrals::ReferralRepo;
use crate::repo::sales::SaleRepo;
use crate::repo::webhooks::{Attempt, Job, WebhookRepo};
use std::time::Duration;
use viatrack_core::api::webhook_endpoints::EventBody;
use viatrack_core::outbox::EventObject;
use viatrack_core::retention::SWEEP_AFTER_SECONDS;
use viatrack_core::webhooks::{
    check_url, retry_delay, secret_key, signature_header, EventType, MessageState, UrlRefusal, MAX_ATTEMPTS,
};
use viatrack_core::{EventId, ProgramId, Timestamp};
use worker::{
    AbortController, D1Database, Delay, Env, Fetch, Headers, MessageBatch, MessageExt, Method,
    QueueRetryOptionsBuilder, Request, RequestInit, RequestRedirect,
};

/// How long an endpoint has to answer, in seconds.
pub const TIMEOUT_SECONDS: u64 = 10;

/// Dispatches the events a write committed (its [`crate::repo::outbox::Committed`]`.events`):
/// renders each body from the data the write's batch read, stores one message per enabled
/// endpoint that takes the event, and sends them to the Queue. A failure here is logged and
/// never fails the request, whose write and events stand: the Cron Trigger's [`sweep`]
/// dispatches an event left undispatched, and re-sends a message whose send failed.
pub async fn dispatch(ctx: &Ctx, program: &ProgramId, events: Vec<Event>) {
    if events.is_empty() {
        return;
    }
    // A test-only switch (honoured only with LOCAL_DEV): the request ends right after its
    // commit, as a Worker killed there would, and leaves its events to the Cron Trigger.
    if flag(&ctx.env, "LOCAL_DEV") && flag(&ctx.env, "TEST_AFTER_COMMIT_FAILS") {
        worker::console_error!("{} events stored, not dispatched (TEST_AFTER_COMMIT_FAILS)", events.len());
        return;
    }
    let rendered: Vec<_> = events.iter().map(|e| (e.planned.id.clone(), e.planned.event_type, &e.data)).collect();
    if let Err(e) = send_events(&ctx.env, &ctx.db, program, &rendered, ctx.now, ctx.now).await {
        worker::console_error!("{} events stored, not dispatched yet (the Cron Trigger will): {e}", events.len());
    }
}

/// Renders the bodies (`timestamp` = `at`, when the events happened), dispatches them
/// ([`OutboxRepo::dispatch`]) and sends the new messages to the Queue.
async fn send_events(
    env: &Env,
    db: &D1Database,
    program: &ProgramId,
    events: &[(EventId, EventType, &serde_json::Value)],
    at: Timestamp,
    now: Timestamp,
) -> Result<usize, String> {
    let mut rendered = Vec::with_capacity(events.len());
    for (id, event_type, data) in events {
        let body = serde_json::to_string(&EventBody { event_type: *event_type, timestamp: at, data: *data })
            .map_err(|e| e.to_string())?;
        rendered.push((id.clone(), *event_type, body));
    }
    let jobs = OutboxRepo::new(db).dispatch(program, &rendered, now).await.map_err(|e| e.to_string())?;
    // The messages are stored: from here on, a failed send is recovered by the Cron
    // Trigger's sweep, which re-sends pending messages past due.
    if flag(env, "LOCAL_DEV") && flag(env, "TEST_QUEUE_SEND_FAILS") {
        return Err("queue send refused (TEST_QUEUE_SEND_FAILS, local development only)".into());
    }
    let queue = env.queue("WEBHOOKS").map_err(|e| e.to_string())?;
    for job in &jobs {
        queue.send(job).await.map_err(|e| e.to_string())?;
    }
    Ok(jobs.len())
}

/// The data of an undispatched event as its resource is now (the write's own snapshot was
/// not rendered: the request ended before its dispatch), or `None` when the resource is gone.
async fn current_data(db: &D1Database, e: &Undispatched, now: Timestamp) -> Result<Option<serde_json::Value>, String> {
    let bad = |_| format!("event {} names a malformed resource", e.id);
    let value = match e.event_type.object() {
        EventObject::Referral => {
            let id = e.resource_id.parse().map_err(bad)?;
            ReferralRepo::new(db).get(&e.program_id, &id).await.map(|r| r.map(serde_json::to_value))
        }
        EventObject::Sale => {
            let id = e.resource_id.parse().map_err(bad)?;
            SaleRepo::new(db).get(&e.program_id, &id).await.map(|r| r.map(serde_json::to_value))
        }
        EventObject::Commission => {
            let id = e.resource_id.parse().map_err(bad)?;
            CommissionRepo::new(db).get(&e.program_id, &id, now).await.map(|r| r.map(serde_json::to_value))
        }
        EventObject::Payout => {
            let id = e.resource_id.parse().map_err(bad)?;
            PayoutRepo::new(db).get(&e.program_id, &id, now).await.map(|r| r.map(serde_json::to_value))
        }
        EventObject::Coupon => {
            let id = e.resource_id.parse().map_err(bad)?;
            crate::repo::coupons::CouponRepo::new(db).get(&e.program_id, &id).await.map(|r| r.map(serde_json::to_value))
        }
    }
    .map_err(|e| e.to_string())?;
    value.transpose().map_err(|e| e.to_string())
}

/// [`check_url`] with this Worker's own hosts and mode: besides `own_origin` (the request's
/// origin, `""` at delivery), the hostnames in the `WORKER_HOSTS` var, comma-separated (its
/// `workers.dev` name and every first-party route's host, e.g.
/// `viatrack.acme.workers.dev,shop.example.com`), and loopback over `http` only with
/// `LOCAL_DEV`. Used at creation and at every delivery.
///
/// # Errors
///
/// [`UrlRefusal`].
pub fn endpoint_url(env: &Env, raw: &str, own_origin: &str) -> Result<worker::Url, UrlRefusal> {
    let hosts = env.var("WORKER_HOSTS").map(|v| v.to_string()).unwrap_or_default();
    let hosts: Vec<&str> = hosts.split(',').map(str::trim).filter(|h| !h.is_empty()).collect();
    check_url(raw, own_origin, &hosts, flag(env, "LOCAL_DEV"))
}

/// Whether the var `name` is `"true"`.
fn flag(env: &Env, name: &str) -> bool {
    env.var(name).is_ok_and(|v| v.to_string() == "true")
}

/// The Cron Trigger's webhook work, at most 100 of each per run:
///
/// 1. dispatches every event still undispatched [`SWEEP_AFTER_SECONDS`] (or the
///    `WEBHOOK_SWEEP_AFTER_SECONDS` var) after its write (the request ended between its
///    commit and its dispatch), with its resource's data as it is now;
/// 2. sends again every pending message whose attempt is overdue by as long: its queue send
///    failed, or the Queue lost it.
///
/// Returns how many events and messages.
///
/// # Errors
///
/// Storage or queue failure: what was not marked is tried again by the next run.
pub async fn sweep(env: &Env, now: Timestamp) -> Result<(usize, usize), String> {
    let after = env
        .var("WEBHOOK_SWEEP_AFTER_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse::<u32>().ok())
        .unwrap_or(SWEEP_AFTER_SECONDS);
    let before = now.plus_ms(-i64::from(after) * 1000);
    let db = env.d1("DB").map_err(|e| e.to_string())?;
    let outbox = OutboxRepo::new(&db);
    let events = outbox.undispatched(before, 100).await.map_err(|e| e.to_string())?;
    for e in &events {
        match current_data(&db, e, now).await? {
            Some(data) => {
                send_events(env, &db, &e.program_id, &[(e.id.clone(), e.event_type, &data)], e.created_at, now).await?;
            }
            None => {
                worker::console_log!("event {} ({}): its resource is gone; nothing to deliver", e.id, e.event_type);
                outbox.discard(&e.program_id, &e.id, now).await.map_err(|e| e.to_string())?;
            }
        }
    }
    let repo = WebhookRepo::new(&db);
    let jobs = repo.overdue(before, 100).await.map_err(|e| e.to_string())?;
    if !jobs.is_empty() {
        let queue = env.queue("WEBHOOKS").map_err(|e| e.to_string())?;
        for job in &jobs {
            queue.send(job).await.map_err(|e| e.to_string())?;
        }
        repo.resent(&jobs, now).await.map_err(|e| e.to_string())?;
    }
    Ok((events.len(), jobs.len()))
}

/// Puts a job (back) on the queue: a manual retry.
///
/// # Errors
///
/// The queue binding is missing or refuses the message.
pub async fn requeue(env: &Env, job: &Job) -> worker::Result<()> {
    env.queue("WEBHOOKS")?.send(job).await
}

/// What to do with a queue message after an attempt.
enum Next {
    /// Delivered, dead, or nothing to deliver: acknowledge.
    Done,
    /// Send again after this many seconds.
    Retry(u32),
}

/// The queue consumer: one delivery attempt per message.
///
/// # Errors
///
/// Only when the batch cannot be read; each message's own failure retries that message.
pub async fn consume(batch: MessageBatch<Job>, env: Env) -> worker::Result<()> {
    let base = env.var("WEBHOOK_RETRY_BASE_SECONDS").ok().and_then(|v| v.to_string().parse().ok()).unwrap_or(10);
    for message in batch.messages()? {
        match deliver(&env, message.body(), base).await {
            Ok(Next::Done) => message.ack(),
            Ok(Next::Retry(delay)) => {
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(delay).build());
            }
            Err(e) => {
                // Our own failure (storage): no delivery attempt is counted (the attempt
                // counter lives in D1 and moves only with a logged attempt); the Queue's own
                // retries, one base delay apart, carry the message until storage is back.
                // Should they run out (100, then the dead-letter queue), D1 still says
                // `pending` and the Cron Trigger's sweep sends it again.
                worker::console_error!("webhook delivery not logged, retried: {e}");
                message.retry_with_options(&QueueRetryOptionsBuilder::new().with_delay_seconds(base).build());
            }
        }
    }
    Ok(())
}

async fn deliver(env: &Env, job: &Job, base: u32) -> Result<Next, String> {
    let db = env.d1("DB").map_err(|e| e.to_string())?;
    let repo = WebhookRepo::new(&db);
    let Some(out) = repo.outgoing(job).await.map_err(|e| e.to_string())? else { return Ok(Next::Done) };
    if out.state != MessageState::Pending || !out.enabled {
        return Ok(Next::Done);
    }
    let now = Timestamp::from_unix_ms(worker::Date::now().as_millis() as i64);
    // A second queue message for a message whose next attempt is not yet due (the sweep
    // re-sent one that the Queue then delivered late): the due one will come.
    if out.due_at.is_some_and(|due| due.unix_ms() > now.unix_ms() + 30_000) {
        return Ok(Next::Done);
    }
    let attempt = out.attempts + 1;
    let mut keys = Vec::new();
    for (sealed, valid) in [
        (Some(&out.secret), true),
        (out.previous_secret.as_ref(), out.previous_secret_expires_at.is_some_and(|t| t > now)),
    ] {
        if let (Some(sealed), true) = (sealed, valid) {
            let secret = crypto::open(env, &out.program_id, sealed).map_err(|e| format!("{e:?}"))?;
            keys.push(secret_key(&secret).ok_or("a stored secret is not whsec_ + base64")?);
        }
    }
    let started = worker::Date::now().as_millis();
    let (status_code, error) = match endpoint_url(env, &out.url, "") {
        Err(refused) => (None, Some(format!("url refused: {refused}"))),
        Ok(_) => send(&out.url, job, &keys, now.unix_seconds(), &out.body).await,
    };
    let duration_ms = u32::try_from(worker::Date::now().as_millis().saturating_sub(started)).unwrap_or(u32::MAX);
    let delivered = status_code.is_some_and(|c| (200..300).contains(&c));
    let next = match (delivered, retry_delay(attempt, base)) {
        (true, _) => (MessageState::Delivered, Next::Done),
        (false, Some(delay)) => (MessageState::Pending, Next::Retry(delay)),
        (false, None) => (MessageState::Dead, Next::Done),
    };
    let due_at = match next.1 {
        Next::Retry(delay) => Some(now.plus_ms(i64::from(delay) * 1000)),
        Next::Done => None,
    };
    let logged = Attempt { attempt, status_code, duration_ms, error: error.as_deref(), state: next.0, due_at };
    repo.attempted(&out.program_id, job, out.event_type, &logged, now).await.map_err(|e| e.to_string())?;
    debug_assert!(attempt <= MAX_ATTEMPTS || next.0 == MessageState::Dead || delivered);
    Ok(next.1)
}

/// One POST with the Standard Webhooks headers, cut off after [`TIMEOUT_SECONDS`]. The answer's
/// body is not read.
async fn send(url: &str, job: &Job, keys: &[Vec<u8>], timestamp: i64, body: &str) -> (Option<u16>, Option<String>) {
    let headers = Headers::new();
    let signature = signature_header(keys, job.event_id.as_str(), timestamp, body);
    for (name, value) in [
        ("content-type", "application/json"),
        ("user-agent", "viatrack-webhooks/1"),
        ("webhook-id", job.event_id.as_str()),
        ("webhook-timestamp", &timestamp.to_string()),
        ("webhook-signature", &signature),
    ] {
        if headers.set(name, value).is_err() {
            return (None, Some("could not build the request".into()));
        }
    }
    let mut init = RequestInit::new();
    // A redirect is a failed attempt, never followed: a public URL answering 3xx to an
    // internal one must not make the Worker call it (check_url judged only the first URL).
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(body.into()))
        .with_redirect(RequestRedirect::Manual);
    let Ok(request) = Request::new_with_init(url, &init) else {
        return (None, Some("could not build the request".into()));
    };
    let controller = AbortController::default();
    let signal = controller.signal();
    worker::wasm_bindgen_futures::spawn_local(async move {
        Delay::from(Duration::from_secs(TIMEOUT_SECONDS)).await;
        controller.abort();
    });
    match Fetch::Request(request).send_with_signal(&signal).await {
        Ok(resp) => {
            let code = resp.status_code();
            let error = match code {
                200..=299 => None,
                300..=399 => Some(format!("HTTP {code}: redirect not followed")),
                _ => Some(format!("HTTP {code}")),
            };
            (Some(code), error)
        }
        Err(_) if signal.aborted() => (None, Some(format!("timeout after {TIMEOUT_SECONDS} s"))),
        Err(_) => (None, Some("connection failed".into())),
    }
}
