//! The preview's JSON, written by hand: the bodies set apart for the JS binding
//! ([`Preview::into_split_json`]) and each document streamed as it is built.
//!
//! Owns only the text form of the view model in [`crate::preview`]; it builds nothing and
//! resolves nothing (the exporter drives it, one document at a time). The output must stay byte
//! for byte what serde's derive writes: the golden scenarios and the test below compare them.

use crate::issues::{Issue, Severity};
use crate::preview::{DocumentPreview, LinePreview, Preview};
use crate::resolve::contacts::ContactRef;
use crate::resolve::tracking::LineTracking;
use crate::xero::wire::WireContactRef;

impl Preview {
    /// The preview as text with the request bodies set apart, for the JS binding: for each
    /// document in order its body (nothing when it has none) and a NUL character, then the
    /// preview's JSON with every `body` null.
    ///
    /// Why: embedded in the JSON, each body (already JSON text, the bulk of the output) would be
    /// escaped here and unescaped again by `JSON.parse`. Set apart, it is written once and the
    /// JS side takes each as a slice of the text (`text.split("\0")`, the JSON last). JSON text
    /// never contains a raw NUL (serde_json escapes control characters), so the separator cannot
    /// be ambiguous. The bodies come first so that they can be written as each document is
    /// built ([`Exporter::preview_split_json`](crate::Exporter::preview_split_json)) and the smaller JSON appended after them.
    pub fn into_split_json(mut self) -> Result<String, serde_json::Error> {
        let bodies: usize = self
            .documents
            .iter()
            .map(|d| d.body.as_ref().map_or(1, |b| b.len() + 1))
            .sum();
        let meta = self.documents.len().saturating_mul(640);
        // `meta` becomes serde's text below, so only `out` (bodies, then the JSON) is sized.
        let mut out =
            PreviewWriter::with_capacity(bodies + meta, 0, Layout::Split { bodies: true });
        for d in &mut self.documents {
            if let Some(b) = d.body.take() {
                out.out.push_str(&b);
            }
            out.out.push('\0');
        }
        out.meta = serde_json::to_string(&self)?;
        Ok(out.finish())
    }
}

/// Where a streamed preview puts each document's request body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Set apart before the JSON, each followed by a NUL ([`Preview::into_split_json`]); with
    /// `false`, every body is left out (the NULs stay, one per document).
    Split { bodies: bool },
    /// Inside each document's JSON as a string (`serde_json::to_string(&preview)`).
    Inline,
}

/// A streamed preview as it is written: the preview's JSON into `meta`, and in the split layout
/// each document's body and a NUL into `out`; joined at the end.
pub(crate) struct PreviewWriter {
    pub(crate) out: String,
    pub(crate) meta: String,
    layout: Layout,
}

impl PreviewWriter {
    /// Buffers sized once: `out` for the bodies and, at the end, the JSON; `meta` for the JSON.
    pub(crate) fn with_capacity(out: usize, meta: usize, layout: Layout) -> Self {
        PreviewWriter {
            out: String::with_capacity(out),
            meta: String::with_capacity(meta),
            layout,
        }
    }

    /// One document: its body now, its JSON after the previous one's.
    pub(crate) fn push(
        &mut self,
        doc: &DocumentPreview,
        first: bool,
    ) -> Result<(), serde_json::Error> {
        if let Layout::Split { bodies } = self.layout {
            // The same condition as `build::document` sets `body` with: only documents whose
            // contact exists already have a body before the sending plan.
            if let Some(wire) = doc
                .wire
                .as_ref()
                .filter(|w| bodies && matches!(w.contact, WireContactRef::Id(_)))
            {
                wire.write_body(&mut self.out);
            }
            self.out.push('\0');
        }
        if !first {
            self.meta.push(',');
        }
        write_document(doc, &mut self.meta)
    }

    /// The bodies, then the JSON.
    pub(crate) fn finish(mut self) -> String {
        if self.out.is_empty() {
            return self.meta;
        }
        self.out.push_str(&self.meta);
        self.out
    }
}

