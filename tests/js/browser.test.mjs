// The www/ page in headless Chromium (playwright-core + Debian's /usr/bin/chromium), served from
// 127.0.0.1. Any console error or page error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './helpers.mjs';

let page, errors, close;

before(async () => {
  ({ page, errors, close } = await openPage('/www/index.html'));
});

after(async () => {
  await close?.();
  assert.deepEqual(errors, [], 'the page logged errors');
});

test('the page loads the web build and shows the version', async () => {
  assert.match(await page.textContent('#version'), /^\d+\.\d+\.\d+$/);
});

test('the line calculator computes exactly and shows issues', async () => {
  assert.equal(await page.textContent('#line-out'), '800.00');
  await page.fill('#quantity', '1');
  await page.fill('#unit-amount', '2.165');
  await page.fill('#discount-rate', '');
  await page.selectOption('#unitdp', '4');
  await page.click('#line-go');
  assert.equal(await page.textContent('#line-out'), '2.17');
  await page.selectOption('#unitdp', '2');
  await page.click('#line-go');
  assert.equal(await page.textContent('#line-out'), '—');
  assert.equal(await page.getAttribute('#line-issues li', 'data-code'), 'TOO_MANY_DECIMALS');
});

test('the export preview shows totals, provenance and issues for the clinic sample', async () => {
  const row = (id) => page.locator(`#preview-table tbody tr[data-id="${id}"] td`);
  assert.deepEqual(await row('appt-1001').allTextContents(),
    ['appt-1001', 'ACCREC', 'Katherine Warren (by contactNumber)', '76.30', '11.44', '87.74', 'ready', '']);
  assert.match(await page.textContent('#preview-summary'), /6 invoices: 6 ready, 0 blocked, 0 credit notes, 1 contact to create first \(Mere Tane\)/);
  // The first document's detail: tracking with its source.
  assert.match(await page.textContent('#preview-detail'), /Clinician: Dr Aroha Smith from clinician/);
  // Archived options are dropped with a warning under the ignore policy.
  // Each issue in the table by severity word, code and advice (tests/js/demo-pages.test.mjs has more).
  assert.deepEqual(await page.$$eval('#preview-table tbody tr[data-id="appt-1003"] td:nth-child(8) li', (lis) => lis.map((li) => li.dataset.code)),
    ['TRACKING_OPTION_ARCHIVED', 'TRACKING_OPTION_ARCHIVED']);
  assert.match((await row('appt-1003').allTextContents())[7], /^⚠ Warning TRACKING_OPTION_ARCHIVED: Option "Dr Old Locum" .+⚠ Warning TRACKING_OPTION_ARCHIVED: Option "Harbour"/);
  await page.locator('#preview-table tbody tr[data-id="appt-1003"]').click();
  assert.match(await page.textContent('#preview-detail'), /Option "Harbour" of tracking category "Location" is archived/);
});

test('editing the invoices shows new problems and a credit note', async () => {
  const invoices = JSON.parse(await page.inputValue('#invoices'));
  invoices[0].lines[0].unitAmount = '25.065';
  invoices[1].lines = [{ description: 'Refund', quantity: 1, unitAmount: '-50.00', taxCode: 'GST' }];
  await page.fill('#invoices', JSON.stringify(invoices));
  await page.click('#preview-go');
  const cells = (id) => page.locator(`#preview-table tbody tr[data-id="${id}"] td`).allTextContents();
  const first = await cells('appt-1001');
  assert.equal(first[6], 'blocked');
  assert.match(first[7], /^✖ Error TOO_MANY_DECIMALS: /);
  const second = await cells('appt-1002');
  assert.equal(second[1], 'ACCRECCREDIT');
  assert.equal(second[5], '57.50');
  await page.screenshot({ path: process.env.SCREENSHOT ?? '/tmp/xero-export-page.png', fullPage: true });
});

test('misuse shows the thrown error code', async () => {
  await page.fill('#settings', '{"status": "PAID"}');
  await page.click('#preview-go');
  assert.match(await page.textContent('#preview-summary'), /^INVALID_SETTINGS: /);
});

