// The demo page: uses only the package's public API (the web build's entry).
import init, { version, lineAmount, Exporter } from '../pkg/web/index.js';

const $ = (id) => document.getElementById(id);

function showIssues(list, issues) {
  list.replaceChildren(...issues.map((i) => {
    const li = document.createElement('li');
    li.className = i.severity;
    li.dataset.code = i.code;
    li.textContent = `${i.code} at ${i.path}${i.row ? ` (row ${i.row}${i.column ? `, column ${i.column}` : ''})` : ''}: ${i.message}`;
    return li;
  }));
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
  $('preview-summary').textContent = `${summary.documents} invoices: ${summary.ready} ready, ${summary.blocked} blocked, `
    + `${summary.creditNotes} credit notes, ${summary.contactsToCreate} contacts to create first`
    + (contacts.length ? ` (${contacts.map((c) => c.contact.Name).join(', ')})` : '') + '.';
  showIssues($('preview-global'), issues);
  const body = $('preview-table').tBodies[0];
  body.replaceChildren(...documents.map((d) => {
    const tr = el('tr', { className: d.blocked ? 'blocked' : '' },
      el('td', { textContent: d.sourceId }),
      el('td', { textContent: d.kind }),
      el('td', { textContent: (d.contact.name ?? '—') + (d.contact.status === 'create' ? ' (new)' : d.contact.matchedBy ? ` (by ${d.contact.matchedBy})` : '') }),
      // null when a line's amount could not be computed (its issues say why).
      el('td', { className: 'num', textContent: d.totals?.subTotal ?? '—' }),
      el('td', { className: 'num', textContent: d.totals?.totalTax ?? '—' }),
      el('td', { className: 'num', textContent: d.totals?.total ?? '—' }),
      el('td', { textContent: d.blocked ? 'blocked' : 'ready' }),
      el('td', { textContent: d.issues.map((i) => i.code).join(', ') }));
    tr.dataset.id = d.sourceId;
    tr.addEventListener('click', () => showDetail(d));
    return tr;
  }));
  if (documents.length) showDetail(documents[0]);
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
    el('table', {}, el('thead', {}, el('tr', {}, ...['Line', 'Qty', 'Unit', 'Account / tax', 'Amount', 'Tax', 'Tracking'].map((h) => el('th', { textContent: h })))), el('tbody', {}, ...rows)),
    list,
    el('details', {}, el('summary', { textContent: 'Request body' }), el('pre', { textContent: d.body ?? '(sent once the new contact exists)' }))));
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
