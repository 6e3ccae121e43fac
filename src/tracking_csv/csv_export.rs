//! Writing the client CSV ([`export`]) with formula neutralisation ([`neutralise`]), so a file
//! opened in a spreadsheet cannot run anything and reads back to its original values.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::input::source::without_position;
use crate::money::{shown, Num, NumError, NumVisitor};
use crate::names;

use super::{BOM, DEFAULT_KEY_COLUMN, TRACKING_COLUMNS};

/// Formula neutralisation: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
/// `'`, so a spreadsheet shows it as text instead of running it (OWASP's CSV injection advice).
/// Plain numbers such as `-12.50` or `+3` are left alone: a spreadsheet reads them as numbers,
/// which cannot run anything. A cell that already starts with `'`s before such a character
/// (`'=x`, a key neutralised by another tool) gets one more: the import takes one `'` off
/// whatever follows is `'`s then a formula character, so it reads back as written.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_START) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The first characters a spreadsheet may run as a formula.
pub(super) const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn is_plain_number(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    match body.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(body),
    }
}

/// Line ends of an exported file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\r\n`, as RFC 4180 says (default).
    #[default]
    Crlf,
    /// `\n`.
    Lf,
}

/// How to write the export.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[cfg_attr(test, ts(rename = "TrackingCsvExportOptions"))]
#[serde(rename_all = "camelCase", default)]
pub struct ExportOptions {
    /// Header of the client key column (first). Default "Client ID".
    #[cfg_attr(test, ts(optional = nullable))]
    pub key_column: String,
    /// Column order. Default: the key column, then the rows' other properties in first-seen
    /// order, then the two tracking columns. Given, it is used as is, with the key column put
    /// first and the tracking columns added last if it lacks them.
    pub columns: Option<Vec<String>>,
    /// Start with a UTF-8 byte order mark, so Excel reads accents right. Default false.
    #[cfg_attr(test, ts(optional = nullable))]
    pub bom: bool,
    /// Line ends. Default CRLF.
    #[cfg_attr(test, ts(optional = nullable))]
    pub line_ending: LineEnding,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            key_column: DEFAULT_KEY_COLUMN.to_owned(),
            columns: None,
            bom: false,
            line_ending: LineEnding::Crlf,
        }
    }
}

/// A cell value from the host: text, a number (written as its exact decimal text) or a boolean.
///
/// Read by one visitor rather than `#[serde(untagged)]`, which buffers every value into serde's
/// private `Content` and tries each variant in turn: slower per cell, and about 5 KB of the
/// CSV-only `.wasm`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExportCell {
    /// Text, written as is (then neutralised and quoted as needed).
    Text(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number; NaN and Infinity are refused.
    Number(Num),
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = ExportCell;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("text, a number, a boolean or null (an object or a list has no one cell to be: pass the text to show, or leave the property out)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ExportCell, E> {
        Ok(ExportCell::Text(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<ExportCell, E> {
        Ok(ExportCell::Text(v))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ExportCell, E> {
        Ok(ExportCell::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExportCell, E> {
        NumVisitor.visit_i64(v).map(ExportCell::Number)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExportCell, E> {
        NumVisitor.visit_u64(v).map(ExportCell::Number)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExportCell, E> {
        NumVisitor.visit_f64(v).map(ExportCell::Number)
    }

    /// A number kept as its exact text (serde_json's `arbitrary_precision`) or the JS entry's
    /// token for a number that is not finite: [`Num`]'s own reading of both.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ExportCell, A::Error> {
        // Any other object (a client's address) is said as a cell's misfit, not a number's.
        NumVisitor
            .visit_map(map)
            .map(ExportCell::Number)
            .map_err(|_| de::Error::invalid_type(de::Unexpected::Map, &self))
    }
}

impl<'de> Deserialize<'de> for ExportCell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

/// One client row: its properties in the host's order (header → value; null or absent is an
/// empty cell).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportRow(pub Vec<(String, Option<ExportCell>)>);

impl<'de> Deserialize<'de> for ExportRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = ExportRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of column header → value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExportRow, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    // The property's name leads the error, for [`ExportRows`] to put the row
                    // before it: `rows[41]["Address"]: invalid type: map, …`.
                    let value = map.next_value::<Option<ExportCell>>().map_err(|e| {
                        let e = e.to_string();
                        let e = without_position(&e);
                        de::Error::custom(format_args!("[\"{}\"]: {e}", shown(&key)))
                    })?;
                    out.push((key, value));
                }
                Ok(ExportRow(out))
            }
        }
        deserializer.deserialize_map(RowVisitor)
    }
}

/// The rows of an export, read so that a value that fits no cell is said at its path
/// (`rows[41]["Address"]`): without it, a client list of thousands threw "invalid type: map"
/// with nothing to find the client or the property by.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportRows(pub Vec<ExportRow>);

impl<'de> Deserialize<'de> for ExportRows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowsVisitor;
        impl<'de> Visitor<'de> for RowsVisitor {
            type Value = ExportRows;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of rows")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<ExportRows, A::Error> {
                let mut out = Vec::new();
                loop {
                    let at = out.len();
                    let row = seq.next_element::<ExportRow>().map_err(|e| {
                        let e = e.to_string();
                        let e = without_position(&e);
                        let sep = if e.starts_with('[') { "" } else { ": " };
                        de::Error::custom(format_args!("rows[{at}]{sep}{e}"))
                    })?;
                    match row {
                        Some(row) => out.push(row),
                        None => return Ok(ExportRows(out)),
                    }
                }
            }
        }
        deserializer.deserialize_seq(RowsVisitor)
    }
}

