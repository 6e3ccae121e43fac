// The www/sync.html page in headless Chromium: the sample CRM invoices synced against a pasted
// Xero answer (paid, part paid, voided, not found, an id that is not one). Any console error or
// page error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './helpers.mjs';

let page, errors, close;

before(async () => {
  ({ page, errors, close } = await openPage('/www/sync.html'));
});

after(async () => {
  await close?.();
  assert.deepEqual(errors, [], 'the page logged errors');
});

test('the sync page shows one change per invoice that changed', async () => {
  const cells = (id) => page.locator(`#sync-table tbody tr[data-id="${id}"] td`).allTextContents();
  assert.deepEqual(await cells('placement-88'), ['placement-88', 'paid', 'AUTHORISED → PAID', '0.00', '2300.00', '2024-06-01', '2300.00 on 2024-06-01']);
  assert.deepEqual((await cells('placement-89')).slice(1, 5), ['changed', 'AUTHORISED → AUTHORISED', '650.00', '500.00']);
  assert.deepEqual((await cells('placement-90')).slice(1, 3), ['voided', 'AUTHORISED → VOIDED']);
  assert.deepEqual((await cells('placement-91')).slice(1, 3), ['notFound', 'AUTHORISED → —']);
  // The invoice whose id is not one was not read: no later `since` may hide a change to it.
  assert.match(await page.textContent('#sync-summary'), /^5 invoices, 1 GET: 4 changed, 1 not synced\. Next sync reads everything again \(a document was not read\)\.$/);
  assert.match(await page.textContent('#sync-gets'), /GET \/Invoices\?IDs=7f3a1c52-/);
  assert.match(await page.textContent('#sync-issues'), /XERO_ID_INVALID at exported\[4\]\.xero\.id/);
});

test('what the CRM already knows is not reported again', async () => {
  const exported = JSON.parse(await page.inputValue('#exported'));
  exported[0].known = { status: 'PAID', amountDue: '0', amountPaid: '2300' };
  await page.fill('#exported', JSON.stringify(exported));
  await page.click('#sync-go');
  assert.equal(await page.locator('#sync-table tbody tr[data-id="placement-88"]').count(), 0);
  assert.match(await page.textContent('#sync-summary'), /3 changed/);
});
