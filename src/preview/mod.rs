//! The export preview: for each source invoice, the exact Xero document that will be sent, the
//! totals Xero will compute, and every problem at once.
//!
//! An [`Exporter`] holds the parsed snapshot and settings, so previewing many invoices parses
//! them once. Per invoice: resolve (document kind, contact, account + tax + tracking per line,
//! due date), build the wire document, compute totals exactly as Xero does, validate. Errors block
//! only their own document; warnings never block.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::build::totals::{self, Discount, LineAmountTypes, Totals, TotalsText, LINE_AMOUNT_MAX};
use crate::dates::Date;
use crate::input::settings::{InvoiceKind, NegativeInvoices, Settings, Status};
use crate::input::snapshot::{AccountClass, Lock, Snapshot};
use crate::input::source::{non_empty, non_empty_text, SourceInvoice, SourceLine};
use crate::issues::{has_errors, Issue, IssueCode, LinePath, Path};
use crate::money::{decimal_places, fixed, fixed_text, is_zero_decimal_currency, text_inline, Num};
use crate::resolve::contacts::{self, ContactRef, NewContact, Planned};
use crate::resolve::tracking::{self, LineTracking};
use crate::xero::kind::DocumentKind;
use crate::xero::wire::{WireContactRef, WireDocument, WireLine};
use crate::Text;

/// One line of the preview: what is sent, and what Xero will compute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinePreview {
    /// Description as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Quantity as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text>,
    /// Unit amount as sent (2 or 4 dp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<Text>,
    /// Discount rate as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_rate: Option<Text>,
    /// Discount amount as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Text>,
    /// Xero item code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_code: Option<Text>,
    /// Account code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_code: Option<Text>,
    /// Tax type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<Text>,
    /// Tax rate in percent (the rate's EffectiveRate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Text>,
    /// LineAmount Xero computes.
    pub line_amount: Text,
    /// TaxAmount Xero computes.
    pub tax_amount: Text,
    /// Tracking with provenance.
    pub tracking: Vec<LineTracking>,
}

/// The preview of one source invoice.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentPreview {
    /// Position in the input.
    pub index: usize,
    /// The host's invoice id.
    pub source_id: Text,
    /// The host's invoice number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_number: Option<Text>,
    /// Document kind.
    pub kind: DocumentKind,
    /// `Invoices` or `CreditNotes`.
    pub endpoint: &'static str,
    /// DRAFT / SUBMITTED / AUTHORISED.
    pub status: &'static str,
    /// Whether an error blocks sending it.
    pub blocked: bool,
    /// The contact.
    pub contact: ContactRef,
    /// InvoiceNumber / CreditNoteNumber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Text>,
    /// Reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Text>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    /// Currency (the organisation's base currency when the invoice names none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Text>,
    /// Exclusive / Inclusive / NoTax.
    pub line_amount_types: LineAmountTypes,
    /// Lines.
    pub lines: Vec<LinePreview>,
    /// Totals as Xero will compute them.
    pub totals: TotalsText,
    /// The host's own total, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_total: Option<String>,
    /// Xero's total minus the host's, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<String>,
    /// Every problem of this document.
    pub issues: Vec<Issue>,
    /// The request body for this document alone (`{"Invoices":[...]}`), or `null` while its
    /// contact is still to be created (the sending plan fills it in).
    pub body: Option<String>,
    /// The document as built (for planning).
    #[serde(skip)]
    pub wire: Option<WireDocument>,
    /// Exact totals (for planning and reconciliation).
    #[serde(skip)]
    pub exact_totals: Totals,
    /// Tracking per line as sent (for the response check).
    #[serde(skip)]
    pub sent_tracking: Vec<Vec<LineTracking>>,
    /// The number of the invoice a credit note corrects (for allocations).
    #[serde(skip)]
    pub credits_invoice_number: Option<Text>,
}

/// Counts for a summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Invoices previewed.
    pub documents: usize,
    /// Documents ready to send.
    pub ready: usize,
    /// Documents blocked by an error.
    pub blocked: usize,
    /// Credit notes among them.
    pub credit_notes: usize,
    /// Contacts to create.
    pub contacts_to_create: usize,
    /// Warnings in all.
    pub warnings: usize,
    /// Errors in all.
    pub errors: usize,
}

/// The preview of a batch.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// One per source invoice, in input order.
    pub documents: Vec<DocumentPreview>,
    /// Contacts to create before the documents that need them.
    pub contacts: Vec<NewContact>,
    /// Problems of the snapshot and settings (not tied to one invoice).
    pub issues: Vec<Issue>,
    /// Counts.
    pub summary: Summary,
}

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
    /// built ([`Exporter::preview_split_json`]) and the smaller JSON appended after them.
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

/// What a preview includes. Both default to true; a Node backend that only sends can skip the
/// display lines, a page that only displays can skip the bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct PreviewOptions {
    /// Per-line previews (amounts as strings, tracking with provenance).
    pub lines: bool,
    /// Request bodies as JSON text.
    pub bodies: bool,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        PreviewOptions {
            lines: true,
            bodies: true,
        }
    }
}

/// A snapshot and settings, parsed once; previews any number of invoices.
pub struct Exporter {
    snapshot: Snapshot,
    settings: Settings,
    issues: Vec<Issue>,
    /// InvoiceNumber, Reference and Url templates, split once (`None`: unusable or unset).
    templates: [Option<Template>; 3],
    /// Tracking aliases and mapped options, looked up once.
    tracking: tracking::Prepared,
}

/// A template split into literal text (`false`) and `{field}` names (`true`), once per
/// exporter rather than once per invoice.
#[derive(Clone, Debug)]
struct Template(Vec<(bool, Text)>);

impl Template {
    fn parse(template: &str) -> Option<Template> {
        let parts = template_parts(template)?;
        Some(Template(
            parts
                .into_iter()
                .map(|(is_field, text)| (is_field, Text::new(text)))
                .collect(),
        ))
    }
}

/// Splits a template into literal text and `{field}` names; `None` on an unclosed brace.
fn template_parts(template: &str) -> Option<Vec<(bool, &str)>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (lit, tail) = rest.split_at(open);
        if !lit.is_empty() {
            parts.push((false, lit));
        }
        let close = tail.find('}')?;
        parts.push((true, tail.get(1..close)?.trim()));
        rest = tail.get(close + 1..)?;
    }
    if !rest.is_empty() {
        parts.push((false, rest));
    }
    Some(parts)
}

