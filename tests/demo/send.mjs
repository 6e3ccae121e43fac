// `make demo`, second half: the sample export sent end to end. Prism (started here from Xero's
// OpenAPI file, request bodies validated) proxies to a small stateful Xero on 127.0.0.1
// (tests/js/fake-xero.mjs); the host loop is the README's, with plain fetch. Then the clinic
// export once more through injected faults (a lost answer, a 429, a 502 after saving), to show
// the lookups and retries at work.
import { startFakeXero } from '../js/fake-xero.mjs';
import { startPrism } from '../js/prism.mjs';

/** The README's host loop with fetch: drives any run (send or sync) to its end. */
export async function drive(run, baseUrl) {
  const perform = async (r) => {
    let res, body;
    try {
      res = await fetch(baseUrl + r.url, {
        method: r.method,
        headers: { ...r.headers, Authorization: 'Bearer demo-token' },
        body: r.body,
        signal: AbortSignal.timeout(60_000),
      });
      body = await res.text();
    } catch {
      run.lost(r.id, Date.now());
      return;
    }
    run.handle(r.id, { status: res.status, headers: res.headers, body }, Date.now());
  };
  while (!run.done) {
    const requests = run.next(Date.now());
    if (requests.length > 0) await Promise.all(requests.map(perform));
    else if (run.wakeAt !== null) await new Promise((r) => setTimeout(r, Math.max(0, run.wakeAt - Date.now())));
    else break;
  }
}

const short = (id) => (id ? `${id.slice(0, 8)}…` : '');

function outcomeRows(run) {
  return run.outcomes().map((o) => [
    o.sourceId,
    o.status,
    o.xeroNumber ?? o.number ?? '',
    short(o.xeroId),
    o.totals?.total ?? '',
    o.attempts,
    o.allocation ? `${o.allocation.status} ${o.allocation.amount ?? ''}`.trim() : '',
    o.issues.map((i) => `${i.severity === 'error' ? '!' : '~'}${i.code}`).join(' '),
  ]);
}

/** Each blocked or failed invoice's errors with their advice, not only the code. */
function adviceLines(run) {
  return run.outcomes().flatMap((o) => o.issues.filter((i) => i.severity === 'error')
    .map((i) => `   ${o.sourceId} ${o.status}: ${i.code}: ${i.message}`));
}

const HEAD = ['invoice', 'outcome', 'number', 'xero id', 'xero total', 'sends', 'allocation', 'issues'];

/** Sends the four sample exports through Prism, then the clinic one through faults. */
export async function sendDemo({ Exporter, timesheetInvoice, snapshot, read, table }) {
  console.log('== sending: the same exports, end to end against a local mock of Xero');
  const xero = await startFakeXero({ snapshot });
  let prism;
  try {
    process.stdout.write('   starting Prism on Xero\'s OpenAPI file (request bodies validated)… ');
    prism = await startPrism({ mode: 'proxy', upstream: xero.url });
    console.log(`listening on ${prism.url} after ${(prism.startedInMs / 1000).toFixed(1)} s\n`);
    for (const name of ['clinic', 'billing', 'crm', 'timesheet']) {
      const scenario = read(`scenarios/${name}.json`);
      const invoices = [...scenario.invoices, ...(scenario.timesheets ?? []).map((t) => timesheetInvoice(t))];
      const run = new Exporter(snapshot, scenario.settings).plan(invoices, { tenantId: 'demo-tenant' });
      const first = xero.requests.length;
      await drive(run, prism.url);
      console.log(`-- ${name}`);
      console.log(table(HEAD, outcomeRows(run)));
      for (const line of adviceLines(run)) console.log(line);
      for (const r of xero.requests.slice(first)) console.log(`   ${r.method} ${r.url} → ${r.status}  (Idempotency-Key ${r.key ?? '-'})`);
      console.log(`   ${run.log().length} export-log rows\n`);
      run.free();
    }
  } finally {
    await prism?.stop();
    await xero.close();
  }

  console.log('== the clinic export again, through faults (a fresh Xero; no Prism, to keep it quick)');
  const faults = ['drop-after', '429', '500-after'];
  const faulty = await startFakeXero({ snapshot, idempotency: false, fault: (_, n) => faults[n] ?? 'none' });
  try {
    const scenario = read('scenarios/clinic.json');
    const run = new Exporter(snapshot, scenario.settings).plan(scenario.invoices, { tenantId: 'demo-tenant', backoffMs: 200 });
    await drive(run, faulty.url);
    console.log(table(HEAD, outcomeRows(run)));
    for (const r of faulty.requests) console.log(`   ${r.method} ${r.url} → ${r.fault && r.fault !== 'none' ? `fault: ${r.fault}` : r.status}`);
    console.log('   the export log:');
    console.log(table(['request', 'purpose', 'document', 'status', 'http', 'messages'], run.log().map((row) => [
      row.requestId, row.purpose, row.sourceId ?? row.contactKey, row.status, row.httpStatus ?? '-', (row.messages[0] ?? '').slice(0, 70),
    ])).replace(/^/gm, '   '));
    const created = [...faulty.state.created.values()];
    console.log(`   ${faulty.state.invoices.length} invoices in Xero, each created ${Math.max(...created) === 1 ? 'exactly once' : 'MORE THAN ONCE'}\n`);
    run.free();
  } finally {
    await faulty.close();
  }
}
