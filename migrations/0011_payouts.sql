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

-- The payout a commission is in (NULL: none, or released by a failed or canceled one).
ALTER TABLE commissions ADD COLUMN payout_id TEXT REFERENCES payouts(id);
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
