// After the export, through the built package: voiding and deleting (`plan({cancels})`) and
// recording payments (`plan({payments})`).
// - the golden bodies (tests/golden/lifecycle-*.jsonl, written by tests/lifecycle.rs) are valid
//   against Xero's OpenAPI schemas, closed, and xero-node's serializer sends them unchanged;
// - end to end against the stateful fake Xero behind Prism (proxy mode, every request and
//   answer validated): export, pay in part, void, pay the rest → the invoice is PAID in Xero.
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
const { settings } = read('scenarios/clinic.json');
const BANK = { code: '091' };

let xero, proxy;

before(async () => {
  xero = await startFakeXero({ snapshot });
  proxy = await startPrism({ mode: 'proxy', upstream: xero.url });
});

after(async () => {
  await proxy?.stop();
  await xero?.close();
});

/** Drives a run to the end against `base` (the README's loop, with fetch). */
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

const invoice = (i, amount) => ({
  id: `l-${i}`, number: `L-${i}`, date: '2024-03-01', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
  lines: [{ description: `Visit ${i}`, quantity: 1, unitAmount: amount, taxCode: 'GST' }],
});

test('the golden cancel and payment bodies: valid against the OpenAPI schemas (closed) and sent unchanged by xero-node', () => {
  const bodies = ['lifecycle-cancels.jsonl', 'lifecycle-payments.jsonl']
    .flatMap((f) => readFileSync(path.join(root, 'tests/golden', f), 'utf8').trim().split('\n'));
  assert.equal(bodies.length, 3);
  const seen = [];
  for (const text of bodies) {
    const body = JSON.parse(text);
    const [envelope] = Object.keys(body);
    seen.push(envelope);
    assert.deepEqual(schemaErrors(envelope, body), [], text);
    const sent = JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(text), envelope)));
    assert.deepEqual(sent, body, text);
  }
  assert.deepEqual(seen.sort(), ['CreditNotes', 'Invoices', 'Payments']);
  // A closed schema catches a key Xero does not define.
  assert.notDeepEqual(schemaErrors('Payments', { Payments: [{ Amount: 1, Ammount: 1 }] }), []);
});

test('export, pay in part, void, pay the rest: the invoice is PAID in the fake Xero, every request validated by Prism', async () => {
  const exporter = new api.Exporter(snapshot, settings);
  const opts = { tenantId: 'tenant-1', backoffMs: 20 };
  // 1. Export two invoices (AUTHORISED, 10.00 + 15 % GST = 11.50 each).
  const first = exporter.plan([invoice(1, '10.00'), invoice(2, '10.00')], opts);
  await drive(first, proxy.url);
  const [one, two] = first.outcomes();
  assert.deepEqual([one.status, two.status], ['exported', 'exported']);
  // 2. Pay 5.00 on L-1, void L-2, and create L-3 paid in full in the same run.
  const second = exporter.plan({
    invoices: [invoice(3, '20.00')],
    cancels: [{ sourceId: 'l-2', xero: { id: two.xeroId, number: two.xeroNumber, status: 'AUTHORISED', amountPaid: 0 } }],
    payments: [
      { id: 'pay-1', invoice: { id: one.xeroId, amountDue: one.amountDue, status: 'AUTHORISED' }, amount: '5.00', date: '2024-03-05', account: BANK, reference: 'Part' },
      { id: 'pay-3', invoice: { sourceId: 'l-3' }, amount: '23.00', date: '2024-03-05', account: BANK },
    ],
  }, opts);
  await drive(second, proxy.url);
  assert.deepEqual(second.cancels().map((c) => [c.sourceId, c.status, c.xeroStatus]), [['l-2', 'exported', 'VOIDED']]);
  assert.deepEqual(second.payments().map((p) => [p.id, p.status]), [['pay-1', 'exported'], ['pay-3', 'exported']]);
  // Payments went after the documents: the log's order.
  const purposes = second.log().map((r) => r.purpose);
  assert.ok(purposes.lastIndexOf('documents') < purposes.indexOf('payments'), purposes.join());
  const byNumber = (n) => xero.state.invoices.find((i) => i.InvoiceNumber === n);
  assert.equal(byNumber('L-2').Status, 'VOIDED');
  assert.equal(byNumber('L-3').Status, 'PAID');
  assert.deepEqual([byNumber('L-1').Status, byNumber('L-1').AmountDue], ['AUTHORISED', 6.5]);
  // 3. The rest of L-1: PAID. Voiding it now is refused before sending: it has a payment.
  const third = exporter.plan({
    payments: [{ id: 'pay-2', invoice: { id: one.xeroId, amountDue: '6.50' }, amount: '6.50', date: '2024-03-06', account: BANK }],
    cancels: [{ sourceId: 'l-1-void', xero: { id: '00000000-0000-4000-8000-000000000001', status: 'PAID' } }],
  }, opts);
  await drive(third, proxy.url);
  assert.equal(third.payments()[0].status, 'exported');
  assert.equal(byNumber('L-1').Status, 'PAID');
  assert.equal(third.cancels()[0].status, 'blocked');
  assert.equal(third.cancels()[0].issues[0].code, 'CANCEL_HAS_PAYMENTS');
  // An over-payment never reaches Xero.
  const over = exporter.plan({ payments: [{ id: 'pay-x', invoice: { id: one.xeroId, amountDue: '0.00' }, amount: '1.00', date: '2024-03-07', account: BANK }] }, opts);
  assert.equal(over.payments()[0].issues[0].code, 'PAYMENT_EXCEEDS_DUE');
  assert.ok(over.done);
  // Each payment recorded once; Prism found nothing to object to.
  assert.equal(xero.state.payments.length, 3);
  assert.doesNotMatch(proxy.log(), /Violation|UNPROCESSABLE_ENTITY/);
  for (const run of [first, second, third, over]) run.free();
});

