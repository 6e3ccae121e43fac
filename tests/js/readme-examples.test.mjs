// The README's JavaScript examples against the built package, so the README cannot drift from
// what the package does:
// every ```js block of README.md is run here as written (its imports bound to the package, the
// host's own functions stubbed, the sample data of tests/fixtures, sends against the fake Xero)
// and what it does is checked against what the README says, or it is a verbatim part of a file
// another suite runs (COVERED_ELSEWHERE). The browser, esbuild and pkg-template examples too.
// Then the blocks are type-checked against the package's declarations, the host's values typed
// as the declarations (or xero-node) name them, and what the runs returned is type-checked as
// literals of the declared types (a field the declarations lack, one they require that is
// absent, a `null` where they say absent-or-set are errors): a TypeScript host following the
// README is not misled by the declarations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, cpSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, require, root } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';

const csvApi = require(path.join(pkgDir, 'csv/node/index.cjs'));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests/fixtures', rel), 'utf8'));
const snapshot = read('sample/snapshot.json');
const clinic = read('scenarios/clinic.json');
const TENANT = 'tenant-readme';

/** The ```js blocks of the README, in order. */
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** The one block holding `anchor`. */
function block(anchor) {
  const found = blocks.filter((b) => b.includes(anchor));
  assert.equal(found.length, 1, `exactly one README block holds ${JSON.stringify(anchor)}`);
  return found[0];
}

// Blocks another suite runs: each is a verbatim part of the file named, which that suite checks.
const COVERED_ELSEWHERE = [
  ['tests/examples/send-with-fetch.mjs: run against Prism', 'tests/js/prism.test.mjs, tests/js/send.test.mjs'],
  ['tests/examples/sync-with-fetch.mjs', 'tests/js/sync.test.mjs'],
  ['the Driver\'s state in Redis', 'tests/js/queue.test.mjs'],
  ['the Driver\'s loop', 'tests/js/queue.test.mjs'],
];

// What the runs here returned, by the declared type it must fit.
const returned = [];
const keep = (type, value) => {
  returned.push([type, value]);
  return value;
};

const AsyncFunction = (async () => {}).constructor;

/** Runs a README block as written: its `import … from 'xero-export'` lines bound to the package
 * (each name must be one it exports), `env` the host's names it uses, `tail` code appended (what
 * to return). */
async function runBlock(code, env = {}, tail = '') {
  // A block without imports uses the names an earlier one imported.
  const bound = Object.fromEntries(Object.entries(api).filter(([name]) => name !== 'default'));
  const body = code.replace(/^\s*import (.+?) from '(xero-export(?:\/csv)?)';.*$/gm, (_, spec, entry) => {
    const exports = entry === 'xero-export' ? api : csvApi;
    const m = /^(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?$/.exec(spec.trim());
    assert.ok(m, `an import the test can read: ${spec}`);
    if (m[1]) bound[m[1]] = exports.default;
    for (const name of (m[2] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      assert.ok(name in exports, `${entry} exports ${name}`);
      bound[name] = exports[name];
    }
    return '';
  });
  const scope = { ...bound, ...env };
  return new AsyncFunction(...Object.keys(scope), `${body}\n${tail}`)(...Object.values(scope));
}

let xero;
before(async () => {
  xero = await startFakeXero({ snapshot });
});
after(async () => {
  await xero?.close();
});

/** Drives a run against the fake Xero (the README's loop, with fetch). */
async function drive(run) {
  for (let round = 0; round < 100 && !run.done; round++) {
    const requests = run.next(Date.now());
    if (requests.length === 0) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(50, (run.wakeAt ?? Date.now()) - Date.now()))));
      continue;
    }
    keep('SendRequest[]', requests);
    await Promise.all(requests.map(async (r) => {
      const res = await fetch(xero.url + r.url, { method: r.method, headers: { ...r.headers, Authorization: 'Bearer t' }, body: r.body });
      run.handle(r.id, { status: res.status, headers: res.headers, body: await res.text() }, Date.now());
    }));
  }
  assert.ok(run.done, 'the run finished');
}

/** The clinic's invoices with ids and numbers of their own (`tag`), so runs never collide. */
const clinicInvoices = (tag) => clinic.invoices.map((inv) => ({ ...inv, id: `${inv.id}-${tag}`, number: inv.number && `${inv.number}-${tag}` }));

/** The codes of issues, for messages. */
const codes = (issues) => issues.map((i) => `${i.code} ${i.path}`);

