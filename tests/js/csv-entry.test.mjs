// xero-export/csv: the tracking-options CSV entry with its own, smaller .wasm (the CSV-only
// build, scripts/build-csv.sh). The same functions as the full entry, so the same results, the
// same argument checks and errors, the same recovery from a trap; in Node (CommonJS and ESM)
// and in headless Chromium, where a page using it loads only the CSV .wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync, statSync } from 'node:fs';
import { api, root, pkgDir, require, serveRepo, launchChromium } from './helpers.mjs';

const csv = require(path.join(pkgDir, 'csv/node/index.cjs'));
const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
const fixture = (name) => readFileSync(path.join(root, 'tests/fixtures/csv', name));
const NAMES = ['exportTrackingCsv', 'init', 'TrackingCsvValidator', 'validateTrackingCsv', 'version'];

test('the entry exports the CSV functions only, over a .wasm of its own', async () => {
  assert.deepEqual(Object.keys(csv).filter((k) => k !== 'default').sort(), NAMES.sort());
  const esm = await import(path.join(pkgDir, 'csv/node/index.mjs'));
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), NAMES.sort());
  assert.equal(esm.validateTrackingCsv, csv.validateTrackingCsv);
  assert.equal(csv.version(), api.version());
  const own = statSync(path.join(pkgDir, 'csv/web/xero_export_csv_bg.wasm')).size;
  const full = statSync(path.join(pkgDir, 'web/xero_export_bg.wasm')).size;
  assert.ok(own < full / 2, `the CSV .wasm (${own} bytes) is not much smaller than the full one (${full})`);
});

// The CSV build compiles src/wasm/ without the `full` feature: an export added there without
// `#[cfg(feature = "full")]` would land in this .wasm (and its size) unnoticed. Its exports are
// the CSV functions and wasm-bindgen's own plumbing, nothing else.
test('the CSV .wasm exports nothing of the full API', () => {
  const wasm = readFileSync(path.join(pkgDir, 'csv/web/xero_export_csv_bg.wasm'));
  const names = WebAssembly.Module.exports(new WebAssembly.Module(wasm)).map((e) => e.name);
  const csvOwn = /^(memory|version|validateTrackingCsv|exportTrackingCsv|(__wbg_)?trackingcsvvalidator_\w+|__wbindgen_\w+|__externref_\w+|__abort_handler|__instance_terminated|__trapForTests)$/;
  const foreign = names.filter((n) => !csvOwn.test(n));
  assert.deepEqual(foreign, [], `exports that belong to the full build: ${foreign.join(', ')}`);
  assert.ok(names.includes('validateTrackingCsv') && names.includes('trackingcsvvalidator_push'));
});

test('the same results as the full entry, one call and streamed', () => {
  for (const name of ['option-unknown.csv', 'valid.csv', 'key-duplicate.csv']) {
    assert.deepEqual(csv.validateTrackingCsv(snapshot, fixture(name)), api.validateTrackingCsv(snapshot, fixture(name)), name);
  }
  const bytes = fixture('option-unknown.csv');
  const v = new csv.TrackingCsvValidator(JSON.stringify(snapshot), { maxIssues: 2 });
  for (let i = 0; i < bytes.length; i += 7) v.push(bytes.subarray(i, i + 7));
  assert.equal(v.progress.bytes, bytes.length);
  assert.deepEqual(v.finish(), api.validateTrackingCsv(snapshot, bytes, { maxIssues: 2 }));
  const rows = [{ 'Client ID': 'C1', Name: '=cmd', 'Xero Tracking Category 1': 'North' }, { 'Client ID': 'C2', Name: 'a, "b"' }];
  assert.equal(csv.exportTrackingCsv(rows, { lineEnding: 'lf' }), api.exportTrackingCsv(rows, { lineEnding: 'lf' }));
});

test('the same argument checks and errors', () => {
  const same = (fn) => {
    const caught = (f) => { try { f(); } catch (e) { return { name: e.name, code: e.code, message: e.message, details: e.details }; } return 'no error'; };
    const mine = caught(() => fn(csv));
    assert.notEqual(mine, 'no error');
    assert.deepEqual(mine, caught(() => fn(api)));
  };
  same((m) => m.validateTrackingCsv(snapshot, 5));
  same((m) => m.validateTrackingCsv('{"trackingCategories": [', 'a'));
  same((m) => new m.TrackingCsvValidator({ trackingCategories: 5 }));
  same((m) => new m.TrackingCsvValidator(snapshot, { maxIssues: 'many' }));
  same((m) => new m.TrackingCsvValidator(snapshot, { asignments: true }));
  same((m) => m.validateTrackingCsv(snapshot, 'a', { emptyclears: false }));
  same((m) => m.exportTrackingCsv([], { lineending: 'lf' }));
  same((m) => new m.TrackingCsvValidator(snapshot).push({}));
  same((m) => m.exportTrackingCsv([{ a: NaN }]));
  same((m) => { const v = new m.TrackingCsvValidator(snapshot); v.finish(); v.finish(); });
  same((m) => { const v = new m.TrackingCsvValidator(snapshot); v.free(); v.push('a'); });
});

test('a trap is caught and the instance replaced, as in the full entry', () => {
  const before = new csv.TrackingCsvValidator(snapshot);
  assert.throws(() => csv.__testing.trap(), { name: 'XeroExportError', code: 'INTERNAL' });
  assert.throws(() => before.push('a'), { code: 'INSTANCE_RESET' });
  assert.equal(csv.validateTrackingCsv(snapshot, fixture('valid.csv')).rowsValid, 6);
});

test('in Chromium a page importing xero-export/csv loads only the CSV .wasm', async () => {
  const server = await serveRepo();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    const wasm = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
    page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname); });
    await page.route('**/csv-entry-test.html', (r) => r.fulfill({
      contentType: 'text/html', body: '<!doctype html><link rel="icon" href="data:,"><body></body>',
    }));
    await page.goto(`${server.url}/csv-entry-test.html`);
    const result = await page.evaluate(async ({ snapshotJson, text }) => {
      const m = await import('/pkg/csv/web/index.js');
      await m.default();
      const v = new m.TrackingCsvValidator(snapshotJson);
      const blob = new Blob([text]);
      const reader = blob.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        v.push(value);
      }
      const r = v.finish();
      let error;
      try { m.validateTrackingCsv(snapshotJson, 5); } catch (e) { error = [e.name, e.code]; }
      return { counts: [r.rowsRead, r.rowsValid, r.rowsFailing], codes: r.issues.map((i) => i.code), error, names: Object.keys(m).sort() };
    }, { snapshotJson: JSON.stringify(snapshot), text: fixture('option-unknown.csv').toString('utf8') });
    assert.deepEqual(result.counts, [3, 0, 3]);
    assert.deepEqual(result.codes, api.validateTrackingCsv(snapshot, fixture('option-unknown.csv')).issues.map((i) => i.code));
    assert.deepEqual(result.error, ['XeroExportError', 'INVALID_INPUT']);
    assert.deepEqual(result.names, ['__testing', 'default', ...NAMES].sort());
    assert.deepEqual(wasm, ['/pkg/csv/web/xero_export_csv_bg.wasm']);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
