//! Contact resolution: each rule and each outcome, a batch where 5 invoices share 2 new payers,
//! name collisions with an archived and an active contact, email case, an insurer payer, and the
//! Contact payloads' limits.
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
use xero_export::xero::responses::HttpResponse;

fn settings(extra: Value) -> Value {
    let mut s = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn with_payer(payer: Value) -> Value {
    json!([{"id": "i1", "date": "2024-01-15", "payer": payer, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]}])
}

/// (what, contact settings, payer, expected: rule name / "create:Name" / error code)
fn rows() -> Vec<(&'static str, Value, Value, &'static str)> {
    vec![
        (
            "linked ContactID wins over everything",
            json!({}),
            json!({"contactId": KATHERINE, "name": "Sam Jones", "contactNumber": "P-200"}),
            "contactId",
        ),
        (
            "mapping kind:id",
            json!({"mapping": {"patient:p9": "a113b47d-abcd-4298-b732-bdc14bf3b9c1"}}),
            json!({"kind": "patient", "id": "p9", "name": "Someone Else"}),
            "mapping",
        ),
        (
            "mapping beats number",
            json!({"mapping": {"patient:p9": "a113b47d-abcd-4298-b732-bdc14bf3b9c1"}}),
            json!({"kind": "patient", "id": "p9", "contactNumber": "P-100"}),
            "mapping",
        ),
        (
            "contact number",
            json!({}),
            json!({"kind": "patient", "id": "x", "contactNumber": "p-100"}),
            "contactNumber",
        ),
        (
            "contact number from host id",
            json!({"contactNumberFromId": true}),
            json!({"kind": "patient", "id": "P-200"}),
            "contactNumber",
        ),
        (
            "account number",
            json!({}),
            json!({"kind": "thirdParty", "id": "ins", "accountNumber": "INS-7"}),
            "accountNumber",
        ),
        (
            "email, case-insensitive",
            json!({}),
            json!({"kind": "patient", "id": "x", "email": "  Kat.Warren@CLAMPETT.com "}),
            "email",
        ),
        (
            "exact name, as Xero compares",
            json!({}),
            json!({"kind": "patient", "id": "x", "name": "  katherine   WARREN"}),
            "name",
        ),
        (
            "first + last name",
            json!({}),
            json!({"kind": "patient", "id": "x", "firstName": "Sam", "lastName": "Jones"}),
            "name",
        ),
        (
            "a namesake with another email is another person",
            json!({"onMissing": "create"}),
            json!({"kind": "patient", "id": "x", "name": "Katherine Warren", "email": "kw@elsewhere.example"}),
            "create:Katherine Warren (x)",
        ),
        (
            "archived match is an error",
            json!({}),
            json!({"kind": "patient", "id": "x", "email": "old@example.com"}),
            "CONTACT_ARCHIVED",
        ),
        (
            "archived linked id is an error",
            json!({}),
            json!({"contactId": "7ee0e14a-789a-4f65-8409-8a9e1ec0e69e"}),
            "CONTACT_ARCHIVED",
        ),
        (
            "two active matches: ambiguity, not a guess",
            json!({}),
            json!({"kind": "company", "id": "x", "name": "HARBOUR DENTAL"}),
            "CONTACT_AMBIGUOUS",
        ),
        (
            "no match, settings error",
            json!({}),
            json!({"kind": "patient", "id": "x", "name": "New Person"}),
            "CONTACT_NOT_FOUND",
        ),
        (
            "no match, settings create",
            json!({"onMissing": "create"}),
            json!({"kind": "patient", "id": "x", "name": "New Person"}),
            "create:New Person",
        ),
        (
            "no match and no name",
            json!({"onMissing": "create"}),
            json!({"kind": "patient", "id": "x"}),
            "CONTACT_NOT_FOUND",
        ),
        (
            "accents are significant",
            json!({"onMissing": "create"}),
            json!({"kind": "patient", "id": "x", "name": "Kathérine Warren"}),
            "create:Kathérine Warren",
        ),
    ]
}

#[test]
fn rule_and_outcome_table() {
    for (what, contacts, payer, want) in rows() {
        let p = preview(
            sample_snapshot(),
            settings(json!({"contacts": contacts})),
            with_payer(payer),
        );
        let d = &json_of(&p)["documents"][0];
        let got = match d["contact"]["status"].as_str().unwrap() {
            "existing" => d["contact"]["matchedBy"].as_str().unwrap().to_owned(),
            "create" => format!("create:{}", d["contact"]["name"].as_str().unwrap()),
            _ => d["issues"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["severity"] == "error")
                .map(|i| i["code"].as_str().unwrap().to_owned())
                .unwrap_or_default(),
        };
        assert_eq!(got, want, "{what}: {}", d["issues"]);
    }
}

