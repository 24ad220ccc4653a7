//! The retry queue: click reports that failed (network, timeout, 429, 5xx), kept in
//! `localStorage` and sent again on the next page load.
//!
//! Stored under [`KEY`] as one line per report, `<queued at, Unix ms> <JSON body>`. The
//! body is the exact report that failed, visitor ID included, so the Worker can deduplicate
//! it. The queue is bounded: at most [`MAX_ITEMS`] reports (the newest are kept), none older
//! than [`MAX_AGE_MS`], none larger than [`MAX_BODY`] bytes. Lines that do not parse are
//! dropped.
//!
//! Delivery is at most once per page: [`take`] empties the stored queue before the reports
//! are sent, and only the ones that fail again are put back with [`add`].

use crate::page;
use alloc::string::String;
use alloc::vec::Vec;
use viatrack_core::cookie::push_decimal;
use viatrack_core::Timestamp;

/// The `localStorage` key.
pub const KEY: &str = "viatrack_queue";
/// Most reports kept.
pub const MAX_ITEMS: usize = 20;
/// Oldest report kept, in milliseconds (7 days).
pub const MAX_AGE_MS: i64 = 7 * 86_400_000;
/// Largest report body kept, in bytes.
pub const MAX_BODY: usize = 8_192;

/// A report waiting to be delivered, as one stored line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending(String);

impl Pending {
    /// A report first attempted at `at` with the JSON text `body`; `None` if `body` could
    /// not be stored (not a JSON object text, a line break, over [`MAX_BODY`] bytes).
    pub fn new(at: Timestamp, body: &str) -> Option<Pending> {
        let mut line = String::with_capacity(body.len() + 15);
        push_decimal(&mut line, at.unix_ms());
        line.push(' ');
        line.push_str(body);
        Pending::parse(&line, at)
    }

    /// Reads a stored line, `None` if it is malformed or not fresh at `now` (older than
    /// [`MAX_AGE_MS`] or queued in the future).
    pub fn parse(line: &str, now: Timestamp) -> Option<Pending> {
        let (at, body) = line.split_once(' ')?;
        let age = now.unix_ms() - at.parse::<i64>().ok()?;
        let ok = (0..MAX_AGE_MS).contains(&age)
            && body.starts_with('{')
            && body.ends_with('}')
            && body.len() <= MAX_BODY
            && !body.contains('\n');
        ok.then(|| Pending(String::from(line)))
    }

    /// The stored line, `<at> <body>`.
    pub fn line(&self) -> &str {
        &self.0
    }

    /// The JSON request body.
    pub fn body(&self) -> &str {
        self.0.split_once(' ').map_or("", |(_, body)| body)
    }
}

/// Parses the stored queue text: the fresh, valid reports, at most the newest
/// [`MAX_ITEMS`].
pub fn parse(text: &str, now: Timestamp) -> Vec<Pending> {
    let mut items: Vec<Pending> = text.split('\n').filter_map(|l| Pending::parse(l, now)).collect();
    let extra = items.len().saturating_sub(MAX_ITEMS);
    items.drain(..extra);
    items
}

/// Removes and returns the stored reports still worth sending at `now`.
pub fn take(now: Timestamp) -> Vec<Pending> {
    let text = page::storage_get(KEY);
    page::storage_remove(KEY);
    text.map(|t| parse(&t, now)).unwrap_or_default()
}

/// Appends a report (a line from [`Pending::line`]) to the stored queue, keeping it within
/// bounds at `now`.
pub fn add(line: &str, now: Timestamp) {
    let mut text = page::storage_get(KEY).unwrap_or_default();
    text.push('\n');
    text.push_str(line);
    let mut out = String::with_capacity(text.len());
    for p in parse(&text, now) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(p.line());
    }
    if out.is_empty() {
        page::storage_remove(KEY);
    } else {
        page::storage_set(KEY, &out);
    }
}

/// Empties the queue (consent withdrawn).
pub fn clear() {
    page::storage_remove(KEY);
}