// [anchor, runner]: each README block and how it is run. A runner asserts what the README says.
const RUNS = [
  ['tests/examples/node-example.mjs', async (code) => {
    const printed = [];
    await runBlock(code, { console: { log: (s) => printed.push(String(s)) } });
    assert.match(printed[0], /^xero-export \d+\.\d+\.\d+: ACCREC for Katherine Warren \(matched by name\), due 2024-02-20$/);
    assert.equal(printed[1], 'totals 76.30 + 11.44 = 87.74');
    assert.match(printed[2], /^PUT \/Invoices \{"Invoices":\[/);
    assert.match(printed[3], /^error TOO_MANY_DECIMALS at unitAmount: /);
  }],
  ['const models = toXeroNode(doc.body)', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const { documents } = keep('Preview', exporter.preview(clinicInvoices('xn')));
    const calls = [];
    const record = (method) => async (...args) => calls.push([method, ...args]);
    const accountingApi = { createInvoices: record('createInvoices'), createCreditNotes: record('createCreditNotes') };
    await runBlock(code, { settings: clinic.settings, documents, xero: { accountingApi }, idempotencyKeyFor: (d) => `key-${d.sourceId}`, tenantId: TENANT });
    const sent = documents.filter((d) => d.body && !d.blocked);
    assert.ok(sent.length > 0);
    assert.equal(calls.length, sent.length);
    for (const [method, tenant, models, summarize, unitdp, key] of calls) {
      assert.equal(tenant, TENANT);
      assert.deepEqual(Object.keys(models), [method === 'createInvoices' ? 'invoices' : 'creditNotes']);
      assert.deepEqual([summarize, unitdp], [false, 2]);
      assert.match(key, /^key-/);
    }
  }],
  ['async function perform(run, r)', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const run = exporter.plan([clinicInvoices('xn-call')[1]], { tenantId: TENANT });
    const methods = [];
    // Every method rejects as xero-node does for a 5xx: the run cannot know whether Xero saved it.
    const accountingApi = new Proxy({}, {
      get: (_, method) => async () => {
        methods.push(method);
        throw { response: { statusCode: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' } };
      },
    });
    const perform = await runBlock(code, { xero: { accountingApi } }, 'return perform;');
    for (const r of run.next(Date.now())) await perform(run, r);
    assert.deepEqual(methods, ['createInvoices']);
    const [outcome] = keep('Outcome[]', run.outcomes());
    assert.equal(outcome.status, 'uncertain');
    assert.equal(outcome.lookup.method, 'GET');
  }],
  ["organisation: await get('/Organisation')", async (code) => {
    const parts = {
      '/Organisation': snapshot.organisation, '/Accounts': snapshot.accounts, '/TaxRates': snapshot.taxRates,
      '/TrackingCategories?includeArchived=true': snapshot.trackingCategories,
      '/Contacts?includeArchived=true': snapshot.contacts, '/Items': snapshot.items, '/Currencies': snapshot.currencies,
    };
    const get = async (p) => {
      assert.ok(p in parts, `a GET the snapshot takes: ${p}`);
      return parts[p];
    };
    const exporter = await runBlock(code, { get, settings: clinic.settings }, 'return exporter;');
    assert.deepEqual(codes(exporter.issues.filter((i) => ['SNAPSHOT_INVALID', 'FIELD_UNKNOWN'].includes(i.code))), []);
  }],
  ["invoiceType: 'ACCREC',            // or 'ACCPAY' (bills)", async (code) => {
    const settings = await runBlock(code, {}, 'return settings;');
    const exporter = new api.Exporter(snapshot, settings);
    // Every key is a setting, and none is without effect; the placeholders ('<ContactID>', a
    // rounding account the sample lacks) are the only complaints.
    const issues = keep('Issue[]', exporter.issues);
    assert.deepEqual(issues.map((i) => i.code).filter((c) => c !== 'SETTINGS_INVALID'), []);
    const invoice = await runBlock(`return (${block("id: 'appt-1001', number: 'CL-1001', reference: '2024-01-15 09:00'").trim()});`);
    const [doc] = keep('Preview', exporter.preview([invoice])).documents;
    assert.deepEqual(codes(doc.issues.filter((i) => i.code === 'FIELD_UNKNOWN')), []);
  }],
  ["id: 'appt-1001', number: 'CL-1001', reference: '2024-01-15 09:00'", async () => {
    // Run with the settings above.
  }],
  ['status: \'AUTHORISED\',            // what you last knew', async (code) => {
    const update = await runBlock(`return (${code.trim()});`, { invoiceFromXero: { InvoiceID: '0b1f0000-0000-4000-8000-000000000001', Status: 'AUTHORISED' } });
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const [doc] = exporter.preview([{ ...clinicInvoices('upd')[0], ...update, id: 'upd-1' }]).documents;
    assert.deepEqual(codes(doc.issues.filter((i) => i.code === 'FIELD_UNKNOWN')), []);
  }],
  ['const held = (await xero.accountingApi.getInvoice(tenantId, invoiceId, 4))', async (code) => {
    const { ObjectSerializer } = require(path.join(root, 'tests/node_modules/xero-node'));
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const [exported] = clinicInvoices('held');
    const run = exporter.plan([exported], { tenantId: TENANT, backoffMs: 10 });
    await drive(run);
    const [{ xeroId: invoiceId, status }] = run.outcomes();
    assert.equal(status, 'exported');
    const res = await fetch(`${xero.url}/Invoices?IDs=${invoiceId}&page=1&unitdp=4`, { headers: { 'xero-tenant-id': TENANT, Authorization: 'Bearer t' } });
    const body = ObjectSerializer.deserialize(await res.json(), 'Invoices'); // xero-node's response.body
    const getInvoice = async (tenant, id, unitdp) => {
      assert.deepEqual([tenant, id, unitdp], [TENANT, invoiceId, 4]);
      return { body };
    };
    // The invoice as the host has it now, its lines carrying the LineItemIDs Xero gave.
    const invoice = { ...exported, lines: exported.lines.map((l, i) => ({ ...l, lineItemId: body.invoices[0].lineItems[i].lineItemID })) };
    const p = await runBlock(code, { xero: { accountingApi: { getInvoice } }, tenantId: TENANT, invoiceId, exporter, invoice }, 'return p;');
    keep('Preview', p);
    assert.equal(p.documents[0].unchanged, true);
    assert.deepEqual(p.documents[0].issues, []);
  }],
  ['exporter.importContacts(pages, members)', async (code) => {
    const exporter = new api.Exporter(snapshot, {});
    const members = [{ kind: 'member', id: 'm1', name: 'Katherine Warren' }, { kind: 'member', id: 'm2', name: 'Nobody In Xero' }];
    const seen = { link: [], invite: [], ask: [] };
    const xeroGet = async (url) => {
      assert.match(url, /^\/Contacts\?page=1&pageSize=1000&includeArchived=true$/);
      return snapshot.contacts;
    };
    const result = await runBlock(code, {
      xeroGet, exporter, members,
      link: (person, contactId) => seen.link.push([person.id, contactId]),
      invite: (fields) => seen.invite.push(fields.name),
      askWhichOne: (c) => seen.ask.push(c.contactId),
    }, 'return { contacts, peopleNotInXero, issues, summary };');
    keep('ContactImport', result);
    assert.deepEqual(seen.link, [['m1', '5cc8cf28-567e-4d43-b287-687cfcaec47c']]);
    assert.equal(seen.invite.length, result.summary.new);
    assert.deepEqual(result.peopleNotInXero, [1]);
  }],
  ['const run = exporter.syncContacts(members, { tenantId });', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const members = [{ kind: 'member', id: 'm-readme', name: 'Readme Member', email: 'readme@example.com' }];
    const problems = [];
    const loop = code.replace('/* the loop of "Sending and reconciling" */', 'await drive(run); break;');
    assert.notEqual(loop, code, 'the block leaves the loop to "Sending and reconciling"');
    const run = await runBlock(loop, { exporter, members, tenantId: TENANT, drive, show: (m, issues) => problems.push(issues) }, 'return run;');
    assert.deepEqual(problems, []);
    keep('PersonOutcome[]', run.people());
    assert.match(members[0].contactId, /^[0-9a-f-]{36}$/);
  }],
  ['const c = exporter.choices();', async (code) => {
    const values = await runBlock(code, { snapshot, settings: clinic.settings, previousSnapshot: snapshot },
      "return { c, hits: exporter.searchContacts('kath', { limit: 10 }), stale: exporter.staleMappings(previousSnapshot) };");
    keep('Choices', values.c);
    keep('ContactHit[]', values.hits);
    keep('StaleMapping[]', values.stale);
    // The keys the comments list are there: `c.x; // [{a, b: 'v', c}]` on one line.
    const firstOf = { salesAccounts: values.c.salesAccounts[0], 'taxRates.revenue': values.c.taxRates.revenue[0], tracking: values.c.tracking[0], notOffered: values.c.notOffered[0] };
    for (const [expr, first] of Object.entries(firstOf)) {
      const comment = code.match(new RegExp(`^c\\.${expr.replace('.', '\\.')};\\s*// \\[\\{(.*?)\\}\\]`, 'm'))[1];
      const keys = comment.replace(/\[[^\]]*\]/g, '').split(',').map((k) => k.trim().split(':')[0]).filter((k) => /^\w+$/.test(k));
      assert.ok(keys.length > 2, `keys read from the comment of c.${expr}`);
      for (const key of keys) assert.ok(key in first, `c.${expr}[0].${key}`);
    }
    for (const key of code.match(/^\/\/ \[\{(contactId[^}]*)\}\]/m)[1].split(',').map((k) => k.trim())) assert.ok(key in values.hits[0], `searchContacts()[0].${key}`);
    const stale = code.match(/^\/\/ \[\{(severity[\s\S]*?)\}\]/m)[1].replace(/\/\//g, '').replace(/\{[^}]*\}/g, '').replace(/'[^']*'/g, '');
    for (const key of stale.split(',').map((k) => k.trim().split(':')[0])) assert.ok(key in values.stale[0], `staleMappings()[0].${key}`);
    for (const name of code.match(/^c\.currencies;.*$/m)[0].match(/c\.(\w+)/g)) assert.ok(name.slice(2) in values.c, name);
  }],
  ['const v = new TrackingCsvValidator(snapshot, { keyColumn:', async (code) => {
    const csvText = readFileSync(path.join(root, 'tests/fixtures/csv/option-unknown.csv'), 'utf8');
    const progress = [];
    const values = await runBlock(code, { snapshot, csvText, file: new File([csvText], 'clients.csv'), showProgress: (...a) => progress.push(a) },
      'return { result, issues, assignments, progress: v };');
    assert.ok(progress.length > 0 && progress.every(([share, failing]) => share > 0 && share <= 1 && Number.isInteger(failing)));
    const finish = code.match(/v\.finish\(\); \/\/ \{([^}]*)\}/)[1].split(',').map((k) => k.trim());
    for (const key of finish) {
      if (key.endsWith('?')) continue;
      assert.ok(key in values.result, `finish().${key}`);
    }
    assert.ok(!('assignments' in values.result), 'assignments: false leaves them out');
    assert.deepEqual(Object.keys(values.result).filter((k) => k !== 'bytes' && !finish.map((f) => f.replace('?', '')).includes(k)), []);
    keep('TrackingCsvResult', values.result);
    assert.ok(values.issues.length > 0 && values.assignments !== undefined);
  }],
  ["import init, { TrackingCsvValidator } from 'xero-export/csv';", async (code) => {
    const v = await runBlock(code, { snapshot }, 'return v;');
    v.push('Client ID,Xero Tracking Category 1,Xero Tracking Category 2\nC1,North,\n');
    keep('TrackingCsvProgress', v.progress);
    keep('TrackingCsvResult', v.finish());
  }],
  ["{ sourceId: 'appt-1002', xero: { id: '9b1c5e0a-2f47-4d19-8a6b-3c2e1d0f9a77', status: 'DRAFT' } }", async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const seen = [];
    const run = await runBlock(code, { exporter, tenantId: TENANT, markCancelled: (...a) => seen.push(a), showProblems: (...a) => seen.push(a) }, 'return run;');
    const cancels = keep('CancelOutcome[]', run.cancels());
    assert.deepEqual(cancels.map((c) => [c.sourceId, c.action, codes(c.issues)]), [['appt-1001', 'VOIDED', []], ['appt-1002', 'DELETED', []]]);
  }],
  ["{ id: 'rcpt-881', invoice: { sourceId: newInvoice.id }", async (code) => {
    // The example pays into account 090: a bank account of the organisation.
    const bank = { AccountID: '0a0b0c0d-0000-4000-8000-000000000090', Code: '090', Name: 'Business Bank', Type: 'BANK', Status: 'ACTIVE' };
    const org = { ...snapshot, accounts: { Accounts: [...snapshot.accounts.Accounts, bank] } };
    const exporter = new api.Exporter(org, clinic.settings);
    const [newInvoice] = clinicInvoices('pay');
    const run = await runBlock(code, { exporter, newInvoice, tenantId: TENANT, markPaid: () => {}, showProblems: () => {} }, 'return run;');
    const payments = keep('PaymentOutcome[]', run.payments());
    assert.deepEqual(payments.map((p) => [p.id, p.status, codes(p.issues)]), [['rcpt-881', 'pending', []], ['rcpt-882', 'pending', []]]);
  }],
  ['const run2 = exporter.resume(state, work, { tenantId });', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const work = { invoices: clinicInvoices('state') };
    const run = exporter.plan(work, { tenantId: TENANT });
    run.next(0);
    const run2 = await runBlock(code, { run, exporter, work, tenantId: TENANT }, 'return run2;');
    assert.equal(run2.summary().documents, work.invoices.length);
    keep('RunSummary', run2.summary());
  }],
  ['const results = exporter.previewResults(invoices, { lines: false }); // a sending backend', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const invoices = clinicInvoices('results');
    const sent = [];
    await runBlock(code, { exporter, invoices, keep, send: async (b) => sent.push(b) }, 'keep("PreviewBatch", { summary, contacts, issues });');
    assert.ok(sent.length > 0 && sent.every((b) => b instanceof Uint8Array));
  }],
  ['const page = results.documents(50, 100);', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const invoices = Array.from({ length: 120 }, (_, i) => ({ ...clinic.invoices[0], id: `page-${i}`, number: `PG-${i}` }));
    const page = await runBlock(code, { exporter, invoices }, 'return page;');
    assert.deepEqual(page.map((d) => d.index), Array.from({ length: 50 }, (_, i) => 50 + i));
    keep('PreviewDocument[]', page.slice(0, 2));
  }],
  ['const session = exporter.previewSession({ lines: false });', async (code) => {
    const exporter = new api.Exporter(snapshot, clinic.settings);
    const pages = [clinicInvoices('s1'), clinicInvoices('s2')];
    async function* invoicesInPagesOf1000() {
      yield* pages;
    }
    const session = await runBlock(code, { exporter, invoicesInPagesOf1000 }, 'return session;');
    assert.equal(session.documents, pages.flat().length);
  }],
];