#[test]
fn five_invoices_two_new_payers_two_contacts() {
    let inv = |id: &str, payer: &str, name: &str| json!({"id": id, "date": "2024-01-15", "payer": {"kind": "patient", "id": payer, "name": name, "email": format!("{payer}@example.com")}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]});
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        json!([
            inv("a", "p1", "Aroha Ngata"),
            inv("b", "p2", "Ben Ngata"),
            inv("c", "p1", "Aroha Ngata"),
            inv("d", "p2", "Ben Ngata"),
            inv("e", "p1", "Aroha Ngata")
        ]),
    );
    assert_eq!(p.contacts.len(), 2);
    let planned: Vec<(String, Vec<String>)> = p
        .contacts
        .iter()
        .map(|c| (c.contact.name.clone(), c.invoices.clone()))
        .collect();
    assert_eq!(
        planned,
        [
            (
                "Aroha Ngata".into(),
                vec!["a".into(), "c".into(), "e".into()]
            ),
            ("Ben Ngata".into(), vec!["b".into(), "d".into()])
        ]
    );
    assert!(
        p.documents.iter().all(|d| !d.blocked && d.body.is_none()),
        "bodies wait for the ContactIDs"
    );
    assert_eq!(p.summary.contacts_to_create, 2);
}

#[test]
fn name_collisions() {
    // With an ACTIVE contact of another identity: a distinct name is derived (or an error).
    let payer =
        json!({"kind": "patient", "id": "p7", "name": "Sam Jones", "contactNumber": "P-777"});
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(payer.clone()),
    );
    assert_eq!(p.contacts[0].contact.name, "Sam Jones (P-777)");
    assert_eq!(
        codes(&p.documents[0].issues),
        [
            "CONTACT_NAME_TAKEN@invoices[0].payer.name",
            "CONTACT_WILL_BE_CREATED@invoices[0].payer"
        ]
    );
    assert!(!p.documents[0].blocked);
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create", "nameCollision": "error"}})),
        with_payer(payer),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        ["CONTACT_NAME_TAKEN@invoices[0].payer.name"]
    );
    assert!(p.documents[0].blocked && p.contacts.is_empty());
    // With an ARCHIVED contact of another identity: Xero's uniqueness is among active contacts,
    // so the name is free.
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(
            json!({"kind": "patient", "id": "p8", "name": "Old Patient", "email": "new@example.com"}),
        ),
    );
    assert_eq!(p.contacts[0].contact.name, "Old Patient");
    // Two new payers with the same name in one batch never collide in Xero.
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        json!([
        {"id": "a", "date": "2024-01-15", "payer": {"kind": "patient", "id": "p1", "name": "Jo Bloggs"}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "1.00"}]},
        {"id": "b", "date": "2024-01-15", "payer": {"kind": "patient", "id": "p2", "name": "Jo Bloggs"}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "1.00"}]}]),
    );
    let names: Vec<&str> = p.contacts.iter().map(|c| c.contact.name.as_str()).collect();
    assert_eq!(names, ["Jo Bloggs", "Jo Bloggs (p2)"]);
}

#[test]
fn insurer_pays_with_its_own_terms() {
    let p = preview(
        sample_snapshot(),
        settings(json!({"status": "AUTHORISED", "dueDate": {"rule": "paymentTerms"}})),
        with_payer(
            json!({"kind": "thirdParty", "id": "southern-cross", "name": "Southern Cross Health Insurance"}),
        ),
    );
    let d = &json_of(&p)["documents"][0];
    assert_eq!(
        d["contact"]["contactId"],
        "6dd9d039-678f-4e54-c398-798d0dbfd58d"
    );
    assert_eq!(
        d["dueDate"], "2024-02-14",
        "the insurer's 30 days, not the organisation's terms"
    );
}

#[test]
fn contact_payload_fields_and_limits() {
    let payer = json!({"kind": "patient", "id": "p1", "name": "N".repeat(256), "contactNumber": "C".repeat(51), "email": "bad@", "accountNumber": "A".repeat(51),
        "address": {"type": "DELIVERY", "lines": ["1", "2", "3", "4", "5"], "postalCode": "P".repeat(51)}, "phone": {"type": "PAGER", "areaCode": "12345678901"}});
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(payer),
    );
    let got = codes(&p.documents[0].issues);
    for want in [
        "TOO_LONG@invoices[0].payer.name",
        "TOO_LONG@invoices[0].payer.contactNumber",
        "TOO_LONG@invoices[0].payer.accountNumber",
        "EMAIL_INVALID@invoices[0].payer.email",
        "SETTINGS_INVALID@invoices[0].payer.address.type",
        "TOO_LONG@invoices[0].payer.address.lines",
        "TOO_LONG@invoices[0].payer.address.postalCode",
        "SETTINGS_INVALID@invoices[0].payer.phone.type",
        "TOO_LONG@invoices[0].payer.phone.areaCode",
    ] {
        assert!(got.contains(&want.to_owned()), "{want} not in {got:?}");
    }
    assert!(
        p.documents[0].blocked,
        "an invalid contact blocks the invoice waiting on it"
    );
}

