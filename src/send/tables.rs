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
use std::marker::PhantomData;

use crate::issues::{Issue, IssueCode, Path};
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

/// An item to create (issue 19).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct ItemId(usize);

/// A job: the request it sends, where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct JobId(usize);

/// An id made only by its [`Table`].
pub(super) trait RowId: Copy {
    fn at(index: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! row_id {
    ($($name:ident),*) => {$(
        impl RowId for $name {
            fn at(index: usize) -> Self {
                $name(index)
            }
            fn index(self) -> usize {
                self.0
            }
        }
    )*};
}
/// A cancel (void or delete) of the host's `cancels`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct CancelId(usize);

/// A payment of the host's `payments`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct PayId(usize);

row_id!(DocId, ContactId, ItemId, JobId, CancelId, PayId);

/// The ids of a table as an owned range, so the table can change while they are walked.
type Ids<I> = std::iter::Map<std::ops::Range<usize>, fn(usize) -> I>;

/// Rows named by ids of type `I`. Rows are only appended, so every id the table made stays
/// valid; lookups still return `Option` because a panic would trap the wasm instance.
pub(super) struct Table<I, T> {
    rows: Vec<T>,
    id: PhantomData<I>,
}

impl<I, T> Default for Table<I, T> {
    fn default() -> Self {
        Table {
            rows: Vec::new(),
            id: PhantomData,
        }
    }
}

impl<I: RowId, T> Table<I, T> {
    pub(super) fn with_capacity(n: usize) -> Self {
        Table {
            rows: Vec::with_capacity(n),
            id: PhantomData,
        }
    }

    pub(super) fn push(&mut self, row: T) -> I {
        self.rows.push(row);
        I::at(self.rows.len() - 1)
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(super) fn ids(&self) -> Ids<I> {
        (0..self.rows.len()).map(I::at as fn(usize) -> I)
    }

    pub(super) fn get(&self, id: I) -> Option<&T> {
        self.rows.get(id.index())
    }

    pub(super) fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.rows.get_mut(id.index())
    }

    pub(super) fn iter(&self) -> std::slice::Iter<'_, T> {
        self.rows.iter()
    }

    pub(super) fn iter_ids(&self) -> impl Iterator<Item = (I, &T)> {
        self.rows.iter().enumerate().map(|(i, x)| (I::at(i), x))
    }

    /// The rows among `ids`, in that order.
    pub(super) fn of<'a>(&'a self, ids: &'a [I]) -> impl Iterator<Item = &'a T> + 'a {
        ids.iter().filter_map(|i| self.rows.get(i.index()))
    }

    /// The rows among `ids` with their ids, in that order.
    pub(super) fn pairs<'a>(&'a self, ids: &'a [I]) -> impl Iterator<Item = (I, &'a T)> + 'a {
        ids.iter()
            .filter_map(|i| self.rows.get(i.index()).map(|x| (*i, x)))
    }
}

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
    /// Items to create that this document still waits on (it stays `WaitContact` until none).
    pub(super) items_waiting: u32,
    pub(super) out: Outcome,
}

/// The documents, and which outcomes the current call changed (its return value). Reads go
/// through the table; changes through [`Docs::edit`] and [`Docs::update`], so an outcome
/// cannot change without being reported.
pub(super) struct Docs {
    rows: Table<DocId, Doc>,
    touched: BTreeSet<DocId>,
}

