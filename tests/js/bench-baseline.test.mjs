// The benchmark's JS baseline (tests/bench/js-mapper.mjs) maps the bench workload to the same
// request bodies, totals, display lines and contacts to create as the package: otherwise the
// speed ratios `make bench` prints would compare different work. Asserts equality, never time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api } from './helpers.mjs';
import { invoices, snapshot, settings } from '../bench/workload.mjs';
import { prepare, mapInvoices } from '../bench/js-mapper.mjs';

const data = invoices(400);
const ctx = prepare(snapshot, settings);

test('the JS baseline writes the package\'s bodies, totals and display lines', () => {
  const p = new api.Exporter(snapshot, settings).preview(data);
  const j = mapInvoices(ctx, data);
  assert.equal(j.documents.length, p.documents.length);
  for (let i = 0; i < data.length; i++) {
    const [a, b] = [p.documents[i], j.documents[i]];
    assert.equal(b.body, a.body, `body of invoice ${i}`);
    assert.deepEqual(b.totals, a.totals, `totals of invoice ${i}`);
    assert.deepEqual(b.lines, a.lines, `lines of invoice ${i}`);
    assert.deepEqual(b.contact, a.contact, `contact of invoice ${i}`);
    assert.equal(b.dueDate, a.dueDate, `due date of invoice ${i}`);
  }
  assert.deepEqual(j.contacts, p.contacts);
  assert.equal(j.summary.ready, p.summary.ready);
  assert.equal(j.summary.warnings, p.summary.warnings);
});

test('bodies only: the same bodies and totals without display lines', () => {
  const p = new api.Exporter(snapshot, settings).preview(data, { lines: false });
  const j = mapInvoices(ctx, data, { lines: false });
  assert.deepEqual(j.documents.map((d) => [d.body, d.totals]), p.documents.map((d) => [d.body, d.totals]));
});
