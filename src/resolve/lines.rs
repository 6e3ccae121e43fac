//! Lines: each line's numbers (quantity, unit amount, discount) read and checked, the Xero
//! item's defaults applied, its amount computed as Xero will, then its account, tax and tracking
//! resolved ([`super::accounts`], [`super::tracking`]).
//!
//! Owns the per-line flow and the [`ResolvedLine`] it yields. Every line's numbers are read
//! before any line is resolved, so that number problems come first, as they always did. This is
//! the hot path: no allocation per line beyond the two `Vec`s of the invoice, each text field
//! cleaned once, paths built only when an issue is raised.

use rust_decimal::Decimal;

use crate::input::settings::CreateItems;
use crate::input::snapshot::{Item, ItemDetails};
use crate::input::source::{non_empty, non_empty_text, SourceInvoice, SourceLine};
use crate::issues::{Issue, IssueCode, LinePath};
use crate::money::totals::{self, Discount};
use crate::resolve::accounts;
use crate::resolve::tracking::LineTracking;
use crate::resolve::{Ctx, Doc};
use crate::Text;

/// A line after its numbers were read and checked.
struct Parsed<'a> {
    source: &'a SourceLine,
    path: LinePath<'a>,
    quantity: Option<Decimal>,
    unit: Option<Decimal>,
    discount: Discount,
}

/// What the account and tax steps read of a line, looked up and cleaned once.
pub(crate) struct LineInput<'a> {
    /// The host's line.
    pub(crate) line: &'a SourceLine,
    /// Its path, for issues.
    pub(crate) path: LinePath<'a>,
    /// The line's service code, trimmed (`None` when blank).
    pub(crate) service_code: Option<&'a str>,
    /// The Xero item's sales or purchase details, for the document's direction.
    pub(crate) item_details: Option<&'a ItemDetails>,
    /// Whether the host gave a quantity or a unit amount (a line meant to carry money).
    pub(crate) amount_given: bool,
}

/// A line with everything the document needs, in the invoice's orientation (before any
/// credit-note flip, which is the build's).
#[derive(Clone, Debug)]
pub(crate) struct ResolvedLine {
    /// Quantity (positive; the sign moved to the unit amount).
    pub(crate) quantity: Option<Decimal>,
    /// Unit amount as given or from the item, unrounded.
    pub(crate) unit: Option<Decimal>,
    /// The discount as given.
    pub(crate) discount: Discount,
    /// LineAmount as Xero computes it: at most Xero's limit, 0 when it could not be computed.
    pub(crate) amount: Decimal,
    /// TaxAmount as Xero computes it on `amount` at `rate` (`None` past Decimal's range):
    /// computed once, here, because the document kind is decided on it and the build sends it
    /// (a credit note's flip recomputes it on the negated amount).
    pub(crate) tax: Option<Decimal>,
    /// Whether `amount` is the line's real amount: false when one of its numbers was unusable
    /// (invalid, out of range) or the amount past Xero's limit, each reported on the line.
    pub(crate) amount_known: bool,
    /// AccountCode.
    pub(crate) account: Option<Text>,
    /// TaxType.
    pub(crate) tax_type: Option<Text>,
    /// The tax rate as a fraction (0 without tax).
    pub(crate) rate: Decimal,
    /// The Xero item's code.
    pub(crate) item_code: Option<Text>,
    /// Whether `item_code` names an item the run creates first (`settings.items.create`).
    pub(crate) new_item: bool,
    /// Tracking with provenance.
    pub(crate) tracking: Vec<LineTracking>,
    /// Description, cleaned.
    pub(crate) description: Option<Text>,
    /// LineItemID (updates).
    pub(crate) line_item_id: Option<Text>,
}

/// Every line of the invoice, numbers first, then one line at a time.
pub(crate) fn resolve(doc: &Doc<'_>, issues: &mut Vec<Issue>) -> Vec<ResolvedLine> {
    let inv = doc.inv;
    let unitdp = doc.ctx.settings.unitdp();
    let parsed: Vec<Parsed> = inv
        .lines
        .iter()
        .enumerate()
        .map(|(li, line)| parse(line, LinePath::new(doc.path, li), unitdp, issues))
        .collect();
    if inv.lines.is_empty() {
        issues.push(Issue::error(
            IssueCode::EmptyInvoice,
            doc.path.field("lines"),
            "The invoice has no lines: Xero needs at least one line item.",
        ));
    }
    let mut resolved = Vec::with_capacity(parsed.len());
    for p in &parsed {
        resolved.push(resolve_line(doc.ctx, inv, p, issues));
    }
    resolved
}

