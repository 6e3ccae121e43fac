// The types: every runtime export is declared in the entry's declarations (hand-kept API in
// index.d.ts over the data types generated from Rust into types.d.ts), and a usage file that
// exercises the main API type-checks with tsc --strict, Issue.code as the union of the codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync, cpSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { api, pkgDir, root } from './helpers.mjs';

const dts = readFileSync(path.join(pkgDir, 'index.d.mts'), 'utf8');

test('every runtime export is declared', () => {
  const declared = new Set([...dts.matchAll(/^export (?:declare )?(?:function|class|const) (\w+)/gm)].map((m) => m[1]));
  const missing = Object.keys(api).filter((k) => k !== 'default' && !k.startsWith('__') && !declared.has(k));
  assert.deepEqual(missing, []);
});

test('a usage file type-checks against the declarations', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'xero-export-types-'));
  try {
    cpSync(pkgDir, path.join(dir, 'node_modules/xero-export'), { recursive: true });
    writeFileSync(path.join(dir, 'usage.ts'), `
import { Exporter, timesheetInvoice, type Issue, type IssueCode, type Preview, type SourceInvoice, type Settings } from 'xero-export';
const settings: Settings = { status: 'AUTHORISED', dueDate: { rule: 'daysAfter', days: 14 },
  tracking: { categories: [{ category: 'Location', sources: ['line', 'location'], stale: 'fallback', fallback: 'North' }] } };
const invoices: SourceInvoice[] = [{ id: 'a', date: '2024-01-15', payer: { kind: 'patient', id: 'p1', name: 'Ana' },
  lines: [{ description: 'x', quantity: 1, unitAmount: '10.00', tracking: { Location: 'North' } }] }];
const ex = new Exporter({ accounts: { Accounts: [] } }, settings);
const p: Preview = ex.preview(invoices, { lines: false });
const totals: string[] = p.documents.map((d) => (d.totals?.total ?? 'no totals') + (d.contact.status === 'existing' ? d.contact.matchedBy : ''));
const bill = timesheetInvoice({ groupBy: 'member', entries: [{ member: 'm', hours: '1.5', rate: 80 }] });
// The configuration screen.
const firstAccount: string | undefined = ex.choices().salesAccounts[0]?.code;
const hitMatched: string | undefined = ex.searchContacts('kath', { limit: 5 })[0]?.matched;
const staleCodes: IssueCode[] = ex.staleMappings(null).map((m) => m.code);
void firstAccount; void hitMatched; void staleCodes;
// The result handle: a chunk's batch part carries the items to create, as the preview does.
const chunk = ex.previewSession({ lines: false }).push(invoices);
const toCreate: number = (chunk.batch().items ?? []).length + chunk.batch().contacts.length + chunk.firstIndex;
void toCreate; chunk.free();
void totals; void bill.lines; ex.free();
// Issue.code is the union of the codes: a misspelt code does not compile.
function label(issue: Issue): string {
  const code: IssueCode = issue.code;
  switch (code) {
    case 'TOO_MANY_DECIMALS': return 'round the amount';
    case 'CONTACT_NOT_FOUND': return 'map the payer';
    // @ts-expect-error not an issue code
    case 'CONTACT_MISSING': return 'never';
    default: return issue.severity === 'error' ? code : issue.message;
  }
}
const labels: string[] = p.documents.flatMap((d) => d.issues.map(label));
const csvCounts: number = (p.issues[0]?.row ?? 0) + labels.length;
void csvCounts;
`);
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    execFileSync(path.join(root, 'tests/node_modules/.bin/tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'usage.ts'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
