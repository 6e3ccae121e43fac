//! Updates of exported documents against Xero's rules (reference §2.5, §2.6), one case per cell
//! of both §2.6 tables:
//! - status transitions × the state in Xero, for ACCREC, ACCPAY and both credit notes;
//! - each field × paid ACCREC / ACCPAY (and their credit notes): allowed → the planned body
//!   carries the change; refused → the coded issue at the caller's path of that field;
//!
//! and the line rules (LineItemIDs, deletions by omission) and unchanged updates, which are
//! not sent (their outcome settles at once in the run).
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
use xero_export::send::OutcomeStatus;
use xero_export::xero::responses::HttpResponse;
use xero_export::xero::status::{transition, Transition};
use xero_export::DocumentPreview;

const ID: &str = "0b1f0000-0000-4000-8000-000000000001";
const L1: &str = "11110000-0000-4000-8000-000000000001";
const L2: &str = "11110000-0000-4000-8000-000000000002";
const SOUTHERN: &str = "6dd9d039-678f-4e54-c398-798d0dbfd58d";

/// The four document kinds an update can be of.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Accrec,
    Accpay,
    AccrecCredit,
    AccpayCredit,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Accrec,
        Kind::Accpay,
        Kind::AccrecCredit,
        Kind::AccpayCredit,
    ];

    fn sales(self) -> bool {
        matches!(self, Kind::Accrec | Kind::AccrecCredit)
    }

    fn credit(self) -> bool {
        matches!(self, Kind::AccrecCredit | Kind::AccpayCredit)
    }
}

fn settings(kind: Kind, status: &str) -> Value {
    let (account, tax) = if kind.sales() {
        ("200", "OUTPUT2")
    } else {
        ("310", "INPUT2")
    };
    json!({
        "invoiceType": if kind.sales() { "ACCREC" } else { "ACCPAY" },
        "status": status,
        "taxes": {"default": tax, "byCode": {"GST": tax, "Z": "ZERORATED"}},
        "accounts": {"default": account},
        "tracking": {"categories": [{"category": "Location"}]},
    })
}

/// An exported document with two lines (a credit note: negative amounts, flipped on export).
fn source(kind: Kind) -> Value {
    let sign = if kind.credit() { "-" } else { "" };
    let account = if kind.sales() { "200" } else { "310" };
    json!({
        "id": "inv-1", "number": "INV-1", "reference": "R-1", "date": "2024-01-15",
        "dueDate": "2024-02-15", "payer": {"contactId": KATHERINE},
        "xero": {"id": ID},
        "lines": [
            {"lineItemId": L1, "description": "Service", "quantity": 2, "unitAmount": format!("{sign}100.00"), "taxCode": "GST", "accountCode": account, "tracking": {"Location": "North"}},
            {"lineItemId": L2, "description": "Extra", "quantity": 1, "unitAmount": format!("{sign}10.00"), "taxCode": "GST", "accountCode": account},
        ]
    })
}

fn preview_one(settings: &Value, inv: &Value) -> DocumentPreview {
    preview(sample_snapshot(), settings.clone(), json!([inv])).documents[0].clone()
}

/// The element of a document's request body.
fn element(d: &DocumentPreview) -> Value {
    let body: Value = serde_json::from_str(d.body.as_deref().expect("a body")).unwrap();
    let (_, list) = body.as_object().unwrap().iter().next().unwrap();
    list[0].clone()
}

/// The document as Xero would hold it after exporting `inv` with `settings`: the element
/// sent, with its id, `status`, Xero's date form and the read-only fields Xero adds.
fn held(kind: Kind, settings: &Value, inv: &Value, status: &str) -> Value {
    let mut inv = inv.clone();
    inv["xero"] = json!({"id": ID, "status": "DRAFT"});
    let mut s = settings.clone();
    s["status"] = json!("DRAFT");
    let mut el = element(&preview_one(&s, &inv));
    let id_key = if kind.credit() {
        "CreditNoteID"
    } else {
        "InvoiceID"
    };
    el[id_key] = json!(ID);
    el["Status"] = json!(status);
    el["Date"] = json!("/Date(1705276800000+0000)/");
    el["DueDate"] = json!("/Date(1707955200000+0000)/");
    el["DateString"] = json!("2024-01-15T00:00:00");
    el["CurrencyCode"] = json!("NZD");
    el["Total"] = json!(230.0);
    el["AmountPaid"] = json!(0.0);
    el["Payments"] = json!([]);
    el
}

/// Issues as "severity CODE@path".
fn described(d: &DocumentPreview) -> Vec<String> {
    d.issues
        .iter()
        .map(|i| {
            format!(
                "{} {}@{}",
                serde_json::to_value(i.severity).unwrap().as_str().unwrap(),
                i.code.as_str(),
                i.path
            )
        })
        .collect()
}

fn update_refusals(d: &DocumentPreview) -> Vec<String> {
    described(d)
        .into_iter()
        .filter(|s| {
            s.contains("UPDATE_")
                || s.contains("LINE_ITEM_UNKNOWN")
                || s.contains("LINE_WILL_BE_DELETED")
        })
        .collect()
}

// ----- §2.6 status table --------------------------------------------------------------------

const FROM: [&str; 6] = [
    "DRAFT",
    "SUBMITTED",
    "AUTHORISED",
    "PAID",
    "VOIDED",
    "DELETED",
];

/// What an update from `from` to `to` must produce: `None` allowed (the body carries `to`),
/// else the refusal.
fn expected_transition(from: &str, to: &str) -> Option<&'static str> {
    match (from, to) {
        ("DRAFT" | "SUBMITTED", _) | ("AUTHORISED", "AUTHORISED") => None,
        ("AUTHORISED", _) => Some("error UPDATE_NOT_ALLOWED@settings.status"),
        _ => Some("error UPDATE_NOT_ALLOWED@invoices[0].xero.status"),
    }
}

/// Every cell of the transition table the public rule answers, targets an update cannot send
/// (DELETED, VOIDED: a cancel's) included.
#[test]
fn the_transition_table_cell_by_cell() {
    use Transition::*;
    let to = ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED"];
    let table = [
        ("DRAFT", [Allowed, Allowed, Allowed, CancelOnly, Refused]),
        (
            "SUBMITTED",
            [Allowed, Allowed, Allowed, CancelOnly, Refused],
        ),
        (
            "AUTHORISED",
            [Refused, Refused, Allowed, Refused, CancelOnly],
        ),
        ("PAID", [Final; 5]),
        ("VOIDED", [Final; 5]),
        ("DELETED", [Final; 5]),
    ];
    for (from, row) in table {
        for (t, want) in to.iter().zip(row) {
            assert_eq!(transition(from, t), want, "{from} -> {t}");
        }
    }
}

