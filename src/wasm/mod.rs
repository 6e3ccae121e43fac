//! The JS binding: the only module that touches wasm-bindgen and js-sys.
//!
//! Data crosses as JSON text. The package's JS entry (pkg-template/api.js) stringifies each
//! argument once and parses each result once; every export here has the same three steps: read
//! the JSON inside the function body (so a wrong shape becomes a clean JS `Error` with a code),
//! call the core, write the result as JSON. No logic lives here. Two measured refinements: the
//! invoices arrive as UTF-8 bytes, and a preview's request bodies are returned before its JSON,
//! each followed by a NUL (`Exporter::preview_split_json`), rather than escaped inside it.
//!
//! Why JSON and not object-by-object conversion (serde-wasm-bindgen): measured on the preview
//! workload (10,000 invoices × 5 lines, tests/bench/preview.mjs) JSON was faster both ways, and
//! it keeps a single deserializer per type in the .wasm, which matters for its size. The core
//! reads JSON numbers from their exact text, so money never passes through a float here.

use serde::de::DeserializeOwned;
#[cfg(feature = "full")]
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::error::{Error, ErrorCode};

// Without the `full` feature (the CSV build, Cargo.toml) only `csv` and the helpers it uses are
// compiled: every other export stays out of that .wasm.
#[cfg(feature = "full")]
mod config;
mod csv;
#[cfg(feature = "full")]
mod people;
#[cfg(feature = "full")]
mod results;
#[cfg(feature = "full")]
mod send;
#[cfg(feature = "full")]
mod sync;

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

/// Reads a JSON argument; a value of the wrong shape throws `code`, text that is not JSON
/// throws `INVALID_JSON`.
fn from_json<T: DeserializeOwned>(
    text: &str,
    argument: &str,
    code: ErrorCode,
) -> Result<T, JsValue> {
    serde_json::from_str(text).map_err(|e| serde_error(code, argument, text, e))
}

#[cfg(feature = "full")]
/// Bytes as text, validated as UTF-8 once (TextEncoder's output always is), rather than string
/// by string as `from_slice` would.
fn utf8<'b>(bytes: &'b [u8], argument: &str) -> Result<&'b str, JsValue> {
    std::str::from_utf8(bytes).map_err(|e| {
        js_error(&Error::new(
            ErrorCode::InvalidJson,
            argument,
            format!("not UTF-8 text: {e}"),
        ))
    })
}

/// A serde_json error reading `text` as a JS error: text that is not JSON is `INVALID_JSON`
/// (with its line and column), JSON of the wrong shape is `code`, said at the path of the value
/// it is about in the caller's terms (`snapshot.contacts[0]`), without a position in JSON text
/// the caller never wrote.
fn serde_error(code: ErrorCode, argument: &str, text: &str, e: serde_json::Error) -> JsValue {
    if e.is_syntax() || e.is_eof() {
        return js_error(&Error::from_serde(ErrorCode::InvalidJson, argument, e));
    }
    let message = crate::input::json_path::misfit(text, &e, argument);
    js_error(&Error::from_serde(code, argument, message))
}

/// JSON of the wrong shape: `code`, without serde_json's position in text the caller never
/// wrote (the watched readers put the path in the caller's terms in the message).
fn shape_error(code: ErrorCode, argument: &str, e: &serde_json::Error) -> JsValue {
    let text = e.to_string();
    let message = crate::input::source::without_position(&text);
    js_error(&Error::from_serde(code, argument, message))
}

/// An error of an argument read through the unknown-key watch (settings, invoices), which
/// says misfits at their path in the caller's terms and so turns every error it sees into a
/// shape error: text that is not JSON at all is told apart here, by reading it once more
/// (only on this error path), so it still throws `INVALID_JSON` with its position.
fn read_error(code: ErrorCode, argument: &str, text: &str, e: serde_json::Error) -> JsValue {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Err(syntax) => js_error(&Error::from_serde(ErrorCode::InvalidJson, argument, syntax)),
        // Valid JSON of the wrong shape, whatever serde_json calls it ("expected value" for an
        // enum given null counts as syntax there).
        Ok(_) => shape_error(code, argument, &e),
    }
}

/// Reads an optional argument the caller writes by hand, options above all (`null` → the
/// type's default), as [`read_written`] does.
fn read_argument<T: DeserializeOwned + Default>(
    text: &str,
    argument: &str,
    code: ErrorCode,
) -> Result<T, JsValue> {
    Ok(read_written::<Option<T>>(text, argument, code)?.unwrap_or_default())
}

