//! The affiliate token in the page URL: `?via=jb007` (or any configured parameter).

use alloc::string::String;
use viatrack_core::ViaToken;

/// The first valid token in `search` (`location.search`, with or without the leading
/// `?`), trying each name of `params` (comma-separated, e.g. `"via,ref,aff"`; spaces
/// around names ignored) in order and, for each name, its occurrences in URL order. Keys and
/// values are percent-decoded (`+` is a space) as `URLSearchParams` does; a key or value
/// that decodes to anything but ASCII matches nothing (names are ASCII, tokens follow the
/// core crate's syntax, [`ViaToken`], and are lower-cased). Invalid values are skipped
/// quietly (one `console.debug` line each).
pub fn token_from_query(search: &str, params: &str) -> Option<ViaToken> {
    let query = search.strip_prefix('?').unwrap_or(search);
    params.split(',').find_map(|name| {
        let name = name.trim_matches(' ');
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if name.is_empty() || decode(key).as_deref() != Some(name) {
                return None;
            }
            let token = decode(value).and_then(|v| ViaToken::parse(&v).ok());
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

/// `application/x-www-form-urlencoded` decoding: `+` → space, `%XX` → byte, a `%` not
/// followed by two hex digits stays as it is; `None` when a decoded byte is not ASCII.
fn decode(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
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
        if !byte.is_ascii() {
            return None;
        }
        out.push(char::from(byte));
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
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
    let query = search.strip_prefix('?').unwrap_or(search);
    let is_param = |pair: &str| {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let key = decode(key);
        params.split(',').any(|name| {
            let name = name.trim_matches(' ');
            !name.is_empty() && key.as_deref() == Some(name)
        })
    };
    if !query.split('&').any(is_param) {
        return None;
    }
    let mut out = String::with_capacity(query.len() + 1);
    for pair in query.split('&').filter(|p| !p.is_empty() && !is_param(p)) {
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(pair);
    }
    Some(out)
}