/// A document's JSON, byte for byte what `serde_json::to_string(doc)` writes (the streaming
/// test compares them on every golden scenario), written directly: through serde's derive the
/// documents' JSON was a tenth of a streamed preview in wasm. Display lines and issues (empty
/// on a sending backend's `{lines: false}` preview of good invoices) still go through serde.
pub(crate) fn write_document(
    doc: &DocumentPreview,
    out: &mut String,
) -> Result<(), serde_json::Error> {
    use crate::xero::wire::{push_json_str, Object};
    let mut o = Object::open(out);
    write_identity(doc, &mut o);
    write_lines(&doc.lines, o.key("lines"));
    write_totals(doc, &mut o)?;
    write_issues(&doc.issues, o.key("issues"));
    match &doc.body {
        Some(b) => push_json_str(o.key("body"), b),
        None => o.key("body").push_str("null"),
    }
    o.close();
    Ok(())
}

/// Display lines as JSON, byte for byte what serde's derive writes for `Vec<LinePreview>`
/// (`display_lines_json_is_what_serde_writes` compares them). Why by hand: through serde the
/// display lines were the largest serialisation cost of a preview with display data (each
/// line a fresh `String`, copied in after; measured in the issue 20 core report).
pub(crate) fn write_lines(lines: &[LinePreview], out: &mut String) {
    use crate::xero::wire::Object;
    out.push('[');
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        o.opt_str("description", l.description.as_deref());
        o.opt_str("quantity", l.quantity.as_deref());
        o.opt_str("unitAmount", l.unit_amount.as_deref());
        o.opt_str("discountRate", l.discount_rate.as_deref());
        o.opt_str("discountAmount", l.discount_amount.as_deref());
        o.opt_str("itemCode", l.item_code.as_deref());
        o.opt_str("accountCode", l.account_code.as_deref());
        o.opt_str("taxType", l.tax_type.as_deref());
        o.opt_str("taxRate", l.tax_rate.as_deref());
        o.str("lineAmount", &l.line_amount);
        o.str("taxAmount", &l.tax_amount);
        write_tracking(&l.tracking, o.key("tracking"));
        o.close();
    }
    out.push(']');
}

/// Issues as JSON, byte for byte what serde's derive writes for `Vec<Issue>`
/// (`issues_json_is_what_serde_writes` compares them). Why by hand: every document's issues
/// were a `serde_json::to_string` (an allocation even for `[]`), and messages (often hundreds
/// of characters) are escaped faster by [`push_json_str`](crate::xero::wire::push_json_str).
pub(crate) fn write_issues(issues: &[Issue], out: &mut String) {
    use crate::xero::wire::Object;
    out.push('[');
    for (i, issue) in issues.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        o.str(
            "severity",
            match issue.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        );
        o.str("code", issue.code.name());
        o.str("path", &issue.path);
        o.str("message", &issue.message);
        for (key, n) in [("row", issue.row), ("column", issue.column)] {
            if let Some(n) = n {
                push_u64(o.key(key), n);
            }
        }
        o.opt_str("key", issue.key.as_deref());
        o.close();
    }
    out.push(']');
}

/// `n` in decimal (a CSV row or column).
fn push_u64(out: &mut String, n: u64) {
    match usize::try_from(n) {
        Ok(n) => out.push_str(crate::issues::digits(n, &mut [0; 20])),
        Err(_) => out.push_str(&n.to_string()),
    }
}

/// A line's tracking entries as serde's derive writes `Vec<LineTracking>`.
pub(crate) fn write_tracking(tracking: &[LineTracking], out: &mut String) {
    use crate::xero::wire::Object;
    out.push('[');
    for (i, t) in tracking.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let mut o = Object::open(out);
        o.str("category", &t.category);
        o.str("option", &t.option);
        o.opt_str("categoryId", t.category_id.as_deref());
        o.opt_str("optionId", t.option_id.as_deref());
        o.str("source", crate::preview::flat::source_name(t.source));
        o.opt_str("replaced", t.replaced.as_deref());
        o.close();
    }
    out.push(']');
}

