// The README's sync example: a recruitment CRM's "Sync from Accounts System". Reads the
// exported invoices back from Xero and marks the paid ones paid. tests/js/sync.test.mjs runs
// it against the installed package and a local fake Xero behind Prism.
//   XERO_BASE_URL=… XERO_TOKEN=… XERO_TENANT_ID=… node sync-with-fetch.mjs crm.json
// crm.json: {lastSync, invoices: [{id, xeroInvoiceId, status, amountDue, amountPaid}]}, the CRM's
// own records.
import { readFileSync } from 'node:fs';
import { sync } from 'xero-export';

const baseUrl = process.env.XERO_BASE_URL ?? 'https://api.xero.com/api.xro/2.0';
const token = process.env.XERO_TOKEN;
const tenantId = process.env.XERO_TENANT_ID;
const crm = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// What the CRM exported, and what it last knew of each invoice.
const exported = crm.invoices.map((inv) => ({
  sourceId: inv.id,
  xero: { id: inv.xeroInvoiceId },
  known: { status: inv.status, amountDue: inv.amountDue, amountPaid: inv.amountPaid },
}));
const run = sync(exported, { tenantId, since: crm.lastSync ?? undefined });

async function perform(request) {
  let response, body;
  try {
    response = await fetch(baseUrl + request.url, {
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(60_000),
    });
    body = await response.text();
  } catch {
    run.lost(request.id, Date.now()); // a GET is safe to repeat: it is sent again
    return;
  }
  run.handle(request.id, { status: response.status, headers: response.headers, body }, Date.now());
}

while (!run.done) {
  const requests = run.next(Date.now());
  if (requests.length > 0) await Promise.all(requests.map(perform));
  else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
  else break;
}

if (run.stopped) console.log(`stopped: ${run.stopped.message}`); // 401/403: reconnect, run.resume()
for (const change of run.changes()) {
  switch (change.event) {
    case 'paid': // mark it paid in the CRM, on the date Xero says
      console.log(`${change.sourceId} PAID on ${change.fullyPaidOnDate} (${change.payments?.length ?? 0} payments)`);
      break;
    case 'voided':
    case 'deleted':
      console.log(`${change.sourceId} ${change.event.toUpperCase()} in Xero`);
      break;
    case 'notFound':
      console.log(`${change.sourceId} NOT FOUND in Xero`);
      break;
    default: // e.g. a part payment: store the amounts
      console.log(`${change.sourceId} ${change.to} due ${change.amountDue} paid ${change.amountPaid}`);
  }
}
for (const issue of run.issues()) console.log(`issue ${issue.code} ${issue.path}`);
// Xero's own time of the sync: the CRM stores it as the next `lastSync`.
console.log(`next since: ${run.syncedAt}; ${run.summary().requests} GETs`);