/// The most columns an export writes. A client file has a handful; the limit keeps a mistaken
/// call (one distinct property per row) from producing a file no spreadsheet opens.
pub(super) const MAX_EXPORT_COLUMNS: usize = 1_000;

/// Where each row property goes: the columns spelt exactly so, and those whose name compares
/// the same ([`names::same`]), built once per export so a row is placed in one pass over its
/// properties (it was a scan of the row per column: quadratic in distinct columns).
struct ColumnIndex {
    exact: BTreeMap<String, Vec<usize>>,
    same: BTreeMap<String, Vec<usize>>,
}

impl ColumnIndex {
    fn new(columns: &[String]) -> Self {
        let mut exact: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut same: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, c) in columns.iter().enumerate() {
            exact.entry(c.clone()).or_default().push(i);
            same.entry(names::key(c)).or_default().push(i);
        }
        ColumnIndex { exact, same }
    }

    /// The row's cell for each column: the first property spelt as the column, else the first
    /// whose name compares the same (null or absent: an empty cell).
    fn place<'r>(&self, row: &'r ExportRow, width: usize) -> Vec<Option<&'r ExportCell>> {
        // (found exactly, the value) per column.
        let mut found: Vec<Option<(bool, Option<&ExportCell>)>> = vec![None; width];
        for (k, v) in &row.0 {
            for &i in self.exact.get(k.as_str()).into_iter().flatten() {
                if let Some(slot) = found.get_mut(i) {
                    if !matches!(slot, Some((true, _))) {
                        *slot = Some((true, v.as_ref()));
                    }
                }
            }
            for &i in self.same.get(&names::key(k)).into_iter().flatten() {
                if let Some(slot @ None) = found.get_mut(i) {
                    *slot = Some((false, v.as_ref()));
                }
            }
        }
        found.into_iter().map(|f| f.and_then(|(_, v)| v)).collect()
    }
}

/// The header of an export.
fn export_columns(rows: &[ExportRow], options: &ExportOptions) -> Vec<String> {
    let required = |c: &str| {
        names::same(c, &options.key_column) || TRACKING_COLUMNS.iter().any(|t| names::same(c, t))
    };
    let mut columns = vec![options.key_column.clone()];
    match &options.columns {
        Some(given) => {
            if given.iter().any(|c| names::same(c, &options.key_column)) {
                columns.clear();
            }
            columns.extend(given.iter().cloned());
        }
        None => {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            for row in rows {
                for (k, _) in &row.0 {
                    if !required(k) && seen.insert(k.as_str()) {
                        columns.push(k.clone());
                    }
                }
            }
        }
    }
    for t in TRACKING_COLUMNS {
        if !columns.iter().any(|c| names::same(c, t)) {
            columns.push(t.to_owned());
        }
    }
    columns
}

