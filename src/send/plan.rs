//! The sending plan: request descriptors, batches, idempotency keys.
//!
//! Everything here is pure and knows nothing of the run's state: the same previews and
//! options give the same requests, byte for byte, on every run. A request descriptor is all the host needs for one HTTP call:
//! `{id, purpose, method, path, query, url, headers, body, documents}`; the host prepends the
//! base URL (`https://api.xero.com/api.xro/2.0`), adds `Authorization: Bearer <token>`, sends
//! it, and hands the response back to the [`crate::send::Run`] it came from.
//!
//! Rules (reference §1, §9):
//! - at most 50 documents and 3.5 MB per request (both configurable lower), packed first-fit in
//!   input order; two documents with the same identity (number, else reference) never share a
//!   request, so every response element maps back to exactly one document;
//! - `summarizeErrors=false` on every write, `unitdp=4` when a unit amount needs it;
//! - an `Idempotency-Key` on every write: a 128-bit FNV-1a digest of tenant, method, path and
//!   query, the documents' source ids and the body, as `xe1-<32 hex>`. Same request, same key
//!   (a retry after 429 or a resend after a lookup found nothing reuses it); any change to the
//!   content gives a new key.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, ErrorCode};

/// Xero's recommended ceiling of elements per request (reference §9.1).
pub const MAX_DOCUMENTS: usize = 50;
/// Xero's size limit of a request body: 3.5 MB (reference §9.1).
pub const MAX_BYTES: usize = 3_500_000;
/// Xero's limit of calls in progress per tenant (reference §9.3).
pub const MAX_CONCURRENT: usize = 5;
/// Longest Idempotency-Key Xero accepts (reference §9.4).
pub const MAX_KEY_LEN: usize = 128;

/// How the host wants the run planned. Only `tenantId` is required.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PlanOptions {
    /// The `xero-tenant-id` of the organisation (also part of every idempotency key).
    pub tenant_id: String,
    /// Documents per request, 1-50 (default 50).
    #[serde(default)]
    pub max_documents: Option<usize>,
    /// Bytes per request body, at most 3,500,000 (the default).
    #[serde(default)]
    pub max_bytes: Option<usize>,
    /// Requests in flight at once, 1-5 (default 5, Xero's concurrent limit per tenant).
    #[serde(default)]
    pub max_concurrent: Option<usize>,
    /// Sends of one request that may end without an answer (5xx, timeout, lost) before its
    /// documents are left `uncertain` for a person to check (default 8).
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// First delay after a 5xx or lost response, doubled per failure up to a minute (default
    /// 1000 ms). The lookup after an uncertain send waits this long too, so an invoice still
    /// being saved when the connection dropped is found.
    #[serde(default)]
    pub backoff_ms: Option<u64>,
    /// How cancels treat documents that cannot be voided.
    #[serde(default)]
    pub cancel: Option<CancelOptions>,
}

/// How `plan({cancels})` treats a paid (or part-paid, or credited) document, which Xero will
/// not void.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct CancelOptions {
    /// Instead of refusing, send a credit note for the full amount of the cancel's
    /// `creditInstead` invoice, allocated to the document (as much as is still due on it).
    #[serde(default)]
    pub credit_when_paid: bool,
}

/// [`PlanOptions`] checked, with the defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Tenant id.
    pub tenant_id: String,
    /// Documents per request.
    pub max_documents: usize,
    /// Bytes per request body.
    pub max_bytes: usize,
    /// Requests in flight.
    pub max_concurrent: usize,
    /// Unanswered sends before giving up.
    pub max_attempts: u32,
    /// First backoff delay.
    pub backoff_ms: u64,
}

