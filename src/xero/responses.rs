//! Reading Xero's answers: response elements, their status and messages, rate limits.
//!
//! The pieces [`crate::send::Run`] uses to turn `(request, {status, headers, body})` into one
//! outcome per document:
//! - [`HttpResponse`]: what the host hands back (the body as text or as parsed JSON);
//! - [`match_elements`]: response elements → documents by identity (number, else reference),
//!   position only as the last resort;
//! - [`element_status`], [`validation_messages`], [`warnings`]: per element, `OK` / `WARNING` /
//!   `ERROR` with every message, at element, line and contact level, `Message` or `Description`
//!   (reference §9.1, §10); [`request_warnings`]: the answer's own, on the whole request;
//! - [`code_for`]: Xero's known messages mapped to our issue codes (Xero's text is kept);
//! - [`rate_limit`]: which limit a 429 hit and when to retry (reference §9.3).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::issues::IssueCode;
use crate::money::parse_decimal;
use crate::names;

/// A response as the host received it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, any case (`Object.fromEntries(response.headers)` gives lower case).
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    /// The body: its text (`await response.text()`), already-parsed JSON, or null.
    #[serde(default)]
    pub body: Option<Value>,
}

impl HttpResponse {
    /// A header by case-insensitive name, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        let v = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)?;
        match v {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Number(n) => Some(n.to_string()),
            Value::Array(a) => a.first().and_then(|x| x.as_str()).map(str::to_owned),
            _ => None,
        }
    }

    /// The body as JSON: parsed when given as text, `None` when it is not JSON.
    pub fn json(&self) -> Option<Cow<'_, Value>> {
        match self.body.as_ref()? {
            Value::String(text) => serde_json::from_str::<Value>(text).ok().map(Cow::Owned),
            Value::Null => None,
            other => Some(Cow::Borrowed(other)),
        }
    }

    /// The first 300 characters of the body, for messages.
    pub fn snippet(&self) -> String {
        let text = match &self.body {
            None | Some(Value::Null) => return String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        let mut out: String = text.chars().take(300).collect();
        if text.chars().count() > 300 {
            out.push('…');
        }
        out
    }
}

/// Which of Xero's rate limits a 429 hit (`X-Rate-Limit-Problem`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum RateLimit {
    /// 60 calls per minute per tenant.
    Minute,
    /// 5,000 calls per day per tenant.
    Day,
    /// 5 calls in progress per tenant.
    Concurrent,
    /// 10,000 calls per minute across the app.
    App,
    /// Not said.
    Unknown,
}

/// What a 429 says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryInfo {
    /// Seconds to wait (`Retry-After`, or a default per limit when absent).
    pub retry_after: u64,
    /// The limit hit.
    pub limit: RateLimit,
}

/// Reads `X-Rate-Limit-Problem` and `Retry-After` of a 429.
///
/// Without `Retry-After` (Xero sends it for the minute and day limits): 1 s for the concurrent
/// limit, 60 s for minute/app/unknown, an hour for the day limit.
pub fn rate_limit(response: &HttpResponse) -> RetryInfo {
    let limit = match response
        .header("x-rate-limit-problem")
        .map(|s| s.to_ascii_lowercase())
        .as_deref()
    {
        Some("minute") => RateLimit::Minute,
        Some("day" | "daily") => RateLimit::Day,
        Some("concurrent") => RateLimit::Concurrent,
        Some("appminute" | "app") => RateLimit::App,
        _ => RateLimit::Unknown,
    };
    let given = response
        .header("retry-after")
        .and_then(|s| s.parse::<u64>().ok());
    let retry_after = given.unwrap_or(match limit {
        RateLimit::Concurrent => 1,
        RateLimit::Day => 3600,
        RateLimit::Minute | RateLimit::App | RateLimit::Unknown => 60,
    });
    RetryInfo {
        retry_after: retry_after.min(86_400),
        limit,
    }
}

/// An element's `StatusAttributeString`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementStatus {
    /// Saved.
    Ok,
    /// Saved, with warnings.
    Warning,
    /// Not saved.
    Error,
}

/// The status of one response element: `StatusAttributeString`, else derived from its errors.
pub fn element_status(el: &Value) -> ElementStatus {
    match str_field(el, "StatusAttributeString")
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("OK") => ElementStatus::Ok,
        Some("WARNING") => ElementStatus::Warning,
        Some("ERROR") => ElementStatus::Error,
        _ => {
            let flagged = ["HasErrors", "HasValidationErrors"]
                .iter()
                .any(|k| el.get(k).and_then(Value::as_bool) == Some(true));
            if flagged || !validation_messages(el).is_empty() {
                ElementStatus::Error
            } else if !warnings(el).is_empty() {
                ElementStatus::Warning
            } else {
                ElementStatus::Ok
            }
        }
    }
}

