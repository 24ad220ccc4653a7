//! JSON text for the reports and the answers the module gives back, written directly (no
//! serde, no `JSON.stringify`).

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
