//! Lines as sent: each resolved line becomes its wire line (the request body's) and, when asked,
//! its preview line, and adds to the document's exact totals.
//!
//! Owns the numbers' final form (unit amounts rounded to unitdp, canonical money text) and the
//! rule that bills and credit notes carry no discounts: such a line is sent at its net amount,
//! with a warning. The hot path: one wire line per line, nothing else allocated unless the
//! preview lines are asked for or an issue is raised (paths are built only then).

use rust_decimal::Decimal;

use crate::build::Ctx;
use crate::input::settings::HostTotalPolicy;
use crate::issues::{Issue, IssueCode, LinePath};
use crate::money::totals::{self, Discount, Totals};
use crate::money::{decimal_places, fixed, fixed_text, text_inline};
use crate::preview::LinePreview;
use crate::resolve::lines::ResolvedLine;
use crate::resolve::tracking::LineTracking;
use crate::resolve::ResolvedInvoice;
use crate::xero::kind::DocumentKind;
use crate::xero::wire::{WireLine, WireTracking};
use crate::Text;

/// The document's lines, built.
pub(crate) struct BuiltLines {
    /// Preview lines (empty unless the options ask for them).
    pub(crate) preview: Vec<LinePreview>,
    /// Wire lines.
    pub(crate) wire: Vec<WireLine>,
    /// Tracking per line as sent (for the response check).
    pub(crate) sent_tracking: Vec<Vec<LineTracking>>,
    /// Xero's TotalDiscount: the sum of what the sent discounts take off the lines; `None`
    /// when no line is sent with a discount.
    pub(crate) total_discount: Option<Decimal>,
    /// Per line: its amount, its tax as Xero computes it, and whether it carries a non-zero
    /// tax rate (what the host totals policy may adjust). Empty under the `report` policy (the
    /// default), which adjusts nothing: the list was an allocation and its free per invoice
    /// that nothing read (callgrind, bench workload: ~150 instructions an invoice).
    pub(crate) taxes: Vec<LineTax>,
    /// Totals as Xero will compute them; `None` when a line's amount is unknown (one of its
    /// numbers unusable, reported on the line) or the sums leave Decimal's range.
    pub(crate) totals: Option<Totals>,
}

/// A line's amount and tax, for the host totals policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineTax {
    /// LineAmount.
    pub(crate) amount: Decimal,
    /// TaxAmount as Xero computes it.
    pub(crate) tax: Decimal,
    /// Whether the line has a tax type with a non-zero rate.
    pub(crate) taxed: bool,
}

/// A line's fields as they are sent.
struct Sent {
    quantity: Option<Decimal>,
    unit: Option<Decimal>,
    description: Option<Text>,
    discount_rate: Option<Decimal>,
    discount_amount: Option<Decimal>,
}

/// Money in one canonical form whatever form the host gave (`95`, `95.0`, `"95.00"` all send
/// `95.00`): 2 decimal places, or the 3-4 a unitdp=4 amount needs. Same value, same bytes.
///
/// A non-zero amount at exactly 2 places (most amounts: the host's `"20.13"`, a unit amount
/// rounded to unitdp 2) is its own canonical form, returned without normalising it twice
/// (stripping up to two zeros, then putting them back) and rescaling it: ~100 instructions a
/// line (callgrind, bench workload: 67.0k -> 66.5k instructions an invoice). Zero is left to
/// the general path, which also drops a negative zero's sign.
fn canonical_money(value: Decimal) -> Decimal {
    if value.scale() == 2 && !value.is_zero() {
        return value;
    }
    let mut v = value.normalize();
    v.rescale(decimal_places(v).max(2));
    v
}

