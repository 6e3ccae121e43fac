//! Xero contacts → the host's people (a time tracker inviting Xero contacts into its
//! workspace, a CRM importing its clients).
//!
//! For each Xero contact (one per ContactID, see [`super::pages`]): the person it is (its index
//! in `people` and the rule that matched), `new` (no person is it), or `ambiguous` (several
//! people could be, or several contacts claim one person: never guessed). Xero's
//! `IsSupplier`/`IsCustomer` and `ContactStatus` are kept as Xero gave them; archived contacts
//! are imported and matched like the others (the host decides what an archived one means),
//! except that when a rule finds one person for several contacts, the one ACTIVE contact
//! among them is that person, as for payers.
//!
//! The rules are the payers' ([`crate::resolve::contacts`]), tried strongest first over all
//! contacts at once, so a person linked by ContactID is never claimed by another contact's name:
//! 1. the person's `contactId`, 2. `settings.contacts.mapping["kind:id"]`, 3. ContactNumber (the
//!    person's own, or its id with `settings.contacts.contactNumberFromId`), 4. AccountNumber,
//!    5. email, 6. name (`name`, else `firstName lastName`).
//!
//! Values are compared as Xero compares names ([`names::key`]). For rules 3-6 a person is a
//! candidate only if nothing it has contradicts the contact (another ContactNumber, account
//! number, email, or a link to another ContactID means another person, even with the same name).

use serde::Serialize;
use std::collections::BTreeMap;

use super::pages::{Pages, XeroAddress, XeroContact, XeroPhone};
use crate::input::settings::ContactSettings;
use crate::input::source::{non_empty, Address, Payer, Phone};
use crate::issues::{Issue, IssueCode};
use crate::names;
use crate::resolve::contacts::{payer_key, payer_name, MatchRule};
use crate::Text;

/// What a Xero contact is to the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum ImportStatus {
    /// One person is this contact (`person`, `matchedBy`).
    Matched,
    /// No person is this contact: the host may add it as a new person.
    New,
    /// Several people could be this contact, or several contacts claim one person
    /// (`candidates`): link one (`person.contactId`) and import again.
    Ambiguous,
}

/// One Xero contact, read for the host.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ImportedContact {
    /// ContactID.
    pub contact_id: Text,
    /// Where it was in the pages (its first copy): `pages[1].Contacts[4]`.
    pub path: String,
    /// Matched, new or ambiguous.
    pub status: ImportStatus,
    /// The index in `people` of the person it is (matched only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<usize>,
    /// That person's host id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Text>,
    /// The rule that matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchRule>,
    /// The people it could be (ambiguous only), by index in `people`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub candidates: Vec<usize>,
    /// The fields (in the person's names) whose Xero value differs from the matched person's
    /// (`name`, `firstName`, `lastName`, `email`, `contactNumber`, `accountNumber`): what an
    /// import would change. Fields Xero leaves empty are not listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(
        test,
        ts(
            optional = nullable,
            type = "Array<\"name\" | \"firstName\" | \"lastName\" | \"email\" | \"contactNumber\" | \"accountNumber\">"
        )
    )]
    pub differs: Vec<&'static str>,
    /// ContactStatus as Xero gave it (ACTIVE, ARCHIVED, GDPRREQUEST).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_status: Option<Text>,
    /// IsSupplier as Xero gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_supplier: Option<bool>,
    /// IsCustomer as Xero gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_customer: Option<bool>,
    /// TaxNumber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<Text>,
    /// The contact as a person of the host (the payer shape, `contactId` set): what to store
    /// for a new one, or to update a matched one with.
    pub fields: Payer,
}

/// Counts of an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ImportSummary {
    /// Contacts read (one per ContactID).
    pub contacts: usize,
    /// Matched to a person.
    pub matched: usize,
    /// New.
    pub new: usize,
    /// Ambiguous.
    pub ambiguous: usize,
    /// Copies of a contact already read on another page (dropped).
    pub duplicates: usize,
}

/// The result of `exporter.importContacts(pages, people)`.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ContactImport {
    /// One per Xero contact, in the order first read.
    pub contacts: Vec<ImportedContact>,
    /// The people no contact matched or may be, by index (the ones still to create in Xero).
    pub people_not_in_xero: Vec<usize>,
    /// Problems: people's unknown keys, contacts without a ContactID, ambiguity.
    pub issues: Vec<Issue>,
    /// Counts.
    pub summary: ImportSummary,
}

