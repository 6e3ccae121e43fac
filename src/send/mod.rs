//! The sending run: a sans-IO state machine from previews to one outcome per source invoice.
//!
//! Like quinn-proto, the run never does IO, reads no clock and no RNG. The host drives it:
//!
//! ```text
//! let run = exporter.plan(invoices, options)       // = Run::new(exporter, invoices, options)
//! while !run.is_done():
//!     for request in run.next(now):                // ready now: items, contacts, then documents,
//!         perform it (base URL + request.url,      // lookups, allocations; at most
//!           request.headers + Authorization,       // maxConcurrent in flight
//!           request.body)
//!         run.handle(request.id, response, now)    // → the outcomes it changed
//!         or run.lost(request.id, now)             // timeout, dropped connection
//!     if nothing was ready: wait until run.wake_at()
//! run.outcomes(), run.log()
//! ```
//!
//! Per document the outcome moves `pending → exported | failed | retry | uncertain`; documents
//! with errors are `blocked` from the start and never sent. What each answer does:
//! - 200 with per-element `OK`/`WARNING` → exported (Xero's ids, number, totals; a warning when
//!   Xero's totals differ from the preview or Xero dropped tracking); `ERROR` → failed with
//!   Xero's messages mapped to our codes;
//! - 400 (summarised) → the elements with messages fail; a 400 without elements fails the
//!   request's documents with its message;
//! - 401/403 → the run stops (`stopped`): reconnect, then [`Run::resume`];
//! - 429 → `retry` with `retryAfter` and the limit hit; the run pauses every request for the
//!   minute, day and app limits and resends the same request (same Idempotency-Key) after;
//! - 5xx, a body that is not Xero's, a missing element, a timeout or a lost response →
//!   `uncertain`, with a lookup (GET by number or reference) sent after a backoff; the lookup
//!   resolves each document to exported (found) or resends the ones not found, as the same
//!   request when nothing was found (same key). "Invoice # must be unique" after an uncertain
//!   attempt is resolved by a lookup too, never by a blind resend. Updates (POST by id) are
//!   resent instead: the same update twice is the same update.
//!
//! The same run creates or updates the host's people as contacts (`plan({people})`, see
//! [`crate::people::sync`]; outcomes [`Run::people`]).
//!
//! The same run voids or deletes exported documents and records payments
//! (`plan({invoices, cancels, payments})`): cancels are POSTed with the documents, payments
//! once every document is settled, allocations once every payment is (contacts → documents →
//! payments → allocations: an allocation then reads what the payments left due); a lost
//! answer to either is
//! looked up (GET by IDs, GET /Payments) before anything is sent again. Their outcomes are
//! [`Run::cancels`] and [`Run::payments`].
//!
//! A run survives its process: [`Run::save`] writes the calls that changed it (a journal; the
//! run is deterministic), [`Run::restore`] plans the same work again and replays them, and the
//! requests that were in flight are then treated as lost (looked up, never resent blindly).
//!
//! Credit notes that came from a negative invoice with `creditsInvoiceNumber` are allocated to
//! that invoice once the credit note is AUTHORISED and the invoice is known in Xero (exported in
//! the same run, or found by a GET): `PUT /CreditNotes/{id}/Allocations` for the smaller of the
//! credit and the invoice's AmountDue.

// Where the run's code lives. The driver (this file) owns the host's API and the run-wide
// state (limits, pause, stop) and never reads a row or an answer itself; the parts below each
// own one concern:
// - `tables`: the documents, contacts and jobs, named by typed ids made only by their table
//   (an outcome changes only through `Docs::update`, which reports it to the host);
// - `outcome`: what the host reads back (outcomes, log rows, the summary, allocations);
// - `batches`: `Run::new`, building a run from a preview, packing into batches;
// - `requests`: handing out a job's request; `Requests` owns the export log;
// - `answers`: classifying an answer into the one `Answer` every handler reads, the answers
//   common to every request (401/403, 429), dispatching the rest, retrying a GET;
// - `documents`: the answers to document sends;
// - `lookups`: looking documents up after an uncertain answer;
// - `contacts`: creating contacts and looking them up;
// - `items`: creating the items lines use (`settings.items.create`) and looking them up;
// - `people`: the host's people as contacts (`plan({people})`): creates share `contacts`,
//   updates are POST /Contacts resent after a lost answer; one outcome per person;
// - `allocations`: allocating credit notes to the invoices they correct (owns its ledger);
// - `cancels`: voiding and deleting exported documents (and the opt-in credit note instead);
// - `payments`: checking and recording payments, and finding them after a lost answer;
// - `durable`: the run's journal of the host's calls, `save`/`changes`, and `restore` (plan
//   again, replay, declare what was in flight lost); every answer is read through its `slim`.
mod allocations;
mod answers;
mod batches;
mod cancels;
mod contacts;
mod documents;
mod durable;
mod items;
mod lookups;
mod outcome;
mod payments;
mod people;
pub mod plan;
mod requests;
mod tables;

