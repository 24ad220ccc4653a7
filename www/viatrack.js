// viatrack loader (MIT OR Apache-2.0)
// <script async src="https://…/viatrack.js" data-key="pk_…"></script>
// Options (data- attributes): key, api (API base URL; default this script's directory, so
// /_viatrack/viatrack.js on a first-party route reports to /_viatrack/v1/…), params (query
// parameters to read, e.g. "via,ref,aff"; default "via"), cookie-domain, consent-required,
// clean-url (remove the token parameters from the address bar after capture), gpc ("ignore"
// to not honour Global Privacy Control, which otherwise counts as consent not given), wasm
// (URL of tracker_bg.wasm; default next to this script).
// The logic is www/loader.js (shared with the npm package); this file gives it the tag's
// data- attributes and URL, and the calls the page queued before it ran
// (window.viatrack = window.viatrack || function(){…(viatrack.q = viatrack.q || []).push(arguments)}).
// API and types: viatrack.d.ts.
import { start } from './loader.js';

const script = document.currentScript;
self.viatrack = start(script?.dataset || {}, script?.src || location.href, self.viatrack?.q);