test('edit, read back, send again: unchanged and not sent; payments made by the run are read back by the sync', async () => {
  const exporter = new api.Exporter(snapshot, settings);
  const opts = { tenantId: 'tenant-1', backoffMs: 20 };
  const first = exporter.plan([invoice(10, '10.00')], opts);
  await drive(first, proxy.url);
  const [one] = first.outcomes();
  const held = async () => {
    const res = await fetch(`${proxy.url}/Invoices?IDs=${one.xeroId}&page=1`, { headers: { Authorization: 'Bearer test-token', 'xero-tenant-id': 'tenant-1', Accept: 'application/json' } });
    return (await res.json()).Invoices[0];
  };
  const edited = async () => {
    const document = await held();
    const inv = invoice(10, '10.00');
    inv.lines[0].description = 'Visit 10, extended';
    inv.lines[0].lineItemId = document.LineItems[0].LineItemID;
    return { ...inv, xero: { id: one.xeroId, status: document.Status, document } };
  };
  const edit = exporter.plan([await edited()], opts);
  await drive(edit, proxy.url);
  assert.equal(edit.outcomes()[0].status, 'exported');
  // Regression: the fake dropped Url, so the same edit read back looked changed and was re-sent.
  const again = exporter.plan([await edited()], opts);
  assert.equal(again.outcomes()[0].status, 'unchanged');
  assert.deepEqual(again.next(Date.now()), []);
  assert.ok(again.done);
  const pay = exporter.plan({ payments: [{ id: 'pay-10', invoice: { id: one.xeroId, amountDue: one.amountDue }, amount: one.amountDue, date: '2024-03-09', account: BANK }] }, opts);
  await drive(pay, proxy.url);
  const back = api.sync([{ sourceId: 'l-10', xero: { id: one.xeroId }, known: { status: 'AUTHORISED', amountDue: one.amountDue, amountPaid: '0.00' } }], opts);
  await drive(back, proxy.url);
  const [change] = back.changes();
  assert.deepEqual([change.event, change.to, change.fullyPaidOnDate], ['paid', 'PAID', '2024-03-09']);
  assert.deepEqual(change.payments.map((x) => [x.amount, x.date]), [[one.amountDue, '2024-03-09']]);
  assert.equal(change.payments[0].paymentId, pay.payments()[0].paymentId);
  for (const run of [first, edit, again, pay, back]) run.free();
});

test('misspelt keys: a work key is a thrown XeroExportError, a payment key an error issue on its path', () => {
  const exporter = new api.Exporter(snapshot, settings);
  assert.throws(() => exporter.plan({ paymnets: [] }, { tenantId: 't' }), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && /payments/.test(e.message));
  const run = exporter.plan({ payments: [{ id: 'p', invoice: { id: '0b1f0000-0000-4000-8000-000000000001', amountDue: '1' }, amount: '1', date: '2024-01-01', account: BANK, refrence: 'r' }] }, { tenantId: 't' });
  assert.deepEqual(run.payments()[0].issues.map((i) => `${i.code}@${i.path}`), ['WORK_FIELD_UNKNOWN@payments[0].refrence']);
  run.free();
});
