// The configuration screen: uses only the package's public API (the web build's entry). Every
// dropdown comes from exporter.choices(); a change updates the settings and the stale report.
import init, { version, Exporter } from '../pkg/web/index.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  Object.assign(e, props);
  e.append(...children);
  return e;
};

let snapshot, previous = null, settings, exporter;

/** A dropdown for `holder[key]`: `options` [{value, label}]; a value not offered stays, marked. */
function dropdown(path, holder, key, options) {
  const current = holder[key];
  const select = el('select');
  select.dataset.path = path;
  // Settings name things as the export matches them: by ID, or by name ignoring case and spacing.
  const norm = (s) => String(s ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
  const offered = options.find((o) => [o.value, o.id].some((v) => v && norm(v) === norm(current)));
  if (!offered && current !== undefined) {
    select.append(el('option', { value: current, textContent: `${current} (not available)` }));
    select.classList.add('stale');
  }
  select.append(...options.map((o) => el('option', { value: o.value, textContent: o.label })));
  select.value = offered?.value ?? current ?? '';
  select.addEventListener('change', () => {
    holder[key] = select.value;
    render();
  });
  return select;
}

function row(container, label, select) {
  // The span is the select's visible label; aria-label gives the select that name (axe select-name).
  select.setAttribute('aria-label', label);
  container.append(el('span', { textContent: label }), select);
}

function renderAccounts(choices) {
  const accounts = choices.salesAccounts.map((a) => ({ value: a.code, id: a.accountId, label: `${a.code} — ${a.name ?? ''}` }));
  const taxes = choices.taxRates.revenue.map((t) => ({ value: t.taxType, label: `${t.name ?? t.taxType} (${t.effectiveRate}%)` }));
  const acc = $('accounts');
  const tax = $('taxes');
  acc.replaceChildren();
  tax.replaceChildren();
  settings.accounts ??= {};
  row(acc, 'Default sales account', dropdown('settings.accounts.default', settings.accounts, 'default', accounts));
  for (const service of Object.keys(settings.accounts.byService ?? {})) {
    row(acc, `Service ${service}`, dropdown(`settings.accounts.byService[${JSON.stringify(service)}]`, settings.accounts.byService, service, accounts));
  }
  for (const code of Object.keys(settings.taxes?.byCode ?? {})) {
    row(tax, `Tax code ${code}`, dropdown(`settings.taxes.byCode[${JSON.stringify(code)}]`, settings.taxes.byCode, code, taxes));
  }
  $('currencies').textContent = choices.currencies.join(', ');
}

function renderTracking(choices) {
  const out = $('tracking');
  out.replaceChildren();
  const configured = settings.tracking?.categories ?? [];
  for (const category of choices.tracking) {
    const heading = el('h3', { textContent: `${category.number}. ${category.name}` });
    const grid = el('div', { className: 'mapping' });
    grid.dataset.category = String(category.number);
    const options = category.options.map((o) => ({ value: o.name, id: o.id, label: o.name }));
    const i = configured.findIndex((c) => [category.name, category.id].some((n) => n && n.toLowerCase() === c.category.toLowerCase()));
    const config = configured[i];
    for (const field of ['clinicians', 'locations', 'services']) {
      for (const key of Object.keys(config?.[field] ?? {})) {
        row(grid, `${field.slice(0, -1)} ${key}`, dropdown(`settings.tracking.categories[${i}].${field}[${JSON.stringify(key)}]`, config[field], key, options));
      }
    }
    if (category.options.length === 0) grid.append(el('span', { textContent: 'No options yet: add them in Xero.' }));
    out.append(heading, grid);
  }
}

function renderStale() {
  const report = exporter.staleMappings(previous);
  const errors = report.filter((m) => m.severity === 'error').length;
  $('stale-summary').textContent = report.length === 0 ? 'Every mapping resolves.'
    : `${errors} mapping${errors === 1 ? '' : 's'} no longer resolve${errors === 1 ? 's' : ''}, ${report.length - errors} still work${report.length - errors === 1 ? 's' : ''} with a changed name.`;
  $('stale-table').tBodies[0].replaceChildren(...report.map((m) => {
    const suggestion = m.suggestion.value ? `${m.suggestion.kind}: ${m.suggestion.value}` : m.suggestion.kind;
    const tr = el('tr', { className: m.severity },
      el('td', {}, el('code', { textContent: m.path })),
      el('td', { textContent: m.code }),
      el('td', { textContent: m.reason }),
      el('td', { textContent: suggestion }),
      el('td', { textContent: m.message }));
    tr.dataset.path = m.path;
    return tr;
  }));
}

function renderNotOffered(choices) {
  $('not-offered-count').textContent = String(choices.notOffered.length);
  $('not-offered').replaceChildren(...choices.notOffered.map((n) => {
    const li = el('li', {}, `${n.list}: ${n.name} `, el('span', { className: 'reason', textContent: `(${n.reason}) ${n.message}` }));
    li.dataset.reason = n.reason;
    return li;
  }));
}

function searchContacts() {
  const hits = exporter.searchContacts($('contact-query').value, { limit: 8 });
  $('contact-results').replaceChildren(...hits.map((h) => {
    const li = el('li', { className: h.archived ? 'archived' : '' },
      `${h.name ?? h.contactId}${h.archived ? ' (archived)' : ''} `,
      el('span', { className: 'matched', textContent: h.matched === 'nearMiss' ? 'near miss: a different contact for Xero' : h.matched }));
    li.dataset.matched = h.matched;
    return li;
  }));
}

function render() {
  exporter?.free();
  exporter = new Exporter(snapshot, settings);
  const choices = exporter.choices();
  renderAccounts(choices);
  renderTracking(choices);
  renderNotOffered(choices);
  renderStale();
  searchContacts();
  $('settings-out').value = JSON.stringify(settings, null, 2);
}

/** Today's snapshot: the bookkeeper archived option "North" and renamed account 210. */
function today(s) {
  const next = structuredClone(s);
  const location = next.trackingCategories.TrackingCategories.find((c) => c.Name === 'Location');
  location.Options.find((o) => o.Name === 'North').Status = 'ARCHIVED';
  next.accounts.Accounts.find((a) => a.Code === '210').Name = 'Consultation Fees';
  return next;
}

const get = async (p) => (await fetch(p)).json();
const [sample, clinic] = await Promise.all([get('../tests/fixtures/sample/snapshot.json'), get('../tests/fixtures/scenarios/clinic.json')]);
await init();
$('version').textContent = version();
snapshot = sample;
settings = clinic.settings;
$('contact-query').addEventListener('input', searchContacts);
$('swap').addEventListener('click', () => {
  previous = snapshot;
  snapshot = today(snapshot);
  $('swap').disabled = true;
  render();
});
render();
document.body.dataset.ready = '1';
