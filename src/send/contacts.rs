//! Contacts to create: the answers to `PUT /Contacts`, the lookups after an uncertain answer
//! or a "name taken" after an attempt without an answer, and what a contact's result does to
//! the documents waiting on it.
//!
//! Owns the contact jobs and contact lookups; touches a document only to release it (its
//! ContactID is known) or to end it (its contact cannot be had).

use serde_json::Value;
use std::collections::BTreeMap;

use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::send::plan::{where_literal, RequestSpec};
use crate::xero::responses::{
    self, element_status, elements, match_elements, text_field, validation_messages, ElementStatus,
    Identity, XeroMessage,
};

use super::answers::{self, Answer};
use super::requests::RowEnd;
use super::tables::{
    ContactId, ContactState, ContactUnit, Doc, DocState, JobId, JobKind, JobState, Member,
};
use super::{OutcomeStatus, Run};

/// Members of a contacts job that an answer left open.
type Open = answers::Open<ContactId>;

const OTHERS_REJECTED: &str = "Xero rejected the request (HTTP 400) for other contacts; whether this one was saved is not documented.";

impl Run {
    pub(super) fn on_contacts(&mut self, a: &Answer, members: &[ContactId]) {
        let mut open = Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::refuse_contact) {
            self.contact_elements(a, members, body, &mut open);
        }
        self.contacts_left_open(a, open);
    }

    /// Reads each element of a contacts answer back to its contact.
    fn contact_elements(
        &mut self,
        a: &Answer,
        members: &[ContactId],
        body: &Value,
        open: &mut Open,
    ) {
        let els = elements(body, "Contacts").unwrap_or_default();
        let ids: Vec<Identity> = self
            .contacts
            .of(members)
            .map(|u| u.identity.clone())
            .collect();
        let matched = match_elements(&ids, els, "ContactNumber", "Name");
        for (c, hit) in members.iter().zip(matched) {
            let Some(el) = hit.and_then(|e| els.get(e)) else {
                open.unsure(&[*c], "Xero's answer has no element for this contact.");
                continue;
            };
            match element_status(el) {
                ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => {
                    open.unsure(&[*c], OTHERS_REJECTED);
                }
                ElementStatus::Ok | ElementStatus::Warning => match text_field(el, "ContactID") {
                    Some(id) => self.resolve_contact(a, *c, id.to_owned()),
                    None => open.unsure(&[*c], "Xero's answer has no ContactID for this contact."),
                },
                ElementStatus::Error => {
                    let msgs = validation_messages(el);
                    let taken = msgs
                        .iter()
                        .any(|m| responses::code_for(&m.text) == IssueCode::ContactNameTaken);
                    let was_uncertain = self.contacts.get(*c).is_some_and(|u| u.was_uncertain);
                    if taken && was_uncertain {
                        open.check.push(*c);
                    } else if msgs.is_empty() && !a.ok_status() {
                        open.unsure(&[*c], OTHERS_REJECTED);
                    } else {
                        self.refuse_contact(a, *c, &msgs);
                    }
                }
            }
        }
    }

    /// After a contacts answer: the uncertain members stay in the job and are looked up, as
    /// are the names Xero says are taken.
    fn contacts_left_open(&mut self, a: &Answer, open: Open) {
        let keep = open.uncertain_ids();
        if let Some(JobKind::Contacts(batch)) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|c| keep.contains(c));
        }
        for (c, reason) in &open.uncertain {
            let end = RowEnd::new(OutcomeStatus::Uncertain, vec![reason.clone()]);
            self.requests.end_row(a, Member::Contact(*c), end);
            if let Some(u) = self.contacts.get_mut(*c) {
                u.was_uncertain = true;
            }
        }
        if !open.check.is_empty() {
            for c in &open.check {
                let why = "The name is taken after an earlier attempt had no answer: looking the contact up.";
                let end = RowEnd::new(OutcomeStatus::Uncertain, vec![why.into()]);
                self.requests.end_row(a, Member::Contact(*c), end);
            }
            // A name check resends nothing: its parent is this job with no members left for it.
            self.start_contact_lookups(a.job, &open.check, a.now, true);
        }
        if !keep.is_empty() {
            self.start_contact_lookups(a.job, &keep, a.now, false);
        }
        let state = if keep.is_empty() && open.check.is_empty() {
            JobState::Done
        } else {
            JobState::Waiting
        };
        self.jobs.set(a.job, state);
    }

    fn start_contact_lookups(
        &mut self,
        parent: JobId,
        cs: &[ContactId],
        now: i64,
        name_check: bool,
    ) {
        let failures = self.jobs.failures(parent).max(1);
        let at = now.saturating_add(self.backoff(failures));
        let mut n = 0;
        for chunk in cs.chunks(10) {
            let clauses: Vec<String> = self.contacts.of(chunk).map(lookup_clause).collect();
            let mut query = BTreeMap::new();
            query.insert("where".to_owned(), clauses.join(" OR "));
            let docs = self.docs.source_ids(&self.contacts.docs_of(chunk));
            let mut spec = RequestSpec::get("/Contacts".into(), query, docs);
            spec.contacts = self.contacts.of(chunk).map(|u| u.new.key.clone()).collect();
            for c in chunk {
                if let Some(u) = self.contacts.get_mut(*c) {
                    u.state = ContactState::Lookup;
                    if name_check {
                        // Missing after a name clash is a failure, not a resend: mark by
                        // leaving `was_uncertain` set and sends at the maximum.
                        u.sends = u.sends.max(self.limits.max_attempts);
                    }
                }
            }
            let kind = JobKind::ContactLookup {
                parent,
                members: chunk.to_vec(),
                spec,
            };
            self.jobs.queue(kind, at);
            n += 1;
        }
        if let Some(JobKind::Contacts(batch)) = self.jobs.kind_mut(parent) {
            batch.add_lookups(n);
        }
    }

    /// Contact `c` is in Xero as `id`: the documents waiting on it are ready to send.
    pub(super) fn resolve_contact(&mut self, a: &Answer, c: ContactId, id: String) {
        if let Some(u) = self.contacts.get_mut(c) {
            u.contact_id = Some(id.clone());
        }
        self.settle_contact(c, ContactState::Resolved, |x, _| {
            x.contact_id = Some(id.clone());
            if x.items_waiting > 0 {
                // Still waiting on an item to create (send/items.rs releases it).
                return;
            }
            x.state = DocState::Ready;
            if x.out.status == OutcomeStatus::Retry {
                x.out.status = OutcomeStatus::Pending;
                x.out.issues.clear();
                x.out.clear_wait();
            }
        });
        let end = RowEnd::new(OutcomeStatus::Exported, Vec::new()).found(Some(id), None);
        self.requests.end_row(a, Member::Contact(c), end);
    }

    /// Contact `c` is settled in `state`: `f` changes each document still waiting on it.
    fn settle_contact(
        &mut self,
        c: ContactId,
        state: ContactState,
        mut f: impl FnMut(&mut Doc, Path),
    ) {
        let Some(u) = self.contacts.get_mut(c) else {
            return;
        };
        u.state = state;
        for d in &u.docs {
            let waiting = self
                .docs
                .get(*d)
                .is_some_and(|x| x.state == DocState::WaitContact);
            if waiting {
                self.docs.update(*d, &mut f);
            }
        }
    }

    /// Xero refused to create contact `c` with `msgs`: its documents fail.
    pub(super) fn refuse_contact(&mut self, a: &Answer, c: ContactId, msgs: &[XeroMessage]) {
        let texts: Vec<String> = msgs.iter().map(|m| m.text.clone()).collect();
        if self.contacts.get(c).is_some_and(|u| u.person.is_some()) {
            let issues = self.person_refused(c, msgs);
            self.fail_contact(c, OutcomeStatus::Failed, &issues);
        } else {
            let issues = self.contact_refused(c, msgs);
            self.fail_contact(c, OutcomeStatus::Failed, &issues);
        }
        let end = RowEnd::new(OutcomeStatus::Failed, texts);
        self.requests.end_row(a, Member::Contact(c), end);
    }

    /// Ends a contact without a ContactID: every document waiting on it gets `status` with the
    /// issues `issues` builds from its path.
    pub(super) fn fail_contact(
        &mut self,
        c: ContactId,
        status: OutcomeStatus,
        issues: &dyn Fn(Path) -> Vec<Issue>,
    ) {
        if let Some(u) = self.contacts.get_mut(c) {
            if let Some(p) = u.person {
                u.failure = issues(Path::root("people").index(p));
            }
        }
        self.settle_contact(c, ContactState::Failed, |x, path| {
            x.state = DocState::Final;
            x.out.status = status;
            x.out.clear_wait();
            x.out.issues = issues(path.field("payer"));
        });
    }

    /// The issues of a document whose contact Xero refused to create.
    fn contact_refused(&self, c: ContactId, msgs: &[XeroMessage]) -> impl Fn(Path) -> Vec<Issue> {
        let name = self.contacts.name(c);
        let msgs: Vec<String> = msgs.iter().map(|m| m.text.clone()).collect();
        move |path: Path| {
            if msgs.is_empty() {
                return vec![Issue::error(
                    IssueCode::XeroValidationError,
                    path,
                    format!("Xero refused to create contact \"{name}\" without a message; this invoice was not sent."),
                )];
            }
            msgs.iter()
                .map(|m| {
                    Issue::error(
                        responses::code_for(m),
                        path.clone(),
                        format!("Contact \"{name}\" could not be created, so this invoice was not sent. Xero said: {m}"),
                    )
                })
                .collect()
        }
    }

    /// The issues of a person whose contact Xero refused to create or update.
    fn person_refused(&self, c: ContactId, msgs: &[XeroMessage]) -> impl Fn(Path) -> Vec<Issue> {
        let name = self.contacts.name(c);
        let what = match self.contacts.get(c).and_then(|u| u.update.as_ref()) {
            Some(_) => "updated",
            None => "created",
        };
        let msgs: Vec<String> = msgs.iter().map(|m| m.text.clone()).collect();
        move |path: Path| {
            if msgs.is_empty() {
                return vec![Issue::error(
                    IssueCode::XeroValidationError,
                    path,
                    format!(
                        "Xero refused contact \"{name}\" without a message: it was not {what}."
                    ),
                )];
            }
            msgs.iter()
                .map(|m| {
                    Issue::error(
                        responses::code_for(m),
                        path.clone(),
                        format!("Contact \"{name}\" was not {what}. Xero said: {m}"),
                    )
                })
                .collect()
        }
    }

    pub(super) fn on_contact_lookup(&mut self, a: &Answer, parent: JobId, members: &[ContactId]) {
        let found = match a.list("Contacts", "lookup") {
            Ok(els) => els,
            Err(reason) => {
                if self.retry_get(a, &reason) {
                    return;
                }
                for c in members {
                    let name = self.contacts.name(*c);
                    let why = format!("Contact \"{name}\" may or may not have been created ({reason}); this invoice was not sent. Check Xero for the contact, link it (payer.contactId), and export again.");
                    self.fail_contact(*c, OutcomeStatus::Retry, &|path| {
                        vec![Issue::error(IssueCode::OutcomeUncertain, path, why.clone())]
                    });
                }
                self.contact_lookup_finished(parent, &[], a.now);
                return;
            }
        };
        let mut missing = Vec::new();
        for c in members {
            let Some(u) = self.contacts.get(*c) else {
                continue;
            };
            let hit = found.iter().find(|el| is_this_contact(u, el));
            match hit.and_then(|el| text_field(el, "ContactID")) {
                Some(id) => self.resolve_contact(a, *c, id.to_owned()),
                None => missing.push(*c),
            }
        }
        self.jobs.set(a.job, JobState::Done);
        let resend = self.contacts_missing(a, &missing);
        self.contact_lookup_finished(parent, &resend, a.now);
    }

    /// Contacts a lookup did not find: created again, unless sent too often (or their name
    /// is taken by someone else), then their documents fail. Returns those to create again.
    fn contacts_missing(&mut self, a: &Answer, missing: &[ContactId]) -> Vec<ContactId> {
        let max = self.limits.max_attempts;
        let mut resend = Vec::new();
        for c in missing {
            let Some(sends) = self.contacts.get(*c).map(|u| u.sends) else {
                continue;
            };
            if sends < max {
                let why = "Not in Xero: safe to create again.";
                let end = RowEnd::new(OutcomeStatus::Retry, vec![why.into()]);
                self.requests.end_row(a, Member::Contact(*c), end);
                resend.push(*c);
                continue;
            }
            let name = self.contacts.name(*c);
            let why = format!("Contact \"{name}\" could not be created: it was sent {sends} times without a usable answer, or Xero says the name (or contact number) is taken, and no active contact with it was found. This invoice was not sent; link the payer to the right contact and export again.");
            self.fail_contact(*c, OutcomeStatus::Failed, &|path| {
                vec![Issue::error(IssueCode::ContactNameTaken, path, why.clone())]
            });
            let end = RowEnd::new(OutcomeStatus::Failed, vec![why]);
            self.requests.end_row(a, Member::Contact(*c), end);
        }
        resend
    }

    fn contact_lookup_finished(&mut self, parent: JobId, resend: &[ContactId], now: i64) {
        let Some(JobKind::Contacts(batch)) = self.jobs.kind_mut(parent) else {
            return;
        };
        let Some(missing_now) = batch.lookup_done(resend) else {
            return;
        };
        let empty = batch.members.is_empty();
        for c in &missing_now {
            if let Some(u) = self.contacts.get_mut(*c) {
                u.state = ContactState::InJob;
            }
        }
        let state = if empty {
            JobState::Done
        } else {
            JobState::Queued(now)
        };
        self.jobs.set(parent, state);
    }
}

/// The `where` clause that finds a contact again: by number, else by name.
fn lookup_clause(u: &ContactUnit) -> String {
    match &u.new.contact.contact_number {
        Some(num) => format!("ContactNumber=={}", where_literal(num)),
        None => format!("Name=={}", where_literal(&u.new.contact.name)),
    }
}

/// Whether a lookup element is contact `u`: active, same number (else name).
fn is_this_contact(u: &ContactUnit, el: &Value) -> bool {
    let status_ok =
        text_field(el, "ContactStatus").is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
    let same = match &u.new.contact.contact_number {
        Some(n) => text_field(el, "ContactNumber").is_some_and(|v| names::same(v, n)),
        None => text_field(el, "Name").is_some_and(|v| names::same(v, &u.new.contact.name)),
    };
    status_ok && same
}
