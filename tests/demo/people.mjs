// `make demo`, people (issue 19): a time tracker invites the organisation's Xero contacts into
// its workspace. The contacts arrive as GET /Contacts pages (the second page repeats a contact
// edited while paging); each is matched to a member by the payers' rules, or is new, or is
// ambiguous and left for a person to link.
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
