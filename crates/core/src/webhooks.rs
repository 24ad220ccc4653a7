//! Outbound webhooks, per the Standard Webhooks specification (standardwebhooks.com), so any
//! of its libraries verifies viatrack's requests:
//!
//! * headers `webhook-id` (the event ID, the same on every retry), `webhook-timestamp` (Unix
//!   seconds) and `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over
//!   `"{id}.{timestamp}.{body}"`, keyed with the base64-decoded part of the endpoint's
//!   secret after `whsec_`; several signatures are space-separated (both secrets during a
//!   rotation);
//! * the body is `{"type", "timestamp", "data"}`, `data` being the resource as the API
//!   returns it.
//!
//! Delivery: a 2xx answer is a success; anything else is retried after [`retry_delay`], up to
//! [`MAX_ATTEMPTS`] attempts over about a day, then kept as a dead letter.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

crate::wire_enum! {
    /// What happened: the events an endpoint subscribes to.
    pub enum EventType ("event type") {
        /// A referral was created: a lead from the tracker, or one made through the API.
        ReferralCreated = "referral.created",
        /// A referral reached its first paying status.
        ReferralConverted = "referral.converted",
        /// A referral was changed through the API.
        ReferralUpdated = "referral.updated",
        /// A sale earned a commission, or a refund clawed one back.
        CommissionCreated = "commission.created",
        /// A commission was marked paid.
        CommissionPaid = "commission.paid",
        /// A commission was voided.
        CommissionVoided = "commission.voided",
        /// A sale was recorded.
        SaleCreated = "sale.created",
        /// A sale was (partly) refunded.
        SaleRefunded = "sale.refunded",
        /// A payout run made a payout.
        PayoutCreated = "payout.created",
        /// A payout was marked paid (its commissions with it).
        PayoutPaid = "payout.paid",
        /// A payout was marked failed (its commissions go to the next run).
        PayoutFailed = "payout.failed",
        /// A coupon code was created.
        CouponCreated = "coupon.created",
        /// A coupon code was archived (it credits nobody from then on).
        CouponArchived = "coupon.archived",
    }
}

crate::wire_enum! {
    /// Where one event's message to one endpoint is (`webhook_messages.state`).
    pub enum MessageState ("webhook message state") {
        /// Not delivered yet; an attempt is due at `due_at`.
        Pending = "pending",
        /// An attempt got a 2xx.
        Delivered = "delivered",
        /// Every attempt failed ([`MAX_ATTEMPTS`]); kept until a manual retry or retention.
        Dead = "dead",
    }
}

impl EventType {
    /// The resource whose data the event carries, and so the scope (`read:` of it) that a key
    /// needs to subscribe an endpoint to it: referral events carry the referral (with the
    /// customer's email), sale events the sale of a referral (sales are read with
    /// `read:referrals`, as `GET /v1/referrals/{id}` shows them), commission events the
    /// commission.
    pub fn resource(self) -> crate::api::scopes::Resource {
        use crate::api::scopes::Resource;
        match self {
            EventType::ReferralCreated
            | EventType::ReferralConverted
            | EventType::ReferralUpdated
            | EventType::SaleCreated
            | EventType::SaleRefunded => Resource::Referrals,
            EventType::CommissionCreated | EventType::CommissionPaid | EventType::CommissionVoided => {
                Resource::Commissions
            }
            EventType::PayoutCreated | EventType::PayoutPaid | EventType::PayoutFailed => Resource::Payouts,
            EventType::CouponCreated | EventType::CouponArchived => Resource::Coupons,
        }
    }
}

/// The first of `events` that a key holding `scopes` may not receive: an endpoint delivers an
/// event's data to whoever runs it, so subscribing needs `read:` on the event's
/// [`EventType::resource`] as well as `write:webhooks`. `None` when every event is readable.
pub fn unreadable_event(events: &[EventType], scopes: &[crate::api::scopes::Scope]) -> Option<EventType> {
    use crate::api::scopes::{Access, Scope};
    events.iter().copied().find(|e| !scopes.contains(&Scope { access: Access::Read, resource: e.resource() }))
}

/// Attempts per event and endpoint; the attempt after the last becomes a dead letter.
pub const MAX_ATTEMPTS: u32 = 8;