/// Issue 18 item 2: a payer about to be created whose name is a near miss of an existing
/// contact's is warned about (the contact and the rule named), never merged.
#[test]
fn near_miss_table() {
    // (payer name, expected near-miss contact and rule in the message, or None)
    let rows: [(&str, Option<(&str, &str)>); 7] = [
        (
            "Kathérine Warren",
            Some(("Katherine Warren", "only in accents")),
        ),
        (
            "Katherine-Warren",
            Some(("Katherine Warren", "punctuation or spacing")),
        ),
        (
            "Acme Recruiting Client Limited",
            Some(("Acme Recruiting Client Ltd", "company suffix")),
        ),
        (
            "Acme Recruiting Client",
            Some(("Acme Recruiting Client Ltd", "company suffix")),
        ),
        ("Öld Patient", Some(("Old Patient", "ARCHIVED"))),
        ("Katherine Warrens", None),
        ("Someone New", None),
    ];
    for (name, want) in rows {
        let p = preview(
            sample_snapshot(),
            settings(json!({"contacts": {"onMissing": "create"}})),
            with_payer(json!({"kind": "patient", "id": "p9", "name": name})),
        );
        let d = &p.documents[0];
        assert_eq!(p.contacts[0].contact.name, name, "never merged: {name}");
        let near: Vec<&xero_export::Issue> = d
            .issues
            .iter()
            .filter(|i| i.code == xero_export::IssueCode::ContactNearMiss)
            .collect();
        match want {
            None => assert!(near.is_empty(), "{name}: {near:?}"),
            Some((contact, rule)) => {
                assert_eq!(near.len(), 1, "{name}: {:?}", d.issues);
                let i = near[0];
                assert_eq!(i.severity, xero_export::Severity::Warning);
                assert_eq!(i.path, "invoices[0].payer.name");
                assert!(
                    i.message.contains(&format!("\"{contact}\"")),
                    "{}",
                    i.message
                );
                assert!(i.message.contains(rule), "{}", i.message);
                assert!(i.message.contains("patient:p9"), "{}", i.message);
            }
        }
        assert!(!d.blocked, "a warning only: {name}");
    }
    // A payer that matches by name exactly is no near miss (the namesake "harbour dental" is
    // the same name for Xero, so it is ambiguity, not a near miss).
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(json!({"kind": "patient", "id": "p9", "name": "Katherine Warren"})),
    );
    assert!(codes(&p.documents[0].issues)
        .iter()
        .all(|c| !c.starts_with("CONTACT_NEAR_MISS")));
}

/// A payer whose contact number is an existing contact's, but who is another person (another
/// email), is not matched to that contact (rule 3 skips a contradicted contact), and must not be
/// created with that ContactNumber either: Xero refuses a PUT /Contacts whose ContactNumber
/// matches an existing contact (reference §5: "PUT errors when Name or ContactNumber matches an
/// existing contact", D-CON; "Another contact has this contact number. Please enter a different
/// contact number.", which the reconciliation reads as CONTACT_NAME_TAKEN). Before, the contact
/// was planned with ContactNumber "P-100" (Katherine's) and no issue, so the PUT failed and every invoice waiting on it with it.
#[test]
fn a_new_contact_never_takes_an_existing_contact_number() {
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(json!({"kind": "patient", "id": "p5", "name": "Kate Other",
            "contactNumber": "P-100", "email": "kate.other@example.com"})),
    );
    let d = &p.documents[0];
    assert!(
        codes(&d.issues).contains(&"CONTACT_NAME_TAKEN@invoices[0].payer.contactNumber".to_owned()),
        "{:?}",
        codes(&d.issues)
    );
    assert!(d.blocked && p.contacts.is_empty(), "{:?}", p.contacts);
    // The same with the host id as contact number (contactNumberFromId).
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create", "contactNumberFromId": true}})),
        with_payer(
            json!({"kind": "patient", "id": "P-200", "name": "Samantha Jones",
            "email": "sam.j@example.com"}),
        ),
    );
    // Sam Jones (P-200) has no email: nothing contradicts, so this one matches by number.
    assert_eq!(
        json_of(&p)["documents"][0]["contact"]["matchedBy"],
        "contactNumber"
    );
    // Katherine (P-100) has another email: the number taken is the payer's id, said there.
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create", "contactNumberFromId": true}})),
        with_payer(
            json!({"kind": "patient", "id": "P-100", "name": "Kate Other",
            "email": "kate.other@example.com"}),
        ),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        ["CONTACT_NAME_TAKEN@invoices[0].payer.id"]
    );
    // Two new payers of one batch with one contact number: the second would be refused too.
    let inv = |id: &str, payer: &str, email: &str| {
        json!({"id": id, "date": "2024-01-15",
        "payer": {"kind": "patient", "id": payer, "name": format!("Name {payer}"), "contactNumber": "N-1", "email": email},
        "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]})
    };
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        json!([
            inv("a", "q1", "q1@example.com"),
            inv("b", "q2", "q2@example.com")
        ]),
    );
    assert_eq!(p.contacts.len(), 1, "{:?}", p.contacts);
    assert_eq!(
        codes(&p.documents[1].issues),
        ["CONTACT_NAME_TAKEN@invoices[1].payer.contactNumber"]
    );
}

/// A payer created as a new contact with its own payment terms: the contact Xero will hold has
/// those terms, and "If you've entered default due dates for both organisation and contact,
/// Xero enters the contact due date" (reference §8, H-TERMS), which is the rule the settings'
/// `paymentTerms` follow (README: the contact's, then the organisation's). Before, the due date
/// of an invoice to a contact still to be created came from the organisation's terms (the 20th
/// of the following month), whatever the payer's `paymentTerms` said.
#[test]
fn a_new_contact_due_date_follows_its_own_terms() {
    let p = preview(
        sample_snapshot(),
        settings(
            json!({"status": "AUTHORISED", "dueDate": {"rule": "paymentTerms"},
            "contacts": {"onMissing": "create"}}),
        ),
        with_payer(
            json!({"kind": "thirdParty", "id": "acc", "name": "Accident Compensation",
            "paymentTerms": {"sales": {"day": 7, "type": "DAYSAFTERBILLDATE"}}}),
        ),
    );
    let d = &json_of(&p)["documents"][0];
    assert_eq!(d["contact"]["status"], "create");
    assert_eq!(
        p.contacts[0]
            .contact
            .payment_terms
            .as_ref()
            .unwrap()
            .sales
            .as_ref()
            .unwrap()
            .day,
        7
    );
    assert_eq!(
        d["dueDate"], "2024-01-22",
        "the new contact's 7 days: {}",
        d["issues"]
    );
}

