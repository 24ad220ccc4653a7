-- viatrack's system of record (D1 / SQLite).
-- Timestamps are ISO 8601 UTC text with milliseconds (2020-04-27T00:34:28.448Z): fixed
-- width, so they sort and compare in time order. IDs are prefixed (prg_, cmp_, aff_, lnk_,
-- ref_, sal_, key_) + 32 hex digits. Every table but programs carries program_id, and every
-- query the Worker makes is scoped by it.

CREATE TABLE programs (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  created_at  TEXT NOT NULL
);

-- API keys: only the SHA-256 hash of a key is stored. kind 'publishable' may call the
-- tracking endpoints; 'secret' keys carry space-separated scopes (read:referrals ...).
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  program_id  TEXT NOT NULL REFERENCES programs(id),
  kind        TEXT NOT NULL CHECK (kind IN ('publishable', 'secret')),
  key_hash    TEXT NOT NULL UNIQUE,
  key_prefix  TEXT NOT NULL,
  scopes      TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
);
CREATE INDEX api_keys_program ON api_keys(program_id);

-- Campaigns: cookie duration in days, attribution, hostnames the tracker may report from
-- (JSON array; empty = any), commission kept as data.
CREATE TABLE campaigns (
  id                 TEXT PRIMARY KEY,
  program_id         TEXT NOT NULL REFERENCES programs(id),
  name               TEXT NOT NULL,
  cookie_duration    INTEGER NOT NULL CHECK (cookie_duration BETWEEN 1 AND 365),
  attribution        TEXT NOT NULL CHECK (attribution IN ('first_click', 'last_click')),
  allowed_hostnames  TEXT NOT NULL DEFAULT '[]',
  commission_type    TEXT CHECK (commission_type IN ('percentage', 'fixed')),
  commission_amount  INTEGER CHECK (commission_amount >= 0),
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
CREATE INDEX campaigns_list ON campaigns(program_id, created_at DESC, id DESC);

CREATE TABLE affiliates (
  id           TEXT PRIMARY KEY,
  program_id   TEXT NOT NULL REFERENCES programs(id),
  campaign_id  TEXT NOT NULL REFERENCES campaigns(id),
  email        TEXT NOT NULL,
  first_name   TEXT,
  last_name    TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  UNIQUE (program_id, email)
);
CREATE INDEX affiliates_list ON affiliates(program_id, created_at DESC, id DESC);
CREATE INDEX affiliates_campaign ON affiliates(program_id, campaign_id, created_at DESC);

-- Links: a token (unique per program, lower case) tied to an affiliate and a campaign.
CREATE TABLE links (
  id               TEXT PRIMARY KEY,
  program_id       TEXT NOT NULL REFERENCES programs(id),
  token            TEXT NOT NULL,
  affiliate_id     TEXT NOT NULL REFERENCES affiliates(id),
  campaign_id      TEXT NOT NULL REFERENCES campaigns(id),
  destination_url  TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (program_id, token)
);
CREATE INDEX links_list ON links(program_id, created_at DESC, id DESC);
CREATE INDEX links_affiliate ON links(program_id, affiliate_id);
CREATE INDEX links_campaign ON links(campaign_id);

-- Referrals: one row per tracked click, which becomes the referral when it converts
-- (status click -> lead -> customer ...). A referral created through the API without a
-- click has no link.
CREATE TABLE referrals (
  id                    TEXT PRIMARY KEY,
  program_id            TEXT NOT NULL REFERENCES programs(id),
  link_id               TEXT REFERENCES links(id),
  affiliate_id          TEXT NOT NULL REFERENCES affiliates(id),
  campaign_id           TEXT REFERENCES campaigns(id),
  status                TEXT NOT NULL CHECK (status IN ('click', 'lead', 'trialing', 'customer', 'active', 'canceled', 'rejected')),
  visits                INTEGER NOT NULL DEFAULT 1 CHECK (visits >= 0),
  visitor_id            TEXT,
  landing_url           TEXT,
  referrer              TEXT,
  email                 TEXT,
  name                  TEXT,
  customer_id           TEXT,
  subscription_id       TEXT,
  metadata              TEXT,
  created_at            TEXT NOT NULL,
  updated_at            TEXT NOT NULL,
  expires_at            TEXT NOT NULL,
  became_lead_at        TEXT,
  became_conversion_at  TEXT,
  converted_at          TEXT
);
-- One referral per customer email in a program (create-referral seed: conflict).
CREATE UNIQUE INDEX referrals_email ON referrals(program_id, email) WHERE email IS NOT NULL;
-- Click dedupe: the same visitor on the same link.
CREATE INDEX referrals_dedupe ON referrals(link_id, visitor_id, expires_at) WHERE visitor_id IS NOT NULL;
-- Lists, newest first, and their filters.
CREATE INDEX referrals_list ON referrals(program_id, created_at DESC, id DESC);
CREATE INDEX referrals_affiliate ON referrals(program_id, affiliate_id, created_at DESC);
CREATE INDEX referrals_status ON referrals(program_id, status, created_at DESC);
CREATE INDEX referrals_customer ON referrals(program_id, customer_id) WHERE customer_id IS NOT NULL;
-- Link counters (visitors, leads, conversions).
CREATE INDEX referrals_link ON referrals(link_id, became_lead_at, became_conversion_at);

-- Sales: amount in cents; one per invoice id per program.
CREATE TABLE sales (
  id           TEXT PRIMARY KEY,
  program_id   TEXT NOT NULL REFERENCES programs(id),
  referral_id  TEXT NOT NULL REFERENCES referrals(id),
  amount       INTEGER NOT NULL CHECK (amount > 0),
  currency     TEXT NOT NULL,
  invoice_id   TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  UNIQUE (program_id, invoice_id)
);
CREATE INDEX sales_referral ON sales(referral_id);