/// Reads an argument the caller writes by hand (its options). A key it does
/// not know throws `code` with its path and a did-you-mean, every such key at once:
/// `{lnes: false}` must not quietly preview with lines. A value of the wrong type is said at
/// its path (`options.assignments`), not at a column of JSON the caller never wrote.
fn read_written<T: DeserializeOwned>(
    text: &str,
    argument: &str,
    code: ErrorCode,
) -> Result<T, JsValue> {
    read_written_explained(text, argument, code, |_| None)
}

/// [`read_written`], with `explain` saying more than "not a key it takes" about a key the
/// function does not take but the caller had reason to write (a plan option given to
/// `resume`): a misspelling is not what happened there.
fn read_written_explained<T: DeserializeOwned>(
    text: &str,
    argument: &str,
    code: ErrorCode,
    explain: impl Fn(&crate::input::unknown::Found) -> Option<String>,
) -> Result<T, JsValue> {
    let root = crate::issues::Path::root(argument);
    let (value, found) = crate::input::unknown::read_json::<T>(text, &root)
        .map_err(|e| read_error(code, argument, text, e))?;
    if found.is_empty() {
        return Ok(value);
    }
    let keys: Vec<String> = found
        .iter()
        .map(|f| explain(f).unwrap_or_else(|| unknown_key(f)))
        .collect();
    let at = found
        .first()
        .map_or(argument.to_owned(), |f| shown_path(f).into_owned());
    Err(js_error(&Error::new(
        code,
        &at,
        format!(
            "`{argument}` could not be read: {} Nothing was done.",
            keys.join(" ")
        ),
    )))
}

/// An unknown key's path as messages show it: a key of any length is cut short (a 100,000
/// character key must not come back twice in the message).
fn shown_path(found: &crate::input::unknown::Found) -> std::borrow::Cow<'_, str> {
    crate::money::shown(found.path.as_str())
}

/// One unknown key of a hand-written argument, for [`read_argument`]'s message.
fn unknown_key(found: &crate::input::unknown::Found) -> String {
    let path = shown_path(found);
    match found.suggestion {
        Some(s) => format!("`{path}` is not a key it takes: did you mean `{s}`?"),
        None => format!("`{path}` is not a key it takes; check the spelling in the documentation."),
    }
}