impl PlanOptions {
    /// Checks the options: values beyond Xero's limits are misuse, not silently clamped.
    pub fn limits(&self) -> Result<Limits, Error> {
        let bad = |field: &str, msg: String| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                &format!("options.{field}"),
                msg,
            ))
        };
        let tenant = self.tenant_id.trim();
        if tenant.is_empty() {
            return bad("tenantId", "`tenantId` is required: the xero-tenant-id of the organisation (from GET https://api.xero.com/connections).".into());
        }
        // It goes into a header: a CR or LF would let it add headers of its own.
        if tenant.len() > 100 || !tenant.bytes().all(|b| b.is_ascii_graphic()) {
            return bad("tenantId", "`tenantId` must be the organisation's xero-tenant-id (a UUID): printable characters only, no spaces or line breaks.".into());
        }
        let max_documents = self.max_documents.unwrap_or(MAX_DOCUMENTS);
        if !(1..=MAX_DOCUMENTS).contains(&max_documents) {
            return bad(
                "maxDocuments",
                format!("maxDocuments must be 1 to {MAX_DOCUMENTS} (got {max_documents})."),
            );
        }
        let max_bytes = self.max_bytes.unwrap_or(MAX_BYTES);
        if !(1024..=MAX_BYTES).contains(&max_bytes) {
            return bad(
                "maxBytes",
                format!(
                    "maxBytes must be 1024 to {MAX_BYTES}, Xero's 3.5 MB limit (got {max_bytes})."
                ),
            );
        }
        let max_concurrent = self.max_concurrent.unwrap_or(MAX_CONCURRENT);
        if !(1..=MAX_CONCURRENT).contains(&max_concurrent) {
            return bad(
                "maxConcurrent",
                format!("maxConcurrent must be 1 to {MAX_CONCURRENT}, Xero's concurrent limit per tenant (got {max_concurrent})."),
            );
        }
        let max_attempts = self.max_attempts.unwrap_or(8);
        if max_attempts == 0 || max_attempts > 100 {
            return bad(
                "maxAttempts",
                format!("maxAttempts must be 1 to 100 (got {max_attempts})."),
            );
        }
        Ok(Limits {
            tenant_id: tenant.to_owned(),
            max_documents,
            max_bytes,
            max_concurrent,
            max_attempts,
            backoff_ms: self.backoff_ms.unwrap_or(1000).min(3_600_000),
        })
    }
}

/// What a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum Purpose {
    /// PUT /Items: items to create before the documents that use them.
    Items,
    /// PUT /Contacts: contacts to create before the documents that need them.
    Contacts,
    /// PUT or POST /Invoices, /CreditNotes: the documents themselves.
    Documents,
    /// A GET that finds out what Xero has (after an uncertain send, or for an allocation).
    Lookup,
    /// PUT /CreditNotes/{id}/Allocations.
    Allocation,
    /// POST /Invoices, /CreditNotes with Status DELETED or VOIDED.
    Cancel,
    /// PUT /Payments (`documents` holds the host's payment ids).
    Payments,
}

/// One HTTP request for the host to perform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[cfg_attr(test, ts(rename = "SendRequest"))]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The id to hand back with the response (`run.handle(id, ...)`), unique in the run.
    pub id: String,
    /// What the request is for.
    pub purpose: Purpose,
    /// GET, PUT or POST.
    #[cfg_attr(test, ts(type = "\"GET\" | \"PUT\" | \"POST\""))]
    pub method: &'static str,
    /// Path below the base URL, e.g. `/Invoices`.
    pub path: String,
    /// Query parameters (unencoded).
    pub query: BTreeMap<String, String>,
    /// `path?query`, percent-encoded: `fetch(baseUrl + url, ...)`.
    pub url: String,
    /// Headers to send (the host adds `Authorization`).
    pub headers: BTreeMap<String, String>,
    /// The JSON body, for PUT/POST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Source invoice ids this request is about.
    pub documents: Vec<String>,
    /// Keys of the contacts this request creates or looks up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub contacts: Vec<String>,
    /// Codes of the items this request creates or looks up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub items: Vec<String>,
    /// The Idempotency-Key (also in `headers`), for writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// 1 for the first send of this content, 2 for the first retry...
    pub attempt: u32,
}

/// The parts a request is made of; [`RequestSpec::build`] turns them into a [`Request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestSpec {
    /// What it is for.
    pub purpose: Purpose,
    /// GET, PUT or POST.
    pub method: &'static str,
    /// Path below the base URL.
    pub path: String,
    /// Query parameters.
    pub query: BTreeMap<String, String>,
    /// Body (writes).
    pub body: Option<String>,
    /// Source invoice ids.
    pub documents: Vec<String>,
    /// Contact keys.
    pub contacts: Vec<String>,
    /// Item codes.
    pub items: Vec<String>,
}

impl RequestSpec {
    /// A GET (a lookup): no body, so no Idempotency-Key; `documents` are the host's ids it
    /// decides about.
    pub fn get(path: String, query: BTreeMap<String, String>, documents: Vec<String>) -> Self {
        RequestSpec {
            purpose: Purpose::Lookup,
            method: "GET",
            path,
            query,
            body: None,
            documents,
            contacts: Vec::new(),
            items: Vec::new(),
        }
    }

