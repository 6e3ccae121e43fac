//! The JS binding: the only module that touches wasm-bindgen, js-sys and serde-wasm-bindgen.
//!
//! Every export has the same three steps: read the JS input inside the function body (so a
//! wrong shape becomes a clean JS `Error`, not an ABI failure), call the core, convert the
//! result with one JSON-compatible serializer (plain objects, never `Map`s). No logic lives here.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

/// One serializer for every result: plain objects and arrays, as JSON would give.
const SERIALIZER: serde_wasm_bindgen::Serializer =
    serde_wasm_bindgen::Serializer::json_compatible();

/// A core misuse error as a JS `Error` with `name`, `code` and `details`.
fn js_error(err: &Error) -> JsValue {
    let e = js_sys::Error::new(&err.message);
    e.set_name("XeroExportError");
    let obj: &JsValue = e.as_ref();
    let details = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&details, &"argument".into(), &err.argument.as_str().into());
    let _ = js_sys::Reflect::set(obj, &"code".into(), &err.code.as_str().into());
    let _ = js_sys::Reflect::set(obj, &"details".into(), &details);
    e.into()
}

/// Reads an argument given either as a JS value or as a JSON string.
///
/// JSON strings are the fast path for bulk input (one `JSON.stringify` in JS, one parse here);
/// objects are the convenient one.
pub(crate) fn from_js<T: DeserializeOwned>(value: JsValue, argument: &str) -> Result<T, JsValue> {
    if let Some(text) = value.as_string() {
        return serde_json::from_str(&text)
            .map_err(|e| js_error(&Error::from_serde(ErrorCode::InvalidJson, argument, e)));
    }
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js_error(&Error::from_serde(ErrorCode::InvalidInput, argument, e)))
}

/// Converts a core result to a plain JS value.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value.serialize(&SERIALIZER).map_err(|e| {
        js_error(&Error::new(
            ErrorCode::InvalidState,
            "result",
            e.to_string(),
        ))
    })
}

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::version().to_owned()
}

/// The line amount Xero computes for `{quantity, unitAmount, discountRate?, discountAmount?,
/// unitdp?}`: `{unitAmount, lineAmount, issues}` with exact decimal strings.
#[wasm_bindgen(js_name = lineAmount)]
pub fn line_amount(input: JsValue) -> Result<JsValue, JsValue> {
    let input: crate::totals::LineInput = from_js(input, "line")?;
    to_js(&crate::totals::compute_line(&input))
}
