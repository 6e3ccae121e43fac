//! Totals exactly as Xero computes them.
//!
//! Xero's rules (reference §3.1, D-ROUND, C-ROUND):
//! - LineAmount = round2(Quantity × round_unitdp(UnitAmount) × (100 − DiscountRate) / 100), or
//!   round2(Quantity × round_unitdp(UnitAmount) − DiscountAmount);
//! - tax is computed per line and rounded to 2 dp, half away from zero:
//!   Exclusive: LineAmount × rate; Inclusive: LineAmount × rate ÷ (1 + rate); NoTax: 0;
//! - document totals are sums of the rounded lines. Exclusive: Total = SubTotal + TotalTax;
//!   Inclusive: Total = Σ LineAmount and SubTotal = Total − TotalTax.
//!
//! Tax on the subtotal would give a different (wrong) answer: Xero's own example (15 %, lines
//! 25.06, 25.61, 25.63) is 11.44 of tax per line but 11.45 on the subtotal.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::issues::{Issue, IssueCode};
use crate::money::{fixed, fixed_text, round2, round_half_away};

/// How line amounts relate to tax: Xero's `LineAmountTypes` (exact case on invoices).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum LineAmountTypes {
    /// Line amounts exclude tax (Xero's default when omitted).
    #[default]
    Exclusive,
    /// Line amounts include tax.
    Inclusive,
    /// No tax on any line.
    NoTax,
}

impl LineAmountTypes {
    /// Xero's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LineAmountTypes::Exclusive => "Exclusive",
            LineAmountTypes::Inclusive => "Inclusive",
            LineAmountTypes::NoTax => "NoTax",
        }
    }
}

/// A line discount, as Xero accepts it on ACCREC invoices.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Discount {
    /// No discount (nothing is sent: Xero rejects explicit zero discounts).
    #[default]
    None,
    /// Percentage off, e.g. 20 for 20 %.
    Rate(Decimal),
    /// Fixed amount off the line.
    Amount(Decimal),
}

/// Xero's cap on a line amount.
pub const LINE_AMOUNT_MAX: Decimal = Decimal::from_parts(3_567_587_327, 232, 0, false, 2); // 999_999_999_999 × 10⁻²

/// The unit amount Xero stores: rounded to 2 dp, or 4 with `unitdp=4`.
pub fn unit_amount(unit: Decimal, unitdp: u32) -> Decimal {
    round_half_away(unit, unitdp)
}

/// The largest unit amount taken: Xero documents no limit, so this one is derived (UNVERIFIED,
/// the safe side): a larger unit amount makes a line beyond [`LINE_AMOUNT_MAX`] at any quantity
/// of at least 0.0001 (Xero's smallest), so no line with it could be accepted. Bounding the
/// inputs is what keeps every product below Decimal's range: 13 digits × 18 digits < 10²⁸.
pub const UNIT_AMOUNT_MAX: Decimal = Decimal::from_parts(2_808_348_671, 232_830_643, 0, false, 4); // 99_999_999_999_999.9999

/// [`LINE_AMOUNT_MAX`]'s whole part (9,999,999,999), for [`within`].
const LINE_AMOUNT_WHOLE: u128 = 9_999_999_999;

/// [`UNIT_AMOUNT_MAX`]'s whole part (99,999,999,999,999), for [`within`].
const UNIT_AMOUNT_WHOLE: u128 = 99_999_999_999_999;

/// `|value| <= max`, told from the mantissa alone when it is no more than `whole` (`max`'s
/// whole part; a value is never more than its mantissa, its scale being a division). Why:
/// Decimal's own comparison first brings both to one scale, a multiplication of 96-bit
/// numbers, and this runs twice a line: ~75 instructions a comparison (callgrind, bench input).
fn within(value: Decimal, max: Decimal, whole: u128) -> bool {
    value.mantissa().unsigned_abs() <= whole || value.abs() <= max
}

/// Whether `amount` is within Xero's limit on a line amount, [`LINE_AMOUNT_MAX`].
pub(crate) fn line_amount_fits(amount: Decimal) -> bool {
    within(amount, LINE_AMOUNT_MAX, LINE_AMOUNT_WHOLE)
}

