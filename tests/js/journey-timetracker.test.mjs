// A time tracker's journey through the built package, end to end against the stateful fake
// Xero behind Prism (proxy mode: every request and answer validated against Xero's OpenAPI):
// 1. the workspace's members are matched with Xero's contacts (`importContacts`), linked, and
//    pushed (`syncContacts`): a changed member updated with only what changed, a new one
//    created, an unchanged one left alone;
// 2. the month's hours × rate become bills (ACCPAY, `timesheetInvoice`): entries logged in
//    minutes or decimal hours, grouped per project or per member, rates with cents, a member
//    who logged no hours, a pro bono project at rate 0, a member who is not in Xero;
// 3. the bills are sent (the README's fetch loop), checked in Xero (totals, due dates, contacts);
// 4. payments made in Xero are synced back (`sync`): which bills were paid, in part or in full.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, driveRun, root } from './helpers.mjs';
import { fakeXeroBehindPrism } from './xero-servers.mjs';

const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
const TUI = '9a02a36c-9abc-4187-a621-acb03ae2a8b0';
const SAM = 'a113b47d-abcd-4298-b732-bdc14bf3b9c1';
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';
const tenantId = 'tenant-studio';
// The tracker's Xero screen: bills to the Contractors account, GST on expenses, due 14 days
// after the bill date, approved straight away.
const settings = {
  invoiceType: 'ACCPAY', status: 'AUTHORISED', lineAmountTypes: 'Exclusive',
  accounts: { default: '463' }, taxes: { default: 'INPUT2' },
  dueDate: { rule: 'daysAfter', days: 14 },
};

const servers = fakeXeroBehindPrism({ snapshot });

/** GET from Xero as the tracker does (through Prism). */
async function xeroGet(url) {
  const res = await fetch(servers.proxy.url + url, { headers: { Authorization: 'Bearer t', 'xero-tenant-id': tenantId, Accept: 'application/json' } });
  assert.equal(res.status, 200, url);
  return res.json();
}

/** The README's host loop ("Sending and reconciling"), with fetch. Writes go through Prism;
 *  the sync's GETs straight to the fake (Prism takes seconds to check each Invoices answer). */
async function drive(run, base = servers.proxy.url) {
  assert.ok(await driveRun(run, base, { timeoutMs: 10_000 }), 'the run finished');
}

const writes = () => servers.xero.requests.filter((r) => r.method !== 'GET');

// The workspace's members as the tracker holds them.
const members = [
  // In Xero by contact number; the tracker has their mobile, Xero has none.
  { kind: 'member', id: 'tui', name: 'Tui Contractor', contactNumber: 'M-tui', email: 'tui@contractors.example', phone: { type: 'MOBILE', number: '021 555 0101' } },
  // In Xero by contact number as "Sam Jones"; renamed himself in the tracker.
  { kind: 'member', id: 'sam', name: 'Samuel Jones', contactNumber: 'P-200' },
  // New: not in Xero, paid 7 days after each bill by her contract.
  { kind: 'member', id: 'kiri', firstName: 'Kiri', lastName: 'Walker', email: 'kiri@studio.example', paymentTerms: { bills: { day: 7, type: 'DAYSAFTERBILLDATE' } } },
  // In Xero by email, nothing to change.
  { kind: 'member', id: 'kat', name: 'Katherine Warren', email: 'kat.warren@clampett.com' },
  // Joined this month; not picked for the sync yet.
  { kind: 'member', id: 'hemi', name: 'Hemi Parata', email: 'hemi@studio.example' },
];

