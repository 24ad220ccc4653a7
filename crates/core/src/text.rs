//! Byte-wise splitting on one ASCII separator, shared by the cookie code here and the
//! browser tracker. `str::split(char)` and friends bring core's pattern searchers and
//! `memchr` into the browser module (about 1 KB); a separator here is one ASCII byte, found
//! by a plain scan, and every slice is taken with `get` (an ASCII byte is always a char
//! boundary, so nothing can panic).

/// `s` up to the first `sep` and the rest after it; `None` without one. `sep` must be ASCII
/// (a non-ASCII byte never matches a char boundary, and the result would be `None`).
pub fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    // Through the slice iterator: `str::bytes().position` is a generic try_fold, twice the code
    // in the browser module.
    let i = s.as_bytes().iter().position(|&b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

/// `s` without its leading spaces (`' '` only).
pub fn skip_spaces(s: &str) -> &str {
    let b = s.as_bytes();
    s.get(b.iter().position(|&c| c != b' ').unwrap_or(b.len())..).unwrap_or("")
}

/// The parts of `s` between the `sep` bytes, as `s.split(sep)` (`""` gives one empty part).
pub fn parts(s: &str, sep: u8) -> Parts<'_> {
    Parts { rest: Some(s), sep }
}

/// The iterator of [`parts`].
#[derive(Clone, Debug)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn parts_split_as_str_split_does() {
        for s in ["", "a", "a;b", ";a;;b;", "é;ü", ";;"] {
            assert_eq!(parts(s, b';').collect::<Vec<_>>(), s.split(';').collect::<Vec<_>>(), "{s:?}");
        }
    }

    #[test]
    fn skip_spaces_drops_leading_spaces_only() {
        assert_eq!(skip_spaces("  a b "), "a b ");
        assert_eq!(skip_spaces("   "), "");
        assert_eq!(skip_spaces("\ta"), "\ta");
    }

    #[test]
    fn split_once_cuts_at_the_first_separator() {
        assert_eq!(split_once("a=b=c", b'='), Some(("a", "b=c")));
        assert_eq!(split_once("=", b'='), Some(("", "")));
        assert_eq!(split_once("abc", b'='), None);
    }
}
