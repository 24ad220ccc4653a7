// The dashboard's Payouts view: what is due now per affiliate and currency (pending
// commissions past their hold and in no payout, net of clawbacks), "Run payouts"
// (POST /v1/payouts/run) with what it made and carried, the payouts with "Mark paid"
// (POST /v1/payouts/{id}/pay, with an optional reference), and the exports of pending payouts
// (GET /v1/payouts/export, fetched with the key and saved as a file). Money is shown in its
// own currency and summed per currency only.
import { $, request, all, download, answered, money, perCurrency, affiliateName, utc, el } from './dashboard-api.js';

const STATUSES = 'pending,processing,paid,failed,canceled';
const PAYABLE = new Set(['pending', 'processing']);
const EXPORTS = { paypal: 'PayPal', wise: 'Wise', csv: 'CSV' };
const SCOPES = 'read:payouts, write:payouts, read:commissions and read:affiliates';

let hooks = { refused() {} };
/** Affiliate ID → name; campaign minimum payout (cents) per affiliate, when campaigns could be read. */
let names = new Map();
let minimums = new Map();
let paying = null;
let generation = 0;

const nameOf = (id) => names.get(id) || id;
function status(text) { $('payouts-status').textContent = text; }

function fail(message) {
  status('');
  $('payouts-body').hidden = true;
  $('payouts-error-text').textContent = message;
  $('payouts-error').hidden = false;
}

/** A 401 signs out (the key is gone or revoked); anything else is this view's error. */
function refused(a, what) {
  if (a.status === 401) {
    hooks.refused(`This key was refused (${answered(a)}).`);
    return;
  }
  const scopes = a.status === 403 ? ` Use a secret key with ${SCOPES}.` : '';
  fail(`Could not ${what}: the API answered ${answered(a)}.${scopes}`);
}

const unreachable = (err) =>
  `Could not reach the API (${err && err.message ? err.message : 'network error'}). Check your connection and try again.`;

/** Loads everything the view shows and draws it; resolves when drawn (or failed). */
async function load() {
  const mine = ++generation;
  $('payouts-error').hidden = true;
  status('Loading…');
  let answers;
  try {
    answers = await Promise.all([
      all('v1/commissions', { status: 'pending' }),
      all('v1/payouts', { status: STATUSES }),
      all('v1/affiliates'),
      all('v1/campaigns'),
    ]);
  } catch (err) {
    if (mine === generation) fail(unreachable(err));
    return;
  }
  if (mine !== generation) return;
  const [commissions, list, affiliates, campaigns] = answers;
  if (commissions.status !== 200) return refused(commissions, 'read the commissions');
  if (list.status !== 200) return refused(list, 'read the payouts');
  if (affiliates.status === 401) return refused(affiliates, 'read the affiliates');
  // Names and minimums are a help, not a need: without read:affiliates the IDs are shown,
  // and without read:campaigns the minimum payout is left to the run to apply.
  names = new Map(affiliates.status === 200 ? affiliates.items.map((a) => [a.id, affiliateName(a)]) : []);
  minimums = new Map();
  if (affiliates.status === 200 && campaigns.status === 200) {
    const minimum = new Map(campaigns.items.map((c) => [c.id, c.minimum_payout || 0]));
    for (const a of affiliates.items) if (a.campaign && minimum.has(a.campaign.id)) minimums.set(a.id, minimum.get(a.campaign.id));
  }
  renderDue(commissions.items);
  renderPayouts(list.items);
  $('payouts-body').hidden = false;
  const partial = [commissions, list].some((a) => a.truncated) ? ' Only the first 5,000 of each list are shown.' : '';
  const anonymous = affiliates.status === 200 ? '' : ' Affiliates are shown by ID (the key cannot read affiliates).';
  status(`Updated ${utc(new Date().toISOString())}.${partial}${anonymous}`);
}

/**
 * What a run would collect, per affiliate and currency: pending commissions in no payout that
 * are due, and every clawback (negative) in no payout, whatever its due date.
 */
