//! `referrals`: one row per tracked click, which becomes the referral when it converts.

use super::links::LinkTarget;
use super::outbox::{record_stmt, Committed, Guard, Planned, Snapshot};
use super::sql::REFERRAL_SELECT;
use super::{arg, batch, corrupt, first, run, stmt, Count, Deleted, StoreError, StoreResult};
use crate::args;
use serde::Deserialize;
use viatrack_core::api::fields::{share_url, Email, ExternalId, Hostname, HttpUrl, Name};
use viatrack_core::api::query::ReferralQuery;
use viatrack_core::api::referrals::{CampaignRef, Referral, ReferralAffiliate, ReferralLink};
use viatrack_core::api::tracking::ClickReport;
use viatrack_core::coupon::{AttributionMethod, CouponCode};
use viatrack_core::payment::Lookup;
use viatrack_core::{
    AffiliateId, CampaignId, ClickId, CouponId, Lifecycle, LinkId, ProgramId, ReferralId, ReportId, Status, Timestamp,
    ViaToken, VisitorId,
};
use worker::{D1Database, D1PreparedStatement};

/// The referrals of programs, through one D1 binding.
pub struct ReferralRepo<'a> {
    db: &'a D1Database,
}

/// The click a report landed on: new, or the same visitor's unexpired click on the link.
#[derive(Debug, Deserialize)]
pub struct ClickRow {
    /// The click (= referral) ID.
    pub id: ClickId,
    /// Visits recorded on it, this one included.
    pub visits: u32,
    /// When it expires.
    pub expires_at: Timestamp,
}

/// The facts a write needs about one referral: its lifecycle, identity and campaign rules.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The referral.
    pub id: ReferralId,
    /// Its affiliate.
    pub affiliate_id: AffiliateId,
    /// Status and lifecycle timestamps.
    pub lifecycle: Lifecycle,
    /// `created_at` + cookie duration.
    pub expires_at: Timestamp,
    /// The campaign's allowed hostnames (empty when none).
    pub allowed_hostnames: Vec<Hostname>,
    /// The stored customer fields (partial updates start from them).
    pub fields: CustomerFields,
}

/// The write-side columns of a referral, deserialized straight into core's types.
#[derive(Deserialize)]
struct StoredRow {
    id: ReferralId,
    affiliate_id: AffiliateId,
    status: Status,
    email: Option<Email>,
    name: Option<Name>,
    customer_id: Option<ExternalId>,
    subscription_id: Option<ExternalId>,
    metadata: Option<String>,
    expires_at: Timestamp,
    became_lead_at: Option<Timestamp>,
    became_conversion_at: Option<Timestamp>,
    converted_at: Option<Timestamp>,
    #[serde(deserialize_with = "super::links::hostnames")]
    allowed_hostnames: Vec<Hostname>,
}

impl StoredRow {
    fn into_stored(self) -> Stored {
        Stored {
            id: self.id,
            affiliate_id: self.affiliate_id,
            lifecycle: Lifecycle {
                status: self.status,
                became_lead_at: self.became_lead_at,
                became_conversion_at: self.became_conversion_at,
                converted_at: self.converted_at,
            },
            expires_at: self.expires_at,
            allowed_hostnames: self.allowed_hostnames,
            fields: CustomerFields {
                email: self.email,
                name: self.name,
                customer_id: self.customer_id,
                subscription_id: self.subscription_id,
                metadata: self.metadata,
            },
        }
    }
}

const STORED: &str = "SELECT r.id, r.affiliate_id, r.status, r.email, r.name, r.customer_id, r.subscription_id, r.metadata, r.expires_at, r.became_lead_at, r.became_conversion_at, r.converted_at, \
    COALESCE(c.allowed_hostnames, '[]') AS allowed_hostnames FROM referrals r LEFT JOIN campaigns c ON c.id = r.campaign_id";

