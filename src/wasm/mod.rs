//! The JS binding: the only module that touches wasm-bindgen, js-sys and serde-wasm-bindgen.
//!
//! Every export has the same three steps: read the JS input inside the function body (so a
//! wrong shape becomes a clean JS `Error`, not an ABI failure), call the core, convert the
//! result with one JSON-compatible serializer (plain objects, never `Map`s). No logic lives here.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

mod csv;
mod send;

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
    from_js_with(value, argument, ErrorCode::InvalidInput)
}

/// [`from_js`] with the code to throw when the value has the wrong shape.
pub(crate) fn from_js_with<T: DeserializeOwned>(
    value: JsValue,
    argument: &str,
    code: ErrorCode,
) -> Result<T, JsValue> {
    if let Some(text) = value.as_string() {
        return serde_json::from_str(&text).map_err(|e| {
            js_error(&Error::from_serde(
                if e.is_syntax() || e.is_eof() {
                    ErrorCode::InvalidJson
                } else {
                    code
                },
                argument,
                e,
            ))
        });
    }
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| js_error(&Error::from_serde(code, argument, e)))
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

/// A parsed snapshot and settings; previews any number of invoices without re-parsing them.
#[wasm_bindgen(js_name = Exporter)]
pub struct JsExporter {
    inner: crate::Exporter,
}

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// `new Exporter(snapshot, settings?)`: snapshot = the raw bodies of Xero's GETs (or
    /// xero-node's `response.body` objects); settings = the host's Xero configuration.
    #[wasm_bindgen(constructor)]
    pub fn new(snapshot: JsValue, settings: JsValue) -> Result<JsExporter, JsValue> {
        let snapshot: crate::SnapshotInput =
            from_js_with(snapshot, "snapshot", ErrorCode::InvalidSnapshot)?;
        let settings: crate::Settings = if settings.is_undefined() || settings.is_null() {
            crate::Settings::default()
        } else {
            from_js_with(settings, "settings", ErrorCode::InvalidSettings)?
        };
        Ok(JsExporter {
            inner: crate::Exporter::new(crate::Snapshot::new(snapshot), settings),
        })
    }

    /// Problems of the snapshot and the settings (also included in every preview).
    #[wasm_bindgen(getter)]
    pub fn issues(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.issues())
    }

    /// Previews source invoices (an array, or its JSON text): `{documents, contacts, issues, summary}`.
    /// `options`: `{lines?: boolean, bodies?: boolean}` (both default true).
    pub fn preview(&self, invoices: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let invoices: Vec<crate::SourceInvoice> = from_js(invoices, "invoices")?;
        to_js(
            &self
                .inner
                .preview_with(&invoices, preview_options(options)?),
        )
    }

    /// Like `preview`, with the result as JSON text (one `JSON.parse` instead of building
    /// objects across the boundary: faster for large batches).
    #[wasm_bindgen(js_name = previewJson)]
    pub fn preview_json(&self, invoices: JsValue, options: JsValue) -> Result<String, JsValue> {
        let invoices: Vec<crate::SourceInvoice> = from_js(invoices, "invoices")?;
        serde_json::to_string(
            &self
                .inner
                .preview_with(&invoices, preview_options(options)?),
        )
        .map_err(|e| {
            js_error(&Error::new(
                ErrorCode::InvalidState,
                "result",
                e.to_string(),
            ))
        })
    }
}

fn preview_options(options: JsValue) -> Result<crate::preview::PreviewOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        Ok(crate::preview::PreviewOptions::default())
    } else {
        from_js(options, "options")
    }
}

/// Turns time entries into a source invoice (one line per project or member and rate).
#[wasm_bindgen(js_name = timesheetInvoice)]
pub fn timesheet_invoice(input: JsValue) -> Result<JsValue, JsValue> {
    let input: crate::source::TimesheetInput = from_js(input, "timesheet")?;
    to_js(&crate::source::timesheet_invoice(&input))
}
