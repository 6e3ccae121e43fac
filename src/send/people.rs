//! The host's people in the run (`plan({people})`, issue 19): the contacts to create go
//! through the contacts' own machinery (PUT /Contacts, lookups after an uncertain answer or a
//! "name taken" after an attempt without an answer, never a blind second create); the updates
//! are POST /Contacts with ContactID, resent after an uncertain answer (the same update twice
//! is the same update, as for documents). One outcome per person: [`Run::people`].
//!
//! What to send is planned in [`crate::people::sync`]; this file only runs it.

use std::collections::BTreeMap;

use crate::exporter::Exporter;
use crate::input::work::Work;
use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::people::sync::{
    plan_people, PersonOutcome, PersonStatus, PersonWork, WireContactUpdate,
};
use crate::resolve::contacts::{payer_name, NewContact, Planned, WireContact};
use crate::send::plan::{Purpose, RequestSpec};
use crate::xero::responses::{
    element_status, elements, text_field, validation_messages, ElementStatus, Identity,
};
use crate::xero::wire;
use crate::Text;

use super::answers::{self, Answer};
use super::batches::contact_unit;
use super::requests::RowEnd;
use super::tables::{ContactId, ContactState, ContactUnit, JobKind, JobState, Member};
use super::{OutcomeStatus, Run};

/// A person of the run: its outcome as planned, and its contact to create or update.
pub(super) struct PersonRow {
    pub(super) out: PersonOutcome,
    pub(super) contact: Option<ContactId>,
}

const OTHERS_REJECTED: &str = "Xero rejected the request (HTTP 400) for other contacts; whether this update was saved is not documented: it is sent again.";

impl Run {
    /// Plans `work.people` (see [`crate::people::sync`]) and packs their creates and updates
    /// into batches (creates before updates, each ≤ the batch size).
    pub(super) fn add_people(&mut self, exporter: &Exporter, work: &Work) {
        if work.people.is_empty() {
            return;
        }
        // The contacts the invoices create (for a document to send): a person who is one of
        // them shares it.
        let payers: Vec<(ContactId, &NewContact)> = self
            .contacts
            .ids()
            .filter_map(|c| self.contacts.get(c).map(|u| (c, u)))
            .filter(|(_, u)| u.state == ContactState::InJob)
            .map(|(c, u)| (c, &u.new))
            .collect();
        let plans = plan_people(
            exporter.snapshot(),
            &exporter.settings().contacts,
            &work.people,
            &work.unknown_keys,
            &payers.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        );
        let by_key: BTreeMap<String, ContactId> =
            payers.iter().map(|(c, n)| (n.key.clone(), *c)).collect();
        let (mut creates, mut updates) = (Vec::new(), Vec::new());
        for plan in plans {
            let index = plan.outcome.index;
            let contact = match plan.work {
                PersonWork::Create(new) if by_key.contains_key(&new.key) => {
                    let c = by_key.get(&new.key).copied();
                    if let Some(u) = c.and_then(|c| self.contacts.get_mut(c)) {
                        u.person = Some(index);
                    }
                    c
                }
                PersonWork::Create(new) => {
                    let mut u = contact_unit(new);
                    u.person = Some(index);
                    u.state = ContactState::InJob;
                    let c = self.contacts.push(u);
                    creates.push(c);
                    Some(c)
                }
                PersonWork::Update(update) => {
                    let name = work.people.get(index).and_then(payer_name);
                    let c = self.contacts.push(update_unit(update, index, name));
                    updates.push(c);
                    Some(c)
                }
                PersonWork::Nothing => None,
            };
            self.people.push(PersonRow {
                out: plan.outcome,
                contact,
            });
        }
        self.pack_contact_ids(&creates, JobKind::Contacts);
        self.pack_contact_ids(&updates, JobKind::ContactUpdates);
    }

    /// One outcome per person, in input order.
    pub fn people(&self) -> Vec<PersonOutcome> {
        self.people
            .iter()
            .map(|row| self.person_outcome(row))
            .collect()
    }

    fn person_outcome(&self, row: &PersonRow) -> PersonOutcome {
        let mut out = row.out.clone();
        let Some(u) = row.contact.and_then(|c| self.contacts.get(c)) else {
            return out;
        };
        out.status = match u.state {
            ContactState::Resolved if u.update.is_some() => PersonStatus::Updated,
            ContactState::Resolved => PersonStatus::Created,
            ContactState::Failed => {
                out.issues.extend(u.failure.iter().cloned());
                PersonStatus::Failed
            }
            ContactState::Lookup => PersonStatus::Uncertain,
            ContactState::InJob | ContactState::Unused if u.was_uncertain => {
                PersonStatus::Uncertain
            }
            ContactState::InJob | ContactState::Unused => PersonStatus::Pending,
        };
        if let Some(id) = &u.contact_id {
            out.contact_id = Some(Text::new(id));
        }
        out
    }

    /// What the people add to the run's fingerprint (nothing for a run without people, so
    /// runs saved before issue 19 keep theirs).
    pub(super) fn people_fingerprint(&self) -> String {
        self.people
            .iter()
            .filter_map(|row| row.contact.and_then(|c| self.contacts.get(c)))
            .map(|u| {
                format!(
                    "{:?}{:?}{}{}",
                    u.state, u.contact_id, u.sends, u.was_uncertain
                )
            })
            .collect()
    }