/// Updates as the host sends them, without `xero.document`: every (from, to) an update can
/// send, for all four kinds (credit notes need the document to be known as credit notes).
#[test]
fn transitions_through_the_preview_every_kind() {
    let mut failures = Vec::new();
    for kind in Kind::ALL {
        for from in FROM {
            for to in ["DRAFT", "SUBMITTED", "AUTHORISED"] {
                let s = settings(kind, to);
                let mut inv = source(kind);
                // A changed description, so no case is an unchanged update.
                let base = held(kind, &s, &inv, from);
                inv["lines"][0]["description"] = json!("Service (edited)");
                inv["xero"] = json!({"id": ID, "status": from});
                if kind.credit() {
                    inv["xero"]["document"] = base;
                }
                let d = preview_one(&s, &inv);
                let got = update_refusals(&d);
                match expected_transition(from, to) {
                    None if !got.is_empty() || d.blocked => {
                        failures.push(format!("{kind:?} {from}->{to}: {:?}", described(&d)));
                    }
                    None => {
                        let el = element(&d);
                        if el["Status"] != to || el["LineItems"][0]["LineItemID"] != L1 {
                            failures.push(format!("{kind:?} {from}->{to}: body {el}"));
                        }
                    }
                    Some(want) => {
                        if !got.iter().any(|g| g == want) || !d.blocked {
                            failures.push(format!(
                                "{kind:?} {from}->{to}: want {want}, got {:?}",
                                described(&d)
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ----- §2.6 edits by state ------------------------------------------------------------------

/// One field change: what it changes (settings and/or invoice) and the path of its refusal.
struct FieldCase {
    name: &'static str,
    /// Allowed on a paid ACCREC document (reference §2.6).
    paid_accrec: bool,
    /// Applies to the kind (the body carries it: Reference and discounts are ACCREC invoices'
    /// only, a credit note's reference is its number's, credit notes have no Url).
    applies: fn(Kind) -> bool,
    change: fn(&mut Value, &mut Value),
    path: &'static str,
    /// The body's evidence of the change.
    body: fn(&Value) -> Value,
}

fn all(_: Kind) -> bool {
    true
}

fn field_cases() -> Vec<FieldCase> {
    vec![
        FieldCase {
            name: "Reference",
            paid_accrec: true,
            applies: |k| k == Kind::Accrec,
            change: |_, i| i["reference"] = json!("R-2"),
            path: "invoices[0].reference",
            body: |e| e["Reference"].clone(),
        },
        FieldCase {
            name: "DueDate",
            paid_accrec: true,
            applies: all,
            change: |_, i| i["dueDate"] = json!("2024-03-01"),
            path: "invoices[0].dueDate",
            body: |e| e["DueDate"].clone(),
        },
        FieldCase {
            name: "InvoiceNumber",
            paid_accrec: true,
            applies: all,
            change: |_, i| i["number"] = json!("INV-1B"),
            path: "invoices[0].number",
            body: |e| {
                e.get("InvoiceNumber")
                    .or(e.get("CreditNoteNumber"))
                    .cloned()
                    .unwrap_or_default()
            },
        },
        FieldCase {
            name: "BrandingThemeID",
            paid_accrec: true,
            applies: all,
            change: |s, _| s["brandingThemeId"] = json!("dfe23d27-a3a6-4ef3-a5ca-b9e02b142dde"),
            path: "settings.brandingThemeId",
            body: |e| e["BrandingThemeID"].clone(),
        },
        FieldCase {
            name: "Contact",
            paid_accrec: true,
            applies: all,
            change: |_, i| i["payer"] = json!({"contactId": SOUTHERN}),
            path: "invoices[0].payer",
            body: |e| e["Contact"]["ContactID"].clone(),
        },
        FieldCase {
            name: "Url",
            paid_accrec: true,
            applies: |k| !k.credit(),
            change: |s, _| s["templates"] = json!({"url": "https://app.example.com/i/{id}"}),
            path: "settings.templates.url",
            body: |e| e["Url"].clone(),
        },
        FieldCase {
            name: "LineItems.Description",
            paid_accrec: true,
            applies: all,
            change: |_, i| i["lines"][0]["description"] = json!("Service (edited)"),
            path: "invoices[0].lines[0].description",
            body: |e| e["LineItems"][0]["Description"].clone(),
        },
        FieldCase {
            name: "LineItems.AccountCode",
            paid_accrec: true,
            applies: all,
            change: |_, i| {
                i["lines"][0]["accountCode"] = json!(if i["lines"][0]["accountCode"] == "200" {
                    "210"
                } else {
                    "463"
                })
            },
            path: "invoices[0].lines[0].accountCode",
            body: |e| e["LineItems"][0]["AccountCode"].clone(),
        },
        FieldCase {
            name: "LineItems.Tracking",
            paid_accrec: true,
            applies: all,
            change: |_, i| i["lines"][0]["tracking"] = json!({"Location": "South"}),
            path: "invoices[0].lines[0].tracking",
            body: |e| e["LineItems"][0]["Tracking"][0]["Option"].clone(),
        },
        FieldCase {
            name: "Date",
            paid_accrec: false,
            applies: all,
            change: |_, i| i["date"] = json!("2024-01-20"),
            path: "invoices[0].date",
            body: |e| e["Date"].clone(),
        },
        FieldCase {
            name: "CurrencyCode",
            paid_accrec: false,
            applies: all,
            change: |_, i| i["currency"] = json!("AUD"),
            path: "invoices[0].currency",
            body: |e| e["CurrencyCode"].clone(),
        },
        FieldCase {
            name: "LineAmountTypes",
            paid_accrec: false,
            applies: all,
            change: |s, _| s["lineAmountTypes"] = json!("Inclusive"),
            path: "settings.lineAmountTypes",
            body: |e| e["LineAmountTypes"].clone(),
        },
        FieldCase {
            name: "LineItems.Quantity",
            paid_accrec: false,
            applies: all,
            change: |_, i| i["lines"][0]["quantity"] = json!(3),
            path: "invoices[0].lines[0].quantity",
            body: |e| e["LineItems"][0]["Quantity"].clone(),
        },
        FieldCase {
            name: "LineItems.UnitAmount",
            paid_accrec: false,
            applies: all,
            change: |_, i| {
                let u = i["lines"][0]["unitAmount"]
                    .as_str()
                    .unwrap()
                    .replace("100", "120");
                i["lines"][0]["unitAmount"] = json!(u)
            },
            path: "invoices[0].lines[0].unitAmount",
            body: |e| e["LineItems"][0]["UnitAmount"].clone(),
        },
        FieldCase {
            name: "LineItems.TaxType",
            paid_accrec: false,
            applies: all,
            change: |_, i| i["lines"][0]["taxCode"] = json!("Z"),
            path: "invoices[0].lines[0].taxCode",
            body: |e| e["LineItems"][0]["TaxType"].clone(),
        },
        FieldCase {
            name: "LineItems.ItemCode",
            paid_accrec: false,
            applies: Kind::sales,
            change: |_, i| i["lines"][0]["itemCode"] = json!("CONSULT"),
            path: "invoices[0].lines[0].itemCode",
            body: |e| e["LineItems"][0]["ItemCode"].clone(),
        },
        FieldCase {
            name: "LineItems.DiscountRate",
            paid_accrec: false,
            applies: |k| k == Kind::Accrec,
            change: |_, i| i["lines"][0]["discountRate"] = json!(10),
            path: "invoices[0].lines[0].discountRate",
            body: |e| e["LineItems"][0]["DiscountRate"].clone(),
        },
        FieldCase {
            name: "new line",
            paid_accrec: false,
            applies: all,
            change: |_, i| {
                let mut l = i["lines"][1].clone();
                l.as_object_mut().unwrap().remove("lineItemId");
                l["description"] = json!("Added");
                i["lines"].as_array_mut().unwrap().push(l)
            },
            path: "invoices[0].lines[2]",
            body: |e| e["LineItems"][2]["Description"].clone(),
        },
    ]
}

/// How a document is paid in Xero, as the held document says it.
#[derive(Clone, Copy, Debug)]
enum Paid {
    No,
    Part,
    Credited,
}

fn held_paid(kind: Kind, settings: &Value, inv: &Value, paid: Paid) -> Value {
    let mut h = held(kind, settings, inv, "AUTHORISED");
    match (paid, kind.credit()) {
        (Paid::No, false) => {}
        (Paid::No, true) => {
            h["RemainingCredit"] = json!(230.0);
        }
        (Paid::Part, false) => {
            h["AmountPaid"] = json!(50.0);
            h["Payments"] = json!([{"PaymentID": "p-1", "Amount": 50.0}]);
        }
        (Paid::Part, true) => {
            h["RemainingCredit"] = json!(180.0);
            h["Payments"] = json!([{"PaymentID": "p-1", "Amount": 50.0}]);
        }
        (Paid::Credited, false) => {
            h["AmountCredited"] = json!(30.0);
            h["CreditNotes"] = json!([{"CreditNoteID": "cn-1"}]);
        }
        (Paid::Credited, true) => {
            h["RemainingCredit"] = json!(200.0);
            h["Allocations"] = json!([{"Amount": 30.0}]);
        }
    }
    h
}

/// Each field × {unpaid, part-paid, paid with credit} × the four kinds.
#[test]
fn edits_by_state_field_by_field() {
    let mut failures = Vec::new();
    let mut cells = 0;
    for kind in Kind::ALL {
        for paid in [Paid::No, Paid::Part, Paid::Credited] {
            for case in field_cases() {
                if !(case.applies)(kind) {
                    continue;
                }
                cells += 1;
                let mut s = settings(kind, "AUTHORISED");
                let mut inv = source(kind);
                let doc = held_paid(kind, &s, &inv, paid);
                (case.change)(&mut s, &mut inv);
                inv["xero"] = json!({"id": ID, "status": "AUTHORISED", "document": doc});
                let d = preview_one(&s, &inv);
                let allowed = match paid {
                    Paid::No => true,
                    Paid::Part => kind.sales() && case.paid_accrec,
                    Paid::Credited => kind.sales() && case.paid_accrec && case.name != "Contact",
                };
                let what = format!("{kind:?} {paid:?} {}", case.name);
                let got = update_refusals(&d);
                if allowed {
                    let errors: Vec<_> = d.issues.iter().filter(|i| i.is_error()).collect();
                    if !errors.is_empty() || d.unchanged {
                        failures.push(format!("{what}: allowed, got {:?}", described(&d)));
                        continue;
                    }
                    let evidence = (case.body)(&element(&d));
                    if evidence.is_null() {
                        failures.push(format!(
                            "{what}: the body does not carry the change: {}",
                            element(&d)
                        ));
                    }
                } else {
                    let want = format!("error UPDATE_NOT_ALLOWED@{}", case.path);
                    if !got.contains(&want) || !d.blocked {
                        failures.push(format!("{what}: want {want}, got {:?}", described(&d)));
                    }
                }
            }
        }
    }
    assert!(cells > 150, "{cells} cells");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The paid state as the host says it, without the document: the fields cannot be compared,
/// so the safe answer is a refusal that says to pass the document (ACCREC), or that nothing
/// may change (ACCPAY).
#[test]
fn paid_without_the_document_is_refused_with_what_to_do() {
    for (kind, xero, want) in [
        (
            Kind::Accrec,
            json!({"status": "AUTHORISED", "amountPaid": "50.00"}),
            "error UPDATE_DOCUMENT_NEEDED@invoices[0].xero.document",
        ),
        (
            Kind::Accrec,
            json!({"status": "AUTHORISED", "amountCredited": 5}),
            "error UPDATE_DOCUMENT_NEEDED@invoices[0].xero.document",
        ),
        (
            Kind::Accpay,
            json!({"status": "AUTHORISED", "amountPaid": "50.00"}),
            "error UPDATE_NOT_ALLOWED@invoices[0].xero.amountPaid",
        ),
        (
            Kind::Accpay,
            json!({"status": "AUTHORISED", "amountCredited": "1"}),
            "error UPDATE_NOT_ALLOWED@invoices[0].xero.amountCredited",
        ),
        (
            Kind::Accrec,
            json!({"status": "PAID"}),
            "error UPDATE_NOT_ALLOWED@invoices[0].xero.status",
        ),
    ] {
        let mut inv = source(kind);
        let mut x = xero;
        x["id"] = json!(ID);
        inv["xero"] = x;
        let d = preview_one(&settings(kind, "AUTHORISED"), &inv);
        assert!(
            update_refusals(&d).contains(&want.to_owned()),
            "{kind:?}: {:?}",
            described(&d)
        );
        assert!(d.blocked);
    }
    // An amount that is not one is reported, never read as unpaid.
    let mut inv = source(Kind::Accrec);
    inv["xero"] = json!({"id": ID, "status": "AUTHORISED", "amountPaid": "fifty"});
    let d = preview_one(&settings(Kind::Accrec, "AUTHORISED"), &inv);
    assert!(codes(&d.issues).contains(&"NUMBER_INVALID@invoices[0].xero.amountPaid".to_owned()));
    assert!(d.blocked);
    // A summary (no LineItems) cannot be compared line by line: the same refusal.
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let mut doc = held_paid(Kind::Accrec, &s, &inv, Paid::Part);
    doc.as_object_mut().unwrap().remove("LineItems");
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        ["error UPDATE_DOCUMENT_NEEDED@invoices[0].xero.document"]
    );
    // Zero paid is unpaid.
    let mut inv = source(Kind::Accrec);
    inv["xero"] = json!({"id": ID, "status": "AUTHORISED", "amountPaid": "0.00"});
    let d = preview_one(&settings(Kind::Accrec, "AUTHORISED"), &inv);
    assert!(!d.blocked, "{:?}", described(&d));
}

// ----- lines (§2.5) -------------------------------------------------------------------------

#[test]
fn lines_left_out_or_unknown() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    // Unpaid: leaving a line out deletes it in Xero; legitimate, so a warning.
    let mut inv = source(Kind::Accrec);
    let doc = held(Kind::Accrec, &s, &inv, "DRAFT");
    inv["lines"].as_array_mut().unwrap().pop();
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        ["warning LINE_WILL_BE_DELETED@invoices[0].lines"]
    );
    assert!(!d.blocked);
    assert!(d.issues.iter().any(|i| i.message.contains(L2)));
    // Paid: the deletion is refused.
    let mut inv = source(Kind::Accrec);
    let doc = held_paid(Kind::Accrec, &s, &inv, Paid::Part);
    inv["lines"].as_array_mut().unwrap().pop();
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert!(
        update_refusals(&d).contains(&"error LINE_WILL_BE_DELETED@invoices[0].lines".to_owned()),
        "{:?}",
        described(&d)
    );
    assert!(d.blocked);
    // A LineItemID Xero does not hold.
    let mut inv = source(Kind::Accrec);
    let doc = held(Kind::Accrec, &s, &inv, "DRAFT");
    inv["lines"][1]["lineItemId"] = json!("99990000-0000-4000-8000-000000000009");
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    let got = update_refusals(&d);
    assert!(
        got.contains(&"error LINE_ITEM_UNKNOWN@invoices[0].lines[1].lineItemId".to_owned()),
        "{got:?}"
    );
    // …and the held line it replaced would be deleted.
    assert!(
        got.contains(&"warning LINE_WILL_BE_DELETED@invoices[0].lines".to_owned()),
        "{got:?}"
    );
    // Without the document: today's warning for lines lacking ids.
    let mut inv = source(Kind::Accrec);
    inv["lines"][1]
        .as_object_mut()
        .unwrap()
        .remove("lineItemId");
    inv["xero"] = json!({"id": ID, "status": "DRAFT"});
    let d = preview_one(&s, &inv);
    assert_eq!(codes(&d.issues), ["MISSING@invoices[0].lines"]);
}

/// Without `xero.id`, the document's own InvoiceID is the one updated.
#[test]
fn the_document_names_the_invoice_when_xero_id_is_left_out() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let doc = held(Kind::Accrec, &s, &inv, "DRAFT");
    inv["xero"] = json!({"document": doc});
    let opts = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let mut run = exporter(sample_snapshot(), s)
        .plan(&invoices(json!([inv])), &opts)
        .unwrap();
    let reqs = run.next(0);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"][0]["InvoiceID"], ID);
}

/// The document must be the one exported, and an object.
#[test]
fn a_wrong_document_is_an_error() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let mut doc = held(Kind::Accrec, &s, &inv, "DRAFT");
    doc["InvoiceID"] = json!("0b1f0000-0000-4000-8000-00000000ffff");
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert!(
        codes(&d.issues).contains(&"XERO_DOCUMENT_INVALID@invoices[0].xero.document".to_owned())
    );
    assert!(d.blocked);
    inv["xero"] = json!({"id": ID, "document": [1, 2]});
    let d = preview_one(&s, &inv);
    assert!(
        codes(&d.issues).contains(&"XERO_DOCUMENT_INVALID@invoices[0].xero.document".to_owned())
    );
}

// ----- unchanged updates ----------------------------------------------------------------------

/// Xero's raw element and xero-node's camelCase model of the same document both read as
/// unchanged; one changed field makes it an update again.
#[test]
fn an_update_that_changes_nothing_is_marked_unchanged() {
    for kind in Kind::ALL {
        let s = settings(kind, "AUTHORISED");
        let mut inv = source(kind);
        inv["xero"] = json!({"id": ID, "document": held(kind, &s, &inv, "AUTHORISED")});
        let d = preview_one(&s, &inv);
        assert!(d.unchanged, "{kind:?} {:?}", described(&d));
        assert!(!d.blocked);
        assert_eq!(json_of_doc(&d)["unchanged"], true);
        // Paid in full: nothing changes, nothing is sent, nothing is refused.
        inv["xero"]["document"]["Status"] = json!("PAID");
        inv["xero"]["document"]["AmountPaid"] = json!(230.0);
        let d = preview_one(&s, &inv);
        assert!(
            d.unchanged && !d.blocked,
            "{kind:?} paid {:?}",
            described(&d)
        );
        // xero-node's model: lower-case first letters, ISO dates, numbers.
        inv["xero"]["document"] = camel(&held(kind, &s, &inv, "AUTHORISED"));
        inv["xero"]["document"]["date"] = json!("2024-01-15T00:00:00.000Z");
        let d = preview_one(&s, &inv);
        assert!(d.unchanged, "{kind:?} camelCase {:?}", described(&d));
        // Quantities as Xero returns them ("2.0000"), tracking with IDs and other case.
        let mut doc = held(kind, &s, &inv, "AUTHORISED");
        doc["LineItems"][0]["Quantity"] = json!(2.0);
        doc["LineItems"][0]["Tracking"] = json!([{"Name": "location", "Option": "NORTH", "TrackingCategoryID": "x", "TrackingOptionID": "y"}]);
        inv["xero"]["document"] = doc;
        assert!(preview_one(&s, &inv).unchanged, "{kind:?} stored forms");
        // One change: sent.
        inv["lines"][0]["description"] = json!("Other");
        let d = preview_one(&s, &inv);
        assert!(!d.unchanged);
        assert!(json_of_doc(&d).get("unchanged").is_none());
    }
}

fn json_of_doc(d: &DocumentPreview) -> Value {
    serde_json::to_value(d).unwrap()
}

/// Keys with a lower-case first letter, all the way down (xero-node's models).
fn camel(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let first = c.next().unwrap().to_ascii_lowercase();
                    (format!("{first}{}", c.as_str()), camel(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel).collect()),
        other => other.clone(),
    }
}

/// Through the run: the unchanged update is never sent and settles at once; the changed one
/// beside it is posted.
#[test]
fn the_run_does_not_send_an_unchanged_update() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut same = source(Kind::Accrec);
    same["xero"] = json!({"id": ID, "document": held(Kind::Accrec, &s, &same, "AUTHORISED")});
    let mut edited = source(Kind::Accrec);
    edited["id"] = json!("inv-2");
    edited["number"] = json!("INV-2");
    let other = "0b1f0000-0000-4000-8000-000000000002";
    let mut doc = held(Kind::Accrec, &s, &edited, "AUTHORISED");
    doc["InvoiceID"] = json!(other);
    edited["lines"][0]["description"] = json!("Edited");
    edited["xero"] = json!({"id": other, "document": doc});
    let e = exporter(sample_snapshot(), s);
    let opts = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let mut run = e.plan(&invoices(json!([same, edited])), &opts).unwrap();
    let out = run.outcomes();
    assert_eq!(out[0].status, OutcomeStatus::Unchanged);
    assert_eq!(out[0].xero_id.as_deref(), Some(ID));
    assert_eq!(out[0].attempts, 0);
    assert_eq!(out[1].status, OutcomeStatus::Pending);
    let reqs = run.next(0);
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].documents, vec!["inv-2"]);
    let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"].as_array().unwrap().len(), 1);
    assert_eq!(body["Invoices"][0]["InvoiceID"], other);
    let summary = run.summary();
    assert_eq!(summary.unchanged, 1);
    assert!(run
        .log()
        .iter()
        .all(|r| r.source_id.as_deref() != Some("inv-1")));
}

/// The held document of an unchanged update, as `plan_work` plans it with `payments` and
/// `invoices` beside it.
fn plan_work_with(s: &Value, work: Value) -> xero_export::send::Run {
    let opts = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let work = xero_export::input::work::read_work(&work.to_string()).unwrap();
    exporter(sample_snapshot(), s.clone())
        .plan_work(&work, &opts)
        .unwrap()
}

fn pay(id: &str, doc: &str, source: &str, amount: &str) -> Value {
    json!({"id": id, doc: {"sourceId": source}, "amount": amount, "date": "2024-02-01",
           "account": {"code": "091"}})
}

/// A payment (or refund) on an unchanged update of the same plan: the README says to treat
/// the document as exported, so the payment is sent to its Xero id, checked against the held
/// document's Status and AmountDue (RemainingCredit for a credit note) like any other.
#[test]
fn a_payment_on_an_unchanged_update_is_sent_against_the_held_document() {
    for kind in [Kind::Accrec, Kind::AccrecCredit] {
        let s = settings(kind, "AUTHORISED");
        let mut inv = source(kind);
        let mut doc = held(kind, &s, &inv, "AUTHORISED");
        let (side, due) = if kind.credit() {
            ("creditNote", "RemainingCredit")
        } else {
            ("invoice", "AmountDue")
        };
        doc[due] = json!(50.0);
        inv["xero"] = json!({"id": ID, "document": doc});
        let mut run = plan_work_with(
            &s,
            json!({"invoices": [inv], "payments": [pay("p1", side, "inv-1", "40.00"),
                                                   pay("p2", side, "inv-1", "10.01")]}),
        );
        assert_eq!(run.outcomes()[0].status, OutcomeStatus::Unchanged);
        let p = run.payments();
        assert!(p[0].issues.is_empty(), "{kind:?} {:?}", p[0]);
        // 40.00 + 10.01 is more than the 50.00 Xero holds as due (not the preview's total).
        assert_eq!(
            codes(&p[1].issues),
            ["PAYMENT_EXCEEDS_DUE@payments[1].amount"],
            "{kind:?}"
        );
        let reqs = run.next(0);
        assert_eq!(reqs.len(), 1, "{kind:?}");
        assert_eq!(
            (reqs[0].method, reqs[0].path.as_str()),
            ("PUT", "/Payments")
        );
        assert_eq!(reqs[0].documents, ["p1"]);
        let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
        let el = &body["Payments"][0];
        let id_key = if kind.credit() {
            ("CreditNote", "CreditNoteID")
        } else {
            ("Invoice", "InvoiceID")
        };
        assert_eq!(el[id_key.0][id_key.1], ID, "{kind:?} {body}");
        assert_eq!(run.payments()[0].document_id.as_deref(), Some(ID));
    }
}

/// The held document decides: not AUTHORISED in Xero → refused; without Status or AmountDue
/// (RemainingCredit) → refused, saying what to pass.
#[test]
fn a_payment_on_an_unchanged_update_needs_the_held_status_and_amount_due() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let run_with = |edit: &dyn Fn(&mut Value)| {
        let mut inv = source(Kind::Accrec);
        let mut doc = held(Kind::Accrec, &s, &inv, "AUTHORISED");
        doc["AmountDue"] = json!(230.0);
        edit(&mut doc);
        inv["xero"] = json!({"id": ID, "document": doc});
        plan_work_with(
            &s,
            json!({"invoices": [inv], "payments": [pay("p1", "invoice", "inv-1", "5.00")]}),
        )
    };
    let paid = run_with(&|d| {
        d["Status"] = json!("PAID");
        d["AmountPaid"] = json!(230.0);
        d["AmountDue"] = json!(0.0);
    });
    assert_eq!(paid.outcomes()[0].status, OutcomeStatus::Unchanged);
    assert_eq!(
        codes(&paid.payments()[0].issues),
        [
            "PAYMENT_TARGET_NOT_AUTHORISED@payments[0].invoice.status",
            "PAYMENT_EXCEEDS_DUE@payments[0].amount"
        ]
    );
    for missing in ["AmountDue", "Status"] {
        let mut run = run_with(&|d| {
            d.as_object_mut().unwrap().remove(missing);
        });
        assert_eq!(
            run.outcomes()[0].status,
            OutcomeStatus::Unchanged,
            "{missing}"
        );
        let p = &run.payments()[0];
        assert_eq!(p.status, OutcomeStatus::Blocked, "{missing}");
        assert_eq!(
            codes(&p.issues),
            ["PAYMENT_TARGET_UNKNOWN@payments[0].invoice.sourceId"],
            "{missing}"
        );
        assert!(
            p.issues[0].message.contains(missing),
            "{}",
            p.issues[0].message
        );
        assert!(run.next(0).is_empty());
        assert!(run.is_done());
    }
}

