//! Reconciliation: Xero's answers (built from the response examples of the official OpenAPI file
//! and reference §9-§10) turned into one outcome per document; then a seeded in-memory Xero with
//! faults (429, 5xx, lost answers before and after saving) that every run must survive with each
//! invoice created exactly once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{json, Value};
use xero_export::send::plan::{PlanOptions, Purpose, Request};
use xero_export::send::{AllocationStatus, Outcome, OutcomeStatus, Run};
use xero_export::xero::responses::{HttpResponse, RateLimit};
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput, SourceInvoice};

const KATHERINE: &str = "5cc8cf28-567e-4d43-b287-687cfcaec47c";

fn fixture(rel: &str) -> Value {
    let text = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn exporter(scenario: &str) -> Exporter {
    let snapshot: SnapshotInput = serde_json::from_value(fixture("sample/snapshot.json")).unwrap();
    let s = fixture(&format!("scenarios/{scenario}.json"));
    let settings: Settings = serde_json::from_value(s["settings"].clone()).unwrap();
    Exporter::new(Snapshot::new(snapshot), settings)
}

fn invoice(i: usize) -> Value {
    json!({
        "id": format!("inv-{i}"), "number": format!("N-{i:04}"), "date": "2024-01-15",
        "payer": {"kind": "patient", "id": "P-100", "contactId": KATHERINE},
        "lines": [{"description": "Consultation", "quantity": 1, "unitAmount": "10.00", "taxCode": "GST",
                   "clinicianId": "dr-1", "locationId": "north"}]
    })
}

fn options() -> PlanOptions {
    PlanOptions {
        tenant_id: "tenant-1".into(),
        backoff_ms: Some(1000),
        ..PlanOptions::default()
    }
}

fn run_of(n: usize) -> Run {
    let invs: Vec<SourceInvoice> =
        serde_json::from_value(Value::Array((0..n).map(invoice).collect())).unwrap();
    exporter("clinic").plan(&invs, &options()).unwrap()
}

fn response(status: u16, headers: Value, body: &Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: serde_json::from_value(headers).unwrap(),
        body: Some(Value::String(body.to_string())),
    }
}

/// The OK element of the spec's PUT /Invoices example, renumbered, with our totals and the
/// tracking we sent (11.50 = 10.00 + 15 % GST).
fn ok_element(number: &str, id: &str) -> Value {
    let mut el = fixture("openapi/invoices-put-response.json")["Invoices"][0].clone();
    el["InvoiceNumber"] = json!(number);
    el["InvoiceID"] = json!(id);
    el["Reference"] = json!("Appt");
    el["SubTotal"] = json!(10.00);
    el["TotalTax"] = json!(1.50);
    el["Total"] = json!(11.50);
    el["AmountDue"] = json!(11.50);
    el["LineItems"][0]["Tracking"] = json!([
        {"Name": "Clinician", "Option": "Dr Aroha Smith"},
        {"Name": "Location", "Option": "North"}
    ]);
    el
}

/// The ERROR element of the spec's GET /Invoices/{InvoiceID} example ("Invoice # must be
/// unique."), renumbered.
fn error_element(number: &str) -> Value {
    let mut el = fixture("openapi/invoice-get-error.json")["Invoices"][0].clone();
    el["InvoiceNumber"] = json!(number);
    el
}

fn by_id<'a>(outcomes: &'a [Outcome], id: &str) -> &'a Outcome {
    outcomes.iter().find(|o| o.source_id == id).unwrap()
}

fn codes(o: &Outcome) -> Vec<String> {
    o.issues.iter().map(|i| i.code.as_str()).collect()
}

#[test]
fn ok_warning_and_error_in_one_batch_matched_by_number_not_position() {
    let mut run = run_of(4);
    let req = run.next(0).remove(0);
    assert_eq!(req.documents.len(), 4);
    let mut warned = ok_element("N-0001", "11111111-0000-4000-8000-000000000001");
    warned["StatusAttributeString"] = json!("WARNING");
    warned["Warnings"] =
        json!([{"Message": "Only AUTHORISED invoices may have SentToContact updated."}]);
    let mut differs = ok_element("N-0003", "11111111-0000-4000-8000-000000000003");
    differs["TotalTax"] = json!(1.51);
    differs["Total"] = json!(11.51);
    differs["LineItems"][0]["Tracking"] = json!([{"Name": "Location", "Option": "North"}]);
    // Elements in another order than sent: identity decides.
    let body = json!({"Id": "x", "Status": "OK", "Invoices": [
        differs, error_element("N-0002"), warned, ok_element("N-0000", "11111111-0000-4000-8000-000000000000")
    ]});
    let changed = run
        .handle(&req.id, &response(200, json!({}), &body), 5)
        .unwrap();
    assert_eq!(changed.len(), 4);
    let out = run.outcomes();

    let ok = by_id(&out, "inv-0");
    assert_eq!(ok.status, OutcomeStatus::Exported);
    assert_eq!(
        ok.xero_id.as_deref(),
        Some("11111111-0000-4000-8000-000000000000")
    );
    assert_eq!(ok.xero_number.as_deref(), Some("N-0000"));
    assert_eq!(ok.xero_status.as_deref(), Some("AUTHORISED"));
    assert_eq!(ok.totals.as_ref().unwrap().total, "11.50");
    assert_eq!(ok.amount_due.as_deref(), Some("11.50"));
    assert!(ok.issues.is_empty(), "{:?}", ok.issues);

    let w = by_id(&out, "inv-1");
    assert_eq!(w.status, OutcomeStatus::Exported);
    assert_eq!(codes(w), vec!["XERO_WARNING"]);
    assert_eq!(
        w.issues[0].message,
        "Only AUTHORISED invoices may have SentToContact updated."
    );

    let e = by_id(&out, "inv-2");
    assert_eq!(e.status, OutcomeStatus::Failed);
    assert_eq!(codes(e), vec!["DUPLICATE_NUMBER"]);
    assert_eq!(e.issues[0].message, "Invoice # must be unique.");
    // At the field the host wrote, as the preview's own number checks are (it was the
    // document, `invoices[2]`, though only its number is refused).
    assert_eq!(e.issues[0].path, "invoices[2].number");

    let d = by_id(&out, "inv-3");
    assert_eq!(d.status, OutcomeStatus::Exported);
    assert_eq!(
        codes(d),
        vec!["XERO_TOTALS_DIFFER", "TRACKING_DROPPED_BY_XERO"]
    );
    assert!(d.issues[0].message.contains("11.51"));
    assert_eq!(d.issues[1].path, "invoices[3].lines[0].tracking.Clinician");

    assert!(run.is_done());
    let log = run.log();
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|r| r.idempotency_key == req.idempotency_key
        && r.finished_at == Some(5)
        && r.http_status == Some(200)));
    assert_eq!(log[2].status, OutcomeStatus::Failed);
    assert_eq!(log[2].messages, vec!["Invoice # must be unique."]);
    assert_eq!(log[0].payer_name.as_deref(), Some("Katherine Warren"));
    assert_eq!(log[0].kind, "ACCREC");
}

