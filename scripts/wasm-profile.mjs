// Where a .wasm's bytes are: the largest functions (code body bytes) and data, by name.
//   node scripts/wasm-profile.mjs FILE.wasm [TOP=20] [--group]
// FILE must keep its name section (wasm-opt -g, or wasm-bindgen's output before wasm-opt);
// the sizes are those of that file, close to the shipped one's (wasm-opt -Oz -g differs from
// -Oz only by the names). --group sums by crate/module path instead of listing functions.
// No dependency: reads the sections itself (a twiggy install costs minutes on 2 cores).
import { readFileSync } from 'node:fs';

const [file, topArg, mode] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/wasm-profile.mjs FILE.wasm [TOP] [--group]');
  process.exit(2);
}
const top = Number(topArg ?? 20);
const bytes = readFileSync(file);
let pos = 8;

function uleb() {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return result;
  }
}
function name() {
  const len = uleb();
  const s = bytes.toString('utf8', pos, pos + len);
  pos += len;
  return s;
}

const sections = [];
let importedFuncs = 0;
const bodies = [];
const names = new Map();
let dataBytes = 0;
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = uleb();
  const start = pos;
  const end = start + size;
  let label = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id] ?? `#${id}`;
  if (id === 0) label = `custom:${name()}`;
  if (id === 2) {
    const n = uleb();
    for (let i = 0; i < n; i++) {
      name();
      name();
      const kind = bytes[pos++];
      if (kind === 0) { importedFuncs++; uleb(); }
      else if (kind === 1) { pos++; const f = uleb(); uleb(); if (f & 1) uleb(); }
      else if (kind === 2) { const f = uleb(); uleb(); if (f & 1) uleb(); }
      else if (kind === 3) { pos += 2; }
      else { pos++; uleb(); }
    }
  }
  if (id === 10) {
    const n = uleb();
    for (let i = 0; i < n; i++) {
      const len = uleb();
      bodies.push({ index: importedFuncs + i, size: len + 1 });
      pos += len;
    }
  }
  if (id === 11) dataBytes = size;
  if (label === 'custom:name') {
    while (pos < end) {
      const sub = bytes[pos++];
      const subSize = uleb();
      const subEnd = pos + subSize;
      if (sub === 1) {
        const n = uleb();
        for (let i = 0; i < n; i++) {
          const index = uleb();
          names.set(index, name());
        }
      }
      pos = subEnd;
    }
  }
  sections.push({ label, size });
  pos = end;
}

/** A Rust legacy-mangled symbol made readable (`_ZN4core3fmt5write17h…E` → `core::fmt::write`). */
function demangle(sym) {
  const m = /^_ZN(.*)E$/.exec(sym);
  if (!m) return sym;
  const parts = [];
  let s = m[1];
  while (s.length) {
    const len = /^(\d+)/.exec(s);
    if (!len) break;
    const n = Number(len[1]);
    parts.push(s.slice(len[1].length, len[1].length + n));
    s = s.slice(len[1].length + n);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  return parts.join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ')
    .replace(/\$RF\$/g, '&').replace(/\$C\$/g, ',').replace(/\$u7b\$/g, '{').replace(/\$u7d\$/g, '}')
    .replace(/\$u5b\$/g, '[').replace(/\$u5d\$/g, ']').replace(/\$BP\$/g, '*').replace(/\.\./g, '::');
}

const total = bytes.length;
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${total} bytes; sections:`);
for (const s of sections.filter((x) => x.size > total / 200)) console.log(`  ${String(s.size).padStart(9)} ${pct(s.size)}  ${s.label}`);
const rows = bodies.map((b) => ({ size: b.size, name: demangle(names.get(b.index) ?? `func[${b.index}]`).replace(/::h[0-9a-f]{16}$/, "") }));
rows.push({ size: dataBytes, name: '[data section: strings, tables]' });
if (mode === '--group') {
  const groups = new Map();
  for (const r of rows) {
    // The innermost path that names the code's origin: `impl` blocks name their type.
    const key = r.name.replace(/^<(.*?)( as .*)?>::.*$/, '$1').split('::').slice(0, 2).join('::').replace(/<.*$/, '');
    groups.set(key, (groups.get(key) ?? 0) + r.size);
  }
  const list = [...groups].sort((a, b) => b[1] - a[1]).slice(0, top);
  console.log(`top ${top} groups by crate::module (code bytes):`);
  for (const [k, v] of list) console.log(`  ${String(v).padStart(9)} ${pct(v)}  ${k}`);
} else {
  rows.sort((a, b) => b.size - a.size);
  console.log(`top ${top} of ${bodies.length} functions (body bytes):`);
  for (const r of rows.slice(0, top)) console.log(`  ${String(r.size).padStart(9)} ${pct(r.size)}  ${r.name.slice(0, 150)}`);
}
