//! The host's people → Xero contacts, without invoices (`plan({people})`: a time tracker
//! importing its members, a CRM pushing its clients).
//!
//! Each person is matched with the payers' rules ([`crate::resolve::contacts::Resolver`]:
//! contactId, mapping, ContactNumber, AccountNumber, email, name; archived matches and several
//! active matches are errors), then:
//! - no match → a contact to create (PUT /Contacts), whatever `settings.contacts.onMissing`
//!   says (creating is what the host asked for), under the person's own name: a name another
//!   active contact has is CONTACT_NAME_TAKEN (no suffix is invented for a person the host will
//!   see in Xero by name);
//! - a match whose fields differ → an update (POST /Contacts with ContactID) of only the fields
//!   the host gave and Xero has otherwise; a field the host left out is never sent (the host
//!   does not own it);
//! - a match that is the same → `unchanged`, nothing sent.
//!
//! A create or a rename onto a name another contact has (in the snapshot, or planned by another
//! person of the same call) is CONTACT_NAME_TAKEN before anything is sent: Xero requires unique
//! names among active contacts. Two people that are one contact, or share a host key, are
//! PERSON_DUPLICATE on the later one (two updates of one contact in one call would race).
//!
//! Plans only; the run (`send`) sends, reconciles and reports.

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::input::settings::{ContactSettings, NameCollision, OnMissingContact};
use crate::input::snapshot::{Contact, RawTerm, Snapshot};
use crate::input::source::{non_empty, Payer};
use crate::input::unknown::Found;
use crate::issues::{Issue, IssueCode, Path, Severity};
use crate::names;
use crate::resolve::contacts::{
    payer_key, payer_name, wire_contact, ContactRef, MatchRule, NewContact, Planned, Resolver,
    WireAddress, WireContact, WirePhone, WireTerm, WireTerms,
};
use crate::Text;

/// Where a person stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum PersonStatus {
    /// To be sent (or in flight).
    Pending,
    /// Created in Xero (`contactId`).
    Created,
    /// Updated in Xero (`contactId`, `changed`).
    Updated,
    /// Already as the host has it: nothing was sent.
    Unchanged,
    /// Not sent, or refused by Xero (`issues`).
    Failed,
    /// Sent without a usable answer, looked up (creates) or resent (updates) next.
    Uncertain,
}

/// One person's outcome: `run.people()`.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PersonOutcome {
    /// The person's index in `people`.
    pub index: usize,
    /// The person's host id, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<Text>,
    /// Where it stands.
    pub status: PersonStatus,
    /// Its ContactID (matched, or once created).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Text>,
    /// The rule that matched an existing contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchRule>,
    /// The fields sent in an update, in the person's names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(
        test,
        ts(
            optional = nullable,
            type = "Array<\"name\" | \"firstName\" | \"lastName\" | \"email\" | \"contactNumber\" | \"accountNumber\" | \"taxNumber\" | \"paymentTerms\" | \"address\" | \"phone\">"
        )
    )]
    pub changed: Vec<&'static str>,
    /// Problems (errors mean it was not sent, or Xero refused it), warnings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub issues: Vec<Issue>,
}

/// A Contact element of POST /Contacts that updates a contact: its ContactID and the fields
/// that change, nothing else.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct WireContactUpdate {
    /// The contact updated.
    #[serde(rename = "ContactID")]
    pub contact_id: String,
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New contact code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_number: Option<String>,
    /// New account number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// New first name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// New last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// New email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// New tax number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_number: Option<String>,
    /// New payment terms (with Xero's other side as it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_terms: Option<WireTerms>,
    /// The address of the type the host gave (Xero keeps its other address type).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<WireAddress>,
    /// The phone of the type the host gave (Xero keeps its other phone types).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<WirePhone>,
}

/// What the run does for a person.
#[derive(Clone, Debug)]
pub enum PersonWork {
    /// PUT /Contacts.
    Create(NewContact),
    /// POST /Contacts with ContactID.
    Update(WireContactUpdate),
    /// Nothing to send (unchanged, or failed before sending).
    Nothing,
}

/// One person, planned.
#[derive(Clone, Debug)]
pub struct PersonPlan {
    /// What to send.
    pub work: PersonWork,
    /// Its outcome before anything is sent.
    pub outcome: PersonOutcome,
}

