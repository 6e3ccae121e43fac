// Benchmark (not a test): validating a generated 1,000,000-row client CSV in Node through the
// built package, against papaparse parsing the same file (parse only), in MB/s and peak memory.
//   make bench-csv            (release build first)
//   node tests/bench/csv.mjs  (uses whatever pkg/ holds; a --dev build is ~10× slower)
// Each measurement runs in a fresh Node process so its peak memory is its own. Peak memory is
// the resident set's growth over the process's baseline after the file is loaded (the file's
// own bytes are in the baseline). Issue 20's targets: ≥ 3× papaparse's parse-only speed, and
// added peak memory ≤ 0.5× the file's size. The file's keys are in order, as a database's
// export usually is, and the key set then needs no hash table (tracking_csv/keys.rs): the
// 'ours, keys reversed' mode validates the same rows with their keys counting down, where every
// key goes through the table, so both cases are on record.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const require = createRequire(import.meta.url);
const file = path.join(here, 'out/clients-1m.csv');
const reversedFile = path.join(here, 'out/clients-1m-reversed.csv');
const ROWS = 1_000_000;
const CHUNK = 1 << 20; // 1 MiB, a typical File.stream() consumer's batch

/** The generated file: 1M clients, every 10th name quoted with a comma, 1 in 1000 rows bad.
 * `reversed`: the client ids count down (tests/bench/csv.rs mirrors both byte for byte). */
export function generate(rows = ROWS, { reversed = false } = {}) {
  const clinicians = ['Dr Aroha Smith', 'Dr Ben Lee', 'General'];
  const locations = ['North', 'South', ''];
  const parts = ['Client ID,Client Name,Email,Xero Tracking Category 1,Xero Tracking Category 2\r\n'];
  for (let i = 1; i <= rows; i++) {
    const id = `C${String(reversed ? rows + 1 - i : i).padStart(7, '0')}`;
    const name = i % 10 === 0 ? `"Harbour Dental, Ltd ${i}"` : `Client ${i}`;
    let c1 = clinicians[i % 3];
    let c2 = locations[i % 3];
    if (i % 1000 === 0) c1 = 'Dr Ben Le'; // unknown: suggestion "Dr Ben Lee"
    if (i % 5000 === 1) c2 = 'Harbour'; // archived
    parts.push(`${id},${name},accounts${i}@example.com,${c1},${c2}\r\n`);
  }
  return Buffer.from(parts.join(''));
}

const expected = { rowsRead: ROWS, rowsFailing: ROWS / 1000 + ROWS / 5000 };

// memoryUsage.rss() reads the resident size alone; memoryUsage() also walks the JS heap's
// statistics, which inside the timed loop cost ~2.5 % of our side's time.
function rss() { return process.memoryUsage.rss(); }
function maxRss() { return process.resourceUsage().maxRSS * 1024; }

