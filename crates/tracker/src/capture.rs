//! The affiliate token in the page URL: `?via=jb007` (or any configured parameter).

use alloc::string::String;
use alloc::vec::Vec;
use viatrack_core::ViaToken;

/// The first valid token in `search` (`location.search`, with or without the leading
/// `?`), trying each name of `params` (comma-separated, e.g. `"via,ref,aff"`; spaces
/// around names ignored) in order and, for each name, its occurrences in URL order. Keys and values are percent-decoded (`+` is a space) as `URLSearchParams` does;
/// tokens follow the core crate's syntax ([`ViaToken`]) and are lower-cased. Invalid values
/// are skipped quietly (one `console.debug` line each).
pub fn token_from_query(search: &str, params: &str) -> Option<ViaToken> {
    let query = search.strip_prefix('?').unwrap_or(search);
    params.split(',').find_map(|name| {
        let name = name.trim_matches(' ');
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name.is_empty() || decode(key) != name.as_bytes() {
                return None;
            }
            // Tokens are ASCII; anything else is invalid anyway.
            let value: String = decode(value).into_iter().map(char::from).collect();
            let token = ViaToken::parse(&value).ok();
            if token.is_none() {
                crate::page::debug("viatrack: ignored an invalid token");
            }
            token
        })
    })
}

/// The token of the current page (`location.search`) for the configured parameters.
pub fn page_token(params: &str) -> Option<ViaToken> {
    token_from_query(&crate::page::location("search"), params)
}

/// `application/x-www-form-urlencoded` decoding to bytes: `+` → space, `%XX` → byte, and
/// a `%` not followed by two hex digits stays as it is.
fn decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.as_bytes().iter();
    while let Some(&c) = it.next() {
        let mut byte = c;
        if c == b'+' {
            byte = b' ';
        } else if c == b'%' {
            if let [hi, lo, ..] = it.as_slice() {
                if let (Some(hi), Some(lo)) = (hex(*hi), hex(*lo)) {
                    byte = hi << 4 | lo;
                    it.nth(1);
                }
            }
        }
        out.push(byte);
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
