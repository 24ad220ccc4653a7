#!/usr/bin/env node
// Creates a program with a publishable key and a secret key (all scopes) and prints the
// keys once: they are stored hashed and cannot be shown again.
//
//   npm run create-program -- "My shop"            # local D1 (wrangler dev)
//   npm run create-program -- "My shop" --remote   # the D1 of your Cloudflare account
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { programSql } from './lib/program.mjs';

const args = process.argv.slice(2);
const remote = args.includes('--remote');
const name = args.find((a) => !a.startsWith('--'));
if (!name) {
  console.error('usage: npm run create-program -- "<program name>" [--remote]');
  process.exit(2);
}
const p = programSql({ name });
const dir = mkdtempSync(join(tmpdir(), 'viatrack-'));
const file = join(dir, 'program.sql');
writeFileSync(file, p.sql);
const wrangler = (args) => execFileSync(process.execPath, ['node_modules/wrangler/bin/wrangler.js', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, CI: 'true' } });
try {
  const where = remote ? '--remote' : '--local';
  wrangler(['d1', 'migrations', 'apply', 'viatrack', where]); // idempotent
  wrangler(['d1', 'execute', 'viatrack', where, '--file', file]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`program:          ${p.programId}`);
console.log(`publishable key:  ${p.publishableKey}   (data-key of the <script> tag)`);
console.log(`secret key:       ${p.secretKey}   (server side only; shown once)`);
