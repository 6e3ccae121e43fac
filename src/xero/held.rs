//! The document as Xero holds it: one element of `GET /Invoices/{id}` (or `/CreditNotes/{id}`)
//! that the host passes back as `xero.document`, read into the fields an update is compared
//! with.
//!
//! Accepted in both forms a host has at hand: Xero's raw JSON (PascalCase keys, `/Date(ms)/`
//! dates) and xero-node's model objects (the same keys with a lower-case first letter,
//! `invoiceID`, `lineItems`; dates as ISO text). Each key is looked up as Xero spells it, then
//! with its first letter lower-cased; nothing else is guessed. Read with the response readers
//! ([`super::responses`]): a field of the wrong type reads as absent, never as an error.

use rust_decimal::Decimal;
use serde_json::Value;

use crate::dates::Date;
use crate::money::parse_decimal;
use crate::names;

/// One line as Xero holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldLine {
    /// LineItemID.
    pub line_item_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Quantity.
    pub quantity: Option<Decimal>,
    /// UnitAmount.
    pub unit_amount: Option<Decimal>,
    /// ItemCode.
    pub item_code: Option<String>,
    /// AccountCode.
    pub account_code: Option<String>,
    /// TaxType.
    pub tax_type: Option<String>,
    /// TaxAmount: Xero's computed tax, or the explicit one an update sent.
    pub tax_amount: Option<Decimal>,
    /// DiscountRate.
    pub discount_rate: Option<Decimal>,
    /// DiscountAmount.
    pub discount_amount: Option<Decimal>,
    /// Tracking as (category name, option name) keys, compared as Xero compares names.
    pub tracking: Vec<(String, String)>,
}

/// An invoice or credit note as Xero holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldDocument {
    /// InvoiceID / CreditNoteID.
    pub id: Option<String>,
    /// Type (ACCREC...).
    pub kind: Option<String>,
    /// Whether its id came as `CreditNoteID`.
    pub credit_note_id: bool,
    /// Status.
    pub status: Option<String>,
    /// Contact.ContactID.
    pub contact_id: Option<String>,
    /// Date.
    pub date: Option<Date>,
    /// DueDate.
    pub due_date: Option<Date>,
    /// LineAmountTypes.
    pub line_amount_types: Option<String>,
    /// InvoiceNumber or CreditNoteNumber.
    pub number: Option<String>,
    /// Reference.
    pub reference: Option<String>,
    /// Url.
    pub url: Option<String>,
    /// CurrencyCode.
    pub currency_code: Option<String>,
    /// BrandingThemeID.
    pub branding_theme_id: Option<String>,
    /// AmountPaid.
    pub amount_paid: Option<Decimal>,
    /// AmountCredited (invoices): credit notes, overpayments and prepayments allocated.
    pub amount_credited: Option<Decimal>,
    /// AmountDue (invoices): what a payment or allocation in the same plan may take.
    pub amount_due: Option<Decimal>,
    /// RemainingCredit (credit notes).
    pub remaining_credit: Option<Decimal>,
    /// Total.
    pub total: Option<Decimal>,
    /// Whether credit was used on it: credit notes, prepayments or overpayments allocated to
    /// an invoice, or a credit note's allocations (a refund is a payment, not this).
    pub credited: bool,
    /// Whether it carries payments or allocations (`Payments`, `Allocations`, `CreditNotes`,
    /// `Prepayments`, `Overpayments` non-empty).
    pub has_settlements: bool,
    /// Lines; `None` when the element carries no `LineItems` (a summary), so no line can be
    /// compared.
    pub lines: Option<Vec<HeldLine>>,
}

