//! API key kinds and scopes (the referral tools seed's `read:referrals`, `write:referrals`,
//! `delete:referrals`, and the same for affiliates, campaigns and links; and `api_keys`,
//! which governs the keys themselves).
//!
//! A **publishable key** (`pk_…`) is safe in a web page and may only call the tracking
//! endpoints (click, lead). A **secret key** (`sk_…`) carries a set of scopes; the sale
//! endpoint needs `write:referrals`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// What a scope grants access to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Resource {
    /// Referrals (and sales, which change referrals).
    Referrals,
    /// Affiliates.
    Affiliates,
    /// Campaigns.
    Campaigns,
    /// Links.
    Links,
    /// API keys (`/v1/api_keys`).
    ApiKeys,
    /// Commissions (`/v1/commissions`).
    Commissions,
    /// Integrations (`/v1/integrations/stripe`).
    Integrations,
    /// Outbound webhooks (`/v1/webhook_endpoints`).
    Webhooks,
    /// Funnel figures (`GET /v1/stats`): read only, so `read:stats` is its one scope.
    Stats,
    /// Payouts (`/v1/payouts`): `read:payouts` and `write:payouts` (a payout is never
    /// deleted; it is canceled).
    Payouts,
    /// Coupon codes (`/v1/coupons`).
    Coupons,
}

/// The kind of access.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Access {
    /// `GET`.
    Read,
    /// `POST`, `PATCH`.
    Write,
    /// `DELETE`.
    Delete,
}

/// One scope, `read:referrals` and the like.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct Scope {
    /// The access granted.
    pub access: Access,
    /// To what.
    pub resource: Resource,
}

impl Scope {
    /// Every scope a secret key may hold, in a stable order.
    pub fn all() -> Vec<Scope> {
        let mut v = Vec::new();
        for resource in [
            Resource::Referrals,
            Resource::Affiliates,
            Resource::Campaigns,
            Resource::Links,
            Resource::ApiKeys,
            Resource::Commissions,
            Resource::Integrations,
            Resource::Webhooks,
            Resource::Coupons,
        ] {
            for access in [Access::Read, Access::Write, Access::Delete] {
                v.push(Scope { access, resource });
            }
        }
        v.push(Scope { access: Access::Read, resource: Resource::Stats });
        v.push(Scope { access: Access::Read, resource: Resource::Payouts });
        v.push(Scope { access: Access::Write, resource: Resource::Payouts });
        v
    }

    /// Parses `read:referrals` etc.
    pub fn parse(s: &str) -> Option<Scope> {
        let (a, r) = s.split_once(':')?;
        let access = match a {
            "read" => Access::Read,
            "write" => Access::Write,
            "delete" => Access::Delete,
            _ => return None,
        };
        let resource = match r {
            "referrals" => Resource::Referrals,
            "affiliates" => Resource::Affiliates,
            "campaigns" => Resource::Campaigns,
            "links" => Resource::Links,
            "api_keys" => Resource::ApiKeys,
            "commissions" => Resource::Commissions,
            "integrations" => Resource::Integrations,
            "webhooks" => Resource::Webhooks,
            "stats" if access == Access::Read => Resource::Stats,
            "payouts" if access != Access::Delete => Resource::Payouts,
            "coupons" => Resource::Coupons,
            _ => return None,
        };
        Some(Scope { access, resource })
    }

    /// The wire name.
    pub fn name(self) -> String {
        let a = match self.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Delete => "delete",
        };
        let r = match self.resource {
            Resource::Referrals => "referrals",
            Resource::Affiliates => "affiliates",
            Resource::Campaigns => "campaigns",
            Resource::Links => "links",
            Resource::ApiKeys => "api_keys",
            Resource::Commissions => "commissions",
            Resource::Integrations => "integrations",
            Resource::Webhooks => "webhooks",
            Resource::Stats => "stats",
            Resource::Payouts => "payouts",
            Resource::Coupons => "coupons",
        };
        alloc::format!("{a}:{r}")
    }

    /// Parses a space-separated scope list; unknown names are dropped.
    pub fn parse_list(s: &str) -> Vec<Scope> {
        s.split_ascii_whitespace().filter_map(Scope::parse).collect()
    }
}

crate::json_schema!(
    Scope,
    "Scope",
    serde_json::json!({
        "type": "string",
        "pattern": "^(read|write|delete):[a-z_]+$",
        "description": "`read:`, `write:` or `delete:` and a resource (referrals, affiliates, campaigns, links, \
                        api_keys, commissions, integrations, webhooks, …)"
    })
);

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Scope::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(
                "unknown scope: expected read, write or delete, ':', and referrals, affiliates, campaigns, \
                 links, api_keys, commissions, integrations or webhooks (or read:stats)",
            )
        })
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

crate::wire_enum! {
    /// The two kinds of API key, by their stored name (`api_keys.kind`).
    pub enum KeyKind ("key kind (publishable or secret)") {
        /// `pk_…`: tracking endpoints only; safe to publish in a page.
        Publishable = "publishable",
        /// `sk_…`: REST API and sales, limited by scopes; keep on the server.
        Secret = "secret",
    }
}

impl KeyKind {
    /// The kind a presented key claims by its prefix, if its shape is right:
    /// `pk_` or `sk_` followed by 24 to 64 ASCII letters and digits.
    pub fn of(key: &str) -> Option<KeyKind> {
        let (kind, rest) = if let Some(rest) = key.strip_prefix("pk_") {
            (KeyKind::Publishable, rest)
        } else if let Some(rest) = key.strip_prefix("sk_") {
            (KeyKind::Secret, rest)
        } else {
            return None;
        };
        ((24..=64).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(kind)
    }
}
