//! Contacts to create: the answers to `PUT /Contacts`, the lookups after an uncertain answer
//! or a "name taken" after an attempt without an answer, and what a contact's result does to
//! the documents waiting on it.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::send::plan::{where_literal, Purpose, RequestSpec};
use crate::xero::responses::{
    self, element_status, elements, match_elements, text_field, validation_messages, ElementStatus,
    Identity, XeroMessage,
};

use super::answers::{list_answer, Class};
use super::{ContactState, DocState, JobKind, JobState, Member, OutcomeStatus, Run};

impl Run {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_contacts(
        &mut self,
        j: usize,
        members: &[usize],
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let mut uncertain: Vec<(usize, String)> = Vec::new();
        let mut name_check: Vec<usize> = Vec::new();
        match class {
            Class::Answer(body) => {
                let ok_status = http.is_some_and(|s| (200..300).contains(&s));
                let els = elements(&body, "Contacts").unwrap_or_default();
                let ids: Vec<Identity> = members
                    .iter()
                    .filter_map(|c| self.contacts.get(*c).map(|u| u.identity.clone()))
                    .collect();
                let matched = match_elements(&ids, els, "ContactNumber", "Name");
                for (c, hit) in members.iter().zip(matched) {
                    let Some(el) = hit.and_then(|e| els.get(e)) else {
                        uncertain
                            .push((*c, "Xero's answer has no element for this contact.".into()));
                        continue;
                    };
                    match element_status(el) {
                        ElementStatus::Ok | ElementStatus::Warning if !ok_status => {
                            uncertain.push((*c, "Xero rejected the request (HTTP 400) for other contacts; whether this one was saved is not documented.".into()));
                        }
                        ElementStatus::Ok | ElementStatus::Warning => {
                            match text_field(el, "ContactID") {
                                Some(id) => {
                                    let id = id.to_owned();
                                    self.resolve_contact(*c, id, rows, http, now)
                                }
                                None => uncertain.push((
                                    *c,
                                    "Xero's answer has no ContactID for this contact.".into(),
                                )),
                            }
                        }
                        ElementStatus::Error => {
                            let msgs = validation_messages(el);
                            let taken = msgs.iter().any(|m| {
                                responses::code_for(&m.text) == IssueCode::ContactNameTaken
                            });
                            let was_uncertain =
                                self.contacts.get(*c).is_some_and(|u| u.was_uncertain);
                            if taken && was_uncertain {
                                name_check.push(*c);
                            } else if msgs.is_empty() && !ok_status {
                                uncertain.push((*c, "Xero rejected the request (HTTP 400) for other contacts; whether this one was saved is not documented.".into()));
                            } else {
                                let texts: Vec<String> =
                                    msgs.iter().map(|m| m.text.clone()).collect();
                                let issues = self.contact_refused(*c, &msgs);
                                self.fail_contact(
                                    *c,
                                    OutcomeStatus::Failed,
                                    Some(rows),
                                    http,
                                    now,
                                    texts,
                                    &issues,
                                );
                            }
                        }
                    }
                }
            }
            Class::Rejected(texts) => {
                let msgs: Vec<XeroMessage> = texts
                    .iter()
                    .map(|t| XeroMessage {
                        text: t.clone(),
                        at: String::new(),
                    })
                    .collect();
                for c in members {
                    let issues = self.contact_refused(*c, &msgs);
                    self.fail_contact(
                        *c,
                        OutcomeStatus::Failed,
                        Some(rows),
                        http,
                        now,
                        texts.clone(),
                        &issues,
                    );
                }
            }
            Class::Unanswered(reason) => {
                if let Some(job) = self.jobs.get_mut(j) {
                    job.failures += 1;
                }
                for c in members {
                    uncertain.push((*c, reason.clone()));
                }
            }
            Class::Auth | Class::RateLimited => {}
        }
        let keep: Vec<usize> = uncertain.iter().map(|(c, _)| *c).collect();
        if let Some(JobKind::Contacts { members: m, .. }) =
            self.jobs.get_mut(j).map(|x| &mut x.kind)
        {
            m.retain(|c| keep.contains(c));
        }
        for (c, reason) in &uncertain {
            self.finish_row(
                rows,
                Member::Contact(*c),
                OutcomeStatus::Uncertain,
                http,
                None,
                None,
                vec![reason.clone()],
                now,
            );
            if let Some(u) = self.contacts.get_mut(*c) {
                u.was_uncertain = true;
            }
        }
        if !name_check.is_empty() {
            for c in &name_check {
                self.finish_row(
                    rows,
                    Member::Contact(*c),
                    OutcomeStatus::Uncertain,
                    http,
                    None,
                    None,
                    vec!["The name is taken after an earlier attempt had no answer: looking the contact up.".into()],
                    now,
                );
            }
            // A name check resends nothing: its parent is this job with no members left for it.
            self.start_contact_lookups(j, &name_check, now, true);
        }
        if uncertain.is_empty() {
            if name_check.is_empty() {
                self.set_job(j, JobState::Done);
            } else {
                self.set_job(j, JobState::Waiting);
            }
            return;
        }
        let cs: Vec<usize> = uncertain.iter().map(|(c, _)| *c).collect();
        self.start_contact_lookups(j, &cs, now, false);
        self.set_job(j, JobState::Waiting);
    }

