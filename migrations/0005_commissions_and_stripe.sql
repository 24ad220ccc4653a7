-- Money (issue 13): commissions on sales, refunds, Stripe webhooks.
--
-- Campaigns: a percentage commission_amount is now in basis points (2000 = 20 %; it was
-- whole percent), and the campaign says whether sales after a referral's first earn
-- (recurring, for recurring_months calendar months after the first sale; NULL = no limit)
-- and how many days a commission is held before it is due (hold_days).
UPDATE campaigns SET commission_amount = commission_amount * 100 WHERE commission_type = 'percentage';
ALTER TABLE campaigns ADD COLUMN recurring INTEGER NOT NULL DEFAULT 0 CHECK (recurring IN (0, 1));
ALTER TABLE campaigns ADD COLUMN recurring_months INTEGER CHECK (recurring_months BETWEEN 1 AND 1200);
ALTER TABLE campaigns ADD COLUMN hold_days INTEGER NOT NULL DEFAULT 0 CHECK (hold_days BETWEEN 0 AND 365);

-- Sales: how much of each has been refunded (cents), and the payment it was made with
-- (Stripe's payment_intent), by which a refund finds it.
ALTER TABLE sales ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0);
ALTER TABLE sales ADD COLUMN payment_id TEXT;
CREATE INDEX sales_payment ON sales(program_id, payment_id) WHERE payment_id IS NOT NULL;

-- Commissions: one per earning sale, plus one negative clawback per refund of a paid one.
-- amount is what the affiliate is owed now (cents, signed); base_amount what the sale
-- earned when it was made (refunds are counted against it).
CREATE TABLE commissions (
  id            TEXT PRIMARY KEY,
  program_id    TEXT NOT NULL REFERENCES programs(id),
  sale_id       TEXT NOT NULL REFERENCES sales(id),
  referral_id   TEXT NOT NULL REFERENCES referrals(id),
  affiliate_id  TEXT NOT NULL REFERENCES affiliates(id),
  amount        INTEGER NOT NULL,
  base_amount   INTEGER NOT NULL CHECK (base_amount >= 0),
  currency      TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'voided')),
  due_at        TEXT NOT NULL,
  paid_at       TEXT,
  voided_at     TEXT,
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL
);
CREATE INDEX commissions_list ON commissions(program_id, created_at DESC, id DESC);
CREATE INDEX commissions_affiliate ON commissions(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX commissions_status ON commissions(program_id, status, created_at DESC, id DESC);
CREATE INDEX commissions_referral ON commissions(referral_id, program_id, created_at DESC, id DESC);
CREATE INDEX commissions_sale ON commissions(sale_id);

-- Refunds, idempotent by the refund's own ID (Stripe's, or the merchant's).
CREATE TABLE refunds (
  program_id  TEXT NOT NULL REFERENCES programs(id),
  refund_id   TEXT NOT NULL,
  sale_id     TEXT NOT NULL REFERENCES sales(id),
  amount      INTEGER NOT NULL CHECK (amount > 0),
  created_at  TEXT NOT NULL,
  PRIMARY KEY (program_id, refund_id)
) WITHOUT ROWID;
CREATE INDEX refunds_sale ON refunds(sale_id);

-- Stripe: the program's webhook signing secret, encrypted (AES-256-GCM under the Worker
-- secret INTEGRATIONS_KEY; never returned), and the events already handled (idempotency).
CREATE TABLE integrations (
  program_id     TEXT PRIMARY KEY REFERENCES programs(id),
  stripe_secret  TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE TABLE stripe_events (
  program_id  TEXT NOT NULL REFERENCES programs(id),
  event_id    TEXT NOT NULL,
  type        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  PRIMARY KEY (program_id, event_id)
) WITHOUT ROWID;

-- Full-access secret keys (every scope there was) also get the new commissions and
-- integrations scopes, as in migration 0004.
UPDATE api_keys SET scopes = scopes || ' read:commissions write:commissions delete:commissions read:integrations write:integrations delete:integrations'
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
  AND instr(' ' || scopes || ' ', ' delete:api_keys ') > 0;
