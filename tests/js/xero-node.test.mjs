// xero-node, the official SDK, both ways, with its own ObjectSerializer:
// - out: `toXeroNode` bodies serialized as `createInvoices` & co. do before sending must be
//   exactly the PascalCase body we built, for every golden document and every kind of planned
//   request (a key the SDK does not know is dropped, so a wrong name fails here);
// - in: the snapshot as the SDK returns it in `response.body` (camelCase models, JS Dates) must
//   preview every golden scenario exactly as the raw bodies do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, require, root, scenarioInvoices } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';

const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests/fixtures', rel), 'utf8'));
const snapshot = read('sample/snapshot.json');

/** What xero-node sends for our converted body: its serializer, keyed by the envelope's model. */
function sentByXeroNode(body) {
  const wire = JSON.parse(body);
  const [envelope] = Object.keys(wire);
  return { envelope, wire, sent: JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(body), envelope))) };
}

test('every golden document and contact: xero-node sends exactly our body', () => {
  let checked = 0;
  for (const name of ['clinic', 'billing', 'crm', 'timesheet']) {
    const s = read(`scenarios/${name}.json`);
    const invoices = scenarioInvoices(s);
    const p = new api.Exporter(snapshot, s.settings).preview(invoices);
    const bodies = p.documents.map((d) => d.body).filter((b) => b !== null);
    if (p.contacts.length) bodies.push(JSON.stringify({ Contacts: p.contacts.map((c) => c.contact) }));
    for (const body of bodies) {
      const { wire, sent } = sentByXeroNode(body);
      assert.deepEqual(sent, wire, `${name}: ${body}`);
      checked++;
    }
  }
  assert.ok(checked > 10, `${checked} bodies`);
});

test('the snapshot as xero-node returns it (its own deserializer over the sample bodies) previews every golden scenario the same', () => {
  // response.body of getOrganisations, getAccounts, ...: camelCase models, `/Date(` strings as
  // JS Dates, Account.Class as `_class`.
  const models = { organisation: 'Organisations', accounts: 'Accounts', taxRates: 'TaxRates', trackingCategories: 'TrackingCategories', contacts: 'Contacts', items: 'Items', currencies: 'Currencies' };
  const sdk = Object.fromEntries(Object.entries(models).map(([part, model]) => [part, ObjectSerializer.deserialize(snapshot[part], model)]));
  assert.ok(sdk.accounts.accounts[0].accountID && !('Accounts' in sdk.accounts), 'camelCase models');
  for (const name of ['clinic', 'billing', 'crm', 'timesheet']) {
    const s = read(`scenarios/${name}.json`);
    const invoices = scenarioInvoices(s);
    const fromWire = new api.Exporter(snapshot, s.settings);
    const fromSdk = new api.Exporter(sdk, s.settings);
    assert.deepEqual(fromSdk.issues, fromWire.issues, name);
    assert.deepEqual(fromSdk.preview(invoices), fromWire.preview(invoices), name);
  }
});

test("lock dates read from xero-node's Organisation (its Dates) as from Xero's /Date(...)/ text", () => {
  const org = read('openapi/organisation.json'); // both lock dates /Date(1546214400000+0000)/ = 2018-12-31
  const sdkOrg = ObjectSerializer.deserialize(org, 'Organisations');
  assert.ok(sdkOrg.organisations[0].periodLockDate instanceof Date, 'xero-node makes a Date');
  const settings = { status: 'AUTHORISED', accounts: { default: '200' }, taxes: { default: 'OUTPUT2' } };
  const locked = (organisation, date) => new api.Exporter({ ...snapshot, organisation }, settings)
    .preview([{ id: 'l', date, dueDate: '2019-03-31', payer: { contactId: '5cc8cf28-567e-4d43-b287-687cfcaec47c' }, lines: [{ description: 'x', quantity: 1, unitAmount: '10' }] }])
    .documents[0].issues.filter((i) => i.code === 'DATE_LOCKED').map((i) => `${i.severity}@${i.path}`);
  for (const organisation of [org, sdkOrg]) {
    assert.deepEqual(locked(organisation, '2018-12-31'), ['error@invoices[0].date']);
    assert.deepEqual(locked(organisation, '2019-01-01'), []);
  }
  // The older form with an offset (reference §10: `/Date(1419937200000+1300)/` is 2014-12-31 in
  // New Zealand): xero-node drops the offset, the lock date must still be 2014-12-31.
  const nz = structuredClone(org);
  nz.Organisations[0].EndOfYearLockDate = '/Date(1419937200000+1300)/';
  delete nz.Organisations[0].PeriodLockDate;
  const sdkNz = ObjectSerializer.deserialize(nz, 'Organisations');
  assert.equal(sdkNz.organisations[0].endOfYearLockDate.toISOString(), '2014-12-30T11:00:00.000Z');
  for (const organisation of [nz, sdkNz]) {
    assert.deepEqual(locked(organisation, '2014-12-31'), ['error@invoices[0].date']);
    assert.deepEqual(locked(organisation, '2015-01-01'), []);
  }
});

