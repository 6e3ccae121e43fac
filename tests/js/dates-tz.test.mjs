// Xero's returned Date and DueDate on a send outcome (issue 18 item 6), decoded from
// `/Date(ms+hhmm)/` to the calendar date Xero meant, with no day shift in any host time zone:
// the same run is driven in child processes under TZ=Pacific/Auckland (UTC+13 in March) and
// TZ=America/Los_Angeles (UTC-7), where a naive `new Date(ms)` lands on another day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pkgDir, root } from './helpers.mjs';

const script = `
const api = require(${JSON.stringify(path.join(pkgDir, 'node/index.cjs'))});
const snapshot = require(${JSON.stringify(path.join(root, 'tests/fixtures/sample/snapshot.json'))});
const e = new api.Exporter(snapshot, { accounts: { default: '200' }, taxes: { default: 'OUTPUT2' } });
const run = e.plan([{ id: 'i', number: 'INV-1', date: '2019-03-11', dueDate: '2019-03-20',
  payer: { contactId: '5cc8cf28-567e-4d43-b287-687cfcaec47c' },
  lines: [{ description: 'x', quantity: 1, unitAmount: '100.00' }] }], { tenantId: 't' });
const [req] = run.next(0);
const el = { InvoiceID: '0b1f0000-0000-4000-8000-000000000001', InvoiceNumber: 'INV-1', Status: 'DRAFT',
  StatusAttributeString: 'OK', Date: '/Date(1552262400000+0000)/', DueDate: '/Date(1553040000000+0000)/',
  SubTotal: 100, TotalTax: 15, Total: 115, AmountDue: 115 };
run.handle(req.id, { status: 200, headers: {}, body: JSON.stringify({ Invoices: [el] }) }, 1);
const [o] = run.outcomes();
const naive = new Date(1552262400000);
console.log(JSON.stringify({ date: o.date, dueDate: o.dueDate, naiveDay: naive.getDate(), offset: naive.getTimezoneOffset() }));
`;

for (const [tz, naiveDay] of [['Pacific/Auckland', 11], ['America/Los_Angeles', 10]]) {
  test(`outcome date and dueDate under TZ=${tz}: the calendar dates Xero returned`, () => {
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' }));
    assert.notEqual(out.offset, 0, 'the zone is not UTC');
    assert.equal(out.naiveDay, naiveDay, 'a naive decode depends on the zone');
    assert.equal(out.date, '2019-03-11');
    assert.equal(out.dueDate, '2019-03-20');
  });
}
