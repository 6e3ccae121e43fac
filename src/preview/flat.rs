//! The display data in the JS binding's flat form, and that form read back as JSON.
//!
//! Why: a preview page with display data was read in JS by `JSON.parse`, which made every key
//! of every document and line again and was most of what a page cost outside the wasm call
//! (issue 20). Here a document is its values only, in a fixed order, each followed by a NUL:
//! api.js splits the page at the NULs (one fast scan, each value a slice of the text) and makes
//! each object with its keys written in the code. Measured on the bench workload in Node, a
//! page of 100 documents decoded this way took a third of `JSON.parse`'s time for the same
//! documents, and the text is a third of the JSON's size.
//!
//! The form, one token per value, each followed by `\0`:
//! - text as it is, unless it contains a NUL or starts with [`MARK`]: then [`MARK`] and the
//!   text as a JSON string (rare; JSON text never contains a raw NUL);
//! - a field left out of the JSON: [`MARK`] alone;
//! - `null` or any other JSON value (a host adjustment): [`MARK`] and its JSON text;
//! - numbers (indexes, counts, CSV rows) as decimal digits; `blocked` as `t` or `f`; a flag
//!   shown only when true (`unchanged`, `unitdp4`) as `t` or left out;
//! - a list: its length, then its elements.
//!
//! The fields come in the JSON's order, so that JS makes each object with its keys in the same
//! order as `JSON.parse` would. This module writes the form ([`Flat`]) and reads it back as the
//! JSON that [`crate::preview::json`] writes ([`replay_identity`] and the others): the Rust API
//! of [`Results`](crate::preview::results::Results) gives JSON, and the tests compare that with
//! the preview's own JSON on every scenario, so nothing written here can be lost on the way.
//! The third reader is `pageDocuments` in `pkg-template/api.js`; the JS tests compare it with
//! `JSON.parse` of the preview's JSON.

use crate::input::settings::TrackingSource;
use crate::issues::{Issue, Severity};
use crate::preview::{DocumentPreview, LinePreview};
use crate::resolve::contacts::ContactRef;
use crate::resolve::tracking::LineTracking;
use crate::xero::wire::{push_json_str, Object};

/// Starts a token that is not plain text: alone, a field left out; followed by JSON, that value.
pub(crate) const MARK: char = '\u{1}';
/// Ends every token.
const END: char = '\0';
/// A field left out: [`MARK`] and [`END`], pushed as one piece.
const ABSENT: &str = "\u{1}\0";

/// Tokens written into a buffer.
pub(crate) struct Flat<'a>(pub(crate) &'a mut String);

impl Flat<'_> {
    /// Text: as it is, or marked and as a JSON string when it could be taken for a separator
    /// or a mark.
    pub(crate) fn text(&mut self, s: &str) {
        // Only the two things that would make text ambiguous, looked for directly (`contains`
        // on bytes is `memchr`): the escaper's `plain`, which ruled out both with quotes and
        // control characters, made this 1k instructions an invoice dearer (callgrind, bench
        // workload, display).
        if !(s.starts_with(MARK) || s.as_bytes().contains(&0)) {
            self.0.push_str(s);
        } else {
            self.0.push(MARK);
            push_json_str(self.0, s);
        }
        self.0.push(END);
    }

    pub(crate) fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.absent(),
        }
    }

    /// A field left out.
    pub(crate) fn absent(&mut self) {
        self.0.push_str(ABSENT);
    }

    /// A JSON value as it is (`null`, an object).
    pub(crate) fn json(&mut self, json: &str) {
        self.0.push(MARK);
        self.0.push_str(json);
        self.0.push(END);
    }

    pub(crate) fn count(&mut self, n: usize) {
        // A single digit (most counts and tracking entries) without the digits' UTF-8 check.
        // With `absent` pushed in one piece: display 85.5k → 84.9k instructions an invoice,
        // bodies 71.5k → 71.3k (callgrind, bench workload).
        match u8::try_from(n) {
            Ok(d @ 0..=9) => self.0.push(char::from(b'0' + d)),
            _ => self.0.push_str(crate::issues::digits(n, &mut [0; 20])),
        }
        self.0.push(END);
    }

    fn row(&mut self, n: Option<u64>) {
        match n {
            Some(n) => {
                self.0.push_str(&n.to_string());
                self.0.push(END);
            }
            None => self.absent(),
        }
    }

    fn flag(&mut self, b: bool) {
        self.0.push_str(if b { "t\0" } else { "f\0" });
    }

    /// A flag the JSON shows only when true.
    fn shown_if_true(&mut self, b: bool) {
        if b {
            self.0.push_str("t\0");
        } else {
            self.absent();
        }
    }
}

