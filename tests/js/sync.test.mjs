// The status sync through the built package: invoices exported to the stateful fake Xero,
// paid in part then in full, voided, and read back with a SyncRun through Prism (every GET
// validated against Xero's OpenAPI file); the README's example; and a sync through random
// 429s, 5xx, dropped connections and answers that never come.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, mkdir, symlink, copyFile, writeFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, prng, root } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';
import { startPrism } from './prism.mjs';

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';
const auth = { Authorization: 'Bearer test-token' };

let xero, proxy, snapshot, settings;

before(async () => {
  snapshot = await read('sample/snapshot.json');
  ({ settings } = await read('scenarios/clinic.json'));
  xero = await startFakeXero({ snapshot });
  proxy = await startPrism({ mode: 'proxy', upstream: xero.url });
});

after(async () => {
  await proxy?.stop();
  await xero?.close();
});

const invoice = (i, unitAmount = '40.00') => ({
  id: `crm-${i}`, number: `S-${String(i).padStart(4, '0')}`, date: '2024-03-01',
  payer: { kind: 'patient', id: 'P-100', contactId: KATHERINE },
  lines: [{ description: 'Placement fee', quantity: 1, unitAmount, taxCode: 'GST' }],
});

/** Drives a SendRun or SyncRun to the end against `base` with plain fetch. */
async function drive(run, base, { timeoutMs = 30_000 } = {}) {
  const perform = async (r) => {
    let res, body;
    try {
      res = await fetch(base + r.url, { method: r.method, headers: { ...r.headers, ...auth }, body: r.body, signal: AbortSignal.timeout(timeoutMs) });
      body = await res.text();
    } catch {
      run.lost(r.id, Date.now());
      return;
    }
    run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
  };
  for (let guard = 0; !run.done && guard < 10_000; guard++) {
    const reqs = run.next(Date.now());
    if (reqs.length > 0) await Promise.all(reqs.map(perform));
    else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
    else break;
  }
  assert.equal(run.done, true);
}

async function exportInvoices(invoices, base) {
  const run = new api.Exporter(snapshot, settings).plan(invoices, { tenantId: 'tenant-1' });
  await drive(run, base);
  const outcomes = run.outcomes();
  for (const o of outcomes) assert.equal(o.status, 'exported', JSON.stringify(o.issues));
  return outcomes;
}

const knownOf = (o, extra = {}) => ({ sourceId: o.sourceId, xero: { id: o.xeroId }, known: { status: o.xeroStatus, amountDue: o.amountDue ?? o.totals.total, amountPaid: '0.00', ...extra } });

test('part payment, void, not found, then the rest paid: one change each, through Prism', { timeout: 120_000 }, async () => {
  const [a, b, c] = await exportInvoices([invoice(1), invoice(2), invoice(3)], proxy.url);
  const total = a.amountDue ?? a.totals.total;
  xero.state.recordPayment(a.xeroId, '20.00', '2024-03-05');
  xero.state.setStatus(b.xeroId, 'VOIDED');
  const exported = [knownOf(a), knownOf(b), knownOf(c), { sourceId: 'gone', xero: { id: '00000000-0000-4000-8000-000000000000' }, known: { status: 'AUTHORISED' } }];

  const run = api.sync(exported, { tenantId: 'tenant-1' });
  const gets = run.next(Date.now());
  assert.equal(gets.length, 1, 'four invoices by id: one GET');
  assert.match(gets[0].url, /^\/Invoices\?IDs=[0-9a-f-]{36}(,[0-9a-f-]{36}){3}&page=1$/);
  assert.equal(gets[0].method, 'GET');
  for (const g of gets) run.lost(g.id, Date.now()); // lost: sent again, nothing concluded
  await drive(run, proxy.url);
  assert.deepEqual(run.issues(), []);
  const changes = run.changes();
  assert.deepEqual(changes.map((x) => [x.sourceId, x.event, x.to ?? null]), [['crm-1', 'changed', a.xeroStatus], ['crm-2', 'voided', 'VOIDED'], ['gone', 'notFound', null]]);
  assert.equal(changes[0].amountPaid, '20.00');
  assert.equal(changes[0].amountDue, (Number(total) - 20).toFixed(2));
  assert.equal(changes[0].payments[0].date, '2024-03-05');
  const since = run.syncedAt;
  assert.match(since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(run.log().every((row) => row.http === 200 || row.result === 'retry'));

  // The rest is paid later; the CRM syncs again from `since`, knowing what it learnt.
  await new Promise((r) => setTimeout(r, 1100));
  xero.state.recordPayment(a.xeroId, (Number(total) - 20).toFixed(2), '2024-03-20');
  const again = api.sync([
    knownOf(a, { amountDue: changes[0].amountDue, amountPaid: '20.00' }),
    knownOf(b, { status: 'VOIDED' }),
    knownOf(c),
  ], { tenantId: 'tenant-1', since });
  const [get] = again.next(Date.now());
  assert.equal(get.headers['If-Modified-Since'], since);
  again.handle(get.id, await fetch(proxy.url + get.url, { headers: { ...get.headers, ...auth } }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.text() })), Date.now());
  assert.equal(again.done, true);
  const [paid, ...rest] = again.changes();
  assert.deepEqual(rest, [], 'the voided and the unchanged invoice are not reported again');
  assert.equal(paid.event, 'paid');
  assert.equal(paid.to, 'PAID');
  assert.equal(paid.fullyPaidOnDate, '2024-03-20');
  assert.equal(paid.amountDue, '0.00');
  assert.equal(paid.payments.length, 2);
  assert.match(proxy.log(), /GET .*\/Invoices/);
});

