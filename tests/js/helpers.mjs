// Shared helpers for the node:test suites: where the built package is, and a static server.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createRequire } from 'node:module';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const pkgDir = path.join(root, 'pkg');
export const require = createRequire(import.meta.url);

/** mulberry32: a small seeded PRNG, so a failure can be replayed with its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The package as Node's CommonJS entry gives it. */
export const api = require(path.join(pkgDir, 'node/index.cjs'));

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css', '.csv': 'text/csv',
};

/** Serves the repository root read-only on 127.0.0.1 (port 0). Returns {url, close}. */
export async function serveRepo() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Launches Debian's Chromium headless with the flags a closed network needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Serves the repository, opens `pagePath` (e.g. /www/index.html) in headless Chromium and waits
 * for `body[data-ready="1"]`. Collects page errors and console errors in `errors`; `close()`
 * stops everything. Browser tests assert `errors` is empty at the end.
 */
export async function openPage(pagePath) {
  const server = await serveRepo();
  const browser = await launchChromium();
  const errors = [];
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(`${server.url}${pagePath}`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  return { page, errors, close: async () => { await browser.close(); await server.close(); } };
}

/** A scenario fixture's invoices as the host sends them: its invoices, then its timesheets made
 *  into invoices by the package's `timesheetInvoice`. */
export const scenarioInvoices = (s) => [...s.invoices, ...(s.timesheets ?? []).map((t) => api.timesheetInvoice(t))];

/** The README's host loop ("Sending and reconciling") with fetch, for the journey tests: each
 * request sent to `base` (`onRequest` sees it first), its answer handed back, a lost one
 * declared lost; waits for `run.wakeAt` when nothing is ready (at most `maxRounds` rounds).
 * Returns whether the run is done. */
export async function driveRun(run, base, { onRequest = () => {}, timeoutMs = 15_000, maxRounds = Infinity } = {}) {
  async function perform(request) {
    onRequest(request);
    let response, body;
    try {
      response = await fetch(base + request.url, {
        method: request.method,
        headers: { ...request.headers, Authorization: 'Bearer test-token' },
        body: request.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.text();
    } catch {
      run.lost(request.id, Date.now());
      return;
    }
    run.handle(request.id, { status: response.status, headers: response.headers, body }, Date.now());
  }
  for (let round = 0; round < maxRounds && !run.done; round++) {
    const requests = run.next(Date.now());
    if (requests.length > 0) await Promise.all(requests.map(perform));
    else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
    else break;
  }
  return run.done;
}
