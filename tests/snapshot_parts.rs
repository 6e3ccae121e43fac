//! Issue 18 item 3: a missing snapshot part is reported (`SNAPSHOT_INVALID` warning naming the
//! part) and the checks that need it are skipped, never turned into errors on the documents.
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

fn without(part: &str) -> Value {
    let mut s = sample_snapshot();
    s.as_object_mut().unwrap().remove(part);
    s
}

fn settings() -> Value {
    let s: Value = serde_json::from_str(&fixture("scenarios/clinic.json")).unwrap();
    s["settings"].clone()
}

/// A foreign-currency invoice with an item, a mapped account, a tax code and tracking: it
/// exercises every part's check.
fn invoice() -> Value {
    json!([{"id": "i", "number": "N-1", "date": "2024-01-15", "currency": "AUD",
        "payer": {"contactId": KATHERINE},
        "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00", "taxCode": "GST",
                   "itemCode": "CONSULT", "clinicianId": "dr-1", "locationId": "north"}]}])
}

const PARTS: [&str; 7] = [
    "organisation",
    "accounts",
    "taxRates",
    "trackingCategories",
    "contacts",
    "items",
    "currencies",
];

#[test]
fn every_missing_part_is_reported_and_its_checks_skipped() {
    for part in PARTS {
        let e = exporter(without(part), settings());
        let p = e.preview(&invoices(invoice()));
        let doc = &p.documents[0];
        assert_eq!(
            codes(e.issues()),
            [format!("SNAPSHOT_INVALID@snapshot.{part}")],
            "{part}"
        );
        assert!(
            !doc.blocked && doc.issues.iter().all(|i| !i.is_error()),
            "{part}: {:?}",
            codes(&doc.issues)
        );
    }
}

#[test]
fn the_whole_snapshot_raises_nothing() {
    let e = exporter(sample_snapshot(), settings());
    assert!(e.issues().is_empty(), "{:?}", codes(e.issues()));
    assert!(!e.preview(&invoices(invoice())).documents[0].blocked);
}

/// Without `/Currencies` a foreign invoice is not blocked (the README's "checks skipped"); a
/// list given without the currency still blocks it: only a missing part skips the check.
#[test]
fn currencies_missing_skips_the_check_but_a_given_list_keeps_it() {
    let p = preview(without("currencies"), settings(), invoice());
    assert!(!codes(&p.documents[0].issues)
        .iter()
        .any(|c| c.starts_with("CURRENCY_NOT_ENABLED")));
    let mut s = sample_snapshot();
    s["currencies"] = json!({"Currencies": [{"Code": "NZD"}]});
    let p = preview(s, settings(), invoice());
    assert!(codes(&p.documents[0].issues)
        .contains(&"CURRENCY_NOT_ENABLED@invoices[0].currency".to_owned()));
}

/// A part given empty is the organisation's truth (no items): an unknown item is still an
/// error; only a part left out skips the check.
#[test]
fn an_empty_part_is_not_a_missing_one() {
    let mut s = sample_snapshot();
    s["items"] = json!({"Items": []});
    let e = exporter(s, settings());
    assert!(e.issues().is_empty());
    let p = e.preview(&invoices(invoice()));
    assert!(codes(&p.documents[0].issues)
        .contains(&"ITEM_NOT_FOUND@invoices[0].lines[0].itemCode".to_owned()));
}

/// Without `/TrackingCategories` tracking goes by the names the settings give, without IDs.
#[test]
fn tracking_without_categories_is_sent_by_name() {
    let p = preview(without("trackingCategories"), settings(), invoice());
    let body: Value = serde_json::from_str(p.documents[0].body.as_deref().unwrap()).unwrap();
    let tracking = &body["Invoices"][0]["LineItems"][0]["Tracking"];
    assert_eq!(
        tracking,
        &json!([{"Name": "Clinician", "Option": "Dr Aroha Smith"}, {"Name": "Location", "Option": "North"}])
    );
}

