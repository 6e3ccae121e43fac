//! Checks shared by the Node and browser wasm suites.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use wasm_bindgen::{JsCast, JsValue};
use xero_export::wasm as api;

fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &key.into()).unwrap()
}

fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

pub(crate) fn line_amount_round_trip() {
    // 10 × 100.00 at 20 % → 800.00 (reference §15 oracle 11), numbers and strings mixed.
    let out = api::line_amount(parse(
        r#"{"quantity":10,"unitAmount":"100.00","discountRate":20}"#,
    ))
    .unwrap();
    assert_eq!(
        get(&out, "lineAmount").as_string().as_deref(),
        Some("800.00")
    );
    assert_eq!(
        get(&out, "unitAmount").as_string().as_deref(),
        Some("100.00")
    );
    assert_eq!(js_sys::Array::from(&get(&out, "issues")).length(), 0);
    // A result is a plain object, not a Map.
    assert!(!out.is_instance_of::<js_sys::Map>());
    // NaN is reported as an issue, not thrown.
    let input = js_sys::Object::new();
    js_sys::Reflect::set(&input, &"quantity".into(), &JsValue::from_f64(f64::NAN)).unwrap();
    js_sys::Reflect::set(&input, &"unitAmount".into(), &"1.00".into()).unwrap();
    let out = api::line_amount(input.into()).unwrap();
    assert!(get(&out, "lineAmount").is_null());
    let issue = js_sys::Array::from(&get(&out, "issues")).get(0);
    assert_eq!(
        get(&issue, "code").as_string().as_deref(),
        Some("NUMBER_NOT_FINITE")
    );
    assert_eq!(get(&issue, "path").as_string().as_deref(), Some("quantity"));
    // A JSON string is accepted too.
    let out = api::line_amount(r#"{"quantity":"0.5","unitAmount":"4.33"}"#.into()).unwrap();
    assert_eq!(get(&out, "lineAmount").as_string().as_deref(), Some("2.17"));
}

pub(crate) fn misuse_throws_coded_error() {
    let err = api::line_amount(parse(r#"{"quantity":true}"#)).unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(
        get(&err, "name").as_string().as_deref(),
        Some("XeroExportError")
    );
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_INPUT")
    );
    assert!(get(&err, "details").is_object());
    let err = api::line_amount("{not json".into()).unwrap_err();
    assert_eq!(
        get(&err, "code").as_string().as_deref(),
        Some("INVALID_JSON")
    );
}
