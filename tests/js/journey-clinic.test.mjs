// A clinic's journey through the built package, as its Node backend drives it (README order):
// import the organisation's Xero contacts page by page, load the snapshot from GET bodies,
// preview a day's appointments (clinician and location tracking per line; payers that are
// patients, next of kin or insurers, matched by stored ContactID, contact number, email or
// name; new patients created), send them in a run (contacts first, then invoices), then the
// next day: edit one sent invoice and re-send it as an update, void one, record a part payment
// from an insurer, fix a clinician on that part-paid invoice (a changed quantity is refused),
// record the rest from the patient, sync statuses back with `since`, and resume a
// run saved mid-way in a fresh Exporter (a restart). Requests go to the stateful fake Xero, whose
// documents are checked; every write body is validated against Xero's OpenAPI schemas (closed,
// with ajv). JOURNEY_PRISM=1 sends everything through Prism's proxy as well (validating requests
// and answers), which costs seconds a request on a loaded machine, so it is off by default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, driveRun } from './helpers.mjs';
import { startPrism } from './prism.mjs';
import { startFakeXero } from './fake-xero.mjs';
import { schemaErrors } from './openapi.mjs';

const TENANT = 'b2c885a9-4bb9-4a00-9b6e-6c2bf60b1a2b';
const AUTH = { Authorization: 'Bearer clinic-token' };
const PAGE_SIZE = 4; // the clinic reads GET /Contacts in pages; small here so there are several

// ---- The organisation in Xero (GET bodies as Xero returns them) ------------------------------
const ID = {
  katherine: '5cc8cf28-567e-4d43-b287-687cfcaec47c',
  jose: '1a2b3c4d-0000-4000-8000-00000000a002',
  southernCross: '6dd9d039-678f-4e54-c398-798d0dbfd58d',
  acc: '1a2b3c4d-0000-4000-8000-00000000a004',
  rangi: '1a2b3c4d-0000-4000-8000-00000000a005',
  renee: '1a2b3c4d-0000-4000-8000-00000000a006',
  ngaio: '1a2b3c4d-0000-4000-8000-00000000a007',
  oldPatient: '1a2b3c4d-0000-4000-8000-00000000a008',
  clinician: '22f10184-0deb-44ae-a312-b1f6ea70e51f',
  location: '0c9fce3e-a111-4d99-803a-62cf3f40e633',
};
const OPT = {
  ngata: '3a1e7b9c-0000-4000-8000-00000000c001',
  lee: '3a1e7b9c-0000-4000-8000-00000000c002',
  locum: '3a1e7b9c-0000-4000-8000-00000000c003',
  ponsonby: '4b2f8c0d-0000-4000-8000-00000000a001',
  newmarket: '4b2f8c0d-0000-4000-8000-00000000a002',
  takapuna: '4b2f8c0d-0000-4000-8000-00000000a003',
};
const xeroContacts = [
  { ContactID: ID.katherine, ContactStatus: 'ACTIVE', Name: 'Katherine Warren', FirstName: 'Katherine', LastName: 'Warren', EmailAddress: 'kat.warren@example.co.nz', ContactNumber: 'P-100', IsCustomer: true, UpdatedDateUTC: '/Date(1709000000000+0000)/' },
  { ContactID: ID.jose, ContactStatus: 'ACTIVE', Name: 'José Muñoz', FirstName: 'José', LastName: 'Muñoz', EmailAddress: 'jose.munoz@example.com', UpdatedDateUTC: '/Date(1709000001000+0000)/' },
  { ContactID: ID.southernCross, ContactStatus: 'ACTIVE', Name: 'Southern Cross Health Insurance', EmailAddress: 'claims@southerncross.example', AccountNumber: 'INS-7', PaymentTerms: { Sales: { Day: 30, Type: 'DAYSAFTERBILLDATE' } }, UpdatedDateUTC: '/Date(1709000002000+0000)/' },
  { ContactID: ID.acc, ContactStatus: 'ARCHIVED', Name: 'ACC (Accident Compensation Corporation)', AccountNumber: 'INS-ACC', UpdatedDateUTC: '/Date(1709000003000+0000)/' },
  { ContactID: ID.rangi, ContactStatus: 'ACTIVE', Name: 'Rangi Tane', EmailAddress: 'rangi.tane@example.co.nz', UpdatedDateUTC: '/Date(1709000004000+0000)/' },
  { ContactID: ID.renee, ContactStatus: 'ACTIVE', Name: 'Renee Dubois', EmailAddress: 'renee@old.example', UpdatedDateUTC: '/Date(1709000005000+0000)/' },
  { ContactID: ID.ngaio, ContactStatus: 'ACTIVE', Name: 'Ngaio Whānau-Smith', UpdatedDateUTC: '/Date(1709000006000+0000)/' },
  { ContactID: ID.oldPatient, ContactStatus: 'ARCHIVED', Name: 'Old Patient', EmailAddress: 'old@example.com', UpdatedDateUTC: '/Date(1709000007000+0000)/' },
];
const ok = (key, list) => ({ Id: '0f0e0d0c-0000-4000-8000-000000000001', Status: 'OK', ProviderName: 'clinic', DateTimeUTC: '/Date(1709510400000)/', [key]: list });
const gets = {
  organisation: ok('Organisations', [{ OrganisationID: TENANT, Name: 'Te Ara Health Clinic Ltd', BaseCurrency: 'NZD', CountryCode: 'NZ', PaymentTerms: { Sales: { Day: 20, Type: 'OFFOLLOWINGMONTH' } } }]),
  accounts: ok('Accounts', [
    { AccountID: '7d05a53d-613d-4eb2-a2fc-dcb6adb80b80', Code: '200', Name: 'Sales', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: 'a1b2c3d4-0000-4000-8000-000000000210', Code: '210', Name: 'Consultation Fees', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: 'a1b2c3d4-0000-4000-8000-000000000215', Code: '215', Name: 'Physiotherapy Income', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: 'ebd06280-af70-4bed-97c6-7451a454ad85', Code: '090', Name: 'Clinic Cheque Account', Type: 'BANK', Status: 'ACTIVE', TaxType: 'NONE', Class: 'ASSET' },
  ]),
  taxRates: ok('TaxRates', [
    { Name: '15% GST on Income', TaxType: 'OUTPUT2', CanApplyToRevenue: true, DisplayTaxRate: 15.0, EffectiveRate: 15.0, Status: 'ACTIVE' },
    { Name: 'No GST', TaxType: 'NONE', CanApplyToRevenue: true, CanApplyToAssets: true, DisplayTaxRate: 0.0, EffectiveRate: 0.0, Status: 'ACTIVE' },
  ]),
  trackingCategories: ok('TrackingCategories', [
    { Name: 'Clinician', Status: 'ACTIVE', TrackingCategoryID: ID.clinician, Options: [
      { TrackingOptionID: OPT.ngata, Name: 'Dr Aroha Ngata', Status: 'ACTIVE' },
      { TrackingOptionID: OPT.lee, Name: 'Dr Ben Lee', Status: 'ACTIVE' },
      { TrackingOptionID: OPT.locum, Name: 'Dr Old Locum', Status: 'ARCHIVED' },
    ] },
    { Name: 'Location', Status: 'ACTIVE', TrackingCategoryID: ID.location, Options: [
      { TrackingOptionID: OPT.ponsonby, Name: 'Ponsonby', Status: 'ACTIVE' },
      { TrackingOptionID: OPT.newmarket, Name: 'Newmarket', Status: 'ACTIVE' },
      { TrackingOptionID: OPT.takapuna, Name: 'Takapuna', Status: 'ARCHIVED' },
    ] },
  ]),
  items: ok('Items', []),
  currencies: ok('Currencies', [{ Code: 'NZD', Description: 'New Zealand Dollar' }]),
};

