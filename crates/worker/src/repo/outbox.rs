//! `events`: the transactional outbox (migration 0010). A write that produces events
//! ([`viatrack_core::outbox`] decides which) adds [`record_stmt`] to its own D1 batch, so the
//! event rows commit with the write or not at all, and it reads the resources back in the
//! same batch, so the events' data and the answer are the state the write left. After the
//! commit, [`crate::webhooks::dispatch`] renders each event's body and makes its
//! `webhook_messages` rows ([`OutboxRepo::dispatch`], once per event); the Cron Trigger
//! dispatches events left undispatched ([`OutboxRepo::undispatched`]).

use super::webhooks::Job;
use super::{all, batch, stmt, StoreResult};
use crate::args;
use serde::{Deserialize, Serialize};
use viatrack_core::api::commissions::Commission;
use viatrack_core::api::payouts::Payout;
use viatrack_core::api::referrals::Referral;
use viatrack_core::api::tracking::Sale;
use viatrack_core::outbox::EventObject;
use viatrack_core::webhooks::EventType;
use viatrack_core::{EventId, ProgramId, Timestamp};
use worker::{D1Database, D1PreparedStatement};

/// An event a write produces, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The event's ID (`webhook-id`).
    pub id: EventId,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The referral, sale or commission the event's data is ([`EventType::object`]).
    #[serde(rename = "resource")]
    pub resource_id: String,
}

impl Planned {
    /// Each of `types` with a new ID, on the resource `resource_of` names for its object.
    pub fn all(types: &[EventType], resource_of: impl Fn(EventObject) -> String) -> Vec<Planned> {
        types
            .iter()
            .map(|&event_type| Planned {
                id: EventId::from_bytes(super::random_id_bytes()),
                event_type,
                resource_id: resource_of(event_type.object()),
            })
            .collect()
    }

    /// Each of `types` with a new ID, all on the one resource `resource_id`.
    pub fn on(types: &[EventType], resource_id: &str) -> Vec<Planned> {
        Self::all(types, |_| resource_id.to_string())
    }
}

/// An event stored in the outbox, with the data it carries (the resource as the API returns
/// it, read in the write's own batch).
#[derive(Debug, Clone)]
pub struct Event {
    /// The event.
    pub planned: Planned,
    /// Its `data`.
    pub data: serde_json::Value,
}

/// What a write's batch read back, from which each of its events takes its data: the
/// referral, the sale, or the commission its `resource_id` names.
#[derive(Debug, Default, Clone, Copy)]
pub struct Snapshot<'a> {
    /// The referral the write left, if it read one.
    pub referral: Option<&'a Referral>,
    /// The sale the write left, if any.
    pub sale: Option<&'a Sale>,
    /// The commissions the write left.
    pub commissions: &'a [Commission],
    /// The payout the write left, if any.
    pub payout: Option<&'a Payout>,
    /// The coupon the write left, if any.
    pub coupon: Option<&'a viatrack_core::api::resources::Coupon>,
}

impl Snapshot<'_> {
    /// `planned` with their data.
    ///
    /// # Errors
    ///
    /// An event whose resource the batch did not read (a bug), or data that does not
    /// serialize.
    pub fn events(&self, planned: Vec<Planned>) -> StoreResult<Vec<Event>> {
        planned
            .into_iter()
            .map(|p| {
                let data = match p.event_type.object() {
                    EventObject::Referral => self.referral.map(serde_json::to_value),
                    EventObject::Sale => self.sale.map(serde_json::to_value),
                    EventObject::Commission => {
                        self.commissions.iter().find(|c| c.id.as_str() == p.resource_id).map(serde_json::to_value)
                    }
                    EventObject::Payout => self.payout.map(serde_json::to_value),
                    EventObject::Coupon => self.coupon.map(serde_json::to_value),
                };
                match data {
                    Some(data) => Ok(Event { planned: p, data: data? }),
                    None => Err(super::corrupt("an event names a resource its write's batch did not read")),
                }
            })
            .collect()
    }
}

/// What a write with events returns: its result and the events it stored.
#[derive(Debug)]
pub struct Committed<T> {
    /// The write's result, read in its batch.
    pub value: T,
    /// The events it stored, for [`crate::webhooks::dispatch`].
    pub events: Vec<Event>,
}

/// When the events of a batch are stored.
#[derive(Debug, Clone, Copy)]
pub enum Guard<'a> {
    /// Only if the statement just before changed a row (`changes() > 0`: SQLite counts the
    /// last completed statement's own rows, not its triggers'). The statement must follow the
    /// write directly.
    Changed,
    /// Only if the row `id` of `table` exists (a row the batch inserted with a fresh ID).
    Exists {
        /// The table.
        table: &'static str,
        /// The fresh ID.
        id: &'a str,
    },
}

