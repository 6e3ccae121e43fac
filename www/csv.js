// The tracking-options CSV page: uses only the package's public API (the web build's entry).
import init, { version, TrackingCsvValidator, validateTrackingCsv, exportTrackingCsv } from '../pkg/web/index.js';
import { failingRows, correctedFile, suggestion } from './csv-file.js';

const $ = (id) => document.getElementById(id);

// A demo organisation (the same categories as the repository's sample snapshot). Replace it
// with the body of GET /TrackingCategories?includeArchived=true in the page.
const demoCategories = {
  TrackingCategories: [
    { Name: 'Clinician', Status: 'ACTIVE', TrackingCategoryID: '22f10184-0deb-44ae-a312-b1f6ea70e51f', Options: [
      { TrackingOptionID: '3a1e7b9c-0000-4000-8000-00000000c001', Name: 'Dr Aroha Smith', Status: 'ACTIVE' },
      { TrackingOptionID: '3a1e7b9c-0000-4000-8000-00000000c002', Name: 'Dr Ben Lee', Status: 'ACTIVE' },
      { TrackingOptionID: '3a1e7b9c-0000-4000-8000-00000000c003', Name: 'Dr Old Locum', Status: 'ARCHIVED' },
      { TrackingOptionID: '3a1e7b9c-0000-4000-8000-00000000c009', Name: 'General', Status: 'ACTIVE' },
    ] },
    { Name: 'Location', Status: 'ACTIVE', TrackingCategoryID: '0c9fce3e-a111-4d99-803a-62cf3f40e633', Options: [
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000a001', Name: 'North', Status: 'ACTIVE' },
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000a002', Name: 'South', Status: 'ACTIVE' },
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000a003', Name: 'Harbour', Status: 'ARCHIVED' },
      { TrackingOptionID: '4b2f8c0d-0000-4000-8000-00000000a004', Name: 'Gone', Status: 'DELETED' },
    ] },
    { Name: 'Region (old)', Status: 'ARCHIVED', TrackingCategoryID: '5c3a9d1e-0000-4000-8000-00000000e000', Options: [
      { TrackingOptionID: '5c3a9d1e-0000-4000-8000-00000000e001', Name: 'East', Status: 'ACTIVE' },
    ] },
  ],
};

let snapshot = { trackingCategories: demoCategories };

/** Shows which categories the two columns set (an empty file's result names them). */
function showCategories() {
  const header = 'Client ID,Xero Tracking Category 1,Xero Tracking Category 2\n';
  const { columns } = validateTrackingCsv(snapshot, header, { assignments: false });
  $('category-1').textContent = columns?.tracking[0].category ?? 'none';
  $('category-2').textContent = columns?.tracking[1].category ?? 'none';
}

function useSnapshot() {
  const previous = snapshot;
  try {
    snapshot = { trackingCategories: JSON.parse($('snapshot-json').value) };
    showCategories(); // throws (INVALID_SNAPSHOT) on a body that is not Xero's shape
    $('snapshot-error').textContent = '';
  } catch (e) {
    snapshot = previous;
    $('snapshot-error').textContent = e.message;
  }
}

const yieldToBrowser = () => new Promise((resolve) => setTimeout(resolve, 0));
const number = (n) => n.toLocaleString('en');

/** The file last checked and its result: the downloads and a re-check start from them. */
let checked = null;
/** Counts finished checks (data-seq on the status), so a re-check of the same file is visible. */
let seq = 0;

const keyColumn = () => $('key-column').value.trim() || 'Client ID';

/** Reads the file in chunks (File.stream()), pushing each into the validator. */
async function check(file) {
  checked = null;
  $('csv-downloads').hidden = true;
  const status = $('csv-status');
  status.dataset.state = 'running';
  status.textContent = `Reading ${file.name}…`;
  $('csv-issues').tBodies[0].replaceChildren();
  $('csv-truncated').hidden = true;
  const validator = new TrackingCsvValidator(snapshot, {
    keyColumn: keyColumn(),
    assignments: false, // the page only needs the failing rows
    maxIssues: 500,
  });
  const progress = $('csv-progress');
  const reader = file.stream().getReader();
  let chunks = 0;
  let painted = performance.now();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    validator.push(value);
    chunks += 1;
    if (performance.now() - painted > 50) {
      const p = validator.progress;
      progress.value = file.size ? p.bytes / file.size : 1;
      status.textContent = `${(p.bytes / 1e6).toFixed(1)} MB, ${number(p.rowsRead)} rows, ${number(p.rowsFailing)} failing…`;
      await yieldToBrowser(); // let the page paint
      painted = performance.now();
    }
  }
  const result = validator.finish();
  validator.free();
  progress.value = 1;
  show(result);
  checked = { file, result };
  $('csv-downloads').hidden = false;
  status.dataset.chunks = String(chunks);
  status.dataset.bytes = String(result.bytes);
  const size = result.bytes >= 1e6 ? `${(result.bytes / 1e6).toFixed(1)} MB` : `${number(result.bytes)} bytes`;
  status.textContent = `${file.name}: ${size} checked.`;
  status.dataset.seq = String(++seq);
  status.dataset.state = 'done';
}

