//! Document kind: an invoice or bill whose total (in the invoice's own orientation) is below
//! zero becomes a credit note when the settings say so (reference: Xero approves no negative
//! invoice). Decided here, before the due date and numbering that depend on it; turning the
//! amounts positive is the build's (`build::credit_note`).

use rust_decimal::Decimal;

use crate::input::settings::{InvoiceKind, NegativeInvoices, Settings};
use crate::money::totals::Totals;
use crate::resolve::lines::ResolvedLine;
use crate::xero::kind::DocumentKind;

/// The kind, and the total it was decided on (as Xero would compute it before any flip).
pub(crate) fn decide(settings: &Settings, lines: &[ResolvedLine]) -> (DocumentKind, Decimal) {
    let mode = settings.line_amount_types;
    // A tax past Decimal's range (an absurd rate in the snapshot) is reported by the build;
    // here it only must not decide the kind.
    let total = Totals::from_lines(
        lines.iter().map(|r| {
            let tax = r.tax.unwrap_or_default();
            (r.amount, tax)
        }),
        mode,
    )
    .map_or(Decimal::ZERO, |t| t.total);
    let negative = total.is_sign_negative() && !total.is_zero();
    let credit = negative && settings.negative_invoices == NegativeInvoices::CreditNote;
    let kind = DocumentKind::new(settings.invoice_type == InvoiceKind::Accrec, credit);
    (kind, total)
}
