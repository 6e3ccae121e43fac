// The preview's tracking provenance and contact section, as a JS caller reads them through the
// package (issues 4 and 5): which source gave each line its option, which rule matched each
// payer, and the contacts to create.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, root } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';

const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests', rel), 'utf8'));
const snapshot = read('fixtures/sample/snapshot.json');

function preview(name) {
  const s = read(`fixtures/scenarios/${name}.json`);
  return new api.Exporter(snapshot, s.settings).preview(s.invoices);
}
const doc = (p, id) => p.documents.find((d) => d.sourceId === id);
const sources = (line) => line.tracking.map((t) => `${t.category}=${t.option}<-${t.source}`);

test('clinic: every line says where its tracking came from', () => {
  const p = preview('clinic');
  assert.deepEqual(sources(doc(p, 'appt-1001').lines[0]), ['Clinician=Dr Aroha Smith<-clinician', 'Location=North<-location']);
  // A clinician with no mapping gets no Clinician entry; the line override beats the location.
  assert.deepEqual(sources(doc(p, 'appt-1002').lines[0]), ['Location=South<-location']);
  assert.deepEqual(sources(doc(p, 'appt-1004').lines[0]), ['Clinician=Dr Ben Lee<-clinician', 'Location=South<-line']);
  // Archived options are dropped (policy ignore) with a warning at the line's tracking path.
  const d = doc(p, 'appt-1003');
  assert.deepEqual(d.lines[0].tracking, []);
  assert.deepEqual(d.issues.map((i) => `${i.severity} ${i.code} ${i.path}`), [
    'warning TRACKING_OPTION_ARCHIVED invoices[2].lines[0].tracking.Clinician',
    'warning TRACKING_OPTION_ARCHIVED invoices[2].lines[0].tracking.Location',
  ]);
  // IDs travel with names in the body.
  const t = JSON.parse(doc(p, 'appt-1001').body).Invoices[0].LineItems[0].Tracking[0];
  assert.deepEqual(Object.keys(t), ['TrackingCategoryID', 'Name', 'Option', 'TrackingOptionID']);
});

test('billing tool: client defaults on every line, one override, a fallback that says what it replaced', () => {
  const p = preview('billing');
  const lines = doc(p, 'bill-run-1').lines.map(sources);
  assert.deepEqual(lines, [
    ['Location=North<-client', 'Clinician=General<-client'],
    ['Location=South<-line', 'Clinician=General<-client'],
    ['Location=North<-client', 'Clinician=General<-client'],
  ]);
  const [fallback] = doc(p, 'bill-run-2').lines[0].tracking;
  assert.deepEqual([fallback.option, fallback.source, fallback.replaced], ['North', 'fallback', 'harbour']);
});

test('contacts: the rule that matched, contacts to create once, and their payloads', () => {
  const p = preview('clinic');
  assert.deepEqual(p.documents.map((d) => d.contact.status === 'existing' ? d.contact.matchedBy : d.contact.status),
    ['contactNumber', 'mapping', 'accountNumber', 'create', 'create', 'contactNumber']);
  assert.deepEqual(doc(p, 'appt-1004').contact, { status: 'create', key: 'patient:P-300', name: 'Mere Tane' });
  assert.equal(doc(p, 'appt-1004').body, null, 'the body waits for the new ContactID');
  assert.equal(p.contacts.length, 1);
  assert.deepEqual(p.contacts[0].invoices, ['appt-1004', 'appt-1005']);
  assert.deepEqual(schemaErrors('Contacts', { Contacts: p.contacts.map((c) => c.contact) }), []);
  const crm = preview('crm');
  assert.deepEqual(doc(crm, 'plc-91').contact, { status: 'unresolved' });
  assert.equal(doc(crm, 'plc-91').issues[0].code, 'CONTACT_AMBIGUOUS');
});