/// Xero's answer to a PUT /Contacts that created contact `id` named `name`.
fn contact_created(id: &str, name: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Default::default(),
        body: Some(
            json!({"Contacts": [{"ContactID": id, "Name": name, "ContactStatus": "ACTIVE"}]}),
        ),
    }
}

/// One plan with invoices and people (`plan({invoices, people})`, a CRM pushing its clients and
/// their invoices): a payer to create that is also a person of the call was planned twice, so
/// two PUT /Contacts of "Ann Lee" went out at once (Xero refuses the second as a taken name, or
/// holds two). Now the person shares the payer's contact; another person creating or renaming
/// onto that name is CONTACT_NAME_TAKEN before anything is sent, as between two people.
#[test]
fn a_payer_that_is_also_a_person_of_the_plan_is_created_once() {
    use xero_export::input::work::read_work;
    use xero_export::people::sync::PersonStatus;
    use xero_export::send::plan::{PlanOptions, Request};
    use xero_export::send::Run;
    let ex = exporter(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
    );
    let plan = |people: Value| -> Run {
        let work = json!({
            "invoices": [{"id": "i1", "number": "N-1", "date": "2024-01-15",
                "payer": {"kind": "client", "id": "c1", "name": "Ann Lee"},
                "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]}],
            "people": people
        });
        let options = PlanOptions {
            tenant_id: "t".into(),
            ..PlanOptions::default()
        };
        ex.plan_work(&read_work(&work.to_string()).unwrap(), &options)
            .unwrap()
    };
    let creates = |rs: &[Request]| -> Vec<String> {
        rs.iter()
            .filter(|r| r.path == "/Contacts")
            .map(|r| format!("{} {}", r.method, r.body.as_deref().unwrap()))
            .collect()
    };
    let mut run = plan(json!([{"kind": "client", "id": "c1", "name": "Ann Lee"}]));
    assert_eq!(run.people()[0].status, PersonStatus::Pending);
    let first = run.next(0);
    assert_eq!(
        creates(&first),
        [r#"PUT {"Contacts":[{"Name":"Ann Lee"}]}"#]
    );
    let id = "0f0e0d0c-0b0a-4909-8807-060504030201";
    let ok = contact_created(id, "Ann Lee");
    run.handle(&first[0].id, &ok, 1).unwrap();
    assert_eq!(run.people()[0].status, PersonStatus::Created);
    assert_eq!(run.people()[0].contact_id.as_deref(), Some(id));
    let docs = run.next(2);
    assert_eq!(docs.len(), 1);
    assert!(docs[0].body.as_deref().unwrap().contains(id));
    // Other people onto the payer's new name: refused before anything is sent.
    let mut run = plan(json!([
        {"kind": "member", "id": "m9", "name": "ann  lee"},
        {"kind": "member", "id": "kat", "contactId": KATHERINE, "name": "Ann Lee"}
    ]));
    for (i, p) in run.people().iter().enumerate() {
        assert_eq!(p.status, PersonStatus::Failed, "people[{i}]");
        assert_eq!(
            codes(&p.issues),
            [format!("CONTACT_NAME_TAKEN@people[{i}].name")]
        );
    }
    assert_eq!(
        creates(&run.next(0)),
        [r#"PUT {"Contacts":[{"Name":"Ann Lee"}]}"#]
    );
}

/// `plan({invoices, people})` with `onMissing: "error"` (the time tracker: contacts come from its
/// members, never from a bill): the new member's contact was created by the run, but the
/// member's own bill, previewed before the people were planned, was CONTACT_NOT_FOUND and never
/// sent. A payer who is one of the plan's people to create now shares that contact; a payer who
/// is not is still CONTACT_NOT_FOUND.
#[test]
fn on_missing_error_lets_a_bill_use_the_contact_its_person_creates_in_the_same_plan() {
    use xero_export::input::work::read_work;
    use xero_export::people::sync::PersonStatus;
    use xero_export::send::plan::PlanOptions;
    use xero_export::send::OutcomeStatus;
    let ex = exporter(
        sample_snapshot(),
        settings(
            json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}, "contacts": {"onMissing": "error"}}),
        ),
    );
    let line = json!([{"description": "8 h", "quantity": 8, "unitAmount": "50.00"}]);
    let work = json!({
        "invoices": [
            {"id": "b1", "number": "B-1", "date": "2024-01-15",
                "payer": {"kind": "member", "id": "m1", "name": "Rangi Parata"}, "lines": line},
            {"id": "b2", "number": "B-2", "date": "2024-01-15",
                "payer": {"kind": "member", "id": "m2", "name": "Not Synced"}, "lines": line}
        ],
        "people": [{"kind": "member", "id": "m1", "name": "Rangi Parata", "email": "rangi@example.com"}]
    });
    let options = PlanOptions {
        tenant_id: "t".into(),
        ..PlanOptions::default()
    };
    let mut run = ex
        .plan_work(&read_work(&work.to_string()).unwrap(), &options)
        .unwrap();
    let outcomes = run.outcomes();
    assert_eq!(
        outcomes[0].status,
        OutcomeStatus::Pending,
        "{:?}",
        outcomes[0].issues
    );
    assert!(
        codes(&outcomes[0].issues).is_empty(),
        "{:?}",
        outcomes[0].issues
    );
    assert_eq!(outcomes[1].status, OutcomeStatus::Blocked);
    assert_eq!(
        codes(&outcomes[1].issues),
        ["CONTACT_NOT_FOUND@invoices[1].payer"]
    );
    let first = run.next(0);
    let puts: Vec<&str> = first
        .iter()
        .filter(|r| r.path == "/Contacts")
        .map(|r| r.body.as_deref().unwrap())
        .collect();
    assert_eq!(
        puts.len(),
        1,
        "one contact for the person and the bill: {puts:?}"
    );
    let id = "0f0e0d0c-0b0a-4909-8807-060504030201";
    let ok = contact_created(id, "Rangi Parata");
    run.handle(&first[0].id, &ok, 1).unwrap();
    assert_eq!(run.people()[0].status, PersonStatus::Created);
    let docs = run.next(2);
    assert_eq!(docs.len(), 1);
    assert!(docs[0].body.as_deref().unwrap().contains(id));
}

/// A name typed on one system and stored by another: "José" precomposed (NFC, U+00E9) and
/// "Jose" + U+0301 (NFD, as macOS file names and some browsers' input give it) are one name,
/// canonically equivalent in Unicode and identical on screen. Before, the payer did not match
/// its contact by name: a second contact was planned under a name identical on screen, with a
/// near-miss warning saying the two "differ only in accents".
/// Payer `name` (contacts created when missing) resolves to contact `id` by its name, and no
/// contact is planned.
fn assert_matched_by_name(snap: &Value, name: &str, id: &str) {
    let p = preview(
        snap.clone(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(json!({"kind": "patient", "id": "p1", "name": name})),
    );
    let d = &json_of(&p)["documents"][0];
    assert_eq!(d["contact"]["contactId"], id, "{name:?}: {}", d["issues"]);
    assert_eq!(d["contact"]["matchedBy"], "name", "{name:?}");
    assert!(p.contacts.is_empty(), "{name:?}: {:?}", p.contacts);
}

#[test]
fn a_name_in_decomposed_unicode_matches_its_precomposed_contact() {
    let mut snap = sample_snapshot();
    snap["contacts"]["Contacts"].as_array_mut().unwrap().extend([
        json!({"ContactID": "d446e7a0-def0-45cb-8a65-e0f47e26ecf4", "Name": "Jose\u{301} Müller", "ContactStatus": "ACTIVE"}),
        json!({"ContactID": "e557f8b1-ef01-46dc-9b76-f1058f37fd05", "Name": "Zoë Łukasz", "ContactStatus": "ACTIVE"}),
    ]);
    for (name, id) in [
        ("José Mu\u{308}ller", "d446e7a0-def0-45cb-8a65-e0f47e26ecf4"),
        ("JOSÉ MÜLLER", "d446e7a0-def0-45cb-8a65-e0f47e26ecf4"),
        ("ZOE\u{308} łukasz", "e557f8b1-ef01-46dc-9b76-f1058f37fd05"),
    ] {
        assert_matched_by_name(&snap, name, id);
    }
}

/// A payer's `contactId` that is not a ContactID (the host's own id put there by mistake):
/// Xero ContactIDs are UUIDs, and a malformed one in a batch is refused by Xero as unreadable
/// post data (reference §6: a malformed GUID is a 400 PostDataInvalidException for the whole
/// request), taking the batch's other invoices with it. `settings.contacts.mapping` already
/// refused such an id; the payer's own link was sent as given with a warning that it "is not
/// in the snapshot". Now it is an error on that invoice, before anything is sent.
#[test]
fn a_linked_contact_id_that_is_no_uuid_is_an_error() {
    for (snapshot, what) in [
        (sample_snapshot(), "with contacts"),
        (
            json!({"organisation": sample_snapshot()["organisation"], "accounts": sample_snapshot()["accounts"], "taxRates": sample_snapshot()["taxRates"], "contacts": {"Contacts": []}}),
            "no contacts yet",
        ),
    ] {
        let p = preview(
            snapshot,
            settings(json!({})),
            with_payer(
                json!({"kind": "patient", "id": "p1", "name": "Katherine Warren", "contactId": "P-100"}),
            ),
        );
        let d = &p.documents[0];
        assert_eq!(
            codes(&d.issues),
            ["CONTACT_NOT_FOUND@invoices[0].payer.contactId"],
            "{what}"
        );
        assert_eq!(d.issues[0].severity, xero_export::Severity::Error, "{what}");
        assert!(
            d.issues[0].message.contains("\"P-100\""),
            "{}",
            d.issues[0].message
        );
        assert!(d.blocked, "{what}");
    }
    // A ContactID in capitals (as some hosts store them) is still one.
    let p = preview(
        sample_snapshot(),
        settings(json!({})),
        with_payer(json!({"contactId": KATHERINE.to_uppercase()})),
    );
    assert_eq!(
        json_of(&p)["documents"][0]["contact"]["contactId"],
        KATHERINE
    );
}

/// Two payers without an id, both new, with one name but another email (or contact or account
/// number): by the matching rules they are two people ("a contact whose number, account number
/// or email differs from the payer's is another person"). Both were keyed by their name alone,
/// so the second invoice was silently put on the first payer's new contact: one person's
/// invoice sent to another. Now the second is an error saying to give payers their ids; a
/// payer without an id that does not contradict the first still shares its contact.
#[test]
fn two_new_payers_without_ids_are_not_merged_when_they_differ() {
    let inv = |id: &str, payer: Value| json!({"id": id, "date": "2024-01-15", "payer": payer, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]});
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        json!([
            inv(
                "a",
                json!({"name": "Jo Bloggs", "email": "jo@one.example", "accountNumber": "A-1"})
            ),
            inv(
                "b",
                json!({"name": "jo  bloggs", "email": "jo@two.example"})
            ),
            inv("c", json!({"name": "Jo Bloggs", "accountNumber": "A-2"})),
            inv("d", json!({"name": "Jo Bloggs"})),
            inv("e", json!({"name": "JO BLOGGS", "email": "JO@one.example"})),
        ]),
    );
    assert_eq!(p.contacts.len(), 1, "{:?}", p.contacts);
    assert_eq!(p.contacts[0].invoices, ["a", "d", "e"]);
    for (i, d) in p.documents.iter().enumerate() {
        let blocked = i == 1 || i == 2;
        assert_eq!(d.blocked, blocked, "invoices[{i}]: {:?}", codes(&d.issues));
        if blocked {
            assert_eq!(
                codes(&d.issues),
                [format!("CONTACT_NAME_TAKEN@invoices[{i}].payer.name")]
            );
            assert!(
                d.issues[0].message.contains("payer.id"),
                "{}",
                d.issues[0].message
            );
        }
    }
}

