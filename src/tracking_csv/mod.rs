//! Tracking-options CSV: the billing tool's client import file, validated before upload.
//!
//! Users set each client's two tracking options in bulk: they export the client list as CSV
//! ([`export`]), fill the columns "Xero Tracking Category 1" and "Xero Tracking Category 2", and
//! import it back. An invalid option fails that row only. [`Validator`] says which rows will
//! fail, streaming: it takes the file in chunks of any size (a chunk may end in the middle of a
//! row, a quoted field or a UTF-8 character) and keeps only the current row and the client keys
//! seen (to find duplicates), so a 100 MB file never has to be in memory at once.
//! [`validate`] is the one-call form for small files.
//!
//! The rules:
//! - CSV is RFC 4180: comma separated, `"` quotes, `""` inside quotes, commas and line breaks
//!   inside quoted fields, CRLF or LF (or CR) line ends, an optional UTF-8 byte order mark.
//!   Empty lines, and rows whose cells are all empty (spreadsheets write those for formatted
//!   blank rows), are skipped, before the header too: not validated, not counted as rows read.
//! - Row numbers are the rows a spreadsheet shows: 1-based, the header is row 1 (or after the
//!   empty lines and blank rows before it), a skipped empty line or blank row still takes a
//!   row number, a quoted field spanning two lines is still one row.
//!   Columns are 1-based.
//! - The header must have the client key column ([`Options::key_column`], default
//!   "Client ID") and both tracking columns. "Xero Tracking Category 1" is the organisation's
//!   first ACTIVE tracking category in Xero's order, "…2" the second; each column may instead
//!   be headed by its category's own name (used only when the "Xero Tracking Category N" header
//!   is absent). Headers compare like names ([`crate::names`]); other columns are ignored. A
//!   missing or repeated required column makes the file unusable: every row counts as failing.
//! - Every cell is trimmed. A tracking cell is either empty (clear the client's option, as
//!   DESIGN.md says; with [`Options::empty_clears`] false, leave it as it is), `None` in any
//!   case (clear it), or an ACTIVE option of that column's category, by name
//!   or TrackingOptionID, matched by [`crate::resolve::tracking::lookup`], the same rule the invoice path
//!   uses. Unknown, archived and deleted options fail the row, with a "did you mean" suggestion
//!   (see [`suggest`]). Since `None` always clears, an option literally named "None" cannot be
//!   set from the CSV.
//! - The client key must be present and appear once: later rows with the same key (compared
//!   exactly after trimming, as the tracking settings compare client ids) fail.
//! - A row with a different number of fields from the header, a field that is not UTF-8, or a
//!   quote opened and never closed (it runs to the end of the file) is malformed and fails. A
//!   stray `"` inside an unquoted field is read literally, with a warning.
//! - A key or tracking cell starting with `'` followed by `=`, `+`, `-`, `@`, tab or CR (or by
//!   more `'`s and then one of those) is read without its first `'`: that is the formula
//!   neutralisation [`export`] applies, so an exported file reads back to its original values.
//!
//! The result counts rows read, valid and failing, keeps the first [`Options::max_issues`]
//! issues (the counts stay exact) and, on request, the valid rows' assignments in the shape of
//! the tracking settings' `clients` ([`Assignments`]).

// Where the code lives, each file named after what it holds:
// - this file: the options, the report and its parts, and the one-call `validate`;
// - `validator`: the streaming `Validator` (csv-core, chunks, byte order mark, empty lines);
// - `rows`: the checks of each data row, the issue sink, the final report;
// - `header`: finding the required columns in the header row;
// - `categories`: the organisation's tracking categories and the verdict on each cell value;
// - `suggestions`: the edit distance and the "did you mean" rule;
// - `keys`: the client keys seen so far (duplicate check);
// - `snapshot`: reading only the tracking categories of the host's snapshot;
// - `assignments`: the valid rows' assignments and their JSON;
// - `report_json`: the report's JSON, written field by field (smaller than the derived path);
// - `csv_export`: the client CSV export and formula neutralisation;
// - `tests`: end-to-end tests (tests of one piece live in its file).
mod assignments;
mod categories;
mod csv_export;
mod header;
mod keys;
mod record;
mod report_json;
mod rows;
mod snapshot;
mod suggestions;
mod validator;

#[cfg(test)]
mod tests;

pub use assignments::{Assigned, Assignments, ClientTracking};
pub(crate) use categories::numbered;
pub use csv_export::{
    export, neutralise, ExportCell, ExportOptions, ExportRow, ExportRows, LineEnding,
};
pub use snapshot::read_snapshot;
pub use suggestions::{edit_distance, suggest};
pub use validator::Validator;

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::snapshot::Snapshot;
use crate::issues::{Issue, IssueCode};

