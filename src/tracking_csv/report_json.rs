//! The report's JSON ([`Report::to_json`]), written field by field rather than through
//! `#[derive(Serialize)]` and serde_json's serializer: the derived path inlined every field's
//! serializer into one 17 KB function of the CSV-only `.wasm`. The text is byte for byte what
//! serde_json writes for the derived `Serialize` (kept for Rust callers), checked by the tests
//! below on every fixture. Strings, numbers and codes still go through serde_json (its string
//! escaping, integer formatting and the codes' names) or, for the issues, the preview's writer
//! (`preview::json::write_issues`), so no escaping is hand-written here; the assignments (the
//! bulk of a large report) keep their own `Serialize`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::issues::IssueCode;

use super::{Column, Columns, Report, TrackingColumn};

/// Appends JSON text to a buffer.
struct Out<'o>(&'o mut Vec<u8>);

impl Out<'_> {
    fn raw(&mut self, text: &str) {
        self.0.extend_from_slice(text.as_bytes());
    }

    /// A value through serde_json (a string, a number, a code).
    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), serde_json::Error> {
        serde_json::to_writer(&mut *self.0, value)
    }

    /// `"name":` (names here are plain ASCII, written as they are).
    fn key(&mut self, name: &str) {
        self.raw("\"");
        self.raw(name);
        self.raw("\":");
    }

    fn column(&mut self, c: &Column) -> Result<(), serde_json::Error> {
        self.key("column");
        self.value(&c.column)?;
        self.raw(",");
        self.key("header");
        self.value(c.header.as_str())
    }

    fn tracking_column(&mut self, c: &TrackingColumn) -> Result<(), serde_json::Error> {
        self.key("column");
        self.value(&c.column)?;
        self.raw(",");
        self.key("header");
        self.value(c.header.as_str())?;
        self.raw(",");
        self.key("category");
        self.value(&c.category)
    }

    fn columns(&mut self, columns: Option<&Columns>) -> Result<(), serde_json::Error> {
        let Some(c) = columns else {
            self.raw("null");
            return Ok(());
        };
        self.raw("{");
        self.key("key");
        self.raw("{");
        self.column(&c.key)?;
        self.raw("},");
        self.key("tracking");
        self.raw("[");
        for (i, t) in c.tracking.iter().enumerate() {
            self.raw(if i == 0 { "{" } else { ",{" });
            self.tracking_column(t)?;
            self.raw("}");
        }
        self.raw("]}");
        Ok(())
    }

    fn counts(&mut self, counts: &BTreeMap<IssueCode, u64>) -> Result<(), serde_json::Error> {
        self.raw("{");
        for (i, (code, n)) in counts.iter().enumerate() {
            if i > 0 {
                self.raw(",");
            }
            self.value(code)?;
            self.raw(":");
            self.value(n)?;
        }
        self.raw("}");
        Ok(())
    }
}

/// Writes `report` as JSON into `out` (the derived `Serialize`'s text, field for field).
pub(super) fn write(report: &Report, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let mut o = Out(out);
    o.raw("{");
    for (name, n) in [
        ("bytes", report.bytes),
        ("rowsRead", report.rows_read),
        ("rowsValid", report.rows_valid),
        ("rowsFailing", report.rows_failing),
    ] {
        o.key(name);
        o.value(&n)?;
        o.raw(",");
    }
    o.key("columns");
    o.columns(report.columns.as_ref())?;
    o.raw(",");
    o.key("issues");
    // The preview's issue writer: the same `Issue`, the same derived text.
    let mut issues = String::new();
    crate::preview::json::write_issues(&report.issues, &mut issues);
    o.raw(&issues);
    o.raw(",");
    o.key("issueCount");
    o.value(&report.issue_count)?;
    o.raw(",");
    o.key("issuesTruncated");
    o.raw(if report.issues_truncated {
        "true"
    } else {
        "false"
    });
    o.raw(",");
    o.key("issueCounts");
    o.counts(&report.issue_counts)?;
    if let Some(assignments) = &report.assignments {
        o.raw(",");
        o.key("assignments");
        o.value(assignments)?;
    }
    o.raw("}");
    Ok(())
}