test('every README js block is run here or by the suite named', () => {
  const anchors = [...COVERED_ELSEWHERE, ...RUNS].map(([anchor]) => anchor);
  for (const b of blocks) {
    assert.equal(anchors.filter((a) => b.includes(a)).length, 1, `one runner for the README block:\n${b}`);
  }
  for (const [anchor, suites] of COVERED_ELSEWHERE) {
    for (const suite of suites.split(', ')) assert.ok(readFileSync(path.join(root, suite), 'utf8').includes('README'), `${suite} checks ${anchor}`);
  }
});

for (const [anchor, runner] of RUNS) {
  test(`README: ${anchor}`, () => runner(block(anchor)));
}

test('README: the browser example, through the Node entry (init is a no-op there)', async () => {
  const html = readme.match(/^```html\n([\s\S]*?)^```$/m)[1];
  const script = html.match(/<script type="module">\n([\s\S]*?)<\/script>/)[1];
  const printed = [];
  await runBlock(script, { console: { log: (s) => printed.push(String(s)) } });
  assert.deepEqual(printed, [script.match(/\/\/ "(.*)"$/m)[1]]);
});

test('README: the esbuild example imports the wasm the package exports', () => {
  const imported = readme.match(/import wasmUrl from '(xero-export\/[^']+)'/)[1];
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  assert.ok(pkg.exports[imported.replace('xero-export', '.')], `the package exports ${imported}`);
});