/// Number of digits in a decimal's text (Xero's "max length = 13" for quantities).
fn digit_count(d: Decimal) -> usize {
    // The digits of its text: those of the mantissa, or with a leading "0." more (0.05 has 3).
    digits_and_scale(d.normalize())
}

/// [`digit_count`] of `d` as it is, trailing zeros and all: never less than its
/// [`digit_count`] (normalising takes as many digits off the mantissa as off the scale), so a
/// quantity within the limit so counted needs no normalising (callgrind, bench input: ~60
/// instructions a line; the digits are counted with `ilog10`, not a division per digit, which
/// on a `u128` is a library call in wasm).
fn digits_and_scale(d: Decimal) -> usize {
    let n = d.mantissa().unsigned_abs();
    let digits = n.checked_ilog10().map_or(1, |l| l as usize + 1);
    digits.max(d.scale() as usize + 1)
}

// The range checks a line's numbers get once read, shared by the preview's lines and the
// `lineAmount` helper so that both take and refuse the same lines: out of Xero's range, a
// number is reported (at `path`) and then left out, before any arithmetic. That bound is what
// keeps every product and sum of a line within Decimal's range.

/// `fits`, with a `NUMBER_OUT_OF_RANGE` error at `path` saying `why` when it does not: the one
/// shape of the range checks below (the message is only written for an issue).
fn in_range(
    fits: bool,
    path: impl FnOnce() -> String,
    why: impl FnOnce() -> String,
    issues: &mut Vec<Issue>,
) -> bool {
    if !fits {
        issues.push(Issue::error(IssueCode::NumberOutOfRange, path(), why()));
    }
    fits
}

/// Whether the quantity has at most 13 digits, Xero's limit; else an issue at `path`.
pub(crate) fn quantity_fits(
    q: Decimal,
    path: impl FnOnce() -> String,
    issues: &mut Vec<Issue>,
) -> bool {
    let fits = digits_and_scale(q) <= 13 || digit_count(q) <= 13;
    let why = || format!("The quantity {q} has more than 13 digits, Xero's limit.");
    in_range(fits, path, why, issues)
}

/// Whether the unit amount is at most [`UNIT_AMOUNT_MAX`]; else an issue at `path`.
pub(crate) fn unit_amount_fits(
    u: Decimal,
    path: impl FnOnce() -> String,
    issues: &mut Vec<Issue>,
) -> bool {
    let fits = within(u, UNIT_AMOUNT_MAX, UNIT_AMOUNT_WHOLE);
    let why = || {
        format!("The unit amount {u} is out of range: no line with it could stay within Xero's limit of 9,999,999,999.99.")
    };
    in_range(fits, path, why, issues)
}

/// Whether a discount amount is within Xero's limit on a line amount; else an issue at `path`.
pub(crate) fn discount_amount_fits(
    a: Decimal,
    path: impl FnOnce() -> String,
    issues: &mut Vec<Issue>,
) -> bool {
    let why = || {
        format!(
            "The discount amount {a} is beyond Xero's limit for a line amount, 9,999,999,999.99."
        )
    };
    in_range(line_amount_fits(a), path, why, issues)
}

/// An issue at `path` when the discount amount `a` takes off more than the line's gross
/// amount (`q` × `u`).
pub(crate) fn check_discount_covered(
    a: Decimal,
    (q, u, unitdp): (Decimal, Decimal, u32),
    path: impl FnOnce() -> String,
    issues: &mut Vec<Issue>,
) {
    if gross_amount(q, u, unitdp).is_some_and(|g| a.abs() > g.abs()) {
        issues.push(Issue::error(
            IssueCode::DiscountInvalid,
            path(),
            format!("The discount amount {a} is more than the line's amount."),
        ));
    }
}

/// Gross amount before any discount: round2(Quantity × unit amount as stored); `None` past
/// Decimal's range (only for inputs beyond Xero's limits).
pub fn gross_amount(quantity: Decimal, unit: Decimal, unitdp: u32) -> Option<Decimal> {
    quantity.checked_mul(unit_amount(unit, unitdp)).map(round2)
}