    /// The request with its id, headers and (for writes) idempotency key.
    pub fn build(&self, id: String, tenant_id: &str, attempt: u32) -> Request {
        let url = url(&self.path, &self.query);
        let mut headers = BTreeMap::new();
        headers.insert("Accept".to_owned(), "application/json".to_owned());
        headers.insert("xero-tenant-id".to_owned(), tenant_id.to_owned());
        let mut key = None;
        if let Some(body) = &self.body {
            headers.insert("Content-Type".to_owned(), "application/json".to_owned());
            let ids: Vec<&str> = self
                .documents
                .iter()
                .chain(self.contacts.iter())
                .chain(self.items.iter())
                .map(String::as_str)
                .collect();
            let k = idempotency_key(tenant_id, self.method, &url, &ids, body);
            headers.insert("Idempotency-Key".to_owned(), k.clone());
            key = Some(k);
        }
        Request {
            id,
            purpose: self.purpose,
            method: self.method,
            path: self.path.clone(),
            query: self.query.clone(),
            url,
            headers,
            body: self.body.clone(),
            documents: self.documents.clone(),
            contacts: self.contacts.clone(),
            items: self.items.clone(),
            idempotency_key: key,
            attempt,
        }
    }
}

/// 128-bit FNV-1a (offset basis and prime from the FNV specification).
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn bytes(&mut self, data: &[u8]) {
        for b in data {
            self.0 ^= u128::from(*b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// A length-prefixed field, so that ("ab","c") and ("a","bc") hash differently.
    fn field(&mut self, data: &str) {
        self.bytes(&(data.len() as u64).to_le_bytes());
        self.bytes(data.as_bytes());
    }
}

/// The Idempotency-Key of a write: `xe1-` and 32 hex digits of a 128-bit FNV-1a digest over
/// tenant, method, `path?query`, the source ids (in request order) and the body.
///
/// Deterministic: no clock, no randomness, so a host that re-plans the same export after a crash
/// sends the same keys. 36 characters, well under Xero's 128.
pub fn idempotency_key(tenant: &str, method: &str, url: &str, ids: &[&str], body: &str) -> String {
    let mut h = Fnv128::new();
    h.field("xero-export/idempotency/1");
    h.field(tenant);
    h.field(method);
    h.field(url);
    h.bytes(&(ids.len() as u64).to_le_bytes());
    for id in ids {
        h.field(id);
    }
    h.field(body);
    let mut out = String::with_capacity(36);
    out.push_str("xe1-");
    let _ = write!(out, "{:032x}", h.0);
    out
}

/// Percent-encodes a query component (everything but RFC 3986 unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Xero's comma-separated list filters (reference §2.7, §9.2).
const LIST_PARAMS: [&str; 4] = ["IDs", "InvoiceNumbers", "ContactIDs", "Statuses"];

/// `path?k=v&...` with encoded values, keys in order. The commas between the items of a list
/// filter stay commas, as Xero's docs write them and xero-node sends them: clients that sent
/// `%2C` reported 400s (xero-python#103), and an encoded comma takes three of the ~1,950
/// characters Xero's gateway allows a query (Xero-Java#328), so fewer ids fit a GET.
pub fn url(path: &str, query: &BTreeMap<String, String>) -> String {
    let mut out = path.to_owned();
    for (i, (k, v)) in query.iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(&encode(k));
        out.push('=');
        if LIST_PARAMS.contains(&k.as_str()) {
            let items: Vec<String> = v.split(',').map(encode).collect();
            out.push_str(&items.join(","));
        } else {
            out.push_str(&encode(v));
        }
    }
    out
}

/// A string literal for Xero's `where` filter: `"text"` with `\` and `"` escaped.
pub fn where_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// One item to pack: its identity (documents with the same identity never share a batch) and
/// the bytes of its JSON element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackItem {
    /// Number or reference (compared as given; `None` = no identity).
    pub identity: Option<String>,
    /// Element size in bytes.
    pub bytes: usize,
}

/// Result of [`pack`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Packed {
    /// Batches of item indices, each within the limits.
    pub batches: Vec<Vec<usize>>,
    /// Items too large to fit any request on their own.
    pub too_large: Vec<usize>,
}

