// The export preview through the built package: the same bytes as the native golden files, every
// request body valid against Xero's OpenAPI schema, and the JS-facing shape of the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, root, scenarioInvoices } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';

const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests', rel), 'utf8'));
const snapshot = read('fixtures/sample/snapshot.json');
const scenarios = ['clinic', 'billing', 'crm', 'timesheet'];

function previewScenario(name, exporter) {
  const s = read(`fixtures/scenarios/${name}.json`);
  exporter ??= new api.Exporter(snapshot, s.settings);
  const invoices = scenarioInvoices(s);
  return exporter.preview(invoices);
}

for (const name of scenarios) {
  test(`${name}: the package gives the golden preview byte for byte`, () => {
    const golden = readFileSync(path.join(root, `tests/golden/${name}.json`), 'utf8');
    assert.equal(JSON.stringify(previewScenario(name), null, 2) + '\n', golden);
  });

  test(`${name}: every request body and contact validates against Xero's OpenAPI schema`, () => {
    const p = previewScenario(name);
    let checked = 0;
    for (const d of p.documents) {
      if (d.body === null) continue;
      const body = JSON.parse(d.body);
      const errors = schemaErrors(d.endpoint, body);
      assert.deepEqual(errors, [], `${d.sourceId}: ${errors.join('; ')}`);
      // No read-only totals, dates as calendar dates, no zero discounts.
      const doc = body[d.endpoint][0];
      for (const ro of ['SubTotal', 'TotalTax', 'Total', 'AmountDue', 'AmountPaid']) assert.ok(!(ro in doc), ro);
      assert.match(doc.Date, /^\d{4}-\d{2}-\d{2}$/);
      for (const l of doc.LineItems) {
        assert.ok(l.DiscountRate !== 0 && l.DiscountAmount !== 0);
        assert.ok(!l.Tracking || l.Tracking.length <= 2);
      }
      checked++;
    }
    if (p.contacts.length) {
      const errors = schemaErrors('Contacts', { Contacts: p.contacts.map((c) => c.contact) });
      assert.deepEqual(errors, []);
    }
    assert.ok(checked > 0);
  });
}

test('the schema check catches an invalid body (it is not vacuous)', () => {
  const errors = schemaErrors('Invoices', { Invoices: [{ Type: 'NOT_A_TYPE', LineItems: [{ Quantity: 'two' }] }] });
  assert.ok(errors.some((e) => e.includes('/Invoices/0/Type')));
  assert.ok(errors.some((e) => e.includes('/Invoices/0/LineItems/0/Quantity')));
  // Keys the spec does not define fail too (the spec's objects are closed for these tests).
  const unknown = schemaErrors('CreditNotes', { CreditNotes: [{ Type: 'ACCRECCREDIT', Url: 'https://x.example', LineItems: [{ Colour: 'red' }] }] });
  assert.deepEqual(unknown.sort(), ['/CreditNotes/0 must NOT have additional properties', '/CreditNotes/0/LineItems/0 must NOT have additional properties']);
});

test('Xero rounding example: 11.44 tax and 87.74 total, exact strings in plain objects', () => {
  const ex = new api.Exporter(snapshot, { status: 'DRAFT', taxes: { default: 'OUTPUT2' }, accounts: { default: '200' } });
  const p = ex.preview([{ id: 'r1', date: '2024-01-15', payer: { contactId: '5cc8cf28-567e-4d43-b287-687cfcaec47c' },
    lines: [25.06, 25.61, 25.63].map((u) => ({ description: 'x', quantity: 1, unitAmount: u })) }]);
  const d = p.documents[0];
  assert.deepEqual(d.totals, { subTotal: '76.30', totalTax: '11.44', total: '87.74' });
  assert.deepEqual(d.lines.map((l) => l.taxAmount), ['3.76', '3.84', '3.84']);
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.ok(!(p.documents instanceof Map));
  // The body carries exact decimals as JSON numbers.
  assert.match(d.body, /"UnitAmount":25\.06,/);
});

test('the snapshot also accepts xero-node camelCase objects', () => {
  // What xero-node's getAccounts/getTaxRates/... return in response.body (Class is `_class`).
  const camel = {
    organisation: { organisations: [{ baseCurrency: 'NZD', paymentTerms: { sales: { day: 20, type: 'OFFOLLOWINGMONTH' } } }] },
    accounts: { accounts: [{ accountID: 'a1b2c3d4-0000-4000-8000-000000000200', code: '200', type: 'REVENUE', status: 'ACTIVE', taxType: 'OUTPUT2', _class: 'REVENUE' }] },
    taxRates: { taxRates: [{ taxType: 'OUTPUT2', status: 'ACTIVE', effectiveRate: 15, canApplyToRevenue: true }] },
    trackingCategories: { trackingCategories: [{ trackingCategoryID: '22f10184-0deb-44ae-a312-b1f6ea70e51f', name: 'Region', status: 'ACTIVE', options: [{ trackingOptionID: '3a1e7b9c-0000-4000-8000-00000000c001', name: 'North', status: 'ACTIVE' }] }] },
    contacts: { contacts: [{ contactID: '5cc8cf28-567e-4d43-b287-687cfcaec47c', name: 'Acme', contactStatus: 'ACTIVE', updatedDateUTC: new Date(0) }] },
  };
  const ex = new api.Exporter(camel, { status: 'AUTHORISED', accounts: { default: '200' }, dueDate: { rule: 'paymentTerms' }, tracking: { categories: [{ category: 'Region' }] } });
  const d = ex.preview([{ id: 'c1', date: '2024-01-15', payer: { name: 'acme' }, lines: [{ description: 'x', quantity: 2, unitAmount: '10', tracking: { region: 'north' } }] }]).documents[0];
  assert.equal(d.blocked, false, JSON.stringify(d.issues));
  assert.equal(d.contact.matchedBy, 'name');
  assert.equal(d.dueDate, '2024-02-20');
  assert.deepEqual(d.totals, { subTotal: '20.00', totalTax: '3.00', total: '23.00' });
  assert.equal(d.lines[0].tracking[0].option, 'North');
});

