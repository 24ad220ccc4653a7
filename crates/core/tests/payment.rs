//! Which referral a payment credits (`viatrack_core::payment`): the table of its module
//! docs, case by case, and properties over every combination of hints.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::payment::{lookups, Hints, Lookup, Named, Source};
use viatrack_core::ReferralId;

fn id() -> ReferralId {
    "ref_abcdef0123456789abcdef0123456789".parse().expect("a referral id")
}

fn hints<'a>(named: Named<'a>, customer: Option<&'a str>, email: Option<&'a str>) -> Hints<'a> {
    Hints { named, customer_id: customer, email }
}

#[test]
fn the_api_click_id_is_exclusive() {
    let r = id();
    let h = hints(Named::Referral(&r), Some("cus_1"), Some("a@example.com"));
    assert_eq!(lookups(Source::Api, &h), vec![Lookup::Referral(&r)]);
}

#[test]
fn a_malformed_api_click_id_names_nobody() {
    let h = hints(Named::Malformed, Some("cus_1"), Some("a@example.com"));
    assert_eq!(lookups(Source::Api, &h), vec![]);
}

#[test]
fn without_a_named_referral_the_customer_comes_before_the_email() {
    let h = hints(Named::Nothing, Some("cus_1"), Some("a@example.com"));
    let want = vec![Lookup::Customer("cus_1"), Lookup::Email("a@example.com")];
    assert_eq!(lookups(Source::Api, &h), want);
    assert_eq!(lookups(Source::Stripe, &h), want);
    assert_eq!(
        lookups(Source::Api, &hints(Named::Nothing, None, Some("a@example.com"))),
        vec![Lookup::Email("a@example.com")]
    );
    assert_eq!(lookups(Source::Stripe, &hints(Named::Nothing, None, None)), vec![]);
}

#[test]
fn stripe_falls_back_from_the_named_referral() {
    let r = id();
    let h = hints(Named::Referral(&r), Some("cus_1"), Some("a@example.com"));
    assert_eq!(
        lookups(Source::Stripe, &h),
        vec![Lookup::Referral(&r), Lookup::Customer("cus_1"), Lookup::Email("a@example.com")]
    );
    let h = hints(Named::Malformed, None, Some("a@example.com"));
    assert_eq!(lookups(Source::Stripe, &h), vec![Lookup::Email("a@example.com")]);
}

fn named(choice: u8, r: &ReferralId) -> Named<'_> {
    match choice % 3 {
        0 => Named::Nothing,
        1 => Named::Referral(r),
        _ => Named::Malformed,
    }
}

proptest! {
    /// Every look-up comes from a hint; a hint is looked up at most once; a named referral
    /// is always tried first; a customer ID always before an email; Stripe tries a superset
    /// of what the API tries.
    #[test]
    fn lookups_follow_the_hints(choice in 0u8..3, customer in proptest::option::of("[a-z_0-9]{1,12}"), email in proptest::option::of("[a-z]{1,8}@example\\.com")) {
        let r = id();
        let h = hints(named(choice, &r), customer.as_deref(), email.as_deref());
        for source in [Source::Api, Source::Stripe] {
            let found = lookups(source, &h);
            prop_assert!(found.len() <= 3);
            for (i, l) in found.iter().enumerate() {
                match l {
                    Lookup::Referral(x) => { prop_assert_eq!(i, 0); prop_assert_eq!(h.named, Named::Referral(x)); }
                    Lookup::Customer(c) => prop_assert_eq!(Some(*c), h.customer_id),
                    Lookup::Email(e) => {
                        prop_assert_eq!(Some(*e), h.email);
                        prop_assert!(found[i + 1..].is_empty(), "the email is the last resort");
                    }
                }
            }
            if source == Source::Api && h.named != Named::Nothing {
                prop_assert!(found.len() <= 1, "an API click_id excludes every other hint");
            }
        }
        let api = lookups(Source::Api, &h);
        let stripe = lookups(Source::Stripe, &h);
        prop_assert!(api.iter().all(|l| stripe.contains(l)));
    }
}

/// Issue 26: a referral the look-ups found always stands; a code credits only a payment no
/// referral explains, and only when it is usable.
#[test]
fn a_code_credits_only_what_no_referral_explains() {
    use viatrack_core::payment::{credit, Code, Credit};
    for code in [Code::None, Code::Usable, Code::Unusable] {
        assert_eq!(credit(true, code), Credit::Referral, "{code:?}: the link's attribution wins");
    }
    assert_eq!(credit(false, Code::Usable), Credit::Coupon);
    assert_eq!(credit(false, Code::Unusable), Credit::Nobody, "an archived or unknown code credits nobody");
    assert_eq!(credit(false, Code::None), Credit::Nobody);
}

proptest! {
    /// The referral a code makes for a payment is named by the program and the invoice only:
    /// a retry of the same payment finds it, another invoice or program never does.
    #[test]
    fn a_coded_payment_makes_one_referral(a in "[ -~]{1,40}", b in "[ -~]{1,40}") {
        use viatrack_core::payment::code_referral_id;
        use viatrack_core::ProgramId;
        let p = ProgramId::parse("prg_00000000000000000000000000000001").unwrap();
        let q = ProgramId::parse("prg_00000000000000000000000000000002").unwrap();
        let id = code_referral_id(&p, &a);
        prop_assert_eq!(&id, &code_referral_id(&p, &a));
        prop_assert!(ReferralId::parse(id.as_str()).is_ok(), "an ID in our format");
        prop_assert_ne!(&id, &code_referral_id(&q, &a));
        if a != b {
            prop_assert_ne!(&id, &code_referral_id(&p, &b));
        }
    }
}