fn render(
    template: Option<&Template>,
    inv: &SourceInvoice,
    path: &Path,
    issues: &mut Vec<Issue>,
) -> Option<Text> {
    let mut out = smol_str::SmolStrBuilder::new();
    for (is_field, text) in &template?.0 {
        if !is_field {
            out.push_str(text);
            continue;
        }
        let payer = inv.payer.as_ref();
        let payer_name;
        let value = match text.as_str() {
            "id" => inv.id.as_deref(),
            "number" => inv.number.as_deref(),
            "reference" => inv.reference.as_deref(),
            "date" => inv.date.as_deref(),
            "clientId" => inv.client_id.as_deref(),
            "payerId" => payer.and_then(|p| p.id.as_deref()),
            "payerName" => {
                payer_name = payer.and_then(contacts::payer_name);
                payer_name.as_deref()
            }
            "currency" => inv.currency.as_deref(),
            other => match inv.fields.get(other) {
                Some(v) => Some(v.as_str()),
                None => {
                    issues.push(Issue::error(
                        IssueCode::TemplateFieldUnknown,
                        path.field("fields").field(other),
                        format!("A template uses {{{other}}} but this invoice has no such field: add it to the invoice's `fields`, or change the template."),
                    ));
                    None
                }
            },
        };
        out.push_str(value.unwrap_or_default());
    }
    let out = out.finish();
    match out.trim() {
        "" => None,
        trimmed if trimmed.len() == out.len() => Some(out),
        trimmed => Some(Text::new(trimmed)),
    }
}

/// Number of digits in a decimal's text (Xero's "max length = 13" for quantities).
fn digit_count(d: Decimal) -> usize {
    // The digits of its text: those of the mantissa, or with a leading "0." more (0.05 has 3).
    let d = d.normalize();
    let mut n = d.mantissa().unsigned_abs();
    let mut digits = 1;
    while n >= 10 {
        n /= 10;
        digits += 1;
    }
    digits.max(d.scale() as usize + 1)
}

/// Money in one canonical form whatever form the host gave (`95`, `95.0`, `"95.00"` all send
/// `95.00`): 2 decimal places, or the 3-4 a unitdp=4 amount needs. Same value, same bytes.
fn canonical_money(value: Decimal) -> Decimal {
    let mut v = value.normalize();
    v.rescale(decimal_places(v).max(2));
    v
}

/// A line after its numbers were read and checked.
struct Parsed<'a> {
    source: &'a SourceLine,
    path: LinePath<'a>,
    quantity: Option<Decimal>,
    unit: Option<Decimal>,
    discount: Discount,
}

/// One batch in progress: what its invoices share (the contacts planned so far, the tracking
/// memo, the counts). Both preview paths build documents through it, one invoice at a time.
struct Batch<'e> {
    exporter: &'e Exporter,
    tracker: tracking::Resolver<'e>,
    planned: Planned,
    settings_blocked: bool,
    options: PreviewOptions,
    summary: Summary,
}

impl<'e> Batch<'e> {
    fn new(exporter: &'e Exporter, options: PreviewOptions) -> Self {
        Batch {
            exporter,
            tracker: tracking::Resolver::new(
                &exporter.snapshot,
                &exporter.settings.tracking,
                &exporter.tracking,
            ),
            planned: Planned::default(),
            settings_blocked: has_errors(&exporter.issues),
            options,
            summary: Summary::default(),
        }
    }

    /// The next invoice's preview, counted into the summary.
    fn document(&mut self, inv: &SourceInvoice) -> DocumentPreview {
        let index = self.summary.documents;
        let doc = self.exporter.build(
            index,
            inv,
            &self.tracker,
            &mut self.planned,
            self.settings_blocked,
            self.options,
        );
        let s = &mut self.summary;
        s.documents += 1;
        if doc.blocked {
            s.blocked += 1;
        } else {
            s.ready += 1;
        }
        s.credit_notes += usize::from(doc.kind.is_credit());
        count(s, &doc.issues);
        doc
    }

    /// The contacts to create and the counts, once every invoice is in.
    fn finish(self) -> (Vec<NewContact>, Summary) {
        let mut summary = self.summary;
        count(&mut summary, &self.exporter.issues);
        let contacts: Vec<NewContact> = self.planned.contacts.into_values().collect();
        summary.contacts_to_create = contacts.len();
        (contacts, summary)
    }
}

