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

/// Issue 26: the promotion code a payment carries, read from the event without a call back
/// to Stripe (a Checkout Session's `discounts`, an expanded one with its code, an invoice's
/// older `discount`), and none from an invoice's bare `di_…` discount IDs.
#[test]
fn promotion_codes_are_read_from_the_event() {
    use serde_json::json;
    use viatrack_core::stripe::{Action, Event, Promotion};
    let sale = |event_type: &str, object: serde_json::Value| -> Option<Promotion> {
        let e: Event = serde_json::from_value(
            json!({"id": "evt_1", "type": event_type, "created": 1, "data": {"object": object}}),
        )
        .unwrap();
        match e.action() {
            Action::Sale(s) => s.promotion,
            other => panic!("{other:?}"),
        }
    };
    let session = |discounts: serde_json::Value| json!({"id": "cs_1", "amount_total": 5000, "currency": "usd", "discounts": discounts});
    assert_eq!(
        sale("checkout.session.completed", session(json!([{"coupon": "c_1", "promotion_code": "promo_1"}]))),
        Some(Promotion { id: "promo_1".into(), code: None })
    );
    assert_eq!(
        sale(
            "checkout.session.completed",
            session(
                json!([{"coupon": "c_1", "promotion_code": null}, {"promotion_code": {"id": "promo_2", "object": "promotion_code", "code": "JAMES20"}}])
            )
        ),
        Some(Promotion { id: "promo_2".into(), code: Some("JAMES20".into()) })
    );
    assert_eq!(
        sale("checkout.session.completed", session(json!([{"coupon": "c_1", "promotion_code": null}]))),
        None,
        "a coupon without a promotion code"
    );
    assert_eq!(sale("checkout.session.completed", session(json!([]))), None);
    let invoice = |extra: serde_json::Value| {
        let mut o = json!({"id": "in_1", "amount_paid": 5000, "currency": "usd", "customer": "cus_1"});
        o.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        o
    };
    assert_eq!(
        sale("invoice.paid", invoice(json!({"discounts": ["di_1", "di_2"]}))),
        None,
        "bare discount IDs name no code"
    );
    assert_eq!(
        sale(
            "invoice.paid",
            invoice(json!({"discount": {"id": "di_1", "object": "discount", "promotion_code": "promo_3"}}))
        ),
        Some(Promotion { id: "promo_3".into(), code: None })
    );
    assert_eq!(
        sale(
            "invoice.paid",
            invoice(json!({"discounts": [{"id": "di_1", "object": "discount", "promotion_code": "promo_4"}]}))
        ),
        Some(Promotion { id: "promo_4".into(), code: None })
    );
}
