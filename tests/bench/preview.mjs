// `make bench` (Node part): previews 10,000 invoices × 5 lines with tracking and contacts through
// the built package, comparing ways of crossing the JS/wasm boundary. Prints invoices/s for each.
// A benchmark, not a test.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Exporter } = require('../../pkg/node/index.cjs');
const read = (p) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'));
const snapshot = read('../fixtures/sample/snapshot.json');
const { settings } = read('./workload.json');

// The same generator as tests/bench/preview.rs.
export function invoices(n) {
  const payers = [
    { kind: 'patient', id: 'P-100', contactNumber: 'P-100', name: 'Katherine Warren' },
    { kind: 'thirdParty', id: 'ins-7', name: 'Southern Cross', accountNumber: 'INS-7' },
    { kind: 'patient', id: 'p-new', name: 'New Patient', email: 'new@example.com' },
    { kind: 'patient', id: 'p-x', name: 'sam jones' },
  ];
  const clinicians = ['dr-1', 'dr-2', 'dr-1', 'dr-9'];
  const locations = ['north', 'south'];
  const out = [];
  for (let i = 0; i < n; i++) {
    const lines = [];
    for (let l = 0; l < 5; l++) {
      lines.push({ description: `Appointment item ${l}`, quantity: (l % 3) + 1,
        unitAmount: `${20 + ((i * 7 + l * 13) % 180)}.${String((i + l) % 100).padStart(2, '0')}`,
        taxCode: l === 4 ? 'EXEMPT' : 'GST', clinicianId: clinicians[(i + l) % 4], locationId: locations[(i + l) % 2] });
    }
    out.push({ id: `appt-${i}`, number: `CL-${i}`, reference: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`, date: '2024-01-15', payer: payers[i % 4], lines });
  }
  return out;
}

function measure(label, n, fn, runs = 5) {
  fn(); // warm up
  let best = Infinity;
  let check;
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    check = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`${label.padEnd(58)} ${best.toFixed(1).padStart(8)} ms  ${Math.round(n / (best / 1000)).toLocaleString('en').padStart(9)} invoices/s  (${check})`);
  return n / (best / 1000);
}

const n = 10_000;
const data = invoices(n);
console.log(`Node ${process.version}: preview of ${n} invoices x 5 lines, tracking on every line, contacts resolved (some created)`);

// What a host sees once per batch: the first call on a freshly loaded module (memory still to
// grow, code not yet optimised by the engine).
{
  const exporter = new Exporter(snapshot, settings);
  const rss = process.memoryUsage().rss;
  const t = process.hrtime.bigint();
  const p = exporter.preview(data, { lines: false });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  // What the call added to the process's memory (wasm memory grown, input and output strings).
  const grown = (process.memoryUsage().rss - rss) / 1e6;
  console.log(`${'first call on a fresh module ({lines: false})'.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms  (${p.summary.ready} ready, process memory +${grown.toFixed(0)} MB)`);
}

const exporter = new Exporter(snapshot, settings);
// Every body is read, so nothing is measured that a host would not get.
const ready = (p) => `${p.summary.ready} ready, ${p.documents.reduce((a, d) => a + (d.body ? d.body.length : 0), 0)} body chars`;
const results = {
  objects: measure('objects in, objects out (display lines too)', n, () => ready(exporter.preview(data))),
  text: measure('JSON text in, JSON text out (previewJson), + JSON.parse', n, () => ready(JSON.parse(exporter.previewJson(JSON.stringify(data))))),
  bodies: measure('objects in, bodies only out ({lines: false})', n, () => ready(exporter.preview(data, { lines: false }))),
  perInvoice: measure('one call per invoice ({lines: false})', n, () => `${data.reduce((a, inv) => a + exporter.preview([inv], { lines: false }).summary.ready, 0)} ready`, 3),
};
const best = Math.max(...Object.values(results));
console.log(`best in Node: ${Math.round(best).toLocaleString('en')} invoices/s (target: 100,000/s and within 1.5x of native; see cargo bench --bench preview)`);

// Where the time of the bodies-only preview goes, step by step as the package does it.
const wasm = require('../../pkg/node/index.cjs').__testing.glue();
const raw = new wasm.Exporter(JSON.stringify(snapshot), JSON.stringify(settings));
const time = (f) => {
  f();
  let best = Infinity;
  let out;
  for (let r = 0; r < 5; r++) {
    const t = process.hrtime.bigint();
    out = f();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return [best, out];
};
const [tStringify, text] = time(() => JSON.stringify(data));
const [tEncode, bytes] = time(() => new TextEncoder().encode(text));
const [tWasm, out] = time(() => raw.preview(bytes, '{"lines":false}'));
const [tSplit, parts] = time(() => out.split('\0'));
const [tParse] = time(() => JSON.parse(parts[parts.length - 1]));
// The wasm step includes turning the result's UTF-8 into a JS string (wasm-bindgen's glue uses
// this decoder); timed alone on the same bytes, so the wasm work itself can be told apart.
const outBytes = new TextEncoder().encode(out);
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const [tDecode] = time(() => decoder.decode(outBytes));
raw.free();
console.log(`bodies only, step by step: JSON.stringify ${tStringify.toFixed(1)} ms, UTF-8 encode ${tEncode.toFixed(1)} ms, ` +
  `wasm (copy in, parse, preview, write, copy out) ${tWasm.toFixed(1)} ms, of which decoding the ` +
  `${(outBytes.length / 1e6).toFixed(1)} MB result ~${tDecode.toFixed(1)} ms, split ${tSplit.toFixed(1)} ms, JSON.parse ${tParse.toFixed(1)} ms`);
