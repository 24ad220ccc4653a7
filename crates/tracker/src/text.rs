//! Byte-wise string helpers for ASCII separators. `str::split(char)` and friends bring
//! core's pattern searchers and `memchr` into the module (about 1 KB); a separator here is
//! one ASCII byte, found by a plain scan, and every slice is taken with `get` (a separator
//! is always a char boundary, and nothing can panic).

/// `s` up to the first `sep` and the rest after it; `None` without one.
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// The parts of `s` between the `sep` bytes (as `s.split(sep)`: `""` gives one empty part).
pub fn parts(s: &str, sep: u8) -> Parts<'_> {
    Parts { rest: Some(s), sep }
}

/// The iterator of [`parts`].
pub struct Parts<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Parts<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once(s, self.sep) {
            Some((part, rest)) => {
                self.rest = Some(rest);
                Some(part)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

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
    for b in s.bytes() {
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
