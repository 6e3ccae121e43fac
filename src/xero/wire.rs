//! The documents exactly as Xero receives them.
//!
//! PascalCase keys, unset fields omitted, no read-only totals, no zero discounts, calendar dates,
//! and amounts written as JSON numbers from their exact decimal text: `25.06` is sent as `25.06`,
//! never as a float's approximation.
//!
//! The JSON is written by hand into one buffer rather than through serde: request bodies are
//! the bulk of a preview's output (about 1.7 KB per 5-line invoice), and writing them directly
//! avoids an allocation per number and a copy per body. Strings are escaped exactly as
//! serde_json escapes them, so the bytes are the same either way (tests/properties.rs checks it).

use rust_decimal::Decimal;

use crate::dates::Date;
use crate::xero::kind::DocumentKind;
use crate::Text;

/// Whether JSON needs `b` escaped inside a string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of the eight bytes of `x` needs escaping (SWAR: a byte below 0x20, a quote or a
/// backslash).
fn word_needs_escape(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Non-zero exactly when some byte of `x` is zero (the classic "has zero byte" test).
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    control | has_zero(x ^ (ONES * u64::from(b'"'))) | has_zero(x ^ (ONES * u64::from(b'\\'))) != 0
}

/// The eight bytes of `chunk` as one word (`chunk` is eight bytes long).
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_le_bytes(w)
}

/// Whether no byte of `bytes` needs escaping: the common case, decided without finding where.
///
/// Eight bytes at a time, and the last (partial) eight as the eight bytes ending the text
/// (overlapping bytes already checked, which is harmless): one word test per 8 bytes and no
/// byte loop at all for text of 8 bytes or more. Most strings of a request body are short
/// names, codes and amounts, so this runs about a hundred times per invoice.
pub(crate) fn plain(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len < 8 {
        return !bytes.iter().any(|b| needs_escape(*b));
    }
    let mut chunks = bytes.chunks_exact(8);
    if chunks.by_ref().any(|c| word_needs_escape(word(c))) {
        return false;
    }
    chunks.remainder().is_empty()
        || !word_needs_escape(word(bytes.get(len - 8..).unwrap_or_default()))
}

/// The position of the first byte at or after `from` that needs escaping.
///
/// Eight bytes at a time (SWAR): most text needs no escaping at all, and this scan runs over
/// every string of every request body.
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        if word_needs_escape(word(chunk)) {
            break;
        }
        i += 8;
    }
    bytes
        .get(i..)?
        .iter()
        .position(|b| needs_escape(*b))
        .map(|p| p + i)
}

/// Appends `s` as a JSON string: `"` and `\` backslash-escaped, control characters as `\b`,
/// `\t`, `\n`, `\f`, `\r` or `\u00XX`, everything else (all of Unicode) as it is — the same
/// bytes serde_json writes.
pub fn push_json_str(out: &mut String, s: &str) {
    // One capacity check for the whole string; text that needs no escaping (nearly all of
    // it) is copied in one piece without looking for where an escape would go.
    out.reserve(s.len() + 2);
    out.push('"');
    if plain(s.as_bytes()) {
        out.push_str(s);
    } else {
        push_escaped(out, s);
    }
    out.push('"');
}

/// The inside of [`push_json_str`] for text with something to escape.
fn push_escaped(out: &mut String, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    while let Some(i) = next_escape(bytes, start) {
        // `i` is at an ASCII byte, so both slices end on character boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        let b = bytes.get(i).copied().unwrap_or_default();
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            _ => "",
        };
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(
                    HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
                ));
            }
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
}

