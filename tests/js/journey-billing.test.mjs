// A billing tool's journey through the built package: each client's two tracking options set in
// bulk by CSV, end to end.
// 1. the client list is exported (`exportTrackingCsv` of the `xero-export/csv` entry) with the
//    options the settings hold, for the user to fill in a spreadsheet;
// 2. the file comes back from Excel (BOM, CRLF, a column added) with realistic mistakes: a
//    misspelt option, an archived one, a duplicated client, a formula typed into a cell, a row
//    with a stray extra field; it is validated streamed (`TrackingCsvValidator`, csv entry) and
//    in one call (`validateTrackingCsv`, full entry), with the same result;
// 3. the valid rows' assignments are merged into `settings.tracking.clients`; the failing rows'
//    clients keep what they had;
// 4. the month's invoices for those clients are previewed and sent (the README's fetch loop,
//    through Prism's proxy to the stateful fake Xero) with the tracking on every line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, driveRun, pkgDir, require, root } from './helpers.mjs';
import { fakeXeroBehindPrism } from './xero-servers.mjs';

const csv = require(path.join(pkgDir, 'csv/node/index.cjs')); // `xero-export/csv`
const snapshot = JSON.parse(readFileSync(path.join(root, 'tests/fixtures/sample/snapshot.json'), 'utf8'));
const tenantId = 'tenant-agency';
const HARBOUR = 'b224c58e-bcde-43a9-8843-ced25c04cad2';
const ACME = '8ff1f25b-89ab-4076-9510-9baf2fd1f7af';
const SAM = 'a113b47d-abcd-4298-b732-bdc14bf3b9c1';
const INSURER = '6dd9d039-678f-4e54-c398-798d0dbfd58d';
const KATHERINE = '5cc8cf28-567e-4d43-b287-687cfcaec47c';
const OPT = {
  aroha: '3a1e7b9c-0000-4000-8000-00000000c001', ben: '3a1e7b9c-0000-4000-8000-00000000c002', general: '3a1e7b9c-0000-4000-8000-00000000c009',
  north: '4b2f8c0d-0000-4000-8000-00000000a001', south: '4b2f8c0d-0000-4000-8000-00000000a002',
};

// The billing tool's clients and its Xero settings as they were before the import.
const clients = [
  { id: 'C-100', name: 'Harbour Dental', email: 'accounts@harbourdental.example', contactId: HARBOUR },
  { id: 'C-101', name: 'Acme Recruiting Client Ltd', email: '', contactId: ACME },
  { id: 'C-102', name: 'Sam Jones', email: '', contactId: SAM },
  { id: 'C-103', name: 'Southern Cross Health Insurance', email: 'claims@southerncross.example', contactId: INSURER },
  { id: '-C-104', name: '=Warren Family Trust', email: 'kat.warren@clampett.com', contactId: KATHERINE },
];
const baseSettings = {
  invoiceType: 'ACCREC', status: 'AUTHORISED', lineAmountTypes: 'Exclusive',
  accounts: { default: '200' }, taxes: { default: 'OUTPUT2' }, dueDate: { rule: 'daysAfter', days: 20 },
  tracking: {
    categories: [
      { category: 'Clinician', sources: ['line', 'client'], stale: 'error' },
      { category: 'Location', sources: ['line', 'client'], stale: 'error' },
    ],
    clients: { 'C-100': { Clinician: 'Dr Aroha Smith', Location: 'North' }, 'C-102': { Clinician: 'General', Location: 'South' } },
  },
};

const servers = fakeXeroBehindPrism({ snapshot });

/** The README's host loop ("Sending and reconciling"), with fetch, through Prism. */
async function drive(run) {
  assert.ok(await driveRun(run, servers.proxy.url), 'the run finished');
}

/** What Excel does to the file: CSV cells read back as it shows them (a leading `'` is its
 *  "text" marker, not part of the value), `edit(row)` applied, saved as "CSV UTF-8". */
