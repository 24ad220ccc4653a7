//! The delivery queue: every click and lead report, kept in `localStorage` from before it is
//! sent until an answer arrives, and sent again on the next page view until then.
//!
//! A visitor who leaves the landing page before the click answer arrives (or whose signup
//! page navigates before the lead answer) still has the report here; the next page view
//! replays it. Each click report carries its own report ID and each lead names its click and
//! email, so the Worker records a replay once: at least once delivery, recorded once.
//!
//! Stored under [`KEY`] as one line per report, `<queued at, Unix ms> <kind> <JSON body>`,
//! kind `c` (click, `POST /v1/track/click`) or `l` (lead, `POST /v1/track/lead`). The queue is
//! bounded: at most [`MAX_ITEMS`] reports (the newest are kept), none older than
//! [`MAX_AGE_MS`], none larger than [`MAX_BODY`] bytes. Lines that do not parse are dropped.
//! A report leaves the queue when it is answered (2xx, or a 4xx that says not to retry);
//! no answer, 429 and 5xx leave it for the next page view.

use crate::page;
use crate::text::{number, parts, split_once};
use alloc::string::String;
use alloc::vec::Vec;
use viatrack_core::cookie::push_decimal;
use viatrack_core::Timestamp;

/// The `localStorage` key (also in js/page.js, which writes it, and the loader, which checks
/// it for an organic page view and writes the fast path's click report in this format).
pub const KEY: &str = "viatrack_queue";
/// Most reports kept.
pub const MAX_ITEMS: usize = 20;
/// Oldest report kept, in milliseconds (7 days).
pub const MAX_AGE_MS: i64 = 7 * 86_400_000;
/// Largest report body kept, in bytes.
pub const MAX_BODY: usize = 8_192;

/// What a queued report is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A click report (`POST /v1/track/click`).
    Click,
    /// A lead report (`POST /v1/track/lead`).
    Lead,
}

impl Kind {
    fn tag(self) -> char {
        match self {
            Kind::Click => 'c',
            Kind::Lead => 'l',
        }
    }
}

/// A report waiting to be delivered, as one stored line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    line: String,
    kind: Kind,
    /// Where the body starts in `line`.
    body: usize,
}

impl Pending {
    /// A report of `kind` first attempted at `at` with the JSON text `body`; `None` if
    /// `body` could not be stored (not a JSON object text, a line break, over [`MAX_BODY`]
    /// bytes).
    pub fn new(at: Timestamp, kind: Kind, body: &str) -> Option<Pending> {
        let mut line = String::with_capacity(body.len() + 17);
        push_decimal(&mut line, at.unix_ms());
        line.push(' ');
        line.push(kind.tag());
        line.push(' ');
        line.push_str(body);
        Pending::parse(&line, at)
    }

    /// Reads a stored line, `None` if it is malformed or not fresh at `now` (older than
    /// [`MAX_AGE_MS`] or queued in the future).
    pub fn parse(line: &str, now: Timestamp) -> Option<Pending> {
        let kind = kind_of(line)?;
        let (at, rest) = split_once(line, b' ')?;
        let body = rest.get(2..)?;
        let age = now.unix_ms() - number(at)?;
        let b = body.as_bytes();
        let ok = (0..MAX_AGE_MS).contains(&age)
            && b.first() == Some(&b'{')
            && b.last() == Some(&b'}')
            && b.len() <= MAX_BODY
            && b.iter().all(|&c| c != b'\n');
        ok.then(|| Pending { line: String::from(line), kind, body: line.len() - body.len() })
    }

    /// The stored line, `<at> <kind> <body>`.
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Click or lead.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The JSON request body.
    pub fn body(&self) -> &str {
        self.line.get(self.body..).unwrap_or("")
    }
}

/// The kind of a stored line (`<at> <kind> …`), without checking the rest.
pub fn kind_of(line: &str) -> Option<Kind> {
    match split_once(line, b' ')?.1.as_bytes() {
        [b'c', b' ', ..] => Some(Kind::Click),
        [b'l', b' ', ..] => Some(Kind::Lead),
        _ => None,
    }
}

/// Parses the stored queue text: the fresh, valid reports, at most the newest
/// [`MAX_ITEMS`].
pub fn parse(text: &str, now: Timestamp) -> Vec<Pending> {
    let mut items = Vec::new();
    for p in parts(text, b'\n').filter_map(|l| Pending::parse(l, now)) {
        if items.len() == MAX_ITEMS {
            items.remove(0);
        }
        items.push(p);
    }
    items
}

/// The stored reports still worth sending at `now` (they stay stored until answered).
pub fn pending(now: Timestamp) -> Vec<Pending> {
    parse(&page::string(page::QUEUE), now)
}

/// Stores a new report before it is sent, keeping the queue within bounds at `now`.
pub fn push(item: &Pending, now: Timestamp) {
    let mut items = pending(now);
    items.push(item.clone());
    save(&items);
}

/// Removes a report (a line from [`Pending::line`]) once it has been answered.
pub fn remove(line: &str, now: Timestamp) {
    let mut items = pending(now);
    let before = items.len();
    items.retain(|p| p.line != line);
    if items.len() != before {
        save(&items);
    }
}

/// Stores `items` (all read or made at the same `now`, so fresh), the newest
/// [`MAX_ITEMS`] of them.
pub fn save(items: &[Pending]) {
    let mut out = String::new();
    for p in items.iter().skip(items.len().saturating_sub(MAX_ITEMS)) {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(p.line());
    }
    page::set_queue(&out);
}

/// Empties the queue (consent withdrawn).
pub fn clear() {
    page::set_queue("");
}