/// The customer fields a lead, a create or an update writes. `metadata` is JSON text.
#[derive(Debug, Clone, Default)]
pub struct CustomerFields {
    /// Normalised email.
    pub email: Option<Email>,
    /// Name.
    pub name: Option<Name>,
    /// The merchant's customer ID.
    pub customer_id: Option<ExternalId>,
    /// The merchant's subscription ID.
    pub subscription_id: Option<ExternalId>,
    /// Custom data, JSON object text.
    pub metadata: Option<String>,
}

/// A referral created through the REST API without a click.
#[derive(Debug, Clone)]
pub struct NewReferral {
    /// The crediting affiliate.
    pub affiliate_id: AffiliateId,
    /// The affiliate's campaign.
    pub campaign_id: CampaignId,
    /// Creation time (possibly backdated).
    pub created_at: Timestamp,
    /// `created_at` + cookie duration.
    pub expires_at: Timestamp,
    /// Status and timestamps after the initial move.
    pub lifecycle: Lifecycle,
    /// Customer fields.
    pub fields: CustomerFields,
    /// The coupon that credited it (a sale's code with no referral to explain it).
    pub coupon_id: Option<CouponId>,
}

/// The referral object's row ([`REFERRAL_SELECT`]), deserialized straight into core's types.
#[derive(Deserialize)]
struct FullRow {
    id: ReferralId,
    program_id: ProgramId,
    affiliate_id: AffiliateId,
    link_id: Option<LinkId>,
    status: Status,
    visits: u32,
    visitor_id: Option<VisitorId>,
    landing_url: Option<String>,
    referrer: Option<String>,
    email: Option<Email>,
    name: Option<Name>,
    customer_id: Option<ExternalId>,
    subscription_id: Option<ExternalId>,
    metadata: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    expires_at: Timestamp,
    became_lead_at: Option<Timestamp>,
    became_conversion_at: Option<Timestamp>,
    converted_at: Option<Timestamp>,
    link_token: Option<ViaToken>,
    link_destination_url: Option<HttpUrl>,
    link_visitors: Option<u64>,
    link_leads: Option<u64>,
    link_conversions: Option<u64>,
    affiliate_email: String,
    affiliate_first_name: Option<String>,
    affiliate_last_name: Option<String>,
    affiliate_campaign_id: CampaignId,
    affiliate_campaign_name: String,
    coupon_code: Option<CouponCode>,
    sales_total: i64,
    commissions_total: i64,
}

impl FullRow {
    fn into_referral(self) -> StoreResult<Referral> {
        let lifecycle = Lifecycle {
            status: self.status,
            became_lead_at: self.became_lead_at,
            became_conversion_at: self.became_conversion_at,
            converted_at: self.converted_at,
        };
        let attribution_method = Some(AttributionMethod::of(self.link_id.is_some(), self.coupon_code.is_some()));
        let link = match (self.link_id, self.link_token) {
            (Some(id), Some(token)) => Some(ReferralLink {
                id,
                url: self.link_destination_url.map(|d| share_url(&d, &token)),
                token: token.as_str().to_string(),
                visitors: self.link_visitors.unwrap_or(0),
                leads: self.link_leads.unwrap_or(0),
                conversions: self.link_conversions.unwrap_or(0),
            }),
            _ => None,
        };
        Ok(Referral {
            id: self.id,
            program_id: self.program_id,
            affiliate: Some(ReferralAffiliate {
                id: self.affiliate_id.clone(),
                email: self.affiliate_email,
                first_name: self.affiliate_first_name,
                last_name: self.affiliate_last_name,
                campaign: CampaignRef { id: self.affiliate_campaign_id, name: self.affiliate_campaign_name },
            }),
            affiliate_id: self.affiliate_id,
            attribution_method,
            coupon: self.coupon_code,
            email: self.email,
            name: self.name,
            customer_id: self.customer_id,
            subscription_id: self.subscription_id,
            status: lifecycle.status,
            referral_type: Some(lifecycle.referral_type()),
            conversion_state: Some(lifecycle.conversion_state()),
            metadata: self.metadata.as_deref().map(serde_json::from_str).transpose()?,
            visits: self.visits,
            visitor_id: self.visitor_id,
            landing_url: self.landing_url,
            referrer: self.referrer,
            link,
            created_at: self.created_at,
            updated_at: Some(self.updated_at),
            expires_at: Some(self.expires_at),
            became_lead_at: lifecycle.became_lead_at,
            became_conversion_at: lifecycle.became_conversion_at,
            converted_at: lifecycle.converted_at,
            sales_total: self.sales_total,
            commissions_total: self.commissions_total,
        })
    }
}

