-- Coupon codes (issue 26): a code an affiliate reads out, credited without a click.
--
-- `code` is core's CouponCode, stored upper case (codes are case-insensitive), so the unique
-- key is the program and that form. `stripe_promotion_code` is the Stripe promotion code ID
-- (promo_…) whose use credits the coupon, unique in the program where set. A coupon belongs to
-- an affiliate and a campaign of the program; deleting either is refused while a coupon names
-- it (the guarded deletes' lists name this table).
CREATE TABLE coupons (
  id                     TEXT PRIMARY KEY,                       -- cpn_…
  program_id             TEXT NOT NULL REFERENCES programs(id),
  code                   TEXT NOT NULL,                          -- upper case
  affiliate_id           TEXT NOT NULL REFERENCES affiliates(id),
  campaign_id            TEXT NOT NULL REFERENCES campaigns(id),
  stripe_promotion_code  TEXT,                                   -- promo_…
  archived               INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  created_at             TEXT NOT NULL,                          -- ISO 8601 UTC
  updated_at             TEXT NOT NULL,
  UNIQUE (program_id, code)
);
CREATE UNIQUE INDEX coupons_promotion_code ON coupons(program_id, stripe_promotion_code) WHERE stripe_promotion_code IS NOT NULL;
-- GET /v1/coupons: newest first, alone or by affiliate or campaign (as for links).
CREATE INDEX coupons_list ON coupons(program_id, created_at DESC, id DESC);
CREATE INDEX coupons_affiliate ON coupons(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX coupons_campaign ON coupons(campaign_id, program_id, created_at DESC, id DESC);

-- Full-access secret keys (every scope before this migration) get the coupon scopes; a key
-- with fewer scopes keeps exactly what it was given.
UPDATE api_keys SET scopes = scopes || ' read:coupons write:coupons delete:coupons'
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
  AND instr(' ' || scopes || ' ', ' read:payouts ') > 0
  AND instr(' ' || scopes || ' ', ' write:payouts ') > 0
  AND instr(' ' || scopes || ' ', ' read:coupons ') = 0;
