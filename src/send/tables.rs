//! The run's tables and their ids: documents, contacts to create, jobs (one request each,
//! resent as needed). Each table makes its own ids and never removes a row, so an id made by
//! a table stays valid for the whole run; the other files name rows only by these ids and
//! never index a `Vec` themselves.
//!
//! Owns the rows and what every change to a document must also do (remember it for the
//! call's answer). Knows nothing of requests, answers or Xero: that is the driver's and the
//! handlers' business.

use rust_decimal::Decimal;
use std::collections::BTreeSet;

use crate::issues::Path;
use crate::preview::DocumentPreview;
use crate::resolve::contacts::NewContact;
use crate::send::plan::RequestSpec;
use crate::xero::kind::Collection;
use crate::xero::responses::Identity;

use super::{Allocation, Group, Outcome, XeroDoc};

/// A document of the run: its position in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct DocId(usize);

/// A contact to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct ContactId(usize);

/// A job: the request it sends, where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct JobId(usize);

/// The ids of a table as an owned range, so the table can change while they are walked.
type Ids<T> = std::iter::Map<std::ops::Range<usize>, fn(usize) -> T>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DocState {
    Blocked,
    WaitContact,
    Ready,
    InJob,
    Lookup,
    Final,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum AllocStage {
    Plan,
    Busy,
    Done,
}

#[derive(Clone, Debug)]
pub(super) struct AllocData {
    pub(super) stage: AllocStage,
    pub(super) out: Allocation,
    pub(super) amount: Option<Decimal>,
    pub(super) credit_note_id: Option<String>,
}

pub(super) struct Doc {
    pub(super) p: DocumentPreview,
    pub(super) identity: Identity,
    pub(super) payer: Option<String>,
    pub(super) contact_id: Option<String>,
    pub(super) group: Group,
    pub(super) state: DocState,
    pub(super) element: Option<String>,
    pub(super) was_uncertain: bool,
    pub(super) xero: Option<XeroDoc>,
    pub(super) alloc: Option<AllocData>,
    pub(super) out: Outcome,
}

/// The documents, and which outcomes the current call changed (its return value).
pub(super) struct Docs {
    rows: Vec<Doc>,
    touched: BTreeSet<DocId>,
}

impl Docs {
    pub(super) fn with_capacity(n: usize) -> Docs {
        Docs {
            rows: Vec::with_capacity(n),
            touched: BTreeSet::new(),
        }
    }

    pub(super) fn push(&mut self, doc: Doc) -> DocId {
        self.rows.push(doc);
        DocId(self.rows.len() - 1)
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn ids(&self) -> Ids<DocId> {
        (0..self.rows.len()).map(DocId as fn(usize) -> DocId)
    }

    pub(super) fn get(&self, id: DocId) -> Option<&Doc> {
        self.rows.get(id.0)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Doc> {
        self.rows.iter()
    }

    pub(super) fn iter_ids(&self) -> impl Iterator<Item = (DocId, &Doc)> {
        self.rows.iter().enumerate().map(|(i, x)| (DocId(i), x))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Doc> {
        self.rows.iter_mut()
    }

    /// The documents among `ids`, in that order.
    pub(super) fn of<'a>(&'a self, ids: &'a [DocId]) -> impl Iterator<Item = &'a Doc> + 'a {
        ids.iter().filter_map(|d| self.rows.get(d.0))
    }

    /// The documents among `ids` with their ids, in that order.
    pub(super) fn pairs<'a>(
        &'a self,
        ids: &'a [DocId],
    ) -> impl Iterator<Item = (DocId, &'a Doc)> + 'a {
        ids.iter()
            .filter_map(|d| self.rows.get(d.0).map(|x| (*d, x)))
    }

    /// The host's ids of `ids` (a request's `documents`).
    pub(super) fn source_ids(&self, ids: &[DocId]) -> Vec<String> {
        self.of(ids).map(|x| x.p.source_id.to_string()).collect()
    }

    /// Where a document is in the host's input, for issues.
    pub(super) fn path(&self, id: DocId) -> Path {
        Path::root("invoices").index(self.get(id).map_or(id.0, |x| x.p.index))
    }

    /// Changes a document without touching its outcome (state, element, bookkeeping).
    pub(super) fn edit<R>(&mut self, id: DocId, f: impl FnOnce(&mut Doc) -> R) -> Option<R> {
        self.rows.get_mut(id.0).map(f)
    }

    /// Changes a document's outcome (given its path, for issues) and reports it in the
    /// current call's answer.
    pub(super) fn update<R>(
        &mut self,
        id: DocId,
        f: impl FnOnce(&mut Doc, Path) -> R,
    ) -> Option<R> {
        let x = self.rows.get_mut(id.0)?;
        let path = Path::root("invoices").index(x.p.index);
        self.touched.insert(id);
        Some(f(x, path))
    }

    /// [`Docs::update`] of every document whose outcome changed in a pass over all of them.
    pub(super) fn update_all(&mut self, mut f: impl FnMut(&mut Doc) -> bool) {
        for (i, x) in self.rows.iter_mut().enumerate() {
            if f(x) {
                self.touched.insert(DocId(i));
            }
        }
    }

    pub(super) fn clear_touched(&mut self) {
        self.touched.clear();
    }

    /// The outcomes changed since [`Docs::clear_touched`], in input order.
    pub(super) fn take_touched(&mut self) -> Vec<Outcome> {
        let touched = std::mem::take(&mut self.touched);
        touched
            .into_iter()
            .filter_map(|d| self.rows.get(d.0).map(|x| x.out.clone()))
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ContactState {
    Unused,
    InJob,
    Lookup,
    Resolved,
    Failed,
}

pub(super) struct ContactUnit {
    pub(super) new: NewContact,
    pub(super) identity: Identity,
    pub(super) element: String,
    pub(super) docs: Vec<DocId>,
    pub(super) state: ContactState,
    pub(super) contact_id: Option<String>,
    pub(super) was_uncertain: bool,
    pub(super) sends: u32,
}

/// The contacts to create.
#[derive(Default)]
pub(super) struct Contacts {
    rows: Vec<ContactUnit>,
}

impl Contacts {
    pub(super) fn push(&mut self, c: ContactUnit) -> ContactId {
        self.rows.push(c);
        ContactId(self.rows.len() - 1)
    }

    pub(super) fn ids(&self) -> Ids<ContactId> {
        (0..self.rows.len()).map(ContactId as fn(usize) -> ContactId)
    }

    pub(super) fn get(&self, id: ContactId) -> Option<&ContactUnit> {
        self.rows.get(id.0)
    }

    pub(super) fn get_mut(&mut self, id: ContactId) -> Option<&mut ContactUnit> {
        self.rows.get_mut(id.0)
    }

    /// The contacts among `ids`, in that order.
    pub(super) fn of<'a>(
        &'a self,
        ids: &'a [ContactId],
    ) -> impl Iterator<Item = &'a ContactUnit> + 'a {
        ids.iter().filter_map(|c| self.rows.get(c.0))
    }

    /// The documents waiting on `ids`, sorted, each once.
    pub(super) fn docs_of(&self, ids: &[ContactId]) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self.of(ids).flat_map(|u| u.docs.iter().copied()).collect();
        docs.sort_unstable();
        docs.dedup();
        docs
    }

    /// A contact's name, for messages.
    pub(super) fn name(&self, id: ContactId) -> String {
        self.get(id)
            .map(|u| u.new.contact.name.clone())
            .unwrap_or_default()
    }
}

/// A member of a request: a document or a contact to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Member {
    Doc(DocId),
    Contact(ContactId),
}

#[derive(Clone, Debug)]
pub(super) enum JobKind {
    Contacts {
        members: Vec<ContactId>,
        lookups_left: u32,
        missing: Vec<ContactId>,
    },
    Documents {
        group: Group,
        members: Vec<DocId>,
        lookups_left: u32,
        missing: Vec<DocId>,
    },
    /// GET of documents; `parent` = the documents job to resend the missing ones with (None: a
    /// duplicate-number check, where missing means failed).
    DocLookup {
        parent: Option<JobId>,
        members: Vec<DocId>,
        collection: Collection,
        spec: RequestSpec,
    },
    ContactLookup {
        parent: JobId,
        members: Vec<ContactId>,
        spec: RequestSpec,
    },
    AllocTarget {
        doc: DocId,
        spec: RequestSpec,
    },
    Allocate {
        doc: DocId,
        spec: RequestSpec,
    },
    AllocCheck {
        doc: DocId,
        allocate: JobId,
        spec: RequestSpec,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum JobState {
    Queued(i64),
    InFlight(String),
    Waiting,
    Done,
}

pub(super) struct Job {
    pub(super) kind: JobKind,
    pub(super) state: JobState,
    pub(super) failures: u32,
    pub(super) sends: u32,
    pub(super) reserved: Option<String>,
}

/// The jobs, in the order they were planned (the order [`super::Run::next`] hands them out).
#[derive(Default)]
pub(super) struct Jobs {
    rows: Vec<Job>,
}

impl Jobs {
    /// A new job, queued at `at`.
    pub(super) fn push(&mut self, kind: JobKind, at: i64) -> JobId {
        self.rows.push(Job {
            kind,
            state: JobState::Queued(at),
            failures: 0,
            sends: 0,
            reserved: None,
        });
        JobId(self.rows.len() - 1)
    }

    pub(super) fn ids(&self) -> Ids<JobId> {
        (0..self.rows.len()).map(JobId as fn(usize) -> JobId)
    }

    pub(super) fn get(&self, id: JobId) -> Option<&Job> {
        self.rows.get(id.0)
    }

    pub(super) fn get_mut(&mut self, id: JobId) -> Option<&mut Job> {
        self.rows.get_mut(id.0)
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Job> {
        self.rows.iter()
    }

    pub(super) fn kind_mut(&mut self, id: JobId) -> Option<&mut JobKind> {
        self.get_mut(id).map(|x| &mut x.kind)
    }

    pub(super) fn set(&mut self, id: JobId, state: JobState) {
        if let Some(job) = self.get_mut(id) {
            job.state = state;
        }
    }

    pub(super) fn failures(&self, id: JobId) -> u32 {
        self.get(id).map_or(0, |x| x.failures)
    }

    /// Counts one more failed attempt; returns how many so far.
    pub(super) fn fail(&mut self, id: JobId) -> u32 {
        match self.get_mut(id) {
            Some(job) => {
                job.failures += 1;
                job.failures
            }
            None => 1,
        }
    }

    pub(super) fn in_flight(&self) -> usize {
        self.rows
            .iter()
            .filter(|j| matches!(j.state, JobState::InFlight(_)))
            .count()
    }
}