/// One email shared by a family (or one number by two records): a rule that finds several
/// contacts picks the single ACTIVE one, meant for archived namesakes (the person re-created).
/// But when the payer's own name is that of an archived contact among them, and not the active
/// one's, the payer is the archived contact: the invoice went silently to the other person
/// (Jane's invoice on John's account) instead of CONTACT_ARCHIVED. Among a rule's matches,
/// those that also have the payer's exact name now come first; two ACTIVE ones sharing the
/// email are told apart by it too, instead of CONTACT_AMBIGUOUS.
#[test]
fn a_shared_email_is_told_apart_by_the_payers_name() {
    let contact = |id: &str, name: &str, status: &str| json!({"ContactID": id, "Name": name, "ContactStatus": status, "EmailAddress": "family@example.com"});
    let (john, jane) = (
        "f668a9c2-0012-47ed-8c87-a2169a48ae16",
        "a779bad3-1123-48fe-9d98-b327ab59bf27",
    );
    let run = |jane_status: &str, payer_name: &str| -> Value {
        let mut snap = sample_snapshot();
        snap["contacts"]["Contacts"]
            .as_array_mut()
            .unwrap()
            .extend([
                contact(john, "John Smith", "ACTIVE"),
                contact(jane, "Jane Smith", jane_status),
            ]);
        let p = preview(
            snap,
            settings(json!({})),
            with_payer(
                json!({"kind": "patient", "id": "p1", "name": payer_name, "email": "family@example.com"}),
            ),
        );
        json_of(&p)["documents"][0].clone()
    };
    let d = run("ARCHIVED", "Jane Smith");
    assert_eq!(d["contact"]["status"], "unresolved", "{}", d["contact"]);
    assert_eq!(d["issues"][0]["code"], "CONTACT_ARCHIVED");
    assert!(d["issues"][0]["message"].as_str().unwrap().contains(jane));
    let d = run("ACTIVE", "jane  smith");
    assert_eq!(d["contact"]["contactId"], jane, "{}", d["issues"]);
    assert_eq!(d["contact"]["matchedBy"], "email");
    // No name among them: the single ACTIVE one still wins, two are ambiguity.
    assert_eq!(run("ARCHIVED", "Jo Smith")["contact"]["contactId"], john);
    assert_eq!(
        run("ACTIVE", "Jo Smith")["issues"][0]["code"],
        "CONTACT_AMBIGUOUS"
    );
}