pub use durable::{Changes, ResumeOptions, STATE_FORMAT, STATE_VERSION};
pub use outcome::{
    Allocation, AllocationStatus, CancelOutcome, LogRow, Outcome, OutcomeStatus, PaymentOutcome,
    RunSummary,
};

use rust_decimal::Decimal;
use serde_json::Value;

use crate::dates::Date;
use crate::error::Error;
use crate::issues::{Issue, IssueCode};
use crate::preview::DocumentPreview;
use crate::send::plan::{Limits, Request};
use crate::xero::held::HeldDocument;
use crate::xero::kind::Collection;
use crate::xero::responses::{decimal_field, text_field, HttpResponse};

use self::allocations::Ledger;
use self::answers::{classify, Answer, Class};
use self::requests::Requests;
use self::tables::{
    AllocStage, Cancels, Contacts, DocState, Docs, Items, JobState, Jobs, Payments,
};

/// The sending run. See the module docs for the host's call sequence.
pub struct Run {
    limits: Limits,
    unitdp4: bool,
    docs: Docs,
    contacts: Contacts,
    /// Items to create before the documents that use them (issue 19).
    items: Items,
    jobs: Jobs,
    requests: Requests,
    stopped: Option<Issue>,
    pause_until: i64,
    ledger: Ledger,
    cancels: Cancels,
    payments: Payments,
    /// PaymentIDs recorded or found by this run: a lookup never claims one twice.
    claimed: std::collections::BTreeSet<String>,
    /// The calls that changed the run, for [`Run::save`] (see `durable`).
    journal: durable::Journal,
    /// The host's people to create or update as contacts (`plan({people})`, issue 19).
    people: Vec<people::PersonRow>,
}

impl Run {
    /// The requests ready to send at host time `now` (ms): items and contacts first, then documents,
    /// lookups and allocations, never more than `maxConcurrent` in flight. Empty while the run
    /// is stopped, paused by a rate limit, or waiting on answers.
    pub fn next(&mut self, now: i64) -> Vec<Request> {
        let before = self.fingerprint();
        let out = self.next_unrecorded(now);
        self.journal_next(now, before, !out.is_empty());
        out
    }

    /// [`Run::next`] without the journal.
    fn next_unrecorded(&mut self, now: i64) -> Vec<Request> {
        if self.stopped.is_some() {
            return Vec::new();
        }
        self.batch_ready();
        self.settle_credit_cancels();
        self.batch_payments();
        self.advance_allocations(now);
        if now < self.pause_until {
            return Vec::new();
        }
        let mut free = self
            .limits
            .max_concurrent
            .saturating_sub(self.jobs.in_flight());
        let mut out = Vec::new();
        for j in self.jobs.ids() {
            if free == 0 {
                break;
            }
            let ready = matches!(self.jobs.get(j).map(|x| &x.state), Some(JobState::Queued(at)) if *at <= now);
            if ready {
                if let Some(r) = self.issue(j, now) {
                    out.push(r);
                    free -= 1;
                }
            }
        }
        out
    }

    /// Hands Xero's answer to request `id` back; returns the outcomes it changed.
    ///
    /// Errors (misuse): an unknown id, or an id already answered.
    pub fn handle(
        &mut self,
        id: &str,
        response: &HttpResponse,
        now: i64,
    ) -> Result<Vec<Outcome>, Error> {
        // What the run reads, and what its journal keeps (see `durable::slim`).
        let response = &durable::slim(response);
        let (job, rows) = self.requests.take(id, false)?;
        self.docs.clear_touched();
        let a = Answer {
            job,
            rows: &rows,
            class: classify(response),
            http: Some(response.status),
            now,
        };
        match a.class {
            Class::Auth => self.on_auth(&a, response),
            Class::RateLimited => self.on_rate_limit(&a, response),
            _ => self.dispatch(&a),
        }
        self.advance_allocations(now);
        self.settle_credit_cancels();
        self.journal_handle(id, response, now);
        Ok(self.docs.take_touched())
    }