// ---- The clinic's Xero settings screen: tracking per line, payer rules ----------------------
const settings = {
  invoiceType: 'ACCREC', status: 'AUTHORISED', lineAmountTypes: 'Exclusive',
  accounts: { default: '200', byService: { CONSULT: '210', PHYSIO: '215' } },
  taxes: { default: 'OUTPUT2', byCode: { GST: 'OUTPUT2', EXEMPT: 'NONE' } },
  dueDate: { rule: 'paymentTerms', fallbackDays: 20 },
  templates: { invoiceNumber: '{number}', reference: 'Appt {reference}', url: 'https://clinic.example/appointments/{id}' },
  contacts: { onMissing: 'create', contactNumberFromId: true },
  tracking: { categories: [
    { category: 'Clinician', sources: ['line', 'clinician'], stale: 'ignore',
      clinicians: { 'dr-ngata': 'Dr Aroha Ngata', 'dr-lee': 'dr ben  lee', locum: 'Dr Old Locum', 'dr-walker': 'Dr Hemi Walker' } },
    { category: 'Location', sources: ['line', 'location'], stale: 'fallback', fallback: 'Ponsonby',
      locations: { ponsonby: 'Ponsonby', newmarket: OPT.newmarket, takapuna: 'Takapuna' } },
  ] },
};

