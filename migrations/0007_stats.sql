-- Funnel figures at a million referrals (GET /v1/stats, the dashboard).
--
-- `stats` holds counters that triggers keep in the same transaction as every write that
-- changes a figure (as migration 0003 keeps referral_counts: no writer can forget them), at
-- three grains:
--   * 'day'         period YYYY-MM-DD, per affiliate, campaign and link;
--   * 'month'       period YYYY-MM, per affiliate, campaign and link (a long range reads
--                   whole months here and only its partial first and last months by day);
--   * 'program_day' period YYYY-MM-DD, the whole program (affiliate, campaign, link '').
-- '' stands for "none" (a referral made through the API has no link), so the key has no NULL.
-- Days are UTC, the first 10 characters of the ISO 8601 timestamps.
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
-- Everything is counted under the referral's affiliate, campaign and link.

CREATE TABLE stats (
  program_id    TEXT NOT NULL,
  grain         TEXT NOT NULL CHECK (grain IN ('day', 'month', 'program_day')),
  period        TEXT NOT NULL,
  affiliate_id  TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  link_id       TEXT NOT NULL,
  visitors      INTEGER NOT NULL DEFAULT 0,
  clicks        INTEGER NOT NULL DEFAULT 0,
  leads         INTEGER NOT NULL DEFAULT 0,
  conversions   INTEGER NOT NULL DEFAULT 0,
  revenue       INTEGER NOT NULL DEFAULT 0,
  commissions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, grain, period, affiliate_id, campaign_id, link_id)
) WITHOUT ROWID;

-- Backfill from the rows there are. A repeat visit's own day is not stored, so existing
-- clicks are all counted on their referral's day.
WITH grains(grain, len) AS (VALUES ('day', 10), ('month', 7), ('program_day', 10)),
events(program_id, ts, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions) AS (
  SELECT program_id, created_at, affiliate_id, campaign_id, link_id, link_id IS NOT NULL, visits, 0, 0, 0, 0 FROM referrals
  UNION ALL
  SELECT program_id, became_lead_at, affiliate_id, campaign_id, link_id, 0, 0, 1, 0, 0, 0 FROM referrals WHERE became_lead_at IS NOT NULL
  UNION ALL
  SELECT program_id, became_conversion_at, affiliate_id, campaign_id, link_id, 0, 0, 0, 1, 0, 0 FROM referrals WHERE became_conversion_at IS NOT NULL
  UNION ALL
  SELECT r.program_id, s.created_at, r.affiliate_id, r.campaign_id, r.link_id, 0, 0, 0, 0, s.amount - s.refunded, 0
    FROM sales s JOIN referrals r ON r.id = s.referral_id
  UNION ALL
  SELECT r.program_id, s.created_at, r.affiliate_id, r.campaign_id, r.link_id, 0, 0, 0, 0, 0, CASE c.status WHEN 'voided' THEN 0 ELSE c.amount END
    FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id
)
INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
  SELECT e.program_id, g.grain, substr(e.ts, 1, g.len),
    CASE g.grain WHEN 'program_day' THEN '' ELSE e.affiliate_id END,
    CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(e.campaign_id, '') END,
    CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(e.link_id, '') END,
    SUM(e.visitors), SUM(e.clicks), SUM(e.leads), SUM(e.conversions), SUM(e.revenue), SUM(e.commissions)
  FROM events e, grains g
  WHERE true
  GROUP BY 1, 2, 3, 4, 5, 6;

CREATE TRIGGER stats_referral_insert AFTER INSERT ON referrals BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      (NEW.link_id IS NOT NULL), NEW.visits, 0, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.link_id IS NOT NULL OR NEW.visits <> 0
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.became_lead_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      0, 0, 1, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.became_conversion_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      0, 0, 0, 1, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

