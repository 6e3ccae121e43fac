// exporter.importContacts (issue 19, item 3) through the built package: the sample
// organisation's contacts paged as raw GET /Contacts bodies and as xero-node's own models
// (its ObjectSerializer turns the raw body into camelCase objects with JS Dates, as
// `accountingApi.getContacts` returns them), matched against a time tracker's members; and
// the JS argument checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, require, root } from './helpers.mjs';

const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests/fixtures', rel), 'utf8'));
const snapshot = read('sample/snapshot.json');
const contacts = snapshot.contacts.Contacts;

const members = [
  { kind: 'member', id: 'kat', email: 'KAT.WARREN@clampett.com' },
  { kind: 'member', id: 'old', name: 'Old Patient' },
  { kind: 'member', id: 'new', name: 'Nobody In Xero' },
];

/** The contacts as pages of `size`, the last contact of each page repeated on the next (an
 * edit while paging). */
function pages(size) {
  const out = [];
  for (let i = 0; i < contacts.length; i += size) {
    out.push({ Contacts: contacts.slice(Math.max(0, i - 1), i + size) });
  }
  return out;
}

test('paged raw bodies and xero-node models import alike', () => {
  const exporter = new api.Exporter(snapshot, null);
  const raw = exporter.importContacts(pages(3), members);
  const node = exporter.importContacts(
    pages(3).map((p) => ({ contacts: ObjectSerializer.deserialize(p.Contacts, 'Array<Contact>') })),
    JSON.stringify(members),
  );
  assert.equal(raw.summary.contacts, contacts.length);
  assert.ok(raw.summary.duplicates > 0);
  const strip = (r) => r.contacts.map(({ path: _, ...c }) => c);
  assert.deepEqual(strip(node), strip(raw));
  const byId = new Map(raw.contacts.map((c) => [c.contactId, c]));
  const kat = byId.get('5cc8cf28-567e-4d43-b287-687cfcaec47c');
  assert.equal(kat.status, 'matched');
  assert.equal(kat.matchedBy, 'email');
  assert.equal(kat.personId, 'kat');
  assert.equal(kat.fields.name, 'Katherine Warren');
  const old = byId.get('7ee0e14a-789a-4f65-8409-8a9e1ec0e69e');
  assert.equal(old.status, 'matched');
  assert.equal(old.contactStatus, 'ARCHIVED');
  assert.deepEqual(raw.peopleNotInXero, [2]);
});

// Regression: pages given as the bytes a store or file gave back (a Buffer from fs.readFile, a
// Uint8Array, an ArrayBuffer) were stringified as an object ({type, data}) and refused.
test('pages given as bytes are read as their UTF-8 text', () => {
  const exporter = new api.Exporter(snapshot, null);
  const text = JSON.stringify(pages(3));
  const want = exporter.importContacts(text, members);
  const bytes = new TextEncoder().encode(text);
  for (const given of [Buffer.from(text), bytes, bytes.buffer.slice(0)]) {
    assert.deepEqual(exporter.importContacts(given, members), want);
  }
  exporter.free();
});

test('arguments of the wrong JS type are misuse with the argument named', () => {
  const exporter = new api.Exporter(snapshot, null);
  for (const [pagesArg, peopleArg, argument] of [
    [undefined, [], 'pages'],
    [5, [], 'pages'],
    [null, [], 'pages'],
    [[], 5, 'people'],
    [[], { id: 'x' }, 'people'],
    [[{ Contacts: 'no' }], [], 'pages[0].Contacts'],
    [[], [{ name: 5 }], 'people[0].name'],
  ]) {
    assert.throws(
      () => exporter.importContacts(pagesArg, peopleArg),
      (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === argument,
      `${JSON.stringify(pagesArg)} ${JSON.stringify(peopleArg)}`,
    );
  }
  assert.throws(() => exporter.importContacts('[', null), (e) => e.code === 'INVALID_JSON');
  assert.equal(exporter.importContacts('[]').summary.contacts, 0);
});