function throughExcel(text, edit) {
  const rows = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean).map(parseRow);
  const out = edit(rows);
  return `\uFEFF${out.map((r) => r.map(quote).join(',')).join('\r\n')}\r\n`;
}
function parseRow(line) {
  const cells = [];
  for (let i = 0; i <= line.length;) {
    if (line[i] === '"') {
      let v = ''; i++;
      for (; i < line.length; i++) {
        if (line[i] === '"' && line[i + 1] === '"') { v += '"'; i++; } else if (line[i] === '"') break; else v += line[i];
      }
      cells.push(v); i += 2;
    } else {
      const end = line.indexOf(',', i) === -1 ? line.length : line.indexOf(',', i);
      cells.push(line.slice(i, end)); i = end + 1;
    }
  }
  return cells.map((c) => (c.startsWith("'") ? c.slice(1) : c));
}
const quote = (c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

test('a billing tool: client tracking exported, filled in a spreadsheet, validated, merged into the settings, and sent on every line', { timeout: 60_000 }, async () => {
  // ---- 1. Export the client list with today's options -------------------------------------
  const exporter = new api.Exporter(snapshot, baseSettings);
  assert.deepEqual(exporter.issues, []);
  const [cat1, cat2] = exporter.choices().tracking; // the CSV's "Xero Tracking Category 1" and "2"
  assert.deepEqual([cat1.name, cat2.name], ['Clinician', 'Location']);
  const current = baseSettings.tracking.clients;
  const rows = clients.map((c) => ({
    'Client ID': c.id, Name: c.name, Email: c.email,
    'Xero Tracking Category 1': current[c.id]?.[cat1.name] ?? '',
    'Xero Tracking Category 2': current[c.id]?.[cat2.name] ?? '',
  }));
  const exported = csv.exportTrackingCsv(rows, { bom: true });
  assert.equal(exported, api.exportTrackingCsv(rows, { bom: true }), 'both entries write the same file');
  assert.equal(exported.split('\r\n')[0], '\uFEFFClient ID,Name,Email,Xero Tracking Category 1,Xero Tracking Category 2');
  // Formula-looking cells are neutralised for the spreadsheet.
  assert.match(exported, /\r\n'-C-104,'=Warren Family Trust,kat\.warren@clampett\.com,,\r\n/);
  // Read back untouched, the file gives the settings it came from.
  const untouched = csv.validateTrackingCsv(snapshot, exported);
  assert.deepEqual(untouched.issues, []);
  assert.deepEqual(untouched.assignments['C-100'], current['C-100']);
  assert.deepEqual(untouched.assignments['-C-104'], { Clinician: '', Location: '' });

  // ---- 2. Filled in Excel, with the mistakes people make -----------------------------------
  const edited = throughExcel(exported, (r) => {
    const [head, c100, c101, c102, c103, c104] = r;
    return [
      [...head, 'Notes'],                                   // a column of their own
      [...c100, 'unchanged'],
      [...c101.slice(0, 3), 'Dr Ben Lee', 'Nroth', 'typo'],   // misspelt option
      [...c102.slice(0, 3), 'General', 'Harbour', 'closed site'], // archived option
      [...c103.slice(0, 3), 'general', ' south ', ''],      // case and spaces are fine
      [...c103.slice(0, 3), 'Dr Ben Lee', 'North', 'pasted twice'], // a duplicated client
      [...c104.slice(0, 3), '=VLOOKUP(A2,Sheet2!A:B,2)', 'None', ''], // a formula typed in
      ['C-105', 'New Client', '', 'General', 'North', 'x', 'y'], // a stray extra field
    ];
  });
  assert.ok(edited.startsWith('\uFEFFClient ID,Name,Email,Xero Tracking Category 1,Xero Tracking Category 2,Notes\r\n'));
  assert.match(edited, /\r\n-C-104,=Warren Family Trust,/, 'Excel saves the cells without their text marker');

  // Streamed from the CSV entry, in chunks that split rows, quotes and characters anywhere.
  const v = new csv.TrackingCsvValidator(snapshot, { keyColumn: 'Client ID' });
  const bytes = Buffer.from(edited, 'utf8');
  for (let i = 0; i < bytes.length; i += 13) v.push(bytes.subarray(i, i + 13));
  assert.equal(v.progress.bytes, bytes.length);
  const result = v.finish();
  v.free();
  const oneCall = api.validateTrackingCsv(snapshot, edited);
  assert.deepEqual(oneCall, result, 'the full entry in one call gives the same result');
  assert.deepEqual(result.issues.map((i) => [i.severity, i.code, i.row, i.column ?? null, i.key]), [
    ['error', 'TRACKING_OPTION_UNKNOWN', 3, 5, 'C-101'],
    ['error', 'TRACKING_OPTION_ARCHIVED', 4, 5, 'C-102'],
    ['error', 'CSV_DUPLICATE_KEY', 6, 1, 'C-103'],
    ['error', 'TRACKING_OPTION_UNKNOWN', 7, 4, '-C-104'],
    ['error', 'CSV_ROW_MALFORMED', 8, null, 'C-105'],
  ]);
  assert.match(result.issues[0].message, /Did you mean "North"\?/);
  assert.match(result.issues[1].message, /archived.*Active options: North, South/);
  assert.match(result.issues[2].message, /also on row 5/);
  assert.equal(result.issues[3].path, 'csv.Xero Tracking Category 1');
  assert.deepEqual([result.rowsRead, result.rowsValid, result.rowsFailing], [7, 2, 5]);
  assert.deepEqual(result.assignments, {
    'C-100': { Clinician: 'Dr Aroha Smith', Location: 'North' },
    'C-103': { Clinician: 'General', Location: 'South' },
  });

  // ---- 3. Merged into the settings: failing rows change nothing ----------------------------
  const merged = structuredClone(baseSettings);
  for (const [client, options] of Object.entries(result.assignments)) {
    merged.tracking.clients[client] = { ...merged.tracking.clients[client], ...options };
  }
  const billing = new api.Exporter(snapshot, merged);
  assert.deepEqual(billing.issues, []);

  // ---- 4. April's invoices: previewed, then sent with the tracking on every line ----------
  const invoice = (c, n, lines) => ({
    id: `inv-${c.id}-2024-04`, number: `AG-${n}`, date: '2024-04-30', clientId: c.id,
    payer: { kind: 'client', id: c.id, contactId: c.contactId }, lines,
  });
  const invoices = [
    invoice(clients[0], 2001, [
      { description: 'Retainer, April', quantity: 1, unitAmount: '1200.00' },
      { description: 'Extra design hours', quantity: 2.5, unitAmount: '150.00', tracking: { Location: 'South' } },
    ]),
    invoice(clients[2], 2002, [{ description: 'Retainer, April', quantity: 1, unitAmount: '800.00' }]),
    invoice(clients[3], 2003, [
      { description: 'Claims portal, April', quantity: 1, unitAmount: '2400.00' },
      { description: 'Support', quantity: 3, unitAmount: '95.00' },
    ]),
  ];
  const preview = billing.preview(invoices);
  const docs = preview.documents;
  for (const d of docs) assert.deepEqual(d.issues, [], d.source?.id);
  const tracked = (d) => d.lines.map((l) => l.tracking.map((t) => `${t.category}=${t.option} (${t.source})`));
  assert.deepEqual(tracked(docs[0]), [
    ['Clinician=Dr Aroha Smith (client)', 'Location=North (client)'],
    ['Clinician=Dr Aroha Smith (client)', 'Location=South (line)'],
  ]);
  assert.deepEqual(tracked(docs[1]), [['Clinician=General (client)', 'Location=South (client)']], 'its failing row left the old options');
  assert.deepEqual(tracked(docs[2]), [
    ['Clinician=General (client)', 'Location=South (client)'],
    ['Clinician=General (client)', 'Location=South (client)'],
  ]);
  assert.deepEqual(docs.map((d) => d.totals.total), ['1811.25', '920.00', '3087.75']);

  const run = billing.plan(invoices, { tenantId, backoffMs: 20 });
  await drive(run);
  const outcomes = run.outcomes();
  assert.deepEqual(outcomes.map((o) => [o.status, o.issues]), [['exported', []], ['exported', []], ['exported', []]]);
  const inXero = (o) => servers.xero.state.invoices.find((i) => i.InvoiceID === o.xeroId);
  const want = [
    [[OPT.aroha, OPT.north], [OPT.aroha, OPT.south]],
    [[OPT.general, OPT.south]],
    [[OPT.general, OPT.south], [OPT.general, OPT.south]],
  ];
  outcomes.forEach((o, i) => {
    const doc = inXero(o);
    assert.equal(doc.Contact.ContactID, invoices[i].payer.contactId);
    assert.equal(doc.Total.toFixed(2), docs[i].totals.total);
    assert.deepEqual(doc.LineItems.map((l) => l.Tracking.map((t) => t.TrackingOptionID)), want[i]);
    for (const l of doc.LineItems) assert.deepEqual(l.Tracking.map((t) => t.Name), ['Clinician', 'Location']);
  });
  assert.doesNotMatch(servers.proxy.log(), /Violation|UNPROCESSABLE_ENTITY/);
  run.free();
});

test('the round trip with rows keyed as the settings key them: the column not read is said, not silently cleared', () => {
  // A client list exported straight from `settings.tracking.clients` (options under the
  // category's name): the export adds the two template columns, empty.
  const rows = [{ 'Client ID': 'C-100', Name: 'Harbour Dental', ...baseSettings.tracking.clients['C-100'] }];
  const text = csv.exportTrackingCsv(rows);
  assert.equal(text.split('\r\n')[0], 'Client ID,Name,Clinician,Location,Xero Tracking Category 1,Xero Tracking Category 2');
  const r = csv.validateTrackingCsv(snapshot, text);
  assert.deepEqual(r.issues.map((i) => [i.severity, i.code, i.row, i.column]), [
    ['warning', 'CSV_COLUMN_DUPLICATE', 1, 3],
    ['warning', 'CSV_COLUMN_DUPLICATE', 1, 4],
  ]);
  assert.match(r.issues[0].message, /Column 3 "Clinician" .* read from column 5 "Xero Tracking Category 1"/);
  // Without the template columns, the columns named after the categories are the ones read.
  const named = csv.validateTrackingCsv(snapshot, 'Client ID,Name,Clinician,Location\r\nC-100,Harbour Dental,Dr Aroha Smith,North\r\n');
  assert.deepEqual([named.issues, named.assignments], [[], { 'C-100': baseSettings.tracking.clients['C-100'] }]);
});

test('a file Excel saved with semicolons (where the comma is the decimal mark): the message says so', () => {
  const text = '\uFEFFClient ID;Name;Xero Tracking Category 1;Xero Tracking Category 2\r\nC-100;Harbour Dental;Dr Aroha Smith;North\r\n';
  const r = csv.validateTrackingCsv(snapshot, text);
  assert.deepEqual([r.rowsRead, r.rowsValid, r.rowsFailing], [1, 0, 1]);
  assert.equal(r.issues[0].code, 'CSV_COLUMN_MISSING');
  // Not "set options.keyColumn" over a header that visibly has "Client ID".
  assert.match(r.issues[0].message, /separates its columns with semicolons.*Save it as "CSV UTF-8 \(Comma delimited\)"/);
});

test('the client records as the tool holds them (an address object): the export says which client and property', () => {
  const records = [
    { 'Client ID': 'C-100', Name: 'Harbour Dental' },
    { 'Client ID': 'C-101', Name: 'Acme', Address: { line1: '1 Wharf St', city: 'Nelson' } },
  ];
  for (const entry of [csv, api]) {
    assert.throws(() => entry.exportTrackingCsv(records), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT'
      && e.message.includes('rows[1]["Address"]: invalid type: object, expected text, a number, a boolean or null'));
  }
});