/// One person's keys, one per rule (`None` when the person has no value for it).
struct Keys {
    by_rule: [Option<String>; 6],
    /// The ContactID the person is linked to (rule 1 or 2), if any.
    linked: Option<String>,
}

const RULES: [MatchRule; 6] = [
    MatchRule::ContactId,
    MatchRule::Mapping,
    MatchRule::ContactNumber,
    MatchRule::AccountNumber,
    MatchRule::Email,
    MatchRule::Name,
];

fn person_keys(p: &Payer, settings: &ContactSettings) -> Keys {
    let key = |s: Option<&str>| s.map(names::key);
    let mapped = payer_key(p).and_then(|k| settings.mapping.get(&k).map(|id| names::key(id)));
    let number = crate::resolve::contacts::payer_number(p, settings);
    let linked_id = key(non_empty(&p.contact_id));
    Keys {
        linked: linked_id.clone().or_else(|| mapped.clone()),
        by_rule: [
            linked_id,
            mapped,
            key(number),
            key(non_empty(&p.account_number)),
            key(non_empty(&p.email)),
            payer_name(p).map(|n| names::key(&n)),
        ],
    }
}

/// The contact's key for rule `r`.
fn contact_key(c: &XeroContact, r: usize) -> Option<String> {
    let v = match r {
        0 | 1 => non_empty(&c.contact_id).map(str::to_owned),
        2 => non_empty(&c.contact_number).map(str::to_owned),
        3 => non_empty(&c.account_number).map(str::to_owned),
        4 => non_empty(&c.email).map(str::to_owned),
        _ => contact_name(c),
    }?;
    Some(names::key(&v))
}

fn contact_name(c: &XeroContact) -> Option<String> {
    non_empty(&c.name).map(str::to_owned).or_else(|| {
        let parts: Vec<&str> = [non_empty(&c.first_name), non_empty(&c.last_name)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    })
}

/// Whether something the person has says it is not this contact (rules 3-6 only).
fn contradicts(c: &XeroContact, k: &Keys) -> bool {
    let id = contact_key(c, 0);
    let differs = |theirs: Option<String>, ours: &Option<String>| match (theirs, ours) {
        (Some(t), Some(o)) => &t != o,
        _ => false,
    };
    differs(id, &k.linked)
        || differs(contact_key(c, 2), &k.by_rule[2])
        || differs(contact_key(c, 3), &k.by_rule[3])
        || differs(contact_key(c, 4), &k.by_rule[4])
}

/// Where each contact stands while the rules run.
#[derive(Clone, Default)]
struct Decision {
    person: Option<usize>,
    rule: Option<MatchRule>,
    candidates: Vec<usize>,
    decided: bool,
}

/// Imports Xero's contacts (`pages`, read by [`super::pages::read_pages`]) against the host's
/// `people` (the payer shape). Deterministic: the same pages and people give the same result.
pub fn import_contacts(
    pages: &Pages,
    people: &[Payer],
    settings: &ContactSettings,
    mut issues: Vec<Issue>,
) -> ContactImport {
    let keys: Vec<Keys> = people.iter().map(|p| person_keys(p, settings)).collect();
    let mut decisions = vec![Decision::default(); pages.contacts.len()];
    let mut claimed = vec![false; people.len()];
    for (r, rule) in RULES.iter().enumerate() {
        run_rule(pages, &keys, r, *rule, &mut decisions, &mut claimed);
    }
    for path in &pages.without_id {
        issues.push(Issue::warning(
            IssueCode::ContactImportNoId,
            path.as_str(),
            "This contact has no ContactID, so it cannot be linked to a person; it was not imported. Pass the contacts as GET /Contacts returns them.",
        ));
    }
    let contacts: Vec<ImportedContact> = pages
        .contacts
        .iter()
        .zip(decisions)
        .map(|(read, d)| imported(&read.contact, &read.path, d, people, &mut issues))
        .collect();
    let summary = summary(&contacts, pages.duplicates);
    ContactImport {
        contacts,
        people_not_in_xero: (0..people.len())
            .filter(|i| !claimed.get(*i).copied().unwrap_or(true))
            .collect(),
        issues,
        summary,
    }
}

/// Runs rule `r` over every undecided contact: an index of the unclaimed people by their key,
/// then one proposal per contact; a person proposed by two contacts is ambiguous for both.
fn run_rule(
    pages: &Pages,
    keys: &[Keys],
    r: usize,
    rule: MatchRule,
    decisions: &mut [Decision],
    claimed: &mut [bool],
) {
    let mut index: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, k) in keys.iter().enumerate() {
        if claimed.get(i).copied().unwrap_or(true) {
            continue;
        }
        if let Some(Some(key)) = k.by_rule.get(r) {
            index.entry(key.as_str()).or_default().push(i);
        }
    }
    let mut proposals: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (ci, (read, d)) in pages.contacts.iter().zip(decisions.iter_mut()).enumerate() {
        if d.decided {
            continue;
        }
        let Some(key) = contact_key(&read.contact, r) else {
            continue;
        };
        let candidates: Vec<usize> = index
            .get(key.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| r < 2 || keys.get(*p).is_some_and(|k| !contradicts(&read.contact, k)))
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => proposals.entry(*one).or_default().push(ci),
            _ => {
                // Each candidate may be this contact: none is free for a weaker rule.
                for p in &candidates {
                    if let Some(c) = claimed.get_mut(*p) {
                        *c = true;
                    }
                }
                d.decided = true;
                d.candidates = candidates;
            }
        }
    }
    for (person, mut contacts) in proposals {
        if let Some(c) = claimed.get_mut(person) {
            *c = true;
        }
        prefer_active(pages, &mut contacts);
        let contested = contacts.len() > 1;
        for ci in contacts {
            if let Some(d) = decisions.get_mut(ci) {
                d.decided = true;
                if contested {
                    d.candidates = vec![person];
                } else {
                    d.person = Some(person);
                    d.rule = Some(rule);
                }
            }
        }
    }
}

