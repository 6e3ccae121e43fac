// A small stateful stand-in for the Xero Accounting API on 127.0.0.1, for tests and the demo.
// It answers in Xero's JSON shapes (spec-conformant, so Prism's proxy mode accepts them):
//   PUT/POST /Invoices, PUT /CreditNotes, PUT /Contacts        create (POST by InvoiceID updates)
//   GET /Invoices (IDs, InvoiceNumbers, where Reference/ContactID/InvoiceNumber), GET /CreditNotes
//   (where CreditNoteID/Number), both with If-Modified-Since, page/pageSize and summaryOnly,
//   GET /CreditNotes/{id}, GET /Contacts (all, paged, or where ContactNumber/Name; includeArchived)
//   PUT /CreditNotes/{id}/Allocations
//   POST /Invoices, /CreditNotes {ID, Status: DELETED | VOIDED}: Xero's status rules (below)
//   PUT /Payments, GET /Payments (where Invoice.InvoiceID / CreditNote.CreditNoteID), GET /Invoices?IDs=
//   POST /Contacts with ContactID: an update of the fields sent (issue 19)
//   PUT /Items (a code it has: Xero's "Price List Item with Code ''X'' already exists"), GET /Items
//   (where Code=="X" OR ...); a document line whose ItemCode is not an item is refused
// Totals are computed independently of the library (exact BigInt decimals, tax per line, half
// away from zero), so a disagreement shows up as XERO_TOTALS_DIFFER.
//
// Options: uniqueNumbers (refuse a taken ACCREC number, as Xero does), idempotency (replay the
// answer of a repeated Idempotency-Key, as Xero does), fault(req, n) → one of 'none', '429',
// '429-day', '500-before', '500-after', 'drop-before', 'drop-after', 'hang-after' (test hook).
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