impl std::ops::Deref for Docs {
    type Target = Table<DocId, Doc>;
    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl Docs {
    pub(super) fn with_capacity(n: usize) -> Docs {
        Docs {
            rows: Table::with_capacity(n),
            touched: BTreeSet::new(),
        }
    }

    pub(super) fn push(&mut self, doc: Doc) -> DocId {
        self.rows.push(doc)
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
        self.rows.get_mut(id).map(f)
    }

    /// Changes a document's outcome (given its path, for issues) and reports it in the
    /// current call's answer.
    pub(super) fn update<R>(
        &mut self,
        id: DocId,
        f: impl FnOnce(&mut Doc, Path) -> R,
    ) -> Option<R> {
        let x = self.rows.get_mut(id)?;
        let path = Path::root("invoices").index(x.p.index);
        self.touched.insert(id);
        Some(f(x, path))
    }

    /// [`Docs::update`] of every document `f` changes (returns true for).
    pub(super) fn update_all(&mut self, mut f: impl FnMut(&mut Doc) -> bool) {
        for (i, x) in self.rows.rows.iter_mut().enumerate() {
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
            .filter_map(|d| self.get(d).map(Doc::outcome))
            .collect()
    }
}

impl Doc {
    /// The outcome as the host reads it: the preview's warnings first (a tracking option left
    /// off, a fallback used, a near-miss contact created), then the run's own issues. A host
    /// that plans without previewing first reads only these. A document the preview blocked
    /// already holds the preview's issues. Left out: the warnings that announce what the run
    /// itself will do (create a contact or an item, delete a line, send a negative invoice as
    /// a credit note), which the run's log and outcomes then say as done or failed. The
    /// ContactID is the document's once known (matched, or created by the run).
    pub(super) fn outcome(&self) -> Outcome {
        let mut out = self.out.clone();
        out.contact_id.clone_from(&self.contact_id);
        if !self.p.blocked && !self.p.issues.is_empty() {
            // (One the run's answer says again, as an error, is said once: the run's.)
            let said = |i: &Issue| {
                out.issues
                    .iter()
                    .any(|j| j.code == i.code && j.path == i.path)
            };
            let kept: Vec<Issue> = (self.p.issues.iter())
                .filter(|i| !announces_the_run(i.code) && !said(i))
                .cloned()
                .collect();
            out.issues.splice(0..0, kept);
        }
        out
    }
}

fn announces_the_run(code: IssueCode) -> bool {
    matches!(
        code,
        IssueCode::ContactWillBeCreated
            | IssueCode::ItemWillBeCreated
            | IssueCode::LineWillBeDeleted
            | IssueCode::ConvertedToCreditNote
    )
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
    /// The person (index in `people`) this contact is created or updated for (issue 19).
    pub(super) person: Option<usize>,
    /// An update of this ContactID (POST /Contacts) instead of a create.
    pub(super) update: Option<String>,
    /// Why it ended without a ContactID (a person's issues; documents carry their own).
    pub(super) failure: Vec<crate::issues::Issue>,
}

/// The contacts to create.
pub(super) type Contacts = Table<ContactId, ContactUnit>;

impl Contacts {
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

/// An item to create: its element, the documents that wait on it, where it stands (the
/// contact states serve: unused, in a job, looked up, resolved, failed).
pub(super) struct ItemUnit {
    pub(super) new: crate::resolve::items::NewItem,
    pub(super) element: String,
    pub(super) docs: Vec<DocId>,
    pub(super) state: ContactState,
    pub(super) item_id: Option<String>,
    pub(super) was_uncertain: bool,
    pub(super) sends: u32,
}

/// The items to create.
pub(super) type Items = Table<ItemId, ItemUnit>;

impl Items {
    /// The documents waiting on `ids`, sorted, each once.
    pub(super) fn docs_of(&self, ids: &[ItemId]) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self.of(ids).flat_map(|u| u.docs.iter().copied()).collect();
        docs.sort_unstable();
        docs.dedup();
        docs
    }

    /// An item's code, for messages.
    pub(super) fn code(&self, id: ItemId) -> String {
        self.get(id)
            .map(|u| u.new.item.code.to_string())
            .unwrap_or_default()
    }
}

/// A member of a request: a document, a contact or an item to create, a cancel or a payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Member {
    Doc(DocId),
    Contact(ContactId),
    Item(ItemId),
    Cancel(CancelId),
    Payment(PayId),
}

/// Where a cancel or a payment is: never sent, waiting for the documents of the run (payments),
/// ready to batch, in a request, being looked up, or settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Blocked,
    Waiting,
    Ready,
    InJob,
    Lookup,
    Final,
}

impl Step {
    /// Whether nothing more will be sent for it.
    pub(super) fn settled(self) -> bool {
        matches!(self, Step::Blocked | Step::Final)
    }
}

/// A cancel: the document, the status asked of Xero, where it stands.
pub(super) struct CancelRow {
    /// The document's number, as the host gave it (for the log).
    pub(super) number: Option<String>,
    pub(super) collection: Collection,
    pub(super) xero_id: String,
    /// CREDITED: the run's credit note document that replaces the void.
    pub(super) credit: Option<DocId>,
    pub(super) step: Step,
    pub(super) was_uncertain: bool,
    pub(super) out: crate::send::CancelOutcome,
}

