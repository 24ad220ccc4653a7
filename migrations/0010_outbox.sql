-- The transactional outbox (issue 22): one row per event, written in the same D1 batch as
-- the write that produces it (crates/core/src/outbox.rs decides which), so an event exists
-- if and only if its write committed. Dispatching it (rendering its body, one
-- webhook_messages row per subscribed endpoint, the Queue send) happens after the commit;
-- an event still undispatched after WEBHOOK_SWEEP_AFTER_SECONDS is dispatched by the Cron
-- Trigger. dispatched_at is set in the same batch as the message rows, so an event is
-- dispatched once.
CREATE TABLE events (
  id             TEXT PRIMARY KEY,              -- evt_…: the webhook-id every endpoint receives
  program_id     TEXT NOT NULL REFERENCES programs(id),
  event_type     TEXT NOT NULL,                 -- referral.created, sale.created, …
  resource_id    TEXT NOT NULL,                 -- the referral, sale or commission its data is
  created_at     TEXT NOT NULL,                 -- ISO 8601 UTC, the write's time
  dispatched_at  TEXT                           -- NULL until its messages exist
);
-- The Cron Trigger's look-up of undispatched events, and retention of dispatched ones.
CREATE INDEX events_undispatched ON events(created_at) WHERE dispatched_at IS NULL;
CREATE INDEX events_dispatched ON events(dispatched_at) WHERE dispatched_at IS NOT NULL;
