//! Numbering: the document's number, reference and Url from the settings' templates, arranged
//! for the document kind (a credit note keeps the host's number and names the invoice it
//! corrects), with Xero's limits on each.
//!
//! Owns the templates (split once per exporter, checked once against the settings) and their
//! rendering per invoice. Reads the source invoice only; knows nothing of wire documents.

use crate::input::settings::Templates as TemplateSettings;
use crate::input::source::{non_empty_text, SourceInvoice};
use crate::issues::{Issue, IssueCode, Path};
use crate::resolve::contacts;
use crate::resolve::Doc;
use crate::xero::kind::DocumentKind;
use crate::Text;

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

/// InvoiceNumber, Reference and Url templates, split once (`None`: unusable or unset), so each
/// invoice only fills them in.
#[derive(Clone, Debug)]
pub(crate) struct Templates([Option<Template>; 3]);

impl Templates {
    /// The settings' templates (or the defaults), with their problems reported once under
    /// `settings.templates` rather than on every invoice.
    pub(crate) fn new(settings: &TemplateSettings, p: &Path, issues: &mut Vec<Issue>) -> Self {
        let named = [
            ("invoiceNumber", &settings.invoice_number),
            ("reference", &settings.reference),
            ("url", &settings.url),
        ];
        for (name, t) in named {
            if let Some(t) = t {
                check(t, &p.field("templates").field(name), issues);
            }
        }
        Templates(
            [
                settings.invoice_number.as_deref().unwrap_or("{number}"),
                settings.reference.as_deref().unwrap_or("{reference}"),
                settings.url.as_deref().unwrap_or(""),
            ]
            .map(Template::parse),
        )
    }
}

/// One template's syntax. Names other than the built-in ones are looked up in each invoice's
/// `fields` and reported per invoice when missing there.
fn check(t: &str, at: &Path, issues: &mut Vec<Issue>) {
    match template_parts(t) {
        None => issues.push(Issue::error(
            IssueCode::SettingsInvalid,
            at,
            format!("Template \"{t}\" has an unclosed '{{'."),
        )),
        Some(parts) => {
            if parts
                .iter()
                .any(|(is_field, text)| *is_field && text.is_empty())
            {
                issues.push(Issue::error(
                    IssueCode::SettingsInvalid,
                    at,
                    format!("Template \"{t}\" has an empty {{}}."),
                ));
            }
        }
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

/// The document's numbers as sent: which of InvoiceNumber / CreditNoteNumber is set depends on
/// the kind, and the reference of a credit note names the invoice it corrects.
#[derive(Clone, Debug, Default)]
pub(crate) struct Numbering {
    /// InvoiceNumber (invoices and bills).
    pub(crate) invoice_number: Option<Text>,
    /// CreditNoteNumber (credit notes).
    pub(crate) credit_note_number: Option<Text>,
    /// Whichever of the two is set: what the preview shows as the number.
    pub(crate) number: Option<Text>,
    /// Reference (sales documents only; ACCPAY documents have none).
    pub(crate) reference: Option<Text>,
    /// Url (invoices only: Xero's CreditNote has none).
    pub(crate) url: Option<Text>,
    /// The number of the invoice a credit note corrects (for allocations).
    pub(crate) credits_invoice_number: Option<Text>,
}

/// Renders the templates for `kind` and checks what Xero limits (255 characters, printable
/// ASCII numbers, absolute http(s) Url).
pub(crate) fn resolve(doc: &Doc<'_>, kind: DocumentKind, issues: &mut Vec<Issue>) -> Numbering {
    let (inv, path) = (doc.inv, doc.path);
    let [number, reference, url] = &doc.ctx.templates.0;
    let number = render(number.as_ref(), inv, path, issues);
    let reference = render(reference.as_ref(), inv, path, issues);
    // Xero's CreditNote has no Url (only Invoice has): a credit note is sent without it,
    // so its template is neither rendered nor checked there.
    let url = if kind.is_credit() {
        None
    } else {
        render(url.as_ref(), inv, path, issues)
    };
    let credits_invoice_number = non_empty_text(&inv.credits_invoice_number);
    let n = arrange(kind, number, reference, url, credits_invoice_number);
    check_limits(&n, path, issues);
    n
}

/// Puts the rendered number and reference where the kind wants them.
fn arrange(
    kind: DocumentKind,
    number: Option<Text>,
    mut reference: Option<Text>,
    url: Option<Text>,
    credits_invoice_number: Option<Text>,
) -> Numbering {
    let (invoice_number, credit_note_number) = match kind {
        DocumentKind::Accrec | DocumentKind::Accpay => (number, None),
        // The credit note keeps the host's number; its reference names the invoice it
        // corrects (or, when unknown, the host's own number).
        DocumentKind::AccrecCredit => {
            reference = credits_invoice_number
                .clone()
                .or_else(|| number.clone())
                .or(reference);
            (None, number)
        }
        // ACCPAYCREDIT has no Reference: its number is what Xero shows as the reference.
        DocumentKind::AccpayCredit => (None, credits_invoice_number.clone().or(number)),
    };
    if !kind.is_sales() {
        reference = None;
    }
    let number = invoice_number
        .clone()
        .or_else(|| credit_note_number.clone());
    Numbering {
        invoice_number,
        credit_note_number,
        number,
        reference,
        url,
        credits_invoice_number,
    }
}

fn check_limits(n: &Numbering, path: &Path, issues: &mut Vec<Issue>) {
    for (field, value) in [("number", &n.number), ("reference", &n.reference)] {
        if let Some(v) = value {
            let count = v.chars().count();
            if count > 255 {
                issues.push(Issue::error(
                    IssueCode::TooLong,
                    path.field(field),
                    format!("The {field} is {count} characters; Xero accepts at most 255."),
                ));
            }
        }
    }
    if let Some(num) = &n.number {
        if !num.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            issues.push(Issue::error(IssueCode::InvalidCharacters, path.field("number"), format!("The number \"{num}\" has characters outside printable ASCII, which Xero does not accept in document numbers.")));
        }
    }
    if let Some(u) = &n.url {
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.contains(char::is_whitespace)
        {
            issues.push(Issue::error(IssueCode::SettingsInvalid, path.field("url"), format!("The Url \"{u}\" is not an absolute http(s) URL without spaces; Xero needs a valid link.")));
        }
    }
}