impl<'a> ReferralRepo<'a> {
    /// Over `db`.
    pub fn new(db: &'a D1Database) -> Self {
        Self { db }
    }

    /// Records a click report in one D1 batch (one round trip, one transaction):
    ///
    /// * a report ID seen before (a replay) lands on the click it landed on the first time,
    ///   and nothing else changes;
    /// * else the same visitor's unexpired click on this link gets `visits + 1`;
    /// * else a new row in status `click` is inserted with `new_id`.
    ///
    /// Returns the click the report landed on. `report` is the report's ID (the tracker's,
    /// or one made by the caller when the report has none).
    ///
    /// # Errors
    ///
    /// Storage failure (nothing written).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_click(
        &self,
        program: &ProgramId,
        target: &LinkTarget,
        report: &ClickReport,
        report_id: &ReportId,
        new_id: &ClickId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<ClickRow> {
        // ?1 new id, ?2 program, ?3 link, ?4 affiliate, ?5 campaign, ?6 visitor,
        // ?7 landing url, ?8 referrer, ?9 now, ?10 expires_at, ?11 report id. Every statement
        // uses ?11, so each takes all eleven (D1 checks the count against the highest ?N).
        let args = [
            arg(new_id.as_str()),
            arg(program.as_str()),
            arg(&target.link_id),
            arg(&target.affiliate_id),
            arg(&target.campaign_id),
            arg(&report.visitor_id.as_ref().map(|v| v.as_str())),
            arg(report.url.as_str()),
            arg(&report.referrer.as_ref().map(|r| r.as_str())),
            arg(&now),
            arg(&expires_at),
            arg(report_id.as_str()),
        ];
        // The report's row: stored now (attempt = ?1) unless the report was seen before. It
        // names the visitor's live click on the link, or else the new ID.
        let report_row = "INSERT INTO click_reports (program_id, report_id, referral_id, attempt, created_at) \
            VALUES (?2, ?11, COALESCE((SELECT id FROM referrals WHERE program_id = ?2 AND link_id = ?3 AND visitor_id = ?6 AND expires_at > ?9 \
              ORDER BY created_at DESC LIMIT 1), ?1), ?1, ?9) \
            ON CONFLICT (program_id, report_id) DO NOTHING";
        // A new click: the row stored just now names the new ID.
        let new_click = "INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, visitor_id, landing_url, referrer, created_at, updated_at, expires_at) \
            SELECT ?1, ?2, ?3, ?4, ?5, 'click', 1, ?6, ?7, ?8, ?9, ?9, ?10 \
            WHERE EXISTS (SELECT 1 FROM click_reports WHERE program_id = ?2 AND report_id = ?11 AND referral_id = ?1)";
        // A repeat visit: the row stored just now names the visitor's existing click.
        let repeat_visit = "UPDATE referrals SET visits = visits + 1, updated_at = ?9 \
            WHERE program_id = ?2 AND id = (SELECT referral_id FROM click_reports \
              WHERE program_id = ?2 AND report_id = ?11 AND attempt = ?1 AND referral_id <> ?1)";
        let landed =
            "SELECT r.id, r.visits, r.expires_at FROM click_reports m JOIN referrals r ON r.id = m.referral_id \
            WHERE m.program_id = ?2 AND m.report_id = ?11";
        let results = batch(
            self.db,
            vec![
                stmt(self.db, report_row, &args)?,
                stmt(self.db, new_click, &args)?,
                stmt(self.db, repeat_visit, &args)?,
                stmt(self.db, landed, &args)?,
            ],
        )
        .await?;
        results
            .last()
            .map(|r| r.results::<ClickRow>())
            .transpose()?
            .and_then(|mut rows| rows.pop())
            .ok_or_else(|| StoreError::Backend("the click of a replayed report was deleted".into()))
    }