export function dueNow(commissions) {
  const groups = new Map();
  for (const c of commissions) {
    if (c.status !== 'pending' || c.payout_id) continue;
    const due = c.due && c.amount > 0 ? c.amount : 0;
    const clawback = c.amount < 0 ? c.amount : 0;
    if (!due && !clawback) continue;
    const k = `${c.affiliate_id} ${c.currency}`;
    const g = groups.get(k) || { affiliate_id: c.affiliate_id, currency: c.currency, due: 0, clawbacks: 0 };
    g.due += due;
    g.clawbacks += clawback;
    groups.set(k, g);
  }
  return [...groups.values()]
    .map((g) => ({ ...g, net: g.due + g.clawbacks }))
    .sort((a, b) => nameOf(a.affiliate_id).localeCompare(nameOf(b.affiliate_id)) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}

function nextRun(g) {
  if (g.net <= 0) return { text: 'Carried: clawbacks exceed what is due', pays: false };
  const min = minimums.get(g.affiliate_id);
  if (min && g.net < min) return { text: `Carried: under the ${money(min, g.currency)} minimum`, pays: false };
  return { text: 'Makes a payout', pays: true };
}

function cell(text, label, attrs = {}) {
  return el('td', text, { ...attrs, dataset: { label, ...(attrs.dataset || {}) } });
}

function renderDue(commissions) {
  const rows = dueNow(commissions);
  const body = $('due').tBodies[0];
  body.textContent = '';
  for (const g of rows) {
    const next = nextRun(g);
    const tr = el('tr', null, { dataset: { affiliate: g.affiliate_id, currency: g.currency } });
    tr.append(
      el('th', nameOf(g.affiliate_id), { scope: 'row' }),
      cell(g.currency, 'Currency', { dataset: { figure: 'currency' } }),
      cell(money(g.due, g.currency), 'Commissions due', { dataset: { figure: 'due' } }),
      cell(g.clawbacks ? money(g.clawbacks, g.currency) : '—', 'Clawbacks', { dataset: { figure: 'clawbacks' } }),
      cell(money(g.net, g.currency), 'Due now', { dataset: { figure: 'net' }, className: g.net < 0 ? 'negative' : '' }),
      cell(next.text, 'Next run', { dataset: { figure: 'next' }, className: next.pays ? '' : 'muted' }),
    );
    body.append(tr);
  }
  $('due').hidden = rows.length === 0;
  $('due-empty').hidden = rows.length !== 0;
  // The total owed now per currency: positive balances only (a negative one is carried, it
  // takes nothing from another affiliate's payout).
  totals($('due-totals'), [['Due now', perCurrency(rows.filter((g) => g.net > 0).map((g) => [g.currency, g.net]))]]);
}

function totals(dl, groups) {
  dl.textContent = '';
  for (const [label, sums] of groups) {
    for (const [currency, cents] of sums) {
      const box = el('div', null, { dataset: { total: label, currency } });
      const dt = el('dt', `${label} · ${currency}`);
      box.append(dt, el('dd', money(cents, currency)));
      dl.append(box);
    }
  }
  dl.hidden = dl.childElementCount === 0;
}

function renderPayouts(items) {
  const body = $('payouts').tBodies[0];
  body.textContent = '';
  for (const p of items) {
    const tr = el('tr', null, { dataset: { payout: p.id, status: p.status } });
    const badge = el('span', p.status, { className: `badge badge-${p.status}` });
    const state = cell(null, 'Status', { dataset: { figure: 'status' } });
    state.append(badge);
    const action = cell(null, 'Action', { dataset: { figure: 'action' } });
    if (PAYABLE.has(p.status)) {
      const b = el('button', 'Mark paid', { type: 'button', 'aria-label': `Mark paid: ${nameOf(p.affiliate_id)}, ${money(p.amount, p.currency)}` });
      b.addEventListener('click', () => openPay(p));
      action.append(b);
    }
    tr.append(
      el('th', nameOf(p.affiliate_id), { scope: 'row' }),
      cell(money(p.amount, p.currency), 'Amount', { dataset: { figure: 'amount' } }),
      state,
      cell(null, 'Created', { dataset: { figure: 'created' } }),
      cell(p.paid_at ? null : '—', 'Paid', { dataset: { figure: 'paid' } }),
      cell(p.reference || '—', 'Reference', { dataset: { figure: 'reference' } }),
      action,
    );
    tr.querySelector('[data-figure=created]').append(el('time', utc(p.created_at), { datetime: p.created_at }));
    if (p.paid_at) tr.querySelector('[data-figure=paid]').append(el('time', utc(p.paid_at), { datetime: p.paid_at }));
    body.append(tr);
  }
  $('payouts').hidden = items.length === 0;
  $('payouts-empty').hidden = items.length !== 0;
  const sum = (keep) => perCurrency(items.filter((p) => keep(p.status)).map((p) => [p.currency, p.amount]));
  totals($('payouts-totals'), [['To pay', sum((s) => PAYABLE.has(s))], ['Paid', sum((s) => s === 'paid')]]);
}

const REASONS = {
  below_minimum: (c) => {
    const min = minimums.get(c.affiliate_id);
    return min ? `under the ${money(min, c.currency)} minimum payout` : 'under the campaign’s minimum payout';
  },
  not_positive: () => 'clawbacks exceed what is due',
};

async function run() {
  const button = $('run-payouts');
  const result = $('run-result');
  button.disabled = true;
  button.textContent = 'Running…';
  result.classList.remove('failed');
  let a;
  try {
    a = await request('v1/payouts/run', { method: 'POST', body: {} });
  } catch (err) {
    a = null;
    show(result, unreachable(err), [], []);
    result.classList.add('failed');
  }
  button.disabled = false;
  button.textContent = 'Run payouts';
  if (!a) return;
  if (a.status === 401) return refused(a, 'run payouts');
  if (a.status !== 200) {
    show(result, `The run was refused: ${answered(a)}.${a.status === 403 ? ` It needs write:payouts.` : ''}`, [], []);
    result.classList.add('failed');
    return;
  }
  const { payouts, carried } = a.body.data;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const summary = payouts.length === 0 && carried.length === 0
    ? 'The run found nothing due: no payout made.'
    : `The run made ${plural(payouts.length, 'payout', 'payouts')} and carried ${plural(carried.length, 'balance', 'balances')} to the next run.`;
  await load();
  show(result, summary,
    payouts.map((p) => `Made: ${nameOf(p.affiliate_id)}, ${money(p.amount, p.currency)} (${plural(p.commissions_count, 'commission', 'commissions')})`),
    carried.map((c) => `Carried: ${nameOf(c.affiliate_id)}, ${money(c.amount, c.currency)}: ${REASONS[c.reason] ? REASONS[c.reason](c) : c.reason}`));
}

function show(result, summary, made, carried) {
  $('run-summary').textContent = summary;
  for (const [id, lines] of [['run-made', made], ['run-carried', carried]]) {
    const ul = $(id);
    ul.textContent = '';
    for (const line of lines) ul.append(el('li', line));
    ul.hidden = lines.length === 0;
  }
  result.hidden = false;
}

function openPay(p) {
  paying = { payout: p };
  $('pay-what').textContent = `${nameOf(p.affiliate_id)}, ${money(p.amount, p.currency)} (${p.id}), ${p.status}. Mark it paid once the money has been sent; its commissions are marked paid with it.`;
  $('pay-reference').value = '';
  $('pay-error').hidden = true;
  $('pay-dialog').showModal();
  $('pay-reference').focus();
}

async function pay(e) {
  e.preventDefault();
  if (!paying) return;
  const { payout } = paying;
  const reference = $('pay-reference').value.trim();
  const error = $('pay-error');
  const submit = $('pay-form').querySelector('button[type=submit]');
  submit.disabled = true;
  error.hidden = true;
  let a;
  try {
    a = await request(`v1/payouts/${encodeURIComponent(payout.id)}/pay`, { method: 'POST', body: reference ? { reference } : {} });
  } catch (err) {
    a = null;
    error.textContent = unreachable(err);
    error.hidden = false;
  }
  submit.disabled = false;
  if (!a) return;
  if (a.status === 401) {
    closePay();
    return refused(a, 'mark the payout paid');
  }
  if (a.status !== 200) {
    error.textContent = `Not marked paid: ${answered(a)}.${a.status === 403 ? ' It needs write:payouts.' : ''}`;
    error.hidden = false;
    $('pay-reference').focus();
    return;
  }
  closePay();
  await load();
  status(`Marked ${nameOf(payout.affiliate_id)}’s ${money(payout.amount, payout.currency)} paid${reference ? ` (reference ${reference})` : ''}.`);
  $('payouts-list-title').focus();
}

function closePay() {
  paying = null;
  if ($('pay-dialog').open) $('pay-dialog').close();
}

async function exportAs(format, button) {
  const out = $('export-status');
  const day = new Date().toISOString().slice(0, 10);
  button.disabled = true;
  out.textContent = `Preparing the ${EXPORTS[format]} file…`;
  try {
    const a = await download('v1/payouts/export', { format, status: 'pending' }, `viatrack-payouts-${format}-${day}.csv`);
    if (a.status === 401) return refused(a, 'export the payouts');
    out.textContent = a.status === 200
      ? `Saved ${a.name} (${EXPORTS[format]}, pending payouts).`
      : `The ${EXPORTS[format]} export was refused: ${answered(a)}.`;
  } catch (err) {
    out.textContent = unreachable(err);
  } finally {
    button.disabled = false;
  }
}

export const payouts = {
  /** `refused(message)`: called when the API refuses the key (401). */
  init(h) {
    hooks = h;
    $('run-payouts').addEventListener('click', run);
    $('payouts-retry').addEventListener('click', () => load());
    $('pay-form').addEventListener('submit', pay);
    $('pay-cancel').addEventListener('click', closePay);
    $('pay-dialog').addEventListener('close', () => { paying = null; });
    for (const b of document.querySelectorAll('[data-export]')) b.addEventListener('click', () => exportAs(b.dataset.export, b));
  },
  load,
  /** Forgets what was shown (sign-out). */
  reset() {
    generation++;
    names = new Map();
    minimums = new Map();
    closePay();
    $('payouts-body').hidden = true;
    $('run-result').hidden = true;
    $('export-status').textContent = '';
    status('');
  },
};
