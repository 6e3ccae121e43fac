//! Planning tables: batches of at most 50 documents and 3.5 MB, contacts first, blocked
//! documents never planned, idempotency keys stable across runs and changed by content edits.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use xero_export::send::plan::{PlanOptions, Purpose, Request, MAX_BYTES};
use xero_export::send::{OutcomeStatus, Run};
use xero_export::xero::responses::HttpResponse;
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput, SourceInvoice};

const KATHERINE: &str = "5cc8cf28-567e-4d43-b287-687cfcaec47c";

fn fixture(rel: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn exporter(scenario: &str) -> Exporter {
    let snapshot: SnapshotInput = serde_json::from_str(&fixture("sample/snapshot.json")).unwrap();
    let s: Value = serde_json::from_str(&fixture(&format!("scenarios/{scenario}.json"))).unwrap();
    let settings: Settings = serde_json::from_value(s["settings"].clone()).unwrap();
    Exporter::new(Snapshot::new(snapshot), settings)
}

fn scenario_invoices(scenario: &str) -> Vec<SourceInvoice> {
    let s: Value = serde_json::from_str(&fixture(&format!("scenarios/{scenario}.json"))).unwrap();
    serde_json::from_value(s["invoices"].clone()).unwrap()
}

/// A simple clinic invoice for the existing contact Katherine Warren.
fn invoice(i: usize, description: &str, unit: &str) -> Value {
    json!({
        "id": format!("inv-{i}"), "number": format!("N-{i:04}"), "date": "2024-01-15",
        "payer": {"kind": "patient", "id": "P-100", "contactId": KATHERINE},
        "lines": [{"description": description, "quantity": 1, "unitAmount": unit, "taxCode": "GST"}]
    })
}

fn invoices(values: Vec<Value>) -> Vec<SourceInvoice> {
    serde_json::from_value(Value::Array(values)).unwrap()
}

fn options() -> PlanOptions {
    PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    }
}

fn plan(scenario: &str, invs: &[SourceInvoice], opts: &PlanOptions) -> Run {
    exporter(scenario).plan(invs, opts).unwrap()
}

fn body(r: &Request) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

#[test]
fn fifty_one_documents_make_two_requests() {
    let invs = invoices(
        (0..51)
            .map(|i| invoice(i, "Consultation", "10.00"))
            .collect(),
    );
    let mut run = plan("clinic", &invs, &options());
    let reqs = run.next(0);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].documents.len(), 50);
    assert_eq!(reqs[1].documents, vec!["inv-50"]);
    for r in &reqs {
        assert_eq!(r.method, "PUT");
        assert_eq!(r.path, "/Invoices");
        assert_eq!(r.purpose, Purpose::Documents);
        assert_eq!(r.query["summarizeErrors"], "false");
        assert!(!r.query.contains_key("unitdp"));
        assert!(r.url.starts_with("/Invoices?summarizeErrors=false"));
        assert_eq!(r.headers["xero-tenant-id"], "tenant-1");
        assert_eq!(r.headers["Accept"], "application/json");
        assert_eq!(r.headers["Content-Type"], "application/json");
        let key = r.idempotency_key.as_deref().unwrap();
        assert_eq!(r.headers["Idempotency-Key"], key);
        assert!(key.len() <= 128);
        let b = body(r);
        assert_eq!(b["Invoices"].as_array().unwrap().len(), r.documents.len());
        assert_eq!(b["Invoices"][0]["Contact"]["ContactID"], KATHERINE);
    }
    assert_ne!(reqs[0].idempotency_key, reqs[1].idempotency_key);
    // Nothing more until answers come back.
    assert!(run.next(0).is_empty());
    assert!(!run.is_done());
}

