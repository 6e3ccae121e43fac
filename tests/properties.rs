//! Money invariants over thousands of generated invoices (proptest):
//! - the document totals are always the sums of the rounded lines, and every line is computed
//!   exactly as Xero's formula says (checked against an independent computation here);
//! - a negated invoice becomes a credit note with the same absolute totals;
//! - no input, however odd, makes the preview panic;
//! - request bodies, written by hand, escape strings and write numbers and dates exactly as
//!   serde_json and `Display` would.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

mod support;

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};
use std::str::FromStr;
use support::*;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// Half away from zero, written independently of the library's helper.
fn r2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn snapshot() -> Value {
    let mut s = sample_snapshot();
    for (tt, rate) in [
        ("R0", "0"),
        ("R95", "9.5"),
        ("R125", "12.5"),
        ("R15", "15"),
        ("R1975", "19.75"),
    ] {
        s["taxRates"]["TaxRates"]
            .as_array_mut()
            .unwrap()
            .push(json!({"TaxType": tt, "Status": "ACTIVE", "EffectiveRate": rate}));
    }
    s
}

#[derive(Clone, Debug)]
struct Line {
    quantity: Decimal,
    unit: Decimal,
    discount: Option<Decimal>,
    tax: (&'static str, Decimal),
}

fn line() -> impl Strategy<Value = Line> {
    let rates = prop_oneof![
        Just(("R0", dec("0"))),
        Just(("R95", dec("9.5"))),
        Just(("R125", dec("12.5"))),
        Just(("R15", dec("15"))),
        Just(("R1975", dec("19.75")))
    ];
    (
        0i64..=100_000_000,
        0u32..=4,
        -100_000_000i64..=100_000_000,
        prop::option::of(0i64..=10_000),
        rates,
    )
        .prop_map(|(q, qdp, u, disc, tax)| Line {
            quantity: Decimal::new(q % 10i64.pow(4 + qdp), qdp),
            unit: Decimal::new(u, 2),
            discount: disc.map(|d| Decimal::new(d, 2)),
            tax,
        })
}

/// Any Decimal at all: a 96-bit mantissa (up to 29 digits), any scale 0-28, either sign.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
        prop_oneof![3 => 0u32..=2, 1 => 0u32..=28],
        0u8..4,
    )
        .prop_map(|(lo, mid, hi, negative, scale, width)| {
            // Mostly small and mid-sized values (where lines are computed), often the extremes.
            let (mid, hi) = match width {
                0 => (0, 0),
                1 => (mid % 3, 0),
                2 => (mid, 0),
                _ => (mid, hi),
            };
            Decimal::from_parts(lo, mid, hi, negative, scale)
        })
}

fn mode() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("Exclusive"), Just("Inclusive"), Just("NoTax")]
}

