// The configuration screen through the built package (issue 22): choices, contact search and
// stale mappings on an Exporter, and their misuse errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, root } from './helpers.mjs';

const sample = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
const settings = {
  accounts: { default: '200', byService: { consult: '210' } },
  taxes: { default: 'OUTPUT2' },
  tracking: { categories: [{ category: 'Location', sources: ['location'], locations: { north: 'North', south: 'South' } }] },
};

/** The sample after changes in Xero: option North archived, account 210 renamed. */
function changed() {
  const s = structuredClone(sample);
  const location = s.trackingCategories.TrackingCategories[1];
  location.Options.find((o) => o.Name === 'North').Status = 'ARCHIVED';
  s.accounts.Accounts.find((a) => a.Code === '210').Name = 'Consultation Fees';
  return s;
}

test('choices: dropdowns in Xero order, and what is left out', () => {
  const ex = new api.Exporter(sample, settings);
  const c = ex.choices();
  assert.deepEqual(c.salesAccounts.map((a) => a.code), ['200', '210']);
  assert.deepEqual(c.tracking.map((t) => [t.number, t.name, t.options.map((o) => o.name)]),
    [[1, 'Clinician', ['Dr Aroha Smith', 'Dr Ben Lee', 'General']], [2, 'Location', ['North', 'South']]]);
  assert.deepEqual(c.taxRates.revenue.map((t) => `${t.taxType} ${t.effectiveRate}`), ['OUTPUT2 15', 'NONE 0', 'ZERORATED 0']);
  assert.ok(c.notOffered.some((n) => n.name === 'Harbour' && n.reason === 'archived'));
  assert.deepEqual(ex.choices(), c, 'deterministic');
  ex.free();
});

test('searchContacts: the export normalisation, near misses flagged, at most limit', () => {
  const ex = new api.Exporter(sample, settings);
  const hits = ex.searchContacts('  KATH ', { limit: 5 });
  assert.deepEqual(hits.map((h) => [h.name, h.matched]), [['Katherine Warren', 'namePrefix']]);
  assert.equal(ex.searchContacts('Kathérine').length, 1);
  assert.equal(ex.searchContacts('Kathérine')[0].matched, 'nearMiss');
  assert.equal(ex.searchContacts('old patient')[0].archived, true);
  assert.equal(ex.searchContacts('a', { limit: 2 }).length, 2);
  assert.deepEqual(ex.searchContacts(''), []);
  for (const [options, argument] of [[{ limit: 0 }, 'options.limit'], [{ limit: 1.5 }, 'options.limit'], [{ limt: 3 }, 'options.limt'], ['x', 'options']]) {
    assert.throws(() => ex.searchContacts('a', options), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === argument);
  }
  assert.throws(() => ex.searchContacts(42), (e) => e.code === 'INVALID_INPUT' && e.details.argument === 'query');
  ex.free();
});

test('staleMappings: an archived option and a renamed account', () => {
  const ex = new api.Exporter(changed(), settings);
  const report = ex.staleMappings(sample);
  assert.deepEqual(report.map((m) => [m.severity, m.code, m.path, m.suggestion.kind]), [
    ['warning', 'MAPPING_NAME_CHANGED', 'settings.accounts.byService["consult"]', 'keep'],
    ['error', 'TRACKING_OPTION_ARCHIVED', 'settings.tracking.categories[0].locations["north"]', 'chooseAnother'],
  ]);
  assert.match(report[0].message, /Consultation Fees/);
  // Without the previous snapshot a name change cannot be seen; the broken option still is.
  assert.deepEqual(ex.staleMappings().map((m) => m.code), ['TRACKING_OPTION_ARCHIVED']);
  assert.throws(() => ex.staleMappings('{"accounts": 5}'), (e) => e.code === 'INVALID_SNAPSHOT' && e.details.argument === 'previousSnapshot');
  // Regression: a misspelt part of the previous snapshot read as missing, so its renames
  // looked like deletions, without a word.
  const { accounts, ...rest } = sample;
  assert.throws(() => ex.staleMappings({ ...rest, acounts: accounts }), (e) => e.code === 'INVALID_SNAPSHOT'
    && e.details.argument === 'previousSnapshot.acounts' && /did you mean "accounts"/.test(e.message));
  ex.free();
  assert.throws(() => ex.choices(), (e) => e.code === 'USED_AFTER_FREE');
});
