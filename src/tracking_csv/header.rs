//! Reading the header row: finding the client key column and the two tracking columns (by
//! their template headers, else by the category's name; a category-named column beside its
//! template column is not read, with a warning), and why a header is unusable.

use crate::issues::{IssueCode, Severity};
use crate::names;

use super::categories::TrackingState;
use super::record::{Fields, IssueSink};
use super::TRACKING_COLUMNS;

/// The header's verdict.
pub(super) enum HeaderState {
    /// Not read yet.
    Pending,
    /// Usable: (key column index, header width, key header).
    Usable(usize, usize, String),
    /// Missing or repeated required columns: every row fails.
    Unusable,
}

/// The header's cells: each column's comparison key and trimmed text, and where problems go.
struct Header<'a> {
    names: Vec<(String, String)>,
    row: u64,
    issues: &'a mut IssueSink,
}

impl Header<'_> {
    /// The columns whose header compares as `wanted`.
    fn positions(&self, wanted: &str) -> Vec<usize> {
        let k = names::key(wanted);
        (0..self.names.len())
            .filter(|i| self.names.get(*i).is_some_and(|(key, _)| *key == k))
            .collect()
    }

    /// The one column named `what` among `at` (`hint` says more when it is missing).
    fn one(&mut self, at: &[usize], what: &str, hint: &str) -> Option<usize> {
        let row = self.row;
        match at {
            [i] => Some(*i),
            [] => {
                let found: Vec<&str> = self.names.iter().map(|(_, h)| h.as_str()).collect();
                let found = found.join(", ");
                let separator = self.other_separator();
                self.issues.add(Severity::Error, IssueCode::CsvColumnMissing, row, None, || {
                    let message = match separator {
                        Some(sep) => format!("The header has no {what} column: it is one column, \"{found}\", so the file separates its columns with {sep}, not commas (Excel saves it so where the comma is the decimal mark). Save it as \"CSV UTF-8 (Comma delimited)\" with commas between columns and import it again."),
                        None => format!("The header has no {what} column{hint} (columns found: {found}). The file cannot be imported until it has one."),
                    };
                    ("csv.header".to_owned(), message)
                });
                None
            }
            [first, ..] => {
                let cols: Vec<String> = at.iter().map(|i| (i + 1).to_string()).collect();
                self.issues.add(
                    Severity::Error,
                    IssueCode::CsvColumnDuplicate,
                    row,
                    Some(*first as u64 + 1),
                    || {
                        (
                            "csv.header".to_owned(),
                            format!(
                                "The {what} column appears more than once (columns {}). Keep one.",
                                cols.join(" and ")
                            ),
                        )
                    },
                );
                None
            }
        }
    }

    /// A warning for each column headed by `category`'s name beside its template column
    /// (`used`, headed `canonical`): the template column is the one read, so the other's cells
    /// (a client list exported with the options under the category's name) would otherwise be
    /// dropped without a word, and its empty template cells clear every client's option.
    fn not_read(&mut self, named: &[usize], used: Option<usize>, canonical: &str, category: &str) {
        let (row, Some(used)) = (self.row, used) else {
            return;
        };
        for &i in named {
            let header = self.text(i);
            self.issues.add(Severity::Warning, IssueCode::CsvColumnDuplicate, row, Some(i as u64 + 1), || {
                ("csv.header".to_owned(), format!("Column {} \"{header}\" is named after tracking category \"{category}\", but the category's options are read from column {} \"{canonical}\": column {} is not read. If it holds the options, move them into column {} (or remove that column).", i + 1, used + 1, i + 1, used + 1))
            });
        }
    }

    /// The separator a header of one column holds instead of commas (semicolons, tabs): the
    /// file is another dialect, and "no such column" alone would leave the user looking at a
    /// header that visibly has it.
    fn other_separator(&self) -> Option<&'static str> {
        let [(_, only)] = self.names.as_slice() else {
            return None;
        };
        [(';', "semicolons"), ('\t', "tabs")]
            .into_iter()
            .find(|(c, _)| only.contains(*c))
            .map(|(_, name)| name)
    }

    fn text(&self, i: usize) -> String {
        self.names
            .get(i)
            .map(|(_, h)| h.clone())
            .unwrap_or_default()
    }
}

/// Each header cell's key and text; `false` when a cell is not UTF-8 (reported).
fn cells(fields: &Fields<'_>, row: u64, issues: &mut IssueSink) -> (Vec<(String, String)>, bool) {
    let mut names = Vec::with_capacity(fields.len());
    let mut usable = true;
    for i in 0..fields.len() {
        match fields.get(i) {
            Some(Ok(h)) => names.push((names::key(h), h.trim().to_owned())),
            _ => {
                usable = false;
                names.push((String::new(), String::new()));
                issues.add(Severity::Error, IssueCode::CsvRowMalformed, row, Some(i as u64 + 1), || {
                    ("csv.header".to_owned(), format!("Header column {} is not valid UTF-8 text. Save the file as \"CSV UTF-8\".", i + 1))
                });
            }
        }
    }
    (names, usable)
}

/// Reads the header row (`row` is 1 unless empty lines or blank rows come first): which column
/// holds the client key (`key_column`) and which the two tracking columns, recorded in
/// `tracking`.
pub(super) fn read_header(
    fields: &Fields<'_>,
    row: u64,
    key_column: &str,
    tracking_states: &mut [TrackingState; 2],
    issues: &mut IssueSink,
) -> HeaderState {
    let (names, mut usable) = cells(fields, row, issues);
    let mut h = Header { names, row, issues };
    let key = h.one(
        &h.positions(key_column),
        &format!("\"{key_column}\""),
        " for the client key (set options.keyColumn if your file names it differently)",
    );
    let mut tracking = [None, None];
    for ((state, slot), canonical) in tracking_states
        .iter()
        .zip(tracking.iter_mut())
        .zip(TRACKING_COLUMNS)
    {
        let mut at = h.positions(canonical);
        let mut hint = String::new();
        if let Some(category) = &state.category {
            let named = h.positions(&category.name);
            if at.is_empty() {
                at = named;
            } else {
                h.not_read(&named, at.first().copied(), canonical, &category.name);
            }
            hint = format!(" (or \"{}\", the category's name)", category.name);
        }
        *slot = h.one(&at, &format!("\"{canonical}\""), &hint);
    }
    let ([Some(t1), Some(t2)], Some(key)) = (tracking, key) else {
        return HeaderState::Unusable;
    };
    if key == t1 || key == t2 || t1 == t2 {
        let column = if key == t1 || key == t2 { key } else { t1 };
        h.issues.add(Severity::Error, IssueCode::CsvColumnDuplicate, row, Some(column as u64 + 1), || {
            ("csv.header".to_owned(), format!("Column {} would serve as two of the required columns (client key, tracking category 1, tracking category 2). Rename the columns so each is distinct.", column + 1))
        });
        usable = false;
    }
    if !usable {
        return HeaderState::Unusable;
    }
    for (state, index) in tracking_states.iter_mut().zip([t1, t2]) {
        state.index = index;
        state.header = h.text(index);
    }
    HeaderState::Usable(key, fields.len(), h.text(key))
}