/// A 200 answer may carry `Warnings` at the top level, beside the list (reference §1: "lists
/// may carry `Warnings[]`"; §10: "200 responses may carry `Warnings`"): a warning on the whole
/// request. Each document the request saved gets it once, as `XERO_WARNING` saying so, after
/// its own element's warnings; a document Xero refused gets none.
#[test]
fn a_top_level_warning_reaches_every_document_of_the_request() {
    let mut run = run_of(3);
    let req = run.next(0).remove(0);
    let removed = "Account code '476' has been removed as it does not match a recognised account.";
    let mut warned = ok_element("N-0001", "11111111-0000-4000-8000-000000000001");
    warned["StatusAttributeString"] = json!("WARNING");
    warned["Warnings"] =
        json!([{"Message": "Only AUTHORISED invoices may have SentToContact updated."}]);
    // The same warning twice at the top level, and one that is not a message at all.
    let body = json!({"Id": "x", "Status": "OK",
    "Warnings": [{"Message": removed}, {"Message": removed}, {"Other": 1}],
    "Invoices": [
        ok_element("N-0000", "11111111-0000-4000-8000-000000000000"),
        warned,
        error_element("N-0002"),
    ]});
    run.handle(&req.id, &response(200, json!({}), &body), 5)
        .unwrap();
    let out = run.outcomes();
    let whole = |o: &Outcome| -> Vec<String> {
        o.issues
            .iter()
            .filter(|i| i.message.contains(removed))
            .map(|i| format!("{} {}@{}", i.code.as_str(), i.message, i.path))
            .collect()
    };
    for (id, i) in [("inv-0", 0), ("inv-1", 1)] {
        let o = by_id(&out, id);
        assert_eq!(o.status, OutcomeStatus::Exported);
        let got = whole(o);
        assert_eq!(got.len(), 1, "{id}: {:?}", o.issues);
        assert!(got[0].starts_with("XERO_WARNING "), "{got:?}");
        assert!(got[0].contains("whole request"), "{got:?}");
        assert!(got[0].ends_with(&format!("@invoices[{i}]")), "{got:?}");
    }
    assert_eq!(
        codes(by_id(&out, "inv-1")),
        ["XERO_WARNING", "XERO_WARNING"]
    );
    assert_eq!(
        by_id(&out, "inv-1").issues[0].message,
        "Only AUTHORISED invoices may have SentToContact updated."
    );
    let refused = by_id(&out, "inv-2");
    assert_eq!(refused.status, OutcomeStatus::Failed);
    assert!(whole(refused).is_empty(), "{:?}", refused.issues);
    // The log's rows say it too.
    let log = run.log();
    assert!(log[0].messages.iter().any(|m| m.contains(removed)));
}

#[test]
fn line_and_contact_level_messages_are_kept_and_mapped() {
    let mut run = run_of(1);
    let req = run.next(0).remove(0);
    let mut el = ok_element("N-0000", "x");
    el["StatusAttributeString"] = json!("ERROR");
    el["LineItems"][0]["ValidationErrors"] = json!([{"Message": "Account code '200' has been archived, or deleted. Each line item must reference a valid account."}]);
    el["Contact"]["ValidationErrors"] = json!([{"Description": "Email address must be valid."}]);
    let body = json!({"Invoices": [el]});
    run.handle(&req.id, &response(200, json!({}), &body), 1)
        .unwrap();
    let o = &run.outcomes()[0];
    assert_eq!(o.status, OutcomeStatus::Failed);
    let got: Vec<(String, String)> = o
        .issues
        .iter()
        .map(|i| (i.code.as_str(), i.path.clone()))
        .collect();
    assert!(got.contains(&("ACCOUNT_ARCHIVED".into(), "invoices[0].lines[0]".into())));
    assert!(got.contains(&("EMAIL_INVALID".into(), "invoices[0].contact".into())));
}

#[test]
fn a_summarised_400_fails_the_documents_with_messages() {
    // From the spec's PUT /Contacts 400 example: the contact is refused, its invoices fail.
    let invs: Vec<SourceInvoice> =
        serde_json::from_value(fixture("scenarios/clinic.json")["invoices"].clone()).unwrap();
    let mut run = exporter("clinic").plan(&invs, &options()).unwrap();
    let reqs = run.next(0);
    let contacts = reqs
        .iter()
        .find(|r| r.purpose == Purpose::Contacts)
        .unwrap();
    let mut body = fixture("openapi/contacts-put-400.json");
    body["Elements"][0]["Name"] = json!("Mere Tane");
    body["Elements"][0]["ContactNumber"] = json!("P-300");
    run.handle(&contacts.id, &response(400, json!({}), &body), 1)
        .unwrap();
    let out = run.outcomes();
    for id in ["appt-1004", "appt-1005"] {
        let o = by_id(&out, id);
        assert_eq!(o.status, OutcomeStatus::Failed);
        assert_eq!(codes(o), vec!["CONTACT_NAME_TAKEN"]);
        assert!(o.issues[0]
            .message
            .contains("must be unique across all active contacts"));
        assert_eq!(o.issues[0].path, format!("invoices[{}].payer", o.index));
    }

    // A 400 on documents: the element with messages fails; the one without is looked up.
    let mut run = run_of(2);
    let req = run.next(0).remove(0);
    let mut bad = error_element("N-0001");
    bad["ValidationErrors"] = json!([{"Message": "The TaxType code 'OUTPUT9' does not exist or cannot be used for this type of transaction."}]);
    bad["HasValidationErrors"] = json!(true);
    let mut echoed = ok_element("N-0000", "00000000-0000-0000-0000-000000000000");
    echoed
        .as_object_mut()
        .unwrap()
        .remove("StatusAttributeString");
    let body = json!({"ErrorNumber": 10, "Type": "ValidationException",
        "Message": "A validation exception occurred", "Elements": [echoed, bad]});
    run.handle(&req.id, &response(400, json!({}), &body), 1)
        .unwrap();
    let out = run.outcomes();
    assert_eq!(out[1].status, OutcomeStatus::Failed);
    assert_eq!(codes(&out[1]), vec!["TAX_TYPE_NOT_ALLOWED"]);
    assert_eq!(out[0].status, OutcomeStatus::Uncertain);
    let lookup = out[0].lookup.as_ref().unwrap();
    assert_eq!(lookup.url, "/Invoices?InvoiceNumbers=N-0000&page=1");

    // A 400 without elements (malformed request): every document fails with the message.
    let mut run = run_of(2);
    let req = run.next(0).remove(0);
    let body = json!({"ErrorNumber": 14, "Type": "PostDataInvalidException",
        "Message": "The string '2017-12-14 00:00:00' is not a valid AllXsd value."});
    run.handle(&req.id, &response(400, json!({}), &body), 1)
        .unwrap();
    for o in run.outcomes() {
        assert_eq!(o.status, OutcomeStatus::Failed);
        assert!(o.issues[0].message.contains("not a valid AllXsd value"));
    }
    assert!(run.is_done());
}

