// www/csv.html in headless Chromium (playwright-core + Debian's /usr/bin/chromium): a file set on
// the page's <input type=file> is read in chunks through File.stream() and the failing rows
// show up in the page. Any console error or page error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { openPage, root } from './helpers.mjs';

let page, errors, close;

before(async () => {
  ({ page, errors, close } = await openPage('/www/csv.html'));
});

after(async () => {
  await close?.();
  assert.deepEqual(errors, [], 'the page logged errors');
});

async function checkFile(name, buffer) {
  await page.setInputFiles('#csv-file', { name, mimeType: 'text/csv', buffer });
  await page.waitForFunction((n) => {
    const s = document.getElementById('csv-status');
    return s.dataset.state === 'done' && s.textContent.startsWith(n);
  }, name, { timeout: 60000 });
  const text = (id) => page.textContent(`#${id}`);
  return {
    counts: [await text('rows-read'), await text('rows-valid'), await text('rows-failing')],
    issues: await page.$$eval('#csv-issues tbody tr', (trs) => trs.map((tr) => `${tr.dataset.code} ${tr.dataset.row}:${tr.dataset.column}`)),
    chunks: Number(await page.getAttribute('#csv-status', 'data-chunks')),
    bytes: Number(await page.getAttribute('#csv-status', 'data-bytes')),
  };
}

test('the page names the categories the two columns set', async () => {
  assert.equal(await page.textContent('#category-1'), 'Clinician');
  assert.equal(await page.textContent('#category-2'), 'Location');
  assert.match(await page.textContent('#version'), /^\d+\.\d+\.\d+$/);
});

test('a chosen file shows its failing rows', async () => {
  const buffer = readFileSync(path.join(root, 'tests/fixtures/csv/option-unknown.csv'));
  const r = await checkFile('option-unknown.csv', buffer);
  assert.deepEqual(r.counts, ['3', '0', '3']);
  assert.deepEqual(r.issues, [
    'TRACKING_OPTION_UNKNOWN 2:4', 'TRACKING_OPTION_UNKNOWN 3:5',
    'TRACKING_OPTION_UNKNOWN 4:4', 'TRACKING_OPTION_UNKNOWN 4:5',
  ]);
  assert.match(await page.textContent('#csv-issues tbody tr:first-child'), /Did you mean "Dr Ben Lee"\?/);
});

test('a large file streams in many chunks with progress', async () => {
  const lines = ['\uFEFFClient ID,Client Name,Email,Xero Tracking Category 1,Xero Tracking Category 2'];
  for (let i = 1; i <= 60_000; i++) {
    const c2 = i % 1000 === 0 ? 'Harbour' : i % 2 ? 'North' : 'South';
    lines.push(`C${i},"Ngā Client, ${i}",c${i}@example.com,${i % 3 ? 'General' : 'Dr Aroha Smith'},${c2}`);
  }
  lines.push('C7,duplicate,,,');
  const buffer = Buffer.from(lines.join('\r\n'));
  const r = await checkFile('clients-60k.csv', buffer);
  assert.deepEqual(r.counts, ['60,001', '59,940', '61']);
  assert.equal(r.bytes, buffer.length);
  assert.ok(r.chunks > 1, `read in ${r.chunks} chunk(s)`);
  assert.equal(r.issues.length, 61);
  assert.equal(r.issues[0], 'TRACKING_OPTION_ARCHIVED 1001:5');
  assert.equal(r.issues.at(-1), 'CSV_DUPLICATE_KEY 60002:1');
  assert.equal(await page.getAttribute('#csv-progress', 'value'), '1');
});

test('the export neutralises formulas', async () => {
  await page.click('#export-go');
  const text = await page.textContent('#export-out');
  assert.match(text, /^Client ID,Client Name,Email,Balance,Xero Tracking Category 1,Xero Tracking Category 2\r\n/);
  assert.match(text, /"'=HYPERLINK\(""http:\/\/evil\.example"",""Click""\)"/);
  assert.match(text, /C003,"Ngā Tahi ""Clinic""",,-12.5,,/);
  assert.equal(await page.getAttribute('#export-link', 'hidden'), null);
});
