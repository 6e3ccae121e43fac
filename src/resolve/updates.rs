//! Updates: an invoice the host already exported (it carries `xero.id`) is sent again as an
//! update of that document, where Xero allows the edit (reference §2.6).
//!
//! Owns the checks that depend only on what the host says of the Xero copy (status, payments,
//! line ids). The lock-date check of updates is the date's ([`super::header`]); the refusal to
//! turn an exported invoice into a credit note is the flip's (`build::credit_note`).

use crate::input::source::non_empty_text;
use crate::issues::{Issue, IssueCode};
use crate::money::Num;
use crate::resolve::lines::ResolvedLine;
use crate::resolve::Doc;
use crate::Text;

/// The InvoiceID to update (if any), with the issues of an edit Xero would refuse.
pub(crate) fn resolve(
    doc: &Doc<'_>,
    lines: &[ResolvedLine],
    issues: &mut Vec<Issue>,
) -> Option<Text> {
    let (inv, path) = (doc.inv, doc.path);
    let xero_id = inv.xero.as_ref().and_then(|x| non_empty_text(&x.id));
    let Some(x) = &inv.xero else {
        return xero_id;
    };
    match x.status.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some(st @ ("PAID" | "VOIDED" | "DELETED")) => issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field("xero.status"), format!("The invoice is {st} in Xero and cannot be edited. Void it and export a new one, or credit it instead."))),
        Some("AUTHORISED") if x.amount_paid.as_ref().and_then(Num::value).is_some_and(|p| !p.is_zero()) => issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field("xero.status"), "The invoice is part paid in Xero: only its reference, due date, number, contact, Url and lines' descriptions, accounts and tracking may change. Credit or void it instead of changing amounts.")),
        _ => {}
    }
    if xero_id.is_some()
        // The resolved lines' ids, cleaned once where the lines were read.
        && lines.iter().any(|l| l.line_item_id.is_none())
    {
        issues.push(Issue::warning(IssueCode::Missing, path.field("lines"), "Some lines have no lineItemId: on an update Xero adds them as new lines and deletes every existing line not sent with its LineItemID."));
    }
    xero_id
}