#[test]
fn rate_limits_minute_versus_day() {
    for (problem, after, limit) in [
        ("minute", 7u64, RateLimit::Minute),
        ("day", 3600, RateLimit::Day),
    ] {
        let mut run = run_of(60);
        let reqs = run.next(1_000);
        assert_eq!(reqs.len(), 2);
        let r = response(
            429,
            json!({"retry-after": after.to_string(), "x-rate-limit-problem": problem, "x-daylimit-remaining": "0"}),
            &json!(null),
        );
        let changed = run.handle(&reqs[0].id, &r, 2_000).unwrap();
        assert_eq!(changed.len(), 50);
        let o = &run.outcomes()[0];
        assert_eq!(o.status, OutcomeStatus::Retry);
        assert_eq!(o.retry_after, Some(after));
        assert_eq!(o.limit, Some(limit));
        let at = 2_000 + i64::try_from(after).unwrap() * 1000;
        assert_eq!(o.retry_at, Some(at));
        assert_eq!(codes(o), vec!["RATE_LIMITED"]);
        // The whole run pauses until then; then the same request goes again, same key.
        assert!(run.next(at - 1).is_empty());
        assert_eq!(run.wake_at(), Some(at));
        let again = run.next(at);
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].documents, reqs[0].documents);
        assert_eq!(again[0].idempotency_key, reqs[0].idempotency_key);
        assert_eq!(again[0].body, reqs[0].body);
        assert_eq!(again[0].attempt, 2);
        assert_ne!(again[0].id, reqs[0].id);
    }
    // The concurrent limit pauses only that request.
    let mut run = run_of(60);
    let reqs = run.next(0);
    run.handle(
        &reqs[0].id,
        &response(
            429,
            json!({"X-Rate-Limit-Problem": "concurrent"}),
            &json!(""),
        ),
        0,
    )
    .unwrap();
    assert_eq!(run.outcomes()[0].limit, Some(RateLimit::Concurrent));
    assert_eq!(run.next(1_000).len(), 1);
}

/// Answers a lookup GET /Invoices?InvoiceNumbers=... with the invoices Xero "has".
fn lookup_answer(found: &[(&str, &str)]) -> Value {
    let template = fixture("openapi/invoices-get.json")["Invoices"][2].clone();
    let els: Vec<Value> = found
        .iter()
        .map(|(number, id)| {
            let mut el = template.clone();
            el["InvoiceNumber"] = json!(number);
            el["InvoiceID"] = json!(id);
            el["Contact"]["ContactID"] = json!(KATHERINE);
            el["Status"] = json!("AUTHORISED");
            // Xero keeps the Date sent (2024-01-15 here), not the spec example's.
            el["Date"] = json!("/Date(1705276800000+0000)/");
            el["SubTotal"] = json!(10.00);
            el["TotalTax"] = json!(1.50);
            el["Total"] = json!(11.50);
            el
        })
        .collect();
    json!({"Id": "x", "Status": "OK", "pagination": {"page": 1}, "Invoices": els})
}

#[test]
fn a_500_is_uncertain_and_a_lookup_resolves_it() {
    let mut run = run_of(3);
    let req = run.next(0).remove(0);
    run.handle(
        &req.id,
        &response(500, json!({}), &json!({"Message": "An error occurred"})),
        100,
    )
    .unwrap();
    let out = run.outcomes();
    assert!(out.iter().all(|o| o.status == OutcomeStatus::Uncertain));
    let lookup = out[0].lookup.clone().unwrap();
    assert_eq!(lookup.method, "GET");
    assert_eq!(lookup.purpose, Purpose::Lookup);
    assert_eq!(lookup.path, "/Invoices");
    assert_eq!(lookup.query["InvoiceNumbers"], "N-0000,N-0001,N-0002");
    assert_eq!(lookup.query["page"], "1");
    assert!(lookup.body.is_none() && lookup.idempotency_key.is_none());
    assert_eq!(codes(&out[0]), vec!["OUTCOME_UNCERTAIN"]);
    // Nothing is resent before the lookup, which waits for the backoff.
    assert!(run.next(500).is_empty());
    let sent = run.next(1_100);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0], lookup,
        "the run sends the lookup the outcome showed"
    );
    // Xero has all three: all exported, nothing resent.
    let answer = lookup_answer(&[("N-0000", "a0"), ("N-0001", "a1"), ("N-0002", "a2")]);
    run.handle(&lookup.id, &response(200, json!({}), &answer), 1_200)
        .unwrap();
    let out = run.outcomes();
    assert!(out.iter().all(|o| o.status == OutcomeStatus::Exported));
    assert_eq!(out[2].xero_id.as_deref(), Some("a2"));
    assert!(run.next(2_000).is_empty());
    assert!(run.is_done());
}