fn resolve_line(
    ctx: &Ctx<'_>,
    inv: &SourceInvoice,
    p: &Parsed<'_>,
    issues: &mut Vec<Issue>,
) -> ResolvedLine {
    let line = p.source;
    let service_code = non_empty(&line.service_code);
    let (item, item_code) = item(ctx, line, p.path, service_code, issues);
    let li = LineInput {
        line,
        path: p.path,
        service_code,
        item_details: item.and_then(|it| {
            if ctx.sales() {
                it.sales.as_ref()
            } else {
                it.purchases.as_ref()
            }
        }),
        amount_given: line.quantity.is_some() || line.unit_amount.is_some(),
    };
    let description = non_empty_text(&line.description);
    check_description(&li, description.as_deref(), item, issues);
    let (quantity, unit, amount) = amounts(ctx, p, &li, issues);
    let amount_known = amount.is_some()
        && (line.quantity.is_none() || p.quantity.is_some())
        && (line.unit_amount.is_none() || p.unit.is_some());
    let account = accounts::account(ctx, &li, issues);
    let (tax_type, rate) = accounts::tax(ctx, &li, &account, issues);
    let sends_quantity = li.amount_given || unit.is_some();
    if item_code.is_some() && !sends_quantity {
        // Reference §2.4: Xero answers a line with ItemCode and Description but no Quantity
        // without its ItemCode ("known issue in the API"). Sending a quantity of our own
        // would let Xero price the line with a price the snapshot may not know, so say it.
        issues.push(Issue::warning(IssueCode::Missing, p.path.field("quantity"), "Xero drops the item code of a line sent without a quantity (a known issue of its API): give the line a quantity (1 for one of the item)."));
    }
    let held = held_tracking(inv, line);
    let tracking = ctx.tracker.resolve_line(line, inv, p.path, &held, issues);
    let amount = amount.unwrap_or_default();
    ResolvedLine {
        quantity: if sends_quantity { quantity } else { None },
        unit,
        discount: p.discount,
        amount,
        tax: totals::line_tax(amount, rate, ctx.settings.line_amount_types),
        amount_known,
        account: account.code,
        tax_type,
        rate,
        new_item: item_code.is_some() && item.is_none() && ctx.snapshot.has_part("items"),
        item_code,
        tracking,
        description,
        line_item_id: non_empty_text(&line.line_item_id),
    }
}

/// Xero's limit on an item's Code (reference §7.3).
const ITEM_CODE_MAX: usize = super::items::CODE_MAX;

/// The Xero item the line names and the ItemCode to send: its own `itemCode` (which must
/// exist; sent in Xero's spelling, or as written when the snapshot has no items to check it
/// against), else its service code when the settings send service codes as items and the
/// organisation has one so coded.
fn item<'s>(
    ctx: &Ctx<'s>,
    line: &SourceLine,
    path: LinePath<'_>,
    service_code: Option<&str>,
    issues: &mut Vec<Issue>,
) -> (Option<&'s Item>, Option<Text>) {
    match non_empty(&line.item_code) {
        Some(code) => {
            let create = ctx.settings.items.create == CreateItems::Missing;
            let item = ctx.snapshot.item(code);
            if let Some(found) = item {
                return (item, found.code.clone().or_else(|| Some(Text::new(code))));
            }
            if ctx.snapshot.has_part("items") && !create {
                issues.push(Issue::error(
                    IssueCode::ItemNotFound,
                    path.field("itemCode"),
                    format!("\"{}\" is not one of the organisation's Xero items. Use an existing item's code, create the item in Xero, set settings.items.create to \"missing\" to have it created before the invoice, or leave itemCode out.", crate::money::shown(code)),
                ));
                return (None, None);
            }
            // Without the snapshot's items the code is sent unchecked (the missing part is
            // reported once, on the snapshot), but never one Xero could not hold; the same
            // limit holds for an item to create.
            if code.chars().count() > ITEM_CODE_MAX {
                issues.push(Issue::error(
                    IssueCode::TooLong,
                    path.field("itemCode"),
                    format!("An item code has at most {ITEM_CODE_MAX} characters in Xero; this one has {}, so no Xero item has it. Use the item's code as Xero shows it.", code.chars().count()),
                ));
                return (None, None);
            }
            if create && ctx.snapshot.has_part("items") {
                issues.push(Issue::warning(
                    IssueCode::ItemWillBeCreated,
                    path.field("itemCode"),
                    format!("\"{}\" is not one of the organisation's Xero items: it is created (PUT /Items) before this invoice is sent, as settings.items.create says.", crate::money::shown(code)),
                ));
            }
            (None, Some(Text::new(code)))
        }
        None if ctx.settings.items.from_service_code => {
            let item = service_code.and_then(|c| ctx.snapshot.item(c));
            (item, item.and_then(|i| i.code.clone()))
        }
        None => (None, None),
    }
}