/// Seconds to wait after failed attempt `attempt` (1-based) before the next: `base × 4^(n−1)`
/// (with the default base of 10 s: 10 s, 40 s, 2.7 min, 11 min, 43 min, 2.8 h, 11.4 h, about
/// 15 h in all), or `None` after the last attempt.
pub fn retry_delay(attempt: u32, base_seconds: u32) -> Option<u32> {
    if attempt == 0 || attempt >= MAX_ATTEMPTS {
        return None;
    }
    // Cloudflare Queues delays at most 12 hours.
    Some(base_seconds.saturating_mul(4u32.saturating_pow(attempt - 1)).min(12 * 3600))
}

/// A new endpoint secret from 24 or more random bytes: `whsec_` + base64.
pub fn new_secret(random: &[u8]) -> String {
    alloc::format!("whsec_{}", STANDARD.encode(random))
}

/// The signing key of a `whsec_…` secret: its base64-decoded bytes.
///
/// # Errors
///
/// `None` when it is not `whsec_` + base64.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    STANDARD.decode(secret.strip_prefix("whsec_")?).ok()
}

/// One signature: `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(alloc::format!("{id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    alloc::format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: one signature per key, space-separated.
pub fn signature_header(keys: &[Vec<u8>], id: &str, timestamp: i64, body: &str) -> String {
    keys.iter().map(|k| sign(k, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    /// Not an absolute URL.
    #[error("not an absolute URL")]
    Syntax,
    /// Not `https` (plain `http` is allowed only for loopback in local development).
    #[error("must be https (http only for 127.0.0.1 or localhost in local development)")]
    Scheme,
    /// A private, link-local, loopback or otherwise internal address or name.
    #[error("must not point at a private, link-local, loopback or internal address")]
    Internal,
    /// The Worker's own host: a webhook must not call viatrack itself.
    #[error("must not point at viatrack itself")]
    Itself,
}

/// IPv4 blocks that are not the public internet: every entry of IANA's IPv4 Special-Purpose
/// Address Registry (RFC 6890 and its updates) plus multicast (224.0.0.0/4, RFC 5771), as
/// (network, prefix length). Source: iana.org/assignments/iana-ipv4-special-registry.
pub const SPECIAL_IPV4: &[([u8; 4], u8)] = &[
    ([0, 0, 0, 0], 8),       // "this network" (RFC 791)
    ([10, 0, 0, 0], 8),      // private use (RFC 1918)
    ([100, 64, 0, 0], 10),   // shared address space, carrier-grade NAT (RFC 6598)
    ([127, 0, 0, 0], 8),     // loopback (RFC 1122)
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata (RFC 3927)
    ([172, 16, 0, 0], 12),   // private use (RFC 1918)
    ([192, 0, 0, 0], 24),    // IETF protocol assignments (RFC 6890)
    ([192, 0, 2, 0], 24),    // documentation TEST-NET-1 (RFC 5737)
    ([192, 31, 196, 0], 24), // AS112-v4 (RFC 7535)
    ([192, 52, 193, 0], 24), // AMT (RFC 7450)
    ([192, 88, 99, 0], 24),  // deprecated 6to4 relay anycast (RFC 7526)
    ([192, 168, 0, 0], 16),  // private use (RFC 1918)
    ([192, 175, 48, 0], 24), // direct delegation AS112 service (RFC 7534)
    ([198, 18, 0, 0], 15),   // benchmarking (RFC 2544)
    ([198, 51, 100, 0], 24), // documentation TEST-NET-2 (RFC 5737)
    ([203, 0, 113, 0], 24),  // documentation TEST-NET-3 (RFC 5737)
    ([224, 0, 0, 0], 4),     // multicast (RFC 5771)
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255 limited broadcast (RFC 1112, RFC 919)
];

/// IPv6 blocks that are not the public internet: every entry of IANA's IPv6 Special-Purpose
/// Address Registry, the deprecated site-local block (fec0::/10, RFC 3879) and multicast
/// (ff00::/8, RFC 4291), as (network, prefix length). IPv4-mapped addresses (::ffff:0:0/96)
/// are judged as the IPv4 address they carry. Source:
/// iana.org/assignments/iana-ipv6-special-registry.
pub const SPECIAL_IPV6: &[([u16; 8], u8)] = &[
    ([0, 0, 0, 0, 0, 0, 0, 0], 96), // unspecified, loopback, IPv4-compatible (RFC 4291)
    ([0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96), // IPv4/IPv6 translation, NAT64 (RFC 6052)
    ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), // local-use IPv4/IPv6 translation (RFC 8215)
    ([0x100, 0, 0, 0, 0, 0, 0, 0], 64), // discard-only (RFC 6666)
    ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23), // IETF protocol assignments, Teredo (RFC 2928, 4380)
    ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation (RFC 3849)
    ([0x2002, 0, 0, 0, 0, 0, 0, 0], 16), // 6to4, which embeds any IPv4 address (RFC 3056)
    ([0x2620, 0x4f, 0x8000, 0, 0, 0, 0, 0], 48), // direct delegation AS112 service (RFC 7534)
    ([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), // documentation (RFC 9637)
    ([0x5f00, 0, 0, 0, 0, 0, 0, 0], 16), // segment routing SIDs (RFC 9602)
    ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), // unique local (RFC 4193)
    ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), // link-local (RFC 4291)
    ([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), // deprecated site-local (RFC 3879)
    ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), // multicast (RFC 4291)
];