/// A JSON object being written: `,` between members, keys written as given (ours need no
/// escaping). Also writes the preview's documents (`preview::write_document`).
pub(crate) struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    pub(crate) fn open(out: &'a mut String) -> Object<'a> {
        out.push('{');
        Object { out, first: true }
    }

    /// Inlined on purpose: every key is a literal, so once inlined each copy is of a known
    /// length (a few moves instead of a call to `memcpy`); about 40 keys per request body.
    #[inline]
    pub(crate) fn key(&mut self, key: &str) -> &mut String {
        self.out.push_str(if self.first { "\"" } else { ",\"" });
        self.first = false;
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    #[inline]
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        push_json_str(self.key(key), value);
    }

    #[inline]
    pub(crate) fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A number with its exact digits (never through a float).
    pub(crate) fn opt_number(&mut self, key: &str, value: Option<Decimal>) {
        if let Some(v) = value {
            crate::money::push_text(self.key(key), v);
        }
    }

    /// Money at exactly `dp` places (`4025.00`), rounded half away from zero like the totals.
    pub(crate) fn money(&mut self, key: &str, value: Decimal, dp: u32) {
        crate::money::push_fixed(self.key(key), value, dp);
    }

    pub(crate) fn close(self) {
        self.out.push('}');
    }

    /// A member whose key comes written out as [`member!`] writes it, `,"Key":`: one copy
    /// per member instead of three (the comma or opening quote, the key, the closing quote and
    /// colon), each with its own capacity check. For the request bodies' own writers, which
    /// write about 60 keys per 5-line invoice (callgrind, bench input: see the commit).
    #[inline]
    fn member(&mut self, written: &'static str) -> &mut String {
        let text = if self.first {
            written.get(1..).unwrap_or(written)
        } else {
            written
        };
        self.first = false;
        self.out.push_str(text);
        self.out
    }

    /// [`Object::opt_str`] with a key as [`member!`] writes it.
    #[inline]
    fn opt_str_member(&mut self, written: &'static str, value: Option<&str>) {
        if let Some(v) = value {
            push_json_str(self.member(written), v);
        }
    }

    /// [`Object::opt_number`] with a key as [`member!`] writes it.
    #[inline]
    fn opt_number_member(&mut self, written: &'static str, value: Option<Decimal>) {
        if let Some(v) = value {
            crate::money::push_text(self.member(written), v);
        }
    }
}

/// A member's key as [`Object::member`] takes it: `,"Key":`.
macro_rules! member {
    ($key:literal) => {
        concat!(",\"", $key, "\":")
    };
}

/// Tracking on a line, as its JSON: Name + Option (Xero's documented form) and both IDs when
/// known. Kept as text because that is all a request needs, and the same few pairs repeat on
/// every line of a batch: the tracking resolver writes each distinct pair once and every line
/// shares it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireTracking(std::rc::Rc<str>);

impl WireTracking {
    /// The entry for a category and option (names as in Xero, IDs when known).
    pub fn new(
        category_id: Option<&str>,
        name: &str,
        option: &str,
        option_id: Option<&str>,
    ) -> Self {
        let mut json = String::new();
        let mut o = Object::open(&mut json);
        o.opt_str("TrackingCategoryID", category_id);
        o.str("Name", name);
        o.str("Option", option);
        o.opt_str("TrackingOptionID", option_id);
        o.close();
        WireTracking(std::rc::Rc::<str>::from(json))
    }

    /// The entry's JSON.
    pub fn json(&self) -> &str {
        &self.0
    }
}

/// A line item.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireLine {
    /// LineItemID (updates only).
    pub line_item_id: Option<Text>,
    /// Description.
    pub description: Option<Text>,
    /// Quantity.
    pub quantity: Option<Decimal>,
    /// Unit amount.
    pub unit_amount: Option<Decimal>,
    /// Item code.
    pub item_code: Option<Text>,
    /// Account code.
    pub account_code: Option<Text>,
    /// Tax type.
    pub tax_type: Option<Text>,
    /// An explicit tax amount, only when the host's total policy overrides Xero's (issue 18).
    pub tax_amount: Option<Decimal>,
    /// Discount rate (ACCREC invoices only; never zero).
    pub discount_rate: Option<Decimal>,
    /// Discount amount (ACCREC invoices only; never zero).
    pub discount_amount: Option<Decimal>,
    /// Tracking (≤ 2).
    pub tracking: Vec<WireTracking>,
}

impl WireLine {
    fn write_json(&self, out: &mut String) {
        let mut o = Object::open(out);
        o.opt_str_member(member!("LineItemID"), self.line_item_id.as_deref());
        o.opt_str_member(member!("Description"), self.description.as_deref());
        o.opt_number_member(member!("Quantity"), self.quantity);
        o.opt_number_member(member!("UnitAmount"), self.unit_amount);
        o.opt_str_member(member!("ItemCode"), self.item_code.as_deref());
        o.opt_str_member(member!("AccountCode"), self.account_code.as_deref());
        o.opt_str_member(member!("TaxType"), self.tax_type.as_deref());
        o.opt_number_member(member!("TaxAmount"), self.tax_amount);
        o.opt_number_member(member!("DiscountRate"), self.discount_rate);
        o.opt_number_member(member!("DiscountAmount"), self.discount_amount);
        if !self.tracking.is_empty() {
            let out = o.member(member!("Tracking"));
            out.push('[');
            for (i, t) in self.tracking.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(t.json());
            }
            out.push(']');
        }
        o.close();
    }
}

