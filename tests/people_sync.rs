//! The host's people → Xero contacts without invoices (issue 19, item 2): `plan({people})`.
//! Matched like payers; unmatched → PUT /Contacts, changed → POST /Contacts with ContactID and
//! only the changed fields the host gave, unchanged → nothing sent; archived, ambiguous, a
//! taken name and two people that are one contact are coded issues before anything is sent.
//! A lost create is looked up (never created twice), a lost update resent with the same key,
//! and a saved run resumes mid-way.
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
use xero_export::people::sync::{PersonOutcome, PersonStatus};
use xero_export::send::plan::{PlanOptions, Request};
use xero_export::send::{ResumeOptions, Run};
use xero_export::xero::responses::HttpResponse;
use xero_export::Exporter;

const TUI: &str = "9a02a36c-9abc-4187-a621-acb03ae2a8b0";
const NEW_ID: &str = "e1e1e1e1-0000-4000-8000-000000000001";

fn settings() -> Value {
    json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}})
}

fn options() -> PlanOptions {
    PlanOptions {
        tenant_id: "tenant-1".into(),
        backoff_ms: Some(1000),
        max_attempts: Some(3),
        ..PlanOptions::default()
    }
}

/// The sample snapshot, Tui with a street address and a mobile phone.
fn snapshot() -> Value {
    let mut s = sample_snapshot();
    for c in s["contacts"]["Contacts"].as_array_mut().unwrap() {
        if c["ContactID"] == KATHERINE {
            c["TaxNumber"] = json!("111-222-333");
            c["PaymentTerms"] = json!({"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}, "Bills": {"Day": 10, "Type": "DAYSAFTERBILLDATE"}});
        }
        if c["ContactID"] == TUI {
            c["Addresses"] = json!([
                {"AddressType": "POBOX", "AddressLine1": "PO Box 9", "City": "Auckland", "Region": ""},
                {"AddressType": "STREET", "AddressLine1": "1 Queen St", "City": "Auckland", "PostalCode": "1010"}
            ]);
            c["Phones"] = json!([{"PhoneType": "MOBILE", "PhoneNumber": "021 555"}, {"PhoneType": "DEFAULT"}]);
        }
    }
    s
}

fn plan(people: Value) -> (Exporter, Run) {
    let ex = exporter(snapshot(), settings());
    let work = read_work(&json!({ "people": people }).to_string()).unwrap();
    let run = ex.plan_work(&work, &options()).unwrap();
    (ex, run)
}

fn answer(status: u16, body: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: Default::default(),
        body: Some(Value::String(body.to_string())),
    }
}

fn body(r: &Request) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap()).unwrap()
}

fn paths(rs: &[Request]) -> Vec<String> {
    rs.iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect()
}

fn status_codes(p: &PersonOutcome) -> (PersonStatus, Vec<String>) {
    let errors = p
        .issues
        .iter()
        .filter(|i| i.severity == xero_export::issues::Severity::Error)
        .map(|i| format!("{}@{}", i.code.as_str(), i.path))
        .collect();
    (p.status, errors)
}

fn new_member() -> Value {
    json!({"kind": "member", "id": "m1", "name": "Aroha Ngata", "firstName": "Aroha", "lastName": "Ngata", "email": "aroha@example.com"})
}

fn tui_changed() -> Value {
    // Linked (a changed email under another rule would be another person, as for payers).
    // Same number, name and street; a new email and phone. accountNumber not given: not sent.
    json!({"kind": "member", "id": "tui", "contactId": TUI, "contactNumber": "M-tui", "name": "Tui Contractor",
           "email": "tui@new.example",
           "address": {"lines": ["1 Queen St"], "city": "Auckland", "postalCode": "1010"},
           "phone": {"type": "MOBILE", "number": "021 999"}})
}