/// The statement that stores `events` of `program` at `now` when `guard` holds, for the
/// write's own batch; `None` when there are none.
///
/// # Errors
///
/// A value that cannot be bound.
pub fn record_stmt(
    db: &D1Database,
    program: &ProgramId,
    events: &[Planned],
    guard: Guard<'_>,
    now: Timestamp,
) -> StoreResult<Option<D1PreparedStatement>> {
    if events.is_empty() {
        return Ok(None);
    }
    let list = serde_json::to_string(events)?;
    let insert = "INSERT INTO events (id, program_id, event_type, resource_id, created_at) \
        SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.type'), json_extract(value, '$.resource'), ?2 \
        FROM json_each(?3)";
    Ok(Some(match guard {
        Guard::Changed => stmt(db, &format!("{insert} WHERE changes() > 0"), &args![program, now, list])?,
        Guard::Exists { table, id } => stmt(
            db,
            &format!("{insert} WHERE EXISTS (SELECT 1 FROM {table} WHERE id = ?4)"),
            &args![program, now, list, id],
        )?,
    }))
}

/// An event waiting to be dispatched.
#[derive(Debug, Clone, Deserialize)]
pub struct Undispatched {
    /// The event.
    pub id: EventId,
    /// Its program.
    pub program_id: ProgramId,
    /// What happened.
    pub event_type: EventType,
    /// The resource its data is.
    pub resource_id: String,
    /// When it happened (its body's `timestamp`).
    pub created_at: Timestamp,
}

/// Marks the event ?2 of program ?1 dispatched at ?3, unless it already is.
const MARK_DISPATCHED: &str =
    "UPDATE events SET dispatched_at = ?3 WHERE id = ?2 AND program_id = ?1 AND dispatched_at IS NULL";

/// The outbox of programs, through one D1 binding.
pub struct OutboxRepo<'a> {
    db: &'a D1Database,
}

impl<'a> OutboxRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Dispatches each `(event, body)` of `program` at `now` in one transaction: one pending
    /// `webhook_messages` row per enabled endpoint that takes the event, and the event marked
    /// dispatched; an event already dispatched gets nothing (so a request and the Cron
    /// Trigger cannot both dispatch it). Returns the queue jobs of the new messages.
    ///
    /// # Errors
    ///
    /// Storage failure (nothing dispatched).
    pub async fn dispatch(
        &self,
        program: &ProgramId,
        events: &[(EventId, EventType, String)],
        now: Timestamp,
    ) -> StoreResult<Vec<Job>> {
        let mut statements = Vec::with_capacity(events.len() * 2);
        for (id, event_type, body) in events {
            let a = args![program, id, event_type, body, now];
            statements.push(stmt(
                self.db,
                "INSERT INTO webhook_messages (endpoint_id, event_id, program_id, event_type, body, created_at, updated_at, due_at) \
                 SELECT e.id, ?2, ?1, ?3, ?4, ?5, ?5, ?5 FROM webhook_endpoints e \
                 WHERE e.program_id = ?1 AND e.enabled = 1 AND instr(' ' || e.events || ' ', ' ' || ?3 || ' ') > 0 \
                   AND EXISTS (SELECT 1 FROM events WHERE id = ?2 AND program_id = ?1 AND dispatched_at IS NULL) \
                 RETURNING endpoint_id, event_id",
                &a,
            )?);
            statements.push(stmt(self.db, MARK_DISPATCHED, &args![program, id, now])?);
        }
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        let results = batch(self.db, statements).await?;
        let mut jobs = Vec::new();
        for r in results.iter().step_by(2) {
            jobs.extend(r.results::<Job>()?);
        }
        Ok(jobs)
    }

    /// Events not dispatched and created before `before`, oldest first, at most `limit`
    /// (index events_undispatched).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn undispatched(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<Undispatched>> {
        all::<Undispatched>(
            self.db,
            "SELECT id, program_id, event_type, resource_id, created_at FROM events \
             WHERE dispatched_at IS NULL AND created_at < ?1 ORDER BY created_at LIMIT ?2",
            &args![before, limit],
        )
        .await
    }

    /// Marks an event dispatched with no messages (its resource is gone).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn discard(&self, program: &ProgramId, id: &EventId, now: Timestamp) -> StoreResult<()> {
        super::run(self.db, MARK_DISPATCHED, &args![program, id, now]).await?;
        Ok(())
    }
}