/// The line amount Xero computes for a line; `None` past Decimal's range (only for inputs
/// beyond Xero's limits, which the caller reports).
pub fn line_amount(
    quantity: Decimal,
    unit: Decimal,
    unitdp: u32,
    discount: Discount,
) -> Option<Decimal> {
    exact_line_amount(quantity, unit, unitdp, discount).map(round2)
}

/// The line amount before Xero rounds it to 2 dp.
fn exact_line_amount(
    quantity: Decimal,
    unit: Decimal,
    unitdp: u32,
    discount: Discount,
) -> Option<Decimal> {
    let raw = quantity.checked_mul(unit_amount(unit, unitdp))?;
    match discount {
        Discount::None => Some(raw),
        Discount::Rate(rate) => {
            let factor = Decimal::ONE_HUNDRED
                .checked_sub(rate)?
                .checked_div(Decimal::ONE_HUNDRED)?;
            raw.checked_mul(factor)
        }
        Discount::Amount(amount) => raw.checked_sub(amount),
    }
}

/// Whether a line carries money that Xero's rounding makes 0.00 (`2 × 0.001` with unitdp 4).
/// Xero refuses such lines with misleading messages ("Account must be valid.", "Tax rate must
/// be valid."; several users' reports), so they are warned about before sending. A line that
/// is exactly zero (a free item, a 100 % discount) is not one of them.
pub fn rounds_to_zero(quantity: Decimal, unit: Decimal, unitdp: u32, discount: Discount) -> bool {
    exact_line_amount(quantity, unit, unitdp, discount)
        .is_some_and(|a| !a.is_zero() && round2(a).is_zero())
}

/// [`line_amount`] and [`rounds_to_zero`] at once: the line's amount and whether Xero's rounding
/// made it 0.00 from a non-zero amount. Why: line resolution needs both for every line, and
/// asking each apart multiplied and rounded the unit amount twice. `None` past Decimal's range
/// (then `rounds_to_zero` is false, as it is for such a line).
pub fn line_amount_and_zero(
    quantity: Decimal,
    unit: Decimal,
    unitdp: u32,
    discount: Discount,
) -> Option<(Decimal, bool)> {
    let exact = exact_line_amount(quantity, unit, unitdp, discount)?;
    let amount = round2(exact);
    Some((amount, !exact.is_zero() && amount.is_zero()))
}

/// `value / 100`, exactly: two more decimal places when the scale allows (a division costs far
/// more, and this runs for every line).
fn hundredth(value: Decimal) -> Option<Decimal> {
    let mut shifted = value;
    match shifted.set_scale(value.scale() + 2) {
        Ok(()) => Some(shifted),
        Err(_) => value.checked_div(Decimal::ONE_HUNDRED),
    }
}

/// The tax Xero computes on one line, rounded to 2 dp; `None` past Decimal's range.
///
/// `rate` is a percentage (`15` for 15 %): Xero's `EffectiveRate`.
pub fn line_tax(line_amount: Decimal, rate: Decimal, mode: LineAmountTypes) -> Option<Decimal> {
    match mode {
        LineAmountTypes::NoTax => Some(Decimal::ZERO),
        LineAmountTypes::Exclusive => hundredth(line_amount.checked_mul(rate)?).map(round2),
        LineAmountTypes::Inclusive => {
            // Multiply before dividing: one rounding (at 28 significant digits) instead of two.
            let raw = line_amount
                .checked_mul(rate)?
                .checked_div(Decimal::ONE_HUNDRED.checked_add(rate)?)?;
            Some(round2(raw))
        }
    }
}

/// Document totals: always sums of rounded lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Total before tax.
    pub sub_total: Decimal,
    /// Sum of the per-line taxes.
    pub total_tax: Decimal,
    /// What the contact pays.
    pub total: Decimal,
}

