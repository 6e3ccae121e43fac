//! `exporter.importContacts(pages, people)`: Xero's contacts → the host's people. Tables: each
//! matching rule, new, ambiguous (both ways), paged input with overlapping pages, xero-node's
//! camelCase objects, flags and status kept, misuse thrown.
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

fn import(settings: Value, pages: Value, people: Value) -> Value {
    let ex = exporter(sample_snapshot(), settings);
    let out = ex
        .import_contacts(&pages.to_string(), &people.to_string())
        .unwrap();
    serde_json::to_value(out).unwrap()
}

fn contact(id: &str, extra: Value) -> Value {
    let mut c =
        json!({"ContactID": id, "Name": format!("Contact {id}"), "ContactStatus": "ACTIVE"});
    for (k, v) in extra.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

/// "status person matchedBy" of each contact, in order.
fn outcomes(out: &Value) -> Vec<String> {
    out["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {}",
                c["status"].as_str().unwrap(),
                c["person"],
                c["matchedBy"].as_str().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn each_rule_matches_in_order() {
    // (what, settings, the contact's extra fields, the person, expected)
    let rows: Vec<(&str, Value, Value, Value, &str)> = vec![
        (
            "contactId",
            json!({}),
            json!({}),
            json!({"id": "m1", "contactId": "C1", "name": "Someone else"}),
            "matched 0 contactId",
        ),
        (
            "contactId in other case",
            json!({}),
            json!({}),
            json!({"contactId": "c1"}),
            "matched 0 contactId",
        ),
        (
            "mapping",
            json!({"contacts": {"mapping": {"member:m1": "C1"}}}),
            json!({}),
            json!({"kind": "member", "id": "m1"}),
            "matched 0 mapping",
        ),
        (
            "contact number",
            json!({}),
            json!({"ContactNumber": "M-001"}),
            json!({"contactNumber": " m-001 "}),
            "matched 0 contactNumber",
        ),
        (
            "number from id",
            json!({"contacts": {"contactNumberFromId": true}}),
            json!({"ContactNumber": "m1"}),
            json!({"id": "m1"}),
            "matched 0 contactNumber",
        ),
        (
            "account number",
            json!({}),
            json!({"AccountNumber": "ACC-9"}),
            json!({"accountNumber": "acc-9"}),
            "matched 0 accountNumber",
        ),
        (
            "email, case and spaces",
            json!({}),
            json!({"EmailAddress": "Ana@Example.com"}),
            json!({"email": " ana@example.com"}),
            "matched 0 email",
        ),
        (
            "name",
            json!({}),
            json!({"Name": "Ana  Silva"}),
            json!({"name": "ana silva"}),
            "matched 0 name",
        ),
        (
            "first and last name",
            json!({}),
            json!({"Name": "Ana Silva"}),
            json!({"firstName": "Ana", "lastName": "Silva"}),
            "matched 0 name",
        ),
        (
            "accents matter",
            json!({}),
            json!({"Name": "José"}),
            json!({"name": "Jose"}),
            "new null -",
        ),
        (
            "same name, other email",
            json!({}),
            json!({"Name": "Ana", "EmailAddress": "a@x.io"}),
            json!({"name": "Ana", "email": "b@x.io"}),
            "new null -",
        ),
        (
            "same name, linked elsewhere",
            json!({}),
            json!({"Name": "Ana"}),
            json!({"name": "Ana", "contactId": "C9"}),
            "new null -",
        ),
        (
            "nothing",
            json!({}),
            json!({"Name": "Ana"}),
            json!({"name": "Bea"}),
            "new null -",
        ),
    ];
    for (what, settings, extra, person, want) in rows {
        let out = import(
            settings,
            json!([{"Contacts": [contact("C1", extra)]}]),
            json!([person]),
        );
        assert_eq!(outcomes(&out), vec![want.to_owned()], "{what}");
    }
}

#[test]
fn a_stronger_rule_wins_over_all_contacts() {
    // Contact C2 has the person's name, but C1 is linked by id: C1 gets the person, C2 is new.
    let pages = json!([[
        contact("C2", json!({"Name": "Ana"})),
        contact("C1", json!({"Name": "Ana B"}))
    ]]);
    let out = import(
        json!({}),
        pages,
        json!([{"id": "m1", "name": "Ana", "contactId": "C1"}]),
    );
    assert_eq!(outcomes(&out), ["new null -", "matched 0 contactId"]);
    assert_eq!(out["contacts"][1]["personId"], "m1");
    assert_eq!(out["contacts"][1]["differs"], json!(["name"]));
    assert_eq!(out["peopleNotInXero"], json!([]));
}

/// `differs` says what `syncContacts` would send: a name that differs only in case ("tui
/// contractor" against Xero's "Tui Contractor") is sent as a rename by the sync, so the import
/// says it differs. Before, the import compared as Xero compares names (case-insensitively)
/// and said nothing, then the sync renamed the contact.
#[test]
fn differs_is_what_a_sync_would_send() {
    let pages = json!([[contact(
        "C1",
        json!({"Name": "Tui Contractor", "EmailAddress": "Tui@Example.com"})
    )]]);
    let out = import(
        json!({}),
        pages,
        json!([{"id": "m1", "name": "tui contractor", "email": "tui@example.com", "contactId": "C1"}]),
    );
    assert_eq!(outcomes(&out), ["matched 0 contactId"]);
    assert_eq!(out["contacts"][0]["differs"], json!(["name", "email"]));
    // Surrounding spaces are not a difference (neither side sends them).
    let pages = json!([[contact("C1", json!({"Name": "Tui Contractor "}))]]);
    let out = import(
        json!({}),
        pages,
        json!([{"id": "m1", "name": " Tui Contractor", "contactId": "C1"}]),
    );
    assert_eq!(out["contacts"][0]["differs"], Value::Null);
}

#[test]
fn ambiguity_either_way_is_reported_never_guessed() {
    // Two people with the contact's email.
    let out = import(
        json!({}),
        json!([contact("C1", json!({"EmailAddress": "x@y.z"}))]),
        json!([{"id": "a", "email": "x@y.z"}, {"id": "b", "email": "X@Y.Z"}, {"id": "c", "name": "Carl"}]),
    );
    assert_eq!(out["contacts"][0]["status"], "ambiguous");
    assert_eq!(out["contacts"][0]["candidates"], json!([0, 1]));
    assert_eq!(out["issues"][0]["code"], "CONTACT_IMPORT_AMBIGUOUS");
    assert_eq!(out["issues"][0]["path"], "pages[0]");
    assert!(out["issues"][0]["message"]
        .as_str()
        .unwrap()
        .contains("people[0] (a) or people[1] (b)"));
    // The candidates may be in Xero: only Carl is not.
    assert_eq!(out["peopleNotInXero"], json!([2]));
    // Two contacts with one person's name: neither is linked.
    let out = import(
        json!({}),
        json!({"Contacts": [contact("C1", json!({"Name": "Ana"})), contact("C2", json!({"Name": "ana"}))]}),
        json!([{"id": "a", "name": "Ana"}]),
    );
    assert_eq!(outcomes(&out), ["ambiguous null -", "ambiguous null -"]);
    assert_eq!(out["contacts"][1]["candidates"], json!([0]));
    assert_eq!(out["issues"][1]["path"], "pages.Contacts[1]");
    assert_eq!(out["summary"]["ambiguous"], 2);
}

#[test]
fn pages_overlap_and_the_later_copy_wins() {
    let pages = json!([
        {"Contacts": [contact("C1", json!({"Name": "Old name"})), contact("C2", json!({}))]},
        {"Contacts": [contact("c1", json!({"Name": "New name"})), {"Name": "No id"}]}
    ]);
    let out = import(json!({}), pages, json!(null));
    assert_eq!(
        out["summary"],
        json!({"contacts": 2, "matched": 0, "new": 2, "ambiguous": 0, "duplicates": 1})
    );
    assert_eq!(out["contacts"][0]["path"], "pages[0].Contacts[0]");
    assert_eq!(out["contacts"][0]["fields"]["name"], "New name");
    assert_eq!(out["issues"][0]["code"], "CONTACT_IMPORT_NO_ID");
    assert_eq!(out["issues"][0]["path"], "pages[1].Contacts[1]");
}

#[test]
fn pages_out_of_order_keep_the_newest_copy() {
    // Pages fetched at once and kept in the order they came back: the copy on the later page
    // (edited while paging) is handed in first. Xero's UpdatedDateUTC says which is newer.
    let raw = json!([
        {"Contacts": [contact("C1", json!({"Name": "New name", "UpdatedDateUTC": "/Date(1700000500000+0000)/"}))]},
        {"Contacts": [contact("C1", json!({"Name": "Old name", "UpdatedDateUTC": "/Date(1700000000000+0000)/"})), contact("C2", json!({}))]}
    ]);
    let out = import(json!({}), raw, json!(null));
    assert_eq!(out["summary"]["duplicates"], 1);
    assert_eq!(out["contacts"][0]["path"], "pages[0].Contacts[0]");
    assert_eq!(out["contacts"][0]["fields"]["name"], "New name");
    // xero-node's Dates arrive as ISO text.
    let node = json!([
        {"contacts": [{"contactID": "C1", "name": "New name", "updatedDateUTC": "2023-11-14T22:21:40.000Z"}]},
        {"contacts": [{"contactID": "C1", "name": "Old name", "updatedDateUTC": "2023-11-14T22:13:20.000Z"}]}
    ]);
    let out = import(json!({}), node, json!(null));
    assert_eq!(out["contacts"][0]["fields"]["name"], "New name");
    // In order, the later (newer) copy still wins.
    let ordered = json!([
        {"Contacts": [contact("C1", json!({"Name": "Old name", "UpdatedDateUTC": "/Date(1700000000000+0000)/"}))]},
        {"Contacts": [contact("C1", json!({"Name": "New name", "UpdatedDateUTC": "/Date(1700000500000+0000)/"}))]}
    ]);
    let out = import(json!({}), ordered, json!(null));
    assert_eq!(out["contacts"][0]["fields"]["name"], "New name");
}

#[test]
fn xero_node_objects_read_like_raw_bodies() {
    let raw = json!({"Contacts": [{
        "ContactID": "C1", "Name": "Ana Silva", "FirstName": "Ana", "LastName": "Silva",
        "EmailAddress": "ana@x.io", "ContactNumber": "M-1", "AccountNumber": "A-1",
        "ContactStatus": "ARCHIVED", "IsSupplier": true, "IsCustomer": false, "TaxNumber": "12-345",
        "Addresses": [{"AddressType": "POBOX"}, {"AddressType": "STREET", "AddressLine1": "1 Main St", "City": "Wellington", "PostalCode": "6011", "Country": "NZ"}],
        "Phones": [{"PhoneType": "DDI", "PhoneNumber": "111"}, {"PhoneType": "MOBILE", "PhoneNumber": "222", "PhoneAreaCode": "021"}],
        "UpdatedDateUTC": "/Date(1700000000000+0000)/"
    }]});
    let node = json!({"contacts": [{
        "contactID": "C1", "name": "Ana Silva", "firstName": "Ana", "lastName": "Silva",
        "emailAddress": "ana@x.io", "contactNumber": "M-1", "accountNumber": "A-1",
        "contactStatus": "ARCHIVED", "isSupplier": true, "isCustomer": false, "taxNumber": "12-345",
        "addresses": [{"addressType": "POBOX"}, {"addressType": "STREET", "addressLine1": "1 Main St", "city": "Wellington", "postalCode": "6011", "country": "NZ"}],
        "phones": [{"phoneType": "DDI", "phoneNumber": "111"}, {"phoneType": "MOBILE", "phoneNumber": "222", "phoneAreaCode": "021"}],
        "updatedDateUTC": "2023-11-14T22:13:20.000Z", "contactGroups": null, "balances": null
    }]});
    let people = json!([{"id": "m1", "email": "ANA@x.io"}]);
    let a = import(json!({}), json!([raw]), people.clone());
    let b = import(json!({}), json!([node]), people);
    let strip = |mut v: Value| {
        for c in v["contacts"].as_array_mut().unwrap() {
            c.as_object_mut().unwrap().remove("path");
        }
        v
    };
    assert_eq!(strip(a.clone()), strip(b));
    let c = &a["contacts"][0];
    assert_eq!(c["status"], "matched");
    assert_eq!(c["matchedBy"], "email");
    assert_eq!(c["contactStatus"], "ARCHIVED");
    assert_eq!(c["isSupplier"], true);
    assert_eq!(c["isCustomer"], false);
    assert_eq!(c["taxNumber"], "12-345");
    assert_eq!(
        c["fields"],
        json!({"name": "Ana Silva", "firstName": "Ana", "lastName": "Silva", "email": "ana@x.io",
               "contactNumber": "M-1", "accountNumber": "A-1", "contactId": "C1", "taxNumber": "12-345",
               "address": {"type": "STREET", "lines": ["1 Main St"], "city": "Wellington", "postalCode": "6011", "country": "NZ"},
               "phone": {"type": "MOBILE", "number": "222", "areaCode": "021"}})
    );
    assert_eq!(
        c["differs"],
        // ("ANA@x.io" against "ana@x.io": a sync would send the person's spelling.)
        json!([
            "name",
            "firstName",
            "lastName",
            "email",
            "contactNumber",
            "accountNumber"
        ])
    );
}

#[test]
fn unknown_person_keys_are_reported_with_a_did_you_mean() {
    let out = import(
        json!({}),
        json!([]),
        json!([{"id": "m1", "emial": "a@b.c"}]),
    );
    assert_eq!(out["issues"][0]["code"], "FIELD_UNKNOWN");
    assert_eq!(out["issues"][0]["severity"], "warning");
    assert_eq!(out["issues"][0]["path"], "people[0].emial");
    assert!(out["issues"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"email\""));
    let out = import(
        json!({"unknownFields": "error"}),
        json!([]),
        json!([{"emial": "a@b.c"}]),
    );
    assert_eq!(out["issues"][0]["severity"], "error");
}

#[test]
fn misfits_are_misuse_said_at_their_path() {
    let ex = exporter(sample_snapshot(), json!({}));
    let rows: [(&str, &str, &str, &str); 6] = [
        ("5", "[]", "INVALID_INPUT", "pages"),
        (
            r#"[{"Contacts": 3}]"#,
            "[]",
            "INVALID_INPUT",
            "pages[0].Contacts",
        ),
        (
            r#"[[{"ContactID": "C", "IsSupplier": "yes"}]]"#,
            "[]",
            "INVALID_INPUT",
            "pages[0][0]",
        ),
        ("[", "[]", "INVALID_JSON", "pages"),
        ("[]", r#"[{"name": 5}]"#, "INVALID_INPUT", "people[0].name"),
        ("[]", "{", "INVALID_JSON", "people"),
    ];
    for (pages, people, code, at) in rows {
        let e = ex.import_contacts(pages, people).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.argument.as_str()),
            (code, at),
            "{pages} {people}"
        );
    }
}

#[test]
fn a_body_that_is_not_contacts_is_misuse_not_a_contact_without_id() {
    // Another GET's body, an error body, or xero-node's whole result instead of its `body`
    // held no contact: read as one contact without a ContactID, the import said only
    // CONTACT_IMPORT_NO_ID and every contact of that page was lost.
    let ex = exporter(sample_snapshot(), json!({}));
    let rows: [(&str, &str); 4] = [
        (r#"[{"Invoices": [{"InvoiceID": "x"}]}]"#, "pages[0]"),
        (
            r#"[{"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": "AuthenticationUnsuccessful"}]"#,
            "pages[0]",
        ),
        (
            r#"{"response": {"statusCode": 200}, "body": {"contacts": [{"contactID": "C1"}]}}"#,
            "pages",
        ),
        (
            r#"[[{"ContactID": "C1"}, {"ErrorNumber": 10}]]"#,
            "pages[0][1]",
        ),
    ];
    for (pages, at) in rows {
        let e = ex.import_contacts(pages, "[]").unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.argument.as_str()),
            ("INVALID_INPUT", at),
            "{pages}"
        );
    }
    let e = ex.import_contacts(rows[2].0, "[]").unwrap_err().message;
    assert!(e.contains("response.body"), "{e}");
    // A contact without a ContactID is still a contact: a warning, not misuse.
    let out = import(json!({}), json!([{"Name": "No id"}]), json!([]));
    assert_eq!(out["issues"][0]["code"], "CONTACT_IMPORT_NO_ID");
}

#[test]
fn output_is_deterministic() {
    let pages = json!([[
        contact("C2", json!({"Name": "B"})),
        contact("C1", json!({"Name": "A"}))
    ]]);
    let people = json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]);
    let a = import(json!({}), pages.clone(), people.clone());
    let b = import(json!({}), pages, people);
    assert_eq!(a.to_string(), b.to_string());
    assert_eq!(outcomes(&a), ["matched 1 name", "matched 0 name"]);
    assert_eq!(a["peopleNotInXero"], json!([2]));
}

