//! Binding of the status sync: `sync(exported, options)` → a `SyncRun` the host drives with
//! `next`, `handle`, `lost`, like the `SendRun`. Each method reads its input, calls
//! [`crate::sync::SyncRun`], and converts the result; the state machine is all in the core.

use wasm_bindgen::prelude::*;

use super::{js_error, to_json};
use crate::error::{Error, ErrorCode};
use crate::sync::SyncRun;
use crate::xero::responses::HttpResponse;

/// A status sync: the GETs to perform and the changes Xero's answers show.
#[wasm_bindgen(js_name = SyncRun)]
pub struct JsSyncRun {
    inner: SyncRun,
}

#[wasm_bindgen(js_class = SyncRun)]
impl JsSyncRun {
    /// `exported`: `[{sourceId, kind?, xero: {id?, number?}, known?}]` as UTF-8 JSON;
    /// `options`: `{tenantId, since?, summaryOnly?, maxUrlLength?, maxConcurrent?, maxAttempts?,
    /// backoffMs?}` as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(exported: &[u8], options: &str) -> Result<JsSyncRun, JsValue> {
        let text = super::utf8(exported, "exported")?;
        if let Err(syntax) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
            return Err(js_error(&Error::from_serde(
                ErrorCode::InvalidJson,
                "exported",
                syntax,
            )));
        }
        if let Err(syntax) = serde_json::from_str::<serde::de::IgnoredAny>(options) {
            return Err(js_error(&Error::from_serde(
                ErrorCode::InvalidJson,
                "options",
                syntax,
            )));
        }
        SyncRun::from_json(text, options)
            .map(|inner| JsSyncRun { inner })
            .map_err(|e| js_error(&e))
    }

    /// The GETs to send now: `SendRequest[]` (purpose `lookup`).
    pub fn next(&mut self, now: f64) -> Result<String, JsValue> {
        let now = super::send::time(now, "now")?;
        to_json(&self.inner.next(now))
    }

    /// Xero's answer `{status, headers, body}` (JSON) to request `requestId`; returns the
    /// changes it completed.
    pub fn handle(
        &mut self,
        request_id: &str,
        response: &str,
        now: f64,
    ) -> Result<String, JsValue> {
        let now = super::send::time(now, "now")?;
        let response: HttpResponse =
            super::from_json(response, "response", ErrorCode::InvalidInput)?;
        let changed = self
            .inner
            .handle(request_id, &response, now)
            .map_err(|e| js_error(&e))?;
        to_json(&changed)
    }

    /// Request `requestId` got no answer; it is sent again later.
    pub fn lost(&mut self, request_id: &str, now: f64) -> Result<String, JsValue> {
        let now = super::send::time(now, "now")?;
        let changed = self.inner.lost(request_id, now).map_err(|e| js_error(&e))?;
        to_json(&changed)
    }

    /// One change per document that changed, in input order.
    pub fn changes(&self) -> Result<String, JsValue> {
        to_json(&self.inner.changes())
    }

    /// Input problems, documents not read, the stop.
    pub fn issues(&self) -> Result<String, JsValue> {
        to_json(&self.inner.issues())
    }

    /// One row per document per GET.
    pub fn log(&self) -> Result<String, JsValue> {
        to_json(self.inner.log())
    }

    /// Counts.
    pub fn summary(&self) -> Result<String, JsValue> {
        to_json(&self.inner.summary())
    }

    /// True when nothing is in flight and nothing is left to send (or the sync stopped).
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Host time (ms) from which `next` has something to send, or `null`.
    #[wasm_bindgen(getter, js_name = wakeAt)]
    pub fn wake_at(&self) -> Result<String, JsValue> {
        to_json(&self.inner.wake_at())
    }

    /// The auth problem (401/403) that stopped the sync, or `null`.
    #[wasm_bindgen(getter)]
    pub fn stopped(&self) -> Result<String, JsValue> {
        to_json(&self.inner.stopped())
    }

    /// Xero's time of the earliest answer (`YYYY-MM-DDThh:mm:ssZ`): the next sync's `since`.
    #[wasm_bindgen(getter, js_name = syncedAt)]
    pub fn synced_at(&self) -> Result<String, JsValue> {
        to_json(&self.inner.synced_at())
    }

    /// Continue after a 401/403 once the host has a valid token again.
    pub fn resume(&mut self) {
        self.inner.resume();
    }
}