test('misuse throws XeroExportError with a did-you-mean; input problems are issues', () => {
  assert.throws(() => api.sync([], { tenantId: 't', sinse: '2024-01-01T00:00:00Z' }), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && /did you mean "since"/.test(e.message));
  // Regression: only the first unknown key was said; every one is, at the first one's path.
  assert.throws(() => api.sync([], { tenantId: 't', sinse: '2024-01-01T00:00:00Z', pageSise: 10 }), (e) => e.details.argument === 'options.sinse' && /did you mean "since"/.test(e.message) && /"pageSise"/.test(e.message));
  assert.throws(() => api.sync('[', { tenantId: 't' }), (e) => e.code === 'INVALID_JSON');
  assert.throws(() => api.sync([], { tenantId: 't', since: 'yesterday' }), (e) => e.details.argument === 'options.since');
  const run = api.sync([{ sourceId: 'a', xero: { id: 'x' } }, { sourceId: 'b', xero: { nmber: 'INV-1' } }], { tenantId: 't' });
  assert.deepEqual(run.issues().map((i) => `${i.code}@${i.path}`), ['FIELD_UNKNOWN@exported[1].xero.nmber', 'XERO_ID_INVALID@exported[0].xero.id', 'MISSING@exported[1].xero']);
  assert.equal(run.done, true);
  assert.throws(() => run.handle('sync-9', { status: 200, body: '{}' }, 0), (e) => e.code === 'INVALID_STATE');
  run.free();
});

