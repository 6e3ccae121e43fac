//! Binding of issue 20's result handle: `exporter.previewResults(invoices, options)` and
//! previewing in chunks (`exporter.previewSession(options)`, then `session.push(exporter,
//! invoices)` per chunk). The results stay in wasm memory; each getter copies out one part of
//! one document (api.js checks the index first), so a caller pays only for what it reads.

use wasm_bindgen::prelude::*;

use super::{read_argument, read_error, utf8, JsExporter};
use crate::error::ErrorCode;
use crate::exporter::PreviewSession;
use crate::preview::results::{Part, Results};
use crate::preview::PreviewOptions;

/// A preview held in wasm memory (see `crate::preview::results`).
#[wasm_bindgen(js_name = PreviewResults)]
pub struct JsResults {
    inner: Results,
}

/// A batch previewed in chunks.
#[wasm_bindgen(js_name = PreviewSession)]
pub struct JsSession {
    inner: PreviewSession,
}

/// Reads the invoices' bytes as text and previews them with `f`; a misfit throws as
/// `exporter.preview` does.
fn results(
    invoices: &[u8],
    f: impl FnOnce(&str) -> Result<Results, serde_json::Error>,
) -> Result<JsResults, JsValue> {
    let text = utf8(invoices, "invoices")?;
    f(text)
        .map(|inner| JsResults { inner })
        .map_err(|e| read_error(ErrorCode::InvalidInput, "invoices", text, e))
}

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// The preview of `invoices` (JSON as UTF-8 bytes) held in wasm memory; `options`:
    /// `{lines?, bodies?}` or `null`.
    #[wasm_bindgen(js_name = previewResults)]
    pub fn preview_results(&self, invoices: &[u8], options: &str) -> Result<JsResults, JsValue> {
        let options: PreviewOptions = read_argument(options, "options", ErrorCode::InvalidInput)?;
        // Memory grown once for the results, not 64 KiB at a time (see `reserve`).
        super::reserve(Results::estimate(invoices.len(), options));
        results(invoices, |text| self.inner.preview_results(text, options))
    }
}

#[wasm_bindgen(js_class = PreviewSession)]
impl JsSession {
    /// A batch to preview in chunks with `options` (`{lines?, bodies?}` or `null`).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<JsSession, JsValue> {
        let options: PreviewOptions = read_argument(options, "options", ErrorCode::InvalidInput)?;
        Ok(JsSession {
            inner: PreviewSession::new(options),
        })
    }

    /// The next chunk of invoices, previewed by `exporter` (api.js passes the session's own).
    pub fn push(&mut self, exporter: &JsExporter, invoices: &[u8]) -> Result<JsResults, JsValue> {
        super::reserve(Results::estimate(invoices.len(), self.inner.options()));
        results(invoices, |text| {
            exporter.inner.preview_chunk(&mut self.inner, text)
        })
    }

    /// Invoices previewed so far.
    #[wasm_bindgen(getter)]
    pub fn documents(&self) -> usize {
        self.inner.documents()
    }
}

#[wasm_bindgen(js_class = PreviewResults)]
impl JsResults {
    /// Documents held.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.inner.len()
    }

    /// The batch index of the first document held.
    #[wasm_bindgen(getter, js_name = firstIndex)]
    pub fn first_index(&self) -> usize {
        self.inner.first_index()
    }

    /// `{contacts, items?, issues, summary}` as JSON: the batch as it stands after these
    /// documents.
    pub fn batch(&self) -> String {
        self.inner.batch_json().to_owned()
    }

    /// The `i`th document without `lines`, `issues` and `body`, in the flat form
    /// (`Results::part`; api.js reads it).
    pub fn summary(&self, i: usize) -> Option<String> {
        self.inner.part(i, Part::Summary)
    }

    /// Documents `start..end` whole in one text, in the flat form `pageDocuments` in api.js
    /// reads (`Results::page`). Nothing when the range is not within the documents held
    /// (api.js checks it first).
    pub fn documents(&self, start: usize, end: usize) -> Option<String> {
        self.inner.page(start..end)
    }

    /// The `i`th document's display lines in the flat form.
    pub fn lines(&self, i: usize) -> Option<String> {
        self.inner.part(i, Part::Lines)
    }

    /// The `i`th document's issues in the flat form.
    pub fn issues(&self, i: usize) -> Option<String> {
        self.inner.part(i, Part::Issues)
    }

    /// The `i`th document's request body, or nothing.
    pub fn body(&self, i: usize) -> Option<String> {
        self.inner.body(i).map(str::to_owned)
    }

    /// The `i`th document's request body as UTF-8 bytes (what `fetch` sends as is), or
    /// nothing.
    #[wasm_bindgen(js_name = bodyBytes)]
    pub fn body_bytes(&self, i: usize) -> Option<Vec<u8>> {
        self.inner.body(i).map(|b| b.as_bytes().to_vec())
    }
}
