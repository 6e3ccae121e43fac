// Items to create (issue 19, item 1) through the built package:
// - the golden PUT /Items bodies (tests/golden/items.jsonl, written by tests/items_run.rs) are
//   valid against Xero's OpenAPI schemas, closed, and xero-node's serializer sends them
//   unchanged; toXeroNodeCall maps PUT /Items and GET /Items to createItems and getItems;
// - end to end against the stateful fake Xero behind Prism (every request and answer
//   validated): the item is created before the invoice that uses it, and a code Xero already
//   has (created since the snapshot) is looked up, never created twice.
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
const settings = { status: 'AUTHORISED', accounts: { default: '200' }, taxes: { default: 'OUTPUT2' }, dueDate: { rule: 'daysAfter', days: 14 }, items: { create: 'missing' } };

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

const invoice = (id, code) => ({
  id, number: id.toUpperCase(), date: '2024-03-01', payer: { kind: 'company', id: 'acme', contactId: '8ff1f25b-89ab-4076-9510-9baf2fd1f7af' },
  lines: [{ description: 'Placement fee', quantity: 1, unitAmount: '1500.00', itemCode: code }],
});

test('the golden item bodies: valid against the OpenAPI schemas (closed) and sent unchanged by xero-node', () => {
  const bodies = readFileSync(path.join(root, 'tests/golden/items.jsonl'), 'utf8').trim().split('\n');
  assert.equal(bodies.length, 2);
  for (const text of bodies) {
    const body = JSON.parse(text);
    assert.deepEqual(schemaErrors('Items', body), [], text);
    const sent = JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(text), 'Items')));
    assert.deepEqual(sent, body, text);
    assert.ok(!text.includes('InventoryAssetAccountCode'), 'never a tracked item');
  }
  assert.notDeepEqual(schemaErrors('Items', { Items: [{ Code: 'A', Nmae: 'x' }] }), []);
});

test('PUT and GET /Items as xero-node calls', () => {
  const put = api.toXeroNodeCall({ method: 'PUT', path: '/Items', query: { summarizeErrors: 'false' }, headers: { 'xero-tenant-id': 't', 'Idempotency-Key': 'k' }, body: '{"Items":[{"Code":"A","Name":"A"}]}' });
  assert.equal(put.method, 'createItems');
  assert.deepEqual(put.args.slice(0, 1), ['t']);
  assert.deepEqual(JSON.parse(JSON.stringify(put.args[1])), { items: [{ code: 'A', name: 'A' }] });
  assert.deepEqual(put.args.slice(2), [false, undefined, 'k']);
  const get = api.toXeroNodeCall({ method: 'GET', path: '/Items', query: { where: 'Code=="A"' }, headers: { 'xero-tenant-id': 't' } });
  assert.deepEqual(get, { method: 'getItems', args: ['t', undefined, 'Code=="A"', undefined, undefined] });
});

test('an item is created before the invoice that uses it; one Xero already has is looked up, not created again', async () => {
  const exporter = new api.Exporter(snapshot, settings);
  const preview = exporter.preview([invoice('r-1', 'PLACE-PERM'), invoice('r-2', 'place-perm')]);
  assert.equal(preview.items.length, 1);
  assert.ok(preview.documents[0].issues.some((i) => i.code === 'ITEM_WILL_BE_CREATED'));
  const run = exporter.plan([invoice('r-1', 'PLACE-PERM'), invoice('r-2', 'place-perm')], { tenantId: 'tenant-1', backoffMs: 20 });
  await drive(run, proxy.url);
  assert.deepEqual(run.outcomes().map((o) => o.status), ['exported', 'exported']);
  const order = xero.requests.filter((e) => e.method === 'PUT').map((e) => e.url.split('?')[0]);
  assert.deepEqual(order, ['/Items', '/Invoices']);
  assert.equal(xero.state.created.get('item:place-perm'), 1);
  // Someone created PLACE-TEMP in Xero after the snapshot: Xero's duplicate-code answer is
  // resolved by a lookup, and the invoice goes out with it.
  xero.state.items.push({ ItemID: 'c0ffee00-0000-4000-8000-000000000001', Code: 'PLACE-TEMP', Name: 'Temp placement' });
  const second = exporter.plan([invoice('r-3', 'PLACE-TEMP')], { tenantId: 'tenant-1', backoffMs: 20 });
  await drive(second, proxy.url);
  assert.equal(second.outcomes()[0].status, 'exported');
  const rows = second.log().filter((r) => r.kind === 'ITEM');
  assert.deepEqual(rows.map((r) => `${r.method} ${r.status}`), ['PUT uncertain', 'GET exported']);
  assert.equal(xero.state.created.get('item:place-temp'), undefined);
});