test('pkg-template/README.md: its example gives what its comment says', async () => {
  const text = readFileSync(path.join(root, 'pkg-template/README.md'), 'utf8');
  const [node] = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  const [, expr, said] = node.match(/^(lineAmount\(.*\)\.lineAmount); \/\/ "(.*)"$/m);
  assert.equal(await runBlock(node.replace(/^const .* = require\('xero-export'\);$/m, ''), {}, `return ${expr};`), said);
});

test('README: a document whose line amounts cannot all be computed has `totals: null`', () => {
  assert.match(readme, /A document whose line amounts cannot all be computed has `totals:\s+null`/);
  const exporter = new api.Exporter(snapshot, clinic.settings);
  const bad = { ...clinicInvoices('null')[0], lines: [{ description: 'x', quantity: 'two', unitAmount: '10.00' }] };
  const preview = keep('Preview', exporter.preview([bad]));
  assert.equal(preview.documents[0].totals, null);
  assert.equal(keep('Preview', JSON.parse(exporter.previewJson([bad]))).documents[0].totals, null);
  const results = exporter.previewResults([bad]);
  assert.equal(keep('DocumentSummary', results.document(0)).totals, null);
  results.free();
});

test('README: items to create are listed in `preview.items`, and in a result handle\'s batch', () => {
  assert.match(readme, /`preview\.items` lists one `\{key, item, invoices\}` per\s+code/);
  const exporter = new api.Exporter(snapshot, { ...clinic.settings, items: { create: 'missing' } });
  const invoice = { ...clinicInvoices('items')[0], lines: [{ description: 'Splint', itemCode: 'SPLINT', quantity: 1, unitAmount: '40.00', taxCode: 'GST' }] };
  const preview = keep('Preview', exporter.preview([invoice]));
  assert.deepEqual(preview.items.map((i) => [Object.keys(i), i.item.Code, i.invoices]), [[['key', 'item', 'invoices'], 'SPLINT', [invoice.id]]]);
  const results = exporter.previewResults([invoice]);
  assert.deepEqual(keep('PreviewBatch', results.batch()).items, preview.items);
  results.free();
});

