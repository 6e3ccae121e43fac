// `make demo`, the sync part: the clinic export sent to a fresh local Xero behind Prism, then
// payments and a void recorded in that Xero (as a bank feed or a person would), then read back
// with `sync`: once in full, once incrementally from `syncedAt` after the rest is paid.
import { startFakeXero } from '../js/fake-xero.mjs';
import { startPrism } from '../js/prism.mjs';
import { drive } from './send.mjs';

const HEAD = ['invoice', 'event', 'status', 'due', 'paid', 'fully paid on', 'payments'];
const rows = (changes) => changes.map((c) => [c.sourceId, c.event, `${c.from ?? '?'} → ${c.to ?? '-'}`, c.amountDue ?? '', c.amountPaid ?? '',
  c.fullyPaidOnDate ?? '', (c.payments ?? []).map((p) => `${p.amount} on ${p.date}`).join(', ')]);

/** Exports the clinic sample, pays and voids in Xero, syncs twice. */
export async function syncDemo({ Exporter, sync, snapshot, read, table }) {
  console.log('== syncing statuses back: paid in Xero, marked paid in the host');
  const xero = await startFakeXero({ snapshot });
  let prism;
  try {
    prism = await startPrism({ mode: 'proxy', upstream: xero.url });
    const scenario = read('scenarios/clinic.json');
    const sent = new Exporter(snapshot, scenario.settings).plan(scenario.invoices, { tenantId: 'demo-tenant' });
    await drive(sent, prism.url);
    const outcomes = sent.outcomes().filter((o) => o.status === 'exported' && o.kind === 'ACCREC');
    const known = (o, extra = {}) => ({ sourceId: o.sourceId, xero: { id: o.xeroId }, known: { status: o.xeroStatus, amountDue: o.amountDue, amountPaid: '0.00', ...extra } });
    const [a, b, c] = outcomes;
    console.log(`   exported ${outcomes.length} invoices; in Xero: ${a.sourceId} paid 20.00, ${b.sourceId} paid in full, ${c.sourceId} voided`);
    xero.state.recordPayment(a.xeroId, '20.00', '2024-01-20');
    xero.state.recordPayment(b.xeroId, b.amountDue, '2024-01-21');
    xero.state.setStatus(c.xeroId, 'VOIDED');
    const exported = [...outcomes.map((o) => known(o)), { sourceId: 'appt-lost', xero: { id: '00000000-0000-4000-8000-00000000dead' }, known: { status: 'AUTHORISED' } }];
    const first = sync(exported, { tenantId: 'demo-tenant' });
    await drive(first, prism.url);
    console.log(table(HEAD, rows(first.changes())).replace(/^/gm, '   '));
    for (const row of first.log().filter((r, i, all) => all.findIndex((x) => x.requestId === r.requestId) === i)) console.log(`   GET ${row.url.slice(0, 90)}… → ${row.http}`);
    const since = first.syncedAt;
    console.log(`   next sync from ${since} (Xero's time of the first answer)`);
    await new Promise((r) => setTimeout(r, 1100));
    const firstA = first.changes().find((x) => x.sourceId === a.sourceId);
    xero.state.recordPayment(a.xeroId, firstA.amountDue, '2024-02-01');
    const again = sync(outcomes.map((o) => (o === a ? known(o, { amountDue: firstA.amountDue, amountPaid: '20.00' }) : o === b ? known(o, { status: 'PAID', amountDue: '0.00', amountPaid: b.amountDue }) : o === c ? known(o, { status: 'VOIDED' }) : known(o))),
      { tenantId: 'demo-tenant', since });
    await drive(again, prism.url);
    console.log(`   ${a.sourceId} paid the rest; synced again with If-Modified-Since ${since}:`);
    console.log(table(HEAD, rows(again.changes())).replace(/^/gm, '   '));
    console.log(`   ${again.summary().requests} GET, ${again.changes().length} change: nothing already known is reported again\n`);
  } finally {
    await prism?.stop();
    await xero.close();
  }
}
