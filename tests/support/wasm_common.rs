//! Checks shared by the Node and browser wasm suites: the binding's JSON-in, JSON-out contract
//! and its thrown errors, called as the package's JS entry calls it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use xero_export::wasm as api;

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap()
}

fn call(input: Value) -> Value {
    serde_json::from_str(&api::line_amount(&input.to_string()).unwrap()).unwrap()
}

pub(crate) fn line_amount_round_trip() {
    // 10 × 100.00 at 20 % → 800.00 (reference §15 oracle 11), numbers and strings mixed.
    let out = call(json!({"quantity": 10, "unitAmount": "100.00", "discountRate": 20}));
    assert_eq!(
        out,
        json!({"unitAmount": "100.00", "lineAmount": "800.00", "issues": []})
    );
    // Non-finite numbers reach the core as the JS entry's marker and are issues.
    let out = call(json!({"quantity": {"$nonFinite": "NaN"}, "unitAmount": "1.00"}));
    assert_eq!(out["lineAmount"], Value::Null);
    assert_eq!(out["issues"][0]["code"], "NUMBER_NOT_FINITE");
    assert_eq!(out["issues"][0]["path"], "quantity");
    // Half away from zero: 0.5 × 4.33 = 2.165 → 2.17.
    assert_eq!(
        call(json!({"quantity": "0.5", "unitAmount": "4.33"}))["lineAmount"],
        "2.17"
    );
    // The exporter round trip through the binding.
    let exporter = api::JsExporter::new(
        r#"{"taxRates":[{"TaxType":"OUTPUT2","EffectiveRate":15,"Status":"ACTIVE"}]}"#,
        "null",
    )
    .unwrap();
    let invoices = br#"[{"id":"a","date":"2024-01-15","payer":{"contactId":"5cc8cf28-567e-4d43-b287-687cfcaec47c"},"lines":[{"description":"x","quantity":1,"unitAmount":25.06,"taxCode":"OUTPUT2","accountCode":"200"}]}]"#;
    let preview: Value =
        serde_json::from_str(&exporter.preview_json(invoices, "null").unwrap()).unwrap();
    // `previewResults` through the binding: a page of documents in the flat form (read back
    // with `page_json`, as api.js reads it with `pageDocuments`) and the batch's part; put
    // together they are `previewJson`'s preview.
    let results = exporter.preview_results(invoices, "null").unwrap();
    let page = results.documents(0, 1).unwrap();
    let (documents, rest) = xero_export::preview::results::page_json(&page).unwrap();
    assert_eq!(rest, "");
    let mut whole = serde_json::Map::new();
    whole.insert(
        "documents".into(),
        serde_json::from_str(&documents).unwrap(),
    );
    let mut meta: Value = serde_json::from_str(&results.batch()).unwrap();
    whole.append(meta.as_object_mut().unwrap());
    assert_eq!(Value::Object(whole), preview);
    // `preview` (what api.js calls for a small batch): the table's generation and the first
    // list sent, the same documents, then the batch's part; called again with the lists the
    // first call sent, it sends none (its lines name the lists held).
    let mut lists = std::collections::BTreeMap::new();
    let one = exporter.preview(invoices, "null", 0, 0).unwrap();
    let read = xero_export::preview::results::whole_json(&one, &mut lists).unwrap();
    assert_eq!((read.1, &read.2, read.3), (0, &documents, results.batch()));
    let held = u32::try_from(lists.len()).unwrap();
    let again = exporter.preview(invoices, "null", read.0, held).unwrap();
    let reread = xero_export::preview::results::whole_json(&again, &mut lists).unwrap();
    assert_eq!(
        (reread.0, reread.1, reread.2),
        (read.0, lists.len(), documents)
    );
    let parts: Vec<&str> = page.split('\0').collect();
    assert_eq!(parts[0], "1");
    assert!(parts[1].starts_with(r#"{"Invoices":[{"Type":"ACCREC""#));
    assert_eq!(preview["documents"][0]["totals"]["total"], "28.82");
}

pub(crate) fn misuse_throws_coded_error() {
    let err = api::line_amount(r#"{"quantity":true}"#).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&err, "name").as_string().as_deref(),
        Some("XeroExportError")
    );
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_INPUT")
    );
    assert_eq!(
        get(&get(&err, "details"), "argument")
            .as_string()
            .as_deref(),
        Some("line")
    );
    let err = api::line_amount("{not json").unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_JSON")
    );
    let err = api::JsExporter::new("{}", r#"{"status":"PAID"}"#)
        .err()
        .unwrap();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_SETTINGS")
    );
}
