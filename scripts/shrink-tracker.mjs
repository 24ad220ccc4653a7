#!/usr/bin/env node
// Makes the two files a page downloads for the tracker from wasm-bindgen's output: the wasm
// module, and the loader, which is the module's only glue.
//
// The module (crates/tracker) has one import, `io` (crates/tracker/js/page.js), and numeric
// exports, so wasm-bindgen's generated JS is not used; the loader (www/viatrack.js, with
// js/page.js bundled in) instantiates the module itself. Three steps, each binaryen's or
// esbuild's own:
//
//   1. wasm-metadce keeps the exports the loader calls and drops the rest (wasm-bindgen's
//      externref table, its initialiser, the abort globals; nothing of them is used);
//   2. wasm-opt -Oz (told that the module's memory starts zeroed and its first KiB is unused,
//      true of a Rust module that does not import its memory), again after flatten +
//      rereloop, then
//      --minify-imports-and-exports-and-modules, which prints the old → new name map;
//   3. esbuild bundles and minifies the loader; the loader writes the module's names as `$`
//      properties (`t.$start()`, `{ $module: { $io: io } }`), which esbuild renames with the
//      map as its mangle cache.
//
// Every step checks what it relies on and aborts the build otherwise: the module's imports
// and exports before and after, every name in the map, and that esbuild renamed exactly the
// `$` names the map gives (a `$` name the module does not have aborts; so does a module
// name the loader does not use).
//
// The module is written twice: as tracker_bg.wasm (the stable name, for data-wasm and the npm
// package, which may meet a Worker of another build) and under a content-hashed name,
// tracker.<16 hex of its SHA-256>.wasm, which the tag's loader fetches by default (the
// build defines __VIATRACK_WASM__), so that it can be cached as immutable
// (scripts/security-headers.mjs).
//
// Usage: node scripts/shrink-tracker.mjs <tracker_bg.wasm from wasm-bindgen> <site dir>
// (writes <site dir>/tracker_bg.wasm, <site dir>/tracker.<hash>.wasm and <site dir>/viatrack.js)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [input, site] = process.argv.slice(2);
if (!input || !site) throw new Error('usage: shrink-tracker.mjs <tracker_bg.wasm> <site dir>');

/** The module's exports the loader calls (crates/tracker/src/lib.rs), and its memory. */
const EXPORTS = ['memory', 'start', 'answered', 'consent', 'convert', 'held'];
/** wasm-bindgen's name for the one import: `__wbg_io_` + a hash. */
const IO = /^__wbg_io_[0-9a-f]+$/;
/** What wasm-bindgen adds that the module does not use (dropped in step 1). */
const UNUSED_IMPORTS = ['__wbindgen_init_externref_table'];
const FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-reference-types',
  '--enable-sign-ext',
  '--enable-mutable-globals',
];

const fail = (what) => {
  console.error(`shrink-tracker: ${what}`);
  process.exit(1);
};
const shape = (bytes) => {
  const m = new WebAssembly.Module(bytes);
  return { imports: WebAssembly.Module.imports(m), exports: WebAssembly.Module.exports(m) };
};
const tool = (name, args) => execFileSync(join(ROOT, 'node_modules/.bin', name), args, { encoding: 'utf8' });