/// Payments too: without the snapshot's accounts the account paid into is sent as given, not
/// refused as unknown.
#[test]
fn payments_without_accounts_send_the_account_as_given() {
    let work = json!({"payments": [{"id": "p1", "amount": "1.00", "date": "2024-02-01",
        "invoice": {"id": "11111111-1111-4111-8111-111111111111", "amountDue": "10.00", "status": "AUTHORISED"},
        "account": {"code": "091"}}]});
    let work = xero_export::input::work::read_work(&work.to_string()).unwrap();
    let opts = xero_export::send::plan::PlanOptions {
        tenant_id: "t".into(),
        ..Default::default()
    };
    for (snapshot, account) in [
        (without("accounts"), json!({"Code": "091"})),
        (
            sample_snapshot(),
            json!({"AccountID": "ebd06280-af70-4bed-97c6-7451a454ad85"}),
        ),
    ] {
        let mut run = exporter(snapshot, settings())
            .plan_work(&work, &opts)
            .unwrap();
        assert!(
            run.payments()[0].issues.is_empty(),
            "{:?}",
            codes(&run.payments()[0].issues)
        );
        let req = run.next(0).remove(0);
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["Payments"][0]["Account"], account, "{body}");
    }
    // An unknown code is still refused when the accounts are given.
    let bad = xero_export::input::work::read_work(&serde_json::to_string(&json!({"payments": [{"id": "p1", "amount": "1.00", "date": "2024-02-01",
        "invoice": {"id": "11111111-1111-4111-8111-111111111111", "amountDue": "10.00", "status": "AUTHORISED"},
        "account": {"code": "999"}}]})).unwrap()).unwrap();
    let run = exporter(sample_snapshot(), settings())
        .plan_work(&bad, &opts)
        .unwrap();
    assert_eq!(
        codes(&run.payments()[0].issues),
        ["ACCOUNT_UNKNOWN@payments[0].account"]
    );
    let run = exporter(without("accounts"), settings())
        .plan_work(&bad, &opts)
        .unwrap();
    assert!(run.payments()[0].issues.is_empty());
}

/// Without `/Contacts` a payer that would be created could be one already in Xero: matching is
/// skipped, so creation is refused (an error on the payer), while a linked contactId still goes.
#[test]
fn contacts_missing_never_creates_a_contact() {
    let mut s = settings();
    s["contacts"]["onMissing"] = json!("create");
    let e = exporter(without("contacts"), s);
    let mut inv = invoice();
    inv[0]["payer"] = json!({"kind": "patient", "id": "P-9", "name": "Katherine Warren"});
    let p = e.preview(&invoices(inv));
    assert!(p.contacts.is_empty(), "no contact planned");
    assert!(p.documents[0].blocked);
    let errors: Vec<_> = codes(&p.documents[0].issues)
        .into_iter()
        .filter(|c| c.starts_with("CONTACT_NOT_FOUND"))
        .collect();
    assert_eq!(errors, ["CONTACT_NOT_FOUND@invoices[0].payer"]);
    // Linked by id: sent as given.
    let linked = e.preview(&invoices(invoice()));
    assert!(!linked.documents[0].blocked);
}

/// Without `/Items` a line's own `itemCode` is sent as the host wrote it (trimmed), unchecked:
/// it was dropped from the request before (issue 19).
#[test]
fn items_missing_sends_the_item_code_as_given() {
    let p = preview(without("items"), settings(), invoice());
    let body: Value = serde_json::from_str(p.documents[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"][0]["LineItems"][0]["ItemCode"], "CONSULT");
}

/// Regression: a misspelt part (`trackingCategory`) was skipped without a word; only the part
/// meant was reported missing, which names a key the caller did not write. Each key the
/// snapshot does not take is a `FIELD_UNKNOWN` warning at its path with a did-you-mean, and
/// the parts' own keys (aliases included) and Xero's extra fields inside a part are not.
#[test]
fn a_misspelt_part_is_named_with_a_did_you_mean() {
    let mut s = without("trackingCategories");
    let parts = sample_snapshot();
    s["trackingCategory"] = parts["trackingCategories"].clone();
    s["Zebra"] = json!(1);
    s["Accounts"] = s.as_object_mut().unwrap().remove("accounts").unwrap();
    s["items"] = json!({"Items": [], "FieldXeroAddsLater": true});
    let e = exporter(s, settings());
    assert_eq!(
        codes(e.issues()),
        // In the order read (a serde_json Value's keys are sorted).
        [
            "FIELD_UNKNOWN@snapshot.Zebra",
            "FIELD_UNKNOWN@snapshot.trackingCategory",
            "SNAPSHOT_INVALID@snapshot.trackingCategories"
        ]
    );
    let said = &e.issues()[1].message;
    assert!(
        said.contains("did you mean \"trackingCategories\""),
        "{said}"
    );
    assert!(
        e.issues()[0].message.contains("The parts are"),
        "{}",
        e.issues()[0].message
    );
    // A part given twice (under its name and an alias) is refused, not silently taken once.
    let mut twice = sample_snapshot();
    twice["Accounts"] = twice["accounts"].clone();
    let text = serde_json::to_string(&twice).unwrap();
    let err = serde_json::from_str::<xero_export::SnapshotInput>(&text).unwrap_err();
    assert!(
        err.to_string().contains("duplicate field `accounts`"),
        "{err}"
    );
    // An array where the snapshot object belongs is refused, not read part by part.
    let err = serde_json::from_str::<xero_export::SnapshotInput>("[[], []]").unwrap_err();
    assert!(
        err.to_string().contains("expected the snapshot object"),
        "{err}"
    );
}
