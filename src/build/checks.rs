//! The document-level checks of the build: a zero-decimal currency's fractional total, and the
//! host's own total against the one Xero will compute.
//!
//! Both read the exact totals, so they run after the lines are built; neither changes the
//! document, only its issues.

use rust_decimal::Decimal;

use crate::build::Ctx;
use crate::input::source::SourceInvoice;
use crate::issues::{Issue, IssueCode};
use crate::money::totals::Totals;
use crate::money::{fixed, is_zero_decimal_currency};
use crate::resolve::ResolvedInvoice;

/// Currencies without decimals (JPY, KRW, ...): Xero computes and stores two decimals
/// whatever the currency, so fractional prices or Exclusive per-line tax give a total the
/// payer cannot pay exactly. Whether Xero refuses such amounts is UNVERIFIED (reference §7,
/// "integer amounts for zero-decimal currencies"), so this warns and never blocks.
pub(crate) fn zero_decimals(ctx: &Ctx<'_>, r: &mut ResolvedInvoice, totals: &Totals) {
    let Some(code) = r.currency.as_deref().or(ctx.snapshot.base_currency()) else {
        return;
    };
    // The amount due is what must be whole; an Inclusive invoice of whole prices has a
    // whole total even though its tax part is not.
    if !is_zero_decimal_currency(code) || totals.total.fract().is_zero() {
        return;
    }
    let code = code.trim().to_ascii_uppercase();
    let total = fixed(totals.total.abs(), 2);
    r.issues.push(Issue::warning(
        IssueCode::CurrencyNoDecimals,
        &r.path,
        format!("{code} has no decimals, but Xero will compute a total of {total} for this invoice: Xero keeps two decimals in every currency, so the amount due has a fraction the payer cannot pay. Use whole unit amounts (and, with tax, Inclusive prices) so that the total is whole {code}."),
    ));
}

/// The host's total against Xero's: `(host total, difference)` as 2-dp text, with a warning
/// when they differ.
pub(crate) fn host_total(
    inv: &SourceInvoice,
    r: &mut ResolvedInvoice,
    totals: &Totals,
) -> (Option<String>, Option<String>) {
    let Some(t) = read_host_total(inv, r) else {
        return (None, None);
    };
    let path = &r.path;
    let issues = &mut r.issues;
    let xero_total = if r.kind.is_credit() {
        -totals.total
    } else {
        totals.total
    };
    let Some(diff) = xero_total.checked_sub(t) else {
        return (Some(fixed(t, 2)), None);
    };
    if !diff.is_zero() {
        issues.push(Issue::warning(
            IssueCode::TotalMismatch,
            path.field("total"),
            format!("Xero will compute a total of {} but the invoice says {} (difference {}). Xero rounds tax per line, half away from zero; align your rounding or add a rounding line.", fixed(xero_total, 2), fixed(t, 2), fixed(diff, 2)),
        ));
    }
    (Some(fixed(t, 2)), (!diff.is_zero()).then(|| fixed(diff, 2)))
}

/// The host's own total, when given and every amount of the invoice was readable (checked at
/// 2 dp, reported at `total` when it is not a usable amount).
pub(crate) fn read_host_total(inv: &SourceInvoice, r: &mut ResolvedInvoice) -> Option<Decimal> {
    let path = &r.path;
    let issues = &mut r.issues;
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
    inv.total
        .as_ref()
        .filter(|_| amounts_readable)
        .and_then(|t| t.check_at(|| path.field("total").into(), "total", 2, issues))
}