#[test]
fn each_kind_of_person_gets_its_outcome_and_only_what_changed_is_sent() {
    let (_, mut run) = plan(json!([
        new_member(),
        {"kind": "member", "id": "kat", "contactNumber": "P-100", "name": "Katherine Warren", "email": "kat.warren@clampett.com"},
        tui_changed(),
        {"kind": "member", "id": "old", "name": "Old Patient", "email": "old@example.com"},
        {"kind": "member", "id": "hd", "name": "Harbour Dental"},
        {"kind": "member", "id": "sam", "contactNumber": "M-sam", "name": "Sam Jones"},
        {"kind": "client", "id": "acme", "accountNumber": "ACME-1", "name": "Katherine Warren"},
        {"kind": "member", "id": "tui2", "contactId": TUI, "name": "Tui Contractor"},
        {"kind": "member", "id": "m9", "name": "Rua", "emial": "rua@example.com"}
    ]));
    let planned: Vec<(PersonStatus, Vec<String>)> = run.people().iter().map(status_codes).collect();
    use PersonStatus::*;
    assert_eq!(
        planned,
        [
            (Pending, vec![]),
            (Unchanged, vec![]),
            (Pending, vec![]),
            (Failed, vec!["CONTACT_ARCHIVED@people[3]".into()]),
            (Failed, vec!["CONTACT_AMBIGUOUS@people[4].name".into()]),
            (Failed, vec!["CONTACT_NAME_TAKEN@people[5].name".into()]),
            (Failed, vec!["CONTACT_NAME_TAKEN@people[6].name".into()]),
            (Failed, vec!["PERSON_DUPLICATE@people[7]".into()]),
            (Failed, vec!["FIELD_UNKNOWN@people[8].emial".into()]),
        ]
    );
    let people = run.people();
    assert_eq!(people[1].contact_id.as_deref(), Some(KATHERINE));
    assert_eq!(
        people[1].matched_by.map(|m| m.as_str()),
        Some("contactNumber")
    );
    assert_eq!(people[2].changed, ["email", "phone"]);
    assert_eq!(people[2].matched_by.map(|m| m.as_str()), Some("contactId"));
    let sent = run.next(0);
    assert_eq!(
        paths(&sent),
        [
            "PUT /Contacts?summarizeErrors=false",
            "POST /Contacts?summarizeErrors=false"
        ]
    );
    assert_eq!(
        body(&sent[0]),
        json!({"Contacts": [{"Name": "Aroha Ngata", "FirstName": "Aroha", "LastName": "Ngata", "EmailAddress": "aroha@example.com"}]})
    );
    assert_eq!(
        body(&sent[1]),
        json!({"Contacts": [{"ContactID": TUI, "EmailAddress": "tui@new.example",
                             "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "021 999"}]}]})
    );
    run.handle(
        &sent[0].id,
        &answer(200, json!({"Contacts": [{"ContactID": NEW_ID, "Name": "Aroha Ngata", "StatusAttributeString": "OK"}]})),
        1,
    )
    .unwrap();
    run.handle(
        &sent[1].id,
        &answer(200, json!({"Contacts": [{"ContactID": TUI, "Name": "Tui Contractor", "StatusAttributeString": "OK"}]})),
        2,
    )
    .unwrap();
    assert!(run.is_done());
    let people = run.people();
    assert_eq!(people[0].status, Created);
    assert_eq!(people[0].contact_id.as_deref(), Some(NEW_ID));
    assert_eq!(people[2].status, Updated);
    assert_eq!(people[2].contact_id.as_deref(), Some(TUI));
    assert_eq!(people[1].status, Unchanged);
}

#[test]
fn unchanged_people_send_nothing() {
    let (_, mut run) = plan(json!([
        {"id": "kat", "contactNumber": "P-100", "name": "Katherine Warren", "firstName": "Katherine", "lastName": "Warren"},
        {"id": "tui", "contactId": TUI, "address": {"lines": ["1 Queen St"], "city": "auckland "}, "phone": {"type": "mobile", "number": "021 555"}}
    ]));
    // Tui's city differs only by case and a space: Auckland vs "auckland" is a change the host
    // made (names are compared as Xero compares them only to match, not to update).
    let people = run.people();
    assert_eq!(people[0].status, PersonStatus::Unchanged);
    assert_eq!(people[1].changed, ["address"]);
    // Xero's POBOX address, which the host does not own, goes with it as it is (whether Xero
    // replaces the whole list on an update is unverified), and so does the street address's
    // postal code, which the person does not give.
    let sent = run.next(0);
    assert_eq!(
        body(&sent[0]),
        json!({"Contacts": [{"ContactID": TUI, "Addresses": [
            {"AddressType": "STREET", "AddressLine1": "1 Queen St", "City": "auckland", "PostalCode": "1010"},
            {"AddressType": "POBOX", "AddressLine1": "PO Box 9", "City": "Auckland"}
        ]}]})
    );
    let (_, mut run2) = plan(json!([
        {"id": "kat", "contactNumber": "P-100", "name": "Katherine Warren"},
        {"id": "tui", "contactId": TUI, "address": {"lines": ["1 Queen St"], "city": "Auckland"}, "phone": {"type": "mobile", "number": "021 555"}}
    ]));
    assert!(run2
        .people()
        .iter()
        .all(|p| p.status == PersonStatus::Unchanged));
    assert!(run2.next(0).is_empty());
    assert!(run2.is_done());
}

#[test]
fn a_lost_create_is_looked_up_never_created_twice() {
    let (_, mut run) = plan(json!([new_member()]));
    let put = run.next(0);
    run.lost(&put[0].id, 10).unwrap();
    assert_eq!(run.people()[0].status, PersonStatus::Uncertain);
    let get = run.next(100_000);
    assert_eq!(
        paths(&get),
        ["GET /Contacts?where=Name%3D%3D%22Aroha%20Ngata%22"]
    );
    run.handle(
        &get[0].id,
        &answer(200, json!({"Contacts": [{"ContactID": NEW_ID, "Name": "Aroha Ngata", "ContactStatus": "ACTIVE"}]})),
        100_001,
    )
    .unwrap();
    assert!(run.next(100_002).is_empty());
    assert!(run.is_done());
    let p = &run.people()[0];
    assert_eq!(
        (p.status, p.contact_id.as_deref()),
        (PersonStatus::Created, Some(NEW_ID))
    );
    let puts = run.log().iter().filter(|r| r.method == "PUT").count();
    assert_eq!(puts, 1);
}

#[test]
fn a_lost_update_is_resent_with_the_same_key_and_a_refusal_fails_the_person() {
    let (_, mut run) = plan(json!([tui_changed()]));
    let first = run.next(0);
    run.lost(&first[0].id, 10).unwrap();
    assert_eq!(run.people()[0].status, PersonStatus::Uncertain);
    assert!(run.next(500).is_empty(), "waits for the backoff");
    let again = run.next(100_000);
    assert_eq!(paths(&again), paths(&first));
    assert_eq!(again[0].idempotency_key, first[0].idempotency_key);
    assert_eq!(again[0].body, first[0].body);
    run.handle(
        &again[0].id,
        &answer(
            400,
            json!({"Contacts": [{"ContactID": TUI, "StatusAttributeString": "ERROR",
            "ValidationErrors": [{"Message": "Email address must be valid."}]}]}),
        ),
        100_001,
    )
    .unwrap();
    assert!(run.is_done());
    let p = &run.people()[0];
    assert_eq!(p.status, PersonStatus::Failed);
    assert!(
        p.issues[0].message.contains("Email address must be valid."),
        "{:?}",
        p.issues
    );
    assert_eq!(p.issues[0].path, "people[0]");
}

#[test]
fn an_update_without_an_answer_gives_up_after_max_attempts_as_uncertain() {
    let (_, mut run) = plan(json!([tui_changed()]));
    let mut now = 0;
    for _ in 0..3 {
        let r = run.next(now);
        assert_eq!(r.len(), 1);
        run.lost(&r[0].id, now + 1).unwrap();
        now += 200_000;
    }
    assert!(run.is_done());
    let p = &run.people()[0];
    assert_eq!(p.status, PersonStatus::Failed);
    assert_eq!(p.issues[0].code.as_str(), "OUTCOME_UNCERTAIN");
}

#[test]
fn a_saved_run_resumes_mid_way_looking_up_the_create_and_resending_the_update() {
    let people = json!([new_member(), tui_changed()]);
    let (ex, mut run) = plan(people.clone());
    let sent = run.next(0);
    assert_eq!(sent.len(), 2);
    let state = run.save();
    let work = read_work(&json!({ "people": people }).to_string()).unwrap();
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
    let next = resumed.next(100_000);
    assert_eq!(
        paths(&next),
        [
            "POST /Contacts?summarizeErrors=false",
            "GET /Contacts?where=Name%3D%3D%22Aroha%20Ngata%22"
        ]
    );
    assert_eq!(next[0].idempotency_key, sent[1].idempotency_key);
    resumed
        .handle(&next[1].id, &answer(200, json!({"Contacts": []})), 100_001)
        .unwrap();
    resumed
        .handle(
            &next[0].id,
            &answer(
                200,
                json!({"Contacts": [{"ContactID": TUI, "StatusAttributeString": "OK"}]}),
            ),
            100_002,
        )
        .unwrap();
    // Not found: created again, as the same request (same key).
    let put = resumed.next(100_003);
    assert_eq!(paths(&put), ["PUT /Contacts?summarizeErrors=false"]);
    assert_eq!(put[0].idempotency_key, sent[0].idempotency_key);
    resumed
        .handle(
            &put[0].id,
            &answer(200, json!({"Contacts": [{"ContactID": NEW_ID, "Name": "Aroha Ngata", "StatusAttributeString": "OK"}]})),
            100_004,
        )
        .unwrap();
    assert!(resumed.is_done());
    let st: Vec<PersonStatus> = resumed.people().iter().map(|p| p.status).collect();
    assert_eq!(st, [PersonStatus::Created, PersonStatus::Updated]);
}

#[test]
fn many_people_go_in_batches_of_at_most_fifty() {
    let people: Vec<Value> = (0..120)
        .map(|i| json!({"kind": "member", "id": format!("b{i}"), "name": format!("Batch Person {i}")}))
        .collect();
    let (_, mut run) = plan(Value::Array(people));
    let mut sizes = Vec::new();
    loop {
        let rs = run.next(0);
        if rs.is_empty() {
            break;
        }
        for r in rs {
            let n = body(&r)["Contacts"].as_array().unwrap().len();
            sizes.push(n);
            let els: Vec<Value> = body(&r)["Contacts"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, el)| {
                    json!({"ContactID": format!("00000000-0000-4000-8000-{:012}", sizes.len() * 100 + i),
                           "Name": el["Name"], "StatusAttributeString": "OK"})
                })
                .collect();
            run.handle(&r.id, &answer(200, json!({ "Contacts": els })), 1)
                .unwrap();
        }
    }
    assert_eq!(sizes, [50, 50, 20]);
    assert!(run
        .people()
        .iter()
        .all(|p| p.status == PersonStatus::Created));
}

#[test]
fn a_misspelt_work_key_names_people() {
    let e = read_work(r#"{"peopel": []}"#).unwrap();
    let ex = exporter(snapshot(), settings());
    let err = ex.plan_work(&e, &options()).err().unwrap();
    assert!(err.to_string().contains("people"), "{err}");
}

#[test]
fn a_rename_sends_the_name_alone_and_two_new_people_never_share_a_name() {
    let (_, mut run) = plan(json!([
        {"kind": "client", "id": "acme", "accountNumber": "ACME-1", "name": "Acme Recruiting Ltd"},
        {"kind": "member", "id": "n1", "name": "Wiremu Tane"},
        {"kind": "member", "id": "n2", "name": "wiremu  tane"},
        {"kind": "member", "id": "n3", "contactId": KATHERINE, "name": "Wiremu Tane"}
    ]));
    let people: Vec<(PersonStatus, Vec<String>)> = run.people().iter().map(status_codes).collect();
    assert_eq!(
        people,
        [
            (PersonStatus::Pending, vec![]),
            (PersonStatus::Pending, vec![]),
            (
                PersonStatus::Failed,
                vec!["CONTACT_NAME_TAKEN@people[2].name".into()]
            ),
            (
                PersonStatus::Failed,
                vec!["CONTACT_NAME_TAKEN@people[3].name".into()]
            ),
        ]
    );
    let sent = run.next(0);
    assert_eq!(
        body(&sent[1]),
        json!({"Contacts": [{"ContactID": "8ff1f25b-89ab-4076-9510-9baf2fd1f7af", "Name": "Acme Recruiting Ltd"}]})
    );
}

/// The bodies the run sends for people, one line each: PUT /Contacts (every field a person can
/// have) and POST /Contacts (an update of every kind of field). Pinned in
/// tests/golden/people.jsonl (UPDATE_GOLDEN=1 rewrites it after review), validated against the
/// closed OpenAPI schemas and xero-node's serializer by tests/js/people-sync.test.mjs.
#[test]
fn golden_people_bodies() {
    let (_, mut run) = plan(json!([
        {"kind": "member", "id": "m-42", "name": "Aroha Ngata", "firstName": "Aroha", "lastName": "Ngata",
         "email": "aroha@example.com", "contactNumber": "M-42", "accountNumber": "ACC-42", "taxNumber": "123-456-789",
         "paymentTerms": {"sales": {"day": 20, "type": "OFFOLLOWINGMONTH"}, "bills": {"day": 14, "type": "DAYSAFTERBILLDATE"}},
         "address": {"type": "POBOX", "lines": ["PO Box 12"], "city": "Wellington", "region": "Wellington", "postalCode": "6140", "country": "New Zealand", "attentionTo": "Aroha"},
         "phone": {"type": "MOBILE", "number": "555 0101", "areaCode": "021", "countryCode": "64"}},
        {"kind": "client", "id": "acme", "accountNumber": "ACME-1", "name": "Acme Recruiting Ltd",
         "firstName": "Ana", "lastName": "Smith", "email": "ap@acme.example", "contactNumber": "C-ACME", "taxNumber": "GB123456789",
         "paymentTerms": {"sales": {"day": 7, "type": "DAYSAFTERBILLMONTH"}},
         "address": {"lines": ["2 Quay St", "Level 3"], "city": "Auckland", "postalCode": "1010"},
         "phone": {"type": "DEFAULT", "number": "555 0202", "areaCode": "09"}}
    ]));
    let sent = run.next(0);
    assert_eq!(paths(&sent).len(), 2);
    let text: String = sent
        .iter()
        .map(|r| format!("{}\n", r.body.as_deref().unwrap()))
        .collect();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/people.jsonl");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        golden, text,
        "tests/golden/people.jsonl changed; review, then UPDATE_GOLDEN=1"
    );
}

#[test]
fn a_tax_number_is_compared_and_sent_alone_when_it_changed() {
    let (_, mut same) =
        plan(json!([{"id": "kat", "contactId": KATHERINE, "taxNumber": " 111-222-333"}]));
    assert_eq!(same.people()[0].status, PersonStatus::Unchanged);
    assert!(same.next(0).is_empty());
    let (_, mut changed) =
        plan(json!([{"id": "kat", "contactId": KATHERINE, "taxNumber": "111-222-334"}]));
    assert_eq!(changed.people()[0].changed, ["taxNumber"]);
    let sent = changed.next(0);
    assert_eq!(
        body(&sent[0]),
        json!({"Contacts": [{"ContactID": KATHERINE, "TaxNumber": "111-222-334"}]})
    );
    let (_, long) =
        plan(json!([{"id": "kat", "contactId": KATHERINE, "taxNumber": "9".repeat(51)}]));
    let (status, errors) = status_codes(&long.people()[0]);
    assert_eq!(
        (status, errors),
        (
            PersonStatus::Failed,
            vec!["TOO_LONG@people[0].taxNumber".to_owned()]
        )
    );
}

#[test]
fn payment_terms_are_compared_per_side_and_xeros_other_side_goes_with_a_change() {
    let (_, mut same) = plan(json!([{"id": "kat", "contactId": KATHERINE,
        "paymentTerms": {"sales": {"day": 20, "type": "offfollowingmonth"}}}]));
    // (a misspelt type is an error, not a guess)
    assert_eq!(
        status_codes(&same.people()[0]),
        (
            PersonStatus::Failed,
            vec!["SETTINGS_INVALID@people[0].paymentTerms.sales".to_owned()]
        )
    );
    assert!(same.next(0).is_empty());
    let (_, mut same) = plan(json!([{"id": "kat", "contactId": KATHERINE,
        "paymentTerms": {"sales": {"day": 20, "type": "OFFOLLOWINGMONTH"}}}]));
    assert_eq!(same.people()[0].status, PersonStatus::Unchanged);
    assert!(same.next(0).is_empty());
    let (_, mut changed) = plan(json!([{"id": "kat", "contactId": KATHERINE,
        "paymentTerms": {"sales": {"day": 25, "type": "OFFOLLOWINGMONTH"}}}]));
    assert_eq!(changed.people()[0].changed, ["paymentTerms"]);
    assert_eq!(
        body(&changed.next(0)[0]),
        json!({"Contacts": [{"ContactID": KATHERINE, "PaymentTerms": {
            "Bills": {"Day": 10, "Type": "DAYSAFTERBILLDATE"},
            "Sales": {"Day": 25, "Type": "OFFOLLOWINGMONTH"}}}]})
    );
    let (_, bad) = plan(json!([{"id": "kat", "contactId": KATHERINE,
        "paymentTerms": {"bills": {"day": 32, "type": "OFCURRENTMONTH"}}}]));
    assert_eq!(
        status_codes(&bad.people()[0]),
        (
            PersonStatus::Failed,
            vec!["SETTINGS_INVALID@people[0].paymentTerms.bills.day".to_owned()]
        )
    );
}

/// A changed address or phone keeps Xero's fields of that element that the person does not
/// give: they are not compared (a person without a postal code is "unchanged" against Xero's
/// 1010), so they are not the host's to clear either. Xero holds one address per type, so an
/// element sent without them would lose them whichever way Xero reads the list.
#[test]
fn a_changed_address_keeps_the_fields_the_person_does_not_give() {
    let (_, mut run) = plan(json!([
        {"id": "tui", "contactId": TUI, "address": {"lines": ["2 Queen St"], "city": "Auckland"}}
    ]));
    assert_eq!(run.people()[0].changed, ["address"]);
    let sent = run.next(0);
    assert_eq!(
        body(&sent[0])["Contacts"][0]["Addresses"][0],
        json!({"AddressType": "STREET", "AddressLine1": "2 Queen St", "City": "Auckland", "PostalCode": "1010"})
    );
}
