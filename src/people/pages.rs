//! Xero's contacts as the host hands them over: an array of `GET /Contacts` pages (each the raw
//! body `{"Contacts": [...]}`, xero-node's `response.body` `{contacts: [...]}`, or the bare
//! array), one such body, or the contacts themselves. Both spellings are read: Xero's
//! PascalCase and xero-node's camelCase (the same keys with a lower-case first letter).
//!
//! Pages overlap when contacts change while the host pages through them (Xero orders by
//! `UpdatedDateUTC`, so an edited contact moves to a later page): a ContactID seen twice is one
//! contact, its newer copy read at the place it was first seen. Newer: by `UpdatedDateUTC` when
//! both copies have one (pages may be handed in out of order), else the later copy.

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
    /// UpdatedDateUTC: `/Date(ms+0000)/` raw, ISO text from xero-node's Date; which of two
    /// copies is newer. Anything else reads as unknown.
    #[serde(
        rename = "UpdatedDateUTC",
        alias = "updatedDateUTC",
        default,
        deserialize_with = "updated"
    )]
    pub updated: Option<i64>,
}

/// Whether a later copy of a contact (its UpdatedDateUTC `later`) replaces the one kept
/// (`kept`): yes, unless both times are known and the later copy's is older (pages handed in
/// out of order). The one rule for `importContacts`' pages and the snapshot's contacts.
pub(crate) fn replaces(later: Option<i64>, kept: Option<i64>) -> bool {
    !matches!((later, kept), (Some(new), Some(old)) if new < old)
}

/// UpdatedDateUTC as milliseconds since 1970, or `None` when it is not a time [`updated_ms`]
/// reads (never misuse: the field only orders copies).
pub(crate) fn updated<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let v = Value::deserialize(d)?;
    Ok(v.as_str().and_then(updated_ms))
}

/// `/Date(ms±hhmm)/` (the ms are the instant), or `YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]` (no
/// zone: UTC, as the field's name says) → milliseconds since 1970-01-01T00:00:00Z.
pub(crate) fn updated_ms(text: &str) -> Option<i64> {
    if let Some(inner) = text
        .strip_prefix("/Date(")
        .and_then(|t| t.strip_suffix(")/"))
    {
        let end = inner
            .get(1..)?
            .find(['+', '-'])
            .map_or(inner.len(), |i| i + 1);
        return inner.get(..end)?.parse().ok();
    }
    let days = crate::dates::Date::parse(text.get(..10)?)?.to_days();
    let time = text.get(10..)?.strip_prefix('T')?;
    let num = |from: usize, to: usize| -> Option<i64> {
        let t = time.get(from..to)?;
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if time.get(2..3) != Some(":") || time.get(5..6) != Some(":") {
        return None;
    }
    let clock = (num(0, 2)? * 60 + num(3, 5)?) * 60 + num(6, 8)?;
    let mut rest = time.get(8..)?;
    let mut ms = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        let digits = f.get(..n)?;
        ms = format!("{:0<3}", digits.get(..3.min(n))?).parse().ok()?;
        rest = f.get(n..)?;
    }
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (h, m) = rest.get(1..)?.split_once(':')?;
            let two = |t: &str| -> Option<i64> {
                (t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())?
            };
            sign * (two(h)? * 60 + two(m)?) * 60_000
        }
    };
    days.checked_mul(86_400_000)?
        .checked_add(clock * 1000 + ms)?
        .checked_sub(offset)
}

/// A contact read from the pages, with where it was (in the caller's terms) and how many
/// copies of it the pages held.
#[derive(Clone, Debug)]
pub struct Read {
    /// The contact (its newest copy).
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
            if replaces(contact.updated, first.contact.updated) {
                first.contact = contact;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn updated_times_in_both_spellings() {
        for (text, want) in [
            ("/Date(1700000000000+0000)/", Some(1_700_000_000_000)),
            ("/Date(1700000000000)/", Some(1_700_000_000_000)),
            ("/Date(-5+1300)/", Some(-5)),
            ("2023-11-14T22:13:20.000Z", Some(1_700_000_000_000)),
            ("2023-11-14T22:13:20Z", Some(1_700_000_000_000)),
            ("2023-11-14T22:13:20.5", Some(1_700_000_000_500)),
            ("2023-11-15T11:13:20+13:00", Some(1_700_000_000_000)),
            ("2023-11-14T22:13:20.000+99999999999999:00", None),
            ("/Date(99999999999999999999999)/", None),
            ("2023-11-14", None),
            ("2023-11-14T22-13-20", None),
            ("2023-11-14T2é:13:20", None),
            ("", None),
        ] {
            assert_eq!(updated_ms(text), want, "{text}");
        }
    }
}