/// Of several contacts proposing one person, the one ACTIVE contact wins, as for payers: its
/// archived namesakes are history (Xero's names are unique among active contacts only), left
/// undecided. Several active ones stay contested.
fn prefer_active(pages: &Pages, contacts: &mut Vec<usize>) {
    let active = |ci: &usize| {
        pages.contacts.get(*ci).is_some_and(|r| {
            r.contact
                .status
                .as_deref()
                .is_none_or(|s| s.trim().eq_ignore_ascii_case("ACTIVE"))
        })
    };
    if contacts.len() > 1 && contacts.iter().filter(|ci| active(ci)).count() == 1 {
        contacts.retain(active);
    }
}

fn imported(
    c: &XeroContact,
    path: &str,
    d: Decision,
    people: &[Payer],
    issues: &mut Vec<Issue>,
) -> ImportedContact {
    let status = match (d.person, d.candidates.is_empty()) {
        (Some(_), _) => ImportStatus::Matched,
        (None, true) => ImportStatus::New,
        (None, false) => ImportStatus::Ambiguous,
    };
    if status == ImportStatus::Ambiguous {
        issues.push(ambiguous_issue(c, path, &d.candidates, people));
    }
    let fields = as_person(c);
    let matched = d.person.and_then(|i| people.get(i));
    ImportedContact {
        contact_id: c.contact_id.clone().unwrap_or_default(),
        path: path.to_owned(),
        status,
        person: d.person,
        person_id: matched.and_then(|p| p.id.clone()),
        matched_by: d.rule,
        candidates: d.candidates,
        differs: matched.map(|p| differs(&fields, p)).unwrap_or_default(),
        contact_status: c.status.clone(),
        is_supplier: c.is_supplier,
        is_customer: c.is_customer,
        tax_number: c.tax_number.clone(),
        fields,
    }
}