/// Writes the client CSV: a header, then one row per client with the tracking columns last.
/// Every cell (headers too) is neutralised ([`neutralise`]) and quoted when it holds a comma,
/// a quote or a line break. Misuse (a NaN or infinite number) is an error.
pub fn export(rows: &[ExportRow], options: &ExportOptions) -> Result<String, Error> {
    let columns = export_columns(rows, options);
    if columns.len() > MAX_EXPORT_COLUMNS {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            "rows",
            format!(
                "the rows have {} distinct properties; an export writes at most {MAX_EXPORT_COLUMNS} columns. Pass `options.columns` with the columns to write.",
                columns.len()
            ),
        ));
    }
    let index = ColumnIndex::new(&columns);
    let mut out = Records::new(options.line_ending);
    if options.bom {
        out.bytes.extend_from_slice(&BOM);
    }
    out.record(columns.iter().map(|c| neutralise(c)));
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = Vec::with_capacity(columns.len());
        for (column, cell) in columns.iter().zip(index.place(row, columns.len())) {
            let text = match cell {
                None => String::new(),
                Some(ExportCell::Text(t)) => t.clone(),
                Some(ExportCell::Bool(b)) => b.to_string(),
                Some(ExportCell::Number(Num::Value(d))) => d.to_string(),
                Some(ExportCell::Number(Num::Invalid(e))) => {
                    let why = match e {
                        NumError::NotFinite => "is not a finite number".to_owned(),
                        NumError::NotANumber(t) => format!("is not a number ({})", shown(t)),
                        NumError::OutOfRange(t) => format!("is out of range ({})", shown(t)),
                    };
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        "rows",
                        format!("rows[{i}][\"{column}\"] {why}: pass text or a finite number."),
                    ));
                }
            };
            cells.push(neutralise(&text).into_owned());
        }
        out.record(cells.iter().map(String::as_str));
    }
    // Every byte written is a cell's (UTF-8) or a quote, comma or line end.
    String::from_utf8(out.bytes)
        .map_err(|e| Error::new(ErrorCode::InvalidState, "rows", e.to_string()))
}

/// Records written straight into memory, RFC 4180 as csv-core's writer writes them with
/// `QuoteStyle::Necessary` (the export used it before): a cell holding a comma, a quote, CR or
/// LF is quoted, with its quotes doubled; a record with no bytes at all (one empty cell) is
/// written as `""` so it does not read back as a blank line. Written by hand because csv-core's
/// writer links its `NonNumeric` style's float parser (`f64::from_str`, about 15 KB of the
/// CSV-only `.wasm` with its tables) whatever style is chosen;
/// `records_are_what_the_csv_crate_writes` checks the bytes against the `csv` crate's writer.
struct Records {
    bytes: Vec<u8>,
    terminator: &'static [u8],
}

