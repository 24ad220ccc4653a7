//! `/v1/webhook_endpoints`: where a program's events are sent ([`crate::webhooks`]), and the
//! log of each delivery attempt.

use super::fields::has_control;
use crate::ids::{DeliveryId, EventId, WebhookEndpointId};
use crate::time::Timestamp;
use crate::webhooks::EventType;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The event types an endpoint subscribes to: 1 to 8, each once (sorted on the way in).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Events(Vec<EventType>);

impl Events {
    /// The types.
    pub fn as_slice(&self) -> &[EventType] {
        &self.0
    }

    /// Space-separated wire names (the stored form).
    pub fn to_stored(&self) -> String {
        self.0.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// From the stored form; unknown names are dropped.
    pub fn from_stored(s: &str) -> Self {
        Events(s.split_ascii_whitespace().filter_map(|n| EventType::parse(n).ok()).collect())
    }
}

crate::json_schema!(
    Events,
    "Events",
    serde_json::json!({
        "type": "array",
        "minItems": 1,
        "items": serde_json::to_value(<EventType as utoipa::PartialSchema>::schema()).expect("a schema is JSON"),
        "description": "event types; each counts once"
    })
);

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut v = Vec::<EventType>::deserialize(d)?;
        v.sort_by_key(|e| e.as_str());
        v.dedup();
        if v.is_empty() {
            return Err(serde::de::Error::custom("name at least one event type"));
        }
        Ok(Events(v))
    }
}

/// An endpoint URL as sent: 1 to 2048 bytes, no control characters. Whether it may be called
/// is [`crate::webhooks::check_url`]'s decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct EndpointUrl(String);

impl EndpointUrl {
    /// The URL as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::json_schema!(
    EndpointUrl,
    "EndpointUrl",
    serde_json::json!({
        "type": "string", "minLength": 1, "maxLength": super::fields::MAX_URL_LEN,
        "description": "an https URL of a public host (http to loopback only in local development)"
    })
);

impl<'de> Deserialize<'de> for EndpointUrl {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() || s.len() > super::fields::MAX_URL_LEN || has_control(&s) {
            return Err(serde::de::Error::custom("must be a URL of 1 to 2048 characters without control characters"));
        }
        Ok(EndpointUrl(s))
    }
}

/// `POST /v1/webhook_endpoints`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// `https` (or `http` to loopback in local development); not private or internal.
    pub url: EndpointUrl,
    /// The event types to send.
    pub events: Events,
}

/// `PATCH /v1/webhook_endpoints/{id}`.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    /// New URL.
    #[serde(default, deserialize_with = "super::referrals::present")]
    pub url: Option<EndpointUrl>,
    /// New event types.
    #[serde(default, deserialize_with = "super::referrals::present")]
    pub events: Option<Events>,
    /// Pause (`false`) or resume (`true`) deliveries.
    #[serde(default, deserialize_with = "super::referrals::present")]
    pub enabled: Option<bool>,
}

/// The webhook endpoint object (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    /// `whe_…`.
    pub id: WebhookEndpointId,
    /// Where events are POSTed.
    pub url: String,
    /// The event types sent.
    pub events: Vec<EventType>,
    /// Whether events are sent.
    pub enabled: bool,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
    /// ISO 8601 UTC.
    pub updated_at: Timestamp,
}

/// The answer to creating an endpoint or rotating its secret: the endpoint and, this once,
/// its secret (`whsec_` + base64 of 32 random bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WithSecret {
    /// The endpoint.
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// The signing secret. Shown only here.
    pub secret: String,
    /// After a rotation: until when the previous secret also signs (24 h), ISO 8601 UTC.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub previous_secret_expires_at: Option<Timestamp>,
}

/// The answer to `POST /v1/webhook_endpoints/{id}/deliveries/{delivery_id}/retry` (202): the
/// event is queued again under its `webhook-id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RetryQueued {
    /// The event's `webhook-id`, the same as the first attempt's.
    pub event_id: EventId,
    /// Always `true`.
    pub queued: bool,
}

/// One delivery attempt, as `GET /v1/webhook_endpoints/{id}/deliveries` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    /// `dlv_…`.
    pub id: DeliveryId,
    /// The event (`webhook-id`), the same on every attempt.
    pub event_id: EventId,
    /// Its type.
    pub event_type: EventType,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The endpoint's HTTP status; `null` when no answer came.
    pub status_code: Option<u16>,
    /// Milliseconds from sending to the answer (or the failure).
    pub duration_ms: u32,
    /// What went wrong (`HTTP 500`, `timeout`, `connection failed`), `null` on success. The
    /// endpoint's answer body is never stored or shown.
    pub error: Option<String>,
    /// ISO 8601 UTC.
    pub created_at: Timestamp,
}

/// The body of every event request.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventBody<'a, T: Serialize> {
    /// The event type.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened, ISO 8601 UTC.
    pub timestamp: Timestamp,
    /// The resource as the API returns it.
    pub data: &'a T,
}
