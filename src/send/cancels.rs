//! Voiding and deleting exported documents (`plan({cancels})`): DRAFT and SUBMITTED become
//! DELETED, AUTHORISED without payments becomes VOIDED (reference §2.6: AUTHORISED cannot be
//! deleted; PAID has no outgoing transition). A document with payments, credit notes or
//! allocations is not sent: the issue says what to remove in Xero first. One already VOIDED
//! or DELETED is settled at once, nothing sent.
//!
//! Batched like updates (POST, at most `maxDocuments` per request, `summarizeErrors=false`).
//! A lost answer, a 5xx, or Xero's "not of valid status for modification" after an attempt
//! without an answer is settled by a GET of the documents by id, before anything is sent
//! again: never a double void.
//!
//! Owns the cancels' rows and jobs; touches no document, contact or payment.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::input::source::SourceInvoice;
use crate::input::unknown::Found;
use crate::input::work::{CancelInput, CancelXero};
use crate::issues::{Issue, IssueCode, Path};
use crate::money::Num;
use crate::send::plan::{where_literal, Purpose, RequestSpec};
use crate::xero::kind::{Collection, DocumentKind};
use crate::xero::responses::{
    code_for, element_status, elements, text_field, validation_messages, ElementStatus, XeroMessage,
};
use crate::xero::wire::{self, Object};

use super::answers::{self, Answer};
use super::requests::RowEnd;
use super::tables::{
    AllocStage, Batch, CancelId, CancelRow, DocId, DocState, JobId, JobKind, JobState, Member, Step,
};
use super::{AllocationStatus, CancelOutcome, OutcomeStatus, Run};

/// IDs per lookup GET: 40 GUIDs keep the URL near 1,500 characters.
const IDS_PER_LOOKUP: usize = 40;

/// Members of a cancels job that an answer left open.
type Open = answers::Open<CancelId>;

/// What a cancel entry asks, once checked.
enum Plan {
    /// Send `Status` = this.
    Send(&'static str),
    /// Already VOIDED / DELETED in Xero.
    Settled(String),
    /// Paid: cancelled by the run's credit note document (opt-in).
    Credit(DocId),
}

impl Run {
    /// Adds the host's cancels: checks each, settles the already cancelled, batches the rest.
    /// `taken`: the source ids of the plan's invoices (a document cancelled and sent at once
    /// is a conflict).
    pub(super) fn add_cancels(
        &mut self,
        cancels: &[CancelInput],
        unknown: &[Found],
        taken: &BTreeSet<String>,
        docs: &std::collections::HashMap<String, DocId>,
    ) {
        let mut seen = BTreeSet::new();
        for (i, c) in cancels.iter().enumerate() {
            let path = Path::root("cancels").index(i);
            let kind = cancel_kind(c, &path);
            let mut issues = super::payments::unknown_issues(unknown, &path);
            issues.extend(kind.as_ref().err().cloned());
            let kind = kind.unwrap_or(DocumentKind::Accrec);
            let source_id = c.source_id.as_deref().unwrap_or_default().to_owned();
            if source_id.is_empty() {
                issues.push(Issue::error(IssueCode::Missing, path.field("sourceId"), "Each cancel needs the host's `sourceId` of the document: its outcome and idempotency key refer to it."));
            }
            let xero = c.xero.clone().unwrap_or_default();
            let xero_id = xero.id.as_deref().unwrap_or_default().trim().to_owned();
            if xero_id.is_empty() {
                issues.push(Issue::error(IssueCode::Missing, path.field("xero").field("id"), format!("Each cancel needs the document's {} in Xero (`xero.id`): documents are voided or deleted by id.", kind.collection().id_field())));
            } else if !crate::sync::input::is_uuid(&xero_id) {
                issues.push(Issue::error(IssueCode::XeroIdInvalid, path.field("xero").field("id"), format!("\"{}\" is not a Xero {} (a UUID such as 243c8f5e-...-b5a1): Xero would refuse the whole request it is in, so it is not sent. Pass the id Xero gave the document.", crate::money::shown(&xero_id), kind.collection().id_field())));
            }
            let conflict = taken.contains(&source_id)
                || !seen.insert(source_id.clone())
                || !seen.insert(format!("\u{0}{}", xero_id.to_ascii_lowercase()));
            if conflict && !source_id.is_empty() {
                issues.push(Issue::error(IssueCode::CancelConflict, path.field("sourceId"), "This document is cancelled twice, or cancelled and sent as an invoice in the same plan: keep one."));
            }
            // The credit note made for it (see `credit_invoice`), when one was.
            let credit_id = credit_source_id(&source_id);
            let credit = (!taken.contains(&credit_id))
                .then(|| docs.get(&credit_id).copied())
                .flatten();
            let plan = cancel_plan(&xero, kind, &path, credit, &mut issues);
            let number = xero.number.as_deref().map(str::to_owned);
            self.push_cancel(i, (source_id, number), kind, xero_id, plan, issues);
        }
        self.batch_cancels();
    }

