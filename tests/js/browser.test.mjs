// The www/ page in headless Chromium (playwright-core + Debian's /usr/bin/chromium), served from
// 127.0.0.1. Any console error or page error fails the test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepo, launchChromium } from './helpers.mjs';

let server, browser, page;
const errors = [];

before(async () => {
  server = await serveRepo();
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(`${server.url}/www/index.html`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
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
