//! People: the host's members and clients against Xero's contacts, outside of any invoice.
//!
//! [`import`] reads Xero's contacts (the raw `GET /Contacts` bodies, paged, or xero-node's
//! `Contact` objects) into the host's people, saying for each contact which person it is (and
//! by which rule), that it is new, or that it is ambiguous. It matches with the payers' rules
//! ([`crate::resolve::contacts`]: contactId, mapping, ContactNumber, AccountNumber, email,
//! name; compared as Xero compares names, [`crate::names`]), read in the other direction.
//!
//! Reads the settings and its arguments only; builds no request, so it never touches `send`.
pub mod import;
pub mod pages;
pub mod sync;

pub use import::{import_contacts, ContactImport, ImportStatus, ImportSummary, ImportedContact};

use crate::error::{Error, ErrorCode};
use crate::input::settings::{Settings, UnknownFields};
use crate::input::source::Payer;
use crate::input::unknown::{read, Log};
use crate::issues::{Issue, IssueCode, Path};

/// Reads the host's people: a JSON array of persons in the payer shape (`null` for none), each
/// key the library does not know reported with a did-you-mean (FIELD_UNKNOWN, a warning or an
/// error per `settings.unknownFields`). A value of the wrong type is misuse, said at its path.
pub fn read_people(json: &str, settings: &Settings) -> Result<(Vec<Payer>, Vec<Issue>), Error> {
    let log = Log::default();
    let root = Path::root("people");
    let mut de = serde_json::Deserializer::from_str(json);
    let people: Option<Vec<Payer>> = read(&mut de, &root, &log)
        .and_then(|p| de.end().map(|()| p))
        .map_err(|e| {
            let text = e.to_string();
            let message = crate::input::source::without_position(&text);
            // The watch reports every error as a misfit: text that is not JSON at all is told
            // apart by reading it once more (on this error path only).
            if let Err(syntax) = serde_json::from_str::<serde::de::IgnoredAny>(json) {
                return Error::from_serde(ErrorCode::InvalidJson, "people", syntax);
            }
            let at = log.misfit().unwrap_or(root.clone());
            Error::new(
                ErrorCode::InvalidInput,
                at.as_str(),
                format!("`{}`: {message}", at.as_str()),
            )
        })?;
    let issues = log
        .into_found()
        .iter()
        .map(|f| {
            let message = f.describe("person field");
            match settings.unknown_fields {
                UnknownFields::Warning => {
                    Issue::warning(IssueCode::FieldUnknown, f.path.clone(), message)
                }
                UnknownFields::Error => {
                    Issue::error(IssueCode::FieldUnknown, f.path.clone(), message)
                }
            }
        })
        .collect();
    Ok((people.unwrap_or_default(), issues))
}

/// `exporter.importContacts(pages, people)`: Xero's contacts (see [`pages`]) against the host's
/// people (see [`read_people`]), per [`import`].
pub fn import_json(
    pages_json: &str,
    people_json: &str,
    settings: &Settings,
) -> Result<ContactImport, Error> {
    let pages = pages::read_pages(pages_json)?;
    let (people, issues) = read_people(people_json, settings)?;
    Ok(import_contacts(&pages, &people, &settings.contacts, issues))
}
