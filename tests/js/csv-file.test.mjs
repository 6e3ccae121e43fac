// www/csv-file.js, the CSV page's downloads, in Node: the rows must be the validator's rows (the
// same numbers as its issues) and untouched rows must come back byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './helpers.mjs';
import { records, fields, failingRows, correctedFile, suggestion } from '../../www/csv-file.js';

const snapshot = {
  trackingCategories: { TrackingCategories: [
    { Name: 'Location', Status: 'ACTIVE', TrackingCategoryID: '0c9fce3e-a111-4d99-803a-62cf3f40e633', Options: [
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000a001', Name: 'North', Status: 'ACTIVE' }] },
    { Name: 'Team', Status: 'ACTIVE', TrackingCategoryID: '1c9fce3e-a111-4d99-803a-62cf3f40e633', Options: [
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000b001', Name: 'Blue', Status: 'ACTIVE' }] },
  ] },
};

// A BOM, CRLF, a blank line, a quoted field with a line break, a comma and "" inside, a CR-only
// ending and no final line break.
const text = '\uFEFFClient ID,Xero Tracking Category 1,Xero Tracking Category 2\r\n'
  + 'C1,North,Blue\r\n\r\n'
  + '"C2\r\nsecond line, ""quoted""",Nort,Blu\r'
  + 'C3,North,Blue\r\n'
  + 'C4,Nowhere at all,';

test('records and fields follow the validator row numbers and RFC 4180', () => {
  const rows = records(text.slice(1));
  assert.deepEqual(rows.map((r) => r.row), [1, 2, 3, 4, 5, 6]);
  assert.equal(rows[2].text, '');
  assert.deepEqual(fields(rows[3].text), ['C2\r\nsecond line, "quoted"', 'Nort', 'Blu']);
  const { issues } = api.validateTrackingCsv(snapshot, text, { assignments: false });
  assert.deepEqual(issues.map((i) => [i.row, i.key]), [[4, 'C2\r\nsecond line, "quoted"'], [4, 'C2\r\nsecond line, "quoted"'], [6, 'C4']]);
  for (const i of issues) assert.equal(fields(rows[i.row - 1].text)[0], i.key);
});

test('failing rows: the header and each row with an error, as written', () => {
  const { issues, columns } = api.validateTrackingCsv(snapshot, text, { assignments: false });
  assert.equal(failingRows(text, issues, columns),
    '\uFEFFClient ID,Xero Tracking Category 1,Xero Tracking Category 2\r\n"C2\r\nsecond line, ""quoted""",Nort,Blu\r\nC4,Nowhere at all,\r\n');
});

test('failing rows after a blank first row (`,,`): the header comes first, the blank row not', () => {
  const blankFirst = ',,\r\nClient ID,Xero Tracking Category 1,Xero Tracking Category 2\r\nC1,North,Blue\r\nC2,Nort,Blue\r\n';
  const { issues, columns } = api.validateTrackingCsv(snapshot, blankFirst, { assignments: false });
  assert.deepEqual(issues.map((i) => i.row), [4]);
  assert.equal(failingRows(blankFirst, issues, columns),
    'Client ID,Xero Tracking Category 1,Xero Tracking Category 2\r\nC2,Nort,Blue\r\n');
});

test('an unusable header fails every row, so every row is returned', () => {
  const bad = 'Name,Xero Tracking Category 1\nA,North\nB,North\n';
  const { issues, columns } = api.validateTrackingCsv(snapshot, bad, { assignments: false });
  assert.equal(columns, null);
  assert.equal(failingRows(bad, issues, columns), bad);
});

test('the corrected file changes only the accepted cells, and then validates', () => {
  const { issues } = api.validateTrackingCsv(snapshot, text, { assignments: false });
  const accepted = issues.filter((i) => suggestion(i)).map((i) => ({ row: i.row, column: i.column, value: suggestion(i) }));
  assert.deepEqual(accepted.map((a) => a.value), ['North', 'Blue']);
  const fixed = correctedFile(text, accepted);
  assert.equal(fixed, text.replace('Nort,Blu', 'North,Blue'));
  const again = api.validateTrackingCsv(snapshot, fixed, { assignments: false });
  assert.deepEqual(again.issues.map((i) => i.row), [6]);
  assert.equal(correctedFile(text, []), text);
});
