//! Xero's contacts as the host hands them over: an array of `GET /Contacts` pages (each the raw
//! body `{"Contacts": [...]}`, xero-node's `response.body` `{contacts: [...]}`, or the bare
//! array), one such body, or the contacts themselves. Both spellings are read: Xero's
//! PascalCase and xero-node's camelCase (the same keys with a lower-case first letter).
//!
//! Pages overlap when contacts change while the host pages through them (Xero orders by
//! `UpdatedDateUTC`, so an edited contact moves to a later page): a ContactID seen twice is one
//! contact, its later copy (the newer) read at the place it was first seen.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode};
use crate::Text;

/// An address of a Xero contact.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct XeroAddress {
    /// POBOX or STREET.
    #[serde(rename = "AddressType", alias = "addressType", default)]
    pub kind: Option<Text>,
    /// AddressLine1.
    #[serde(rename = "AddressLine1", alias = "addressLine1", default)]
    pub line1: Option<Text>,
    /// AddressLine2.
    #[serde(rename = "AddressLine2", alias = "addressLine2", default)]
    pub line2: Option<Text>,
    /// AddressLine3.
    #[serde(rename = "AddressLine3", alias = "addressLine3", default)]
    pub line3: Option<Text>,
    /// AddressLine4.
    #[serde(rename = "AddressLine4", alias = "addressLine4", default)]
    pub line4: Option<Text>,
    /// City.
    #[serde(rename = "City", alias = "city", default)]
    pub city: Option<Text>,
    /// Region.
    #[serde(rename = "Region", alias = "region", default)]
    pub region: Option<Text>,
    /// PostalCode.
    #[serde(rename = "PostalCode", alias = "postalCode", default)]
    pub postal_code: Option<Text>,
    /// Country.
    #[serde(rename = "Country", alias = "country", default)]
    pub country: Option<Text>,
    /// AttentionTo.
    #[serde(rename = "AttentionTo", alias = "attentionTo", default)]
    pub attention_to: Option<Text>,
}

/// A phone of a Xero contact.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct XeroPhone {
    /// DEFAULT, DDI, MOBILE or FAX.
    #[serde(rename = "PhoneType", alias = "phoneType", default)]
    pub kind: Option<Text>,
    /// PhoneNumber.
    #[serde(rename = "PhoneNumber", alias = "phoneNumber", default)]
    pub number: Option<Text>,
    /// PhoneAreaCode.
    #[serde(rename = "PhoneAreaCode", alias = "phoneAreaCode", default)]
    pub area_code: Option<Text>,
    /// PhoneCountryCode.
    #[serde(rename = "PhoneCountryCode", alias = "phoneCountryCode", default)]
    pub country_code: Option<Text>,
}

/// One contact of `GET /Contacts`, with what the host's people hold. Other fields are ignored
/// (Xero adds fields; a contact is never refused for one).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct XeroContact {
    /// ContactID.
    #[serde(rename = "ContactID", alias = "contactID", default)]
    pub contact_id: Option<Text>,
    /// ContactNumber ("Contact Code").
    #[serde(rename = "ContactNumber", alias = "contactNumber", default)]
    pub contact_number: Option<Text>,
    /// AccountNumber.
    #[serde(rename = "AccountNumber", alias = "accountNumber", default)]
    pub account_number: Option<Text>,
    /// ACTIVE, ARCHIVED or GDPRREQUEST.
    #[serde(rename = "ContactStatus", alias = "contactStatus", default)]
    pub status: Option<Text>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<Text>,
    /// FirstName.
    #[serde(rename = "FirstName", alias = "firstName", default)]
    pub first_name: Option<Text>,
    /// LastName.
    #[serde(rename = "LastName", alias = "lastName", default)]
    pub last_name: Option<Text>,
    /// EmailAddress.
    #[serde(rename = "EmailAddress", alias = "emailAddress", default)]
    pub email: Option<Text>,
    /// TaxNumber.
    #[serde(rename = "TaxNumber", alias = "taxNumber", default)]
    pub tax_number: Option<Text>,
    /// IsSupplier (set by Xero when a bill names the contact).
    #[serde(rename = "IsSupplier", alias = "isSupplier", default)]
    pub is_supplier: Option<bool>,
    /// IsCustomer (set by Xero when a sales invoice names the contact).
    #[serde(rename = "IsCustomer", alias = "isCustomer", default)]
    pub is_customer: Option<bool>,
    /// Addresses (`null` reads as none).
    #[serde(rename = "Addresses", alias = "addresses", default)]
    pub addresses: Option<Vec<XeroAddress>>,
    /// Phones (`null` reads as none).
    #[serde(rename = "Phones", alias = "phones", default)]
    pub phones: Option<Vec<XeroPhone>>,
}

/// A contact read from the pages, with where it was (in the caller's terms) and how many
/// copies of it the pages held.
#[derive(Clone, Debug)]
pub struct Read {
    /// The contact (its latest copy).
    pub contact: XeroContact,
    /// Where its first copy was: `pages[1].Contacts[4]`.
    pub path: String,
}