/// The fields before `lines`: what the document is, for whom, when.
fn write_identity(doc: &DocumentPreview, o: &mut crate::xero::wire::Object<'_>) {
    use crate::xero::wire::Object;
    o.key("index")
        .push_str(crate::issues::digits(doc.index, &mut [0; 20]));
    o.str("sourceId", &doc.source_id);
    o.opt_str("sourceNumber", doc.source_number.as_deref());
    o.str("kind", doc.kind.as_str());
    o.str("endpoint", doc.endpoint);
    o.str("status", doc.status);
    o.key("blocked")
        .push_str(if doc.blocked { "true" } else { "false" });
    if doc.unchanged {
        o.key("unchanged").push_str("true");
    }
    {
        let mut c = Object::open(o.key("contact"));
        match &doc.contact {
            ContactRef::Existing {
                contact_id,
                name,
                matched_by,
            } => {
                c.str("status", "existing");
                c.str("contactId", contact_id);
                match name {
                    Some(n) => c.str("name", n),
                    None => c.key("name").push_str("null"),
                }
                c.str("matchedBy", matched_by.as_str());
            }
            ContactRef::Create { key, name } => {
                c.str("status", "create");
                c.str("key", key);
                c.str("name", name);
            }
            ContactRef::Unresolved => c.str("status", "unresolved"),
        }
        c.close();
    }
    o.opt_str("number", doc.number.as_deref());
    o.opt_str("reference", doc.reference.as_deref());
    for (key, date) in [("date", doc.date), ("dueDate", doc.due_date)] {
        if let Some(d) = date {
            d.push_json(o.key(key));
        }
    }
    o.opt_str("currency", doc.currency.as_deref());
    o.str("lineAmountTypes", doc.line_amount_types.as_str());
}

