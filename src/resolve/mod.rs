//! Resolve: each source invoice against the snapshot and settings, into a `ResolvedInvoice`:
//! its header (`header`), its lines' numbers (`lines`) with account and tax
//! (`accounts`) and tracking ([`tracking`]), its document kind (`kind`), the contact
//! ([`contacts`]), the due date (`due_date`), the number and reference (`numbering`) and,
//! for an exported invoice, whether Xero allows the update (`updates`).
//!
//! Reads the input models (and the money arithmetic, to tell an invoice from a credit note);
//! must not import `build` or `preview`: it knows nothing of request bodies, display or sending.

pub mod contacts;
pub mod items;
pub mod tracking;

pub(crate) mod accounts;
pub(crate) mod due_date;
pub(crate) mod header;
pub(crate) mod kind;
pub(crate) mod lines;
pub(crate) mod numbering;
pub(crate) mod text;
pub(crate) mod updates;

use rust_decimal::Decimal;

use crate::dates::Date;
use crate::input::settings::{InvoiceKind, Settings};
use crate::input::snapshot::Snapshot;
use crate::input::source::{non_empty_text, SourceInvoice};
use crate::issues::{Issue, Path};
use crate::xero::kind::DocumentKind;
use crate::Text;

use contacts::{ContactRef, Planned};
use lines::ResolvedLine;
use numbering::{Numbering, Templates};

/// What every invoice of a batch is resolved against: prepared once per exporter (snapshot,
/// settings, templates) or per batch (the tracking resolver's memo).
pub(crate) struct Ctx<'a> {
    /// The organisation's Xero data.
    pub(crate) snapshot: &'a Snapshot,
    /// The host's Xero configuration.
    pub(crate) settings: &'a Settings,
    /// Tracking per line, with its per-batch memo.
    pub(crate) tracker: &'a tracking::Resolver<'a>,
    /// Number, reference and Url templates, split once.
    pub(crate) templates: &'a Templates,
    /// The snapshot's accounts and tax rates for the codes the settings name, looked up once.
    pub(crate) known: &'a accounts::Known,
}

impl Ctx<'_> {
    /// Sales (ACCREC) rather than bills: decides account classes and item details.
    pub(crate) fn sales(&self) -> bool {
        self.settings.invoice_type == InvoiceKind::Accrec
    }
}

/// One invoice being resolved: the batch's context, the invoice and its path.
#[derive(Clone, Copy)]
pub(crate) struct Doc<'a> {
    /// The batch's context.
    pub(crate) ctx: &'a Ctx<'a>,
    /// The host's invoice.
    pub(crate) inv: &'a SourceInvoice,
    /// `invoices[i]`, the root of its issues' paths.
    pub(crate) path: &'a Path,
}

/// A source invoice resolved: everything the build needs, and the issues found so far.
///
/// The issues come in two lists because the build's own (the credit-note flip, discounts,
/// totals) have always been reported between the lines' and the contact's; keeping that order
/// keeps the issue lists, and the golden files, exactly as they were.
pub(crate) struct ResolvedInvoice {
    /// Position in the input.
    pub(crate) index: usize,
    /// `invoices[index]`.
    pub(crate) path: Path,
    /// The host's id.
    pub(crate) source_id: Text,
    /// The host's number, cleaned.
    pub(crate) source_number: Option<Text>,
    /// Invoice date.
    pub(crate) date: Option<Date>,
    /// Currency as given (upper-cased).
    pub(crate) currency: Option<Text>,
    /// The lines, in the invoice's orientation.
    pub(crate) lines: Vec<ResolvedLine>,
    /// The document kind.
    pub(crate) kind: DocumentKind,
    /// The total before any credit-note flip (what the flip's messages quote).
    pub(crate) raw_total: Decimal,
    /// The contact.
    pub(crate) contact: ContactRef,
    /// Due date as sent.
    pub(crate) due_date: Option<Date>,
    /// Number, reference, Url.
    pub(crate) numbering: Numbering,
    /// The InvoiceID to update, for an exported invoice.
    pub(crate) xero_id: Option<Text>,
    /// What an exported invoice is updated from (its state in Xero).
    pub(crate) update: Option<updates::UpdateState>,
    /// Issues of the header and the lines.
    pub(crate) issues: Vec<Issue>,
    /// Issues of the contact, due date, numbering and update (reported after the build's).
    pub(crate) later_issues: Vec<Issue>,
}

/// Resolves one invoice. `planned` collects the contacts the batch will create.
pub(crate) fn invoice(
    ctx: &Ctx<'_>,
    index: usize,
    inv: &SourceInvoice,
    planned: &mut Planned,
) -> ResolvedInvoice {
    let path = Path::root("invoices").index(index);
    let doc = Doc {
        ctx,
        inv,
        path: &path,
    };
    let mut issues = Vec::new();
    let head = header::resolve(&doc, index, &mut issues);
    text::check(inv, &path, &mut issues);
    text::unknown_keys(ctx.settings.unknown_fields, inv, &mut issues);
    let lines = lines::resolve(&doc, &mut issues);
    let (kind, raw_total) = kind::decide(ctx.settings, &lines);
    let mut later = Vec::new();
    let contact = contacts::Resolver::new(ctx.snapshot, &ctx.settings.contacts).resolve(
        inv.payer.as_ref(),
        &path.field("payer"),
        &head.source_id,
        planned,
        &mut later,
    );
    let due_date = due_date::resolve(&doc, head.date, kind, &contact, planned, &mut later);
    let numbering = numbering::resolve(&doc, kind, &mut later);
    let (xero_id, update) = updates::resolve(&doc, &lines, &mut later);
    ResolvedInvoice {
        index,
        source_id: head.source_id,
        source_number: non_empty_text(&inv.number),
        date: head.date,
        currency: head.currency,
        lines,
        kind,
        raw_total,
        contact,
        due_date,
        numbering,
        xero_id,
        update,
        issues,
        later_issues: later,
        path,
    }
}