fn invoice(lines: &[Line], negate: bool) -> Value {
    let ls: Vec<Value> = lines
        .iter()
        .map(|l| {
            let unit = if negate { -l.unit } else { l.unit };
            let mut v = json!({"description": "x", "quantity": l.quantity.to_string(), "unitAmount": unit.to_string(), "taxCode": l.tax.0});
            if let Some(d) = l.discount {
                v["discountRate"] = json!(d.to_string());
            }
            v
        })
        .collect();
    json!([{"id": "p", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": ls}])
}

fn settings(mode: &str) -> Value {
    json!({"lineAmountTypes": mode, "accounts": {"default": "200"}, "negativeInvoices": "creditNote"})
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn totals_are_sums_of_rounded_lines(lines in prop::collection::vec(line(), 1..6), mode in mode()) {
        let p = preview(snapshot(), settings(mode), invoice(&lines, false));
        let d = &p.documents[0];
        prop_assume!(!d.blocked);
        let (mut amounts, mut taxes) = (Decimal::ZERO, Decimal::ZERO);
        let sign = if d.kind.is_credit() { -Decimal::ONE } else { Decimal::ONE };
        for (l, shown) in lines.iter().zip(&d.lines) {
            let factor = l.discount.map_or(Decimal::ONE, |r| (Decimal::ONE_HUNDRED - r) / Decimal::ONE_HUNDRED);
            let la = r2(l.quantity * l.unit * factor) * sign;
            let rate = l.tax.1;
            let tax = match mode {
                "Exclusive" => r2(la * rate / Decimal::ONE_HUNDRED),
                "Inclusive" => r2(la * rate / (Decimal::ONE_HUNDRED + rate)),
                _ => Decimal::ZERO,
            };
            prop_assert_eq!(dec(&shown.line_amount), la);
            prop_assert_eq!(dec(&shown.tax_amount), tax);
            amounts += la;
            taxes += tax;
        }
        let (sub, total) = if mode == "Inclusive" { (amounts - taxes, amounts) } else { (amounts, amounts + taxes) };
        prop_assert_eq!(dec(&d.totals.as_ref().unwrap().sub_total), sub);
        prop_assert_eq!(dec(&d.totals.as_ref().unwrap().total_tax), taxes);
        prop_assert_eq!(dec(&d.totals.as_ref().unwrap().total), total);
        prop_assert!(dec(&d.totals.as_ref().unwrap().total) >= Decimal::ZERO);
        // Exactly two decimal places in every total string.
        for t in [&d.totals.as_ref().unwrap().sub_total, &d.totals.as_ref().unwrap().total_tax, &d.totals.as_ref().unwrap().total] {
            prop_assert_eq!(t.split('.').nth(1).map(str::len), Some(2));
        }
    }

    /// The whole Decimal range (any 96-bit mantissa, any scale, either sign) as quantity, unit
    /// amount and discount: the preview never panics, and either computes every line exactly
    /// as Xero's formula says, within Xero's limit, or leaves the totals unknown and reports a
    /// number issue on a line.
    #[test]
    fn any_decimal_is_computed_exactly_or_reported(q in any_decimal(), u in any_decimal(), d in prop::option::of(any_decimal()), copies in 1usize..4, mode in mode()) {
        let mut line = json!({"description": "x", "quantity": q.to_string(), "unitAmount": u.to_string()});
        if let Some(d) = d {
            line["discountAmount"] = json!(d.to_string());
        }
        let lines: Vec<Value> = (0..copies).map(|_| line.clone()).collect();
        let invs = json!([{"id": "a", "number": "N", "date": "2024-01-15", "payer": {"contactId": "5cc8cf28-567e-4d43-b287-687cfcaec47c"}, "lines": lines}]);
        let p = preview(snapshot(), settings(mode), invs);
        let doc = &p.documents[0];
        let numeric = ["NUMBER_OUT_OF_RANGE", "TOO_MANY_DECIMALS", "LINE_AMOUNT_TOO_LARGE", "NUMBER_INVALID"];
        match &doc.totals {
            None => {
                prop_assert!(doc.blocked);
                prop_assert!(doc.issues.iter().any(|i| numeric.contains(&i.code.as_str().as_str()) && i.path.as_str().contains(".lines[")), "{:?}", doc.issues);
            }
            Some(_) => {
                let sign = if doc.kind.is_credit() { -Decimal::ONE } else { Decimal::ONE };
                let raw = q.checked_mul(u).and_then(|x| x.checked_sub(d.unwrap_or_default()));
                prop_assert!(raw.is_some(), "totals for a product past Decimal's range");
                let la = r2(raw.unwrap_or_default()) * sign;
                prop_assert!(la.abs() <= dec("9999999999.99"));
                for shown in &doc.lines {
                    prop_assert_eq!(dec(&shown.line_amount), la);
                }
            }
        }
    }

    /// The `lineAmount` helper takes and refuses the lines the preview does, over the whole
    /// Decimal range as quantity, unit amount and discount (a rate or an amount): the same
    /// error codes, the same warnings, and the same line amount (sign aside: a negative
    /// invoice is previewed as a credit note) whenever it gives one.
    #[test]
    fn line_amount_helper_agrees_with_the_preview(q in any_decimal(), u in any_decimal(), d in prop::option::of(any_decimal()), rate in any::<bool>()) {
        let key = if rate { "discountRate" } else { "discountAmount" };
        let mut line = json!({"quantity": q.to_string(), "unitAmount": u.to_string()});
        if let Some(d) = d {
            line[key] = json!(d.to_string());
        }
        let input: xero_export::build::totals::LineInput = serde_json::from_value(line.clone()).unwrap();
        let helper = xero_export::build::totals::compute_line(&input);
        line["description"] = json!("x");
        let invs = json!([{"id": "a", "number": "N", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [line]}]);
        let p = preview(snapshot(), settings("Exclusive"), invs);
        let doc = &p.documents[0];
        let on_line = |issues: &[xero_export::Issue], line_only: bool| {
            let mut c: Vec<String> = issues
                .iter()
                .filter(|i| !line_only || i.path.as_str().starts_with("invoices[0].lines[0]"))
                .filter(|i| i.code.as_str() != "DISCOUNT_NOT_SUPPORTED")
                .map(|i| format!("{:?} {}", i.severity, i.code.as_str()))
                .collect();
            c.sort();
            c
        };
        prop_assert_eq!(on_line(&helper.issues, false), on_line(&doc.issues, true), "{:?} / {:?}", helper.issues, doc.issues);
        if let Some(amount) = &helper.line_amount {
            prop_assert_eq!(dec(amount).abs(), dec(&doc.lines[0].line_amount).abs());
        }
    }

    #[test]
    fn a_negated_invoice_is_a_credit_note_with_the_same_totals(lines in prop::collection::vec(line(), 1..6), mode in mode()) {
        let pos = preview(snapshot(), settings(mode), invoice(&lines, false));
        let neg = preview(snapshot(), settings(mode), invoice(&lines, true));
        let (a, b) = (&pos.documents[0], &neg.documents[0]);
        prop_assume!(!a.blocked && !b.blocked);
        prop_assume!(dec(&a.totals.as_ref().unwrap().total) != Decimal::ZERO);
        prop_assert_eq!(a.kind.is_credit(), !b.kind.is_credit());
        prop_assert_eq!(&a.totals, &b.totals);
        prop_assert_eq!(a.kind.is_sales(), b.kind.is_sales());
    }

    #[test]
    fn the_preview_never_panics(q in any::<String>(), u in any::<String>(), date in any::<String>(), name in any::<String>(), code in any::<String>(), f in any::<f64>()) {
        let invs = json!([
            {"id": name, "date": date, "payer": {"name": name, "email": q}, "lines": [{"description": name, "quantity": q, "unitAmount": u, "taxCode": code, "tracking": {name.clone(): code.clone()}}]},
            {"id": "n", "date": "2024-01-01", "payer": {"contactId": code}, "lines": [{"quantity": f.to_string(), "unitAmount": f.to_string(), "discountAmount": u}]}
        ]);
        let s = json!({"status": "AUTHORISED", "contacts": {"onMissing": "create"}, "templates": {"reference": "{x}-{payerName}"}, "dueDate": {"rule": "paymentTerms"},
                       "tracking": {"categories": [{"category": "Location", "stale": "fallback", "fallback": "North"}]}});
        let p = preview(sample_snapshot(), s, invs);
        prop_assert_eq!(p.documents.len(), 2);
        let _ = serde_json::to_string(&p).unwrap();
    }

    #[test]
    fn bodies_escape_strings_as_serde_json_does(text in any::<String>(), ctrl in prop::collection::vec(0u8..0x80, 0..40)) {
        let ascii: String = ctrl.into_iter().map(char::from).collect();
        for s in [&text, &ascii, &format!("{ascii}{text}")] {
            let mut ours = String::new();
            xero_export::xero::wire::push_json_str(&mut ours, s);
            prop_assert_eq!(ours, serde_json::to_string(s).unwrap());
        }
    }

    /// Amount text read in one pass (money::plain_decimal) is the Decimal the general parser
    /// gives, scale and sign included: near-plain shapes and arbitrary text.
    #[test]
    fn plain_amounts_are_read_exactly(
        near in "[-+]?[0-9]{0,20}([.][0-9]{0,20})?([eE][-+]?[0-9]{0,3})?",
        any_text in "\\PC{0,24}",
        m in any::<i64>(),
        scale in 0u32..=18,
    ) {
        let shown = Decimal::new(m, scale).to_string();
        for t in [near.as_str(), any_text.as_str(), shown.as_str()] {
            prop_assert!(xero_export::money::plain_agrees_with_general(t), "{:?}", t);
        }
    }

    #[test]
    fn bodies_write_numbers_and_dates_exactly(m in any::<i64>(), wide in any::<i128>(), scale in 0u32..=28, y in 1i32..=9999, mo in 1u32..=12, d in 1u32..=28) {
        let v = Decimal::new(m, scale);
        prop_assert_eq!(xero_export::money::text(v), v.to_string());
        // Mantissas past 64 bits too (a Decimal holds 96).
        let v = Decimal::try_from_i128_with_scale(wide >> 32, scale).unwrap();
        prop_assert_eq!(xero_export::money::text(v), v.to_string());
        prop_assert_eq!(xero_export::money::fixed_text(v, 2).to_string(), xero_export::money::fixed(v, 2));
        // Written straight into a body, byte by byte: the same text.
        let mut pushed = String::from("x");
        xero_export::money::push_text(&mut pushed, v);
        xero_export::money::push_fixed(&mut pushed, v, 2);
        prop_assert_eq!(pushed, format!("x{}{}", xero_export::money::text(v), xero_export::money::fixed(v, 2)));
        let date = xero_export::dates::Date::new(y, mo, d).unwrap();
        let mut ours = String::new();
        date.push_json(&mut ours);
        let expected = format!("{y:04}-{mo:02}-{d:02}");
        prop_assert_eq!(ours, format!("\"{expected}\""));
        prop_assert_eq!(date.to_string(), expected.clone());
        prop_assert_eq!(serde_json::to_value(date).unwrap(), serde_json::Value::from(expected));
    }
}