    /// Adds one checked cancel; `ids`: the host's source id and the document's number.
    fn push_cancel(
        &mut self,
        index: usize,
        (source_id, number): (String, Option<String>),
        kind: DocumentKind,
        xero_id: String,
        plan: Option<Plan>,
        issues: Vec<Issue>,
    ) {
        let mut issues = issues;
        let credit = match &plan {
            Some(Plan::Credit(d)) => Some(*d),
            _ => None,
        };
        if let Some((d, x)) = credit.and_then(|d| self.docs.get(d).map(|x| (d, x))) {
            if x.state == DocState::Blocked {
                let from = self.docs.path(d);
                let to = Path::root("cancels").index(index).field("creditInstead");
                issues.extend(x.out.issues.iter().map(|i| repath(i, &from, &to)));
            }
        }
        let blocked = issues.iter().any(Issue::is_error);
        let (step, status, action, xero_status) = match (&plan, blocked) {
            (None, _) | (_, true) => (Step::Blocked, OutcomeStatus::Blocked, None, None),
            (Some(Plan::Settled(s)), false) => {
                (Step::Final, OutcomeStatus::Exported, None, Some(s.clone()))
            }
            (Some(Plan::Send(to)), false) => (Step::Ready, OutcomeStatus::Pending, Some(*to), None),
            (Some(Plan::Credit(_)), false) => (
                Step::Waiting,
                OutcomeStatus::Pending,
                Some("CREDITED"),
                None,
            ),
        };
        let out = CancelOutcome {
            index,
            source_id,
            kind,
            status,
            action,
            xero_id: (!xero_id.is_empty()).then(|| xero_id.clone()),
            xero_status,
            credit_note: None,
            lookup: None,
            request_id: None,
            attempts: 0,
            issues,
        };
        self.cancels.push(CancelRow {
            number,
            collection: kind.collection(),
            credit,
            xero_id,
            step,
            was_uncertain: false,
            out,
        });
    }

    /// Ready cancels into POST jobs, per collection, at most `maxDocuments` each.
    fn batch_cancels(&mut self) {
        for collection in [Collection::Invoices, Collection::CreditNotes] {
            let ready: Vec<CancelId> = self
                .cancels
                .iter_ids()
                .filter(|(_, c)| c.step == Step::Ready && c.collection == collection)
                .map(|(id, _)| id)
                .collect();
            for chunk in ready.chunks(self.limits.max_documents) {
                for c in chunk {
                    if let Some(row) = self.cancels.get_mut(*c) {
                        row.step = Step::InJob;
                    }
                }
                let batch = Batch::new(chunk.to_vec());
                self.jobs
                    .queue(JobKind::Cancels { collection, batch }, i64::MIN);
            }
        }
    }

    /// The POST of a cancels job: `{"Invoices":[{"InvoiceID":…,"Status":"VOIDED"}]}`.
    pub(super) fn cancel_spec(
        &self,
        collection: Collection,
        members: &[CancelId],
    ) -> Option<RequestSpec> {
        let els: Vec<String> = self
            .cancels
            .of(members)
            .map(|c| cancel_element(collection, &c.xero_id, c.out.action.unwrap_or("DELETED")))
            .collect();
        if els.is_empty() {
            return None;
        }
        let refs: Vec<&str> = els.iter().map(String::as_str).collect();
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        Some(RequestSpec {
            purpose: Purpose::Cancel,
            method: "POST",
            path: format!("/{}", collection.endpoint()),
            query,
            body: Some(wire::envelope(collection.endpoint(), &refs)),
            documents: self
                .cancels
                .of(members)
                .map(|c| c.out.source_id.clone())
                .collect(),
            contacts: Vec::new(),
            items: Vec::new(),
        })
    }

