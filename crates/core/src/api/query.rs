//! List query strings: `page` (1-indexed, default 1), `limit` (default 10, 1–100) as the
//! list-referrals seed documents, and each list's filters. Out-of-range values and unknown
//! parameters are `VALIDATION_ERROR`s, never silently clamped or ignored.

use super::fields::{Email, Ref};
use super::ValidationError;
use crate::ids::{AffiliateId, CampaignId};
use crate::lifecycle::{ReferralType, Status};
use crate::time::Timestamp;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 10;
/// Largest page size.
pub const MAX_LIMIT: u32 = 100;

/// Decoded `key=value` pairs, each key at most once, only from an allowed set.
#[derive(Debug)]
pub(crate) struct Params(BTreeMap<String, String>);

impl Params {
    pub(crate) fn new<I, K, V>(pairs: I, allowed: &[&str]) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            let k = k.as_ref();
            if !allowed.contains(&k) {
                return Err(ValidationError::field(
                    k,
                    format!("unknown query parameter; expected one of {}", allowed.join(", ")),
                ));
            }
            if map.insert(k.to_string(), v.as_ref().to_string()).is_some() {
                return Err(ValidationError::field(k, "query parameter given more than once"));
            }
        }
        Ok(Self(map))
    }

    fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    pub(crate) fn parse<T>(
        &self,
        k: &str,
        f: impl FnOnce(&str) -> Option<T>,
        what: &str,
    ) -> Result<Option<T>, ValidationError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => f(v).map(Some).ok_or_else(|| ValidationError::field(k, format!("must be {what}"))),
        }
    }

    /// `from` and `to` (ISO 8601, `created_at` at or after / at or before), `from` not
    /// after `to`.
    pub(crate) fn range(&self) -> Result<(Option<Timestamp>, Option<Timestamp>), ValidationError> {
        let from = self.parse("from", |v| Timestamp::parse_iso8601(v).ok(), "an ISO 8601 timestamp")?;
        let to = self.parse("to", |v| Timestamp::parse_iso8601(v).ok(), "an ISO 8601 timestamp")?;
        match (from, to) {
            (Some(f), Some(t)) if f > t => Err(ValidationError::field("from", "must not be after to")),
            _ => Ok((from, to)),
        }
    }

    pub(crate) fn paging(&self) -> Result<Paging, ValidationError> {
        let page = self
            .parse(
                "page",
                |v| v.parse::<u32>().ok().filter(|p| *p >= 1 && *p <= 1_000_000),
                "an integer from 1 to 1000000",
            )?
            .unwrap_or(1);
        let limit = self
            .parse(
                "limit",
                |v| v.parse::<u32>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)),
                "an integer from 1 to 100",
            )?
            .unwrap_or(DEFAULT_LIMIT);
        Ok(Paging { page, limit })
    }
}

/// `page` and `limit`, validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// 1-indexed page.
    pub page: u32,
    /// Items per page, 1–100.
    pub limit: u32,
}

impl Paging {
    /// Rows to skip.
    pub fn offset(self) -> u64 {
        super::Pagination::offset(self.page, self.limit)
    }
}

/// `GET /v1/referrals` filters (list-referrals and referral tools seeds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralQuery {
    /// Page and limit.
    pub paging: Paging,
    /// `affiliate_id`, any format ([`Ref`]).
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// `email`, exact (normalised like stored emails).
    pub email: Option<Email>,
    /// `customer_id` (or its alias `stripe_customer_id`), exact.
    pub customer_id: Option<String>,
    /// The statuses allowed by `status`, `type` and `subscription_status` (comma lists)
    /// together; `None` when none is given.
    pub statuses: Option<Vec<Status>>,
    /// `from`: `created_at` at or after (ISO 8601).
    pub from: Option<Timestamp>,
    /// `to`: `created_at` at or before (ISO 8601).
    pub to: Option<Timestamp>,
}

