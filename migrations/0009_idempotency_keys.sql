-- Idempotency-Key on every POST (crates/worker/src/idempotency.rs), with Stripe's semantics:
-- the same key and request within 24 h answers the first answer again; another request
-- under the same key is refused. One row per program and key: the primary key makes one of
-- any number of parallel first requests the one that runs.
CREATE TABLE idempotency_keys (
  program_id    TEXT NOT NULL REFERENCES programs(id),
  key           TEXT NOT NULL,
  -- SHA-256 (hex) of the method, the path and the body.
  request_hash  TEXT NOT NULL,
  -- NULL while the first request runs.
  status        INTEGER,
  -- The first answer's body, sealed with INTEGRATIONS_KEY (it may hold a created secret).
  answer        TEXT,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (program_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