/// Plans `people` against the snapshot's contacts; `unknown` are the people's unknown keys
/// (each an error on its person: a misspelt field must not be left unchanged silently);
/// `payers` the contacts the run's invoices create: a person with one's key is that contact
/// (its create is the payer's), and their names are taken for the others.
pub fn plan_people(
    snapshot: &Snapshot,
    settings: &ContactSettings,
    people: &[Payer],
    unknown: &[Found],
    payers: &[&NewContact],
) -> Vec<PersonPlan> {
    // The person's own name, always: see the module doc.
    let settings = ContactSettings {
        on_missing: OnMissingContact::Create,
        name_collision: NameCollision::Error,
        ..settings.clone()
    };
    let resolver = Resolver::new(snapshot, &settings);
    let mut planned = Planned::with(payers.iter().copied());
    let mut claims = Claims::default();
    let mut plans = Vec::with_capacity(people.len());
    for (i, person) in people.iter().enumerate() {
        let path = Path::root("people").index(i);
        let mut issues = unknown_keys(unknown, &path);
        let found = resolver.resolve(
            Some(person),
            &path,
            &person_key(person, i),
            &mut planned,
            &mut issues,
        );
        let mut plan = match found {
            ContactRef::Existing {
                contact_id,
                matched_by,
                ..
            } => existing(
                snapshot,
                person,
                &path,
                &contact_id,
                matched_by,
                &mut issues,
            ),
            ContactRef::Create { key, .. } => match planned.contacts.get(key.as_str()) {
                Some(new) => created(new.clone()),
                None => nothing(PersonStatus::Failed),
            },
            ContactRef::Unresolved => nothing(PersonStatus::Failed),
        };
        // The payers' "will be created before the invoice" note says nothing here: the
        // person's status does.
        issues.retain(|x| x.code != IssueCode::ContactWillBeCreated);
        claims.check(person, i, &plan, &path, &mut issues);
        plan.outcome.index = i;
        plan.outcome.person_id = person.id.clone();
        plan.outcome.issues = issues;
        if plan
            .outcome
            .issues
            .iter()
            .any(|x| x.severity == Severity::Error)
        {
            plan.work = PersonWork::Nothing;
            plan.outcome.status = PersonStatus::Failed;
        }
        plans.push(plan);
    }
    renames_taken(snapshot, payers, &mut plans);
    plans
}

/// The key a person's planned create is filed under (`kind:id`, else its position).
fn person_key(person: &Payer, i: usize) -> String {
    payer_key(person).unwrap_or_else(|| format!("people[{i}]"))
}

/// The person's unknown keys as errors at its path.
fn unknown_keys(unknown: &[Found], path: &Path) -> Vec<Issue> {
    let at = path.as_str();
    unknown
        .iter()
        .filter(|f| {
            let p = f.path.as_str();
            p.strip_prefix(at)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        })
        .map(|f| {
            Issue::error(
                IssueCode::FieldUnknown,
                f.path.clone(),
                f.describe("person field"),
            )
        })
        .collect()
}

fn nothing(status: PersonStatus) -> PersonPlan {
    PersonPlan {
        work: PersonWork::Nothing,
        outcome: PersonOutcome {
            index: 0,
            person_id: None,
            status,
            contact_id: None,
            matched_by: None,
            changed: Vec::new(),
            issues: Vec::new(),
        },
    }
}

fn created(new: NewContact) -> PersonPlan {
    let mut plan = nothing(PersonStatus::Pending);
    plan.work = PersonWork::Create(new);
    plan
}