impl ReferralQuery {
    /// The parameters this list accepts.
    pub const PARAMS: &'static [&'static str] = &[
        "page",
        "limit",
        "affiliate_id",
        "email",
        "customer_id",
        "stripe_customer_id",
        "status",
        "type",
        "subscription_status",
        "from",
        "to",
    ];

    /// Parses decoded query pairs.
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter: unknown or repeated, `page`/`limit` out of
    /// range, a bad ID, email, status, type or timestamp, or `from` after `to`.
    pub fn parse<I, K, V>(pairs: I) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let p = Params::new(pairs, Self::PARAMS)?;
        let by_status = p.parse(
            "status",
            |v| v.split(',').map(|s| Status::parse(s.trim()).ok()).collect::<Option<Vec<_>>>(),
            "a comma-separated list of click, lead, trialing, customer, active, canceled, rejected",
        )?;
        let by_type = p.parse(
            "type",
            |v| v.split(',').map(|s| ReferralType::parse(s.trim()).ok()).collect::<Option<Vec<_>>>(),
            "a comma-separated list of CLICK, LEAD, CONVERSION, REJECTED, CANCELLED",
        )?;
        // PromoteKit's filter (list-referrals seed), mapped by core's table.
        let by_subscription = p.parse(
            "subscription_status",
            |v| {
                v.split(',')
                    .map(|s| crate::lifecycle::SubscriptionStatus::parse(s.trim()).ok())
                    .collect::<Option<Vec<_>>>()
                    .map(|subs| subs.into_iter().flat_map(|s| s.statuses().iter().copied()).collect::<Vec<_>>())
            },
            "a comma-separated list of signed_up, active, trialing, canceled, past_due",
        )?;
        let statuses = match (&by_status, &by_type, &by_subscription) {
            (None, None, None) => None,
            (s, t, u) => Some(
                Status::ALL
                    .iter()
                    .copied()
                    .filter(|st| s.as_ref().is_none_or(|s| s.contains(st)))
                    .filter(|st| t.as_ref().is_none_or(|t| t.contains(&st.referral_type())))
                    .filter(|st| u.as_ref().is_none_or(|u| u.contains(st)))
                    .collect(),
            ),
        };
        let customer = |name: &str| {
            p.parse(name, |v| (!v.is_empty() && v.len() <= 255).then(|| v.to_string()), "1 to 255 characters")
        };
        // PromoteKit's `stripe_customer_id` is our `customer_id` (the Stripe webhook stores
        // the Stripe customer there).
        let customer_id = match (customer("customer_id")?, customer("stripe_customer_id")?) {
            (Some(_), Some(_)) => {
                return Err(ValidationError::field(
                    "stripe_customer_id",
                    "is an alias of customer_id: give one of them",
                ))
            }
            (a, b) => a.or(b),
        };
        let (from, to) = p.range()?;
        Ok(Self {
            paging: p.paging()?,
            affiliate_id: p.parse("affiliate_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
            email: p.parse("email", |v| v.parse::<Email>().ok(), "a valid email address")?,
            customer_id,
            statuses,
            from,
            to,
        })
    }

    /// Whether the `affiliate_id` filter is not in our ID format, so no referral matches.
    pub fn names_nothing(&self) -> bool {
        names_nothing(&self.affiliate_id)
    }
}

/// `GET /v1/affiliates`, `/v1/campaigns`, `/v1/links`: paging plus optional owner filters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceQuery {
    /// Page and limit.
    pub paging: Paging,
    /// `affiliate_id` (links), any format ([`Ref`]).
    pub affiliate_id: Option<Ref<AffiliateId>>,
    /// `campaign_id` (affiliates, links), any format.
    pub campaign_id: Option<Ref<CampaignId>>,
}

impl ResourceQuery {
    /// Parses decoded query pairs, accepting `page`, `limit` and the filters in `filters`
    /// (a subset of `affiliate_id`, `campaign_id`).
    ///
    /// # Errors
    ///
    /// [`ValidationError`] naming the parameter.
    pub fn parse<I, K, V>(pairs: I, filters: &[&str]) -> Result<Self, ValidationError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut allowed = alloc::vec!["page", "limit"];
        allowed.extend_from_slice(filters);
        let p = Params::new(pairs, &allowed)?;
        Ok(Self {
            paging: p.paging()?,
            affiliate_id: p.parse("affiliate_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
            campaign_id: p.parse("campaign_id", |v| Ref::parse(v).ok(), "an id of 1 to 255 characters")?,
        })
    }

    /// Whether a filter names an ID not in our format, which no row can have: the list is
    /// then empty, as for any ID that names nothing.
    pub fn names_nothing(&self) -> bool {
        names_nothing(&self.affiliate_id) || names_nothing(&self.campaign_id)
    }
}

fn names_nothing<T>(filter: &Option<Ref<T>>) -> bool {
    filter.as_ref().is_some_and(|r| r.id().is_none())
}