    /// Handing a cancel out in a request: counts the attempt (sends only); returns what its
    /// log row says of it: source id, number, kind.
    pub(super) fn hand_out_cancel(
        &mut self,
        c: CancelId,
        send: bool,
        request: &crate::send::plan::Request,
    ) -> Option<(String, Option<String>, &'static str)> {
        let row = self.cancels.get_mut(c)?;
        if send {
            row.out.attempts += 1;
            row.out.request_id = Some(request.id.clone());
            if matches!(
                row.out.status,
                OutcomeStatus::Retry | OutcomeStatus::Uncertain
            ) {
                row.out.status = OutcomeStatus::Pending;
                row.out.lookup = None;
                row.out.issues.clear();
            }
        }
        Some((
            row.out.source_id.clone(),
            row.number.clone(),
            row.out.kind.as_str(),
        ))
    }

    pub(super) fn on_cancels(&mut self, a: &Answer, collection: Collection, members: &[CancelId]) {
        let mut open = Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::cancel_failed) {
            let els = elements(body, collection.endpoint()).unwrap_or_default();
            if els.is_empty() && !a.ok_status() {
                let msgs =
                    answers::plain_messages(&answers::error_texts(a.http.unwrap_or(400), body));
                for c in members {
                    self.cancel_failed(a, *c, &msgs);
                }
            } else {
                for (pos, c) in members.iter().enumerate() {
                    let el = self.cancel_element_of(*c, collection, els, pos);
                    match el {
                        Some(el) => self.cancel_answered(a, *c, el, &mut open),
                        None => open.unsure(&[*c], "Xero's answer has no element for this document: it may or may not have been changed."),
                    }
                }
            }
        }
        self.cancels_left_open(a, collection, open);
    }

