// The baseline the package is measured against (issue 20): what a competent integrator would
// write by hand in JavaScript for the benchmark workload instead of using the package. Money in
// decimal.js, lookups prepared once per batch, request bodies written with JSON.stringify.
//
// It covers exactly what the workload uses (tests/bench/workload.json's settings: default and
// per-service accounts, tax codes, payment-terms due dates, invoice number/reference/url
// templates, contacts matched by number, account number, email or name and created when
// missing, tracking from the line's clinician and location) and checks nothing the workload
// does not need: that is the fair comparison, a mapper written for one application. The bench
// and tests/js/bench-baseline.test.mjs check that its bodies and totals are the package's.
import Decimal from 'decimal.js';

const fold = (s) => String(s).trim().replace(/\s+/g, ' ').toLowerCase();

/** Xero's rounding: 2 dp, half away from zero. */
const round2 = (d) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** Lookups made once from the snapshot and settings. */
export function prepare(snapshot, settings) {
  const org = snapshot.organisation.Organisations[0];
  const contacts = { number: new Map(), account: new Map(), email: new Map(), name: new Map() };
  for (const c of snapshot.contacts.Contacts) {
    if (c.ContactStatus !== 'ACTIVE') continue;
    if (c.ContactNumber) contacts.number.set(c.ContactNumber, c);
    if (c.AccountNumber) contacts.account.set(c.AccountNumber, c);
    if (c.EmailAddress) contacts.email.set(fold(c.EmailAddress), c);
    if (!contacts.name.has(fold(c.Name))) contacts.name.set(fold(c.Name), c);
  }
  // Each rate as shown and as the factor a line amount is multiplied by.
  const rates = new Map(snapshot.taxRates.TaxRates.map((t) => {
    const rate = new Decimal(String(t.EffectiveRate));
    return [t.TaxType, { text: rate.toString(), factor: rate.dividedBy(100) }];
  }));
  const tracking = settings.tracking.categories.map((cat) => {
    const xc = snapshot.trackingCategories.TrackingCategories.find((c) => c.Name === cat.category);
    const options = new Map(xc.Options.filter((o) => o.Status === 'ACTIVE').map((o) => [o.Name, o.TrackingOptionID]));
    const source = cat.sources[1];
    const map = cat[`${source}s`];
    return { category: cat.category, categoryId: xc.TrackingCategoryID, source, field: `${source}Id`, map, options };
  });
  const t = settings.templates;
  const templates = { number: compile(t.invoiceNumber), reference: compile(t.reference), url: compile(t.url) };
  return { org, contacts, rates, tracking, settings, templates, due: new Map() };
}

function matchContact(ctx, payer) {
  const { contacts } = ctx;
  if (payer.contactNumber && contacts.number.has(payer.contactNumber)) return [contacts.number.get(payer.contactNumber), 'contactNumber'];
  if (payer.accountNumber && contacts.account.has(payer.accountNumber)) return [contacts.account.get(payer.accountNumber), 'accountNumber'];
  if (payer.email && contacts.email.has(fold(payer.email))) return [contacts.email.get(fold(payer.email)), 'email'];
  if (payer.name && contacts.name.has(fold(payer.name))) return [contacts.name.get(fold(payer.name)), 'name'];
  return [null, null];
}

const pad = (n) => String(n).padStart(2, '0');
const ymd = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** Xero's payment terms: the contact's sales terms, else the organisation's. */
function dueDate(ctx, contact, date) {
  const terms = contact?.PaymentTerms?.Sales ?? ctx.org.PaymentTerms?.Sales;
  const [y, m, d] = date.split('-').map(Number);
  if (!terms) return ymd(new Date(Date.UTC(y, m - 1, d + ctx.settings.dueDate.fallbackDays)));
  switch (terms.Type) {
    case 'DAYSAFTERBILLDATE': return ymd(new Date(Date.UTC(y, m - 1, d + terms.Day)));
    case 'DAYSAFTERBILLMONTH': return ymd(new Date(Date.UTC(y, m, terms.Day)));
    case 'OFCURRENTMONTH': return ymd(new Date(Date.UTC(y, m - 1, terms.Day)));
    default: return ymd(new Date(Date.UTC(y, m, Math.min(terms.Day, new Date(Date.UTC(y, m + 1, 0)).getUTCDate()))));
  }
}

/** A `{field}` template split once into a function of the invoice. */
function compile(template) {
  const parts = template.split(/\{(\w+)\}/);
  return (inv) => {
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2) out += (inv[parts[i]] ?? '') + parts[i + 1];
    return out;
  };
}

/** Due dates repeat (one per contact's terms and invoice date): computed once each. */
function dueDateOf(ctx, contact, date) {
  const key = `${contact?.ContactID ?? ''}|${date}`;
  let due = ctx.due.get(key);
  if (due === undefined) {
    due = dueDate(ctx, contact, date);
    ctx.due.set(key, due);
  }
  return due;
}

