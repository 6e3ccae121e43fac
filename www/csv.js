// The tracking-options CSV page: uses only the package's public API (the web build's entry).
import init, { version, TrackingCsvValidator, validateTrackingCsv, exportTrackingCsv } from '../pkg/web/index.js';

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

/** Reads the file in chunks (File.stream()), pushing each into the validator. */
async function check(file) {
  const status = $('csv-status');
  status.dataset.state = 'running';
  status.textContent = `Reading ${file.name}…`;
  $('csv-issues').tBodies[0].replaceChildren();
  $('csv-truncated').hidden = true;
  const validator = new TrackingCsvValidator(snapshot, {
    keyColumn: $('key-column').value.trim() || 'Client ID',
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
  status.dataset.chunks = String(chunks);
  status.dataset.bytes = String(result.bytes);
  const size = result.bytes >= 1e6 ? `${(result.bytes / 1e6).toFixed(1)} MB` : `${number(result.bytes)} bytes`;
  status.textContent = `${file.name}: ${size} checked.`;
  status.dataset.state = 'done';
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
    for (const text of [issue.row ?? '', issue.column ?? '', issue.code, issue.message]) {
      const td = document.createElement('td');
      td.textContent = String(text);
      tr.append(td);
    }
    return tr;
  }));
  const truncated = $('csv-truncated');
  truncated.hidden = !result.issuesTruncated;
  truncated.textContent = result.issuesTruncated
    ? `Showing the first ${number(result.issues.length)} of ${number(result.issueCount)} issues.`
    : '';
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
  if (!file) return;
  check(file).catch((e) => {
    $('csv-status').dataset.state = 'failed';
    $('csv-status').textContent = e.message;
  });
});
$('export-go').addEventListener('click', exportSample);
document.body.dataset.ready = '1';
