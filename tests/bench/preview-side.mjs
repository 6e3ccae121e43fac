// One side of one `make bench` measurement, in its own process (tests/bench/preview.mjs runs it
// once per side, mode and size, round after round, so the two sides are measured alike and the
// memory one side leaves behind never counts against the other). Prints one JSON line.
//
//   node --expose-gc tests/bench/preview-side.mjs <side> <mode> <invoices> [fresh]
//   side: package-results | package-parts | package-session | package-preview | js
//   (package-parts: the result handle read part by part, document(i), lines(i), issues(i),
//   body(i), as before `documents(start, end)` read a page of rows in one call)
//   mode: bodies | display | perInvoice | bytes
//
// Time: the first run and the median of the runs after it; with `fresh` the first run is on a
// freshly loaded module (what a host sees once), otherwise after a 200-invoice warm-up. Memory: the process's peak resident set size during the first run minus
// its resident size just before (Linux's VmHWM, reset through /proc/self/clear_refs after the
// input is made and collected): everything the run added, wasm memory grown, JS heap, strings
// and buffers, read by the kernel rather than sampled.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { invoices, snapshot, settings } from './workload.mjs';
import { prepare, mapInvoices } from './js-mapper.mjs';

const [side, mode, nText, fresh] = process.argv.slice(2);
const n = Number(nText);
const decoder = new TextDecoder();

/** What a preview page reads from a result handle: every document, a page of rows per call
 * (`documents(start, end)`), or only the bodies. Returns a check value. */
function readResults(r, display) {
  let chars = 0;
  if (!display) {
    for (let i = 0; i < r.length; i++) chars += r.body(i)?.length ?? 0;
    return chars;
  }
  for (let at = 0; at < r.length; at += 100) {
    for (const d of r.documents(at, Math.min(at + 100, r.length))) chars += (d.body?.length ?? 0) + d.index + d.lines.length + d.issues.length;
  }
  return chars;
}

/** The same, part by part (four calls per document). */
function readParts(r, display) {
  let chars = 0;
  for (let i = 0; i < r.length; i++) {
    chars += r.body(i)?.length ?? 0;
    if (display) chars += r.document(i).index + r.lines(i).length + r.issues(i).length;
  }
  return chars;
}

const status = (key) => Number(/(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(key)))[1]) * 1024;

/** The work of one run over `data`, returning a check value so nothing is optimised away. */
function makeRun(data) {
  const bytes = mode === 'bytes' ? new TextEncoder().encode(JSON.stringify(data)) : undefined;
  if (side === 'js') {
    const ctx = prepare(snapshot, settings);
    const display = mode === 'display' || mode === 'perInvoice';
    if (mode === 'perInvoice') {
      return () => data.reduce((a, inv) => a + mapInvoices(ctx, [inv]).documents[0].lines.length, 0);
    }
    if (mode === 'bytes') {
      return () => mapInvoices(ctx, JSON.parse(decoder.decode(bytes)), { lines: false }).documents.reduce((a, d) => a + (d.body?.length ?? 0), 0);
    }
    return () => {
      const p = mapInvoices(ctx, data, { lines: display });
      let chars = 0;
      for (const d of p.documents) chars += (d.body?.length ?? 0) + d.lines.length;
      return chars + p.summary.ready;
    };
  }
  const require = createRequire(import.meta.url);
  const { Exporter } = require('../../pkg/node/index.cjs');
  const exporter = new Exporter(snapshot, settings);
  if (side === 'package-preview') {
    // The whole preview as objects: `exporter.preview`.
    if (mode === 'perInvoice') return () => data.reduce((a, inv) => a + exporter.preview([inv]).documents[0].lines.length, 0);
    const input = mode === 'bytes' ? bytes : data;
    const options = mode === 'display' ? undefined : { lines: false };
    return () => {
      const p = exporter.preview(input, options);
      let chars = 0;
      for (const d of p.documents) chars += (d.body?.length ?? 0) + d.lines.length;
      return chars + p.summary.ready;
    };
  }
  if (side === 'package-session') {
    // The batch in chunks of 1,000 (`exporter.previewSession`), each chunk's results read and
    // freed before the next: memory bounded by one chunk whatever the batch.
    const display = mode === 'display';
    return () => {
      const session = exporter.previewSession(display ? undefined : { lines: false });
      let chars = 0;
      let last;
      for (let at = 0; at < data.length; at += 1000) {
        const r = session.push(data.slice(at, at + 1000));
        chars += readResults(r, display);
        if (at + 1000 >= data.length) last = r.batch();
        r.free();
      }
      session.free();
      return chars + last.summary.ready;
    };
  }
  // The result handle: every part the JS side makes is read, a page of rows per call
  // (package-results) or part by part (package-parts).
  const read = side === 'package-parts' ? readParts : readResults;
  if (mode === 'perInvoice') {
    return () => data.reduce((a, inv) => {
      const r = exporter.previewResults([inv]);
      const out = a + read(r, true);
      r.free();
      return out;
    }, 0);
  }
  const input = mode === 'bytes' ? bytes : data;
  const display = mode === 'display';
  return () => {
    const r = exporter.previewResults(input, display ? undefined : { lines: false });
    let chars = read(r, display);
    chars += r.batch().summary.ready;
    r.free();
    return chars;
  };
}

// Unless `fresh`, both sides first do the same work on 200 invoices: the code is loaded and
// compiled, as in a host that has previewed before, so the memory measured is the batch's.
if (fresh !== 'fresh') makeRun(invoices(200))();
const run = makeRun(invoices(n));
globalThis.gc();
globalThis.gc();
const before = status('VmRSS:');
writeFileSync('/proc/self/clear_refs', '5');
let t = process.hrtime.bigint();
const check = run();
const first = Number(process.hrtime.bigint() - t) / 1e6;
const peak = status('VmHWM:');
const times = [];
// Large batches run once (the first run is the one measured for memory and for 10x the work).
const again = n > 20_000 ? 0 : 2;
for (let r = 0; r < again; r++) {
  globalThis.gc();
  t = process.hrtime.bigint();
  if (run() !== check) throw new Error('a run gave another result');
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
const second = times[0] ?? first;
times.sort((a, b) => a - b);
const ms = times.length ? times[Math.floor(times.length / 2)] : first;
console.log(JSON.stringify({ side, mode, n, first, second, ms, addedMB: (peak - before) / 1e6, check }));
