//! Golden payloads: each product scenario previewed against the sample snapshot, compared byte
//! for byte with tests/golden/<name>.json (run with UPDATE_GOLDEN=1 to rewrite after a reviewed
//! change). The JS suite previews the same scenarios through the built package, expects the same
//! bytes, and validates every body against Xero's OpenAPI schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

use serde_json::Value;
use xero_export::input::source::{timesheet_invoice, TimesheetInput};
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput, SourceInvoice};

fn fixture(rel: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

/// A scenario's exporter (sample snapshot, the scenario's settings) and its invoices, time
/// sheets turned into invoices.
fn scenario(name: &str) -> (Exporter, Vec<SourceInvoice>) {
    let snapshot: SnapshotInput = serde_json::from_str(&fixture("sample/snapshot.json")).unwrap();
    let scenario: Value =
        serde_json::from_str(&fixture(&format!("scenarios/{name}.json"))).unwrap();
    let settings: Settings = serde_json::from_value(scenario["settings"].clone()).unwrap();
    let mut invoices: Vec<SourceInvoice> =
        serde_json::from_value(scenario["invoices"].clone()).unwrap();
    if let Some(sheets) = scenario.get("timesheets") {
        let sheets: Vec<TimesheetInput> = serde_json::from_value(sheets.clone()).unwrap();
        invoices.extend(sheets.iter().map(timesheet_invoice));
    }
    (Exporter::new(Snapshot::new(snapshot), settings), invoices)
}

/// The preview of one scenario as pretty JSON (the golden form).
fn preview(name: &str) -> (Value, String) {
    let (exporter, invoices) = scenario(name);
    let out = exporter.preview(&invoices);
    let value = serde_json::to_value(&out).unwrap();
    let text = serde_json::to_string_pretty(&out).unwrap() + "\n";
    (value, text)
}

fn check_golden(name: &str) -> Value {
    let (value, text) = preview(name);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/golden/{name}.json"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&path, &text).unwrap();
    }
    let golden = fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no golden file {}; run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    assert!(
        golden == text,
        "{name}: preview differs from {} (UPDATE_GOLDEN=1 rewrites it after review)",
        path.display()
    );
    // Determinism: a second run gives the same bytes.
    assert_eq!(preview(name).1, text);
    value
}

fn doc<'a>(preview: &'a Value, id: &str) -> &'a Value {
    preview["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["sourceId"] == id)
        .unwrap()
}

fn codes(doc: &Value) -> Vec<String> {
    doc["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i["severity"].as_str().unwrap(),
                i["code"].as_str().unwrap()
            )
        })
        .collect()
}

fn body(doc: &Value) -> Value {
    serde_json::from_str(doc["body"].as_str().unwrap()).unwrap()
}

