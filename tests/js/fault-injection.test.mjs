// A 200-invoice export through a fault-injecting Xero on 127.0.0.1: random 429s (minute and
// day), 5xx before and after saving, connections dropped before and after saving, and answers
// that never come (client timeout). The fake ignores Idempotency-Keys and does not refuse
// duplicate numbers, so only the library's lookups keep each invoice from being created twice.
// The host loop is the README's: plain fetch, run.handle / run.lost, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { api, prng, root } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));

/** 200 clinic invoices: most for an existing contact, every 7th for a new patient (two
 *  invoices each), every 25th a refund crediting the invoice before it (a credit note that is
 *  then allocated). */
function invoices() {
  const out = [];
  for (let i = 0; i < 200; i++) {
    const inv = {
      id: `f-${i}`, number: `F-${String(i).padStart(4, '0')}`, date: '2024-02-01', reference: `visit ${i}`,
      payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: `Consultation ${i}`, quantity: 1 + (i % 3), unitAmount: `${40 + (i % 17)}.${String(i % 100).padStart(2, '0')}`, taxCode: 'GST', clinicianId: 'dr-1', locationId: 'north' }],
    };
    if (i % 7 === 3) inv.payer = { kind: 'patient', id: `NEW-${Math.floor(i / 14)}`, name: `New Patient ${Math.floor(i / 14)}` };
    if (i % 25 === 24) {
      inv.lines = [{ description: 'Refund', quantity: 1, unitAmount: '-10.00', taxCode: 'GST' }];
      inv.creditsInvoiceNumber = `F-${String(i - 1).padStart(4, '0')}`;
      inv.payer = out[i - 1].payer;
    }
    out.push(inv);
  }
  return out;
}

test('200 invoices through random 429s, 5xx and dropped connections: each exported exactly once', { timeout: 180_000 }, async () => {
  const seed = Number(process.env.FAULT_SEED ?? 20240201);
  const random = prng(seed);
  const snapshot = await read('sample/snapshot.json');
  const { settings } = await read('scenarios/clinic.json');
  const faults = {};
  const xero = await startFakeXero({
    snapshot,
    uniqueNumbers: false,
    idempotency: false,
    fault: (entry, n) => {
      // Every kind of fault once first (so each is exercised whatever the seed), then at random.
      const forced = ['drop-after', '500-after', 'hang-after', '429', 'drop-before', '500-before', '429-day'];
      if (n < forced.length) {
        faults[forced[n]] = (faults[forced[n]] ?? 0) + 1;
        return forced[n];
      }
      const r = random();
      const f = r < 0.08 ? '429' : r < 0.1 ? '429-day' : r < 0.16 ? '500-before' : r < 0.22 ? '500-after'
        : r < 0.28 ? 'drop-before' : r < 0.34 ? 'drop-after' : r < 0.38 ? 'hang-after' : 'none';
      faults[f] = (faults[f] ?? 0) + 1;
      return f;
    },
  });
  const started = Date.now();
  try {
    const run = new api.Exporter(snapshot, settings).plan(invoices(), { tenantId: 'tenant-1', maxDocuments: 20, backoffMs: 20, maxAttempts: 30 });
    const perform = async (r) => {
      let res, body;
      try {
        res = await fetch(xero.url + r.url, {
          method: r.method,
          headers: { ...r.headers, Authorization: 'Bearer test-token' },
          body: r.body,
          signal: AbortSignal.timeout(500),
        });
        body = await res.text();
      } catch {
        run.lost(r.id, Date.now());
        return;
      }
      run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
    };
    let rounds = 0;
    for (; rounds < 3000 && !run.done; rounds++) {
      const requests = run.next(Date.now());
      if (requests.length > 0) await Promise.all(requests.map(perform));
      else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
      else break;
    }
    assert.ok(run.done, `run not done after ${rounds} rounds`);

    const outcomes = run.outcomes();
    assert.equal(outcomes.length, 200);
    const notExported = outcomes.filter((o) => o.status !== 'exported');
    assert.deepEqual(notExported, [], `seed ${seed}`);
    // Exactly once: every number created once, every contact once, every allocation once.
    const numbers = [...xero.state.invoices.map((d) => d.InvoiceNumber), ...xero.state.creditNotes.map((d) => d.CreditNoteNumber)];
    assert.equal(numbers.length, 200, `seed ${seed}: ${numbers.length} documents in Xero`);
    assert.equal(new Set(numbers).size, 200, `seed ${seed}: a document was created twice`);
    for (const [key, times] of xero.state.created) assert.equal(times, 1, `seed ${seed}: ${key} created ${times} times`);
    const creditNotes = outcomes.filter((o) => o.kind === 'ACCRECCREDIT');
    assert.equal(creditNotes.length, 8);
    for (const o of creditNotes) assert.equal(o.allocation?.status, 'allocated', `seed ${seed}: ${JSON.stringify(o)}`);
    // Each outcome's Xero id is the document Xero has.
    for (const o of outcomes) {
      const doc = [...xero.state.invoices, ...xero.state.creditNotes].find((d) => (d.InvoiceID ?? d.CreditNoteID) === o.xeroId);
      assert.equal(doc?.InvoiceNumber ?? doc?.CreditNoteNumber, o.number);
    }
    // The faults really happened, and the log shows every attempt answered.
    for (const f of ['429', '500-before', '500-after', 'drop-before', 'drop-after', 'hang-after']) assert.ok(faults[f] > 0, `no ${f} fault`);
    const log = run.log();
    assert.ok(log.every((row) => row.status !== 'pending' && row.finishedAt >= row.sentAt));
    assert.ok(log.some((row) => row.purpose === 'lookup' && row.status === 'exported'), 'a lookup found a saved invoice');
    assert.ok(log.some((row) => row.purpose === 'lookup' && row.status === 'retry'), 'a lookup found an invoice missing');
    console.log(`seed ${seed}: ${xero.requests.length} requests in ${Date.now() - started} ms, ${rounds} rounds, faults ${JSON.stringify(faults)}, ${log.length} log rows`);
  } finally {
    await xero.close();
  }
});

