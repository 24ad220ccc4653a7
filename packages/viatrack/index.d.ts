// Types for the viatrack npm package (src/index.js). The lead, referral and affiliate shapes
// are the script tag's (dist/viatrack.d.ts, copied from www/viatrack.d.ts at build).
import type { ViatrackLead, ViatrackReferral, ViatrackAffiliate } from './dist/viatrack.d.ts';

export type { ViatrackLead, ViatrackReferral, ViatrackAffiliate };

/** init's options: the script tag's data- attributes. */
export interface ViatrackOptions {
  /** The publishable key (`pk_…`). */
  key: string;
  /** The Worker's base URL; default `/_viatrack/` (a first-party route on your own site). */
  api?: string;
  /** Query parameters that carry the affiliate token; default `['via']`. */
  params?: string[] | string;
  /** Store and send nothing before `consent(true)`. */
  consentRequired?: boolean;
  /** Remove the token parameters from the address bar after capture. */
  cleanUrl?: boolean;
  /** The cookie's domain (e.g. `example.com` to share across subdomains). */
  cookieDomain?: string;
  /** `'ignore'` to not treat Global Privacy Control as consent not given. */
  gpc?: 'ignore';
  /** The tracker module's URL; default `tracker_bg.wasm` under `api`. */
  wasm?: string;
}

/** Starts viatrack on this page; later calls are ignored. Does nothing outside a browser. */
export function init(options: ViatrackOptions): void;
/** Reports the visitor's signup. Resolves the referral, or null; never rejects. */
export function convert(lead: ViatrackLead): Promise<ViatrackReferral | null>;
/** Gives (true) or withdraws (false) consent. */
export function consent(granted: boolean): Promise<void>;
/** Resolves once the page's visit is handled (also when the tracker could not load). */
export function ready(): Promise<void>;
/** The visitor's referral ID (`ref_…`), e.g. Stripe's `client_reference_id`; null without one. */
export function referral(): string | null;
/** The affiliate who referred the visitor; null without one. */
export function affiliate(): ViatrackAffiliate | null;
