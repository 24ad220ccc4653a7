#!/usr/bin/env node
// Shortens the names on the boundary between the tracker's wasm and its JS glue.
//
// wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` and the glue passes them
// in an object keyed `"./tracker_bg.js"`; those hashes are incompressible and appear in both
// files (about 1 KB of the gzip size). This renames, consistently in both files:
//   * the import module `./tracker_bg.js` → `w`, each import field → a short name;
//   * each wasm export (`memory`, `start`, `__wbindgen_malloc`, …) → a short name (the glue
//     reaches them only as `wasm.<name>`; its own exported functions keep their names).
// Exports the glue never uses are dropped, and so are the glue's import functions the wasm
// no longer imports (wasm-opt removed the last call). Any name not found where expected aborts the
// build, so a change in wasm-bindgen's output cannot produce a broken pair.
//
// Given the .d.ts too, it drops what no longer holds there: `InitOutput`'s list of the wasm's
// exports (renamed) becomes opaque, and the async `default` init goes (the site's glue keeps
// only what the loader uses, `initSync` and the tracker's functions; see build-tracker.sh).
//
// Usage: node scripts/shrink-tracker.mjs <tracker_bg.wasm> <tracker.js> [tracker.d.ts]
// (rewrites them in place)
import { readFileSync, writeFileSync } from 'node:fs';

const [wasmPath, jsPath, dtsPath] = process.argv.slice(2);
if (!wasmPath || !jsPath) throw new Error('usage: shrink-tracker.mjs <tracker_bg.wasm> <tracker.js>');
const wasm = readFileSync(wasmPath);
let js = readFileSync(jsPath, 'utf8');
const MODULE = './tracker_bg.js';

// --- wasm reading/writing (just enough for the import and export sections) ---
let pos = 0;
const u32 = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = wasm[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return result;
  }
};
const name = () => {
  const n = u32();
  const s = wasm.toString('utf8', pos, pos + n);
  pos += n;
  return s;
};
const leb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
};
const encName = (s) => {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([leb(b.length), b]);
};
// Skips an import's description (kind byte + type), returning its bytes.
const importDesc = () => {
  const start = pos;
  const kind = wasm[pos++];
  const limits = () => {
    const flags = wasm[pos++];
    u32();
    if (flags & 1) u32();
  };
  if (kind === 0) u32(); // func: type index
  else if (kind === 1) { pos++; limits(); } // table: reftype, limits
  else if (kind === 2) limits(); // memory
  else if (kind === 3) pos += 2; // global: valtype, mutability
  else if (kind === 4) { pos++; u32(); } // tag
  else throw new Error(`unknown import kind ${kind}`);
  return wasm.subarray(start, pos);
};

let n = 0;
const short = () => {
  // a, b, …, z, A, …, Z, aa, ab, …
  const abc = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let i = n++;
  let s = abc[i % 52];
  for (i = Math.floor(i / 52); i > 0; i = Math.floor(i / 52) - 1) s = abc[i % 52] + s;
  return s;
};

if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error(`${wasmPath} is not a wasm module`);
pos = 8;
const out = [wasm.subarray(0, 8)];
const renamedImports = new Map();
const renamedExports = new Map();
const dropped = [];
while (pos < wasm.length) {
  const sectionStart = pos;
  const id = wasm[pos++];
  const size = u32();
  const end = pos + size;
  if (id === 2) {
    const count = u32();
    const parts = [leb(count)];
    for (let i = 0; i < count; i++) {
      const mod = name();
      const field = name();
      const desc = importDesc();
      if (mod !== MODULE) {
        parts.push(encName(mod), encName(field), desc);
        continue;
      }
      if (!renamedImports.has(field)) renamedImports.set(field, short());
      parts.push(encName('w'), encName(renamedImports.get(field)), desc);
    }
    const body = Buffer.concat(parts);
    out.push(Buffer.from([id]), leb(body.length), body);
  } else if (id === 7) {
    const count = u32();
    const parts = [];
    for (let i = 0; i < count; i++) {
      const field = name();
      const kind = wasm[pos++];
      const index = u32();
      if (!new RegExp(`\\bwasm\\.${field}\\b`).test(js)) {
        dropped.push(field);
        continue;
      }
      renamedExports.set(field, short());
      parts.push(encName(renamedExports.get(field)), Buffer.from([kind]), leb(index));
    }
    const body = Buffer.concat([leb(renamedExports.size), ...parts]);
    out.push(Buffer.from([id]), leb(body.length), body);
  } else {
    out.push(wasm.subarray(sectionStart, end));
  }
  pos = end;
}

// --- the glue ---
const replaceAll = (pattern, replacement, what) => {
  const before = js;
  js = js.replace(pattern, replacement);
  if (js === before) throw new Error(`shrink-tracker: ${what} not found in ${jsPath}`);
};
const moduleKey = JSON.stringify(MODULE);
replaceAll(new RegExp(`${moduleKey.replace(/[./]/g, '\\$&')}\\s*:`, 'g'), '"w":', `the import object key ${moduleKey}`);
for (const [from, to] of renamedImports) {
  replaceAll(new RegExp(`\\b${from}\\s*:`, 'g'), `${to}:`, `import ${from}`);
}
// wasm-bindgen writes each import function as `        name: function(…) {…\n        },`.
const unused = [];
js = js.replace(/\n {8}(__wbg_\w+|__wbindgen_\w+): function[\s\S]*?\n {8}\},(?=\n)/g, (entry, key) => {
  unused.push(key);
  return '';
});
for (const [from, to] of renamedExports) {
  replaceAll(new RegExp(`\\bwasm\\.${from}\\b`, 'g'), `wasm.${to}`, `export ${from}`);
}

writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(jsPath, js);

if (dtsPath) {
  let dts = readFileSync(dtsPath, 'utf8');
  const edit = (pattern, replacement, what) => {
    const before = dts;
    dts = dts.replace(pattern, replacement);
    if (dts === before) throw new Error(`shrink-tracker: ${what} not found in ${dtsPath}`);
  };
  edit(/export interface InitOutput \{[\s\S]*?\n\}\n/, 'export type InitOutput = WebAssembly.Exports;\n', 'InitOutput');
  edit(/export type InitInput[^\n]*\n/, '', 'InitInput');
  edit(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export default function __wbg_init[^\n]*\n/, '', 'the default init');
  writeFileSync(dtsPath, dts);
}
console.log(
  `shrink-tracker: ${renamedImports.size} imports and ${renamedExports.size} exports renamed; ` +
    `dropped unused exports: ${dropped.join(' ') || 'none'}; unused imports: ${unused.join(' ') || 'none'}`,
);