// (The requests the runs here planned are type-checked below: each `purpose` is one of the union.)
test('README: the requests\' `purpose`s it names are every one the declarations have', () => {
  const union = readFileSync(path.join(pkgDir, 'types.d.mts'), 'utf8').match(/^export type Purpose = (.*);$/m)[1];
  const purposes = [...union.matchAll(/"(\w+)"/g)].map((m) => m[1]);
  assert.ok(purposes.length >= 5, union);
  const paragraph = readme.match(/^\*\*Requests\.\*\* [\s\S]*?\n\n/m)[0];
  assert.deepEqual(purposes.filter((p) => !new RegExp(`\`${p}\`\\s\\(`).test(paragraph)), [], 'each purpose is named, with what it sends');
});

test('README: a sending run and a status sync read back what Xero did (their values are type-checked below)', async () => {
  const exporter = new api.Exporter(snapshot, clinic.settings);
  const run = exporter.plan(clinicInvoices('sync').slice(0, 2), { tenantId: TENANT, backoffMs: 10 });
  await drive(run);
  keep('LogRow[]', run.log());
  keep('RunSummary', run.summary());
  const [paid, voided] = keep('Outcome[]', run.outcomes());
  xero.state.recordPayment(paid.xeroId, paid.totals.total, '2024-03-01');
  xero.state.setStatus(voided.xeroId, 'VOIDED');
  const exported = [paid, voided].map((o) => ({ sourceId: o.sourceId, xero: { id: o.xeroId }, known: { status: o.xeroStatus, amountDue: o.amountDue } }));
  const sync = api.sync(exported, { tenantId: TENANT, backoffMs: 10 });
  await drive(sync);
  const changes = keep('SyncChange[]', sync.changes());
  assert.deepEqual(changes.map((c) => [c.sourceId, c.event]), [[paid.sourceId, 'paid'], [voided.sourceId, 'voided']]);
  assert.equal(changes[0].payments.length, 1);
  keep('SyncLogRow[]', sync.log());
  keep('SyncSummary', sync.summary());
  keep('Issue[]', sync.issues());
});

