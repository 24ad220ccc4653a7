// viatrack's dashboard: two views. Stats: GET /v1/stats drawn as totals, a chart by day
// (uPlot) and a funnel per affiliate. Payouts (dashboard-payouts.js): what is due, runs,
// payouts and their exports. The secret key lives in this tab's sessionStorage only (never a
// cookie or a URL) and goes to the API as `Authorization: Bearer`. No framework, no build
// step: ES modules, and uPlot's script for the chart.
import { $, STORAGE, key, request, count, money, major } from './dashboard-api.js';
import { payouts } from './dashboard-payouts.js';

var FIGURES = [
  ['visitors', 'Visitors', false],
  ['clicks', 'Clicks', false],
  ['leads', 'Leads', false],
  ['conversions', 'Conversions', false],
  ['revenue', 'Revenue', true],
  ['commissions', 'Commissions', true],
];
var DAY_MS = 86400000;
var chart = null;
var lastSeries = null;

/**
 * A figure into `cell`: a count, or for revenue and commissions one amount per currency
 * (`money` of /v1/stats: never dollars and euros added together), each its own line, or
 * "—" when there is none.
 */
function show(cell, f, figures) {
  if (!f[2]) {
    cell.textContent = count(figures[f[0]]);
    return;
  }
  var amounts = (figures.money || []).filter(function (m) { return m[f[0]] !== 0; });
  if (!amounts.length) {
    cell.textContent = '—';
    return;
  }
  amounts.forEach(function (m) {
    var span = document.createElement('span');
    span.className = 'amount';
    span.dataset.currency = m.currency;
    span.textContent = money(m[f[0]], m.currency);
    cell.append(span);
  });
}
function isoDay(ms) { return new Date(ms).toISOString().slice(0, 10); }

function signedIn(on) {
  $('sign-in').hidden = on;
  $('board').hidden = !on;
  $('sign-out').hidden = !on;
}

function signOut(message) {
  sessionStorage.removeItem(STORAGE);
  signedIn(false);
  var err = $('sign-in-error');
  err.textContent = message || '';
  err.hidden = !message;
  $('key').value = '';
  $('key').focus();
}

/** GET /v1/stats; resolves to {status, body} or rejects on a network failure. */
function stats(params) {
  return request('v1/stats', { params: params });
}

function range() {
  return { from: $('from').value, to: $('to').value };
}

function setRange(days) {
  var today = Date.now();
  $('to').value = isoDay(today);
  $('from').value = isoDay(today - (days - 1) * DAY_MS);
}

function status(text) { $('status').textContent = text; }

function load() {
  var r = range();
  var rangeError = $('range-error');
  if (!r.from || !r.to || r.from > r.to) {
    rangeError.textContent = !r.from || !r.to ? 'Enter both dates.' : '“From” must not be after “To”.';
    rangeError.hidden = false;
    ($('from').value ? $('to') : $('from')).focus();
    return Promise.resolve();
  }
  rangeError.hidden = true;
  $('load-error').hidden = true;
  status('Loading…');
  var params = { from: r.from + 'T00:00:00Z', to: r.to + 'T23:59:59.999Z' };
  return Promise.all([
    stats(Object.assign({ group_by: 'affiliate' }, params)),
    stats(Object.assign({ group_by: 'day' }, params)),
  ]).then(function (answers) {
    var bad = answers.find(function (a) { return a.status !== 200; });
    if (bad) {
      var e = (bad.body && bad.body.error) || {};
      if (bad.status === 401 || bad.status === 403) {
        forget('This key was refused (' + (e.code || bad.status) + '): ' + (e.message || 'use a secret key with read:stats') + '.');
        status('');
        return;
      }
      fail('The API answered ' + bad.status + (e.code ? ' ' + e.code : '') + (e.message ? ': ' + e.message : '') + '.');
      return;
    }
    render(answers[0].body.data, answers[1].body.data, r);
    status('Showing ' + r.from + ' to ' + r.to + ' (UTC).');
  }, function (err) {
    fail('Could not reach the API (' + (err && err.message ? err.message : 'network error') + '). Check your connection and try again.');
  });
}

function fail(message) {
  status('');
  $('figures').hidden = true;
  $('empty').hidden = true;
  $('load-error-text').textContent = message;
  $('load-error').hidden = false;
}

function render(byAffiliate, byDay, r) {
  var empty = byAffiliate.groups.length === 0;
  $('empty').hidden = !empty;
  $('figures').hidden = empty;
  $('empty-range').textContent = r.from + ' and ' + r.to;
  if (empty) return;

  var totals = $('totals');
  totals.textContent = '';
  FIGURES.forEach(function (f) {
    var box = document.createElement('div');
    box.dataset.figure = f[0];
    var dt = document.createElement('dt');
    dt.textContent = f[1];
    var dd = document.createElement('dd');
    show(dd, f, Object.assign({ money: byAffiliate.money }, byAffiliate.totals));
    box.append(dt, dd);
    totals.append(box);
  });

  var body = $('funnel').tBodies[0];
  body.textContent = '';
  byAffiliate.groups.forEach(function (g) {
    var tr = document.createElement('tr');
    tr.dataset.affiliate = g.key || '';
    var th = document.createElement('th');
    th.scope = 'row';
    th.textContent = g.label || g.key || '(deleted affiliate)';
    tr.append(th);
    FIGURES.forEach(function (f) {
      var td = document.createElement('td');
      td.dataset.figure = f[0];
      td.dataset.label = f[1];
      show(td, f, g);
      tr.append(td);
    });
    body.append(tr);
  });

  drawChart(byDay, r);
}