impl Records {
    fn new(line_ending: LineEnding) -> Self {
        let terminator: &'static [u8] = match line_ending {
            LineEnding::Crlf => b"\r\n",
            LineEnding::Lf => b"\n",
        };
        Records {
            bytes: Vec::new(),
            terminator,
        }
    }

    /// One record: its cells, comma separated, then the line end.
    fn record<C: AsRef<str>>(&mut self, cells: impl Iterator<Item = C>) {
        let start = self.bytes.len();
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                self.bytes.push(b',');
            }
            self.field(cell.as_ref().as_bytes());
        }
        if self.bytes.len() == start {
            self.bytes.extend_from_slice(b"\"\"");
        }
        self.bytes.extend_from_slice(self.terminator);
    }

    /// One cell, quoted when it holds a comma, a quote or a line break.
    fn field(&mut self, cell: &[u8]) {
        if !cell
            .iter()
            .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        {
            self.bytes.extend_from_slice(cell);
            return;
        }
        self.bytes.push(b'"');
        for part in cell.split_inclusive(|&b| b == b'"') {
            self.bytes.extend_from_slice(part);
            if part.last() == Some(&b'"') {
                self.bytes.push(b'"');
            }
        }
        self.bytes.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking_csv::rows::cell_value;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn neutralisation() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+cmd"), "'+cmd");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\t=x"), "'\t=x");
        assert_eq!(neutralise("\r=x"), "'\r=x");
        assert_eq!(neutralise("-12.50"), "-12.50");
        assert_eq!(neutralise("+3"), "+3");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("-1."), "'-1.");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(cell_value(" '=1+1 "), "=1+1");
        assert_eq!(cell_value("'plain"), "'plain");
    }

    fn row(cells: &[(&str, &str)]) -> ExportRow {
        ExportRow(
            cells
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Some(ExportCell::Text((*v).to_owned()))))
                .collect(),
        )
    }

    /// Regression: every row was scanned once per column (100 rows × 100 distinct columns took
    /// ~17 s in Node, 200 × 200 took 310 s). 400 × 400 now places each property in one pass.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn many_distinct_columns_each_value_in_its_own_column() {
        let n = 400;
        let rows: Vec<ExportRow> = (0..n)
            .map(|i| {
                let (k, v) = (format!("c{i}"), format!("v{i}"));
                row(&[("Client ID", &format!("k{i}")), (&k, &v)])
            })
            .collect();
        let out = export(&rows, &ExportOptions::default()).unwrap();
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0].split(',').count(), n + 3);
        for (i, line) in lines[1..=n].iter().enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[0], format!("k{i}"));
            assert_eq!(cells[i + 1], format!("v{i}"));
            assert_eq!(cells.iter().filter(|c| !c.is_empty()).count(), 2);
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn exact_spelling_wins_then_the_first_that_compares_the_same() {
        let options = ExportOptions {
            columns: Some(vec!["Client ID".into(), "Name".into()]),
            ..ExportOptions::default()
        };
        let rows = [
            row(&[
                ("name", "a"),
                ("Client ID", "1"),
                (" NAME ", "b"),
                ("Name", "c"),
            ]),
            row(&[("name", "a"), ("NAME", "b")]),
        ];
        let out = export(&rows, &options).unwrap();
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[1], "1,c,,");
        assert_eq!(lines[2], ",a,,");
    }

    /// The export's own writer ([`Records`]): byte for byte what the `csv` crate's writer (used
    /// before, through csv-core) writes, including long cells, quoted ones that double in size,
    /// a record of one empty cell, and both line ends.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn records_are_what_the_csv_crate_writes() {
        let long_quotes = "\"".repeat(3000);
        let long_mixed = "a,b\n\"c\"".repeat(700);
        let plain = "x".repeat(5000);
        let records: Vec<Vec<&str>> = vec![
            vec!["Client ID", "Note", "Xero Tracking Category 1"],
            vec!["", "", ""],
            vec![&long_quotes, "é,ü", "line\r\nbreak"],
            vec![&plain, &long_mixed, " spaced "],
            vec![""],
            vec!["\"", "a\"b\"", "\r", "lone\rcr", "", "'=x"],
            vec!["", ""],
        ];
        for (ours_end, theirs_end) in [
            (LineEnding::Crlf, csv::Terminator::CRLF),
            (LineEnding::Lf, csv::Terminator::Any(b'\n')),
        ] {
            let mut ours = Records::new(ours_end);
            let mut theirs = csv::WriterBuilder::new()
                .terminator(theirs_end)
                .quote_style(csv::QuoteStyle::Necessary)
                .flexible(true)
                .from_writer(Vec::new());
            for r in &records {
                ours.record(r.iter());
                theirs.write_record(r).unwrap();
            }
            assert_eq!(ours.bytes, theirs.into_inner().unwrap());
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn more_columns_than_the_limit_is_misuse() {
        let rows: Vec<ExportRow> = (0..=MAX_EXPORT_COLUMNS)
            .map(|i| row(&[(&format!("c{i}"), "x")]))
            .collect();
        let err = export(&rows, &ExportOptions::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("options.columns"), "{}", err.message);
    }
}