#[test]
fn an_active_contact_wins_over_its_archived_namesakes() {
    // Xero's names are unique among active contacts only: a contact archived and made again
    // under the same name is the common case with includeArchived=true. As for payers, the one
    // ACTIVE contact is the person; the archived one is history (new, flagged by its status).
    let pages = json!([{"Contacts": [
        contact("C1", json!({"Name": "Ann Lee", "ContactStatus": "ARCHIVED"})),
        contact("C2", json!({"Name": "ann lee"}))
    ]}]);
    let out = import(json!({}), pages, json!([{"id": "m1", "name": "Ann Lee"}]));
    assert_eq!(outcomes(&out), ["new null -", "matched 0 name"]);
    assert_eq!(out["contacts"][0]["contactStatus"], "ARCHIVED");
    assert_eq!(out["issues"], json!([]));
    // Two active namesakes stay ambiguous, with or without an archived one.
    let pages = json!([{"Contacts": [
        contact("C1", json!({"Name": "Ann Lee", "ContactStatus": "ARCHIVED"})),
        contact("C2", json!({"Name": "Ann Lee"})),
        contact("C3", json!({"Name": "Ann Lee"}))
    ]}]);
    let out = import(json!({}), pages, json!([{"id": "m1", "name": "Ann Lee"}]));
    assert_eq!(out["summary"]["matched"], 0);
    assert_eq!(out["summary"]["ambiguous"], 3);
}