/** The currencies with revenue in the range, by code (the chart draws one line each). */
function currencies(byDay) {
  return (byDay.money || []).filter(function (m) { return m.revenue !== 0; }).map(function (m) { return m.currency; });
}

/** Every day of the range, zero where the API has no row; revenue per currency in its major unit. */
function series(byDay, r, codes) {
  var rows = {};
  byDay.groups.forEach(function (g) { rows[g.key] = g; });
  var xs = [], clicks = [], leads = [], conversions = [];
  var revenue = codes.map(function () { return []; });
  for (var t = Date.parse(r.from + 'T00:00:00Z'); t <= Date.parse(r.to + 'T00:00:00Z'); t += DAY_MS) {
    var g = rows[isoDay(t)] || {};
    xs.push(t / 1000);
    clicks.push(g.clicks || 0);
    leads.push(g.leads || 0);
    conversions.push(g.conversions || 0);
    codes.forEach(function (c, i) {
      var m = (g.money || []).find(function (x) { return x.currency === c; });
      revenue[i].push(m ? major(m.revenue, c) : 0);
    });
  }
  return [xs, clicks, leads, conversions].concat(revenue);
}

var REVENUE_COLOURS = ['#7c3aed', '#db2777', '#0891b2', '#65a30d'];

function drawChart(byDay, r) {
  var el = $('chart');
  var codes = currencies(byDay).slice(0, REVENUE_COLOURS.length);
  lastSeries = series(byDay, r, codes);
  var width = Math.max(260, el.clientWidth);
  var opts = {
    width: width,
    height: 260,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
    scales: { x: { time: true }, money: {} },
    series: [
      {},
      { label: 'Clicks', stroke: '#2563eb', width: 2 },
      { label: 'Leads', stroke: '#d97706', width: 2 },
      { label: 'Conversions', stroke: '#059669', width: 2 },
    ].concat(codes.map(function (c, i) {
      return {
        label: 'Revenue (' + c + ')', stroke: REVENUE_COLOURS[i], width: 2, dash: [6, 4], scale: 'money',
        value: function (u, v) { return v == null ? '–' : money(Math.round(v / major(1, c)), c); },
      };
    })),
    axes: [
      {},
      { label: 'count', size: 50 },
      { label: codes.length === 1 ? 'revenue (' + codes[0] + ')' : 'revenue (each currency)', side: 1, scale: 'money', size: 60, grid: { show: false } },
    ],
    legend: { live: false },
  };
  if (chart) chart.destroy();
  el.textContent = '';
  chart = new uPlot(opts, lastSeries, el);
  el.setAttribute('aria-label', 'Clicks, leads, conversions and revenue' + (codes.length ? ' in ' + codes.join(', ') : '') + ' per day from ' + r.from + ' to ' + r.to);
}

var resizeTimer = 0;
window.addEventListener('resize', function () {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(function () {
    if (chart && !$('figures').hidden) chart.setSize({ width: Math.max(260, $('chart').clientWidth), height: 260 });
  }, 100);
});

// The views, as tabs (ARIA's tabs pattern: arrow keys, Home and End move between them). The
// URL's hash names the view (#payouts), never the key.
var VIEWS = ['stats', 'payouts'];
var view = location.hash === '#payouts' ? 'payouts' : 'stats';

function loadView() {
  return view === 'payouts' ? payouts.load() : load();
}

/** Shows `next` and loads its data; resolves when drawn. */
function select(next) {
  view = next;
  VIEWS.forEach(function (v) {
    var tab = $('tab-' + v);
    tab.setAttribute('aria-selected', String(v === next));
    tab.tabIndex = v === next ? 0 : -1;
    $(v + '-view').hidden = v !== next;
  });
  history.replaceState(null, '', next === 'payouts' ? '#payouts' : location.pathname + location.search);
  return loadView();
}

VIEWS.forEach(function (v, i) {
  var tab = $('tab-' + v);
  tab.addEventListener('click', function () { select(v); });
  tab.addEventListener('keydown', function (e) {
    var to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: VIEWS.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    var next = VIEWS[(to + VIEWS.length) % VIEWS.length];
    $('tab-' + next).focus();
    select(next);
  });
});

function forget(message) {
  payouts.reset();
  signOut(message);
}
payouts.init({ refused: forget });

$('sign-in-form').addEventListener('submit', function (e) {
  e.preventDefault();
  var value = $('key').value.trim();
  var err = $('sign-in-error');
  if (!/^sk_[A-Za-z0-9]{24,64}$/.test(value)) {
    err.textContent = value.indexOf('pk_') === 0
      ? 'That is a publishable key; paste a secret key (sk_…).'
      : 'Paste a secret key: sk_ followed by letters and digits.';
    err.hidden = false;
    $('key').focus();
    return;
  }
  sessionStorage.setItem(STORAGE, value);
  $('key').value = '';
  err.hidden = true;
  signedIn(true);
  select(view).then(function () {
    if ($('board').hidden) return;
    (view === 'payouts' ? $('tab-payouts') : $('from')).focus();
  });
});
$('sign-out').addEventListener('click', function () { forget(''); });
$('range').addEventListener('submit', function (e) { e.preventDefault(); load(); });
Array.prototype.forEach.call(document.querySelectorAll('[data-days]'), function (b) {
  b.addEventListener('click', function () { setRange(Number(b.dataset.days)); load(); });
});
$('retry').addEventListener('click', function () { load(); });

setRange(30);
if (key()) {
  signedIn(true);
  select(view);
} else {
  signedIn(false);
}
