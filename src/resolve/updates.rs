//! Updates: an invoice the host already exported (it carries `xero.id`) is sent again as an
//! update of that document, where Xero allows the edit (reference §2.6).
//!
//! Owns what the host says of the Xero copy: its id, its status, whether it is paid, and the
//! document as Xero holds it (`xero.document`), read once here. The checks that need the
//! document as it would be sent (which fields change, whether Xero accepts the change, whether
//! anything changes at all) are the build's (`build::update`), the held document's lock date
//! included; the lock-date check of the date sent is the date's ([`super::header`]); the
//! refusal to turn an exported invoice into a credit note is the flip's (`build::credit_note`).

use rust_decimal::Decimal;

use crate::input::source::{non_empty_text, XeroState};
use crate::issues::{Issue, IssueCode};
use crate::money::Num;
use crate::resolve::lines::ResolvedLine;
use crate::resolve::Doc;
use crate::xero::held::HeldDocument;
use crate::xero::status::normalise;
use crate::Text;

/// What an update starts from: the document's state in Xero.
#[derive(Clone, Debug, Default)]
pub(crate) struct UpdateState {
    /// Its status in Xero: the document's `Status` when given (Xero's word), else
    /// `xero.status`, as Xero spells it; `None` when neither says or the word is unknown.
    pub(crate) from: Option<&'static str>,
    /// A status word that is none of Xero's six.
    pub(crate) unknown_status: Option<String>,
    /// Paid in part or in full (payments, credit allocated, or PAID).
    pub(crate) paid: bool,
    /// Paid at least in part with credit: its contact is locked too (reference §2.6).
    pub(crate) credited: bool,
    /// Where the paid state was read (`xero.amountPaid`, `xero.document`...), for paths.
    pub(crate) paid_at: &'static str,
    /// The document as Xero holds it, when the host passed it and it could be read.
    pub(crate) held: Option<HeldDocument>,
}

/// The InvoiceID to update (if any) and the state it is updated from, with the issues of what
/// the host says of it.
pub(crate) fn resolve(
    doc: &Doc<'_>,
    lines: &[ResolvedLine],
    issues: &mut Vec<Issue>,
) -> (Option<Text>, Option<UpdateState>) {
    let path = doc.path;
    let Some(x) = &doc.inv.xero else {
        return (None, None);
    };
    let xero_id = non_empty_text(&x.id);
    // An amount that is not a number must not read as "unpaid".
    for (field, n) in [
        ("amountPaid", &x.amount_paid),
        ("amountCredited", &x.amount_credited),
    ] {
        if let Some(n) = n {
            let at = || path.field("xero").field(field).into();
            n.check_at(at, field, 2, issues);
        }
    }
    let held = read_document(doc, x, xero_id.as_deref(), issues);
    // The document names itself: without `xero.id`, its InvoiceID / CreditNoteID is the one to
    // update (else a held document would be compared with what is sent as a new one).
    let xero_id = xero_id.or_else(|| {
        let id = held.as_ref()?.id.as_deref()?.trim();
        (!id.is_empty()).then(|| Text::new(id))
    });
    let state = state(x, held);
    if xero_id.is_some()
        && state.held.as_ref().is_none_or(|h| h.lines.is_none())
        // The resolved lines' ids, cleaned once where the lines were read.
        && lines.iter().any(|l| l.line_item_id.is_none())
    {
        issues.push(Issue::warning(IssueCode::Missing, path.field("lines"), "Some lines have no lineItemId: on an update Xero adds them as new lines and deletes every existing line not sent with its LineItemID. Pass xero.document to have each line checked."));
    }
    (xero_id, Some(state))
}

/// Reads `xero.document`; one that is not an object, or is another document than `xero.id`,
/// is an error (comparing with the wrong document would hide real changes).
fn read_document(
    doc: &Doc<'_>,
    x: &XeroState,
    xero_id: Option<&str>,
    issues: &mut Vec<Issue>,
) -> Option<HeldDocument> {
    let value = x.document.as_ref().filter(|v| !v.is_null())?;
    let at = doc.path.field("xero.document");
    let Some(held) = HeldDocument::read(value) else {
        issues.push(Issue::error(IssueCode::XeroDocumentInvalid, at, "xero.document must be the invoice (or credit note) object as GET /Invoices/{id} returns it: its Invoices[0] element."));
        return None;
    };
    match (xero_id, held.id.as_deref()) {
        (Some(id), Some(other)) if !id.trim().eq_ignore_ascii_case(other.trim()) => {
            issues.push(Issue::error(IssueCode::XeroDocumentInvalid, at, format!("xero.document is the document {other}, not {id} (xero.id): pass the document this invoice was exported as.")));
            None
        }
        _ => Some(held),
    }
}

/// The state from what the host says and what the document says (the document wins: it is
/// Xero's own word).
fn state(x: &XeroState, held: Option<HeldDocument>) -> UpdateState {
    let said = x.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let word = held.as_ref().and_then(|h| h.status.as_deref()).or(said);
    let from = word.and_then(normalise);
    let positive = |n: &Option<Num>| {
        n.as_ref()
            .and_then(Num::value)
            .is_some_and(|v| v > Decimal::ZERO)
    };
    let credited_doc = held.as_ref().is_some_and(|h| h.credited);
    let credited = positive(&x.amount_credited) || credited_doc;
    let (paid, paid_at) = if held.as_ref().is_some_and(HeldDocument::is_paid) {
        (true, "xero.document")
    } else if positive(&x.amount_paid) {
        (true, "xero.amountPaid")
    } else if positive(&x.amount_credited) {
        (true, "xero.amountCredited")
    } else {
        (from == Some("PAID"), "xero.status")
    };
    UpdateState {
        from,
        unknown_status: word.filter(|_| from.is_none()).map(str::to_owned),
        paid,
        credited,
        paid_at,
        held,
    }
}
