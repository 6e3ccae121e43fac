//! Payer → Xero contact: matched in a fixed order, never onto an archived contact, never a
//! duplicate.
//!
//! Rules, in order (the first rule that matches decides; the preview records which):
//! 1. `contactId` linked on the payer, 2. `settings.contacts.mapping["kind:id"]`,
//! 3. ContactNumber, 4. AccountNumber, 5. email, 6. exact name.
//!
//! Emails, numbers and names are compared as Xero compares names (see [`crate::names`]:
//! case-insensitive, whitespace trimmed and collapsed, accents significant). Rules 3-6 consider a
//! contact only if nothing it has contradicts the payer (a contact with another ContactNumber
//! or email is another person, even with the same name). When a rule matches several contacts,
//! those with the payer's exact name are kept if any (a shared email is told apart by name),
//! then the one ACTIVE contact among them wins (archived namesakes are history); two ACTIVE matches
//! are ambiguity, reported, never guessed. A match that is ARCHIVED or GDPRREQUEST is an error.
//!
//! No match: per settings, an error, or a contact to create (PUT /Contacts, planned ahead of
//! its invoices). The new contact's Name must be unique among active contacts: if another active
//! contact (or another contact planned in the same batch) has it, ` (<ContactNumber or host id>)`
//! is appended (or CONTACT_NAME_TAKEN is reported, per settings).
//!
//! Near misses: a payer about to be created whose name differs from an existing contact's only
//! in accents, punctuation, spacing or a company suffix ([`names::near_miss`]) gets a
//! CONTACT_NEAR_MISS warning naming that contact and the rule. It is never merged: Xero's own
//! Name filter ignores accents, so this is the duplicate a bookkeeper would otherwise find
//! later and merge by hand; the host links the payer if it is the same person.

use crate::Text;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

use crate::input::settings::{ContactSettings, NameCollision, OnMissingContact};
use crate::input::snapshot::{Contact, Snapshot};
use crate::input::source::{non_empty, non_empty_text, Payer};
use crate::issues::{Issue, IssueCode, Path};
use crate::names;

/// Which rule found the contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum MatchRule {
    /// The payer's linked ContactID.
    ContactId,
    /// settings.contacts.mapping.
    Mapping,
    /// ContactNumber.
    ContactNumber,
    /// AccountNumber.
    AccountNumber,
    /// Email address.
    Email,
    /// Exact name.
    Name,
}

impl MatchRule {
    /// The rule as the preview's JSON names it (`matchedBy`).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchRule::ContactId => "contactId",
            MatchRule::Mapping => "mapping",
            MatchRule::ContactNumber => "contactNumber",
            MatchRule::AccountNumber => "accountNumber",
            MatchRule::Email => "email",
            MatchRule::Name => "name",
        }
    }
}

/// The contact a document goes to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum ContactRef {
    /// An existing Xero contact.
    #[serde(rename_all = "camelCase")]
    Existing {
        /// ContactID.
        contact_id: Text,
        /// Its name in Xero (for display); the payer's own name when a linked contact is not in
        /// the snapshot's contacts (it is sent by its ContactID, with a warning).
        name: Option<Text>,
        /// The rule that matched.
        matched_by: MatchRule,
    },
    /// A contact planned for creation; its ContactID is known after PUT /Contacts.
    #[serde(rename_all = "camelCase")]
    Create {
        /// Stable key of the contact to create (`kind:id`).
        key: Text,
        /// The name it will have.
        name: Text,
    },
    /// No contact (the document is blocked).
    Unresolved,
}

/// A contact to create: its key and the PUT /Contacts element.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NewContact {
    /// Stable key (`kind:id`); documents refer to it.
    pub key: String,
    /// The Contact element of the request body.
    pub contact: WireContact,
    /// Source invoice ids waiting on it.
    pub invoices: Vec<String>,
}

/// A Contact element of PUT /Contacts, in Xero's wire names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WireContact {
    /// Name (unique among active contacts).
    pub name: String,
    /// Contact code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_number: Option<String>,
    /// Account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Tax number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// Default payment terms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<WireTerms>,
    /// Addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub addresses: Vec<WireAddress>,
    /// Phones.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub phones: Vec<WirePhone>,
}

/// PaymentTerms element: Bills and Sales, each `{Day, Type}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WireTerms {
    /// Terms of bills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bills: Option<WireTerm>,
    /// Terms of sales invoices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales: Option<WireTerm>,
}

/// One term: Day and Type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "PascalCase")]
pub struct WireTerm {
    /// The day.
    pub day: u32,
    /// DAYSAFTERBILLDATE, DAYSAFTERBILLMONTH, OFCURRENTMONTH or OFFOLLOWINGMONTH.
    #[serde(rename = "Type")]
    pub kind: String,
}