/// A credit note of the plan that corrects an unchanged update of the same plan: allocated to
/// the held invoice (its id, AUTHORISED, AmountDue), not skipped as "not exported".
#[test]
fn a_credit_note_is_allocated_to_an_unchanged_update_of_the_same_plan() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let mut doc = held(Kind::Accrec, &s, &inv, "AUTHORISED");
    doc["AmountDue"] = json!(30.0);
    doc["Contact"] = json!({"ContactID": KATHERINE});
    inv["xero"] = json!({"id": ID, "document": doc});
    let credit = json!({"id": "cn-1", "number": "CN-1", "date": "2024-01-20",
        "creditsInvoiceNumber": "INV-1", "payer": {"contactId": KATHERINE},
        "lines": [{"description": "Refund", "quantity": 1, "unitAmount": "-40.00", "taxCode": "GST", "accountCode": "200"}]});
    let mut run = plan_work_with(&s, json!({"invoices": [inv, credit]}));
    assert_eq!(run.outcomes()[0].status, OutcomeStatus::Unchanged);
    let put = run.next(0);
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].path, "/CreditNotes");
    let cn_id = "dddddddd-4444-4444-8444-444444444444";
    let answer = json!({"CreditNotes": [{"CreditNoteID": cn_id, "CreditNoteNumber": "CN-1",
        "Type": "ACCRECCREDIT", "Status": "AUTHORISED", "Contact": {"ContactID": KATHERINE},
        "Date": "/Date(1705708800000+0000)/", "SubTotal": 40.00, "TotalTax": 6.00,
        "Total": 46.00, "RemainingCredit": 46.00, "StatusAttributeString": "OK"}]});
    let mut r = HttpResponse {
        status: 200,
        headers: Default::default(),
        body: Some(Value::String(answer.to_string())),
    };
    run.handle(&put[0].id, &r, 1).unwrap();
    let alloc = run.next(2);
    assert_eq!(alloc.len(), 1, "{:?}", run.outcomes()[1]);
    assert_eq!(alloc[0].path, format!("/CreditNotes/{cn_id}/Allocations"));
    let body: Value = serde_json::from_str(alloc[0].body.as_deref().unwrap()).unwrap();
    // The smaller of the 46.00 credit and the 30.00 Xero holds as due on the invoice.
    assert_eq!(body["Allocations"][0]["Invoice"]["InvoiceID"], ID);
    assert_eq!(body["Allocations"][0]["Amount"].to_string(), "30.00");
    r.body = Some(Value::String(
        json!({"Allocations": [{"Amount": 30.00, "Invoice": {"InvoiceID": ID}}]}).to_string(),
    ));
    run.handle(&alloc[0].id, &r, 3).unwrap();
    assert!(run.is_done());
    let a = run.outcomes()[1].allocation.clone().unwrap();
    assert_eq!(serde_json::to_value(a.status).unwrap(), "allocated");
}

