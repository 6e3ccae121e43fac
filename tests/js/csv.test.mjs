// The tracking-options CSV through the built package: one-call and streaming validation
// (bytes and strings, chunks split anywhere), the issue cap, and the export read back by
// papaparse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { api, root, require } from './helpers.mjs';

const Papa = require('papaparse');
const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
const fixture = (name) => readFileSync(path.join(root, 'tests/fixtures/csv', name));
const brief = (r) => r.issues.map((i) => `${i.code} ${i.row}:${i.column ?? '-'}`);

test('validateTrackingCsv reports counts, row errors and the settings shape', () => {
  const r = api.validateTrackingCsv(snapshot, fixture('option-unknown.csv'));
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.deepEqual([r.rowsRead, r.rowsValid, r.rowsFailing], [3, 0, 3]);
  assert.deepEqual(brief(r), [
    'TRACKING_OPTION_UNKNOWN 2:4', 'TRACKING_OPTION_UNKNOWN 3:5',
    'TRACKING_OPTION_UNKNOWN 4:4', 'TRACKING_OPTION_UNKNOWN 4:5',
  ]);
  assert.equal(r.issues[0].severity, 'error');
  assert.equal(r.issues[0].path, 'csv.Xero Tracking Category 1');
  assert.match(r.issues[0].message, /Did you mean "Dr Ben Lee"\?/);
  assert.deepEqual(r.issueCounts, { TRACKING_OPTION_UNKNOWN: 4 });
  assert.equal(r.issuesTruncated, false);

  const ok = api.validateTrackingCsv(snapshot, fixture('valid.csv').toString('utf8'));
  assert.deepEqual([ok.rowsRead, ok.rowsValid, ok.rowsFailing, ok.issues.length], [6, 6, 0, 0]);
  assert.deepEqual(ok.assignments.C002, { Clinician: 'Dr Ben Lee', Location: 'South' });
  assert.deepEqual(ok.assignments.C003, { Clinician: '', Location: '' }); // None and empty both clear (DESIGN.md)
  assert.deepEqual(ok.columns.tracking.map((t) => [t.column, t.category]), [[4, 'Clinician'], [5, 'Location']]);
  // An ArrayBuffer and a JSON-text snapshot work too.
  const bytes = new Uint8Array(fixture('key-duplicate.csv'));
  const dup = api.validateTrackingCsv(JSON.stringify(snapshot), bytes.buffer, { assignments: false });
  assert.deepEqual(brief(dup), ['CSV_DUPLICATE_KEY 4:1', 'CSV_DUPLICATE_KEY 5:1', 'TRACKING_OPTION_UNKNOWN 5:4']);
  assert.equal('assignments' in dup, false);
});

test('options: key column, issue cap, empty clears', () => {
  const csv = 'Account,Xero Tracking Category 1,Xero Tracking Category 2\nA1,Nobody,\nA2,Nobody,\nA3,,North\n';
  assert.equal(api.validateTrackingCsv(snapshot, csv).issues[0].code, 'CSV_COLUMN_MISSING');
  const r = api.validateTrackingCsv(snapshot, csv, { keyColumn: 'account', maxIssues: 1 });
  assert.deepEqual([r.rowsRead, r.rowsValid, r.rowsFailing], [3, 1, 2]);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issueCount, 2);
  assert.equal(r.issuesTruncated, true);
  assert.deepEqual(r.assignments, { A3: { Clinician: '', Location: 'North' } }, 'empty clears by default');
  const partial = api.validateTrackingCsv(snapshot, csv, { keyColumn: 'account', emptyClears: false });
  assert.deepEqual(partial.assignments, { A3: { Location: 'North' } }, 'emptyClears: false leaves it out');
});

test('streaming: byte chunks split anywhere give the one-call result', () => {
  for (const name of ['valid.csv', 'row-malformed-quote.csv', 'row-malformed-utf8.csv', 'key-duplicate.csv']) {
    const bytes = fixture(name);
    const whole = api.validateTrackingCsv(snapshot, bytes);
    for (let split = 0; split <= bytes.length; split++) {
      const v = new api.TrackingCsvValidator(snapshot);
      v.push(bytes.subarray(0, split));
      v.push(bytes.subarray(split));
      assert.deepEqual(v.finish(), whole, `${name} split at ${split}`);
      v.free();
    }
    const v = new api.TrackingCsvValidator(snapshot);
    let last = -1;
    for (let at = 0; at < bytes.length; at++) {
      v.push(bytes.subarray(at, at + 1));
      const p = v.progress;
      assert.equal(p.bytes, at + 1);
      assert.ok(p.rowsRead >= last);
      last = p.rowsRead;
    }
    assert.deepEqual(v.finish(), whole, `${name} byte by byte`);
  }
});

test('streaming: string chunks may split a surrogate pair', () => {
  const text = 'Client ID,Client Name,Xero Tracking Category 1,Xero Tracking Category 2\r\n'
    + 'C1,"Smile 😀, ""Dental""",Dr Ben Lee,North\r\nC2,𝒳 Clinic,Dr Ben Le,Harbour\r\nC3,Ngā,General,';
  const whole = api.validateTrackingCsv(snapshot, text);
  assert.deepEqual([whole.rowsRead, whole.rowsValid, whole.rowsFailing], [3, 2, 1]);
  for (let split = 0; split <= text.length; split++) {
    const v = new api.TrackingCsvValidator(snapshot);
    v.push(text.slice(0, split));
    v.push(text.slice(split));
    assert.deepEqual(v.finish(), whole, `split at UTF-16 unit ${split}`);
  }
  // Strings and bytes can be mixed.
  const v = new api.TrackingCsvValidator(snapshot);
  v.push(text.slice(0, 40));
  v.push(new TextEncoder().encode(text.slice(40)));
  assert.deepEqual(v.finish(), whole);
});

