// `make bench` (Node part): the package against the JavaScript a user would write instead
// (tests/bench/js-mapper.mjs, decimal.js), on the same generated workload (tests/bench/
// workload.mjs: invoices × 5 lines, tracking on every line, contacts resolved, some to create).
// A benchmark, not a test: it prints, nothing asserts on time.
//
// Method. Every measurement runs in its own child process (tests/bench/preview-side.mjs), one
// per side, mode and size, and the rounds interleave the sides: round r runs each mode's JS
// side and package sides one after the other, so drift on this shared machine hits both alike.
// Per mode the median over the rounds is printed, both sides' throughput (invoices/s), the
// ratio (package ÷ JS, higher is better) and the memory each run added at its peak (the
// kernel's peak RSS during the run minus the RSS before it, see preview-side.mjs). Before the
// rounds, the package's bodies and totals are checked equal to the JS side's on the workload.
//
//   node tests/bench/preview.mjs [rounds=5] [invoices=10000]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { invoices, snapshot, settings } from './workload.mjs';
import { prepare, mapInvoices } from './js-mapper.mjs';

const rounds = Number(process.argv[2] ?? 5);
const n = Number(process.argv[3] ?? 10_000);
const child = fileURLToPath(new URL('./preview-side.mjs', import.meta.url));

// The two sides do the same work: same bodies, same totals.
{
  const require = createRequire(import.meta.url);
  const { Exporter } = require('../../pkg/node/index.cjs');
  const data = invoices(n);
  const r = new Exporter(snapshot, settings).previewResults(data, { lines: false });
  const j = mapInvoices(prepare(snapshot, settings), data, { lines: false });
  for (let i = 0; i < n; i++) {
    const d = r.document(i);
    if (r.body(i) !== j.documents[i].body || JSON.stringify(d.totals) !== JSON.stringify(j.documents[i].totals)) {
      throw new Error(`invoice ${i}: the JS baseline and the package differ; the comparison would be meaningless`);
    }
  }
  r.free();
  console.log(`Node ${process.version}: ${n.toLocaleString('en')} invoices x 5 lines; bodies and totals of both sides checked equal.`);
}

const modes = [
  { mode: 'bodies', n, label: 'bodies only (lines: false)' },
  { mode: 'display', n, label: 'with display data (the default)' },
  { mode: 'perInvoice', n, label: 'one call per invoice (display data)' },
  { mode: 'bytes', n, label: 'invoices as JSON bytes in, bodies out' },
  { mode: 'bodies', n: n * 10, label: `bodies only, ${(n * 10).toLocaleString('en')} invoices` },
  { mode: 'display', n: n * 10, label: `with display data, ${(n * 10).toLocaleString('en')} invoices` },
];
const sides = ['js', 'package-results', 'package-parts', 'package-session', 'package-preview'];

// Chunks are for batches: the session is measured on the batch modes only.
// `exporter.preview` is not measured at 10x: one object graph of 100,000 documents needs ~1.8 GB
// (the figure), more than a shared machine should be asked for.
// The handle read part by part differs from package-results only where display data is read.
const applies = (side, m) => (side !== 'package-session' || m.mode === 'bodies' || m.mode === 'display') &&
  (side !== 'package-parts' || ((m.mode === 'display' || m.mode === 'perInvoice') && m.n === n)) &&
  (side !== 'package-preview' || m.n === n);
const results = new Map();
const run = (side, m, fresh = '') => {
  const out = execFileSync(process.execPath, ['--expose-gc', child, side, m.mode, String(m.n), fresh], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop());
};
for (let round = 0; round < rounds; round++) {
  for (const m of modes) {
    for (const side of sides) {
      if (!applies(side, m)) continue;
      const key = `${m.label}|${side}`;
      if (!results.has(key)) results.set(key, []);
      results.get(key).push(run(side, m));
    }
  }
  // The first preview on a freshly loaded module against the second (no warm-up).
  for (const m of modes.slice(0, 2)) {
    const key = `${m.label}|fresh`;
    if (!results.has(key)) results.set(key, []);
    results.get(key).push(run('package-results', m, 'fresh'));
  }
  process.stdout.write(`round ${round + 1}/${rounds} done\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stat = (m, side) => {
  const rs = results.get(`${m.label}|${side}`);
  return { ips: m.n / (median(rs.map((r) => r.ms)) / 1000), mb: median(rs.map((r) => r.addedMB)), first: median(rs.map((r) => r.first)), second: median(rs.map((r) => r.second)), ms: median(rs.map((r) => r.ms)) };
};
const f = (x) => Math.round(x).toLocaleString('en').padStart(9);
console.log(`\nmedians of ${rounds} interleaved rounds (a fresh process per side, warmed on 200 invoices); throughput invoices/s; peak memory added by the first full run, MB`);
console.log(`${'mode'.padEnd(44)} ${'JS inv/s'.padStart(9)} ${'JS MB'.padStart(6)} | ${'side'.padEnd(16)} ${'inv/s'.padStart(9)} ${'MB'.padStart(6)} ${'ratio'.padStart(6)}`);
for (const m of modes) {
  const js = stat(m, 'js');
  for (const side of sides.slice(1).filter((s) => applies(s, m))) {
    const p = stat(m, side);
    console.log(`${m.label.padEnd(44)} ${f(js.ips)} ${js.mb.toFixed(0).padStart(6)} | ${side.padEnd(16)} ${f(p.ips)} ${p.mb.toFixed(0).padStart(6)} ${(p.ips / js.ips).toFixed(2).padStart(5)}x`);
  }
}
// Time for 10x the work, per side, and the first run on a fresh module against the second.
for (const [small, big] of [[modes[0], modes[4]], [modes[1], modes[5]]]) {
  // First runs after the warm-up on both sizes (the large batch runs once).
  const line = sides.filter((s) => applies(s, big)).map((side) => `${side} ${(stat(big, side).first / stat(small, side).first).toFixed(1)}x`).join(', ');
  console.log(`10x the work (${small.mode}, first run after warm-up at each size): time ${line}`);
}
for (const m of modes.slice(0, 2)) {
  const line = ['fresh'].map((side) => { const s = stat(m, side); return `${side} ${s.first.toFixed(0)} ms / ${s.second.toFixed(0)} ms = ${(s.first / s.second).toFixed(2)}x`; }).join(', ');
  console.log(`first previewResults on a freshly loaded module vs the second (${m.mode}): ${line}`);
}
