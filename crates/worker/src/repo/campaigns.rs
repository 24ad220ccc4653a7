//! `campaigns`: cookie duration, attribution, allowed hostnames, commission.

use super::{all, arg, corrupt, delete_unused, first, random_id_bytes, run, Count, Deleted, StoreResult};
use viatrack_core::api::fields::Hostname;
use viatrack_core::api::query::Paging;
use viatrack_core::api::resources::{Campaign, CommissionType, CreateCampaign, UpdateCampaign};
use viatrack_core::{Attribution, CampaignId, CookieDuration, ProgramId, Timestamp};
use worker::D1Database;

/// The campaigns of programs, through one D1 binding.
pub struct CampaignRepo<'a> {
    db: &'a D1Database,
}

#[derive(serde::Deserialize)]
struct Row {
    id: CampaignId,
    name: String,
    cookie_duration: CookieDuration,
    attribution: Attribution,
    #[serde(deserialize_with = "super::links::hostnames")]
    allowed_hostnames: Vec<Hostname>,
    commission_type: Option<CommissionType>,
    commission_amount: Option<u64>,
    #[serde(deserialize_with = "super::flag")]
    recurring: bool,
    recurring_months: Option<u32>,
    hold_days: u32,
    minimum_payout: u32,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const COLUMNS: &str = "id, name, cookie_duration, attribution, allowed_hostnames, commission_type, commission_amount, recurring, recurring_months, hold_days, minimum_payout, created_at, updated_at";

impl Row {
    fn into_campaign(self) -> StoreResult<Campaign> {
        Ok(Campaign {
            id: self.id,
            name: self.name,
            cookie_duration: self.cookie_duration,
            attribution: self.attribution,
            allowed_hostnames: self.allowed_hostnames,
            commission_type: self.commission_type,
            commission_amount: self.commission_amount,
            recurring: self.recurring,
            recurring_months: self.recurring_months,
            hold_days: self.hold_days,
            minimum_payout: self.minimum_payout,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl<'a> CampaignRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Creates a campaign.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn create(&self, program: &ProgramId, input: &CreateCampaign, now: Timestamp) -> StoreResult<Campaign> {
        let id = CampaignId::from_bytes(random_id_bytes());
        let hostnames: Vec<&str> = input.allowed_hostnames.iter().flatten().map(|h| h.as_str()).collect();
        run(
            self.db,
            "INSERT INTO campaigns (id, program_id, name, cookie_duration, attribution, allowed_hostnames, commission_type, commission_amount, recurring, recurring_months, hold_days, minimum_payout, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?11, ?12, ?13, ?9, ?9)",
            &[
                arg(id.as_str()),
                arg(program.as_str()),
                arg(input.name.as_str()),
                arg(&i64::from(input.cookie_duration.unwrap_or(CookieDuration::DEFAULT).days())),
                arg(input.attribution.unwrap_or(Attribution::LastClick).as_str()),
                arg(&serde_json::to_string(&hostnames)?),
                arg(&input.commission_type.map(CommissionType::as_str)),
                arg(&input.commission_amount),
                arg(&now),
                arg(&i64::from(input.recurring.unwrap_or(false))),
                arg(&input.recurring_months.map(|m| m.get())),
                arg(&input.hold_days.map_or(0, |d| d.get())),
                arg(&input.minimum_payout.map_or(0, |m| m.get())),
            ],
        )
        .await?;
        self.get(program, &id).await?.ok_or_else(|| corrupt("campaign vanished after insert"))
    }

    /// One campaign of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &CampaignId) -> StoreResult<Option<Campaign>> {
        let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE program_id = ?1 AND id = ?2");
        first::<Row>(self.db, &sql, &[arg(program.as_str()), arg(id.as_str())])
            .await?
            .map(Row::into_campaign)
            .transpose()
    }

    /// A page of the program's campaigns, newest first, and the total count.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, paging: Paging) -> StoreResult<(Vec<Campaign>, u64)> {
        let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE program_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3");
        let rows =
            all::<Row>(self.db, &sql, &[arg(program.as_str()), arg(&i64::from(paging.limit)), arg(&paging.offset())])
                .await?;
        let total = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM campaigns WHERE program_id = ?1",
            &[arg(program.as_str())],
        )
        .await?
        .map_or(0, |c| c.n);
        Ok((rows.into_iter().map(Row::into_campaign).collect::<StoreResult<_>>()?, total))
    }

    /// Applies a partial update; `None` when the campaign is not in the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn update(
        &self,
        program: &ProgramId,
        id: &CampaignId,
        input: &UpdateCampaign,
        now: Timestamp,
    ) -> StoreResult<Option<Campaign>> {
        let Some(current) = self.get(program, id).await? else { return Ok(None) };
        let hostnames = input.allowed_hostnames.as_ref().unwrap_or(&current.allowed_hostnames);
        let commission_type = input.commission_type.unwrap_or(current.commission_type);
        let commission_amount = input.commission_amount.unwrap_or(current.commission_amount);
        let recurring_months = match input.recurring_months {
            Some(m) => m.map(|m| m.get()),
            None => current.recurring_months,
        };
        run(
            self.db,
            "UPDATE campaigns SET name = ?3, cookie_duration = ?4, attribution = ?5, allowed_hostnames = ?6, commission_type = ?7, commission_amount = ?8, updated_at = ?9, \
             recurring = ?10, recurring_months = ?11, hold_days = ?12, minimum_payout = ?13 WHERE program_id = ?1 AND id = ?2",
            &[
                arg(program.as_str()),
                arg(id.as_str()),
                arg(input.name.as_ref().map_or(current.name.as_str(), |n| n.as_str())),
                arg(&i64::from(input.cookie_duration.unwrap_or(current.cookie_duration).days())),
                arg(input.attribution.unwrap_or(current.attribution).as_str()),
                arg(&serde_json::to_string(hostnames)?),
                arg(&commission_type.map(CommissionType::as_str)),
                arg(&commission_amount),
                arg(&now),
                arg(&i64::from(input.recurring.unwrap_or(current.recurring))),
                arg(&recurring_months),
                arg(&input.hold_days.map_or(current.hold_days, |d| d.get())),
                arg(&input.minimum_payout.map_or(current.minimum_payout, |m| m.get())),
            ],
        )
        .await?;
        self.get(program, id).await
    }

    /// Whether any campaign of any program lets `host` call the tracking endpoints (for
    /// CORS preflights, which carry no key): its list names the host or a parent domain of
    /// it, or is empty.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn any_allows_host(&self, host: &str) -> StoreResult<bool> {
        let hit = first::<Count>(
            self.db,
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM campaigns c WHERE c.allowed_hostnames = '[]' \
               OR EXISTS (SELECT 1 FROM json_each(c.allowed_hostnames) h WHERE h.value = ?1 OR ?1 LIKE '%.' || h.value) LIMIT 1)",
            &[arg(host)],
        )
        .await?;
        Ok(hit.is_some_and(|c| c.n > 0))
    }

    /// Deletes the campaign unless an affiliate, link or referral names it.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn delete(&self, program: &ProgramId, id: &CampaignId) -> StoreResult<Deleted> {
        delete_unused(self.db, "campaigns", super::sql::CAMPAIGN_USERS, program.as_str(), id.as_str()).await
    }
}