/// A person matched to `contact_id`: an update of what differs, or nothing.
fn existing(
    snapshot: &Snapshot,
    person: &Payer,
    path: &Path,
    contact_id: &str,
    matched_by: MatchRule,
    issues: &mut Vec<Issue>,
) -> PersonPlan {
    let mut plan = nothing(PersonStatus::Unchanged);
    plan.outcome.contact_id = Some(Text::new(contact_id));
    plan.outcome.matched_by = Some(matched_by);
    let Some(contact) = snapshot.contact_by_id(contact_id) else {
        // Without Xero's fields the changes cannot be told apart from what Xero has.
        issues.push(Issue::error(
            IssueCode::ContactNotFound,
            path.field("contactId"),
            format!("Contact {contact_id} is not in the snapshot's contacts, so what would change cannot be known: refresh the snapshot (GET /Contacts?includeArchived=true) or unlink the person."),
        ));
        plan.outcome.status = PersonStatus::Failed;
        return plan;
    };
    if !contact.is_active() {
        // A linked contact that is archived (the resolver reports it for rules 3-6).
        if !issues.iter().any(|x| x.code == IssueCode::ContactArchived) {
            issues.push(Issue::error(
                IssueCode::ContactArchived,
                path,
                format!("Xero contact \"{}\" ({contact_id}) is {}: it is not updated. Un-archive it in Xero, or unlink the person.", contact.name.as_deref().unwrap_or(""), contact.status.as_deref().unwrap_or("ARCHIVED")),
            ));
        }
        plan.outcome.status = PersonStatus::Failed;
        return plan;
    }
    let name = payer_name(person)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let number = non_empty(&person.contact_number).map(str::to_owned);
    let wire = wire_contact(person, name, number, path, issues);
    let (update, changed) = changes(&wire, contact, contact_id);
    if !changed.is_empty() {
        plan.outcome.status = PersonStatus::Pending;
        plan.outcome.changed = changed;
        plan.work = PersonWork::Update(update);
    }
    plan
}

/// The fields of `wire` (what the host gave) that differ from `contact`, as an update.
fn changes(
    wire: &WireContact,
    contact: &Contact,
    contact_id: &str,
) -> (WireContactUpdate, Vec<&'static str>) {
    let mut u = WireContactUpdate {
        contact_id: contact_id.to_owned(),
        ..WireContactUpdate::default()
    };
    let mut changed = Vec::new();
    let mut text = |ours: Option<&String>, theirs: &Option<Text>, field: &'static str| {
        let ours = ours.filter(|o| !o.is_empty())?;
        let same = theirs.as_deref().is_some_and(|t| t.trim() == ours.as_str());
        (!same).then(|| {
            changed.push(field);
            ours.clone()
        })
    };
    u.name = text(Some(&wire.name), &contact.name, "name");
    u.first_name = text(wire.first_name.as_ref(), &contact.first_name, "firstName");
    u.last_name = text(wire.last_name.as_ref(), &contact.last_name, "lastName");
    u.email_address = text(wire.email_address.as_ref(), &contact.email, "email");
    u.tax_number = text(wire.tax_number.as_ref(), &contact.tax_number, "taxNumber");
    u.contact_number = text(
        wire.contact_number.as_ref(),
        &contact.contact_number,
        "contactNumber",
    );
    u.account_number = text(
        wire.account_number.as_ref(),
        &contact.account_number,
        "accountNumber",
    );
    if let Some(terms) = terms_changed(wire.payment_terms.as_ref(), contact) {
        changed.push("paymentTerms");
        u.payment_terms = Some(terms);
    }
    // Whether Xero replaces the whole Addresses / Phones list on an update, or only the types
    // sent, is UNVERIFIED (reference §5 says only that an excluded element is preserved). The
    // safe way: send the changed one with Xero's others of the other types as they are, so
    // either reading leaves the types the host does not own unchanged.
    let addresses: Vec<WireAddress> =
        differing(&wire.addresses, contact.addresses.as_ref(), "AddressType")
            .into_iter()
            .map(
                |a| match same_type(contact.addresses.as_ref(), "AddressType", &a.address_type) {
                    Some(t) => fill_address(a, xero_address(t)),
                    None => a,
                },
            )
            .collect();
    if !addresses.is_empty() {
        changed.push("address");
        u.addresses = with_others(
            addresses,
            contact.addresses.as_ref(),
            "AddressType",
            |a| &a.address_type,
            xero_address,
        );
    }
    let phones: Vec<WirePhone> = differing(&wire.phones, contact.phones.as_ref(), "PhoneType")
        .into_iter()
        .map(
            |p| match same_type(contact.phones.as_ref(), "PhoneType", &p.phone_type) {
                Some(t) => fill_phone(p, xero_phone(t)),
                None => p,
            },
        )
        .collect();
    if !phones.is_empty() {
        changed.push("phone");
        u.phones = with_others(
            phones,
            contact.phones.as_ref(),
            "PhoneType",
            |p| &p.phone_type,
            xero_phone,
        );
    }
    (u, changed)
}