// ---- The day's appointments (Monday 4 March 2024) --------------------------------------------
const line = (description, quantity, unitAmount, taxCode, clinicianId, locationId, extra = {}) => ({ description, quantity, unitAmount, taxCode, clinicianId, locationId, ...extra });
const katherine = { kind: 'patient', id: 'P-100', name: 'Katherine Warren' };
const day1 = [
  { id: 'appt-3001', number: 'CL-3001', reference: '2024-03-04 09:00', date: '2024-03-04', total: '190.40', payer: katherine,
    lines: [
      line('Consultation', 1, '95.00', 'GST', 'dr-ngata', 'ponsonby', { serviceCode: 'CONSULT' }),
      line('Wound dressing', 1, '25.61', 'GST', 'dr-ngata', 'ponsonby'),
      line('Follow-up calls', 3, '16.65', 'GST', 'dr-ngata', 'ponsonby', { discountRate: 10 }),
    ] },
  // José by email (Xero's spelling differs in case only).
  { id: 'appt-3002', number: 'CL-3002', reference: '2024-03-04 09:30', date: '2024-03-04',
    payer: { kind: 'patient', id: 'P-205', name: 'José Muñoz', email: 'JOSE.Munoz@Example.com' },
    lines: [
      line('Physiotherapy (45 min)', '0.75', '120.00', 'GST', 'dr-lee', 'newmarket', { serviceCode: 'PHYSIO' }),
      line('ACC45 injury form', 1, '12.50', 'EXEMPT', 'dr-lee', 'newmarket'),
    ] },
  // The insurer by account number; an archived clinician and an archived location.
  { id: 'appt-3003', number: 'CL-3003', reference: '2024-03-04 10:15', date: '2024-03-04',
    payer: { kind: 'thirdParty', id: 'ins-7', name: 'Southern Cross', accountNumber: 'INS-7' },
    lines: [line('Physiotherapy session', 2, '65.00', 'GST', 'locum', 'takapuna', { serviceCode: 'PHYSIO' })] },
  // A new patient (created in Xero), a clinician and a location Xero does not have yet.
  { id: 'appt-3004', number: 'CL-3004', reference: '2024-03-04 11:00', date: '2024-03-04',
    payer: { kind: 'patient', id: 'P-410', firstName: 'Siân', lastName: 'Ó Briain', email: 'sian.obriain@example.ie',
      address: { type: 'STREET', lines: ['4 Karangahape Road'], city: 'Auckland', postalCode: '1010', country: 'New Zealand' },
      phone: { type: 'MOBILE', number: '021 555 0410' } },
    lines: [line('Initial assessment', 1, '140.00', 'GST', 'dr-walker', 'newmarket', { tracking: { Location: 'Grey Lynn' } })] },
  // Next of kin by the ContactID the clinic stored after the import.
  { id: 'appt-3005', number: 'CL-3005', reference: '2024-03-04 13:00', date: '2024-03-04',
    payer: { kind: 'nextOfKin', id: 'nok-12', name: 'Rangi Tane', contactId: ID.rangi },
    lines: [
      line('Consultation (child)', 1, '95.00', 'GST', 'dr-ngata', 'ponsonby', { serviceCode: 'CONSULT' }),
      line('Repeat prescription', 1, '15.00', 'EXEMPT', 'dr-ngata', 'ponsonby'),
    ] },
  // An insurer whose Xero contact is archived: blocked, never sent.
  { id: 'appt-3006', number: 'CL-3006', reference: '2024-03-04 14:00', date: '2024-03-04',
    payer: { kind: 'thirdParty', id: 'acc', name: 'ACC', accountNumber: 'INS-ACC' },
    lines: [line('Injury consultation', 1, '80.00', 'GST', 'dr-lee', 'newmarket')] },
  // A new patient whose name differs from an existing contact's only in accents.
  { id: 'appt-3007', number: 'CL-3007', reference: '2024-03-04 15:00', date: '2024-03-04',
    payer: { kind: 'patient', id: 'P-415', name: 'Renée Dubois', email: 'renee.dubois@example.fr' },
    lines: [line('Massage therapy', '1.5', '73.33', 'GST', 'dr-lee', 'ponsonby')] },
  // A patient matched by name, written with a combining macron (a + U+0304).
  { id: 'appt-3008', number: 'CL-3008', reference: '2024-03-04 16:00', date: '2024-03-04',
    payer: { kind: 'patient', id: 'P-220', name: 'Ngaio Wha\u0304nau-Smith' },
    lines: [line('Consultation', 1, '95.00', 'GST', 'dr-ngata', 'ponsonby', { serviceCode: 'CONSULT' })] },
];

// What Xero will compute, worked by hand (15 % GST per line, half away from zero).
const expected = {
  'CL-3001': { subTotal: '165.57', totalTax: '24.83', total: '190.40' }, // 95 + 25.61 + 44.955→44.96
  'CL-3002': { subTotal: '102.50', totalTax: '13.50', total: '116.00' },
  'CL-3003': { subTotal: '130.00', totalTax: '19.50', total: '149.50' },
  'CL-3004': { subTotal: '140.00', totalTax: '21.00', total: '161.00' },
  'CL-3005': { subTotal: '110.00', totalTax: '14.25', total: '124.25' },
  'CL-3007': { subTotal: '110.00', totalTax: '16.50', total: '126.50' }, // 1.5 × 73.33 = 109.995→110.00
  'CL-3008': { subTotal: '95.00', totalTax: '14.25', total: '109.25' },
};

