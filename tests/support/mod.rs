//! Helpers shared by the native integration tests.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use xero_export::{Exporter, Issue, Preview, Settings, Snapshot, SnapshotInput, SourceInvoice};

pub fn fixture(rel: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

pub fn sample_snapshot() -> Value {
    serde_json::from_str(&fixture("sample/snapshot.json")).unwrap()
}

pub fn exporter(snapshot: Value, settings: Value) -> Exporter {
    let snapshot: SnapshotInput = serde_json::from_value(snapshot).unwrap();
    let settings: Settings = serde_json::from_value(settings).unwrap();
    Exporter::new(Snapshot::new(snapshot), settings)
}

pub fn invoices(v: Value) -> Vec<SourceInvoice> {
    serde_json::from_value(v).unwrap()
}

pub fn preview(snapshot: Value, settings: Value, invs: Value) -> Preview {
    exporter(snapshot, settings).preview(&invoices(invs))
}

/// The preview as JSON, for assertions on the JS-facing shape.
pub fn json_of(p: &Preview) -> Value {
    serde_json::to_value(p).unwrap()
}

pub fn codes(issues: &[Issue]) -> Vec<String> {
    issues
        .iter()
        .map(|i| format!("{}@{}", i.code.as_str(), i.path))
        .collect()
}

pub const KATHERINE: &str = "5cc8cf28-567e-4d43-b287-687cfcaec47c";

/// A one-line invoice to Katherine with the given line fields merged in.
pub fn invoice_with_line(line: Value) -> Value {
    let mut l = json!({"description": "Service", "quantity": 1, "unitAmount": "100.00"});
    for (k, v) in line.as_object().unwrap() {
        l[k] = v.clone();
    }
    json!([{"id": "inv-1", "number": "INV-1", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [l]}])
}
