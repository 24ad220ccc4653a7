//! The affiliate token in the page URL: `?via=jb007` (or any configured parameter).

use crate::text::{parts, split_once, trim_spaces};
use alloc::string::String;
use viatrack_core::ViaToken;

/// `search` without its leading `?`.
fn query(search: &str) -> &str {
    search.strip_prefix('?').unwrap_or(search)
}

/// The names of `params` (comma-separated, spaces around names ignored, empty ones
/// skipped), in order.
fn names(params: &str) -> impl Iterator<Item = &str> {
    parts(params, b',').map(trim_spaces).filter(|name| !name.is_empty())
}

/// Whether the key of `pair` (`key=value`, or just `key`) decodes to one of `params`.
fn is_param(pair: &str, params: &str) -> bool {
    let key = decode(split_once(pair, b'=').map_or(pair, |(k, _)| k));
    names(params).any(|name| key.as_deref() == Some(name))
}

/// The first valid token in `search` (`location.search`, with or without the leading
/// `?`), trying each name of `params` (comma-separated, e.g. `"via,ref,aff"`; spaces
/// around names ignored) in order and, for each name, its occurrences in URL order. Keys and
/// values are percent-decoded (`+` is a space) as `URLSearchParams` does; a key or value
/// that decodes to anything but ASCII matches nothing (names are ASCII, tokens follow the
/// core crate's syntax, [`ViaToken`], and are lower-cased). Invalid values are skipped
/// quietly (one `console.debug` line each).
pub fn token_from_query(search: &str, params: &str) -> Option<ViaToken> {
    for name in names(params) {
        for pair in parts(query(search), b'&') {
            let (key, value) = split_once(pair, b'=').unwrap_or((pair, ""));
            if decode(key).as_deref() != Some(name) {
                continue;
            }
            match decode(value).and_then(|v| ViaToken::parse(&v).ok()) {
                Some(token) => return Some(token),
                None => crate::page::debug("viatrack: ignored an invalid token"),
            }
        }
    }
    None
}

/// The token of the current page (`location.search`) for the configured parameters.
pub fn page_token(params: &str) -> Option<ViaToken> {
    token_from_query(&crate::page::location("search"), params)
}

/// `application/x-www-form-urlencoded` decoding: `+` → space, `%XX` → byte, a `%` not
/// followed by two hex digits stays as it is; `None` when a decoded byte is not ASCII.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    // Built char by char (all ASCII): no `String::from_utf8` round trip.
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        i += 1;
        let byte = match c {
            b'+' => b' ',
            b'%' => match (b.get(i).and_then(hex), b.get(i + 1).and_then(hex)) {
                (Some(hi), Some(lo)) => {
                    i += 2;
                    hi << 4 | lo
                }
                _ => c,
            },
            _ => c,
        };
        if !byte.is_ascii() {
            return None;
        }
        out.push(char::from(byte));
    }
    Some(out)
}

fn hex(b: &u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `search` (`location.search`) without the configured token parameters (`params`, as for
/// [`token_from_query`]): every other pair kept as it was written, in order. `None` when
/// there is no token parameter to remove. The result is `""` or starts with `?`.
pub fn without_params(search: &str, params: &str) -> Option<String> {
    let mut out = String::new();
    let mut removed = false;
    for pair in parts(query(search), b'&') {
        if is_param(pair, params) {
            removed = true;
        } else if !pair.is_empty() {
            out.push(if out.is_empty() { '?' } else { '&' });
            out.push_str(pair);
        }
    }
    removed.then_some(out)
}