/// An unchanged credit note (re-sent as it is) that corrects an invoice: a credit note is
/// AUTHORISED in Xero yet unallocated when the earlier run's allocation was skipped (its invoice
/// was not approved yet) or failed. It was never allocated again. Now its held RemainingCredit
/// decides: credit left → allocated (only what is left); none left → nothing to do, quietly;
/// not given → skipped, saying what to pass (its Total would overstate a used credit note).
#[test]
fn an_unchanged_credit_note_is_allocated_from_its_held_remaining_credit() {
    let s = settings(Kind::AccrecCredit, "AUTHORISED");
    let invoice_id = "0b1f0000-0000-4000-8000-000000000009";
    let found = json!({"Invoices": [{"InvoiceID": invoice_id, "InvoiceNumber": "INV-9", "Type": "ACCREC",
        "Status": "AUTHORISED", "AmountDue": 100.0, "CurrencyCode": "NZD", "Contact": {"ContactID": KATHERINE}}]});
    let answer = |body: &Value| HttpResponse {
        status: 200,
        headers: Default::default(),
        body: Some(Value::String(body.to_string())),
    };
    for (remaining, sent) in [
        (Some(json!(20.0)), Some("20.00")),
        (Some(json!(0.0)), None),
        (None, None),
    ] {
        let mut cn = source(Kind::AccrecCredit);
        cn["creditsInvoiceNumber"] = json!("INV-9");
        let mut doc = held(Kind::AccrecCredit, &s, &cn, "AUTHORISED");
        doc["Contact"] = json!({"ContactID": KATHERINE});
        match &remaining {
            Some(r) => doc["RemainingCredit"] = r.clone(),
            None => drop(doc.as_object_mut().unwrap().remove("RemainingCredit")),
        }
        cn["xero"] = json!({"id": ID, "document": doc});
        let mut run = plan_work_with(&s, json!({"invoices": [cn]}));
        assert_eq!(
            run.outcomes()[0].status,
            OutcomeStatus::Unchanged,
            "{remaining:?}"
        );
        let mut reqs = run.next(0);
        if remaining.as_ref().is_some_and(|r| r != &json!(0.0)) {
            // The invoice is not in the plan: looked up by its number, then allocated.
            assert_eq!(reqs.len(), 1, "{remaining:?}");
            assert_eq!(
                (reqs[0].method, reqs[0].path.as_str()),
                ("GET", "/Invoices")
            );
            run.handle(&reqs[0].id, &answer(&found), 1).unwrap();
            reqs = run.next(2);
        }
        let mut out = run.outcomes()[0].clone();
        // The preview's warning leads the issues: the credit note's Reference is not sent.
        assert_eq!(
            codes(&out.issues[..1]),
            ["FIELD_NOT_SENT@invoices[0].reference"]
        );
        out.issues.remove(0);
        match sent {
            Some(amount) => {
                assert_eq!(reqs.len(), 1, "{out:?}");
                assert_eq!(reqs[0].path, format!("/CreditNotes/{ID}/Allocations"));
                let body: Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
                assert_eq!(body["Allocations"][0]["Invoice"]["InvoiceID"], invoice_id);
                assert_eq!(body["Allocations"][0]["Amount"].to_string(), amount);
            }
            None if remaining.is_some() => {
                assert!(reqs.is_empty(), "{reqs:?}");
                assert!(out.allocation.is_none() && out.issues.is_empty(), "{out:?}");
                assert!(run.is_done());
            }
            None => {
                assert!(reqs.is_empty(), "{reqs:?}");
                assert_eq!(
                    codes(&out.issues),
                    ["ALLOCATION_SKIPPED@invoices[0].allocation"]
                );
                assert!(
                    out.issues[0].message.contains("RemainingCredit"),
                    "{}",
                    out.issues[0].message
                );
                assert!(run.is_done());
            }
        }
    }
}

