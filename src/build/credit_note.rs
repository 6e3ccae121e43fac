//! The credit-note flip: a document resolved as a credit note is sent with positive amounts
//! (symmetric rounding makes negation exact, so every line amount and tax just flips), with a
//! warning saying so; a negative invoice kept as an invoice gets the issue of its approval, and
//! a zero-total one a warning.
//!
//! Owns only the sign of the resolved lines and these issues; the kind itself was decided in
//! `resolve::kind`.

use crate::build::Ctx;
use crate::input::source::SourceInvoice;
use crate::issues::{Issue, IssueCode};
use crate::money::fixed;
use crate::money::totals::Discount;
use crate::resolve::ResolvedInvoice;

/// Flips a credit note's lines to positive amounts, or reports a negative invoice.
pub(crate) fn apply(ctx: &Ctx<'_>, inv: &SourceInvoice, r: &mut ResolvedInvoice) {
    let total = r.raw_total;
    let negative = total.is_sign_negative() && !total.is_zero();
    let path = &r.path;
    let issues = &mut r.issues;
    if r.kind.is_credit() {
        for l in &mut r.lines {
            l.unit = l.unit.map(|u| -u);
            l.amount = -l.amount;
            l.tax =
                crate::money::totals::line_tax(l.amount, l.rate, ctx.settings.line_amount_types);
            if let Discount::Amount(a) = l.discount {
                l.discount = Discount::Amount(-a);
            }
        }
        issues.push(Issue::warning(
            IssueCode::ConvertedToCreditNote,
            path,
            format!("The invoice total is {}: it is sent as a {} credit note for {} (Xero cannot approve a negative invoice).", fixed(total, 2), r.kind.as_str(), fixed(-total, 2)),
        ));
        // Only the document Xero holds says it was exported as a credit note: without it,
        // an exported negative invoice is taken for an invoice turning into a credit note.
        let held_credit = r
            .update
            .as_ref()
            .and_then(|u| u.held.as_ref())
            .is_some_and(|h| h.is_credit_note());
        if inv.xero.as_ref().and_then(|x| x.id.as_ref()).is_some() && !held_credit {
            issues.push(Issue::error(IssueCode::UpdateNotAllowed, path, "This invoice was already exported as an invoice and its total is now negative: Xero cannot turn an invoice into a credit note. Void the invoice in Xero (or credit it separately). If it was exported as a credit note, pass xero.document (the credit note as Xero returns it)."));
        }
    } else if negative {
        if ctx.settings.status.is_approval() {
            issues.push(Issue::error(IssueCode::ApprovalRefused, path, format!("The invoice total is {}: Xero will not approve an invoice below zero. Export negative invoices as credit notes (settings.negativeInvoices = \"creditNote\") or as DRAFT.", fixed(total, 2))));
        } else {
            issues.push(Issue::warning(IssueCode::NegativeTotal, path, format!("The invoice total is {}: Xero saves it as a DRAFT but will not approve it until the total is zero or more.", fixed(total, 2))));
        }
    } else if total.is_zero() && !issues.iter().any(Issue::is_error) {
        // (A line in error counts 0: that zero is not the document's.)
        // Whether Xero takes a zero-total document (and marks an approved one paid at once) is
        // UNVERIFIED (reference §16): it is sent, but said, since a bill for a member who
        // logged no hours is usually one nobody meant to send.
        issues.push(Issue::warning(IssueCode::ZeroTotal, path, "The total is 0.00: nothing is owed. Leave the document out if it was not meant to be sent (Xero's handling of zero-total documents is not documented)."));
    }
}
