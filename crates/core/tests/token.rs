//! The `?via=` token syntax: table-driven cases and a property that every string is either
//! accepted and round-trips, or rejected.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::{TokenError, ViaToken};

#[test]
fn accepts_and_normalises() {
    let cases = [
        ("jb007", "jb007"),
        ("JB007", "jb007"),
        ("a", "a"),
        ("spring-sale_2026", "spring-sale_2026"),
        ("-", "-"),
        ("_x_", "_x_"),
        (&*"z".repeat(64), &*"z".repeat(64)),
    ];
    for (input, stored) in cases {
        let t = ViaToken::parse(input).unwrap_or_else(|e| panic!("{input:?} rejected: {e}"));
        assert_eq!(t.as_str(), stored, "{input:?}");
        assert_eq!(t.to_string(), stored);
    }
}

#[test]
fn rejects_with_reason() {
    let long = "a".repeat(65);
    let cases: &[(&str, TokenError)] = &[
        ("", TokenError::Empty),
        (&long, TokenError::TooLong),
        ("jb 007", TokenError::InvalidChar),
        ("jb007;", TokenError::InvalidChar),
        ("<script>", TokenError::InvalidChar),
        ("a.b", TokenError::InvalidChar),
        ("a=b", TokenError::InvalidChar),
        ("a%20b", TokenError::InvalidChar),
        ("'; DROP TABLE links;--", TokenError::InvalidChar),
        ("jö", TokenError::InvalidChar),
        ("a\"b", TokenError::InvalidChar),
        ("a\0", TokenError::InvalidChar),
    ];
    for (input, want) in cases {
        assert_eq!(ViaToken::parse(input).unwrap_err(), *want, "{input:?}");
    }
}

#[test]
fn case_insensitive_equality() {
    assert_eq!(ViaToken::parse("Jb007").unwrap(), ViaToken::parse("jB007").unwrap());
}

#[test]
fn serde_goes_through_validation() {
    let t: ViaToken = serde_json::from_str("\"JB007\"").unwrap();
    assert_eq!(t.as_str(), "jb007");
    assert_eq!(serde_json::to_string(&t).unwrap(), "\"jb007\"");
    assert!(serde_json::from_str::<ViaToken>("\"a b\"").is_err());
    assert!(serde_json::from_str::<ViaToken>("7").is_err());
}

fn allowed_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

proptest! {
    /// Any string: accepted exactly when it is 1–64 allowed characters, and then the
    /// normalised form re-parses to itself and is safe in URLs, cookies, HTML and SQL.
    #[test]
    fn every_string_accepted_and_round_trips_or_rejected(s in any::<String>()) {
        let expected_ok = !s.is_empty() && s.len() <= 64 && s.chars().all(allowed_char);
        match ViaToken::parse(&s) {
            Ok(t) => {
                prop_assert!(expected_ok);
                prop_assert_eq!(t.as_str(), s.to_ascii_lowercase());
                let again = ViaToken::parse(t.as_str()).unwrap();
                prop_assert_eq!(&again, &t);
                prop_assert!(!t.as_str().contains([';', '=', ',', ' ', '"', '\'', '<', '>', '&', '.', '%']));
            }
            Err(_) => prop_assert!(!expected_ok),
        }
    }

    /// Strings drawn from the token alphabet itself, near the length limits.
    #[test]
    fn alphabet_strings(s in "[A-Za-z0-9_-]{0,70}") {
        let ok = ViaToken::parse(&s).is_ok();
        prop_assert_eq!(ok, (1..=64).contains(&s.len()));
    }
}
