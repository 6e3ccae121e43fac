//! The configuration screen's exports, on `Exporter` (it holds the parsed snapshot and settings
//! the screen works from): read the JS input, call [`crate::choices`], write JSON. No logic.

use wasm_bindgen::prelude::*;

use super::{from_json, js_error, to_json, JsExporter};
use crate::choices::{self, search, stale};
use crate::error::ErrorCode;

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// What each setting may take, in Xero's order, and what is left out and why.
    pub fn choices(&self) -> Result<String, JsValue> {
        to_json(&choices::choices(self.inner.snapshot()))
    }

    /// Up to `limit` contacts matching `query` (name, email, contact or account number, or
    /// ContactID), best first; `limit` is capped at `search::MAX_LIMIT`.
    #[wasm_bindgen(js_name = searchContacts)]
    pub fn search_contacts(&self, query: &str, limit: u32) -> Result<String, JsValue> {
        let limit = usize::try_from(limit).unwrap_or(search::MAX_LIMIT);
        to_json(&search::search_contacts(
            self.inner.snapshot(),
            query,
            limit,
        ))
    }

    /// The settings mappings that no longer resolve against this snapshot; `previous`: the
    /// snapshot the settings were made with (JSON, or `null`), to tell renames from deletions.
    #[wasm_bindgen(js_name = staleMappings)]
    pub fn stale_mappings(&self, previous: &str) -> Result<String, JsValue> {
        let previous: Option<crate::SnapshotInput> =
            from_json(previous, "previousSnapshot", ErrorCode::InvalidSnapshot)?;
        // A misspelt part would read as missing, and its renames as deletions: refused, as
        // this call returns no issues to say it in.
        if let Some(key) = previous.as_ref().and_then(|p| p.unknown_keys.first()) {
            let at = format!("previousSnapshot.{}", crate::money::shown(key));
            let said = crate::SnapshotInput::unknown_key_said(key);
            return Err(js_error(&crate::Error::new(
                ErrorCode::InvalidSnapshot,
                &at,
                said,
            )));
        }
        let previous = previous.map(crate::Snapshot::new);
        to_json(&stale::stale_mappings(
            self.inner.settings(),
            self.inner.snapshot(),
            previous.as_ref(),
        ))
    }
}