    /// The element of an answer for cancel `c`: the one with its id, else the one at its place
    /// when that one carries no id (an element with another document's id is never this one's).
    fn cancel_element_of<'a>(
        &self,
        c: CancelId,
        collection: Collection,
        els: &'a [Value],
        pos: usize,
    ) -> Option<&'a Value> {
        let id = self.cancels.get(c)?.xero_id.to_ascii_lowercase();
        els.iter()
            .find(|el| {
                text_field(el, collection.id_field()).is_some_and(|v| v.to_ascii_lowercase() == id)
            })
            .or_else(|| {
                els.get(pos)
                    .filter(|el| text_field(el, collection.id_field()).is_none())
            })
    }

    fn cancel_answered(&mut self, a: &Answer, c: CancelId, el: &Value, open: &mut Open) {
        let was_uncertain = self.cancels.get(c).is_some_and(|x| x.was_uncertain);
        match element_status(el) {
            ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => {
                open.unsure(&[c], "Xero rejected the request (HTTP 400) for other documents; whether this one was changed is not documented.");
            }
            ElementStatus::Ok | ElementStatus::Warning => {
                let status = text_field(el, "Status").map(str::to_ascii_uppercase);
                self.cancel_settled(a, c, status);
            }
            // After an attempt without an answer, "not of valid status" may mean the first
            // attempt already voided it: the lookup decides.
            ElementStatus::Error if was_uncertain => open.unsure(&[c], "Xero refused the change after an attempt without an answer; the first attempt may have made it."),
            ElementStatus::Error => {
                let msgs = validation_messages(el);
                self.cancel_failed(a, c, &msgs);
            }
        }
    }

    /// Xero has the document in `status` (VOIDED/DELETED: done; anything else: refused).
    fn cancel_settled(&mut self, a: &Answer, c: CancelId, status: Option<String>) {
        let Some(row) = self.cancels.get_mut(c) else {
            return;
        };
        let done = status
            .as_deref()
            .is_none_or(|s| s == "VOIDED" || s == "DELETED");
        row.step = Step::Final;
        row.out.lookup = None;
        row.out.xero_status = status.clone().or_else(|| row.out.action.map(str::to_owned));
        let path = Path::root("cancels").index(row.out.index);
        if done {
            row.out.status = OutcomeStatus::Exported;
            row.out.issues.clear();
        } else {
            row.out.status = OutcomeStatus::Failed;
            let st = status.unwrap_or_default();
            row.out.issues = vec![Issue::error(
                IssueCode::UpdateNotAllowed,
                path.field("xero").field("status"),
                format!("Xero kept the document {st}: it was not cancelled. Check it in Xero."),
            )];
        }
        let (st, id) = (row.out.status, row.out.xero_id.clone());
        self.requests.end_row(
            a,
            Member::Cancel(c),
            RowEnd::new(st, Vec::new()).found(id, None),
        );
    }

    fn cancel_failed(&mut self, a: &Answer, c: CancelId, msgs: &[XeroMessage]) {
        let fallback = answers::refused_without_message(a, msgs);
        let msgs = fallback.as_deref().unwrap_or(msgs);
        let Some(row) = self.cancels.get_mut(c) else {
            return;
        };
        let path = Path::root("cancels").index(row.out.index);
        row.step = Step::Final;
        row.out.status = OutcomeStatus::Failed;
        row.out.lookup = None;
        row.out.issues = msgs
            .iter()
            .map(|m| {
                Issue::error(
                    cancel_code(&m.text),
                    path.clone(),
                    format!("Xero refused to cancel the document: {}", m.text),
                )
            })
            .collect();
        let texts = msgs.iter().map(|m| m.text.clone()).collect();
        self.requests.end_row(
            a,
            Member::Cancel(c),
            RowEnd::new(OutcomeStatus::Failed, texts),
        );
    }

    /// Uncertain cancels: looked up by id (or, after too many sends, left for a person).
    fn cancels_left_open(&mut self, a: &Answer, collection: Collection, open: Open) {
        if open.uncertain.is_empty() {
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        let ids = open.uncertain_ids();
        for (c, why) in &open.uncertain {
            self.requests.end_row(
                a,
                Member::Cancel(*c),
                RowEnd::new(OutcomeStatus::Uncertain, vec![why.clone()]),
            );
        }
        let sends = self.jobs.get(a.job).map_or(0, |j| j.sends);
        if sends >= self.limits.max_attempts {
            for c in &ids {
                self.cancel_uncertain_final(
                    *c,
                    "Sent too often without an answer; check the document's status in Xero.",
                );
            }
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        let n = self.start_cancel_lookups(a.job, &ids, collection, a.now);
        if let Some(JobKind::Cancels { batch, .. }) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|m| ids.contains(m));
            batch.add_lookups(n);
        }
        self.jobs.set(a.job, JobState::Waiting);
    }

    fn cancel_uncertain_final(&mut self, c: CancelId, why: &str) {
        if let Some(row) = self.cancels.get_mut(c) {
            let path = Path::root("cancels").index(row.out.index);
            row.step = Step::Final;
            row.out.status = OutcomeStatus::Uncertain;
            row.out.issues = vec![Issue::error(IssueCode::OutcomeUncertain, path, why)];
        }
    }

    /// GETs of the uncertain cancels' documents by id, after a backoff.
    fn start_cancel_lookups(
        &mut self,
        parent: JobId,
        ids: &[CancelId],
        collection: Collection,
        now: i64,
    ) -> u32 {
        let at = now.saturating_add(self.backoff(self.jobs.failures(parent).max(1)));
        let mut n = 0;
        let per = if collection == Collection::Invoices {
            IDS_PER_LOOKUP
        } else {
            10
        };
        for chunk in ids.chunks(per) {
            let spec = self.cancel_lookup_spec(collection, chunk);
            let id = self.requests.new_id();
            let request = spec.build(id.clone(), &self.limits.tenant_id, 1);
            for c in chunk {
                if let Some(row) = self.cancels.get_mut(*c) {
                    let path = Path::root("cancels").index(row.out.index);
                    row.step = Step::Lookup;
                    row.was_uncertain = true;
                    row.out.status = OutcomeStatus::Uncertain;
                    row.out.lookup = Some(request.clone());
                    row.out.issues = vec![Issue::warning(IssueCode::OutcomeUncertain, path, format!("No clear answer: the run looks the document up (GET {}) before anything is sent again.", request.url))];
                }
            }
            let kind = JobKind::CancelLookup {
                parent,
                members: chunk.to_vec(),
                collection,
                spec,
            };
            let j = self.jobs.queue(kind, at);
            if let Some(job) = self.jobs.get_mut(j) {
                job.reserved = Some(id);
            }
            n += 1;
        }
        n
    }

    /// `GET /Invoices?IDs=…` (Xero's documented id filter), or `/CreditNotes?where=
    /// CreditNoteID==guid(…) OR …` (GET /CreditNotes has no IDs parameter).
    fn cancel_lookup_spec(&self, collection: Collection, members: &[CancelId]) -> RequestSpec {
        let ids: Vec<&str> = self
            .cancels
            .of(members)
            .map(|c| c.xero_id.as_str())
            .collect();
        let mut query = BTreeMap::new();
        match collection {
            Collection::Invoices => {
                query.insert("IDs".to_owned(), ids.join(","));
            }
            Collection::CreditNotes => {
                let clauses: Vec<String> = ids
                    .iter()
                    .map(|i| format!("CreditNoteID==guid({})", where_literal(i)))
                    .collect();
                query.insert("where".to_owned(), clauses.join(" OR "));
            }
        }
        let docs = self
            .cancels
            .of(members)
            .map(|c| c.out.source_id.clone())
            .collect();
        RequestSpec::get(format!("/{}", collection.endpoint()), query, docs)
    }

    pub(super) fn on_cancel_lookup(
        &mut self,
        a: &Answer,
        parent: JobId,
        members: &[CancelId],
        collection: Collection,
    ) {
        let els = match a.list(collection.endpoint(), "lookup") {
            Ok(els) => els,
            Err(reason) => {
                if !self.retry_get(a, &reason) {
                    for c in members {
                        self.cancel_uncertain_final(*c, &format!("The lookup got no usable answer ({reason}); check the document's status in Xero."));
                    }
                    self.cancel_lookup_done(parent, &[], a.now);
                }
                return;
            }
        };
        let mut resend = Vec::new();
        for c in members {
            let status = self.cancel_element_of_id(*c, collection, els).map(|el| {
                text_field(el, "Status")
                    .unwrap_or_default()
                    .to_ascii_uppercase()
            });
            match status.as_deref() {
                Some("VOIDED" | "DELETED") => self.cancel_settled(a, *c, status.clone()),
                Some("DRAFT" | "SUBMITTED" | "AUTHORISED") => {
                    let end = RowEnd::new(
                        OutcomeStatus::Retry,
                        vec!["Not cancelled in Xero: safe to send again.".into()],
                    );
                    self.requests.end_row(a, Member::Cancel(*c), end);
                    resend.push(*c);
                }
                Some(other) => {
                    let other = other.to_owned();
                    self.cancel_settled(a, *c, Some(other));
                }
                None => {
                    self.requests.end_row(
                        a,
                        Member::Cancel(*c),
                        RowEnd::new(OutcomeStatus::Uncertain, vec!["Not found by id.".into()]),
                    );
                    self.cancel_uncertain_final(*c, "Xero did not return the document by its id: check it in Xero (nothing was sent again).");
                }
            }
        }
        self.jobs.set(a.job, JobState::Done);
        self.cancel_lookup_done(parent, &resend, a.now);
    }

    fn cancel_element_of_id<'a>(
        &self,
        c: CancelId,
        collection: Collection,
        els: &'a [Value],
    ) -> Option<&'a Value> {
        let id = self.cancels.get(c)?.xero_id.to_ascii_lowercase();
        els.iter().find(|el| {
            text_field(el, collection.id_field()).is_some_and(|v| v.to_ascii_lowercase() == id)
        })
    }

    /// Once every lookup of a cancels job is in, resend exactly the cancels Xero has not made.
    fn cancel_lookup_done(&mut self, parent: JobId, resend: &[CancelId], now: i64) {
        let Some(JobKind::Cancels { batch, .. }) = self.jobs.kind_mut(parent) else {
            return;
        };
        let Some(again) = batch.lookup_done(resend) else {
            return;
        };
        for c in &again {
            if let Some(row) = self.cancels.get_mut(*c) {
                // `was_uncertain` stays: a refusal of the resend is looked up again (bounded
                // by maxAttempts), since the lookup may have seen Xero before it saved.
                row.step = Step::InJob;
                row.out.status = OutcomeStatus::Retry;
            }
        }
        let state = if again.is_empty() {
            JobState::Done
        } else {
            JobState::Queued(now)
        };
        self.jobs.set(parent, state);
    }
}