/// A line needs a description (its own or its item's) and at most 4000 characters of it.
fn check_description(
    li: &LineInput<'_>,
    description: Option<&str>,
    item: Option<&Item>,
    issues: &mut Vec<Issue>,
) {
    match description {
        None if !li.amount_given && item.is_none() => issues.push(Issue::error(
            IssueCode::LineEmpty,
            li.path,
            "The line has no description, quantity or amount. Remove it or fill it in.",
        )),
        None if item.is_none() => issues.push(Issue::error(
            IssueCode::Missing,
            li.path.field("description"),
            "The line has no description; Xero requires 1 to 4000 characters.",
        )),
        None => {}
        // Counting characters is needed only past 4000 bytes (a character is at least one):
        // counting them on every line was ~100 instructions a line (callgrind, bench input).
        Some(d) if d.len() > 4000 => {
            let n = d.chars().count();
            if n > 4000 {
                issues.push(Issue::error(
                    IssueCode::TooLong,
                    li.path.field("description"),
                    format!(
                        "The description is {n} characters; Xero accepts at most 4000. Shorten it."
                    ),
                ));
            }
        }
        Some(_) => {}
    }
}

/// Warns about a line Xero's rounding makes 0.00 (`zero`, see [`totals::rounds_to_zero`]).
fn rounding_to_zero(
    quantity: Option<Decimal>,
    unit: Option<Decimal>,
    zero: bool,
    p: &Parsed<'_>,
    issues: &mut Vec<Issue>,
) {
    let (Some(q), Some(u)) = (quantity, unit) else {
        return;
    };
    if zero {
        issues.push(Issue::warning(
            IssueCode::LineAmountRoundsToZero,
            p.path,
            format!("The line amount {q} × {u} rounds to 0.00: Xero refuses such a line, with a misleading \"Account must be valid.\" or \"Tax rate must be valid.\". Remove the line or combine it with another."),
        ));
    }
}

/// Quantity and unit amount after the item's price and the sign rule, and the LineAmount Xero
/// will compute from them (`None` past Xero's limit, reported here).
fn amounts(
    ctx: &Ctx<'_>,
    p: &Parsed<'_>,
    li: &LineInput<'_>,
    issues: &mut Vec<Issue>,
) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>) {
    let line = p.source;
    let unitdp = ctx.settings.unitdp();
    let mut quantity = p.quantity;
    let mut unit = p.unit;
    if unit.is_none() && line.unit_amount.is_none() {
        unit = li.item_details.and_then(|d| d.unit_price);
    }
    if quantity.is_none() && line.quantity.is_none() && unit.is_some() {
        quantity = Some(Decimal::ONE);
    }
    if li.amount_given && unit.is_none() && line.unit_amount.is_none() {
        issues.push(Issue::error(
            IssueCode::Missing,
            p.path.field("unitAmount"),
            "The line has a quantity but no unit amount (and no Xero item with a price).",
        ));
    }
    // Negative quantities: Xero refuses them ("Quantity must not be less than zero"),
    // so the sign moves to the unit amount; the line amount is the same.
    if let (Some(q), Some(u)) = (quantity, unit) {
        if q.is_sign_negative() && !q.is_zero() {
            quantity = Some(-q);
            unit = Some(-u);
        }
    }
    // The amount and whether rounding zeroed it, from one multiplication.
    let (amount, zero) = match (quantity, unit) {
        (Some(q), Some(u)) => match totals::line_amount_and_zero(q, u, unitdp, p.discount) {
            Some((a, zero)) => (Some(a), zero),
            None => (None, false),
        },
        _ => (Some(Decimal::ZERO), false),
    };
    if let (Discount::Amount(a), Some(q), Some(u)) = (p.discount, quantity, unit) {
        let path = || p.path.field("discountAmount").into();
        totals::check_discount_covered(a, (q, u, unitdp), path, issues);
    }
    rounding_to_zero(quantity, unit, zero, p, issues);
    let amount = amount.filter(|a| totals::line_amount_fits(*a));
    if amount.is_none() {
        let shown = match (quantity, unit) {
            (Some(q), Some(u)) => format!(" of {q} × {u}"),
            _ => String::new(),
        };
        issues.push(Issue::error(
            IssueCode::LineAmountTooLarge,
            p.path,
            format!(
                "The line amount{shown} exceeds Xero's limit of 9,999,999,999.99; split the line."
            ),
        ));
    }
    (quantity, unit, amount)
}

