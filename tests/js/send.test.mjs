// The sending plan and reconciliation through the built package: planning tables, answers
// built from the official OpenAPI examples, every request body checked against the spec's
// schemas (ajv), misuse thrown, and the types of the sending API type-checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mkdtempSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, root } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
const snapshot = await read('sample/snapshot.json');
const clinic = await read('scenarios/clinic.json');
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';

const invoice = (i, unitAmount = '10.00') => ({
  id: `inv-${i}`, number: `N-${String(i).padStart(4, '0')}`, date: '2024-01-15',
  payer: { kind: 'patient', id: 'P-100', contactId: KATHERINE },
  lines: [{ description: 'Consultation', quantity: 1, unitAmount, taxCode: 'GST' }],
});
const exporter = () => new api.Exporter(snapshot, clinic.settings);
const plan = (invoices, options = {}) => exporter().plan(invoices, { tenantId: 'tenant-1', ...options });

test('51 documents make 2 requests with Xero’s query, headers and keys', () => {
  const run = plan(Array.from({ length: 51 }, (_, i) => invoice(i)));
  const reqs = run.next(Date.now());
  assert.equal(reqs.length, 2);
  assert.deepEqual(reqs.map((r) => r.documents.length), [50, 1]);
  for (const r of reqs) {
    assert.equal(r.method, 'PUT');
    assert.equal(r.url, '/Invoices?summarizeErrors=false');
    assert.equal(r.headers['xero-tenant-id'], 'tenant-1');
    assert.equal(r.headers['Idempotency-Key'], r.idempotencyKey);
    assert.match(r.idempotencyKey, /^xe1-[0-9a-f]{32}$/);
    assert.deepEqual(schemaErrors('Invoices', JSON.parse(r.body)), []);
  }
  assert.equal(run.done, false);
  assert.equal(run.wakeAt, null, 'everything is in flight');
  run.free();
});

test('keys are the same across runs and change with the content', () => {
  const keys = (invoices) => plan(invoices).next(0).map((r) => r.idempotencyKey);
  const base = Array.from({ length: 3 }, (_, i) => invoice(i));
  assert.deepEqual(keys(base), keys(structuredClone(base)));
  assert.notDeepEqual(keys(base), keys([invoice(0), invoice(1, '10.01'), invoice(2)]));
  // Same input as a JSON string: same keys.
  assert.deepEqual(keys(JSON.stringify(base)), keys(base));
});

test('contacts first; their invoices follow with the new ContactID', () => {
  const run = plan(clinic.invoices);
  const first = run.next(0);
  assert.equal(first[0].purpose, 'contacts');
  assert.deepEqual(schemaErrors('Contacts', JSON.parse(first[0].body)), []);
  assert.deepEqual(first[1].documents, ['appt-1001', 'appt-1002', 'appt-1003', 'appt-1006']);
  // Xero's answer as an already-parsed object (as xero-node gives it) works as well as text.
  const created = { Contacts: [{ ContactID: '3ff6d40c-af9a-40a3-89ce-3c1556a25591', Name: 'Mere Tane', ContactNumber: 'P-300', StatusAttributeString: 'OK' }] };
  run.handle(first[0].id, { status: 200, headers: {}, body: created }, 1);
  const [second] = run.next(2);
  assert.deepEqual(second.documents, ['appt-1004', 'appt-1005']);
  for (const el of JSON.parse(second.body).Invoices) assert.equal(el.Contact.ContactID, '3ff6d40c-af9a-40a3-89ce-3c1556a25591');
  assert.deepEqual(schemaErrors('Invoices', JSON.parse(second.body)), []);
});

test('blocked documents are never planned and keep their issues', async () => {
  const crm = await read('scenarios/crm.json');
  const run = new api.Exporter(snapshot, crm.settings).plan(crm.invoices, { tenantId: 't' });
  const planned = run.next(0).flatMap((r) => r.documents);
  assert.deepEqual(planned, ['plc-88', 'plc-88-refund']);
  const blocked = run.outcomes().filter((o) => o.status === 'blocked');
  assert.deepEqual(blocked.map((o) => [o.sourceId, o.issues[0].code]), [['plc-90', 'CONTACT_NOT_FOUND'], ['plc-91', 'CONTACT_AMBIGUOUS']]);
});

