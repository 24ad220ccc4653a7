-- Funnel figures at a million referrals (GET /v1/stats, the dashboard).
--
-- Counters that triggers keep in the same transaction as every write that changes a figure
-- (as migration 0003 keeps referral_counts: no writer can forget them):
--
-- * stats: per affiliate, campaign and link, over aligned blocks of 1, 4, 16, 64 and 256 UTC
--   days. `start` is the block's first day as a day number (days since 1970-01-01, a multiple
--   of `days`). A range of days is read as the fewest aligned blocks that tile it (core's
--   StatsQuery::blocks), so a year reads about a dozen rows per link instead of 365.
--   '' stands for "none" (a referral made through the API has no link), so the key has no NULL.
-- * stats_program_days: the whole program per UTC day (GET /v1/stats?group_by=day).
--
-- What each figure counts, and on which day (core's `api::stats` documents the same):
--   visitors     referrals made by a tracked click (link_id set), on the day made;
--   clicks       click reports, first and repeat visits, on the day each arrived (a repeat
--                visit's day is the referral's updated_at, which the click sets); deleting a
--                referral does not take its clicks back (the traffic happened);
--   leads        referrals that became leads, on became_lead_at's day;
--   conversions  referrals that became paying, on became_conversion_at's day;
--   revenue      cents of sales, net of their refunds (amount - refunded), on the sale's day;
--   commissions  cents of commissions that are not voided (a clawback is negative), on the
--                day of the sale they are paid on.
-- Everything is counted under the referral's affiliate, campaign and link (which no route
-- changes).

CREATE TABLE stats (
  program_id    TEXT NOT NULL,
  days          INTEGER NOT NULL CHECK (days IN (1, 4, 16, 64, 256)),
  start         INTEGER NOT NULL CHECK (start % days = 0),
  affiliate_id  TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  link_id       TEXT NOT NULL,
  visitors      INTEGER NOT NULL DEFAULT 0,
  clicks        INTEGER NOT NULL DEFAULT 0,
  leads         INTEGER NOT NULL DEFAULT 0,
  conversions   INTEGER NOT NULL DEFAULT 0,
  revenue       INTEGER NOT NULL DEFAULT 0,
  commissions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, days, start, affiliate_id, campaign_id, link_id)
) WITHOUT ROWID;

CREATE TABLE stats_program_days (
  program_id    TEXT NOT NULL,
  day           TEXT NOT NULL,
  visitors      INTEGER NOT NULL DEFAULT 0,
  clicks        INTEGER NOT NULL DEFAULT 0,
  leads         INTEGER NOT NULL DEFAULT 0,
  conversions   INTEGER NOT NULL DEFAULT 0,
  revenue       INTEGER NOT NULL DEFAULT 0,
  commissions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, day)
) WITHOUT ROWID;

-- Backfill from the rows there are. A repeat visit's own day is not stored, so existing
-- clicks are all counted on their referral's day.
WITH e (program_id, day, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions) AS (
  SELECT program_id, substr(created_at, 1, 10) AS day, affiliate_id, COALESCE(campaign_id, '') AS campaign_id, COALESCE(link_id, '') AS link_id,
         link_id IS NOT NULL AS visitors, visits AS clicks, 0 AS leads, 0 AS conversions, 0 AS revenue, 0 AS commissions FROM referrals
  UNION ALL
  SELECT program_id, substr(became_lead_at, 1, 10), affiliate_id, COALESCE(campaign_id, ''), COALESCE(link_id, ''), 0, 0, 1, 0, 0, 0
    FROM referrals WHERE became_lead_at IS NOT NULL
  UNION ALL
  SELECT program_id, substr(became_conversion_at, 1, 10), affiliate_id, COALESCE(campaign_id, ''), COALESCE(link_id, ''), 0, 0, 0, 1, 0, 0
    FROM referrals WHERE became_conversion_at IS NOT NULL
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, s.amount - s.refunded, 0
    FROM sales s JOIN referrals r ON r.id = s.referral_id
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, 0,
         CASE c.status WHEN 'voided' THEN 0 ELSE c.amount END
    FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id
)
INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
  SELECT e.program_id, b.n, CAST(julianday(substr(e.day, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, e.affiliate_id, e.campaign_id, e.link_id,
    SUM(e.visitors), SUM(e.clicks), SUM(e.leads), SUM(e.conversions), SUM(e.revenue), SUM(e.commissions)
  FROM e, (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
  WHERE true
  GROUP BY 1, 2, 3, 4, 5, 6;
WITH e (program_id, day, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions) AS (
  SELECT program_id, substr(created_at, 1, 10) AS day, affiliate_id, COALESCE(campaign_id, '') AS campaign_id, COALESCE(link_id, '') AS link_id,
         link_id IS NOT NULL AS visitors, visits AS clicks, 0 AS leads, 0 AS conversions, 0 AS revenue, 0 AS commissions FROM referrals
  UNION ALL
  SELECT program_id, substr(became_lead_at, 1, 10), affiliate_id, COALESCE(campaign_id, ''), COALESCE(link_id, ''), 0, 0, 1, 0, 0, 0
    FROM referrals WHERE became_lead_at IS NOT NULL
  UNION ALL
  SELECT program_id, substr(became_conversion_at, 1, 10), affiliate_id, COALESCE(campaign_id, ''), COALESCE(link_id, ''), 0, 0, 0, 1, 0, 0
    FROM referrals WHERE became_conversion_at IS NOT NULL
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, s.amount - s.refunded, 0
    FROM sales s JOIN referrals r ON r.id = s.referral_id
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, 0,
         CASE c.status WHEN 'voided' THEN 0 ELSE c.amount END
    FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id
)
INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
  SELECT program_id, day, SUM(visitors), SUM(clicks), SUM(leads), SUM(conversions), SUM(revenue), SUM(commissions)
  FROM e WHERE true GROUP BY 1, 2;

CREATE TRIGGER stats_referral_insert AFTER INSERT ON referrals BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), (NEW.link_id IS NOT NULL), NEW.visits, 0, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.link_id IS NOT NULL OR NEW.visits <> 0
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.created_at, 1, 10), (NEW.link_id IS NOT NULL), NEW.visits, 0, 0, 0, 0
    FROM (SELECT 1)
    WHERE NEW.link_id IS NOT NULL OR NEW.visits <> 0
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.became_lead_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), 0, 0, 1, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.became_lead_at, 1, 10), 0, 0, 1, 0, 0, 0
    FROM (SELECT 1)
    WHERE NEW.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.became_conversion_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), 0, 0, 0, 1, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.became_conversion_at, 1, 10), 0, 0, 0, 1, 0, 0
    FROM (SELECT 1)
    WHERE NEW.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