/** One line: its body object, amounts and (with `display`) what the page shows. */
function mapLine(ctx, line, display) {
  const s = ctx.settings;
  const quantity = new Decimal(String(line.quantity));
  const unit = new Decimal(String(line.unitAmount));
  const dp = unit.decimalPlaces() > 2 ? 4 : 2;
  const stored = unit.toDecimalPlaces(dp, Decimal.ROUND_HALF_UP);
  const unitText = stored.toFixed(dp);
  const accountCode = s.accounts.byService?.[line.serviceCode] ?? s.accounts.default;
  const taxType = s.taxes.byCode[line.taxCode];
  const rate = ctx.rates.get(taxType);
  const lineAmount = round2(quantity.times(stored));
  const tax = round2(lineAmount.times(rate.factor));
  const tracking = [];
  for (const t of ctx.tracking) {
    const name = t.map[line[t.field]];
    const id = name === undefined ? undefined : t.options.get(name);
    if (id !== undefined) tracking.push({ category: t.category, option: name, categoryId: t.categoryId, optionId: id, source: t.source });
  }
  const body = { Description: line.description, Quantity: quantity.toString(), UnitAmount: unitText, AccountCode: accountCode, TaxType: taxType, Tracking: tracking };
  const shown = display
    ? { description: line.description, quantity: quantity.toString(), unitAmount: unitText, accountCode, taxType, taxRate: rate.text,
        lineAmount: lineAmount.toFixed(2), taxAmount: tax.toFixed(2), tracking }
    : undefined;
  return { body, lineAmount, tax, shown, unitdp4: dp === 4 };
}

/** The request body, written as Xero's JSON (numbers as their exact decimal text), in parts
 * joined once: `+=` on strings would leave each body a rope of hundreds of pieces. */
function writeBody(doc, lines) {
  const str = JSON.stringify;
  const out = [`{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":${str(doc.contactId)}},"Date":${str(doc.date)},"DueDate":${str(doc.dueDate)},`,
    `"LineAmountTypes":"Exclusive","InvoiceNumber":${str(doc.number)},"Reference":${str(doc.reference)},"Url":${str(doc.url)},`,
    `"Status":${str(doc.status)},"LineItems":[`];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].body;
    out.push(i ? ',' : '', `{"Description":${str(l.Description)},"Quantity":${l.Quantity},"UnitAmount":${l.UnitAmount},`,
      `"AccountCode":${str(l.AccountCode)},"TaxType":${str(l.TaxType)}`);
    if (l.Tracking.length) {
      out.push(',"Tracking":[');
      for (let k = 0; k < l.Tracking.length; k++) {
        const t = l.Tracking[k];
        out.push(k ? ',' : '', `{"TrackingCategoryID":${str(t.categoryId)},"Name":${str(t.category)},"Option":${str(t.option)},"TrackingOptionID":${str(t.optionId)}}`);
      }
      out.push(']');
    }
    out.push('}');
  }
  out.push(']}]}');
  return out.join('');
}

/**
 * Maps a batch: `{documents, contacts, summary}` with each document's body (null while its
 * contact is to be created) and totals; with `display` (the default) its lines as shown too.
 */
export function mapInvoices(ctx, invoices, { lines: display = true } = {}) {
  const s = ctx.settings;
  const created = new Map();
  const documents = [];
  let ready = 0;
  let warnings = 0;
  for (let index = 0; index < invoices.length; index++) {
    const inv = invoices[index];
    const [match, matchedBy] = matchContact(ctx, inv.payer);
    let contact;
    if (match) {
      contact = { status: 'existing', contactId: match.ContactID, name: match.Name, matchedBy };
    } else {
      const key = `${inv.payer.kind}:${inv.payer.id}`;
      if (!created.has(key)) created.set(key, { key, contact: { Name: inv.payer.name, EmailAddress: inv.payer.email }, invoices: [] });
      created.get(key).invoices.push(inv.id);
      contact = { status: 'create', key, name: inv.payer.name };
      warnings++;
    }
    const mapped = inv.lines.map((l) => mapLine(ctx, l, display));
    let sub = new Decimal(0);
    let tax = new Decimal(0);
    for (const m of mapped) {
      sub = sub.plus(m.lineAmount);
      tax = tax.plus(m.tax);
    }
    const doc = {
      contactId: match?.ContactID, date: inv.date, dueDate: dueDateOf(ctx, match, inv.date), number: ctx.templates.number(inv),
      reference: ctx.templates.reference(inv), url: ctx.templates.url(inv), status: s.status,
    };
    documents.push({
      index, sourceId: inv.id, sourceNumber: inv.number, contact, number: doc.number, reference: doc.reference, date: doc.date, dueDate: doc.dueDate,
      lines: display ? mapped.map((m) => m.shown) : [],
      totals: { subTotal: sub.toFixed(2), totalTax: tax.toFixed(2), total: sub.plus(tax).toFixed(2) },
      body: match ? writeBody(doc, mapped) : null,
    });
    ready++;
  }
  const contacts = [...created.values()];
  return { documents, contacts, summary: { documents: documents.length, ready, contactsToCreate: contacts.length, warnings } };
}
