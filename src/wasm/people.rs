//! Binding of the people exports on `Exporter` (issue 19): read the JS input, call
//! [`crate::people`], write JSON. No logic.

use wasm_bindgen::prelude::*;

use super::{js_error, to_json, utf8, JsExporter};

#[wasm_bindgen(js_class = Exporter)]
impl JsExporter {
    /// `pages`: Xero's `GET /Contacts` bodies (raw or xero-node), as UTF-8 JSON; `people`: the
    /// host's people in the payer shape (JSON, `null` for none) → `ContactImport` as JSON.
    #[wasm_bindgen(js_name = importContacts)]
    pub fn import_contacts(&self, pages: &[u8], people: &str) -> Result<String, JsValue> {
        let pages = utf8(pages, "pages")?;
        let result = self
            .inner
            .import_contacts(pages, people)
            .map_err(|e| js_error(&e))?;
        to_json(&result)
    }
}