#[test]
fn max_documents_is_configurable_lower_never_higher() {
    let invs = invoices((0..7).map(|i| invoice(i, "x", "1.00")).collect());
    let mut run = plan(
        "clinic",
        &invs,
        &PlanOptions {
            max_documents: Some(3),
            ..options()
        },
    );
    let sizes: Vec<usize> = run.next(0).iter().map(|r| r.documents.len()).collect();
    assert_eq!(sizes, vec![3, 3, 1]);
    for bad in [0, 51] {
        let err = exporter("clinic")
            .plan(
                &invs,
                &PlanOptions {
                    max_documents: Some(bad),
                    ..options()
                },
            )
            .err()
            .unwrap();
        assert_eq!(err.argument, "options.maxDocuments");
    }
    let err = exporter("clinic")
        .plan(
            &invs,
            &PlanOptions {
                max_bytes: Some(MAX_BYTES + 1),
                ..options()
            },
        )
        .err()
        .unwrap();
    assert_eq!(err.argument, "options.maxBytes");
    let err = exporter("clinic")
        .plan(&invs, &PlanOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.argument, "options.tenantId");
}

#[test]
fn the_three_and_a_half_megabyte_boundary() {
    // 50 invoices of 18 lines × 4000 characters: about 3.7 MB in all, just over the limit.
    let long = "x".repeat(4000);
    let big: Vec<Value> = (0..50)
        .map(|i| {
            let mut v = invoice(i, &long, "1.00");
            v["lines"] = Value::Array(
                (0..18)
                    .map(|_| json!({"description": long, "quantity": 1, "unitAmount": "1.00", "taxCode": "GST"}))
                    .collect(),
            );
            v
        })
        .collect();
    let invs = invoices(big);
    let reqs = plan("clinic", &invs, &options()).next(0);
    let total: usize = reqs.iter().map(|r| r.body.as_ref().unwrap().len()).sum();
    assert!(
        total > MAX_BYTES,
        "the fixture must exceed 3.5 MB ({total})"
    );
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert!(r.body.as_ref().unwrap().len() <= MAX_BYTES);
    }
    assert_eq!(
        reqs.iter().map(|r| r.documents.len()).sum::<usize>(),
        50,
        "every document planned once"
    );

    // Exactly at the limit: one request; one byte less: two.
    let three = invoices(
        (0..3)
            .map(|i| invoice(i, "Consultation", "10.00"))
            .collect(),
    );
    let one = plan("clinic", &three, &options()).next(0);
    assert_eq!(one.len(), 1);
    let exact = one[0].body.as_ref().unwrap().len();
    let at = |max| {
        plan(
            "clinic",
            &three,
            &PlanOptions {
                max_bytes: Some(max),
                ..options()
            },
        )
        .next(0)
    };
    assert_eq!(at(exact).len(), 1);
    let split = at(exact - 1);
    assert_eq!(split.len(), 2);
    assert!(split.iter().all(|r| r.body.as_ref().unwrap().len() < exact));
}

#[test]
fn a_document_larger_than_a_request_is_blocked() {
    let long = "y".repeat(4000);
    let mut v = invoice(0, &long, "1.00");
    v["lines"] = Value::Array(
        (0..2)
            .map(|_| json!({"description": long, "quantity": 1, "unitAmount": "1.00", "taxCode": "GST"}))
            .collect(),
    );
    let invs = invoices(vec![v, invoice(1, "small", "1.00")]);
    let mut run = plan(
        "clinic",
        &invs,
        &PlanOptions {
            max_bytes: Some(4096),
            ..options()
        },
    );
    let reqs = run.next(0);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].documents, vec!["inv-1"]);
    let out = run.outcomes();
    assert_eq!(out[0].status, OutcomeStatus::Blocked);
    assert_eq!(out[0].issues[0].code.as_str(), "REQUEST_TOO_LARGE");
}

