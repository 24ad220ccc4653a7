-- Payouts (issue 24): due commissions grouped per affiliate and currency into one payout,
-- paid by the merchant (bank, PayPal, Wise) and marked paid here. The rules are core's
-- (crates/core/src/payout.rs): a payout holds pending commissions past their due_at and in
-- no live payout, plus that affiliate's clawbacks in the currency; it is made only when
-- their sum reaches the campaign's minimum_payout; failed and canceled payouts release
-- their commissions to the next run.
CREATE TABLE payouts (
  id            TEXT PRIMARY KEY,              -- pay_…
  program_id    TEXT NOT NULL REFERENCES programs(id),
  affiliate_id  TEXT NOT NULL REFERENCES affiliates(id),
  currency      TEXT NOT NULL,                 -- ISO 4217, upper case
  amount        INTEGER NOT NULL CHECK (amount > 0),  -- cents: the sum of its commissions
  status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'paid', 'failed', 'canceled')),
  reference     TEXT,                          -- the bank's, PayPal's or Wise's reference
  commissions_count INTEGER NOT NULL,          -- how many it held when it was made
  due_before    TEXT NOT NULL,                 -- the run's cutoff, ISO 8601 UTC
  paid_at       TEXT,
  failed_at     TEXT,
  canceled_at   TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
-- GET /v1/payouts: newest first, alone or by affiliate, status or currency.
CREATE INDEX payouts_list ON payouts(program_id, created_at DESC, id DESC);
CREATE INDEX payouts_affiliate ON payouts(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX payouts_status ON payouts(program_id, status, created_at DESC, id DESC);
CREATE INDEX payouts_currency ON payouts(program_id, currency, created_at DESC, id DESC);

-- Commissions are rebuilt (SQLite cannot drop a NOT NULL): a manual commission (a bonus,
-- POST /v1/commissions) has no sale or referral and says why (`reason`); every commission
-- can be in a payout (`payout_id`; NULL: none, or released by a failed or canceled one).
-- The rows are copied as they are; the indexes of 0005 and the stats triggers of 0007 are
-- made again as they were (a manual commission joins no sale, so the funnel counts only
-- commissions on sales, as before).
CREATE TABLE commissions_next (
  id            TEXT PRIMARY KEY,
  program_id    TEXT NOT NULL REFERENCES programs(id),
  sale_id       TEXT REFERENCES sales(id),
  referral_id   TEXT REFERENCES referrals(id),
  affiliate_id  TEXT NOT NULL REFERENCES affiliates(id),
  amount        INTEGER NOT NULL,
  base_amount   INTEGER NOT NULL CHECK (base_amount >= 0),
  currency      TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'voided')),
  due_at        TEXT NOT NULL,
  paid_at       TEXT,
  voided_at     TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  payout_id     TEXT REFERENCES payouts(id),
  reason        TEXT,
  CHECK ((sale_id IS NULL) = (referral_id IS NULL)),
  CHECK (sale_id IS NOT NULL OR reason IS NOT NULL)
);
INSERT INTO commissions_next (id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, paid_at, voided_at, created_at, updated_at)
  SELECT id, program_id, sale_id, referral_id, affiliate_id, amount, base_amount, currency, status, due_at, paid_at, voided_at, created_at, updated_at FROM commissions;
DROP TABLE commissions;
ALTER TABLE commissions_next RENAME TO commissions;
CREATE INDEX commissions_list ON commissions(program_id, created_at DESC, id DESC);
CREATE INDEX commissions_affiliate ON commissions(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX commissions_status ON commissions(program_id, status, created_at DESC, id DESC);
CREATE INDEX commissions_referral ON commissions(referral_id, program_id, created_at DESC, id DESC);
CREATE INDEX commissions_sale ON commissions(sale_id);
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
-- A run's look-up of what is payable: the program's pending commissions in no payout (not
-- a partial index: the run binds the status, and SQLite uses a partial index only for a
-- query whose own text implies its WHERE).
CREATE INDEX commissions_payable ON commissions(program_id, status, payout_id, due_at);
-- A payout's commissions (its answer, pay, release) and the foreign-key check.
CREATE INDEX commissions_payout ON commissions(payout_id);

-- The campaign's minimum payout in cents (0: any positive balance is paid).
ALTER TABLE campaigns ADD COLUMN minimum_payout INTEGER NOT NULL DEFAULT 0 CHECK (minimum_payout >= 0);

-- Where the affiliate is paid (PayPal's and Wise's recipient); NULL: their email.
ALTER TABLE affiliates ADD COLUMN payout_email TEXT;

-- A secret key made before this migration with every scope there was (what
-- `npm run create-program` gives) keeps full access: it also gets the payout scopes, as in
-- migrations 0004 to 0007. A key that has them already is left as it is.
UPDATE api_keys SET scopes = scopes || ' read:payouts write:payouts'
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
  AND instr(' ' || scopes || ' ', ' delete:webhooks ') > 0
  AND instr(' ' || scopes || ' ', ' read:stats ') > 0
  AND instr(' ' || scopes || ' ', ' read:payouts ') = 0;
