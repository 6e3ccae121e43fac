//! Build: a `ResolvedInvoice` → the Xero document as sent ([`WireDocument`]), its exact
//! totals, and its preview ([`DocumentPreview`]) with every issue.
//!
//! Steps, in the order their issues are reported: the credit-note flip (`credit_note`), the
//! lines as sent (`lines`), the zero-decimal currency check, then (after the resolve's contact,
//! due date and numbering issues) the host's total (`checks`), then the wire document.
//!
//! May read `resolve` (its output) and `xero` (the wire shapes), and fills in the preview's
//! view model; must not reach back into the exporter or re-resolve anything. [`totals`] is
//! Xero's arithmetic, kept under `money` (resolving needs it too) and re-exported here.

pub use crate::money::totals;

pub(crate) mod checks;
pub(crate) mod credit_note;
pub(crate) mod host_totals;
pub(crate) mod lines;
pub(crate) mod update;

use crate::input::settings::Settings;
use crate::input::snapshot::Snapshot;
use crate::input::source::SourceInvoice;
use crate::issues::has_errors;
use crate::money::fixed_text;
use crate::money::totals::Totals;
use crate::preview::{DocumentPreview, PreviewOptions};
use crate::resolve::contacts::ContactRef;
use crate::resolve::ResolvedInvoice;
use crate::xero::wire::{WireContactRef, WireDocument, WireLine};
use crate::Text;

/// What building reads besides the resolved invoice: the same for every document of a batch.
pub(crate) struct Ctx<'a> {
    /// The organisation's Xero data (base currency).
    pub(crate) snapshot: &'a Snapshot,
    /// The host's Xero configuration (status, unitdp, line amount types...).
    pub(crate) settings: &'a Settings,
    /// What the preview includes.
    pub(crate) options: PreviewOptions,
    /// Whether the settings or snapshot have errors, which block every document.
    pub(crate) settings_blocked: bool,
    /// Whether the document keeps its lines' tracking as resolved (`sent_tracking`, which the
    /// sending plan checks Xero's response against). Why optional: a preview written out as
    /// text and dropped (the streamed and result-handle paths) never reads it, and without it
    /// a line's tracking becomes its wire tracking in place, with no allocation of its own.
    pub(crate) keep_sent_tracking: bool,
}

/// Builds one resolved invoice into its preview, wire document and body.
pub(crate) fn document(
    ctx: &Ctx<'_>,
    inv: &SourceInvoice,
    mut r: ResolvedInvoice,
) -> DocumentPreview {
    credit_note::apply(ctx, inv, &mut r);
    let mut built = lines::build(ctx, &mut r);
    if let Some(totals) = &built.totals {
        checks::zero_decimals(ctx, &mut r, totals);
    }
    r.issues.append(&mut r.later_issues);
    let (host_total, difference, adjustment) = host_totals::apply(ctx, inv, &mut r, &mut built);
    let total_discount = built.total_discount.map(|d| fixed_text(d, 2));
    let wire = wire(ctx, &mut r, built.wire);
    let unitdp4 = unitdp4_needed(ctx, wire.as_ref());
    let unchanged = update::check(
        ctx,
        &r.path,
        r.update.as_ref(),
        wire.as_ref(),
        &mut r.issues,
    );
    let body = wire
        .as_ref()
        .filter(|w| ctx.options.bodies && matches!(w.contact, WireContactRef::Id(_)))
        .map(WireDocument::body);
    let s = ctx.settings;
    let blocked = ctx.settings_blocked || has_errors(&r.issues) || wire.is_none();
    let kind = r.kind;
    DocumentPreview {
        index: r.index,
        source_id: r.source_id,
        source_number: r.source_number,
        kind,
        endpoint: kind.collection().endpoint(),
        status: s.status.as_str(),
        blocked,
        unchanged: unchanged && !blocked,
        contact: r.contact,
        number: r.numbering.number,
        reference: r.numbering.reference,
        date: r.date,
        due_date: r.due_date,
        currency: r
            .currency
            .or_else(|| ctx.snapshot.base_currency().map(Text::new)),
        line_amount_types: s.line_amount_types,
        lines: built.preview,
        totals: built.totals.as_ref().map(Totals::to_strings),
        host_total,
        difference,
        total_discount,
        unitdp4,
        adjustment,
        issues: r.issues,
        body,
        wire,
        exact_totals: built.totals.unwrap_or_default(),
        sent_tracking: built.sent_tracking,
        credits_invoice_number: r.numbering.credits_invoice_number,
    }
}

/// Whether the document's request carries `unitdp=4`, as the run decides it
/// (`send/requests.rs`): the settings' unitdp 4, or a unit amount with more than 2 decimals.
fn unitdp4_needed(ctx: &Ctx<'_>, wire: Option<&WireDocument>) -> bool {
    ctx.settings.unitdp() == 4 || wire.is_some_and(WireDocument::needs_unitdp4)
}

/// The wire document, when there is a date and a contact to send it with. Takes the fields only
/// the wire document carries out of `r`; the preview's are cloned (O(1) for `Text`).
fn wire(ctx: &Ctx<'_>, r: &mut ResolvedInvoice, line_items: Vec<WireLine>) -> Option<WireDocument> {
    let contact = match &r.contact {
        ContactRef::Existing { contact_id, .. } => WireContactRef::Id(contact_id.clone()),
        ContactRef::Create { key, .. } => WireContactRef::Pending(key.clone()),
        ContactRef::Unresolved => return None,
    };
    let s = ctx.settings;
    let n = &mut r.numbering;
    Some(WireDocument {
        xero_id: r.xero_id.take(),
        kind: r.kind,
        contact,
        date: r.date?,
        due_date: r.due_date,
        line_amount_types: s.line_amount_types,
        invoice_number: n.invoice_number.take(),
        credit_note_number: n.credit_note_number.take(),
        reference: n.reference.clone(),
        url: n.url.take(),
        currency_code: r.currency.clone(),
        status: s.status.as_str(),
        branding_theme_id: crate::input::source::non_empty_text(&s.branding_theme_id),
        line_items,
    })
}
