// Where a sending backend's, a display page's and a one-call-per-invoice page's time goes, piece
// by piece, in one process (issue 20): stringifying and encoding the invoices, the wasm call
// through the raw glue, reading the bodies, the crossing of a page of documents, against the
// whole API call and the JS mapper. A benchmark, not a test:
// it prints the best of the rounds in µs per invoice, nothing asserts on time.
//
//   node tests/bench/reads.mjs [invoices=2000] [rounds=9]
import { createRequire } from 'node:module';
import { invoices, snapshot, settings } from './workload.mjs';
import { prepare, mapInvoices } from './js-mapper.mjs';

const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 9);
const require = createRequire(import.meta.url);
const api = require('../../pkg/node/index.cjs');
const raw = new (api.__testing.glue().Exporter)(JSON.stringify(snapshot), JSON.stringify(settings));
const exporter = new api.Exporter(snapshot, settings);
const ctx = prepare(snapshot, settings);
const data = invoices(n);
const utf8 = new TextEncoder();
const all = utf8.encode(JSON.stringify(data));
const singles = data.map((d) => utf8.encode(JSON.stringify([d])));
const held = raw.previewResults(all, 'null');
const handle = exporter.previewResults(all);
const lean = exporter.previewResults(all, { lines: false });

const cases = {
  // Bodies only, objects in: what `previewResults(invoices, {lines: false})` and reading every
  // body costs, step by step, against the JS mapper making the same bodies.
  'JS mapper, bodies only, batch': () => mapInvoices(ctx, data, { lines: false }).documents.length,
  'JSON.stringify of the batch': () => JSON.stringify(data).length,
  'JSON.stringify + encode of the batch': () => utf8.encode(JSON.stringify(data)).length,
  'wasm previewResults lines:false, batch': () => raw.previewResults(all, '{"lines":false}').free(),
  'API body(i) of every document': () => { let c = 0; for (let i = 0; i < n; i++) c += lean.body(i)?.length ?? 0; return c; },
  'API previewResults lines:false + every body': () => { const r = exporter.previewResults(data, { lines: false }); let c = 0; for (let i = 0; i < n; i++) c += r.body(i)?.length ?? 0; r.free(); return c; },
  'JS mapper, display, batch': () => mapInvoices(ctx, data, { lines: true }).documents.length,
  'JS mapper, one call per invoice': () => data.reduce((a, inv) => a + mapInvoices(ctx, [inv]).documents[0].lines.length, 0),
  'stringify + encode, per invoice': () => data.reduce((a, inv) => a + utf8.encode(JSON.stringify([inv])).length, 0),
  'wasm previewResults (raw glue), batch': () => raw.previewResults(all, 'null').free(),
  'wasm previewResults (raw glue), one call each': () => singles.forEach((b) => raw.previewResults(b, 'null').free()),
  'documents() crossing, pages of 100': () => { for (let a = 0; a < n; a += 100) held.documents(a, Math.min(a + 100, n)); },
  'API documents(), pages of 100': () => { for (let a = 0; a < n; a += 100) handle.documents(a, Math.min(a + 100, n)); },
  'API part by part (4 calls per document)': () => { for (let i = 0; i < n; i++) { handle.document(i); handle.lines(i); handle.issues(i); handle.body(i); } },
  'API preview([inv]), one call each': () => data.reduce((a, inv) => a + exporter.preview([inv]).documents[0].lines.length, 0),
  'API previewResults([inv]).documents(), one call each': () => data.reduce((a, inv) => { const r = exporter.previewResults([inv]); a += r.documents()[0].lines.length; r.free(); return a; }, 0),
};
const best = {};
for (const k in cases) { cases[k](); best[k] = Infinity; }
for (let r = 0; r < rounds; r++) {
  for (const k in cases) {
    const t = process.hrtime.bigint();
    cases[k]();
    best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t) / 1e3 / n);
  }
}
console.log(`Node ${process.version}: ${n} invoices x 5 lines, best of ${rounds} rounds, µs per invoice`);
for (const k in cases) console.log(`${k.padEnd(52)} ${best[k].toFixed(2).padStart(7)}`);
held.free();
handle.free();
lean.free();