/// Builds every line of `r` (taking them out of it), with their issues into `r.issues`.
pub(crate) fn build(ctx: &Ctx<'_>, r: &mut ResolvedInvoice) -> BuiltLines {
    let mode = ctx.settings.line_amount_types;
    let unitdp = ctx.settings.unitdp();
    let mut lines = std::mem::take(&mut r.lines);
    let adjusting = ctx.settings.host_total.policy != HostTotalPolicy::Report;
    let mut out = BuiltLines {
        preview: Vec::with_capacity(if ctx.options.lines { lines.len() } else { 0 }),
        wire: Vec::with_capacity(lines.len()),
        sent_tracking: Vec::with_capacity(if ctx.keep_sent_tracking {
            lines.len()
        } else {
            0
        }),
        taxes: Vec::with_capacity(if adjusting { lines.len() } else { 0 }),
        total_discount: None,
        totals: None,
    };
    let (mut amounts, mut taxes) = (Some(Decimal::ZERO), Some(Decimal::ZERO));
    let mut known = true;
    // Each line's fields are taken out where it lies rather than the line moved out whole
    // (~250 bytes copied a line; callgrind, bench workload: ~200 instructions an invoice).
    for (li, l) in lines.iter_mut().enumerate() {
        let s = sent(ctx, r.kind, l, LinePath::new(&r.path, li), &mut r.issues);
        let tax = line_tax(l, LinePath::new(&r.path, li), &mut r.issues);
        known &= l.amount_known && tax.is_some();
        let tax = tax.unwrap_or_default();
        if let Some(d) = discount_taken(&s, l, unitdp) {
            let sum = out.total_discount.unwrap_or_default().checked_add(d);
            out.total_discount = sum.or(out.total_discount);
        }
        if adjusting {
            out.taxes.push(LineTax {
                amount: l.amount,
                tax,
                taxed: l.tax_type.is_some() && !l.rate.is_zero(),
            });
        }
        amounts = amounts.and_then(|a| a.checked_add(l.amount));
        taxes = taxes.and_then(|t| t.checked_add(tax));
        let keep = ctx.keep_sent_tracking;
        let wire_tracking = wire_tracking(&mut l.tracking, keep || ctx.options.lines);
        if ctx.options.lines {
            out.preview.push(preview_line(&s, l, tax, unitdp, keep));
        }
        out.wire.push(WireLine {
            line_item_id: l.line_item_id.take(),
            description: s.description,
            quantity: s.quantity.map(|q| q.normalize()),
            unit_amount: s.unit.map(canonical_money),
            item_code: l.item_code.take(),
            account_code: l.account.take(),
            tax_type: l.tax_type.take(),
            tax_amount: None,
            discount_rate: s.discount_rate.map(|d| d.normalize()),
            discount_amount: s.discount_amount.map(canonical_money),
            tracking: wire_tracking,
        });
        if keep {
            out.sent_tracking.push(std::mem::take(&mut l.tracking));
        }
    }
    out.totals = match (amounts, taxes) {
        (Some(a), Some(t)) if known => Totals::from_lines([(a, t)], mode),
        _ => None,
    };
    out
}

/// The line's preview (display data). Its tracking is the resolved line's own when nothing
/// else keeps it (`!keep`), a clone otherwise.
fn preview_line(
    s: &Sent,
    l: &mut ResolvedLine,
    tax: Decimal,
    unitdp: u32,
    keep: bool,
) -> LinePreview {
    LinePreview {
        description: s.description.clone(),
        quantity: s.quantity.map(|q| text_inline(q.normalize())),
        unit_amount: s.unit.map(|u| fixed_text(u, unitdp)),
        discount_rate: s.discount_rate.map(|d| text_inline(d.normalize())),
        discount_amount: s.discount_amount.map(|d| fixed_text(d, 2)),
        item_code: l.item_code.clone(),
        account_code: l.account.clone(),
        tax_type: l.tax_type.clone(),
        tax_rate: l.tax_type.as_ref().map(|_| text_inline(l.rate.normalize())),
        line_amount: fixed_text(l.amount, 2),
        tax_amount: fixed_text(tax, 2),
        tracking: if keep {
            l.tracking.clone()
        } else {
            std::mem::take(&mut l.tracking)
        },
    }
}

/// The line's tracking as the wire line sends it. When nothing else reads the resolved
/// tracking (`!kept`), each entry becomes its wire form in the same allocation (`Vec`'s
/// in-place collect) and `tracking` is left empty; otherwise the wire forms are cloned.
fn wire_tracking(tracking: &mut Vec<LineTracking>, kept: bool) -> Vec<WireTracking> {
    if kept {
        return tracking.iter().map(|t| t.wire.clone()).collect();
    }
    std::mem::take(tracking)
        .into_iter()
        .map(|t| t.wire)
        .collect()
}

/// What a sent discount takes off the line: its gross amount (quantity × unit amount, 2 dp)
/// less its line amount. Xero documents TotalDiscount only as the "total of discounts applied
/// on the invoice line items" (SPEC:Invoice); per line and 2 dp is this library's reading
/// (UNVERIFIED), shown in the preview, never sent.
fn discount_taken(s: &Sent, l: &ResolvedLine, unitdp: u32) -> Option<Decimal> {
    if s.discount_rate.is_none() && s.discount_amount.is_none() {
        return None;
    }
    let gross = totals::gross_amount(s.quantity?, s.unit?, unitdp)?;
    gross.checked_sub(l.amount)
}

