// The host's people → Xero contacts without invoices (issue 19, item 2) through the built
// package:
// - the golden bodies (tests/golden/people.jsonl, written by tests/people_sync.rs: a PUT
//   /Contacts from a person, a POST /Contacts update with ContactID) are valid against Xero's
//   OpenAPI schemas, closed, and xero-node's serializer sends them unchanged; toXeroNodeCall
//   maps the update to updateOrCreateContacts;
// - end to end against the stateful fake Xero behind Prism (every request and answer
//   validated): a new member is created, a changed one updated with only what changed, an
//   unchanged one sends nothing; synced again from Xero's new state, nothing is sent at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, require, root } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';
import { startPrism } from './prism.mjs';
import { startFakeXero } from './fake-xero.mjs';

const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests/fixtures', rel), 'utf8'));
const snapshot = read('sample/snapshot.json');
const settings = { accounts: { default: '200' }, taxes: { default: 'OUTPUT2' } };
const TUI = '9a02a36c-9abc-4187-a621-acb03ae2a8b0';
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';

let xero, proxy;

before(async () => {
  xero = await startFakeXero({ snapshot });
  proxy = await startPrism({ mode: 'proxy', upstream: xero.url });
});

after(async () => {
  await proxy?.stop();
  await xero?.close();
});

async function drive(run, base) {
  for (let round = 0; round < 50 && !run.done; round++) {
    const requests = run.next(Date.now());
    if (requests.length === 0) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(200, (run.wakeAt ?? Date.now()) - Date.now()))));
      continue;
    }
    await Promise.all(requests.map(async (r) => {
      const res = await fetch(base + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer test-token' }, body: r.body });
      run.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
    }));
  }
  assert.ok(run.done, 'the run finished');
}

test('the golden people bodies: valid against the OpenAPI schemas (closed) and sent unchanged by xero-node', () => {
  const bodies = readFileSync(path.join(root, 'tests/golden/people.jsonl'), 'utf8').trim().split('\n');
  assert.equal(bodies.length, 2);
  for (const text of bodies) {
    const body = JSON.parse(text);
    assert.deepEqual(schemaErrors('Contacts', body), [], text);
    const sent = JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(text), 'Contacts')));
    assert.deepEqual(sent, body, text);
  }
  assert.ok(JSON.parse(bodies[1]).Contacts[0].ContactID, 'the update names its contact');
  assert.notDeepEqual(schemaErrors('Contacts', { Contacts: [{ ContactID: TUI, EmailAdress: 'x@y.z' }] }), []);
});

test('POST /Contacts (an update) as a xero-node call', () => {
  const body = '{"Contacts":[{"ContactID":"9a02a36c-9abc-4187-a621-acb03ae2a8b0","EmailAddress":"tui@new.example"}]}';
  const call = api.toXeroNodeCall({ method: 'POST', path: '/Contacts', query: { summarizeErrors: 'false' }, headers: { 'xero-tenant-id': 't', 'Idempotency-Key': 'k' }, body });
  assert.equal(call.method, 'updateOrCreateContacts');
  assert.equal(call.args[0], 't');
  assert.deepEqual(JSON.parse(JSON.stringify(call.args[1])), { contacts: [{ contactID: TUI, emailAddress: 'tui@new.example' }] });
  assert.deepEqual(call.args.slice(2), [false, 'k']);
});

test('syncContacts checks its arguments', () => {
  const exporter = new api.Exporter(snapshot, settings);
  assert.throws(() => exporter.syncContacts('people', { tenantId: 't' }), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT');
  assert.throws(() => exporter.syncContacts([{ name: 5 }], { tenantId: 't' }), (e) => e.name === 'XeroExportError' && /people\[0\]\.name/.test(e.message));
  assert.throws(() => exporter.plan({ peopel: [] }, { tenantId: 't' }), (e) => /people/.test(e.message));
});

test('members synced: a new one created, a changed one updated with only what changed, an unchanged one left alone; again from Xero, nothing sent', async () => {
  const people = [
    { kind: 'member', id: 'm-1', name: 'Aroha Ngata', firstName: 'Aroha', lastName: 'Ngata', email: 'aroha@example.com' },
    { kind: 'member', id: 'm-2', contactId: TUI, name: 'Tui Contractor', email: 'tui@new.example', phone: { type: 'MOBILE', number: '021 999' } },
    { kind: 'member', id: 'm-3', contactNumber: 'P-100', name: 'Katherine Warren', email: 'kat.warren@clampett.com' },
    { kind: 'member', id: 'm-4', name: 'Old Patient', email: 'old@example.com' },
  ];
  const exporter = new api.Exporter(snapshot, settings);
  const run = exporter.syncContacts(people, { tenantId: 'tenant-1', backoffMs: 20 });
  await drive(run, proxy.url);
  const out = run.people();
  assert.deepEqual(out.map((p) => p.status), ['created', 'updated', 'unchanged', 'failed']);
  assert.deepEqual(out[1].changed, ['email', 'phone']);
  assert.equal(out[2].contactId, KATHERINE);
  assert.equal(out[3].issues[0].code, 'CONTACT_ARCHIVED');
  const writes = xero.requests.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.url.split('?')[0]}`);
  assert.deepEqual(writes.sort(), ['POST /Contacts', 'PUT /Contacts']);
  const tui = xero.state.contacts.find((c) => c.ContactID === TUI);
  assert.equal(tui.EmailAddress, 'tui@new.example');
  assert.equal(tui.Name, 'Tui Contractor');
  assert.equal(tui.ContactNumber, 'M-tui', 'a field the host did not send is untouched');
  assert.equal(xero.state.created.get('contact:Aroha Ngata'), 1);
  const created = xero.state.contacts.find((c) => c.Name === 'Aroha Ngata');
  assert.equal(out[0].contactId, created.ContactID);
  // Synced again from what Xero now has: every person unchanged, nothing sent.
  const now = new api.Exporter({ ...snapshot, contacts: { Contacts: xero.state.contacts } }, settings);
  const before = xero.requests.length;
  const again = now.syncContacts(people.slice(0, 3).map((p, i) => (i === 0 ? { ...p, contactId: created.ContactID } : p)), { tenantId: 'tenant-1' });
  assert.deepEqual(again.next(Date.now()), []);
  assert.ok(again.done);
  assert.deepEqual(again.people().map((p) => p.status), ['unchanged', 'unchanged', 'unchanged']);
  assert.equal(xero.requests.length, before);
});
