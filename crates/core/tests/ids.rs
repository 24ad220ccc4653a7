//! Prefixed IDs: table-driven parse cases and a round trip through `from_bytes`.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use proptest::prelude::*;
use viatrack_core::{AffiliateId, CampaignId, ClickId, IdError, ReferralId, VisitorId};

const HEX32: &str = "0123456789abcdef0123456789abcdef";

#[test]
fn parse_table() {
    let good = format!("ref_{HEX32}");
    assert_eq!(ReferralId::parse(&good).unwrap().as_str(), good);
    let cases: &[(String, IdError)] = &[
        (format!("aff_{HEX32}"), IdError::Prefix),
        (HEX32.to_string(), IdError::Prefix),
        (format!("REF_{HEX32}"), IdError::Prefix),
        (format!("ref_{}", &HEX32[1..]), IdError::Body),
        (format!("ref_{HEX32}0"), IdError::Body),
        (format!("ref_{}", HEX32.to_uppercase()), IdError::Body),
        (format!("ref_{}g", &HEX32[1..]), IdError::Body),
        ("ref_".to_string(), IdError::Body),
        (String::new(), IdError::Prefix),
    ];
    for (input, want) in cases {
        assert_eq!(ReferralId::parse(input).unwrap_err(), *want, "{input:?}");
    }
}

#[test]
fn kinds_do_not_mix() {
    let aff = format!("aff_{HEX32}");
    assert!(AffiliateId::parse(&aff).is_ok());
    assert!(CampaignId::parse(&aff).is_err());
    assert!(VisitorId::parse(&aff).is_err());
    let click = ClickId::parse(&format!("ref_{HEX32}")).unwrap();
    let referral: ReferralId = click.clone().into();
    assert_eq!(referral.as_str(), click.as_str());
}

#[test]
fn serde_validates() {
    let id: AffiliateId = serde_json::from_str(&format!("\"aff_{HEX32}\"")).unwrap();
    assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"aff_{HEX32}\""));
    assert!(serde_json::from_str::<AffiliateId>("\"aff_123abc\"").is_err());
}

proptest! {
    #[test]
    fn from_bytes_round_trips(bytes in any::<[u8; 16]>()) {
        let id = VisitorId::from_bytes(bytes);
        prop_assert!(id.as_str().starts_with("vis_"));
        prop_assert_eq!(VisitorId::parse(id.as_str()).unwrap(), id.clone());
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        prop_assert_eq!(&id.as_str()[4..], hex.as_str());
    }
}