// Voids and payments through the same faults: a lost answer after Xero saved is looked up
// (GET /Invoices?IDs=, GET /Payments?where=) before anything is sent again, so with a fake
// that ignores Idempotency-Keys nothing is voided or paid twice.
test('voids and payments through random 429s, 5xx and dropped connections: each made exactly once', { timeout: 180_000 }, async () => {
  const seed = Number(process.env.FAULT_SEED ?? 20240301);
  const random = prng(seed);
  const snapshot = await read('sample/snapshot.json');
  const { settings } = await read('scenarios/clinic.json');
  let faulty = false;
  const faults = {};
  const xero = await startFakeXero({
    snapshot,
    idempotency: false,
    fault: (entry) => {
      if (!faulty) return 'none';
      const forced = ['drop-after', '500-after', 'hang-after', 'drop-after', '429', '500-before'];
      const k = Object.values(faults).reduce((a, b) => a + b, 0);
      const r = random();
      const f = k < forced.length ? forced[k] : r < 0.08 ? '429' : r < 0.16 ? '500-before' : r < 0.26 ? '500-after'
        : r < 0.32 ? 'drop-before' : r < 0.42 ? 'drop-after' : r < 0.46 ? 'hang-after' : 'none';
      faults[f] = (faults[f] ?? 0) + 1;
      return f;
    },
  });
  const drive = async (run) => {
    const perform = async (r) => {
      let res, body;
      try {
        res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer test-token' }, body: r.body, signal: AbortSignal.timeout(500) });
        body = await res.text();
      } catch {
        run.lost(r.id, Date.now());
        return;
      }
      run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
    };
    for (let rounds = 0; rounds < 2000 && !run.done; rounds++) {
      const requests = run.next(Date.now());
      if (requests.length > 0) await Promise.all(requests.map(perform));
      else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
      else break;
    }
    assert.ok(run.done, 'run not done');
  };
  try {
    const exporter = new api.Exporter(snapshot, settings);
    const opts = { tenantId: 'tenant-1', maxDocuments: 4, backoffMs: 20, maxAttempts: 30 };
    const invoices = Array.from({ length: 20 }, (_, i) => ({
      id: `v-${i}`, number: `V-${i}`, date: '2024-03-01', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: 'Visit', quantity: 1, unitAmount: '10.00', taxCode: 'GST' }],
    }));
    const created = exporter.plan(invoices, opts);
    await drive(created);
    const docs = created.outcomes();
    assert.ok(docs.every((o) => o.status === 'exported'));
    // Void the first 10; pay the other 10 in two parts (5.00, then 6.50: PAID).
    faulty = true;
    const account = { code: '091' };
    const run = exporter.plan({
      cancels: docs.slice(0, 10).map((o) => ({ sourceId: o.sourceId, xero: { id: o.xeroId, status: 'AUTHORISED', amountPaid: 0 } })),
      payments: docs.slice(10).flatMap((o) => [
        { id: `${o.sourceId}-a`, invoice: { id: o.xeroId, amountDue: '11.50' }, amount: '5.00', date: '2024-03-02', account, reference: 'part' },
        { id: `${o.sourceId}-b`, invoice: { id: o.xeroId, amountDue: '11.50' }, amount: '6.50', date: '2024-03-03', account, reference: 'rest' },
      ]),
    }, opts);
    await drive(run);
    assert.deepEqual(run.cancels().filter((c) => c.status !== 'exported'), [], `seed ${seed}`);
    assert.deepEqual(run.payments().filter((p) => p.status !== 'exported'), [], `seed ${seed}`);
    // Exactly once: each void reached Xero's state once, each invoice has its two payments.
    const reached = (e) => ['none', '500-after', 'drop-after', 'hang-after'].includes(e.fault);
    for (const o of docs.slice(0, 10)) {
      const voids = xero.requests.filter((e) => e.method === 'POST' && reached(e) && e.body.includes(o.xeroId));
      assert.ok(voids.length >= 1, o.sourceId);
      assert.equal(xero.state.created.get(`status:${o.xeroId}:VOIDED`), 1, `seed ${seed}: ${o.sourceId} voided twice`);
      assert.equal(xero.state.invoices.find((d) => d.InvoiceID === o.xeroId).Status, 'VOIDED');
    }
    for (const o of docs.slice(10)) {
      assert.equal(xero.state.created.get(`payment:${o.xeroId}`), 2, `seed ${seed}: ${o.sourceId} paid ${xero.state.created.get(`payment:${o.xeroId}`)} times`);
      assert.equal(xero.state.invoices.find((d) => d.InvoiceID === o.xeroId).Status, 'PAID');
    }
    assert.equal(xero.state.payments.length, 20);
    const log = run.log();
    assert.ok(log.some((row) => row.purpose === 'lookup' && row.paymentId && row.status === 'exported'), 'a lookup found a saved payment');
    assert.ok(log.some((row) => row.purpose === 'lookup' && row.kind === 'ACCREC' && row.status === 'exported'), 'a lookup found a saved void');
    console.log(`seed ${seed}: voids and payments, faults ${JSON.stringify(faults)}, ${log.length} log rows`);
  } finally {
    await xero.close();
  }
});