fn ambiguous_issue(c: &XeroContact, path: &str, candidates: &[usize], people: &[Payer]) -> Issue {
    let shown: Vec<String> = candidates
        .iter()
        .map(|i| match people.get(*i).and_then(|p| p.id.as_deref()) {
            Some(id) => format!("people[{i}] ({})", crate::money::shown(id)),
            None => format!("people[{i}]"),
        })
        .collect();
    Issue::warning(
        IssueCode::ContactImportAmbiguous,
        path,
        format!(
            "Xero contact \"{}\" ({}) could be {}: it was not linked. Set the right person's contactId to this ContactID and import again.",
            crate::money::shown(c.name.as_deref().unwrap_or("")),
            c.contact_id.as_deref().unwrap_or(""),
            shown.join(" or ")
        ),
    )
}

/// The fields whose Xero value (non-empty) differs from the person's: what `syncContacts`
/// would send for them (people/sync.rs `changes`), so compared as it compares.
fn differs(xero: &Payer, person: &Payer) -> Vec<&'static str> {
    let pairs: [(&'static str, &Option<Text>, &Option<Text>); 6] = [
        ("name", &xero.name, &person.name),
        ("firstName", &xero.first_name, &person.first_name),
        ("lastName", &xero.last_name, &person.last_name),
        ("email", &xero.email, &person.email),
        (
            "contactNumber",
            &xero.contact_number,
            &person.contact_number,
        ),
        (
            "accountNumber",
            &xero.account_number,
            &person.account_number,
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, x, p)| match (non_empty(x), non_empty(p)) {
            // Exactly, as `syncContacts` compares what it would send (a case change is sent).
            (Some(x), Some(p)) => x.trim() != p.trim(),
            (Some(_), None) => true,
            _ => false,
        })
        .map(|(f, _, _)| f)
        .collect()
}

/// The contact in the host's person shape.
fn as_person(c: &XeroContact) -> Payer {
    Payer {
        name: c.name.clone(),
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        contact_number: c.contact_number.clone(),
        account_number: c.account_number.clone(),
        address: c.addresses.as_deref().and_then(address),
        phone: c.phones.as_deref().and_then(phone),
        tax_number: c.tax_number.clone(),
        contact_id: c.contact_id.clone(),
        ..Payer::default()
    }
}

/// The first address with something in it, in Xero's order (POBOX, the postal address, comes
/// first in Xero's answers).
fn address(all: &[XeroAddress]) -> Option<Address> {
    all.iter().find_map(|a| {
        let lines: Vec<Text> = [&a.line1, &a.line2, &a.line3, &a.line4]
            .into_iter()
            .filter_map(|l| non_empty(l).map(Text::new))
            .collect();
        let out = Address {
            kind: a.kind.clone(),
            lines,
            city: non_empty(&a.city).map(Text::new),
            region: non_empty(&a.region).map(Text::new),
            postal_code: non_empty(&a.postal_code).map(Text::new),
            country: non_empty(&a.country).map(Text::new),
            attention_to: non_empty(&a.attention_to).map(Text::new),
        };
        let empty = out.lines.is_empty()
            && out.city.is_none()
            && out.region.is_none()
            && out.postal_code.is_none()
            && out.country.is_none();
        (!empty).then_some(out)
    })
}

/// The DEFAULT phone if it has a number, else the MOBILE, else the first with a number.
fn phone(all: &[XeroPhone]) -> Option<Phone> {
    let with_number = |kind: Option<&str>| {
        all.iter().find(|p| {
            non_empty(&p.number).is_some()
                && kind.is_none_or(|k| {
                    p.kind
                        .as_deref()
                        .is_some_and(|pk| pk.eq_ignore_ascii_case(k))
                })
        })
    };
    let p = with_number(Some("DEFAULT"))
        .or_else(|| with_number(Some("MOBILE")))
        .or_else(|| with_number(None))?;
    Some(Phone {
        kind: p.kind.clone(),
        number: non_empty(&p.number).map(Text::new),
        area_code: non_empty(&p.area_code).map(Text::new),
        country_code: non_empty(&p.country_code).map(Text::new),
    })
}

fn summary(contacts: &[ImportedContact], duplicates: usize) -> ImportSummary {
    let count = |s: ImportStatus| contacts.iter().filter(|c| c.status == s).count();
    ImportSummary {
        contacts: contacts.len(),
        matched: count(ImportStatus::Matched),
        new: count(ImportStatus::New),
        ambiguous: count(ImportStatus::Ambiguous),
        duplicates,
    }
}
