//! The report's JSON ([`Report::to_json`]) and the progress's ([`Progress::to_json`]), written
//! field by field rather than through `#[derive(Serialize)]` and serde_json's serializer: the
//! derived path inlined every field's serializer into one 17 KB function of the CSV-only
//! `.wasm`, and serde_json's serializer (its own string escaper, integer formatter and the
//! codes' `Serialize`) was a second copy of what the preview's writer already has. The text is
//! byte for byte what serde_json writes for the derived `Serialize` (kept for Rust callers),
//! checked by `report_json_is_the_derived_serializers_text` on every fixture. Strings go
//! through the preview's escaper ([`push_json_str`], the same bytes as serde_json's), issues
//! through the preview's issue writer, so no escaping is hand-written here.

use std::collections::BTreeMap;

use crate::issues::IssueCode;
use crate::xero::wire::push_json_str;

use super::{Assignments, Column, Columns, Progress, Report, TrackingColumn};

/// Appends JSON text to a buffer.
struct Out<'o>(&'o mut String);

impl Out<'_> {
    fn raw(&mut self, text: &str) {
        self.0.push_str(text);
    }

    fn str(&mut self, text: &str) {
        push_json_str(self.0, text);
    }

    /// `n` in decimal, as serde_json writes a `u64`.
    fn u64(&mut self, n: u64) {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        let mut rest = n;
        while let Some(slot) = start.checked_sub(1).and_then(|i| buf.get_mut(i)) {
            *slot = b'0' + (rest % 10) as u8;
            start -= 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        // Only ASCII digits were written.
        self.raw(std::str::from_utf8(buf.get(start..).unwrap_or_default()).unwrap_or_default());
    }

    /// `"name":` (names here are plain ASCII, written as they are).
    fn key(&mut self, name: &str) {
        self.raw("\"");
        self.raw(name);
        self.raw("\":");
    }

    fn column(&mut self, c: &Column) {
        self.key("column");
        self.u64(c.column);
        self.raw(",");
        self.key("header");
        self.str(&c.header);
    }

    fn tracking_column(&mut self, c: &TrackingColumn) {
        self.key("column");
        self.u64(c.column);
        self.raw(",");
        self.key("header");
        self.str(&c.header);
        self.raw(",");
        self.key("category");
        match &c.category {
            Some(category) => self.str(category),
            None => self.raw("null"),
        }
    }

    fn columns(&mut self, columns: Option<&Columns>) {
        let Some(c) = columns else {
            self.raw("null");
            return;
        };
        self.raw("{");
        self.key("key");
        self.raw("{");
        self.column(&c.key);
        self.raw("},");
        self.key("tracking");
        self.raw("[");
        for (i, t) in c.tracking.iter().enumerate() {
            self.raw(if i == 0 { "{" } else { ",{" });
            self.tracking_column(t);
            self.raw("}");
        }
        self.raw("]}");
    }

    fn counts(&mut self, counts: &BTreeMap<IssueCode, u64>) {
        self.raw("{");
        for (i, (code, n)) in counts.iter().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            self.str(code.name());
            self.raw(":");
            self.u64(*n);
        }
        self.raw("}");
    }

    /// `{"key":{"category":"option",...},...}`, what the assignments' `Serialize` writes.
    fn assignments(&mut self, assignments: &Assignments) {
        self.raw("{");
        for (i, (key, cells)) in assignments.entries().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            self.str(key);
            self.raw(":{");
            for (j, (category, option)) in cells.enumerate() {
                if j > 0 {
                    self.raw(",");
                }
                self.str(category);
                self.raw(":");
                self.str(option);
            }
            self.raw("}");
        }
        self.raw("}");
    }
}

/// Writes `report` as JSON into `out` (the derived `Serialize`'s text, field for field).
pub(super) fn write(report: &Report, out: &mut String) {
    let mut o = Out(out);
    o.raw("{");
    for (name, n) in [
        ("bytes", report.bytes),
        ("rowsRead", report.rows_read),
        ("rowsValid", report.rows_valid),
        ("rowsFailing", report.rows_failing),
    ] {
        o.key(name);
        o.u64(n);
        o.raw(",");
    }
    o.key("columns");
    o.columns(report.columns.as_ref());
    o.raw(",");
    o.key("issues");
    // The preview's issue writer: the same `Issue`, the same derived text.
    crate::preview::json::write_issues(&report.issues, o.0);
    o.raw(",");
    o.key("issueCount");
    o.u64(report.issue_count);
    o.raw(",");
    o.key("issuesTruncated");
    o.raw(if report.issues_truncated {
        "true"
    } else {
        "false"
    });
    o.raw(",");
    o.key("issueCounts");
    o.counts(&report.issue_counts);
    if let Some(assignments) = &report.assignments {
        o.raw(",");
        o.key("assignments");
        o.assignments(assignments);
    }
    o.raw("}");
}

/// `progress` as JSON (the derived `Serialize`'s text).
pub(super) fn progress(progress: &Progress) -> String {
    let mut out = String::with_capacity(64);
    let mut o = Out(&mut out);
    for (i, (name, n)) in [
        ("bytes", progress.bytes),
        ("rowsRead", progress.rows_read),
        ("rowsFailing", progress.rows_failing),
    ]
    .into_iter()
    .enumerate()
    {
        o.raw(if i == 0 { "{" } else { "," });
        o.key(name);
        o.u64(n);
    }
    o.raw("}");
    out
}

#[cfg(test)]
mod tests {
    use super::super::Progress;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn progress_is_the_derived_serializers_text() {
        for (bytes, rows_read, rows_failing) in [(0, 0, 0), (9, 10, 1), (u64::MAX, 1 << 40, 99)] {
            let p = Progress {
                bytes,
                rows_read,
                rows_failing,
            };
            assert_eq!(p.to_json(), serde_json::to_string(&p).unwrap());
        }
    }
}