impl Run {
    /// Settles the cancels made by a credit note once it is settled and allocated (or the
    /// allocation skipped): the cancel takes the credit note's status, and says so when the
    /// credit could not be allocated to the document.
    pub(super) fn settle_credit_cancels(&mut self) {
        for c in self.cancels.ids() {
            let Some((Step::Waiting, Some(d))) = self.cancels.get(c).map(|x| (x.step, x.credit))
            else {
                continue;
            };
            let Some(x) = self.docs.get(d) else { continue };
            let allocating = x
                .alloc
                .as_ref()
                .is_some_and(|a| a.stage != AllocStage::Done);
            if !matches!(x.state, DocState::Final | DocState::Blocked) || allocating {
                continue;
            }
            let note = x.outcome();
            if let Some(row) = self.cancels.get_mut(c) {
                settle_by_credit(row, note);
            }
        }
    }
}

/// A cancel made by a credit note takes the credit note's outcome.
fn settle_by_credit(row: &mut CancelRow, note: crate::send::Outcome) {
    let path = Path::root("cancels")
        .index(row.out.index)
        .field("creditInstead");
    let allocated = note.allocation.as_ref().map(|a| a.status);
    row.step = Step::Final;
    row.out.status = note.status;
    row.out.xero_status.clone_from(&note.xero_status);
    if note.status != OutcomeStatus::Exported {
        row.out.issues.push(Issue::error(IssueCode::CancelHasPayments, path, "The credit note that was to cancel this paid document was not exported (see creditNote.issues): the document is unchanged."));
    } else if allocated != Some(AllocationStatus::Allocated) {
        row.out.issues.push(Issue::warning(IssueCode::AllocationSkipped, path, "The credit note was sent but not allocated to the document (see creditNote.allocation): allocate it in Xero, or refund it."));
    }
    row.out.credit_note = Some(Box::new(note));
}

