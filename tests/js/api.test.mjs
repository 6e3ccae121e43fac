// The public API against the built package (Node, CommonJS and ESM entries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { api, pkgDir, root } from './helpers.mjs';

const esm = await import(path.join(pkgDir, 'node/index.mjs'));

test('version matches Cargo.toml in both entries', async () => {
  const cargo = await readFile(path.join(root, 'Cargo.toml'), 'utf8');
  const want = cargo.match(/^version = "(.+)"/m)[1];
  assert.equal(api.version(), want);
  assert.equal(esm.version(), want);
  const pkg = JSON.parse(await readFile(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.equal(pkg.version, want);
});

test('lineAmount returns exact strings in a plain object', () => {
  const r = api.lineAmount({ quantity: 10, unitAmount: '100.00', discountRate: 20 });
  assert.deepEqual(r, { unitAmount: '100.00', lineAmount: '800.00', issues: [] });
  assert.equal(Object.getPrototypeOf(r), Object.prototype);
  assert.ok(Array.isArray(r.issues));
  // Half away from zero, not banker's: 0.5 × 4.33 = 2.165 → 2.17 (reference §15 oracle 2).
  assert.equal(api.lineAmount({ quantity: '0.5', unitAmount: '4.33' }).lineAmount, '2.17');
  // A property the line does not know is computed without, with a FIELD_UNKNOWN warning at its
  // path (hosts pass their own richer objects, as with invoices; a misspelt discount must show).
  assert.deepEqual(api.lineAmount({ quantity: 1, unitAmount: 1, note: 'x' }).issues.map((i) => [i.severity, i.code, i.path]),
    [['warning', 'FIELD_UNKNOWN', 'line.note']]);
  const misspelt = api.lineAmount({ quantity: 1, unitAmount: 10, discountrate: 50 });
  assert.equal(misspelt.lineAmount, '10.00');
  assert.match(misspelt.issues[0].message, /did you mean "discountRate"\?/);
  assert.equal(esm.lineAmount({ quantity: 3, unitAmount: 59 }).lineAmount, '177.00');
  // JS numbers go through their shortest text: 0.1 × 3 is 0.30, not 0.30000000000000004.
  assert.equal(api.lineAmount({ quantity: 3, unitAmount: 0.1 }).lineAmount, '0.30');
  // unitdp 4 keeps the unit amount.
  assert.deepEqual(api.lineAmount({ quantity: 1000, unitAmount: '0.0612', unitdp: 4 }),
    { unitAmount: '0.0612', lineAmount: '61.20', issues: [] });
  // More places than unitdp allows is reported, never silently rounded.
  assert.equal(api.lineAmount({ quantity: 1000, unitAmount: '0.061171', unitdp: 4 }).issues[0].code, 'TOO_MANY_DECIMALS');
});

test('every input problem is an issue, all at once', () => {
  const r = api.lineAmount({ quantity: NaN, unitAmount: '1,000', discountRate: '12.345' });
  assert.equal(r.lineAmount, null);
  assert.deepEqual(r.issues.map((i) => [i.code, i.path, i.severity]), [
    ['NUMBER_NOT_FINITE', 'quantity', 'error'],
    ['NUMBER_INVALID', 'unitAmount', 'error'],
    ['TOO_MANY_DECIMALS', 'discountRate', 'error'],
  ]);
  for (const i of r.issues) assert.ok(i.message.length > 20, i.message);
  assert.equal(api.lineAmount({ quantity: Infinity, unitAmount: 1 }).issues[0].code, 'NUMBER_NOT_FINITE');
});

test('misuse throws an Error with name, code and details', () => {
  for (const [input, code] of [[{ quantity: true, unitAmount: 1 }, 'INVALID_INPUT'], ['{oops', 'INVALID_JSON'], [42, 'INVALID_INPUT']]) {
    assert.throws(() => api.lineAmount(input), (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'XeroExportError');
      assert.equal(e.code, code);
      assert.equal(e.details.argument, 'line');
      assert.ok(e.message.length > 0);
      return true;
    });
  }
});

test('an options key the API does not know throws, every one with its path and did-you-mean', async () => {
  const { readFileSync } = await import('node:fs');
  const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
  const exporter = new api.Exporter(snapshot, null);
  const calls = [
    [() => exporter.preview([], { lnes: false }), 'options.lnes', 'lines'],
    [() => exporter.previewJson([], { bodie: false }), 'options.bodie', 'bodies'],
    [() => exporter.previewResults([], { lines: false, bdies: true }), 'options.bdies', 'bodies'],
    [() => exporter.previewSession({ Lines: false }), 'options.Lines', 'lines'],
    [() => exporter.plan([], { tenantId: 't', tennantId: 't' }), 'options.tennantId', 'tenantId'],
    [() => new api.TrackingCsvValidator(snapshot, { keycolumn: 'Id' }), 'options.keycolumn', 'keyColumn'],
    [() => api.validateTrackingCsv(snapshot, 'a', { emptyclears: true }), 'options.emptyclears', 'emptyClears'],
    [() => api.exportTrackingCsv([], { lineending: 'lf' }), 'options.lineending', 'lineEnding'],
  ];
  for (const [call, at, meant] of calls) {
    assert.throws(call, (e) => {
      assert.equal(e.name, 'XeroExportError');
      assert.equal(e.code, 'INVALID_INPUT');
      assert.equal(e.details.argument, at);
      assert.ok(e.message.includes(`\`${at}\` is not a key it takes: did you mean \`${meant}\`?`), e.message);
      return true;
    });
  }
  // Every unknown key at once; one with nothing close says to check the spelling.
  assert.throws(() => new api.TrackingCsvValidator(snapshot, { asignments: true, zzz: 1 }), (e) => {
    assert.match(e.message, /`options\.asignments` is not a key it takes: did you mean `assignments`\?/);
    assert.match(e.message, /`options\.zzz` is not a key it takes; check the spelling/);
    return true;
  });
  // A value of the wrong type is said at its path, not at a column of JSON never written.
  assert.throws(() => new api.TrackingCsvValidator(snapshot, { assignments: 'yes' }), (e) => {
    assert.match(e.message, /`options\.assignments`: invalid type: string "yes", expected a boolean/);
    assert.doesNotMatch(e.message, /line \d+ column/);
    return true;
  });
  // A key of any length is shown cut short, in the message and in details.
  assert.throws(() => new api.TrackingCsvValidator(snapshot, { ['k'.repeat(100000)]: 1 }), (e) => {
    assert.ok(e.message.length < 1000, `message of ${e.message.length} characters`);
    assert.ok(e.details.argument.length < 1000);
    assert.match(e.message, /100008 characters/);
    return true;
  });
  // Regression: an array was read as the struct's fields in order, so `[false]` previewed
  // without lines and said nothing. Options, settings and invoices are objects.
  for (const call of [() => exporter.preview([], [false]), () => exporter.previewResults([], []), () => new api.Exporter(snapshot, [])]) {
    assert.throws(call, (e) => e.code !== undefined && /invalid type: array, expected an object/.test(e.message));
  }
  // Said in the caller's terms: an object, not the Rust type's name.
  assert.throws(() => exporter.preview([['appt-1', 'CL-1']]), (e) => /`invoices\[0\]`: invalid type: array, expected an object$/.test(e.message));
  assert.throws(() => api.sync([], undefined), (e) => e.code === 'INVALID_INPUT' && !/struct|SyncOptions/.test(e.message));
  // The known keys still work.
  assert.equal(exporter.preview([], { lines: false, bodies: true }).documents.length, 0);
});

test('a misspelt snapshot key is reported at its path with a did-you-mean', async () => {
  // Regression: SnapshotInput skipped unknown keys, so {trackingCategory: ...} only yielded
  // "The snapshot has no trackingCategories", which never names the key the caller wrote.
  const snapshot = JSON.parse(await readFile(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
  const { trackingCategories, ...rest } = snapshot;
  const ex = new api.Exporter({ ...rest, trackingCategory: trackingCategories }, null);
  assert.ok(ex.issues.some((i) => i.path === 'snapshot.trackingCategory' && /trackingCategories/.test(i.message)), JSON.stringify(ex.issues));
  ex.free();
});

test('init() is a no-op in Node and can be awaited repeatedly', async () => {
  await api.init();
  await esm.default();
  await esm.init();
  assert.equal(esm.lineAmount({ quantity: 1, unitAmount: 1 }).lineAmount, '1.00');
});