// ----- the update bodies, golden ------------------------------------------------------------

/// The POST requests of one update of each kind, with their InvoiceID / CreditNoteID and
/// LineItemIDs, as planned by the run: tests/golden/updates.json (UPDATE_GOLDEN=1 rewrites it
/// after review). tests/js/updates.test.mjs validates each body against Xero's OpenAPI
/// schemas (closed) and through xero-node's serializer.
#[test]
fn update_bodies_golden() {
    let opts = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let mut out = Vec::new();
    for kind in Kind::ALL {
        let s = settings(kind, "AUTHORISED");
        let mut inv = source(kind);
        let mut doc = held(kind, &s, &inv, "AUTHORISED");
        doc["LineItems"][1]["Description"] = json!("Extra (before)");
        inv["xero"] = json!({"id": ID, "status": "AUTHORISED", "document": doc});
        let mut run = exporter(sample_snapshot(), s)
            .plan(&invoices(json!([inv])), &opts)
            .unwrap();
        for r in run.next(0) {
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            out.push(json!({"kind": format!("{kind:?}"), "method": r.method, "url": r.url, "body": body}));
        }
    }
    assert_eq!(out.len(), 4);
    let text = serde_json::to_string_pretty(&out).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/updates.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path)
        .expect("tests/golden/updates.json; run with UPDATE_GOLDEN=1");
    assert!(
        golden == text,
        "update bodies differ from {}",
        path.display()
    );
}