/// The payer's payment terms as Xero takes them; a side without a day or a known type is an
/// error (never guessed).
fn wire_terms(
    terms: Option<&crate::input::source::PayerTerms>,
    path: &Path,
    issues: &mut Vec<Issue>,
) -> Option<WireTerms> {
    let terms = terms?;
    let side = |t: &Option<crate::input::source::PayerTerm>,
                name: &str,
                issues: &mut Vec<Issue>| {
        let t = t.as_ref()?;
        let at = path.field("paymentTerms").field(name);
        let kind = t.kind.as_deref().map(|k| k.trim().to_ascii_uppercase());
        let known = [
            "DAYSAFTERBILLDATE",
            "DAYSAFTERBILLMONTH",
            "OFCURRENTMONTH",
            "OFFOLLOWINGMONTH",
        ];
        let (Some(day), Some(kind)) = (t.day, kind.filter(|k| known.contains(&k.as_str()))) else {
            issues.push(Issue::error(IssueCode::SettingsInvalid, at, "A payment term needs a day and a type: DAYSAFTERBILLDATE, DAYSAFTERBILLMONTH, OFCURRENTMONTH or OFFOLLOWINGMONTH."));
            return None;
        };
        // Xero's schema says "Day of Month (0-31)"; for the days-after types larger numbers are
        // UNVERIFIED, so only the of-month types are held to 1-31 here and Xero decides the rest.
        if kind.starts_with("OF") && !(1..=31).contains(&day) {
            issues.push(Issue::error(
                IssueCode::SettingsInvalid,
                at.field("day"),
                format!("Day {day} is not a day of the month (1-31)."),
            ));
            return None;
        }
        Some(WireTerm { day, kind })
    };
    let wire = WireTerms {
        sales: side(&terms.sales, "sales", issues),
        bills: side(&terms.bills, "bills", issues),
    };
    (wire.sales.is_some() || wire.bills.is_some()).then_some(wire)
}

/// Address element.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WireAddress {
    /// STREET or POBOX.
    pub address_type: String,
    /// Line 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Line 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Line 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// Line 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Attention to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<String>,
}

/// Phone element.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "PascalCase")]
pub struct WirePhone {
    /// DEFAULT, DDI, MOBILE or FAX.
    pub phone_type: String,
    /// Number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Area code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_area_code: Option<String>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_country_code: Option<String>,
}

/// The payer's key: `kind:id`.
pub fn payer_key(payer: &Payer) -> Option<String> {
    let id = payer
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    Some(format!("{}:{id}", payer.kind.as_deref().unwrap_or("payer")))
}

/// Entries of `settings.contacts.mapping` that can never work: a key that is no payer's
/// [`payer_key`] (`kind:id`), or a ContactID that is blank or not a UUID.
pub(crate) fn check_settings(settings: &ContactSettings, at: &Path, issues: &mut Vec<Issue>) {
    let at = at.field("contacts").field("mapping");
    for (key, id) in &settings.mapping {
        let shown = crate::money::shown(key);
        let is_key = key
            .split_once(':')
            .is_some_and(|(_, id)| !id.is_empty() && id.trim() == id);
        if !is_key {
            issues.push(Issue::error(IssueCode::SettingsInvalid, at.key(key), format!("\"{shown}\" matches no payer: mapping keys are the payer's kind and id, \"kind:id\" (\"patient:p-17\"; \"payer:\" and the id when the payer has no kind).")));
        } else if id.trim().is_empty() {
            issues.push(Issue::error(IssueCode::SettingsInvalid, at.key(key), format!("The ContactID mapped to \"{shown}\" is blank: give the Xero ContactID, or remove the entry.")));
        } else if !crate::sync::input::is_uuid(id.trim()) {
            issues.push(Issue::error(IssueCode::SettingsInvalid, at.key(key), format!("\"{}\" is not a ContactID (a UUID such as 5cc8cf28-567e-4d43-b287-687cfcaec47c; searchContacts gives it), so Xero would refuse it.", crate::money::shown(id))));
        }
    }
}

/// The display name of a payer: `name`, else `first last`.
pub fn payer_name(payer: &Payer) -> Option<Text> {
    non_empty_text(&payer.name).or_else(|| {
        let parts: Vec<&str> = [non_empty(&payer.first_name), non_empty(&payer.last_name)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| Text::new(parts.join(" ")))
    })
}

/// Contact number to match and create with: the payer's own, or its id with
/// `settings.contacts.contactNumberFromId`.
pub(crate) fn payer_number<'p>(payer: &'p Payer, settings: &ContactSettings) -> Option<&'p str> {
    non_empty(&payer.contact_number).or_else(|| {
        if settings.contact_number_from_id {
            non_empty(&payer.id)
        } else {
            None
        }
    })
}

