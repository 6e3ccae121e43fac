//! Validating one record at a time: the row counts, the issues (kept up to the cap, counted
//! exactly), the shape, key and tracking checks of a data row, and the [`Report`] at the end.
//! The header is read in `header.rs`; the bytes are split into records in `validator.rs`.

use std::borrow::Borrow;

use crate::input::snapshot::Snapshot;
use crate::issues::{IssueCode, Severity};

use super::categories::{failure_message, TrackingState, Verdict};
use super::csv_export::FORMULA_START;
use super::header::{read_header, HeaderState};
use super::keys::KeySet;
use super::record::{Fields, IssueSink, Quotes};
use super::{
    Assignments, Column, Columns, Options, Progress, Report, TrackingColumn, TRACKING_COLUMNS,
};

const ORDINALS: [&str; 2] = ["first", "second"];

/// A cell as the import reads it: trimmed, with the export's formula neutralisation undone.
pub(super) fn cell_value(raw: &str) -> &str {
    // Nearly every cell starts and ends with a printable ASCII byte other than `'`: then there
    // is nothing to trim or undo. Checking that first skips `trim`'s Unicode white-space walk
    // (issue 20: about 50 instructions a call natively, three calls a row).
    let printable = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x7F).contains(b));
    let bytes = raw.as_bytes();
    if printable(bytes.first()) && printable(bytes.last()) && !raw.starts_with('\'') {
        return raw;
    }
    let v = raw.trim();
    // `'`s before the formula character: the export added one to a cell that had the others.
    match v.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_START) => rest.trim(),
        _ => v,
    }
}

/// Everything but the parser's buffers.
pub(super) struct Rows<S> {
    pub(super) snapshot: S,
    pub(super) options: Options,
    pub(super) header: HeaderState,
    pub(super) tracking: [TrackingState; 2],
    pub(super) row: u64,
    pub(super) rows_read: u64,
    pub(super) rows_valid: u64,
    pub(super) rows_failing: u64,
    pub(super) issues: IssueSink,
    pub(super) keys: KeySet,
    pub(super) assigned: Vec<(usize, [u32; 2])>,
}

fn csv_path(header: &str) -> String {
    format!("csv.{header}")
}

impl<S: Borrow<Snapshot>> Rows<S> {
    pub(super) fn progress(&self, bytes: u64) -> Progress {
        Progress {
            bytes,
            rows_read: self.rows_read,
            rows_failing: self.rows_failing,
        }
    }

    /// One record; `blank_lines` empty lines came before it (they are rows in a spreadsheet).
    /// A record whose cells are all empty is a row too, but neither the header nor read.
    pub(super) fn record(&mut self, fields: Fields<'_>, blank_lines: u64, quotes: Quotes) {
        self.row += 1 + blank_lines;
        // Before the header too: a spreadsheet saves a formatted but empty first row as `,,`,
        // which would otherwise be read as a header with none of the columns. Every data row
        // made this check already, so ordinary rows do no more work.
        if fields.is_blank() {
            return;
        }
        if matches!(self.header, HeaderState::Pending) {
            self.header = read_header(
                &fields,
                self.row,
                &self.options.key_column,
                &mut self.tracking,
                &mut self.issues,
            );
            return;
        }
        self.rows_read += 1;
        let errors_before = self.issues.errors;
        let (key_index, width) = match &self.header {
            HeaderState::Usable(key, width, _) => (*key, *width),
            _ => {
                self.rows_failing += 1;
                return;
            }
        };
        let row = self.row;
        // The key cell, read once: it goes on the row's issues and into the key set.
        let key = fields.get(key_index).map(|cell| cell.map(cell_value));
        self.issues.row_key.clear();
        if let Some(Ok(key)) = key {
            self.issues.row_key.push_str(key);
        }
        self.check_shape(&fields, width, quotes);
        let entry = self.check_key(key, key_index);
        let mut codes = [0u32; 2];
        for (c, (state, code)) in self.tracking.iter_mut().zip(codes.iter_mut()).enumerate() {
            let raw = match fields.get(state.index) {
                Some(Ok(raw)) => raw,
                // Absent (a short row, already reported) or not UTF-8 (reported by shape).
                _ => continue,
            };
            let value = cell_value(raw);
            *code = if value.is_empty() {
                u32::from(self.options.empty_clears)
            } else if value.eq_ignore_ascii_case("none") {
                1
            } else {
                match state.verdict(self.snapshot.borrow(), value) {
                    Ok(code) => code,
                    Err(failure) => {
                        let issue_code = match &failure {
                            Verdict::Stale(stale) => stale.code(),
                            _ => IssueCode::TrackingCategoryUnknown,
                        };
                        let ordinal = ORDINALS.get(c).copied().unwrap_or_default();
                        let state = &*state;
                        self.issues.add(
                            Severity::Error,
                            issue_code,
                            row,
                            Some(state.index as u64 + 1),
                            || {
                                let message = failure_message(state, ordinal, &failure, value);
                                (csv_path(&state.header), message)
                            },
                        );
                        0
                    }
                }
            };
        }
        self.issues.row_key.clear();
        if self.issues.errors > errors_before {
            self.rows_failing += 1;
        } else {
            self.rows_valid += 1;
            if self.options.assignments {
                if let Some(entry) = entry {
                    self.assigned.push((entry, codes));
                }
            }
        }
    }