/// The fields before `lines` (`json::write_identity`'s).
pub(crate) fn write_identity(doc: &DocumentPreview, f: &mut Flat<'_>) {
    f.count(doc.index);
    f.text(&doc.source_id);
    f.opt(doc.source_number.as_deref());
    f.text(doc.kind.as_str());
    f.text(doc.endpoint);
    f.text(doc.status);
    f.flag(doc.blocked);
    f.shown_if_true(doc.unchanged);
    match &doc.contact {
        ContactRef::Existing {
            contact_id,
            name,
            matched_by,
        } => {
            f.text("existing");
            f.text(contact_id);
            match name {
                Some(n) => f.text(n),
                None => f.json("null"),
            }
            f.text(matched_by.as_str());
        }
        ContactRef::Create { key, name } => {
            f.text("create");
            f.text(key);
            f.text(name);
        }
        ContactRef::Unresolved => f.text("unresolved"),
    }
    f.opt(doc.number.as_deref());
    f.opt(doc.reference.as_deref());
    for date in [doc.date, doc.due_date] {
        match date {
            Some(d) => {
                d.push_text(f.0);
                f.0.push(END);
            }
            None => f.absent(),
        }
    }
    f.opt(doc.currency.as_deref());
    f.text(doc.line_amount_types.as_str());
}

/// Display lines, each line's tracking the number `list` gives for it.
pub(crate) fn write_lines(
    lines: &[LinePreview],
    f: &mut Flat<'_>,
    mut list: impl FnMut(&[LineTracking], &mut Flat<'_>),
) {
    f.count(lines.len());
    for l in lines {
        for text in [
            &l.description,
            &l.quantity,
            &l.unit_amount,
            &l.discount_rate,
            &l.discount_amount,
            &l.item_code,
            &l.account_code,
            &l.tax_type,
            &l.tax_rate,
        ] {
            f.opt(text.as_deref());
        }
        f.text(&l.line_amount);
        f.text(&l.tax_amount);
        list(&l.tracking, f);
    }
}

/// The fields after `lines` (`json::write_totals`'s).
pub(crate) fn write_totals(
    doc: &DocumentPreview,
    f: &mut Flat<'_>,
) -> Result<(), serde_json::Error> {
    match &doc.totals {
        None => f.json("null"),
        Some(t) => {
            f.text(&t.sub_total);
            f.text(&t.total_tax);
            f.text(&t.total);
        }
    }
    f.opt(doc.host_total.as_deref());
    f.opt(doc.difference.as_deref());
    f.opt(doc.total_discount.as_deref());
    f.shown_if_true(doc.unitdp4);
    match &doc.adjustment {
        Some(a) => f.json(&serde_json::to_string(a)?),
        None => f.absent(),
    }
    Ok(())
}

pub(crate) fn write_issues(issues: &[Issue], f: &mut Flat<'_>) {
    f.count(issues.len());
    for issue in issues {
        f.text(match issue.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        });
        f.text(issue.code.name());
        f.text(&issue.path);
        f.text(&issue.message);
        f.row(issue.row);
        f.row(issue.column);
        f.opt(issue.key.as_deref());
    }
}

/// A line's tracking list.
pub(crate) fn write_tracking(tracking: &[LineTracking], f: &mut Flat<'_>) {
    f.count(tracking.len());
    for t in tracking {
        f.text(&t.category);
        f.text(&t.option);
        f.opt(t.category_id.as_deref());
        f.opt(t.option_id.as_deref());
        f.text(source_name(t.source));
        f.opt(t.replaced.as_deref());
    }
}

/// `TrackingSource` as its serde name (camelCase).
pub(crate) fn source_name(source: TrackingSource) -> &'static str {
    match source {
        TrackingSource::Line => "line",
        TrackingSource::Clinician => "clinician",
        TrackingSource::Location => "location",
        TrackingSource::Service => "service",
        TrackingSource::Client => "client",
        TrackingSource::Fallback => "fallback",
    }
}

/// Tokens read back, in order. Every read is `None` at the end of the text, so a damaged text
/// gives nothing rather than a panic (the texts read are only ever this module's own).
pub(crate) struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Tokens { rest: text }
    }

    pub(crate) fn next(&mut self) -> Option<&'a str> {
        let (token, rest) = self.rest.split_once(END)?;
        self.rest = rest;
        Some(token)
    }

    pub(crate) fn count(&mut self) -> Option<usize> {
        self.next()?.parse().ok()
    }

    /// What is left: after a page's documents, the batch's JSON.
    pub(crate) fn rest(&self) -> &'a str {
        self.rest
    }
}

/// A token as JSON: text as a JSON string, a marked token's JSON as it is.
fn value(out: &mut String, token: &str) {
    match token.strip_prefix(MARK) {
        Some(json) => out.push_str(json),
        None => push_json_str(out, token),
    }
}

fn str(o: &mut Object<'_>, t: &mut Tokens<'_>, key: &str) -> Option<()> {
    value(o.key(key), t.next()?);
    Some(())
}

/// A field the JSON leaves out when absent.
fn opt(o: &mut Object<'_>, t: &mut Tokens<'_>, key: &str) -> Option<()> {
    let token = t.next()?;
    if token.len() != MARK.len_utf8() || !token.starts_with(MARK) {
        value(o.key(key), token);
    }
    Some(())
}