// "An options key a function does not take … throws INVALID_INPUT naming every such key with
// its did-you-mean": every function that takes options, each with a misspelt key.
const OPTION_TYPOS = (() => {
  const exporter = new api.Exporter(snapshot, {});
  const invoices = clinicInvoices('typo').slice(0, 1);
  const state = exporter.plan(invoices, { tenantId: TENANT }).save();
  const o = (extra) => ({ tenantId: TENANT, ...extra });
  return [
    ['preview', 'lnes', 'lines', (x) => exporter.preview(invoices, x)],
    ['previewResults', 'lnes', 'lines', (x) => exporter.previewResults(invoices, x)],
    ['previewSession', 'lnes', 'lines', (x) => exporter.previewSession(x)],
    ['plan', 'maxDocumens', 'maxDocuments', (x) => exporter.plan(invoices, o(x))],
    ['syncContacts', 'maxAttemps', 'maxAttempts', (x) => exporter.syncContacts([], o(x))],
    ['resume', 'chnages', 'changes', (x) => exporter.resume(state, invoices, o(x))],
    ['searchContacts', 'limt', 'limit', (x) => exporter.searchContacts('kath', x)],
    ['sync', 'sinse', 'since', (x) => api.sync([], o(x))],
    ['TrackingCsvValidator', 'keycolumn', 'keyColumn', (x) => new api.TrackingCsvValidator(snapshot, x)],
    ['validateTrackingCsv', 'maxIsues', 'maxIssues', (x) => api.validateTrackingCsv(snapshot, '', x)],
    ['exportTrackingCsv', 'colums', 'columns', (x) => api.exportTrackingCsv([], x)],
  ];
})();

