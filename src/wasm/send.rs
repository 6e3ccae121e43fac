//! Binding of the sending run: `exporter.plan(invoices, options)` → a `SendRun` the host drives
//! with `next`, `handle`, `lost`. Each method reads its input, calls [`crate::send::Run`], and
//! converts the result; the state machine is all in the core.

use wasm_bindgen::prelude::*;

use super::{from_json, js_error, to_json, JsExporter};
use crate::error::{Error, ErrorCode};
use crate::send::plan::PlanOptions;
use crate::send::Run;
use crate::xero::responses::HttpResponse;

/// A sending run: the requests to perform and the outcomes of Xero's answers.
#[wasm_bindgen(js_name = SendRun)]
pub struct JsRun {
    inner: Run,
}

/// Host time in ms (`Date.now()`), checked: a finite number.
pub(super) fn time(now: f64, argument: &str) -> Result<i64, JsValue> {
    // JS dates end at ±8.64e15 ms; a time beyond would leave a run waiting forever.
    if now.is_finite() && now.abs() <= 8.64e15 {
        // Saturating conversion; the fraction of a millisecond is irrelevant.
        Ok(now as i64)
    } else {
        Err(js_error(&Error::new(
            ErrorCode::InvalidInput,
            argument,
            format!("`{argument}` must be the host's time in milliseconds (Date.now()); the library reads no clock."),
        )))
    }
}

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// `exporter.plan(work, {tenantId, maxDocuments?, maxBytes?, maxConcurrent?,
    /// maxAttempts?, backoffMs?})`: `work` is an array of invoices, or `{invoices?, cancels?,
    /// payments?, people?}`; previews the invoices and returns the `SendRun` that sends them, voids or
    /// deletes the cancels and records the payments.
    pub fn plan(&self, work: &[u8], options: &str) -> Result<JsRun, JsValue> {
        super::reserve(work.len().saturating_mul(16));
        let text = super::utf8(work, "invoices")?;
        // An array keeps today's argument name in errors; the object form is `work`.
        let argument = if text.trim_start().starts_with('{') {
            "work"
        } else {
            "invoices"
        };
        let work = crate::input::work::read_work(text)
            .map_err(|e| super::read_error(ErrorCode::InvalidInput, argument, text, e))?;
        let options: PlanOptions =
            super::read_written(options, "options", ErrorCode::InvalidInput)?;
        self.inner
            .plan_work(&work, &options)
            .map(|inner| JsRun { inner })
            .map_err(|e| js_error(&e))
    }
}

#[wasm_bindgen(js_class = SendRun)]
impl JsRun {
    /// The requests to send now (`now` = `Date.now()`): `[{id, purpose, method, path, query,
    /// url, headers, body?, documents, contacts?, idempotencyKey?, attempt}]`.
    pub fn next(&mut self, now: f64) -> Result<String, JsValue> {
        let now = time(now, "now")?;
        to_json(&self.inner.next(now))
    }

    /// Xero's answer to request `requestId`: `{status, headers, body}` as JSON (body as text or
    /// parsed JSON; headers a plain object: the JS entry turns a fetch `Headers` into one).
    /// Returns the outcomes it changed.
    pub fn handle(
        &mut self,
        request_id: &str,
        response: &str,
        now: f64,
    ) -> Result<String, JsValue> {
        let now = time(now, "now")?;
        let response: HttpResponse = from_json(response, "response", ErrorCode::InvalidInput)?;
        let changed = self
            .inner
            .handle(request_id, &response, now)
            .map_err(|e| js_error(&e))?;
        to_json(&changed)
    }

    /// Request `requestId` got no answer (timeout, dropped connection). Returns the outcomes it
    /// changed.
    pub fn lost(&mut self, request_id: &str, now: f64) -> Result<String, JsValue> {
        let now = time(now, "now")?;
        let changed = self.inner.lost(request_id, now).map_err(|e| js_error(&e))?;
        to_json(&changed)
    }

    /// One outcome per source invoice, in input order.
    pub fn outcomes(&self) -> Result<String, JsValue> {
        to_json(&self.inner.outcomes())
    }

    /// One outcome per cancel (`plan({cancels})`), in input order.
    pub fn cancels(&self) -> Result<String, JsValue> {
        to_json(&self.inner.cancels())
    }

