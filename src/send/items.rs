//! Items to create (issue 19): the answers to `PUT /Items`, the lookups after an uncertain
//! answer or Xero's duplicate-code refusal, and what an item's result does to the documents
//! that use it.
//!
//! Owns the item jobs and item lookups; touches a document only to release it (once its
//! contact and every item it uses are in Xero) or to end it (an item cannot be had).
//!
//! Xero refuses a code it already has with "Price List Item with Code '…' already exists"
//! (reference §7.3): whether after a lost create of ours or because someone created it since
//! the snapshot, the item is then looked up (`GET /Items?where=Code=="…"`), never created a
//! second time; not found after that is a failure, not a resend.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::send::plan::{where_literal, RequestSpec};
use crate::xero::responses::{
    element_status, elements, match_elements, text_field, validation_messages, ElementStatus,
    Identity, XeroMessage,
};

use super::answers::{self, Answer};
use super::requests::RowEnd;
use super::tables::{ContactState, Doc, DocState, ItemId, JobId, JobKind, JobState, Member};
use super::{OutcomeStatus, Run};

/// Members of an items job that an answer left open.
type Open = answers::Open<ItemId>;

const OTHERS_REJECTED: &str = "Xero rejected the request (HTTP 400) for other items; whether this one was saved is not documented.";

/// Whether Xero's message says the code is taken.
fn code_taken(text: &str) -> bool {
    let m = text.to_ascii_lowercase();
    m.contains("already exists") && (m.contains("item") || m.contains("code"))
}