/// The cancels.
pub(super) type Cancels = Table<CancelId, CancelRow>;

/// The document a payment is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum PayTarget {
    /// A document of this run: its id is known once it is exported.
    Doc(DocId),
    /// InvoiceID / CreditNoteID.
    Id(String),
    /// InvoiceNumber / CreditNoteNumber.
    Number(String),
}

/// A payment: what is sent, where it stands.
pub(super) struct PayRow {
    pub(super) target: PayTarget,
    /// The host's id of the document paid, when it is one of the run's (for the log).
    pub(super) doc_source: Option<String>,
    pub(super) credit: bool,
    pub(super) amount: Decimal,
    pub(super) date: Option<crate::dates::Date>,
    /// The account as sent: (`AccountID`, id) or (`Code`, code).
    pub(super) account: (&'static str, String),
    pub(super) reference: Option<String>,
    pub(super) rate: Option<Decimal>,
    pub(super) element: Option<String>,
    pub(super) step: Step,
    pub(super) was_uncertain: bool,
    pub(super) out: crate::send::PaymentOutcome,
}

/// The payments.
pub(super) type Payments = Table<PayId, PayRow>;

#[derive(Clone, Debug)]
pub(super) enum JobKind {
    /// PUT /Items: items to create before the documents that use them.
    Items(Batch<ItemId>),
    /// GET /Items by code after an uncertain answer or a duplicate-code refusal.
    ItemLookup {
        parent: JobId,
        members: Vec<ItemId>,
        spec: RequestSpec,
    },
    Contacts(Batch<ContactId>),
    /// POST /Contacts with ContactID: the people's contacts to update (issue 19). An update
    /// without an answer is resent (the same update twice is the same update).
    ContactUpdates(Batch<ContactId>),
    Documents {
        group: Group,
        batch: Batch<DocId>,
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
    /// POST of Status DELETED / VOIDED.
    Cancels {
        collection: Collection,
        batch: Batch<CancelId>,
    },
    /// GET of cancelled documents after an uncertain answer.
    CancelLookup {
        parent: JobId,
        members: Vec<CancelId>,
        collection: Collection,
        spec: RequestSpec,
    },
    /// PUT /Payments.
    Payments(Batch<PayId>),
    /// GET /Payments of the documents paid, after an uncertain answer.
    PaymentLookup {
        parent: JobId,
        members: Vec<PayId>,
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
pub(super) type Jobs = Table<JobId, Job>;

impl Jobs {
    /// A new job, queued at `at`.
    pub(super) fn queue(&mut self, kind: JobKind, at: i64) -> JobId {
        self.push(Job {
            kind,
            state: JobState::Queued(at),
            failures: 0,
            sends: 0,
            reserved: None,
        })
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
        self.iter()
            .filter(|j| matches!(j.state, JobState::InFlight(_)))
            .count()
    }
}

/// The members of a send job (documents or contacts to create) and the lookups it waits on
/// after an uncertain answer: once they are all in, the job resends what they did not find.
#[derive(Clone, Debug)]
pub(super) struct Batch<T> {
    pub(super) members: Vec<T>,
    lookups_left: u32,
    missing: Vec<T>,
}

impl<T: Copy + PartialEq> Batch<T> {
    pub(super) fn new(members: Vec<T>) -> Self {
        Batch {
            members,
            lookups_left: 0,
            missing: Vec::new(),
        }
    }

    /// Waits on `n` more lookups.
    pub(super) fn add_lookups(&mut self, n: u32) {
        self.lookups_left += n;
    }

    /// One lookup finished, not finding `missing`. Once all have, the members are exactly
    /// those not found, in their original order, and they are returned (None while lookups
    /// are still out).
    pub(super) fn lookup_done(&mut self, missing: &[T]) -> Option<Vec<T>> {
        self.missing.extend_from_slice(missing);
        self.lookups_left = self.lookups_left.saturating_sub(1);
        if self.lookups_left > 0 {
            return None;
        }
        let missing_now = std::mem::take(&mut self.missing);
        self.members.retain(|m| missing_now.contains(m));
        Some(missing_now)
    }
}
