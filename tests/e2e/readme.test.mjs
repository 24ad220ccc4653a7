// README's curl session (create campaign → affiliate → link → create referral → list →
// update status → get), run word for word with bash against the real Worker seeded with the
// demo program, so the documentation cannot drift from the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker, ROOT } from '../lib/worker.mjs';

let w;
before(async () => {
  w = await startWorker();
  execFileSync(process.execPath, ['scripts/seed-demo.mjs', '--persist-to', w.state, '--quiet'], { cwd: ROOT, env: { ...process.env, DEMO_ORIGIN: w.url } });
});
after(async () => { await w?.stop(); });

/** Every line of README's curl session answers success, and the referral ends as a customer. */
test('README curl session works as printed', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = readme.split('<!-- curl-session -->')[1]?.split('<!-- /curl-session -->')[0];
  assert.ok(block, 'README has a curl-session block');
  const script = block.replace(/^\s*```sh\n/, '').replace(/```\s*$/, '');
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { env: { ...process.env, BASE: w.url }, encoding: 'utf8' });
  const answers = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, 4, out);
  const [link, list, updated, got] = answers;
  for (const a of answers) assert.equal(a.success, true, JSON.stringify(a));
  assert.equal(link.data.token, 'ada');
  assert.equal(link.data.url, 'https://shop.example.com/?via=ada');
  assert.equal(list.pagination.total_count, 1);
  assert.equal(list.data[0].email, 'newcustomer@example.com');
  assert.equal(list.data[0].status, 'lead');
  assert.equal(updated.data.status, 'customer');
  assert.ok(updated.data.converted_at);
  assert.equal(got.data.id, updated.data.id);
  assert.equal(got.data.affiliate.first_name, 'Ada');
  assert.equal(got.data.affiliate.campaign.name, 'Newsletter partners');
  assert.deepEqual(got.data.metadata, { plan: 'enterprise' });
});
