// The demo page: uses only the package's public API (the web build's entry).
import init, { version, lineAmount } from '../pkg/web/index.js';

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

await init();
await init(); // idempotent: the second call reuses the instance
$('version').textContent = version();
$('line-form').addEventListener('submit', computeLine);
computeLine();
document.body.dataset.ready = '1';