/// Contacts planned in one preview batch, so that several invoices of one new payer create one
/// contact, and two new payers never get the same name.
#[derive(Debug, Default)]
pub struct Planned {
    /// By key, in key order (deterministic).
    pub contacts: BTreeMap<String, NewContact>,
    names: BTreeMap<String, String>,
    /// ContactNumber key → the key of the planned contact that has it: Xero refuses a second
    /// contact with a number another contact has, planned in the same batch or not.
    numbers: BTreeMap<String, String>,
    /// (contact key, source invoice id) pairs already listed in a contact's `invoices`: one
    /// new payer can have thousands of invoices in a batch, and scanning the list for each was
    /// quadratic. Hashed with [`crate::hasher::CellHasher`]: SipHash was ~120 instructions an
    /// invoice more (callgrind, bench workload).
    listed: crate::hasher::TextSet<(String, String)>,
    /// Contact number derived from a payer's id (`contactNumberFromId`) → that payer's
    /// `kind:id`: a payer of another kind with the same id would derive the same number.
    derived: BTreeMap<String, String>,
    /// Keys of the contacts the same run's people create (`plan({invoices, people})`): under
    /// `onMissing: "error"` a payer who is one of them is not missing, its contact is created
    /// by the run all the same (the person shares it, `send::people`).
    people: BTreeSet<String>,
}

impl Planned {
    /// Nothing planned yet, in a run whose people create the contacts keyed `people`.
    pub(crate) fn for_people(people: BTreeSet<String>) -> Planned {
        Planned {
            people,
            ..Planned::default()
        }
    }

    /// Contacts already planned (the payers' of the same run, before its people): a person
    /// with one's key is that contact, and their names and numbers are taken.
    pub(crate) fn with<'c>(contacts: impl IntoIterator<Item = &'c NewContact>) -> Planned {
        let mut planned = Planned::default();
        for c in contacts {
            planned
                .names
                .insert(names::key(&c.contact.name), c.key.clone());
            if let Some(n) = &c.contact.contact_number {
                planned.numbers.insert(names::key(n), c.key.clone());
            }
            planned.contacts.insert(c.key.clone(), c.clone());
        }
        planned
    }
}

/// One matching rule: the payer's key for it, the index to look it up in, its name.
type Rule<'i, 'k> = (
    Option<std::borrow::Cow<'k, str>>,
    &'i BTreeMap<String, Vec<usize>>,
    MatchRule,
    &'static str,
);

/// Resolves the payer of one invoice.
pub struct Resolver<'a> {
    snapshot: &'a Snapshot,
    settings: &'a ContactSettings,
}

fn conflicts(contact: &Contact, payer: &Payer, number: Option<&str>) -> bool {
    let differs = |theirs: &Option<Text>, ours: Option<&str>| match (non_empty(theirs), ours) {
        (Some(t), Some(o)) => !names::same(t, o),
        _ => false,
    };
    differs(&contact.contact_number, number)
        || differs(&contact.account_number, non_empty(&payer.account_number))
        || differs(&contact.email, non_empty(&payer.email))
}

/// Whether a contact planned for creation is another person than `payer` (as [`conflicts`]).
fn contradicts(planned: &WireContact, payer: &Payer, number: Option<&str>) -> bool {
    let differs = |theirs: &Option<String>, ours: Option<&str>| match (theirs, ours) {
        (Some(t), Some(o)) => !names::same(t, o),
        _ => false,
    };
    differs(&planned.contact_number, number)
        || differs(&planned.account_number, non_empty(&payer.account_number))
        || differs(&planned.email_address, non_empty(&payer.email))
}

/// Whether a payer without an id meets a contact planned under its name (its `key`) for
/// another payer of the batch that is another person (reported): told apart only by an id.
fn another_by_name(ask: &Ask<'_>, key: &str, planned: &Planned, issues: &mut Vec<Issue>) -> bool {
    if payer_key(ask.payer).is_some() {
        return false;
    }
    let Some(other) = planned.contacts.get(key) else {
        return false;
    };
    if !contradicts(&other.contact, ask.payer, ask.number) {
        return false;
    }
    issues.push(Issue::error(
        IssueCode::ContactNameTaken,
        name_path(ask),
        format!("Another payer of this batch without an id is created as contact \"{}\", and this one's email, contact or account number differs: it is another person, told apart only by an id. Give each payer its id (payer.id), or link this one (payer.contactId).", other.contact.name),
    ));
    true
}

/// Of a rule's matches, those with the payer's exact name, if any: a family sharing an email
/// is told apart by name, and an archived contact with the payer's name is the payer (an
/// error), not another person's ACTIVE contact with the same email.
fn named_first<'c>(candidates: Vec<&'c Contact>, name: Option<&str>) -> Vec<&'c Contact> {
    let Some(name) = name.filter(|_| candidates.len() > 1) else {
        return candidates;
    };
    let k = names::key(name);
    let named: Vec<&Contact> = candidates
        .iter()
        .copied()
        .filter(|c| c.name.as_deref().is_some_and(|n| names::same_key(n, &k)))
        .collect();
    if named.is_empty() {
        candidates
    } else {
        named
    }
}

