//! The documents exactly as Xero receives them.
//!
//! PascalCase keys, unset fields omitted, no read-only totals, no zero discounts, calendar dates,
//! and amounts written as JSON numbers from their exact decimal text (serde_json's
//! `arbitrary_precision` writes a number given as text verbatim): `25.06` is sent as `25.06`,
//! never as a float's approximation.

use rust_decimal::Decimal;
use serde::ser::Error as _;
use serde::{Serialize, Serializer};
use std::str::FromStr;

use crate::dates::Date;

/// Writes a Decimal as a JSON number with its exact digits.
fn number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let n = serde_json::Number::from_str(&crate::money::text(*value)).map_err(S::Error::custom)?;
    n.serialize(s)
}

fn opt_number<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}

/// Tracking on a line: Name + Option (Xero's documented form) and both IDs when known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WireTracking {
    /// TrackingCategoryID.
    #[serde(rename = "TrackingCategoryID", skip_serializing_if = "Option::is_none")]
    pub category_id: Option<crate::tracking::Name>,
    /// Category name.
    #[serde(rename = "Name")]
    pub name: crate::tracking::Name,
    /// Option name.
    #[serde(rename = "Option")]
    pub option: crate::tracking::Name,
    /// TrackingOptionID.
    #[serde(rename = "TrackingOptionID", skip_serializing_if = "Option::is_none")]
    pub option_id: Option<crate::tracking::Name>,
}

/// A line item.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireLine {
    /// LineItemID (updates only).
    #[serde(rename = "LineItemID", skip_serializing_if = "Option::is_none")]
    pub line_item_id: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Quantity.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    pub quantity: Option<Decimal>,
    /// Unit amount.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    pub unit_amount: Option<Decimal>,
    /// Item code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_code: Option<String>,
    /// Account code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_code: Option<String>,
    /// Tax type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<String>,
    /// Discount rate (ACCREC invoices only; never zero).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    pub discount_rate: Option<Decimal>,
    /// Discount amount (ACCREC invoices only; never zero).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_number")]
    pub discount_amount: Option<Decimal>,
    /// Tracking (≤ 2).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tracking: Vec<WireTracking>,
}

/// The contact of a document: an existing ContactID, or a contact still to be created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireContactRef {
    /// ContactID known.
    Id(String),
    /// Waiting for PUT /Contacts: the key of the contact to create.
    Pending(String),
}

/// An invoice or credit note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireDocument {
    /// InvoiceID / CreditNoteID when updating.
    #[serde(skip)]
    pub xero_id: Option<String>,
    /// ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Contact.
    #[serde(serialize_with = "contact")]
    pub contact: WireContactRef,
    /// Date.
    pub date: Date,
    /// Due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    /// Exclusive / Inclusive / NoTax (always explicit).
    pub line_amount_types: crate::totals::LineAmountTypes,
    /// InvoiceNumber (invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
    /// CreditNoteNumber (credit notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_note_number: Option<String>,
    /// Reference (ACCREC / ACCRECCREDIT only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Url ("Go to [app]").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Currency code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    /// DRAFT / SUBMITTED / AUTHORISED.
    pub status: &'static str,
    /// Branding theme.
    #[serde(rename = "BrandingThemeID", skip_serializing_if = "Option::is_none")]
    pub branding_theme_id: Option<String>,
    /// Lines.
    pub line_items: Vec<WireLine>,
}

/// A placeholder ContactID for documents whose contact is still to be created; never sent (the
/// plan fills in the real ID), but keeps a rendered body well-formed.
pub const PENDING_CONTACT_ID: &str = "00000000-0000-0000-0000-000000000000";

fn contact<S: Serializer>(value: &WireContactRef, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct C<'a> {
        #[serde(rename = "ContactID")]
        id: &'a str,
    }
    match value {
        WireContactRef::Id(id) => C { id }.serialize(s),
        WireContactRef::Pending(_) => C {
            id: PENDING_CONTACT_ID,
        }
        .serialize(s),
    }
}

impl WireDocument {
    /// Whether this is a credit note (goes to /CreditNotes).
    pub fn is_credit_note(&self) -> bool {
        self.kind.ends_with("CREDIT")
    }

    /// The envelope key: `Invoices` or `CreditNotes`.
    pub fn envelope(&self) -> &'static str {
        if self.is_credit_note() {
            "CreditNotes"
        } else {
            "Invoices"
        }
    }

    /// The element as JSON text.
    pub fn to_json(&self) -> String {
        // Serialising these plain structs to a String cannot fail; an empty object is the
        // harmless fallback that keeps this function total.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Whether a line needs 4 unit decimals (`unitdp=4` on the request).
    pub fn needs_unitdp4(&self) -> bool {
        self.line_items.iter().any(|l| {
            l.unit_amount
                .is_some_and(|u| crate::money::decimal_places(u) > 2)
        })
    }
}

/// `{"<envelope>":[e1,e2,...]}` from element JSON texts.
pub fn envelope(key: &str, elements: &[&str]) -> String {
    let mut out =
        String::with_capacity(elements.iter().map(|e| e.len() + 1).sum::<usize>() + key.len() + 8);
    out.push_str("{\"");
    out.push_str(key);
    out.push_str("\":[");
    for (i, e) in elements.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::dec;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn amounts_are_exact_json_numbers_and_unset_fields_vanish() {
        let doc = WireDocument {
            xero_id: None,
            kind: "ACCREC",
            contact: WireContactRef::Id("430fa14a-f945-44d3-9f97-5df5e28441b8".into()),
            date: Date::parse("2019-03-11").unwrap(),
            due_date: None,
            line_amount_types: crate::totals::LineAmountTypes::Exclusive,
            invoice_number: Some("INV-1".into()),
            credit_note_number: None,
            reference: None,
            url: None,
            currency_code: None,
            status: "DRAFT",
            branding_theme_id: None,
            line_items: vec![WireLine {
                description: Some("Acme \"Tires\"".into()),
                quantity: Some(dec("2")),
                unit_amount: Some(dec("20.10")),
                account_code: Some("200".into()),
                ..WireLine::default()
            }],
        };
        assert_eq!(
            doc.to_json(),
            r#"{"Type":"ACCREC","Contact":{"ContactID":"430fa14a-f945-44d3-9f97-5df5e28441b8"},"Date":"2019-03-11","LineAmountTypes":"Exclusive","InvoiceNumber":"INV-1","Status":"DRAFT","LineItems":[{"Description":"Acme \"Tires\"","Quantity":2,"UnitAmount":20.10,"AccountCode":"200"}]}"#
        );
        assert_eq!(
            envelope("Invoices", &["{}", "{}"]),
            r#"{"Invoices":[{},{}]}"#
        );
    }
}
