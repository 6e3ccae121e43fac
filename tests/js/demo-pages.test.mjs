// The demo pages as a bookkeeper uses them, in headless Chromium: the preview by keyboard, the
// CSV page's drop zone, downloads and re-check, and an axe-core accessibility check (no serious
// or critical violation) on every page. Screenshots go to target/screenshots/ (path printed).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { api, openPage, root } from './helpers.mjs';

const shots = path.join(root, 'target/screenshots');
const file = await readFile(path.join(root, 'tests/fixtures/csv/option-unknown.csv'), 'utf8');
const axePath = path.join(root, 'tests/node_modules/axe-core/axe.min.js');

async function screenshot(page, name) {
  await mkdir(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot: ${file}`);
}

/** axe-core's serious and critical violations on the page as it is now. */
async function axeViolations(page) {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

describe('the preview page', () => {
  let page, errors, close;
  before(async () => { ({ page, errors, close } = await openPage('/www/index.html')); });
  after(async () => {
    await close?.();
    assert.deepEqual(errors, [], 'the page logged errors');
  });

  test('Tab reaches the rows, Enter opens a row and marks it selected', async () => {
    await page.focus('#preview-go');
    let focused = '';
    for (let i = 0; i < 40 && focused !== 'appt-1002'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.closest?.('#preview-table tbody tr')?.dataset.id ?? '');
    }
    assert.equal(focused, 'appt-1002', 'Tab never reached the second row');
    await page.keyboard.press('Enter');
    assert.match(await page.textContent('#preview-detail h3'), /^appt-1002 /);
    assert.equal(await page.getAttribute('#preview-table tbody tr[data-id="appt-1002"]', 'aria-current'), 'true');
    assert.equal(await page.locator('#preview-table tbody tr[aria-current]').count(), 1);
  });

  test('errors and warnings are told apart by text, each with its advice', async () => {
    const cell = page.locator('#preview-table tbody tr[data-id="appt-1003"] td').nth(7);
    const text = await cell.textContent();
    assert.match(text, /Warning TRACKING_OPTION_ARCHIVED: Option "Harbour" of tracking category "Location" is archived/);
    assert.doesNotMatch(text, /Error/);
  });

  test('a labelled progress bar, plural-correct counts and the batch grand total', async () => {
    const bar = page.getByRole('progressbar', { name: 'Ready to send' });
    assert.equal(await bar.count(), 1);
    assert.match(await page.textContent('#preview-summary'), /^6 invoices: 6 ready, 0 blocked, 0 credit notes, 1 contact to create first \(Mere Tane\)\.$/);
    assert.equal(await page.textContent('#preview-progress-text'), '6 of 6 ready');
    // The same sum done independently in cents over the package's own preview.
    const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
    const clinic = await read('scenarios/clinic.json');
    const { documents } = new api.Exporter(await read('sample/snapshot.json'), clinic.settings).preview(clinic.invoices);
    const cents = documents.reduce((a, d) => a + BigInt(d.totals.total.replace('.', '')) * (d.kind.endsWith('CREDIT') ? -1n : 1n), 0n);
    const expected = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
    assert.match(await page.textContent('#preview-total'), new RegExp(`^Batch total \\(credit notes subtracted\\): \\S+ ${expected.replace('.', '\\.')}\\.$`));
  });

  test("the detail has a totals row with the document's totals", async () => {
    await page.locator('#preview-table tbody tr[data-id="appt-1001"]').click();
    const foot = await page.locator('#preview-detail tfoot tr td').allTextContents();
    assert.deepEqual(foot, ['76.30', '11.44', 'Total 87.74']);
  });

  test('a blocked document shows its error by word, and the page passes axe', async () => {
    const invoices = JSON.parse(await page.inputValue('#invoices'));
    invoices[0].lines[0].unitAmount = '25.065';
    await page.fill('#invoices', JSON.stringify(invoices));
    await page.click('#preview-go');
    const text = await page.locator('#preview-table tbody tr[data-id="appt-1001"] td').nth(7).textContent();
    assert.match(text, /^✖ Error TOO_MANY_DECIMALS: .+/);
    assert.match(await page.textContent('#preview-progress-text'), /^5 of 6 ready$/);
    await screenshot(page, 'preview');
    assert.deepEqual(await axeViolations(page), []);
  });
});

describe('the CSV page', () => {
  let page, errors, close;
  before(async () => { ({ page, errors, close } = await openPage('/www/csv.html')); });
  after(async () => {
    await close?.();
    assert.deepEqual(errors, [], 'the page logged errors');
  });

  /** Drops `text` as a file on the drop zone, as a drag from the desktop does, and waits. */
  async function drop(name, text) {
    const before = await page.getAttribute('#csv-status', 'data-seq');
    const transfer = await page.evaluateHandle(([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'text/csv' }));
      return dt;
    }, [name, text]);
    await page.dispatchEvent('#drop-zone', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: transfer });
    await waitDone(name, before);
  }

  async function waitDone(name, previous) {
    await page.waitForFunction(([n, p]) => {
      const s = document.getElementById('csv-status');
      return s.dataset.state === 'done' && s.textContent.startsWith(n) && s.dataset.seq !== p;
    }, [name, previous], { timeout: 30000 });
  }

  async function downloaded(button) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    return { name: download.suggestedFilename(), text: await readFile(await download.path(), 'utf8') };
  }

  test('a file dropped on the box is checked, each error beside its client key', async () => {
    await drop('option-unknown.csv', file);
    assert.deepEqual(await page.$$eval('#rows-read, #rows-valid, #rows-failing', (d) => d.map((e) => e.textContent)), ['3', '0', '3']);
    const rows = await page.$$eval('#csv-issues tbody tr', (trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((c) => c.textContent).join(' ')));
    assert.deepEqual(rows, ['2 C001 4', '3 C002 5', '4 C003 4', '4 C003 5']);
    assert.match(await page.textContent('#csv-issues tbody tr:first-child'), /✖ Error TRACKING_OPTION_UNKNOWN/);
  });

  test('"download the failing rows" gives the header and every failing row', async () => {
    const { name, text } = await downloaded('#download-failing');
    assert.equal(name, 'option-unknown-failing-rows.csv');
    assert.equal(text, file);
  });

  test('"download a corrected file" writes only the suggestions the user ticked', async () => {
    const untouched = await downloaded('#download-corrected');
    assert.equal(untouched.text, file);
    await page.check('#csv-issues tbody tr[data-row="2"] input.accept');
    const { name, text } = await downloaded('#download-corrected');
    assert.equal(name, 'option-unknown-corrected.csv');
    assert.equal(text, file.replace('Dr Ben Le,', 'Dr Ben Lee,'));
    await page.click('#accept-all');
    const all = await downloaded('#download-corrected');
    assert.equal(all.text, file.replace('Dr Ben Le,', 'Dr Ben Lee,').replace('General,Nort\n', 'General,North\n'));
    // The corrected file checks clean where suggestions were taken: only C003 still fails.
    await drop('corrected.csv', all.text);
    assert.equal(await page.textContent('#rows-failing'), '1');
  });

  test('changing the key column checks the file again', async () => {
    const dupes = 'Client ID,Client Name,Xero Tracking Category 1,Xero Tracking Category 2\nC1,Same,General,North\nC2,Same,General,South\n';
    await drop('names.csv', dupes);
    assert.equal(await page.textContent('#rows-failing'), '0');
    const previous = await page.getAttribute('#csv-status', 'data-seq');
    await page.fill('#key-column', 'Client Name');
    await page.locator('#key-column').blur();
    await waitDone('names.csv', previous);
    assert.equal(await page.textContent('#rows-failing'), '1');
    const rows = await page.$$eval('#csv-issues tbody tr', (trs) => trs.map((tr) => `${tr.dataset.code} ${tr.cells[1].textContent}`));
    assert.deepEqual(rows, ['CSV_DUPLICATE_KEY Same']);
  });

  test('the page passes axe', async () => {
    await drop('option-unknown.csv', file);
    await screenshot(page, 'csv');
    assert.deepEqual(await axeViolations(page), []);
  });
});

describe('the configuration page', () => {
  test('passes axe', async () => {
    const { page, errors, close } = await openPage('/www/config.html');
    try {
      await screenshot(page, 'config');
      assert.deepEqual(await axeViolations(page), []);
    } finally {
      await close();
    }
    assert.deepEqual(errors, []);
  });
});