for (const [fn, typo, meant, call] of OPTION_TYPOS) {
  test(`README: ${fn} throws INVALID_INPUT for the options key ${typo}, with its did-you-mean`, () => {
    assert.match(readme, /An options key a function does not take[\s\S]{0,200}throws `INVALID_INPUT` naming every such key with its\s+did-you-mean/);
    assert.throws(() => call({ [typo]: 1 }), (e) => {
      assert.equal(e.name, 'XeroExportError');
      assert.equal(e.code, 'INVALID_INPUT');
      assert.equal(e.details.argument, `options.${typo}`);
      assert.match(e.message, new RegExp(`did you mean .${meant}.\\?`));
      return true;
    });
  });
}

// ---- Type checks: one tsc call over a scratch project with the built package installed ----

/** `tsc --strict` over `files` ({name: source}) in a project with the package (and xero-node,
 * whose types hosts use) installed: the diagnostics per file name. */
function typeCheck(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'xero-export-readme-'));
  try {
    cpSync(pkgDir, path.join(dir, 'node_modules/xero-export'), { recursive: true });
    symlinkSync(path.join(root, 'tests/node_modules/xero-node'), path.join(dir, 'node_modules/xero-node'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    for (const [name, source] of Object.entries(files)) writeFileSync(path.join(dir, name), source);
    let out = '';
    try {
      execFileSync(path.join(root, 'tests/node_modules/.bin/tsc'), ['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext',
        '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023,dom', ...Object.keys(files)], { cwd: dir, encoding: 'utf8' });
    } catch (err) {
      out = err.stdout || err.message;
    }
    const found = Object.fromEntries(Object.keys(files).map((name) => [name, []]));
    let current;
    for (const line of out.split('\n')) {
      const m = /^(\S+?\.ts)\(\d+,\d+\): /.exec(line);
      if (m) current = found[m[1]] ?? (found[m[1]] = []);
      if (line.trim() && current) current.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each value a run returned as a literal of its declared type. */
function returnedSource() {
  const types = [...new Set(returned.map(([type]) => type.replace(/\[\]$/, '')))];
  const lines = returned.map(([type, value], i) => `export const v${i}: ${type} = ${JSON.stringify(value)};`);
  return `import type { ${types.join(', ')} } from 'xero-export';\n${lines.join('\n')}\n`;
}

// The host's names the blocks use, typed as a TypeScript host would have them.
const HOST_TYPES = {
  exporter: 'Exporter', run: 'SendRun', snapshot: 'Snapshot', previousSnapshot: 'Snapshot', settings: 'Settings',
  invoices: 'SourceInvoice[]', invoice: 'SourceInvoice', newInvoice: 'SourceInvoice', work: 'PlanWork',
  documents: 'PreviewDocument[]', members: 'Payer[]', tenantId: 'string', invoiceId: 'string', csvText: 'string',
  file: 'File', baseUrl: 'string', token: 'string', state: 'string', crm: 'any',
  xero: 'XeroClient', invoiceFromXero: 'Invoice', // xero-node's client and model
  get: '(url: string) => Promise<any>', xeroGet: '(url: string) => Promise<any>', send: '(body: Uint8Array) => Promise<void>',
  idempotencyKeyFor: '(doc: PreviewDocument) => string', invoicesInPagesOf1000: '() => AsyncIterable<SourceInvoice[]>',
  ...Object.fromEntries(['link', 'invite', 'askWhichOne', 'show', 'showProblems', 'showProgress', 'markCancelled', 'markPaid']
    .map((name) => [name, '(...args: any[]) => void'])),
};

// What a README block may do in JavaScript that TypeScript's --strict refuses, none of it about
// the declarations: untyped parameters and indexes, `null` and `undefined` checks TypeScript
// cannot follow (into a closure, through a `filter` or a `status` test), and reading a field of
// the `contact` union without testing its `status` first.
const JS_ONLY = [
  /error TS(7006|7053|7031|18047|18048|2531|2532|2538):/,
  /Argument of type '[^']*\| null' is not assignable/,
  /Property '\w+' does not exist on type 'ContactRef'/,
];

/** A README block as a TypeScript module: its imports on top, the package's other exports and
 * the host's names declared, the code in an async function; a bare object literal is a source
 * invoice and `const settings = {` is typed Settings. Null for a class's methods. */
function blockSource(code) {
  if (/\bthis\./.test(code)) return null; // the queue worker's methods: run by queue.test.mjs
  const imports = [];
  const imported = new Set();
  let body = code.replace(/^\s*(import (.+?) from '(xero-export(?:\/csv)?)';).*$/gm, (_, line, spec) => {
    imports.push(line);
    for (const name of spec.split(/[{},]/).map((n) => n.trim()).filter(Boolean)) imported.add(name);
    return '';
  });
  if (body.trim().startsWith('{')) body = `const value: SourceInvoice = ${body.trim()};\nvoid value;`;
  body = body.replace(/^const settings = \{/m, 'const settings: Settings = {');
  const others = Object.keys(api).filter((n) => n !== 'default' && !imported.has(n));
  return [
    ...imports,
    `import { ${others.join(', ')} } from 'xero-export';`,
    "import type { Snapshot, Settings, SourceInvoice, PlanWork, PreviewDocument, Payer } from 'xero-export';",
    "import type { XeroClient, Invoice } from 'xero-node';",
    ...Object.entries(HOST_TYPES).map(([name, type]) => `declare const ${name}: ${type};`),
    `export async function example() {\n${body}\n}`,
    '',
  ].join('\n');
}

const blockFiles = () => Object.fromEntries(blocks.map((b, i) => [`block${i}.ts`, blockSource(b)]).filter(([, src]) => src));

// The snapshot as the README says it may be given: xero-node's `response.body` for a part (its
// model classes), or `null` for a part left out.
const XERO_NODE_SNAPSHOT = `import { Exporter } from 'xero-export';
import type { XeroClient } from 'xero-node';
declare const xero: XeroClient;
export async function snapshotFromXeroNode(tenantId: string) {
  const api = xero.accountingApi;
  return new Exporter({
    organisation: (await api.getOrganisations(tenantId)).body,
    accounts: (await api.getAccounts(tenantId)).body,
    taxRates: (await api.getTaxRates(tenantId)).body,
    trackingCategories: (await api.getTrackingCategories(tenantId)).body,
    contacts: (await api.getContacts(tenantId)).body.contacts,
    items: null,
    currencies: null,
  });
}
`;

let checked;
const diagnostics = () => (checked ??= typeCheck({ 'returned.ts': returnedSource(), 'xero-node.ts': XERO_NODE_SNAPSHOT, ...blockFiles() }));

test('README: a snapshot part may be xero-node\'s response.body, or null for one left out', () => {
  assert.match(readme, /or what\s+xero-node returns in `response\.body` \(camelCase\)/);
  assert.match(readme, /only a part left out, or\s+`null`, skips its checks/);
  const issues = new api.Exporter({ ...snapshot, items: null }).issues;
  assert.deepEqual(codes(issues), ['SNAPSHOT_INVALID snapshot.items']);
  assert.deepEqual(diagnostics()['xero-node.ts'], []);
});

test('the README blocks type-check against the declarations', () => {
  const found = Object.entries(diagnostics()).filter(([name]) => name.startsWith('block'))
    .flatMap(([name, lines]) => lines.filter((l) => !/^\s/.test(l) && !JS_ONLY.some((re) => re.test(l)))
      .map((l) => `${l}\n  in the block:\n${blocks[Number(/\d+/.exec(name)[0])].split('\n').slice(0, 3).join('\n')}`));
  assert.deepEqual(found, []);
});

test('what the examples returned fits the declared types', () => {
  assert.ok(returned.length > 20, 'the examples ran first');
  // Each diagnostic with the declared type of its literal (`v<i>` is on line i + 2).
  const typed = (line) => `${returned[Number(/^returned\.ts\((\d+),/.exec(line)?.[1]) - 2]?.[0] ?? ''}: ${line}`;
  assert.deepEqual(diagnostics()['returned.ts'].map(typed), []);
});