test('OK, WARNING and ERROR in one answer: one outcome each, matched by number', async () => {
  const run = plan([invoice(0), invoice(1), invoice(2)]);
  const [req] = run.next(0);
  const ok = (await read('openapi/invoices-put-response.json')).Invoices[0];
  const err = (await read('openapi/invoice-get-error.json')).Invoices[0];
  const els = [
    { ...err, InvoiceNumber: 'N-0002' },
    { ...ok, InvoiceNumber: 'N-0001', StatusAttributeString: 'WARNING', Warnings: [{ Message: 'Only AUTHORISED invoices may have SentToContact updated.' }], SubTotal: 10, TotalTax: 1.5, Total: 11.5 },
    { ...ok, InvoiceNumber: 'N-0000', SubTotal: 10, TotalTax: 1.5, Total: 11.5 },
  ];
  const changed = run.handle(req.id, { status: 200, headers: new Headers({ 'content-type': 'application/json' }), body: JSON.stringify({ Invoices: els }) }, 5);
  assert.equal(changed.length, 3);
  const [a, b, c] = run.outcomes();
  assert.equal(a.status, 'exported');
  assert.equal(a.xeroId, ok.InvoiceID);
  assert.deepEqual(a.totals, { subTotal: '10.00', totalTax: '1.50', total: '11.50' });
  assert.equal(b.status, 'exported');
  assert.deepEqual(b.issues.map((i) => i.code), ['XERO_WARNING']);
  assert.equal(c.status, 'failed');
  assert.deepEqual(c.issues.map((i) => [i.code, i.message]), [['DUPLICATE_NUMBER', 'Invoice # must be unique.']]);
  assert.equal(run.done, true);
  const log = run.log();
  assert.deepEqual(log.map((r) => r.status), ['exported', 'exported', 'failed']);
  assert.ok(log.every((r) => r.sentAt === 0 && r.finishedAt === 5 && r.httpStatus === 200 && r.payerName === 'Katherine Warren'));
});

test('a 429 with fetch Headers: retry after Retry-After, with the limit', () => {
  const run = plan([invoice(0)]);
  const [req] = run.next(1000);
  run.handle(req.id, { status: 429, headers: new Headers({ 'Retry-After': '30', 'X-Rate-Limit-Problem': 'day' }), body: '' }, 2000);
  const [o] = run.outcomes();
  assert.equal(o.status, 'retry');
  assert.equal(o.retryAfter, 30);
  assert.equal(o.retryAt, 32_000);
  assert.equal(o.limit, 'day');
  assert.deepEqual(run.next(31_999), []);
  assert.equal(run.wakeAt, 32_000);
  const [again] = run.next(32_000);
  assert.equal(again.idempotencyKey, req.idempotencyKey);
  assert.equal(again.attempt, 2);
});

test('a lost answer: uncertain, then a lookup, then only the missing one is resent', async () => {
  const run = plan([invoice(0), invoice(1)], { backoffMs: 100 });
  const [req] = run.next(0);
  const changed = run.lost(req.id, 10);
  assert.ok(changed.every((o) => o.status === 'uncertain' && o.lookup.url === '/Invoices?InvoiceNumbers=N-0000,N-0001&page=1'));
  assert.deepEqual(run.next(50), []);
  const [lookup] = run.next(200);
  assert.equal(lookup.id, changed[0].lookup.id);
  const found = (await read('openapi/invoices-get.json')).Invoices[2];
  // Dated as sent: an element of the same number with another date and total is another
  // document (the lookup's fallback takes only one dated as the document sent).
  const body = { Invoices: [{ ...found, InvoiceNumber: 'N-0001', Date: '2024-01-15T00:00:00', Contact: { ContactID: KATHERINE }, Status: 'AUTHORISED' }] };
  run.handle(lookup.id, { status: 200, body }, 210);
  assert.deepEqual(run.outcomes().map((o) => o.status), ['retry', 'exported']);
  const [resend] = run.next(220);
  assert.deepEqual(resend.documents, ['inv-0']);
  assert.equal(JSON.parse(resend.body).Invoices.length, 1);
});