test('a misspelt key of an answer to a GET is a coded error, never ignored', () => {
  // Regression: `{status: 200, bodyy}` read as an answer without a body.
  const run = api.sync([{ sourceId: 'a', xero: { id: KATHERINE } }], { tenantId: 't' });
  const [get] = run.next(0);
  assert.throws(() => run.handle(get.id, { status: 200, bodyy: '{"Invoices": []}' }, 1),
    (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'response.bodyy' && /did you mean `body`/.test(e.message));
  assert.deepEqual(run.issues(), []);
  run.free();
});

test("the README's sync example marks paid invoices paid", { timeout: 60_000 }, async () => {
  const [a, b] = await exportInvoices([invoice(10, '15.00'), invoice(11, '15.00')], xero.url);
  xero.state.recordPayment(a.xeroId, a.amountDue ?? a.totals.total, '2024-04-01');
  const dir = await mkdtemp(path.join(tmpdir(), 'xero-sync-example-'));
  try {
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(pkgDir, path.join(dir, 'node_modules/xero-export'), 'dir');
    await copyFile(path.join(root, 'tests/examples/sync-with-fetch.mjs'), path.join(dir, 'sync-with-fetch.mjs'));
    const crm = { lastSync: null, invoices: [a, b].map((o) => ({ id: o.sourceId, xeroInvoiceId: o.xeroId, status: o.xeroStatus, amountDue: o.amountDue ?? o.totals.total, amountPaid: '0.00' })) };
    await writeFile(path.join(dir, 'crm.json'), JSON.stringify(crm));
    const { stdout } = await promisify(execFile)(process.execPath, ['sync-with-fetch.mjs', 'crm.json'], {
      cwd: dir,
      env: { ...process.env, XERO_BASE_URL: proxy.url, XERO_TOKEN: 'test-token', XERO_TENANT_ID: 'tenant-1' },
    });
    assert.match(stdout, /^crm-10 PAID on 2024-04-01 \(1 payments\)$/m);
    assert.doesNotMatch(stdout, /crm-11|issue/);
    assert.match(stdout, /next since: \d{4}-.*Z; 1 GETs/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a sync of 120 invoices through random faults reads each one, never reports one missing', { timeout: 120_000 }, async () => {
  const random = prng(Number(process.env.FAULT_SEED ?? 20240301));
  let faulty = false;
  let forcedAt = 0;
  const faults = {};
  const fake = await startFakeXero({
    snapshot,
    fault: () => {
      if (!faulty) return 'none';
      // Every kind once first (whatever the seed), then at random.
      const forced = ['drop-after', '500-after', 'hang-after', '429', 'drop-before', '500-before', '429-day'];
      if (forcedAt < forced.length) {
        const f = forced[forcedAt++];
        faults[f] = (faults[f] ?? 0) + 1;
        return f;
      }
      const r = random();
      const f = r < 0.1 ? '429' : r < 0.13 ? '429-day' : r < 0.2 ? '500-before' : r < 0.26 ? '500-after'
        : r < 0.32 ? 'drop-before' : r < 0.38 ? 'drop-after' : r < 0.42 ? 'hang-after' : 'none';
      faults[f] = (faults[f] ?? 0) + 1;
      return f;
    },
  });
  try {
    const outcomes = await exportInvoices(Array.from({ length: 120 }, (_, i) => invoice(100 + i)), fake.url);
    outcomes.forEach((o, i) => { if (i % 3 === 0) fake.state.recordPayment(o.xeroId, o.amountDue ?? o.totals.total, '2024-05-01'); });
    faulty = true;
    const run = api.sync(outcomes.map((o) => knownOf(o)), { tenantId: 'tenant-1', backoffMs: 20, maxAttempts: 20 });
    await drive(run, fake.url, { timeoutMs: 1000 });
    assert.deepEqual(run.issues(), []);
    const changes = run.changes();
    assert.equal(changes.length, 40);
    assert.ok(changes.every((c, k) => c.event === 'paid' && c.sourceId === `crm-${100 + 3 * k}`));
    const faultsSeen = Object.keys(faults).filter((f) => f !== 'none').length;
    assert.equal(faultsSeen, 7, JSON.stringify(faults));
    // Each GET asked for its documents until one answer came: a row per send, one found each.
    const found = run.log().filter((row) => row.result === 'found');
    assert.equal(found.length, 120);
    assert.equal(run.summary().planned, 3, '120 ids: 3 GETs planned');
  } finally {
    await fake.close();
  }
});

test('the sync API type-checks: options, changes and events are typed', async () => {
  const { mkdtempSync, cpSync, writeFileSync, rmSync } = await import('node:fs');
  const { execFileSync } = await import('node:child_process');
  const dir = mkdtempSync(path.join(tmpdir(), 'xero-export-sync-types-'));
  try {
    cpSync(pkgDir, path.join(dir, 'node_modules/xero-export'), { recursive: true });
    writeFileSync(path.join(dir, 'usage.ts'), `
import { sync, SyncRun, type ExportedDocument, type SyncChange, type SyncOptions } from 'xero-export';
const exported: ExportedDocument[] = [{ sourceId: 'a', xero: { id: '243c8f5e-7d2b-4f0e-9c1a-5b6d7e8f9a01' }, known: { status: 'AUTHORISED', amountDue: '10.00', amountPaid: 0 } },
  { sourceId: 'b', kind: 'creditNote', xero: { number: 'CN-1' } }];
const options: SyncOptions = { tenantId: 't', since: '2024-05-01T10:00:00Z', summaryOnly: false, maxUrlLength: 2048 };
const run: SyncRun = sync(exported, options);
const again = new SyncRun(exported, options);
function mark(c: SyncChange): string {
  switch (c.event) {
    case 'paid': return c.fullyPaidOnDate ?? '';
    case 'notFound': return c.sourceId;
    // @ts-expect-error not an event
    case 'refunded': return 'never';
    default: return (c.payments ?? []).map((p) => p.amount + (p.date ?? '')).join() + (c.amountDue ?? '');
  }
}
const marks: string[] = run.changes().map(mark);
const next: string | null = run.syncedAt;
const gets = run.next(Date.now()).map((r) => r.url);
void marks; void next; void gets; again.free(); run.free();
`);
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    execFileSync(path.join(root, 'tests/node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'usage.ts'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's sync example is the tested example file", async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const example = await readFile(path.join(root, 'tests/examples/sync-with-fetch.mjs'), 'utf8');
  const block = /```js\n\/\/ tests\/examples\/sync-with-fetch\.mjs[^\n]*\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the sync example');
  const parts = block[1].trim().split('\n\n');
  for (const part of parts) assert.ok(example.includes(part), `the README snippet is a verbatim part of tests/examples/sync-with-fetch.mjs:\n${part}`);
});

test("the OpenAPI file's GET /Invoices and GET /CreditNotes examples read into changes", async () => {
  const { default: yaml } = await import('js-yaml');
  const spec = yaml.load(await readFile(path.resolve(root, '../shared/xero-openapi/xero_accounting.yaml'), 'utf8'), { schema: yaml.JSON_SCHEMA });
  const example = (p) => spec.paths[p].get.responses['200'].content['application/json'].example;
  const invoices = example('/Invoices');
  const ids = invoices.Invoices.map((i) => i.InvoiceID);
  const run = api.sync([
    ...ids.map((id, k) => ({ sourceId: `inv-${k}`, xero: { id }, known: { status: 'AUTHORISED' } })),
    { sourceId: 'cn', kind: 'creditNote', xero: { id: example('/CreditNotes').CreditNotes[0].CreditNoteID }, known: { status: 'AUTHORISED', remainingCredit: '34.50' } },
  ], { tenantId: 't' });
  const [invGet, cnGet] = run.next(0);
  assert.equal(invGet.path, '/Invoices');
  run.handle(invGet.id, { status: 200, body: invoices }, 1);
  run.handle(cnGet.id, { status: 200, body: JSON.stringify(example('/CreditNotes')) }, 1);
  const changes = run.changes();
  // INV-0001 VOIDED, INV-0002 PAID on 2018-11-29 with its payment, INV-0003 AUTHORISED as known.
  assert.deepEqual(changes.map((c) => [c.number, c.event]), [['INV-0001', 'voided'], ['INV-0002', 'paid'], [example('/CreditNotes').CreditNotes[0].CreditNoteNumber, 'changed']]);
  const paid = changes[1];
  assert.equal(paid.fullyPaidOnDate, '2018-11-29');
  assert.equal(paid.amountPaid, '46.00');
  assert.deepEqual(paid.payments, [{ paymentId: '99ea7f6b-c513-4066-bc27-b7c65dcd76c2', date: '2018-11-29', amount: '46.00' }]);
  assert.equal(changes[2].remainingCredit, '32.50');
  assert.equal(changes[2].payments[0].amount, '2.00');
  assert.deepEqual(run.issues(), []);
});

test('hostile values into sync and every SyncRun method: returned, or a coded error', () => {
  const r = prng(16);
  const nasty = [undefined, null, true, 0, -1, 1e300, NaN, Infinity, 1n, Symbol('s'), () => 1, [], {}, '', '{', '\ud800', 'a\u0000b',
    '2024-01-01T00:00:00Z', '9'.repeat(40), new Uint8Array([0xff]), new Map([['status', 200]]), new Date(0)];
  const keys = ['sourceId', 'kind', 'xero', 'id', 'number', 'known', 'status', 'amountDue', 'tenantId', 'since', 'maxUrlLength', 'headers', 'body'];
  const value = (depth = 0) => {
    const roll = r();
    if (depth > 3 || roll < 0.5) return nasty[Math.floor(r() * nasty.length)];
    if (roll < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    const o = {};
    for (let i = Math.floor(r() * 5); i > 0; i--) o[keys[Math.floor(r() * keys.length)]] = value(depth + 1);
    return o;
  };
  const survives = (fn, label) => {
    try {
      fn();
    } catch (e) {
      assert.equal(e.name, 'XeroExportError', `${label}: ${e.name}: ${e.message}`);
      assert.notEqual(e.code, 'INTERNAL', `${label}: the core trapped: ${e.message}`);
      assert.equal(typeof e.details?.argument, 'string', label);
    }
  };
  const run = api.sync([{ sourceId: 'a', xero: { id: '243c8f5e-7d2b-4f0e-9c1a-5b6d7e8f9a01' } }], { tenantId: 't' });
  const [get] = run.next(0);
  const entries = {
    sync: (a, b) => api.sync(a, b).free(),
    SyncRun: (a, b) => new api.SyncRun(a, b).free(),
    next: (a) => run.next(a),
    handle: (a, b, c) => run.handle(r() < 0.3 ? get.id : a, b, c),
    lost: (a, b) => run.lost(a, b),
  };
  for (const [name, f] of Object.entries(entries)) {
    for (let i = 0; i < 600; i++) {
      const args = [value(), value(), value()];
      survives(() => f(...args), `${name} #${i}`);
    }
  }
  for (const getter of ['done', 'wakeAt', 'stopped', 'syncedAt']) survives(() => run[getter], getter);
  survives(() => [run.changes(), run.issues(), run.log(), run.summary()], 'results');
  run.free();
  assert.equal(api.lineAmount({ quantity: 2, unitAmount: '1.25' }).lineAmount, '2.50', 'the module still works');
});

test('credit notes by id and by number through Prism: remaining credit, allocations, refunds', { timeout: 60_000 }, async () => {
  const id = 'a1b2c3d4-0000-4000-8000-00000000c0de';
  xero.state.creditNotes.push({
    CreditNoteID: id, CreditNoteNumber: 'CN-0042', Type: 'ACCRECCREDIT', Status: 'PAID', RemainingCredit: 0, Total: 50,
    Contact: { ContactID: KATHERINE, Name: 'Katherine Warren' }, UpdatedDateUTC: `/Date(${Date.now()}+0000)/`,
    Allocations: [{ Amount: 30, Date: '/Date(1714521600000+0000)/', Invoice: { InvoiceID: '9f0e1d2c-0000-4000-8000-000000000001', InvoiceNumber: 'S-0001' } }],
    Payments: [{ PaymentID: 'b1b2c3d4-0000-4000-8000-000000000001', Date: '/Date(1714608000000+0000)/', Amount: 20, Reference: 'Refund' }],
  });
  const run = api.sync([
    { sourceId: 'refund-1', kind: 'creditNote', xero: { id }, known: { status: 'AUTHORISED', remainingCredit: '50.00' } },
    { sourceId: 'refund-2', kind: 'creditNote', xero: { number: 'CN-0042' } },
    { sourceId: 'refund-3', kind: 'creditNote', xero: { number: 'CN-9999' } },
  ], { tenantId: 'tenant-1' });
  await drive(run, proxy.url);
  assert.deepEqual(run.issues(), []);
  assert.ok(run.log().every((row) => row.http === 200), 'Prism passed every GET');
  const [byId, byNumber, missing] = run.changes();
  assert.deepEqual([byId.event, byId.to, byId.remainingCredit], ['paid', 'PAID', '0.00']);
  assert.deepEqual(byId.allocations, [{ id: '9f0e1d2c-0000-4000-8000-000000000001', number: 'S-0001', amount: '30.00', date: '2024-05-01' }]);
  assert.deepEqual(byId.payments, [{ paymentId: 'b1b2c3d4-0000-4000-8000-000000000001', date: '2024-05-02', amount: '20.00', reference: 'Refund' }]);
  assert.equal(byNumber.xeroId, id, 'found by number, the id is reported to store');
  assert.deepEqual([missing.sourceId, missing.event], ['refund-3', 'notFound']);
});