test('previewJson gives the same preview as JSON text', () => {
  const s = read('fixtures/scenarios/crm.json');
  const ex = new api.Exporter(snapshot, s.settings);
  assert.deepEqual(JSON.parse(ex.previewJson(JSON.stringify(s.invoices))), ex.preview(s.invoices));
});

test('bodies come back intact whatever the text: quotes, control characters, NUL, emoji, U+2028', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const ex = new api.Exporter(snapshot, s.settings);
  const odd = 'He said "hi"\\ \u0000 tab\t nl\n \u2028 \u{1F600} Māori café';
  const invoices = s.invoices.map((inv, i) => ({ ...inv, lines: inv.lines.map((l) => ({ ...l, description: `${odd} ${i}` })) }));
  const p = ex.preview(invoices, { lines: false });
  assert.deepEqual(p, JSON.parse(ex.previewJson(invoices, { lines: false })));
  const withBodies = p.documents.filter((d) => d.body !== null);
  assert.ok(withBodies.length > 0);
  for (const d of withBodies) {
    const line = JSON.parse(d.body)[d.endpoint][0].LineItems[0];
    assert.equal(line.Description, `${odd} ${d.index}`);
  }
  // Documents without a body (contact still to create) keep null, in their own place.
  assert.deepEqual(p.documents.map((d) => d.body === null), JSON.parse(ex.previewJson(invoices)).documents.map((d) => d.body === null));
});

test('misuse throws coded errors; bad data is reported as issues', () => {
  assert.throws(() => new api.Exporter(snapshot, { status: 'PAID' }), (e) => e instanceof Error && e.code === 'INVALID_SETTINGS' && e.name === 'XeroExportError');
  assert.throws(() => new api.Exporter({ accounts: { Status: 'OK' } }, {}), (e) => e.code === 'INVALID_SNAPSHOT');
  const ex = new api.Exporter(snapshot, {});
  assert.throws(() => ex.preview({ not: 'an array' }), (e) => e.code === 'INVALID_INPUT' && e.details.argument === 'invoices');
  const p = ex.preview([{ id: 'x', date: '2024-02-30', payer: { contactId: '5cc8cf28-567e-4d43-b287-687cfcaec47c' }, lines: [{ description: 'a', quantity: NaN, unitAmount: '1.001' }] }]);
  const codes = p.documents[0].issues.map((i) => `${i.code}@${i.path}`);
  assert.deepEqual(codes.slice(0, 3), ['DATE_INVALID@invoices[0].date', 'NUMBER_NOT_FINITE@invoices[0].lines[0].quantity', 'TOO_MANY_DECIMALS@invoices[0].lines[0].unitAmount']);
  assert.equal(p.documents[0].blocked, true);
});

// Regression: a misspelt key was ignored, and the entry billed with no hours or no rate.
test('timesheetInvoice throws every key it does not know, with its path and a did-you-mean', () => {
  assert.throws(() => api.timesheetInvoice({ id: 't', grupBy: 'member', entries: [{ member: 'ana', hour: 1, rate: '50' }] }), (e) => {
    assert.equal(e.code, 'INVALID_INPUT');
    assert.equal(e.details.argument, 'timesheet.grupBy');
    assert.match(e.message, /`timesheet\.grupBy` is not a key it takes: did you mean `groupBy`\?/);
    assert.match(e.message, /`timesheet\.entries\[0\]\.hour` is not a key it takes: did you mean `hours`\?/);
    return true;
  });
  assert.throws(() => api.timesheetInvoice({ entries: [{ hours: 'x', rate: [] }] }), (e) => e.code === 'INVALID_INPUT' && /timesheet\.entries\[0\]\.rate/.test(e.message));
});

test('timesheetInvoice groups hours to 2 dp', () => {
  const inv = api.timesheetInvoice({ id: 't', date: '2024-03-31', groupBy: 'member', entries: [
    { member: 'ana', hours: '0.333', rate: '50', project: 'A' }, { member: 'ana', hours: 1, rate: '50', project: 'B' }] });
  assert.equal(inv.lines.length, 1);
  assert.equal(inv.lines[0].quantity, '1.33');
  assert.equal(inv.lines[0].unitAmount, '50');
  assert.match(inv.lines[0].description, /^ana \(A, B\): 1\.33 h at 50$/);
});
