// Host totals that must match Xero's (issue 18 item 1), through the built package:
// - the golden adjusted bodies (tests/golden/host-totals.json, written by tests/host_totals.rs:
//   an explicit TaxAmount, a rounding line) against Xero's OpenAPI schemas, closed, and through
//   xero-node's serializer (a key the SDK does not know would be dropped);
// - the preview through the package shows the adjusted totals and the mechanism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, require, root } from './helpers.mjs';
import { schemaErrors } from './openapi.mjs';

const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
const read = (rel) => JSON.parse(readFileSync(path.join(root, rel), 'utf8'));
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';

test('golden host-total bodies: valid against the OpenAPI schemas (closed) and sent unchanged by xero-node', () => {
  const golden = read('tests/golden/host-totals.json');
  assert.deepEqual(golden.map((g) => g.policy), ['taxOverride', 'taxOverride', 'roundingLine', 'roundingLine']);
  for (const { policy, hostTotal, body } of golden) {
    const [envelope] = Object.keys(body);
    assert.deepEqual(schemaErrors(envelope, body), [], `${policy} ${hostTotal}`);
    const text = JSON.stringify(body);
    const sent = JSON.parse(JSON.stringify(ObjectSerializer.serialize(api.toXeroNode(text), envelope)));
    assert.deepEqual(sent, JSON.parse(text), `${policy} ${hostTotal}`);
  }
});

test('the package previews the adjusted totals and the mechanism', () => {
  const snapshot = read('tests/fixtures/sample/snapshot.json');
  snapshot.accounts.Accounts.push({ Code: '860', Name: 'Rounding', Type: 'CURRLIAB', Status: 'ACTIVE', TaxType: 'NONE', SystemAccount: 'ROUNDING' });
  const line = (u) => ({ description: 'x', quantity: 1, unitAmount: u });
  const inv = { id: 'h-1', date: '2024-01-15', payer: { contactId: KATHERINE }, total: '87.75', lines: [line('25.06'), line('25.61'), line('25.63')] };
  for (const [policy, totals, lines] of [
    ['taxOverride', { subTotal: '76.30', totalTax: '11.45', total: '87.75' }, [0]],
    ['roundingLine', { subTotal: '76.31', totalTax: '11.44', total: '87.75' }, [3]],
  ]) {
    const e = new api.Exporter(snapshot, { accounts: { default: '200' }, taxes: { default: 'OUTPUT2' }, hostTotal: { policy } });
    const [d] = e.preview([inv]).documents;
    assert.deepEqual(d.totals, totals, policy);
    assert.deepEqual(d.adjustment, { mechanism: policy, amount: '0.01', lines }, policy);
    assert.equal(d.difference, undefined, policy);
    assert.equal(d.hostTotal, '87.75');
  }
});
