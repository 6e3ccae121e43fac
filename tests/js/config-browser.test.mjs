// The www/config.html configuration screen in headless Chromium: dropdowns from the choices,
// contact search on every keystroke, and the stale report after swapping in a snapshot where an
// option was archived and an account renamed. Any console error or page error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './helpers.mjs';

let page, errors, close;

before(async () => {
  ({ page, errors, close } = await openPage('/www/config.html'));
});

after(async () => {
  await close?.();
  assert.deepEqual(errors, [], 'the page logged errors');
});

const options = (path) => page.locator(`select[data-path='${path}'] option`).allTextContents();
const staleRows = async () => {
  const rows = page.locator('#stale-table tbody tr');
  const out = [];
  for (let i = 0; i < await rows.count(); i++) {
    const cells = await rows.nth(i).locator('td').allTextContents();
    out.push(cells.slice(0, 4).join(' | '));
  }
  return out;
};

test('the dropdowns offer only what the export accepts, in Xero order', async () => {
  assert.deepEqual(await options('settings.accounts.default'), ['200 — Sales', '210 — Consulting Fees']);
  assert.deepEqual(await options('settings.taxes.byCode["GST"]'), ['15% GST on Income (15%)', 'No GST (0%)', 'Zero Rated (0%)']);
  assert.deepEqual(await page.locator('#tracking h3').allTextContents(), ['1. Clinician', '2. Location']);
  assert.deepEqual(await options('settings.tracking.categories[1].locations["north"]'), ['North', 'South']);
  // A mapping to an archived option stays visible, marked, until it is changed.
  assert.deepEqual(await options('settings.tracking.categories[1].locations["harbour"]'), ['Harbour (not available)', 'North', 'South']);
  // "dr ben  lee" is Dr Ben Lee for the export (case and spacing): shown as Xero spells it.
  assert.equal(await page.inputValue(`select[data-path='settings.tracking.categories[0].clinicians["dr-2"]']`), 'Dr Ben Lee');
  assert.equal(await page.textContent('#currencies'), 'AUD, NZD');
  assert.ok((await page.locator('#not-offered li[data-reason="bankAccount"]').count()) === 1);
});

test('contact search runs on every keystroke, near misses flagged', async () => {
  await page.locator('#contact-query').pressSequentially('kath');
  assert.deepEqual(await page.locator('#contact-results li').allTextContents(), ['Katherine Warren namePrefix']);
  await page.fill('#contact-query', 'Kathérine Warren');
  assert.equal(await page.getAttribute('#contact-results li', 'data-matched'), 'nearMiss');
  await page.fill('#contact-query', 'old');
  assert.deepEqual(await page.locator('#contact-results li').allTextContents(), ['Old Patient (archived) namePrefix']);
});

test('the stale report: before and after swapping in today\'s snapshot', async () => {
  assert.deepEqual(await staleRows(), [
    'settings.tracking.categories[0].clinicians["locum"] | TRACKING_OPTION_ARCHIVED | archived | chooseAnother',
    'settings.tracking.categories[1].locations["harbour"] | TRACKING_OPTION_ARCHIVED | archived | chooseAnother',
  ]);
  await page.click('#swap');
  assert.deepEqual(await staleRows(), [
    'settings.accounts.byService["CONSULT"] | MAPPING_NAME_CHANGED | displayNameChanged | keep',
    'settings.tracking.categories[0].clinicians["locum"] | TRACKING_OPTION_ARCHIVED | archived | chooseAnother',
    'settings.tracking.categories[1].locations["harbour"] | TRACKING_OPTION_ARCHIVED | archived | chooseAnother',
    'settings.tracking.categories[1].locations["north"] | TRACKING_OPTION_ARCHIVED | archived | chooseAnother',
  ]);
  assert.match(await page.textContent('#stale-summary'), /^3 mappings no longer resolve, 1 still works with a changed name\.$/);
  assert.deepEqual(await options('settings.tracking.categories[1].locations["north"]'), ['North (not available)', 'South']);
  assert.deepEqual(await options('settings.accounts.default'), ['200 — Sales', '210 — Consultation Fees']);
  // Fixing the mappings in the dropdowns clears them from the report and saves the settings.
  await page.selectOption(`select[data-path='settings.tracking.categories[1].locations["north"]']`, 'South');
  await page.selectOption(`select[data-path='settings.tracking.categories[1].locations["harbour"]']`, 'South');
  await page.selectOption(`select[data-path='settings.tracking.categories[0].clinicians["locum"]']`, 'General');
  assert.deepEqual(await staleRows(), ['settings.accounts.byService["CONSULT"] | MAPPING_NAME_CHANGED | displayNameChanged | keep']);
  const saved = JSON.parse(await page.inputValue('#settings-out'));
  assert.deepEqual(saved.tracking.categories[1].locations, { north: 'South', south: 'South', harbour: 'South' });
  await page.screenshot({ path: process.env.SCREENSHOT ?? '/tmp/xero-export-config.png', fullPage: true });
});