#[cfg(feature = "full")]
/// Writes a result as JSON text.
fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsValue> {
    serde_json::to_string(value).map_err(|e| {
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

/// For the package's own tests only: traps on purpose (as a bug in the core would), so the tests
/// can check that the JS entry catches the trap and replaces the instance. Not API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __trapForTests)]
pub fn trap_for_tests() {
    core::arch::wasm32::unreachable()
}

#[cfg(feature = "full")]
/// The line amount Xero computes for `{quantity, unitAmount, discountRate?, discountAmount?,
/// unitdp?}`: `{unitAmount, lineAmount, issues}` with exact decimal strings.
#[wasm_bindgen(js_name = lineAmount)]
pub fn line_amount(input: &str) -> Result<String, JsValue> {
    // A line is often the host's own richer object: a key the line does not know is a
    // FIELD_UNKNOWN warning at its path with a did-you-mean (`line.discountrate`), as on
    // invoices, never silently dropped (a misspelt discount would change the amount).
    let root = crate::issues::Path::root("line");
    let (line, found) =
        crate::input::unknown::read_json::<crate::money::totals::LineInput>(input, &root)
            .map_err(|e| read_error(ErrorCode::InvalidInput, "line", input, e))?;
    let mut result = crate::money::totals::compute_line(&line);
    result.issues.extend(found.iter().map(|f| {
        let message = f.describe("field");
        crate::issues::Issue::warning(
            crate::issues::IssueCode::FieldUnknown,
            f.path.clone(),
            message,
        )
    }));
    to_json(&result)
}

#[cfg(feature = "full")]
/// A parsed snapshot and settings; previews any number of invoices without re-parsing them.
#[wasm_bindgen(js_name = Exporter)]
pub struct JsExporter {
    inner: crate::Exporter,
}

#[cfg(feature = "full")]
#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// `snapshot`: the raw bodies of Xero's GETs (or xero-node's `response.body` objects);
    /// `settings`: the host's Xero configuration (`null` for the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(snapshot: &str, settings: &str) -> Result<JsExporter, JsValue> {
        let snapshot: crate::SnapshotInput =
            from_json(snapshot, "snapshot", ErrorCode::InvalidSnapshot)?;
        // Read with its unknown keys recorded: the exporter reports each (SETTING_UNKNOWN).
        let settings = crate::Settings::read(settings)
            .map_err(|e| read_error(ErrorCode::InvalidSettings, "settings", settings, e))?;
        Ok(JsExporter {
            inner: crate::Exporter::new(crate::Snapshot::new(snapshot), settings),
        })
    }

    /// Problems of the snapshot and the settings (also included in every preview).
    #[wasm_bindgen(getter)]
    pub fn issues(&self) -> Result<String, JsValue> {
        to_json(self.inner.issues())
    }

    /// Previews source invoices: `{documents, contacts, issues, summary}` as one text in the
    /// flat form api.js reads (`Results::whole`): the documents as `PreviewResults.documents`
    /// gives them, with only the tracking lists api.js does not hold yet (`generation` and
    /// `lists` say which it holds: `Exporter::preview_page`), then the batch's part; `options`:
    /// `{lines?, bodies?}` (both default true) or `null`. Each invoice is previewed and written
    /// as it is read, so the batch is never held as objects.
    ///
    /// Why through the result handle's text: `JSON.parse` of the documents was most of the
    /// display data's cost outside the wasm call (issue 20). api.js calls this for a small
    /// batch (one call, no handle); a large one it reads through `previewResults`, a page at a
    /// time.
    pub fn preview(
        &self,
        invoices: &[u8],
        options: &str,
        generation: u32,
        lists: u32,
    ) -> Result<String, JsValue> {
        use crate::preview::results::Results;
        let options: crate::preview::PreviewOptions =
            read_argument(options, "options", ErrorCode::InvalidInput)?;
        reserve(Results::estimate(invoices.len(), options));
        let text = utf8(invoices, "invoices")?;
        let known = crate::exporter::KnownLists {
            generation,
            lists: lists as usize,
        };
        let page = self
            .inner
            .preview_page(text, options, known)
            .map_err(|e| read_error(ErrorCode::InvalidInput, "invoices", text, e))?;
        page.ok_or_else(|| {
            js_error(&Error::new(
                ErrorCode::InvalidState,
                "result",
                "the preview could not be written",
            ))
        })
    }

    /// The same preview as one JSON text, bodies included as strings, streamed the same way
    /// (`Exporter::preview_json`).
    #[wasm_bindgen(js_name = previewJson)]
    pub fn preview_json(&self, invoices: &[u8], options: &str) -> Result<String, JsValue> {
        let options: crate::preview::PreviewOptions =
            read_argument(options, "options", ErrorCode::InvalidInput)?;
        // Bodies are escaped inside the JSON here: a little more than the split text.
        reserve(invoices.len().saturating_mul(5));
        let text = utf8(invoices, "invoices")?;
        self.inner
            .preview_json(text, options)
            .map_err(|e| read_error(ErrorCode::InvalidInput, "invoices", text, e))
    }
}

#[cfg(feature = "full")]
/// Grows the wasm memory once for a call that will need about `bytes`, instead of letting the
/// allocator grow it 64 KiB at a time: each `memory.grow` costs the engine a fraction of a
/// millisecond, and a first preview of 10,000 invoices grew memory over 2,000 times (2 s of a
/// 2.2 s call). The block is freed at once and its memory reused by the allocator; wasm memory
/// never shrinks, so a later call of the same size grows nothing.
///
/// Fallible: if the engine will not grow memory that far, the call goes on and memory grows as
/// needed (an infallible `with_capacity` would abort the module instead).
pub(crate) fn reserve(bytes: usize) {
    let mut block: Vec<u8> = Vec::new();
    let _ = block.try_reserve_exact(bytes);
    // black_box: an allocation nothing reads could otherwise be optimised away.
    drop(std::hint::black_box(block));
}

#[cfg(feature = "full")]
/// Turns time entries into a source invoice (one line per project or member and rate).
/// The caller writes the input for this call, so a key it does not know (`hrs` for `hours`)
/// throws with its path and a did-you-mean rather than billing an entry with no hours.
#[wasm_bindgen(js_name = timesheetInvoice)]
pub fn timesheet_invoice(input: &str) -> Result<String, JsValue> {
    let input: crate::input::source::TimesheetInput =
        read_written(input, "timesheet", ErrorCode::InvalidInput)?;
    to_json(&crate::input::source::timesheet_invoice(&input))
}

#[cfg(feature = "full")]
#[cfg(test)]
mod tests {
    use super::reserve;

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_reservation_too_large_is_skipped_not_fatal() {
        reserve(usize::MAX);
        reserve(usize::MAX / 16 * 15);
        reserve(1 << 20);
        let after = vec![7u8; 4096];
        assert_eq!(
            after.iter().map(|b| usize::from(*b)).sum::<usize>(),
            7 * 4096
        );
    }
}
