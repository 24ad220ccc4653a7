-- Nothing lost: each pending webhook message has a due time (when its next attempt is due),
-- so the Cron Trigger can re-send a message whose queue send failed or whose queue message
-- was lost (pending and past due by WEBHOOK_SWEEP_AFTER_SECONDS), and a duplicate queue
-- message that arrives before the due time is dropped.
ALTER TABLE webhook_messages ADD COLUMN due_at TEXT;
UPDATE webhook_messages SET due_at = updated_at WHERE due_at IS NULL;
CREATE INDEX webhook_messages_due ON webhook_messages(state, due_at);

-- Retention (crates/core/src/retention.rs), run by the Cron Trigger: each clean-up reads
-- an index on its age column, never the whole table.
CREATE INDEX webhook_messages_done ON webhook_messages(state, updated_at);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries(created_at);
CREATE INDEX click_reports_created ON click_reports(created_at);
CREATE INDEX stripe_events_created ON stripe_events(created_at);
