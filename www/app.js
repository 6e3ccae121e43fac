// The demo page: uses only the package's public API (the web build's entry).
import init, { version, lineAmount, Exporter } from '../pkg/web/index.js';

const $ = (id) => document.getElementById(id);

/** Error or warning told by an icon with a text name, not by colour alone. */
function severityLabel(severity) {
  const span = document.createElement('span');
  span.className = `sev ${severity}`;
  const icon = document.createElement('span');
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = severity === 'error' ? '✖ ' : '⚠ ';
  span.append(icon, severity === 'error' ? 'Error' : 'Warning');
  return span;
}

function showIssues(list, issues, { withPath = true } = {}) {
  list.replaceChildren(...issues.map((i) => {
    const li = document.createElement('li');
    li.className = i.severity;
    li.dataset.code = i.code;
    const where = withPath ? ` at ${i.path}${i.row ? ` (row ${i.row}${i.column ? `, column ${i.column}` : ''})` : ''}` : '';
    li.append(severityLabel(i.severity), ` ${i.code}${where}: ${i.message}`);
    return li;
  }));
}

/** "1 contact", "2 contacts". */
const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Exact sum of decimal strings (totals are text so that no cent is lost to floating point). */
function sumDecimals(values) {
  const scale = Math.max(0, ...values.map((v) => (v.split('.')[1] ?? '').length));
  const units = values.reduce((acc, v) => {
    const [whole, frac = ''] = v.replace('-', '').split('.');
    const n = BigInt(whole + frac.padEnd(scale, '0'));
    return acc + (v.startsWith('-') ? -n : n);
  }, 0n);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return (negative ? '-' : '') + text;
}

const negate = (v) => (v.startsWith('-') ? v.slice(1) : `-${v}`);

/** The batch's grand total per currency: invoices add, credit notes subtract. */
function grandTotal(documents) {
  const byCurrency = new Map();
  let missing = 0;
  for (const d of documents) {
    if (!d.totals) { missing += 1; continue; }
    const total = d.kind.endsWith('CREDIT') ? negate(d.totals.total) : d.totals.total;
    const currency = d.currency ?? 'base currency';
    byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), total]);
  }
  const parts = [...byCurrency].map(([currency, totals]) => `${currency} ${sumDecimals(totals)}`);
  return `Batch total (credit notes subtracted): ${parts.join(' + ') || '—'}`
    + (missing ? ` (${count(missing, 'document')} without a total left out)` : '') + '.';
}

function computeLine(event) {
  event?.preventDefault();
  const input = { quantity: $('quantity').value, unitAmount: $('unit-amount').value, unitdp: Number($('unitdp').value) };
  const rate = $('discount-rate').value.trim();
  if (rate) input.discountRate = rate;
  const r = lineAmount(input);
  $('line-out').textContent = r.lineAmount ?? '—';
  showIssues($('line-issues'), r.issues);
}

const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
};

function previewExport() {
  let snapshot, settings, invoices;
  try {
    snapshot = JSON.parse($('snapshot').value);
    settings = JSON.parse($('settings').value);
    invoices = JSON.parse($('invoices').value);
  } catch (e) {
    $('preview-summary').textContent = `Not JSON: ${e.message}`;
    return;
  }
  let result;
  try {
    const exporter = new Exporter(snapshot, settings);
    result = exporter.preview(invoices);
    exporter.free();
  } catch (e) {
    // Misuse (a shape that does not fit at all) is thrown with a code.
    $('preview-summary').textContent = `${e.code}: ${e.message}`;
    return;
  }
  const { documents, contacts, issues, summary } = result;
  $('preview-summary').textContent = `${count(summary.documents, 'invoice')}: ${summary.ready} ready, ${summary.blocked} blocked, `
    + `${count(summary.creditNotes, 'credit note')}, ${count(summary.contactsToCreate, 'contact')} to create first`
    + (contacts.length ? ` (${contacts.map((c) => c.contact.Name).join(', ')})` : '') + '.';
  const progress = $('preview-progress');
  progress.max = Math.max(1, summary.documents);
  progress.value = summary.ready;
  $('preview-progress-text').textContent = `${summary.ready} of ${summary.documents} ready`;
  $('preview-total').textContent = grandTotal(documents);
  showIssues($('preview-global'), issues);
  const body = $('preview-table').tBodies[0];
  body.replaceChildren(...documents.map(documentRow));
  if (body.rows.length) select(body.rows[0], documents[0]);
}

