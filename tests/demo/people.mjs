// `make demo`, items and people (issue 19). Items: a recruitment CRM with "Auto Create Invoice
// items that do not exist" on sends a placement whose item code Xero lacks; the run creates the
// item first (PUT /Items), then the invoice that uses it. People: a time tracker invites the
// organisation's Xero contacts into its workspace. The contacts arrive as GET /Contacts pages (the second page repeats a contact
// edited while paging); each is matched to a member by the payers' rules, or is new, or is
// ambiguous and left for a person to link.
import { startFakeXero } from '../js/fake-xero.mjs';
import { drive } from './send.mjs';

export async function itemsDemo({ Exporter, snapshot, table }) {
  const settings = { status: 'AUTHORISED', accounts: { default: '200' }, taxes: { default: 'OUTPUT2' }, dueDate: { rule: 'daysAfter', days: 14 }, items: { create: 'missing' } };
  const invoices = ['PLACE-PERM', 'place-perm', 'CONSULT'].map((code, i) => ({
    id: `crm-${i}`, number: `PL-${i}`, date: '2024-03-01', payer: { kind: 'company', id: 'acme', contactId: '8ff1f25b-89ab-4076-9510-9baf2fd1f7af' },
    lines: [{ description: i < 2 ? 'Permanent placement fee' : 'Consultation', quantity: 1, unitAmount: '1500.00', itemCode: code }],
  }));
  const xero = await startFakeXero({ snapshot });
  try {
    const run = new Exporter(snapshot, settings).plan(invoices, { tenantId: 'demo-tenant' });
    await drive(run, xero.url);
    console.log('== items: a CRM invoice naming an item Xero does not have (settings.items.create: "missing")');
    console.log(table(['request', 'purpose', 'for', 'outcome'], run.log().map((r) => [`${r.method} ${r.url.split('?')[0]}`, r.purpose, r.sourceId ?? r.number ?? '', r.status])));
    console.log(`  item PLACE-PERM created ${xero.state.created.get('item:place-perm')} time(s), before the invoices that use it; CONSULT already existed\n`);
  } finally {
    await xero.close();
  }
}

export function peopleDemo({ Exporter, snapshot, table }) {
  const all = snapshot.contacts.Contacts;
  const pages = [{ Contacts: all.slice(0, 4) }, { Contacts: all.slice(3) }];
  const members = [
    { kind: 'member', id: 'kat', email: 'kat.warren@clampett.com' },
    { kind: 'member', id: 'tui', name: 'Tui Contractor', contactNumber: 'M-tui' },
    { kind: 'member', id: 'ana', name: 'Ana Newcomer' },
  ];
  const exporter = new Exporter(snapshot, null);
  const { contacts, peopleNotInXero, issues, summary } = exporter.importContacts(pages, members);
  console.log('== people: importing Xero contacts as a time tracker\'s members');
  console.log(table(
    ['Xero contact', 'status', 'member', 'rule', 'Xero status', 'differs'],
    contacts.map((c) => [
      c.fields.name ?? '(no name)',
      c.status,
      c.personId ?? (c.candidates ? c.candidates.map((i) => members[i].id).join('|') : '—'),
      c.matchedBy ?? '—',
      c.contactStatus ?? '—',
      (c.differs ?? []).join(' ') || '—',
    ]),
  ));
  for (const i of issues) console.log(`  ${i.severity} ${i.code} at ${i.path}: ${i.message}`);
  console.log(`  ${summary.contacts} contacts (${summary.duplicates} repeated across pages): ${summary.matched} matched, ${summary.new} new, ${summary.ambiguous} ambiguous; members not in Xero: ${peopleNotInXero.map((i) => members[i].id).join(', ') || 'none'}\n`);
}

// The other direction (issue 19, item 2): the time tracker imports its members into Xero as
// contacts. A new member is created, a member whose email changed is updated with that field
// alone, an unchanged one sends nothing, one matching an archived contact is reported.
export async function membersToXeroDemo({ Exporter, snapshot, table }) {
  const members = [
    { kind: 'member', id: 'aroha', name: 'Aroha Ngata', firstName: 'Aroha', lastName: 'Ngata', email: 'aroha@example.com' },
    { kind: 'member', id: 'tui', contactId: '9a02a36c-9abc-4187-a621-acb03ae2a8b0', name: 'Tui Contractor', email: 'tui@new.example' },
    { kind: 'member', id: 'kat', contactNumber: 'P-100', name: 'Katherine Warren', email: 'kat.warren@clampett.com' },
    { kind: 'member', id: 'old', name: 'Old Patient', email: 'old@example.com' },
  ];
  const xero = await startFakeXero({ snapshot });
  try {
    const run = new Exporter(snapshot, null).syncContacts(members, { tenantId: 'demo-tenant' });
    await drive(run, xero.url);
    console.log('== people: a time tracker importing its members into Xero (exporter.syncContacts)');
    console.log(table(['request', 'for', 'outcome', 'body'], run.log().map((r) => {
      const sent = xero.requests.find((e) => e.method === r.method && e.url.split('?')[0] === r.url.split('?')[0]);
      return [`${r.method} ${r.url.split('?')[0]}`, r.payerName ?? '', r.status, sent?.body ? JSON.stringify(JSON.parse(sent.body).Contacts) : ''];
    })));
    console.log(table(['member', 'outcome', 'ContactID', 'matched by', 'changed', 'issue'], run.people().map((p) => [
      members[p.index].id, p.status, p.contactId ?? '—', p.matchedBy ?? '—', (p.changed ?? []).join(' ') || '—',
      (p.issues ?? []).filter((i) => i.severity === 'error').map((i) => i.code).join(' ') || '—',
    ])));
    console.log('');
  } finally {
    await xero.close();
  }
}