/// The payment terms to send when a side the host gives differs from Xero's: the host's sides,
/// and Xero's other side as it is (whether Xero keeps a side left out is UNVERIFIED).
fn terms_changed(ours: Option<&WireTerms>, contact: &Contact) -> Option<WireTerms> {
    let ours = ours?;
    let theirs = contact.payment_terms.as_ref();
    let xero = |side: Option<&RawTerm>| {
        side.and_then(|t| {
            Some(WireTerm {
                day: t.day?,
                kind: t.kind.clone()?,
            })
        })
    };
    let (sales, bills) = (
        xero(theirs.and_then(|t| t.sales.as_ref())),
        xero(theirs.and_then(|t| t.bills.as_ref())),
    );
    let differs = |mine: &Option<WireTerm>, xero: &Option<WireTerm>| {
        mine.as_ref().is_some_and(|m| Some(m) != xero.as_ref())
    };
    if !differs(&ours.sales, &sales) && !differs(&ours.bills, &bills) {
        return None;
    }
    Some(WireTerms {
        sales: ours.sales.clone().or(sales),
        bills: ours.bills.clone().or(bills),
    })
}

/// `ours`, then Xero's elements of the other types that have content (read by `read`).
fn with_others<T>(
    mut ours: Vec<T>,
    theirs: Option<&Value>,
    kind: &str,
    kind_of: fn(&T) -> &String,
    read: fn(&serde_json::Map<String, Value>) -> T,
) -> Vec<T> {
    let theirs = theirs
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for t in theirs.iter().filter_map(Value::as_object) {
        let Some(k) = field(t, kind) else {
            continue;
        };
        let sent = ours.iter().any(|o| kind_of(o).eq_ignore_ascii_case(k));
        let content = t.iter().any(|(key, v)| {
            !key.eq_ignore_ascii_case(kind) && v.as_str().is_some_and(|x| !x.trim().is_empty())
        });
        if !sent && content {
            ours.push(read(t));
        }
    }
    ours
}

/// Xero's element of the type `my_kind` (its `kind` field compared without case).
fn same_type<'a>(
    theirs: Option<&'a Value>,
    kind: &str,
    my_kind: &str,
) -> Option<&'a serde_json::Map<String, Value>> {
    theirs
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_object)
        .find(|t| field(t, kind).is_some_and(|k| k.eq_ignore_ascii_case(my_kind)))
}

/// The person's changed address with Xero's fields of it that the person does not give: those
/// are not compared ([`differing`]), so they are not the host's to clear, and Xero holds one
/// address per type (sent without them, they could be lost).
fn fill_address(ours: WireAddress, xero: WireAddress) -> WireAddress {
    WireAddress {
        address_type: ours.address_type,
        address_line1: ours.address_line1.or(xero.address_line1),
        address_line2: ours.address_line2.or(xero.address_line2),
        address_line3: ours.address_line3.or(xero.address_line3),
        address_line4: ours.address_line4.or(xero.address_line4),
        city: ours.city.or(xero.city),
        region: ours.region.or(xero.region),
        postal_code: ours.postal_code.or(xero.postal_code),
        country: ours.country.or(xero.country),
        attention_to: ours.attention_to.or(xero.attention_to),
    }
}

/// The person's changed phone with Xero's fields of it the person does not give (see
/// [`fill_address`]).
fn fill_phone(ours: WirePhone, xero: WirePhone) -> WirePhone {
    WirePhone {
        phone_type: ours.phone_type,
        phone_number: ours.phone_number.or(xero.phone_number),
        phone_area_code: ours.phone_area_code.or(xero.phone_area_code),
        phone_country_code: ours.phone_country_code.or(xero.phone_country_code),
    }
}

/// A string field of Xero's element, as sent back.
fn keep(o: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    field(o, key).filter(|v| !v.is_empty()).map(str::to_owned)
}

fn xero_address(o: &serde_json::Map<String, Value>) -> WireAddress {
    WireAddress {
        address_type: keep(o, "AddressType").unwrap_or_default(),
        address_line1: keep(o, "AddressLine1"),
        address_line2: keep(o, "AddressLine2"),
        address_line3: keep(o, "AddressLine3"),
        address_line4: keep(o, "AddressLine4"),
        city: keep(o, "City"),
        region: keep(o, "Region"),
        postal_code: keep(o, "PostalCode"),
        country: keep(o, "Country"),
        attention_to: keep(o, "AttentionTo"),
    }
}

fn xero_phone(o: &serde_json::Map<String, Value>) -> WirePhone {
    WirePhone {
        phone_type: keep(o, "PhoneType").unwrap_or_default(),
        phone_number: keep(o, "PhoneNumber"),
        phone_area_code: keep(o, "PhoneAreaCode"),
        phone_country_code: keep(o, "PhoneCountryCode"),
    }
}

