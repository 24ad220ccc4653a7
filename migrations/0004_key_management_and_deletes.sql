-- Key management and DELETE for campaigns, affiliates and links (issue 12).
--
-- 1. The api_keys scopes for full-access keys made before them, and api_keys.last_used_at: when a request last authenticated with the key, to the minute
--    (written when an isolate first reads the key and the stored value is over a minute
--    old). A list index for GET /v1/api_keys.
-- 2. Deleting a campaign, affiliate or link is refused while rows still name it. SQLite
--    checks each foreign key on a parent DELETE by looking the child rows up through an
--    index whose first column is the child key; without one it scans the child table. So
--    every child key gets such an index: the program-scoped indexes that the lists use are
--    rebuilt with the child key first (their queries bind both columns with `=`, so the
--    order of the two does not change their plans), and referrals.campaign_id and
--    referrals.link_id get one (0003 dropped the link counters' index; the dedupe index on
--    link_id is partial, so SQLite cannot use it for the check).

ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
-- A secret key made before this migration with every scope there was (what
-- `npm run create-program` gives) keeps full access: it also gets the new api_keys scopes.
UPDATE api_keys SET scopes = scopes || ' read:api_keys write:api_keys delete:api_keys'
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
  AND instr(' ' || scopes || ' ', ' delete:links ') > 0;
CREATE INDEX api_keys_list ON api_keys(program_id, created_at DESC, id DESC) WHERE revoked_at IS NULL;

DROP INDEX referrals_affiliate;
CREATE INDEX referrals_affiliate ON referrals(affiliate_id, program_id, created_at DESC, id DESC);
CREATE INDEX referrals_campaign ON referrals(campaign_id);
CREATE INDEX referrals_link ON referrals(link_id);

DROP INDEX links_affiliate;
CREATE INDEX links_affiliate ON links(affiliate_id, program_id);

DROP INDEX affiliates_campaign;
CREATE INDEX affiliates_campaign ON affiliates(campaign_id, program_id, created_at DESC);