test('a time tracker: members imported and synced as contacts, hours billed, bills paid in Xero and synced back', { timeout: 60_000 }, async () => {
  // ---- 1. Members ↔ Xero contacts --------------------------------------------------------
  const exporter = new api.Exporter(snapshot, settings);
  assert.deepEqual(exporter.issues, []);
  const pages = [];
  for (let page = 1; ; page++) {
    const body = await xeroGet(`/Contacts?page=${page}&pageSize=1000&includeArchived=true`);
    pages.push(body);
    if (body.Contacts.length < 1000) break;
  }
  const imported = exporter.importContacts(pages, members);
  assert.deepEqual(imported.issues, []);
  const matched = imported.contacts.filter((c) => c.status === 'matched');
  assert.deepEqual(matched.map((c) => [c.personId, c.contactId, c.matchedBy]), [
    ['kat', KATHERINE, 'email'], ['tui', TUI, 'contactNumber'], ['sam', SAM, 'contactNumber'],
  ]);
  assert.deepEqual(matched.find((c) => c.personId === 'sam').differs, ['name']);
  assert.deepEqual(imported.peopleNotInXero, [2, 4]);
  // Link what matched, as the README shows.
  const linked = members.map((m) => ({ ...m }));
  for (const c of matched) linked[c.person].contactId = c.contactId;

  // Push the members picked (all but Hemi).
  const picked = linked.slice(0, 4);
  const peopleRun = exporter.syncContacts(picked, { tenantId, backoffMs: 20 });
  await drive(peopleRun);
  const people = peopleRun.people();
  assert.deepEqual(people.map((p) => [p.personId, p.status, p.changed ?? []]), [
    ['tui', 'updated', ['phone']], ['sam', 'updated', ['name']], ['kiri', 'created', []], ['kat', 'unchanged', []],
  ]);
  for (const p of people) assert.deepEqual(p.issues ?? [], [], p.personId);
  for (const p of people) linked[p.index].contactId = p.contactId;
  const contact = (id) => servers.xero.state.contacts.find((c) => c.ContactID === id);
  assert.equal(contact(SAM).Name, 'Samuel Jones');
  assert.deepEqual(contact(TUI).Phones.map((p) => [p.PhoneType, p.PhoneNumber]), [['MOBILE', '021 555 0101']]);
  const kiri = contact(linked[2].contactId);
  assert.equal(kiri.Name, 'Kiri Walker');
  assert.deepEqual(kiri.PaymentTerms, { Bills: { Day: 7, Type: 'DAYSAFTERBILLDATE' } });
  assert.deepEqual(writes().map((r) => `${r.method} ${r.url.split('?')[0]}`).sort(), ['POST /Contacts', 'PUT /Contacts']);
  // Only what changed goes out: not Tui's email and number, which Xero already has.
  assert.deepEqual(JSON.parse(writes().find((r) => r.method === 'POST').body), { Contacts: [
    { ContactID: TUI, Phones: [{ PhoneType: 'MOBILE', PhoneNumber: '021 555 0101' }] },
    { ContactID: SAM, Name: 'Samuel Jones' },
  ] });

  // ---- 2. The month's hours → bills --------------------------------------------------------
  // Xero now, as the tracker reads it before billing.
  const fresh = new api.Exporter({ ...snapshot, contacts: await xeroGet('/Contacts?includeArchived=true') }, settings);
  assert.deepEqual(fresh.issues, []);
  const minutes = (m) => m / 60; // the tracker logs minutes; the package takes hours
  const payer = (m) => ({ kind: m.kind, id: m.id, name: m.name ?? `${m.firstName} ${m.lastName}`, contactId: m.contactId });
  const bill = (m, entries, groupBy = 'project') => api.timesheetInvoice({
    id: `bill-${m.id}-2024-03`, number: `${m.id.toUpperCase()}-2024-03`, date: '2024-03-31', groupBy, payer: payer(m), entries,
  });
  const [tui, sam, kiriM, , hemi] = linked;
  const bills = [
    // Tui: the website in minutes (50 + 95 + 20 = 165 min = 2.75 h), the app in decimal hours.
    bill(tui, [
      { member: 'tui', date: '2024-03-04', hours: minutes(50), rate: '87.50', project: 'Website' },
      { member: 'tui', date: '2024-03-05', hours: minutes(95), rate: '87.50', project: 'Website' },
      { member: 'tui', date: '2024-03-06', hours: minutes(20), rate: '87.50', project: 'Website' },
      { member: 'tui', date: '2024-03-07', hours: '3.25', rate: '92.35', project: 'Mobile app' },
    ]),
    // Sam logged no hours this month.
    bill(sam, [{ member: 'sam', date: '2024-03-01', hours: 0, rate: '60.00', project: 'Support' }]),
    // Kiri: paid work, and a pro bono project at rate 0, per member.
    bill(kiriM, [
      { member: 'kiri', date: '2024-03-11', hours: '4.5', rate: '65.40', project: 'Website' },
      { member: 'kiri', date: '2024-03-12', hours: '2', rate: 0, project: 'Food bank (pro bono)' },
      { member: 'kiri', date: '2024-03-13', hours: 1.75, rate: '65.40', project: 'Support' },
    ], 'member'),
    // Hemi is not in Xero yet.
    bill(hemi, [{ member: 'hemi', date: '2024-03-20', hours: '6', rate: '55.00', project: 'Website' }]),
  ];
  assert.deepEqual(bills[0].lines.map((l) => [l.description, String(l.quantity), String(l.unitAmount)]), [
    ['Mobile app (tui): 3.25 h at 92.35', '3.25', '92.35'],
    ['Website (tui): 2.75 h at 87.50', '2.75', '87.50'],
  ]);
  assert.equal(bills[2].lines.length, 2, 'per member: one line per rate');

  const preview = fresh.preview(bills);
  const docs = preview.documents;
  assert.deepEqual(docs.map((d) => d.kind), ['ACCPAY', 'ACCPAY', 'ACCPAY', 'ACCPAY']);
  assert.deepEqual(docs.map((d) => d.dueDate), ['2024-04-14', '2024-04-14', '2024-04-14', '2024-04-14']);
  // Tui: 3.25 × 92.35 = 300.14 (300.1375), 2.75 × 87.50 = 240.63 (240.625); GST 45.02 + 36.09.
  assert.deepEqual(docs[0].totals, { subTotal: '540.77', totalTax: '81.11', total: '621.88' });
  assert.deepEqual(docs[1].totals, { subTotal: '0.00', totalTax: '0.00', total: '0.00' });
  // Kiri: 6.25 × 65.40 = 408.75, 2 × 0 = 0; GST 61.31.
  assert.deepEqual(docs[2].totals, { subTotal: '408.75', totalTax: '61.31', total: '470.06' });
  assert.deepEqual(docs.map((d) => d.contact.contactId), [TUI, SAM, kiri.ContactID, undefined]);
  assert.deepEqual(docs.map((d) => d.blocked), [false, false, false, true]);
  assert.deepEqual(docs[3].issues.map((i) => `${i.severity} ${i.code} ${i.path}`), ['error CONTACT_NOT_FOUND invoices[3].payer']);
  // Sam's 0.00 bill is said (ZERO_TOTAL: nothing is owed), still sent.
  const said = (issues) => issues.map((i) => `${i.severity} ${i.code} ${i.path}`);
  assert.deepEqual(docs.slice(0, 3).map((d) => said(d.issues)), [[], ['warning ZERO_TOTAL invoices[1]'], []]);

  // ---- 3. Send ------------------------------------------------------------------------------
  const before = writes().length;
  const run = fresh.plan(bills, { tenantId, backoffMs: 20 });
  await drive(run);
  const outcomes = run.outcomes();
  assert.deepEqual(outcomes.map((o) => o.status), ['exported', 'exported', 'exported', 'blocked']);
  assert.equal(outcomes[3].issues[0].code, 'CONTACT_NOT_FOUND');
  const sent = writes().slice(before);
  assert.deepEqual(sent.map((r) => `${r.method} ${r.url.split('?')[0]}`), ['PUT /Invoices']);
  assert.equal(JSON.parse(sent[0].body).Invoices.length, 3, 'the blocked bill is not sent');
  const held = (o) => servers.xero.state.invoices.find((i) => i.InvoiceID === o.xeroId);
  for (const [i, o] of outcomes.slice(0, 3).entries()) {
    const doc = held(o);
    assert.equal(doc.Type, 'ACCPAY');
    assert.equal(doc.Status, 'AUTHORISED');
    assert.equal(doc.InvoiceNumber, bills[i].number);
    assert.equal(doc.Contact.ContactID, docs[i].contact.contactId);
    assert.equal(doc.Total.toFixed(2), docs[i].totals.total);
    assert.equal(o.totals.total, docs[i].totals.total);
    assert.equal(o.dueDate, '2024-04-14');
    // The outcome keeps the preview's warning (a backend that only plans reads it there).
    assert.deepEqual(said(o.issues), said(docs[i].issues), bills[i].id);
  }
  assert.deepEqual(held(outcomes[0]).LineItems.map((l) => [l.Quantity, l.UnitAmount, l.LineAmount]), [[3.25, 92.35, 300.14], [2.75, 87.5, 240.63]]);

  // ---- 4. Paid in Xero (bank feed), synced back --------------------------------------------
  const [tuiBill, samBill, kiriBill] = outcomes;
  servers.xero.state.recordPayment(tuiBill.xeroId, tuiBill.amountDue, '2024-04-10');
  servers.xero.state.recordPayment(kiriBill.xeroId, '200.00', '2024-04-12');
  const exported = outcomes.slice(0, 3).map((o) => ({
    sourceId: o.sourceId, xero: { id: o.xeroId },
    known: { status: o.xeroStatus, amountDue: o.amountDue, amountPaid: '0.00' },
  }));
  const back = api.sync(exported, { tenantId, backoffMs: 20 });
  await drive(back, servers.xero.url);
  assert.deepEqual(back.issues(), []);
  const changes = back.changes();
  assert.deepEqual(changes.map((c) => [c.sourceId, c.event, c.to, c.amountDue, c.amountPaid]), [
    [tuiBill.sourceId, 'paid', 'PAID', '0.00', '621.88'],
    [kiriBill.sourceId, 'changed', 'AUTHORISED', '270.06', '200.00'],
  ]);
  assert.equal(changes[0].fullyPaidOnDate, '2024-04-10');
  assert.ok(samBill.xeroId);

  // ---- 5. The rest of Kiri's bill paid from the tracker, then synced again since then -------
  const pay = fresh.plan({ payments: [{
    id: 'payout-kiri-2024-03', invoice: { id: kiriBill.xeroId, amountDue: changes[1].amountDue, status: 'AUTHORISED' },
    amount: changes[1].amountDue, date: '2024-04-20', account: { code: '091' }, reference: 'Payout March',
  }] }, { tenantId, backoffMs: 20 });
  await drive(pay);
  assert.deepEqual(pay.payments().map((p) => [p.status, p.issues]), [['exported', []]]);
  assert.equal(held(kiriBill).Status, 'PAID');
  const known = exported.map((e) => ({ ...e, known: { ...e.known, ...(e.sourceId === tuiBill.sourceId ? { status: 'PAID', amountDue: '0.00', amountPaid: '621.88' } : {}), ...(e.sourceId === kiriBill.sourceId ? { amountDue: '270.06', amountPaid: '200.00' } : {}) } }));
  const again = api.sync(known, { tenantId, since: back.syncedAt, backoffMs: 20 });
  await drive(again, servers.xero.url);
  assert.deepEqual(again.changes().map((c) => [c.sourceId, c.event, c.amountDue, c.amountPaid, c.payments.map((p) => p.amount)]), [
    [kiriBill.sourceId, 'paid', '0.00', '470.06', ['200.00', '270.06']],
  ]);
  assert.doesNotMatch(servers.proxy.log(), /Violation|UNPROCESSABLE_ENTITY/);
  for (const r of [peopleRun, run, back, pay, again]) r.free();
});