/// The contact of a document: an existing ContactID, or a contact still to be created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireContactRef {
    /// ContactID known.
    Id(Text),
    /// Waiting for PUT /Contacts: the key of the contact to create.
    Pending(Text),
}

/// An invoice or credit note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireDocument {
    /// InvoiceID / CreditNoteID when updating (sent in the URL, not the body).
    pub xero_id: Option<Text>,
    /// ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT.
    pub kind: DocumentKind,
    /// Contact.
    pub contact: WireContactRef,
    /// Date.
    pub date: Date,
    /// Due date.
    pub due_date: Option<Date>,
    /// Exclusive / Inclusive / NoTax (always explicit).
    pub line_amount_types: crate::money::totals::LineAmountTypes,
    /// InvoiceNumber (invoices).
    pub invoice_number: Option<Text>,
    /// CreditNoteNumber (credit notes).
    pub credit_note_number: Option<Text>,
    /// Reference (ACCREC / ACCRECCREDIT only).
    pub reference: Option<Text>,
    /// Url ("Go to \[app\]").
    pub url: Option<Text>,
    /// Currency code.
    pub currency_code: Option<Text>,
    /// DRAFT / SUBMITTED / AUTHORISED.
    pub status: &'static str,
    /// Branding theme.
    pub branding_theme_id: Option<Text>,
    /// Lines.
    pub line_items: Vec<WireLine>,
}

/// A placeholder ContactID for documents whose contact is still to be created; never sent (the
/// plan fills in the real ID), but keeps a rendered body well-formed.
pub const PENDING_CONTACT_ID: &str = "00000000-0000-0000-0000-000000000000";

impl WireDocument {
    /// The envelope key: `Invoices` or `CreditNotes`.
    pub fn envelope(&self) -> &'static str {
        self.kind.collection().endpoint()
    }

    /// The element as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(self.size_hint());
        self.write_json(&mut out);
        out
    }

    /// The request body for this document alone: `{"Invoices":[...]}` or `{"CreditNotes":[...]}`.
    pub fn body(&self) -> String {
        let mut out = String::new();
        self.write_body(&mut out);
        out
    }

    /// Appends the request body to `out` (a streamed preview writes every body into one
    /// buffer instead of allocating each).
    pub fn write_body(&self, out: &mut String) {
        out.reserve(self.size_hint() + 20);
        out.push_str("{\"");
        out.push_str(self.envelope());
        out.push_str("\":[");
        self.write_json(out);
        out.push_str("]}");
    }

    /// Roughly the JSON's length, so the buffer is allocated once.
    fn size_hint(&self) -> usize {
        let text = |t: &Option<Text>| t.as_ref().map_or(0, |t| t.len() + 16);
        let lines: usize = self
            .line_items
            .iter()
            .map(|l| {
                // Keys, quotes and numbers: about 90 bytes; text as long as it is (escapes aside).
                90 + text(&l.description)
                    + text(&l.account_code)
                    + text(&l.tax_type)
                    + text(&l.item_code)
                    + text(&l.line_item_id)
                    + l.tracking.iter().map(|t| t.json().len() + 1).sum::<usize>()
            })
            .sum();
        260 + text(&self.invoice_number)
            + text(&self.credit_note_number)
            + text(&self.reference)
            + text(&self.url)
            + lines
    }

    /// Appends the element's JSON to `out`.
    pub fn write_json(&self, out: &mut String) {
        let mut o = Object::open(out);
        o.opt_str_member(member!("Type"), Some(self.kind.as_str()));
        let id = match &self.contact {
            WireContactRef::Id(id) => id.as_str(),
            WireContactRef::Pending(_) => PENDING_CONTACT_ID,
        };
        let contact = o.member(concat!(member!("Contact"), "{\"ContactID\":"));
        push_json_str(contact, id);
        contact.push('}');
        self.date.push_json(o.member(member!("Date")));
        if let Some(due) = self.due_date {
            due.push_json(o.member(member!("DueDate")));
        }
        let amount_types = Some(self.line_amount_types.as_str());
        o.opt_str_member(member!("LineAmountTypes"), amount_types);
        o.opt_str_member(member!("InvoiceNumber"), self.invoice_number.as_deref());
        o.opt_str_member(
            member!("CreditNoteNumber"),
            self.credit_note_number.as_deref(),
        );
        o.opt_str_member(member!("Reference"), self.reference.as_deref());
        o.opt_str_member(member!("Url"), self.url.as_deref());
        o.opt_str_member(member!("CurrencyCode"), self.currency_code.as_deref());
        o.opt_str_member(member!("Status"), Some(self.status));
        o.opt_str_member(
            member!("BrandingThemeID"),
            self.branding_theme_id.as_deref(),
        );
        let lines = o.member(concat!(member!("LineItems"), "["));
        for (i, l) in self.line_items.iter().enumerate() {
            if i > 0 {
                lines.push(',');
            }
            l.write_json(lines);
        }
        lines.push(']');
        o.close();
    }

    /// Whether a line needs 4 unit decimals (`unitdp=4` on the request). A unit amount at 2
    /// places or fewer (nearly all) is told from its scale alone, without normalising it
    /// (normalising only ever lowers the scale): ~100 instructions an invoice (callgrind,
    /// bench workload).
    pub fn needs_unitdp4(&self) -> bool {
        self.line_items.iter().any(|l| {
            l.unit_amount
                .is_some_and(|u| u.scale() > 2 && crate::money::decimal_places(u) > 2)
        })
    }
}

