// Requests checked against Xero's official OpenAPI description, served by Prism with request
// bodies really validated (scripts/mock-spec.mjs inlines them; toolchain.md):
// - mock mode: an invalid body gets 400; every request the plan produces for the sample data
//   (contacts, documents, lookups, allocations) is accepted;
// - proxy mode in front of the stateful fake Xero: the README's fetch example exports the
//   sample invoices end to end, every request validated on the way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile, copyFile, mkdir, symlink, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, root, scenarioInvoices } from './helpers.mjs';
import { startPrism } from './prism.mjs';
import { startFakeXero } from './fake-xero.mjs';

const exec = promisify(execFile);
const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
const auth = { Authorization: 'Bearer test-token' };

let mock, proxy, xero, snapshot, dir;
const timings = {};

before(async () => {
  snapshot = await read('sample/snapshot.json');
  xero = await startFakeXero({ snapshot });
  const t = Date.now();
  const started = await Promise.allSettled([
    startPrism({ mode: 'mock' }),
    startPrism({ mode: 'proxy', upstream: xero.url }),
  ]);
  [mock, proxy] = started.map((s) => s.value); // after() stops whichever started
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  timings.start = Date.now() - t;
  // The example imports 'xero-export': give it the built package as an installed dependency.
  dir = await mkdtemp(path.join(tmpdir(), 'xero-send-example-'));
  await mkdir(path.join(dir, 'node_modules'));
  await symlink(pkgDir, path.join(dir, 'node_modules/xero-export'), 'dir');
  await copyFile(path.join(root, 'tests/examples/send-with-fetch.mjs'), path.join(dir, 'send-with-fetch.mjs'));
});

after(async () => {
  await Promise.all([mock?.stop(), proxy?.stop()]);
  await xero?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  console.log(`prism timings (ms): ${JSON.stringify(timings)}`);
});

