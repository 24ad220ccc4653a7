//! Validated request fields. Each type's `Deserialize` runs its validation, so a request
//! type built from them cannot hold a bad value.

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;
use serde::{Deserialize, Serialize};

/// Deserialize through `TryFrom<String>`, with the rule's message as the error.
macro_rules! deserialize_via {
    ($ty:ty) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$ty>::try_from(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Whether `s` holds a C0 control character (U+0000–U+001F) or DEL (U+007F). Fields whose
/// syntax viatrack defines (URLs, referrers, emails, hostnames, tokens, IDs) refuse them
/// rather than store or silently strip them (the URL parser would drop a tab or newline and
/// keep the rest); free text (names, metadata values) is not judged by this rule.
pub fn has_control(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// The message for a refused control character.
const CONTROL: &str = "must not contain control characters (U+0000-U+001F, U+007F)";

/// JSON Schema pattern of text without control characters ([`has_control`]).
#[cfg(feature = "openapi")]
const NO_CONTROL: &str = "^[^\\u0000-\\u001F\\u007F]*$";

crate::json_schema!(
    Email,
    "Email",
    serde_json::json!({"type": "string", "format": "email", "maxLength": MAX_EMAIL_LEN,
        "description": "an email address; stored trimmed and lower-cased"})
);
crate::json_schema!(
    HttpUrl,
    "HttpUrl",
    serde_json::json!({"type": "string", "format": "uri", "maxLength": MAX_URL_LEN, "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://",
        "description": "an absolute http: or https: URL with a host; stored as the URL parser serialises it"})
);
crate::json_schema!(
    Hostname,
    "Hostname",
    serde_json::json!({"type": "string", "format": "hostname", "maxLength": 253,
        "description": "a host name (lower case, no port); it also matches its subdomains"})
);
crate::json_schema!(
    Currency,
    "Currency",
    serde_json::json!({"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 code; stored upper case"})
);
crate::json_schema!(
    AmountCents,
    "AmountCents",
    serde_json::json!({"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT_CENTS,
        "description": "an amount in cents (the currency's minor unit)"})
);
crate::json_schema!(
    Metadata,
    "Metadata",
    serde_json::json!({"type": "object", "additionalProperties": true,
        "description": alloc::format!("custom key-value data: a JSON object of at most {MAX_METADATA_BYTES} bytes serialized")})
);

#[cfg(feature = "openapi")]
impl<const MAX: usize> utoipa::PartialSchema for Text<MAX> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::openapi::schema(serde_json::json!({
            "type": "string", "minLength": 1, "maxLength": MAX, "pattern": NO_CONTROL,
            "description": alloc::format!("text of 1 to {MAX} characters, no control characters")
        }))
    }
}

#[cfg(feature = "openapi")]
impl<const MAX: usize> utoipa::ToSchema for Text<MAX> {
    fn name() -> alloc::borrow::Cow<'static, str> {
        alloc::borrow::Cow::Owned(alloc::format!("Text{MAX}"))
    }
}

/// ID's kind.
#[cfg(feature = "openapi")]
pub struct IdRef;

crate::json_schema!(
    IdRef,
    "IdRef",
    serde_json::json!({
        "type": "string", "minLength": 1, "maxLength": MAX_REF_LEN, "pattern": NO_CONTROL,
        "description": "an ID; one that names nothing of this program is answered as not found"
    })
);

/// Longest accepted email address, in bytes (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email address, trimmed and lower-cased so that uniqueness checks ("a referral with
/// this email already exists", create-referral seed) are case-insensitive. Syntax is checked
/// by the `email_address` crate.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if has_control(&s) {
            return Err(CONTROL);
        }
        let s = s.trim().to_ascii_lowercase();
        if s.len() > MAX_EMAIL_LEN {
            return Err("email is longer than 254 characters");
        }
        // `email_address` accepts display-name forms ("A <a@b>") in from_str; insist on
        // the bare address and on a dot-free-of-edge domain with at least one dot.
        match email_address::EmailAddress::from_str(&s) {
            Ok(e) if e.email() == s && e.domain().contains('.') && !s.contains(' ') => Ok(Email(s)),
            _ => Err("not a valid email address"),
        }
    }
}

impl FromStr for Email {
    type Err = &'static str;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::try_from(s.to_string())
    }
}

deserialize_via!(Email);

/// Free text of 1 to `MAX` characters with no control characters (names, customer and
/// subscription IDs, invoice IDs). Surrounding white space is trimmed.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Into the inner string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Why a string is not a [`Text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    /// Empty after trimming.
    Empty,
    /// More than `MAX` characters.
    TooLong(usize),
    /// Contains a control character.
    Control,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => f.write_str("must not be empty"),
            TextError::TooLong(max) => write!(f, "must be at most {max} characters"),
            TextError::Control => f.write_str("must not contain control characters"),
        }
    }
}

