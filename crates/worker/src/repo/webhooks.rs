//! `webhook_endpoints`, `webhook_messages` and `webhook_deliveries`: where a program's events
//! go, each event's body per endpoint, and every delivery attempt.

use super::{all, batch, first, run, stmt, Count, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::query::Paging;
use viatrack_core::api::webhook_endpoints::{Delivery, Events, WebhookEndpoint};
use viatrack_core::retention::{Cutoffs, BATCH};
use viatrack_core::webhooks::{EventType, MessageState};
use viatrack_core::{DeliveryId, EventId, ProgramId, Timestamp, WebhookEndpointId};
use worker::D1Database;

/// Webhook storage of programs, through one D1 binding.
pub struct WebhookRepo<'a> {
    db: &'a D1Database,
}

#[derive(Deserialize)]
struct EndpointRow {
    id: WebhookEndpointId,
    url: String,
    events: String,
    #[serde(deserialize_with = "super::flag")]
    enabled: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<EndpointRow> for WebhookEndpoint {
    fn from(r: EndpointRow) -> Self {
        WebhookEndpoint {
            id: r.id,
            url: r.url,
            events: Events::from_stored(&r.events).as_slice().to_vec(),
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const ENDPOINT: &str = "SELECT id, url, events, enabled, created_at, updated_at FROM webhook_endpoints";

/// What a delivery needs: the endpoint's URL, sealed secrets and the message.
#[derive(Debug, Deserialize)]
pub struct Outgoing {
    /// The endpoint's program.
    pub program_id: ProgramId,
    /// Where to POST.
    pub url: String,
    /// Whether the endpoint still sends.
    #[serde(deserialize_with = "super::flag")]
    pub enabled: bool,
    /// The sealed current secret.
    pub secret: String,
    /// The sealed previous secret, during a rotation.
    pub previous_secret: Option<String>,
    /// Until when the previous secret signs.
    pub previous_secret_expires_at: Option<Timestamp>,
    /// The event type.
    pub event_type: EventType,
    /// The body to send, the same bytes on every attempt.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Where the message is.
    pub state: MessageState,
    /// When the next attempt of a pending message is due (a queue message arriving earlier
    /// is a duplicate).
    pub due_at: Option<Timestamp>,
}

/// The queue message: which event goes to which endpoint (the body stays in D1).
#[derive(Debug, Clone, serde::Serialize, Deserialize)]
pub struct Job {
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// The event (`webhook-id`).
    pub event_id: EventId,
}

/// A delivery attempt to log.
pub struct Attempt<'a> {
    /// The attempt's number, from 1.
    pub attempt: u32,
    /// The endpoint's HTTP status, if it answered.
    pub status_code: Option<u16>,
    /// Milliseconds.
    pub duration_ms: u32,
    /// Our description of a failure.
    pub error: Option<&'a str>,
    /// `delivered`, `dead` or still `pending` after this attempt.
    pub state: MessageState,
    /// When the next attempt is due (pending only).
    pub due_at: Option<Timestamp>,
}

impl<'a> WebhookRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Stores a new endpoint with its sealed secret.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn create(
        &self,
        program: &ProgramId,
        id: &WebhookEndpointId,
        url: &str,
        events: &Events,
        sealed: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        run(
            self.db,
            "INSERT INTO webhook_endpoints (id, program_id, url, events, enabled, secret, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?6)",
            &args![id, program, url, events.to_stored(), sealed, now],
        )
        .await?;
        Ok(())
    }

    /// One endpoint of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &WebhookEndpointId) -> StoreResult<Option<WebhookEndpoint>> {
        let row = first::<EndpointRow>(
            self.db,
            &format!("{ENDPOINT} WHERE program_id = ?1 AND id = ?2"),
            &args![program, id],
        )
        .await?;
        Ok(row.map(WebhookEndpoint::from))
    }

