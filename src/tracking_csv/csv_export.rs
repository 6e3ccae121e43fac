//! Writing the client CSV ([`export`]) with formula neutralisation ([`neutralise`]), so a file
//! opened in a spreadsheet cannot run anything and reads back to its original values.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::money::{Num, NumError};
use crate::names;

use super::{BOM, DEFAULT_KEY_COLUMN, TRACKING_COLUMNS};

/// Formula neutralisation: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
/// `'`, so a spreadsheet shows it as text instead of running it (OWASP's CSV injection advice).
/// Plain numbers such as `-12.50` or `+3` are left alone: a spreadsheet reads them as numbers,
/// which cannot run anything.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

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
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ExportCell {
    /// Text, written as is (then neutralised and quoted as needed).
    Text(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number; NaN and Infinity are refused.
    Number(Num),
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
                while let Some(entry) = map.next_entry::<String, Option<ExportCell>>()? {
                    out.push(entry);
                }
                Ok(ExportRow(out))
            }
        }
        deserializer.deserialize_map(RowVisitor)
    }
}

impl ExportRow {
    fn get(&self, column: &str) -> Option<&ExportCell> {
        let exact = self.0.iter().find(|(k, _)| k == column);
        exact
            .or_else(|| self.0.iter().find(|(k, _)| names::same(k, column)))
            .and_then(|(_, v)| v.as_ref())
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
            for row in rows {
                for (k, _) in &row.0 {
                    if !required(k) && !columns.iter().any(|c| c == k) {
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
    let terminator = match options.line_ending {
        LineEnding::Crlf => csv::Terminator::CRLF,
        LineEnding::Lf => csv::Terminator::Any(b'\n'),
    };
    let mut out = Vec::new();
    if options.bom {
        out.extend_from_slice(&BOM);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    let state = |e: &dyn fmt::Display| Error::new(ErrorCode::InvalidState, "rows", e.to_string());
    let header: Vec<String> = columns.iter().map(|c| neutralise(c).into_owned()).collect();
    writer.write_record(&header).map_err(|e| state(&e))?;
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = Vec::with_capacity(columns.len());
        for column in &columns {
            let text = match row.get(column) {
                None => String::new(),
                Some(ExportCell::Text(t)) => t.clone(),
                Some(ExportCell::Bool(b)) => b.to_string(),
                Some(ExportCell::Number(Num::Value(d))) => d.to_string(),
                Some(ExportCell::Number(Num::Invalid(e))) => {
                    let why = match e {
                        NumError::NotFinite => "is not a finite number".to_owned(),
                        NumError::NotANumber(t) => format!("is not a number ({t})"),
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
        writer.write_record(&cells).map_err(|e| state(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| state(&e))?;
    String::from_utf8(bytes).map_err(|e| state(&e))
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
}