let xero, proxy, base;
before(async () => {
  xero = await startFakeXero({ snapshot: { contacts: { Contacts: xeroContacts }, taxRates: gets.taxRates } });
  if (process.env.JOURNEY_PRISM) proxy = await startPrism({ mode: 'proxy', upstream: xero.url });
  base = proxy?.url ?? xero.url;
});
after(async () => {
  await proxy?.stop();
  await xero?.close();
});

/** GET through Prism as the backend does it (its own fetch wrapper). */
async function xeroGet(url) {
  const res = await fetch(base + url, { headers: { ...AUTH, 'xero-tenant-id': TENANT, Accept: 'application/json' } });
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

/** A write's body, valid against Xero's OpenAPI schema of its envelope (objects closed). */
function checkBody(request) {
  if (!request.body) return;
  const body = JSON.parse(request.body);
  const [envelope] = Object.keys(body);
  assert.deepEqual(schemaErrors(envelope, body), [], `${request.method} ${request.url}`);
}

/** The README's host loop ("Sending and reconciling"), with fetch. `seen` collects the requests. */
async function drive(run, seen = []) {
  const onRequest = (request) => {
    seen.push(request);
    checkBody(request);
  };
  assert.ok(await driveRun(run, base, { onRequest, timeoutMs: 20_000 }), 'the run finished');
  return seen;
}

const codes = (issues) => issues.map((i) => `${i.severity} ${i.code} ${i.path}`).sort();
const byNumber = (n) => xero.state.invoices.find((i) => i.InvoiceNumber === n);
const money = (n) => Number(n).toFixed(2);
const xeroTotals = (d) => ({ subTotal: money(d.SubTotal), totalTax: money(d.TotalTax), total: money(d.Total) });
const tracking = (l) => (l.Tracking ?? []).map((t) => `${t.Name}=${t.Option}`);

test('a clinic day in Xero: import contacts, preview, send, edit, void, pay, sync, resume after a restart', async () => {
  // ---- 1. Import the organisation's contacts page by page (README loop) --------------------
  const pages = [];
  for (let page = 1; ; page++) {
    const body = await xeroGet(`/Contacts?page=${page}&pageSize=${PAGE_SIZE}&includeArchived=true`);
    pages.push(body);
    if (body.Contacts.length < PAGE_SIZE) break;
  }
  assert.deepEqual(pages.map((p) => p.Contacts.length), [4, 4, 0]);
  const snapshot = { ...gets, contacts: pages }; // the pages as read (README: "or those pages themselves")
  let exporter = new api.Exporter(snapshot, settings);
  assert.deepEqual(codes(exporter.issues), []);
  // The configuration screen says which mapped clinicians and locations Xero lacks or archived.
  assert.deepEqual(exporter.staleMappings().map((m) => `${m.code} ${m.path} ${m.value}`), [
    'TRACKING_OPTION_UNKNOWN settings.tracking.categories[0].clinicians["dr-walker"] Dr Hemi Walker',
    'TRACKING_OPTION_ARCHIVED settings.tracking.categories[0].clinicians["locum"] Dr Old Locum',
    'TRACKING_OPTION_ARCHIVED settings.tracking.categories[1].locations["takapuna"] Takapuna',
  ]);

  const people = [
    katherine,
    { kind: 'patient', id: 'P-205', name: 'José Muñoz', email: 'jose.munoz@example.com' },
    { kind: 'thirdParty', id: 'ins-7', name: 'Southern Cross', accountNumber: 'INS-7' },
    { kind: 'nextOfKin', id: 'nok-12', name: 'Rangi Tane', email: 'rangi.tane@example.co.nz' },
    { kind: 'patient', id: 'P-410', firstName: 'Siân', lastName: 'Ó Briain', email: 'sian.obriain@example.ie' },
  ];
  const imported = exporter.importContacts(pages, people);
  const byContact = Object.fromEntries(imported.contacts.map((c) => [c.contactId, c]));
  assert.deepEqual(imported.summary, { contacts: 8, matched: 4, new: 4, ambiguous: 0, duplicates: 0 });
  assert.deepEqual([byContact[ID.katherine].matchedBy, byContact[ID.katherine].personId], ['contactNumber', 'P-100']);
  assert.equal(byContact[ID.jose].matchedBy, 'email');
  assert.deepEqual([byContact[ID.southernCross].matchedBy, byContact[ID.southernCross].differs], ['accountNumber', ['name', 'email']]);
  assert.equal(byContact[ID.rangi].matchedBy, 'email');
  assert.equal(byContact[ID.acc].contactStatus, 'ARCHIVED');
  assert.deepEqual(imported.peopleNotInXero, [4]);
  assert.deepEqual(imported.issues, []);

  // ---- 2. Preview the day: totals, contacts, tracking, issues ------------------------------
  const preview = exporter.preview(day1);
  const doc = (n) => preview.documents.find((d) => d.number === n);
  for (const [n, totals] of Object.entries(expected)) assert.deepEqual(doc(n).totals, totals, n);
  assert.deepEqual(preview.documents.map((d) => [d.number, d.contact.status, d.contact.matchedBy ?? null, d.blocked]), [
    ['CL-3001', 'existing', 'contactNumber', false],
    ['CL-3002', 'existing', 'email', false],
    ['CL-3003', 'existing', 'accountNumber', false],
    ['CL-3004', 'create', null, false],
    ['CL-3005', 'existing', 'contactId', false],
    ['CL-3006', 'unresolved', null, true],
    ['CL-3007', 'create', null, false],
    ['CL-3008', 'existing', 'name', false],
  ]);
  assert.equal(doc('CL-3008').contact.contactId, ID.ngaio);
  assert.equal(doc('CL-3003').dueDate, '2024-04-03', "the insurer's own terms: 30 days after");
  assert.equal(doc('CL-3001').dueDate, '2024-04-20', "the organisation's: the 20th of next month");
  assert.deepEqual(doc('CL-3001').lines.map((l) => l.tracking.map((t) => `${t.category}=${t.option}/${t.source}`)),
    Array(3).fill(['Clinician=Dr Aroha Ngata/clinician', 'Location=Ponsonby/location']));
  assert.deepEqual(doc('CL-3002').lines[0].tracking.map((t) => [t.option, t.optionId]), [['Dr Ben Lee', OPT.lee], ['Newmarket', OPT.newmarket]]);
  assert.deepEqual(doc('CL-3002').lines.map((l) => [l.accountCode, l.taxType, l.lineAmount, l.taxAmount]), [['215', 'OUTPUT2', '90.00', '13.50'], ['200', 'NONE', '12.50', '0.00']]);
  // Archived clinician dropped, archived location replaced by the fallback; said at the line.
  assert.deepEqual(doc('CL-3003').lines[0].tracking.map((t) => [t.option, t.source, t.replaced ?? null]), [['Ponsonby', 'fallback', 'Takapuna']]);
  assert.deepEqual(codes(doc('CL-3003').issues), [
    'warning TRACKING_FALLBACK_USED invoices[2].lines[0].tracking.Location',
    'warning TRACKING_OPTION_ARCHIVED invoices[2].lines[0].tracking.Clinician',
  ]);
  // New names (a clinician and a location Xero does not have) are reported, not silently lost.
  assert.deepEqual(codes(doc('CL-3004').issues), [
    'warning CONTACT_WILL_BE_CREATED invoices[3].payer',
    'warning TRACKING_FALLBACK_USED invoices[3].lines[0].tracking.Location',
    'warning TRACKING_OPTION_UNKNOWN invoices[3].lines[0].tracking.Clinician',
  ]);
  const unknownClinician = doc('CL-3004').issues.find((i) => i.code === 'TRACKING_OPTION_UNKNOWN');
  assert.match(unknownClinician.message, /Dr Hemi Walker/);
  const greyLynn = doc('CL-3004').issues.find((i) => i.code === 'TRACKING_FALLBACK_USED');
  assert.match(greyLynn.message, /Grey Lynn/);
  assert.deepEqual(codes(doc('CL-3006').issues), ['error CONTACT_ARCHIVED invoices[5].payer']);
  const nearMiss = doc('CL-3007').issues.find((i) => i.code === 'CONTACT_NEAR_MISS');
  assert.ok(nearMiss, JSON.stringify(doc('CL-3007').issues));
  assert.match(nearMiss.message, /Renee Dubois/);
  assert.deepEqual(preview.contacts.map((c) => [c.key, c.contact.Name, c.contact.ContactNumber, c.invoices]), [
    ['patient:P-410', 'Siân Ó Briain', 'P-410', ['appt-3004']],
    ['patient:P-415', 'Renée Dubois', 'P-415', ['appt-3007']],
  ]);
  assert.equal(doc('CL-3004').body, null, 'its contact is still to be created');
  assert.equal(preview.summary.blocked, 1);

  // ---- 3. Send the day in one run: contacts first, then invoices ---------------------------
  const opts = { tenantId: TENANT, backoffMs: 50 };
  const send = exporter.plan(day1, opts);
  const sent = await drive(send);
  const writes = sent.filter((r) => r.method !== 'GET');
  assert.equal(writes[0].purpose, 'contacts');
  assert.deepEqual(JSON.parse(writes[0].body).Contacts.map((c) => c.Name), ['Siân Ó Briain', 'Renée Dubois']);
  const docWrites = writes.filter((r) => r.purpose === 'documents');
  assert.deepEqual(docWrites.flatMap((r) => r.documents).sort(), ['appt-3001', 'appt-3002', 'appt-3003', 'appt-3004', 'appt-3005', 'appt-3007', 'appt-3008']);
  // The invoices of the new patients went once their contacts were answered.
  const rowOf = (key) => send.log().find((row) => row.sourceId === key || row.contactKey === key);
  for (const [appt, patient] of [['appt-3004', 'patient:P-410'], ['appt-3007', 'patient:P-415']]) {
    assert.ok(rowOf(appt).sentAt >= rowOf(patient).finishedAt, appt);
  }
  const outcomes = Object.fromEntries(send.outcomes().map((o) => [o.number, o]));
  assert.deepEqual(send.outcomes().map((o) => o.status), ['exported', 'exported', 'exported', 'exported', 'exported', 'blocked', 'exported', 'exported']);
  // To the cent: the preview, the outcome (Xero's answer) and the document the fake Xero holds.
  for (const [n, totals] of Object.entries(expected)) {
    assert.deepEqual(outcomes[n].totals, totals, n);
    assert.deepEqual(xeroTotals(byNumber(n)), totals, n);
    assert.deepEqual(outcomes[n].issues.filter((i) => i.severity === 'error' || i.code === 'XERO_TOTALS_DIFFER'), [], n);
  }
  assert.equal(outcomes['CL-3003'].dueDate, '2024-04-03');
  assert.equal(byNumber('CL-3006'), undefined, 'the archived payer\'s invoice never reached Xero');
  // Contacts and tracking as Xero holds them.
  const contactOf = (n) => xero.state.contacts.find((c) => c.ContactID === byNumber(n).Contact.ContactID);
  assert.deepEqual(['CL-3001', 'CL-3002', 'CL-3003', 'CL-3005', 'CL-3008'].map((n) => byNumber(n).Contact.ContactID),
    [ID.katherine, ID.jose, ID.southernCross, ID.rangi, ID.ngaio]);
  assert.deepEqual([contactOf('CL-3004').Name, contactOf('CL-3004').ContactNumber, contactOf('CL-3004').EmailAddress], ['Siân Ó Briain', 'P-410', 'sian.obriain@example.ie']);
  assert.equal(contactOf('CL-3007').Name, 'Renée Dubois');
  assert.deepEqual(byNumber('CL-3001').LineItems.map(tracking), Array(3).fill(['Clinician=Dr Aroha Ngata', 'Location=Ponsonby']));
  assert.deepEqual(byNumber('CL-3003').LineItems.map(tracking), [['Location=Ponsonby']]);
  assert.deepEqual(byNumber('CL-3004').LineItems.map(tracking), [['Location=Ponsonby']]);
  assert.deepEqual(byNumber('CL-3002').LineItems.map((l) => [l.AccountCode, l.TaxType]), [['215', 'OUTPUT2'], ['200', 'NONE']]);
  assert.equal(byNumber('CL-3001').Url, 'https://clinic.example/appointments/appt-3001');
  assert.equal(byNumber('CL-3001').Reference, 'Appt 2024-03-04 09:00');
  assert.equal(send.summary().exported, 7);
  assert.equal(xero.state.contacts.length, 10, 'two patients created, once each');

  // The evening sync: the clinic's first lastSync.
  const exported = (run) => run.outcomes().filter((o) => o.xeroId).map((o) => ({ sourceId: o.sourceId, xero: { id: o.xeroId }, known: { status: o.xeroStatus, amountDue: o.amountDue, amountPaid: '0.00' } }));
  const evening = api.sync(exported(send), opts);
  await drive(evening);
  assert.deepEqual(evening.changes(), []);
  const lastSync = evening.syncedAt;
  assert.match(lastSync, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  // ---- 4. The next day: edit CL-3002 (the session ran 60 min), void CL-3005, pay CL-3001 ----
  const held = (await xeroGet(`/Invoices/${outcomes['CL-3002'].xeroId}?unitdp=4`)).Invoices[0];
  const edited = structuredClone(day1[1]);
  edited.lines[0].description = 'Physiotherapy (60 min)';
  edited.lines[0].quantity = 1;
  edited.lines.forEach((l, i) => { l.lineItemId = held.LineItems[i].LineItemID; });
  edited.xero = { id: held.InvoiceID, status: held.Status, document: held };
  const update = exporter.preview([edited]).documents[0];
  assert.deepEqual([update.unchanged ?? false, update.blocked, update.totals], [false, false, { subTotal: '132.50', totalTax: '18.00', total: '150.50' }]);
  assert.deepEqual(codes(update.issues), []);
  const due3001 = outcomes['CL-3001'].amountDue;
  assert.equal(due3001, '190.40');
  const day2 = exporter.plan({
    invoices: [edited],
    cancels: [{ sourceId: 'appt-3005', xero: { id: outcomes['CL-3005'].xeroId, number: 'CL-3005', status: 'AUTHORISED', amountPaid: '0.00' } }],
    payments: [
      { id: 'rcpt-sx-88123', invoice: { id: outcomes['CL-3001'].xeroId, amountDue: due3001, status: 'AUTHORISED' }, amount: '150.00', date: '2024-03-05', account: { code: '090' }, reference: 'Southern Cross claim SX-88123' },
    ],
  }, opts);
  const day2Sent = await drive(day2);
  const updateReq = day2Sent.find((r) => r.purpose === 'documents');
  assert.equal(updateReq.method, 'POST');
  assert.equal(JSON.parse(updateReq.body).Invoices[0].InvoiceID, held.InvoiceID);
  assert.deepEqual(day2.outcomes().map((o) => [o.status, o.totals]), [['exported', { subTotal: '132.50', totalTax: '18.00', total: '150.50' }]]);
  assert.deepEqual(xeroTotals(byNumber('CL-3002')), { subTotal: '132.50', totalTax: '18.00', total: '150.50' });
  assert.deepEqual(byNumber('CL-3002').LineItems.map((l) => [l.LineItemID, l.Description, l.Quantity]), [
    [held.LineItems[0].LineItemID, 'Physiotherapy (60 min)', 1], [held.LineItems[1].LineItemID, 'ACC45 injury form', 1]]);
  assert.deepEqual(byNumber('CL-3002').LineItems.map(tracking), Array(2).fill(['Clinician=Dr Ben Lee', 'Location=Newmarket']));
  assert.deepEqual(day2.cancels().map((c) => [c.sourceId, c.status, c.action, c.xeroStatus]), [['appt-3005', 'exported', 'VOIDED', 'VOIDED']]);
  assert.deepEqual(day2.payments().map((p) => [p.id, p.status, p.amount]), [['rcpt-sx-88123', 'exported', '150.00']]);
  assert.equal(byNumber('CL-3005').Status, 'VOIDED');
  assert.deepEqual([byNumber('CL-3001').Status, byNumber('CL-3001').AmountDue, byNumber('CL-3001').AmountPaid], ['AUTHORISED', 40.4, 150]);

  // The wound dressing on CL-3001 was done by Dr Lee: a tracking fix, which Xero allows on a
  // part-paid invoice; a changed quantity it refuses, said at the line before anything is sent.
  const paidHeld = (await xeroGet(`/Invoices/${outcomes['CL-3001'].xeroId}?unitdp=4`)).Invoices[0];
  const retracked = structuredClone(day1[0]);
  retracked.lines[1].clinicianId = 'dr-lee';
  retracked.lines.forEach((l, i) => { l.lineItemId = paidHeld.LineItems[i].LineItemID; });
  retracked.xero = { id: paidHeld.InvoiceID, status: paidHeld.Status, amountPaid: paidHeld.AmountPaid, document: paidHeld };
  const requantified = structuredClone(retracked);
  requantified.lines[2].quantity = 4;
  const refused = exporter.preview([requantified]).documents[0];
  assert.equal(refused.blocked, true);
  assert.deepEqual(codes(refused.issues).filter((c) => c.startsWith('error')), ['error UPDATE_NOT_ALLOWED invoices[0].lines[2].quantity']);
  const rest = '40.40';
  const day2b = exporter.plan({
    invoices: [retracked],
    payments: [{ id: 'rcpt-eftpos-5531', invoice: { sourceId: 'appt-3001' }, amount: rest, date: '2024-03-05', account: { code: '090' }, reference: 'EFTPOS Katherine Warren' }],
  }, opts);
  const day2bSent = await drive(day2b);
  assert.deepEqual(day2bSent.map((r) => `${r.purpose} ${r.method}`), ['documents POST', 'payments PUT']);
  assert.deepEqual(JSON.parse(day2bSent[0].body).Invoices[0].LineItems[1].Tracking.map((t) => t.Option), ['Dr Ben Lee', 'Ponsonby']);
  assert.deepEqual(day2b.outcomes().map((o) => [o.status, o.amountDue]), [['exported', '40.40']]);
  assert.deepEqual(day2b.payments().map((p) => [p.id, p.status, p.amount]), [['rcpt-eftpos-5531', 'exported', '40.40']]);
  assert.deepEqual(byNumber('CL-3001').LineItems.map(tracking)[1], ['Clinician=Dr Ben Lee', 'Location=Ponsonby']);
  assert.deepEqual([byNumber('CL-3001').Status, byNumber('CL-3001').AmountDue, byNumber('CL-3001').AmountPaid], ['PAID', 0, 190.4]);
  // The insurer paid CL-3003 through the bank feed, in Xero itself.
  xero.state.recordPayment(outcomes['CL-3003'].xeroId, '149.50', '2024-03-05');

  // ---- 5. Sync statuses back since the last sync -------------------------------------------
  const known = exported(send);
  known.find((k) => k.sourceId === 'appt-3002').known.amountDue = '116.00';
  const back = api.sync(known, { ...opts, since: lastSync });
  const reads = await drive(back);
  assert.ok(reads.every((r) => r.method === 'GET' && r.headers['If-Modified-Since'] !== undefined), 'every document is known: read since the last sync');
  assert.deepEqual(back.issues(), []);
  const changes = Object.fromEntries(back.changes().map((c) => [c.sourceId, c]));
  assert.deepEqual(Object.keys(changes).sort(), ['appt-3001', 'appt-3002', 'appt-3003', 'appt-3005']);
  assert.deepEqual([changes['appt-3001'].event, changes['appt-3001'].fullyPaidOnDate, changes['appt-3001'].payments.map((p) => [p.amount, p.reference])],
    ['paid', '2024-03-05', [['150.00', 'Southern Cross claim SX-88123'], ['40.40', 'EFTPOS Katherine Warren']]]);
  assert.deepEqual([changes['appt-3002'].event, changes['appt-3002'].to, changes['appt-3002'].amountDue], ['changed', 'AUTHORISED', '150.50']);
  assert.deepEqual([changes['appt-3003'].event, changes['appt-3003'].amountPaid], ['paid', '149.50']);
  assert.deepEqual([changes['appt-3005'].event, changes['appt-3005'].from, changes['appt-3005'].to], ['voided', 'AUTHORISED', 'VOIDED']);
  assert.ok(back.syncedAt >= lastSync);

  // ---- 6. A run saved mid-way, resumed by a restarted backend ------------------------------
  const tuesday = [
    { id: 'appt-3101', number: 'CL-3101', reference: '2024-03-05 09:00', date: '2024-03-05', payer: katherine,
      lines: [line('Consultation', 1, '95.00', 'GST', 'dr-ngata', 'ponsonby', { serviceCode: 'CONSULT' })] },
    { id: 'appt-3102', number: 'CL-3102', reference: '2024-03-05 09:30', date: '2024-03-05',
      payer: { kind: 'patient', id: 'P-430', name: 'Zoë Ngata-Hēnare', email: 'zoe.hen@example.co.nz' },
      lines: [line('Initial assessment', 1, '140.00', 'GST', 'dr-lee', 'newmarket')] },
  ];
  const store = { state: null, changes: [], seq: 0 }; // the backend's durable store
  let run = exporter.plan(tuesday, opts);
  store.state = run.save();
  store.seq = run.seq;
  const persist = () => { if (run.seq !== store.seq) { store.changes.push(run.changes(store.seq)); store.seq = run.seq; } };
  const fetchOnly = async (r) => {
    checkBody(r);
    const res = await fetch(base + r.url, { method: r.method, headers: { ...r.headers, ...AUTH }, body: r.body });
    return { status: res.status, headers: res.headers, body: await res.text() };
  };
  // The new patient's contact and Katherine's invoice, answered; then Zoë's invoice is sent,
  // Xero saves it, and the process dies before it could hand the answer to the run.
  let reqs = run.next(Date.now());
  persist();
  assert.deepEqual(reqs.map((r) => [r.purpose, r.documents]), [['contacts', ['appt-3102']], ['documents', ['appt-3101']]]);
  for (const r of reqs) run.handle(r.id, await fetchOnly(r), Date.now());
  persist();
  reqs = run.next(Date.now());
  persist();
  assert.deepEqual(reqs.map((r) => [r.purpose, r.documents]), [['documents', ['appt-3102']]]);
  for (const r of reqs) await fetchOnly(r); // saved in Xero; the answer is lost with the process
  run.free();
  exporter.free();
  // The restart: a new Exporter from the stored snapshot and settings, the state and chunks.
  exporter = new api.Exporter(JSON.stringify(snapshot), JSON.stringify(settings));
  run = exporter.resume(store.state, tuesday, { tenantId: TENANT, changes: store.changes });
  const resumed = await drive(run);
  assert.deepEqual(resumed.map((r) => `${r.purpose} ${r.method}`), ['lookup GET'], 'looked up, never sent twice');
  assert.deepEqual(run.outcomes().map((o) => [o.sourceId, o.status, o.totals?.total]), [['appt-3101', 'exported', '109.25'], ['appt-3102', 'exported', '161.00']]);
  assert.equal(xero.state.created.get('CL-3101'), 1);
  assert.equal(xero.state.created.get('CL-3102'), 1);
  assert.equal(xero.state.created.get('contact:Zoë Ngata-Hēnare'), 1);
  assert.equal(contactOf('CL-3102').Name, 'Zoë Ngata-Hēnare');

  // Prism (when used) found nothing to object to in any request or answer.
  if (proxy) assert.doesNotMatch(proxy.log(), /Violation|UNPROCESSABLE_ENTITY/);
  for (const r of [send, evening, day2, day2b, back, run]) r.free();
});