    /// A page of the program's endpoints, newest first, and the total.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, paging: Paging) -> StoreResult<(Vec<WebhookEndpoint>, u64)> {
        let rows = all::<EndpointRow>(
            self.db,
            &format!("{ENDPOINT} WHERE program_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"),
            &args![program, paging.limit, paging.offset()],
        )
        .await?;
        let total = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE program_id = ?1",
            &args![program],
        )
        .await?
        .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(WebhookEndpoint::from).collect(), total))
    }

    /// Applies a change of URL, events or enabled.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn update(
        &self,
        program: &ProgramId,
        current: &WebhookEndpoint,
        url: Option<&str>,
        events: Option<&Events>,
        enabled: Option<bool>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let stored_events = match events {
            Some(e) => e.to_stored(),
            None => current.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(" "),
        };
        run(
            self.db,
            "UPDATE webhook_endpoints SET url = ?3, events = ?4, enabled = ?5, updated_at = ?6 WHERE program_id = ?1 AND id = ?2",
            &args![
                program,
                current.id,
                url.unwrap_or(&current.url),
                stored_events,
                i64::from(enabled.unwrap_or(current.enabled)),
                now
            ],
        )
        .await?;
        Ok(())
    }

    /// Makes `sealed` the current secret; the old one keeps signing until `until`. A second
    /// rotation while an earlier one's window is open keeps the original secret and its
    /// expiry (receivers may not have switched yet); only the unused intermediate secret goes.
    /// Returns until when the previous secret signs, or `None` when there is no such endpoint.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn rotate(
        &self,
        program: &ProgramId,
        id: &WebhookEndpointId,
        sealed: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<Option<Timestamp>> {
        #[derive(Deserialize)]
        struct Row {
            previous_secret_expires_at: Timestamp,
        }
        let row = first::<Row>(
            self.db,
            "UPDATE webhook_endpoints SET \
               previous_secret = CASE WHEN previous_secret_expires_at > ?5 THEN previous_secret ELSE secret END, \
               previous_secret_expires_at = CASE WHEN previous_secret_expires_at > ?5 THEN previous_secret_expires_at ELSE ?4 END, \
               secret = ?3, updated_at = ?5 \
             WHERE program_id = ?1 AND id = ?2 RETURNING previous_secret_expires_at",
            &args![program, id, sealed, until, now],
        )
        .await?;
        Ok(row.map(|r| r.previous_secret_expires_at))
    }

    /// Deletes the endpoint and its messages and log.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete(&self, program: &ProgramId, id: &WebhookEndpointId) -> StoreResult<bool> {
        let a = args![program, id];
        let results = batch(
            self.db,
            vec![
                stmt(self.db, "DELETE FROM webhook_deliveries WHERE endpoint_id = ?2 AND program_id = ?1", &a)?,
                stmt(self.db, "DELETE FROM webhook_messages WHERE endpoint_id = ?2 AND program_id = ?1", &a)?,
                stmt(self.db, "DELETE FROM webhook_endpoints WHERE program_id = ?1 AND id = ?2", &a)?,
            ],
        )
        .await?;
        Ok(results.last().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0) > 0)
    }

    /// What delivering `job` needs, if the message and its endpoint still exist.
    ///
    /// # Errors
    ///
    /// Storage failure, or a row that does not deserialize.
    pub async fn outgoing(&self, job: &Job) -> StoreResult<Option<Outgoing>> {
        first::<Outgoing>(
            self.db,
            "SELECT e.program_id, e.url, e.enabled, e.secret, e.previous_secret, e.previous_secret_expires_at, \
             m.event_type, m.body, m.attempts, m.state, m.due_at FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id \
             WHERE m.endpoint_id = ?1 AND m.event_id = ?2",
            &args![job.endpoint_id, job.event_id],
        )
        .await
    }

    /// Logs an attempt and moves the message on, in one transaction.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn attempted(
        &self,
        program: &ProgramId,
        job: &Job,
        event_type: EventType,
        a: &Attempt<'_>,
        now: Timestamp,
    ) -> StoreResult<()> {
        let id = DeliveryId::from_bytes(super::random_id_bytes());
        batch(
            self.db,
            vec![
                stmt(
                    self.db,
                    "INSERT INTO webhook_deliveries (id, program_id, endpoint_id, event_id, event_type, attempt, status_code, duration_ms, error, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    &args![id, program, job.endpoint_id, job.event_id, event_type, a.attempt, a.status_code, a.duration_ms, a.error, now],
                )?,
                stmt(
                    self.db,
                    "UPDATE webhook_messages SET attempts = ?3, state = ?4, updated_at = ?5, due_at = ?6 WHERE endpoint_id = ?1 AND event_id = ?2",
                    &args![job.endpoint_id, job.event_id, a.attempt, a.state, now, a.due_at],
                )?,
            ],
        )
        .await?;
        Ok(())
    }

    /// Puts a delivered or dead message back to `pending` for a manual retry; returns its
    /// event ID, or `None` when the program has no such delivery on the endpoint.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn reopen(
        &self,
        program: &ProgramId,
        endpoint: &WebhookEndpointId,
        delivery: &DeliveryId,
        now: Timestamp,
    ) -> StoreResult<Option<EventId>> {
        #[derive(Deserialize)]
        struct Row {
            event_id: EventId,
        }
        let Some(row) = first::<Row>(
            self.db,
            "SELECT event_id FROM webhook_deliveries WHERE program_id = ?1 AND endpoint_id = ?2 AND id = ?3",
            &args![program, endpoint, delivery],
        )
        .await?
        else {
            return Ok(None);
        };
        run(
            self.db,
            "UPDATE webhook_messages SET state = ?4, updated_at = ?3, due_at = ?3 WHERE endpoint_id = ?1 AND event_id = ?2",
            &args![endpoint, row.event_id, now, MessageState::Pending],
        )
        .await?;
        Ok(Some(row.event_id))
    }

    /// Pending messages whose attempt was due before `before` (their queue message was
    /// never sent or was lost), oldest first, at most `limit` (index webhook_messages_due).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn overdue(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<Job>> {
        all::<Job>(
            self.db,
            "SELECT endpoint_id, event_id FROM webhook_messages WHERE state = ?3 AND due_at < ?1 ORDER BY due_at LIMIT ?2",
            &args![before, limit, MessageState::Pending],
        )
        .await
    }

    /// Marks `jobs` as sent to the queue again at `now` (due now), in one transaction, so the
    /// next sweep leaves them to the queue.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn resent(&self, jobs: &[Job], now: Timestamp) -> StoreResult<()> {
        if jobs.is_empty() {
            return Ok(());
        }
        let statements = jobs
            .iter()
            .map(|j| {
                stmt(
                    self.db,
                    "UPDATE webhook_messages SET due_at = ?3 WHERE endpoint_id = ?1 AND event_id = ?2 AND state = ?4",
                    &args![j.endpoint_id, j.event_id, now, MessageState::Pending],
                )
            })
            .collect::<StoreResult<Vec<_>>>()?;
        batch(self.db, statements).await?;
        Ok(())
    }

    /// Removes, per [`viatrack_core::retention`], at most [`BATCH`] rows each of: click
    /// report IDs, delivered and dead webhook messages, delivery attempts and Stripe event
    /// IDs older than their cut-off, and dispatched outbox events as old as delivered
    /// messages (one transaction; each reads its age index). Returns the rows removed per
    /// table, in that order.
    ///
    /// # Errors
    ///
    /// Storage failure (nothing removed).
    pub async fn prune(&self, cut: &Cutoffs) -> StoreResult<[u64; 5]> {
        let results = batch(
            self.db,
            vec![
                stmt(
                    self.db,
                    "DELETE FROM click_reports WHERE (program_id, report_id) IN \
                     (SELECT program_id, report_id FROM click_reports WHERE created_at < ?1 LIMIT ?2)",
                    &args![cut.click_reports, BATCH],
                )?,
                stmt(
                    self.db,
                    "DELETE FROM webhook_messages WHERE (endpoint_id, event_id) IN \
                     (SELECT endpoint_id, event_id FROM webhook_messages WHERE state IN (?3, ?4) AND updated_at < ?1 LIMIT ?2)",
                    &args![cut.webhooks, BATCH, MessageState::Delivered, MessageState::Dead],
                )?,
                stmt(
                    self.db,
                    "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE created_at < ?1 LIMIT ?2)",
                    &args![cut.webhooks, BATCH],
                )?,
                stmt(
                    self.db,
                    "DELETE FROM stripe_events WHERE (program_id, event_id) IN \
                     (SELECT program_id, event_id FROM stripe_events WHERE created_at < ?1 LIMIT ?2)",
                    &args![cut.stripe_events, BATCH],
                )?,
                stmt(
                    self.db,
                    "DELETE FROM events WHERE id IN \
                     (SELECT id FROM events WHERE dispatched_at IS NOT NULL AND dispatched_at < ?1 LIMIT ?2)",
                    &args![cut.webhooks, BATCH],
                )?,
            ],
        )
        .await?;
        let mut removed = [0u64; 5];
        for (n, r) in removed.iter_mut().zip(&results) {
            *n = r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u64;
        }
        Ok(removed)
    }

    /// A page of the endpoint's delivery attempts, newest first, and the total.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn deliveries(
        &self,
        program: &ProgramId,
        endpoint: &WebhookEndpointId,
        paging: Paging,
    ) -> StoreResult<(Vec<Delivery>, u64)> {
        let rows = all::<Delivery>(
            self.db,
            "SELECT id, event_id, event_type, attempt, status_code, duration_ms, error, created_at FROM webhook_deliveries \
             WHERE endpoint_id = ?2 AND program_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4",
            &args![program, endpoint, paging.limit, paging.offset()],
        )
        .await?;
        let total = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE endpoint_id = ?2 AND program_id = ?1",
            &args![program, endpoint],
        )
        .await?
        .map_or(0, |c| c.n);
        Ok((rows, total))
    }
}
