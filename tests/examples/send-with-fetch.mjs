// The README's sending example: plan, send with plain fetch, reconcile. tests/js/prism.test.mjs
// runs it against the installed package and a local Xero mock (Prism validating every request).
//   XERO_BASE_URL=… XERO_TOKEN=… XERO_TENANT_ID=… node send-with-fetch.mjs export.json
// export.json: {snapshot, settings, invoices}, as in the preview examples.
import { readFileSync } from 'node:fs';
import { Exporter } from 'xero-export';

const baseUrl = process.env.XERO_BASE_URL ?? 'https://api.xero.com/api.xro/2.0';
const token = process.env.XERO_TOKEN; // an OAuth 2.0 access token: the host's business
const tenantId = process.env.XERO_TENANT_ID; // from GET https://api.xero.com/connections
const { snapshot, settings, invoices } = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const run = new Exporter(snapshot, settings).plan(invoices, { tenantId });

async function perform(request) {
  let response, body;
  try {
    response = await fetch(baseUrl + request.url, {
      method: request.method,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
      body: request.body,
      signal: AbortSignal.timeout(60_000),
    });
    body = await response.text();
  } catch {
    run.lost(request.id, Date.now()); // timeout or dropped connection: the run looks it up
    return;
  }
  run.handle(request.id, { status: response.status, headers: response.headers, body }, Date.now());
}

while (!run.done) {
  const requests = run.next(Date.now()); // contacts first, then invoices, lookups, allocations
  if (requests.length > 0) await Promise.all(requests.map(perform));
  else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
  else break;
}

if (run.stopped) console.log(`stopped: ${run.stopped.message}`); // 401/403: reconnect, run.resume()
for (const o of run.outcomes()) {
  const issues = o.issues.map((i) => `${i.severity === 'error' ? '!' : '~'}${i.code}`).join(' ');
  const allocated = o.allocation ? ` allocation ${o.allocation.status} ${o.allocation.amount ?? ''}` : '';
  console.log(`${o.sourceId} ${o.status} ${o.xeroNumber ?? o.number ?? ''} ${o.xeroId ?? ''}${allocated} ${issues}`.trimEnd());
}
// One row per document per request, ready to store in the host's export log table.
console.log(`log: ${run.log().length} rows, ${run.summary().requests} requests`);