/** One document's row: focusable, Enter (or a click) opens its detail. */
function documentRow(d) {
  const list = el('ul', { className: 'issues' });
  showIssues(list, d.issues, { withPath: false });
  const tr = el('tr', { className: d.blocked ? 'blocked' : '', tabIndex: 0 },
    el('td', { textContent: d.sourceId }),
    el('td', { textContent: d.kind }),
    el('td', { textContent: (d.contact.name ?? '—') + (d.contact.status === 'create' ? ' (new)' : d.contact.matchedBy ? ` (by ${d.contact.matchedBy})` : '') }),
    // null when a line's amount could not be computed (its issues say why).
    el('td', { className: 'num', textContent: d.totals?.subTotal ?? '—' }),
    el('td', { className: 'num', textContent: d.totals?.totalTax ?? '—' }),
    el('td', { className: 'num', textContent: d.totals?.total ?? '—' }),
    el('td', { textContent: d.blocked ? 'blocked' : 'ready' }),
    el('td', {}, list));
  tr.dataset.id = d.sourceId;
  tr.addEventListener('click', () => select(tr, d));
  tr.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    select(tr, d);
  });
  return tr;
}

/** Marks `tr` as the selected row (aria-current, styled) and shows its detail. */
function select(tr, d) {
  for (const row of tr.parentElement.rows) row.removeAttribute('aria-current');
  tr.setAttribute('aria-current', 'true');
  showDetail(d);
}

function showDetail(d) {
  const rows = d.lines.map((l) => el('tr', {},
    el('td', { textContent: l.description ?? '' }),
    el('td', { className: 'num', textContent: l.quantity ?? '' }),
    el('td', { className: 'num', textContent: l.unitAmount ?? '' }),
    el('td', { textContent: `${l.accountCode ?? '—'} / ${l.taxType ?? '—'}` }),
    el('td', { className: 'num', textContent: l.lineAmount }),
    el('td', { className: 'num', textContent: l.taxAmount }),
    el('td', {}, ...l.tracking.map((t) => el('div', { className: 'tracking' },
      `${t.category}: ${t.option} `, el('span', { className: 'source', textContent: `from ${t.source}${t.replaced ? ` (replaces ${t.replaced})` : ''}` }))))));
  const list = el('ul', { className: 'issues' });
  showIssues(list, d.issues);
  $('preview-detail').replaceChildren(el('div', { className: 'detail' },
    el('h3', { textContent: `${d.sourceId} → ${d.kind} ${d.number ?? ''}` }),
    el('p', { textContent: `Date ${d.date ?? '—'}, due ${d.dueDate ?? '—'}, ${d.currency ?? ''} ${d.lineAmountTypes}` }),
    el('table', {}, el('thead', {}, el('tr', {}, ...['Line', 'Qty', 'Unit', 'Account / tax', 'Amount', 'Tax', 'Tracking'].map((h) => el('th', { textContent: h })))), el('tbody', {}, ...rows), totalsFoot(d)),
    list,
    el('details', {}, el('summary', { textContent: 'Request body' }), el('pre', { textContent: d.body ?? '(sent once the new contact exists)' }))));
}

/** The detail's totals row: subtotal under Amount, tax under Tax, then the total. */
function totalsFoot(d) {
  const t = d.totals;
  return el('tfoot', {},
    el('tr', { className: 'totals' },
      el('th', { scope: 'row', colSpan: 4, textContent: 'Totals' }),
      el('td', { className: 'num', textContent: t?.subTotal ?? '—' }),
      el('td', { className: 'num', textContent: t?.totalTax ?? '—' }),
      el('td', { textContent: `Total ${t?.total ?? '—'}` })));
}

async function loadSample() {
  const get = async (p) => (await fetch(p)).json();
  const [snapshot, clinic] = await Promise.all([get('../tests/fixtures/sample/snapshot.json'), get('../tests/fixtures/scenarios/clinic.json')]);
  $('snapshot').value = JSON.stringify(snapshot, null, 2);
  $('settings').value = JSON.stringify(clinic.settings, null, 2);
  $('invoices').value = JSON.stringify(clinic.invoices, null, 2);
}

await init();
await init(); // idempotent: the second call reuses the instance
$('version').textContent = version();
$('line-form').addEventListener('submit', computeLine);
computeLine();
$('preview-go').addEventListener('click', previewExport);
await loadSample();
previewExport();
document.body.dataset.ready = '1';