/// One payer being resolved: what each matching step reads.
struct Ask<'p> {
    payer: &'p Payer,
    path: &'p Path,
    source_id: &'p str,
    /// The payer's contact number (its own, or its id when the settings say so).
    number: Option<&'p str>,
}

/// Where the payer's name is in the host's terms: `payer.name`, or the payer itself when its
/// name is made of `firstName` and `lastName` (`payer.name` would be a field never written).
fn name_path(ask: &Ask<'_>) -> Path {
    match ask.payer.name.as_deref().map(str::trim) {
        Some(n) if !n.is_empty() => ask.path.field("name"),
        _ => ask.path.clone(),
    }
}

/// Several active contacts match by `field`: an error naming them.
fn ambiguous(ask: &Ask<'_>, many: &[&&Contact], field: &str, issues: &mut Vec<Issue>) {
    let ids: Vec<&str> = many
        .iter()
        .filter_map(|c| c.contact_id.as_deref())
        .collect();
    issues.push(Issue::error(
        IssueCode::ContactAmbiguous,
        ask.path.field(field),
        format!(
            "{} active Xero contacts match this payer by {field} ({}). Link the right one: set payer.contactId or settings.contacts.mapping[\"{}\"].",
            many.len(),
            ids.join(", "),
            payer_key(ask.payer).unwrap_or_else(|| "kind:id".into())
        ),
    ));
}

impl<'a> Resolver<'a> {
    /// A resolver over the snapshot's contacts.
    pub fn new(snapshot: &'a Snapshot, settings: &'a ContactSettings) -> Self {
        Resolver { snapshot, settings }
    }

    /// Resolves `payer` for invoice `source_id`, planning a creation into `planned` if needed.
    pub fn resolve(
        &self,
        payer: Option<&Payer>,
        path: &Path,
        source_id: &str,
        planned: &mut Planned,
        issues: &mut Vec<Issue>,
    ) -> ContactRef {
        let Some(payer) = payer else {
            issues.push(Issue::error(
                IssueCode::PayerMissing,
                path,
                "The invoice has no payer: add `payer` with at least a name or a linked contactId.",
            ));
            return ContactRef::Unresolved;
        };
        if let Some(found) = self.by_id(payer, path, issues) {
            return found;
        }
        // 3-6: by number, account number, email, name.
        let ask = Ask {
            payer,
            path,
            source_id,
            number: payer_number(payer, self.settings),
        };
        if self.derived_number_taken(&ask, planned, issues) {
            return ContactRef::Unresolved;
        }
        // (A name of nothing but invisible characters is no name.)
        let name = payer_name(payer).filter(|n| !names::key(n).is_empty());
        if let Some(found) = self.by_keys(&ask, name.as_deref(), issues) {
            return found;
        }
        self.missing(&ask, name, planned, issues)
    }

    /// 1-2: the linked or mapped ContactID, when there is one (found or not).
    fn by_id(&self, payer: &Payer, path: &Path, issues: &mut Vec<Issue>) -> Option<ContactRef> {
        // (The key is only formatted when there is a mapping to look it up in.)
        let mapped = if self.settings.mapping.is_empty() {
            None
        } else {
            // (A blank one is reported on the settings: `check_settings`.)
            let id = payer_key(payer).and_then(|k| self.settings.mapping.get(&k).cloned());
            id.map(|id| id.trim().to_owned())
                .filter(|id| !id.is_empty())
        };
        for (id, rule) in [
            (
                non_empty(&payer.contact_id).map(str::to_owned),
                MatchRule::ContactId,
            ),
            (mapped, MatchRule::Mapping),
        ] {
            let Some(id) = id else { continue };
            if rule == MatchRule::ContactId && !crate::sync::input::is_uuid(&id) {
                // (A mapped one is reported on the settings: `check_settings`.)
                issues.push(Issue::error(IssueCode::ContactNotFound, path.field("contactId"), format!("\"{}\" is not a ContactID (a UUID such as 5cc8cf28-567e-4d43-b287-687cfcaec47c), so Xero would refuse the whole request: link the Xero ContactID, or leave contactId out to match by number, email or name.", crate::money::shown(&id))));
                return Some(ContactRef::Unresolved);
            }
            return Some(match self.snapshot.contact_by_id(&id) {
                Some(c) if !c.is_active() => self.archived(c, payer, path, issues),
                Some(c) => ContactRef::Existing {
                    contact_id: c.contact_id.clone().unwrap_or_else(|| Text::new(&id)),
                    name: c.name.clone(),
                    matched_by: rule,
                },
                None => {
                    if !self.snapshot.contacts.is_empty() {
                        issues.push(Issue::warning(
                            IssueCode::ContactNotFound,
                            path.field("contactId"),
                            format!("Contact {id} is not in the snapshot's contacts; it is sent as given. If it was deleted or archived in Xero, the export will fail: refresh the snapshot (GET /Contacts?includeArchived=true)."),
                        ));
                    }
                    ContactRef::Existing {
                        contact_id: Text::new(id),
                        name: payer_name(payer),
                        matched_by: rule,
                    }
                }
            });
        }
        None
    }