/// The source id of the credit note that cancels `source` (opt-in).
fn credit_source_id(source: &str) -> String {
    format!("{source}:credit")
}

/// The credit note (a negative copy of `creditInstead`, crediting the document's number) that
/// cancels a paid document, when the plan opts in and the cancel can use it.
pub(super) fn credit_invoice(c: &CancelInput, opted_in: bool) -> Option<SourceInvoice> {
    let x = c.xero.as_ref()?;
    let number = x.number.as_deref().filter(|n| !n.trim().is_empty())?;
    if !(opted_in && is_paid(x)) {
        return None;
    }
    let mut inv = c.credit_instead.clone()?;
    inv.id = Some(credit_source_id(c.source_id.as_deref()?).into());
    inv.xero = None;
    inv.credits_invoice_number = Some(number.into());
    inv.total = inv.total.as_ref().map(negate);
    for line in &mut inv.lines {
        line.unit_amount = line.unit_amount.as_ref().map(negate);
        line.discount_amount = line.discount_amount.as_ref().map(negate);
    }
    Some(inv)
}

/// PAID, or AUTHORISED with something applied: what Xero will not void.
fn is_paid(x: &CancelXero) -> bool {
    match x.status.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("PAID") => true,
        Some("AUTHORISED") => applied_amounts(x, &Path::root(""), &mut Vec::new()),
        _ => false,
    }
}

/// `-n` (an invalid number stays as it is, for the preview to report).
fn negate(n: &Num) -> Num {
    match n {
        Num::Value(v) => Num::Value(-*v),
        other => other.clone(),
    }
}

