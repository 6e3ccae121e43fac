// The CSV page's two downloads, "the failing rows" and "a corrected file", built from the file the
// user checked and the validator's issues. Pure functions over text, so Node can test them too.
//
// Rows are numbered as the validator numbers them (README, "Tracking-options CSV"): the header is
// row 1 unless blank rows come first, every record is one row (blank ones too), a quoted field
// spanning lines stays one row, records end at CRLF, LF or CR outside quotes. Untouched records
// are copied byte for byte.

/** Splits `text` into records: [{row, text, end}], `end` the record's own line ending ('' last). */
export function records(text) {
  const out = [];
  let start = 0;
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (ch === '"' && fieldStart) { quoted = true; fieldStart = false; continue; }
    if (ch === '\r' || ch === '\n') {
      const end = ch === '\r' && text[i + 1] === '\n' ? '\r\n' : ch;
      out.push({ row: out.length + 1, text: text.slice(start, i), end });
      i += end.length - 1;
      start = i + 1;
      fieldStart = true;
      continue;
    }
    fieldStart = ch === ',';
  }
  if (start < text.length) out.push({ row: out.length + 1, text: text.slice(start), end: '' });
  return out;
}

/** The fields of one record, unquoted. */
export function fields(record) {
  const out = [];
  let value = '';
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < record.length; i++) {
    const ch = record[i];
    if (quoted) {
      if (ch === '"' && record[i + 1] === '"') { value += '"'; i++; } else if (ch === '"') quoted = false;
      else value += ch;
    } else if (ch === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (ch === ',') {
      out.push(value);
      value = '';
      fieldStart = true;
    } else {
      value += ch;
      fieldStart = false;
    }
  }
  out.push(value);
  return out;
}

const quote = (v) => (/[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** The line ending the file uses (its first one), CRLF when it has none. */
const lineEnding = (text) => text.match(/\r\n|\n|\r/)?.[0] ?? '\r\n';

/** Splits off a UTF-8 byte order mark, kept so the downloads open in Excel as the original did. */
const bom = (text) => (text.startsWith('\uFEFF') ? ['\uFEFF', text.slice(1)] : ['', text]);

/**
 * The header and every row with at least one error (all issues, not a capped list). When the
 * header itself is unusable (`columns` null), every row fails, so every row is returned.
 */
export function failingRows(text, issues, columns) {
  const [mark, body] = bom(text);
  const all = records(body);
  // The validator skips blank rows (`,,`: a spreadsheet's formatted but empty row) before the
  // header too, so the header is the first record with a cell that is not empty once trimmed.
  const header = all.find((r) => fields(r.text).some((f) => f.trim() !== ''))?.row ?? 1;
  const failing = new Set(issues.filter((i) => i.severity === 'error' && i.row > header).map((i) => i.row));
  const keep = all.filter((r) => r.row === header || (columns ? failing.has(r.row) : r.text !== ''));
  return mark + keep.map((r) => r.text).join(lineEnding(body)) + lineEnding(body);
}

/**
 * The file with the accepted suggestions written into their cells: `accepted` is
 * [{row, column, value}] (1-based, as the issues give them). Every other record is unchanged.
 */
export function correctedFile(text, accepted) {
  const [mark, body] = bom(text);
  const byRow = new Map();
  for (const a of accepted) byRow.set(a.row, [...(byRow.get(a.row) ?? []), a]);
  const out = records(body).map((r) => {
    const changes = byRow.get(r.row);
    if (!changes) return r.text + r.end;
    const cells = fields(r.text);
    for (const c of changes) if (c.column >= 1 && c.column <= cells.length) cells[c.column - 1] = c.value;
    return cells.map(quote).join(',') + r.end;
  });
  return mark + out.join('');
}

/**
 * The option a tracking issue suggests: the validator writes its "did you mean" into the
 * message as `Did you mean "<option>"?` (src/tracking_csv/categories.rs), null without one.
 */
export function suggestion(issue) {
  return issue.message.match(/Did you mean "((?:[^"]|"(?!\?))*)"\?/)?.[1] ?? null;
}