/// A number or a CSV row, left out when absent.
fn number(o: &mut Object<'_>, t: &mut Tokens<'_>, key: &str, optional: bool) -> Option<()> {
    let token = t.next()?;
    if optional && token.starts_with(MARK) {
        return Some(());
    }
    token.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
    o.key(key).push_str(token);
    Some(())
}

/// `t`/`f` as `true`/`false`; with `shown_if_true`, `f` or absent leaves the key out.
fn flag(o: &mut Object<'_>, t: &mut Tokens<'_>, key: &str, shown_if_true: bool) -> Option<()> {
    let on = t.next()? == "t";
    if on || !shown_if_true {
        o.key(key).push_str(if on { "true" } else { "false" });
    }
    Some(())
}

/// [`write_identity`]'s tokens as `json::write_identity` writes the fields.
pub(crate) fn replay_identity(t: &mut Tokens<'_>, o: &mut Object<'_>) -> Option<()> {
    number(o, t, "index", false)?;
    str(o, t, "sourceId")?;
    opt(o, t, "sourceNumber")?;
    for key in ["kind", "endpoint", "status"] {
        str(o, t, key)?;
    }
    flag(o, t, "blocked", false)?;
    flag(o, t, "unchanged", true)?;
    {
        let status = t.next()?;
        let mut c = Object::open(o.key("contact"));
        value(c.key("status"), status);
        let keys: &[&str] = match status {
            "existing" => &["contactId", "name", "matchedBy"],
            "create" => &["key", "name"],
            _ => &[],
        };
        for key in keys {
            str(&mut c, t, key)?;
        }
        c.close();
    }
    for key in ["number", "reference", "date", "dueDate", "currency"] {
        opt(o, t, key)?;
    }
    str(o, t, "lineAmountTypes")
}

/// [`write_lines`]'s tokens as a JSON array; `list` writes the tracking list a line names.
pub(crate) fn replay_lines(
    t: &mut Tokens<'_>,
    out: &mut String,
    mut list: impl FnMut(usize, &mut String) -> Option<()>,
) -> Option<()> {
    const KEYS: [&str; 9] = [
        "description",
        "quantity",
        "unitAmount",
        "discountRate",
        "discountAmount",
        "itemCode",
        "accountCode",
        "taxType",
        "taxRate",
    ];
    out.push('[');
    for i in 0..t.count()? {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        for key in KEYS {
            opt(&mut o, t, key)?;
        }
        str(&mut o, t, "lineAmount")?;
        str(&mut o, t, "taxAmount")?;
        let entry = t.count()?;
        list(entry, o.key("tracking"))?;
        o.close();
    }
    out.push(']');
    Some(())
}

/// [`write_totals`]'s tokens as `json::write_totals` writes the fields.
pub(crate) fn replay_totals(t: &mut Tokens<'_>, o: &mut Object<'_>) -> Option<()> {
    let first = t.next()?;
    match first.strip_prefix(MARK) {
        Some(json) => o.key("totals").push_str(json),
        None => {
            let mut totals = Object::open(o.key("totals"));
            value(totals.key("subTotal"), first);
            str(&mut totals, t, "totalTax")?;
            str(&mut totals, t, "total")?;
            totals.close();
        }
    }
    for key in ["hostTotal", "difference", "totalDiscount"] {
        opt(o, t, key)?;
    }
    flag(o, t, "unitdp4", true)?;
    opt(o, t, "adjustment")
}

/// [`write_issues`]'s tokens as a JSON array.
pub(crate) fn replay_issues(t: &mut Tokens<'_>, out: &mut String) -> Option<()> {
    out.push('[');
    for i in 0..t.count()? {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        for key in ["severity", "code", "path", "message"] {
            str(&mut o, t, key)?;
        }
        number(&mut o, t, "row", true)?;
        number(&mut o, t, "column", true)?;
        opt(&mut o, t, "key")?;
        o.close();
    }
    out.push(']');
    Some(())
}

/// [`write_tracking`]'s tokens as a JSON array.
pub(crate) fn replay_tracking(t: &mut Tokens<'_>, out: &mut String) -> Option<()> {
    out.push('[');
    for i in 0..t.count()? {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        str(&mut o, t, "category")?;
        str(&mut o, t, "option")?;
        opt(&mut o, t, "categoryId")?;
        opt(&mut o, t, "optionId")?;
        str(&mut o, t, "source")?;
        opt(&mut o, t, "replaced")?;
        o.close();
    }
    out.push(']');
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_left_out_is_the_mark_alone() {
        assert_eq!(ABSENT, format!("{MARK}{END}"));
    }

    /// Counts of one digit (written without the digits' check) and of more read back the same.
    #[test]
    fn counts_read_back() {
        let mut text = String::new();
        let counts = [0, 1, 9, 10, 99, 255, 256, 12_345, usize::MAX];
        for n in counts {
            Flat(&mut text).count(n);
        }
        let mut t = Tokens::new(&text);
        for n in counts {
            assert_eq!(t.count(), Some(n));
        }
        assert_eq!(t.rest(), "");
    }
}
