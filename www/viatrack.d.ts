// Types for the viatrack loader (viatrack.js): the global `viatrack` function.
//
//   <script>window.viatrack=window.viatrack||function(){var a=arguments;return new Promise(function(r){a.r=r;(viatrack.q=viatrack.q||[]).push(a)})};</script>
//   <script async src="https://…/viatrack.js" data-key="pk_…"></script>
//
// The snippet queues calls made before the loader has run (the field's shorter
// `function(){(viatrack.q=viatrack.q||[]).push(arguments)}` works too, but returns nothing
// until the loader has run). Every call returns a promise that never rejects; calls run one
// after the other, after the page's own click has been handled.

/** What `convert` reports: the visitor's signup. Only the fields given are sent. */
export interface ViatrackLead {
  /** The customer's email (required; without it convert resolves null). */
  email: string;
  name?: string;
  /** Your own customer ID (e.g. the Stripe customer). */
  customer_id?: string;
  /** Free-form JSON object stored with the referral. */
  metadata?: Record<string, unknown>;
}

/** The referral `convert` resolves: the Worker's referral object (`data` of its answer). */
export interface ViatrackReferral {
  /** The referral ID (`ref_…`), the same as `viatrack.referral`. */
  id: string;
  /** `"lead"` after a signup. */
  status: string;
  email?: string;
  [field: string]: unknown;
}

/** The affiliate who referred the visitor. */
export interface ViatrackAffiliate {
  /** `aff_…` */
  id: string;
  /**
   * The link token the visitor arrived through, lower case (e.g. `"jb007"`). Undefined when
   * the page knows the referral only from `convert`'s answer (no page cookie: Safari deleted
   * it, and the Worker credited the lead through its own cookie).
   */
  token?: string;
}

export interface Viatrack {
  /**
   * Reports a lead (signup) for the visitor's referral. Resolves the referral, or null
   * when the visitor has no (unexpired) referral, consent is missing, or the Worker refuses
   * or cannot be reached. A lead that got no answer (network failure, 5xx, 429) is kept and
   * delivered on the next page view, once. On a site that serves viatrack first-party, a
   * visitor whose page cookie was deleted (Safari) is still credited through the Worker's
   * HttpOnly cookie; elsewhere no request is made without a referral.
   */
  (command: 'convert', lead: ViatrackLead): Promise<ViatrackReferral | null>;
  /**
   * Runs `callback` once the tracker has started and handled this page's visit (also when
   * the tracker could not load; at once, without loading it, on a page with no token, no
   * viatrack cookie and nothing queued). `referral` and `affiliate` are current by then: on a
   * first-party site, restored from the Worker's HttpOnly cookie when the page cookie was
   * deleted.
   */
  (command: 'ready', callback: () => void): Promise<void>;
  /**
   * With `data-consent-required`, or when the browser sends Global Privacy Control (unless
   * the tag says `data-gpc="ignore"`), nothing is stored or sent before `consent(true)`; it then
   * runs the page's capture. `consent(false)` deletes viatrack's cookies and delivery queue
   * and stops reporting on this page. Call it on every page load once the visitor chose
   * (the choice is not stored by viatrack).
   */
  (command: 'consent', granted: boolean): Promise<void>;
  /**
   * The visitor's referral ID (`ref_…`), e.g. for Stripe's `client_reference_id`; null without
   * one. After `convert`, the referral it was credited to, also without a page cookie.
   */
  readonly referral: string | null;
  /** The affiliate who referred the visitor, for "referred by" banners; null without one. */
  readonly affiliate: ViatrackAffiliate | null;
  /** Calls queued before the loader ran. */
  q?: ArrayLike<unknown>[];
}

declare global {
  interface Window {
    viatrack: Viatrack;
  }
  // eslint-disable-next-line no-var
  var viatrack: Viatrack;
}