impl Totals {
    /// Sums `(line_amount, tax)` pairs the way Xero does for `mode`; `None` past Decimal's
    /// range (only when a line is already beyond Xero's limits).
    pub fn from_lines(
        lines: impl IntoIterator<Item = (Decimal, Decimal)>,
        mode: LineAmountTypes,
    ) -> Option<Totals> {
        let (mut amounts, mut tax) = (Decimal::ZERO, Decimal::ZERO);
        for (la, lt) in lines {
            amounts = amounts.checked_add(la)?;
            tax = tax.checked_add(lt)?;
        }
        Some(match mode {
            LineAmountTypes::Inclusive => Totals {
                sub_total: amounts.checked_sub(tax)?,
                total_tax: tax,
                total: amounts,
            },
            LineAmountTypes::Exclusive | LineAmountTypes::NoTax => Totals {
                sub_total: amounts,
                total_tax: tax,
                total: amounts.checked_add(tax)?,
            },
        })
    }

    /// The totals as 2-dp strings for display.
    pub fn to_strings(&self) -> TotalsText {
        TotalsText {
            sub_total: fixed_text(self.sub_total, 2),
            total_tax: fixed_text(self.total_tax, 2),
            total: fixed_text(self.total, 2),
        }
    }
}

/// Totals as exact decimal strings with 2 places, the form returned to JS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Totals"))]
#[serde(rename_all = "camelCase")]
pub struct TotalsText {
    /// Total before tax.
    pub sub_total: crate::Text,
    /// Sum of the per-line taxes.
    pub total_tax: crate::Text,
    /// What the contact pays.
    pub total: crate::Text,
}

/// Input of [`compute_line`]: one line as the host has it (`lineAmount` in JS).
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct LineInput {
    /// Quantity (≤ 4 dp).
    pub quantity: crate::money::Num,
    /// Unit price (≤ 2 dp, or 4 with `unitdp: 4`).
    pub unit_amount: crate::money::Num,
    /// Percentage discount (≤ 2 dp).
    #[serde(default)]
    pub discount_rate: Option<crate::money::Num>,
    /// Fixed discount (≤ 2 dp).
    #[serde(default)]
    pub discount_amount: Option<crate::money::Num>,
    /// Unit decimal places: 2 (default) or 4.
    #[serde(default, deserialize_with = "crate::money::whole::optional")]
    #[cfg_attr(test, ts(optional, type = "2 | 4"))]
    pub unitdp: Option<u32>,
}

/// Result of [`compute_line`]: exact strings, or the issues that prevent them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct LineResult {
    /// The unit amount Xero stores (2 or 4 dp), `null` when the input was invalid.
    pub unit_amount: Option<String>,
    /// The line amount Xero computes (2 dp), `null` when the input was invalid.
    pub line_amount: Option<String>,
    /// Every problem with the input.
    pub issues: Vec<crate::issues::Issue>,
}

/// The line amount Xero will compute for one line, with every input problem as an issue: the
/// preview's own checks of a line's numbers, so that the helper takes and refuses the lines the
/// preview does (a discount past the line's amount, a quantity past 13 digits), and warns as it
/// does of a line Xero's rounding makes 0.00.
pub fn compute_line(input: &LineInput) -> LineResult {
    let mut issues = Vec::new();
    let unitdp = match input.unitdp {
        None | Some(2) => 2,
        Some(4) => 4,
        Some(other) => {
            issues.push(Issue::error(
                IssueCode::SettingsInvalid,
                "unitdp",
                format!("unitdp {other} is not supported: Xero keeps unit amounts at 2 or 4 decimal places."),
            ));
            2
        }
    };
    let quantity = input
        .quantity
        .check("quantity", "quantity", 4, &mut issues)
        .filter(|q| quantity_fits(*q, || "quantity".into(), &mut issues));
    let unit = input
        .unit_amount
        .check("unitAmount", "unit amount", unitdp, &mut issues)
        .filter(|u| unit_amount_fits(*u, || "unitAmount".into(), &mut issues));
    let discount = line_discount(input, &mut issues);
    let amount = match (quantity, unit) {
        (Some(q), Some(u)) => {
            if let Discount::Amount(a) = discount {
                let path = || "discountAmount".into();
                check_discount_covered(a, (q, u, unitdp), path, &mut issues);
            }
            checked_line_amount(q, u, unitdp, discount, &mut issues)
        }
        _ => None,
    };
    match (amount, unit) {
        (Some(amount), Some(u)) if !issues.iter().any(Issue::is_error) => LineResult {
            unit_amount: Some(fixed(unit_amount(u, unitdp), unitdp)),
            line_amount: Some(fixed(amount, 2)),
            issues,
        },
        _ => LineResult {
            unit_amount: None,
            line_amount: None,
            issues,
        },
    }
}

