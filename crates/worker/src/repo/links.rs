//! `links`: tokens tied to an affiliate and a campaign, with counters computed from
//! referrals, and the token look-up the click endpoint makes on every visit.

use super::{all, arg, corrupt, delete_unused, first, random_id_bytes, run, Count, Deleted, StoreResult};
use crate::args;
use serde::{Deserialize, Serialize};
use viatrack_core::api::fields::{share_url, Hostname, HttpUrl};
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::resources::{CreateLink, Link, UpdateLink};
use viatrack_core::{AffiliateId, Attribution, CampaignId, CookieDuration, LinkId, ProgramId, Timestamp, ViaToken};
use worker::D1Database;

/// The links of programs, through one D1 binding.
pub struct LinkRepo<'a> {
    db: &'a D1Database,
}

/// What a click needs to know about a token: the link, its affiliate and its campaign's
/// rules, as core's validated types (a row that does not validate fails to deserialize).
/// This is what the KV cache holds under `link:<program>:<token>`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinkTarget {
    /// The link.
    pub link_id: LinkId,
    /// Its affiliate.
    pub affiliate_id: AffiliateId,
    /// Its campaign.
    pub campaign_id: CampaignId,
    /// The campaign's cookie duration, in days.
    pub cookie_duration: CookieDuration,
    /// The campaign's attribution.
    pub attribution: Attribution,
    /// The campaign's allowed hostnames (empty: any). D1 stores them as JSON text, the
    /// cache as a list; both read.
    #[serde(deserialize_with = "hostnames")]
    pub allowed_hostnames: Vec<Hostname>,
}

/// A hostname list from JSON text (a D1 column) or a JSON list (the cache).
pub(crate) fn hostnames<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Hostname>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Text(String),
        List(Vec<Hostname>),
    }
    match Stored::deserialize(d)? {
        Stored::Text(t) => serde_json::from_str(&t).map_err(serde::de::Error::custom),
        Stored::List(l) => Ok(l),
    }
}