test('misuse throws XeroExportError; nothing panics', () => {
  const run = plan([invoice(0)]);
  const [req] = run.next(0);
  const expectError = (fn, code) => assert.throws(fn, (e) => e instanceof Error && e.name === 'XeroExportError' && e.code === code);
  expectError(() => run.handle('r999', { status: 200 }, 0), 'INVALID_STATE');
  expectError(() => run.handle(req.id, { status: 'two hundred' }, 0), 'INVALID_INPUT');
  expectError(() => run.next(Number.NaN), 'INVALID_INPUT');
  expectError(() => exporter().plan([invoice(0)], { tenantId: 't', maxDocuments: 51 }), 'INVALID_INPUT');
  expectError(() => exporter().plan([invoice(0)], {}), 'INVALID_INPUT');
  // The failed handle above did not consume the request; a garbage answer is still read.
  run.handle(req.id, { status: 200, body: '<html>oops</html>' }, 1);
  assert.equal(run.outcomes()[0].status, 'uncertain');
});

test('a misspelt key of an answer is a coded error with a did-you-mean, never ignored', () => {
  // Regression: `{status: 429, header: {'Retry-After': '120'}}` retried after the default 60 s,
  // and `{status: 200, Body}` made an exported invoice `uncertain`, without a word.
  const run = plan([invoice(0)]);
  const [req] = run.next(0);
  for (const [response, key, meant] of [
    [{ status: 429, header: { 'Retry-After': '120' } }, 'header', 'headers'],
    [{ status: 200, Body: '{}' }, 'Body', 'body'],
    [{ statusCode: 200, headers: {}, body: '' }, 'statusCode', 'status'],
  ]) {
    assert.throws(() => run.handle(req.id, response, 1), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT'
      && e.details.argument === `response.${key}` && e.message.includes(`did you mean \`${meant}\``), key);
  }
  assert.throws(() => run.handle(req.id, { status: 200, ok: true }, 1), (e) => e.code === 'INVALID_INPUT' && e.details.argument === 'response.ok');
  // Nothing was consumed: the request is still answered, its Retry-After read.
  run.handle(req.id, { status: 429, headers: { 'Retry-After': '120' } }, 1);
  assert.equal(run.outcomes()[0].retryAfter, 120);
});

test('a SendRun is made by plan or resume only: new SendRun() is a coded error', () => {
  // Regression: its constructor took any handle, so `new SendRun()` made an object whose
  // methods threw TypeErrors ("reading 'inner'"), and `new SendRun({inner})` ran the given
  // object's methods as the run's. PreviewResults and PreviewSession already refused `new`.
  for (const args of [[], [{}], [{ inner: { next: () => '[]', free() {} }, generation: 0 }]]) {
    assert.throws(() => new api.SendRun(...args), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'SendRun');
  }
  assert.equal(plan([invoice(0)]).next(0).length, 1);
});

test('the sending API type-checks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xero-export-send-types-'));
  try {
    cpSync(pkgDir, path.join(dir, 'node_modules/xero-export'), { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(path.join(dir, 'usage.ts'), `
import { Exporter, type SendRequest, type Outcome, type LogRow } from 'xero-export';
const run = new Exporter({}).plan([], { tenantId: 't', maxDocuments: 10 });
async function drive(): Promise<Outcome[]> {
  while (!run.done) {
    const reqs: SendRequest[] = run.next(Date.now());
    for (const r of reqs) {
      const res = await fetch('https://api.xero.com/api.xro/2.0' + r.url, { method: r.method, headers: r.headers, body: r.body });
      const changed: Outcome[] = run.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
      void changed;
    }
    if (reqs.length === 0 && run.wakeAt === null) break;
  }
  const rows: LogRow[] = run.log();
  void rows; void run.stopped?.code; void run.summary().exported;
  return run.outcomes().filter((o) => o.status === 'exported' || o.allocation?.status === 'allocated');
}
void drive;
`);
    execFileSync(path.join(root, 'tests/node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', 'usage.ts'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the README's sending example is the tested example file", async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const example = await readFile(path.join(root, 'tests/examples/send-with-fetch.mjs'), 'utf8');
  const block = /```js\n\/\/ tests\/examples\/send-with-fetch\.mjs[^\n]*\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'README has the sending example');
  assert.ok(example.includes(block[1].trim()), 'the README snippet is a verbatim part of tests/examples/send-with-fetch.mjs');
});