/// Adds issues to the error and warning counts.
fn count(summary: &mut Summary, issues: &[Issue]) {
    for i in issues {
        if i.is_error() {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
}

/// Where a streamed preview puts each document's request body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Set apart before the JSON, each followed by a NUL ([`Preview::into_split_json`]); with
    /// `false`, every body is left out (the NULs stay, one per document).
    Split { bodies: bool },
    /// Inside each document's JSON as a string (`serde_json::to_string(&preview)`).
    Inline,
}

/// A streamed preview as it is written: the preview's JSON into `meta`, and in the split layout
/// each document's body and a NUL into `out`; joined at the end.
struct PreviewWriter {
    out: String,
    meta: String,
    layout: Layout,
}

impl PreviewWriter {
    /// Buffers sized once: `out` for the bodies and, at the end, the JSON; `meta` for the JSON.
    fn with_capacity(out: usize, meta: usize, layout: Layout) -> Self {
        PreviewWriter {
            out: String::with_capacity(out),
            meta: String::with_capacity(meta),
            layout,
        }
    }

    /// One document: its body now, its JSON after the previous one's.
    fn push(&mut self, doc: &DocumentPreview, first: bool) -> Result<(), serde_json::Error> {
        if let Layout::Split { bodies } = self.layout {
            // The same condition as `Exporter::build` sets `body` with: only documents whose
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
    fn finish(mut self) -> String {
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
fn write_document(doc: &DocumentPreview, out: &mut String) -> Result<(), serde_json::Error> {
    use crate::xero::wire::{push_json_str, Object};
    let mut o = Object::open(out);
    o.key("index")
        .push_str(crate::issues::digits(doc.index, &mut [0; 20]));
    o.str("sourceId", &doc.source_id);
    o.opt_str("sourceNumber", doc.source_number.as_deref());
    o.str("kind", doc.kind.as_str());
    o.str("endpoint", doc.endpoint);
    o.str("status", doc.status);
    o.key("blocked")
        .push_str(if doc.blocked { "true" } else { "false" });
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
    let lines = o.key("lines");
    if doc.lines.is_empty() {
        lines.push_str("[]");
    } else {
        lines.push_str(&serde_json::to_string(&doc.lines)?);
    }
    {
        let mut t = Object::open(o.key("totals"));
        t.str("subTotal", &doc.totals.sub_total);
        t.str("totalTax", &doc.totals.total_tax);
        t.str("total", &doc.totals.total);
        t.close();
    }
    o.opt_str("hostTotal", doc.host_total.as_deref());
    o.opt_str("difference", doc.difference.as_deref());
    let issues = o.key("issues");
    if doc.issues.is_empty() {
        issues.push_str("[]");
    } else {
        issues.push_str(&serde_json::to_string(&doc.issues)?);
    }
    match &doc.body {
        Some(b) => push_json_str(o.key("body"), b),
        None => o.key("body").push_str("null"),
    }
    o.close();
    Ok(())
}

/// Reads the invoices array element by element, previewing and writing each as it is read.
struct Stream<'a, 'e> {
    batch: &'a mut Batch<'e>,
    out: &'a mut PreviewWriter,
}

impl<'de> serde::de::DeserializeSeed<'de> for Stream<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Stream<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The same words serde uses for a `Vec`, so errors read as they did before streaming.
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut first = true;
        while let Some(inv) = seq.next_element::<SourceInvoice>()? {
            let doc = self.batch.document(&inv);
            self.out
                .push(&doc, first)
                .map_err(serde::de::Error::custom)?;
            first = false;
        }
        Ok(())
    }
}

impl Exporter {
    /// A new exporter; problems with the settings and the snapshot are in [`Exporter::issues`].
    pub fn new(snapshot: Snapshot, settings: Settings) -> Exporter {
        let mut issues = snapshot.issues.clone();
        let p = Path::root("settings");
        if let Some(dp) = settings.unitdp.filter(|dp| *dp != 2 && *dp != 4) {
            issues.push(Issue::error(IssueCode::SettingsInvalid, p.field("unitdp"), format!("unitdp {dp} is not supported: Xero keeps unit amounts at 2 or 4 decimal places. 2 is used.")));
        }
        let templates = [
            ("invoiceNumber", &settings.templates.invoice_number),
            ("reference", &settings.templates.reference),
            ("url", &settings.templates.url),
        ];
        for (name, t) in templates {
            if let Some(t) = t {
                match template_parts(t) {
                    None => issues.push(Issue::error(
                        IssueCode::SettingsInvalid,
                        p.field("templates").field(name),
                        format!("Template \"{t}\" has an unclosed '{{'."),
                    )),
                    Some(parts) => {
                        // Names other than the built-in ones are looked up in each invoice's
                        // `fields` and reported per invoice when missing there.
                        if parts
                            .iter()
                            .any(|(is_field, text)| *is_field && text.is_empty())
                        {
                            issues.push(Issue::error(
                                IssueCode::SettingsInvalid,
                                p.field("templates").field(name),
                                format!("Template \"{t}\" has an empty {{}}."),
                            ));
                        }
                    }
                }
            }
        }
        let tracking = tracking::Prepared::new(&snapshot, &settings.tracking);
        tracking::Resolver::new(&snapshot, &settings.tracking, &tracking).check(&mut issues);
        let templates = [
            settings
                .templates
                .invoice_number
                .as_deref()
                .unwrap_or("{number}"),
            settings
                .templates
                .reference
                .as_deref()
                .unwrap_or("{reference}"),
            settings.templates.url.as_deref().unwrap_or(""),
        ]
        .map(Template::parse);
        Exporter {
            snapshot,
            settings,
            issues,
            templates,
            tracking,
        }
    }

    /// The parsed snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Problems of the snapshot and settings.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Previews a batch of source invoices.
    pub fn preview(&self, invoices: &[SourceInvoice]) -> Preview {
        self.preview_with(invoices, PreviewOptions::default())
    }

    /// Previews a batch, including only what `options` asks for.
    pub fn preview_with(&self, invoices: &[SourceInvoice], options: PreviewOptions) -> Preview {
        let mut batch = Batch::new(self, options);
        let documents: Vec<DocumentPreview> =
            invoices.iter().map(|inv| batch.document(inv)).collect();
        let (contacts, summary) = batch.finish();
        Preview {
            documents,
            contacts,
            issues: self.issues.clone(),
            summary,
        }
    }

    /// Previews a batch given as JSON text (an array of source invoices) straight to the text
    /// [`Preview::into_split_json`] gives, byte for byte: what the JS binding returns.
    ///
    /// Why a second path: each invoice is read, built, written and dropped before the next is
    /// read, instead of holding every source invoice and every preview at once. The working set
    /// stays small enough to sit in cache, the request bodies are written once into one buffer,
    /// and peak memory no longer grows with two full copies of the batch. Input that does not
    /// fit the types fails as a whole, as reading the whole array first would.
    pub fn preview_split_json(
        &self,
        invoices: &str,
        options: PreviewOptions,
    ) -> Result<String, serde_json::Error> {
        self.stream(
            invoices,
            options,
            Layout::Split {
                bodies: options.bodies,
            },
        )
    }

    /// Previews a batch given as JSON text straight to the preview's JSON with the request
    /// bodies inside it as strings: `serde_json::to_string(&preview_with(..))`, byte for byte,
    /// streamed invoice by invoice as [`Exporter::preview_split_json`] is.
    pub fn preview_json(
        &self,
        invoices: &str,
        options: PreviewOptions,
    ) -> Result<String, serde_json::Error> {
        self.stream(invoices, options, Layout::Inline)
    }

    /// Reads, builds and writes each invoice in turn (see [`Exporter::preview_split_json`]).
    fn stream(
        &self,
        invoices: &str,
        options: PreviewOptions,
        layout: Layout,
    ) -> Result<String, serde_json::Error> {
        use serde::de::DeserializeSeed;
        // Split, bodies are written from each document's wire form into `out`, not kept per
        // document; inline, each document keeps its body for its JSON.
        let mut batch = Batch::new(
            self,
            PreviewOptions {
                bodies: options.bodies && layout == Layout::Inline,
                ..options
            },
        );
        // Sized from the invoices' JSON: on the preview workload the bodies are about twice
        // it, the documents' JSON smaller (inline, the bodies are in it).
        let (big, small) = (invoices.len().saturating_mul(3), invoices.len());
        let mut out = match layout {
            Layout::Split { .. } => PreviewWriter::with_capacity(big, small, layout),
            Layout::Inline => PreviewWriter::with_capacity(0, big, layout),
        };
        out.meta.push_str("{\"documents\":[");
        let mut de = serde_json::Deserializer::from_str(invoices);
        Stream {
            batch: &mut batch,
            out: &mut out,
        }
        .deserialize(&mut de)?;
        de.end()?;
        let (contacts, summary) = batch.finish();
        // The rest of `Preview`'s JSON, field by field in its order.
        out.meta.push_str("],\"contacts\":");
        out.meta.push_str(&serde_json::to_string(&contacts)?);
        out.meta.push_str(",\"issues\":");
        out.meta.push_str(&serde_json::to_string(&self.issues)?);
        out.meta.push_str(",\"summary\":");
        out.meta.push_str(&serde_json::to_string(&summary)?);
        out.meta.push('}');
        Ok(out.finish())
    }

    fn parse_line<'a>(
        &self,
        line: &'a SourceLine,
        path: LinePath<'a>,
        unitdp: u32,
        issues: &mut Vec<Issue>,
    ) -> Parsed<'a> {
        let quantity = line
            .quantity
            .as_ref()
            .and_then(|q| q.check_at(|| path.field("quantity").into(), "quantity", 4, issues));
        if let Some(q) = quantity {
            if digit_count(q) > 13 {
                issues.push(Issue::error(
                    IssueCode::NumberOutOfRange,
                    path.field("quantity"),
                    format!("The quantity {q} has more than 13 digits, Xero's limit."),
                ));
            }
        }
        let unit = line.unit_amount.as_ref().and_then(|u| {
            let hint = if unitdp == 2 {
                " Or set settings.unitdp to 4 to send 4 decimal places."
            } else {
                ""
            };
            let mut local = Vec::new();
            let v = u.check_at(
                || path.field("unitAmount").into(),
                "unit amount",
                unitdp,
                &mut local,
            );
            for mut i in local {
                if i.code == IssueCode::TooManyDecimals {
                    i.message.push_str(hint);
                }
                issues.push(i);
            }
            v
        });
        let discount = match (&line.discount_rate, &line.discount_amount) {
            (Some(_), Some(_)) => {
                issues.push(Issue::error(
                    IssueCode::DiscountInvalid,
                    path.field("discountAmount"),
                    "Give either discountRate or discountAmount, not both: Xero applies only one.",
                ));
                Discount::None
            }
            (Some(r), None) => match r.check_at(
                || path.field("discountRate").into(),
                "discount rate",
                2,
                issues,
            ) {
                Some(r) if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED => {
                    issues.push(Issue::error(
                        IssueCode::DiscountInvalid,
                        path.field("discountRate"),
                        format!("The discount rate {r} is outside 0-100 %."),
                    ));
                    Discount::None
                }
                Some(r) if r.is_zero() => Discount::None,
                Some(r) => Discount::Rate(r),
                None => Discount::None,
            },
            (None, Some(a)) => match a.check_at(
                || path.field("discountAmount").into(),
                "discount amount",
                2,
                issues,
            ) {
                Some(a) if a.is_zero() => Discount::None,
                Some(a) => Discount::Amount(a),
                None => Discount::None,
            },
            (None, None) => Discount::None,
        };
        Parsed {
            source: line,
            path,
            quantity,
            unit,
            discount,
        }
    }

    /// A document dated on or before a lock date: Xero refuses to approve it ("The document
    /// date cannot be before the end of year lock date, currently set at …"), or to change it
    /// once approved (reference §2.6: no edits in a locked period).
    ///
    /// - AUTHORISED (sent so, or already so in Xero and updated) under the end-of-year lock,
    ///   which binds every user: an error, since the request cannot succeed.
    /// - The same under the period lock, which does not bind users with the Adviser role: a
    ///   warning. Which role connected the app is not in the snapshot; blocking would stop an
    ///   adviser's valid export for good, while a refused request comes back as a per-document
    ///   outcome (`DATE_LOCKED`) from the reconciliation.
    /// - DRAFT and SUBMITTED are not posted to the ledger, and Xero saves them before a lock
    ///   date (UNVERIFIED in Xero's own docs; third-party export tools' help pages say so): a
    ///   warning that approval will be refused later.
    fn check_lock_dates(
        &self,
        date: Date,
        inv: &SourceInvoice,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) {
        let Some(lock) = self.snapshot.lock_dates.lock_for(date) else {
            return;
        };
        let at = || path.field("date");
        let status = self.settings.status;
        let authorised_in_xero = inv
            .xero
            .as_ref()
            .and_then(|x| non_empty(&x.status))
            .is_some_and(|s| s.eq_ignore_ascii_case("AUTHORISED"));
        let posted = status == Status::Authorised || authorised_in_xero;
        match lock {
            Lock::EndOfYear(l) if posted => issues.push(Issue::error(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's end-of-year lock date {l}: Xero lets no one approve or change an AUTHORISED document dated there. Date the invoice after {l}, export it as a DRAFT, or ask the organisation's adviser to move the lock date."))),
            Lock::Period(l) if posted => issues.push(Issue::warning(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's period lock date {l}: Xero refuses to approve or change an AUTHORISED document dated there unless the user who connected the app has the Adviser role. Date the invoice after {l}, export it as a DRAFT, or ask the adviser to move the lock date."))),
            Lock::EndOfYear(l) | Lock::Period(l) => issues.push(Issue::warning(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's lock date {l}: Xero saves it as {} but will not approve it until the lock date moves.", status.as_str()))),
        }
    }

    /// Currencies without decimals (JPY, KRW, ...): Xero computes and stores two decimals
    /// whatever the currency, so fractional prices or Exclusive per-line tax give a total the
    /// payer cannot pay exactly. Whether Xero refuses such amounts is UNVERIFIED (reference §7,
    /// "integer amounts for zero-decimal currencies"), so this warns and never blocks.
    fn check_zero_decimals(
        &self,
        currency: Option<&str>,
        totals: &Totals,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) {
        let Some(code) = currency.or(self.snapshot.base_currency()) else {
            return;
        };
        // The amount due is what must be whole; an Inclusive invoice of whole prices has a
        // whole total even though its tax part is not.
        if !is_zero_decimal_currency(code) || totals.total.fract().is_zero() {
            return;
        }
        let code = code.trim().to_ascii_uppercase();
        let total = fixed(totals.total.abs(), 2);
        issues.push(Issue::warning(
            IssueCode::CurrencyNoDecimals,
            path,
            format!("{code} has no decimals, but Xero will compute a total of {total} for this invoice: Xero keeps two decimals in every currency, so the amount due has a fraction the payer cannot pay. Use whole unit amounts (and, with tax, Inclusive prices) so that the total is whole {code}."),
        ));
    }

    fn build(
        &self,
        index: usize,
        inv: &SourceInvoice,
        tracker: &tracking::Resolver<'_>,
        planned: &mut Planned,
        settings_blocked: bool,
        options: PreviewOptions,
    ) -> DocumentPreview {
        let s = &self.settings;
        let path = Path::root("invoices").index(index);
        let mut issues = Vec::new();
        let source_id = match non_empty_text(&inv.id) {
            Some(id) => id,
            None => {
                issues.push(Issue::error(IssueCode::Missing, path.field("id"), "The invoice has no id: give every invoice the host's stable id (it keys idempotency and outcomes)."));
                Text::from(format!("#{index}"))
            }
        };
        let unitdp = s.unitdp();
        let mode = s.line_amount_types;

        // Date and currency.
        let date = match non_empty(&inv.date) {
            None => {
                issues.push(Issue::error(IssueCode::Missing, path.field("date"), "The invoice has no date: the library reads no clock, so every invoice needs `date` as YYYY-MM-DD."));
                None
            }
            Some(d) => Date::parse(d).or_else(|| {
                issues.push(Issue::error(
                    IssueCode::DateInvalid,
                    path.field("date"),
                    format!("\"{d}\" is not a calendar date YYYY-MM-DD."),
                ));
                None
            }),
        };
        if let Some(d) = date {
            self.check_lock_dates(d, inv, &path, &mut issues);
        }
        let currency = non_empty(&inv.currency).map(smol_str::StrExt::to_ascii_uppercase_smolstr);
        if let Some(c) = &currency {
            if !self.snapshot.currency_enabled(c) {
                let base = self.snapshot.base_currency().unwrap_or("its base currency");
                issues.push(Issue::error(
                    IssueCode::CurrencyNotEnabled,
                    path.field("currency"),
                    format!("{c} is not enabled for this organisation (base currency {base}). Add the currency in Xero (needs a plan with multi-currency) or invoice in {base}."),
                ));
            }
        }

        // Lines: numbers first.
        let parsed: Vec<Parsed> = inv
            .lines
            .iter()
            .enumerate()
            .map(|(li, line)| self.parse_line(line, LinePath::new(&path, li), unitdp, &mut issues))
            .collect();
        if inv.lines.is_empty() {
            issues.push(Issue::error(
                IssueCode::EmptyInvoice,
                path.field("lines"),
                "The invoice has no lines: Xero needs at least one line item.",
            ));
        }

        // Accounts, tax and tracking per line; gross line amounts in the invoice's orientation.
        let sales = s.invoice_type == InvoiceKind::Accrec;
        struct Resolved {
            quantity: Option<Decimal>,
            unit: Option<Decimal>,
            discount: Discount,
            amount: Decimal,
            account: Option<Text>,
            tax_type: Option<Text>,
            rate: Decimal,
            item_code: Option<Text>,
            tracking: Vec<LineTracking>,
            description: Option<Text>,
            line_item_id: Option<Text>,
        }
        let mut resolved: Vec<Resolved> = Vec::with_capacity(parsed.len());
        for p in &parsed {
            let line = p.source;
            let item = non_empty(&line.service_code).and_then(|c| self.snapshot.item(c));
            let item_details = item.and_then(|it| {
                if sales {
                    it.sales.as_ref()
                } else {
                    it.purchases.as_ref()
                }
            });
            let mut quantity = p.quantity;
            let mut unit = p.unit;
            if unit.is_none() && line.unit_amount.is_none() {
                unit = item_details.and_then(|d| d.unit_price);
            }
            if quantity.is_none() && line.quantity.is_none() && unit.is_some() {
                quantity = Some(Decimal::ONE);
            }
            let description = non_empty_text(&line.description);
            let amount_given = line.quantity.is_some() || line.unit_amount.is_some();
            if description.is_none() && !amount_given && item.is_none() {
                issues.push(Issue::error(
                    IssueCode::LineEmpty,
                    p.path,
                    "The line has no description, quantity or amount. Remove it or fill it in.",
                ));
            } else if description.is_none() && item.is_none() {
                issues.push(Issue::error(
                    IssueCode::Missing,
                    p.path.field("description"),
                    "The line has no description; Xero requires 1 to 4000 characters.",
                ));
            } else if let Some(d) = &description {
                let n = d.chars().count();
                if n > 4000 {
                    issues.push(Issue::error(IssueCode::TooLong, p.path.field("description"), format!("The description is {n} characters; Xero accepts at most 4000. Shorten it.")));
                }
            }
            if amount_given && unit.is_none() && line.unit_amount.is_none() {
                issues.push(Issue::error(
                    IssueCode::Missing,
                    p.path.field("unitAmount"),
                    "The line has a quantity but no unit amount (and no Xero item with a price).",
                ));
            }
            // Negative quantities: Xero refuses them ("Quantity must not be less than zero"),
            // so the sign moves to the unit amount; the line amount is the same.
            if let (Some(q), Some(u)) = (quantity, unit) {
                if q.is_sign_negative() && !q.is_zero() {
                    quantity = Some(-q);
                    unit = Some(-u);
                }
            }
            let amount = match (quantity, unit) {
                (Some(q), Some(u)) => totals::line_amount(q, u, unitdp, p.discount),
                _ => Decimal::ZERO,
            };
            if let Discount::Amount(a) = p.discount {
                if let (Some(q), Some(u)) = (quantity, unit) {
                    if a.abs() > totals::gross_amount(q, u, unitdp).abs() {
                        issues.push(Issue::error(
                            IssueCode::DiscountInvalid,
                            p.path.field("discountAmount"),
                            format!("The discount amount {a} is more than the line's amount."),
                        ));
                    }
                }
            }
            if amount.abs() > LINE_AMOUNT_MAX {
                issues.push(Issue::error(IssueCode::LineAmountTooLarge, p.path, format!("The line amount {amount} exceeds Xero's limit of 9,999,999,999.99; split the line.")));
            }

            // Account.
            let account = non_empty_text(&line.account_code)
                .or_else(|| {
                    non_empty(&line.service_code)
                        .and_then(|c| s.accounts.by_service.get(c))
                        .cloned()
                })
                .or_else(|| item_details.and_then(|d| d.account_code.clone()))
                .or_else(|| s.accounts.default.clone());
            let mut account_class = None;
            let mut account_tax = None;
            let mut account_code = account.clone();
            match &account {
                None => {
                    if amount_given {
                        let msg = "No account for this line: give the line an accountCode, map its service in settings.accounts.byService, or set settings.accounts.default.";
                        issues.push(if s.status.is_approval() {
                            Issue::error(IssueCode::AccountMissing, p.path.field("accountCode"), msg)
                        } else {
                            Issue::warning(IssueCode::AccountMissing, p.path.field("accountCode"), format!("{msg} (A DRAFT can be saved without one; approval needs it.)"))
                        });
                    }
                }
                Some(code) if !self.snapshot.accounts.is_empty() => match self.snapshot.account(code) {
                    None => issues.push(Issue::error(IssueCode::AccountUnknown, p.path.field("accountCode"), format!("Account \"{code}\" is not in the organisation's chart of accounts. Check the mapping, or refresh the snapshot (GET /Accounts)."))),
                    Some(acc) => {
                        account_code = acc.code.clone().or(account_code);
                        account_tax = acc.tax_type.clone();
                        account_class = AccountClass::of(acc);
                        if !matches!(acc.status.as_deref(), None | Some("ACTIVE")) {
                            issues.push(Issue::error(IssueCode::AccountArchived, p.path.field("accountCode"), format!("Account \"{code}\" is {} in Xero: \"Each line item must reference a valid account\". Map the line to an active account.", acc.status.as_deref().unwrap_or(""))));
                        }
                        let kind = acc.kind.as_deref().unwrap_or("");
                        let wrong = if kind == "BANK" {
                            Some("a bank account, which cannot be used on invoice lines".to_owned())
                        } else {
                            match (sales, account_class) {
                                (true, Some(c)) if c != AccountClass::Revenue => Some(format!("a{} {} account; sales lines need a revenue account", if c == AccountClass::Asset || c == AccountClass::Equity || c == AccountClass::Expense { "n" } else { "" }, c.name())),
                                (false, Some(AccountClass::Revenue)) => Some("a revenue account; bills need an expense (or asset) account".to_owned()),
                                _ => None,
                            }
                        };
                        if let Some(why) = wrong {
                            issues.push(Issue::error(IssueCode::AccountClassMismatch, p.path.field("accountCode"), format!("Account \"{code}\" is {why}.")));
                        }
                    }
                },
                Some(_) => {}
            }

            // Tax type.
            let mut tax_type = None;
            let mut rate = Decimal::ZERO;
            if mode != LineAmountTypes::NoTax {
                let from_code = match non_empty(&line.tax_code) {
                    Some(code) => match s.taxes.by_code.get(code) {
                        Some(tt) => Some(tt.clone()),
                        None if self.snapshot.tax_rate(code).is_some() => Some(Text::new(code)),
                        None => {
                            issues.push(Issue::error(IssueCode::TaxCodeUnmapped, p.path.field("taxCode"), format!("Tax code \"{code}\" has no mapping: add it to settings.taxes.byCode (host code → Xero TaxType, e.g. \"OUTPUT2\").")));
                            None
                        }
                    },
                    None => s
                        .taxes
                        .default
                        .clone()
                        .or(account_tax)
                        .or_else(|| item_details.and_then(|d| d.tax_type.clone())),
                };
                match &from_code {
                    None if non_empty(&line.tax_code).is_none() && amount_given => {
                        let msg = "No tax type for this line: map its tax code, set settings.taxes.default, or give the account a default tax type in Xero.";
                        issues.push(if s.status.is_approval() {
                            Issue::error(IssueCode::TaxTypeMissing, p.path.field("taxCode"), msg)
                        } else {
                            Issue::warning(IssueCode::TaxTypeMissing, p.path.field("taxCode"), msg)
                        });
                    }
                    None => {}
                    Some(tt) if self.snapshot.tax_rates.is_empty() => tax_type = Some(tt.clone()),
                    Some(tt) => match self.snapshot.tax_rate(tt) {
                        None => issues.push(Issue::error(IssueCode::TaxTypeUnknown, p.path.field("taxCode"), format!("Tax type \"{tt}\" is not one of the organisation's tax rates (use the TaxType code such as OUTPUT2, not the display name)."))),
                        Some(r) => {
                            tax_type = r.tax_type.clone().or(Some(tt.clone()));
                            rate = r.rate();
                            if !matches!(r.status.as_deref(), None | Some("ACTIVE")) {
                                issues.push(Issue::error(IssueCode::TaxTypeInactive, p.path.field("taxCode"), format!("Tax rate \"{tt}\" is {} in Xero and cannot be used on transactions. Map the code to an active tax rate.", r.status.as_deref().unwrap_or(""))));
                            }
                            if let Some(class) = account_class {
                                if !r.allowed_for(class) {
                                    issues.push(Issue::error(IssueCode::TaxTypeNotAllowed, p.path.field("taxCode"), format!("Tax rate \"{tt}\" cannot be used with {} account \"{}\" (Xero: \"The TaxType code cannot be used with account code\").", class.name(), account_code.as_deref().unwrap_or(""))));
                                }
                            }
                        }
                    },
                }
            }
            let tracking = tracker.resolve_line(line, inv, p.path, &mut issues);
            resolved.push(Resolved {
                quantity: if amount_given || unit.is_some() {
                    quantity
                } else {
                    None
                },
                unit,
                discount: p.discount,
                amount,
                account: account_code,
                tax_type,
                rate,
                item_code: item.and_then(|i| i.code.clone()),
                tracking,
                description,
                line_item_id: non_empty_text(&line.line_item_id),
            });
        }

        // Totals in the invoice's orientation decide invoice vs credit note.
        let taxes: Vec<Decimal> = resolved
            .iter()
            .map(|r| totals::line_tax(r.amount, r.rate, mode))
            .collect();
        let raw_totals = Totals::from_lines(
            resolved.iter().map(|r| r.amount).zip(taxes.iter().copied()),
            mode,
        );
        let negative = raw_totals.total.is_sign_negative() && !raw_totals.total.is_zero();
        let credit = negative && s.negative_invoices == NegativeInvoices::CreditNote;
        let kind = DocumentKind::new(s.invoice_type == InvoiceKind::Accrec, credit);
        if credit {
            // Symmetric rounding makes negation exact: every line amount and tax just flips.
            for r in &mut resolved {
                r.unit = r.unit.map(|u| -u);
                r.amount = -r.amount;
                if let Discount::Amount(a) = r.discount {
                    r.discount = Discount::Amount(-a);
                }
            }
            issues.push(Issue::warning(
                IssueCode::ConvertedToCreditNote,
                &path,
                format!("The invoice total is {}: it is sent as a {} credit note for {} (Xero cannot approve a negative invoice).", fixed(raw_totals.total, 2), kind.as_str(), fixed(-raw_totals.total, 2)),
            ));
            if inv.xero.as_ref().and_then(|x| x.id.as_ref()).is_some() {
                issues.push(Issue::error(IssueCode::UpdateNotAllowed, &path, "This invoice was already exported as an invoice and its total is now negative: Xero cannot turn an invoice into a credit note. Void the invoice in Xero (or credit it separately)."));
            }
        } else if negative {
            if s.status.is_approval() {
                issues.push(Issue::error(IssueCode::ApprovalRefused, &path, format!("The invoice total is {}: Xero will not approve an invoice below zero. Export negative invoices as credit notes (settings.negativeInvoices = \"creditNote\") or as DRAFT.", fixed(raw_totals.total, 2))));
            } else {
                issues.push(Issue::warning(IssueCode::NegativeTotal, &path, format!("The invoice total is {}: Xero saves it as a DRAFT but will not approve it until the total is zero or more.", fixed(raw_totals.total, 2))));
            }
        }

        // Build lines as sent, with the preview of each.
        let mut lines = Vec::with_capacity(if options.lines { resolved.len() } else { 0 });
        let mut wire_lines = Vec::with_capacity(resolved.len());
        let mut sent_tracking = Vec::with_capacity(resolved.len());
        let (mut amounts, mut taxes) = (Decimal::ZERO, Decimal::ZERO);
        for (li, r) in resolved.into_iter().enumerate() {
            // The line's path, built only for a discount warning (rare).
            let lpath = || LinePath::new(&path, li).path();
            let mut quantity = r.quantity;
            let mut unit = r.unit.map(|u| totals::unit_amount(u, unitdp));
            let mut description = r.description;
            let (mut discount_rate, mut discount_amount) = (None, None);
            match r.discount {
                Discount::None => {}
                _ if kind == DocumentKind::Accrec => match r.discount {
                    Discount::Rate(d) => discount_rate = Some(d),
                    Discount::Amount(d) => discount_amount = Some(d),
                    Discount::None => {}
                },
                _ => {
                    // Bills and credit notes take no discounts: send the net amount.
                    let q = quantity.unwrap_or(Decimal::ONE);
                    let per_unit = if q.is_zero() {
                        None
                    } else {
                        r.amount.checked_div(q)
                    };
                    let detail = format!(
                        "{} × {} less {}",
                        q.normalize(),
                        fixed(unit.unwrap_or_default(), unitdp),
                        match r.discount {
                            Discount::Rate(d) => format!("{}%", d.normalize()),
                            Discount::Amount(a) => fixed(a.abs(), 2),
                            Discount::None => String::new(),
                        }
                    );
                    match per_unit.filter(|u| decimal_places(*u) <= unitdp) {
                        Some(u) => unit = Some(u),
                        None => {
                            quantity = Some(Decimal::ONE);
                            unit = Some(r.amount);
                            description = Some(match description {
                                Some(d) => Text::from(format!("{d} ({detail})")),
                                None => Text::new(&detail),
                            });
                            if description
                                .as_deref()
                                .is_some_and(|d| d.chars().count() > 4000)
                            {
                                issues.push(Issue::error(IssueCode::TooLong, lpath().field("description"), "With the discount detail appended the description is over 4000 characters; shorten it."));
                            }
                        }
                    }
                    issues.push(Issue::warning(
                        IssueCode::DiscountNotSupported,
                        lpath().field(if matches!(r.discount, Discount::Rate(_)) { "discountRate" } else { "discountAmount" }),
                        format!("Xero takes no discounts on {} documents: this line is sent at its net amount {} ({detail}).", kind.as_str(), fixed(r.amount, 2)),
                    ));
                }
            }
            let tax = totals::line_tax(r.amount, r.rate, mode);
            amounts += r.amount;
            taxes += tax;
            if options.lines {
                lines.push(LinePreview {
                    description: description.clone(),
                    quantity: quantity.map(|q| text_inline(q.normalize())),
                    unit_amount: unit.map(|u| fixed_text(u, unitdp)),
                    discount_rate: discount_rate.map(|d| text_inline(d.normalize())),
                    discount_amount: discount_amount.map(|d| fixed_text(d, 2)),
                    item_code: r.item_code.clone(),
                    account_code: r.account.clone(),
                    tax_type: r.tax_type.clone(),
                    tax_rate: r.tax_type.as_ref().map(|_| text_inline(r.rate.normalize())),
                    line_amount: fixed_text(r.amount, 2),
                    tax_amount: fixed_text(tax, 2),
                    tracking: r.tracking.clone(),
                });
            }
            wire_lines.push(WireLine {
                line_item_id: r.line_item_id,
                description,
                quantity: quantity.map(|q| q.normalize()),
                unit_amount: unit.map(canonical_money),
                item_code: r.item_code,
                account_code: r.account,
                tax_type: r.tax_type,
                discount_rate: discount_rate.map(|d| d.normalize()),
                discount_amount: discount_amount.map(canonical_money),
                tracking: r.tracking.iter().map(|t| t.wire.clone()).collect(),
            });
            sent_tracking.push(r.tracking);
        }
        let exact_totals = Totals::from_lines([(amounts, taxes)], mode);
        self.check_zero_decimals(currency.as_deref(), &exact_totals, &path, &mut issues);

        // Contact.
        let contact = contacts::Resolver::new(&self.snapshot, &s.contacts).resolve(
            inv.payer.as_ref(),
            &path.field("payer"),
            &source_id,
            planned,
            &mut issues,
        );

        // Due date: explicit, else the settings' rule (credit notes: explicit only).
        let mut due_date = None;
        if let Some(d) = non_empty(&inv.due_date) {
            due_date = Date::parse(d);
            if due_date.is_none() {
                issues.push(Issue::error(
                    IssueCode::DateInvalid,
                    path.field("dueDate"),
                    format!("\"{d}\" is not a calendar date YYYY-MM-DD."),
                ));
            }
        } else if let (Some(date), false) = (date, kind.is_credit()) {
            due_date = self.due_date(date, &contact, sales, &path, &mut issues);
        }
        if let (Some(d), Some(due)) = (date, due_date) {
            if due < d {
                issues.push(Issue::warning(
                    IssueCode::DueDateBeforeDate,
                    path.field("dueDate"),
                    format!("The due date {due} is before the invoice date {d}."),
                ));
            }
        }
        if due_date.is_none()
            && s.status.is_approval()
            && !kind.is_credit()
            && date.is_some()
            && non_empty(&inv.due_date).is_none()
        {
            issues.push(Issue::error(IssueCode::DueDateMissing, path.field("dueDate"), format!("{} invoices need a due date and none could be derived: give the invoice a dueDate, or set settings.dueDate (days after, or payment terms with fallbackDays).", s.status.as_str())));
        }

        // Numbers, reference, Url.
        let [number, reference, url] = &self.templates;
        let number = render(number.as_ref(), inv, &path, &mut issues);
        let mut reference = render(reference.as_ref(), inv, &path, &mut issues);
        // Xero's CreditNote has no Url (only Invoice has): a credit note is sent without it,
        // so its template is neither rendered nor checked there.
        let url = if kind.is_credit() {
            None
        } else {
            render(url.as_ref(), inv, &path, &mut issues)
        };
        let credits_invoice_number = non_empty_text(&inv.credits_invoice_number);
        let (invoice_number, credit_note_number) = match kind {
            DocumentKind::Accrec | DocumentKind::Accpay => (number.clone(), None),
            // The credit note keeps the host's number; its reference names the invoice it
            // corrects (or, when unknown, the host's own number).
            DocumentKind::AccrecCredit => {
                reference = credits_invoice_number
                    .clone()
                    .or_else(|| number.clone())
                    .or(reference);
                (None, number.clone())
            }
            // ACCPAYCREDIT has no Reference: its number is what Xero shows as the reference.
            DocumentKind::AccpayCredit => (
                None,
                credits_invoice_number.clone().or_else(|| number.clone()),
            ),
        };
        if !kind.is_sales() {
            reference = None;
        }
        let doc_number = invoice_number
            .clone()
            .or_else(|| credit_note_number.clone());
        for (field, value) in [("number", &doc_number), ("reference", &reference)] {
            if let Some(v) = value {
                let n = v.chars().count();
                if n > 255 {
                    issues.push(Issue::error(
                        IssueCode::TooLong,
                        path.field(field),
                        format!("The {field} is {n} characters; Xero accepts at most 255."),
                    ));
                }
            }
        }
        if let Some(n) = &doc_number {
            if !n.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                issues.push(Issue::error(IssueCode::InvalidCharacters, path.field("number"), format!("The number \"{n}\" has characters outside printable ASCII, which Xero does not accept in document numbers.")));
            }
        }
        if let Some(u) = &url {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || u.contains(char::is_whitespace)
            {
                issues.push(Issue::error(IssueCode::SettingsInvalid, path.field("url"), format!("The Url \"{u}\" is not an absolute http(s) URL without spaces; Xero needs a valid link.")));
            }
        }

        // Updates of exported documents.
        let xero_id = inv.xero.as_ref().and_then(|x| non_empty_text(&x.id));
        if let Some(x) = &inv.xero {
            match x.status.as_deref().map(str::to_ascii_uppercase).as_deref() {
                Some(st @ ("PAID" | "VOIDED" | "DELETED")) => issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field("xero.status"), format!("The invoice is {st} in Xero and cannot be edited. Void it and export a new one, or credit it instead."))),
                Some("AUTHORISED") if x.amount_paid.as_ref().and_then(Num::value).is_some_and(|p| !p.is_zero()) => issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field("xero.status"), "The invoice is part paid in Xero: only its reference, due date, number, contact, Url and lines' descriptions, accounts and tracking may change. Credit or void it instead of changing amounts.")),
                _ => {}
            }
            if xero_id.is_some()
                && inv
                    .lines
                    .iter()
                    .any(|l| non_empty(&l.line_item_id).is_none())
            {
                issues.push(Issue::warning(IssueCode::Missing, path.field("lines"), "Some lines have no lineItemId: on an update Xero adds them as new lines and deletes every existing line not sent with its LineItemID."));
            }
        }

        // Host total.
        // Comparing with the host's total only means something when every amount was readable:
        // an unreadable line would only add a mismatch on top of the real problem.
        let amounts_readable = !issues.iter().any(|i| {
            matches!(
                i.code,
                IssueCode::NumberInvalid
                    | IssueCode::NumberNotFinite
                    | IssueCode::TooManyDecimals
                    | IssueCode::NumberOutOfRange
            ) || (i.code == IssueCode::Missing && i.path.ends_with("unitAmount"))
        });
        let (host_total, difference) = match inv
            .total
            .as_ref()
            .filter(|_| amounts_readable)
            .and_then(|t| t.check_at(|| path.field("total").into(), "total", 2, &mut issues))
        {
            None => (None, None),
            Some(t) => {
                let xero_total = if credit {
                    -exact_totals.total
                } else {
                    exact_totals.total
                };
                let diff = xero_total - t;
                if !diff.is_zero() {
                    issues.push(Issue::warning(
                        IssueCode::TotalMismatch,
                        path.field("total"),
                        format!("Xero will compute a total of {} but the invoice says {} (difference {}). Xero rounds tax per line, half away from zero; align your rounding or add a rounding line.", fixed(xero_total, 2), fixed(t, 2), fixed(diff, 2)),
                    ));
                }
                (Some(fixed(t, 2)), (!diff.is_zero()).then(|| fixed(diff, 2)))
            }
        };

        let wire_contact = match &contact {
            ContactRef::Existing { contact_id, .. } => Some(WireContactRef::Id(contact_id.clone())),
            ContactRef::Create { key, .. } => Some(WireContactRef::Pending(key.clone())),
            ContactRef::Unresolved => None,
        };
        let wire = match (date, wire_contact) {
            (Some(date), Some(contact)) => Some(WireDocument {
                xero_id,
                kind,
                contact,
                date,
                due_date,
                line_amount_types: mode,
                invoice_number,
                credit_note_number,
                reference: reference.clone(),
                url,
                currency_code: currency.clone(),
                status: s.status.as_str(),
                branding_theme_id: s.branding_theme_id.clone(),
                line_items: wire_lines,
            }),
            _ => None,
        };
        let body = wire
            .as_ref()
            .filter(|w| options.bodies && matches!(w.contact, WireContactRef::Id(_)))
            .map(WireDocument::body);
        let blocked = settings_blocked || has_errors(&issues) || wire.is_none();
        DocumentPreview {
            index,
            source_id,
            source_number: non_empty_text(&inv.number),
            kind,
            endpoint: kind.collection().endpoint(),
            status: s.status.as_str(),
            blocked,
            contact,
            number: doc_number,
            reference,
            date,
            due_date,
            currency: currency.or_else(|| self.snapshot.base_currency().map(Text::new)),
            line_amount_types: mode,
            lines,
            totals: exact_totals.to_strings(),
            host_total,
            difference,
            issues,
            body,
            wire,
            exact_totals,
            sent_tracking,
            credits_invoice_number,
        }
    }

    /// Due date by the settings' rule.
    fn due_date(
        &self,
        date: Date,
        contact: &ContactRef,
        sales: bool,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) -> Option<Date> {
        use crate::input::settings::DueDateRule;
        match &self.settings.due_date {
            DueDateRule::None => None,
            DueDateRule::DaysAfter { days } => date.add_days(i64::from(*days)),
            DueDateRule::PaymentTerms { fallback_days } => {
                let pick = |terms: Option<&crate::input::snapshot::PaymentTerms>| {
                    terms
                        .and_then(|t| {
                            if sales {
                                t.sales.as_ref()
                            } else {
                                t.bills.as_ref()
                            }
                        })
                        .and_then(|t| t.term())
                };
                let contact_terms = match contact {
                    ContactRef::Existing { contact_id, .. } => self
                        .snapshot
                        .contact_by_id(contact_id)
                        .and_then(|c| pick(c.payment_terms.as_ref())),
                    _ => None,
                };
                let org_terms = pick(
                    self.snapshot
                        .organisation
                        .as_ref()
                        .and_then(|o| o.payment_terms.as_ref()),
                );
                match contact_terms.or(org_terms) {
                    Some(term) => {
                        let due = term.due_date(date);
                        if due.is_none() {
                            issues.push(Issue::error(IssueCode::DueDateMissing, path.field("dueDate"), format!("The payment term (day {}, {:?}) does not give a due date: Xero needs a day between 1 and 31 for month-based terms.", term.day, term.kind)));
                        }
                        due
                    }
                    None => fallback_days.and_then(|d| date.add_days(i64::from(d))),
                }
            }
        }
    }

    /// Previews `invoices` and plans sending them: the [`crate::send::Run`] to drive (see
    /// [`crate::send::Run::new`]).
    pub fn plan(
        &self,
        invoices: &[SourceInvoice],
        options: &crate::send::plan::PlanOptions,
    ) -> Result<crate::send::Run, crate::error::Error> {
        crate::send::Run::new(self, invoices, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::dec;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn digit_count_counts_the_digits_of_the_text() {
        for text in [
            "0",
            "0.05",
            "-0.5",
            "120",
            "1.50",
            "1234567890123",
            "0.0001",
            "-12.3400",
        ] {
            let d = dec(text);
            let expected = d
                .normalize()
                .to_string()
                .bytes()
                .filter(u8::is_ascii_digit)
                .count();
            assert_eq!(digit_count(d), expected, "{text}");
        }
    }

    /// The hand-written document JSON is serde's, for every contact form and every optional
    /// part (the golden scenarios cover the common ones; these are the rare ones too).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn document_json_is_what_serde_writes() {
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
        for (i, contact) in contacts.into_iter().enumerate() {
            let full = i % 2 == 0;
            let doc = DocumentPreview {
                index: 10_000 * i,
                source_id: "inv\u{1}\\1".into(),
                source_number: full.then(|| "N-1".into()),
                kind: kinds[i % kinds.len()],
                endpoint: "CreditNotes",
                status: "DRAFT",
                blocked: full,
                contact,
                number: full.then(|| "CN 1".into()),
                reference: (!full).then(|| "Ref".into()),
                date: Date::parse("2024-02-29"),
                due_date: Date::parse("2024-03-31").filter(|_| full),
                currency: full.then(|| "NZD".into()),
                line_amount_types: modes[i % modes.len()],
                lines: if full { vec![line.clone()] } else { Vec::new() },
                totals: Totals::default().to_strings(),
                host_total: full.then(|| "1.00".to_owned()),
                difference: full.then(|| "-0.01".to_owned()),
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
        }
    }
}