function child(mode) {
  const buffer = readFileSync(mode === 'ours, keys reversed' ? reversedFile : file);
  const mb = buffer.length / 1e6;
  let run;
  let warm;
  const head = buffer.subarray(0, buffer.indexOf(10, 4e6) + 1);
  if (mode.startsWith('ours')) {
    // BENCH_CSV_ENTRY=csv measures the CSV-only build (xero-export/csv) instead of the full one.
    const entry = process.env.BENCH_CSV_ENTRY === 'csv' ? 'pkg/csv/node/index.cjs' : 'pkg/node/index.cjs';
    const api = require(path.join(root, entry));
    const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
    const assignments = mode === 'ours+assignments';
    warm = () => {
      const v = new api.TrackingCsvValidator(snapshot, { assignments });
      for (let at = 0; at < head.length; at += CHUNK) v.push(head.subarray(at, at + CHUNK));
      if (assignments) v.finishJson(); else v.finish();
    };
    run = () => {
      const v = new api.TrackingCsvValidator(snapshot, { assignments });
      let peak = 0;
      for (let at = 0; at < buffer.length; at += CHUNK) {
        v.push(buffer.subarray(at, at + CHUNK));
        peak = Math.max(peak, rss());
      }
      // With assignments, the result comes as JSON text (finishJson): 1M clients as JS objects
      // would cost far more than the validation (parse it only if you need them).
      const result = assignments ? v.finishJson() : v.finish();
      peak = Math.max(peak, rss());
      const counts = assignments
        ? JSON.parse(result.slice(0, result.indexOf(',"columns"')) + '}')
        : result;
      if (counts.rowsRead !== expected.rowsRead || counts.rowsFailing !== expected.rowsFailing) {
        throw new Error(`unexpected counts ${counts.rowsRead}/${counts.rowsFailing}`);
      }
      // Row 2's Location cell is empty: a clear by default (emptyClears), so "" like a None.
      if (assignments && !result.includes('"C0000002":{"Clinician":"General","Location":""}')) {
        throw new Error('unexpected assignments');
      }
      return peak;
    };
  } else {
    const Papa = require('papaparse');
    const text = buffer.toString('utf8');
    const header = mode === 'papaparse-header';
    warm = () => Papa.parse(head.toString('utf8'), { header, skipEmptyLines: true });
    run = () => {
      const out = Papa.parse(text, { header, skipEmptyLines: true });
      if (out.data.length !== ROWS + (header ? 0 : 1)) throw new Error(`papaparse read ${out.data.length} rows`);
      return rss();
    };
  }
  // Warm up the JIT (V8 compiles wasm and JS in tiers) on the first ~4 MB, for both sides.
  warm?.();
  globalThis.gc?.();
  const base = rss();
  const t0 = process.hrtime.bigint();
  const sampled = run();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const peak = Math.max(sampled, maxRss());
  process.stdout.write(JSON.stringify({ mode, mb, seconds, mbps: mb / seconds, peakGrowth: peak - base }));
}

function main() {
  if (!existsSync(file) || statSync(file).size < 50e6) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, generate());
  }
  if (!existsSync(reversedFile) || statSync(reversedFile).size < 50e6) {
    writeFileSync(reversedFile, generate(ROWS, { reversed: true }));
  }
  const size = statSync(file).size;
  const modes = ['ours', 'ours, keys reversed', 'ours+assignments', 'papaparse', 'papaparse-header'];
  const runs = Number(process.env.RUNS ?? 3);
  console.log(`file: ${ROWS.toLocaleString('en')} rows, ${(size / 1e6).toFixed(1)} MB (${file})`);
  const results = {};
  for (const mode of modes) {
    const all = [];
    for (let r = 0; r < runs; r++) {
      const p = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', mode],
        { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (p.status !== 0) throw new Error(`${mode} failed:\n${p.stderr}`);
      all.push(JSON.parse(p.stdout));
    }
    const best = all.reduce((a, b) => (b.mbps > a.mbps ? b : a));
    const peak = Math.max(...all.map((x) => x.peakGrowth));
    results[mode] = { mbps: best.mbps, peak };
    console.log(`${mode.padEnd(19)} ${best.mbps.toFixed(1).padStart(7)} MB/s (best of ${runs})   peak memory +${(peak / 1e6).toFixed(1)} MB = ${(peak / size).toFixed(2)}× the file`);
  }
  const ratio = results.ours.mbps / results.papaparse.mbps;
  const reversed = results['ours, keys reversed'];
  console.log(`validation vs papaparse parse-only: ${ratio.toFixed(2)}× (target ≥ 3×); peak memory ${(results.ours.peak / size).toFixed(2)}× the file (target ≤ 0.5×)`);
  console.log(`  keys reversed: ${(reversed.mbps / results.papaparse.mbps).toFixed(2)}×; peak memory ${(reversed.peak / size).toFixed(2)}× the file`);
}

const at = process.argv.indexOf('--child');
if (at > 0) child(process.argv[at + 1]);
else if (process.argv[1] === fileURLToPath(import.meta.url)) main();