/// Whether `ip` lies in one of [`SPECIAL_IPV4`] or [`SPECIAL_IPV6`]: not a public address.
pub fn is_special_purpose(ip: core::net::IpAddr) -> bool {
    use core::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            SPECIAL_IPV4.iter().any(|&(net, len)| {
                let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
                bits & mask == u32::from_be_bytes(net) & mask
            })
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_special_purpose(IpAddr::V4(v4));
            }
            let bits = u128::from(v6);
            SPECIAL_IPV6.iter().any(|&(net, len)| {
                let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
                bits & mask == u128::from(core::net::Ipv6Addr::from(net)) & mask
            })
        }
    }
}

/// Checks an endpoint URL: `https` to a public host that is not the Worker itself.
///
/// * The Worker itself is `own_origin` (e.g. `https://viatrack.example.workers.dev`: the same
///   origin, or the same host on any port unless it is loopback), every host of `own_hosts`
///   (the hostnames of its first-party routes, the `WORKER_HOSTS` var), and any URL whose path
///   is under the first-party prefix `/_viatrack/` (on any host, that is a route to this
///   Worker).
/// * With `local_dev`, `http`/`https` to loopback (`127.0.0.0/8`, `::1`, `localhost`) is
///   allowed.
/// * Names are judged as written (a Worker cannot resolve them): `*.local`, `*.internal`,
///   `*.localhost`, `localhost` and single-label names are refused. Addresses are refused when
///   [`is_special_purpose`] (IANA's special-purpose registries, multicast, site-local).
///   Redirects are never followed at delivery, so a public name that answers 3xx to an
///   internal one reaches nothing.
///
/// # Errors
///
/// [`UrlRefusal`].
pub fn check_url(raw: &str, own_origin: &str, own_hosts: &[&str], local_dev: bool) -> Result<url::Url, UrlRefusal> {
    use core::net::IpAddr;
    let url = url::Url::parse(raw).map_err(|_| UrlRefusal::Syntax)?;
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_ascii_lowercase(),
        Some(url::Host::Ipv4(ip)) => alloc::format!("{ip}"),
        Some(url::Host::Ipv6(ip)) => alloc::format!("{ip}"),
        None => return Err(UrlRefusal::Syntax),
    };
    let ip: Option<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(match ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(ip),
        }),
        _ => None,
    };
    let loopback = match ip {
        Some(ip) => ip.is_loopback(),
        None => host == "localhost" || host.ends_with(".localhost"),
    };
    let own = url::Url::parse(own_origin).ok();
    let same_origin = own.as_ref().is_some_and(|o| o.origin() == url.origin());
    let same_host = own.as_ref().and_then(|o| o.host_str()).is_some_and(|h| h.eq_ignore_ascii_case(&host))
        || own_hosts.iter().any(|h| h.trim_end_matches('.').eq_ignore_ascii_case(&host));
    let first_party_path = url.path() == "/_viatrack" || url.path().starts_with("/_viatrack/");
    if same_origin || (same_host && !loopback) || first_party_path {
        return Err(UrlRefusal::Itself);
    }
    if loopback {
        return if local_dev && matches!(url.scheme(), "http" | "https") { Ok(url) } else { Err(UrlRefusal::Internal) };
    }
    if url.scheme() != "https" {
        return Err(UrlRefusal::Scheme);
    }
    let internal = match ip {
        Some(ip) => is_special_purpose(ip),
        None => host.ends_with(".local") || host.ends_with(".internal") || !host.contains('.'),
    };
    if internal {
        return Err(UrlRefusal::Internal);
    }
    Ok(url)
}