/// Packs items first-fit, in order, into batches of at most `max_items` items whose body
/// (`envelope` bytes of overhead, elements joined by commas) stays within `max_bytes`.
pub fn pack(items: &[PackItem], envelope: usize, max_items: usize, max_bytes: usize) -> Packed {
    struct Open {
        members: Vec<usize>,
        bytes: usize,
        ids: Vec<String>,
    }
    let mut open: Vec<Open> = Vec::new();
    let mut too_large = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if envelope.saturating_add(item.bytes) > max_bytes {
            too_large.push(i);
            continue;
        }
        let fits = |b: &Open| {
            b.members.len() < max_items
                && b.bytes.saturating_add(1).saturating_add(item.bytes) <= max_bytes
                && item
                    .identity
                    .as_ref()
                    .is_none_or(|id| !b.ids.iter().any(|x| x == id))
        };
        match open.iter_mut().find(|b| fits(b)) {
            Some(b) => {
                b.members.push(i);
                b.bytes = b.bytes.saturating_add(1).saturating_add(item.bytes);
                b.ids.extend(item.identity.clone());
            }
            None => open.push(Open {
                members: vec![i],
                bytes: envelope.saturating_add(item.bytes),
                ids: item.identity.clone().into_iter().collect(),
            }),
        }
    }
    Packed {
        batches: open.into_iter().map(|b| b.members).collect(),
        too_large,
    }
}

/// Bytes of `{"<key>":[` + `]}`.
pub fn envelope_bytes(key: &str) -> usize {
    key.len() + 7
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: list filters went out as `IDs=a%2Cb`, which clients report Xero refusing,
    /// and which costs two more characters per id of the query Xero's gateway allows.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn list_filters_keep_their_commas_and_everything_else_is_encoded() {
        let q: BTreeMap<String, String> = [
            ("IDs", "a-1,b 2"),
            ("InvoiceNumbers", "N/1,N&2"),
            ("where", r#"Reference=="a,b""#),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            url("/Invoices", &q),
            "/Invoices?IDs=a-1,b%202&InvoiceNumbers=N%2F1,N%262&where=Reference%3D%3D%22a%2Cb%22"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn keys_are_stable_short_and_sensitive_to_every_part() {
        let k = idempotency_key("t", "PUT", "/Invoices", &["a", "b"], "{}");
        assert_eq!(
            k,
            idempotency_key("t", "PUT", "/Invoices", &["a", "b"], "{}")
        );
        assert!(k.starts_with("xe1-") && k.len() == 36 && k.len() <= MAX_KEY_LEN);
        for other in [
            idempotency_key("u", "PUT", "/Invoices", &["a", "b"], "{}"),
            idempotency_key("t", "POST", "/Invoices", &["a", "b"], "{}"),
            idempotency_key("t", "PUT", "/Invoices?unitdp=4", &["a", "b"], "{}"),
            idempotency_key("t", "PUT", "/Invoices", &["ab"], "{}"),
            idempotency_key("t", "PUT", "/Invoices", &["b", "a"], "{}"),
            idempotency_key("t", "PUT", "/Invoices", &["a", "b"], "{ }"),
        ] {
            assert_ne!(k, other);
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn fnv128_matches_the_reference_vectors() {
        // FNV-1a 128 test vectors (the FNV reference implementation's test suite).
        let mut h = Fnv128::new();
        assert_eq!(h.0, 0x6c62272e07bb014262b821756295c58d);
        h.bytes(b"a");
        assert_eq!(h.0, 0xd228cb696f1a8caf78912b704e4a8964);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn urls_are_encoded_and_where_literals_escaped() {
        let mut q = BTreeMap::new();
        q.insert("where".to_owned(), "Name==\"A & B\"".to_owned());
        q.insert("page".to_owned(), "1".to_owned());
        assert_eq!(
            url("/Contacts", &q),
            "/Contacts?page=1&where=Name%3D%3D%22A%20%26%20B%22"
        );
        assert_eq!(where_literal(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn packing_respects_count_bytes_and_identity() {
        let item = |id: &str, bytes| PackItem {
            identity: Some(id.to_owned()),
            bytes,
        };
        let items: Vec<PackItem> = (0..51).map(|i| item(&format!("n{i}"), 10)).collect();
        let p = pack(&items, 20, 50, MAX_BYTES);
        assert_eq!(p.batches.len(), 2);
        assert_eq!(p.batches[0].len(), 50);
        assert_eq!(p.batches[1], vec![50]);
        // Same identity: separate batches.
        let p = pack(&[item("x", 10), item("x", 10), item("y", 10)], 20, 50, 1000);
        assert_eq!(p.batches, vec![vec![0, 2], vec![1]]);
        // Bytes: envelope 20 + 3 × 10 + 2 commas = 52 fits 52, not 51.
        let three = [item("a", 10), item("b", 10), item("c", 10)];
        assert_eq!(pack(&three, 20, 50, 52).batches.len(), 1);
        assert_eq!(pack(&three, 20, 50, 51).batches.len(), 2);
        // An item larger than a request on its own.
        let p = pack(&[item("a", 100)], 20, 50, 119);
        assert_eq!(p.too_large, vec![0]);
    }
}