/// The client key column's header unless [`Options::key_column`] says otherwise.
pub const DEFAULT_KEY_COLUMN: &str = "Client ID";

/// The headers of the two tracking columns in the template.
pub const TRACKING_COLUMNS: [&str; 2] = ["Xero Tracking Category 1", "Xero Tracking Category 2"];

/// How many issues a result keeps unless [`Options::max_issues`] says otherwise.
pub const DEFAULT_MAX_ISSUES: usize = 1000;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// How to read the file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvOptions"))]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// Header of the client key column, compared like names. Default "Client ID".
    #[cfg_attr(test, ts(optional = nullable))]
    pub key_column: String,
    /// How many issues the result keeps (the first ones, in file order). The counts
    /// (`issue_count`, `issue_counts`, the row counts) are exact whatever the cap. Default 1000.
    #[cfg_attr(test, ts(optional = nullable))]
    #[serde(deserialize_with = "crate::money::whole::required")]
    pub max_issues: usize,
    /// Whether the result carries the valid rows' assignments. Default true; false saves
    /// memory when only the failing rows matter (a browser checking a file before upload).
    #[cfg_attr(test, ts(optional = nullable))]
    pub assignments: bool,
    /// Whether an empty tracking cell clears the option like `None`. Default true, as DESIGN.md
    /// specifies ("empty or None clears"); false makes empty mean "leave the client's option as
    /// it is", for imports of partial files.
    #[cfg_attr(test, ts(optional = nullable))]
    pub empty_clears: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            key_column: DEFAULT_KEY_COLUMN.to_owned(),
            max_issues: DEFAULT_MAX_ISSUES,
            assignments: true,
            empty_clears: true,
        }
    }
}

/// How far a validation has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvProgress"))]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes pushed so far.
    pub bytes: u64,
    /// Data rows read so far (complete rows only; the header and blank rows do not count).
    pub rows_read: u64,
    /// Rows read so far that will fail.
    pub rows_failing: u64,
}

/// Where a required column was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvColumn"))]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// 1-based column number.
    pub column: u64,
    /// The header as written in the file.
    pub header: String,
}

/// Where a tracking column was found, and the Xero category it sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvTrackingColumn"))]
#[serde(rename_all = "camelCase")]
pub struct TrackingColumn {
    /// 1-based column number.
    pub column: u64,
    /// The header as written in the file.
    pub header: String,
    /// The category's name in Xero, or null when the organisation has no such ACTIVE category
    /// (the column must then be empty or `None`).
    pub category: Option<String>,
}

/// The required columns of a usable header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvColumns"))]
#[serde(rename_all = "camelCase")]
pub struct Columns {
    /// The client key column.
    pub key: Column,
    /// "Xero Tracking Category 1" and "…2".
    pub tracking: [TrackingColumn; 2],
}

/// The outcome of a validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvResult"))]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Bytes read (including a byte order mark).
    pub bytes: u64,
    /// Data rows read (not the header, not blank rows).
    pub rows_read: u64,
    /// Rows that will import.
    pub rows_valid: u64,
    /// Rows that will fail (at least one error).
    pub rows_failing: u64,
    /// The required columns, when the header is usable.
    pub columns: Option<Columns>,
    /// The first issues, in file order (at most [`Options::max_issues`]).
    pub issues: Vec<Issue>,
    /// How many issues there are in all.
    pub issue_count: u64,
    /// Whether `issues` holds fewer than `issue_count`.
    pub issues_truncated: bool,
    /// Exact count per issue code.
    pub issue_counts: BTreeMap<IssueCode, u64>,
    /// The valid rows' assignments, unless [`Options::assignments`] is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub assignments: Option<Assignments>,
}

impl Report {
    /// The report as JSON text, written into a buffer sized up front (a million assignments
    /// are tens of megabytes; growing by doubling would briefly need twice that). Writing
    /// cannot fail; the `Result` is kept so that Rust callers are not broken.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let estimate = 1024
            + self.issues.len() * 320
            + self.assignments.as_ref().map_or(0, Assignments::json_len);
        let mut out = String::with_capacity(estimate + estimate / 64);
        report_json::write(self, &mut out);
        Ok(out)
    }
}

impl Progress {
    /// The progress as JSON text (the derived `Serialize`'s, written without serde_json).
    pub fn to_json(&self) -> String {
        report_json::progress(self)
    }
}

/// Validates a whole file in one call (small files; large ones stream through [`Validator`]).
/// `snapshot` is owned or `&Snapshot`.
pub fn validate<S: Borrow<Snapshot>>(snapshot: S, data: &[u8], options: Options) -> Report {
    let mut v = Validator::new(snapshot, options);
    v.push(data);
    v.finish()
}
