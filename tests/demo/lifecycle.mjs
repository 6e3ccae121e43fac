// `make demo`, after the export: edit an invoice (then the same edit again, not sent), pay it in
// part, void another, pay the rest (the invoice becomes PAID in Xero), refuse to void a paid
// one, and sync the host back from Xero, against Prism in front of the local fake Xero. The
// same run machinery as the export: `exporter.plan({invoices, cancels, payments})`,
// next/handle/lost (the loop of send.mjs), then run.cancels() and run.payments().
import { startFakeXero } from '../js/fake-xero.mjs';
import { startPrism } from '../js/prism.mjs';
import { drive } from './send.mjs';

const codes = (issues) => issues.map((i) => `${i.severity === 'error' ? '!' : '~'}${i.code}`).join(' ');

/** Export two clinic invoices, then edit, pay, void, pay again and sync back. */
export async function lifecycleDemo({ Exporter, sync, snapshot, read, table }) {
  console.log('== after the export: an edit, payments, voids and a sync back, against the same local mock of Xero');
  const xero = await startFakeXero({ snapshot });
  let prism;
  try {
    prism = await startPrism({ mode: 'proxy', upstream: xero.url });
    const { settings } = read('scenarios/clinic.json');
    const exporter = new Exporter(snapshot, settings);
    const opts = { tenantId: 'demo-tenant' };
    const visit = (n) => ({ id: `visit-${n}`, number: `LC-${n}`, date: '2024-03-01', payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: 'Consultation', quantity: 1, unitAmount: '80.00', taxCode: 'GST' }] });
    const exported = exporter.plan([visit(1), visit(2)], opts);
    await drive(exported, prism.url);
    const [a, b] = exported.outcomes();
    console.log(`   exported ${a.xeroNumber} and ${b.xeroNumber}, ${a.amountDue} due on each`);
    // Edit: the host changed LC-1's description after the export. It passes the invoice as
    // Xero holds it (xero.document, here read with a GET) so the update keeps the line by its
    // LineItemID and is checked field by field; sent again unchanged, it is not sent at all.
    const held = async (id) => (await (await fetch(`${prism.url}/Invoices?IDs=${id}&page=1`, {
      headers: { Authorization: 'Bearer demo-token', 'xero-tenant-id': 'demo-tenant', Accept: 'application/json' },
    })).json()).Invoices[0];
    const edited = async () => {
      const document = await held(a.xeroId);
      const inv = visit(1);
      inv.lines[0].description = 'Consultation, extended';
      inv.lines[0].lineItemId = document.LineItems[0].LineItemID;
      return { ...inv, xero: { id: a.xeroId, status: document.Status, document } };
    };
    for (const what of ['edit LC-1\'s description', 'send the same edit again']) {
      const run = exporter.plan([await edited()], opts);
      await drive(run, prism.url);
      const [o] = run.outcomes();
      console.log(`-- ${what}: ${o.status}, ${run.summary().requests} request(s)${codes(o.issues) ? ` ${codes(o.issues)}` : ''}`);
      run.free();
    }
    const bank = { code: '091' };
    const steps = [
      ['pay 40.00 on LC-1, void LC-2', {
        payments: [{ id: 'rcpt-1', invoice: { id: a.xeroId, amountDue: a.amountDue }, amount: '40.00', date: '2024-03-05', account: bank, reference: 'EFTPOS' }],
        cancels: [{ sourceId: b.sourceId, xero: { id: b.xeroId, number: b.xeroNumber, status: 'AUTHORISED', amountPaid: 0 } }],
      }],
      ['pay the remaining 52.00 on LC-1, and 1.00 more (refused before sending)', {
        payments: [
          { id: 'rcpt-2', invoice: { id: a.xeroId, amountDue: '52.00' }, amount: '52.00', date: '2024-03-06', account: bank },
          { id: 'rcpt-3', invoice: { id: a.xeroId, amountDue: '52.00' }, amount: '1.00', date: '2024-03-06', account: bank },
        ],
      }],
      ['void LC-1, now PAID (refused: remove the payments first)', {
        cancels: [{ sourceId: a.sourceId, xero: { id: a.xeroId, number: a.xeroNumber, status: 'PAID' } }],
      }],
    ];
    for (const [what, work] of steps) {
      const run = exporter.plan(work, opts);
      await drive(run, prism.url);
      console.log(`-- ${what}`);
      const rows = [
        ...run.payments().map((p) => [`payment ${p.id}`, p.status, p.amount ?? '', p.paymentId ? `${p.paymentId.slice(0, 8)}…` : '', codes(p.issues)]),
        ...run.cancels().map((c) => [`cancel ${c.sourceId}`, c.status, c.action ?? '', c.xeroStatus ?? '', codes(c.issues)]),
      ];
      console.log(table(['what', 'outcome', 'amount / action', 'xero', 'issues (! error, ~ warning)'], rows));
      run.free();
    }
    const inv = (n) => xero.state.invoices.find((i) => i.InvoiceNumber === n);
    console.log(`   in Xero now: LC-1 ${inv('LC-1').Status} (due ${inv('LC-1').AmountDue}), LC-2 ${inv('LC-2').Status}; ${xero.state.payments.length} payments`);
    // Sync back: what the host last knew (both AUTHORISED, nothing paid) against Xero now.
    const known = (o) => ({ sourceId: o.sourceId, xero: { id: o.xeroId }, known: { status: 'AUTHORISED', amountDue: o.amountDue, amountPaid: '0.00' } });
    const back = sync([known(a), known(b)], opts);
    await drive(back, prism.url);
    console.log('-- sync the host from Xero');
    console.log(table(['invoice', 'event', 'status', 'due', 'paid', 'fully paid on', 'payments'], back.changes().map((c) => [c.sourceId, c.event,
      `${c.from ?? '?'} → ${c.to ?? '-'}`, c.amountDue ?? '', c.amountPaid ?? '', c.fullyPaidOnDate ?? '', (c.payments ?? []).map((x) => `${x.amount} on ${x.date}`).join(', ')])));
    console.log(`   ${back.summary().requests} GET for ${back.changes().length} changes\n`);
    back.free();
    exported.free();
  } finally {
    await prism?.stop();
    await xero.close();
  }
}
