//! The payout run, shared by `POST /v1/payouts/run` and the Cron Trigger (a service, not a
//! route): read what the program may pay, let core plan the payouts
//! ([`viatrack_core::payout::plan`]), and write each in its own guarded D1 batch
//! ([`PayoutRepo::create`]), with its `payout.created` event. The caller dispatches the
//! events (a request after its answer is decided; the Cron Trigger leaves them to the
//! outbox sweep).

use crate::repo::outbox::Event;
use crate::repo::payouts::{NewPayout, PayoutRepo};
use crate::repo::{all, StoreResult};
use std::collections::HashMap;
use viatrack_core::api::payouts::{CarriedBalance, PayoutRun};
use viatrack_core::commission::CommissionStatus;
use viatrack_core::payout::{plan, Candidate};
use viatrack_core::{outbox, ProgramId, Timestamp};
use worker::D1Database;

/// Makes every payout of `program` due at `cutoff` (not after `now`). Returns what the run
/// made and carried, and the events it stored. A payout whose commissions another run took
/// meanwhile is not made (and not listed).
///
/// # Errors
///
/// Storage failure; payouts written before it stay written (each is whole).
pub async fn run(
    db: &D1Database,
    program: &ProgramId,
    cutoff: Timestamp,
    now: Timestamp,
) -> StoreResult<(PayoutRun, Vec<Event>)> {
    let repo = PayoutRepo::new(db);
    let payable = repo.payable(program, cutoff).await?;
    let minimums: HashMap<_, _> =
        repo.minimums(program).await?.into_iter().map(|m| (m.affiliate_id, m.minimum_payout)).collect();
    let candidates: Vec<Candidate<'_>> = payable
        .iter()
        .map(|c| Candidate {
            id: &c.id,
            affiliate_id: &c.affiliate_id,
            currency: &c.currency,
            amount: c.amount,
            status: CommissionStatus::Pending,
            due_at: c.due_at,
            in_live_payout: false,
        })
        .collect();
    let decided = plan(&candidates, |a| minimums.get(a).copied().unwrap_or(0), cutoff);
    let mut payouts = Vec::with_capacity(decided.payouts.len());
    let mut events = Vec::new();
    for planned in &decided.payouts {
        let new = NewPayout {
            affiliate_id: planned.affiliate_id,
            currency: planned.currency,
            amount: planned.amount,
            commissions: &planned.commissions,
            due_before: cutoff,
        };
        if let Some(written) = repo.create(program, &new, now, &outbox::payout_created()).await? {
            events.extend(written.events);
            payouts.push(written.value);
        }
    }
    let carried = decided
        .carried
        .iter()
        .map(|c| CarriedBalance {
            affiliate_id: c.affiliate_id.clone(),
            currency: c.currency.clone(),
            amount: c.amount,
            reason: c.reason,
        })
        .collect();
    Ok((PayoutRun { payouts, carried }, events))
}

#[derive(serde::Deserialize)]
struct ProgramRow {
    id: ProgramId,
}

/// The Cron Trigger's payout run: every program's payouts due at `now`. Returns how many
/// payouts it made; a program whose run fails is logged and the others go on.
///
/// # Errors
///
/// Storage failure listing the programs.
pub async fn run_all(db: &D1Database, now: Timestamp) -> StoreResult<usize> {
    let programs = all::<ProgramRow>(db, "SELECT id FROM programs ORDER BY id", &[]).await?;
    let mut made = 0;
    for p in &programs {
        match run(db, &p.id, now, now).await {
            Ok((r, _)) => made += r.payouts.len(),
            Err(e) => worker::console_error!("cron: payout run of {} failed: {e}", p.id),
        }
    }
    Ok(made)
}
