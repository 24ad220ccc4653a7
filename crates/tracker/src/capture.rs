//! The affiliate token in the page URL: `?via=jb007` (or any configured parameter).
//!
//! The page reads the URL (js/page.js `capture`, URL plumbing like the requests): it gives
//! the module, at `t`, every value of the configured parameters (`data-params`), in the order
//! the names are configured and, per name, in URL order, decoded as `URLSearchParams` decodes
//! them; and at `x` the URL without those parameters, for `data-clean-url`. The token rule is
//! core's: the first value that is a valid [`ViaToken`] (lower-cased) wins.

use crate::page;
use alloc::string::String;
use viatrack_core::cookie::push_decimal;
use viatrack_core::ViaToken;

/// The first valid token among the page's token parameter values (`t.0`, `t.1`, … until one
/// is not a string). Invalid values are skipped quietly (one `console.debug` line each).
pub fn token() -> Option<ViaToken> {
    let mut i = 0;
    loop {
        let mut path = String::from("t.");
        push_decimal(&mut path, i);
        let value = page::text(&path)?;
        if let Ok(token) = ViaToken::parse(&value) {
            return Some(token);
        }
        page::debug("bad token");
        i += 1;
    }
}

/// The page's URL without its token parameters (path, the other query pairs as they were
/// written, fragment), when it has any to remove (`x`).
pub fn clean_url() -> Option<String> {
    page::text("x")
}