#[test]
fn contacts_are_created_first_and_their_invoices_wait_for_the_id() {
    let invs = scenario_invoices("clinic");
    let mut run = plan("clinic", &invs, &options());
    let first = run.next(0);
    assert_eq!(first[0].purpose, Purpose::Contacts);
    assert_eq!(first[0].method, "PUT");
    assert_eq!(first[0].path, "/Contacts");
    assert_eq!(first[0].query["summarizeErrors"], "false");
    assert_eq!(first[0].contacts, vec!["patient:P-300"]);
    assert_eq!(first[0].documents, vec!["appt-1004", "appt-1005"]);
    let contact = &body(&first[0])["Contacts"][0];
    assert_eq!(contact["Name"], "Mere Tane");
    assert_eq!(contact["ContactNumber"], "P-300");
    assert!(first[0].idempotency_key.is_some());
    // The invoices of existing contacts go in the same round; the new contact's wait.
    assert_eq!(first.len(), 2);
    assert_eq!(
        first[1].documents,
        vec!["appt-1001", "appt-1002", "appt-1003", "appt-1006"]
    );
    assert!(run.next(0).is_empty());

    // Xero creates the contact: its invoices become ready with the real ContactID.
    let created = json!({"Id": "x", "Status": "OK", "Contacts": [{
        "ContactID": "11111111-2222-4333-8444-555555555555", "ContactNumber": "P-300",
        "Name": "Mere Tane", "ContactStatus": "ACTIVE", "HasValidationErrors": false}]});
    let response = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: Some(Value::String(created.to_string())),
    };
    run.handle(&first[0].id, &response, 10).unwrap();
    let second = run.next(20);
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].documents, vec!["appt-1004", "appt-1005"]);
    for el in body(&second[0])["Invoices"].as_array().unwrap() {
        assert_eq!(
            el["Contact"]["ContactID"],
            "11111111-2222-4333-8444-555555555555"
        );
    }
    assert!(!second[0].body.as_ref().unwrap().contains("00000000-0000"));
}

#[test]
fn blocked_documents_are_listed_with_their_issues_and_never_planned() {
    let invs = scenario_invoices("crm");
    let mut run = plan("crm", &invs, &options());
    let mut planned = Vec::new();
    for r in run.next(0) {
        planned.extend(r.documents.clone());
    }
    assert_eq!(planned, vec!["plc-88", "plc-88-refund"]);
    let out = run.outcomes();
    let blocked: Vec<&str> = out
        .iter()
        .filter(|o| o.status == OutcomeStatus::Blocked)
        .map(|o| o.source_id.as_str())
        .collect();
    assert_eq!(blocked, vec!["plc-90", "plc-91"]);
    assert_eq!(out[2].issues[0].code.as_str(), "CONTACT_NOT_FOUND");
    assert_eq!(out[3].issues[0].code.as_str(), "CONTACT_AMBIGUOUS");
}

#[test]
fn credit_notes_go_to_their_endpoint() {
    let invs = scenario_invoices("crm");
    let reqs = plan("crm", &invs, &options()).next(0);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].path, "/Invoices");
    assert_eq!(reqs[1].path, "/CreditNotes");
    assert_eq!(reqs[1].method, "PUT");
    let cn = &body(&reqs[1])["CreditNotes"][0];
    assert_eq!(cn["Type"], "ACCRECCREDIT");
    assert_eq!(cn["CreditNoteNumber"], "INV-2002");
}

#[test]
fn idempotency_keys_are_stable_across_runs_and_follow_content() {
    let base: Vec<Value> = (0..60)
        .map(|i| invoice(i, "Consultation", "10.00"))
        .collect();
    let keys = |values: Vec<Value>, tenant: &str| -> Vec<String> {
        let opts = PlanOptions {
            tenant_id: tenant.into(),
            ..PlanOptions::default()
        };
        plan("clinic", &invoices(values), &opts)
            .next(0)
            .iter()
            .map(|r| r.idempotency_key.clone().unwrap())
            .collect()
    };
    let a = keys(base.clone(), "tenant-1");
    assert_eq!(a, keys(base.clone(), "tenant-1"), "same input, same keys");
    assert_eq!(a.len(), 2);
    // Editing one invoice of the second batch changes that batch's key only.
    let mut edited = base.clone();
    edited[55]["lines"][0]["unitAmount"] = json!("10.01");
    let b = keys(edited, "tenant-1");
    assert_eq!(a[0], b[0]);
    assert_ne!(a[1], b[1]);
    // Another tenant: other keys.
    let c = keys(base, "tenant-2");
    assert_ne!(a[0], c[0]);
    // The keys have Xero's shape.
    assert!(a.iter().all(|k| k.starts_with("xe1-") && k.len() == 36));
}