    /// Field count, encoding and quotes.
    fn check_shape(&mut self, fields: &Fields<'_>, width: usize, quotes: Quotes) {
        let row = self.row;
        if fields.len() != width {
            let n = fields.len();
            self.issues
                .add(Severity::Error, IssueCode::CsvRowMalformed, row, None, || {
                    (
                        "csv".to_owned(),
                        format!("Row {row} has {n} fields but the header has {width}. Check for a missing or extra comma, or a cell with a comma or line break that is not in double quotes."),
                    )
                });
        }
        if !fields.all_text() {
            for i in 0..fields.len() {
                if matches!(fields.get(i), Some(Err(()))) {
                    self.issues.add(
                        Severity::Error,
                        IssueCode::CsvRowMalformed,
                        row,
                        Some(i as u64 + 1),
                        || {
                            ("csv".to_owned(), format!("Column {} of row {row} is not valid UTF-8 text. Save the file as \"CSV UTF-8\".", i + 1))
                        },
                    );
                }
            }
        }
        match quotes {
            Quotes::Balanced => {}
            Quotes::Unclosed => {
                self.issues
                    .add(Severity::Error, IssueCode::CsvRowMalformed, row, None, || {
                        ("csv".to_owned(), format!("Row {row} opens a double quote that is never closed, so the field runs to the end of the file. Close the quote, or double any quote inside a quoted field (\"\")."))
                    });
            }
            Quotes::Stray => {
                self.issues
                    .add(Severity::Warning, IssueCode::CsvRowMalformed, row, None, || {
                        ("csv".to_owned(), format!("Row {row} has a double quote inside a field that is not quoted; it is read literally. Quote the field and double the quote (\"\") to be sure every importer reads it the same way."))
                    });
            }
        }
    }

    /// The client key (`key`: the cell's value, absent, or not UTF-8): present, and seen for
    /// the first time. Returns its entry when new.
    fn check_key(&mut self, key: Option<Result<&str, ()>>, key_index: usize) -> Option<usize> {
        let row = self.row;
        let key_header = match &self.header {
            HeaderState::Usable(_, _, h) => h.as_str(),
            _ => "",
        };
        let column = Some(key_index as u64 + 1);
        let key = match key {
            Some(Ok(key)) => key,
            Some(Err(())) => return None,
            None => "",
        };
        if key.is_empty() {
            self.issues
                .add(Severity::Error, IssueCode::CsvKeyMissing, row, column, || {
                    (
                        csv_path(key_header),
                        format!("Row {row} has no {key_header}: the import cannot tell which client it is for. Fill it in or delete the row."),
                    )
                });
            return None;
        }
        match self.keys.insert(key, row) {
            Ok(entry) => Some(entry),
            Err(first) => {
                self.issues
                    .add(Severity::Error, IssueCode::CsvDuplicateKey, row, column, || {
                        (
                            csv_path(key_header),
                            format!("{key_header} \"{key}\" is also on row {first}: a client has one row in the file, so this row fails. Merge the two rows into one."),
                        )
                    });
                None
            }
        }
    }

    pub(super) fn finish(mut self, bytes: u64) -> Report {
        if matches!(self.header, HeaderState::Pending) {
            let [t1, t2] = TRACKING_COLUMNS;
            let key = &self.options.key_column;
            self.issues
                .add(Severity::Error, IssueCode::CsvColumnMissing, 1, None, || {
                    ("csv.header".to_owned(), format!("The file is empty: it needs a header row with \"{key}\", \"{t1}\" and \"{t2}\"."))
                });
        }
        let columns = match &self.header {
            HeaderState::Usable(key, _, header) => {
                let [a, b] = &self.tracking;
                let tracking_column = |s: &TrackingState| TrackingColumn {
                    column: s.index as u64 + 1,
                    header: s.header.clone(),
                    category: s.category.as_ref().map(|c| c.name.clone()),
                };
                Some(Columns {
                    key: Column {
                        column: *key as u64 + 1,
                        header: header.clone(),
                    },
                    tracking: [tracking_column(a), tracking_column(b)],
                })
            }
            _ => None,
        };
        let assignments = self.options.assignments.then(|| {
            let [a, b] = self.tracking;
            Assignments {
                keys: self.keys,
                rows: self.assigned,
                categories: [a.category.map(|c| c.name), b.category.map(|c| c.name)],
                options: [a.options, b.options],
            }
        });
        Report {
            bytes,
            rows_read: self.rows_read,
            rows_valid: self.rows_valid,
            rows_failing: self.rows_failing,
            columns,
            issues_truncated: (self.issues.kept.len() as u64) < self.issues.total,
            issues: self.issues.kept,
            issue_count: self.issues.total,
            issue_counts: self.issues.by_code,
            assignments,
        }
    }
}