/// `{"<envelope>":[e1,e2,...]}` from element JSON texts.
pub fn envelope(key: &str, elements: &[&str]) -> String {
    let mut out =
        String::with_capacity(elements.iter().map(|e| e.len() + 1).sum::<usize>() + key.len() + 8);
    out.push_str("{\"");
    out.push_str(key);
    out.push_str("\":[");
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::dec;

    /// The no-escape fast path (`plain`) checks words of 8 and the last 8 bytes overlapping:
    /// every length around those boundaries, with each byte that needs escaping (and the
    /// nearest that do not) at every position, is written as serde_json writes it.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn strings_of_every_length_escape_at_every_position_as_serde_json_does() {
        let specials: Vec<char> = (0u8..0x20)
            .map(char::from)
            .chain(['"', '\\', ' ', '!', '#', '[', ']', '\u{7f}', 'é', '€', '😀'])
            .collect();
        for len in 0..=26 {
            for pos in 0..len {
                for &c in &specials {
                    let s: String = (0..len).map(|i| if i == pos { c } else { 'a' }).collect();
                    let mut ours = String::new();
                    push_json_str(&mut ours, &s);
                    assert_eq!(ours, serde_json::to_string(&s).unwrap(), "{s:?}");
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn amounts_are_exact_json_numbers_and_unset_fields_vanish() {
        let doc = WireDocument {
            xero_id: None,
            kind: DocumentKind::Accrec,
            contact: WireContactRef::Id("430fa14a-f945-44d3-9f97-5df5e28441b8".into()),
            date: Date::parse("2019-03-11").unwrap(),
            due_date: None,
            line_amount_types: crate::money::totals::LineAmountTypes::Exclusive,
            invoice_number: Some("INV-1".into()),
            credit_note_number: None,
            reference: None,
            url: None,
            currency_code: None,
            status: "DRAFT",
            branding_theme_id: None,
            line_items: vec![WireLine {
                description: Some("Acme \"Tires\"".into()),
                quantity: Some(dec("2")),
                unit_amount: Some(dec("20.10")),
                account_code: Some("200".into()),
                ..WireLine::default()
            }],
        };
        assert_eq!(
            doc.to_json(),
            r#"{"Type":"ACCREC","Contact":{"ContactID":"430fa14a-f945-44d3-9f97-5df5e28441b8"},"Date":"2019-03-11","LineAmountTypes":"Exclusive","InvoiceNumber":"INV-1","Status":"DRAFT","LineItems":[{"Description":"Acme \"Tires\"","Quantity":2,"UnitAmount":20.10,"AccountCode":"200"}]}"#
        );
        assert_eq!(
            envelope("Invoices", &["{}", "{}"]),
            r#"{"Invoices":[{},{}]}"#
        );
    }
}