    /// Request `id` got no answer (timeout, dropped connection, network error); returns the
    /// outcomes it changed. Writes become `uncertain` and are looked up; reads are retried.
    pub fn lost(&mut self, id: &str, now: i64) -> Result<Vec<Outcome>, Error> {
        let (job, rows) = self.requests.take(id, true)?;
        self.docs.clear_touched();
        self.dispatch(&Answer {
            job,
            rows: &rows,
            class: Class::Unanswered("no response (timeout or lost connection)".into()),
            http: None,
            now,
        });
        self.advance_allocations(now);
        self.settle_credit_cancels();
        self.journal_lost(id, now);
        Ok(self.docs.take_touched())
    }

    /// One outcome per source invoice, in input order (then the credit notes that cancel paid
    /// documents, with `cancel: {creditWhenPaid: true}`).
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.docs.iter().map(tables::Doc::outcome).collect()
    }

    /// One outcome per cancel (`plan({cancels})`), in input order.
    pub fn cancels(&self) -> Vec<CancelOutcome> {
        self.cancels.iter().map(|c| c.out.clone()).collect()
    }

    /// One outcome per payment (`plan({payments})`), in input order.
    pub fn payments(&self) -> Vec<PaymentOutcome> {
        self.payments.iter().map(|p| p.out.clone()).collect()
    }

    /// The export log: one row per document (or contact) per request, in the order handed out.
    pub fn log(&self) -> &[LogRow] {
        self.requests.log()
    }

    /// Whether the run has nothing left to do: nothing in flight, and every document settled
    /// (or the run stopped on an auth problem).
    pub fn is_done(&self) -> bool {
        if self.jobs.in_flight() > 0 {
            return false;
        }
        if self.stopped.is_some() {
            return true;
        }
        let queued = self
            .jobs
            .iter()
            .any(|j| matches!(j.state, JobState::Queued(_) | JobState::Waiting));
        let ready = self.docs.iter().any(|d| d.state == DocState::Ready);
        let allocating = self.docs.iter().any(|d| {
            d.alloc
                .as_ref()
                .is_some_and(|a| a.stage != AllocStage::Done)
        });
        let lifecycle = self.cancels.iter().any(|c| !c.step.settled())
            || self.payments.iter().any(|p| !p.step.settled());
        !(queued || ready || allocating || lifecycle)
    }

    /// Host time (ms) from which [`Run::next`] has something to send, when nothing is ready
    /// now; `None` when nothing is queued (all in flight, done, or stopped). `0` = now.
    pub fn wake_at(&self) -> Option<i64> {
        if self.stopped.is_some() {
            return None;
        }
        let ready_docs = self.docs.iter().any(|d| d.state == DocState::Ready)
            || (self.payments_waiting() && self.documents_settled());
        let earliest = self
            .jobs
            .iter()
            .filter_map(|j| match j.state {
                JobState::Queued(at) => Some(at),
                _ => None,
            })
            .chain(ready_docs.then_some(i64::MIN))
            .min()?;
        Some(js_time(earliest.max(self.pause_until).max(0)))
    }

    /// The auth problem that stopped the run, if any.
    pub fn stopped(&self) -> Option<&Issue> {
        self.stopped.as_ref()
    }

    /// After reconnecting (new token): continue a run stopped by a 401/403.
    pub fn resume(&mut self) {
        if self.stopped.take().is_none() {
            return;
        }
        self.journal_reconnect();
        for d in self.docs.ids() {
            self.docs.edit(d, |x| {
                if x.out.status == OutcomeStatus::Retry
                    && x.out.issues.iter().any(|i| i.code == IssueCode::AuthFailed)
                {
                    x.out.status = OutcomeStatus::Pending;
                    x.out.issues.clear();
                }
            });
        }
    }

    /// Counts.
    pub fn summary(&self) -> RunSummary {
        let mut s = RunSummary {
            documents: self.docs.len(),
            requests: self.requests.count(),
            in_flight: self.jobs.in_flight(),
            ..RunSummary::default()
        };
        for d in self.docs.iter() {
            match d.out.status {
                OutcomeStatus::Pending => s.pending += 1,
                OutcomeStatus::Exported => s.exported += 1,
                OutcomeStatus::Failed => s.failed += 1,
                OutcomeStatus::Retry => s.retry += 1,
                OutcomeStatus::Uncertain => s.uncertain += 1,
                OutcomeStatus::Blocked => s.blocked += 1,
                OutcomeStatus::Unchanged => s.unchanged += 1,
            }
        }
        s
    }
}