    /// POST /Contacts of the updates `members`.
    pub(super) fn contact_updates_spec(&self, members: &[ContactId]) -> Option<RequestSpec> {
        if members.is_empty() {
            return None;
        }
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        let els: Vec<&str> = self
            .contacts
            .of(members)
            .map(|u| u.element.as_str())
            .collect();
        Some(RequestSpec {
            purpose: Purpose::Contacts,
            method: "POST",
            path: "/Contacts".into(),
            query,
            body: Some(wire::envelope("Contacts", &els)),
            documents: Vec::new(),
            contacts: self
                .contacts
                .of(members)
                .map(|u| u.new.key.clone())
                .collect(),
            items: Vec::new(),
        })
    }

    /// The answer to POST /Contacts of updates: each element read back by its ContactID (by
    /// position when Xero's error element has none).
    pub(super) fn on_contact_updates(&mut self, a: &Answer, members: &[ContactId]) {
        let mut open = answers::Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::refuse_contact) {
            let els = elements(body, "Contacts").unwrap_or_default();
            for (i, c) in members.iter().enumerate() {
                let id = self.contacts.get(*c).and_then(|u| u.update.clone());
                let by_id = els.iter().find(|el| {
                    text_field(el, "ContactID")
                        .zip(id.as_deref())
                        .is_some_and(|(x, y)| names::same(x, y))
                });
                let by_position = (els.len() == members.len()).then(|| els.get(i)).flatten();
                let Some(el) = by_id.or(by_position) else {
                    open.unsure(&[*c], "Xero's answer has no element for this contact.");
                    continue;
                };
                match element_status(el) {
                    ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => {
                        open.unsure(&[*c], OTHERS_REJECTED);
                    }
                    ElementStatus::Ok | ElementStatus::Warning => {
                        self.resolve_contact(a, *c, id.unwrap_or_default());
                    }
                    ElementStatus::Error => {
                        let msgs = validation_messages(el);
                        if msgs.is_empty() && !a.ok_status() {
                            open.unsure(&[*c], OTHERS_REJECTED);
                        } else {
                            self.refuse_contact(a, *c, &msgs);
                        }
                    }
                }
            }
        }
        self.updates_left_open(a, &open);
    }

    /// The updates an answer left uncertain are sent again after a backoff (the same request,
    /// so the same Idempotency-Key), until `maxAttempts`; then the person fails, uncertain.
    fn updates_left_open(&mut self, a: &Answer, open: &answers::Open<ContactId>) {
        let max = self.limits.max_attempts;
        let mut keep = Vec::new();
        for (c, reason) in &open.uncertain {
            let sends = self.contacts.get(*c).map_or(max, |u| u.sends);
            let end = RowEnd::new(OutcomeStatus::Uncertain, vec![reason.clone()]);
            self.requests.end_row(a, Member::Contact(*c), end);
            if sends < max {
                if let Some(u) = self.contacts.get_mut(*c) {
                    u.was_uncertain = true;
                }
                keep.push(*c);
                continue;
            }
            let name = self.contacts.name(*c);
            let why = format!("Contact \"{name}\" was sent {sends} times without a usable answer ({reason}); whether it was updated is not known. Compare it in Xero and sync again.");
            self.fail_contact(*c, OutcomeStatus::Uncertain, &|path: Path| {
                vec![Issue::error(IssueCode::OutcomeUncertain, path, why.clone())]
            });
        }
        if let Some(JobKind::ContactUpdates(batch)) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|c| keep.contains(c));
        }
        let state = if keep.is_empty() {
            JobState::Done
        } else {
            let failures = self.jobs.failures(a.job).max(1);
            JobState::Queued(a.now.saturating_add(self.backoff(failures)))
        };
        self.jobs.set(a.job, state);
    }
}

/// The contact unit of an update: its element is the POST /Contacts element; its name (for
/// messages and the log) the person's.
fn update_unit(update: WireContactUpdate, person: usize, name: Option<Text>) -> ContactUnit {
    let name = update
        .name
        .clone()
        .or_else(|| name.map(|n| n.to_string()))
        .unwrap_or_else(|| update.contact_id.clone());
    let new = NewContact {
        key: format!("contact:{}", update.contact_id),
        contact: WireContact {
            name: name.clone(),
            contact_number: update.contact_number.clone(),
            ..WireContact::default()
        },
        invoices: Vec::new(),
    };
    let mut u = contact_unit(new);
    u.identity = Identity {
        number: update.contact_number.clone(),
        reference: Some(name),
    };
    u.element = serde_json::to_string(&update).unwrap_or_else(|_| "{}".into());
    u.person = Some(person);
    u.update = Some(update.contact_id);
    u.state = ContactState::InJob;
    u
}

/// What the run's invoices start from: the keys of the contacts its people create, read only
/// under `onMissing: "error"` ([`Planned::for_people`]). The people are planned here alone,
/// before the invoices, and again by [`Run::add_people`] after them, where a person shares the
/// contact a payer of the same key planned. The two agree: under that setting the payers plan
/// only contacts of these keys, and a person sharing one is still a create.
pub(super) fn people_to_create(exporter: &Exporter, work: &Work) -> Planned {
    if work.people.is_empty() {
        return Planned::default();
    }
    let plans = plan_people(
        exporter.snapshot(),
        &exporter.settings().contacts,
        &work.people,
        &work.unknown_keys,
        &[],
    );
    let keys = plans.into_iter().filter_map(|p| match p.work {
        PersonWork::Create(new) => Some(new.key),
        _ => None,
    });
    Planned::for_people(keys.collect())
}
