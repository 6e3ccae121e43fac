//! Items to create (issue 19): a line's own `itemCode` that the organisation does not have,
//! with `settings.items.create: "missing"` (the recruitment CRM's "Auto Create Invoice items
//! that do not exist"), becomes one `PUT /Items` element, sent by the run before the documents
//! that use it.
//!
//! One item per code however many lines and invoices use it: codes are keyed as the snapshot
//! keys them ([`names::key`]: case-insensitive, trimmed, inner whitespace collapsed). Xero's
//! own comparison of item codes is UNVERIFIED (reference §7.3 documents only the duplicate-code
//! message); treating `abc` and `ABC` as one code is the safe side: at worst the run finds the
//! item by its lookup instead of creating a second one.
//!
//! What the item is made of: the first line (in input order) that uses the code. Code: as that
//! line wrote it (trimmed, at most 30 characters, Xero's limit); Name: the line's description
//! when it fits Xero's 50 characters, else the code; Description (sales) or PurchaseDescription
//! (bills): the line's description; SalesDetails or PurchaseDetails (per the exporter's
//! document direction): the line's account and tax type, and its unit amount as UnitPrice when
//! it has at most 2 decimals (4 with `unitdp: 4`; an item's price is only a default, the line
//! carries its own). Never a tracked inventory item: no InventoryAssetAccountCode, no
//! COGSAccountCode, so Xero cannot move stock for it.

use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::names;
use crate::Text;

/// Xero's limit on an item's Code (reference §7.3).
pub const CODE_MAX: usize = 30;
/// Xero's limit on an item's Name.
pub const NAME_MAX: usize = 50;

/// SalesDetails / PurchaseDetails of an item to create.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WireItemDetails {
    /// Default unit price (a JSON number, exact decimal text).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "decimal_number"
    )]
    #[cfg_attr(test, ts(type = "number"))]
    pub unit_price: Option<Decimal>,
    /// Default account code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_code: Option<Text>,
    /// Default tax type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<Text>,
}

/// An Item element of PUT /Items, in Xero's wire names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WireItem {
    /// Code (≤ 30).
    pub code: Text,
    /// Name (≤ 50).
    pub name: Text,
    /// Sales description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Purchase description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_description: Option<Text>,
    /// Sales defaults (sales documents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales_details: Option<WireItemDetails>,
    /// Purchase defaults (bills).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_details: Option<WireItemDetails>,
}

/// An item to create: its key, the PUT /Items element, the invoices that use it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewItem {
    /// The code's comparison key (`names::key`); documents refer to it.
    pub key: String,
    /// The Item element of the request body.
    pub item: WireItem,
    /// Source invoice ids whose lines use it, in input order.
    pub invoices: Vec<String>,
}

/// What a line offers an item to create.
pub(crate) struct ItemLine<'a> {
    pub(crate) code: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) unit: Option<Decimal>,
    pub(crate) account: Option<&'a Text>,
    pub(crate) tax_type: Option<&'a Text>,
}

/// The items a batch creates, by key (deterministic order).
#[derive(Debug, Default)]
pub struct PlannedItems {
    /// By key.
    pub items: BTreeMap<String, NewItem>,
}

impl PlannedItems {
    /// Records that invoice `source_id` uses `line`'s code: the first line defines the item.
    pub(crate) fn add(&mut self, line: &ItemLine<'_>, source_id: &str, sales: bool, dp: u32) {
        let key = names::key(line.code);
        let new = self.items.entry(key.clone()).or_insert_with(|| NewItem {
            key,
            item: wire_item(line, sales, dp),
            invoices: Vec::new(),
        });
        if new.invoices.last().map(String::as_str) != Some(source_id) {
            new.invoices.push(source_id.to_owned());
        }
    }
}

impl PlannedItems {
    /// Gives every line of `resolved` that names an item to create the code as the item is
    /// created: that of the batch's first line with the code (an earlier invoice's, else this
    /// invoice's). Xero's comparison of item codes is UNVERIFIED: "newx " sent for an item
    /// created as "NEWX" would fail if Xero told them apart, while one spelling works
    /// whichever way it compares (as lines naming an existing item carry Xero's spelling).
    pub(crate) fn one_spelling(&self, resolved: &mut super::ResolvedInvoice) {
        let mut own: Vec<(String, Text)> = Vec::new();
        for l in resolved.lines.iter_mut().filter(|l| l.new_item) {
            let Some(code) = l.item_code.as_ref() else {
                continue;
            };
            let key = names::key(code);
            let planned = self.items.get(&key).map(|n| n.item.code.clone());
            let first = || own.iter().find(|(k, _)| *k == key).map(|(_, c)| c.clone());
            match planned.or_else(first) {
                Some(c) => l.item_code = Some(c),
                None => {
                    let trimmed = Text::new(code.trim());
                    l.item_code = Some(trimmed.clone());
                    own.push((key, trimmed));
                }
            }
        }
    }
}

fn wire_item(line: &ItemLine<'_>, sales: bool, dp: u32) -> WireItem {
    let description = line.description.map(Text::new);
    let name = match line.description {
        Some(d) if d.chars().count() <= NAME_MAX && !d.contains('\n') => Text::new(d),
        _ => Text::new(line.code),
    };
    let details = WireItemDetails {
        unit_price: line.unit.map(|u| u.abs()).filter(|u| u.scale() <= dp),
        account_code: line.account.cloned(),
        tax_type: line.tax_type.cloned(),
    };
    WireItem {
        code: Text::new(line.code),
        name,
        description: description.clone().filter(|_| sales),
        purchase_description: description.filter(|_| !sales),
        sales_details: sales.then(|| details.clone()),
        purchase_details: (!sales).then_some(details),
    }
}

/// A decimal as a JSON number with its exact digits (serde_json's arbitrary precision), never
/// through a float.
fn decimal_number<S: serde::Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    match v {
        Some(d) => serde_json::from_str::<serde_json::Number>(&d.normalize().to_string())
            .map_err(S::Error::custom)?
            .serialize(s),
        None => s.serialize_none(),
    }
}
