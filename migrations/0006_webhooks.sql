-- Outbound webhooks (issue 14), per Standard Webhooks, delivered through Cloudflare Queues.
--
-- webhook_endpoints: where a program's events go. The secret (whsec_ + base64) is sealed
-- like the Stripe secret (AES-256-GCM under INTEGRATIONS_KEY); after a rotation the previous
-- one also signs until previous_secret_expires_at (24 h).
CREATE TABLE webhook_endpoints (
  id                          TEXT PRIMARY KEY,
  program_id                  TEXT NOT NULL REFERENCES programs(id),
  url                         TEXT NOT NULL,
  events                      TEXT NOT NULL,
  enabled                     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  secret                      TEXT NOT NULL,
  previous_secret             TEXT,
  previous_secret_expires_at  TEXT,
  created_at                  TEXT NOT NULL,
  updated_at                  TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_list ON webhook_endpoints(program_id, created_at DESC, id DESC);

-- One row per event and endpoint: the body signed on every attempt (so a retry sends the
-- same bytes under the same webhook-id), the attempts made, and whether it was delivered or
-- became a dead letter.
CREATE TABLE webhook_messages (
  endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id     TEXT NOT NULL,
  program_id   TEXT NOT NULL REFERENCES programs(id),
  event_type   TEXT NOT NULL,
  body         TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  PRIMARY KEY (endpoint_id, event_id)
) WITHOUT ROWID;

-- Every attempt: status code, duration and our own error text (never the answer's body).
CREATE TABLE webhook_deliveries (
  id           TEXT PRIMARY KEY,
  program_id   TEXT NOT NULL REFERENCES programs(id),
  endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id     TEXT NOT NULL,
  event_type   TEXT NOT NULL,
  attempt      INTEGER NOT NULL,
  status_code  INTEGER,
  duration_ms  INTEGER NOT NULL,
  error        TEXT,
  created_at   TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_list ON webhook_deliveries(endpoint_id, created_at DESC, id DESC);

-- Full-access secret keys also get the webhooks scopes, as in migrations 0004 and 0005.
UPDATE api_keys SET scopes = scopes || ' read:webhooks write:webhooks delete:webhooks'
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
  AND instr(' ' || scopes || ' ', ' delete:integrations ') > 0;