    fn start_contact_lookups(&mut self, parent: usize, cs: &[usize], now: i64, name_check: bool) {
        let failures = self.jobs.get(parent).map_or(1, |x| x.failures.max(1));
        let at = now.saturating_add(self.backoff(failures));
        let mut n = 0;
        for chunk in cs.chunks(10) {
            let clauses: Vec<String> = chunk
                .iter()
                .filter_map(|c| self.contacts.get(*c))
                .map(|u| match &u.new.contact.contact_number {
                    Some(num) => format!("ContactNumber=={}", where_literal(num)),
                    None => format!("Name=={}", where_literal(&u.new.contact.name)),
                })
                .collect();
            let mut query = BTreeMap::new();
            query.insert("where".to_owned(), clauses.join(" OR "));
            let mut docs: Vec<usize> = chunk
                .iter()
                .filter_map(|c| self.contacts.get(*c))
                .flat_map(|u| u.docs.clone())
                .collect();
            docs.sort_unstable();
            let spec = RequestSpec {
                purpose: Purpose::Lookup,
                method: "GET",
                path: "/Contacts".into(),
                query,
                body: None,
                documents: docs
                    .iter()
                    .filter_map(|d| self.docs.get(*d))
                    .map(|x| x.p.source_id.to_string())
                    .collect(),
                contacts: chunk
                    .iter()
                    .filter_map(|c| self.contacts.get(*c))
                    .map(|u| u.new.key.clone())
                    .collect(),
            };
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
            let j = self.push_job(JobKind::ContactLookup {
                parent,
                members: chunk.to_vec(),
                spec,
            });
            if let Some(job) = self.jobs.get_mut(j) {
                job.state = JobState::Queued(at);
            }
            n += 1;
        }
        if let Some(JobKind::Contacts { lookups_left, .. }) =
            self.jobs.get_mut(parent).map(|x| &mut x.kind)
        {
            *lookups_left += n;
        }
    }

    fn resolve_contact(
        &mut self,
        c: usize,
        id: String,
        rows: &[(Member, usize)],
        http: Option<u16>,
        now: i64,
    ) {
        let docs = match self.contacts.get_mut(c) {
            Some(u) => {
                u.state = ContactState::Resolved;
                u.contact_id = Some(id.clone());
                u.docs.clone()
            }
            None => return,
        };
        for d in docs {
            if let Some(x) = self.docs.get_mut(d) {
                if x.state == DocState::WaitContact {
                    x.contact_id = Some(id.clone());
                    x.state = DocState::Ready;
                    if x.out.status == OutcomeStatus::Retry {
                        x.out.status = OutcomeStatus::Pending;
                        x.out.issues.clear();
                        x.out.retry_after = None;
                        x.out.retry_at = None;
                        x.out.limit = None;
                    }
                    self.touched.insert(d);
                }
            }
        }
        self.finish_row(
            rows,
            Member::Contact(c),
            OutcomeStatus::Exported,
            http,
            Some(id),
            None,
            Vec::new(),
            now,
        );
    }

