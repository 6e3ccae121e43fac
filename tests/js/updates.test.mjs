// Updates of exported documents through the built package (reference §2.5, §2.6):
// - the golden update bodies (tests/golden/updates.json, one POST per kind with InvoiceID /
//   CreditNoteID and LineItemIDs) against Xero's OpenAPI schemas, closed, and through
//   xero-node's serializer (a key the SDK does not know would be dropped);
// - a paid invoice's refused edit, at the caller's path of the field;
// - an update that changes nothing: marked unchanged, never sent, settled at once; the held
//   document accepted as Xero's raw JSON and as xero-node's model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, require, root } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';

const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
const read = (rel) => JSON.parse(readFileSync(path.join(root, rel), 'utf8'));
const snapshot = read('tests/fixtures/sample/snapshot.json');
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';
const ID = '0b1f0000-0000-4000-8000-000000000001';
const L1 = '11110000-0000-4000-8000-000000000001';
const settings = { status: 'AUTHORISED', accounts: { default: '200' }, taxes: { default: 'OUTPUT2', byCode: { GST: 'OUTPUT2' } } };

const invoice = (xero) => ({
  id: 'inv-1', number: 'INV-1', reference: 'R-1', date: '2024-01-15', dueDate: '2024-02-15',
  payer: { contactId: KATHERINE }, xero,
  lines: [{ lineItemId: L1, description: 'Service', quantity: 2, unitAmount: '100.00', taxCode: 'GST' }],
});

/** The invoice as Xero returns it from GET /Invoices/{id} after the export. */
const held = (extra = {}) => ({
  Type: 'ACCREC', InvoiceID: ID, InvoiceNumber: 'INV-1', Reference: 'R-1', Status: 'AUTHORISED',
  Contact: { ContactID: KATHERINE, Name: 'Katherine Warren' },
  Date: '/Date(1705276800000+0000)/', DateString: '2024-01-15T00:00:00',
  DueDate: '/Date(1707955200000+0000)/', LineAmountTypes: 'Exclusive', CurrencyCode: 'NZD',
  LineItems: [{ LineItemID: L1, Description: 'Service', Quantity: 2.0, UnitAmount: 100.0, TaxType: 'OUTPUT2', AccountCode: '200', LineAmount: 200.0, TaxAmount: 30.0, Tracking: [] }],
  SubTotal: 200.0, TotalTax: 30.0, Total: 230.0, AmountDue: 230.0, AmountPaid: 0.0, AmountCredited: 0.0,
  Payments: [], CreditNotes: [], ...extra,
});

test('golden update bodies: valid against the OpenAPI schemas (closed) and sent unchanged by xero-node', () => {
  const golden = read('tests/golden/updates.json');
  assert.equal(golden.length, 4);
  for (const { kind, method, body } of golden) {
    assert.equal(method, 'POST');
    const [envelope] = Object.keys(body);
    assert.deepEqual(schemaErrors(envelope, body), [], kind);
    const el = body[envelope][0];
    assert.ok(el.InvoiceID ?? el.CreditNoteID, `${kind}: the id`);
    assert.ok(el.LineItems.every((l) => l.LineItemID), `${kind}: every line with its LineItemID`);
    const text = JSON.stringify(body);
    const sent = JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(text), envelope)));
    assert.deepEqual(sent, JSON.parse(text), kind);
  }
});

test('a paid invoice: a changed amount is refused at its path, a changed reference is sent', () => {
  const e = new api.Exporter(snapshot, settings);
  const paid = held({ AmountPaid: 50.0, AmountDue: 180.0, Payments: [{ PaymentID: 'p-1', Amount: 50.0 }] });
  const edited = invoice({ id: ID, document: paid });
  edited.lines[0].unitAmount = '120.00';
  const [d] = e.preview([edited]).documents;
  assert.equal(d.blocked, true);
  assert.deepEqual(d.issues.filter((i) => i.severity === 'error').map((i) => `${i.code}@${i.path}`), ['UPDATE_NOT_ALLOWED@invoices[0].lines[0].unitAmount']);
  const renamed = invoice({ id: ID, document: paid });
  renamed.reference = 'R-2';
  const [r] = e.preview([renamed]).documents;
  assert.equal(r.blocked, false, JSON.stringify(r.issues));
  assert.equal(JSON.parse(r.body).Invoices[0].Reference, 'R-2');
  // Without the document, a paid invoice cannot be checked: refused, saying what to pass.
  const [blind] = e.preview([invoice({ id: ID, status: 'AUTHORISED', amountPaid: 50 })]).documents;
  assert.deepEqual(blind.issues.map((i) => `${i.code}@${i.path}`), ['UPDATE_DOCUMENT_NEEDED@invoices[0].xero.document']);
});

test('an unchanged update is marked, never sent, and settles at once; xero-node models read the same', () => {
  const e = new api.Exporter(snapshot, settings);
  const model = JSON.parse(JSON.stringify(ObjectSerializer.deserialize(held(), 'Invoice')));
  assert.ok(model.invoiceID && model.lineItems[0].lineItemID, 'camelCase model');
  for (const document of [held(), model]) {
    const [d] = e.preview([invoice({ id: ID, document })]).documents;
    assert.equal(d.unchanged, true, JSON.stringify(d.issues));
    assert.equal(d.blocked, false);
  }
  const run = e.plan([invoice({ id: ID, document: held() })], { tenantId: 'tenant-1' });
  assert.deepEqual(run.next(0), []);
  const [o] = run.outcomes();
  assert.equal(o.status, 'unchanged');
  assert.equal(o.xeroId, ID);
  assert.equal(run.summary().unchanged, 1);
  assert.equal(run.done, true);
  run.free();
  // One edit and it is an update again.
  const edited = invoice({ id: ID, document: held() });
  edited.lines[0].description = 'Service, edited';
  const [d] = e.preview([edited]).documents;
  assert.equal(d.unchanged, undefined);
  assert.equal(JSON.parse(d.body).Invoices[0].LineItems[0].Description, 'Service, edited');
});

test('the update types type-check: xero.document, amountCredited, unchanged, the new codes and status', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xero-export-update-types-'));
  try {
    cpSync(pkgDir, path.join(dir, 'node_modules/xero-export'), { recursive: true });
    writeFileSync(path.join(dir, 'usage.ts'), `
import { Exporter, type IssueCode, type OutcomeStatus, type SourceInvoice } from 'xero-export';
const held: Record<string, unknown> = { InvoiceID: 'x', Status: 'AUTHORISED', LineItems: [] };
const inv: SourceInvoice = { id: 'a', date: '2024-01-15', lines: [],
  xero: { id: 'x', status: 'AUTHORISED', amountPaid: '5.00', amountCredited: 0, document: held } };
const ex = new Exporter({ accounts: { Accounts: [] } }, {});
const unchanged: boolean = ex.preview([inv]).documents.some((d) => d.unchanged === true);
const status: OutcomeStatus = 'unchanged';
const codes: IssueCode[] = ['UPDATE_DOCUMENT_NEEDED', 'XERO_DOCUMENT_INVALID', 'LINE_ITEM_UNKNOWN', 'LINE_WILL_BE_DELETED'];
void unchanged; void status; void codes; ex.free();
`);
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    execFileSync(path.join(root, 'tests/node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'usage.ts'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