#[test]
fn unitdp_four_when_a_unit_amount_needs_it() {
    let invs = invoices(vec![invoice(0, "a", "10.00")]);
    let r = plan("clinic", &invs, &options()).next(0);
    assert!(!r[0].query.contains_key("unitdp"));
    let s: Value = serde_json::from_str(&fixture("scenarios/clinic.json")).unwrap();
    let mut settings = s["settings"].clone();
    settings["unitdp"] = json!(4);
    let snapshot: SnapshotInput = serde_json::from_str(&fixture("sample/snapshot.json")).unwrap();
    let ex = Exporter::new(
        Snapshot::new(snapshot),
        serde_json::from_value(settings).unwrap(),
    );
    let invs = invoices(vec![invoice(0, "a", "10.1234")]);
    let r = ex.plan(&invs, &options()).unwrap().next(0);
    assert_eq!(r[0].query["unitdp"], "4");
    assert!(r[0].url.contains("unitdp=4"));
    assert!(r[0]
        .body
        .as_ref()
        .unwrap()
        .contains("\"UnitAmount\":10.1234"));
}

#[test]
fn documents_sharing_an_identity_never_share_a_request() {
    let mut a = invoice(0, "a", "1.00");
    let mut b = invoice(1, "b", "2.00");
    a["number"] = json!("SAME-1");
    b["number"] = json!("same-1");
    let c = invoice(2, "c", "3.00");
    let reqs = plan("clinic", &invoices(vec![a, b, c]), &options()).next(0);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].documents, vec!["inv-0", "inv-2"]);
    assert_eq!(reqs[1].documents, vec!["inv-1"]);
}

#[test]
fn updates_are_posted_with_their_id() {
    let mut v = invoice(0, "a", "1.00");
    v["xero"] = json!({"id": "ed255415-e141-4150-aab7-89c3bbbb851c", "status": "DRAFT"});
    v["lines"][0]["lineItemId"] = json!("0f7c10a1-0000-4000-8000-000000000001");
    let reqs = plan(
        "clinic",
        &invoices(vec![v, invoice(1, "b", "1.00")]),
        &options(),
    )
    .next(0);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "PUT");
    assert_eq!(reqs[1].method, "POST");
    assert_eq!(reqs[1].path, "/Invoices");
    let el = &body(&reqs[1])["Invoices"][0];
    assert_eq!(el["InvoiceID"], "ed255415-e141-4150-aab7-89c3bbbb851c");
    assert_eq!(
        el["LineItems"][0]["LineItemID"],
        "0f7c10a1-0000-4000-8000-000000000001"
    );
    assert!(reqs[1]
        .body
        .as_ref()
        .unwrap()
        .starts_with("{\"Invoices\":[{\"InvoiceID\":"));
}

#[test]
fn concurrency_is_capped() {
    let invs = invoices((0..8).map(|i| invoice(i, "x", "1.00")).collect());
    let mut run = plan(
        "clinic",
        &invs,
        &PlanOptions {
            max_documents: Some(1),
            max_concurrent: Some(3),
            ..options()
        },
    );
    assert_eq!(run.next(0).len(), 3);
    assert!(run.next(0).is_empty());
    assert_eq!(run.summary().in_flight, 3);
    assert_eq!(run.wake_at(), Some(0), "five more are queued");
}