/// A link row, deserialized straight into core's validated types.
#[derive(Deserialize)]
struct Row {
    id: LinkId,
    token: ViaToken,
    destination_url: Option<HttpUrl>,
    affiliate_id: AffiliateId,
    campaign_id: CampaignId,
    visitors: u64,
    leads: u64,
    conversions: u64,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// The counters are kept by triggers on `referrals` (migration 0003).
const SELECT: &str = "SELECT l.id, l.token, l.destination_url, l.affiliate_id, l.campaign_id, \
    l.visitors, l.leads, l.conversions, l.created_at, l.updated_at FROM links l";

impl Row {
    fn into_link(self) -> StoreResult<Link> {
        Ok(Link {
            id: self.id,
            url: self.destination_url.as_ref().map(|d| share_url(d, &self.token)),
            destination_url: self.destination_url.map(|d| d.as_str().to_string()),
            token: self.token,
            affiliate_id: self.affiliate_id,
            campaign_id: self.campaign_id,
            visitors: self.visitors,
            leads: self.leads,
            conversions: self.conversions,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl<'a> LinkRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Creates a link of `affiliate` in `campaign` (both already checked to be the
    /// program's).
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`token`) or storage failure.
    pub async fn create(
        &self,
        program: &ProgramId,
        input: &CreateLink,
        affiliate: &AffiliateId,
        campaign: &CampaignId,
        now: Timestamp,
    ) -> StoreResult<Link> {
        let id = LinkId::from_bytes(random_id_bytes());
        run(
            self.db,
            "INSERT INTO links (id, program_id, token, affiliate_id, campaign_id, destination_url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            &[
                arg(id.as_str()),
                arg(program.as_str()),
                arg(input.token.as_str()),
                arg(affiliate.as_str()),
                arg(campaign.as_str()),
                arg(&input.destination_url.as_ref().map(|u| u.as_str())),
                arg(&now),
            ],
        )
        .await?;
        self.get(program, &id).await?.ok_or_else(|| corrupt("link vanished after insert"))
    }

    /// One link of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &LinkId) -> StoreResult<Option<Link>> {
        let sql = format!("{SELECT} WHERE l.program_id = ?1 AND l.id = ?2");
        first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(id.as_str())]).await?.map(Row::into_link).transpose()
    }

    /// A page of the program's links (optionally of one affiliate or campaign), newest first.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, q: &ResourceQuery) -> StoreResult<(Vec<Link>, u64)> {
        let affiliate = q.affiliate_id.as_ref().map(|a| a.as_str());
        let campaign = q.campaign_id.as_ref().map(|c| c.as_str());
        let filter = "l.program_id = ?1 AND (?2 IS NULL OR l.affiliate_id = ?2) AND (?3 IS NULL OR l.campaign_id = ?3)";
        let sql = format!("{SELECT} WHERE {filter} ORDER BY l.created_at DESC, l.id DESC LIMIT ?4 OFFSET ?5");
        let args = [
            arg(program.as_str()),
            arg(&affiliate),
            arg(&campaign),
            arg(&i64::from(q.paging.limit)),
            arg(&q.paging.offset()),
        ];
        let rows = all::<Row>(self.db, &sql, &args).await?;
        let total = first::<Count>(self.db, &format!("SELECT COUNT(*) AS n FROM links l WHERE {filter}"), &args[..3])
            .await?
            .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(Row::into_link).collect::<StoreResult<_>>()?, total))
    }

    /// Applies a partial update; `None` when the link is not in the program.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`token`) or storage failure.
    pub async fn update(
        &self,
        program: &ProgramId,
        id: &LinkId,
        input: &UpdateLink,
        campaign: Option<&CampaignId>,
        now: Timestamp,
    ) -> StoreResult<Option<Link>> {
        let Some(current) = self.get(program, id).await? else { return Ok(None) };
        let destination = match &input.destination_url {
            Some(v) => v.as_ref().map(|u| u.as_str().to_string()),
            None => current.destination_url,
        };
        run(
            self.db,
            "UPDATE links SET token = ?3, campaign_id = ?4, destination_url = ?5, updated_at = ?6 WHERE program_id = ?1 AND id = ?2",
            &[
                arg(program.as_str()),
                arg(id.as_str()),
                arg(input.token.as_ref().unwrap_or(&current.token).as_str()),
                arg(campaign.unwrap_or(&current.campaign_id).as_str()),
                arg(&destination.as_deref()),
                arg(&now),
            ],
        )
        .await?;
        self.get(program, id).await
    }

    /// The click look-up: token → link, affiliate and campaign rules (from D1).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn target(&self, program: &ProgramId, token: &ViaToken) -> StoreResult<Option<LinkTarget>> {
        first::<LinkTarget>(
            self.db,
            "SELECT l.id AS link_id, l.affiliate_id, l.campaign_id, c.cookie_duration, c.attribution, c.allowed_hostnames \
             FROM links l JOIN campaigns c ON c.id = l.campaign_id WHERE l.program_id = ?1 AND l.token = ?2",
            &[arg(program.as_str()), arg(token.as_str())],
        )
        .await
    }

    /// The tokens of a campaign's links (to drop their cache entries when it changes).
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn tokens_of_campaign(&self, program: &ProgramId, campaign: &CampaignId) -> StoreResult<Vec<ViaToken>> {
        #[derive(Deserialize)]
        struct T {
            token: ViaToken,
        }
        let rows = all::<T>(
            self.db,
            "SELECT token FROM links WHERE program_id = ?1 AND campaign_id = ?2",
            &args![program, campaign],
        )
        .await?;
        Ok(rows.into_iter().map(|t| t.token).collect())
    }

    /// Deletes the link unless a referral came through it.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete(&self, program: &ProgramId, id: &LinkId) -> StoreResult<Deleted> {
        delete_unused(self.db, "links", super::sql::LINK_USERS, program.as_str(), id.as_str()).await
    }
}
