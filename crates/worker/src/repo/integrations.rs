//! `integrations` and `stripe_events`: a program's Stripe webhook signing secret (sealed by
//! [`crate::crypto`]) and the Stripe events already handled.

use super::{first, run, Count, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::{ProgramId, Timestamp};
use worker::D1Database;

/// Integrations of programs, through one D1 binding.
pub struct IntegrationRepo<'a> {
    db: &'a D1Database,
}

impl<'a> IntegrationRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Stores (or replaces) the program's sealed Stripe signing secret.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn put_stripe(&self, program: &ProgramId, sealed: &str, now: Timestamp) -> StoreResult<()> {
        run(
            self.db,
            "INSERT INTO integrations (program_id, stripe_secret, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
             ON CONFLICT (program_id) DO UPDATE SET stripe_secret = ?2, updated_at = ?3",
            &args![program, sealed, now],
        )
        .await?;
        Ok(())
    }

    /// The program's sealed Stripe signing secret, if connected.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn stripe(&self, program: &ProgramId) -> StoreResult<Option<String>> {
        #[derive(Deserialize)]
        struct Row {
            stripe_secret: String,
        }
        let row =
            first::<Row>(self.db, "SELECT stripe_secret FROM integrations WHERE program_id = ?1", &args![program])
                .await?;
        Ok(row.map(|r| r.stripe_secret))
    }

    /// Whether the program handled this Stripe event already.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn event_seen(&self, program: &ProgramId, event_id: &str) -> StoreResult<bool> {
        let n = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM stripe_events WHERE program_id = ?1 AND event_id = ?2",
            &args![program, event_id],
        )
        .await?;
        Ok(n.is_some_and(|c| c.n > 0))
    }

    /// Records that the program handled this event.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn event_done(
        &self,
        program: &ProgramId,
        event_id: &str,
        event_type: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        run(
            self.db,
            "INSERT OR IGNORE INTO stripe_events (program_id, event_id, type, created_at) VALUES (?1, ?2, ?3, ?4)",
            &args![program, event_id, event_type, now],
        )
        .await?;
        Ok(())
    }
}
