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

/// A template split into literal text and `{field}` names, once per exporter rather than once
/// per invoice, each built-in name already told apart from the invoice's own `fields`.
#[derive(Clone, Debug)]
struct Template(Vec<Part>);

/// One piece of a [`Template`].
#[derive(Clone, Debug)]
enum Part {
    /// Text written as it is.
    Literal(Text),
    /// One of the invoice's own fields (`{number}`, `{payerName}`...).
    Builtin(Builtin),
    /// A name looked up in the invoice's `fields`.
    Field(Text),
}

/// The invoice fields a template can name directly.
#[derive(Clone, Copy, Debug)]
enum Builtin {
    Id,
    Number,
    Reference,
    Date,
    ClientId,
    PayerId,
    PayerName,
    Currency,
}

impl Builtin {
    /// The field a template's `{name}` names, when it is built in.
    fn named(name: &str) -> Option<Builtin> {
        Some(match name {
            "id" => Builtin::Id,
            "number" => Builtin::Number,
            "reference" => Builtin::Reference,
            "date" => Builtin::Date,
            "clientId" => Builtin::ClientId,
            "payerId" => Builtin::PayerId,
            "payerName" => Builtin::PayerName,
            "currency" => Builtin::Currency,
            _ => return None,
        })
    }

    /// Its value on `inv` (as given, untrimmed).
    fn value(self, inv: &SourceInvoice) -> Option<Text> {
        let payer = inv.payer.as_ref();
        match self {
            Builtin::Id => inv.id.clone(),
            Builtin::Number => inv.number.clone(),
            Builtin::Reference => inv.reference.clone(),
            Builtin::Date => inv.date.clone(),
            Builtin::ClientId => inv.client_id.clone(),
            Builtin::PayerId => payer.and_then(|p| p.id.clone()),
            Builtin::PayerName => payer.and_then(contacts::payer_name),
            Builtin::Currency => inv.currency.clone(),
        }
    }
}

impl Template {
    fn parse(template: &str) -> Option<Template> {
        let parts = template_parts(template)?;
        Some(Template(
            parts
                .into_iter()
                .map(|(is_field, text)| match (is_field, Builtin::named(text)) {
                    (false, _) => Part::Literal(Text::new(text)),
                    (true, Some(b)) => Part::Builtin(b),
                    (true, None) => Part::Field(Text::new(text)),
                })
                .collect(),
        ))
    }
}

/// InvoiceNumber, Reference and Url templates, split once (`None`: unusable or unset), so each
/// invoice only fills them in.
#[derive(Clone, Debug)]
pub(crate) struct Templates {
    parts: [Option<Template>; 3],
    /// Where a template of several parts is filled in, kept between invoices. Why: filled
    /// into a builder of its own, a result past `Text`'s 23 inline bytes (the bench's Url) cost
    /// a `String`, its growth, its copy into the `Text` and its free: ~700 instructions an
    /// invoice (callgrind, bench workload). Filled in here, only the `Text` is allocated.
    scratch: std::cell::RefCell<String>,
}

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
        Templates {
            parts: [
                settings.invoice_number.as_deref().unwrap_or("{number}"),
                settings.reference.as_deref().unwrap_or("{reference}"),
                settings.url.as_deref().unwrap_or(""),
            ]
            .map(Template::parse),
            scratch: std::cell::RefCell::default(),
        }
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

/// Fills `template` in for `inv`, trimmed (`None` when that leaves nothing), in `scratch`
/// (see [`Templates::scratch`]).
/// The built-in placeholders, as [`Builtin::named`] reads them.
const BUILTINS: [&str; 8] = [
    "id",
    "number",
    "reference",
    "date",
    "clientId",
    "payerId",
    "payerName",
    "currency",
];

/// The message for a placeholder that is neither built in nor one of the invoice's `fields`,
/// with the closest of those when one is close (`{nmber}`: did you mean `{number}`?).
fn no_such_field(name: &str, inv: &SourceInvoice) -> String {
    let known = BUILTINS
        .into_iter()
        .chain(inv.fields.keys().map(String::as_str));
    let hint = match crate::tracking_csv::suggest(name, known) {
        Some(s) => format!(" (did you mean {{{s}}}?)"),
        None => String::new(),
    };
    format!("A template uses {{{name}}} but this invoice has no such field{hint}: add it to the invoice's `fields`, or change the template.")
}

fn render(
    template: Option<&Template>,
    inv: &SourceInvoice,
    path: &Path,
    scratch: &std::cell::RefCell<String>,
    issues: &mut Vec<Issue>,
) -> Option<Text> {
    let parts = template?.0.as_slice();
    // A template that is one built-in field (the default `{number}` and `{reference}`): its
    // value as it is, an O(1) clone of the invoice's text, instead of a copy of it.
    if let [Part::Builtin(b)] = parts {
        return trimmed(b.value(inv)?);
    }
    // Never borrowed already (nothing here calls back); a fresh buffer if it were.
    let mut own = String::new();
    let mut kept = scratch.try_borrow_mut().ok();
    let out = kept.as_deref_mut().unwrap_or(&mut own);
    out.clear();
    for part in parts {
        match part {
            Part::Literal(text) => out.push_str(text),
            Part::Builtin(b) => out.push_str(b.value(inv).as_deref().unwrap_or_default()),
            Part::Field(name) => match inv.fields.get(name.as_str()) {
                Some(v) => out.push_str(v),
                None => issues.push(Issue::error(
                    IssueCode::TemplateFieldUnknown,
                    path.field("fields").field(name),
                    no_such_field(name, inv),
                )),
            },
        }
    }
    match crate::input::source::trim(out) {
        "" => None,
        t => Some(Text::new(t)),
    }
}