/// An issue of the credit note document, placed at the cancel's `creditInstead`.
fn repath(i: &Issue, from: &Path, to: &Path) -> Issue {
    let mut out = i.clone();
    if let Some(rest) = i.path.strip_prefix(from.as_str()) {
        out.path = format!("{}{rest}", to.as_str());
    }
    out
}

/// `{"InvoiceID":"…","Status":"VOIDED"}`.
fn cancel_element(collection: Collection, id: &str, status: &str) -> String {
    let mut out = String::with_capacity(80);
    let mut o = Object::open(&mut out);
    o.str(collection.id_field(), id);
    o.str("Status", status);
    o.close();
    out
}

/// The cancel's `type` (ACCREC by default).
fn cancel_kind(c: &CancelInput, path: &Path) -> Result<DocumentKind, Issue> {
    match c.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("ACCREC") => Ok(DocumentKind::Accrec),
        Some("ACCPAY") => Ok(DocumentKind::Accpay),
        Some("ACCRECCREDIT") => Ok(DocumentKind::AccrecCredit),
        Some("ACCPAYCREDIT") => Ok(DocumentKind::AccpayCredit),
        Some(_) => Err(Issue::error(IssueCode::CancelStatusInvalid, path.field("type"), "`type` must be ACCREC, ACCPAY, ACCRECCREDIT or ACCPAYCREDIT (Xero's Type of the document).")),
    }
}

/// What Xero allows from the document's status (reference §2.6), or the issue saying why not.
fn cancel_plan(
    x: &CancelXero,
    kind: DocumentKind,
    path: &Path,
    credit: Option<DocId>,
    issues: &mut Vec<Issue>,
) -> Option<Plan> {
    let at = path.field("xero");
    let status = x.status.as_deref().map(str::to_ascii_uppercase);
    let applied = applied_amounts(x, &at, issues);
    let what = if kind.is_credit() {
        "refunds or allocations to invoices"
    } else {
        "payments, credit notes, prepayments or overpayments"
    };
    match status.as_deref() {
        Some("DRAFT" | "SUBMITTED") => Some(Plan::Send("DELETED")),
        Some("AUTHORISED" | "PAID") if applied || status.as_deref() == Some("PAID") => {
            if let Some(d) = credit {
                return Some(Plan::Credit(d));
            }
            let st = status.as_deref().unwrap_or_default();
            issues.push(Issue::error(IssueCode::CancelHasPayments, at.field("status"), format!("This document is {st} with {what} applied in Xero: remove them in Xero first (each payment or allocation), then cancel again; Xero voids only approved documents with nothing applied. Or plan with `cancel: {{creditWhenPaid: true}}` and give `creditInstead` (and `xero.number`) to credit it instead.")));
            None
        }
        Some("AUTHORISED") => Some(Plan::Send("VOIDED")),
        Some(s @ ("VOIDED" | "DELETED")) => Some(Plan::Settled(s.to_owned())),
        Some(_) | None => {
            issues.push(Issue::error(IssueCode::CancelStatusInvalid, at.field("status"), "`xero.status` must be the document's status in Xero: DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED or DELETED. It decides whether the document is deleted or voided."));
            None
        }
    }
}

/// Whether anything is applied to the document (amounts paid or credited, allocations).
fn applied_amounts(x: &CancelXero, at: &Path, issues: &mut Vec<Issue>) -> bool {
    let mut applied = x.has_allocations == Some(true);
    for (field, v) in [
        ("amountPaid", &x.amount_paid),
        ("amountCredited", &x.amount_credited),
    ] {
        if let Some(n) = v {
            let path = at.field(field);
            if let Some(d) = n.check(path.as_str(), field, 2, issues) {
                applied |= d != Decimal::ZERO;
            }
        }
    }
    applied
}

/// Our code for Xero's refusal of a cancel.
fn cancel_code(text: &str) -> IssueCode {
    let m = text.to_ascii_lowercase();
    if m.contains("payment") || m.contains("allocat") {
        IssueCode::CancelHasPayments
    } else {
        code_for(text)
    }
}