// ----- exact decimals: {n: BigInt, s: scale} -------------------------------------------------
const TEN = 10n;
function dec(v) {
  const t = String(v ?? '0');
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(t.includes('e') || t.includes('E') ? Number(t).toFixed(10) : t);
  if (!m) throw new Error(`not a decimal: ${t}`);
  const frac = m[3] ?? '';
  const n = BigInt(`${m[1]}${m[2] || '0'}${frac}`);
  return { n, s: frac.length };
}
const pow = (s) => TEN ** BigInt(s);
/** round(a / b) half away from zero, BigInt. */
function roundDiv(a, b) {
  const neg = (a < 0n) !== (b < 0n);
  const [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  const q = (2n * x + y) / (2n * y);
  return neg ? -q : q;
}
/** cents (BigInt) of value × factor, rounded half away from zero. */
const cents = (d) => roundDiv(d.n * 100n, pow(d.s));
const money = (c) => {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return Number(`${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`);
};

/** LineAmount and TaxAmount in cents, as Xero computes them. */
function lineTotals(line, rate, mode) {
  const q = dec(line.Quantity ?? 1);
  const u = dec(line.UnitAmount ?? 0);
  let gross = { n: q.n * u.n, s: q.s + u.s };
  let amount;
  if (line.DiscountRate != null) {
    const r = dec(line.DiscountRate);
    amount = roundDiv(gross.n * (100n * pow(r.s) - r.n) * 100n, pow(gross.s) * 100n * pow(r.s));
  } else {
    amount = cents(gross);
    if (line.DiscountAmount != null) amount -= cents(dec(line.DiscountAmount));
  }
  const rt = dec(rate);
  let tax = 0n;
  if (mode === 'Exclusive') tax = roundDiv(amount * rt.n, 100n * pow(rt.s));
  else if (mode === 'Inclusive') tax = roundDiv(amount * rt.n, 100n * pow(rt.s) + rt.n);
  return { amount, tax };
}

const msDate = (iso) => (iso ? `/Date(${Date.parse(`${iso}T00:00:00Z`)}+0000)/` : undefined);
const isoOf = (ms) => (typeof ms === 'string' && ms.startsWith('/Date(') ? new Date(Number(/\d+/.exec(ms)[0])).toISOString().slice(0, 10) : ms);

/**
 * Starts the fake on 127.0.0.1 (port 0). `snapshot`: the sample GET bodies (contacts and tax
 * rates are read from it). Returns {url, state, requests, close}.
 */
export async function startFakeXero({ snapshot, uniqueNumbers = true, idempotency = true, fault = () => 'none' } = {}) {
  const rates = new Map((snapshot?.taxRates?.TaxRates ?? []).map((t) => [t.TaxType, t.EffectiveRate ?? t.DisplayTaxRate ?? 0]));
  const state = {
    contacts: (snapshot?.contacts?.Contacts ?? []).map((c) => ({ ...c })),
    items: (snapshot?.items?.Items ?? []).map((i) => ({ ...i })),
    invoices: [],
    creditNotes: [],
    payments: [],
    created: new Map(), // number → times created
    keys: new Map(), // Idempotency-Key → {status, body}
  };
  const requests = [];
  let n = 0;

  // ---- Test-only hooks for the status sync (functions on the state, not HTTP routes) ------
  // recordPayment(invoiceId, amount, date): applies a payment as Xero does (AmountPaid up,
  // AmountDue down, PAID with FullyPaidOnDate once nothing is due), bumping UpdatedDateUTC.
  // setStatus(id, status): VOIDED/DELETED/... on an invoice or credit note. `at` (ms): the
  // UpdatedDateUTC to stamp, default now.
  const touch = (d, at) => { d.UpdatedDateUTC = `/Date(${at ?? Date.now()}+0000)/`; };
  state.recordPayment = (invoiceId, amount, date, at) => {
    const inv = state.invoices.find((i) => i.InvoiceID === invoiceId);
    if (!inv) throw new Error(`fake: no invoice ${invoiceId}`);
    const c = cents(dec(amount));
    inv.Payments = [...(inv.Payments ?? []), { PaymentID: randomUUID(), Date: msDate(date), Amount: money(c), Reference: '', CurrencyRate: 1, HasAccount: false, HasValidationErrors: false }];
    inv.AmountPaid = money(cents(dec(inv.AmountPaid)) + c);
    inv.AmountDue = money(cents(dec(inv.AmountDue)) - c);
    if (cents(dec(inv.AmountDue)) <= 0n) { inv.Status = 'PAID'; inv.FullyPaidOnDate = msDate(date); }
    touch(inv, at);
    return inv;
  };
  state.setStatus = (id, status, at) => {
    const d = state.invoices.find((i) => i.InvoiceID === id) ?? state.creditNotes.find((c) => c.CreditNoteID === id);
    if (!d) throw new Error(`fake: no document ${id}`);
    d.Status = status;
    touch(d, at);
    return d;
  };

  const contactRef = (ref) => {
    const c = state.contacts.find((x) => x.ContactID === ref?.ContactID);
    return { ContactID: ref?.ContactID, Name: c?.Name ?? 'Unknown', ContactStatus: c?.ContactStatus ?? 'ACTIVE' };
  };

  function buildDocument(el, credit, existing) {
    const mode = el.LineAmountTypes ?? 'Exclusive';
    let sub = 0n; let tax = 0n;
    const lines = (el.LineItems ?? []).map((l) => {
      const rate = rates.get(l.TaxType) ?? 0;
      const t = lineTotals(l, rate, mode);
      sub += t.amount; tax += t.tax;
      return { ...l, LineItemID: l.LineItemID ?? randomUUID(), LineAmount: money(t.amount), TaxAmount: money(t.tax), Tracking: l.Tracking ?? [] };
    });
    const total = mode === 'Inclusive' ? sub : sub + tax;
    const subTotal = mode === 'Inclusive' ? sub - tax : sub;
    const doc = {
      ...existing,
      Type: el.Type,
      [credit ? 'CreditNoteID' : 'InvoiceID']: existing?.[credit ? 'CreditNoteID' : 'InvoiceID'] ?? randomUUID(),
      [credit ? 'CreditNoteNumber' : 'InvoiceNumber']: el[credit ? 'CreditNoteNumber' : 'InvoiceNumber'] ?? `${credit ? 'CN' : 'INV'}-${String(state.invoices.length + state.creditNotes.length + 1).padStart(4, '0')}`,
      Reference: el.Reference ?? '',
      Contact: contactRef(el.Contact),
      Date: msDate(el.Date),
      DateString: el.Date ? `${el.Date}T00:00:00` : undefined,
      DueDate: msDate(el.DueDate),
      Status: el.Status ?? 'DRAFT',
      LineAmountTypes: mode,
      LineItems: lines,
      SubTotal: money(subTotal),
      TotalTax: money(tax),
      Total: money(total),
      CurrencyCode: el.CurrencyCode ?? snapshot?.organisation?.Organisations?.[0]?.BaseCurrency ?? 'NZD',
      UpdatedDateUTC: `/Date(${Date.now()}+0000)/`,
      HasErrors: false,
    };
    if (credit) { doc.RemainingCredit = money(total); doc.Allocations = []; }
    else { doc.AmountDue = money(total); doc.AmountPaid = 0; doc.AmountCredited = 0; }
    // Xero stores and returns these as sent (the update diff compares them with what is held).
    for (const k of ['Url', 'BrandingThemeID', 'CurrencyRate', 'ExpectedPaymentDate', 'PlannedPaymentDate']) if (el[k] !== undefined) doc[k] = el[k];
    if (!doc.DueDate) delete doc.DueDate;
    if (!doc.DateString) delete doc.DateString;
    return doc;
  }

  function writeDocuments(body, credit, method) {
    const key = credit ? 'CreditNotes' : 'Invoices';
    const list = credit ? state.creditNotes : state.invoices;
    const numberKey = credit ? 'CreditNoteNumber' : 'InvoiceNumber';
    const idKey = credit ? 'CreditNoteID' : 'InvoiceID';
    const out = [];
    for (const el of body[key] ?? []) {
      const existing = el[idKey] ? list.find((d) => d[idKey] === el[idKey]) : undefined;
      if (method === 'POST' && el[idKey] && !existing) {
        out.push({ ...el, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: `An existing ${credit ? 'Credit Note' : 'Invoice'} with the specified ${idKey} could not be found` }] });
        continue;
      }
      if (method === 'POST' && existing && isStatusChange(el, idKey)) {
        out.push(changeStatus(existing, el.Status, credit));
        continue;
      }
      const unknownItem = (el.LineItems ?? []).find((l) => l.ItemCode != null && !findItem(l.ItemCode));
      if (unknownItem) {
        out.push({ ...el, StatusAttributeString: 'ERROR', HasErrors: true, ValidationErrors: [{ Message: `Item code '${unknownItem.ItemCode}' is not valid` }] });
        continue;
      }
      const number = el[numberKey];
      const taken = !existing && number && list.some((d) => d[numberKey] === number && d.Type === el.Type);
      if (uniqueNumbers && taken && (el.Type === 'ACCREC' || el.Type === 'ACCRECCREDIT')) {
        out.push({ ...el, StatusAttributeString: 'ERROR', HasErrors: true, ValidationErrors: [{ Message: credit ? 'Credit Note # must be unique.' : 'Invoice # must be unique.' }] });
        continue;
      }
      const doc = buildDocument(el, credit, existing);
      if (existing) list[list.indexOf(existing)] = doc;
      else {
        list.push(doc);
        state.created.set(doc[numberKey], (state.created.get(doc[numberKey]) ?? 0) + 1);
      }
      out.push({ ...doc, StatusAttributeString: 'OK' });
    }
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, [key]: out };
  }

  function writeContacts(body) {
    const out = [];
    for (const el of body.Contacts ?? []) {
      const active = state.contacts.filter((c) => (c.ContactStatus ?? 'ACTIVE') === 'ACTIVE');
      const lower = (s) => String(s ?? '').trim().toLowerCase();
      if (active.some((c) => lower(c.Name) === lower(el.Name))) {
        out.push({ ...el, ContactID: '00000000-0000-0000-0000-000000000000', HasValidationErrors: true, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: `The contact name ${el.Name} is already assigned to another contact. The contact name must be unique across all active contacts.` }] });
        continue;
      }
      if (el.ContactNumber && state.contacts.some((c) => lower(c.ContactNumber) === lower(el.ContactNumber))) {
        out.push({ ...el, ContactID: '00000000-0000-0000-0000-000000000000', HasValidationErrors: true, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: 'Another contact has this contact number. Please enter a different contact number.' }] });
        continue;
      }
      const c = { ...el, ContactID: randomUUID(), ContactStatus: 'ACTIVE', UpdatedDateUTC: `/Date(${Date.now()}+0000)/`, HasValidationErrors: false };
      state.contacts.push(c);
      state.created.set(`contact:${c.Name}`, (state.created.get(`contact:${c.Name}`) ?? 0) + 1);
      out.push({ ...c, StatusAttributeString: 'OK' });
    }
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Contacts: out };
  }

  // ---- Contact updates (issue 19): POST /Contacts with ContactID changes the fields sent and
  // nothing else (an address or phone replaces the one of its type); a rename onto another
  // active contact's name is refused as Xero does. Without ContactID it creates, as PUT. ----
  function updateContacts(body) {
    const out = [];
    const lower = (s) => String(s ?? '').trim().toLowerCase();
    for (const el of body.Contacts ?? []) {
      if (!el.ContactID) {
        out.push(...writeContacts({ Contacts: [el] }).Contacts);
        continue;
      }
      const c = state.contacts.find((x) => lower(x.ContactID) === lower(el.ContactID));
      if (!c) {
        out.push({ ...el, HasValidationErrors: true, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: 'The contact could not be found.' }] });
        continue;
      }
      const clash = el.Name && state.contacts.some((x) => x !== c && (x.ContactStatus ?? 'ACTIVE') === 'ACTIVE' && lower(x.Name) === lower(el.Name));
      if (clash) {
        out.push({ ...el, HasValidationErrors: true, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: `The contact name ${el.Name} is already assigned to another contact. The contact name must be unique across all active contacts.` }] });
        continue;
      }
      const { Addresses, Phones, ...fields } = el;
      Object.assign(c, fields);
      const byType = (mine, theirs, key) => [...(mine ?? []).filter((a) => !(theirs ?? []).some((t) => t[key] === a[key])), ...(theirs ?? [])];
      if (Addresses) c.Addresses = byType(c.Addresses, Addresses, 'AddressType');
      if (Phones) c.Phones = byType(c.Phones, Phones, 'PhoneType');
      c.UpdatedDateUTC = `/Date(${Date.now()}+0000)/`;
      state.created.set(`contact-update:${c.ContactID}`, (state.created.get(`contact-update:${c.ContactID}`) ?? 0) + 1);
      out.push({ ...c, HasValidationErrors: false, StatusAttributeString: 'OK' });
    }
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Contacts: out };
  }

  // ---- Items (issue 19): codes compared case-insensitively and trimmed (the library's safe
  // assumption; Xero's own comparison is unverified). ----
  const itemKey = (code) => String(code ?? '').trim().toLowerCase();
  const findItem = (code) => state.items.find((i) => itemKey(i.Code) === itemKey(code));
  function writeItems(body) {
    const out = [];
    for (const el of body.Items ?? []) {
      if (findItem(el.Code)) {
        out.push({ ...el, StatusAttributeString: 'ERROR', ValidationErrors: [{ Message: `Price List Item with Code ''${el.Code}'' already exists` }] });
        continue;
      }
      const item = { ...el, ItemID: randomUUID(), IsTrackedAsInventory: false, IsSold: el.IsSold ?? true, IsPurchased: el.IsPurchased ?? true, UpdatedDateUTC: `/Date(${Date.now()}+0000)/` };
      state.items.push(item);
      state.created.set(`item:${itemKey(el.Code)}`, (state.created.get(`item:${itemKey(el.Code)}`) ?? 0) + 1);
      out.push({ ...item, StatusAttributeString: 'OK' });
    }
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Items: out };
  }
  function readItems(url) {
    const where = clauses(url.searchParams.get('where'));
    const found = state.items.filter((i) => where.length === 0 || where.some(([f, v]) => f === 'Code' && itemKey(i.Code) === itemKey(v)));
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Items: found };
  }

  /** The string literals of a `where` clause: Field=="value" pairs. */
  const clauses = (where) => [...String(where ?? '').matchAll(/([A-Za-z.]+)==(?:guid\()?"((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2].replace(/\\(.)/g, '$1')]);

  function readDocuments(url, credit, headers = {}) {
    const list = credit ? state.creditNotes : state.invoices;
    const numberKey = credit ? 'CreditNoteNumber' : 'InvoiceNumber';
    const idKey = credit ? 'CreditNoteID' : 'InvoiceID';
    const numbers = url.searchParams.get('InvoiceNumbers')?.split(',');
    // Status sync: IDs (GUIDs compare case-insensitively), If-Modified-Since (UpdatedDateUTC
    // after it, to the second), page/pageSize (100 a page), summaryOnly (no lines, payments
    // or credit notes).
    const ids = url.searchParams.get('IDs')?.split(',').map((x) => x.toLowerCase());
    const since = headers['if-modified-since'] ? Date.parse(headers['if-modified-since']) : undefined;
    const where = clauses(url.searchParams.get('where'));
    const found = list.filter((d) => {
      if (numbers && !numbers.includes(d[numberKey])) return false;
      if (ids && !ids.includes(String(d[idKey]).toLowerCase())) return false;
      if (since !== undefined && !(Number(/\d+/.exec(d.UpdatedDateUTC)?.[0]) >= since)) return false;
      if (where.length === 0) return true;
      // OR of clauses (AND groups are written as one parenthesised clause per document).
      return where.some(([field, value]) => (field === 'Contact.ContactID' ? d.Contact.ContactID === value
        : field.endsWith('ID') ? String(d[field]).toLowerCase() === value.toLowerCase() : String(d[field]) === value));
    });
    const paged = url.searchParams.has('page');
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const size = Math.min(1000, Math.max(1, Number(url.searchParams.get('pageSize') ?? 100)));
    const summary = url.searchParams.get('summaryOnly') === 'true';
    const shown = paged ? found.slice((page - 1) * size, page * size) : found;
    const items = shown.map((d) => {
      const out = paged && !summary ? { ...d } : { ...d, LineItems: [] };
      if (summary) { delete out.Payments; delete out.CreditNotes; }
      return out;
    });
    const pagination = { page, pageSize: size, pageCount: Math.max(1, Math.ceil(found.length / size)), itemCount: found.length };
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, ...(paged ? { pagination } : {}), [credit ? 'CreditNotes' : 'Invoices']: items };
  }

  // Reference §5: ARCHIVED contacts only with includeArchived=true; no `where`, every contact
  // (a host importing its contacts pages through them: §13, 100 a page, pageSize ≤ 1000).
  function readContacts(url) {
    const where = clauses(url.searchParams.get('where'));
    const archived = url.searchParams.get('includeArchived') === 'true';
    const found = state.contacts.filter((c) => (archived || (c.ContactStatus ?? 'ACTIVE') !== 'ARCHIVED')
      && (where.length === 0 || where.some(([f, v]) => String(c[f] ?? '').toLowerCase() === v.toLowerCase())));
    if (!url.searchParams.has('page')) return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Contacts: found };
    const page = Math.max(1, Number(url.searchParams.get('page')));
    const size = Math.min(1000, Math.max(1, Number(url.searchParams.get('pageSize') ?? 100)));
    const pagination = { page, pageSize: size, pageCount: Math.max(1, Math.ceil(found.length / size)), itemCount: found.length };
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, pagination, Contacts: found.slice((page - 1) * size, page * size) };
  }

  function allocate(cnId, body) {
    const cn = state.creditNotes.find((c) => c.CreditNoteID === cnId);
    const out = [];
    for (const a of body.Allocations ?? []) {
      const inv = state.invoices.find((i) => i.InvoiceID === a.Invoice?.InvoiceID);
      const errors = [];
      const amount = cents(dec(a.Amount));
      if (!cn) errors.push('An existing Credit Note with the specified CreditNoteID could not be found');
      else if (cn.Status !== 'AUTHORISED') errors.push('Credit Note must be AUTHORISED to be allocated');
      if (!inv) errors.push('Invoice could not be found');
      else if (amount > cents(dec(inv.AmountDue))) errors.push('The invoice you are trying to allocate to has already been paid off');
      if (cn && amount > cents(dec(cn.RemainingCredit))) errors.push('Credit Note cannot be allocated as amount is greater than amount outstanding');
      if (errors.length === 0) {
        inv.AmountDue = money(cents(dec(inv.AmountDue)) - amount);
        inv.AmountCredited = money(cents(dec(inv.AmountCredited)) + amount);
        if (inv.AmountDue === 0) inv.Status = 'PAID';
        cn.RemainingCredit = money(cents(dec(cn.RemainingCredit)) - amount);
        if (cn.RemainingCredit === 0) cn.Status = 'PAID';
        const saved = { Amount: money(amount), Date: msDate(a.Date), Invoice: { InvoiceID: inv.InvoiceID, InvoiceNumber: inv.InvoiceNumber } };
        cn.Allocations.push(saved);
        state.created.set(`allocation:${cnId}`, (state.created.get(`allocation:${cnId}`) ?? 0) + 1);
        out.push({ ...saved, CreditNote: { CreditNoteID: cnId }, ValidationErrors: [] });
      } else {
        out.push({ ...a, ValidationErrors: errors.map((Message) => ({ Message })) });
      }
    }
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Allocations: out };
  }

  // ----- voiding, deleting and payments ----------------------------------------------------
  // Reference §2.6: DRAFT/SUBMITTED → DELETED, AUTHORISED → VOIDED (only with nothing paid or
  // credited); anything else is refused with the message Xero gives.
  function isStatusChange(el, idKey) {
    return (el.Status === 'DELETED' || el.Status === 'VOIDED') && Object.keys(el).every((k) => k === idKey || k === 'Status');
  }

  function changeStatus(doc, to, credit) {
    const applied = credit ? (doc.Allocations?.length ?? 0) > 0 || cents(dec(doc.RemainingCredit)) !== cents(dec(doc.Total))
      : cents(dec(doc.AmountPaid)) !== 0n || cents(dec(doc.AmountCredited)) !== 0n;
    const allowed = (to === 'DELETED' && ['DRAFT', 'SUBMITTED'].includes(doc.Status)) || (to === 'VOIDED' && doc.Status === 'AUTHORISED');
    if (allowed && applied) {
      return { ...doc, StatusAttributeString: 'ERROR', HasErrors: true, ValidationErrors: [{ Message: 'This document cannot be edited as it has a payment or credit note allocated to it.' }] };
    }
    if (!allowed) {
      return { ...doc, StatusAttributeString: 'ERROR', HasErrors: true, ValidationErrors: [{ Message: `${credit ? 'Credit Note' : 'Invoice'} not of valid status for modification` }] };
    }
    doc.Status = to;
    doc.UpdatedDateUTC = `/Date(${Date.now()}+0000)/`;
    state.created.set(`status:${doc[credit ? 'CreditNoteID' : 'InvoiceID']}:${to}`, (state.created.get(`status:${doc[credit ? 'CreditNoteID' : 'InvoiceID']}:${to}`) ?? 0) + 1);
    return { ...doc, StatusAttributeString: 'OK' };
  }

  function payDocument(el) {
    const credit = !!el.CreditNote;
    const ref = credit ? el.CreditNote : el.Invoice;
    const list = credit ? state.creditNotes : state.invoices;
    const [idKey, numberKey] = credit ? ['CreditNoteID', 'CreditNoteNumber'] : ['InvoiceID', 'InvoiceNumber'];
    const doc = list.find((d) => (ref?.[idKey] ? d[idKey] === ref[idKey] : d[numberKey] === ref?.[numberKey]));
    const dueKey = credit ? 'RemainingCredit' : 'AmountDue';
    const amount = cents(dec(el.Amount));
    const fail = (Message) => ({ ...el, StatusAttributeString: 'ERROR', HasValidationErrors: true, ValidationErrors: [{ Message }] });
    if (!doc) return fail(`${credit ? 'Credit note' : 'Invoice'} could not be found`);
    if (doc.Status !== 'AUTHORISED') return fail('Payment can only be made against Authorised documents');
    if (amount <= 0n || amount > cents(dec(doc[dueKey]))) return fail('Payment amount exceeds the amount outstanding on this document');
    doc[dueKey] = money(cents(dec(doc[dueKey])) - amount);
    if (!credit) doc.AmountPaid = money(cents(dec(doc.AmountPaid)) + amount);
    if (doc[dueKey] === 0) { doc.Status = 'PAID'; doc.FullyPaidOnDate = msDate(el.Date); }
    const saved = {
      PaymentID: randomUUID(), Date: msDate(el.Date), Amount: money(amount), Reference: el.Reference,
      CurrencyRate: el.CurrencyRate ?? 1, Status: 'AUTHORISED', PaymentType: credit ? 'ARCREDITPAYMENT' : 'ACCRECPAYMENT',
      Account: { ...el.Account }, [credit ? 'CreditNote' : 'Invoice']: { [idKey]: doc[idKey], [numberKey]: doc[numberKey] },
      UpdatedDateUTC: `/Date(${Date.now()}+0000)/`, HasAccount: true,
    };
    if (saved.Reference === undefined) delete saved.Reference;
    state.payments.push(saved);
    // As Xero does: the document lists its payments and is stamped changed (the sync reads both).
    doc.Payments = [...(doc.Payments ?? []), { PaymentID: saved.PaymentID, Date: saved.Date, Amount: saved.Amount, Reference: saved.Reference ?? '', CurrencyRate: saved.CurrencyRate, HasAccount: true, HasValidationErrors: false }];
    touch(doc);
    state.created.set(`payment:${doc[idKey]}`, (state.created.get(`payment:${doc[idKey]}`) ?? 0) + 1);
    return { ...saved, StatusAttributeString: 'OK' };
  }

  function writePayments(body) {
    const out = (body.Payments ?? []).map(payDocument);
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, Payments: out };
  }

  function readPayments(url) {
    const where = clauses(url.searchParams.get('where'));
    const found = state.payments.filter((p) => where.length === 0 || where.some(([field, value]) => {
      const [side, key] = field.split('.');
      return String(p[side]?.[key] ?? '') === value;
    }));
    return { Id: randomUUID(), Status: 'OK', ProviderName: 'fake-xero', DateTimeUTC: `/Date(${Date.now()})/`, pagination: { page: 1, pageSize: 100, pageCount: 1, itemCount: found.length }, Payments: found };
  }

  function route(req, url, body) {
    const p = url.pathname;
    const m = req.method;
    const writes = m === 'PUT' || m === 'POST';
    if (writes && url.searchParams.get('summarizeErrors') !== 'false') return [400, { Message: 'test fake: writes must carry summarizeErrors=false' }];
    if (m === 'PUT' && p === '/Invoices') return [200, writeDocuments(body, false, m)];
    if (m === 'POST' && p === '/Invoices') return [200, writeDocuments(body, false, m)];
    if (m === 'PUT' && p === '/CreditNotes') return [200, writeDocuments(body, true, m)];
    if (m === 'POST' && p === '/CreditNotes') return [200, writeDocuments(body, true, m)];
    if (m === 'PUT' && p === '/Contacts') return [200, writeContacts(body)];
    if (m === 'POST' && p === '/Contacts') return [200, updateContacts(body)];
    if (m === 'GET' && p === '/Invoices') return [200, readDocuments(url, false, req.headers)];
    if (m === 'GET' && p === '/CreditNotes') return [200, readDocuments(url, true, req.headers)];
    if (m === 'GET' && p === '/Contacts') return [200, readContacts(url)];
    if (m === 'PUT' && p === '/Items') return [200, writeItems(body)];
    if (m === 'GET' && p === '/Items') return [200, readItems(url)];
    if (m === 'PUT' && p === '/Payments') return [200, writePayments(body)];
    if (m === 'GET' && p === '/Payments') return [200, readPayments(url)];
    let match = /^\/CreditNotes\/([^/]+)\/Allocations$/.exec(p);
    if (m === 'PUT' && match) return [200, allocate(decodeURIComponent(match[1]), body)];
    match = /^\/CreditNotes\/([^/]+)$/.exec(p);
    if (m === 'GET' && match) {
      const cn = state.creditNotes.find((c) => c.CreditNoteID === decodeURIComponent(match[1]));
      return cn ? [200, { Id: randomUUID(), Status: 'OK', CreditNotes: [cn] }] : [404, { Message: 'The resource you\'re looking for cannot be found' }];
    }
    return [404, { Message: `test fake: no route ${m} ${p}` }];
  }

  // ---- Per-tenant limits as Xero counts them (issue 17): requests open at once, arrivals. ----
  // `tenantStats(t)`: {inFlight, maxInFlight, arrivals: [ms]}; `maxPerMinute(t)`: the most
  // arrivals in any 60 s window. A request stays in flight until its answer is written or its
  // connection closes (a timed-out or killed client).
  state.tenants = new Map();
  const tenantStats = (t) => {
    if (!state.tenants.has(t)) state.tenants.set(t, { inFlight: 0, maxInFlight: 0, arrivals: [] });
    return state.tenants.get(t);
  };
  state.maxPerMinute = (t) => {
    const a = state.tenants.get(t)?.arrivals ?? [];
    let best = 0;
    for (let i = 0, j = 0; j < a.length; j++) {
      while (a[j] - a[i] >= 60_000) i++;
      best = Math.max(best, j - i + 1);
    }
    return best;
  };
  const countInFlight = (req, res) => {
    const t = tenantStats(req.headers['xero-tenant-id'] ?? '');
    t.inFlight++;
    t.maxInFlight = Math.max(t.maxInFlight, t.inFlight);
    t.arrivals.push(Date.now());
    let open = true;
    const done = () => { if (open) { open = false; t.inFlight--; } };
    res.on('finish', done);
    res.on('close', done);
  };

  const server = createServer((req, res) => {
    countInFlight(req, res);
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://fake');
      const key = req.headers['idempotency-key'];
      const entry = { n: n++, method: req.method, url: req.url, key, body: raw, tenant: req.headers['xero-tenant-id'] };
      requests.push(entry);
      const send = (status, body, headers = {}) => {
        entry.status = status;
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      if (!req.headers['xero-tenant-id']) return send(403, { Title: 'Forbidden', Detail: 'AuthenticationUnsuccessful: missing xero-tenant-id' });
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) return send(401, { Title: 'Unauthorized', Detail: 'TokenInvalid' });
      if (key && key.length > 128) return send(400, { Message: 'Idempotency-Key longer than 128 characters' });
      const f = fault(entry, entry.n);
      entry.fault = f;
      if (f === '429' || f === '429-day') {
        return send(429, { Title: 'Too Many Requests' }, { 'retry-after': f === '429' ? '1' : '2', 'x-rate-limit-problem': f === '429' ? 'minute' : 'day' });
      }
      if (f === '500-before') return send(500, { Title: 'An error occurred', Detail: 'fault injected before saving' });
      if (f === 'drop-before') { req.socket.destroy(); return undefined; }
      let result;
      if (idempotency && key && state.keys.has(key)) result = state.keys.get(key);
      else {
        let body = {};
        try { body = raw ? JSON.parse(raw) : {}; } catch { return send(400, { ErrorNumber: 14, Type: 'PostDataInvalidException', Message: 'Invalid JSON' }); }
        const [status, out] = route(req, url, body);
        result = { status, body: out };
        if (idempotency && key && status < 500) state.keys.set(key, result);
      }
      if (f === '500-after') return send(502, '<html><body>Bad Gateway</body></html>');
      if (f === 'drop-after') { req.socket.destroy(); return undefined; }
      if (f === 'hang-after') return undefined; // saved; the answer never comes (client times out)
      return send(result.status, result.body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