/// One of Xero's messages and where in the element it sat (`""`, `lines[2]`, `contact`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XeroMessage {
    /// Xero's text.
    pub text: String,
    /// Where: empty for the element itself.
    pub at: String,
}

/// The text of a ValidationError / Warning: `Message`, else `Description` (reference §9.1).
fn message_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        _ => str_field(v, "Message")
            .or_else(|| str_field(v, "Description"))
            .map(str::to_owned),
    }
    .filter(|s| !s.trim().is_empty())
}

/// Every `ValidationErrors` message of an element, nested ones included (line items, the
/// contact, addresses...), in document order.
pub fn validation_messages(el: &Value) -> Vec<XeroMessage> {
    fn walk(v: &Value, at: &str, depth: u32, out: &mut Vec<XeroMessage>) {
        if depth > 6 {
            return;
        }
        let Value::Object(map) = v else { return };
        for (k, child) in map {
            match (k.as_str(), child) {
                ("ValidationErrors", Value::Array(list)) => {
                    for e in list {
                        if let Some(text) = message_text(e) {
                            if !out.iter().any(|m| m.text == text && m.at == at) {
                                out.push(XeroMessage {
                                    text,
                                    at: at.to_owned(),
                                });
                            }
                        }
                    }
                }
                (_, Value::Array(list)) => {
                    let name = child_name(k);
                    for (i, item) in list.iter().enumerate() {
                        walk(item, &join(at, &format!("{name}[{i}]")), depth + 1, out);
                    }
                }
                (_, Value::Object(_)) => walk(child, &join(at, &child_name(k)), depth + 1, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(el, "", 0, &mut out);
    out
}

fn child_name(key: &str) -> String {
    match key {
        "LineItems" => "lines".to_owned(),
        other => {
            let mut c = other.chars();
            match c.next() {
                Some(f) => f.to_lowercase().chain(c).collect(),
                None => String::new(),
            }
        }
    }
}

fn join(at: &str, child: &str) -> String {
    if at.is_empty() {
        child.to_owned()
    } else {
        format!("{at}.{child}")
    }
}

/// The element's `Warnings` messages.
pub fn warnings(el: &Value) -> Vec<String> {
    el.get("Warnings")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(message_text).collect())
        .unwrap_or_default()
}

/// The answer's top-level `Warnings` messages, each once, in Xero's order: a warning on the
/// whole request, beside the list (reference §1: "lists may carry `Warnings[]`"; §10: "200
/// responses may carry `Warnings`"). Read apart from [`warnings`], which reads one element's:
/// the run gives these to every document the request saved.
pub fn request_warnings(body: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in warnings(body) {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// The top-level message of an error body (Xero's `Message`, or `title`/`detail` of a problem
/// document), for responses without elements.
pub fn error_message(body: &Value) -> Option<String> {
    let msg = ["Message", "message", "Detail", "detail", "title", "Title"]
        .iter()
        .find_map(|k| str_field(body, k))
        .map(str::to_owned)?;
    let kind = str_field(body, "Type");
    Some(match kind {
        Some(t) if !msg.contains(t) => format!("{t}: {msg}"),
        _ => msg,
    })
}

/// Maps Xero's message to our code where the meaning is known; otherwise
/// `XERO_VALIDATION_ERROR`. Xero's own text is always kept beside the code.
pub fn code_for(message: &str) -> IssueCode {
    let m = message.to_ascii_lowercase();
    let has = |s: &str| m.contains(s);
    if has("must be unique")
        && (has("invoice #") || has("invoice number") || has("credit note") || has("creditnote"))
    {
        IssueCode::DuplicateNumber
    } else if has("already assigned to another contact")
        || (has("contact name") && has("unique"))
        || has("has this contact number")
    {
        IssueCode::ContactNameTaken
    } else if has("email address must be valid") {
        IssueCode::EmailInvalid
    } else if has("account code must be specified") {
        IssueCode::AccountMissing
    } else if has("account") && has("archived") {
        IssueCode::AccountArchived
    } else if has("account code") && (has("not a valid") || has("does not exist")) {
        IssueCode::AccountUnknown
    } else if has("taxtype field is mandatory") {
        IssueCode::TaxTypeMissing
    } else if has("taxtype code") && (has("does not exist") || has("cannot be used")) {
        IssueCode::TaxTypeNotAllowed
    } else if has("lock date") {
        IssueCode::DateLocked
    } else if has("duedate field must be specified") {
        IssueCode::DueDateMissing
    } else if has("not of valid status for modification") || has("cannot be edited") {
        IssueCode::UpdateNotAllowed
    } else if has("contact") && has("archived") {
        IssueCode::ContactArchived
    } else {
        code_for_more(&m)
    }
}

/// The rest of reference §10's catalogue (and messages Xero users report), each mapped to the
/// code the preview raises for the same problem. Kept apart from [`code_for`] so the table
/// grows without one long function.
fn code_for_more(m: &str) -> IssueCode {
    let has = |s: &str| m.contains(s);
    if has("not subscribed to currency") || (has("currency") && has("not enabled")) {
        IssueCode::CurrencyNotEnabled
    } else if has("exceeds the amount outstanding") {
        IssueCode::PaymentExceedsDue
    } else if has("account must be valid") {
        // Also what Xero says on a line whose amount rounds to 0.00: the run maps it to
        // LINE_AMOUNT_ZERO on such a line (send/documents.rs).
        IssueCode::AccountUnknown
    } else if has("tax rate must be valid") {
        IssueCode::TaxTypeUnknown
    } else {
        IssueCode::XeroValidationError
    }
}

/// A string field of a JSON object.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A non-empty trimmed string field.
pub fn text_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    str_field(v, key).map(str::trim).filter(|s| !s.is_empty())
}

/// An exact decimal field (JSON number or numeric string).
pub fn decimal_field(v: &Value, key: &str) -> Option<Decimal> {
    match v.get(key)? {
        Value::Number(n) => parse_decimal(&n.to_string()),
        Value::String(s) => parse_decimal(s.trim()),
        _ => None,
    }
}

/// The array under `key` (e.g. `Invoices`), or under `Elements` for a 400 body.
pub fn elements<'a>(body: &'a Value, key: &str) -> Option<&'a [Value]> {
    body.get(key)
        .or_else(|| body.get("Elements"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
}

/// How a document is recognised in a response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// InvoiceNumber / CreditNoteNumber / ContactNumber.
    pub number: Option<String>,
    /// Reference (documents) or Name (contacts).
    pub reference: Option<String>,
}

/// Maps each document of a request to the response element that answers it.
///
/// Identity first: the number (`number_field`, e.g. `InvoiceNumber`), else the reference
/// (`reference_field`: `Reference`, or `Name` for contacts), compared as Xero compares names.
/// A document with no identity takes the element at its own position, if no other document
/// claimed it. Each element answers at most one document.
pub fn match_elements(
    docs: &[Identity],
    elements: &[Value],
    number_field: &str,
    reference_field: &str,
) -> Vec<Option<usize>> {
    let mut taken = vec![false; elements.len()];
    let mut out = vec![None; docs.len()];
    let mut claim = |field: &str, want: &dyn Fn(&Identity) -> Option<String>| {
        for (d, doc) in docs.iter().enumerate() {
            if out.get(d).copied().flatten().is_some() {
                continue;
            }
            let Some(want) = want(doc) else { continue };
            let hit = elements.iter().enumerate().position(|(e, el)| {
                !taken.get(e).copied().unwrap_or(true)
                    && text_field(el, field).is_some_and(|v| names::same(v, &want))
            });
            if let Some(e) = hit {
                if let Some(t) = taken.get_mut(e) {
                    *t = true;
                }
                if let Some(o) = out.get_mut(d) {
                    *o = Some(e);
                }
            }
        }
    };
    claim(number_field, &|d| d.number.clone());
    claim(reference_field, &|d| {
        if d.number.is_none() {
            d.reference.clone()
        } else {
            None
        }
    });
    for (d, doc) in docs.iter().enumerate() {
        if doc.number.is_none()
            && doc.reference.is_none()
            && d < elements.len()
            && !taken.get(d).copied().unwrap_or(true)
        {
            if let Some(t) = taken.get_mut(d) {
                *t = true;
            }
            if let Some(o) = out.get_mut(d) {
                *o = Some(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn known_messages_map_to_codes() {
        for (msg, code) in [
            ("Invoice # must be unique.", IssueCode::DuplicateNumber),
            ("The contact name Buzz Lightyear is already assigned to another contact. The contact name must be unique across all active contacts.", IssueCode::ContactNameTaken),
            ("Another contact has this contact number. Please enter a different contact number.", IssueCode::ContactNameTaken),
            ("Email address must be valid.", IssueCode::EmailInvalid),
            ("Account code '200' has been archived, or deleted. Each line item must reference a valid account.", IssueCode::AccountArchived),
            ("Account code must be specified", IssueCode::AccountMissing),
            ("The TaxType code GST on Income does not exist or cannot be used for this type of transaction.", IssueCode::TaxTypeNotAllowed),
            ("The TaxType field is mandatory", IssueCode::TaxTypeMissing),
            ("The document DueDate field must be specified.", IssueCode::DueDateMissing),
            ("The document date cannot be before the end of year lock date, currently set at 31 Mar 2024", IssueCode::DateLocked),
            ("The document date cannot be before the period lock date", IssueCode::DateLocked),
            ("Invoice not of valid status for modification", IssueCode::UpdateNotAllowed),
            ("The line total 0 does not match the expected line total 800.00", IssueCode::XeroValidationError),
            // Reference §10 and users' reports, audited: each to the preview's code for the
            // same problem; the ones without a preview counterpart stay generic.
            ("Users Organisation is not subscribed to currency NZD", IssueCode::CurrencyNotEnabled),
            ("Payment amount exceeds the amount outstanding on this document", IssueCode::PaymentExceedsDue),
            ("The TaxType code 'OUTPUT2' cannot be used with account code '800'.", IssueCode::TaxTypeNotAllowed),
            ("This document cannot be edited as it has a payment or credit note allocated to it.", IssueCode::UpdateNotAllowed),
            ("Account must be valid.", IssueCode::AccountUnknown),
            ("Tax rate must be valid.", IssueCode::TaxTypeUnknown),
            ("Account code '999' is not a valid code for this document.", IssueCode::AccountUnknown),
            ("An existing Credit Note with the specified CreditNoteID could not be found", IssueCode::XeroValidationError),
            ("You've reached the limit of 100 contact groups.", IssueCode::XeroValidationError),
            ("Only AUTHORISED invoices may have SentToContact updated.", IssueCode::XeroValidationError),
        ] {
            assert_eq!(code_for(msg), code, "{msg}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn messages_come_from_every_level_and_both_field_names() {
        let el = json!({
            "ValidationErrors": [{"Message": "Invoice # must be unique."}, {"Description": "Second"}],
            "LineItems": [{"ValidationErrors": []}, {"ValidationErrors": [{"Message": "Line bad"}]}],
            "Contact": {"ValidationErrors": [{"Message": "Email address must be valid."}]},
            "Warnings": [{"Message": "Only AUTHORISED invoices may have SentToContact updated."}]
        });
        let msgs = validation_messages(&el);
        let got: Vec<(&str, &str)> = msgs
            .iter()
            .map(|m| (m.at.as_str(), m.text.as_str()))
            .collect();
        assert!(got.contains(&("", "Invoice # must be unique.")));
        assert!(got.contains(&("", "Second")));
        assert!(got.contains(&("lines[1]", "Line bad")));
        assert!(got.contains(&("contact", "Email address must be valid.")));
        assert_eq!(element_status(&el), ElementStatus::Error);
        assert_eq!(warnings(&el).len(), 1);
        assert_eq!(
            element_status(&json!({"Warnings": [{"Message": "w"}]})),
            ElementStatus::Warning
        );
        assert_eq!(
            element_status(&json!({"StatusAttributeString": "OK"})),
            ElementStatus::Ok
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn elements_match_by_identity_then_position() {
        let id = |n: Option<&str>, r: Option<&str>| Identity {
            number: n.map(str::to_owned),
            reference: r.map(str::to_owned),
        };
        let els = vec![
            json!({"InvoiceNumber": "B", "Reference": "rb"}),
            json!({"InvoiceNumber": "INV-0009", "Reference": "only-ref"}),
            json!({"InvoiceNumber": "a"}),
            json!({"InvoiceNumber": "INV-0010"}),
        ];
        let docs = [
            id(Some("A"), None),
            id(Some("b"), None),
            id(None, Some("ONLY-REF")),
            id(None, None),
            id(Some("missing"), None),
        ];
        assert_eq!(
            match_elements(&docs, &els, "InvoiceNumber", "Reference"),
            vec![Some(2), Some(0), Some(1), Some(3), None]
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn rate_limits_read_both_headers() {
        let r = |h: Value| HttpResponse {
            status: 429,
            headers: serde_json::from_value(h).unwrap(),
            body: None,
        };
        let day = rate_limit(&r(
            json!({"Retry-After": "3600", "X-Rate-Limit-Problem": "day"}),
        ));
        assert_eq!(
            day,
            RetryInfo {
                retry_after: 3600,
                limit: RateLimit::Day
            }
        );
        let minute = rate_limit(&r(
            json!({"retry-after": 7, "x-rate-limit-problem": "Minute"}),
        ));
        assert_eq!(
            minute,
            RetryInfo {
                retry_after: 7,
                limit: RateLimit::Minute
            }
        );
        let bare = rate_limit(&r(json!({})));
        assert_eq!(
            bare,
            RetryInfo {
                retry_after: 60,
                limit: RateLimit::Unknown
            }
        );
        let conc = rate_limit(&r(json!({"x-rate-limit-problem": "concurrent"})));
        assert_eq!(conc.retry_after, 1);
    }
}