// ----- explicit tax amounts (hostTotal.policy "taxOverride") -----------------------------------

/// An update that moves a line's explicit TaxAmount (the host's total now differs from Xero's
/// by a cent, so `taxOverride` sends 30.01 where Xero holds 30.00) changes Xero's tax and
/// total: it is not `unchanged`, and on a paid invoice it is an amount change Xero refuses.
#[test]
fn a_changed_tax_amount_is_a_change() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    // As Xero returns the exported document: each line with its computed TaxAmount.
    let mut doc = held(Kind::Accrec, &s, &inv, "AUTHORISED");
    doc["LineItems"][0]["TaxAmount"] = json!(30.0);
    doc["LineItems"][1]["TaxAmount"] = json!(1.5);
    inv["xero"] = json!({"id": ID, "document": doc});
    let mut s = s;
    s["hostTotal"] = json!({"policy": "taxOverride"});
    inv["total"] = json!("241.51");
    let d = preview_one(&s, &inv);
    assert_eq!(element(&d)["LineItems"][0]["TaxAmount"], json!(30.01));
    assert!(!d.unchanged, "{:?}", described(&d));
    // Paid in part: the tax is an amount Xero no longer lets change.
    inv["xero"]["document"]["AmountPaid"] = json!(50.0);
    inv["xero"]["document"]["Payments"] = json!([{"PaymentID": "p-1", "Amount": 50.0}]);
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        vec!["error UPDATE_NOT_ALLOWED@invoices[0].total"]
    );
    // The same TaxAmount as Xero holds: unchanged.
    inv["xero"]["document"]["LineItems"][0]["TaxAmount"] = json!(30.01);
    inv["xero"]["document"]["AmountPaid"] = json!(0.0);
    inv["xero"]["document"]["Payments"] = json!([]);
    assert!(preview_one(&s, &inv).unchanged);
}