/// `text` without surrounding whitespace (itself when it has none); `None` when blank.
fn trimmed(text: Text) -> Option<Text> {
    match crate::input::source::trim(&text) {
        "" => None,
        t if t.len() == text.len() => Some(text),
        t => Some(Text::new(t)),
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
    let Templates { parts, scratch } = doc.ctx.templates;
    let [number, reference, url] = parts;
    let number = render(number.as_ref(), inv, path, scratch, issues);
    let reference = render(reference.as_ref(), inv, path, scratch, issues);
    // Xero's CreditNote has no Url (only Invoice has): a credit note is sent without it,
    // so its template is neither rendered nor checked there.
    let url = if kind.is_credit() {
        None
    } else {
        render(url.as_ref(), inv, path, scratch, issues)
    };
    let credits_invoice_number = non_empty_text(&inv.credits_invoice_number);
    let written = reference
        .clone()
        .filter(|_| non_empty_text(&inv.reference).is_some());
    let own = number.clone();
    let n = arrange(kind, number, reference, url, credits_invoice_number);
    if let Some(r) = written.filter(|r| n.reference.as_ref() != Some(r)) {
        reference_not_sent(kind, &r, path, issues);
    }
    // Only a supplier credit note's number can be replaced (by creditsInvoiceNumber).
    if let Some(o) = own.filter(|o| n.number.as_ref().is_some_and(|m| m != o)) {
        issues.push(Issue::warning(
            IssueCode::FieldNotSent,
            path.field("number"),
            format!("Number \"{}\" is not sent: a supplier credit note has no Reference, so its CreditNoteNumber names the bill it corrects (creditsInvoiceNumber). Put the number in a line's description if it must reach Xero.", crate::money::shown(&o)),
        ));
    }
    check_limits(&n, path, issues);
    n
}

/// The host's reference that the kind does not carry: a bill has no Reference in Xero, a
/// sales credit note's names the invoice it corrects. Said, not dropped silently.
fn reference_not_sent(kind: DocumentKind, reference: &str, path: &Path, issues: &mut Vec<Issue>) {
    let shown = crate::money::shown(reference);
    let why = if kind.is_sales() {
        "a credit note's Reference names the invoice it corrects (its creditsInvoiceNumber, else its own number)"
    } else {
        "a bill or supplier credit note has no Reference in Xero: its number is what Xero shows as its reference"
    };
    issues.push(Issue::warning(
        IssueCode::FieldNotSent,
        path.field("reference"),
        format!("Reference \"{shown}\" is not sent: {why}. Put it in the number or a line's description if it must reach Xero."),
    ));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// [`render`] as it was before templates were parsed into [`Part`]s: every field name
    /// matched as text on every invoice, the result built up whatever its parts.
    fn render_before(
        template: &str,
        inv: &SourceInvoice,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) -> Option<Text> {
        let mut out = smol_str::SmolStrBuilder::new();
        for (is_field, text) in template_parts(template)? {
            if !is_field {
                out.push_str(text);
                continue;
            }
            let payer = inv.payer.as_ref();
            let payer_name;
            let value = match text {
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
                            no_such_field(other, inv),
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

    /// Every template form (one built-in field alone, padded, fields of the invoice's own,
    /// unknown and empty names, long results) renders on every invoice as before, issues
    /// included.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn templates_render_as_before() {
        let templates = [
            "{number}",
            "{ number }",
            "{reference}",
            "{id}",
            "{date}",
            "{clientId}",
            "{payerId}",
            "{payerName}",
            "{currency}",
            "{custom}",
            "{missing}",
            "{}",
            "Appt {reference}",
            "https://clinic.example/invoices/{id}",
            " {number} ",
            "{number}-{reference}",
            "INV {payerName} {custom} {missing} and more text past twenty-three bytes",
            "",
            "plain",
            "  ",
        ];
        let invoices = [
            serde_json::json!({"id": "appt-1", "number": "CL-1", "reference": "2024-01-01", "date": "2024-01-15",
                "clientId": "c1", "currency": "nzd", "payer": {"id": "p-1", "name": "Katherine Warren"},
                "fields": {"custom": " x "}, "lines": []}),
            serde_json::json!({"id": " padded id ", "number": "  ", "reference": "a reference longer than twenty-three bytes ",
                "payer": {"firstName": "Sam", "lastName": "Jones"}, "lines": []}),
            serde_json::json!({"lines": []}),
            serde_json::json!({"id": "\u{3000}appt-2\u{a0}", "number": "\tCL-2\u{2003}", "reference": "\u{a0}",
                "fields": {"custom": "\u{3000}"}, "lines": []}),
        ];
        let path = Path::root("invoices").index(0);
        // One buffer for every call, as an exporter keeps it: what one fill leaves in it
        // must not reach the next.
        let scratch = std::cell::RefCell::default();
        for template in templates {
            let parsed = Template::parse(template);
            for inv in &invoices {
                let inv: SourceInvoice = serde_json::from_value(inv.clone()).unwrap();
                let (mut ours, mut before) = (Vec::new(), Vec::new());
                let got = render(parsed.as_ref(), &inv, &path, &scratch, &mut ours);
                let want = render_before(template, &inv, &path, &mut before);
                assert_eq!(got, want, "{template:?}");
                assert_eq!(ours, before, "{template:?}");
            }
        }
    }
}
