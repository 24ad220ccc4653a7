#!/usr/bin/env node
// Seeds the local D1 with the demo program (idempotent: fixed IDs, INSERT OR IGNORE), so
// `make dev` can print working keys every time. The demo keys are public and for local
// use only; create real programs with `npm run create-program`.
//
// Campaigns: "Spring partners" (60 days, last-click) with affiliates James Bond (jb007)
// and Eve Moneypenny (other); "Founding partners" (30 days, first-click) with Q (q-branch)
// and M (m-office).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programSql, lit } from './lib/program.mjs';

export const DEMO = {
  programId: `prg_${'0'.repeat(31)}1`,
  publishableKey: 'pk_demo1234567890abcdef1234567890',
  secretKey: 'sk_demo1234567890abcdef1234567890abcdef12',
};
const origin = process.env.DEMO_ORIGIN ?? 'http://127.0.0.1:8787';
const persist = process.argv.includes('--persist-to') ? ['--persist-to', process.argv[process.argv.indexOf('--persist-to') + 1]] : [];
const id = (prefix, n) => `${prefix}_${String(n).padStart(32, '0')}`;
const now = '2026-01-01T00:00:00.000Z';
const hosts = JSON.stringify(['127.0.0.1', 'localhost']);

const campaigns = [
  [id('cmp', 1), 'Spring partners', 60, 'last_click'],
  [id('cmp', 2), 'Founding partners', 30, 'first_click'],
];
const affiliates = [
  [id('aff', 1), 'james.bond@mi6.example', 'James', 'Bond', id('cmp', 1), 'jb007'],
  [id('aff', 2), 'eve.moneypenny@mi6.example', 'Eve', 'Moneypenny', id('cmp', 1), 'other'],
  [id('aff', 3), 'q@mi6.example', 'Q', null, id('cmp', 2), 'q-branch'],
  [id('aff', 4), 'm@mi6.example', 'M', null, id('cmp', 2), 'm-office'],
];
const sql = [
  programSql({ name: 'Demo shop', ...DEMO, ignoreExisting: true, now }).sql,
  ...campaigns.map(([cid, name, days, attribution]) =>
    `INSERT OR IGNORE INTO campaigns (id, program_id, name, cookie_duration, attribution, allowed_hostnames, created_at, updated_at) VALUES (${lit(cid)}, ${lit(DEMO.programId)}, ${lit(name)}, ${days}, ${lit(attribution)}, ${lit(hosts)}, ${lit(now)}, ${lit(now)});`),
  ...affiliates.flatMap(([aid, email, first, last, cid, token], i) => [
    `INSERT OR IGNORE INTO affiliates (id, program_id, campaign_id, email, first_name, last_name, created_at, updated_at) VALUES (${lit(aid)}, ${lit(DEMO.programId)}, ${lit(cid)}, ${lit(email)}, ${lit(first)}, ${lit(last)}, ${lit(now)}, ${lit(now)});`,
    `INSERT OR IGNORE INTO links (id, program_id, token, affiliate_id, campaign_id, destination_url, created_at, updated_at) VALUES (${lit(id('lnk', i + 1))}, ${lit(DEMO.programId)}, ${lit(token)}, ${lit(aid)}, ${lit(cid)}, ${lit(`${origin}/`)}, ${lit(now)}, ${lit(now)});`,
  ]),
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'viatrack-seed-'));
try {
  writeFileSync(join(dir, 'seed.sql'), sql);
  execFileSync(process.execPath, ['node_modules/wrangler/bin/wrangler.js', 'd1', 'execute', 'viatrack', '--local', ...persist, '--file', join(dir, 'seed.sql')], { stdio: ['ignore', 'ignore', 'inherit'] });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (!process.argv.includes('--quiet')) {
  console.log(`Demo program ${DEMO.programId} (local only)`);
  console.log(`  publishable key  ${DEMO.publishableKey}`);
  console.log(`  secret key       ${DEMO.secretKey}`);
  console.log(`  links            ${affiliates.map((a) => `${a[5]} (${a[2]}, ${a[4] === id('cmp', 1) ? 'last-click, 60 days' : 'first-click, 30 days'})`).join(', ')}`);
}