    /// 3-6: the first rule whose key matches exactly one active contact (or an archived one,
    /// or several: both errors); `None` when no rule matches.
    fn by_keys(
        &self,
        ask: &Ask<'_>,
        name: Option<&str>,
        issues: &mut Vec<Issue>,
    ) -> Option<ContactRef> {
        let (payer, path, number) = (ask.payer, ask.path, ask.number);
        let rules: [Rule<'_, '_>; 4] = [
            (
                number.map(names::key_ref),
                &self.snapshot.contact_by_number,
                MatchRule::ContactNumber,
                "contactNumber",
            ),
            (
                non_empty(&payer.account_number).map(names::key_ref),
                &self.snapshot.contact_by_account_number,
                MatchRule::AccountNumber,
                "accountNumber",
            ),
            (
                non_empty(&payer.email).map(names::key_ref),
                &self.snapshot.contact_by_email,
                MatchRule::Email,
                "email",
            ),
            (
                name.map(names::key_ref),
                &self.snapshot.contact_by_name,
                MatchRule::Name,
                "name",
            ),
        ];
        for (key, index, rule, field) in rules {
            let Some(key) = key else { continue };
            let candidates: Vec<&Contact> = index
                .get(key.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|i| self.snapshot.contacts.get(*i))
                .filter(|c| !conflicts(c, payer, number))
                .collect();
            let candidates = named_first(candidates, name);
            let active: Vec<&&Contact> = candidates.iter().filter(|c| c.is_active()).collect();
            match (active.as_slice(), candidates.first()) {
                ([one], _) => {
                    return Some(ContactRef::Existing {
                        contact_id: one.contact_id.clone().unwrap_or_default(),
                        name: one.name.clone(),
                        matched_by: rule,
                    })
                }
                ([], Some(archived)) => return Some(self.archived(archived, payer, path, issues)),
                ([], None) => {}
                (many, _) => {
                    ambiguous(ask, many, field, issues);
                    return Some(ContactRef::Unresolved);
                }
            }
        }
        None
    }

    fn archived(
        &self,
        contact: &Contact,
        payer: &Payer,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) -> ContactRef {
        let status = contact.status.as_deref().unwrap_or("ARCHIVED");
        issues.push(Issue::error(
            IssueCode::ContactArchived,
            path,
            format!(
                "The matching Xero contact \"{}\" ({}) is {status}: Xero will not accept it on new documents. Un-archive it in Xero, or map this payer to another contact with settings.contacts.mapping[\"{}\"].",
                contact.name.as_deref().unwrap_or(""),
                contact.contact_id.as_deref().unwrap_or(""),
                payer_key(payer).unwrap_or_else(|| "kind:id".into())
            ),
        ));
        ContactRef::Unresolved
    }

    /// Why a payer named `name` that matches no contact is not created, if it is not:
    /// `onMissing: "error"` (unless it is one of the run's people, `by_person`), or a snapshot
    /// without contacts.
    fn not_created(&self, name: &str, by_person: bool) -> Option<String> {
        if self.settings.on_missing == OnMissingContact::Error && !by_person {
            return Some(format!("No Xero contact matches payer \"{name}\" (by contact number, account number, email or name). Create it in Xero, link it with payer.contactId, or set settings.contacts.onMissing to \"create\"."));
        }
        // Without the Contacts part nothing could be matched: creating would duplicate every
        // payer already in Xero, so matching is not skipped here but creation is refused.
        if !self.snapshot.has_part("contacts") {
            return Some(format!("The snapshot has no contacts (GET /Contacts), so payer \"{name}\" cannot be matched and is not created: it may already be in Xero. Add the contacts part, or link payer.contactId."));
        }
        None
    }

