//! Stripe webhook signatures against headers made by Stripe's own npm package
//! (`stripe@23.1.0`, `webhooks.generateTestHeaderString`), an implementation independent of
//! ours: the vectors below were printed by it for the given payload, secret and timestamp.

use viatrack_core::stripe::{verify, SignatureError, TOLERANCE_SECONDS};

const SECRET: &str = "whsec_test_secret";
const PAYLOAD: &str = r#"{"id":"evt_1","type":"checkout.session.completed"}"#;
const T: i64 = 1_700_000_000;
// node -e "new (require('stripe'))('sk_test_x').webhooks.generateTestHeaderString({payload, secret, timestamp: 1700000000})"
const SIG: &str = "a13d4b1f9003bc2fb6c06224e878b6056185eaa50d40e1e7dc05517f8af41d7b";

#[test]
fn stripes_own_header_verifies() {
    let header = format!("t={T},v1={SIG}");
    assert_eq!(verify(SECRET, &header, PAYLOAD.as_bytes(), T), Ok(T));
    assert_eq!(verify(SECRET, &header, PAYLOAD.as_bytes(), T + TOLERANCE_SECONDS), Ok(T));
    // Several v1 entries (a secret being rolled) and other schemes: any v1 may match.
    let rolled = format!("t={T}, v0=abcd, v1={}, v1={SIG}", "00".repeat(32));
    assert_eq!(verify(SECRET, &rolled, PAYLOAD.as_bytes(), T), Ok(T));
}

#[test]
fn refusals() {
    let header = format!("t={T},v1={SIG}");
    let body = PAYLOAD.as_bytes();
    assert_eq!(verify(SECRET, &header, body, T + TOLERANCE_SECONDS + 1), Err(SignatureError::Stale));
    assert_eq!(verify(SECRET, &header, body, T - TOLERANCE_SECONDS - 1), Err(SignatureError::Stale));
    assert_eq!(verify("whsec_other", &header, body, T), Err(SignatureError::Mismatch));
    let mut changed = PAYLOAD.to_string();
    changed.push(' ');
    assert_eq!(verify(SECRET, &header, changed.as_bytes(), T), Err(SignatureError::Mismatch), "one byte more");
    let moved = format!("t={},v1={SIG}", T + 1);
    assert_eq!(verify(SECRET, &moved, body, T), Err(SignatureError::Mismatch), "the timestamp is signed");
    for bad in ["", "v1=abc", &format!("t={T}"), &format!("t=x,v1={SIG}"), &format!("t={T},v0={SIG}")] {
        assert_eq!(verify(SECRET, bad, body, T), Err(SignatureError::Header), "{bad}");
    }
    assert_eq!(verify(SECRET, &format!("t={T},v1=zz"), body, T), Err(SignatureError::Mismatch), "not hex");
}