#[test]
fn clinic() {
    let p = check_golden("clinic");
    // Xero's rounding example, per line: 11.44 of tax, 87.74 in all, and the host agrees.
    let d = doc(&p, "appt-1001");
    assert_eq!(
        d["totals"],
        serde_json::json!({"subTotal": "76.30", "totalTax": "11.44", "total": "87.74"})
    );
    assert_eq!(d["difference"], Value::Null);
    // Organisation terms (20th of the following month) for a contact without its own.
    assert_eq!(d["dueDate"], "2024-02-20");
    assert_eq!(d["contact"]["matchedBy"], "contactNumber");
    let t = &d["lines"][0]["tracking"];
    assert_eq!(t[0]["source"], "clinician");
    assert_eq!(t[1]["option"], "North");
    // Next of kin mapped; clinician without an option gets no Clinician tracking, no issue.
    let d = doc(&p, "appt-1002");
    assert_eq!(d["contact"]["matchedBy"], "mapping");
    assert_eq!(d["lines"][0]["tracking"].as_array().unwrap().len(), 1);
    assert_eq!(d["lines"][0]["unitAmount"], "95.00");
    assert_eq!(d["lines"][0]["accountCode"], "210");
    assert_eq!(
        d["lines"][1]["tracking"][0]["option"], "Dr Ben Lee",
        "names match case- and space-insensitively, sent in Xero's spelling"
    );
    // Insurer: matched by account number, its own terms (30 days), archived options dropped.
    let d = doc(&p, "appt-1003");
    assert_eq!(d["contact"]["matchedBy"], "accountNumber");
    assert_eq!(d["dueDate"], "2024-02-16");
    assert!(!d["blocked"].as_bool().unwrap());
    assert_eq!(
        codes(d),
        [
            "warning:TRACKING_OPTION_ARCHIVED",
            "warning:TRACKING_OPTION_ARCHIVED"
        ]
    );
    assert!(d["lines"][0]["tracking"].as_array().unwrap().is_empty());
    // A new patient: one contact for two invoices; the line override wins over the location.
    assert_eq!(p["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        p["contacts"][0]["invoices"],
        serde_json::json!(["appt-1004", "appt-1005"])
    );
    assert_eq!(p["contacts"][0]["contact"]["Name"], "Mere Tane");
    let d = doc(&p, "appt-1004");
    assert_eq!(d["contact"]["status"], "create");
    assert_eq!(d["body"], Value::Null);
    assert_eq!(d["lines"][0]["tracking"][1]["source"], "line");
    assert_eq!(d["lines"][0]["tracking"][1]["option"], "South");
    // The contact number rule comes before email.
    assert_eq!(
        doc(&p, "appt-1006")["contact"]["matchedBy"],
        "contactNumber"
    );
}

#[test]
fn billing_tool() {
    let p = check_golden("billing");
    let d = doc(&p, "bill-run-1");
    // Inclusive: 89.00 → 11.61 tax, 90.00 → 11.74 (reference §15 oracle 13); 800.00 after 20 %.
    let taxes: Vec<&str> = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["taxAmount"].as_str().unwrap())
        .collect();
    assert_eq!(taxes, ["11.61", "11.74", "104.35"]);
    assert_eq!(d["lines"][2]["lineAmount"], "800.00");
    assert_eq!(d["totals"]["total"], "979.00");
    // Client defaults on every line; the override replaces one category only.
    let sources: Vec<(String, String)> = d["lines"][1]["tracking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["option"].as_str().unwrap().into(),
                t["source"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("South".into(), "line".into()),
            ("General".into(), "client".into())
        ]
    );
    assert_eq!(d["contact"]["matchedBy"], "email");
    // client-8: archived Location option → fallback "North"; Clinician named by option ID.
    let d = doc(&p, "bill-run-2");
    let t = &d["lines"][0]["tracking"];
    assert_eq!(
        (
            t[0]["option"].as_str(),
            t[0]["source"].as_str(),
            t[0]["replaced"].as_str()
        ),
        (Some("North"), Some("fallback"), Some("harbour"))
    );
    assert_eq!(t[1]["option"], "Dr Ben Lee");
    assert_eq!(codes(d), ["warning:TRACKING_FALLBACK_USED"]);
    let b = body(d);
    assert_eq!(b["Invoices"][0]["LineAmountTypes"], "Inclusive");
    assert_eq!(b["Invoices"][0]["Status"], "DRAFT");
}

#[test]
fn recruitment_crm() {
    let p = check_golden("crm");
    let d = doc(&p, "plc-88");
    assert_eq!(d["kind"], "ACCREC");
    assert_eq!(d["reference"], "J. Ngata placement");
    assert_eq!(d["dueDate"], "2024-03-15");
    let b = body(d);
    assert_eq!(
        b["Invoices"][0]["LineItems"][0]["DiscountRate"].to_string(),
        "10"
    );
    assert!(
        b["Invoices"][0]["LineItems"][1]
            .get("DiscountRate")
            .is_none(),
        "no zero discounts"
    );
    assert_eq!(d["totals"]["total"], "15875.00");
    // The negative invoice becomes a credit note with positive amounts, referencing the original.
    let d = doc(&p, "plc-88-refund");
    assert_eq!(d["kind"], "ACCRECCREDIT");
    assert_eq!(d["endpoint"], "CreditNotes");
    assert_eq!(
        d["totals"],
        serde_json::json!({"subTotal": "3500.00", "totalTax": "525.00", "total": "4025.00"})
    );
    let b = body(d);
    let cn = &b["CreditNotes"][0];
    assert_eq!(cn["Reference"], "INV-2001");
    assert_eq!(cn["CreditNoteNumber"], "INV-2002");
    assert_eq!(cn["LineItems"][0]["UnitAmount"].to_string(), "4500.00");
    assert!(cn.get("DueDate").is_none());
    assert_eq!(codes(d), ["warning:CONVERTED_TO_CREDIT_NOTE"]);
    // Unknown client: blocked, not created. Two active "Harbour Dental"s: ambiguous.
    assert_eq!(codes(doc(&p, "plc-90")), ["error:CONTACT_NOT_FOUND"]);
    assert!(doc(&p, "plc-90")["blocked"].as_bool().unwrap());
    assert_eq!(codes(doc(&p, "plc-91")), ["error:CONTACT_AMBIGUOUS"]);
    assert_eq!(p["summary"]["blocked"], 2);
}

