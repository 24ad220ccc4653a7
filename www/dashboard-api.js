// What the dashboard's views share: the key (this tab's sessionStorage only, never a cookie
// or a URL), requests to this Worker's API with `Authorization: Bearer`, and how counts and
// money are shown (the reader's locale, through Intl).

export const STORAGE = 'viatrack.dashboard.key';

// The API is this Worker's, next to the page: /dashboard calls /v1/…, and
// /_viatrack/dashboard (a first-party route) calls /_viatrack/v1/….
const base = new URL('.', location.href);

export const $ = (id) => document.getElementById(id);

export function key() { return sessionStorage.getItem(STORAGE); }

function url(path, params = {}) {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}

const init = (method, body) => {
  const headers = { Authorization: `Bearer ${key()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
    credentials: 'omit',
  };
};

/**
 * One API call: resolves to {status, body} (body null when it is not JSON), rejects on a
 * network failure.
 */
export async function request(path, { method = 'GET', params, body } = {}) {
  const r = await fetch(url(path, params), init(method, body));
  const parsed = await r.json().catch(() => null);
  return { status: r.status, body: parsed };
}

/** Most pages a list is followed for (100 items each). */
export const MAX_PAGES = 50;

/**
 * Every item of a list, page after page: resolves to {status, items, truncated}; on an answer
 * other than 200, {status, body} of that answer instead.
 */
export async function all(path, params = {}) {
  const items = [];
  for (let page = 1; ; page++) {
    const a = await request(path, { params: { ...params, limit: 100, page } });
    if (a.status !== 200) return a;
    items.push(...a.body.data);
    const more = a.body.pagination?.has_more;
    if (!more) return { status: 200, items, truncated: false };
    if (page >= MAX_PAGES) return { status: 200, items, truncated: true };
  }
}

/**
 * GET `path` and save its body as a file (a CSV export): the dashboard authenticates with a
 * header, so it cannot just navigate to the URL. The Blob is offered through an object URL;
 * resolves to {status, body, name} (body: the parsed error, when not 200).
 */
export async function download(path, params, fallbackName) {
  const r = await fetch(url(path, params), init('GET'));
  if (r.status !== 200) {
    return { status: r.status, body: await r.json().catch(() => null) };
  }
  const disposition = r.headers.get('Content-Disposition') || '';
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = named ? decodeURIComponent(named[1]).replace(/[\\/]/g, '_') : fallbackName;
  const blob = await r.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  return { status: 200, name };
}

/** The error of an answer, as a sentence: "403 PERMISSION_DENIED: …". */
export function answered(a) {
  const e = (a.body && a.body.error) || {};
  return `${a.status}${e.code ? ` ${e.code}` : ''}${e.message ? `: ${e.message}` : ''}`;
}

const counts = new Intl.NumberFormat(undefined);
/** A count in the reader's locale: 1234 → "1,234". */
export function count(n) { return counts.format(n); }

const formats = new Map();
function currencyFormat(currency) {
  let f = formats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    formats.set(currency, f);
  }
  return f;
}

/**
 * An amount of the API (cents: the currency's minor unit) in its currency, in the reader's
 * locale: (6000, 'USD') → "$60.00", (2000, 'EUR') → "€20.00", (-1000, 'USD') → "-$10.00".
 * The minor unit is the currency's own (2 digits for USD and EUR, 0 for JPY), as Intl
 * knows it.
 */
export function money(cents, currency) {
  return currencyFormat(currency).format(major(cents, currency));
}

/** Cents (the currency's minor unit) as a number of the currency's major unit: (6000, 'USD') → 60. */
export function major(cents, currency) {
  return cents / 10 ** currencyFormat(currency).resolvedOptions().maximumFractionDigits;
}

/** Sums [currency, cents] pairs per currency: a Map, currencies in alphabetical order. */
export function perCurrency(pairs) {
  const sums = new Map();
  for (const [currency, cents] of pairs) sums.set(currency, (sums.get(currency) || 0) + cents);
  return new Map([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** An affiliate's name as /v1/stats labels it: first and last name, else the email. */
export function affiliateName(a) {
  return [a.first_name, a.last_name].filter(Boolean).join(' ') || a.email;
}

/** An ISO 8601 UTC timestamp to the minute, as the dashboard shows times: "2026-11-30 14:05 UTC". */
export function utc(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '';
}

/** A new element with text (never HTML) and attributes. */
export function el(tag, text, attrs = {}) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k === 'className') e.className = v;
    else e.setAttribute(k, v);
  }
  return e;
}
