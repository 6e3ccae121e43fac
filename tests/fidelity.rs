//! Issue 18 item 6: what the preview and the outcomes say. A document that needs `unitdp=4`
//! says so in its preview; `totalDiscount` as Xero computes it; Xero's returned `Date` and
//! `DueDate` on the outcome, decoded from `/Date(ms+hhmm)/` to the calendar date (the Node
//! side under two time zones is tests/js/dates-tz.test.mjs); CSV issues carry the row's key.
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
use xero_export::send::plan::PlanOptions;
use xero_export::tracking_csv::{validate, Options};
use xero_export::xero::responses::HttpResponse;
use xero_export::Snapshot;

fn base(extra: Value) -> Value {
    let mut s = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}});
    for (k, v) in extra.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

fn doc(settings: Value, line: Value) -> Value {
    json_of(&preview(
        sample_snapshot(),
        base(settings),
        invoice_with_line(line),
    ))["documents"][0]
        .clone()
}

/// (settings, line, unitdp4 in the preview, the request's query has unitdp=4)
#[test]
fn the_preview_says_when_a_document_needs_unitdp_4() {
    for (settings, line, want) in [
        (json!({}), json!({"unitAmount": "10.00"}), false),
        (
            json!({"unitdp": 4}),
            json!({"unitAmount": "0.0612", "quantity": 1000}),
            true,
        ),
        // The settings' unitdp 4: every document request carries it, whatever the amounts.
        (json!({"unitdp": 4}), json!({"unitAmount": "10.00"}), true),
    ] {
        let d = doc(settings.clone(), line.clone());
        assert_eq!(
            d.get("unitdp4") == Some(&json!(true)),
            want,
            "{settings} {line}"
        );
        assert!(!d["blocked"].as_bool().unwrap());
        // The flag is what the run puts in the query.
        let e = exporter(sample_snapshot(), base(settings.clone()));
        let opts = PlanOptions {
            tenant_id: "t".into(),
            ..PlanOptions::default()
        };
        let mut run = e
            .plan(&invoices(invoice_with_line(line.clone())), &opts)
            .unwrap();
        let req = run.next(0).remove(0);
        assert_eq!(req.url.contains("unitdp=4"), want, "{}", req.url);
    }
}

/// (document kind, line, totalDiscount): the sum of (quantity × unit amount − line amount)
/// over the lines sent with a discount; none when no discount is sent (bills carry none).
#[test]
fn total_discount_as_xero_computes_it() {
    let two = json!([{"id": "d", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [
        {"description": "a", "quantity": 10, "unitAmount": "100.00", "discountRate": 20},
        {"description": "b", "quantity": 3, "unitAmount": "33.33", "discountAmount": "9.99"},
        {"description": "c", "quantity": 1, "unitAmount": "5.00"}
    ]}]);
    let p = json_of(&preview(sample_snapshot(), base(json!({})), two));
    assert_eq!(p["documents"][0]["totalDiscount"], "209.99");
    assert_eq!(p["documents"][0]["totals"]["subTotal"], "895.00");
    // 1 × 0.99 at 33.33 %: 0.3299… off, the line rounds to 0.66, so 0.33 off.
    let d = doc(
        json!({}),
        json!({"unitAmount": "0.99", "discountRate": "33.33"}),
    );
    assert_eq!(d["totalDiscount"], "0.33");
    assert!(doc(json!({}), json!({"unitAmount": "10.00"}))
        .get("totalDiscount")
        .is_none());
    let bill = doc(
        json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}}),
        json!({"quantity": 10, "unitAmount": "100.00", "discountRate": 20}),
    );
    assert!(bill.get("totalDiscount").is_none(), "{bill}");
}

/// Xero's `/Date(ms+hhmm)/` → the calendar date Xero meant, whatever the offset it writes
/// (reference oracle 14: 1552262400000 is 2019-03-11; the same instant with +1300 is still
/// 2019-03-11 in the organisation's zone when ms is its local midnight less 13 h).
#[test]
fn xeros_dates_on_the_outcome() {
    for (date, due, want_date, want_due) in [
        (
            "/Date(1552262400000+0000)/",
            "/Date(1544400000000+0000)/",
            "2019-03-11",
            "2018-12-10",
        ),
        (
            "/Date(1552215600000+1300)/",
            "/Date(1544353200000+1300)/",
            "2019-03-11",
            "2018-12-10",
        ),
        (
            "2019-03-11T00:00:00",
            "2018-12-10T00:00:00",
            "2019-03-11",
            "2018-12-10",
        ),
    ] {
        let e = exporter(sample_snapshot(), base(json!({})));
        let opts = PlanOptions {
            tenant_id: "t".into(),
            ..PlanOptions::default()
        };
        let mut run = e
            .plan(&invoices(invoice_with_line(json!({}))), &opts)
            .unwrap();
        let req = run.next(0).remove(0);
        let el = json!({"InvoiceID": "0b1f0000-0000-4000-8000-000000000001", "InvoiceNumber": "INV-1",
            "Status": "DRAFT", "StatusAttributeString": "OK", "Date": date, "DueDate": due,
            "SubTotal": 100.0, "TotalTax": 15.0, "Total": 115.0, "AmountDue": 115.0});
        let resp = HttpResponse {
            status: 200,
            headers: Default::default(),
            body: Some(json!({"Invoices": [el]})),
        };
        run.handle(&req.id, &resp, 1).unwrap();
        let o = serde_json::to_value(&run.outcomes()[0]).unwrap();
        assert_eq!(
            (o["date"].as_str(), o["dueDate"].as_str()),
            (Some(want_date), Some(want_due)),
            "{date}"
        );
    }
}