#[test]
fn a_lost_response_is_looked_up_and_only_the_missing_ones_resent() {
    let mut run = run_of(3);
    let req = run.next(0).remove(0);
    run.lost(&req.id, 10).unwrap();
    let lookup = run.next(2_000).remove(0);
    // Xero saved N-0001 only (say the connection dropped mid-batch).
    let answer = lookup_answer(&[("N-0001", "b1"), ("N-0009", "other")]);
    let changed = run
        .handle(&lookup.id, &response(200, json!({}), &answer), 2_100)
        .unwrap();
    assert_eq!(changed.len(), 3);
    let out = run.outcomes();
    assert_eq!(out[1].status, OutcomeStatus::Exported);
    assert_eq!(out[0].status, OutcomeStatus::Retry);
    let resend = run.next(2_200);
    assert_eq!(resend.len(), 1);
    assert_eq!(resend[0].documents, vec!["inv-0", "inv-2"]);
    let numbers: Vec<String> = serde_json::from_str::<Value>(resend[0].body.as_ref().unwrap())
        .unwrap()["Invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["InvoiceNumber"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(numbers, vec!["N-0000", "N-0002"]);
    assert_eq!(resend[0].attempt, 2);
    // A different request (two documents, not three): a different key.
    assert_ne!(resend[0].idempotency_key, req.idempotency_key);
    let body = json!({"Invoices": [ok_element("N-0000", "c0"), ok_element("N-0002", "c2")]});
    run.handle(&resend[0].id, &response(200, json!({}), &body), 2_300)
        .unwrap();
    assert!(run
        .outcomes()
        .iter()
        .all(|o| o.status == OutcomeStatus::Exported));
    assert_eq!(run.outcomes()[0].attempts, 2);
    assert!(run.is_done());
    // The log has every attempt: send (uncertain), lookup, resend.
    let statuses: Vec<(String, Purpose, OutcomeStatus)> = run
        .log()
        .iter()
        .filter(|r| r.source_id.as_deref() == Some("inv-0"))
        .map(|r| (r.request_id.clone(), r.purpose, r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (req.id.clone(), Purpose::Documents, OutcomeStatus::Uncertain),
            (lookup.id.clone(), Purpose::Lookup, OutcomeStatus::Retry),
            (
                resend[0].id.clone(),
                Purpose::Documents,
                OutcomeStatus::Exported
            ),
        ]
    );
}

#[test]
fn a_resend_of_the_same_documents_reuses_the_key() {
    let mut run = run_of(2);
    let req = run.next(0).remove(0);
    run.lost(&req.id, 0).unwrap();
    let lookup = run.next(5_000).remove(0);
    run.handle(
        &lookup.id,
        &response(200, json!({}), &lookup_answer(&[])),
        5_000,
    )
    .unwrap();
    let resend = run.next(5_000).remove(0);
    assert_eq!(resend.idempotency_key, req.idempotency_key);
    assert_eq!(resend.body, req.body);
}

#[test]
fn duplicate_number_after_an_uncertain_attempt_is_looked_up_never_resent() {
    let mut run = run_of(2);
    let req = run.next(0).remove(0);
    run.handle(
        &req.id,
        &response(503, json!({}), &json!("Service Unavailable")),
        0,
    )
    .unwrap();
    let lookup = run.next(5_000).remove(0);
    // Xero did not have them yet (still saving): both are resent...
    run.handle(
        &lookup.id,
        &response(200, json!({}), &lookup_answer(&[])),
        5_000,
    )
    .unwrap();
    let resend = run.next(5_000).remove(0);
    // ...and now Xero says the numbers are taken: the first attempt did land after all.
    let body = json!({"Invoices": [error_element("N-0000"), error_element("N-0001")]});
    run.handle(&resend.id, &response(200, json!({}), &body), 6_000)
        .unwrap();
    assert!(run
        .outcomes()
        .iter()
        .all(|o| o.status == OutcomeStatus::Uncertain));
    let check = run.next(20_000);
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].method, "GET");
    run.handle(
        &check[0].id,
        &response(200, json!({}), &lookup_answer(&[("N-0000", "d0")])),
        20_000,
    )
    .unwrap();
    let out = run.outcomes();
    assert_eq!(out[0].status, OutcomeStatus::Exported);
    assert_eq!(out[0].xero_id.as_deref(), Some("d0"));
    // N-0001 is not found: asked twice more (Xero may still be saving it), then the number
    // is taken to belong to another document.
    assert_eq!(out[1].status, OutcomeStatus::Uncertain);
    let mut now = 20_000;
    for _ in 0..2 {
        now = run.wake_at().unwrap();
        let again = run.next(now).remove(0);
        assert_eq!(again.method, "GET");
        assert_eq!(run.outcomes()[1].lookup.as_ref().unwrap().id, again.id);
        run.handle(
            &again.id,
            &response(
                200,
                json!({}),
                &lookup_answer(&[("N-0001", "someone-else")])
                    .to_string()
                    .replace(KATHERINE, "6dd9d039-678f-4e54-c398-798d0dbfd58d")
                    .parse::<Value>()
                    .unwrap(),
            ),
            now,
        )
        .unwrap();
    }
    let out = run.outcomes();
    assert_eq!(out[1].status, OutcomeStatus::Failed);
    assert_eq!(codes(&out[1]), vec!["DUPLICATE_NUMBER"]);
    assert!(run.next(now + 60_000).is_empty());
    assert!(run.is_done());
    // Never more than two sends of the invoices themselves.
    let sends = run
        .log()
        .iter()
        .filter(|r| r.purpose == Purpose::Documents)
        .count();
    assert_eq!(sends, 4);
}

#[test]
fn auth_failure_stops_the_run_until_resumed() {
    let mut run = run_of(60);
    let reqs = run.next(0);
    run.handle(&reqs[0].id, &response(401, json!({"www-authenticate": "Bearer"}), &json!({"Title": "Unauthorized", "Detail": "TokenExpired: token expired at 01/01/2024"})), 1).unwrap();
    assert_eq!(run.stopped().unwrap().code.as_str(), "AUTH_FAILED");
    assert!(run.stopped().unwrap().message.contains("TokenExpired"));
    let o = &run.outcomes()[0];
    assert_eq!(o.status, OutcomeStatus::Retry);
    assert_eq!(codes(o), vec!["AUTH_FAILED"]);
    assert!(!run.is_done(), "the other request is still in flight");
    run.handle(
        &reqs[1].id,
        &response(403, json!({}), &json!({"Title": "Forbidden"})),
        2,
    )
    .unwrap();
    assert!(run.is_done());
    assert!(run.next(10).is_empty());
    run.resume();
    assert!(!run.is_done());
    let again = run.next(10);
    assert_eq!(again.len(), 2);
    assert_eq!(again[0].idempotency_key, reqs[0].idempotency_key);
    assert_eq!(run.outcomes()[0].status, OutcomeStatus::Pending);
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut run = run_of(1);
    let req = run.next(0).remove(0);
    assert!(run.handle("nope", &HttpResponse::default(), 0).is_err());
    run.lost(&req.id, 0).unwrap();
    let err = run.lost(&req.id, 0).unwrap_err();
    assert!(err.message.contains("already answered"));
}

#[test]
fn garbage_answers_never_lose_a_document() {
    for (status, body) in [
        (200, json!("<html>gateway</html>")),
        (200, json!({"Invoices": "nope"})),
        (200, json!({"Invoices": []})),
        (302, json!(null)),
        (200, json!([1, 2])),
    ] {
        let mut run = run_of(2);
        let req = run.next(0).remove(0);
        run.handle(&req.id, &response(status, json!({}), &body), 0)
            .unwrap();
        for o in run.outcomes() {
            assert_eq!(o.status, OutcomeStatus::Uncertain, "{status} {body}");
            assert!(o.lookup.is_some());
        }
    }
}

