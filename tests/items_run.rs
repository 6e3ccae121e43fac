//! Items to create (issue 19, item 1): `settings.items.create: "missing"` turns a line's unknown
//! item code into one PUT /Items, sent before the documents that use it; the documents wait;
//! a lost answer or Xero's duplicate-code refusal is looked up (GET /Items by Code), never
//! created twice; a refused item fails the invoices that use it; a saved run resumed mid-items
//! looks the item up instead of resending it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::*;
use xero_export::input::work::read_work;
use xero_export::send::plan::{PlanOptions, Request};
use xero_export::send::{OutcomeStatus, ResumeOptions, Run};
use xero_export::xero::responses::HttpResponse;
use xero_export::{Exporter, IssueCode};

const ITEM_ID: &str = "9b1f3c8e-0d2a-4e5f-8a7b-6c5d4e3f2a10";

fn settings(create: &str) -> Value {
    json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"},
           "items": {"create": create}})
}

fn invoice(id: &str, lines: Value) -> Value {
    json!({"id": id, "number": format!("N-{id}"), "date": "2024-01-15",
           "payer": {"contactId": KATHERINE}, "lines": lines})
}

fn line(code: &str, description: &str, unit: &str) -> Value {
    json!({"description": description, "quantity": 1, "unitAmount": unit, "itemCode": code})
}

fn two_invoices() -> Value {
    json!([
        invoice(
            "a",
            json!([
                line("NEWX", "Workshop day", "250.00"),
                line("newx ", "Workshop, again", "99.99")
            ])
        ),
        invoice(
            "b",
            json!([
                line("NewX", "Workshop day", "250.00"),
                line("CONSULT", "Consultation", "95.00")
            ])
        ),
    ])
}

fn options() -> PlanOptions {
    PlanOptions {
        tenant_id: "tenant-1".into(),
        backoff_ms: Some(1000),
        max_attempts: Some(3),
        ..PlanOptions::default()
    }
}

fn plan(create: &str, invoices: Value) -> (Exporter, Run) {
    let ex = exporter(sample_snapshot(), settings(create));
    let run = ex.plan(&support::invoices(invoices), &options()).unwrap();
    (ex, run)
}

fn answer(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: Default::default(),
        body: Some(Value::String(body.to_string())),
    }
}

fn item_ok(code: &str) -> HttpResponse {
    answer(
        200,
        json!({"Items": [{"ItemID": ITEM_ID, "Code": code, "Name": "Workshop day", "StatusAttributeString": "OK"}]}),
    )
}

/// Xero's documented answer to a code it already has (SPEC:/Items put example).
fn item_taken(code: &str) -> HttpResponse {
    answer(
        200,
        json!({"Items": [{"Code": code, "ValidationErrors": [{"Message": format!("Price List Item with Code ''{code}'' already exists")}]}]}),
    )
}

/// OK answers for a PUT /Invoices request: every element echoed with an id.
fn invoices_ok(r: &Request) -> HttpResponse {
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
    let els: Vec<Value> = body["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, el)| {
            let mut el = el.clone();
            el["InvoiceID"] = json!(format!("1111111{i}-1111-4111-8111-111111111111"));
            el["Status"] = json!("AUTHORISED");
            el["StatusAttributeString"] = json!("OK");
            el
        })
        .collect();
    answer(200, json!({"Invoices": els}))
}

fn paths(rs: &[Request]) -> Vec<String> {
    rs.iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}