/// Every CSV issue on a row with a key carries it; a row without a key has none.
#[test]
fn csv_issues_carry_the_rows_key() {
    let snapshot = Snapshot::new(serde_json::from_value(sample_snapshot()).unwrap());
    let csv = "Client ID,Xero Tracking Category 1,Xero Tracking Category 2\nC001,Dr Ben Le,North\n,Dr Ben Lee,North\nC003,Dr Ben Lee,North,extra\n";
    let r = validate(&snapshot, csv.as_bytes(), Options::default());
    let got: Vec<(String, u64, Option<&str>)> = r
        .issues
        .iter()
        .map(|i| (i.code.as_str(), i.row.unwrap(), i.key.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("TRACKING_OPTION_UNKNOWN".to_owned(), 2, Some("C001")),
            ("CSV_KEY_MISSING".to_owned(), 3, None),
            ("CSV_ROW_MALFORMED".to_owned(), 4, Some("C003")),
        ]
    );
    assert_eq!(serde_json::to_value(&r.issues[0]).unwrap()["key"], "C001");
}

/// What the caller wrote that the document does not carry is said (DESIGN.md: "Nothing the
/// caller wrote is silently ignored"), as a FIELD_NOT_SENT warning at its path:
/// - a line's `taxCode` (even one no mapping knows) under `lineAmountTypes: "NoTax"`: no
///   TaxType is sent, rightly (reference §3.1 rule 6: NoTax lines have no tax);
/// - an ACCPAY bill's `reference`: Xero's Reference is "ACCREC only" (reference §2.2), so it is
///   left out of the body.
#[test]
fn fields_without_effect_are_said() {
    let p = preview(
        sample_snapshot(),
        json!({"lineAmountTypes": "NoTax", "accounts": {"default": "200"}}),
        invoice_with_line(json!({"taxCode": "BOGUS"})),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        ["FIELD_NOT_SENT@invoices[0].lines[0].taxCode"]
    );
    assert!(!p.documents[0].blocked);
    let mut inv = invoice_with_line(json!({}));
    inv[0]["reference"] = json!("PO-77");
    let p = preview(
        sample_snapshot(),
        json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}}),
        inv,
    );
    assert!(!p.documents[0].body.as_deref().unwrap().contains("PO-77"));
    assert!(
        codes(&p.documents[0].issues).contains(&"FIELD_NOT_SENT@invoices[0].reference".to_owned()),
        "{:?}",
        codes(&p.documents[0].issues)
    );
}

/// A negative bill (a supplier credit note, ACCPAYCREDIT) with its own number and the bill it
/// corrects (`creditsInvoiceNumber`): CreditNoteNumber is the bill's number (the credit note
/// has no Reference to name it), and the host's own number ("CR-12") was dropped without a
/// word. It is now a FIELD_NOT_SENT warning at the number.
#[test]
fn a_supplier_credit_notes_own_number_left_out_is_said() {
    let mut inv = invoice_with_line(json!({"unitAmount": "-10.00"}));
    inv[0]["number"] = json!("CR-12");
    inv[0]["creditsInvoiceNumber"] = json!("BILL-3");
    let settings = json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}});
    let p = preview(sample_snapshot(), settings.clone(), inv.clone());
    let d = &p.documents[0];
    let body = d.body.as_deref().unwrap();
    assert!(body.contains(r#""CreditNoteNumber":"BILL-3""#), "{body}");
    assert!(
        codes(&d.issues).contains(&"FIELD_NOT_SENT@invoices[0].number".to_owned()),
        "{:?}",
        codes(&d.issues)
    );
    // The same number both ways, or no number of its own: nothing is left out.
    inv[0]["number"] = json!("BILL-3");
    let p = preview(sample_snapshot(), settings, inv);
    assert!(!codes(&p.documents[0].issues)
        .iter()
        .any(|c| c.starts_with("FIELD_NOT_SENT")));
}
