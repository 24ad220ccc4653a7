//! JSON text for the reports and the answers the module gives back, written directly (no
//! serde, no `JSON.stringify`), and the one number it reads from JSON text.

use alloc::string::String;

/// Appends `s` as a JSON string: quoted, with `"`, `\` and control characters escaped
/// (everything else, non-ASCII included, as it is, which JSON allows). Copies the runs
/// between the bytes to escape, which are all ASCII (so every cut is a char boundary).
pub fn push_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut from = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.push_str(s.get(from..i).unwrap_or(""));
            out.push('\\');
            if b < 0x20 {
                out.push_str("u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 15)]));
            } else {
                out.push(char::from(b));
            }
            from = i + 1;
        }
    }
    out.push_str(s.get(from..).unwrap_or(""));
    out.push('"');
}

/// Appends `"name":` and `s` as a JSON string, after a `,` unless `out` ends with `{`.
pub fn push_field(out: &mut String, name: &str, s: &str) {
    push_key(out, name);
    push_string(out, s);
}

/// Appends `"name":` (the name needs no escaping), after a `,` unless `out` ends with `{`.
pub fn push_key(out: &mut String, name: &str) {
    if out.as_bytes().last() != Some(&b'{') {
        out.push(',');
    }
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

/// The whole part of a JSON number as `JSON.stringify` writes it (`3600`, `3600.5`,
/// `1e+21` for 10²¹ and up, `5e-7` below 10⁻⁶), saturating at `i64::MAX`; `None` for a
/// negative number or anything that is not a number.
// `<[u8]>::contains` would bring core's memchr into the module; a plain scan does not. The
// whole part goes through `text::number` (at most 18 digits, so no overflow check and no
// 128-bit multiplication in the module); longer is over `i64::MAX / 10` anyway.
#[allow(clippy::manual_contains)]
pub fn whole_number(json: &str) -> Option<i64> {
    let b = json.as_bytes();
    if !b.first()?.is_ascii_digit() {
        return None;
    }
    if b.iter().any(|&c| c == b'e') {
        return Some(if b.iter().any(|&c| c == b'+') { i64::MAX } else { 0 });
    }
    let digits = b.iter().position(|c| !c.is_ascii_digit()).unwrap_or(b.len());
    Some(crate::text::number(json.get(..digits)?).unwrap_or(i64::MAX))
}