#[test]
fn unknown_codes_are_errors_unless_the_settings_create_them() {
    let p = preview(sample_snapshot(), settings("never"), two_invoices());
    assert!(codes(&p.documents[0].issues)
        .contains(&"ITEM_NOT_FOUND@invoices[0].lines[0].itemCode".to_owned()));
    assert!(p.documents[0].blocked && p.items.is_empty());
    // The recruitment CRM's "Auto Create Invoice items" is off: the message names the setting
    // that turns it on, as CONTACT_NOT_FOUND names contacts.onMissing.
    let missing = p.documents[0]
        .issues
        .iter()
        .find(|i| i.code == IssueCode::ItemNotFound)
        .unwrap();
    assert!(
        missing.message.contains("settings.items.create"),
        "{}",
        missing.message
    );
    let p = preview(sample_snapshot(), settings("missing"), two_invoices());
    assert!(!p.documents[0].blocked && !p.documents[1].blocked);
    assert!(codes(&p.documents[0].issues)
        .contains(&"ITEM_WILL_BE_CREATED@invoices[0].lines[1].itemCode".to_owned()));
    // One item for NEWX, newx and NewX across both invoices; CONSULT exists already.
    assert_eq!(p.items.len(), 1);
    let item = serde_json::to_value(&p.items[0]).unwrap();
    assert_eq!(
        item,
        json!({"key": "newx", "invoices": ["a", "b"], "item": {
            "Code": "NEWX", "Name": "Workshop day", "Description": "Workshop day",
            "SalesDetails": {"UnitPrice": 250, "AccountCode": "200", "TaxType": "OUTPUT2"}}})
    );
    // Every line carries the code as the item is created ("newx " and "NewX" too: whether
    // Xero compares codes by case is unverified, and one spelling works either way), the
    // existing one in Xero's.
    let body: Value = serde_json::from_str(p.documents[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"][0]["LineItems"][0]["ItemCode"], "NEWX");
    assert_eq!(body["Invoices"][0]["LineItems"][1]["ItemCode"], "NEWX");
    let body: Value = serde_json::from_str(p.documents[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"][0]["LineItems"][0]["ItemCode"], "NEWX");
    assert_eq!(body["Invoices"][0]["LineItems"][1]["ItemCode"], "CONSULT");
}

#[test]
fn item_names_fit_xero_and_never_track_inventory() {
    let long = "A description longer than the fifty characters of an item name";
    let thirty_one = "C".repeat(31);
    let p = preview(
        sample_snapshot(),
        settings("missing"),
        json!([invoice(
            "a",
            json!([line("LONG", long, "1.50"), line(&thirty_one, "x", "1")])
        )]),
    );
    assert!(codes(&p.documents[0].issues)
        .contains(&"TOO_LONG@invoices[0].lines[1].itemCode".to_owned()));
    let p = preview(
        sample_snapshot(),
        settings("missing"),
        json!([invoice("a", json!([line("LONG", long, "-12.50")]))]),
    );
    let item = serde_json::to_value(&p.items[0].item).unwrap();
    assert_eq!(item["Name"], "LONG");
    assert_eq!(item["Description"], long);
    // A credit line's price is the item's price, positive.
    assert_eq!(
        item["SalesDetails"],
        json!({"UnitPrice": 12.5, "AccountCode": "200", "TaxType": "OUTPUT2"})
    );
    let text = item.to_string();
    assert!(!text.contains("InventoryAssetAccountCode") && !text.contains("COGSAccountCode"));
}

#[test]
fn items_go_first_and_the_documents_wait_for_them() {
    let (_, mut run) = plan("missing", two_invoices());
    let first = run.next(0);
    assert_eq!(paths(&first), ["PUT /Items?summarizeErrors=false"]);
    assert_eq!(first[0].documents, ["a", "b"]);
    assert_eq!(first[0].items, ["NEWX"]);
    assert!(first[0].idempotency_key.is_some());
    let body: Value = serde_json::from_str(first[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Items"].as_array().unwrap().len(), 1);
    assert!(run.next(0).is_empty(), "documents wait for their item");
    run.handle(&first[0].id, &item_ok("NEWX"), 1).unwrap();
    let docs = run.next(2);
    assert_eq!(paths(&docs), ["PUT /Invoices?summarizeErrors=false"]);
    run.handle(&docs[0].id, &invoices_ok(&docs[0]), 3).unwrap();
    assert!(run.is_done());
    assert!(run
        .outcomes()
        .iter()
        .all(|o| o.status == OutcomeStatus::Exported));
    let kinds: Vec<&str> = run.log().iter().map(|r| r.kind).collect();
    assert_eq!(kinds[0], "ITEM");
}

#[test]
fn a_lost_create_is_looked_up_not_resent() {
    let (_, mut run) = plan("missing", two_invoices());
    let put = run.next(0);
    run.lost(&put[0].id, 1).unwrap();
    let get = run.next(10_000);
    assert_eq!(paths(&get), ["GET /Items?where=Code%3D%3D%22NEWX%22"]);
    run.handle(
        &get[0].id,
        &answer(200, json!({"Items": [{"ItemID": ITEM_ID, "Code": "newx"}]})),
        10_001,
    )
    .unwrap();
    let docs = run.next(10_002);
    assert_eq!(paths(&docs), ["PUT /Invoices?summarizeErrors=false"]);
    assert_eq!(run.log().iter().filter(|r| r.kind == "ITEM").count(), 2);
}

#[test]
fn a_lost_create_not_found_is_sent_again_with_the_same_key() {
    let (_, mut run) = plan("missing", two_invoices());
    let put = run.next(0);
    run.lost(&put[0].id, 1).unwrap();
    let get = run.next(10_000);
    run.handle(&get[0].id, &answer(200, json!({"Items": []})), 10_001)
        .unwrap();
    let again = run.next(10_002);
    assert_eq!(paths(&again), ["PUT /Items?summarizeErrors=false"]);
    assert_eq!(again[0].idempotency_key, put[0].idempotency_key);
    assert_eq!(again[0].attempt, 2);
}

#[test]
fn the_duplicate_code_answer_after_a_lost_create_is_a_lookup_never_a_second_create() {
    let (_, mut run) = plan("missing", two_invoices());
    let put = run.next(0);
    run.lost(&put[0].id, 1).unwrap();
    let get = run.next(10_000);
    run.handle(&get[0].id, &answer(200, json!({"Items": []})), 10_001)
        .unwrap();
    // Resent; Xero now says the code exists (the lost create had landed after all).
    let again = run.next(10_002);
    run.handle(&again[0].id, &item_taken("NEWX"), 10_003)
        .unwrap();
    let get = run.next(30_000);
    assert_eq!(paths(&get), ["GET /Items?where=Code%3D%3D%22NEWX%22"]);
    run.handle(
        &get[0].id,
        &answer(200, json!({"Items": [{"ItemID": ITEM_ID, "Code": "NEWX"}]})),
        30_001,
    )
    .unwrap();
    let docs = run.next(30_002);
    assert_eq!(paths(&docs), ["PUT /Invoices?summarizeErrors=false"]);
    // Taken but not found: the invoices fail, the item is not created again.
    let (_, mut run) = plan("missing", two_invoices());
    let put = run.next(0);
    run.handle(&put[0].id, &item_taken("NEWX"), 1).unwrap();
    let get = run.next(10_000);
    run.handle(&get[0].id, &answer(200, json!({"Items": []})), 10_001)
        .unwrap();
    assert!(run.next(20_000).is_empty());
    assert!(run.is_done());
    for o in run.outcomes() {
        assert_eq!(o.status, OutcomeStatus::Failed);
        assert_eq!(o.issues[0].code.as_str(), "ITEM_NOT_CREATED");
    }
}

#[test]
fn a_refused_item_fails_the_invoices_that_use_it_and_only_those() {
    let invoices = json!([
        invoice("a", json!([line("NEWX", "Workshop day", "250.00")])),
        invoice("b", json!([line("CONSULT", "Consultation", "95.00")])),
    ]);
    let (_, mut run) = plan("missing", invoices);
    let first = run.next(0);
    // The document without new items goes at once, alongside the item.
    assert_eq!(
        paths(&first),
        [
            "PUT /Items?summarizeErrors=false",
            "PUT /Invoices?summarizeErrors=false"
        ]
    );
    let refused = answer(
        200,
        json!({"Items": [{"Code": "NEWX", "StatusAttributeString": "ERROR",
        "ValidationErrors": [{"Message": "Account code '200' is not a valid code for this document."}]}]}),
    );
    run.handle(&first[0].id, &refused, 1).unwrap();
    run.handle(&first[1].id, &invoices_ok(&first[1]), 2)
        .unwrap();
    assert!(run.is_done());
    let out = run.outcomes();
    assert_eq!(out[0].status, OutcomeStatus::Failed);
    assert_eq!(out[0].issues[0].code.as_str(), "ITEM_NOT_CREATED");
    assert!(out[0].issues[0].message.contains("is not a valid code"));
    assert_eq!(out[1].status, OutcomeStatus::Exported);
}

#[test]
fn a_run_saved_with_the_create_in_flight_resumes_with_a_lookup() {
    let invoices = two_invoices();
    let (ex, mut run) = plan("missing", invoices.clone());
    let put = run.next(0);
    let state = run.save();
    let work = read_work(&invoices.to_string()).unwrap();
    let mut resumed = ex
        .resume(
            &work,
            &state,
            &ResumeOptions {
                tenant_id: Some("tenant-1".into()),
                changes: Vec::new(),
            },
        )
        .unwrap();
    let get = resumed.next(100_000);
    assert_eq!(
        paths(&get),
        ["GET /Items?where=Code%3D%3D%22NEWX%22"],
        "not {:?}",
        put[0].url
    );
    resumed
        .handle(
            &get[0].id,
            &answer(200, json!({"Items": [{"ItemID": ITEM_ID, "Code": "NEWX"}]})),
            100_001,
        )
        .unwrap();
    let docs = resumed.next(100_002);
    assert_eq!(paths(&docs), ["PUT /Invoices?summarizeErrors=false"]);
    // Saved after the item answer: the resumed run sends the documents, never the item.
    let (ex, mut run) = plan("missing", invoices.clone());
    let put = run.next(0);
    run.handle(&put[0].id, &item_ok("NEWX"), 1).unwrap();
    let state = run.save();
    let mut resumed = ex.resume(&work, &state, &ResumeOptions::default()).unwrap();
    assert_eq!(
        paths(&resumed.next(2)),
        ["PUT /Invoices?summarizeErrors=false"]
    );
}

/// The PUT /Items body of a sales and of a purchase item, as the run sends it: kept in
/// tests/golden/items.jsonl (UPDATE_GOLDEN=1 rewrites it after review), validated against
/// Xero's closed OpenAPI schema and xero-node's serializer by tests/js/items.test.mjs.
#[test]
fn golden_item_bodies() {
    let (_, mut sales) = plan("missing", two_invoices());
    let bills = json!({"invoiceType": "ACCPAY", "status": "AUTHORISED", "taxes": {"default": "INPUT2"},
        "accounts": {"default": "463"}, "items": {"create": "missing"},
        "dueDate": {"rule": "daysAfter", "days": 7}});
    let ex = exporter(sample_snapshot(), bills);
    let mut purchases = ex
        .plan(
            &support::invoices(json!([invoice(
                "p",
                json!([line("HOURS-DEV", "Development hours", "85.00")])
            )])),
            &options(),
        )
        .unwrap();
    let mut text = String::new();
    for run in [&mut sales, &mut purchases] {
        let put = run.next(0);
        assert_eq!(put[0].path, "/Items");
        text.push_str(put[0].body.as_deref().unwrap());
        text.push('\n');
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/items.jsonl");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        golden, text,
        "tests/golden/items.jsonl changed; review, then UPDATE_GOLDEN=1"
    );
}