/// Reads and checks a line's numbers.
fn parse<'a>(
    line: &'a SourceLine,
    path: LinePath<'a>,
    unitdp: u32,
    issues: &mut Vec<Issue>,
) -> Parsed<'a> {
    // Out of Xero's range, a number is reported and then left out, before any arithmetic
    // (`totals::quantity_fits` and the others, which the `lineAmount` helper runs too).
    let quantity = line
        .quantity
        .as_ref()
        .and_then(|q| q.check_at(|| path.field("quantity").into(), "quantity", 4, issues))
        .filter(|q| totals::quantity_fits(*q, || path.field("quantity").into(), issues));
    let unit = unit_amount(line, path, unitdp, issues)
        .filter(|u| totals::unit_amount_fits(*u, || path.field("unitAmount").into(), issues));
    let discount = discount(line, path, issues);
    Parsed {
        source: line,
        path,
        quantity,
        unit,
        discount,
    }
}

/// The unit amount, with a hint on too many decimals when 4 would do.
fn unit_amount(
    line: &SourceLine,
    path: LinePath<'_>,
    unitdp: u32,
    issues: &mut Vec<Issue>,
) -> Option<Decimal> {
    let u = line.unit_amount.as_ref()?;
    let hint = if unitdp == 2 {
        " Or set settings.unitdp to 4 to send 4 decimal places."
    } else {
        ""
    };
    let mut local = Vec::new();
    let v = u.check_at(
        || path.field("unitAmount").into(),
        "unit amount",
        unitdp,
        &mut local,
    );
    for mut i in local {
        if i.code == IssueCode::TooManyDecimals {
            i.message.push_str(hint);
        }
        issues.push(i);
    }
    v
}

/// The discount: a rate (0-100 %) or an amount, never both; zero is none.
fn discount(line: &SourceLine, path: LinePath<'_>, issues: &mut Vec<Issue>) -> Discount {
    match (&line.discount_rate, &line.discount_amount) {
        (Some(_), Some(_)) => {
            issues.push(Issue::error(
                IssueCode::DiscountInvalid,
                path.field("discountAmount"),
                "Give either discountRate or discountAmount, not both: Xero applies only one.",
            ));
            Discount::None
        }
        (Some(r), None) => match r.check_at(
            || path.field("discountRate").into(),
            "discount rate",
            2,
            issues,
        ) {
            Some(r) if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED => {
                issues.push(Issue::error(
                    IssueCode::DiscountInvalid,
                    path.field("discountRate"),
                    format!("The discount rate {r} is outside 0-100 %."),
                ));
                Discount::None
            }
            Some(r) if r.is_zero() => Discount::None,
            Some(r) => Discount::Rate(r),
            None => Discount::None,
        },
        (None, Some(a)) => match a.check_at(
            || path.field("discountAmount").into(),
            "discount amount",
            2,
            issues,
        ) {
            Some(a) if a.is_zero() => Discount::None,
            Some(a)
                if totals::discount_amount_fits(
                    a,
                    || path.field("discountAmount").into(),
                    issues,
                ) =>
            {
                Discount::Amount(a)
            }
            Some(_) => Discount::None,
            None => Discount::None,
        },
        (None, None) => Discount::None,
    }
}

/// The tracking Xero holds on `line` when the invoice is an update whose `xero.document` has
/// the line's LineItemID (else none): read only for such lines, so new invoices pay nothing.
fn held_tracking(inv: &SourceInvoice, line: &SourceLine) -> Vec<(String, String)> {
    let document = inv.xero.as_ref().and_then(|x| x.document.as_ref());
    match (document, line.line_item_id.as_deref()) {
        (Some(d), Some(id)) => crate::xero::held::line_tracking(d, id),
        _ => Vec::new(),
    }
}
