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
  leads                  INTEGER NOT NULL DEFAULT 0,            -- referrals credited by the code that became leads
  conversions            INTEGER NOT NULL DEFAULT 0,            -- … that became paying
  created_at             TEXT NOT NULL,                          -- ISO 8601 UTC
  updated_at             TEXT NOT NULL,
  UNIQUE (program_id, code)
);
CREATE UNIQUE INDEX coupons_promotion_code ON coupons(program_id, stripe_promotion_code) WHERE stripe_promotion_code IS NOT NULL;
-- GET /v1/coupons: newest first, alone or by affiliate or campaign (as for links).
CREATE INDEX coupons_list ON coupons(program_id, created_at DESC, id DESC);
CREATE INDEX coupons_affiliate ON coupons(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX coupons_campaign ON coupons(campaign_id, program_id, created_at DESC, id DESC);

-- A referral credited by a code (a sale naming a coupon that no referral explains) names it;
-- its attribution method is then `code` (core's AttributionMethod). The code's counters are
-- kept by triggers, as migration 0003 keeps a link's (a referral's coupon never changes).
ALTER TABLE referrals ADD COLUMN coupon_id TEXT REFERENCES coupons(id);
CREATE INDEX referrals_coupon ON referrals(coupon_id);

CREATE TRIGGER coupons_counted_insert AFTER INSERT ON referrals WHEN NEW.coupon_id IS NOT NULL BEGIN
  UPDATE coupons SET leads = leads + (NEW.became_lead_at IS NOT NULL),
    conversions = conversions + (NEW.became_conversion_at IS NOT NULL)
    WHERE id = NEW.coupon_id;
END;

CREATE TRIGGER coupons_counted_delete AFTER DELETE ON referrals WHEN OLD.coupon_id IS NOT NULL BEGIN
  UPDATE coupons SET leads = leads - (OLD.became_lead_at IS NOT NULL),
    conversions = conversions - (OLD.became_conversion_at IS NOT NULL)
    WHERE id = OLD.coupon_id;
END;

CREATE TRIGGER coupons_counted_update AFTER UPDATE OF became_lead_at, became_conversion_at ON referrals
WHEN NEW.coupon_id IS NOT NULL BEGIN
  UPDATE coupons SET leads = leads + (NEW.became_lead_at IS NOT NULL) - (OLD.became_lead_at IS NOT NULL),
    conversions = conversions + (NEW.became_conversion_at IS NOT NULL) - (OLD.became_conversion_at IS NOT NULL)
    WHERE id = NEW.coupon_id;
END;

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