/// The totals and what is said about them: Xero's, the host's, the difference, the adjustment.
fn write_totals(
    doc: &DocumentPreview,
    o: &mut crate::xero::wire::Object<'_>,
) -> Result<(), serde_json::Error> {
    use crate::xero::wire::Object;
    match &doc.totals {
        None => o.key("totals").push_str("null"),
        Some(totals) => {
            let mut t = Object::open(o.key("totals"));
            t.str("subTotal", &totals.sub_total);
            t.str("totalTax", &totals.total_tax);
            t.str("total", &totals.total);
            t.close();
        }
    }
    o.opt_str("hostTotal", doc.host_total.as_deref());
    o.opt_str("difference", doc.difference.as_deref());
    o.opt_str("totalDiscount", doc.total_discount.as_deref());
    if doc.unitdp4 {
        o.key("unitdp4").push_str("true");
    }
    if let Some(a) = &doc.adjustment {
        o.key("adjustment").push_str(&serde_json::to_string(a)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Date;
    use crate::input::settings::TrackingSource;
    use crate::issues::IssueCode;
    use crate::money::totals::{LineAmountTypes, Totals};
    use crate::xero::kind::DocumentKind;

    /// One contact of each form the preview shows (every match rule, with and without a name).
    fn every_contact_form() -> Vec<ContactRef> {
        use crate::resolve::contacts::MatchRule;
        let rules = [
            MatchRule::ContactId,
            MatchRule::Mapping,
            MatchRule::ContactNumber,
            MatchRule::AccountNumber,
            MatchRule::Email,
            MatchRule::Name,
        ];
        let mut contacts: Vec<ContactRef> = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| ContactRef::Existing {
                contact_id: "c-1".into(),
                name: (i % 2 == 1).then(|| "Ana \"Moana\"".into()),
                matched_by: *rule,
            })
            .collect();
        contacts.push(ContactRef::Create {
            key: "patient:p-1".into(),
            name: "Łukasz\tNowak".into(),
        });
        contacts.push(ContactRef::Unresolved);
        contacts
    }

    /// The hand-written document JSON is serde's, for every contact form and every optional
    /// part (the golden scenarios cover the common ones; these are the rare ones too).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn document_json_is_what_serde_writes() {
        let contacts = every_contact_form();
        let kinds = [
            DocumentKind::Accrec,
            DocumentKind::Accpay,
            DocumentKind::AccrecCredit,
            DocumentKind::AccpayCredit,
        ];
        let modes = [
            LineAmountTypes::Exclusive,
            LineAmountTypes::Inclusive,
            LineAmountTypes::NoTax,
        ];
        let line = LinePreview {
            description: Some("Consult\n1".into()),
            quantity: Some("1".into()),
            unit_amount: Some("25.06".into()),
            discount_rate: None,
            discount_amount: None,
            item_code: None,
            account_code: Some("200".into()),
            tax_type: Some("OUTPUT2".into()),
            tax_rate: Some("15".into()),
            line_amount: "25.06".into(),
            tax_amount: "3.76".into(),
            tracking: Vec::new(),
        };
        let mut all = Vec::new();
        for (i, contact) in contacts.into_iter().enumerate() {
            let full = i % 2 == 0;
            let doc = DocumentPreview {
                index: 10_000 * i,
                // Text the flat form must mark: a NUL, a leading \u{1}, \u{1} alone.
                source_id: ["inv\u{1}\\1", "\u{1}marked", "nul\0inside", "\u{1}"][i % 4].into(),
                source_number: full.then(|| "N-1".into()),
                kind: kinds[i % kinds.len()],
                endpoint: "CreditNotes",
                status: "DRAFT",
                blocked: full,
                unchanged: i % 3 == 1,
                contact,
                number: full.then(|| "CN 1".into()),
                reference: (!full).then(|| "Ref".into()),
                date: Date::parse("2024-02-29"),
                due_date: Date::parse("2024-03-31").filter(|_| full),
                currency: full.then(|| "NZD".into()),
                line_amount_types: modes[i % modes.len()],
                lines: if full { vec![line.clone()] } else { Vec::new() },
                totals: Some(Totals::default().to_strings()),
                host_total: full.then(|| "1.00".to_owned()),
                difference: full.then(|| "-0.01".to_owned()),
                total_discount: full.then(|| "1.50".into()),
                unitdp4: full,
                adjustment: full.then(|| crate::preview::HostAdjustment {
                    mechanism: "roundingLine",
                    amount: "0.01".into(),
                    lines: vec![1],
                }),
                issues: if full {
                    vec![Issue::warning(
                        IssueCode::TotalMismatch,
                        "invoices[0].total",
                        "x",
                    )]
                } else {
                    Vec::new()
                },
                body: full.then(|| "{\"Invoices\":[\"\\u0001\"]}".to_owned()),
                wire: None,
                exact_totals: Totals::default(),
                sent_tracking: Vec::new(),
                credits_invoice_number: None,
            };
            let mut out = String::new();
            write_document(&doc, &mut out).unwrap();
            assert_eq!(out, serde_json::to_string(&doc).unwrap(), "case {i}");
            all.push(doc);
        }
        assert_flat_is_json(all);
    }

    /// A document with `lines` and `issues` and nothing optional.
    fn plain_doc(index: usize, lines: Vec<LinePreview>, issues: Vec<Issue>) -> DocumentPreview {
        DocumentPreview {
            index,
            source_id: "inv-1".into(),
            source_number: None,
            kind: DocumentKind::Accrec,
            endpoint: "Invoices",
            status: "DRAFT",
            blocked: false,
            unchanged: false,
            contact: ContactRef::Unresolved,
            number: None,
            reference: None,
            date: None,
            due_date: None,
            currency: None,
            line_amount_types: LineAmountTypes::Exclusive,
            lines,
            totals: None,
            host_total: None,
            difference: None,
            total_discount: None,
            unitdp4: false,
            adjustment: None,
            issues,
            body: None,
            wire: None,
            exact_totals: Totals::default(),
            sent_tracking: Vec::new(),
            credits_invoice_number: None,
        }
    }

    /// `docs` held as a result handle's flat form and read back are serde's JSON of them
    /// (with no body: the handle writes bodies from the wire form, which these have not),
    /// whole and part by part.
    fn assert_flat_is_json(docs: Vec<DocumentPreview>) {
        use crate::preview::results::Results;
        let mut results = Results::default();
        let mut want = Vec::new();
        let mut text = Vec::new();
        for mut doc in docs {
            doc.body = None;
            results.push(&doc, true).unwrap();
            want.push(serde_json::to_value(&doc).unwrap());
            text.push(serde_json::to_string(&doc).unwrap());
        }
        // Byte for byte: the same keys in the same order.
        let got = results.documents(0..results.len()).unwrap();
        assert_eq!(got, format!("[{}]", text.join(",")));
        for (i, doc) in want.iter().enumerate() {
            let lines: serde_json::Value =
                serde_json::from_str(&results.lines(i).unwrap()).unwrap();
            let issues: serde_json::Value =
                serde_json::from_str(&results.issues(i).unwrap()).unwrap();
            assert_eq!(
                (&lines, &issues),
                (&doc["lines"], &doc["issues"]),
                "document {i}"
            );
            let mut summary = doc.clone();
            for key in ["lines", "issues", "body"] {
                summary.as_object_mut().unwrap().remove(key);
            }
            let got: serde_json::Value =
                serde_json::from_str(&results.summary(i).unwrap()).unwrap();
            assert_eq!(got, summary, "document {i}");
        }
    }

    /// The hand-written display lines are serde's: every optional field present and absent,
    /// every tracking source, with and without ids and a replaced option, text needing escapes.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn display_lines_json_is_what_serde_writes() {
        let sources = [
            TrackingSource::Line,
            TrackingSource::Clinician,
            TrackingSource::Location,
            TrackingSource::Service,
            TrackingSource::Client,
            TrackingSource::Fallback,
        ];
        let text = |i: usize, s: &str| (i % 2 == 0).then(|| crate::Text::from(s));
        let lines: Vec<LinePreview> = (0..8)
            .map(|i| LinePreview {
                description: text(i, ["Consult \"A\"\n\u{1}é", "\u{1}x\0y"][i % 4 / 2]),
                quantity: text(i + 1, "1.5"),
                unit_amount: text(i, "25.0625"),
                discount_rate: text(i + 1, "10"),
                discount_amount: text(i, "2.50"),
                item_code: text(i + 1, "ITEM"),
                account_code: text(i, "200"),
                tax_type: text(i + 1, "OUTPUT2"),
                tax_rate: text(i, "15"),
                line_amount: "25.06".into(),
                tax_amount: "3.76".into(),
                tracking: sources
                    .iter()
                    .take(i)
                    .enumerate()
                    .map(|(j, s)| LineTracking {
                        category: "Region\t1".into(),
                        option: ["North \"N\"", "\u{1}N\0"][j % 2].into(),
                        category_id: (j % 2 == 0).then(|| "cat-1".into()),
                        option_id: (j % 3 == 0).then(|| "opt-1".into()),
                        source: *s,
                        replaced: (j % 2 == 1).then(|| "Old\\one".to_owned()),
                        wire: crate::xero::wire::WireTracking::new(None, "R", "N", None),
                    })
                    .collect(),
            })
            .collect();
        for n in 0..=lines.len() {
            let mut out = String::new();
            write_lines(&lines[..n], &mut out);
            assert_eq!(
                out,
                serde_json::to_string(&lines[..n]).unwrap(),
                "{n} lines"
            );
        }
        assert_flat_is_json(
            (0..=lines.len())
                .map(|n| plain_doc(n, lines[..n].to_vec(), Vec::new()))
                .collect(),
        );
    }

    /// The hand-written issues are serde's: both severities, several codes, CSV rows and
    /// columns (large ones too), keys, and text needing escapes.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issues_json_is_what_serde_writes() {
        let codes = [
            IssueCode::TrackingRequired,
            IssueCode::TotalMismatch,
            IssueCode::TextInvalid,
            IssueCode::LineAmountRoundsToZero,
        ];
        let issues: Vec<Issue> = (0..8)
            .map(|i| {
                let mut issue = if i % 2 == 0 {
                    Issue::error(
                        codes[i % 4],
                        "invoices[3].lines[1].tracking.Région",
                        ["Fix \"it\"\n\u{1f}\\ now é", "\u{1}\0"][i % 4 / 2],
                    )
                } else {
                    Issue::warning(codes[i % 4], "", "")
                };
                issue.row = [Some(1), None, Some(u64::MAX), Some(70_000)][(i / 2) % 4];
                issue.column = (i % 4 == 1).then_some(12);
                issue.key = (i % 3 == 2).then(|| "client \"7\"".to_owned());
                issue
            })
            .collect();
        for n in 0..=issues.len() {
            let mut out = String::new();
            write_issues(&issues[..n], &mut out);
            assert_eq!(
                out,
                serde_json::to_string(&issues[..n]).unwrap(),
                "{n} issues"
            );
        }
        assert_flat_is_json(
            (0..=issues.len())
                .map(|n| plain_doc(n, Vec::new(), issues[..n].to_vec()))
                .collect(),
        );
    }
}
