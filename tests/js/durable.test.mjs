// Durable runs through the JS API: run.save(), run.changes(seq), run.seq and
// exporter.resume(state, work, options); damaged, foreign and newer states throw coded
// XeroExportErrors. (The job-queue example with kills is tests/js/queue.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { api, root } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));

const invoices = Array.from({ length: 6 }, (_, i) => ({
  id: `d-${i}`, number: `D-${i}`, date: '2024-02-01',
  payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
  lines: [{ description: 'Consultation', quantity: 1, unitAmount: '50.00', taxCode: 'GST' }],
}));

test('save, append changes, resume elsewhere: the same run; bad states throw coded errors', async () => {
  const snapshot = await read('sample/snapshot.json');
  const { settings } = await read('scenarios/clinic.json');
  const xero = await startFakeXero({ snapshot });
  try {
    const exporter = new api.Exporter(snapshot, settings);
    const run = exporter.plan(invoices, { tenantId: 't-1', maxDocuments: 2, maxConcurrent: 1 });
    const header = run.save();
    let seq = run.seq;
    const chunks = [];
    const perform = async (r) => {
      const res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer t' }, body: r.body });
      run.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
    };
    for (let i = 0; i < 2; i++) {
      const requests = run.next(Date.now());
      for (const r of requests) await perform(r);
      chunks.push(run.changes(seq));
      seq = run.seq;
    }
    // Resumed in a fresh exporter from the header and the appended chunks.
    const other = new api.Exporter(snapshot, settings);
    const back = other.resume(header, invoices, { tenantId: 't-1', changes: chunks });
    assert.deepEqual(back.outcomes(), run.outcomes());
    assert.deepEqual(back.log(), run.log());
    assert.equal(back.save(), run.save());
    // Read back as bytes (fs.readFile without an encoding, a store's Buffer): the same run.
    const enc = new TextEncoder();
    const fromBytes = other.resume(Buffer.from(header), invoices, { tenantId: 't-1', changes: chunks.map((c, i) => (i % 2 ? enc.encode(c).buffer : Buffer.from(c))) });
    assert.equal(fromBytes.save(), run.save());
    assert.equal(other.resume(enc.encode(run.save()), invoices).save(), run.save());
    // Both finish the same way.
    for (const r2 of [run, back]) {
      while (!r2.done) for (const r of r2.next(Date.now())) {
        const res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer t' }, body: r.body });
        r2.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
      }
    }
    assert.equal(run.summary().exported, 6);
    assert.equal(back.summary().exported, 6);
    assert.equal(xero.state.invoices.length, 6, 'the second run found its documents (idempotency replays or lookups), never two');

    const state = run.save();
    const code = (fn) => { try { fn(); } catch (e) { assert.equal(e.name, 'XeroExportError'); return e.code; } return 'none'; };
    assert.equal(code(() => exporter.resume(state.slice(0, state.length / 2), invoices)), 'STATE_CORRUPT');
    assert.equal(code(() => exporter.resume(state, invoices, { tenantId: 't-2' })), 'STATE_FOREIGN');
    assert.equal(code(() => exporter.resume(state, invoices.slice(1))), 'STATE_FOREIGN');
    assert.equal(code(() => exporter.resume({ ...JSON.parse(state), version: 99 }, invoices)), 'STATE_VERSION');
    assert.equal(code(() => exporter.resume(header, invoices, { changes: [chunks[0].slice(0, 10)] })), 'STATE_CORRUPT');
    assert.equal(code(() => exporter.resume(header, invoices, { changes: [chunks[1]] })), 'STATE_CORRUPT');
    // A chunk storage damaged yet left JSON is a damaged state too, not misuse of the options.
    const { check, ...noCheck } = JSON.parse(chunks[0]);
    assert.ok(check);
    assert.equal(code(() => exporter.resume(header, invoices, { changes: [JSON.stringify(noCheck)] })), 'STATE_CORRUPT');
    assert.equal(code(() => exporter.resume(header, invoices, { changes: [{ ...JSON.parse(chunks[0]), entries: [{ nxet: 1 }] }] })), 'STATE_CORRUPT');
    assert.equal(code(() => exporter.resume(state, invoices, { tenantld: 't-1' })), 'INVALID_INPUT');
    // The options the run was planned with, passed again: said to be plan's (kept in the
    // state), not "check the spelling" of a key that is spelt right; a real typo beside it too.
    assert.throws(() => exporter.resume(state, invoices, { tenantId: 't-1', maxDocuments: 2, tenantld: 'x' }), (e) => e.code === 'INVALID_INPUT'
      && /`options\.maxDocuments` is an option of `plan`: a resumed run keeps the options it was planned with/.test(e.message)
      && /`options\.tenantld` is not a key it takes: did you mean `tenantId`\?/.test(e.message) && !/maxDocuments[^`]*check the spelling/.test(e.message));
    assert.equal(code(() => run.changes(-1)), 'INVALID_INPUT');
    assert.equal(code(() => run.changes(run.seq + 1)), 'INVALID_INPUT');
  } finally {
    await xero.close();
  }
});