/// What the pages held: the contacts (one per ContactID, in the order first seen), those
/// without a ContactID (by path), and how many copies were dropped as duplicates.
#[derive(Debug, Default)]
pub struct Pages {
    /// One per ContactID.
    pub contacts: Vec<Read>,
    /// Paths of contacts without a ContactID (they cannot be linked, so are not imported).
    pub without_id: Vec<String>,
    /// Copies of a ContactID already seen.
    pub duplicates: usize,
}

const PAGE_KEYS: [&str; 2] = ["Contacts", "contacts"];

/// Reads the host's pages (see the module docs). A value that is not a contact (an object with
/// at least one of a contact's fields), a page or a list of them is misuse.
pub fn read_pages(json: &str) -> Result<Pages, Error> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| Error::from_serde(ErrorCode::InvalidJson, "pages", e))?;
    let mut pages = Pages::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                read_page(item, &format!("pages[{i}]"), &mut pages, &mut seen)?;
            }
        }
        Value::Object(_) => read_page(value, "pages", &mut pages, &mut seen)?,
        other => return Err(not_a_page("pages", &other)),
    }
    Ok(pages)
}

/// One element: a page body, a bare array of contacts, or one contact.
fn read_page(
    value: Value,
    path: &str,
    pages: &mut Pages,
    seen: &mut BTreeMap<String, usize>,
) -> Result<(), Error> {
    match value {
        Value::Array(contacts) => {
            for (j, c) in contacts.into_iter().enumerate() {
                read_contact(c, format!("{path}[{j}]"), pages, seen)?;
            }
            Ok(())
        }
        Value::Object(mut map) => {
            let key = PAGE_KEYS.iter().find(|k| map.contains_key(**k));
            match key.and_then(|k| map.remove(*k).map(|v| (k, v))) {
                Some((k, Value::Array(contacts))) => {
                    for (j, c) in contacts.into_iter().enumerate() {
                        read_contact(c, format!("{path}.{k}[{j}]"), pages, seen)?;
                    }
                    Ok(())
                }
                Some((k, other)) => Err(not_a_page(&format!("{path}.{k}"), &other)),
                None => read_contact(Value::Object(map), path.to_owned(), pages, seen),
            }
        }
        other => Err(not_a_page(path, &other)),
    }
}

fn read_contact(
    value: Value,
    path: String,
    pages: &mut Pages,
    seen: &mut BTreeMap<String, usize>,
) -> Result<(), Error> {
    if !is_contact(&value) {
        return Err(not_a_page(&path, &value));
    }
    let contact: XeroContact = serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorCode::InvalidInput,
            &path,
            format!("`{path}` is not a Xero contact: {e}"),
        )
    })?;
    let Some(key) = contact
        .contact_id
        .as_deref()
        .map(|id| id.trim().to_ascii_lowercase())
        .filter(|id| !id.is_empty())
    else {
        pages.without_id.push(path);
        return Ok(());
    };
    match seen.get(&key).and_then(|i| pages.contacts.get_mut(*i)) {
        Some(first) => {
            first.contact = contact;
            pages.duplicates += 1;
        }
        None => {
            seen.insert(key, pages.contacts.len());
            pages.contacts.push(Read { contact, path });
        }
    }
    Ok(())
}

/// The fields [`XeroContact`] reads, in Xero's spelling (xero-node's differs in case only).
const CONTACT_KEYS: [&str; 13] = [
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "TaxNumber",
    "IsSupplier",
    "IsCustomer",
    "Addresses",
    "Phones",
];

/// Whether `value` is a contact: an object with at least one of a contact's fields. Another
/// GET's body, an error body or xero-node's whole `{response, body}` has none: read as a
/// contact without a ContactID, the contacts it stood for would be lost behind a warning.
fn is_contact(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        map.keys()
            .any(|k| CONTACT_KEYS.iter().any(|c| c.eq_ignore_ascii_case(k)))
    })
}

fn not_a_page(path: &str, value: &Value) -> Error {
    let what = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(map) if map.contains_key("body") && map.contains_key("response") => {
            "xero-node's whole result (pass its response.body)"
        }
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(3).map(String::as_str).collect();
            return Error::new(
                ErrorCode::InvalidInput,
                path,
                format!("`{path}` is an object with none of a contact's fields (it has {}): expected GET /Contacts bodies ({{\"Contacts\": [...]}} or xero-node's response.body {{contacts: [...]}}), arrays of contacts, or contacts.", if keys.is_empty() { "no keys".to_owned() } else { keys.join(", ") }),
            );
        }
    };
    Error::new(
        ErrorCode::InvalidInput,
        path,
        format!("`{path}` is {what}: expected GET /Contacts bodies ({{\"Contacts\": [...]}} or xero-node's {{contacts: [...]}}), arrays of contacts, or contacts."),
    )
}
