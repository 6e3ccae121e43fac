// `make demo`: runs the library on the bundled sample data and prints a readable table.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { lineAmount, version } = require('../../pkg/node/index.cjs');

const lines = JSON.parse(readFileSync(new URL('../fixtures/sample/lines.json', import.meta.url), 'utf8'));
console.log(`xero-export ${version()}: line amounts as Xero computes them\n`);
const rows = lines.map((l) => {
  const r = lineAmount(l);
  return [l.description, String(l.quantity), String(l.unitAmount), String(l.discountRate ?? ''), r.lineAmount ?? '—', r.issues.map((i) => i.code).join(' ')];
});
const head = ['line', 'qty', 'unit', 'disc %', 'amount', 'issues'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (r) => r.map((c, i) => (i >= 1 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(fmt(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(r));
