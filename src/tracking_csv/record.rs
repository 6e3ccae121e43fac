//! One record as the validator reads it ([`Fields`]: its bytes split into fields, UTF-8 checked
//! per field) and where its problems go ([`IssueSink`]: kept up to the cap, counted exactly).
//! Shared by the header reader and the row checks, so neither depends on the other.

use std::collections::BTreeMap;

use crate::issues::{Issue, IssueCode, Severity};

/// Issues kept up to the cap, counted exactly.
pub(super) struct IssueSink {
    pub(super) kept: Vec<Issue>,
    pub(super) max: usize,
    pub(super) total: u64,
    pub(super) errors: u64,
    pub(super) by_code: BTreeMap<IssueCode, u64>,
    /// The key (client id) of the row being read, put on its issues; empty when the row has
    /// none. One buffer reused row after row (no allocation per row).
    pub(super) row_key: String,
}

impl IssueSink {
    /// Counts an issue; builds its path and message only if it is kept.
    pub(super) fn add(
        &mut self,
        severity: Severity,
        code: IssueCode,
        row: u64,
        column: Option<u64>,
        make: impl FnOnce() -> (String, String),
    ) {
        self.total += 1;
        if severity == Severity::Error {
            self.errors += 1;
        }
        *self.by_code.entry(code).or_insert(0) += 1;
        if self.kept.len() < self.max {
            let (path, message) = make();
            let issue = match severity {
                Severity::Error => Issue::error(code, path, message),
                Severity::Warning => Issue::warning(code, path, message),
            };
            self.kept.push(
                issue
                    .at(row, column)
                    .with_key(Some(self.row_key.as_str()).filter(|k| !k.is_empty())),
            );
        }
    }
}

/// What a record's `"`s say about it, as the parser saw them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Quotes {
    /// Each opens or closes a quoted field, or is doubled inside one (or there are none).
    Balanced,
    /// An odd number, none left open: a stray `"` inside an unquoted field, read literally.
    Stray,
    /// A quoted field still open at the end of the file: it took in everything after it.
    Unclosed,
}

/// The fields of one record: `text` is the record's bytes, `ends` where each field ends.
pub(super) struct Fields<'a> {
    bytes: &'a [u8],
    /// The whole record as text, when it is valid UTF-8.
    text: Option<&'a str>,
    ends: &'a [usize],
    /// Bytes between one field's end and the next one's start: 0 for csv-core's output (the
    /// fields back to back), 1 for a line read as is (a comma between fields).
    gap: usize,
}

impl<'a> Fields<'a> {
    /// csv-core's output: the fields' bytes back to back and where each field ends.
    pub(super) fn new(bytes: &'a [u8], ends: &'a [usize]) -> Self {
        let text = std::str::from_utf8(bytes).ok();
        Fields {
            bytes,
            text,
            ends,
            gap: 0,
        }
    }

    /// A line without quotes read as is: each field ends at its comma (the last at the line's
    /// end), and the next starts one byte later. The line is valid UTF-8, so every field is,
    /// and so is csv-core's output for it (the same fields back to back).
    pub(super) fn separated(line: &'a str, ends: &'a [usize]) -> Self {
        Fields {
            bytes: line.as_bytes(),
            text: Some(line),
            ends,
            gap: 1,
        }
    }

    /// Whether every field is valid UTF-8 on its own: the record is, and no field boundary
    /// splits a character.
    pub(super) fn all_text(&self) -> bool {
        self.text
            .is_some_and(|t| self.ends.iter().all(|e| t.is_char_boundary(*e)))
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    fn range(&self, i: usize) -> Option<(usize, usize)> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)? + self.gap,
            None => 0,
        };
        Some((start, end))
    }

    /// Field `i` as text: `None` if absent, `Some(Err(()))` if not UTF-8.
    pub(super) fn get(&self, i: usize) -> Option<Result<&'a str, ()>> {
        let (start, end) = self.range(i)?;
        Some(match self.text {
            // A field boundary inside a character means each half is invalid on its own.
            Some(text) => text.get(start..end).ok_or(()),
            None => {
                std::str::from_utf8(self.bytes.get(start..end).unwrap_or_default()).map_err(|_| ())
            }
        })
    }

    /// Whether every field is empty once trimmed (a line's commas are not content).
    pub(super) fn is_blank(&self) -> bool {
        let separator = if self.gap == 1 { b',' } else { b' ' };
        match self
            .bytes
            .iter()
            .find(|b| !(b.is_ascii_whitespace() || **b == separator))
        {
            None => true,
            // White space `trim` removes beyond ASCII's (a no-break space, a vertical tab):
            // each cell is trimmed, so such a row is as empty as one of spaces. Only rows whose
            // first visible byte is one of these get here, not the per-row common case.
            Some(b) if *b >= 0x80 || *b == 0x0B => {
                (0..self.len()).all(|i| matches!(self.get(i), Some(Ok(t)) if t.trim().is_empty()))
            }
            Some(_) => false,
        }
    }
}
