//! How long the Worker keeps rows that exist only to make retries safe, and when the Cron
//! Trigger (`[triggers] crons` in wrangler.toml) removes them. Nothing here is money or a
//! referral: sales, commissions, referrals and clicks are kept for good.
//!
//! | rows | kept for | why that long |
//! | --- | --- | --- |
//! | `click_reports` (report IDs) | [`CLICK_REPORT_DAYS`] | the tracker replays a queued report for at most 7 days (`crates/tracker/src/queue.rs` `MAX_AGE_MS`); a report ID older than that never comes back |
//! | delivered and dead `webhook_messages` bodies, and `webhook_deliveries` | [`WEBHOOK_DAYS`] | a manual retry (`POST …/deliveries/{id}/retry`) and the delivery log work for a month |
//! | dispatched outbox `events` | [`WEBHOOK_DAYS`] after dispatch | as long as the messages made from them |
//! | `stripe_events` (event IDs) | [`STRIPE_EVENT_DAYS`] | Stripe retries an event for up to 3 days; a month covers a manual resend from Stripe's dashboard |
//!
//! Pending webhook messages and undispatched events are never removed: the Cron Trigger
//! dispatches events a request left undispatched and re-sends messages whose queue message
//! was lost ([`SWEEP_AFTER_SECONDS`]).

use crate::Timestamp;

/// Days a click report ID is kept (the tracker's 7-day replay window and one day more).
pub const CLICK_REPORT_DAYS: u32 = 8;
/// Days a delivered or dead webhook message's body and each delivery attempt are kept.
pub const WEBHOOK_DAYS: u32 = 30;
/// Days a handled Stripe event ID is kept.
pub const STRIPE_EVENT_DAYS: u32 = 30;
/// Rows removed per table per Cron run (a run stays within D1's limits; the next run goes on).
pub const BATCH: u32 = 1_000;
/// Seconds past its due time after which a pending webhook message counts as lost by the
/// Queue and is sent again by the Cron Trigger, and after which an undispatched event is
/// dispatched by it (default; the `WEBHOOK_SWEEP_AFTER_SECONDS`
/// var overrides it). Long enough that a message merely delayed in the Queue is not doubled.
pub const SWEEP_AFTER_SECONDS: u32 = 600;

/// The instants before which each kind of row is removed, for a Cron run at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// `click_reports.created_at` before this.
    pub click_reports: Timestamp,
    /// Delivered or dead `webhook_messages.updated_at`, and `webhook_deliveries.created_at`,
    /// before this.
    pub webhooks: Timestamp,
    /// `stripe_events.created_at` before this.
    pub stripe_events: Timestamp,
}

impl Cutoffs {
    /// The cut-offs of a run at `now`.
    pub fn at(now: Timestamp) -> Self {
        let days_ago = |d: u32| Timestamp::from_unix_ms(now.unix_ms() - i64::from(d) * 86_400_000);
        Cutoffs {
            click_reports: days_ago(CLICK_REPORT_DAYS),
            webhooks: days_ago(WEBHOOK_DAYS),
            stripe_events: days_ago(STRIPE_EVENT_DAYS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_are_days_before_the_run() {
        let now = Timestamp::from_unix_seconds(1_800_000_000);
        let c = Cutoffs::at(now);
        assert_eq!(c.click_reports.plus_days(CLICK_REPORT_DAYS), now);
        assert_eq!(c.webhooks.plus_days(WEBHOOK_DAYS), now);
        assert_eq!(c.stripe_events.plus_days(STRIPE_EVENT_DAYS), now);
        // The tracker's replay window ends before its report IDs are dropped.
        assert!(i64::from(CLICK_REPORT_DAYS) * 86_400_000 > 7 * 86_400_000);
    }
}