impl Run {
    pub(super) fn on_items(&mut self, a: &Answer, members: &[ItemId]) {
        let mut open = Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::refuse_item) {
            self.item_elements(a, members, body, &mut open);
        }
        self.items_left_open(a, open);
    }

    /// Reads each element of an items answer back to its item, by Code.
    fn item_elements(&mut self, a: &Answer, members: &[ItemId], body: &Value, open: &mut Open) {
        let els = elements(body, "Items").unwrap_or_default();
        let ids: Vec<Identity> = self
            .items
            .of(members)
            .map(|u| Identity {
                number: Some(u.new.item.code.to_string()),
                reference: None,
            })
            .collect();
        let matched = match_elements(&ids, els, "Code", "Name");
        for (i, hit) in members.iter().zip(matched) {
            let Some(el) = hit.and_then(|e| els.get(e)) else {
                open.unsure(&[*i], "Xero's answer has no element for this item.");
                continue;
            };
            let msgs = validation_messages(el);
            // Xero's documented duplicate answer carries ValidationErrors without a status.
            let status = match element_status(el) {
                ElementStatus::Ok if !msgs.is_empty() => ElementStatus::Error,
                s => s,
            };
            match status {
                ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => {
                    open.unsure(&[*i], OTHERS_REJECTED);
                }
                ElementStatus::Ok | ElementStatus::Warning => match text_field(el, "ItemID") {
                    Some(id) => self.resolve_item(a, *i, id.to_owned()),
                    None => open.unsure(&[*i], "Xero's answer has no ItemID for this item."),
                },
                ElementStatus::Error if msgs.iter().any(|m| code_taken(&m.text)) => {
                    open.check.push(*i);
                }
                ElementStatus::Error if msgs.is_empty() && !a.ok_status() => {
                    open.unsure(&[*i], OTHERS_REJECTED);
                }
                ElementStatus::Error => self.refuse_item(a, *i, &msgs),
            }
        }
    }

    /// After an items answer: the uncertain members stay in the job and are looked up, as are
    /// the codes Xero says it has.
    fn items_left_open(&mut self, a: &Answer, open: Open) {
        let keep = open.uncertain_ids();
        if let Some(JobKind::Items(batch)) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|i| keep.contains(i));
        }
        for (i, reason) in &open.uncertain {
            let end = RowEnd::new(OutcomeStatus::Uncertain, vec![reason.clone()]);
            self.requests.end_row(a, Member::Item(*i), end);
            if let Some(u) = self.items.get_mut(*i) {
                u.was_uncertain = true;
            }
        }
        if !open.check.is_empty() {
            for i in &open.check {
                let why = "Xero already has an item with this code: looking it up instead of creating it again.";
                let end = RowEnd::new(OutcomeStatus::Uncertain, vec![why.into()]);
                self.requests.end_row(a, Member::Item(*i), end);
            }
            self.start_item_lookups(a.job, &open.check, a.now, true);
        }
        if !keep.is_empty() {
            self.start_item_lookups(a.job, &keep, a.now, false);
        }
        let state = if keep.is_empty() && open.check.is_empty() {
            JobState::Done
        } else {
            JobState::Waiting
        };
        self.jobs.set(a.job, state);
    }

    /// Queues `GET /Items?where=Code=="a" OR Code=="b"` for `items` (10 codes a request).
    /// `taken`: Xero said it has the code, so not found is a failure, never a resend.
    fn start_item_lookups(&mut self, parent: JobId, items: &[ItemId], now: i64, taken: bool) {
        let failures = self.jobs.failures(parent).max(1);
        let at = now.saturating_add(self.backoff(failures));
        let mut n = 0;
        for chunk in items.chunks(10) {
            let clauses: Vec<String> = self
                .items
                .of(chunk)
                .map(|u| format!("Code=={}", where_literal(&u.new.item.code)))
                .collect();
            let mut query = BTreeMap::new();
            query.insert("where".to_owned(), clauses.join(" OR "));
            let docs = self.docs.source_ids(&self.items.docs_of(chunk));
            let mut spec = RequestSpec::get("/Items".into(), query, docs);
            spec.items = self
                .items
                .of(chunk)
                .map(|u| u.new.item.code.to_string())
                .collect();
            for i in chunk {
                if let Some(u) = self.items.get_mut(*i) {
                    u.state = ContactState::Lookup;
                    if taken {
                        u.sends = u.sends.max(self.limits.max_attempts);
                    }
                }
            }
            let kind = JobKind::ItemLookup {
                parent,
                members: chunk.to_vec(),
                spec,
            };
            self.jobs.queue(kind, at);
            n += 1;
        }
        if let Some(JobKind::Items(batch)) = self.jobs.kind_mut(parent) {
            batch.add_lookups(n);
        }
    }

    /// Item `i` is in Xero as `id`: the documents waiting on it wait on one item less.
    fn resolve_item(&mut self, a: &Answer, i: ItemId, id: String) {
        if let Some(u) = self.items.get_mut(i) {
            u.item_id = Some(id.clone());
        }
        self.settle_item(i, ContactState::Resolved, |x, _| {
            x.items_waiting = x.items_waiting.saturating_sub(1);
            // Ready once the contact is known too (a contact to create sets it when made).
            if x.items_waiting == 0 && x.contact_id.is_some() {
                x.state = DocState::Ready;
                if x.out.status == OutcomeStatus::Retry {
                    x.out.status = OutcomeStatus::Pending;
                    x.out.issues.clear();
                    x.out.clear_wait();
                }
            }
        });
        let end = RowEnd::new(OutcomeStatus::Exported, Vec::new()).found(Some(id), None);
        self.requests.end_row(a, Member::Item(i), end);
    }

    /// Item `i` is settled in `state`: `f` changes each document still waiting on it.
    fn settle_item(&mut self, i: ItemId, state: ContactState, mut f: impl FnMut(&mut Doc, Path)) {
        let Some(u) = self.items.get_mut(i) else {
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

    /// Xero refused to create item `i` with `msgs`: the documents that use it fail.
    fn refuse_item(&mut self, a: &Answer, i: ItemId, msgs: &[XeroMessage]) {
        let code = self.items.code(i);
        let texts: Vec<String> = msgs.iter().map(|m| m.text.clone()).collect();
        let said = if texts.is_empty() {
            "no message".to_owned()
        } else {
            texts.join(" ")
        };
        let why = format!(
            "Item \"{code}\" could not be created, so this invoice was not sent. Xero said: {said}"
        );
        self.fail_item(i, OutcomeStatus::Failed, &why);
        let end = RowEnd::new(OutcomeStatus::Failed, texts);
        self.requests.end_row(a, Member::Item(i), end);
    }

    /// Ends an item without an ItemID: every document waiting on it gets `status` and an
    /// ITEM_NOT_CREATED issue on its lines' `itemCode` (said at the invoice).
    pub(super) fn fail_item(&mut self, i: ItemId, status: OutcomeStatus, why: &str) {
        self.settle_item(i, ContactState::Failed, |x, path| {
            x.state = DocState::Final;
            x.out.status = status;
            x.out.clear_wait();
            x.out.issues = vec![Issue::error(IssueCode::ItemNotCreated, path, why)];
        });
    }

    pub(super) fn on_item_lookup(&mut self, a: &Answer, parent: JobId, members: &[ItemId]) {
        let found = match a.list("Items", "lookup") {
            Ok(els) => els,
            Err(reason) => {
                if self.retry_get(a, &reason) {
                    return;
                }
                for i in members {
                    let code = self.items.code(*i);
                    let why = format!("Item \"{code}\" may or may not have been created ({reason}); this invoice was not sent. Check Xero's items, and export again.");
                    self.fail_item(*i, OutcomeStatus::Retry, &why);
                }
                self.item_lookup_finished(parent, &[], a.now);
                return;
            }
        };
        let mut missing = Vec::new();
        for i in members {
            let Some(u) = self.items.get(*i) else {
                continue;
            };
            let code = u.new.item.code.clone();
            let hit = found
                .iter()
                .find(|el| text_field(el, "Code").is_some_and(|c| names::same(c, &code)));
            match hit.and_then(|el| text_field(el, "ItemID")) {
                Some(id) => self.resolve_item(a, *i, id.to_owned()),
                None => missing.push(*i),
            }
        }
        self.jobs.set(a.job, JobState::Done);
        let resend = self.items_missing(a, &missing);
        self.item_lookup_finished(parent, &resend, a.now);
    }

    /// Items a lookup did not find: created again, unless sent too often (or Xero said the
    /// code is taken), then the documents that use them fail. Returns those to create again.
    fn items_missing(&mut self, a: &Answer, missing: &[ItemId]) -> Vec<ItemId> {
        let max = self.limits.max_attempts;
        let mut resend = Vec::new();
        for i in missing {
            let Some(sends) = self.items.get(*i).map(|u| u.sends) else {
                continue;
            };
            if sends < max {
                let why = "Not in Xero: safe to create again.";
                let end = RowEnd::new(OutcomeStatus::Retry, vec![why.into()]);
                self.requests.end_row(a, Member::Item(*i), end);
                resend.push(*i);
                continue;
            }
            let code = self.items.code(*i);
            let why = format!("Item \"{code}\" could not be created: it was sent {sends} times without a usable answer, or Xero says the code is taken and no item with it was found. This invoice was not sent; check Xero's items and export again.");
            self.fail_item(*i, OutcomeStatus::Failed, &why);
            let end = RowEnd::new(OutcomeStatus::Failed, vec![why]);
            self.requests.end_row(a, Member::Item(*i), end);
        }
        resend
    }

    fn item_lookup_finished(&mut self, parent: JobId, resend: &[ItemId], now: i64) {
        let Some(JobKind::Items(batch)) = self.jobs.kind_mut(parent) else {
            return;
        };
        let Some(missing_now) = batch.lookup_done(resend) else {
            return;
        };
        let empty = batch.members.is_empty();
        for i in &missing_now {
            if let Some(u) = self.items.get_mut(*i) {
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