#[test]
fn time_tracker_bills() {
    let p = check_golden("timesheet");
    let d = doc(&p, "ts-2024-03-tui");
    assert_eq!(d["kind"], "ACCPAY");
    assert_eq!(d["dueDate"], "2024-04-07");
    assert_eq!(d["contact"]["matchedBy"], "contactNumber");
    // 1.25 + 2.5 + 0.333 = 4.083 h → 4.08 h × 85.00 = 346.80; 3 h × 95.00 = 285.00.
    let amounts: Vec<(&str, &str)> = d["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["quantity"].as_str().unwrap(),
                l["lineAmount"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(amounts, [("3", "285.00"), ("4.08", "346.80")]);
    assert_eq!(d["totals"]["total"], "726.57");
    let b = body(d);
    assert!(
        b["Invoices"][0].get("Reference").is_none(),
        "bills carry no Reference"
    );
    assert_eq!(b["Invoices"][0]["InvoiceNumber"], "TUI-2024-03");
    // A new member is created as a contact.
    assert_eq!(p["contacts"][0]["key"], "member:kiri");
}

/// A time entry without hours is not an hour: the preview treats a line without a quantity
/// as quantity 1, so the entry's own line must say its hours are missing (DESIGN: nothing the
/// caller wrote is guessed; README: a time tracker bills hours × rate) instead of billing one
/// hour at the entry's rate.
#[test]
fn a_time_entry_without_hours_is_an_issue_not_one_hour() {
    let (exporter, _) = scenario("timesheet");
    for hours in [None, Some(Value::Null)] {
        let mut entry = serde_json::json!({"member": "tui", "date": "2024-03-08", "rate": "85.00", "project": "Website"});
        if let Some(h) = &hours {
            entry["hours"] = h.clone();
        }
        let sheet: TimesheetInput = serde_json::from_value(serde_json::json!({
            "id": "ts-x", "number": "X-1", "date": "2024-03-31", "groupBy": "project",
            "payer": {"kind": "member", "id": "tui", "name": "Tui Contractor", "contactNumber": "M-tui"},
            "entries": [
                {"member": "tui", "date": "2024-03-04", "hours": "2", "rate": "85.00", "project": "Website"},
                entry
            ]
        }))
        .unwrap();
        // Through JSON too, as the package hands the invoice back to `preview`.
        let invoice = timesheet_invoice(&sheet);
        let text = serde_json::to_string(&invoice).unwrap();
        let again: SourceInvoice = serde_json::from_str(&text).unwrap();
        for inv in [invoice, again] {
            let p = serde_json::to_value(exporter.preview(&[inv])).unwrap();
            let d = &p["documents"][0];
            assert_eq!(d["blocked"], true, "{hours:?}: {d}");
            assert!(
                d["issues"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["severity"] == "error"
                        && i["path"] == "invoices[0].lines[1].quantity"),
                "{hours:?}: {}",
                d["issues"]
            );
            assert_ne!(d["totals"]["subTotal"], "255.00", "2 h + a guessed hour");
        }
    }
}

/// The line's list of who worked is the helper's own text: with members named by their ids
/// (120 UUIDs on one project) it must not push the Description past Xero's 4000 characters
/// (reference §2.4) and block a bill whose every entry is valid.
#[test]
fn many_members_on_one_project_do_not_block_the_bill() {
    let (exporter, _) = scenario("timesheet");
    let entries: Vec<Value> = (0..120)
        .map(|i| {
            serde_json::json!({"member": format!("3a1e7b9c-0000-4000-8000-{i:012}"),
                "date": "2024-03-04", "hours": "1", "rate": "85.00", "project": "Website"})
        })
        .collect();
    let sheet: TimesheetInput = serde_json::from_value(serde_json::json!({
        "id": "ts-x", "number": "X-1", "date": "2024-03-31", "groupBy": "project",
        "payer": {"kind": "member", "id": "tui", "name": "Tui Contractor", "contactNumber": "M-tui"},
        "entries": entries
    }))
    .unwrap();
    let p = serde_json::to_value(exporter.preview(&[timesheet_invoice(&sheet)])).unwrap();
    let d = &p["documents"][0];
    assert_eq!(d["issues"], serde_json::json!([]), "{}", d["issues"]);
    assert_eq!(d["totals"]["subTotal"], "10200.00");
    let description = d["lines"][0]["description"].as_str().unwrap();
    assert!(description.chars().count() <= 4000);
    assert!(description.starts_with("Website (3a1e7b9c-0000-4000-8000-000000000000, "));
    assert!(
        description.ends_with(" more): 120.00 h at 85.00"),
        "{description}"
    );
}

/// The streamed preview (what the package returns) is the batch preview split, byte for byte,
/// for every scenario and every combination of options.
#[test]
fn streamed_preview_is_the_batch_preview_byte_for_byte() {
    use xero_export::preview::PreviewOptions;
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (exporter, invoices) = scenario(name);
        let json = serde_json::to_string(&invoices).unwrap();
        for (lines, bodies) in [(true, true), (false, true), (true, false), (false, false)] {
            let options = PreviewOptions { lines, bodies };
            let batch = exporter
                .preview_with(&invoices, options)
                .into_split_json()
                .unwrap();
            let streamed = exporter.preview_split_json(&json, options).unwrap();
            assert!(
                batch == streamed,
                "{name} {options:?}: streamed preview differs"
            );
            // One JSON text, bodies inside: serde's JSON of the batch preview.
            let whole = serde_json::to_string(&exporter.preview_with(&invoices, options)).unwrap();
            assert!(
                exporter.preview_json(&json, options).unwrap() == whole,
                "{name} {options:?}: streamed JSON preview differs"
            );
        }
        // Put back together, the split text is the golden preview.
        let split = exporter
            .preview_split_json(&json, PreviewOptions::default())
            .unwrap();
        let parts: Vec<&str> = split.split('\0').collect();
        let mut meta: Value = serde_json::from_str(parts[parts.len() - 1]).unwrap();
        let documents = meta["documents"].as_array_mut().unwrap();
        assert_eq!(parts.len(), documents.len() + 1, "{name}");
        for (doc, body) in documents.iter_mut().zip(&parts) {
            doc["body"] = if body.is_empty() {
                Value::Null
            } else {
                (*body).into()
            };
        }
        assert_eq!(meta, preview(name).0, "{name}");
    }
}

/// Input that does not fit fails as a whole with the words reading the whole array gives (the
/// batch reader the plan uses, which says where in the caller's terms).
#[test]
fn streamed_preview_rejects_misfit_input_as_the_batch_reader_does() {
    let exporter = Exporter::new(
        Snapshot::new(serde_json::from_str(&fixture("sample/snapshot.json")).unwrap()),
        Settings::default(),
    );
    let options = xero_export::preview::PreviewOptions::default();
    let good = r#"{"id":"a","date":"2024-01-15","lines":[{"description":"x","quantity":1,"unitAmount":"1.00"}]}"#;
    for input in [
        "{}".to_owned(),
        "null".to_owned(),
        format!("[{good},{{\"id\":true}}]"),
        format!("[{good},{{\"lines\":[{{\"quantity\":{{}}}}]}}]"),
        format!("[{good}] trailing"),
        format!("[{good},"),
        "[1]".to_owned(),
    ] {
        let whole = xero_export::input::source::read_invoices(&input).unwrap_err();
        for streamed in [
            exporter.preview_split_json(&input, options).unwrap_err(),
            exporter.preview_json(&input, options).unwrap_err(),
        ] {
            assert_eq!(streamed.to_string(), whole.to_string(), "{input}");
            assert_eq!(streamed.classify(), whole.classify(), "{input}");
        }
    }
    let misfit = format!("[{good},{{\"id\":true}}]");
    let err = exporter
        .preview_json(&misfit, options)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("`invoices[1].id`: invalid type: boolean `true`"),
        "{err}"
    );
    // An empty batch: no bodies, only the JSON, in either layout.
    let empty = exporter.preview_split_json(" [ ] ", options).unwrap();
    let meta: Value = serde_json::from_str(&empty).unwrap();
    assert_eq!(meta["summary"]["documents"], 0);
    assert!(!empty.contains('\0'));
    assert_eq!(exporter.preview_json(" [ ] ", options).unwrap(), empty);
}
