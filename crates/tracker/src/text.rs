//! Byte-wise string helpers. `str::split(char)` and friends bring core's pattern searchers
//! and `memchr` into the module (about 1 KB): splitting on one ASCII byte is the core crate's
//! ([`viatrack_core::text`], which its cookie code uses too, so the module carries one copy);
//! the rest scan bytes here, and every slice is taken with `get` (nothing can panic).

pub use viatrack_core::text::{parts, split_once, Parts};

/// `s` without leading and trailing spaces (`' '` only).
pub fn trim_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or("")
}

/// A plain decimal number (digits only, at least one, at most 18); `None` otherwise.
pub fn number(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &b in s.as_bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some(n)
}

/// The offset just after the first `needle` in `hay`.
pub fn after(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..h.len()).find(|&i| h.get(i..).is_some_and(|t| t.starts_with(n))).map(|i| i + n.len())
}