    /// No match: an error, or a contact planned for creation (once per batch, under a name
    /// no active contact has).
    fn missing(
        &self,
        ask: &Ask<'_>,
        name: Option<Text>,
        planned: &mut Planned,
        issues: &mut Vec<Issue>,
    ) -> ContactRef {
        let (payer, path, source_id, number) = (ask.payer, ask.path, ask.source_id, ask.number);
        let Some(name) = name else {
            issues.push(Issue::error(IssueCode::ContactNotFound, path.field("name"), "The payer matches no Xero contact and has no name to create one with: give payer.name (or first and last name), or link a contactId."));
            return ContactRef::Unresolved;
        };
        let key = payer_key(payer).unwrap_or_else(|| format!("name:{}", names::key(&name)));
        let by_person = planned.people.contains(&key);
        if let Some(why) = self.not_created(&name, by_person) {
            issues.push(Issue::error(IssueCode::ContactNotFound, path, why));
            return ContactRef::Unresolved;
        }
        if another_by_name(ask, &key, planned, issues) {
            return ContactRef::Unresolved;
        }
        self.near_misses(ask, &name, issues);
        if let Some(existing) = planned.contacts.get_mut(&key) {
            if planned.listed.insert((key.clone(), source_id.to_owned())) {
                existing.invoices.push(source_id.to_owned());
            }
            let name = existing.contact.name.clone();
            issues.push(Issue::warning(
                IssueCode::ContactWillBeCreated,
                path,
                format!("Contact \"{name}\" is created once for this batch, before this invoice."),
            ));
            return ContactRef::Create {
                key: Text::new(key),
                name: Text::new(name),
            };
        }
        if self.number_taken(ask, &key, planned, issues) {
            return ContactRef::Unresolved;
        }
        let Some(final_name) = self.unique_name(ask, name, &key, planned, issues) else {
            return ContactRef::Unresolved;
        };
        let contact = wire_contact(
            payer,
            final_name.to_string(),
            number.map(str::to_owned),
            path,
            issues,
        );
        let whose = if by_person {
            ", one of this run's people,"
        } else {
            ""
        };
        issues.push(Issue::warning(
            IssueCode::ContactWillBeCreated,
            path,
            format!("No Xero contact matches this payer: contact \"{final_name}\"{whose} will be created before the invoice."),
        ));
        planned.names.insert(names::key(&final_name), key.clone());
        if let Some(n) = number {
            planned.numbers.insert(names::key(n), key.clone());
        }
        planned.listed.insert((key.clone(), source_id.to_owned()));
        planned.contacts.insert(
            key.clone(),
            NewContact {
                key: key.clone(),
                contact,
                invoices: vec![source_id.to_owned()],
            },
        );
        ContactRef::Create {
            key: Text::new(key),
            name: final_name,
        }
    }

    /// CONTACT_NEAR_MISS for each existing contact whose name is a near miss of `name` (same
    /// [`names::loose_key`], another [`names::key`]), in Xero's order.
    fn near_misses(&self, ask: &Ask<'_>, name: &str, issues: &mut Vec<Issue>) {
        let loose = names::loose_key(name);
        let Some(found) = self.snapshot.contact_by_loose_name().get(&loose) else {
            return;
        };
        for contact in found.iter().filter_map(|i| self.snapshot.contacts.get(*i)) {
            let theirs = contact.name.as_deref().unwrap_or("");
            let Some(rule) = names::near_miss(name, theirs) else {
                continue;
            };
            let status = contact.status.as_deref().unwrap_or("ACTIVE");
            issues.push(Issue::warning(
                IssueCode::ContactNearMiss,
                name_path(ask),
                format!(
                    "Payer \"{name}\" will be created as a new contact, but Xero already has \"{theirs}\" ({}, {status}), which differs {}. If it is the same person, link it: payer.contactId or settings.contacts.mapping[\"{}\"]; otherwise this is expected.",
                    contact.contact_id.as_deref().unwrap_or(""),
                    rule.describe(),
                    payer_key(ask.payer).unwrap_or_else(|| "kind:id".into())
                ),
            ));
        }
    }

    /// Whether the payer's contact number, derived from its id (`contactNumberFromId`), is
    /// another payer's of this batch, one of another kind with the same id (reported). Why:
    /// hosts number each kind in its own table (patient 100, insurer 100), so both would match
    /// or create one Xero contact, and one's invoices would be filed under the other.
    fn derived_number_taken(
        &self,
        ask: &Ask<'_>,
        planned: &mut Planned,
        issues: &mut Vec<Issue>,
    ) -> bool {
        let (Some(number), None) = (ask.number, non_empty(&ask.payer.contact_number)) else {
            return false;
        };
        let Some(own) = payer_key(ask.payer) else {
            return false;
        };
        let first = planned
            .derived
            .entry(names::key(number))
            .or_insert_with(|| own.clone());
        if *first == own {
            return false;
        }
        issues.push(Issue::error(
            IssueCode::ContactNameTaken,
            ask.path.field("id"),
            format!("Payer {own} would have contact number \"{number}\" (settings.contacts.contactNumberFromId), as payer {first} of this batch has: both would be one Xero contact. Give this payer its own payer.contactNumber, or link it (payer.contactId)."),
        ));
        true
    }