impl<const MAX: usize> TryFrom<String> for Text<MAX> {
    type Error = TextError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let t = s.trim();
        if t.is_empty() {
            return Err(TextError::Empty);
        }
        if t.chars().count() > MAX {
            return Err(TextError::TooLong(MAX));
        }
        if t.chars().any(char::is_control) {
            return Err(TextError::Control);
        }
        Ok(Text(t.to_string()))
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Text::try_from(s).map_err(serde::de::Error::custom)
    }
}

/// Longest ID a request may name, in bytes (ours are 36; a client's own may be longer).
pub const MAX_REF_LEN: usize = 255;

/// An ID a request names to look something up (`affiliate_id`, `campaign_id`, `click_id`),
/// in any format: one of ours (`aff_` + 32 hex digits), or a client's own (`aff_123abc`, a
/// UUID), as a client ported from the seeds' products sends. An ID not in our format names
/// nothing of ours, so the caller answers as for an unknown ID (the create-referral seed:
/// an affiliate outside the program is `INVALID_AFFILIATE`; an unknown click is
/// `NOT_FOUND`), not with a format error.
///
/// # Errors
///
/// Deserializing fails (400 `VALIDATION_ERROR`) only for what no ID can be: an empty
/// string, more than [`MAX_REF_LEN`] bytes, or a control character ([`has_control`]).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Ref<T> {
    raw: String,
    id: Option<T>,
}

impl<T: FromStr> Ref<T> {
    /// Checks `raw` and parses it as one of our IDs when it has our format.
    ///
    /// # Errors
    ///
    /// As for [`Ref`].
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("must not be empty");
        }
        if raw.len() > MAX_REF_LEN {
            return Err("id is longer than 255 characters");
        }
        if has_control(raw) {
            return Err(CONTROL);
        }
        Ok(Ref { raw: raw.to_string(), id: raw.parse().ok() })
    }
}

impl<T> Ref<T> {
    /// Our ID, when the text has our format; `None` means it names nothing of ours.
    pub fn id(&self) -> Option<&T> {
        self.id.as_ref()
    }

    /// The ID as sent.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl<T> From<T> for Ref<T>
where
    T: AsRef<str>,
{
    fn from(id: T) -> Self {
        Ref { raw: id.as_ref().to_string(), id: Some(id) }
    }
}

impl<T> Serialize for Ref<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Ref<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ref::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// A person's name or an affiliate's first/last name: 1–200 characters.
pub type Name = Text<200>;
/// An ID from the merchant's own systems (customer, subscription, invoice): 1–255 characters.
pub type ExternalId = Text<255>;
/// Why a manual commission was made: 1–500 characters.
pub type Reason = Text<500>;
/// A campaign name: 1–200 characters.
pub type Title = Text<200>;

/// Largest serialized metadata object, in bytes.
pub const MAX_METADATA_BYTES: usize = 4096;

/// Custom key-value data (create-referral seed: "any JSON-serializable data"): a JSON
/// object of at most [`MAX_METADATA_BYTES`] bytes when serialized.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(transparent)]
pub struct Metadata(serde_json::Map<String, serde_json::Value>);

impl Metadata {
    /// The object.
    pub fn as_map(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.0
    }

    /// The object as compact JSON text (what D1 stores).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| String::from("{}"))
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        let len = serde_json::to_string(&map).map(|s| s.len()).unwrap_or(usize::MAX);
        if len > MAX_METADATA_BYTES {
            return Err(serde::de::Error::custom("metadata is larger than 4096 bytes"));
        }
        Ok(Metadata(map))
    }
}

/// Longest accepted URL, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// An absolute `http:` or `https:` URL of at most [`MAX_URL_LEN`] bytes, with a host, in
/// the form the WHATWG URL parser serialises it (`HTTPS://Shop.Example.com` →
/// `https://shop.example.com/`): what is stored is what every reader of the URL would see.
/// Control characters are refused, not stripped ([`has_control`]).
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(transparent)]
pub struct HttpUrl(String);

impl HttpUrl {
    /// The URL, serialised by the URL parser.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host, lower case (`shop.example.com`, `127.0.0.1`).
    pub fn host(&self) -> String {
        url::Url::parse(&self.0)
            .ok()
            .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase()))
            .unwrap_or_default()
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.0.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("https:"))
    }
}

impl TryFrom<String> for HttpUrl {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        const TOO_LONG: &str = "url is longer than 2048 characters";
        if s.len() > MAX_URL_LEN {
            return Err(TOO_LONG);
        }
        if has_control(&s) {
            return Err(CONTROL);
        }
        let u = url::Url::parse(&s).map_err(|_| "not a valid absolute URL")?;
        if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none_or(str::is_empty) {
            return Err("url must be an absolute http or https URL");
        }
        let normalised: String = u.into();
        if normalised.len() > MAX_URL_LEN {
            return Err(TOO_LONG);
        }
        Ok(HttpUrl(normalised))
    }
}

