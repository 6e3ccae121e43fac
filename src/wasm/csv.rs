//! The tracking-options CSV exports: read the JS input, call [`crate::tracking_csv`], convert.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{from_json, js_error, read_argument, serde_error};
use crate::error::{Error, ErrorCode};
use crate::tracking_csv as core;

/// Only the tracking categories are read (`core::read_snapshot` says why).
fn snapshot(text: &str) -> Result<crate::Snapshot, JsValue> {
    core::read_snapshot(text)
        .map_err(|e| serde_error(ErrorCode::InvalidSnapshot, "snapshot", text, e))
}

fn not_a_chunk(argument: &str) -> JsValue {
    js_error(&Error::new(
        ErrorCode::InvalidInput,
        argument,
        format!("`{argument}` must be a string, a Uint8Array (e.g. from File.stream()) or an ArrayBuffer."),
    ))
}

/// UTF-8 of U+FFFD, what a lone UTF-16 surrogate becomes.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// `new TrackingCsvValidator(snapshot, options?)`: validates a tracking-options CSV pushed in
/// chunks. `push(chunk)` takes strings or bytes (a chunk may end anywhere, even inside a UTF-8
/// character); `progress` says how far it got; `finish()` returns the result.
#[wasm_bindgen(js_name = TrackingCsvValidator)]
pub struct JsTrackingCsvValidator {
    inner: Option<core::Validator<crate::Snapshot>>,
    /// Reused for copying byte chunks into wasm memory.
    scratch: Vec<u8>,
    /// A string chunk's trailing high surrogate, waiting for its low half in the next chunk.
    surrogate: Option<u32>,
}

#[wasm_bindgen(js_class = TrackingCsvValidator)]
impl JsTrackingCsvValidator {
    /// `snapshot`: as for `Exporter` (only the tracking categories are used); `options`:
    /// `{keyColumn?, maxIssues?, assignments?, emptyClears?}`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        snapshot_input: &str,
        options_input: &str,
    ) -> Result<JsTrackingCsvValidator, JsValue> {
        let snapshot = snapshot(snapshot_input)?;
        let options: core::Options =
            read_argument(options_input, "options", ErrorCode::InvalidInput)?;
        Ok(JsTrackingCsvValidator {
            inner: Some(core::Validator::new(snapshot, options)),
            scratch: Vec::new(),
            surrogate: None,
        })
    }

    /// Reads the next chunk: a string, a Uint8Array (Node Buffers too) or an ArrayBuffer.
    pub fn push(&mut self, chunk: JsValue) -> Result<(), JsValue> {
        if let Some(text) = chunk.dyn_ref::<js_sys::JsString>() {
            // A JS string is UTF-16: a chunk may end between the two halves of a surrogate
            // pair, which must meet again before conversion to UTF-8.
            let mut text = text.clone();
            if let Some(high) = self.surrogate.take() {
                text = js_sys::JsString::from_char_code1(high).concat(&text);
            }
            let len = text.length();
            if len > 0 {
                let last = text.char_code_at(len - 1);
                if (55296.0..56320.0).contains(&last) {
                    self.surrogate = Some(last as u32);
                    text = text.slice(0, len - 1);
                }
            }
            let text = String::from(text);
            let validator = self.inner.as_mut().ok_or_else(not_finished_error)?;
            validator.push(text.as_bytes());
            return Ok(());
        }
        let bytes = if let Some(array) = chunk.dyn_ref::<js_sys::Uint8Array>() {
            array.clone()
        } else if let Some(buffer) = chunk.dyn_ref::<js_sys::ArrayBuffer>() {
            js_sys::Uint8Array::new(buffer)
        } else {
            return Err(not_a_chunk("chunk"));
        };
        let validator = self.inner.as_mut().ok_or_else(not_finished_error)?;
        if self.surrogate.take().is_some() {
            validator.push(REPLACEMENT);
        }
        self.scratch.resize(bytes.length() as usize, 0);
        bytes.copy_to(&mut self.scratch);
        validator.push(&self.scratch);
        Ok(())
    }

    /// `{bytes, rowsRead, rowsFailing}` so far.
    #[wasm_bindgen(getter)]
    pub fn progress(&self) -> Result<String, JsValue> {
        match &self.inner {
            Some(v) => Ok(v.progress().to_json()),
            None => Err(not_finished_error()),
        }
    }

    /// Reads the last row and returns `{bytes, rowsRead, rowsValid, rowsFailing, columns,
    /// issues, issueCount, issuesTruncated, issueCounts, assignments?}` as JSON. The validator
    /// cannot be used afterwards.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        report_json(&self.report()?)
    }
}

fn report_json(report: &core::Report) -> Result<String, JsValue> {
    report.to_json().map_err(|e| {
        js_error(&Error::new(
            ErrorCode::InvalidState,
            "result",
            e.to_string(),
        ))
    })
}

impl JsTrackingCsvValidator {
    fn report(&mut self) -> Result<core::Report, JsValue> {
        let mut validator = self.inner.take().ok_or_else(not_finished_error)?;
        if self.surrogate.take().is_some() {
            validator.push(REPLACEMENT);
        }
        self.scratch = Vec::new();
        Ok(validator.finish())
    }
}

fn not_finished_error() -> JsValue {
    js_error(&Error::new(
        ErrorCode::InvalidState,
        "validator",
        "This validator has finished; create a new one for another file.",
    ))
}

/// Validates a whole tracking-options CSV (a string, Uint8Array or ArrayBuffer) in one call.
#[wasm_bindgen(js_name = validateTrackingCsv)]
#[allow(unreachable_pub)] // wasm_bindgen needs `pub`; JS reaches it, not Rust
pub fn validate_tracking_csv(
    snapshot_input: &str,
    input: JsValue,
    options_input: &str,
) -> Result<String, JsValue> {
    let snapshot = snapshot(snapshot_input)?;
    let options: core::Options = read_argument(options_input, "options", ErrorCode::InvalidInput)?;
    let data: Vec<u8> = if let Some(text) = input.as_string() {
        text.into_bytes()
    } else if let Some(array) = input.dyn_ref::<js_sys::Uint8Array>() {
        array.to_vec()
    } else if let Some(buffer) = input.dyn_ref::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(buffer).to_vec()
    } else {
        return Err(not_a_chunk("csv"));
    };
    report_json(&core::validate(snapshot, &data, options))
}

/// Writes the client CSV with the two tracking columns: `rows` is an array of objects
/// (header → string, number, boolean or null); cells that a spreadsheet would run as formulas
/// are neutralised. `options`: `{keyColumn?, columns?, bom?, lineEnding?: "crlf" | "lf"}`.
#[wasm_bindgen(js_name = exportTrackingCsv)]
#[allow(unreachable_pub)] // wasm_bindgen needs `pub`; JS reaches it, not Rust
pub fn export_tracking_csv(rows: &str, options_input: &str) -> Result<String, JsValue> {
    let rows: core::ExportRows = from_json(rows, "rows", ErrorCode::InvalidInput)?;
    let options: core::ExportOptions =
        read_argument(options_input, "options", ErrorCode::InvalidInput)?;
    core::export(&rows.0, &options).map_err(|e| js_error(&e))
}