/// Invisible characters: a byte-order mark at the start of a name (the first cell of a CSV
/// export), a zero-width space or a soft hyphen pasted from a web page. The names look the
/// same to everyone, so they are the same name; before, the payer matched no contact and a
/// second one was planned under a name identical on screen.
#[test]
fn invisible_characters_do_not_make_another_name() {
    let mut snap = sample_snapshot();
    snap["contacts"]["Contacts"].as_array_mut().unwrap().push(
        json!({"ContactID": "b88acbe4-2234-490f-8ea9-c438bc6ac038", "Name": "Tama\u{200B} Ngata", "ContactStatus": "ACTIVE"}),
    );
    for (name, id) in [
        ("\u{FEFF}Katherine Warren", KATHERINE),
        ("Kathe\u{AD}rine \u{2060}Warren", KATHERINE),
        ("Katherine \u{200B} Warren", KATHERINE),
        ("Tama Ngata", "b88acbe4-2234-490f-8ea9-c438bc6ac038"),
    ] {
        assert_matched_by_name(&snap, name, id);
    }
    // A name of nothing but them is no name to create a contact with.
    let p = preview(
        snap,
        settings(json!({"contacts": {"onMissing": "create"}})),
        with_payer(json!({"kind": "patient", "id": "p1", "name": "\u{FEFF}\u{200B}"})),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        ["CONTACT_NOT_FOUND@invoices[0].payer.name"]
    );
    assert!(p.contacts.is_empty());
}

