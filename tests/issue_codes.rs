//! One row per issue code the preview can raise: the smallest input that triggers it, and the
//! code, severity and path it must produce. Codes and paths are API; this table pins them.
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

const BASE: fn() -> Value = || json!({"taxes": {"default": "OUTPUT2", "byCode": {"GST": "OUTPUT2", "OLD": "TAX001", "IN": "INPUT2"}}, "accounts": {"default": "200"}});

fn with(settings: Value) -> Value {
    let mut s = BASE();
    for (k, v) in settings.as_object().unwrap() {
        s[k] = v.clone();
    }
    s
}

/// (what, settings overrides, invoices, expected "SEVERITY CODE@path" among the issues)
fn rows() -> Vec<(&'static str, Value, Value, &'static str)> {
    let inv = |v: Value| json!([v]);
    let base = |extra: Value| {
        let mut i = json!({"id": "i", "number": "N-1", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]});
        for (k, v) in extra.as_object().unwrap() {
            i[k] = v.clone();
        }
        inv(i)
    };
    let line = |l: Value| invoice_with_line(l);
    vec![
        (
            "NaN quantity",
            json!({}),
            line(json!({"quantity": "NaN"})),
            "error NUMBER_INVALID@invoices[0].lines[0].quantity",
        ),
        (
            "text amount",
            json!({}),
            line(json!({"unitAmount": "1,000.00"})),
            "error NUMBER_INVALID@invoices[0].lines[0].unitAmount",
        ),
        (
            "unit decimals",
            json!({}),
            line(json!({"unitAmount": "1.005"})),
            "error TOO_MANY_DECIMALS@invoices[0].lines[0].unitAmount",
        ),
        (
            "quantity decimals",
            json!({}),
            line(json!({"quantity": "1.00001"})),
            "error TOO_MANY_DECIMALS@invoices[0].lines[0].quantity",
        ),
        (
            "quantity digits",
            json!({}),
            line(json!({"quantity": "12345678901234"})),
            "error NUMBER_OUT_OF_RANGE@invoices[0].lines[0].quantity",
        ),
        (
            "no id",
            json!({}),
            base(json!({"id": null})),
            "error MISSING@invoices[0].id",
        ),
        (
            "no date",
            json!({}),
            base(json!({"date": null})),
            "error MISSING@invoices[0].date",
        ),
        (
            "bad date",
            json!({}),
            base(json!({"date": "15/01/2024"})),
            "error DATE_INVALID@invoices[0].date",
        ),
        (
            "date converted to UTC (toISOString of midnight in Auckland)",
            json!({}),
            base(json!({"date": "2024-01-14T11:00:00.000Z"})),
            "warning DATE_FROM_UTC_TIME@invoices[0].date",
        ),
        (
            "due date converted to UTC",
            json!({}),
            base(json!({"dueDate": "2024-02-19T13:00:00+00:00"})),
            "warning DATE_FROM_UTC_TIME@invoices[0].dueDate",
        ),
        (
            "due before date",
            json!({}),
            base(json!({"dueDate": "2024-01-01"})),
            "warning DUE_DATE_BEFORE_DATE@invoices[0].dueDate",
        ),
        (
            "due date missing",
            json!({"status": "AUTHORISED"}),
            base(json!({})),
            "error DUE_DATE_MISSING@invoices[0].dueDate",
        ),
        (
            "number too long",
            json!({}),
            base(json!({"number": "N".repeat(256)})),
            "error TOO_LONG@invoices[0].number",
        ),
        (
            "reference too long",
            json!({}),
            base(json!({"reference": "R".repeat(256)})),
            "error TOO_LONG@invoices[0].reference",
        ),
        (
            "description too long",
            json!({}),
            line(json!({"description": "d".repeat(4001)})),
            "error TOO_LONG@invoices[0].lines[0].description",
        ),
        (
            "non-ASCII number",
            json!({}),
            base(json!({"number": "Nº-1"})),
            "error INVALID_CHARACTERS@invoices[0].number",
        ),
        (
            "template field",
            json!({"templates": {"reference": "{project}"}}),
            base(json!({})),
            "error TEMPLATE_FIELD_UNKNOWN@invoices[0].fields.project",
        ),
        (
            "bad url",
            json!({"templates": {"url": "clinic/{id}"}}),
            base(json!({})),
            "error SETTINGS_INVALID@invoices[0].url",
        ),
        (
            "no lines",
            json!({}),
            base(json!({"lines": []})),
            "error EMPTY_INVOICE@invoices[0].lines",
        ),
        (
            "empty line",
            json!({}),
            base(json!({"lines": [{}]})),
            "error LINE_EMPTY@invoices[0].lines[0]",
        ),
        (
            "no description",
            json!({}),
            line(json!({"description": null})),
            "error MISSING@invoices[0].lines[0].description",
        ),
        (
            "no unit amount",
            json!({}),
            line(json!({"unitAmount": null})),
            "error MISSING@invoices[0].lines[0].unitAmount",
        ),
        (
            "line cap",
            json!({}),
            line(json!({"quantity": 2, "unitAmount": "9999999999.99"})),
            "error LINE_AMOUNT_TOO_LARGE@invoices[0].lines[0]",
        ),
        (
            "line rounding to 0.00",
            json!({"unitdp": 4}),
            line(json!({"quantity": 2, "unitAmount": "0.001"})),
            "warning LINE_AMOUNT_ROUNDS_TO_ZERO@invoices[0].lines[0]",
        ),
        (
            "discount > 100",
            json!({}),
            line(json!({"discountRate": 120})),
            "error DISCOUNT_INVALID@invoices[0].lines[0].discountRate",
        ),
        (
            "two discounts",
            json!({}),
            line(json!({"discountRate": 10, "discountAmount": "1.00"})),
            "error DISCOUNT_INVALID@invoices[0].lines[0].discountAmount",
        ),
        (
            "discount > line",
            json!({}),
            line(json!({"discountAmount": "500.00"})),
            "error DISCOUNT_INVALID@invoices[0].lines[0].discountAmount",
        ),
        (
            "bill discount",
            json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}}),
            line(json!({"quantity": 3, "unitAmount": "10.00", "discountRate": 10})),
            "warning DISCOUNT_NOT_SUPPORTED@invoices[0].lines[0].discountRate",
        ),
        (
            "negative kept, draft",
            json!({"negativeInvoices": "keep"}),
            line(json!({"unitAmount": "-10.00"})),
            "warning NEGATIVE_TOTAL@invoices[0]",
        ),
        (
            "zero total (a member who logged no hours)",
            json!({}),
            line(json!({"quantity": 0})),
            "warning ZERO_TOTAL@invoices[0]",
        ),
        (
            "negative kept, approved",
            json!({"negativeInvoices": "keep", "status": "AUTHORISED"}),
            base(
                json!({"dueDate": "2024-02-01", "lines": [{"description": "x", "quantity": 1, "unitAmount": "-10.00"}]}),
            ),
            "error APPROVAL_REFUSED@invoices[0]",
        ),
        (
            "credit note",
            json!({}),
            line(json!({"unitAmount": "-10.00"})),
            "warning CONVERTED_TO_CREDIT_NOTE@invoices[0]",
        ),
        (
            "host total",
            json!({}),
            base(json!({"total": "11.49"})),
            "warning TOTAL_MISMATCH@invoices[0].total",
        ),
        (
            "no account, draft",
            json!({"accounts": {}}),
            line(json!({})),
            "warning ACCOUNT_MISSING@invoices[0].lines[0].accountCode",
        ),
        (
            "no account, approved",
            json!({"accounts": {}, "status": "SUBMITTED"}),
            base(json!({"dueDate": "2024-02-01"})),
            "error ACCOUNT_MISSING@invoices[0].lines[0].accountCode",
        ),
        (
            "unknown account",
            json!({}),
            line(json!({"accountCode": "999"})),
            "error ACCOUNT_UNKNOWN@invoices[0].lines[0].accountCode",
        ),
        (
            "archived account",
            json!({}),
            line(json!({"accountCode": "260"})),
            "error ACCOUNT_ARCHIVED@invoices[0].lines[0].accountCode",
        ),
        (
            "expense on sale",
            json!({}),
            line(json!({"accountCode": "463", "taxCode": "IN"})),
            "error ACCOUNT_CLASS_MISMATCH@invoices[0].lines[0].accountCode",
        ),
        (
            "bank account",
            json!({}),
            line(json!({"accountCode": "091"})),
            "error ACCOUNT_CLASS_MISMATCH@invoices[0].lines[0].accountCode",
        ),
        (
            "revenue on bill",
            json!({"invoiceType": "ACCPAY"}),
            line(json!({"accountCode": "200"})),
            "error ACCOUNT_CLASS_MISMATCH@invoices[0].lines[0].accountCode",
        ),
        (
            "no tax type, approved",
            json!({"taxes": {}, "accounts": {"default": "NOTAX"}, "status": "AUTHORISED"}),
            base(json!({"dueDate": "2024-02-01"})),
            "error TAX_TYPE_MISSING@invoices[0].lines[0].taxCode",
        ),
        (
            "unmapped tax code",
            json!({}),
            line(json!({"taxCode": "VAT20"})),
            "error TAX_CODE_UNMAPPED@invoices[0].lines[0].taxCode",
        ),
        (
            "a tax code under NoTax",
            json!({"lineAmountTypes": "NoTax"}),
            line(json!({"taxCode": "GST"})),
            "warning FIELD_NOT_SENT@invoices[0].lines[0].taxCode",
        ),
        (
            "a bill's reference",
            json!({"invoiceType": "ACCPAY", "taxes": {"default": "INPUT2"}, "accounts": {"default": "463"}}),
            base(json!({"reference": "PO-77"})),
            "warning FIELD_NOT_SENT@invoices[0].reference",
        ),
        (
            "unknown tax type",
            json!({"taxes": {"default": "GST on Income"}}),
            line(json!({})),
            "error TAX_TYPE_UNKNOWN@invoices[0].lines[0].taxCode",
        ),
        (
            "archived tax rate",
            json!({}),
            line(json!({"taxCode": "OLD"})),
            "error TAX_TYPE_INACTIVE@invoices[0].lines[0].taxCode",
        ),
        (
            "tax not for class",
            json!({}),
            line(json!({"taxCode": "IN"})),
            "error TAX_TYPE_NOT_ALLOWED@invoices[0].lines[0].taxCode",
        ),
        (
            "currency",
            json!({}),
            base(json!({"currency": "USD"})),
            "error CURRENCY_NOT_ENABLED@invoices[0].currency",
        ),
        (
            "no payer",
            json!({}),
            base(json!({"payer": null})),
            "error PAYER_MISSING@invoices[0].payer",
        ),
        (
            "unknown payer",
            json!({}),
            base(json!({"payer": {"kind": "patient", "id": "x", "name": "Nobody Known"}})),
            "error CONTACT_NOT_FOUND@invoices[0].payer",
        ),
        (
            "archived payer",
            json!({}),
            base(json!({"payer": {"kind": "patient", "id": "x", "name": "Old Patient"}})),
            "error CONTACT_ARCHIVED@invoices[0].payer",
        ),
        (
            "ambiguous payer",
            json!({}),
            base(json!({"payer": {"name": "Harbour Dental"}})),
            "error CONTACT_AMBIGUOUS@invoices[0].payer.name",
        ),
        (
            "new contact",
            json!({"contacts": {"onMissing": "create"}}),
            base(json!({"payer": {"kind": "patient", "id": "x", "name": "New Person"}})),
            "warning CONTACT_WILL_BE_CREATED@invoices[0].payer",
        ),
        (
            "new contact nearly named as an existing one",
            json!({"contacts": {"onMissing": "create"}}),
            base(json!({"payer": {"kind": "patient", "id": "x", "name": "Kathérine Warren"}})),
            "warning CONTACT_NEAR_MISS@invoices[0].payer.name",
        ),
        (
            "bad email",
            json!({"contacts": {"onMissing": "create"}}),
            base(
                json!({"payer": {"kind": "patient", "id": "x", "name": "New Person", "email": "not-an-email"}}),
            ),
            "error EMAIL_INVALID@invoices[0].payer.email",
        ),
        (
            "tracking unknown option",
            json!({"tracking": {"categories": [{"category": "Location", "stale": "error"}]}}),
            line(json!({"tracking": {"Location": "Mars"}})),
            "error TRACKING_OPTION_UNKNOWN@invoices[0].lines[0].tracking.Location",
        ),
        (
            "tracking archived",
            json!({"tracking": {"categories": [{"category": "Location"}]}}),
            line(json!({"tracking": {"Location": "Harbour"}})),
            "warning TRACKING_OPTION_ARCHIVED@invoices[0].lines[0].tracking.Location",
        ),
        (
            "tracking deleted",
            json!({"tracking": {"categories": [{"category": "Location", "stale": "error"}]}}),
            line(json!({"tracking": {"Location": "Gone"}})),
            "error TRACKING_OPTION_DELETED@invoices[0].lines[0].tracking.Location",
        ),
        (
            "tracking category gone",
            json!({"tracking": {"categories": [{"category": "Department"}]}}),
            line(json!({"tracking": {"Department": "Sales"}})),
            "warning TRACKING_CATEGORY_UNKNOWN@invoices[0].lines[0].tracking.Department",
        ),
        (
            "tracking category archived",
            json!({"tracking": {"categories": [{"category": "Region (old)", "stale": "error"}]}}),
            line(json!({"tracking": {"Region (old)": "East"}})),
            "error TRACKING_CATEGORY_INACTIVE@invoices[0].lines[0].tracking.Region (old)",
        ),
        (
            "tracking required",
            json!({"tracking": {"categories": [{"category": "Location", "required": true}]}}),
            line(json!({})),
            "error TRACKING_REQUIRED@invoices[0].lines[0].tracking.Location",
        ),
        (
            "tracking fallback",
            json!({"tracking": {"categories": [{"category": "Location", "stale": "fallback", "fallback": "North"}]}}),
            line(json!({"tracking": {"Location": "Harbour"}})),
            "warning TRACKING_FALLBACK_USED@invoices[0].lines[0].tracking.Location",
        ),
        (
            "update paid",
            json!({}),
            base(json!({"xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "status": "PAID"}})),
            "error UPDATE_NOT_ALLOWED@invoices[0].xero.status",
        ),
        (
            "update authorised back to draft",
            json!({}),
            base(
                json!({"xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "status": "AUTHORISED"}}),
            ),
            "error UPDATE_NOT_ALLOWED@settings.status",
        ),
        (
            "update part paid without its document",
            json!({"status": "AUTHORISED"}),
            base(
                json!({"dueDate": "2024-02-15", "xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "status": "AUTHORISED", "amountPaid": "5.00"}}),
            ),
            "error UPDATE_DOCUMENT_NEEDED@invoices[0].xero.document",
        ),
        (
            "update with a document that is not one",
            json!({}),
            base(
                json!({"xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "document": "INV-1"}}),
            ),
            "error XERO_DOCUMENT_INVALID@invoices[0].xero.document",
        ),
        (
            "update with a line id Xero does not hold",
            json!({}),
            inv(
                json!({"id": "i", "number": "N-1", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "document": {"InvoiceID": "0b1f0000-0000-4000-8000-000000000001", "Status": "DRAFT", "LineItems": []}}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00", "lineItemId": "11110000-0000-4000-8000-000000000009"}]}),
            ),
            "error LINE_ITEM_UNKNOWN@invoices[0].lines[0].lineItemId",
        ),
        (
            "update leaving out a line Xero holds",
            json!({}),
            base(
                json!({"xero": {"id": "0b1f0000-0000-4000-8000-000000000001", "document": {"InvoiceID": "0b1f0000-0000-4000-8000-000000000001", "Status": "DRAFT", "LineItems": [{"LineItemID": "11110000-0000-4000-8000-000000000001", "Description": "old"}]}}}),
            ),
            "warning LINE_WILL_BE_DELETED@invoices[0].lines",
        ),
    ]
}

/// Issues as "severity CODE@path", the form the tables below expect.
fn described<'a>(issues: impl Iterator<Item = &'a xero_export::Issue>) -> Vec<String> {
    issues
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

#[test]
fn every_code_with_its_path() {
    let mut failures = Vec::new();
    for (what, settings, invs, want) in rows() {
        let p = preview(sample_snapshot(), with(settings), invs);
        let got = described(p.documents[0].issues.iter());
        if !got.iter().any(|g| g == want) {
            failures.push(format!("{what}: expected {want}, got {got:?}"));
        }
        // Errors block the document; warnings alone never do.
        let blocked = p.documents[0].blocked;
        if want.starts_with("error") && !blocked {
            failures.push(format!("{what}: an error did not block the document"));
        }
        if p.documents[0].issues.iter().all(|i| !i.is_error()) && blocked {
            failures.push(format!("{what}: warnings alone blocked the document"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn settings_and_snapshot_codes() {
    let e = exporter(
        sample_snapshot(),
        json!({"unitdp": 3, "templates": {"invoiceNumber": "{number"}, "tracking": {"categories": [{"category": "Location"}, {"category": "Clinician"}, {"category": "Region (old)"}]}}),
    );
    let got = codes(e.issues());
    for want in [
        "SETTINGS_INVALID@settings.unitdp",
        "SETTINGS_INVALID@settings.templates.invoiceNumber",
        "TRACKING_TOO_MANY@settings.tracking.categories",
    ] {
        assert!(got.iter().any(|g| g == want), "{want} not in {got:?}");
    }
    // Settings errors block every document (nothing half-configured is sent).
    let p = e.preview(&invoices(invoice_with_line(json!({}))));
    assert!(p.documents[0].blocked);
    // Three ACTIVE categories cannot come from one organisation.
    let mut s = sample_snapshot();
    s["trackingCategories"]["TrackingCategories"][2]["Status"] = json!("ACTIVE");
    let e = exporter(s, json!({}));
    assert_eq!(
        codes(e.issues()),
        ["TRACKING_CATEGORY_LIMIT@snapshot.trackingCategories"]
    );
    // A snapshot without the organisation is usable, with a warning saying what is skipped.
    let mut s = sample_snapshot();
    s.as_object_mut().unwrap().remove("organisation");
    assert_eq!(
        codes(exporter(s, json!({})).issues()),
        ["SNAPSHOT_INVALID@snapshot.organisation"]
    );
}

/// Regression: settings that have no effect with the others were taken without a word: a
/// `fallback` under a stale policy that never uses it, a `roundingAccount` under a host-total
/// policy that adds no line, a category with no sources. Each is a `SETTING_UNUSED` warning at
/// its path; warnings, so documents still go.
#[test]
fn settings_without_effect_are_said() {
    let e = exporter(
        sample_snapshot(),
        with(
            json!({"hostTotal": {"policy": "report", "roundingAccount": "860"},
            "tracking": {"categories": [{"category": "Location", "stale": "error", "fallback": "North"},
                                        {"category": "Clinician", "sources": []}]}}),
        ),
    );
    assert_eq!(
        described(e.issues().iter()),
        [
            "warning SETTING_UNUSED@settings.hostTotal.roundingAccount",
            "warning SETTING_UNUSED@settings.tracking.categories[0].fallback",
            "warning SETTING_UNUSED@settings.tracking.categories[1].sources"
        ]
    );
    assert!(e.issues().iter().all(|i| i.message.contains("remove")));
    assert!(!e.preview(&invoices(invoice_with_line(json!({})))).documents[0].blocked);
    // Used as meant: nothing said.
    let e = exporter(
        sample_snapshot(),
        with(
            json!({"hostTotal": {"policy": "roundingLine", "roundingAccount": "860"},
            "tracking": {"categories": [{"category": "Location", "stale": "fallback", "fallback": "North"}]}}),
        ),
    );
    assert!(
        !codes(e.issues())
            .iter()
            .any(|c| c.contains("SETTING_UNUSED")),
        "{:?}",
        codes(e.issues())
    );
}

/// Lock dates: "up to and including" the date. The end-of-year lock blocks AUTHORISED for every
/// user; the period lock only warns (advisers may post into it); DRAFT and SUBMITTED only warn.
#[test]
fn date_locked_by_the_organisation_lock_dates() {
    let locked = |period: Value, end_of_year: Value| {
        let mut s = sample_snapshot();
        let org = &mut s["organisation"]["Organisations"][0];
        org["PeriodLockDate"] = period;
        org["EndOfYearLockDate"] = end_of_year;
        s
    };
    // 2024-01-31 and 2023-12-31, as Xero sends them.
    let xero = || {
        locked(
            json!("/Date(1706659200000+0000)/"),
            json!("/Date(1703980800000+0000)/"),
        )
    };
    let on = |date: &str| {
        let mut i = invoice_with_line(json!({}));
        i[0]["date"] = json!(date);
        i[0]["dueDate"] = json!("2024-03-31");
        i
    };
    let got_for = |snapshot: Value, status: &str, invoices: Value| {
        let p = preview(snapshot, with(json!({"status": status})), invoices);
        let d = &p.documents[0];
        let locked = d.issues.iter().filter(|i| i.code.as_str() == "DATE_LOCKED");
        (described(locked), d.blocked)
    };
    let got = |snapshot: Value, status: &str, date: &str| got_for(snapshot, status, on(date));
    let error = (vec!["error DATE_LOCKED@invoices[0].date".to_owned()], true);
    let warning = (
        vec!["warning DATE_LOCKED@invoices[0].date".to_owned()],
        false,
    );
    let clear = (Vec::<String>::new(), false);
    for (status, date, want) in [
        ("AUTHORISED", "2023-12-31", &error), // on the end-of-year lock date
        ("AUTHORISED", "2023-06-30", &error), // before it
        ("AUTHORISED", "2024-01-01", &warning), // after it, on or before the period lock
        ("AUTHORISED", "2024-01-31", &warning),
        ("AUTHORISED", "2024-02-01", &clear), // after both
        ("DRAFT", "2023-12-31", &warning),
        ("SUBMITTED", "2023-12-31", &warning),
        ("SUBMITTED", "2024-01-15", &warning),
        ("DRAFT", "2024-02-01", &clear),
    ] {
        assert_eq!(&got(xero(), status, date), want, "{status} {date}");
    }
    // xero-node's model objects: camelCase, and its `/Date(` strings become JS Dates, which
    // JSON.stringify writes as ISO text.
    let mut s = sample_snapshot();
    let org = &mut s["organisation"]["Organisations"][0];
    org["periodLockDate"] = json!("2024-01-31T00:00:00.000Z");
    org["endOfYearLockDate"] = json!("2023-12-31T00:00:00.000Z");
    assert_eq!(got(s.clone(), "AUTHORISED", "2023-12-31"), error);
    assert_eq!(got(s, "AUTHORISED", "2024-01-31"), warning);
    // xero-node drops the offset of Xero's `/Date(1703934000000+1300)/` (2023-12-31 in New
    // Zealand): its Date is 2023-12-30T11:00Z, still the lock date 2023-12-31.
    let mut s = sample_snapshot();
    s["organisation"]["Organisations"][0]["endOfYearLockDate"] = json!("2023-12-30T11:00:00.000Z");
    assert_eq!(got(s.clone(), "AUTHORISED", "2023-12-31"), error);
    assert_eq!(got(s, "AUTHORISED", "2024-01-01"), clear);
    // West of UTC (Xero's date 2023-12-31 at -05:00): the same day.
    let mut s = sample_snapshot();
    s["organisation"]["Organisations"][0]["endOfYearLockDate"] = json!("2023-12-31T05:00:00.000Z");
    assert_eq!(got(s.clone(), "AUTHORISED", "2023-12-31"), error);
    assert_eq!(got(s, "AUTHORISED", "2024-01-01"), clear);
    // Updating a document AUTHORISED in Xero is judged as approving, whatever the settings say.
    let update = |date: &str| {
        let mut i = on(date);
        i[0]["xero"] =
            json!({"id": "0b1f0000-0000-4000-8000-000000000001", "status": "AUTHORISED"});
        got_for(xero(), "DRAFT", i)
    };
    assert_eq!(update("2023-12-31"), error);
    // Sent as DRAFT, the update is also refused as AUTHORISED → DRAFT (§2.6): blocked either
    // way, and the lock date still only warns.
    assert_eq!(update("2024-01-31"), (warning.0.clone(), true));
    // Either date alone.
    assert_eq!(
        got(
            locked(json!(null), json!("2023-12-31")),
            "AUTHORISED",
            "2023-12-31"
        ),
        error
    );
    assert_eq!(
        got(
            locked(json!("2023-12-31"), json!(null)),
            "AUTHORISED",
            "2023-12-31"
        ),
        warning
    );
    // An unreadable lock date is reported on the snapshot and not used.
    let e = exporter(locked(json!("31/01/2024"), json!("")), json!({}));
    assert_eq!(
        codes(e.issues()),
        ["SNAPSHOT_INVALID@snapshot.organisation.PeriodLockDate"]
    );
    assert_eq!(
        got(
            locked(json!("31/01/2024"), json!("")),
            "AUTHORISED",
            "2024-01-15"
        ),
        clear
    );
}

/// Currencies without decimals: a fraction anywhere in the totals warns (never blocks, since
/// whether Xero refuses it is UNVERIFIED); whole amounts say nothing.
#[test]
fn currency_without_decimals_warns_on_fractions() {
    let with_yen = |base: &str| {
        let mut s = sample_snapshot();
        s["currencies"]["Currencies"]
            .as_array_mut()
            .unwrap()
            .push(json!({"Code": "JPY"}));
        s["organisation"]["Organisations"][0]["BaseCurrency"] = json!(base);
        s
    };
    let got_with = |settings: Value, base: &str, currency: Value, unit: &str, tax: &str| {
        let mut i = invoice_with_line(json!({"unitAmount": unit, "taxCode": tax}));
        i[0]["currency"] = currency;
        let p = preview(with_yen(base), with(settings), i);
        let d = &p.documents[0];
        assert!(!d.blocked, "{:?}", d.issues);
        codes(&d.issues)
            .into_iter()
            .filter(|c| c.starts_with("CURRENCY_NO_DECIMALS"))
            .collect::<Vec<_>>()
    };
    let got = |base: &str, currency: Value, unit: &str, tax: &str| {
        got_with(json!({}), base, currency, unit, tax)
    };
    let warned = vec!["CURRENCY_NO_DECIMALS@invoices[0]".to_owned()];
    // 1000 + 15 % = 1150: whole yen.
    assert!(got("NZD", json!("JPY"), "1000", "GST").is_empty());
    // A fractional price.
    assert_eq!(got("NZD", json!("JPY"), "1000.50", "GST"), warned);
    // A whole price whose tax is not: 999 × 15 % = 149.85.
    assert_eq!(got("NZD", json!("jpy"), "999", "GST"), warned);
    assert!(got("NZD", json!("JPY"), "999", "NONE").is_empty());
    // No currency on the invoice: the organisation's base currency decides.
    assert_eq!(got("JPY", json!(null), "999", "GST"), warned);
    assert!(got("NZD", json!(null), "999", "GST").is_empty());
    assert!(got("NZD", json!("AUD"), "999.99", "GST").is_empty());
    // Inclusive whole prices: the total is whole (the tax inside it need not be).
    let inclusive = json!({"lineAmountTypes": "Inclusive"});
    assert!(got_with(inclusive.clone(), "NZD", json!("JPY"), "999", "GST").is_empty());
    assert_eq!(
        got_with(inclusive, "NZD", json!("JPY"), "999.5", "GST"),
        warned
    );
}

#[test]
fn every_problem_at_once() {
    let p = preview(
        sample_snapshot(),
        with(json!({"status": "AUTHORISED"})),
        json!([{
            "id": "many", "date": "2024-13-01", "currency": "USD", "payer": {"name": "Nobody"},
            "lines": [{"description": "a", "quantity": "x", "unitAmount": "1.001", "accountCode": "999"}, {"description": "b", "quantity": 1, "unitAmount": 5, "taxCode": "VAT"}]
        }]),
    );
    let got = codes(&p.documents[0].issues);
    assert!(got.len() >= 7, "{got:?}");
    for want in [
        "DATE_INVALID@invoices[0].date",
        "CURRENCY_NOT_ENABLED@invoices[0].currency",
        "NUMBER_INVALID@invoices[0].lines[0].quantity",
        "TOO_MANY_DECIMALS@invoices[0].lines[0].unitAmount",
        "ACCOUNT_UNKNOWN@invoices[0].lines[0].accountCode",
        "TAX_CODE_UNMAPPED@invoices[1].lines[1].taxCode",
        "CONTACT_NOT_FOUND@invoices[0].payer",
    ] {
        let want = want.replace("invoices[1]", "invoices[0]");
        assert!(got.contains(&want), "{want} not in {got:?}");
    }
}

#[test]
fn errors_block_only_their_own_document() {
    let mut invs = invoice_with_line(json!({}));
    let bad = invoice_with_line(json!({"accountCode": "999"}));
    invs.as_array_mut().unwrap().push(bad[0].clone());
    invs[1]["id"] = json!("inv-2");
    let p = preview(sample_snapshot(), BASE(), invs);
    assert!(!p.documents[0].blocked);
    assert!(p.documents[1].blocked);
    assert_eq!((p.summary.ready, p.summary.blocked), (1, 1));
}

/// A host that keeps dates as JS `Date`s and sends `toISOString()` sends midnight in Auckland
/// (4 November) as `2026-11-03T11:00:00.000Z`: the date written is the day before. Before, it
/// was exported as 3 November without a word (reference §2.8: datetimes shift documents a day).
/// It is still read as written (the organisation's zone is not known here), with a warning;
/// a date alone, midnight UTC, or a local time or another offset (whose date is the local one)
/// are not warned about.
#[test]
fn a_date_with_a_time_in_utc_is_read_as_written_with_a_warning() {
    let warned = |date: &str| {
        let inv = json!([{"id": "i", "number": "N-1", "date": date, "payer": {"contactId": KATHERINE},
            "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]}]);
        let p = preview(sample_snapshot(), with(json!({})), inv);
        let d = &p.documents[0];
        assert!(!d.blocked, "{date}: {:?}", d.issues);
        assert_eq!(
            json_of(&p)["documents"][0]["date"].as_str(),
            Some(&date[..10]),
            "{date}"
        );
        d.issues
            .iter()
            .filter(|i| i.code.as_str() == "DATE_FROM_UTC_TIME")
            .count()
    };
    for date in [
        "2026-11-03T11:00:00.000Z",
        "2026-11-03T23:59:59Z",
        "2026-11-03T00:00:01-00:00",
    ] {
        assert_eq!(warned(date), 1, "{date}");
    }
    for date in [
        "2026-11-03",
        "2026-11-03T00:00:00Z",
        "2026-11-03T00:00:00.000Z",
        "2026-11-03T09:30:00",
        "2026-11-04T00:00:00+13:00",
    ] {
        assert_eq!(warned(date), 0, "{date}");
    }
}