/// `key` as Xero spells it, else with a lower-case first letter (xero-node).
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.get(key).or_else(|| {
        let mut c = key.chars();
        let first = c.next()?.to_ascii_lowercase();
        v.get(format!("{first}{}", c.as_str()))
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    let found = get(v, key)?;
    found.as_str().map(str::to_owned)
}

/// An exact decimal (JSON number or numeric text), as [`super::responses::decimal_field`]
/// reads one.
fn number(v: &Value, key: &str) -> Option<Decimal> {
    match get(v, key)? {
        Value::Number(n) => parse_decimal(&n.to_string()),
        Value::String(s) => parse_decimal(s.trim()),
        _ => None,
    }
}

/// A calendar date in any form [`Date::parse`] reads (`/Date(ms+0000)/`, ISO text).
fn date(v: &Value, key: &str) -> Option<Date> {
    Date::parse(get(v, key)?.as_str()?.trim())
}

fn non_empty_list(v: &Value, key: &str) -> bool {
    get(v, key)
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
}

impl HeldDocument {
    /// Whether it is a credit note (its Type, else its id field).
    pub fn is_credit_note(&self) -> bool {
        match self.kind.as_deref() {
            Some(k) => k.to_ascii_uppercase().ends_with("CREDIT"),
            None => self.credit_note_id,
        }
    }

    /// Reads an element; `None` when it is not a JSON object.
    pub fn read(el: &Value) -> Option<HeldDocument> {
        if !el.is_object() {
            return None;
        }
        let lines = get(el, "LineItems")
            .and_then(Value::as_array)
            .map(|ls| ls.iter().map(HeldLine::read).collect());
        Some(HeldDocument {
            id: text(el, "InvoiceID").or_else(|| text(el, "CreditNoteID")),
            kind: text(el, "Type"),
            credit_note_id: get(el, "CreditNoteID").is_some(),
            status: text(el, "Status"),
            contact_id: get(el, "Contact").and_then(|c| text(c, "ContactID")),
            date: date(el, "Date"),
            due_date: date(el, "DueDate"),
            line_amount_types: text(el, "LineAmountTypes"),
            number: text(el, "InvoiceNumber").or_else(|| text(el, "CreditNoteNumber")),
            reference: text(el, "Reference"),
            url: text(el, "Url"),
            currency_code: text(el, "CurrencyCode"),
            branding_theme_id: text(el, "BrandingThemeID"),
            amount_paid: number(el, "AmountPaid"),
            amount_credited: number(el, "AmountCredited"),
            amount_due: number(el, "AmountDue"),
            remaining_credit: number(el, "RemainingCredit"),
            total: number(el, "Total"),
            credited: number(el, "AmountCredited").is_some_and(|c| c > Decimal::ZERO)
                || ["Allocations", "CreditNotes", "Prepayments", "Overpayments"]
                    .iter()
                    .any(|k| non_empty_list(el, k)),
            has_settlements: [
                "Payments",
                "Allocations",
                "CreditNotes",
                "Prepayments",
                "Overpayments",
            ]
            .iter()
            .any(|k| non_empty_list(el, k)),
            lines,
        })
    }

    /// Paid in part or in full (reference §2.6 "Paid in part or full", §4 for credit notes):
    /// PAID, an amount paid or credited, credit used (RemainingCredit below Total), or any
    /// payment or allocation listed.
    pub fn is_paid(&self) -> bool {
        let positive = |d: Option<Decimal>| d.is_some_and(|d| d > Decimal::ZERO);
        let credit_used = match (self.remaining_credit, self.total) {
            (Some(r), Some(t)) => r < t,
            _ => false,
        };
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("PAID"))
            || positive(self.amount_paid)
            || positive(self.amount_credited)
            || credit_used
            || self.has_settlements
    }
}

/// The tracking (category, option name keys) Xero holds on line `line_item_id` of `document`
/// (`xero.document`), empty when the document has no such line.
pub(crate) fn line_tracking(document: &Value, line_item_id: &str) -> Vec<(String, String)> {
    let lines = get(document, "LineItems").and_then(Value::as_array);
    let same = |l: &&Value| {
        text(l, "LineItemID").is_some_and(|x| x.trim().eq_ignore_ascii_case(line_item_id.trim()))
    };
    match lines.and_then(|ls| ls.iter().find(same)) {
        Some(l) => HeldLine::read(l).tracking,
        None => Vec::new(),
    }
}

impl HeldLine {
    fn read(l: &Value) -> HeldLine {
        let tracking = get(l, "Tracking")
            .and_then(Value::as_array)
            .map(|ts| {
                ts.iter()
                    .filter_map(|t| {
                        Some((
                            names::key(&text(t, "Name")?),
                            names::key(&text(t, "Option")?),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        HeldLine {
            line_item_id: text(l, "LineItemID"),
            description: text(l, "Description"),
            quantity: number(l, "Quantity"),
            unit_amount: number(l, "UnitAmount"),
            item_code: text(l, "ItemCode").or_else(|| get(l, "Item").and_then(|i| text(i, "Code"))),
            account_code: text(l, "AccountCode"),
            tax_type: text(l, "TaxType"),
            tax_amount: number(l, "TaxAmount"),
            discount_rate: number(l, "DiscountRate"),
            discount_amount: number(l, "DiscountAmount"),
            tracking,
        }
    }
}
