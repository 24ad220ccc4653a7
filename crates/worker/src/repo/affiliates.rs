//! `affiliates`: partners, each in one campaign, with an email unique in the program.

use super::{all, arg, corrupt, delete_unused, first, random_id_bytes, run, Count, Deleted, StoreResult};
use viatrack_core::api::fields::Email;
use viatrack_core::api::query::ResourceQuery;
use viatrack_core::api::referrals::CampaignRef;
use viatrack_core::api::resources::{Affiliate, CreateAffiliate, UpdateAffiliate};
use viatrack_core::{AffiliateId, CampaignId, ProgramId, Timestamp};
use worker::D1Database;

/// The affiliates of programs, through one D1 binding.
pub struct AffiliateRepo<'a> {
    db: &'a D1Database,
}

#[derive(serde::Deserialize)]
struct Row {
    id: AffiliateId,
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    payout_email: Option<Email>,
    campaign_id: CampaignId,
    campaign_name: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT a.id, a.email, a.first_name, a.last_name, a.payout_email, a.campaign_id, c.name AS campaign_name, a.created_at, a.updated_at \
                      FROM affiliates a JOIN campaigns c ON c.id = a.campaign_id";

impl Row {
    fn into_affiliate(self) -> StoreResult<Affiliate> {
        Ok(Affiliate {
            id: self.id,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            payout_email: self.payout_email,
            campaign: CampaignRef { id: self.campaign_id, name: self.campaign_name },
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl<'a> AffiliateRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Creates an affiliate in `campaign` (already checked to be the program's).
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`email`) or storage failure.
    pub async fn create(
        &self,
        program: &ProgramId,
        input: &CreateAffiliate,
        campaign: &CampaignId,
        now: Timestamp,
    ) -> StoreResult<Affiliate> {
        let id = AffiliateId::from_bytes(random_id_bytes());
        run(
            self.db,
            "INSERT INTO affiliates (id, program_id, campaign_id, email, first_name, last_name, payout_email, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?7)",
            &[
                arg(id.as_str()),
                arg(program.as_str()),
                arg(campaign.as_str()),
                arg(input.email.as_str()),
                arg(&input.first_name.as_ref().map(|n| n.as_str())),
                arg(&input.last_name.as_ref().map(|n| n.as_str())),
                arg(&now),
                arg(&input.payout_email),
            ],
        )
        .await?;
        self.get(program, &id).await?.ok_or_else(|| corrupt("affiliate vanished after insert"))
    }

    /// One affiliate of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &AffiliateId) -> StoreResult<Option<Affiliate>> {
        let sql = format!("{SELECT} WHERE a.program_id = ?1 AND a.id = ?2");
        first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(id.as_str())])
            .await?
            .map(Row::into_affiliate)
            .transpose()
    }

    /// A page of the program's affiliates (optionally of one campaign), newest first.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, q: &ResourceQuery) -> StoreResult<(Vec<Affiliate>, u64)> {
        let campaign = q.campaign_id.as_ref().map(|c| c.as_str());
        let filter = "a.program_id = ?1 AND (?2 IS NULL OR a.campaign_id = ?2)";
        let sql = format!("{SELECT} WHERE {filter} ORDER BY a.created_at DESC, a.id DESC LIMIT ?3 OFFSET ?4");
        let rows = all::<Row>(
            self.db,
            &sql,
            &[arg(program.as_str()), arg(&campaign), arg(&i64::from(q.paging.limit)), arg(&q.paging.offset())],
        )
        .await?;
        let total = first::<Count>(
            self.db,
            &format!("SELECT COUNT(*) AS n FROM affiliates a WHERE {filter}"),
            &[arg(program.as_str()), arg(&campaign)],
        )
        .await?
        .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(Row::into_affiliate).collect::<StoreResult<_>>()?, total))
    }

    /// Applies a partial update; `None` when the affiliate is not in the program.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`email`) or storage failure.
    pub async fn update(
        &self,
        program: &ProgramId,
        id: &AffiliateId,
        input: &UpdateAffiliate,
        campaign: Option<&CampaignId>,
        now: Timestamp,
    ) -> StoreResult<Option<Affiliate>> {
        let Some(current) = self.get(program, id).await? else { return Ok(None) };
        let first_name = match &input.first_name {
            Some(v) => v.as_ref().map(|n| n.as_str().to_string()),
            None => current.first_name,
        };
        let last_name = match &input.last_name {
            Some(v) => v.as_ref().map(|n| n.as_str().to_string()),
            None => current.last_name,
        };
        let payout_email = match &input.payout_email {
            Some(v) => v.clone(),
            None => current.payout_email,
        };
        run(
            self.db,
            "UPDATE affiliates SET email = ?3, first_name = ?4, last_name = ?5, campaign_id = ?6, updated_at = ?7, payout_email = ?8 WHERE program_id = ?1 AND id = ?2",
            &[
                arg(program.as_str()),
                arg(id.as_str()),
                arg(input.email.as_ref().map_or(current.email.as_str(), |e| e.as_str())),
                arg(&first_name.as_deref()),
                arg(&last_name.as_deref()),
                arg(campaign.unwrap_or(&current.campaign.id).as_str()),
                arg(&now),
                arg(&payout_email),
            ],
        )
        .await?;
        self.get(program, id).await
    }

    /// Deletes the affiliate unless a link or referral names it.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete(&self, program: &ProgramId, id: &AffiliateId) -> StoreResult<Deleted> {
        delete_unused(self.db, "affiliates", super::sql::AFFILIATE_USERS, program.as_str(), id.as_str()).await
    }
}