/// The line's tax as Xero computes it (resolved with the line); `None`, reported, when the
/// snapshot's rate makes it leave Decimal's range (a rate no real tax has).
fn line_tax(l: &ResolvedLine, path: LinePath<'_>, issues: &mut Vec<Issue>) -> Option<Decimal> {
    let tax = l.tax;
    if tax.is_none() {
        issues.push(Issue::error(
            IssueCode::LineAmountTooLarge,
            path,
            format!("The tax on this line at the rate {} % is beyond any amount Xero accepts: check the tax rate in Xero.", l.rate.normalize()),
        ));
    }
    tax
}

/// The line's fields as sent: its discount kept on a sales invoice, folded into the amount on
/// any other kind.
fn sent(
    ctx: &Ctx<'_>,
    kind: DocumentKind,
    l: &mut ResolvedLine,
    path: LinePath<'_>,
    issues: &mut Vec<Issue>,
) -> Sent {
    let mut s = Sent {
        quantity: l.quantity,
        unit: l
            .unit
            .map(|u| totals::unit_amount(u, ctx.settings.unitdp())),
        description: l.description.take(),
        discount_rate: None,
        discount_amount: None,
    };
    match l.discount {
        Discount::None => {}
        Discount::Rate(d) if kind == DocumentKind::Accrec => s.discount_rate = Some(d),
        Discount::Amount(d) if kind == DocumentKind::Accrec => s.discount_amount = Some(d),
        _ => net(ctx, kind, l, &mut s, path, issues),
    }
    s
}

/// Bills and credit notes take no discounts: the line is sent at its net amount, as a unit
/// amount when it divides exactly, else as one unit with the detail in the description.
fn net(
    ctx: &Ctx<'_>,
    kind: DocumentKind,
    l: &ResolvedLine,
    s: &mut Sent,
    path: LinePath<'_>,
    issues: &mut Vec<Issue>,
) {
    let unitdp = ctx.settings.unitdp();
    let q = s.quantity.unwrap_or(Decimal::ONE);
    let per_unit = if q.is_zero() {
        None
    } else {
        l.amount.checked_div(q)
    };
    let detail = format!(
        "{} × {} less {}",
        q.normalize(),
        fixed(s.unit.unwrap_or_default(), unitdp),
        match l.discount {
            Discount::Rate(d) => format!("{}%", d.normalize()),
            Discount::Amount(a) => fixed(a.abs(), 2),
            Discount::None => String::new(),
        }
    );
    match per_unit.filter(|u| decimal_places(*u) <= unitdp) {
        Some(u) => s.unit = Some(u),
        None => {
            s.quantity = Some(Decimal::ONE);
            s.unit = Some(l.amount);
            s.description = Some(match s.description.take() {
                Some(d) => Text::from(format!("{d} ({detail})")),
                None => Text::new(&detail),
            });
            if s.description
                .as_deref()
                .is_some_and(|d| d.chars().count() > 4000)
            {
                issues.push(Issue::error(IssueCode::TooLong, path.field("description"), "With the discount detail appended the description is over 4000 characters; shorten it."));
            }
        }
    }
    let field = if matches!(l.discount, Discount::Rate(_)) {
        "discountRate"
    } else {
        "discountAmount"
    };
    issues.push(Issue::warning(
        IssueCode::DiscountNotSupported,
        path.field(field),
        format!("Xero takes no discounts on {} documents: this line is sent at its net amount {} ({detail}).", kind.as_str(), fixed(l.amount, 2)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`canonical_money`] as it was, before its fast path.
    fn canonical_before(value: Decimal) -> Decimal {
        let mut v = value.normalize();
        v.rescale(decimal_places(v).max(2));
        v
    }

    /// The fast path gives the very same `Decimal` (mantissa, scale and sign) as the general
    /// one, zeros and trailing zeros included, at every scale.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn canonical_money_as_before() {
        for m in [
            0i128,
            1,
            5,
            10,
            100,
            1000,
            2013,
            2010,
            2000,
            123_456_789,
            i128::from(i64::MAX),
        ] {
            for sign in [1, -1] {
                for scale in 0..=28 {
                    let Ok(v) = Decimal::try_from_i128_with_scale(m * sign, scale) else {
                        continue;
                    };
                    let mut negative_zero = v;
                    negative_zero.set_sign_negative(sign < 0);
                    for v in [v, negative_zero] {
                        let (got, want) = (canonical_money(v), canonical_before(v));
                        assert_eq!(got.serialize(), want.serialize(), "{v:?}");
                    }
                }
            }
        }
    }
}
