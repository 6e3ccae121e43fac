// The sync page: uses only the package's public API (the web build's entry). The GETs the
// SyncRun plans are answered with the pasted body instead of being fetched.
import init, { version, sync } from '../pkg/web/index.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
};

const ids = ['7f3a1c52-2d4e-4b8a-9c61-0a1b2c3d4e01', '7f3a1c52-2d4e-4b8a-9c61-0a1b2c3d4e02', '7f3a1c52-2d4e-4b8a-9c61-0a1b2c3d4e03', '7f3a1c52-2d4e-4b8a-9c61-0a1b2c3d4e04'];
const sampleExported = [
  { sourceId: 'placement-88', xero: { id: ids[0] }, known: { status: 'AUTHORISED', amountDue: '2300.00', amountPaid: '0.00' } },
  { sourceId: 'placement-89', xero: { id: ids[1] }, known: { status: 'AUTHORISED', amountDue: '1150.00', amountPaid: '0.00' } },
  { sourceId: 'placement-90', xero: { id: ids[2] }, known: { status: 'AUTHORISED', amountDue: '575.00', amountPaid: '0.00' } },
  { sourceId: 'placement-91', xero: { id: ids[3] }, known: { status: 'AUTHORISED', amountDue: '920.00', amountPaid: '0.00' } },
  { sourceId: 'placement-92', xero: { id: 'not-an-id' } },
];
const sampleAnswer = {
  Id: 'c0ffee00-0000-4000-8000-000000000001', Status: 'OK', DateTimeUTC: '/Date(1717236000000)/',
  pagination: { page: 1, pageSize: 100, pageCount: 1, itemCount: 3 },
  Invoices: [
    { InvoiceID: ids[0], InvoiceNumber: 'INV-0088', Type: 'ACCREC', Status: 'PAID', AmountDue: 0.0, AmountPaid: 2300.0, AmountCredited: 0.0, FullyPaidOnDate: '/Date(1717200000000+0000)/',
      Payments: [{ PaymentID: '9a1b2c3d-0000-4000-8000-000000000088', Date: '/Date(1717200000000+0000)/', Amount: 2300.0, Reference: 'Bank feed' }], CreditNotes: [] },
    { InvoiceID: ids[1], InvoiceNumber: 'INV-0089', Type: 'ACCREC', Status: 'AUTHORISED', AmountDue: 650.0, AmountPaid: 500.0, AmountCredited: 0.0,
      Payments: [{ PaymentID: '9a1b2c3d-0000-4000-8000-000000000089', Date: '/Date(1717113600000+0000)/', Amount: 500.0 }], CreditNotes: [] },
    { InvoiceID: ids[2], InvoiceNumber: 'INV-0090', Type: 'ACCREC', Status: 'VOIDED', AmountDue: 0.0, AmountPaid: 0.0, AmountCredited: 0.0, Payments: [], CreditNotes: [] },
  ],
};

function runSync() {
  let exported, answer;
  try {
    exported = JSON.parse($('exported').value);
    answer = JSON.parse($('answer').value);
  } catch (e) {
    $('sync-summary').textContent = `Not JSON: ${e.message}`;
    return;
  }
  let run;
  try {
    run = sync(exported, { tenantId: 'demo-tenant' });
  } catch (e) {
    $('sync-summary').textContent = `${e.code}: ${e.message}`;
    return;
  }
  const gets = [];
  for (let guard = 0; !run.done && guard < 100; guard++) {
    const requests = run.next(0);
    if (requests.length === 0) break;
    for (const r of requests) {
      gets.push(r);
      run.handle(r.id, { status: 200, headers: {}, body: answer }, 0);
    }
  }
  $('sync-gets').replaceChildren(...gets.map((r) => el('li', {}, el('code', { textContent: `${r.method} ${r.url}` }))));
  const issues = run.issues();
  $('sync-issues').replaceChildren(...issues.map((i) => el('li', { className: i.severity, textContent: `${i.code} at ${i.path}: ${i.message}` })));
  const changes = run.changes();
  $('sync-summary').textContent = `${exported.length} invoices, ${gets.length} GET${gets.length === 1 ? '' : 's'}: ${changes.length} changed`
    + `${issues.length ? `, ${issues.length} not synced` : ''}. `
    // syncedAt stays the `since` given (none here) while a document could not be read: a later
    // one would hide a change made to it in between.
    + (run.syncedAt ? `Next sync from ${run.syncedAt}.` : 'Next sync reads everything again (a document was not read).');
  $('sync-table').tBodies[0].replaceChildren(...changes.map((c) => {
    const tr = el('tr', { className: c.event },
      el('td', { textContent: c.sourceId }),
      el('td', { textContent: c.event }),
      el('td', { textContent: `${c.from ?? '?'} → ${c.to ?? '—'}` }),
      el('td', { className: 'num', textContent: c.amountDue ?? '' }),
      el('td', { className: 'num', textContent: c.amountPaid ?? '' }),
      el('td', { textContent: c.fullyPaidOnDate ?? '' }),
      el('td', { textContent: (c.payments ?? []).map((p) => `${p.amount} on ${p.date ?? '?'}`).join(', ') }));
    tr.dataset.id = c.sourceId;
    return tr;
  }));
  run.free();
}

await init();
$('version').textContent = version();
$('exported').value = JSON.stringify(sampleExported, null, 2);
$('answer').value = JSON.stringify(sampleAnswer, null, 2);
$('sync-go').addEventListener('click', runSync);
runSync();
document.body.dataset.ready = '1';