#[test]
fn updates_with_no_answer_are_resent_not_looked_up() {
    let mut v = invoice(0);
    v["xero"] = json!({"id": "ed255415-e141-4150-aab7-89c3bbbb851c", "status": "DRAFT"});
    let invs: Vec<SourceInvoice> = serde_json::from_value(json!([v])).unwrap();
    let mut run = exporter("clinic").plan(&invs, &options()).unwrap();
    let req = run.next(0).remove(0);
    assert_eq!(req.method, "POST");
    run.lost(&req.id, 0).unwrap();
    assert_eq!(run.outcomes()[0].status, OutcomeStatus::Retry);
    let again = run.next(1_000).remove(0);
    assert_eq!(again.method, "POST");
    assert_eq!(again.idempotency_key, req.idempotency_key);
}

// ----- allocations --------------------------------------------------------------------------

fn crm_run() -> Run {
    let invs: Vec<SourceInvoice> =
        serde_json::from_value(fixture("scenarios/crm.json")["invoices"].clone()).unwrap();
    exporter("crm").plan(&invs, &options()).unwrap()
}

#[test]
fn a_credit_note_is_allocated_to_its_invoice_once_both_are_in_xero() {
    let mut run = crm_run();
    let reqs = run.next(0);
    let (inv_req, cn_req) = (&reqs[0], &reqs[1]);
    // The credit note first: the invoice is still on its way, so nothing is allocated yet.
    let mut cn = fixture("openapi/credit-notes-put-response.json")["CreditNotes"][0].clone();
    cn["Type"] = json!("ACCRECCREDIT");
    cn["CreditNoteNumber"] = json!("INV-2002");
    cn["Status"] = json!("AUTHORISED");
    cn["Date"] = json!("/Date(1710892800000+0000)/"); // 2024-03-20
    cn["SubTotal"] = json!(3500.00);
    cn["TotalTax"] = json!(525.00);
    cn["Total"] = json!(4025.00);
    cn["RemainingCredit"] = json!(4025.00);
    cn["Contact"]["ContactID"] = json!("8ff1f25b-89ab-4076-9510-9baf2fd1f7af");
    run.handle(
        &cn_req.id,
        &response(200, json!({}), &json!({"CreditNotes": [cn]})),
        1,
    )
    .unwrap();
    let out = run.outcomes();
    assert_eq!(out[1].status, OutcomeStatus::Exported);
    assert_eq!(
        out[1].allocation.as_ref().unwrap().status,
        AllocationStatus::Pending
    );
    assert!(run.next(2).is_empty());
    assert!(!run.is_done());
    // The invoice lands: 15,875.00 due, so the whole credit (4,025.00) is allocated.
    let mut inv = fixture("openapi/invoices-put-response.json")["Invoices"][0].clone();
    inv["InvoiceNumber"] = json!("INV-2001");
    inv["InvoiceID"] = json!("c45720a1-ade3-4a38-a064-d15489be6841");
    inv["Status"] = json!("AUTHORISED");
    inv["Date"] = json!("/Date(1709251200000+0000)/"); // 2024-03-01
    inv["AmountDue"] = json!(15875.00);
    inv["Contact"]["ContactID"] = json!("8ff1f25b-89ab-4076-9510-9baf2fd1f7af");
    run.handle(
        &inv_req.id,
        &response(200, json!({}), &json!({"Invoices": [inv]})),
        3,
    )
    .unwrap();
    let alloc = run.next(4).remove(0);
    assert_eq!(alloc.purpose, Purpose::Allocation);
    assert_eq!(alloc.method, "PUT");
    assert_eq!(
        alloc.path,
        "/CreditNotes/f9256f04-5a99-4680-acb9-6b4639cc439a/Allocations"
    );
    assert_eq!(alloc.query["summarizeErrors"], "false");
    assert_eq!(
        alloc.body.as_deref(),
        Some(
            r#"{"Allocations":[{"Invoice":{"InvoiceID":"c45720a1-ade3-4a38-a064-d15489be6841"},"Amount":4025.00,"Date":"2024-03-20"}]}"#
        )
    );
    assert!(alloc.idempotency_key.is_some());
    let answer = fixture("openapi/allocations-put-response.json");
    run.handle(&alloc.id, &response(200, json!({}), &answer), 5)
        .unwrap();
    let a = run.outcomes()[1].allocation.clone().unwrap();
    assert_eq!(a.status, AllocationStatus::Allocated);
    assert_eq!(a.amount.as_deref(), Some("4025.00"));
    assert!(run.is_done());
}

#[test]
fn never_more_than_the_amount_due_and_not_before_approval() {
    // The invoice is not in this run: it is looked up; only 100.00 is still due.
    let invs: Vec<SourceInvoice> = serde_json::from_value(json!([fixture("scenarios/crm.json")
        ["invoices"][1]
        .clone()]))
    .unwrap();
    let mut run = exporter("crm").plan(&invs, &options()).unwrap();
    let req = run.next(0).remove(0);
    let mut cn = fixture("openapi/credit-notes-put-response.json")["CreditNotes"][0].clone();
    cn["CreditNoteNumber"] = json!("INV-2002");
    cn["Type"] = json!("ACCRECCREDIT");
    cn["Status"] = json!("AUTHORISED");
    cn["SubTotal"] = json!(3500.00);
    cn["TotalTax"] = json!(525.00);
    cn["Total"] = json!(4025.00);
    cn["RemainingCredit"] = json!(4025.00);
    cn["Contact"]["ContactID"] = json!("8ff1f25b-89ab-4076-9510-9baf2fd1f7af");
    run.handle(
        &req.id,
        &response(200, json!({}), &json!({"CreditNotes": [cn.clone()]})),
        1,
    )
    .unwrap();
    let find = run.next(2).remove(0);
    assert_eq!(find.url, "/Invoices?InvoiceNumbers=INV-2001&page=1");
    let mut inv = fixture("openapi/invoices-get.json")["Invoices"][2].clone();
    inv["InvoiceNumber"] = json!("INV-2001");
    inv["AmountDue"] = json!(100.00);
    inv["Contact"]["ContactID"] = json!("8ff1f25b-89ab-4076-9510-9baf2fd1f7af");
    run.handle(
        &find.id,
        &response(200, json!({}), &json!({"Invoices": [inv]})),
        3,
    )
    .unwrap();
    let alloc = run.next(4).remove(0);
    assert!(alloc.body.as_ref().unwrap().contains("\"Amount\":100.00"));
    // Xero refuses: the allocation fails, the credit note stays exported.
    let mut refused = fixture("openapi/allocations-put-response.json");
    refused["Allocations"][0]["ValidationErrors"] = json!([{"Message": "Credit Note cannot be allocated as amount is greater than amount outstanding"}]);
    run.handle(&alloc.id, &response(200, json!({}), &refused), 5)
        .unwrap();
    let o = &run.outcomes()[0];
    assert_eq!(o.status, OutcomeStatus::Exported);
    assert_eq!(
        o.allocation.as_ref().unwrap().status,
        AllocationStatus::Failed
    );
    assert_eq!(codes(o), vec!["ALLOCATION_FAILED"]);
    assert!(run.is_done());

    // A DRAFT credit note is not allocated.
    let mut run = exporter("crm").plan(&invs, &options()).unwrap();
    let req = run.next(0).remove(0);
    cn["Status"] = json!("DRAFT");
    run.handle(
        &req.id,
        &response(200, json!({}), &json!({"CreditNotes": [cn]})),
        1,
    )
    .unwrap();
    let o = &run.outcomes()[0];
    assert_eq!(
        o.allocation.as_ref().unwrap().status,
        AllocationStatus::Skipped
    );
    assert_eq!(codes(o), vec!["ALLOCATION_SKIPPED"]);
    assert!(run.next(2).is_empty());
    assert!(run.is_done());
}

