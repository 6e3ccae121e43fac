// The README's Node example. tests/js/package.test.mjs runs this file against the packed,
// installed package, so the README cannot drift from what works.
import { Exporter, lineAmount, version } from 'xero-export';

// The organisation's data: the bodies of Xero's GETs as received (or xero-node's response.body).
const snapshot = {
  organisation: { Organisations: [{ BaseCurrency: 'NZD', PaymentTerms: { Sales: { Day: 20, Type: 'OFFOLLOWINGMONTH' } } }] },
  accounts: { Accounts: [{ Code: '200', Type: 'REVENUE', Status: 'ACTIVE', TaxType: 'OUTPUT2' }] },
  taxRates: { TaxRates: [{ TaxType: 'OUTPUT2', Status: 'ACTIVE', EffectiveRate: 15, CanApplyToRevenue: true }] },
  contacts: { Contacts: [{ ContactID: '5cc8cf28-567e-4d43-b287-687cfcaec47c', Name: 'Katherine Warren', ContactStatus: 'ACTIVE' }] },
};
const exporter = new Exporter(snapshot, { status: 'AUTHORISED', accounts: { default: '200' }, dueDate: { rule: 'paymentTerms' } });

const { documents } = exporter.preview([{
  id: 'appt-1001', number: 'CL-1001', date: '2024-01-15', payer: { name: 'katherine warren' },
  lines: ['25.06', '25.61', '25.63'].map((unitAmount) => ({ description: 'Consultation', quantity: 1, unitAmount })),
}]);
const [doc] = documents;
console.log(`xero-export ${version()}: ${doc.kind} for ${doc.contact.name} (matched by ${doc.contact.matchedBy}), due ${doc.dueDate}`);
console.log(`totals ${doc.totals.subTotal} + ${doc.totals.totalTax} = ${doc.totals.total}`);
console.log(`PUT /${doc.endpoint} ${doc.body}`);

const bad = lineAmount({ quantity: 1, unitAmount: '12.345' });
for (const issue of bad.issues) console.log(`${issue.severity} ${issue.code} at ${issue.path}: ${issue.message}`);
