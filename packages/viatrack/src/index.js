// viatrack for apps built with a bundler (MIT OR Apache-2.0). The same loader logic
// (www/loader.js) and the same wasm module (crates/tracker) as the script tag: the module is
// fetched from your viatrack Worker, next to its API, the first time this page view needs it
// (a token in the URL, a viatrack cookie, a queued report, or a convert). No runtime dependency.
//
//   import { init, convert, referral } from 'viatrack';
//   init({ key: 'pk_…' });                       // API at /_viatrack/ (first-party route)
//   const r = await convert({ email });          // the lead's referral, or null
//   stripe.redirectToCheckout({ clientReferenceId: referral() ?? undefined, … });
//
// Types: index.d.ts.
import { start } from '../../../www/loader.js';

let live = null;
// Calls made before init: replayed in order once it runs (as the tag's snippet queue is).
const early = [];

const call = (command, arg) => {
  if (live) return live(command, arg);
  return new Promise((resolve) => {
    const a = [command, arg];
    a.r = resolve;
    early.push(a);
  });
};

/**
 * Starts viatrack on this page (once; later calls are ignored). Options as the tag's data-
 * attributes: `key` the publishable key; `api` the Worker's base URL (default `/_viatrack/`,
 * the first-party route); `params` the query parameters that carry the token (default
 * `['via']`); `consentRequired`; `cleanUrl`; `cookieDomain`; `gpc: 'ignore'`; `wasm` the
 * module's URL (default `tracker_bg.wasm` under `api`).
 */
export function init(options = {}) {
  if (live || typeof window === 'undefined') return;
  const { key, api = '/_viatrack/', params, consentRequired, cleanUrl, cookieDomain, gpc, wasm } = options;
  let base;
  try {
    base = new URL(api.endsWith('/') ? api : `${api}/`, location.href).href;
  } catch (e) {
    console.debug('viatrack: bad api URL', e);
    return;
  }
  const data = { key: String(key ?? ''), api: base };
  if (params != null) data.params = Array.isArray(params) ? params.join(',') : String(params);
  if (consentRequired) data.consentRequired = 'true';
  if (cleanUrl) data.cleanUrl = 'true';
  if (cookieDomain) data.cookieDomain = String(cookieDomain);
  if (gpc) data.gpc = String(gpc);
  if (wasm) data.wasm = String(wasm);
  live = start(data, base, early.splice(0));
}

/** Reports the visitor's signup; resolves the referral, or null. Never rejects. */
export const convert = (lead) => call('convert', lead);

/** Gives (true) or withdraws (false) consent; see init's `consentRequired`. */
export const consent = (granted) => call('consent', granted);

/** Resolves once this page's visit is handled (also when the tracker could not load). */
export const ready = () => call('ready', () => {}).then(() => undefined);

/** The visitor's referral ID (`ref_…`) for Stripe's `client_reference_id`, or null. */
export const referral = () => live?.referral ?? null;

/** The affiliate who referred the visitor (`{ id, token }`), or null. */
export const affiliate = () => live?.affiliate ?? null;