// ----- a seeded in-memory Xero with faults --------------------------------------------------

/// A deterministic pseudo-random sequence (64-bit LCG, Knuth's constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn percent(&mut self) -> u64 {
        self.next() % 100
    }
}

/// Just enough of Xero: PUT /Invoices and /Contacts create (numbers are NOT checked for
/// uniqueness and idempotency keys are ignored, so only the run's own care prevents
/// duplicates); GET /Invoices?InvoiceNumbers and GET /Contacts?where find.
#[derive(Default)]
struct FakeXero {
    /// Refuse a number already used, as Xero does for ACCREC ("Invoice # must be unique.").
    unique: bool,
    /// Invoices saved while the answer got lost stay invisible to GETs for this long (ms), as
    /// if Xero were still saving them.
    lag: i64,
    now: i64,
    invoices: Vec<Value>,
    contacts: Vec<Value>,
    ids: u64,
}

impl FakeXero {
    fn id(&mut self) -> String {
        self.ids += 1;
        format!("00000000-0000-4000-8000-{:012}", self.ids)
    }

    fn serve(&mut self, r: &Request) -> HttpResponse {
        let ok = |body: Value| HttpResponse {
            status: 200,
            headers: BTreeMap::new(),
            body: Some(Value::String(body.to_string())),
        };
        match (r.method, r.path.as_str()) {
            ("PUT", "/Invoices") => {
                let body: Value = serde_json::from_str(r.body.as_ref().unwrap()).unwrap();
                let mut out = Vec::new();
                for el in body["Invoices"].as_array().unwrap() {
                    let taken = self
                        .invoices
                        .iter()
                        .any(|i| i["InvoiceNumber"] == el["InvoiceNumber"]);
                    if self.unique && taken {
                        let mut refused = el.clone();
                        refused["StatusAttributeString"] = json!("ERROR");
                        refused["ValidationErrors"] =
                            json!([{"Message": "Invoice # must be unique."}]);
                        out.push(refused);
                        continue;
                    }
                    let mut saved = el.clone();
                    saved["InvoiceID"] = json!(self.id());
                    saved["VisibleFrom"] = json!(self.now + self.lag);
                    saved["Status"] = el["Status"].clone();
                    saved["StatusAttributeString"] = json!("OK");
                    self.invoices.push(saved.clone());
                    out.push(saved);
                }
                ok(json!({"Status": "OK", "Invoices": out}))
            }
            ("PUT", "/Contacts") => {
                let body: Value = serde_json::from_str(r.body.as_ref().unwrap()).unwrap();
                let mut out = Vec::new();
                for el in body["Contacts"].as_array().unwrap() {
                    let mut saved = el.clone();
                    saved["ContactID"] = json!(self.id());
                    saved["ContactStatus"] = json!("ACTIVE");
                    self.contacts.push(saved.clone());
                    out.push(saved);
                }
                ok(json!({"Status": "OK", "Contacts": out}))
            }
            ("GET", "/Invoices") => {
                let numbers: Vec<&str> = r.query["InvoiceNumbers"].split(',').collect();
                let found: Vec<Value> = self
                    .invoices
                    .iter()
                    .filter(|i| numbers.contains(&i["InvoiceNumber"].as_str().unwrap()))
                    .filter(|i| i["VisibleFrom"].as_i64().unwrap() <= self.now)
                    .cloned()
                    .collect();
                ok(json!({"Status": "OK", "Invoices": found}))
            }
            ("GET", "/Contacts") => {
                let filter = r.query["where"].clone();
                let found: Vec<Value> = self
                    .contacts
                    .iter()
                    .filter(|c| {
                        filter.contains(&format!(
                            "ContactNumber==\"{}\"",
                            c["ContactNumber"].as_str().unwrap_or("\u{0}")
                        )) || filter.contains(&format!(
                            "Name==\"{}\"",
                            c["Name"].as_str().unwrap_or("\u{0}")
                        ))
                    })
                    .cloned()
                    .collect();
                ok(json!({"Status": "OK", "Contacts": found}))
            }
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// Invoices for `n` payers: every fourth a new patient (a contact to create, shared by two
/// invoices), the rest Katherine Warren.
fn mixed_invoices(n: usize) -> Vec<SourceInvoice> {
    let values: Vec<Value> = (0..n)
        .map(|i| {
            let mut v = invoice(i);
            if i % 4 == 3 {
                v["payer"] = json!({"kind": "patient", "id": format!("NEW-{}", i / 8), "name": format!("New Patient {}", i / 8)});
            }
            v
        })
        .collect();
    serde_json::from_value(Value::Array(values)).unwrap()
}

fn drive(seed: u64, n: usize, unique: bool) -> (Run, FakeXero) {
    let mut rng = Lcg(seed);
    let mut xero = FakeXero {
        unique,
        ..FakeXero::default()
    };
    let lag = if unique { 300 } else { 0 };
    let opts = PlanOptions {
        tenant_id: "t".into(),
        max_documents: Some(7),
        max_attempts: Some(30),
        backoff_ms: Some(50),
        ..PlanOptions::default()
    };
    let mut run = exporter("clinic").plan(&mixed_invoices(n), &opts).unwrap();
    let mut now: i64 = 1_700_000_000_000;
    for _ in 0..20_000 {
        if run.is_done() {
            break;
        }
        let reqs = run.next(now);
        if reqs.is_empty() {
            now = run.wake_at().unwrap().max(now + 1);
            continue;
        }
        for r in reqs {
            now += 10;
            xero.now = now;
            xero.lag = 0;
            match rng.percent() {
                0..=11 => {
                    let problem = if rng.percent() < 80 {
                        "minute"
                    } else {
                        "concurrent"
                    };
                    let resp = response(
                        429,
                        json!({"Retry-After": "1", "X-Rate-Limit-Problem": problem}),
                        &json!(null),
                    );
                    run.handle(&r.id, &resp, now).unwrap();
                }
                12..=19 => {
                    run.handle(&r.id, &response(500, json!({}), &json!(null)), now)
                        .unwrap();
                }
                20..=27 => {
                    run.lost(&r.id, now).unwrap();
                }
                28..=35 => {
                    xero.lag = lag;
                    let _ = xero.serve(&r); // saved, then the answer is lost
                    run.lost(&r.id, now).unwrap();
                }
                36..=41 => {
                    xero.lag = lag;
                    let _ = xero.serve(&r); // saved, then a 502 from a proxy
                    run.handle(&r.id, &response(502, json!({}), &json!("Bad Gateway")), now)
                        .unwrap();
                }
                _ => {
                    let resp = xero.serve(&r);
                    run.handle(&r.id, &resp, now).unwrap();
                }
            }
        }
    }
    (run, xero)
}

#[test]
fn every_invoice_is_exported_exactly_once_through_random_faults() {
    // XE_SEEDS=2000 cargo test --release --test reconcile: a longer soak.
    let seeds: u64 = std::env::var("XE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let (mut lookups, mut retries, mut duplicates_seen) = (0, 0, 0);
    for seed in 0..seeds {
        let (run, xero) = drive(seed, 40, seed % 2 == 1);
        duplicates_seen += run
            .log()
            .iter()
            .filter(|r| r.messages.iter().any(|m| m == "Invoice # must be unique."))
            .count();
        assert!(run.is_done(), "seed {seed}: run not done");
        for o in run.outcomes() {
            assert_eq!(o.status, OutcomeStatus::Exported, "seed {seed}: {o:?}");
        }
        let mut numbers: Vec<&str> = xero
            .invoices
            .iter()
            .map(|i| i["InvoiceNumber"].as_str().unwrap())
            .collect();
        numbers.sort_unstable();
        let before = numbers.len();
        numbers.dedup();
        assert_eq!(
            before,
            numbers.len(),
            "seed {seed}: an invoice was created twice"
        );
        assert_eq!(numbers.len(), 40, "seed {seed}");
        let mut names: Vec<&str> = xero
            .contacts
            .iter()
            .map(|c| c["Name"].as_str().unwrap())
            .collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(
            before,
            names.len(),
            "seed {seed}: a contact was created twice"
        );
        // Invoices of new patients carry their new contact's id.
        for inv in &xero.invoices {
            let id = inv["Contact"]["ContactID"].as_str().unwrap();
            assert!(id == KATHERINE || xero.contacts.iter().any(|c| c["ContactID"] == id));
        }
        // Every log row was answered, and the faults did happen.
        assert!(run.log().iter().all(|r| r.status != OutcomeStatus::Pending));
        lookups += run
            .log()
            .iter()
            .filter(|r| r.purpose == Purpose::Lookup)
            .count();
        retries += run
            .log()
            .iter()
            .filter(|r| r.status == OutcomeStatus::Retry)
            .count();
    }
    assert!(
        lookups > 100 && retries > 100,
        "faults hit: {lookups} lookups, {retries} retries"
    );
    assert!(
        duplicates_seen > 0,
        "the duplicate-number path was never exercised"
    );
}

#[test]
fn the_same_faults_give_the_same_run() {
    let a = drive(7, 20, false).0;
    let b = drive(7, 20, false).0;
    assert_eq!(
        serde_json::to_string(a.log()).unwrap(),
        serde_json::to_string(b.log()).unwrap()
    );
    assert_eq!(a.outcomes(), b.outcomes());
}

// ----- any answer, any order: never a panic, always one outcome per document ----------------

use proptest::prelude::*;

/// A response element: a random mix of the fields reconciliation reads.
fn element() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop::sample::select(vec![
            "N-0000", "N-0001", "N-0002", "n-0001", "X",
        ])),
        prop::option::of(prop::sample::select(vec![
            "OK", "WARNING", "ERROR", "bogus",
        ])),
        prop::option::of(prop::sample::select(vec![
            json!([{"Message": "Invoice # must be unique."}]),
            json!([{"Description": "Email address must be valid."}]),
            json!("not a list"),
            json!([]),
        ])),
        prop::option::of(prop::sample::select(vec![
            json!(11.5),
            json!("11.50"),
            json!("abc"),
            json!(null),
            json!(1e30),
        ])),
        prop::option::of(prop::sample::select(vec![
            json!([]),
            json!([{"Tracking": [{"Name": "Location"}]}]),
            json!(7),
        ])),
    )
        .prop_map(|(number, status, errors, total, lines)| {
            let mut el = json!({"InvoiceID": "00000000-0000-4000-8000-000000000001"});
            if let Some(n) = number {
                el["InvoiceNumber"] = json!(n);
            }
            if let Some(s) = status {
                el["StatusAttributeString"] = json!(s);
            }
            if let Some(e) = errors {
                el["ValidationErrors"] = e;
            }
            if let Some(t) = total {
                el["Total"] = t;
            }
            if let Some(l) = lines {
                el["LineItems"] = l;
            }
            el
        })
}

fn answer() -> impl Strategy<Value = (u16, Value, Value)> {
    (
        prop::sample::select(vec![
            200u16, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 302, 100, 599,
        ]),
        prop_oneof![
            prop::collection::vec(element(), 0..5).prop_map(|els| json!({"Invoices": els})),
            prop::collection::vec(element(), 0..5).prop_map(
                |els| json!({"Elements": els, "Message": "A validation exception occurred"})
            ),
            prop::collection::vec(element(), 0..5)
                .prop_map(|els| json!({"Invoices": els, "Contacts": els})),
            ".{0,40}".prop_map(Value::String),
            Just(json!(null)),
            Just(json!([1, 2, 3])),
        ],
        prop::sample::select(vec![
            json!({}),
            json!({"Retry-After": "5", "X-Rate-Limit-Problem": "day"}),
            json!({"retry-after": "soon"}),
            json!({"retry-after": 18446744073709551615u64}),
        ]),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_answers_keep_one_outcome_per_document(answers in prop::collection::vec((answer(), any::<bool>()), 1..25)) {
        let mut run = run_of(3);
        let mut now = 0i64;
        let mut pending: Vec<Request> = Vec::new();
        for ((status, body, headers), lost) in answers {
            pending.extend(run.next(now));
            let Some(r) = pending.pop() else {
                now = run.wake_at().map_or(now + 1, |t| t.max(now + 1));
                continue;
            };
            if lost {
                run.lost(&r.id, now).unwrap();
            } else {
                run.handle(&r.id, &response(status, headers, &body), now).unwrap();
            }
            prop_assert!(run.handle(&r.id, &HttpResponse::default(), now).is_err());
            run.resume();
            now += 1_000;
            let out = run.outcomes();
            prop_assert_eq!(out.len(), 3);
            for (i, o) in out.iter().enumerate() {
                prop_assert_eq!(o.index, i);
                prop_assert!(o.status != OutcomeStatus::Uncertain || o.lookup.is_some() || !o.issues.is_empty());
                prop_assert!(o.status != OutcomeStatus::Exported || o.request_id.is_some());
            }
        }
        // The log never loses a row: one per document (or contact) per request handed out.
        prop_assert!(run.log().iter().all(|r| r.finished_at.is_some() || pending.iter().any(|p| p.id == r.request_id)));
    }
}

#[test]
fn a_lookup_answer_without_the_list_is_asked_again_never_taken_as_missing() {
    let mut run = run_of(1);
    let req = run.next(0).remove(0);
    run.lost(&req.id, 0).unwrap();
    let lookup = run.next(1_000).remove(0);
    run.handle(
        &lookup.id,
        &response(200, json!({}), &json!({"Status": "OK"})),
        1_000,
    )
    .unwrap();
    assert_eq!(run.outcomes()[0].status, OutcomeStatus::Uncertain);
    let again = run.next(run.wake_at().unwrap()).remove(0);
    assert_eq!(again.method, "GET", "the lookup again, not a resend");
    assert_eq!(again.url, lookup.url);
    assert_eq!(run.outcomes()[0].lookup.as_ref().unwrap().id, again.id);
}

/// Issue 18 item 5: Xero's answer mapped to the code the preview uses for the same problem, and
/// a line-level `ValidationErrors` entry at the line's own path (`invoices[1].lines[2]`).
#[test]
fn xero_messages_get_the_previews_codes_and_the_lines_path() {
    let mut second = invoice(1);
    let line = second["lines"][0].clone();
    second["lines"] = json!([line.clone(), line.clone(), line]);
    let invs: Vec<SourceInvoice> = serde_json::from_value(json!([invoice(0), second])).unwrap();
    let mut run = exporter("clinic").plan(&invs, &options()).unwrap();
    let req = run.next(0).remove(0);
    let mut first = ok_element("N-0000", "x");
    first["StatusAttributeString"] = json!("ERROR");
    first["ValidationErrors"] =
        json!([{"Message": "Users Organisation is not subscribed to currency NZD"}]);
    let mut el = ok_element("N-0001", "y");
    el["StatusAttributeString"] = json!("ERROR");
    let item = el["LineItems"][0].clone();
    el["LineItems"] = json!([item.clone(), item.clone(), item]);
    el["LineItems"][2]["ValidationErrors"] =
        json!([{"Message": "The TaxType code 'OUTPUT2' cannot be used with account code '800'."}]);
    let body = json!({"Invoices": [first, el]});
    run.handle(&req.id, &response(200, json!({}), &body), 1)
        .unwrap();
    let got: Vec<(String, String)> = run
        .outcomes()
        .iter()
        .flat_map(|o| o.issues.iter().map(|i| (i.code.as_str(), i.path.clone())))
        .collect();
    assert!(
        got.contains(&("CURRENCY_NOT_ENABLED".into(), "invoices[0]".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("TAX_TYPE_NOT_ALLOWED".into(), "invoices[1].lines[2]".into())),
        "{got:?}"
    );
}

/// Issue 18 item 4: a line whose amount rounds to 0.00 is warned about in the preview, and
/// Xero's misleading answers on it ("Account must be valid.", "Tax rate must be valid.", as
/// users report them) become LINE_AMOUNT_ROUNDS_TO_ZERO; on a line with money they keep their
/// own codes.
#[test]
fn xeros_misleading_messages_on_a_line_rounding_to_zero() {
    let mut inv = invoice(0);
    let line = inv["lines"][0].clone();
    let mut tiny = line.clone();
    tiny["quantity"] = json!(2);
    tiny["unitAmount"] = json!("0.001");
    inv["lines"] = json!([line, tiny]);
    let invs: Vec<SourceInvoice> = serde_json::from_value(json!([inv])).unwrap();
    let snapshot: SnapshotInput = serde_json::from_value(fixture("sample/snapshot.json")).unwrap();
    let mut s = fixture("scenarios/clinic.json")["settings"].clone();
    s["unitdp"] = json!(4);
    let e = Exporter::new(Snapshot::new(snapshot), serde_json::from_value(s).unwrap());
    let p = e.preview(&invs);
    let warned: Vec<(String, String)> = p.documents[0]
        .issues
        .iter()
        .map(|i| (i.code.as_str(), i.path.clone()))
        .collect();
    assert!(
        warned.contains(&(
            "LINE_AMOUNT_ROUNDS_TO_ZERO".into(),
            "invoices[0].lines[1]".into()
        )),
        "{warned:?}"
    );
    assert!(!p.documents[0].blocked);
    for (text, on_money) in [
        ("Account must be valid.", "ACCOUNT_UNKNOWN"),
        ("Tax rate must be valid.", "TAX_TYPE_UNKNOWN"),
    ] {
        let mut run = e.plan(&invs, &options()).unwrap();
        let req = run.next(0).remove(0);
        let mut el = ok_element("N-0000", "x");
        el["StatusAttributeString"] = json!("ERROR");
        let item = el["LineItems"][0].clone();
        el["LineItems"] = json!([item.clone(), item]);
        el["LineItems"][0]["ValidationErrors"] = json!([{"Message": text}]);
        el["LineItems"][1]["ValidationErrors"] = json!([{"Message": text}]);
        run.handle(
            &req.id,
            &response(200, json!({}), &json!({"Invoices": [el]})),
            1,
        )
        .unwrap();
        let o = &run.outcomes()[0];
        let got: Vec<(String, String)> = o
            .issues
            .iter()
            .map(|i| (i.code.as_str(), i.path.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (on_money.to_owned(), "invoices[0].lines[0]".to_owned()),
                (
                    "LINE_AMOUNT_ROUNDS_TO_ZERO".to_owned(),
                    "invoices[0].lines[1]".to_owned()
                )
            ],
            "{text}"
        );
        assert!(o.issues[1].message.contains(text) && o.issues[1].message.contains("2 × 0.001"));
    }
}
