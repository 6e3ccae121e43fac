// The recruitment CRM's journey, end to end through the built package, as its engineer reads
// the README: the organisation's snapshot and the CRM's Xero settings; a recruiter editing one
// placement invoice while the page previews it (one Exporter, a call per edit); month-end: a
// few hundred placement invoices reviewed through a preview session and sent in one run, among
// them a refunded placement fee (a credit note allocated to the client's open invoice), a new
// client company and a new item created first, an invoice number someone keyed by hand in Xero
// (refused) and answers lost after Xero saved (never a duplicate); then invoices edited after
// sending re-sent (only the changed ones), a cancelled placement voided, payments recorded in
// Xero and the "Sync from Xero" button showing them PAID.
// Requests go to the stateful fake Xero; every write body is checked against Xero's OpenAPI
// schemas (closed: a key Xero does not define fails). Not through Prism's proxy: it took 2-7 s
// a request with whole invoices in the body or the answer on this machine, which would put the
// journey far over its time budget; tests/js/lifecycle.test.mjs covers that path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, driveRun } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';
import { schemaErrors } from './openapi.mjs';

const TENANT = 'kowhai-talent';
const ACME = '1d3a5b70-0000-4000-8000-00000000c100';
const PACIFIC = '1d3a5b70-0000-4000-8000-00000000c101';
const FERN = '1d3a5b70-0000-4000-8000-00000000c102';
const SOUTHERN = '1d3a5b70-0000-4000-8000-00000000c103';
const WALKIN = '1d3a5b70-0000-4000-8000-00000000c1ff';
const CAT_CONSULTANT = '2e4b6c80-0000-4000-8000-00000000ca01';
const CAT_DIVISION = '2e4b6c80-0000-4000-8000-00000000ca02';
const opt = (n) => `2e4b6c80-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;

// ---- The organisation in Xero, as GET bodies (what the CRM reads when it connects) ----------
const snapshot = {
  organisation: { Organisations: [{ Name: 'Kowhai Talent Ltd', BaseCurrency: 'NZD', CountryCode: 'NZ', PaymentTerms: { Sales: { Day: 20, Type: 'OFFOLLOWINGMONTH' } } }] },
  accounts: { Accounts: [
    { AccountID: '3f5c7d90-0000-4000-8000-000000000200', Code: '200', Name: 'Sales', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: '3f5c7d90-0000-4000-8000-000000000210', Code: '210', Name: 'Placement Fees', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: '3f5c7d90-0000-4000-8000-000000000215', Code: '215', Name: 'Advertising Recoveries', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2', Class: 'REVENUE' },
    { AccountID: '3f5c7d90-0000-4000-8000-000000000090', Code: '090', Name: 'Business Account', Type: 'BANK', Status: 'ACTIVE', TaxType: 'NONE', Class: 'ASSET' },
  ] },
  taxRates: { TaxRates: [
    { Name: '15% GST on Income', TaxType: 'OUTPUT2', Status: 'ACTIVE', EffectiveRate: 15, DisplayTaxRate: 15, CanApplyToRevenue: true },
    { Name: 'Zero Rated', TaxType: 'ZERORATED', Status: 'ACTIVE', EffectiveRate: 0, DisplayTaxRate: 0, CanApplyToRevenue: true },
  ] },
  trackingCategories: { TrackingCategories: [
    { Name: 'Consultant', Status: 'ACTIVE', TrackingCategoryID: CAT_CONSULTANT, Options: [
      { TrackingOptionID: opt(1), Name: 'Mere Tane', Status: 'ACTIVE' },
      { TrackingOptionID: opt(2), Name: 'Liam Chen', Status: 'ACTIVE' },
      { TrackingOptionID: opt(3), Name: 'Priya Nair', Status: 'ACTIVE' },
    ] },
    { Name: 'Division', Status: 'ACTIVE', TrackingCategoryID: CAT_DIVISION, Options: [
      { TrackingOptionID: opt(11), Name: 'Technology', Status: 'ACTIVE' },
      { TrackingOptionID: opt(12), Name: 'Healthcare', Status: 'ACTIVE' },
      { TrackingOptionID: opt(13), Name: 'Finance', Status: 'ACTIVE' },
    ] },
  ] },
  contacts: { Contacts: [
    { ContactID: ACME, Name: 'Acme Software Ltd', AccountNumber: 'CO-100', EmailAddress: 'ap@acmesoftware.example', ContactStatus: 'ACTIVE' },
    { ContactID: PACIFIC, Name: 'Pacific Health Group', AccountNumber: 'CO-101', ContactStatus: 'ACTIVE' },
    { ContactID: FERN, Name: 'Fern Bank Ltd', AccountNumber: 'CO-102', ContactStatus: 'ACTIVE' },
    { ContactID: SOUTHERN, Name: 'Southern Logistics Ltd', AccountNumber: 'CO-103', ContactStatus: 'ACTIVE', PaymentTerms: { Sales: { Day: 7, Type: 'DAYSAFTERBILLDATE' } } },
    { ContactID: WALKIN, Name: 'Walk-in Client', ContactStatus: 'ACTIVE' },
  ] },
  items: { Items: [
    { ItemID: '4a6d8ea0-0000-4000-8000-000000000001', Code: 'PERM-FEE', Name: 'Permanent placement fee', IsSold: true, SalesDetails: { AccountCode: '210', TaxType: 'OUTPUT2' } },
    { ItemID: '4a6d8ea0-0000-4000-8000-000000000002', Code: 'ADVERT', Name: 'Job advertising', IsSold: true, SalesDetails: { UnitPrice: 450, AccountCode: '215', TaxType: 'OUTPUT2' } },
  ] },
  currencies: { Currencies: [{ Code: 'NZD', Description: 'New Zealand Dollar' }] },
};

// ---- The CRM's Xero configuration screen ----------------------------------------------------
const settings = {
  invoiceType: 'ACCREC',
  status: 'AUTHORISED',
  lineAmountTypes: 'Exclusive',
  accounts: { default: '210' },
  items: { create: 'missing' }, // "Auto Create Invoice items that do not exist"
  taxes: { default: 'OUTPUT2', byCode: { GST: 'OUTPUT2', OVERSEAS: 'ZERORATED' } },
  dueDate: { rule: 'paymentTerms', fallbackDays: 20 },
  templates: { invoiceNumber: '{number}', reference: '{candidate}: {role}', url: 'https://crm.kowhai.example/placements/{id}' },
  contacts: { onMissing: 'create' }, // "Auto Create companies in Xero"
  tracking: {
    categories: [
      { category: 'Consultant', sources: ['line'], stale: 'error' },
      { category: 'Division', sources: ['line', 'client'], stale: 'ignore' },
    ],
    clients: { 'CO-100': { Division: 'Technology' }, 'CO-101': { Division: 'Healthcare' }, 'CO-102': { Division: 'Finance' }, 'CO-103': { Division: 'Finance' } },
  },
};

const COMPANIES = [
  { kind: 'company', id: 'CO-100', name: 'Acme Software Ltd', accountNumber: 'CO-100' },
  { kind: 'company', id: 'CO-101', name: 'Pacific Health Group', accountNumber: 'CO-101' },
  { kind: 'company', id: 'CO-102', name: 'Fern Bank Ltd', accountNumber: 'CO-102' },
  { kind: 'company', id: 'CO-103', name: 'Southern Logistics Ltd', accountNumber: 'CO-103' },
];
const KAURI = { kind: 'company', id: 'CO-200', name: 'Kauri Dental Group Ltd', accountNumber: 'CO-200', email: 'accounts@kauridental.example' };
const CONSULTANTS = ['Mere Tane', 'Liam Chen', 'Priya Nair'];
const ROLES = ['Senior Developer', 'Practice Nurse', 'Financial Controller', 'Fleet Manager', 'Data Engineer'];
const MONTH = 200;

/** A placement invoice as the CRM holds it: fee = salary × rate %, exact to the cent. */
function placement(i) {
  const n = 3001 + i;
  const company = COMPANIES[i % 4];
  const salary = 60000 + ((i * 1370) % 70000);
  const rate = 15 + (i % 6);
  const fee = ((salary * rate) / 100).toFixed(2);
  const inv = {
    id: `plc-${n}`, number: `KT-${n}`, date: `2026-11-${String(1 + (i % 28)).padStart(2, '0')}`,
    clientId: company.id, payer: company,
    fields: { candidate: `Candidate ${n}`, role: ROLES[i % ROLES.length] },
    lines: [{ description: `Permanent placement: ${ROLES[i % ROLES.length]}, ${rate}% of $${salary}`, quantity: 1, unitAmount: fee, taxCode: 'GST', tracking: { Consultant: CONSULTANTS[i % 3] } }],
  };
  if (i % 5 === 0) inv.lines.push({ description: 'Job advertising (Seek)', quantity: 1, unitAmount: '450.00', itemCode: 'ADVERT', taxCode: 'GST', tracking: { Consultant: CONSULTANTS[i % 3] } });
  return inv;
}

/** November: 200 placements; a refund, a new client, a new item among them. */
function november() {
  const month = Array.from({ length: MONTH }, (_, i) => placement(i));
  // KT-3057: the candidate placed on KT-3013 left in week 6; the guarantee refunds part of it.
  const credited = month[12];
  month[56] = {
    id: 'plc-3057', number: 'KT-3057', date: '2026-11-20', clientId: credited.clientId, payer: credited.payer,
    creditsInvoiceNumber: credited.number, fields: { candidate: credited.fields.candidate, role: 'guarantee refund' },
    lines: [{ description: `Guarantee refund: ${credited.fields.candidate} left in week 6`, quantity: 1, unitAmount: '-3000.00', taxCode: 'GST', tracking: { Consultant: CONSULTANTS[0] } }],
  };
  // KT-3100, KT-3101: a new client, not yet in Xero (in two chunks of the review).
  for (const i of [99, 100]) Object.assign(month[i], { payer: KAURI, clientId: KAURI.id });
  // A premium Seek listing: an item the organisation does not have yet.
  for (const i of [30, 130, 170]) month[i].lines.push({ description: 'Seek Premium listing', quantity: 1, unitAmount: '695.00', itemCode: 'SEEK-PREMIUM', taxCode: 'GST', tracking: { Consultant: 'Liam Chen' } });
  // KT-3199: an overseas candidate's relocation, zero-rated.
  month[198].lines.push({ description: 'Relocation assistance (overseas)', quantity: 1, unitAmount: '1200.00', taxCode: 'OVERSEAS', tracking: { Consultant: 'Priya Nair' } });
  return month;
}

let xero;
let faults = [];
const injected = [];

before(async () => {
  xero = await startFakeXero({
    snapshot,
    fault: (entry) => {
      const f = faults.find((x) => x.match(entry));
      if (!f) return 'none';
      faults = faults.filter((x) => x !== f);
      injected.push(`${f.fault} ${entry.method} ${entry.url.split('?')[0]}`);
      return f.fault;
    },
  });
});

after(async () => {
  await xero?.close();
});

/** The host's send loop, as the README writes it (fetch; a dropped connection is `lost`). */
async function drive(run, maxRounds = 200) {
  assert.ok(await driveRun(run, xero.url, { timeoutMs: 60_000, maxRounds }), 'the run finished');
}

/** A GET the CRM makes itself. */
async function xeroGet(url) {
  const res = await fetch(xero.url + url, { headers: { 'xero-tenant-id': TENANT, Authorization: 'Bearer crm-token', Accept: 'application/json' } });
  assert.equal(res.status, 200, url);
  return res.json();
}

const codes = (issues) => issues.map((i) => `${i.severity} ${i.code} ${i.path}`);
const invoiceIn = (number) => xero.state.invoices.find((d) => d.InvoiceNumber === number);

// The CRM's own store of what it exported (filled as the journey goes).
const crm = new Map(); // sourceId → {xeroId, number, status, amountDue, amountPaid}

test('settings screen: the snapshot and settings parse cleanly, the choices offer the revenue accounts and both categories', () => {
  const exporter = new api.Exporter(snapshot, settings);
  assert.deepEqual(codes(exporter.issues), []);
  const c = exporter.choices();
  assert.deepEqual(c.salesAccounts.map((a) => a.code), ['200', '210', '215']);
  assert.deepEqual(c.tracking.map((t) => [t.number, t.name, t.options.length]), [[1, 'Consultant', 3], [2, 'Division', 3]]);
  assert.deepEqual(exporter.staleMappings(), []);
  assert.equal(exporter.searchContacts('pacific')[0].contactId, PACIFIC);
  // A typo on the settings screen blocks everything, with a did-you-mean.
  const typo = new api.Exporter(snapshot, { ...settings, contacts: { onMisssing: 'create' } });
  const [t] = typo.issues.filter((i) => i.severity === 'error');
  assert.equal(t.code, 'SETTING_UNKNOWN');
  assert.equal(t.path, 'settings.contacts.onMisssing');
  assert.match(t.message, /onMissing/);
  exporter.free();
  typo.free();
});

test('one invoice previewed as the recruiter edits it: one Exporter, a call per edit', () => {
  const exporter = new api.Exporter(snapshot, settings);
  const draft = {
    id: 'plc-4001', number: 'KT-4001', date: '2026-12-03', clientId: 'CO-100', payer: COMPANIES[0],
    fields: { candidate: 'Aroha Ngata', role: 'Senior Developer' },
    lines: [{ description: 'Permanent placement: Senior Developer, 18% of $95,000', quantity: 1, unitAmount: '17100.00', taxCode: 'GST', tracking: { Consultant: 'Mere Tane' } }],
  };
  const show = (inv) => exporter.preview([inv]).documents[0];

  // 1. First keystrokes: the fee alone.
  let d = show(draft);
  assert.equal(d.blocked, false, JSON.stringify(d.issues));
  assert.deepEqual(codes(d.issues), []);
  assert.equal(d.kind, 'ACCREC');
  assert.deepEqual([d.contact.contactId, d.contact.matchedBy], [ACME, 'accountNumber']);
  assert.equal(d.dueDate, '2027-01-20'); // the organisation's terms: 20th of the following month
  assert.deepEqual([d.totals.subTotal, d.totals.totalTax, d.totals.total], ['17100.00', '2565.00', '19665.00']);
  let body = JSON.parse(d.body).Invoices[0];
  assert.equal(body.Reference, 'Aroha Ngata: Senior Developer');
  assert.equal(body.Url, 'https://crm.kowhai.example/placements/plc-4001');
  assert.deepEqual(body.LineItems[0].Tracking.map((t) => [t.Name, t.Option, t.TrackingCategoryID, t.TrackingOptionID]),
    [['Consultant', 'Mere Tane', CAT_CONSULTANT, opt(1)], ['Division', 'Technology', CAT_DIVISION, opt(11)]]);
  assert.deepEqual(d.lines[0].tracking.map((t) => `${t.category}=${t.option} (${t.source})`), ['Consultant=Mere Tane (line)', 'Division=Technology (client)']);

  // 2. A 10 % loyalty discount, typed with the wrong case first: a warning at its path, not dropped silently.
  d = show({ ...draft, lines: [{ ...draft.lines[0], discountrate: 10 }] });
  const [typo] = d.issues;
  assert.deepEqual([typo.severity, typo.code, typo.path], ['warning', 'FIELD_UNKNOWN', 'invoices[0].lines[0].discountrate']);
  assert.match(typo.message, /discountRate/);
  d = show({ ...draft, lines: [{ ...draft.lines[0], discountRate: 10 }] });
  assert.deepEqual([d.totals.subTotal, d.totals.totalTax, d.totals.total], ['15390.00', '2308.50', '17698.50']);
  assert.equal(JSON.parse(d.body).Invoices[0].LineItems[0].DiscountRate, 10);

  // 3. An advertising line from the item list, and a new kind of listing (an item to create).
  const withAds = {
    ...draft,
    lines: [
      { ...draft.lines[0], discountRate: 10 },
      { description: 'Job advertising (Seek)', itemCode: 'advert', taxCode: 'GST', tracking: { Consultant: 'Mere Tane' } },
      { description: 'LinkedIn Recruiter slot', quantity: 2, unitAmount: '249.50', itemCode: 'LI-SLOT', tracking: { Consultant: 'Mere Tane' } },
    ],
  };
  const p = exporter.preview([withAds]);
  d = p.documents[0];
  assert.deepEqual(codes(d.issues), ['warning ITEM_WILL_BE_CREATED invoices[0].lines[2].itemCode']);
  body = JSON.parse(d.body).Invoices[0];
  // The Xero item's price and account are the defaults of a line that names it.
  assert.deepEqual([body.LineItems[1].ItemCode, body.LineItems[1].UnitAmount, body.LineItems[1].AccountCode], ['ADVERT', 450, '215']);
  assert.deepEqual(p.items.map((i) => [i.key, i.item.Code, i.item.Name, i.invoices]), [['li-slot', 'LI-SLOT', 'LinkedIn Recruiter slot', ['plc-4001']]]);
  // 15390 + 450 + 499 = 16339.00; tax 2308.50 + 67.50 + 74.85 = 2450.85.
  assert.deepEqual([d.totals.subTotal, d.totals.totalTax, d.totals.total], ['16339.00', '2450.85', '18789.85']);

  // 4. A consultant picked from a stale list: the document is blocked at the line's path.
  d = show({ ...draft, lines: [{ ...draft.lines[0], tracking: { Consultant: 'Mere Tan' } }] });
  assert.equal(d.blocked, true);
  const err = d.issues.find((i) => i.severity === 'error');
  assert.equal(err.code, 'TRACKING_OPTION_UNKNOWN');
  assert.equal(err.path, 'invoices[0].lines[0].tracking.Consultant');

  // 5. A fee typed with a stray third decimal: refused at its path, never rounded silently.
  d = show({ ...draft, lines: [{ ...draft.lines[0], unitAmount: '17100.005' }] });
  assert.deepEqual(codes(d.issues), ['error TOO_MANY_DECIMALS invoices[0].lines[0].unitAmount']);
  assert.match(d.issues[0].message, /settings\.unitdp/);
  // ... and text that is no amount at all is an error at its path, with no totals.
  d = show({ ...draft, lines: [{ ...draft.lines[0], unitAmount: '17,100' }] });
  assert.equal(d.blocked, true);
  assert.equal(d.totals, null);
  assert.deepEqual(d.issues.filter((i) => i.severity === 'error').map((i) => i.path), ['invoices[0].lines[0].unitAmount']);

  // 6. The client is switched to a company not yet in Xero, with its own terms: it is to be
  //    created (with those terms) before the invoice, whose body waits for its ContactID.
  const totara = { kind: 'company', id: 'CO-300', name: 'Totara Health Ltd', accountNumber: 'CO-300', paymentTerms: { sales: { day: 7, type: 'DAYSAFTERBILLDATE' } } };
  const q = exporter.preview([{ ...draft, payer: totara, clientId: 'CO-300' }]);
  d = q.documents[0];
  assert.deepEqual([d.contact.status, d.contact.key, d.body, d.dueDate], ['create', 'company:CO-300', null, '2026-12-10']);
  assert.deepEqual(codes(d.issues), ['warning CONTACT_WILL_BE_CREATED invoices[0].payer']);
  assert.deepEqual(q.contacts.map((c) => c.contact), [{ Name: 'Totara Health Ltd', AccountNumber: 'CO-300', PaymentTerms: { Sales: { Day: 7, Type: 'DAYSAFTERBILLDATE' } } }]);

  // 7. Back to the good version: the same body as the first time the recruiter typed it.
  assert.equal(show({ ...draft, lines: [{ ...draft.lines[0], discountRate: 10 }] }).body, show({ ...draft, lines: [{ ...draft.lines[0], discountRate: 10 }] }).body);
  exporter.free();
});

test('month-end: 200 placements reviewed in a session, then sent in one run through a refusal and lost answers', async () => {
  // Last week a bookkeeper keyed KT-3150 in Xero by hand, for a walk-in client.
  const keyed = await fetch(`${xero.url}/Invoices?summarizeErrors=false`, {
    method: 'PUT',
    headers: { 'xero-tenant-id': TENANT, Authorization: 'Bearer bookkeeper', 'content-type': 'application/json' },
    body: JSON.stringify({ Invoices: [{ Type: 'ACCREC', InvoiceNumber: 'KT-3150', Contact: { ContactID: WALKIN }, Date: '2026-11-24', DueDate: '2026-12-20', Status: 'AUTHORISED', LineAmountTypes: 'Exclusive', LineItems: [{ Description: 'Reference checks', Quantity: 1, UnitAmount: 150, AccountCode: '200', TaxType: 'OUTPUT2' }] }] }),
  });
  assert.equal((await keyed.json()).Invoices[0].StatusAttributeString, 'OK');
  const sentBefore = xero.requests.length;

  const exporter = new api.Exporter(snapshot, settings);
  const invoices = november();

  // 1. The month-end review, as a backend does it: a session in chunks, bodies only.
  const session = exporter.previewSession({ lines: false });
  let blocked = 0;
  let batch;
  const warnings = [];
  const creditNotes = [];
  for (let start = 0; start < invoices.length; start += 50) {
    const results = session.push(invoices.slice(start, start + 50));
    assert.equal(results.firstIndex, start);
    for (let i = 0; i < results.length; i++) {
      const doc = results.document(i);
      if (doc.blocked) blocked++;
      if (doc.kind === 'ACCRECCREDIT') creditNotes.push([start + i, doc.totals.total, JSON.parse(results.body(i)).CreditNotes[0].Reference]);
      for (const issue of results.issues(i)) warnings.push(`${issue.code} ${issue.path}`);
    }
    batch = results.batch();
    results.free();
  }
  session.free();
  assert.equal(blocked, 0);
  assert.deepEqual(creditNotes, [[56, '3450.00', 'KT-3013']]);
  assert.deepEqual(warnings.sort(), [
    'CONTACT_WILL_BE_CREATED invoices[99].payer', 'CONTACT_WILL_BE_CREATED invoices[100].payer',
    'CONVERTED_TO_CREDIT_NOTE invoices[56]',
    'ITEM_WILL_BE_CREATED invoices[130].lines[2].itemCode', 'ITEM_WILL_BE_CREATED invoices[170].lines[2].itemCode',
    'ITEM_WILL_BE_CREATED invoices[30].lines[2].itemCode',
  ].sort());
  assert.deepEqual(batch.contacts.map((c) => [c.key, c.contact.Name, c.contact.AccountNumber, c.invoices]), [['company:CO-200', 'Kauri Dental Group Ltd', 'CO-200', ['plc-3100', 'plc-3101']]]);
  assert.deepEqual(batch.items.map((i) => [i.key, i.invoices]), [['seek-premium', ['plc-3031', 'plc-3131', 'plc-3171']]]);
  assert.deepEqual([batch.summary.documents, batch.summary.blocked, batch.summary.creditNotes, batch.summary.contactsToCreate], [200, 0, 1, 1]);

  // With "Auto Create companies / items" off, the same month read through a result handle:
  // only the new company's and the new item's invoices are blocked, each saying which setting
  // would create what is missing.
  const strict = new api.Exporter(snapshot, { ...settings, contacts: { onMissing: 'error' }, items: { create: 'never' } });
  const handle = strict.previewResults(invoices, { lines: false });
  const stopped = [];
  for (let i = 0; i < handle.length; i++) {
    if (handle.document(i).blocked) stopped.push(...handle.issues(i).filter((x) => x.severity === 'error').map((x) => `${x.code} ${x.path}`));
  }
  assert.deepEqual(stopped, [
    'ITEM_NOT_FOUND invoices[30].lines[2].itemCode', 'CONTACT_NOT_FOUND invoices[99].payer', 'CONTACT_NOT_FOUND invoices[100].payer',
    'ITEM_NOT_FOUND invoices[130].lines[2].itemCode', 'ITEM_NOT_FOUND invoices[170].lines[2].itemCode',
  ]);
  assert.match(handle.issues(100)[0].message, /settings\.contacts\.onMissing/);
  assert.match(handle.issues(30).find((x) => x.code === 'ITEM_NOT_FOUND').message, /settings\.items\.create/);
  assert.equal(handle.body(100), null, 'no body without its contact');
  handle.free();
  strict.free();

  // 2. Send. The first invoice batch's answer is lost after Xero saved it, the credit note's
  //    answer is a 502 after saving, and the second invoice batch meets the minute limit.
  faults = [
    { match: (e) => e.method === 'PUT' && e.url.startsWith('/Invoices'), fault: 'drop-after' },
    { match: (e) => e.method === 'PUT' && e.url.startsWith('/CreditNotes?'), fault: '500-after' },
    { match: (e) => e.method === 'PUT' && e.url.startsWith('/Invoices'), fault: '429' },
  ];
  const run = exporter.plan(invoices, { tenantId: TENANT, backoffMs: 50 });
  await drive(run);
  assert.deepEqual(injected.sort(), ['429 PUT /Invoices', '500-after PUT /CreditNotes', 'drop-after PUT /Invoices']);

  const outcomes = run.outcomes();
  assert.equal(outcomes.length, MONTH);
  const byNumber = new Map(outcomes.map((o) => [o.number, o]));
  // Xero refused one: the number is taken by another contact's invoice.
  const refused = byNumber.get('KT-3150');
  assert.equal(refused.status, 'failed');
  assert.deepEqual(refused.issues.map((i) => [i.severity, i.code]), [['error', 'DUPLICATE_NUMBER']]);
  assert.match(refused.issues[0].message, /unique/);
  assert.equal(invoiceIn('KT-3150').Contact.ContactID, WALKIN, 'the hand-keyed invoice is untouched');
  // Everything else is in Xero exactly once, with Xero's totals as previewed.
  const exported = outcomes.filter((o) => o.status === 'exported');
  assert.equal(exported.length, MONTH - 1, JSON.stringify(outcomes.filter((o) => o.status !== 'exported' && o.number !== 'KT-3150')));
  for (const [key, times] of xero.state.created) assert.equal(times, 1, `${key} created ${times} times`);
  assert.equal(xero.state.invoices.length, MONTH - 2 + 1); // 198 invoices of ours + the hand-keyed one
  assert.equal(xero.state.creditNotes.length, 1);
  for (const o of exported) {
    assert.deepEqual(o.issues, [], `${o.number}: ${JSON.stringify(o.issues)}`);
    const held = o.kind === 'ACCRECCREDIT' ? xero.state.creditNotes[0] : invoiceIn(o.number);
    assert.equal(held.Total.toFixed(2), o.totals.total, o.number);
    assert.equal(held.Status, o.kind === 'ACCRECCREDIT' ? 'PAID' : 'AUTHORISED', o.number); // the credit is used up
  }
  // The new company was created once, before its invoices, from the CRM's company record.
  const kauri = xero.state.contacts.find((c) => c.Name === 'Kauri Dental Group Ltd');
  assert.deepEqual([kauri.AccountNumber, kauri.EmailAddress], ['CO-200', 'accounts@kauridental.example']);
  assert.equal(invoiceIn('KT-3100').Contact.ContactID, kauri.ContactID);
  assert.equal(invoiceIn('KT-3101').Contact.ContactID, kauri.ContactID);
  assert.equal(xero.state.created.get('contact:Kauri Dental Group Ltd'), 1);
  // The new item was created once, before the invoices that use it, from the first line using it.
  const seek = xero.state.items.find((i) => i.Code === 'SEEK-PREMIUM');
  assert.deepEqual([seek.Name, seek.SalesDetails.UnitPrice, seek.SalesDetails.AccountCode, seek.SalesDetails.TaxType], ['Seek Premium listing', 695, '210', 'OUTPUT2']);
  assert.equal(invoiceIn('KT-3031').LineItems[2].ItemCode, 'SEEK-PREMIUM');
  const writes = xero.requests.slice(sentBefore).filter((e) => e.method !== 'GET');
  const firstUse = writes.findIndex((e) => e.body.includes('SEEK-PREMIUM') && e.url.startsWith('/Invoices'));
  const created = writes.findIndex((e) => e.url.startsWith('/Items'));
  assert.ok(created >= 0 && created < firstUse, 'the item before its invoices');
  // Every write carried summarizeErrors=false and an Idempotency-Key, and a body Xero's schema takes.
  for (const w of writes) {
    assert.match(w.url, /summarizeErrors=false/, w.url);
    assert.match(w.key ?? '', /^xe1-/, w.url);
    const body = JSON.parse(w.body);
    const [envelope] = Object.keys(body);
    assert.deepEqual(schemaErrors(envelope, body), [], `${w.method} ${w.url}`);
  }
  // Tracking as the settings say: the consultant from the line, the division from the client.
  const tracked = invoiceIn('KT-3002').LineItems[0].Tracking.map((t) => `${t.Name}=${t.Option}`);
  assert.deepEqual(tracked, ['Consultant=Liam Chen', 'Division=Healthcare']);
  assert.deepEqual(invoiceIn('KT-3100').LineItems[0].Tracking.map((t) => `${t.Name}=${t.Option}`), ['Consultant=Mere Tane']);
  // Southern Logistics' own terms (7 days) beat the organisation's; the overseas line is zero-rated.
  assert.equal(byNumber.get('KT-3004').dueDate, '2026-11-11');
  assert.equal(byNumber.get('KT-3001').dueDate, '2026-12-20');
  assert.equal(invoiceIn('KT-3199').LineItems[1].TaxAmount, 0);
  // The refund: a credit note, allocated to the client's open invoice KT-3013.
  const refund = byNumber.get('KT-3057');
  assert.equal(refund.kind, 'ACCRECCREDIT');
  assert.deepEqual([refund.allocation?.status, refund.allocation?.invoiceNumber, refund.allocation?.amount], ['allocated', 'KT-3013', '3450.00']);
  const cn = xero.state.creditNotes[0];
  assert.deepEqual([cn.CreditNoteNumber, cn.Reference, cn.Contact.ContactID, cn.RemainingCredit, cn.Status], ['KT-3057', 'KT-3013', ACME, 0, 'PAID']);
  const kt3013 = invoiceIn('KT-3013');
  assert.equal(kt3013.AmountCredited, 3450);
  assert.equal(kt3013.AmountDue.toFixed(2), (kt3013.Total - 3450).toFixed(2));
  // The log has a row per document per request; lost ones were looked up, never resent blind.
  const log = run.log();
  const lookups = log.filter((r) => r.purpose === 'lookup');
  assert.ok(lookups.length >= 2, JSON.stringify(lookups.map((r) => r.url)));
  assert.ok(lookups.every((r) => r.method === 'GET'));
  assert.equal(run.summary().exported, MONTH - 1);
  // The documents whose answer was lost (the dropped connection, the 502) were found by the
  // lookups and never sent again.
  const unanswered = log.filter((r) => r.purpose === 'documents' && r.status === 'uncertain');
  assert.equal(new Set(unanswered.map((r) => r.requestId)).size, 2);
  const lostIds = new Set(unanswered.map((r) => r.sourceId));
  assert.ok(lostIds.has('plc-3057') && lostIds.size > 1);
  const sentAgain = log.filter((r) => r.purpose === 'documents' && r.status !== 'uncertain' && lostIds.has(r.sourceId));
  assert.deepEqual(sentAgain, []);

  for (const o of outcomes) {
    if (o.status === 'exported') crm.set(o.sourceId, { xeroId: o.xeroId, number: o.xeroNumber, kind: o.kind, status: o.xeroStatus, amountDue: o.amountDue, amountPaid: '0.00' });
  }
  run.free();
  exporter.free();
});

test('edited after sending: only the changed invoices are re-sent, a cancelled placement voided, the refused one renumbered', async () => {
  assert.equal(crm.size, MONTH - 1, 'the month-end run ran first');
  const exporter = new api.Exporter(snapshot, settings);
  const month = november();
  const pick = (number) => month.find((i) => i.number === number);
  // The CRM reads the invoices edited since sending back from Xero (unitdp=4, as the README says).
  const numbers = ['KT-3013', 'KT-3020', 'KT-3021', 'KT-3022', 'KT-3023', 'KT-3024'];
  const ids = numbers.map((n) => crm.get(pick(n).id).xeroId);
  const { Invoices: held } = await xeroGet(`/Invoices?IDs=${ids.join(',')}&page=1&unitdp=4`);
  assert.equal(held.length, numbers.length);
  const asUpdate = (inv) => {
    const h = held.find((x) => x.InvoiceNumber === inv.number);
    return { ...inv, xero: { id: h.InvoiceID, document: h }, lines: inv.lines.map((l, k) => ({ ...l, lineItemId: h.LineItems[k].LineItemID })) };
  };
  const edited = numbers.map((n) => asUpdate(pick(n)));
  // KT-3013 was credited by the refund: its fee can no longer change (its description can).
  edited[0].lines[0] = { ...edited[0].lines[0], unitAmount: '9999.00' };
  // KT-3020: the fee was renegotiated to a flat $13,000.
  edited[1].lines[0] = { ...edited[1].lines[0], description: 'Permanent placement: Data Engineer, flat fee agreed', unitAmount: '13000.00' };
  // KT-3021: the candidate's name was misspelt; the reference is made from it.
  edited[2].fields = { ...edited[2].fields, candidate: 'Hemi Walker' };
  // KT-3022..KT-3024 were opened and saved without a change.
  // KT-3150 was refused (number taken): renumbered, it goes out as a new invoice.
  const renumbered = { ...pick('KT-3150'), number: 'KT-3150-1' };
  // KT-3030: the placement fell through before the start date.
  const cancelled = crm.get('plc-3030');

  const preview = exporter.preview(edited);
  assert.deepEqual(preview.documents.map((d) => d.unchanged ?? false), [false, false, false, true, true, true]);
  assert.deepEqual(codes(preview.documents[0].issues.filter((i) => i.severity === 'error')), ['error UPDATE_NOT_ALLOWED invoices[0].lines[0].unitAmount']);

  const sentBefore = xero.requests.length;
  const createdBefore = new Map(xero.state.created);
  const run = exporter.plan({
    invoices: [...edited, renumbered],
    cancels: [{ sourceId: 'plc-3030', xero: { id: cancelled.xeroId, number: cancelled.number, status: 'AUTHORISED', amountPaid: 0 } }],
  }, { tenantId: TENANT, backoffMs: 50 });
  await drive(run);

  const outcomes = run.outcomes();
  assert.deepEqual(outcomes.map((o) => [o.number, o.status]), [
    ['KT-3013', 'blocked'], ['KT-3020', 'exported'], ['KT-3021', 'exported'],
    ['KT-3022', 'unchanged'], ['KT-3023', 'unchanged'], ['KT-3024', 'unchanged'], ['KT-3150-1', 'exported'],
  ]);
  assert.deepEqual(run.cancels().map((c) => [c.sourceId, c.status, c.action, c.xeroStatus]), [['plc-3030', 'exported', 'VOIDED', 'VOIDED']]);
  // What went over the wire: one update carrying only the two changed invoices, by id and with
  // their LineItemIDs; one new invoice; one void. Nothing for the unchanged ones.
  const sent = xero.requests.slice(sentBefore);
  assert.deepEqual(sent.map((e) => `${e.method} ${e.url.split('?')[0]}`).sort(), ['POST /Invoices', 'POST /Invoices', 'PUT /Invoices']);
  for (const e of sent) assert.deepEqual(schemaErrors('Invoices', JSON.parse(e.body)), [], `${e.method} ${e.url}`);
  const posted = sent.filter((e) => e.method === 'POST').map((e) => JSON.parse(e.body).Invoices);
  const update = posted.find((els) => els[0].LineItems);
  const voiding = posted.find((els) => !els[0].LineItems);
  assert.deepEqual(update.map((el) => el.InvoiceNumber), ['KT-3020', 'KT-3021']);
  assert.deepEqual(update.map((el) => el.InvoiceID), [crm.get('plc-3020').xeroId, crm.get('plc-3021').xeroId]);
  assert.ok(update.every((el) => el.LineItems.every((l) => l.LineItemID)), 'every line with its LineItemID');
  assert.deepEqual(voiding, [{ InvoiceID: cancelled.xeroId, Status: 'VOIDED' }]);
  // What Xero holds now.
  assert.deepEqual([invoiceIn('KT-3020').Total, invoiceIn('KT-3020').LineItems[0].Description], [14950, 'Permanent placement: Data Engineer, flat fee agreed']);
  assert.equal(outcomes[1].totals.total, '14950.00');
  assert.equal(invoiceIn('KT-3021').Reference, 'Hemi Walker: Senior Developer');
  assert.equal(invoiceIn('KT-3030').Status, 'VOIDED');
  assert.equal(invoiceIn('KT-3150-1').Contact.ContactID, PACIFIC);
  assert.equal(invoiceIn('KT-3013').LineItems[0].UnitAmount, held.find((h) => h.InvoiceNumber === 'KT-3013').LineItems[0].UnitAmount);
  // No document was created twice; only KT-3150-1 is new.
  const created = [...xero.state.created].filter(([k, v]) => createdBefore.get(k) !== v).map(([k]) => k);
  assert.deepEqual(created.sort(), ['KT-3150-1', `status:${cancelled.xeroId}:VOIDED`].sort());

  for (const o of outcomes) {
    if (o.status === 'exported') crm.set(o.sourceId, { ...crm.get(o.sourceId), xeroId: o.xeroId, number: o.xeroNumber, kind: o.kind, status: o.xeroStatus, amountDue: o.amountDue, amountPaid: '0.00' });
  }
  crm.set('plc-3030', { ...cancelled, status: 'VOIDED' });
  run.free();
  exporter.free();
});

test('payments recorded in Xero, an invoice voided there: "Sync from Xero" shows them, and only them', async () => {
  assert.ok(crm.has('plc-3040'), 'the month-end run ran first');
  // The bank feed reconciles KT-3040 in full and KT-3041 in part; the accountant voids KT-3045.
  const paid = invoiceIn('KT-3040');
  xero.state.recordPayment(paid.InvoiceID, String(paid.Total), '2026-12-05');
  xero.state.recordPayment(invoiceIn('KT-3041').InvoiceID, '1000.00', '2026-12-06');
  xero.state.setStatus(invoiceIn('KT-3045').InvoiceID, 'VOIDED');

  const exported = [...crm].map(([sourceId, r]) => (r.kind === 'ACCRECCREDIT'
    ? { sourceId, kind: 'creditNote', xero: { id: r.xeroId }, known: { status: r.status, remainingCredit: r.amountDue } }
    : { sourceId, xero: { id: r.xeroId }, known: { status: r.status, amountDue: r.amountDue, amountPaid: r.amountPaid } }));
  const syncOnce = async (since) => {
    const run = api.sync(exported, { tenantId: TENANT, since, backoffMs: 50 });
    await drive(run);
    assert.deepEqual(run.issues(), []);
    const result = { changes: run.changes(), syncedAt: run.syncedAt, summary: run.summary() };
    run.free();
    return result;
  };

  const first = await syncOnce(undefined);
  const bySource = new Map(first.changes.map((c) => [c.sourceId, c]));
  const p = bySource.get('plc-3040');
  assert.deepEqual([p.event, p.from, p.to, p.amountDue, p.amountPaid, p.fullyPaidOnDate], ['paid', 'AUTHORISED', 'PAID', '0.00', paid.Total.toFixed(2), '2026-12-05']);
  assert.deepEqual(p.payments.map((x) => [x.amount, x.date]), [[paid.Total.toFixed(2), '2026-12-05']]);
  const part = bySource.get('plc-3041');
  assert.deepEqual([part.event, part.to, part.amountPaid], ['changed', 'AUTHORISED', '1000.00']);
  assert.equal(bySource.get('plc-3045').event, 'voided');
  // KT-3013 was credited by the refund during the month-end run, KT-3057 used up.
  const credited = bySource.get('plc-3013');
  assert.deepEqual([credited?.event, credited?.amountCredited], ['changed', '3450.00']);
  assert.deepEqual(credited.creditNotes?.map((c) => [c.number, c.amount]), [['KT-3057', '3450.00']]);
  assert.deepEqual([bySource.get('plc-3057')?.kind, bySource.get('plc-3057')?.to, bySource.get('plc-3057')?.remainingCredit], ['creditNote', 'PAID', '0.00']);
  assert.deepEqual([...bySource.keys()].sort(), ['plc-3013', 'plc-3040', 'plc-3041', 'plc-3045', 'plc-3057']);
  assert.ok(first.syncedAt, 'Xero\'s time of the sync, to store');
  // 199 invoices: 40 ids a GET → 5 GETs, and one for the credit note.
  assert.equal(first.summary.requests, 6);

  // The CRM stores what it learnt; the next sync (since then) reports nothing new.
  for (const c of first.changes) {
    const r = crm.get(c.sourceId);
    crm.set(c.sourceId, { ...r, status: c.to, amountDue: c.kind === 'creditNote' ? c.remainingCredit : c.amountDue, amountPaid: c.amountPaid });
  }
  exported.splice(0, exported.length, ...[...crm].map(([sourceId, r]) => (r.kind === 'ACCRECCREDIT'
    ? { sourceId, kind: 'creditNote', xero: { id: r.xeroId }, known: { status: r.status, remainingCredit: r.amountDue } }
    : { sourceId, xero: { id: r.xeroId }, known: { status: r.status, amountDue: r.amountDue, amountPaid: r.amountPaid } })));
  const second = await syncOnce(first.syncedAt);
  assert.deepEqual(second.changes, []);
  assert.equal(crm.get('plc-3040').status, 'PAID');
});

test('after the sync: a part-paid invoice\'s reference corrected (its payment stays), its fee and a paid one\'s left alone', async () => {
  assert.equal(crm.get('plc-3041')?.amountPaid, '1000.00', 'the sync ran first');
  const exporter = new api.Exporter(snapshot, settings);
  const month = november();
  const [kt3040, kt3041] = [month[39], month[40]];
  const { Invoices: held } = await xeroGet(`/Invoices?IDs=${crm.get('plc-3040').xeroId},${crm.get('plc-3041').xeroId}&page=1&unitdp=4`);
  const asUpdate = (inv) => {
    const h = held.find((x) => x.InvoiceNumber === inv.number);
    return { ...inv, xero: { id: h.InvoiceID, document: h }, lines: inv.lines.map((l, k) => ({ ...l, lineItemId: h.LineItems[k].LineItemID })) };
  };
  // The candidate on KT-3041 was misspelt: the reference changes, which Xero allows on a paid invoice.
  const renamed = asUpdate({ ...kt3041, fields: { ...kt3041.fields, candidate: 'Ana Folau' } });
  // The fee of the same invoice cannot change any more: refused before sending, at the line's path.
  const refee = asUpdate(kt3041);
  refee.lines[0] = { ...refee.lines[0], unitAmount: '1.00' };
  const [r] = exporter.preview([renamed]).documents;
  const [f] = exporter.preview([refee]).documents;
  assert.equal(r.blocked, false, JSON.stringify(r.issues));
  assert.deepEqual(codes(f.issues.filter((i) => i.severity === 'error')), ['error UPDATE_NOT_ALLOWED invoices[0].lines[0].unitAmount']);
  // A reference fix on the fully paid KT-3040 is not sent either (README: PAID takes no edit).
  const [p] = exporter.preview([asUpdate({ ...kt3040, fields: { ...kt3040.fields, candidate: 'Sione Taufa' } })]).documents;
  assert.deepEqual(codes(p.issues.filter((i) => i.severity === 'error')), ['error UPDATE_NOT_ALLOWED invoices[0].xero.status']);

  const sentBefore = xero.requests.length;
  const run = exporter.plan([renamed], { tenantId: TENANT, backoffMs: 50 });
  await drive(run);
  const [o] = run.outcomes();
  assert.equal(o.status, 'exported', JSON.stringify(o));
  const sent = xero.requests.slice(sentBefore);
  assert.deepEqual(sent.map((e) => `${e.method} ${e.url.split('?')[0]}`), ['POST /Invoices']);
  assert.deepEqual(schemaErrors('Invoices', JSON.parse(sent[0].body)), []);
  // Xero keeps the payment: the reference changed, nothing else.
  const now = invoiceIn('KT-3041');
  const was = held.find((x) => x.InvoiceNumber === 'KT-3041');
  assert.equal(now.Reference, 'Ana Folau: Senior Developer');
  assert.deepEqual([now.Status, now.AmountPaid, now.AmountDue, now.Total, now.Payments.length], ['AUTHORISED', 1000, was.AmountDue, was.Total, 1]);
  assert.equal(o.amountDue, was.AmountDue.toFixed(2));
  // Had the fee gone out anyway, Xero would refuse it (the fake as reference §2.6 says).
  const raw = JSON.parse(sent[0].body);
  raw.Invoices[0].LineItems[0].UnitAmount = 1;
  const refused = await fetch(`${xero.url}/Invoices?summarizeErrors=false`, { method: 'POST', headers: { 'xero-tenant-id': TENANT, Authorization: 'Bearer crm-token' }, body: JSON.stringify(raw) });
  assert.match((await refused.json()).Invoices[0].ValidationErrors[0].Message, /has a payment or credit note allocated/);
  assert.equal(invoiceIn('KT-3041').AmountPaid, 1000);
  run.free();
  exporter.free();
});