/// Two lines with the same LineItemID (a host that copied a line with its id): Xero holds one
/// line of that id, so the host's copy cannot be both. Compared with the document, the copy
/// is an error at its lineItemId, never an "unchanged" update of fewer lines than the host's.
#[test]
fn a_line_item_id_sent_twice_is_an_error_with_or_without_the_document() {
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let doc = held(Kind::Accrec, &s, &inv, "AUTHORISED");
    let copy = inv["lines"][0].clone();
    inv["lines"].as_array_mut().unwrap().push(copy);
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert!(!d.unchanged, "{:?}", described(&d));
    assert_eq!(
        update_refusals(&d),
        ["error LINE_ITEM_UNKNOWN@invoices[0].lines[2].lineItemId"]
    );
    assert!(d.blocked);
    // Without the document to compare with, the copy is still refused.
    inv["xero"] = json!({"id": ID});
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        ["error LINE_ITEM_UNKNOWN@invoices[0].lines[2].lineItemId"]
    );
    assert!(d.blocked);
}

/// A document changes kind only by being voided and exported again (Xero turns no invoice
/// into a credit note, nor back): an exported credit note whose total is now positive, and
/// an invoice named only by its document (no `xero.id`) whose total is now negative, are
/// refused, never posted as a document of the other kind under the held id.
#[test]
fn an_update_never_changes_the_document_kind() {
    // Exported as a credit note; the host's total is now positive (an invoice).
    let s = settings(Kind::AccrecCredit, "AUTHORISED");
    let mut inv = source(Kind::AccrecCredit);
    let doc = held(Kind::AccrecCredit, &s, &inv, "AUTHORISED");
    assert_eq!(doc["Type"], "ACCRECCREDIT");
    for l in inv["lines"].as_array_mut().unwrap() {
        let u = l["unitAmount"]
            .as_str()
            .unwrap()
            .trim_start_matches('-')
            .to_owned();
        l["unitAmount"] = json!(u);
    }
    inv["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &inv);
    assert!(d.blocked, "credit note → invoice {:?}", described(&d));
    assert_eq!(
        update_refusals(&d),
        ["error UPDATE_NOT_ALLOWED@invoices[0]"]
    );
    // Exported as an invoice, named by its document only; the total is now negative.
    let s = settings(Kind::Accrec, "AUTHORISED");
    let mut inv = source(Kind::Accrec);
    let doc = held(Kind::Accrec, &s, &inv, "AUTHORISED");
    for l in inv["lines"].as_array_mut().unwrap() {
        let u = format!("-{}", l["unitAmount"].as_str().unwrap());
        l["unitAmount"] = json!(u);
    }
    inv["xero"] = json!({"document": doc});
    let d = preview_one(&s, &inv);
    assert!(d.blocked, "invoice → credit note {:?}", described(&d));
    assert_eq!(
        update_refusals(&d),
        ["error UPDATE_NOT_ALLOWED@invoices[0]"]
    );
    // With xero.id too, the flip's own refusal is the one reported.
    inv["xero"]["id"] = json!(ID);
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        ["error UPDATE_NOT_ALLOWED@invoices[0]"]
    );
}

/// With `unitdp: 4` the update sends UnitAmount 0.0612. Read as the README says
/// (`unitdp=4`), the held document holds 0.0612 too, so a part-paid invoice whose only change
/// is its Reference (allowed, reference §2.6) goes through. Read without it, Xero rounds the
/// unit amount to 0.06: that stays a UnitAmount change, refused on a paid document, because
/// rounding the sent value before comparing would hide a real 0.0612 → 0.0613 change (the
/// safe reading; the README asks for the document read with `unitdp=4`).
#[test]
fn a_document_read_with_unitdp4_compares_four_place_unit_amounts() {
    let mut s = settings(Kind::Accrec, "AUTHORISED");
    s["unitdp"] = json!(4);
    let mut inv = source(Kind::Accrec);
    inv["lines"][0]["quantity"] = json!(1000);
    inv["lines"][0]["unitAmount"] = json!("0.0612");
    let doc = held_paid(Kind::Accrec, &s, &inv, Paid::Part);
    inv["reference"] = json!("R-2");
    let mut read_with = inv.clone();
    read_with["xero"] = json!({"id": ID, "document": doc});
    let d = preview_one(&s, &read_with);
    assert!(update_refusals(&d).is_empty(), "{:?}", described(&d));

    let mut rounded = doc.clone();
    rounded["LineItems"][0]["UnitAmount"] = json!(0.06);
    inv["xero"] = json!({"id": ID, "document": rounded});
    let d = preview_one(&s, &inv);
    assert_eq!(
        update_refusals(&d),
        ["error UPDATE_NOT_ALLOWED@invoices[0].lines[0].unitAmount"]
    );
}