const tmp = mkdtempSync(join(tmpdir(), 'viatrack-shrink-'));
try {
  // 1. Keep what the loader uses.
  const before = shape(readFileSync(input));
  const io = before.imports.filter((i) => IO.test(i.name));
  const other = before.imports.filter((i) => !IO.test(i.name) && !UNUSED_IMPORTS.includes(i.name));
  if (io.length !== 1 || other.length) {
    fail(`${input}: expected the one import __wbg_io_…, got ${before.imports.map((i) => i.name).join(', ')}`);
  }
  const missing = EXPORTS.filter((name) => !before.exports.some((e) => e.name === name));
  if (missing.length) fail(`${input}: the exports ${missing.join(', ')} are missing`);
  const graph = [
    { name: 'loader', root: true, reaches: [...EXPORTS, 'io'] },
    ...EXPORTS.map((name) => ({ name, export: name })),
    { name: 'io', import: [io[0].module, io[0].name] },
  ];
  writeFileSync(join(tmp, 'graph.json'), JSON.stringify(graph));
  tool('wasm-metadce', [...FEATURES, input, '--graph-file', join(tmp, 'graph.json'), '-o', join(tmp, 'dce.wasm')]);

  // 2. Optimise, then minify the names and read the map.
  tool('wasm-opt', [
    ...FEATURES, '-Oz', '--converge', '--low-memory-unused', '--zero-filled-memory',
    '--strip-debug', '--strip-producers', '--strip-target-features',
    join(tmp, 'dce.wasm'), '-o', join(tmp, 'pre.wasm'),
  ]);
  // Then once more after binaryen's CFG rebuild (flatten + rereloop, with the functions'
  // global effects known), and -Oz once more on that: 8,446 → 8,358 B gzip (issue 30,
  // measured).
  tool('wasm-opt', [
    ...FEATURES, '--generate-global-effects', '--flatten', '--rereloop', '-Oz', '--converge',
    '--low-memory-unused', '--zero-filled-memory', join(tmp, 'pre.wasm'), '-o', join(tmp, 'flat.wasm'),
  ]);
  tool('wasm-opt', [
    ...FEATURES, '-Oz', '--converge', '--low-memory-unused', '--zero-filled-memory',
    join(tmp, 'flat.wasm'), '-o', join(tmp, 'opt.wasm'),
  ]);
  const out = join(site, 'tracker_bg.wasm');
  const printed = tool('wasm-opt', [...FEATURES, '--minify-imports-and-exports-and-modules', join(tmp, 'opt.wasm'), '-o', join(tmp, 'min.wasm')]);
  // -Oz again on the renamed module (names are kept; 27 B gzip less, measured).
  tool('wasm-opt', [...FEATURES, '-Oz', '--converge', '--low-memory-unused', '--zero-filled-memory', join(tmp, 'min.wasm'), '-o', out]);
  const map = JSON.parse(printed);
  const after = shape(readFileSync(out));
  if (after.imports.length !== 1) fail(`${out}: expected one import, got ${after.imports.length}`);
  const renamed = new Map(map.exports);
  const [[, oldIo, newIo]] = map.imports;
  if (oldIo !== io[0].name || after.imports[0].name !== newIo) fail(`the import map ${JSON.stringify(map.imports)} does not match`);
  const cache = { $module: after.imports[0].module, $io: newIo };
  for (const name of EXPORTS) {
    const to = renamed.get(name);
    if (!to || !after.exports.some((e) => e.name === to)) fail(`export ${name}: not in the map or the module (${printed})`);
    cache['$' + name] = to;
  }
  if (after.exports.length !== EXPORTS.length) fail(`${out}: exports ${after.exports.map((e) => e.name)} beyond ${EXPORTS}`);
  const hashed = `tracker.${createHash('sha256').update(readFileSync(out)).digest('hex').slice(0, 16)}.wasm`;
  copyFileSync(out, join(site, hashed));

  // 3. The loader, with the module's names.
  const result = await build({
    entryPoints: [join(ROOT, 'www/viatrack.js')],
    bundle: true,
    minify: true,
    format: 'iife',
    logLevel: 'warning',
    mangleProps: /^\$/,
    mangleCache: { ...cache },
    define: { __VIATRACK_WASM__: JSON.stringify(hashed) },
    write: false,
  });
  const made = Object.keys(result.mangleCache).filter((k) => !(k in cache));
  if (made.length) fail(`www/viatrack.js uses ${made.join(', ')}, which the module does not have`);
  const source = readFileSync(join(ROOT, 'www/loader.js'), 'utf8');
  const unused = Object.keys(cache).filter((name) => !new RegExp(`\\${name}\\b`).test(source));
  if (unused.length) fail(`www/loader.js does not use ${unused.join(', ')}`);
  writeFileSync(join(site, 'viatrack.js'), result.outputFiles[0].text);

  // 4. The npm package's module (packages/viatrack): the same loader logic as an ES module,
  //    with the same names, unminified but for them. It fetches this same wasm from the API.
  const pkg = await build({
    entryPoints: [join(ROOT, 'packages/viatrack/src/index.js')],
    bundle: true,
    format: 'esm',
    logLevel: 'warning',
    mangleProps: /^\$/,
    mangleCache: { ...cache },
    define: { __VIATRACK_WASM__: JSON.stringify('tracker_bg.wasm') },
    write: false,
  });
  const pkgMade = Object.keys(pkg.mangleCache).filter((k) => !(k in cache));
  if (pkgMade.length) fail(`packages/viatrack uses ${pkgMade.join(', ')}, which the module does not have`);
  mkdirSync(join(ROOT, 'packages/viatrack/dist'), { recursive: true });
  writeFileSync(join(ROOT, 'packages/viatrack/dist/index.js'), pkg.outputFiles[0].text);
  copyFileSync(join(ROOT, 'www/viatrack.d.ts'), join(ROOT, 'packages/viatrack/dist/viatrack.d.ts'));
  console.log(`shrink-tracker: ${hashed}; ${Object.entries(cache).map(([k, v]) => `${k.slice(1)} → ${v}`).join(', ')}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