    /// The write-side facts of one referral of the program.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn stored(&self, program: &ProgramId, id: &ReferralId) -> StoreResult<Option<Stored>> {
        let sql = format!("{STORED} WHERE r.program_id = ?1 AND r.id = ?2");
        first::<StoredRow>(self.db, &sql, &[arg(program.as_str()), arg(id.as_str())])
            .await
            .map(|row| row.map(StoredRow::into_stored))
    }

    /// Sets the referral's customer ID (Stripe's `cus_…`) unless it has one.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn set_customer_if_none(
        &self,
        program: &ProgramId,
        id: &ReferralId,
        customer_id: &str,
        now: Timestamp,
    ) -> StoreResult<()> {
        run(
            self.db,
            "UPDATE referrals SET customer_id = ?3, updated_at = ?4 WHERE program_id = ?1 AND id = ?2 AND customer_id IS NULL",
            &[arg(program.as_str()), arg(id.as_str()), arg(customer_id), arg(&now)],
        )
        .await?;
        Ok(())
    }

    /// The referral one of the payment look-ups of [`viatrack_core::payment`] finds: by ID,
    /// or the newest with the customer ID or the email.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn find(&self, program: &ProgramId, lookup: Lookup<'_>) -> StoreResult<Option<Stored>> {
        let (column, value) = match lookup {
            Lookup::Referral(id) => return self.stored(program, id).await,
            Lookup::Customer(c) => ("customer_id", c),
            Lookup::Email(e) => ("email", e),
        };
        let sql = format!("{STORED} WHERE r.program_id = ?1 AND r.{column} = ?2 ORDER BY r.created_at DESC LIMIT 1");
        first::<StoredRow>(self.db, &sql, &[arg(program.as_str()), arg(value)])
            .await
            .map(|row| row.map(StoredRow::into_stored))
    }

    /// The full referral object.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn get(&self, program: &ProgramId, id: &ReferralId) -> StoreResult<Option<Referral>> {
        self.get_stmt(program, id)?.first::<FullRow>(None).await?.map(FullRow::into_referral).transpose()
    }

    /// Moves a referral to `next` and sets the given customer fields, only if its status is
    /// still `expected` (so two racing writers cannot both move it), storing `events` (each
    /// carrying the referral) in the same transaction. `fields` replace the stored ones
    /// wholesale. Returns the referral as the write left it, read in the same batch, or
    /// `None` when its status was no longer `expected` (nothing written, no event).
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`email`) or storage failure (nothing written).
    #[allow(clippy::too_many_arguments)]
    pub async fn write(
        &self,
        program: &ProgramId,
        id: &ReferralId,
        expected: Status,
        next: &Lifecycle,
        fields: &CustomerFields,
        now: Timestamp,
        events: &[Planned],
    ) -> StoreResult<Option<Committed<Referral>>> {
        let mut statements = vec![stmt(
            self.db,
            "UPDATE referrals SET status = ?4, became_lead_at = ?5, became_conversion_at = ?6, converted_at = ?7, \
             email = ?8, name = ?9, customer_id = ?10, subscription_id = ?11, metadata = ?12, updated_at = ?13 \
             WHERE program_id = ?1 AND id = ?2 AND status = ?3",
            &[
                arg(program.as_str()),
                arg(id.as_str()),
                arg(expected.as_str()),
                arg(next.status.as_str()),
                arg(&next.became_lead_at),
                arg(&next.became_conversion_at),
                arg(&next.converted_at),
                arg(&fields.email),
                arg(&fields.name),
                arg(&fields.customer_id),
                arg(&fields.subscription_id),
                arg(&fields.metadata.as_deref()),
                arg(&now),
            ],
        )?];
        statements.extend(record_stmt(self.db, program, events, Guard::Changed, now)?);
        statements.push(self.get_stmt(program, id)?);
        let results = batch(self.db, statements).await?;
        let changed = results.first().and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        if changed == 0 {
            return Ok(None);
        }
        self.committed(results.last(), events).map(Some)
    }

    /// The statement that reads the full referral object (last in a write's batch).
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn get_stmt(&self, program: &ProgramId, id: &ReferralId) -> StoreResult<D1PreparedStatement> {
        stmt(self.db, &format!("{REFERRAL_SELECT} WHERE r.program_id = ?1 AND r.id = ?2"), &args![program, id])
    }

    /// The referral a [`Self::get_stmt`] of a batch read.
    ///
    /// # Errors
    ///
    /// A row that does not deserialize.
    pub fn row(result: &worker::D1Result) -> StoreResult<Option<Referral>> {
        result.results::<FullRow>()?.pop().map(FullRow::into_referral).transpose()
    }

    /// The referral a batch's last statement ([`Self::get_stmt`]) read, and `events` with it
    /// as their data.
    fn committed(&self, result: Option<&worker::D1Result>, events: &[Planned]) -> StoreResult<Committed<Referral>> {
        let referral = result
            .map(Self::row)
            .transpose()?
            .flatten()
            .ok_or_else(|| corrupt("a referral write's batch did not read the referral back"))?;
        let events = Snapshot { referral: Some(&referral), ..Snapshot::default() }.events(events.to_vec())?;
        Ok(Committed { value: referral, events })
    }

    /// The statement that moves a referral from status `expected` to `next` (lifecycle
    /// timestamps included), changing nothing if its status is no longer `expected`.
    ///
    /// # Errors
    ///
    /// A value that cannot be bound.
    pub fn move_stmt(
        &self,
        program: &ProgramId,
        id: &ReferralId,
        expected: Status,
        next: &Lifecycle,
        now: Timestamp,
    ) -> StoreResult<D1PreparedStatement> {
        stmt(
            self.db,
            "UPDATE referrals SET status = ?4, became_lead_at = ?5, became_conversion_at = ?6, converted_at = ?7, updated_at = ?8 \
             WHERE program_id = ?1 AND id = ?2 AND status = ?3",
            &args![program, id, expected, next.status, next.became_lead_at, next.became_conversion_at, next.converted_at, now],
        )
    }

    /// Inserts a referral created without a click, with `events` (each carrying it) in the
    /// same transaction. Returns it as stored, read in the same batch.
    ///
    /// # Errors
    ///
    /// [`super::StoreError::Unique`] (`email`) or storage failure (nothing written).
    pub async fn insert(
        &self,
        program: &ProgramId,
        id: &ReferralId,
        r: &NewReferral,
        now: Timestamp,
        events: &[Planned],
    ) -> StoreResult<Committed<Referral>> {
        let mut statements = vec![stmt(
            self.db,
            "INSERT INTO referrals (id, program_id, link_id, affiliate_id, campaign_id, status, visits, email, name, customer_id, subscription_id, metadata, \
             created_at, updated_at, expires_at, became_lead_at, became_conversion_at, converted_at, coupon_id) \
             VALUES (?1, ?2, NULL, ?3, ?4, ?5, 0, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            &[
                arg(id.as_str()),
                arg(program.as_str()),
                arg(r.affiliate_id.as_str()),
                arg(r.campaign_id.as_str()),
                arg(r.lifecycle.status.as_str()),
                arg(&r.fields.email),
                arg(&r.fields.name),
                arg(&r.fields.customer_id),
                arg(&r.fields.subscription_id),
                arg(&r.fields.metadata.as_deref()),
                arg(&r.created_at),
                arg(&now),
                arg(&r.expires_at),
                arg(&r.lifecycle.became_lead_at),
                arg(&r.lifecycle.became_conversion_at),
                arg(&r.lifecycle.converted_at),
                arg(&r.coupon_id.as_ref().map(CouponId::as_str)),
            ],
        )?];
        statements.extend(record_stmt(
            self.db,
            program,
            events,
            Guard::Exists { table: "referrals", id: id.as_str() },
            now,
        )?);
        statements.push(self.get_stmt(program, id)?);
        let results = batch(self.db, statements).await?;
        self.committed(results.last(), events)
    }

    /// Deletes a referral and its click reports, in one transaction, unless it has sales or
    /// commissions: money is never deleted ([`Deleted::InUse`] `["sales"]` then, and
    /// nothing is).
    ///
    /// # Errors
    ///
    /// Storage failure (nothing deleted).
    pub async fn delete(&self, program: &ProgramId, id: &ReferralId) -> StoreResult<Deleted> {
        let args = [arg(program.as_str()), arg(id.as_str())];
        // Money is never deleted: every statement runs only while the referral has no sale
        // and no commission (indexes sales_referral, commissions_referral), decided inside
        // the one batch, so a sale recorded meanwhile cannot be lost either.
        const NO_MONEY: &str = "NOT EXISTS (SELECT 1 FROM sales WHERE referral_id = ?2 AND program_id = ?1) \
             AND NOT EXISTS (SELECT 1 FROM commissions WHERE referral_id = ?2 AND program_id = ?1)";
        let results = batch(
            self.db,
            vec![
                stmt(
                    self.db,
                    &format!("DELETE FROM click_reports WHERE program_id = ?1 AND referral_id = ?2 AND {NO_MONEY}"),
                    &args,
                )?,
                stmt(
                    self.db,
                    &format!("DELETE FROM referrals WHERE program_id = ?1 AND id = ?2 AND {NO_MONEY}"),
                    &args,
                )?,
                stmt(self.db, "SELECT count(*) AS n FROM referrals WHERE program_id = ?1 AND id = ?2", &args)?,
            ],
        )
        .await?;
        let deleted = results.get(1).and_then(|r| r.meta().ok().flatten()).and_then(|m| m.changes).unwrap_or(0);
        let remaining: Vec<Count> = match results.last() {
            Some(r) => r.results()?,
            None => Vec::new(),
        };
        Ok(match (deleted > 0, remaining.first().map_or(0, |c| c.n)) {
            (true, _) => Deleted::Yes,
            (false, 0) => Deleted::NotFound,
            (false, _) => Deleted::InUse(vec!["sales"]),
        })
    }

    /// A page of the program's referrals matching `q`, newest first, and the total count.
    ///
    /// The SQL names only the filters given (values always bound), so SQLite serves each
    /// filter and each pair from an index whose tail is the list order (migration 0003;
    /// `EXPLAIN QUERY PLAN` is tested for every combination). The page's IDs are read from
    /// the index first and only those rows are joined. The count without filters other
    /// than status reads the counters the triggers keep. Count and page go in one batch.
    ///
    /// # Errors
    ///
    /// Storage failure.
    pub async fn list(&self, program: &ProgramId, q: &ReferralQuery) -> StoreResult<(Vec<Referral>, u64)> {
        let list = super::sql::ListSql::new(program, q);
        // One round trip: the count and the page in one batch.
        let results = batch(
            self.db,
            vec![
                stmt(self.db, &list.count_sql(), &list.count_args())?,
                stmt(self.db, &list.page_sql(), &list.page_args())?,
            ],
        )
        .await?;
        let [count, page] = results.as_slice() else {
            return Err(corrupt("a list batch without its two results"));
        };
        let total = count.results::<Count>()?.first().map_or(0, |c| c.n);
        let rows = page.results::<FullRow>()?;
        Ok((rows.into_iter().map(FullRow::into_referral).collect::<StoreResult<_>>()?, total))
    }
}