test('the trap it avoids: xero-node sends a PascalCase body as {} (reference §15 oracle 23)', () => {
  const body = { Invoices: [{ Type: 'ACCREC', LineItems: [{ Description: 'x', Quantity: 1, Tracking: [{ Name: 'Region', Option: 'North' }] }] }] };
  assert.deepEqual(JSON.parse(JSON.stringify(ObjectSerializer.serialize(body, 'Invoices'))), {});
  // The same body through toXeroNode is sent as it is.
  assert.deepEqual(JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(body), 'Invoices'))), body);
  assert.deepEqual(api.toXeroNode(body).invoices[0].lineItems[0].tracking, [{ name: 'Region', option: 'North' }]);
});

test('every planned request of a run (contacts, invoices, credit notes, allocations): xero-node sends exactly our body', async () => {
  const { settings } = read('scenarios/clinic.json');
  const invoices = [
    { id: 'a', number: 'XN-1', date: '2024-02-01', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: 'Consultation', quantity: 2, unitAmount: '45.05', taxCode: 'GST', clinicianId: 'dr-1', locationId: 'north' }] },
    { id: 'b', number: 'XN-2', date: '2024-02-01', payer: { kind: 'patient', id: 'NEW-1', name: 'New Patient', email: 'new@example.com' },
      lines: [{ description: 'Consultation', quantity: 1, unitAmount: '80.00', taxCode: 'GST' }] },
    { id: 'c', number: 'XN-3', date: '2024-02-02', creditsInvoiceNumber: 'XN-1', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: 'Refund', quantity: 1, unitAmount: '-10.00', taxCode: 'GST' }] },
  ];
  const xero = await startFakeXero({ snapshot });
  const seen = new Set();
  try {
    const run = new api.Exporter(snapshot, settings).plan(invoices, { tenantId: 'tenant-1' });
    for (let round = 0; round < 20 && !run.done; round++) {
      const requests = run.next(Date.now());
      if (requests.length === 0) break;
      for (const r of requests) {
        if (r.body) {
          const { envelope, wire, sent } = sentByXeroNode(r.body);
          assert.deepEqual(sent, wire, `${r.method} ${r.url}`);
          seen.add(envelope);
        }
        const res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer test-token' }, body: r.body });
        run.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
      }
    }
    assert.ok(run.done, 'the run finished');
    const outcomes = run.outcomes();
    assert.deepEqual(outcomes.map((o) => [o.sourceId, o.status]), [['a', 'exported'], ['b', 'exported'], ['c', 'exported']]);
    assert.equal(outcomes[2].allocation?.status, 'allocated');
    run.free();
  } finally {
    await xero.close();
  }
  assert.deepEqual([...seen].sort(), ['Allocations', 'Contacts', 'CreditNotes', 'Invoices']);
});

test('toXeroNode takes text or an object, copies, and throws XeroExportError on what is not a body', () => {
  const body = { Invoices: [{ Type: 'ACCPAY', Contact: { ContactID: 'x' } }] };
  assert.deepEqual(api.toXeroNode(JSON.stringify(body)), api.toXeroNode(body));
  assert.deepEqual(api.toXeroNode(body), { invoices: [{ type: 'ACCPAY', contact: { contactID: 'x' } }] });
  assert.equal(body.Invoices[0].Type, 'ACCPAY', 'the input is left as it was');
  // 15 significant digits are exact in a JS number; 16 would be changed, so they are refused.
  // Digits inside strings do not count.
  const withUnit = (u) => `{"Invoices":[{"Reference":"1234567890123456.7","LineItems":[{"Quantity":0.0001,"UnitAmount":${u}}]}]}`;
  assert.equal(api.toXeroNode(withUnit('99999999999.9999')).invoices[0].lineItems[0].unitAmount, 99999999999.9999);
  assert.equal(api.toXeroNode(withUnit('1000000000000000.00')).invoices[0].lineItems[0].unitAmount, 1e15);
  assert.throws(() => api.toXeroNode(withUnit('999999999999.9999')), (e) => e.code === 'INVALID_INPUT' && e.message.includes('999999999999.9999'));
  assert.throws(() => api.toXeroNode(withUnit('-1234567890123456')), (e) => e.code === 'INVALID_INPUT');
  // Exponent forms (never written by the library, possible in a body from elsewhere): out of
  // range either way is refused, an exact one passes.
  assert.throws(() => api.toXeroNode(withUnit('1e400')), (e) => e.code === 'INVALID_INPUT');
  assert.throws(() => api.toXeroNode(withUnit('1e-400')), (e) => e.code === 'INVALID_INPUT');
  assert.equal(api.toXeroNode(withUnit('1.5E2')).invoices[0].lineItems[0].unitAmount, 150);
  assert.equal(api.toXeroNode(withUnit('0.000123')).invoices[0].lineItems[0].unitAmount, 0.000123);
  // Escaped quotes inside strings do not end them early.
  assert.equal(api.toXeroNode('{"Invoices":[{"Reference":"a \\"12345678901234567\\" b\\\\","LineItems":[]}]}').invoices[0].reference, 'a "12345678901234567" b\\');
  for (const bad of ['not json', '[1]', 'null', '7', null, 7, [1]]) {
    assert.throws(() => api.toXeroNode(bad), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'body', String(bad));
  }
});