/// An invoice exported with clinician/location "North", re-sent after "North" was archived in
/// Xero (a locum who left): Xero keeps archived options on existing transactions (reference
/// §6), but the option was dropped from the line (policy "ignore": the update then removed
/// the tracking Xero held, and a document that changed nothing was sent every sync) or blocked
/// the document (policy "error"). A line that already carries the option in Xero (matched by
/// its LineItemID in `xero.document`) keeps it; a line that does not is treated as before.
#[test]
fn an_archived_option_a_line_already_carries_in_xero_is_kept() {
    let mut snapshot = sample_snapshot();
    for c in snapshot["trackingCategories"]["TrackingCategories"]
        .as_array_mut()
        .unwrap()
    {
        for o in c["Options"].as_array_mut().unwrap() {
            if o["Name"] == "North" {
                o["Status"] = json!("ARCHIVED");
            }
        }
    }
    for (stale, kind) in [("ignore", Kind::Accrec), ("error", Kind::Accpay)] {
        let mut s = settings(kind, "AUTHORISED");
        s["tracking"]["categories"][0]["stale"] = json!(stale);
        s["tracking"]["categories"][0]["sources"] = json!(["line"]);
        let mut inv = source(kind);
        inv["xero"] = json!({"id": ID, "document": held(kind, &s, &inv, "AUTHORISED")});
        let p = preview(snapshot.clone(), s.clone(), json!([inv.clone()]));
        let d = &p.documents[0];
        assert!(d.unchanged && !d.blocked, "{stale}: {:?}", described(d));
        let tracking = described(d).into_iter().filter(|c| c.contains("TRACKING"));
        assert_eq!(tracking.count(), 0, "{stale}: {:?}", described(d));
        // Another change on the line: sent, the held option with it.
        inv["lines"][0]["description"] = json!("Other");
        let p = preview(snapshot.clone(), s.clone(), json!([inv.clone()]));
        let d = &p.documents[0];
        assert!(!d.unchanged && !d.blocked, "{stale}: {:?}", described(d));
        assert_eq!(element(d)["LineItems"][0]["Tracking"][0]["Option"], "North");
        // The second line never carried it: the policy applies there as before.
        inv["lines"][1]["tracking"] = json!({"Location": "North"});
        let p = preview(snapshot.clone(), s.clone(), json!([inv.clone()]));
        let codes = described(&p.documents[0]);
        assert!(
            codes
                .iter()
                .any(|c| c.contains("TRACKING_OPTION_ARCHIVED@invoices[0].lines[1]")),
            "{stale}: {codes:?}"
        );
    }
}

// ----- lock dates of the held document -------------------------------------------------------

/// Xero refuses any edit of a document whose current date is in a locked period (reference
/// §2.6, "In a locked period: no"), whatever the new date. The held document's Date is checked,
/// not only the date sent: an AUTHORISED invoice dated 2023-06-01 under an end-of-year lock of
/// 2023-12-31 cannot be moved to 2024-02-01. Nothing sent (unchanged), nothing reported.
#[test]
fn an_update_of_a_document_dated_in_a_locked_period_is_reported() {
    let locked = |period: Value, end_of_year: Value| {
        let mut snap = sample_snapshot();
        let org = &mut snap["organisation"]["Organisations"][0];
        org["PeriodLockDate"] = period;
        org["EndOfYearLockDate"] = end_of_year;
        snap
    };
    let end_of_year = || locked(json!(null), json!("/Date(1703980800000+0000)/"));
    // The document as Xero holds it, dated 2023-06-01, and the update moving it to 2024-02-01.
    let update = |status: &str, held_status: &str, date: &str| {
        let s = settings(Kind::Accrec, status);
        let mut was = source(Kind::Accrec);
        was["date"] = json!("2023-06-01");
        let mut doc = held(Kind::Accrec, &s, &was, held_status);
        doc["Date"] = json!("/Date(1685577600000+0000)/");
        doc["DateString"] = json!("2023-06-01T00:00:00");
        let mut inv = source(Kind::Accrec);
        inv["date"] = json!(date);
        inv["xero"] = json!({"id": ID, "document": doc});
        (s, inv)
    };
    let locks = |d: &DocumentPreview| -> Vec<String> {
        described(d)
            .into_iter()
            .filter(|s| s.contains("DATE_LOCKED"))
            .collect()
    };
    let at = "invoices[0].xero.document";

    let (s, inv) = update("AUTHORISED", "AUTHORISED", "2024-02-01");
    let d = preview(end_of_year(), s.clone(), json!([inv])).documents[0].clone();
    assert_eq!(locks(&d), [format!("error DATE_LOCKED@{at}")]);
    assert!(d.blocked && !d.unchanged);
    let issue = d.issues.iter().find(|i| i.code.as_str() == "DATE_LOCKED");
    let message = &issue.unwrap().message;
    assert!(
        message.contains("2023-06-01")
            && message.contains("2023-12-31")
            && message.contains("credit"),
        "{message}"
    );

    // Under the period lock only: advisers may still edit there, so a warning.
    let period = locked(json!("/Date(1703980800000+0000)/"), json!(null));
    let d = preview(period, s.clone(), json!([inv])).documents[0].clone();
    assert_eq!(locks(&d), [format!("warning DATE_LOCKED@{at}")]);
    assert!(!d.blocked);

    // A DRAFT held in a locked period: reported (whether Xero refuses the edit of an unposted
    // draft is not documented), as a warning.
    let (s, inv) = update("DRAFT", "DRAFT", "2024-02-01");
    let d = preview(end_of_year(), s, json!([inv])).documents[0].clone();
    assert_eq!(locks(&d), [format!("warning DATE_LOCKED@{at}")]);
    assert!(!d.blocked);

    // Held after the lock date: nothing to report.
    let (s, mut inv) = update("AUTHORISED", "AUTHORISED", "2024-02-01");
    inv["xero"]["document"]["Date"] = json!("/Date(1706659200000+0000)/");
    let d = preview(end_of_year(), s, json!([inv])).documents[0].clone();
    assert!(locks(&d).is_empty(), "{:?}", described(&d));

    // Unchanged (held and sent alike, dated in the locked period): nothing is sent, so
    // nothing is refused, by either lock-date check.
    let (s, mut inv) = update("AUTHORISED", "AUTHORISED", "2023-06-01");
    let d = preview(end_of_year(), s.clone(), json!([inv])).documents[0].clone();
    assert!(d.unchanged && !d.blocked, "{:?}", described(&d));
    assert!(locks(&d).is_empty(), "{:?}", described(&d));

    // The same date kept, another field changed: said once, at the held document (the date's
    // own check said "date it after the lock date", which no update can act on), as an error.
    inv["lines"][0]["description"] = json!("Other");
    let d = preview(end_of_year(), s, json!([inv])).documents[0].clone();
    assert_eq!(locks(&d), [format!("error DATE_LOCKED@{at}")]);
    assert!(d.blocked);
}
