-- Click reports: which click each report the tracker sent landed on. The tracker gives every
-- report an ID (rpt_ + 32 hex) when it captures a token and keeps the report until an answer
-- arrives, so a visitor who leaves the page before the answer gets the report replayed on
-- their next page view. The replay finds its row here and is answered with the same click,
-- counting no second visit. `attempt` is the candidate click ID of the request that stored
-- the row: the statements of one click batch use it to tell "stored just now" from "seen
-- before". Reports without an ID get one made by the Worker.
CREATE TABLE click_reports (
  program_id   TEXT NOT NULL REFERENCES programs(id),
  report_id    TEXT NOT NULL,
  -- Checked when the click's batch commits: its row names the click before the click's own
  -- insert, which reads it.
  referral_id  TEXT NOT NULL REFERENCES referrals(id) DEFERRABLE INITIALLY DEFERRED,
  attempt      TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (program_id, report_id)
) WITHOUT ROWID;
CREATE INDEX click_reports_referral ON click_reports(referral_id);