    /// Whether the new contact's ContactNumber is another contact's (reported). Why: rule 3
    /// skips a contact with the payer's number when something else of it contradicts the payer
    /// (another email), so the payer is created, and Xero refuses a PUT /Contacts whose
    /// ContactNumber an existing contact has (reference §5, D-CON: "Another contact has this
    /// contact number"), or one a contact planned earlier in the batch takes. No number is
    /// invented: the host's number is its key for this person.
    fn number_taken(
        &self,
        ask: &Ask<'_>,
        key: &str,
        planned: &Planned,
        issues: &mut Vec<Issue>,
    ) -> bool {
        let Some(number) = ask.number else {
            return false;
        };
        let k = names::key(number);
        let by_xero = self
            .snapshot
            .contact_by_number
            .get(&k)
            .into_iter()
            .flatten()
            .filter_map(|i| self.snapshot.contacts.get(*i))
            .find_map(|c| c.contact_id.as_deref().or(c.name.as_deref()));
        let by_batch = planned.numbers.get(&k).filter(|owner| *owner != key);
        let other = match (by_xero, by_batch) {
            (Some(id), _) => format!("Xero contact {id}"),
            (None, Some(owner)) => format!("the contact created for payer {owner} in this batch"),
            (None, None) => return false,
        };
        // The number is the payer's own, or its id under settings.contacts.contactNumberFromId.
        let field = if non_empty(&ask.payer.contact_number).is_some() {
            "contactNumber"
        } else {
            "id"
        };
        issues.push(Issue::error(
            IssueCode::ContactNameTaken,
            ask.path.field(field),
            format!("Contact number \"{number}\" belongs to {other}, which is another person (its email or account number differs), and Xero requires unique contact numbers: this payer is not created. Link it to the right contact (payer.contactId) or give it its own contact number."),
        ));
        true
    }

    /// The new contact's name: the payer's, or with its number as a suffix when an active
    /// contact (or one planned in this batch) has it; `None` (an error) when neither is free.
    fn unique_name(
        &self,
        ask: &Ask<'_>,
        name: Text,
        key: &str,
        planned: &Planned,
        issues: &mut Vec<Issue>,
    ) -> Option<Text> {
        let (payer, number) = (ask.payer, ask.number);
        let taken = |n: &str| {
            let k = names::key(n);
            let by_xero = self
                .snapshot
                .contact_by_name
                .get(&k)
                .into_iter()
                .flatten()
                .any(|i| {
                    self.snapshot
                        .contacts
                        .get(*i)
                        .is_some_and(Contact::is_active)
                });
            by_xero || planned.names.get(&k).is_some_and(|owner| owner != key)
        };
        let mut final_name = name.clone();
        if taken(&name) {
            let suffix = number.or_else(|| non_empty(&payer.id));
            let candidate = suffix.map(|s| format!("{name} ({s})"));
            match (self.settings.name_collision, candidate) {
                (NameCollision::Suffix, Some(c)) if !taken(&c) => {
                    issues.push(Issue::warning(
                        IssueCode::ContactNameTaken,
                        name_path(ask),
                        format!("Another active Xero contact is named \"{name}\"; the new contact will be named \"{c}\" (Xero requires unique names among active contacts)."),
                    ));
                    final_name = Text::new(c);
                }
                _ => {
                    issues.push(Issue::error(
                        IssueCode::ContactNameTaken,
                        name_path(ask),
                        format!("Another active Xero contact is named \"{name}\" and Xero requires unique names among active contacts. Link this payer to that contact (payer.contactId) if it is the same person, or give it a distinct name."),
                    ));
                    return None;
                }
            }
        }
        Some(final_name)
    }
}

fn check_len(value: Option<&str>, max: usize, path: &Path, field: &str, issues: &mut Vec<Issue>) {
    if let Some(v) = value {
        let n = v.chars().count();
        if n > max {
            issues.push(Issue::error(
                IssueCode::TooLong,
                path.field(field),
                format!("{field} is {n} characters; Xero accepts at most {max}. Shorten it in your application."),
            ));
        }
    }
}

/// Whether Xero would accept the email: one `@`, a non-empty local part, a dotted domain, no
/// spaces, ASCII only (Xero: "umlauts not supported").
pub fn email_valid(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.is_ascii()
        && !local.is_empty()
        && !domain.contains('@')
        && !email.contains(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|p| !p.is_empty())
}