// Items to create (issue 19) through the same faults, with a fake that ignores
// Idempotency-Keys: a lost PUT /Items (before or after Xero saved it), a 5xx or a 429 is looked
// up by Code before anything is sent again, and a code Xero says it has is looked up, never
// created twice; every invoice goes out once, after its items.
test('items to create through random 429s, 5xx and dropped connections: each created exactly once', { timeout: 180_000 }, async () => {
  const seed = Number(process.env.FAULT_SEED ?? 20240301);
  const random = prng(seed);
  const snapshot = await read('sample/snapshot.json');
  const { settings } = await read('scenarios/clinic.json');
  const faults = {};
  const xero = await startFakeXero({
    snapshot,
    idempotency: false,
    fault: (entry) => {
      if (!entry.url.startsWith('/Items')) return 'none';
      const forced = ['drop-after', '500-after', 'hang-after', 'drop-before', '429', '500-before'];
      const k = Object.values(faults).reduce((a, b) => a + b, 0);
      const r = random();
      const f = k < forced.length ? forced[k] : r < 0.1 ? '429' : r < 0.2 ? '500-before' : r < 0.35 ? '500-after'
        : r < 0.45 ? 'drop-before' : r < 0.6 ? 'drop-after' : r < 0.65 ? 'hang-after' : 'none';
      faults[f] = (faults[f] ?? 0) + 1;
      return f;
    },
  });
  try {
    const exporter = new api.Exporter(snapshot, { ...settings, items: { create: 'missing' } });
    const invoices = Array.from({ length: 24 }, (_, i) => ({
      id: `it-${i}`, number: `IT-${i}`, date: '2024-03-01', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: `Therapy ${i % 6}`, quantity: 1, unitAmount: '60.00', taxCode: 'GST', itemCode: i % 2 ? `THERAPY-${i % 6}` : ` therapy-${i % 6}` }],
    }));
    const run = exporter.plan(invoices, { tenantId: 'tenant-1', maxDocuments: 2, backoffMs: 20, maxAttempts: 30 });
    for (let rounds = 0; rounds < 2000 && !run.done; rounds++) {
      const requests = run.next(Date.now());
      if (requests.length === 0) {
        if (run.wakeAt === null) break;
        await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
        continue;
      }
      await Promise.all(requests.map(async (r) => {
        let res, body;
        try {
          res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer test-token' }, body: r.body, signal: AbortSignal.timeout(500) });
          body = await res.text();
        } catch {
          run.lost(r.id, Date.now());
          return;
        }
        run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
      }));
    }
    assert.ok(run.done, 'run not done');
    assert.deepEqual(run.outcomes().filter((o) => o.status !== 'exported').map((o) => `${o.sourceId} ${o.status}`), [], `seed ${seed}`);
    for (let k = 0; k < 6; k++) assert.equal(xero.state.created.get(`item:therapy-${k}`), 1, `seed ${seed}: THERAPY-${k} created ${xero.state.created.get(`item:therapy-${k}`)} times`);
    assert.equal(xero.state.invoices.length, 24);
    for (const f of ['429', '500-before', '500-after', 'drop-before', 'drop-after', 'hang-after']) assert.ok(faults[f] > 0, `no ${f} fault`);
    const log = run.log();
    assert.ok(log.some((row) => row.kind === 'ITEM' && row.purpose === 'lookup' && row.status === 'exported'), 'a lookup found a saved item');
    console.log(`seed ${seed}: items, faults ${JSON.stringify(faults)}, ${xero.requests.length} requests`);
  } finally {
    await xero.close();
  }
});

