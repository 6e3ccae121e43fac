// The README's Node example. tests/js/package.test.mjs runs this file against the packed,
// installed package, so the README cannot drift from what works.
import { lineAmount, version } from 'xero-export';

const line = lineAmount({ quantity: 3, unitAmount: '25.06' });
console.log(`xero-export ${version()}: 3 × 25.06 = ${line.lineAmount}`);

const bad = lineAmount({ quantity: 1, unitAmount: '12.345' });
for (const issue of bad.issues) console.log(`${issue.severity} ${issue.code} at ${issue.path}: ${issue.message}`);