pub(crate) fn wire_contact(
    payer: &Payer,
    name: String,
    number: Option<String>,
    path: &Path,
    issues: &mut Vec<Issue>,
) -> WireContact {
    let account_number = non_empty(&payer.account_number);
    let first_name = non_empty(&payer.first_name);
    let last_name = non_empty(&payer.last_name);
    check_len(Some(&name), 255, path, "name", issues);
    check_len(number.as_deref(), 50, path, "contactNumber", issues);
    check_len(account_number, 50, path, "accountNumber", issues);
    check_len(first_name, 255, path, "firstName", issues);
    check_len(last_name, 255, path, "lastName", issues);
    let tax_number = non_empty(&payer.tax_number);
    check_len(tax_number, 50, path, "taxNumber", issues);
    let payment_terms = wire_terms(payer.payment_terms.as_ref(), path, issues);
    let email = non_empty(&payer.email).map(str::to_owned);
    if let Some(e) = &email {
        check_len(Some(e), 255, path, "email", issues);
        if !email_valid(e) {
            issues.push(Issue::error(IssueCode::EmailInvalid, path.field("email"), format!("\"{e}\" is not an email address Xero accepts (ASCII only, one @, a dotted domain). Fix it or leave it out.")));
        }
    }
    let addresses: Vec<WireAddress> = payer
        .address
        .iter()
        .map(|a| wire_address(a, &path.field("address"), issues))
        .collect();
    let phones: Vec<WirePhone> = payer
        .phone
        .iter()
        .map(|p| wire_phone(p, &path.field("phone"), issues))
        .collect();
    WireContact {
        name,
        contact_number: number,
        account_number: account_number.map(str::to_owned),
        first_name: first_name.map(str::to_owned),
        last_name: last_name.map(str::to_owned),
        email_address: email,
        tax_number: tax_number.map(str::to_owned),
        payment_terms,
        addresses,
        phones,
    }
}

/// The payer's address as Xero's contact takes it, each field checked against Xero's limits.
fn wire_address(
    a: &crate::input::source::Address,
    ap: &Path,
    issues: &mut Vec<Issue>,
) -> WireAddress {
    // Each field cleaned once: checked, then sent.
    let city = non_empty(&a.city);
    let region = non_empty(&a.region);
    let postal_code = non_empty(&a.postal_code);
    let country = non_empty(&a.country);
    let attention_to = non_empty(&a.attention_to);
    let kind = a.kind.as_deref().unwrap_or("STREET").to_ascii_uppercase();
    if kind != "STREET" && kind != "POBOX" {
        issues.push(Issue::error(
            IssueCode::SettingsInvalid,
            ap.field("type"),
            format!("Address type \"{kind}\" is not valid for contacts: use STREET or POBOX."),
        ));
    }
    if a.lines.len() > 4 {
        issues.push(Issue::error(
            IssueCode::TooLong,
            ap.field("lines"),
            "Xero takes at most 4 address lines.",
        ));
    }
    for (i, l) in a.lines.iter().enumerate() {
        check_len(Some(l), 500, ap, &format!("lines[{i}]"), issues);
    }
    check_len(city, 255, ap, "city", issues);
    check_len(region, 255, ap, "region", issues);
    check_len(postal_code, 50, ap, "postalCode", issues);
    check_len(country, 50, ap, "country", issues);
    check_len(attention_to, 255, ap, "attentionTo", issues);
    let line = |i: usize| {
        a.lines
            .get(i)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    WireAddress {
        address_type: kind,
        address_line1: line(0),
        address_line2: line(1),
        address_line3: line(2),
        address_line4: line(3),
        city: city.map(str::to_owned),
        region: region.map(str::to_owned),
        postal_code: postal_code.map(str::to_owned),
        country: country.map(str::to_owned),
        attention_to: attention_to.map(str::to_owned),
    }
}

/// The payer's phone as Xero's contact takes it, each field checked against Xero's limits.
fn wire_phone(p: &crate::input::source::Phone, pp: &Path, issues: &mut Vec<Issue>) -> WirePhone {
    let number = non_empty(&p.number);
    let area_code = non_empty(&p.area_code);
    let country_code = non_empty(&p.country_code);
    let kind = p.kind.as_deref().unwrap_or("DEFAULT").to_ascii_uppercase();
    if !matches!(kind.as_str(), "DEFAULT" | "DDI" | "MOBILE" | "FAX") {
        issues.push(Issue::error(
            IssueCode::SettingsInvalid,
            pp.field("type"),
            format!("Phone type \"{kind}\" is not valid: use DEFAULT, DDI, MOBILE or FAX."),
        ));
    }
    check_len(number, 50, pp, "number", issues);
    check_len(area_code, 10, pp, "areaCode", issues);
    check_len(country_code, 20, pp, "countryCode", issues);
    WirePhone {
        phone_type: kind,
        phone_number: number.map(str::to_owned),
        phone_area_code: area_code.map(str::to_owned),
        phone_country_code: country_code.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn email_rules() {
        for ok in ["a@b.co", "First.Last+tag@example.co.nz"] {
            assert!(email_valid(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "jü@b.de", "a@b..co",
        ] {
            assert!(!email_valid(bad), "{bad}");
        }
    }
}
