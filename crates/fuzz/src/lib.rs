//! Fuzz targets for every parser of untrusted input in `viatrack-core` (issue 22), run by
//! `make fuzz` for a bounded time and never by the README test command.
//!
//! Each target in `tests/parsers.rs` is a [bolero](https://camshaft.github.io/bolero/) harness:
//! under `cargo test` (what `make fuzz` runs) bolero's random engine feeds it
//! `VIATRACK_FUZZ_SECONDS` seconds of inputs (default 10) per target; the same targets run
//! coverage-guided under libFuzzer with `cargo bolero test`, where cargo-bolero is
//! installed. A target fails on a panic, and on a broken round trip where a parser has an
//! encoder (the referral cookie, tokens and IDs, webhook signatures). [`report`] prints each
//! target's executions, the figures the closing notes quote.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long each target runs: `VIATRACK_FUZZ_SECONDS` (default 10 s).
pub fn budget() -> Duration {
    let seconds = std::env::var("VIATRACK_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10);
    Duration::from_secs(seconds)
}

/// Counts one target's executions.
#[derive(Debug, Default)]
pub struct Runs(AtomicU64);

impl Runs {
    /// A new counter.
    pub const fn new() -> Self {
        Runs(AtomicU64::new(0))
    }

    /// One more execution.
    pub fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Executions so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Prints `target: N executions, 0 crashes` (a crash fails the test before this line).
pub fn report(target: &str, runs: &Runs) {
    println!("fuzz {target}: {} executions, 0 crashes", runs.get());
}
