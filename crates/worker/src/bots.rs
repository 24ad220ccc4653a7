//! Known bots, crawlers and link-preview fetchers, by user agent, using the `isbot` crate's
//! list. Their tracking calls are answered but never recorded, so a link shared in Slack or
//! crawled by a search engine does not count as a visitor. Headless browsers are on that
//! list too: a browser test that should be counted sends an ordinary user agent.

use std::sync::OnceLock;

static BOTS: OnceLock<isbot::Bots> = OnceLock::new();

/// Whether `user_agent` is a known bot. An empty or missing user agent counts as a bot
/// (every browser sends one).
pub fn is_bot(user_agent: Option<&str>) -> bool {
    match user_agent.map(str::trim) {
        None | Some("") => true,
        Some(ua) => BOTS.get_or_init(isbot::Bots::default).is_bot(ua),
    }
}