-- A repeat visit (`visits + 1`, updated_at = now): one click on today's rows.
CREATE TRIGGER stats_referral_visit AFTER UPDATE OF visits ON referrals BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.updated_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      0, NEW.visits - OLD.visits, 0, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.visits <> OLD.visits
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_referral_move AFTER UPDATE OF became_lead_at, became_conversion_at ON referrals BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, g.grain, substr(OLD.became_lead_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE OLD.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.link_id, '') END,
      0, 0, -1, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE OLD.became_lead_at IS NOT NULL AND OLD.became_lead_at IS NOT NEW.became_lead_at
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.became_lead_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      0, 0, 1, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.became_lead_at IS NOT NULL AND NEW.became_lead_at IS NOT OLD.became_lead_at
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, g.grain, substr(OLD.became_conversion_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE OLD.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.link_id, '') END,
      0, 0, 0, -1, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE OLD.became_conversion_at IS NOT NULL AND OLD.became_conversion_at IS NOT NEW.became_conversion_at
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT NEW.program_id, g.grain, substr(NEW.became_conversion_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE NEW.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(NEW.link_id, '') END,
      0, 0, 0, 1, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE NEW.became_conversion_at IS NOT NULL AND NEW.became_conversion_at IS NOT OLD.became_conversion_at
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

-- A deleted referral leaves visitors, leads and conversions; its clicks stay counted.
CREATE TRIGGER stats_referral_delete AFTER DELETE ON referrals BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, g.grain, substr(OLD.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE OLD.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.link_id, '') END,
      -1, 0, 0, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE OLD.link_id IS NOT NULL
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, g.grain, substr(OLD.became_lead_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE OLD.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.link_id, '') END,
      0, 0, -1, 0, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE OLD.became_lead_at IS NOT NULL
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT OLD.program_id, g.grain, substr(OLD.became_conversion_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE OLD.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(OLD.link_id, '') END,
      0, 0, 0, -1, 0, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g
    WHERE OLD.became_conversion_at IS NOT NULL
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_insert AFTER INSERT ON sales BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(NEW.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, NEW.amount - NEW.refunded, 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, referrals r
    WHERE r.id = NEW.referral_id
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_refund AFTER UPDATE OF amount, refunded ON sales BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(NEW.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, (NEW.amount - NEW.refunded) - (OLD.amount - OLD.refunded), 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, referrals r
    WHERE r.id = NEW.referral_id AND (NEW.amount - NEW.refunded) <> (OLD.amount - OLD.refunded)
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_sale_delete AFTER DELETE ON sales BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(OLD.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, -(OLD.amount - OLD.refunded), 0
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, referrals r
    WHERE r.id = OLD.referral_id
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_insert AFTER INSERT ON commissions BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(s.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END)
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> 0
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_update AFTER UPDATE OF amount, status ON commissions BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(s.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) - (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_commission_delete AFTER DELETE ON commissions BEGIN
  INSERT INTO stats (program_id, grain, period, affiliate_id, campaign_id, link_id, visitors, clicks, leads, conversions, revenue, commissions)
    SELECT r.program_id, g.grain, substr(s.created_at, 1, g.len),
      CASE g.grain WHEN 'program_day' THEN '' ELSE r.affiliate_id END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.campaign_id, '') END,
      CASE g.grain WHEN 'program_day' THEN '' ELSE COALESCE(r.link_id, '') END,
      0, 0, 0, 0, 0, -(CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 'day' AS grain, 10 AS len UNION ALL SELECT 'month', 7 UNION ALL SELECT 'program_day', 10) g, sales s, referrals r
    WHERE s.id = OLD.sale_id AND r.id = OLD.referral_id AND (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END) <> 0
    ON CONFLICT (program_id, grain, period, affiliate_id, campaign_id, link_id) DO UPDATE SET visitors = visitors + excluded.visitors, clicks = clicks + excluded.clicks, leads = leads + excluded.leads, conversions = conversions + excluded.conversions, revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
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