    /// Ends a contact without a ContactID: every document waiting on it gets `status` with the
    /// issues `issues` builds from its path; the contact's log row gets `row_messages`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn fail_contact(
        &mut self,
        c: usize,
        status: OutcomeStatus,
        rows: Option<&[(Member, usize)]>,
        http: Option<u16>,
        now: i64,
        row_messages: Vec<String>,
        issues: &dyn Fn(Path) -> Vec<Issue>,
    ) {
        let docs = match self.contacts.get_mut(c) {
            Some(u) => {
                u.state = ContactState::Failed;
                u.docs.clone()
            }
            None => return,
        };
        for d in docs {
            let path = self.doc_path(d).field("payer");
            let list = issues(path);
            if let Some(x) = self.docs.get_mut(d) {
                if x.state == DocState::WaitContact {
                    x.state = DocState::Final;
                    x.out.status = status;
                    x.out.retry_after = None;
                    x.out.retry_at = None;
                    x.out.limit = None;
                    x.out.issues = list;
                    self.touched.insert(d);
                }
            }
        }
        if let Some(rows) = rows {
            self.finish_row(
                rows,
                Member::Contact(c),
                OutcomeStatus::Failed,
                http,
                None,
                None,
                row_messages,
                now,
            );
        }
    }

    /// The issues of a document whose contact Xero refused to create.
    fn contact_refused(&self, c: usize, msgs: &[XeroMessage]) -> impl Fn(Path) -> Vec<Issue> {
        let name = self
            .contacts
            .get(c)
            .map(|u| u.new.contact.name.clone())
            .unwrap_or_default();
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_contact_lookup(
        &mut self,
        j: usize,
        parent: usize,
        members: &[usize],
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let body = match list_answer(class, http, "Contacts", "lookup") {
            Ok(b) => b,
            Err(reason) => {
                if self.retry_get(j, rows, &reason, http, now) {
                    return;
                }
                for c in members {
                    let name = self
                        .contacts
                        .get(*c)
                        .map(|u| u.new.contact.name.clone())
                        .unwrap_or_default();
                    let why = format!("Contact \"{name}\" may or may not have been created ({reason}); this invoice was not sent. Check Xero for the contact, link it (payer.contactId), and export again.");
                    self.fail_contact(
                        *c,
                        OutcomeStatus::Retry,
                        None,
                        http,
                        now,
                        Vec::new(),
                        &|path| vec![Issue::error(IssueCode::OutcomeUncertain, path, why.clone())],
                    );
                }
                self.contact_lookup_finished(parent, &[], now);
                return;
            }
        };
        let found = body
            .get("Contacts")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut missing = Vec::new();
        for c in members {
            let Some(u) = self.contacts.get(*c) else {
                continue;
            };
            let hit = found.iter().find(|el| {
                let status_ok = text_field(el, "ContactStatus")
                    .is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"));
                let same = match &u.new.contact.contact_number {
                    Some(n) => text_field(el, "ContactNumber").is_some_and(|v| names::same(v, n)),
                    None => {
                        text_field(el, "Name").is_some_and(|v| names::same(v, &u.new.contact.name))
                    }
                };
                status_ok && same
            });
            match hit.and_then(|el| text_field(el, "ContactID")) {
                Some(id) => {
                    let id = id.to_owned();
                    self.resolve_contact(*c, id, rows, http, now);
                }
                None => missing.push(*c),
            }
        }
        self.set_job(j, JobState::Done);
        let max = self.limits.max_attempts;
        let mut resend = Vec::new();
        for c in &missing {
            let (sends, name) = match self.contacts.get(*c) {
                Some(u) => (u.sends, u.new.contact.name.clone()),
                None => continue,
            };
            if sends >= max {
                let why = format!("Contact \"{name}\" could not be created: it was sent {sends} times without a usable answer, or Xero says the name (or contact number) is taken, and no active contact with it was found. This invoice was not sent; link the payer to the right contact and export again.");
                self.fail_contact(
                    *c,
                    OutcomeStatus::Failed,
                    Some(rows),
                    http,
                    now,
                    vec![why.clone()],
                    &|path| vec![Issue::error(IssueCode::ContactNameTaken, path, why.clone())],
                );
            } else {
                self.finish_row(
                    rows,
                    Member::Contact(*c),
                    OutcomeStatus::Retry,
                    http,
                    None,
                    None,
                    vec!["Not in Xero: safe to create again.".into()],
                    now,
                );
                resend.push(*c);
            }
        }
        self.contact_lookup_finished(parent, &resend, now);
    }

    fn contact_lookup_finished(&mut self, parent: usize, resend: &[usize], now: i64) {
        let Some(JobKind::Contacts {
            members,
            lookups_left,
            missing,
        }) = self.jobs.get_mut(parent).map(|x| &mut x.kind)
        else {
            return;
        };
        missing.extend(resend.iter().copied());
        *lookups_left = lookups_left.saturating_sub(1);
        if *lookups_left > 0 {
            return;
        }
        let missing_now = std::mem::take(missing);
        members.retain(|c| missing_now.contains(c));
        let empty = members.is_empty();
        for c in &missing_now {
            if let Some(u) = self.contacts.get_mut(*c) {
                u.state = ContactState::InJob;
            }
        }
        self.set_job(
            parent,
            if empty {
                JobState::Done
            } else {
                JobState::Queued(now)
            },
        );
    }
}