/// Contacts read page by page (`GET /Contacts?page=N`, in Xero's order `UpdatedDateUTC ASC`):
/// a contact edited while paging moves to a later page, so the concatenated pages hold it
/// twice. Both copies were indexed: a payer matching it by name met "2 active Xero contacts"
/// with one ContactID twice (CONTACT_AMBIGUOUS), and a link to a contact un-archived between
/// pages read the stale ARCHIVED copy (CONTACT_ARCHIVED). One ContactID is one contact: its
/// newer copy (by UpdatedDateUTC, else the later one), as `importContacts` reads pages.
#[test]
fn a_contact_seen_twice_in_paged_contacts_is_one_contact() {
    let pages = |first: Value, second: Value| {
        let mut snap = sample_snapshot();
        let list = snap["contacts"]["Contacts"].as_array_mut().unwrap();
        list.insert(0, first);
        list.push(second);
        snap
    };
    let copy = |status: &str, email: &str, updated: &str| json!({"ContactID": "d99bcdf5-3345-4a10-9fba-d549cd7bd149", "Name": "Mere Tane", "ContactStatus": status, "EmailAddress": email, "UpdatedDateUTC": updated});
    let resolve = |snap: Value, payer: Value| {
        let p = preview(snap, settings(json!({})), with_payer(payer));
        json_of(&p)["documents"][0].clone()
    };
    // Edited between pages: one contact, the newer email.
    let edited = pages(
        copy("ACTIVE", "mere@old.example", "/Date(1700000000000+0000)/"),
        copy("ACTIVE", "mere@new.example", "/Date(1700000500000+0000)/"),
    );
    let d = resolve(
        edited.clone(),
        json!({"kind": "patient", "id": "p1", "name": "Mere Tane"}),
    );
    assert_eq!(d["contact"]["matchedBy"], "name", "{}", d["issues"]);
    let d = resolve(
        edited,
        json!({"kind": "patient", "id": "p1", "email": "mere@new.example"}),
    );
    assert_eq!(d["contact"]["matchedBy"], "email", "{}", d["issues"]);
    // Un-archived between pages: the link works.
    let d = resolve(
        pages(
            copy("ARCHIVED", "mere@old.example", "/Date(1700000000000+0000)/"),
            copy("ACTIVE", "mere@old.example", "/Date(1700000500000+0000)/"),
        ),
        json!({"contactId": "d99bcdf5-3345-4a10-9fba-d549cd7bd149"}),
    );
    assert_eq!(d["contact"]["status"], "existing", "{}", d["issues"]);
    // Pages handed in the other order: UpdatedDateUTC decides, not the position.
    let d = resolve(
        pages(
            copy("ARCHIVED", "mere@old.example", "/Date(1700000500000+0000)/"),
            copy("ACTIVE", "mere@old.example", "/Date(1700000000000+0000)/"),
        ),
        json!({"contactId": "d99bcdf5-3345-4a10-9fba-d549cd7bd149"}),
    );
    assert_eq!(
        d["issues"][0]["code"], "CONTACT_ARCHIVED",
        "{}",
        d["issues"]
    );
}