// People synced as contacts (issue 19, `syncContacts`) through the same faults, with a fake
// that ignores Idempotency-Keys: a lost PUT /Contacts (before or after Xero saved it), a 5xx or
// a 429 is looked up by name before anything is sent again, so each new member is created
// exactly once; an update without an answer is resent (the same update twice is the same
// update) until Xero has it.
test('people synced through random 429s, 5xx and dropped connections: each created exactly once, each update applied', { timeout: 180_000 }, async () => {
  const seed = Number(process.env.FAULT_SEED ?? 20240401);
  const random = prng(seed);
  const base = await read('sample/snapshot.json');
  const members = Array.from({ length: 12 }, (_, i) => ({
    ContactID: `0000aaaa-0000-4000-8000-${String(i).padStart(12, '0')}`, Name: `Member ${i}`, ContactNumber: `MEM-${i}`, EmailAddress: `member${i}@old.example`, ContactStatus: 'ACTIVE',
  }));
  const snapshot = { ...base, contacts: { Contacts: [...base.contacts.Contacts, ...members] } };
  const faults = {};
  const xero = await startFakeXero({
    snapshot,
    idempotency: false,
    fault: (entry) => {
      if (!entry.url.startsWith('/Contacts')) return 'none';
      const forced = ['drop-after', '500-after', 'hang-after', 'drop-before', '429', '500-before'];
      const k = Object.values(faults).reduce((a, b) => a + b, 0);
      const r = random();
      const f = k < forced.length ? forced[k] : r < 0.1 ? '429' : r < 0.2 ? '500-before' : r < 0.35 ? '500-after'
        : r < 0.45 ? 'drop-before' : r < 0.6 ? 'drop-after' : r < 0.65 ? 'hang-after' : 'none';
      faults[f] = (faults[f] ?? 0) + 1;
      return f;
    },
  });
  try {
    const exporter = new api.Exporter(snapshot, { accounts: { default: '200' }, taxes: { default: 'OUTPUT2' } });
    const people = [
      ...Array.from({ length: 24 }, (_, i) => ({ kind: 'member', id: `new-${i}`, name: `New Member ${i}`, email: `new${i}@example.com` })),
      ...members.map((m, i) => ({ kind: 'member', id: `mem-${i}`, contactId: m.ContactID, email: `member${i}@new.example` })),
    ];
    const run = exporter.syncContacts(people, { tenantId: 'tenant-1', maxDocuments: 5, backoffMs: 20, maxAttempts: 30 });
    for (let rounds = 0; rounds < 2000 && !run.done; rounds++) {
      const requests = run.next(Date.now());
      if (requests.length === 0) {
        if (run.wakeAt === null) break;
        await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
        continue;
      }
      await Promise.all(requests.map(async (r) => {
        let res, body;
        try {
          res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer test-token' }, body: r.body, signal: AbortSignal.timeout(500) });
          body = await res.text();
        } catch {
          run.lost(r.id, Date.now());
          return;
        }
        run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
      }));
    }
    assert.ok(run.done, 'run not done');
    const out = run.people();
    assert.deepEqual(out.filter((p) => !['created', 'updated'].includes(p.status)).map((p) => `${p.personId} ${p.status}`), [], `seed ${seed}`);
    for (let i = 0; i < 24; i++) assert.equal(xero.state.created.get(`contact:New Member ${i}`), 1, `seed ${seed}: New Member ${i} created ${xero.state.created.get(`contact:New Member ${i}`)} times`);
    for (const [i, m] of members.entries()) {
      const c = xero.state.contacts.find((x) => x.ContactID === m.ContactID);
      assert.equal(c.EmailAddress, `member${i}@new.example`);
      assert.equal(c.ContactNumber, `MEM-${i}`, 'a field the host did not send is untouched');
    }
    for (const f of ['429', '500-before', '500-after', 'drop-before', 'drop-after', 'hang-after']) assert.ok(faults[f] > 0, `no ${f} fault`);
    const log = run.log();
    assert.ok(log.some((row) => row.kind === 'CONTACT' && row.purpose === 'lookup' && row.status === 'exported'), 'a lookup found a saved contact');
    console.log(`seed ${seed}: people, faults ${JSON.stringify(faults)}, ${xero.requests.length} requests`);
  } finally {
    await xero.close();
  }
});