deserialize_via!(HttpUrl);

/// A hostname a campaign's tracking may be called from (`shop.example.com`), lower case.
/// A hostname also allows its subdomains. IPv4 addresses and `localhost` are accepted for
/// local development.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct Hostname(String);

impl Hostname {
    /// The hostname.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `host` is this hostname or one of its subdomains.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        host == self.0
            || (host.len() > self.0.len()
                && host.ends_with(self.0.as_str())
                && host.as_bytes()[host.len() - self.0.len() - 1] == b'.')
    }
}

impl TryFrom<String> for Hostname {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if has_control(&s) {
            return Err(CONTROL);
        }
        let h = s.trim().trim_end_matches('.').to_ascii_lowercase();
        let ok = !h.is_empty()
            && h.len() <= 253
            && h.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if ok {
            Ok(Hostname(h))
        } else {
            Err("not a valid hostname (letters, digits, '-' and '.', e.g. shop.example.com)")
        }
    }
}

deserialize_via!(Hostname);

/// Whether a browser on `host` may call a campaign's tracking endpoints, given the
/// campaign's `allowed_hostnames` (stored, lower case): any host when the list is empty,
/// else a listed hostname or one of its subdomains ([`Hostname::allows`]).
pub fn host_allowed(allowed_hostnames: &[Hostname], host: &str) -> bool {
    allowed_hostnames.is_empty() || allowed_hostnames.iter().any(|h| h.allows(host))
}

/// An ISO 4217 currency code, three ASCII letters, upper-cased (`usd` → `USD`).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Currency(s.to_ascii_uppercase()))
        } else {
            Err("currency must be a three-letter ISO 4217 code such as USD")
        }
    }
}

deserialize_via!(Currency);

/// Largest accepted amount, in cents (100 million in the currency's major unit).
pub const MAX_AMOUNT_CENTS: u64 = 10_000_000_000;

/// A sale amount in cents (the currency's minor unit), 1 to [`MAX_AMOUNT_CENTS`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(transparent)]
pub struct AmountCents(u64);

impl AmountCents {
    /// The amount in cents.
    pub fn cents(self) -> u64 {
        self.0
    }
}

impl<'de> Deserialize<'de> for AmountCents {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u64::deserialize(d)?;
        if (1..=MAX_AMOUNT_CENTS).contains(&n) {
            Ok(AmountCents(n))
        } else {
            Err(serde::de::Error::custom("amount must be a whole number of cents from 1 to 10000000000"))
        }
    }
}

/// The domain the referral cookie should be set on for a page at `host`: its registrable
/// domain (`www.shop.example.co.uk` → `shop.example.co.uk`), found with the Public Suffix
/// List (`psl` crate), so the cookie is shared by the site's subdomains. `None` for IP
/// addresses, `localhost` and hosts that are themselves a public suffix: the cookie is then
/// host-only.
pub fn cookie_domain(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<core::net::IpAddr>().is_ok()
        || host.contains(':')
    {
        return None;
    }
    let domain = psl::domain(host.as_bytes())?;
    if !domain.suffix().is_known() {
        return None;
    }
    core::str::from_utf8(domain.as_bytes()).ok().map(ToString::to_string)
}

/// Whether a page on `page_host` and a request to `request_host` are the same site: the same
/// host (IP addresses, `localhost`), or the same registrable domain ([`cookie_domain`]). Only
/// then may the Worker's answer set the server-side referral cookie, which the browser would
/// otherwise treat as a third-party cookie.
pub fn same_site(page_host: &str, request_host: &str) -> bool {
    let (a, b) = (page_host.to_ascii_lowercase(), request_host.to_ascii_lowercase());
    !a.is_empty() && (a == b || cookie_domain(&a).is_some_and(|d| Some(d) == cookie_domain(&b)))
}

/// The shareable URL of a link: `destination` with `via=<token>` set in its query
/// (`https://shop.example/pricing` → `https://shop.example/pricing?via=jb007`), replacing
/// an existing `via` parameter.
pub fn share_url(destination: &HttpUrl, token: &crate::ViaToken) -> String {
    match url::Url::parse(destination.as_str()) {
        Ok(mut u) => {
            let kept: alloc::vec::Vec<(String, String)> =
                u.query_pairs().filter(|(k, _)| k != "via").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            {
                let mut q = u.query_pairs_mut();
                q.clear();
                for (k, v) in &kept {
                    q.append_pair(k, v);
                }
                q.append_pair("via", token.as_str());
            }
            u.to_string()
        }
        Err(_) => destination.as_str().to_string(),
    }
}