/// A clinic's patients and insurers are numbered in separate tables, so patient "100" and
/// insurer "100" are two payers (their mapping keys `patient:100` and `insurer:100` differ).
/// With `contactNumberFromId` both derive ContactNumber "100": before, the insurer matched the
/// patient's Xero contact by that number and its invoice was filed under the patient, silently.
/// Now the payer that comes second in the batch is refused at `payer.id`, saying why.
#[test]
fn payers_of_two_kinds_with_one_id_never_share_a_derived_contact_number() {
    let inv = |id: &str, kind: &str, name: &str| {
        json!({"id": id, "date": "2024-01-15",
        "payer": {"kind": kind, "id": "P-100", "name": name},
        "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]})
    };
    let from_id =
        settings(json!({"contacts": {"onMissing": "create", "contactNumberFromId": true}}));
    let p = preview(
        sample_snapshot(),
        from_id.clone(),
        json!([
            inv("a", "patient", "Katherine Warren"),
            inv("b", "insurer", "Southern Cross"),
            inv("c", "patient", "Katherine Warren")
        ]),
    );
    let j = json_of(&p);
    assert_eq!(j["documents"][0]["contact"]["matchedBy"], "contactNumber");
    assert!(
        p.documents[0].issues.is_empty(),
        "{:?}",
        p.documents[0].issues
    );
    assert_eq!(
        codes(&p.documents[1].issues),
        ["CONTACT_NAME_TAKEN@invoices[1].payer.id"]
    );
    assert!(p.documents[1].blocked);
    let message = &p.documents[1].issues[0].message;
    assert!(message.contains("patient:P-100"), "{message}");
    assert!(message.contains("payer.contactNumber"), "{message}");
    // The same payer again is no collision.
    assert!(
        p.documents[2].issues.is_empty(),
        "{:?}",
        p.documents[2].issues
    );
    // Numbers of their own (or no number from ids) are not derived: nothing to refuse.
    let p = preview(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
        json!([
            inv("a", "patient", "Katherine Warren"),
            inv("b", "insurer", "Southern Cross")
        ]),
    );
    assert!(
        p.documents.iter().all(|d| !d.blocked),
        "{:?}",
        p.documents[1].issues
    );
}

/// The pages themselves as the snapshot's contacts: `[{Contacts: [...]}, {Contacts: [...]}]`,
/// the array the README's import loop builds (and `importContacts` takes). Each page body was
/// read as one blank contact: no contact was known, every payer was planned as a new contact
/// (duplicates in Xero), and nothing was reported.
#[test]
fn contacts_given_as_pages_are_the_pages_contacts() {
    let mut snap = sample_snapshot();
    let all = snap["contacts"]["Contacts"].as_array().unwrap().clone();
    let (first, rest) = all.split_at(3);
    let page =
        |c: &[Value]| json!({"Id": "x", "Status": "OK", "pagination": {"page": 1}, "Contacts": c});
    snap["contacts"] = json!([page(first), page(rest), page(&[])]);
    let p = preview(
        snap,
        settings(json!({})),
        with_payer(json!({"kind": "patient", "id": "P-100", "name": "Katherine Warren"})),
    );
    let d = &json_of(&p)["documents"][0];
    assert_eq!(d["contact"]["status"], "existing", "{}", d["issues"]);
    assert_eq!(d["contact"]["contactId"], KATHERINE, "{}", d["issues"]);
}

/// A payer named by first and last name (no `name`): its near miss, or its name taken by
/// another contact, was reported at `payer.name`, a field the host did not write. The path is
/// now the payer itself.
#[test]
fn a_name_built_from_first_and_last_name_is_reported_at_the_payer() {
    let doc = |payer: Value| {
        let p = preview(
            sample_snapshot(),
            settings(json!({"contacts": {"onMissing": "create"}})),
            with_payer(payer),
        );
        codes(&p.documents[0].issues)
    };
    let near = doc(
        json!({"kind": "patient", "id": "P-1", "firstName": "Kathérine", "lastName": "Warren"}),
    );
    assert!(
        near.contains(&"CONTACT_NEAR_MISS@invoices[0].payer".to_owned()),
        "{near:?}"
    );
    let taken = doc(
        json!({"kind": "patient", "id": "P-2", "firstName": "katherine", "lastName": "warren", "email": "k2@example.com"}),
    );
    assert!(
        taken.contains(&"CONTACT_NAME_TAKEN@invoices[0].payer".to_owned()),
        "{taken:?}"
    );
    // Given as `name`, the path stays the field written.
    let named = doc(json!({"kind": "patient", "id": "P-3", "name": "Kathérine Warren"}));
    assert!(
        named.contains(&"CONTACT_NEAR_MISS@invoices[0].payer.name".to_owned()),
        "{named:?}"
    );
}

/// A CRM that has the run create a company reads the new ContactID from the outcome, to store
/// on the company (and link it as `payer.contactId` next time). Before, it was only in the
/// export log's contact rows: a host reading outcomes re-planned a PUT /Contacts the next day
/// from a snapshot taken before the run. An existing contact's id is there too.
#[test]
fn outcomes_carry_the_contact_id_used_or_created() {
    use xero_export::input::work::read_work;
    use xero_export::send::plan::PlanOptions;
    let ex = exporter(
        sample_snapshot(),
        settings(json!({"contacts": {"onMissing": "create"}})),
    );
    let work = json!({"invoices": [
        {"id": "i1", "number": "N-1", "date": "2024-01-15",
         "payer": {"kind": "company", "id": "c1", "name": "Ann Lee Ltd"},
         "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]},
        {"id": "i2", "number": "N-2", "date": "2024-01-15", "payer": {"contactId": KATHERINE},
         "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]}]});
    let options = PlanOptions {
        tenant_id: "t".into(),
        ..PlanOptions::default()
    };
    let mut run = ex
        .plan_work(&read_work(&work.to_string()).unwrap(), &options)
        .unwrap();
    let ids = |run: &xero_export::send::Run| -> Vec<Option<String>> {
        run.outcomes()
            .iter()
            .map(|o| o.contact_id.clone())
            .collect()
    };
    assert_eq!(ids(&run), [None, Some(KATHERINE.to_owned())]);
    let answer = |body: Value| HttpResponse {
        status: 200,
        headers: Default::default(),
        body: Some(body),
    };
    let first = run.next(0);
    let put = first.iter().find(|r| r.path == "/Contacts").unwrap();
    let id = "0f0e0d0c-0b0a-4909-8807-060504030201";
    let created =
        json!({"Contacts": [{"ContactID": id, "Name": "Ann Lee Ltd", "ContactStatus": "ACTIVE"}]});
    run.handle(&put.id, &answer(created), 1).unwrap();
    assert_eq!(ids(&run), [Some(id.to_owned()), Some(KATHERINE.to_owned())]);
    let serialized = serde_json::to_value(run.outcomes()).unwrap();
    assert_eq!(serialized[0]["contactId"], id);
}
