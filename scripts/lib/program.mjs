// Creating a program and its API keys: ids, keys and the SQL that stores them (hashed).
// Used by scripts/create-program.mjs, scripts/seed-demo.mjs and the black-box tests.
import { createHash, randomBytes } from 'node:crypto';

/** Every scope a secret key can hold (crates/core/src/api/scopes.rs). */
export const ALL_SCOPES = ['referrals', 'affiliates', 'campaigns', 'links', 'api_keys', 'commissions', 'integrations', 'webhooks', 'coupons']
  .flatMap((r) => ['read', 'write', 'delete'].map((a) => `${a}:${r}`))
  .concat(['read:stats', 'read:payouts', 'write:payouts']); // stats are read only; payouts are never deleted

/** `prefix_` + 32 random lower-case hex digits, the Worker's ID format. */
export const newId = (prefix) => `${prefix}_${randomBytes(16).toString('hex')}`;

/** A fresh key: `pk_`/`sk_` + 40 random hex digits. */
export const newKey = (kind) => `${kind === 'publishable' ? 'pk' : 'sk'}_${randomBytes(20).toString('hex')}`;

/** SHA-256 hex of a key: the only form the database keeps. */
export const hashKey = (key) => createHash('sha256').update(key).digest('hex');

/** SQL string literal (for the admin scripts' `wrangler d1 execute`, which binds nothing). */
export const lit = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replaceAll("'", "''")}'`);

/**
 * SQL that creates a program with one publishable key and one secret key holding `scopes`.
 * Keys are given or generated; only their hashes go into the SQL.
 * Returns { sql, programId, publishableKey, secretKey }.
 */
/** SQL that adds one key of `kind` with `scopes` to an existing program. */
export function keySql({ programId, kind, key, scopes = [], ignoreExisting = false, now = new Date().toISOString() }) {
  const insert = ignoreExisting ? 'INSERT OR IGNORE' : 'INSERT';
  return `${insert} INTO api_keys (id, program_id, kind, key_hash, key_prefix, scopes, created_at) VALUES (${lit(`key_${hashKey(key).slice(0, 32)}`)}, ${lit(programId)}, ${lit(kind)}, ${lit(hashKey(key))}, ${lit(key.slice(0, 7))}, ${lit(scopes.join(' '))}, ${lit(now)});`;
}

export function programSql({ name, programId = newId('prg'), publishableKey = newKey('publishable'), secretKey = newKey('secret'), scopes = ALL_SCOPES, ignoreExisting = false, now = new Date().toISOString() }) {
  const insert = ignoreExisting ? 'INSERT OR IGNORE' : 'INSERT';
  const sql = [
    `${insert} INTO programs (id, name, created_at) VALUES (${lit(programId)}, ${lit(name)}, ${lit(now)});`,
    keySql({ programId, kind: 'publishable', key: publishableKey, ignoreExisting, now }),
    keySql({ programId, kind: 'secret', key: secretKey, scopes, ignoreExisting, now }),
  ].join('\n');
  return { sql, programId, publishableKey, secretKey };
}