// ----- bookkeeping shared by the files of this module ---------------------------------

/// Request groups of documents: endpoint and method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    NewInvoices,
    UpdatedInvoices,
    NewCreditNotes,
    UpdatedCreditNotes,
}

impl Group {
    fn of(p: &DocumentPreview) -> Group {
        let update = p.wire.as_ref().is_some_and(|w| w.xero_id.is_some());
        match (p.kind.is_credit(), update) {
            (false, false) => Group::NewInvoices,
            (false, true) => Group::UpdatedInvoices,
            (true, false) => Group::NewCreditNotes,
            (true, true) => Group::UpdatedCreditNotes,
        }
    }
    fn collection(self) -> Collection {
        match self {
            Group::NewInvoices | Group::UpdatedInvoices => Collection::Invoices,
            Group::NewCreditNotes | Group::UpdatedCreditNotes => Collection::CreditNotes,
        }
    }
    fn update(self) -> bool {
        matches!(self, Group::UpdatedInvoices | Group::UpdatedCreditNotes)
    }
    fn method(self) -> &'static str {
        if self.update() {
            "POST"
        } else {
            "PUT"
        }
    }
}

/// What Xero returned for a document (for an unchanged update, what the host passed as
/// `xero.document`: see [`held_xero_doc`]).
#[derive(Clone, Debug, Default)]
struct XeroDoc {
    id: Option<String>,
    number: Option<String>,
    status: Option<String>,
    date: Option<Date>,
    currency: Option<String>,
    contact_id: Option<String>,
    amount_due: Option<Decimal>,
    remaining_credit: Option<Decimal>,
    total: Option<Decimal>,
}

fn read_xero_doc(el: &Value, collection: Collection) -> XeroDoc {
    let s = |k: &str| text_field(el, k).map(str::to_owned);
    XeroDoc {
        id: s(collection.id_field()),
        number: s(collection.number_field()),
        status: s("Status").map(|x| x.to_ascii_uppercase()),
        date: text_field(el, "Date").and_then(Date::parse),
        currency: s("CurrencyCode"),
        contact_id: el
            .get("Contact")
            .and_then(|c| text_field(c, "ContactID"))
            .map(str::to_owned),
        amount_due: decimal_field(el, "AmountDue"),
        remaining_credit: decimal_field(el, "RemainingCredit"),
        total: decimal_field(el, "Total"),
    }
}

/// What Xero holds of an unchanged update, from the host's `xero.document`; `id` is the one
/// the update names (`xero.id`, else the document's own).
fn held_xero_doc(h: &HeldDocument, id: Option<String>) -> XeroDoc {
    XeroDoc {
        id: id.or_else(|| h.id.clone()),
        number: h.number.clone(),
        status: h.status.as_deref().map(str::to_ascii_uppercase),
        date: h.date,
        currency: h.currency_code.clone(),
        contact_id: h.contact_id.clone(),
        amount_due: h.amount_due,
        remaining_credit: h.remaining_credit,
        total: h.total,
    }
}

impl XeroDoc {
    /// What is still due on the document as Xero said: AmountDue, RemainingCredit for a
    /// credit note. A credit note just created may come back without RemainingCredit: its
    /// Total then, since nothing can have used it yet; a held one (`held`: an unchanged
    /// update, exported earlier) may have been refunded or allocated since, so its Total
    /// would overstate the credit and only RemainingCredit counts.
    fn due(&self, credit: bool, held: bool) -> Option<Decimal> {
        match (credit, held) {
            (false, _) => self.amount_due,
            (true, false) => self.remaining_credit.or(self.total),
            (true, true) => self.remaining_credit,
        }
    }
}

/// Clamps a time to what JS numbers hold exactly.
fn js_time(t: i64) -> i64 {
    const MAX: i64 = 9_007_199_254_740_991;
    t.clamp(-MAX, MAX)
}
