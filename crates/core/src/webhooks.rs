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
    }
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

/// Checks an endpoint URL: `https` to a public host that is not the Worker's own (its origin
/// `own_origin`, e.g. `https://viatrack.example.workers.dev`: the same origin, or the same
/// host on any port unless it is loopback);
/// with `local_dev`, also `http`/`https` to loopback (`127.0.0.0/8`, `::1`, `localhost`).
/// Names are judged as written (a Worker cannot resolve them), and private ranges
/// (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local (169.254/16, fe80::/10),
/// unspecified addresses and `*.local`, `*.internal`, `*.localhost` names are refused.
///
/// # Errors
///
/// [`UrlRefusal`].
pub fn check_url(raw: &str, own_origin: &str, local_dev: bool) -> Result<url::Url, UrlRefusal> {
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
    let same_host = own.as_ref().and_then(|o| o.host_str()).is_some_and(|h| h.eq_ignore_ascii_case(&host));
    if same_origin || (same_host && !loopback) {
        return Err(UrlRefusal::Itself);
    }
    if loopback {
        return if local_dev && matches!(url.scheme(), "http" | "https") { Ok(url) } else { Err(UrlRefusal::Internal) };
    }
    if url.scheme() != "https" {
        return Err(UrlRefusal::Scheme);
    }
    let internal = match ip {
        Some(IpAddr::V4(v4)) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (64..128).contains(&b))
        }
        Some(IpAddr::V6(v6)) => {
            let first = v6.segments()[0];
            v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
        None => host.ends_with(".local") || host.ends_with(".internal") || !host.contains('.'),
    };
    if internal {
        return Err(UrlRefusal::Internal);
    }
    Ok(url)
}