/// The elements of `ours` whose fields differ from Xero's element of the same type (`kind`
/// names the type field). Only the fields the host gave are compared; keys are compared
/// without case so xero-node's camelCase snapshot reads as Xero's PascalCase.
fn differing<T: Serialize + Clone>(ours: &[T], theirs: Option<&Value>, kind: &str) -> Vec<T> {
    let theirs: &[Value] = theirs.and_then(Value::as_array).map_or(&[], Vec::as_slice);
    ours.iter()
        .filter(|o| {
            let Ok(Value::Object(mine)) = serde_json::to_value(o) else {
                return true;
            };
            let my_kind = mine.get(kind).and_then(Value::as_str).unwrap_or("");
            let same_kind = theirs
                .iter()
                .filter_map(Value::as_object)
                .find(|t| field(t, kind).is_some_and(|k| k.eq_ignore_ascii_case(my_kind)));
            let Some(t) = same_kind else {
                return true;
            };
            mine.iter()
                .any(|(k, v)| v.as_str() != field(t, k).map(str::trim))
        })
        .cloned()
        .collect()
}

/// A string field of a JSON object, its key compared without case.
fn field<'a>(o: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a str> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.as_str())
}

/// The people seen so far, by the contact they are and by host key.
#[derive(Default)]
struct Claims {
    contacts: BTreeMap<String, usize>,
    keys: BTreeMap<String, usize>,
}

impl Claims {
    /// PERSON_DUPLICATE when an earlier person is the same contact or has the same key.
    fn check(
        &mut self,
        person: &Payer,
        i: usize,
        plan: &PersonPlan,
        path: &Path,
        issues: &mut Vec<Issue>,
    ) {
        let mut first = None;
        if let Some(key) = payer_key(person) {
            first = first.or(self.keys.get(&key).copied());
            self.keys.entry(key).or_insert(i);
        }
        if let Some(id) = &plan.outcome.contact_id {
            let id = names::key(id);
            first = first.or(self.contacts.get(&id).copied());
            self.contacts.entry(id).or_insert(i);
        }
        if let Some(j) = first {
            issues.push(Issue::error(
                IssueCode::PersonDuplicate,
                path,
                format!("This person is the same Xero contact (or host key) as people[{j}]: it is not sent. Give each contact once per call."),
            ));
        }
    }
}

/// A rename onto a name an active contact (other than the one renamed) has, or that another
/// person of this call (or a payer of the run) creates or renames to: CONTACT_NAME_TAKEN,
/// nothing sent.
fn renames_taken(snapshot: &Snapshot, payers: &[&NewContact], plans: &mut [PersonPlan]) {
    // A payer's name is held by no person: usize::MAX.
    let mut names_planned: BTreeMap<String, usize> = payers
        .iter()
        .map(|c| (names::key(&c.contact.name), usize::MAX))
        .collect();
    for (i, p) in plans.iter().enumerate() {
        if let PersonWork::Create(new) = &p.work {
            names_planned
                .entry(names::key(&new.contact.name))
                .or_insert(i);
        }
    }
    for (i, p) in plans.iter_mut().enumerate() {
        let PersonWork::Update(u) = &p.work else {
            continue;
        };
        let Some(name) = u.name.clone() else {
            continue;
        };
        let k = names::key(&name);
        let by_xero = snapshot
            .contact_by_name
            .get(&k)
            .into_iter()
            .flatten()
            .filter_map(|c| snapshot.contacts.get(*c))
            .any(|c| {
                c.is_active()
                    && c.contact_id
                        .as_deref()
                        .is_some_and(|id| !names::same(id, &u.contact_id))
            });
        let by_call = names_planned.get(&k).is_some_and(|j| *j != i);
        if by_xero || by_call {
            p.outcome.issues.push(Issue::error(
                IssueCode::ContactNameTaken,
                Path::root("people").index(i).field("name"),
                format!("Another Xero contact is (or will be) named \"{name}\" and Xero requires unique names among active contacts: this person is not renamed. Give it a distinct name."),
            ));
            p.outcome.status = PersonStatus::Failed;
            p.outcome.changed.clear();
            p.work = PersonWork::Nothing;
        } else {
            names_planned.entry(k).or_insert(i);
        }
    }
}