    /// One outcome per payment (`plan({payments})`), in input order.
    pub fn payments(&self) -> Result<String, JsValue> {
        to_json(&self.inner.payments())
    }

    /// One outcome per person (`plan({people})`, issue 19), in input order.
    pub fn people(&self) -> Result<String, JsValue> {
        to_json(&self.inner.people())
    }

    /// The export log: one row per document (or contact) per request.
    pub fn log(&self) -> Result<String, JsValue> {
        to_json(&self.inner.log())
    }

    /// Counts of outcomes and requests.
    pub fn summary(&self) -> Result<String, JsValue> {
        to_json(&self.inner.summary())
    }

    /// True when nothing is in flight and nothing is left to send (or the run stopped).
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Host time (ms) from which `next` has something to send, or `null` when nothing waits.
    #[wasm_bindgen(getter, js_name = wakeAt)]
    pub fn wake_at(&self) -> Result<String, JsValue> {
        // Times stay within JS's exact integer range (the core clamps them).
        to_json(&self.inner.wake_at())
    }

    /// The auth problem (401/403) that stopped the run, or `null`.
    #[wasm_bindgen(getter)]
    pub fn stopped(&self) -> Result<String, JsValue> {
        to_json(&self.inner.stopped())
    }

    /// Continue after a 401/403 once the host has a valid token again.
    pub fn resume(&mut self) {
        self.inner.resume();
    }
}

// ----- durable runs (save / changes / resume) -------------------------------------------

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// `exporter.resume(state, work, {tenantId?, changes?})`: the run `state` (`run.save()`)
    /// was saved from, continued with the same `work`; requests that were in flight are
    /// treated as lost (looked up, never resent blindly). Throws `STATE_CORRUPT`,
    /// `STATE_FOREIGN` or `STATE_VERSION` and changes nothing when the state does not fit.
    pub fn resume(&self, state: &str, work: &[u8], options: &str) -> Result<JsRun, JsValue> {
        super::reserve(work.len().saturating_add(state.len()).saturating_mul(16));
        let text = super::utf8(work, "work")?;
        let work = crate::input::work::read_work(text)
            .map_err(|e| super::read_error(ErrorCode::InvalidInput, "work", text, e))?;
        let options: crate::send::ResumeOptions = super::read_written_explained::<Option<_>>(
            options,
            "options",
            ErrorCode::InvalidInput,
            plan_option,
        )?
        .unwrap_or_default();
        self.inner
            .resume(&work, state, &options)
            .map(|inner| JsRun { inner })
            .map_err(|e| js_error(&e))
    }
}

/// The options of `plan` that `resume` does not take: the run keeps those it was planned with.
const PLAN_ONLY: [&str; 6] = [
    "maxDocuments",
    "maxBytes",
    "maxConcurrent",
    "maxAttempts",
    "backoffMs",
    "cancel",
];

/// Why a plan option given to `resume` (the host passing the options it planned with, as
/// hosts do) is refused: "check the spelling" would send the caller looking for a typo.
fn plan_option(found: &crate::input::unknown::Found) -> Option<String> {
    PLAN_ONLY.contains(&found.key.as_str()).then(|| {
        format!(
            "`{}` is an option of `plan`: a resumed run keeps the options it was planned with (they are in the state), so `resume` takes only `tenantId` and `changes`.",
            found.path.as_str()
        )
    })
}

#[wasm_bindgen(js_class = SendRun)]
impl JsRun {
    /// The run's state: versioned, self-describing JSON for `exporter.resume`.
    pub fn save(&self) -> String {
        self.inner.save()
    }

    /// The state's entries since `sinceSeq` (a former `seq`), to append to storage.
    pub fn changes(&self, since_seq: f64) -> Result<String, JsValue> {
        // A seq is a count of entries: a finite, non-negative whole number.
        let since = if since_seq.is_finite() && since_seq >= 0.0 && since_seq.fract() == 0.0 {
            since_seq as usize
        } else {
            usize::MAX
        };
        self.inner.changes(since).map_err(|e| js_error(&e))
    }

    /// How many entries the state holds: pass it to `changes` next time.
    #[wasm_bindgen(getter)]
    pub fn seq(&self) -> f64 {
        self.inner.seq() as f64
    }
}