const cell = (...children) => {
  const td = document.createElement('td');
  td.append(...children);
  return td;
};

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

/** A tick box to accept the issue's suggestion into the corrected file. */
function suggestionCell(issue) {
  const value = suggestion(issue);
  if (value === null || !issue.row || !issue.column) return cell('—');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.className = 'accept';
  box.dataset.row = String(issue.row);
  box.dataset.column = String(issue.column);
  box.dataset.value = value;
  const label = document.createElement('label');
  label.className = 'inline';
  label.append(box, ` Use "${value}"`);
  return cell(label);
}

function show(result) {
  $('rows-read').textContent = number(result.rowsRead);
  $('rows-valid').textContent = number(result.rowsValid);
  $('rows-failing').textContent = number(result.rowsFailing);
  $('csv-issues').tBodies[0].replaceChildren(...result.issues.map((issue) => {
    const tr = document.createElement('tr');
    tr.className = issue.severity;
    tr.dataset.code = issue.code;
    tr.dataset.row = String(issue.row ?? '');
    tr.dataset.column = String(issue.column ?? '');
    const code = document.createElement('code');
    code.textContent = issue.code;
    tr.append(
      cell(String(issue.row ?? '')),
      cell(issue.key ?? '—'),
      cell(String(issue.column ?? '')),
      cell(severityLabel(issue.severity), ' ', code),
      cell(issue.message),
      suggestionCell(issue),
    );
    return tr;
  }));
  const truncated = $('csv-truncated');
  truncated.hidden = !result.issuesTruncated;
  truncated.textContent = result.issuesTruncated
    ? `Showing the first ${number(result.issues.length)} of ${number(result.issueCount)} issues (the downloads use them all).`
    : '';
}

/** Every issue of the checked file: the page keeps at most 500, a download needs them all. */
async function allIssues() {
  const text = await checked.file.text();
  const { result } = checked;
  if (!result.issuesTruncated) return { text, issues: result.issues, columns: result.columns };
  const full = validateTrackingCsv(snapshot, text, { keyColumn: keyColumn(), assignments: false, maxIssues: result.issueCount });
  return { text, issues: full.issues, columns: full.columns };
}

function download(name, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const baseName = () => checked.file.name.replace(/\.csv$/i, '');

async function downloadFailing() {
  if (!checked) return;
  const { text, issues, columns } = await allIssues();
  download(`${baseName()}-failing-rows.csv`, failingRows(text, issues, columns));
}

async function downloadCorrected() {
  if (!checked) return;
  const text = await checked.file.text();
  const accepted = [...document.querySelectorAll('#csv-issues input.accept:checked')].map((box) => ({
    row: Number(box.dataset.row), column: Number(box.dataset.column), value: box.dataset.value,
  }));
  download(`${baseName()}-corrected.csv`, correctedFile(text, accepted));
}

function acceptAll() {
  for (const box of document.querySelectorAll('#csv-issues input.accept')) box.checked = true;
}

function start(file) {
  check(file).catch((e) => {
    $('csv-status').dataset.state = 'failed';
    $('csv-status').textContent = e.message;
  });
}

/** The drop zone: a file dragged into the box is checked like a chosen one. */
function dropZone() {
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = event.dataTransfer?.files?.[0];
    if (file) start(file);
  });
}

function exportSample() {
  const rows = [
    { 'Client ID': 'C001', 'Client Name': 'Harbour Dental, Ltd', Email: 'accounts@harbour.example', 'Xero Tracking Category 1': 'Dr Aroha Smith', 'Xero Tracking Category 2': 'North' },
    { 'Client ID': 'C002', 'Client Name': '=HYPERLINK("http://evil.example","Click")', Email: 'x@example.com', 'Xero Tracking Category 1': 'General' },
    { 'Client ID': 'C003', 'Client Name': 'Ngā Tahi "Clinic"', Email: null, Balance: -12.5 },
  ];
  const text = exportTrackingCsv(rows, { bom: true });
  $('export-out').textContent = text.replace(/^\uFEFF/, '');
  const link = $('export-link');
  if (link.href) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  link.hidden = false;
}

await init();
$('version').textContent = version();
$('snapshot-json').value = JSON.stringify(demoCategories, null, 2);
showCategories();
$('snapshot-go').addEventListener('click', useSnapshot);
$('csv-file').addEventListener('change', (event) => {
  const file = event.target.files?.[0];
  if (file) start(file);
});
dropZone();
$('csv-form').addEventListener('submit', (event) => event.preventDefault());
// Another key column changes which rows are duplicates or keyless: check the same file again.
$('key-column').addEventListener('change', () => { if (checked) start(checked.file); });
$('download-failing').addEventListener('click', () => { downloadFailing().catch((e) => { $('csv-status').textContent = e.message; }); });
$('download-corrected').addEventListener('click', () => { downloadCorrected().catch((e) => { $('csv-status').textContent = e.message; }); });
$('accept-all').addEventListener('click', acceptAll);
$('export-go').addEventListener('click', exportSample);
document.body.dataset.ready = '1';