/// The line's discount as the preview takes it: a rate (0-100 %) or an amount within Xero's
/// limit, never both; none, with an issue, when it is not usable.
fn line_discount(input: &LineInput, issues: &mut Vec<Issue>) -> Discount {
    match (&input.discount_rate, &input.discount_amount) {
        (Some(_), Some(_)) => {
            issues.push(Issue::error(
                IssueCode::DiscountInvalid,
                "discountAmount",
                "Give either discountRate or discountAmount, not both: Xero applies only one.",
            ));
            Discount::None
        }
        (Some(rate), None) => match rate.check("discountRate", "discount rate", 2, issues) {
            Some(r) if r < Decimal::ZERO || r > Decimal::ONE_HUNDRED => {
                issues.push(Issue::error(
                    IssueCode::DiscountInvalid,
                    "discountRate",
                    format!("The discount rate {r} is outside 0-100 %."),
                ));
                Discount::None
            }
            Some(r) => Discount::Rate(r),
            None => Discount::None,
        },
        (None, Some(amount)) => {
            match amount.check("discountAmount", "discount amount", 2, issues) {
                Some(a) if discount_amount_fits(a, || "discountAmount".into(), issues) => {
                    Discount::Amount(a)
                }
                _ => Discount::None,
            }
        }
        (None, None) => Discount::None,
    }
}

