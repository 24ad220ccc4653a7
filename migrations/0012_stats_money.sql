-- Money per currency in the funnel figures (issue 24: "money everywhere in the dashboard shows
-- its currency, with a total per currency"). The revenue and commissions of `stats` and
-- `stats_program_days` (migration 0007) add every currency's cents into one number; these two
-- tables keep the same figures apart per currency, with the same keys, blocks and days:
--
-- * stats_money: per affiliate, campaign, link and currency, over the aligned blocks of 1, 4,
--   16, 64 and 256 UTC days that `stats` uses (read by the same runs of blocks);
-- * stats_money_days: the whole program per UTC day and currency.
--
--   revenue      cents of sales, net of their refunds (amount - refunded), on the sale's day,
--                in the sale's currency (ISO 4217, upper case);
--   commissions  cents of commissions that are not voided (a clawback is negative), on the
--                day of the sale they are paid on, in the commission's currency.
--
-- Triggers keep them in the same transaction as every write that changes a figure, as 0007's
-- do. Like `stats`, a manual commission (no sale) is counted by neither: it belongs to no day
-- of the funnel.

CREATE TABLE stats_money (
  program_id    TEXT NOT NULL,
  days          INTEGER NOT NULL CHECK (days IN (1, 4, 16, 64, 256)),
  start         INTEGER NOT NULL CHECK (start % days = 0),
  affiliate_id  TEXT NOT NULL,
  campaign_id   TEXT NOT NULL,
  link_id       TEXT NOT NULL,
  currency      TEXT NOT NULL,
  revenue       INTEGER NOT NULL DEFAULT 0,
  commissions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, days, start, affiliate_id, campaign_id, link_id, currency)
) WITHOUT ROWID;

CREATE TABLE stats_money_days (
  program_id    TEXT NOT NULL,
  day           TEXT NOT NULL,
  currency      TEXT NOT NULL,
  revenue       INTEGER NOT NULL DEFAULT 0,
  commissions   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (program_id, day, currency)
) WITHOUT ROWID;

-- Backfill from the sales and commissions there are.
WITH e (program_id, day, affiliate_id, campaign_id, link_id, currency, revenue, commissions) AS (
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), s.currency, s.amount - s.refunded, 0
    FROM sales s JOIN referrals r ON r.id = s.referral_id
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), c.currency, 0,
         CASE c.status WHEN 'voided' THEN 0 ELSE c.amount END
    FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id
)
INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
  SELECT e.program_id, b.n, CAST(julianday(e.day) - 2440587.5 AS INTEGER) / b.n * b.n, e.affiliate_id, e.campaign_id, e.link_id, e.currency,
    SUM(e.revenue), SUM(e.commissions)
  FROM e, (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b
  WHERE true
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
WITH e (program_id, day, currency, revenue, commissions) AS (
  SELECT r.program_id, substr(s.created_at, 1, 10), s.currency, s.amount - s.refunded, 0
    FROM sales s JOIN referrals r ON r.id = s.referral_id
  UNION ALL
  SELECT r.program_id, substr(s.created_at, 1, 10), c.currency, 0, CASE c.status WHEN 'voided' THEN 0 ELSE c.amount END
    FROM commissions c JOIN sales s ON s.id = c.sale_id JOIN referrals r ON r.id = c.referral_id
)
INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
  SELECT program_id, day, currency, SUM(revenue), SUM(commissions)
  FROM e WHERE true GROUP BY 1, 2, 3;

CREATE TRIGGER stats_money_sale_insert AFTER INSERT ON sales BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(NEW.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), NEW.currency, NEW.amount - NEW.refunded, 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = NEW.referral_id
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(NEW.created_at, 1, 10), NEW.currency, NEW.amount - NEW.refunded, 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = NEW.referral_id
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_money_sale_refund AFTER UPDATE OF amount, refunded ON sales BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(NEW.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), NEW.currency, (NEW.amount - NEW.refunded) - (OLD.amount - OLD.refunded), 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = NEW.referral_id AND (NEW.amount - NEW.refunded) <> (OLD.amount - OLD.refunded)
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(NEW.created_at, 1, 10), NEW.currency, (NEW.amount - NEW.refunded) - (OLD.amount - OLD.refunded), 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = NEW.referral_id AND (NEW.amount - NEW.refunded) <> (OLD.amount - OLD.refunded)
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_money_sale_delete AFTER DELETE ON sales BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(OLD.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), OLD.currency, -(OLD.amount - OLD.refunded), 0
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, referrals r
    WHERE r.id = OLD.referral_id
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(OLD.created_at, 1, 10), OLD.currency, -(OLD.amount - OLD.refunded), 0
    FROM (SELECT 1) AS one, referrals r
    WHERE r.id = OLD.referral_id
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_money_commission_insert AFTER INSERT ON commissions BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), NEW.currency, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> 0
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), NEW.currency, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> 0
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_money_commission_update AFTER UPDATE OF amount, status ON commissions BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), NEW.currency, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) - (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), NEW.currency, 0, (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) - (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = NEW.sale_id AND r.id = NEW.referral_id AND (CASE NEW.status WHEN 'voided' THEN 0 ELSE NEW.amount END) <> (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

CREATE TRIGGER stats_money_commission_delete AFTER DELETE ON commissions BEGIN
  INSERT INTO stats_money (program_id, days, start, affiliate_id, campaign_id, link_id, currency, revenue, commissions)
    SELECT r.program_id, b.n, CAST(julianday(substr(s.created_at, 1, 10)) - 2440587.5 AS INTEGER) / b.n * b.n, r.affiliate_id, COALESCE(r.campaign_id, ''), COALESCE(r.link_id, ''), OLD.currency, 0, -(CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1 AS n UNION ALL SELECT 4 UNION ALL SELECT 16 UNION ALL SELECT 64 UNION ALL SELECT 256) b, sales s, referrals r
    WHERE s.id = OLD.sale_id AND r.id = OLD.referral_id AND (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END) <> 0
    ON CONFLICT (program_id, days, start, affiliate_id, campaign_id, link_id, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
  INSERT INTO stats_money_days (program_id, day, currency, revenue, commissions)
    SELECT r.program_id, substr(s.created_at, 1, 10), OLD.currency, 0, -(CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END)
    FROM (SELECT 1) AS one, sales s, referrals r
    WHERE s.id = OLD.sale_id AND r.id = OLD.referral_id AND (CASE OLD.status WHEN 'voided' THEN 0 ELSE OLD.amount END) <> 0
    ON CONFLICT (program_id, day, currency) DO UPDATE SET revenue = revenue + excluded.revenue, commissions = commissions + excluded.commissions;
END;