-- A repeat visit (`visits + 1`, updated_at = now): one click on today's counters.
CREATE TRIGGER stats_referral_visit AFTER UPDATE OF visits ON referrals BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.updated_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), 0, NEW.visits - OLD.visits, 0, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.visits <> OLD.visits
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.updated_at, 1, 10), 0, NEW.visits - OLD.visits, 0, 0, 0, 0
    FROM (SELECT 1)
    WHERE NEW.visits <> OLD.visits
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_referral_move AFTER UPDATE OF became_lead_at, became_conversion_at ON referrals BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, b.n, CAST(julianday(substr(OLD.became_lead_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, OLD.affiliate_id, COALESCE(OLD.campaign_id, ''), COALESCE(OLD.link_id, ''), 0, 0, -1, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE OLD.became_lead_at IS NOT NULL AND OLD.became_lead_at IS NOT NEW.became_lead_at
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, substr(OLD.became_lead_at, 1, 10), 0, 0, -1, 0, 0, 0
    FROM (SELECT 1)
    WHERE OLD.became_lead_at IS NOT NULL AND OLD.became_lead_at IS NOT NEW.became_lead_at
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.became_lead_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), 0, 0, 1, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.became_lead_at IS NOT NULL AND NEW.became_lead_at IS NOT OLD.became_lead_at
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.became_lead_at, 1, 10), 0, 0, 1, 0, 0, 0
    FROM (SELECT 1)
    WHERE NEW.became_lead_at IS NOT NULL AND NEW.became_lead_at IS NOT OLD.became_lead_at
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, b.n, CAST(julianday(substr(OLD.became_conversion_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, OLD.affiliate_id, COALESCE(OLD.campaign_id, ''), COALESCE(OLD.link_id, ''), 0, 0, 0, -1, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE OLD.became_conversion_at IS NOT NULL AND OLD.became_conversion_at IS NOT NEW.became_conversion_at
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, substr(OLD.became_conversion_at, 1, 10), 0, 0, 0, -1, 0, 0
    FROM (SELECT 1)
    WHERE OLD.became_conversion_at IS NOT NULL AND OLD.became_conversion_at IS NOT NEW.became_conversion_at
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, b.n, CAST(julianday(substr(NEW.became_conversion_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, NEW.affiliate_id, COALESCE(NEW.campaign_id, ''), COALESCE(NEW.link_id, ''), 0, 0, 0, 1, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE NEW.became_conversion_at IS NOT NULL AND NEW.became_conversion_at IS NOT OLD.became_conversion_at
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, substr(NEW.became_conversion_at, 1, 10), 0, 0, 0, 1, 0, 0
    FROM (SELECT 1)
    WHERE NEW.became_conversion_at IS NOT NULL AND NEW.became_conversion_at IS NOT OLD.became_conversion_at
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

-- A deleted referral leaves visitors, leads and conversions; its clicks stay counted.
CREATE TRIGGER stats_referral_delete AFTER DELETE ON referrals BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, b.n, CAST(julianday(substr(OLD.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, OLD.affiliate_id, COALESCE(OLD.campaign_id, ''), COALESCE(OLD.link_id, ''), -1, 0, 0, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE OLD.link_id IS NOT NULL
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, substr(OLD.created_at, 1, 10), -1, 0, 0, 0, 0, 0
    FROM (SELECT 1)
    WHERE OLD.link_id IS NOT NULL
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, b.n, CAST(julianday(substr(OLD.became_lead_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, OLD.affiliate_id, COALESCE(OLD.campaign_id, ''), COALESCE(OLD.link_id, ''), 0, 0, -1, 0, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE OLD.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, substr(OLD.became_lead_at, 1, 10), 0, 0, -1, 0, 0, 0
    FROM (SELECT 1)
    WHERE OLD.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, b.n, CAST(julianday(substr(OLD.became_conversion_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, OLD.affiliate_id, COALESCE(OLD.campaign_id, ''), COALESCE(OLD.link_id, ''), 0, 0, 0, -1, 0, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
    WHERE OLD.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, substr(OLD.became_conversion_at, 1, 10), 0, 0, 0, -1, 0, 0
    FROM (SELECT 1)
    WHERE OLD.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_insert AFTER INSERT ON sales BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(NEW.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, NEW.amount - NEW.refunded, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = NEW.referral_id
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(NEW.created_at, 1, 10), 0, 0, 0, 0, NEW.amount - NEW.refunded, 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = NEW.referral_id
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_refund AFTER UPDATE OF amount, refunded ON sales BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(NEW.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, (NEW.amount - NEW.refunded) - (OLD.amount - OLD.refunded), 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = NEW.referral_id AND (NEW.amount - NEW.refunded) <> (OLD.amount - OLD.refunded)
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(NEW.created_at, 1, 10), 0, 0, 0, 0, (NEW.amount - NEW.refunded) - (OLD.amount - OLD.refunded), 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = NEW.referral_id AND (NEW.amount - NEW.refunded) <> (OLD.amount - OLD.refunded)
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_delete AFTER DELETE ON sales BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(OLD.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, -(OLD.amount - OLD.refunded), 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = OLD.referral_id
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(OLD.created_at, 1, 10), 0, 0, 0, 0, -(OLD.amount - OLD.refunded), 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = OLD.referral_id
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_insert AFTER INSERT ON commissions BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> 0
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), 0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> 0
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_update AFTER UPDATE OF amount, status ON commissions BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) - (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), 0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) - (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_delete AFTER DELETE ON commissions BEGIN
  INSERT INTO stats (program_id, days, start, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), 0, 0, 0, 0, 0, -(CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = OLD.sale_id AND r.id = OLD.referral_id AND (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END) <> 0
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_program_days (program_id, day, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), 0, 0, 0, 0, 0, -(CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = OLD.sale_id AND r.id = OLD.referral_id AND (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END) <> 0
    ON CONFLICT (program_id, day) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

-- Full-access secret keys also get read:stats (stats are read only), as in migrations 0004 to 0006.
UPDATE api_keys SET scopes = scopes || ' read:stats'
WHERE kind = 'secret'
  AND instr(' ' || scopes || ' ', ' read:referrals ') > 0
  AND instr(' ' || scopes || ' ', ' write:referrals ') > 0
  AND instr(' ' || scopes || ' ', ' delete:referrals ') > 0
  AND instr(' ' || scopes || ' ', ' read:affiliates ') > 0
  AND instr(' ' || scopes || ' ', ' write:affiliates ') > 0
  AND instr(' ' || scopes || ' ', ' delete:affiliates ') > 0
  AND instr(' ' || scopes || ' ', ' read:campaigns ') > 0
  AND instr(' ' || scopes || ' ', ' write:campaigns ') > 0
  AND instr(' ' || scopes || ' ', ' delete:campaigns ') > 0
  AND instr(' ' || scopes || ' ', ' read:links ') > 0
  AND instr(' ' || scopes || ' ', ' write:links ') > 0
  AND instr(' ' || scopes || ' ', ' delete:links ') > 0
  AND instr(' ' || scopes || ' ', ' read:api_keys ') > 0
  AND instr(' ' || scopes || ' ', ' write:api_keys ') > 0
  AND instr(' ' || scopes || ' ', ' delete:api_keys ') > 0
  AND instr(' ' || scopes || ' ', ' read:commissions ') > 0
  AND instr(' ' || scopes || ' ', ' write:commissions ') > 0
  AND instr(' ' || scopes || ' ', ' delete:commissions ') > 0
  AND instr(' ' || scopes || ' ', ' read:integrations ') > 0
  AND instr(' ' || scopes || ' ', ' write:integrations ') > 0
  AND instr(' ' || scopes || ' ', ' delete:integrations ') > 0
  AND instr(' ' || scopes || ' ', ' read:webhooks ') > 0
  AND instr(' ' || scopes || ' ', ' write:webhooks ') > 0
  AND instr(' ' || scopes || ' ', ' delete:webhooks ') > 0;
