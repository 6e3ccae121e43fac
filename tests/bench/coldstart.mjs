// Cold start of the built package, each figure the median of N fresh Node processes (a
// benchmark, not a test; nothing asserts on time). Per build (full, csv): compiling the .wasm
// (WebAssembly.Module), and loading the Node entry (compile + instantiate + the JS glue: what
// `require('xero-export/csv')` costs a process). Then the first and the second preview of the
// same invoices on a freshly loaded module (issue 20's goal: the first within 1.3× of the second).
//   node tests/bench/coldstart.mjs [N=9]   (wired into `make size`)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const pkg = new URL('../../pkg/', import.meta.url);
const builds = {
  full: { wasm: 'web/xero_export_bg.wasm', entry: 'node/index.cjs' },
  csv: { wasm: 'csv/web/xero_export_csv_bg.wasm', entry: 'csv/node/index.cjs' },
};
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;

/** A small clinic-style batch: 5 lines each, tracking on every line, payers matched or new. */
function invoices(n) {
  const payers = [
    { kind: 'patient', id: 'P-100', contactNumber: 'P-100', name: 'Katherine Warren' },
    { kind: 'patient', id: 'p-new', name: 'New Patient', email: 'new@example.com' },
  ];
  return Array.from({ length: n }, (_, i) => ({
    id: `cold-${i}`, number: `CS-${i}`, date: '2024-01-15', payer: payers[i % 2],
    lines: Array.from({ length: 5 }, (_, l) => ({
      description: `Item ${l}`, quantity: l + 1, unitAmount: `${10 + l}.${String(i % 100).padStart(2, '0')}`,
      taxCode: 'GST', clinicianId: l % 2 ? 'dr-1' : 'dr-2', locationId: 'north',
    })),
  }));
}

function child(what) {
  const require = createRequire(here);
  if (what === 'preview') {
    const read = (p) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'));
    const snapshot = read('../fixtures/sample/snapshot.json');
    const { settings } = read('./workload.json');
    const data = invoices(1000);
    const { Exporter } = require(new URL(builds.full.entry, pkg).pathname);
    const exporter = new Exporter(snapshot, settings);
    const t1 = process.hrtime.bigint();
    exporter.preview(data);
    const first = ms(t1);
    const t2 = process.hrtime.bigint();
    exporter.preview(data);
    return { first, second: ms(t2) };
  }
  // Each in a process of its own: V8 caches a compiled module by its bytes, so a load after a
  // compile in the same process would not compile again.
  const [name, step] = what.split(':');
  const build = builds[name];
  if (step === 'compile') {
    const bytes = readFileSync(new URL(build.wasm, pkg));
    const t0 = process.hrtime.bigint();
    new WebAssembly.Module(bytes);
    return { ms: ms(t0) };
  }
  const t1 = process.hrtime.bigint();
  const api = require(new URL(build.entry, pkg).pathname);
  api.version();
  return { ms: ms(t1) };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3])));
} else {
  const n = Number(process.argv[2] ?? 9);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const runs = (what) => Array.from({ length: n }, () => JSON.parse(execFileSync(process.execPath, [here, '--child', what], { encoding: 'utf8' })));
  console.log(`Cold start, Node ${process.version}, median of ${n} fresh processes:`);
  for (const what of ['csv', 'full']) {
    const c = median(runs(`${what}:compile`).map((x) => x.ms));
    const l = median(runs(`${what}:load`).map((x) => x.ms));
    console.log(`  ${what.padEnd(4)} build: compile ${c.toFixed(1).padStart(6)} ms; load the Node entry (compile + instantiate + glue) ${l.toFixed(1).padStart(6)} ms`);
  }
  const p = runs('preview');
  const first = median(p.map((x) => x.first));
  const second = median(p.map((x) => x.second));
  const ratio = median(p.map((x) => x.first / x.second));
  console.log(`  first preview of 1,000 invoices on a fresh module ${first.toFixed(1)} ms, second ${second.toFixed(1)} ms: first/second ${ratio.toFixed(2)}× (goal ≤ 1.3×)`);
}