async function send(base, r, extra = {}) {
  const res = await fetch(base + r.url, { method: r.method, headers: { ...r.headers, ...auth, ...extra }, body: r.body });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

test('the mock validates request bodies: an invalid body gets 400, a valid one 200', async () => {
  const headers = { 'xero-tenant-id': 't', 'Content-Type': 'application/json', Accept: 'application/json', ...auth };
  const bad = await fetch(`${mock.url}/Invoices?summarizeErrors=false`, {
    method: 'PUT', headers, body: JSON.stringify({ Invoices: [{ Type: 'NOT_A_TYPE', LineItems: [{ Quantity: 'two' }] }] }),
  });
  assert.equal(bad.status, 400);
  await bad.text();
  const good = await fetch(`${mock.url}/Invoices?summarizeErrors=false`, {
    method: 'PUT', headers, body: JSON.stringify(await read('openapi/invoices-put-request.json')),
  });
  assert.equal(good.status, 200);
  await good.text();
  assert.match(mock.log(), /Invoices\.0\.Type must be equal to one of the allowed values/);
});

test('every request planned for the sample data passes the spec', async () => {
  const t = Date.now();
  let checked = 0;
  for (const name of ['clinic', 'billing', 'crm', 'timesheet']) {
    const s = await read(`scenarios/${name}.json`);
    const invoices = scenarioInvoices(s);
    const run = new api.Exporter(snapshot, s.settings).plan(invoices, { tenantId: 'tenant-1', backoffMs: 0 });
    let now = 1_000;
    const first = run.next(now);
    assert.ok(first.length > 0, name);
    // Send each one; then pretend its answer was lost, so the run plans its lookup too.
    for (const r of first) {
      const res = await send(mock.url, r);
      assert.equal(res.status, 200, `${name}: ${r.method} ${r.url}: ${res.body.slice(0, 300)}`);
      run.lost(r.id, now);
      checked += 1;
    }
    now += 60_000;
    const lookups = run.next(now);
    assert.ok(lookups.length > 0 && lookups.every((r) => r.method === 'GET'), name);
    for (const r of lookups) {
      const res = await send(mock.url, r);
      assert.equal(res.status, 200, `${name}: GET ${r.url}: ${res.body.slice(0, 300)}`);
      checked += 1;
    }
  }
  // An allocation request, planned from a credit note and its invoice both answered AUTHORISED.
  const crm = await read('scenarios/crm.json');
  const run = new api.Exporter(snapshot, crm.settings).plan(crm.invoices, { tenantId: 'tenant-1' });
  const [inv, cn] = run.next(0);
  const put = await read('openapi/invoices-put-response.json');
  Object.assign(put.Invoices[0], { InvoiceNumber: 'INV-2001', Status: 'AUTHORISED', AmountDue: 100 });
  const cnPut = await read('openapi/credit-notes-put-response.json');
  Object.assign(cnPut.CreditNotes[0], { CreditNoteNumber: 'INV-2002', Type: 'ACCRECCREDIT', Status: 'AUTHORISED', Contact: put.Invoices[0].Contact });
  run.handle(inv.id, { status: 200, headers: {}, body: JSON.stringify(put) }, 1);
  run.handle(cn.id, { status: 200, headers: {}, body: JSON.stringify(cnPut) }, 1);
  const [alloc] = run.next(2);
  assert.equal(alloc.purpose, 'allocation');
  const res = await send(mock.url, alloc);
  assert.equal(res.status, 200, res.body.slice(0, 300));
  checked += 1;
  timings.validateRequests = Date.now() - t;
  timings.requestsValidated = checked;
});

test('through the proxy an invalid body gets 422 and never reaches Xero', async () => {
  const before = xero.requests.length;
  const res = await fetch(`${proxy.url}/Invoices?summarizeErrors=false`, {
    method: 'PUT',
    headers: { 'xero-tenant-id': 't', 'Content-Type': 'application/json', Accept: 'application/json', ...auth },
    body: JSON.stringify({ Invoices: [{ Type: 'ACCREC', LineItems: [{ Quantity: 'two' }] }] }),
  });
  assert.equal(res.status, 422);
  assert.match(await res.text(), /Quantity must be number/);
  assert.equal(xero.requests.length, before);
});

test("the README's fetch example exports the sample data through Prism", async () => {
  const t = Date.now();
  const logMark = proxy.log().length;
  for (const name of ['clinic', 'crm', 'timesheet', 'billing']) {
    const s = await read(`scenarios/${name}.json`);
    const invoices = scenarioInvoices(s);
    await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ snapshot, settings: s.settings, invoices }));
    const sent = xero.requests.length;
    const { stdout } = await exec(process.execPath, ['send-with-fetch.mjs', `${name}.json`], {
      cwd: dir,
      env: { ...process.env, XERO_BASE_URL: proxy.url, XERO_TOKEN: 'test-token', XERO_TENANT_ID: 'tenant-1' },
    });
    const lines = stdout.trim().split('\n');
    const outcomes = lines.filter((l) => !l.startsWith('log:'));
    assert.equal(outcomes.length, invoices.length, stdout);
    for (const line of outcomes) {
      assert.match(line, /^\S+ (exported|blocked) /, `${name}: ${line}`);
      assert.doesNotMatch(line, /XERO_TOTALS_DIFFER|TRACKING_DROPPED/, `${name}: ${line}`);
    }
    // Every request reached Xero (none was refused by Prism's validation) and succeeded.
    const reached = xero.requests.slice(sent);
    const [, , requests] = /log: (\d+) rows, (\d+) requests/.exec(lines.at(-1));
    assert.equal(reached.length, Number(requests), `${name}: ${stdout}`);
    assert.ok(reached.every((r) => r.status === 200 && r.tenant === 'tenant-1'), name);
  }
  // Each document created once; the crm credit note allocated to its invoice.
  for (const [key, times] of xero.state.created) assert.equal(times, 1, key);
  const cn = xero.state.creditNotes.find((c) => c.CreditNoteNumber === 'INV-2002');
  assert.equal(cn.Allocations.length, 1);
  assert.equal(cn.Allocations[0].Amount, 4025);
  assert.ok(xero.state.contacts.some((c) => c.Name === 'Mere Tane' && c.ContactNumber === 'P-300'));
  // Prism refused nothing but the one invalid body of the test above.
  const log = proxy.log();
  assert.equal(log.match(/UNPROCESSABLE_ENTITY/g)?.length, 1);
  assert.doesNotMatch(log, /Violation/);
  assert.match(log.slice(logMark), /Forwarding "put" request to \S+\/Allocations/);
  timings.example = Date.now() - t;
});
