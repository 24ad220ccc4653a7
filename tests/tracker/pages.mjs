// Test pages for the tracker's browser tests: the queue snippet and the loader tag with
// the given data- attributes, served by tests/tracker/server.mjs.
import { KEY } from './server.mjs';

/**
 * HTML of a test page: the queue snippet (the promise-returning variant), optional inline
 * script run before the loader, and the loader tag with the given data- attributes.
 */
export function testPage({ attrs = {}, before = '', body = '', snippet = 'promise' } = {}) {
  const all = { key: KEY, ...attrs };
  const data = Object.entries(all)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => (v === true ? ` data-${k}` : ` data-${k}="${v}"`))
    .join('');
  const stub =
    snippet === 'promise'
      ? 'window.viatrack=window.viatrack||function(){var a=arguments;return new Promise(function(r){a.r=r;(viatrack.q=viatrack.q||[]).push(a)})};'
      : snippet === 'plain'
        ? 'window.viatrack=window.viatrack||function(){(viatrack.q=viatrack.q||[]).push(arguments)};'
        : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>test</title>
<script>${stub}${before}</script>
<script async src="/viatrack.js"${data}></script></head><body>${body}</body></html>`;
}