/// The line amount within Xero's limit, else an issue; with a warning when Xero's rounding
/// makes a non-zero line 0.00 (Xero refuses such a line).
fn checked_line_amount(
    q: Decimal,
    u: Decimal,
    unitdp: u32,
    discount: Discount,
    issues: &mut Vec<Issue>,
) -> Option<Decimal> {
    match line_amount_and_zero(q, u, unitdp, discount).filter(|(a, _)| line_amount_fits(*a)) {
        Some((amount, zero)) => {
            if zero {
                issues.push(Issue::warning(
                    IssueCode::LineAmountRoundsToZero,
                    "lineAmount",
                    format!("The line amount {q} × {u} rounds to 0.00: Xero refuses such a line, with a misleading \"Account must be valid.\" or \"Tax rate must be valid.\". Remove the line or combine it with another."),
                ));
            }
            Some(amount)
        }
        None => {
            issues.push(Issue::error(
                IssueCode::LineAmountTooLarge,
                "lineAmount",
                "The line amount exceeds Xero's limit of 9,999,999,999.99; split the line.",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::dec;

    /// Issue 18 item 4: which lines Xero's rounding makes 0.00.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn lines_rounding_to_zero() {
        for (q, u, dp, discount, want) in [
            ("2", "0.001", 4, Discount::None, true),
            ("1", "0.0049", 4, Discount::None, true),
            ("1", "-0.0049", 4, Discount::None, true),
            ("1", "0.005", 4, Discount::None, false),
            ("1", "0.00", 2, Discount::None, false),
            ("1", "10.00", 2, Discount::Rate(dec("100")), false),
            ("1", "0.01", 2, Discount::Rate(dec("60")), true),
            ("1", "10.00", 2, Discount::Amount(dec("9.999")), true),
            ("0.0001", "10.00", 2, Discount::None, true),
        ] {
            assert_eq!(
                rounds_to_zero(dec(q), dec(u), dp, discount),
                want,
                "{q} × {u} {discount:?}"
            );
        }
    }

    /// `line_amount_and_zero` is `line_amount` and `rounds_to_zero` asked apart (what line
    /// resolution called before), on amounts around every rounding edge and out of range.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn amount_and_zero_is_both_asked_apart() {
        let quantities = ["0", "1", "2", "-3", "0.0001", "0.5", "9999999999999"];
        let units = [
            "0",
            "0.001",
            "0.0049",
            "-0.0049",
            "0.005",
            "0.01",
            "10.00",
            "25.065",
            "-7.1234",
            "99999999999999.9999",
        ];
        let discounts = [
            Discount::None,
            Discount::Rate(dec("60")),
            Discount::Rate(dec("100")),
            Discount::Rate(dec("12.5")),
            Discount::Amount(dec("9.999")),
            Discount::Amount(dec("-0.004")),
        ];
        for q in quantities {
            for u in units {
                for d in discounts {
                    for dp in [2, 4] {
                        let (q, u) = (dec(q), dec(u));
                        let apart =
                            line_amount(q, u, dp, d).map(|a| (a, rounds_to_zero(q, u, dp, d)));
                        assert_eq!(line_amount_and_zero(q, u, dp, d), apart, "{q} × {u} {d:?}");
                    }
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn xero_rounding_guide_example_per_line_not_on_subtotal() {
        // Reference §15 oracle 1 (D-ROUND).
        let lines = ["25.06", "25.61", "25.63"].map(|a| {
            let la = line_amount(dec("1"), dec(a), 2, Discount::None).unwrap();
            (
                la,
                line_tax(la, dec("15"), LineAmountTypes::Exclusive).unwrap(),
            )
        });
        let taxes: Vec<_> = lines.iter().map(|l| l.1.to_string()).collect();
        assert_eq!(taxes, ["3.76", "3.84", "3.84"]);
        let t = Totals::from_lines(lines, LineAmountTypes::Exclusive)
            .unwrap()
            .to_strings();
        assert_eq!(
            (t.sub_total.as_str(), t.total_tax.as_str(), t.total.as_str()),
            ("76.30", "11.44", "87.74")
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn discount_rate_and_amount() {
        // Oracle 11: 10 × 100.00 at 20 % → 800.00; 100 % → 0.00.
        assert_eq!(
            line_amount(dec("10"), dec("100.00"), 2, Discount::Rate(dec("20"))).unwrap(),
            dec("800.00")
        );
        assert_eq!(
            line_amount(dec("1"), dec("795.00"), 2, Discount::Rate(dec("100"))).unwrap(),
            dec("0")
        );
        assert_eq!(
            line_amount(dec("3"), dec("10"), 2, Discount::Amount(dec("5"))).unwrap(),
            dec("25")
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn unit_amount_is_rounded_before_multiplying() {
        // Oracle 3 (DERIVED): 1000 × 0.061171 → unitdp 4: 0.0612 → 61.20; unitdp 2: 0.06 → 60.00.
        assert_eq!(
            line_amount(dec("1000"), dec("0.061171"), 4, Discount::None).unwrap(),
            dec("61.20")
        );
        assert_eq!(
            line_amount(dec("1000"), dec("0.061171"), 2, Discount::None).unwrap(),
            dec("60.00")
        );
        // 1.795 becomes 1.80 without unitdp=4 (reference §3.1 rule 7).
        assert_eq!(unit_amount(dec("1.795"), 2), dec("1.80"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn inclusive_examples() {
        // Oracle 4: D-INV complete example at 12.5 %.
        let a = line_amount(dec("3"), dec("59.00"), 2, Discount::None).unwrap();
        let b = line_amount(dec("1"), dec("-79.00"), 2, Discount::None).unwrap();
        let ta = line_tax(a, dec("12.5"), LineAmountTypes::Inclusive).unwrap();
        let tb = line_tax(b, dec("12.5"), LineAmountTypes::Inclusive).unwrap();
        assert_eq!(
            (a, ta, b, tb),
            (dec("177.00"), dec("19.67"), dec("-79.00"), dec("-8.78"))
        );
        let t = Totals::from_lines([(a, ta), (b, tb)], LineAmountTypes::Inclusive)
            .unwrap()
            .to_strings();
        assert_eq!(
            (t.sub_total.as_str(), t.total_tax.as_str(), t.total.as_str()),
            ("87.11", "10.89", "98.00")
        );
        // Oracle 13 and oracle 9.
        assert_eq!(
            line_tax(dec("89.00"), dec("15"), LineAmountTypes::Inclusive).unwrap(),
            dec("11.61")
        );
        assert_eq!(
            line_tax(dec("90.00"), dec("15"), LineAmountTypes::Inclusive).unwrap(),
            dec("11.74")
        );
        assert_eq!(
            line_tax(dec("20.00"), dec("9.5"), LineAmountTypes::Inclusive).unwrap(),
            dec("1.74")
        );
        // Oracle 6: D-CN list, Inclusive 15 %, Total 100.00 → 86.96 + 13.04.
        let t = Totals::from_lines(
            [(
                dec("100.00"),
                line_tax(dec("100.00"), dec("15"), LineAmountTypes::Inclusive).unwrap(),
            )],
            LineAmountTypes::Inclusive,
        )
        .unwrap();
        assert_eq!((t.sub_total, t.total_tax), (dec("86.96"), dec("13.04")));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn exclusive_examples_from_xero_docs() {
        // Oracle 5: 1 × 1800.00 at 12.5 % → tax 225.00, total 2025.00.
        let tax = line_tax(dec("1800.00"), dec("12.5"), LineAmountTypes::Exclusive).unwrap();
        assert_eq!(tax, dec("225.00"));
        // Oracle 6: ACCPAYCREDIT 199.00 at 10 % → 19.90, 218.90.
        let t = Totals::from_lines(
            [(
                dec("199.00"),
                line_tax(dec("199.00"), dec("10"), LineAmountTypes::Exclusive).unwrap(),
            )],
            LineAmountTypes::Exclusive,
        )
        .unwrap();
        assert_eq!(t.total, dec("218.90"));
        // Oracle 7: 2 × 20 at 15 % → 40.00 + 6.00 = 46.00.
        let la = line_amount(dec("2.0"), dec("20.0"), 2, Discount::None).unwrap();
        let t = Totals::from_lines(
            [(
                la,
                line_tax(la, dec("15"), LineAmountTypes::Exclusive).unwrap(),
            )],
            LineAmountTypes::Exclusive,
        )
        .unwrap()
        .to_strings();
        assert_eq!(
            (t.sub_total.as_str(), t.total_tax.as_str(), t.total.as_str()),
            ("40.00", "6.00", "46.00")
        );
        assert_eq!(
            line_tax(dec("40"), dec("15"), LineAmountTypes::NoTax).unwrap(),
            Decimal::ZERO
        );
    }

    /// [`within`] answers what `|value| <= max` answers, at every scale around both limits,
    /// and its whole parts are the limits' own.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn within_is_the_decimal_comparison() {
        for (max, whole) in [
            (LINE_AMOUNT_MAX, LINE_AMOUNT_WHOLE),
            (UNIT_AMOUNT_MAX, UNIT_AMOUNT_WHOLE),
        ] {
            assert_eq!(max.trunc().mantissa().unsigned_abs(), whole);
            let w = i128::try_from(whole).unwrap();
            for m in [
                0,
                1,
                w - 1,
                w,
                w + 1,
                w * 10 + 9,
                w * 100 + 99,
                w * 10_000 + 9_999,
            ]
            .into_iter()
            .chain(w * 10_000..=w * 10_000 + 10_002)
            {
                for scale in 0..=28 {
                    for sign in [1, -1] {
                        let Ok(v) = Decimal::try_from_i128_with_scale(m * sign, scale) else {
                            continue;
                        };
                        assert_eq!(within(v, max, whole), v.abs() <= max, "{v}");
                    }
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn digit_count_counts_the_digits_of_the_text() {
        for text in [
            "0",
            "0.05",
            "-0.5",
            "120",
            "1.50",
            "1234567890123",
            "0.0001",
            "-12.3400",
        ] {
            let d = dec(text);
            let expected = d
                .normalize()
                .to_string()
                .bytes()
                .filter(u8::is_ascii_digit)
                .count();
            assert_eq!(digit_count(d), expected, "{text}");
            assert!(digits_and_scale(d) >= expected, "{text}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn line_amount_cap_constant() {
        assert_eq!(LINE_AMOUNT_MAX.to_string(), "9999999999.99");
        assert_eq!(UNIT_AMOUNT_MAX.to_string(), "99999999999999.9999");
    }
}