test('streaming: a generated 50,000-row file, progress, finishJson', () => {
  const lines = ['Client ID,Client Name,Xero Tracking Category 1,Xero Tracking Category 2'];
  for (let i = 1; i <= 50_000; i++) {
    lines.push(`C${i},"Client, ${i}",${i % 100 === 0 ? 'Dr Ben Le' : 'General'},${i % 3 ? 'North' : 'None'}`);
  }
  const bytes = Buffer.from(lines.join('\n'));
  const v = new api.TrackingCsvValidator(snapshot, { assignments: true, maxIssues: 10 });
  const seen = [];
  for (let at = 0; at < bytes.length; at += 65536) {
    v.push(bytes.subarray(at, at + 65536));
    seen.push(v.progress.rowsRead);
  }
  assert.ok(seen.length > 10 && seen.every((n, i) => i === 0 || n >= seen[i - 1]));
  const r = JSON.parse(v.finishJson());
  assert.deepEqual([r.rowsRead, r.rowsValid, r.rowsFailing, r.issueCount, r.issues.length], [50_000, 49_500, 500, 500, 10]);
  assert.equal(Object.keys(r.assignments).length, 49_500);
  assert.deepEqual(r.assignments.C3, { Clinician: 'General', Location: '' });
  assert.throws(() => v.push('more'), { name: 'XeroExportError', code: 'INVALID_STATE' });
  assert.throws(() => v.progress, { code: 'INVALID_STATE' });
  assert.throws(() => v.finish(), { code: 'INVALID_STATE' });
});

test('misuse throws coded errors', () => {
  assert.throws(() => new api.TrackingCsvValidator({ trackingCategories: 5 }), { name: 'XeroExportError', code: 'INVALID_SNAPSHOT' });
  assert.throws(() => api.validateTrackingCsv(snapshot, 'x', { maxIssues: 'many' }), { code: 'INVALID_INPUT' });
  const v = new api.TrackingCsvValidator(snapshot);
  assert.throws(() => v.push(42), { code: 'INVALID_INPUT', details: { argument: 'chunk' } });
  assert.throws(() => api.validateTrackingCsv(snapshot, null), { code: 'INVALID_INPUT' });
  assert.throws(() => api.exportTrackingCsv([{ n: NaN }]), { code: 'INVALID_INPUT' });
  assert.throws(() => api.exportTrackingCsv([{ n: {} }]), { code: 'INVALID_INPUT' });
});

test('export neutralises formulas; papaparse and the validator read it back unchanged', () => {
  const nasty = ['=1+1', '+SUM(A1:A9)', '-2+3', "@cmd|' /C calc'!A0", '\t=1', '\r=1',
    '=HYPERLINK("http://evil.example","click")', 'a,b', 'two\nlines', '"quoted"', 'plain', '-12.50'];
  const rows = nasty.map((v, i) => ({
    'Client ID': i === 0 ? '=KEY()' : `C${i}`,
    'Client Name': v,
    Balance: i === 1 ? -12.5 : i === 2 ? true : null,
    'Xero Tracking Category 1': i === 3 ? 'General' : '',
    'Xero Tracking Category 2': 'None',
  }));
  const text = api.exportTrackingCsv(rows);
  assert.ok(text.startsWith('Client ID,Client Name,Balance,Xero Tracking Category 1,Xero Tracking Category 2\r\n'));
  const back = Papa.parse(text, { header: true, skipEmptyLines: true });
  assert.deepEqual(back.errors, []);
  assert.equal(back.data.length, nasty.length);
  back.data.forEach((row, i) => {
    const want = /^[=+\-@\t\r]/.test(nasty[i]) && nasty[i] !== '-12.50' ? `'${nasty[i]}` : nasty[i];
    assert.equal(row['Client Name'], want, `row ${i}`);
  });
  assert.equal(back.data[0]['Client ID'], "'=KEY()");
  assert.equal(back.data[1].Balance, '-12.5');
  assert.equal(back.data[2].Balance, 'true');
  const r = api.validateTrackingCsv(snapshot, text);
  assert.equal(r.issueCount, 0);
  assert.deepEqual(r.assignments['=KEY()'], { Clinician: '', Location: '' });
  assert.deepEqual(r.assignments.C3, { Clinician: 'General', Location: '' });
  // Options: column order, BOM, LF.
  const lf = api.exportTrackingCsv([{ 'Client ID': 'C1', Email: 'e', Name: 'n' }], { columns: ['Name'], bom: true, lineEnding: 'lf' });
  assert.equal(lf, '\uFEFFClient ID,Name,Xero Tracking Category 1,Xero Tracking Category 2\nC1,n,,\n');
});

test('a detached ArrayBuffer is a coded error, and the validator it was pushed to still works', () => {
  // Regression: the engine's TypeError was thrown from inside the wasm call (js_sys's
  // Uint8Array::new), unwinding through Rust: the validator stayed borrowed and every later
  // call threw "recursive use of an object detected", not a XeroExportError.
  const detached = () => {
    const b = fixture('valid.csv').buffer.slice(0);
    structuredClone(b, { transfer: [b] });
    return b;
  };
  assert.throws(() => api.validateTrackingCsv(snapshot, detached()), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'csv' && /detached/.test(e.message));
  const v = new api.TrackingCsvValidator(snapshot);
  assert.throws(() => v.push(detached()), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'chunk');
  v.push(fixture('valid.csv'));
  const r = v.finish();
  assert.deepEqual([r.rowsRead, r.rowsValid], [6, 6]);
});
