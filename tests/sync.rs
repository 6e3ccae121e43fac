//! The status sync's plan for a fixture (tests/fixtures/sync/exported.json) compared byte for
//! byte with tests/golden/sync-plan.json: every GET (path, query, URL, headers), the changes and
//! issues when each is answered with an empty list. A change to the requests the host performs shows up in review. UPDATE_GOLDEN=1
//! rewrites it after a reviewed change.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use std::fs;
use std::path::Path;
use xero_export::sync::SyncRun;

fn plan() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixture: Value = serde_json::from_str(
        &fs::read_to_string(root.join("tests/fixtures/sync/exported.json")).unwrap(),
    )
    .unwrap();
    let mut run = SyncRun::from_json(
        &fixture["exported"].to_string(),
        &fixture["options"].to_string(),
    )
    .unwrap();
    // Every GET answered with an empty list: the ones read in full report their documents
    // not found, the ones with If-Modified-Since report nothing.
    let mut requests = Vec::new();
    for now in 0..3 {
        let batch = run.next(now);
        for r in &batch {
            let empty = xero_export::xero::responses::HttpResponse {
                status: 200,
                headers: Default::default(),
                body: Some(
                    json!({"Invoices": [], "CreditNotes": [], "DateTimeUTC": "/Date(1714557600000)/"}),
                ),
            };
            run.handle(&r.id, &empty, now).unwrap();
        }
        requests.extend(batch);
    }
    assert!(run.is_done());
    let out = json!({
        "requests": requests,
        "changes": run.changes(),
        "issues": run.issues(),
        "summary": run.summary(),
        "syncedAt": run.synced_at(),
    });
    serde_json::to_string_pretty(&out).unwrap() + "\n"
}

#[test]
fn the_sync_plan_matches_its_golden_file() {
    let text = plan();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/sync-plan.json");
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
        "the sync plan differs from {} (UPDATE_GOLDEN=1 rewrites it after review)",
        path.display()
    );
    assert_eq!(plan(), text, "same input, same bytes");
}

/// `known` amounts that the document's kind does not have in Xero (a credit note has no
/// AmountDue, AmountPaid or AmountCredited; an invoice no RemainingCredit) can never be
/// compared: a host that passed them to hear of part payments would hear nothing. Each is a
/// warning at its path, and the part allocation it was meant to catch is still missed only
/// because the host said nothing comparable.
#[test]
fn known_amounts_the_kind_does_not_have_are_reported() {
    let exported = json!([
        {"sourceId": "cn-1", "kind": "creditNote", "xero": {"id": "0b1f0000-0000-4000-8000-000000000001"},
         "known": {"status": "AUTHORISED", "amountDue": "100.00"}},
        {"sourceId": "inv-1", "xero": {"id": "0b1f0000-0000-4000-8000-000000000002"},
         "known": {"status": "AUTHORISED", "amountDue": "100.00", "remainingCredit": "0.00"}},
    ]);
    let run = SyncRun::from_json(
        &exported.to_string(),
        &json!({"tenantId": "t-1"}).to_string(),
    )
    .unwrap();
    let got: Vec<String> = run
        .issues()
        .iter()
        .map(|i| format!("{}@{}", i.code.as_str(), i.path))
        .collect();
    assert_eq!(
        got,
        [
            "FIELD_UNKNOWN@exported[0].known.amountDue",
            "FIELD_UNKNOWN@exported[1].known.remainingCredit"
        ]
    );
}
