//! The sending run: a sans-IO state machine from previews to one outcome per source invoice.
//!
//! Like quinn-proto, the run never does IO, reads no clock and no RNG. The host drives it:
//!
//! ```text
//! let run = exporter.plan(invoices, options)       // or Run::new(preview, options, unitdp4)
//! while !run.is_done():
//!     for request in run.next(now):                // ready now: contacts first, then documents,
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
//! Credit notes that came from a negative invoice with `creditsInvoiceNumber` are allocated to
//! that invoice once the credit note is AUTHORISED and the invoice is known in Xero (exported in
//! the same run, or found by a GET): `PUT /CreditNotes/{id}/Allocations` for the smaller of the
//! credit and the invoice's AmountDue.

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use crate::contacts::{ContactRef, NewContact};
use crate::dates::Date;
use crate::error::{Error, ErrorCode};
use crate::issues::{Issue, IssueCode, Path};
use crate::money::fixed;
use crate::names;
use crate::plan::{
    envelope_bytes, pack, where_literal, Limits, PackItem, PlanOptions, Purpose, Request,
    RequestSpec,
};
use crate::preview::{DocumentKind, DocumentPreview, Preview};
use crate::reconcile::{
    self, decimal_field, element_status, elements, error_message, match_elements, rate_limit,
    text_field, validation_messages, warnings, ElementStatus, HttpResponse, Identity, RateLimit,
    XeroMessage,
};
use crate::totals::TotalsText;
use crate::tracking::{self, ReturnedDocument};
use crate::wire::{self, WireContactRef};

/// Where a document stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OutcomeStatus {
    /// Not answered yet (queued, waiting for its contact, or in flight).
    Pending,
    /// In Xero.
    Exported,
    /// Xero refused it (its messages are in `issues`); fix and export again.
    Failed,
    /// Not in Xero; will be (or can safely be) sent again: rate limit, auth stop, or gave up
    /// after a lookup found it missing.
    Retry,
    /// May or may not be in Xero: a lookup decides (`lookup`); never resend blindly.
    Uncertain,
    /// Never sent: the preview found errors.
    Blocked,
}

/// Where a credit note's allocation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AllocationStatus {
    /// Waiting: for the credit note, the invoice, or Xero's answer.
    Pending,
    /// Allocated.
    Allocated,
    /// Not planned (see the issue): not approved, invoice paid, not found...
    Skipped,
    /// Xero refused it.
    Failed,
    /// The answer was lost and could not be checked.
    Uncertain,
}

/// The allocation of a credit note to the invoice it corrects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Allocation {
    /// Where it stands.
    pub status: AllocationStatus,
    /// The invoice's number.
    pub invoice_number: String,
    /// The invoice's InvoiceID once known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    /// Amount allocated (or to allocate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// Allocation date (the later of the invoice's and the credit note's dates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
}

/// One outcome per source invoice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    /// Position in the input.
    pub index: usize,
    /// The host's invoice id.
    pub source_id: String,
    /// InvoiceNumber / CreditNoteNumber as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Document kind.
    pub kind: DocumentKind,
    /// Where it stands.
    pub status: OutcomeStatus,
    /// InvoiceID / CreditNoteID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_id: Option<String>,
    /// The number Xero gave or kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_number: Option<String>,
    /// Xero's Status (DRAFT, AUTHORISED...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_status: Option<String>,
    /// Xero's totals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<TotalsText>,
    /// Xero's AmountDue (invoices) or RemainingCredit (credit notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_due: Option<String>,
    /// Retry: seconds Xero asked to wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// Retry: host time (ms) from which it is sent again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_at: Option<i64>,
    /// Retry: the rate limit hit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<RateLimit>,
    /// Uncertain: the GET whose answer decides (the run sends it itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Request>,
    /// Credit notes from a negative invoice: the allocation to that invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Allocation>,
    /// The last request this document was part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Sends of this document so far.
    pub attempts: u32,
    /// Why: Xero's messages, warnings, the preview's errors for blocked documents.
    pub issues: Vec<Issue>,
}

/// One row of the export log: one document (or contact) in one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogRow {
    /// Row number, from 0; rows are only appended and updated in place.
    pub seq: usize,
    /// The request.
    pub request_id: String,
    /// What the request was for.
    pub purpose: Purpose,
    /// The host's invoice id (document rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// The contact key (contact rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_key: Option<String>,
    /// Document number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Payer (contact) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    /// ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT, or CONTACT.
    pub kind: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// `path?query`.
    pub url: String,
    /// Idempotency-Key of the request (writes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Host time (ms) the request was handed out.
    pub sent_at: i64,
    /// Host time (ms) of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
    /// pending, then exported / failed / retry / uncertain.
    pub status: OutcomeStatus,
    /// HTTP status of the answer (absent when lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// InvoiceID / CreditNoteID / ContactID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_id: Option<String>,
    /// Number in Xero.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_number: Option<String>,
    /// Xero's messages, or what happened.
    pub messages: Vec<String>,
}

/// Counts of outcomes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// Documents.
    pub documents: usize,
    /// Pending.
    pub pending: usize,
    /// Exported.
    pub exported: usize,
    /// Failed.
    pub failed: usize,
    /// Retry.
    pub retry: usize,
    /// Uncertain.
    pub uncertain: usize,
    /// Blocked.
    pub blocked: usize,
    /// Requests handed out.
    pub requests: usize,
    /// Requests in flight.
    pub in_flight: usize,
}

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
    fn credit(self) -> bool {
        matches!(self, Group::NewCreditNotes | Group::UpdatedCreditNotes)
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
    fn key(self) -> &'static str {
        if self.credit() {
            "CreditNotes"
        } else {
            "Invoices"
        }
    }
}

fn id_field(credit: bool) -> &'static str {
    if credit {
        "CreditNoteID"
    } else {
        "InvoiceID"
    }
}

fn number_field(credit: bool) -> &'static str {
    if credit {
        "CreditNoteNumber"
    } else {
        "InvoiceNumber"
    }
}

/// What Xero returned for a document.
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

fn read_xero_doc(el: &Value, credit: bool) -> XeroDoc {
    let s = |k: &str| text_field(el, k).map(str::to_owned);
    XeroDoc {
        id: s(id_field(credit)),
        number: s(number_field(credit)),
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DocState {
    Blocked,
    WaitContact,
    Ready,
    InJob,
    Lookup,
    Final,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum AllocStage {
    Plan,
    Busy,
    Done,
}

#[derive(Clone, Debug)]
struct AllocData {
    stage: AllocStage,
    out: Allocation,
    amount: Option<Decimal>,
    credit_note_id: Option<String>,
}

struct Doc {
    p: DocumentPreview,
    identity: Identity,
    payer: Option<String>,
    contact_id: Option<String>,
    group: Group,
    state: DocState,
    element: Option<String>,
    was_uncertain: bool,
    xero: Option<XeroDoc>,
    alloc: Option<AllocData>,
    out: Outcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ContactState {
    Unused,
    InJob,
    Lookup,
    Resolved,
    Failed,
}

struct ContactUnit {
    new: NewContact,
    identity: Identity,
    element: String,
    docs: Vec<usize>,
    state: ContactState,
    contact_id: Option<String>,
    was_uncertain: bool,
    sends: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Doc(usize),
    Contact(usize),
}

#[derive(Clone, Debug)]
enum JobKind {
    Contacts {
        members: Vec<usize>,
        lookups_left: u32,
        missing: Vec<usize>,
    },
    Documents {
        group: Group,
        members: Vec<usize>,
        lookups_left: u32,
        missing: Vec<usize>,
    },
    /// GET of documents; `parent` = the documents job to resend the missing ones with (None: a
    /// duplicate-number check, where missing means failed).
    DocLookup {
        parent: Option<usize>,
        members: Vec<usize>,
        credit: bool,
        spec: RequestSpec,
    },
    ContactLookup {
        parent: usize,
        members: Vec<usize>,
        spec: RequestSpec,
    },
    AllocTarget {
        doc: usize,
        spec: RequestSpec,
    },
    Allocate {
        doc: usize,
        spec: RequestSpec,
    },
    AllocCheck {
        doc: usize,
        allocate: usize,
        spec: RequestSpec,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum JobState {
    Queued(i64),
    InFlight(String),
    Waiting,
    Done,
}

struct Job {
    kind: JobKind,
    state: JobState,
    failures: u32,
    sends: u32,
    reserved: Option<String>,
}

struct Issued {
    job: usize,
    request: Request,
    rows: Vec<(Member, usize)>,
    done: bool,
}

/// How an answer is read, before looking at its elements.
enum Class {
    Auth,
    RateLimited,
    Answer(Value),
    Rejected(Vec<String>),
    Unanswered(String),
}

fn classify(resp: &HttpResponse) -> Class {
    let json = resp.json().map(std::borrow::Cow::into_owned);
    match resp.status {
        401 | 403 => Class::Auth,
        429 => Class::RateLimited,
        200..=299 => match json {
            Some(v) if v.is_object() => Class::Answer(v),
            _ => Class::Unanswered(format!(
                "HTTP {} with a body that is not Xero's JSON: {}",
                resp.status,
                resp.snippet()
            )),
        },
        400..=499 => match json {
            Some(v) if v.get("Elements").is_some_and(Value::is_array) => Class::Answer(v),
            Some(v) => Class::Rejected(error_texts(resp.status, &v)),
            None => Class::Rejected(vec![format!("HTTP {}: {}", resp.status, resp.snippet())]),
        },
        _ => Class::Unanswered(format!(
            "HTTP {}{}",
            resp.status,
            match resp.snippet() {
                s if s.is_empty() => String::new(),
                s => format!(": {s}"),
            }
        )),
    }
}

/// Messages of an error body: Xero's `Message`, a mock's `validation[].message`.
fn error_texts(status: u16, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(m) = error_message(body) {
        out.push(m);
    }
    if let Some(list) = body.get("validation").and_then(Value::as_array) {
        out.extend(
            list.iter()
                .filter_map(|v| text_field(v, "message"))
                .map(str::to_owned),
        );
    }
    if out.is_empty() {
        out.push(format!("HTTP {status}: {body}"));
    }
    out
}

fn status_word(s: OutcomeStatus) -> &'static str {
    match s {
        OutcomeStatus::Pending => "pending",
        OutcomeStatus::Exported => "exported",
        OutcomeStatus::Failed => "failed",
        OutcomeStatus::Retry => "retry",
        OutcomeStatus::Uncertain => "uncertain",
        OutcomeStatus::Blocked => "blocked",
    }
}

/// Clamps a time to what JS numbers hold exactly.
fn js_time(t: i64) -> i64 {
    const MAX: i64 = 9_007_199_254_740_991;
    t.clamp(-MAX, MAX)
}

/// How often a duplicate-number check looks before concluding the number is someone else's.
const DUPLICATE_CHECKS: u32 = 3;

/// The sending run. See the module docs for the host's call sequence.
pub struct Run {
    limits: Limits,
    unitdp4: bool,
    docs: Vec<Doc>,
    contacts: Vec<ContactUnit>,
    jobs: Vec<Job>,
    issued: BTreeMap<String, Issued>,
    counter: u64,
    log: Vec<LogRow>,
    stopped: Option<Issue>,
    pause_until: i64,
    invoice_due: BTreeMap<String, Decimal>,
    touched: BTreeSet<usize>,
}

impl Run {
    /// A run over a preview. `unitdp4`: the settings keep unit amounts at 4 decimals (every
    /// document request then carries `unitdp=4`).
    pub fn new(preview: Preview, options: &PlanOptions, unitdp4: bool) -> Result<Run, Error> {
        let limits = options.limits()?;
        let mut run = Run {
            limits,
            unitdp4,
            docs: Vec::with_capacity(preview.documents.len()),
            contacts: Vec::new(),
            jobs: Vec::new(),
            issued: BTreeMap::new(),
            counter: 0,
            log: Vec::new(),
            stopped: None,
            pause_until: i64::MIN,
            invoice_due: BTreeMap::new(),
            touched: BTreeSet::new(),
        };
        let mut by_key = BTreeMap::new();
        for new in preview.contacts {
            by_key.insert(new.key.clone(), run.contacts.len());
            let identity = Identity {
                number: new.contact.contact_number.clone(),
                reference: Some(new.contact.name.clone()),
            };
            run.contacts.push(ContactUnit {
                element: serde_json::to_string(&new.contact).unwrap_or_else(|_| "{}".into()),
                new,
                identity,
                docs: Vec::new(),
                state: ContactState::Unused,
                contact_id: None,
                was_uncertain: false,
                sends: 0,
            });
        }
        for (i, p) in preview.documents.into_iter().enumerate() {
            let identity = Identity {
                number: p
                    .wire
                    .as_ref()
                    .and_then(|w| w.invoice_number.clone().or(w.credit_note_number.clone())),
                reference: p.wire.as_ref().and_then(|w| w.reference.clone()),
            };
            let payer = match &p.contact {
                ContactRef::Existing { name, .. } => name.clone(),
                ContactRef::Create { name, .. } => Some(name.clone()),
                ContactRef::Unresolved => None,
            };
            let mut contact_id = None;
            let state = if p.blocked || p.wire.is_none() {
                DocState::Blocked
            } else {
                match &p.contact {
                    ContactRef::Existing { contact_id: id, .. } => {
                        contact_id = Some(id.clone());
                        DocState::Ready
                    }
                    ContactRef::Create { key, .. } => {
                        match by_key.get(key).and_then(|c| run.contacts.get_mut(*c)) {
                            Some(c) => {
                                c.docs.push(i);
                                c.state = ContactState::InJob;
                                DocState::WaitContact
                            }
                            None => DocState::Blocked,
                        }
                    }
                    ContactRef::Unresolved => DocState::Blocked,
                }
            };
            let out = Outcome {
                index: p.index,
                source_id: p.source_id.clone(),
                number: identity.number.clone(),
                kind: p.kind,
                status: if state == DocState::Blocked {
                    OutcomeStatus::Blocked
                } else {
                    OutcomeStatus::Pending
                },
                xero_id: None,
                xero_number: None,
                xero_status: None,
                totals: None,
                amount_due: None,
                retry_after: None,
                retry_at: None,
                limit: None,
                lookup: None,
                allocation: None,
                request_id: None,
                attempts: 0,
                issues: if state == DocState::Blocked {
                    p.issues.clone()
                } else {
                    Vec::new()
                },
            };
            run.docs.push(Doc {
                group: Group::of(&p),
                p,
                identity,
                payer,
                contact_id,
                state,
                element: None,
                was_uncertain: false,
                xero: None,
                alloc: None,
                out,
            });
        }
        // Contacts to create, packed like documents.
        let active: Vec<usize> = (0..run.contacts.len())
            .filter(|c| {
                run.contacts
                    .get(*c)
                    .is_some_and(|u| u.state == ContactState::InJob)
            })
            .collect();
        let items: Vec<PackItem> = active
            .iter()
            .filter_map(|c| run.contacts.get(*c))
            .map(|u| PackItem {
                identity: Some(names::key(
                    u.identity.number.as_deref().unwrap_or(&u.new.contact.name),
                )),
                bytes: u.element.len(),
            })
            .collect();
        let packed = pack(
            &items,
            envelope_bytes("Contacts"),
            run.limits.max_documents,
            run.limits.max_bytes,
        );
        for batch in packed.batches {
            let members: Vec<usize> = batch
                .iter()
                .filter_map(|b| active.get(*b).copied())
                .collect();
            run.push_job(JobKind::Contacts {
                members,
                lookups_left: 0,
                missing: Vec::new(),
            });
        }
        for b in packed.too_large {
            if let Some(c) = active.get(b).copied() {
                run.fail_contact(c, OutcomeStatus::Blocked, None, None, 0, Vec::new(), &|path| {
                    vec![Issue::error(IssueCode::RequestTooLarge, path, "The contact to create for this invoice is larger than the request size limit on its own.")]
                });
            }
        }
        Ok(run)
    }

    fn push_job(&mut self, kind: JobKind) -> usize {
        self.jobs.push(Job {
            kind,
            state: JobState::Queued(i64::MIN),
            failures: 0,
            sends: 0,
            reserved: None,
        });
        self.jobs.len() - 1
    }

    fn new_id(&mut self) -> String {
        self.counter += 1;
        format!("r{}", self.counter)
    }

    fn backoff(&self, failures: u32) -> i64 {
        let base = i64::try_from(self.limits.backoff_ms).unwrap_or(i64::MAX);
        let factor = 1i64 << failures.saturating_sub(1).min(16);
        base.saturating_mul(factor).min(60_000.max(base))
    }

    // ----- public API -------------------------------------------------------------------

    /// The requests ready to send at host time `now` (ms): contacts first, then documents,
    /// lookups and allocations, never more than `maxConcurrent` in flight. Empty while the run
    /// is stopped, paused by a rate limit, or waiting on answers.
    pub fn next(&mut self, now: i64) -> Vec<Request> {
        if self.stopped.is_some() {
            return Vec::new();
        }
        self.batch_ready();
        self.advance_allocations(now);
        if now < self.pause_until {
            return Vec::new();
        }
        let in_flight = self
            .jobs
            .iter()
            .filter(|j| matches!(j.state, JobState::InFlight(_)))
            .count();
        let mut free = self.limits.max_concurrent.saturating_sub(in_flight);
        let mut out = Vec::new();
        for j in 0..self.jobs.len() {
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
        let (job, rows) = self.take_issued(id)?;
        self.touched.clear();
        let status = Some(response.status);
        match classify(response) {
            Class::Auth => self.on_auth(job, &rows, response, now),
            Class::RateLimited => self.on_rate_limit(job, &rows, response, now),
            class => self.dispatch(job, &rows, class, status, now),
        }
        self.advance_allocations(now);
        Ok(self.touched_outcomes())
    }

    /// Request `id` got no answer (timeout, dropped connection, network error); returns the
    /// outcomes it changed. Writes become `uncertain` and are looked up; reads are retried.
    pub fn lost(&mut self, id: &str, now: i64) -> Result<Vec<Outcome>, Error> {
        let (job, rows) = self.take_issued(id)?;
        self.touched.clear();
        self.dispatch(
            job,
            &rows,
            Class::Unanswered("no response (timeout or lost connection)".into()),
            None,
            now,
        );
        self.advance_allocations(now);
        Ok(self.touched_outcomes())
    }

    /// One outcome per source invoice, in input order.
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.docs.iter().map(|d| d.out.clone()).collect()
    }

    /// The export log: one row per document (or contact) per request, in the order handed out.
    pub fn log(&self) -> &[LogRow] {
        &self.log
    }

    /// Whether the run has nothing left to do: nothing in flight, and every document settled
    /// (or the run stopped on an auth problem).
    pub fn is_done(&self) -> bool {
        let in_flight = self
            .jobs
            .iter()
            .any(|j| matches!(j.state, JobState::InFlight(_)));
        if in_flight {
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
        !(queued || ready || allocating)
    }

    /// Host time (ms) from which [`Run::next`] has something to send, when nothing is ready
    /// now; `None` when nothing is queued (all in flight, done, or stopped). `0` = now.
    pub fn wake_at(&self) -> Option<i64> {
        if self.stopped.is_some() {
            return None;
        }
        let ready_docs = self.docs.iter().any(|d| d.state == DocState::Ready);
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
        for d in &mut self.docs {
            if d.out.status == OutcomeStatus::Retry
                && d.out.issues.iter().any(|i| i.code == IssueCode::AuthFailed)
            {
                d.out.status = OutcomeStatus::Pending;
                d.out.issues.clear();
            }
        }
    }

    /// Counts.
    pub fn summary(&self) -> RunSummary {
        let mut s = RunSummary {
            documents: self.docs.len(),
            requests: self.issued.len(),
            in_flight: self
                .jobs
                .iter()
                .filter(|j| matches!(j.state, JobState::InFlight(_)))
                .count(),
            ..RunSummary::default()
        };
        for d in &self.docs {
            match d.out.status {
                OutcomeStatus::Pending => s.pending += 1,
                OutcomeStatus::Exported => s.exported += 1,
                OutcomeStatus::Failed => s.failed += 1,
                OutcomeStatus::Retry => s.retry += 1,
                OutcomeStatus::Uncertain => s.uncertain += 1,
                OutcomeStatus::Blocked => s.blocked += 1,
            }
        }
        s
    }

    // ----- planning ---------------------------------------------------------------------

    /// Batches the documents whose contact is known into document jobs.
    fn batch_ready(&mut self) {
        let ready: Vec<usize> = (0..self.docs.len())
            .filter(|d| {
                self.docs
                    .get(*d)
                    .is_some_and(|x| x.state == DocState::Ready)
            })
            .collect();
        if ready.is_empty() {
            return;
        }
        for d in &ready {
            let element = self.docs.get(*d).and_then(element_json);
            if let Some(x) = self.docs.get_mut(*d) {
                x.element = element;
            }
        }
        for group in [
            Group::NewInvoices,
            Group::UpdatedInvoices,
            Group::NewCreditNotes,
            Group::UpdatedCreditNotes,
        ] {
            let members: Vec<usize> = ready
                .iter()
                .copied()
                .filter(|d| self.docs.get(*d).is_some_and(|x| x.group == group))
                .collect();
            let items: Vec<PackItem> = members
                .iter()
                .filter_map(|d| self.docs.get(*d))
                .map(|x| PackItem {
                    identity: x.identity.number.as_deref().map(names::key).or_else(|| {
                        x.identity
                            .reference
                            .as_deref()
                            .map(|r| format!("ref:{}", names::key(r)))
                    }),
                    bytes: x.element.as_ref().map_or(0, String::len),
                })
                .collect();
            let packed = pack(
                &items,
                envelope_bytes(group.key()),
                self.limits.max_documents,
                self.limits.max_bytes,
            );
            for batch in packed.batches {
                let docs: Vec<usize> = batch
                    .iter()
                    .filter_map(|b| members.get(*b).copied())
                    .collect();
                for d in &docs {
                    if let Some(x) = self.docs.get_mut(*d) {
                        x.state = DocState::InJob;
                    }
                }
                self.push_job(JobKind::Documents {
                    group,
                    members: docs,
                    lookups_left: 0,
                    missing: Vec::new(),
                });
            }
            for b in packed.too_large {
                if let Some(d) = members.get(b).copied() {
                    let max = self.limits.max_bytes;
                    if let Some(x) = self.docs.get_mut(d) {
                        x.state = DocState::Final;
                        x.out.status = OutcomeStatus::Blocked;
                        x.out.issues = vec![Issue::error(
                            IssueCode::RequestTooLarge,
                            Path::root("invoices").index(x.p.index),
                            format!("This document alone is {} bytes of JSON, over the request limit of {max} bytes: split it into several invoices.", x.element.as_ref().map_or(0, String::len)),
                        )];
                        self.touched.insert(d);
                    }
                }
            }
        }
    }

    /// The request a job sends now, from its current members.
    fn spec_for(&self, job: &JobKind) -> Option<RequestSpec> {
        match job {
            JobKind::Contacts { members, .. } => {
                if members.is_empty() {
                    return None;
                }
                let units: Vec<&ContactUnit> = members
                    .iter()
                    .filter_map(|c| self.contacts.get(*c))
                    .collect();
                let els: Vec<&str> = units.iter().map(|u| u.element.as_str()).collect();
                let mut docs: Vec<usize> = units.iter().flat_map(|u| u.docs.clone()).collect();
                docs.sort_unstable();
                docs.dedup();
                let mut query = BTreeMap::new();
                query.insert("summarizeErrors".to_owned(), "false".to_owned());
                Some(RequestSpec {
                    purpose: Purpose::Contacts,
                    method: "PUT",
                    path: "/Contacts".into(),
                    query,
                    body: Some(wire::envelope("Contacts", &els)),
                    documents: docs
                        .iter()
                        .filter_map(|d| self.docs.get(*d))
                        .map(|x| x.p.source_id.clone())
                        .collect(),
                    contacts: units.iter().map(|u| u.new.key.clone()).collect(),
                })
            }
            JobKind::Documents { group, members, .. } => {
                let docs: Vec<&Doc> = members.iter().filter_map(|d| self.docs.get(*d)).collect();
                if docs.is_empty() {
                    return None;
                }
                let els: Vec<&str> = docs.iter().filter_map(|x| x.element.as_deref()).collect();
                let mut query = BTreeMap::new();
                query.insert("summarizeErrors".to_owned(), "false".to_owned());
                let dp4 = self.unitdp4
                    || docs
                        .iter()
                        .any(|x| x.p.wire.as_ref().is_some_and(|w| w.needs_unitdp4()));
                if dp4 {
                    query.insert("unitdp".to_owned(), "4".to_owned());
                }
                Some(RequestSpec {
                    purpose: Purpose::Documents,
                    method: group.method(),
                    path: format!("/{}", group.key()),
                    query,
                    body: Some(wire::envelope(group.key(), &els)),
                    documents: docs.iter().map(|x| x.p.source_id.clone()).collect(),
                    contacts: Vec::new(),
                })
            }
            JobKind::DocLookup { spec, .. }
            | JobKind::ContactLookup { spec, .. }
            | JobKind::AllocTarget { spec, .. }
            | JobKind::Allocate { spec, .. }
            | JobKind::AllocCheck { spec, .. } => Some(spec.clone()),
        }
    }

    fn members_of(job: &JobKind) -> Vec<Member> {
        match job {
            JobKind::Contacts { members, .. } | JobKind::ContactLookup { members, .. } => {
                members.iter().map(|c| Member::Contact(*c)).collect()
            }
            JobKind::Documents { members, .. } | JobKind::DocLookup { members, .. } => {
                members.iter().map(|d| Member::Doc(*d)).collect()
            }
            JobKind::AllocTarget { doc, .. }
            | JobKind::Allocate { doc, .. }
            | JobKind::AllocCheck { doc, .. } => vec![Member::Doc(*doc)],
        }
    }

    fn issue(&mut self, j: usize, now: i64) -> Option<Request> {
        let kind = self.jobs.get(j)?.kind.clone();
        let Some(spec) = self.spec_for(&kind) else {
            if let Some(job) = self.jobs.get_mut(j) {
                job.state = JobState::Done;
            }
            return None;
        };
        let reserved = self.jobs.get_mut(j).and_then(|x| x.reserved.take());
        let id = match reserved {
            Some(id) => id,
            None => self.new_id(),
        };
        let job = self.jobs.get_mut(j)?;
        job.sends += 1;
        job.state = JobState::InFlight(id.clone());
        let request = spec.build(id.clone(), &self.limits.tenant_id, job.sends);
        let mut rows = Vec::new();
        for m in Self::members_of(&kind) {
            let (source_id, contact_key, number, payer, doc_kind) = match m {
                Member::Doc(d) => {
                    let Some(x) = self.docs.get_mut(d) else {
                        continue;
                    };
                    if matches!(kind, JobKind::DocLookup { .. })
                        && x.out.status == OutcomeStatus::Uncertain
                    {
                        x.out.lookup = Some(request.clone());
                    }
                    if matches!(kind, JobKind::Documents { .. }) {
                        x.out.attempts += 1;
                        if matches!(
                            x.out.status,
                            OutcomeStatus::Retry | OutcomeStatus::Uncertain
                        ) {
                            x.out.status = OutcomeStatus::Pending;
                            x.out.retry_after = None;
                            x.out.retry_at = None;
                            x.out.limit = None;
                            x.out.lookup = None;
                            x.out.issues.clear();
                        }
                        x.out.request_id = Some(id.clone());
                        self.touched.insert(d);
                    }
                    (
                        Some(x.p.source_id.clone()),
                        None,
                        x.identity.number.clone(),
                        x.payer.clone(),
                        x.p.kind.as_str(),
                    )
                }
                Member::Contact(c) => {
                    let Some(u) = self.contacts.get_mut(c) else {
                        continue;
                    };
                    if matches!(kind, JobKind::Contacts { .. }) {
                        u.sends += 1;
                    }
                    (
                        None,
                        Some(u.new.key.clone()),
                        u.new.contact.contact_number.clone(),
                        Some(u.new.contact.name.clone()),
                        "CONTACT",
                    )
                }
            };
            let seq = self.log.len();
            self.log.push(LogRow {
                seq,
                request_id: id.clone(),
                purpose: request.purpose,
                source_id,
                contact_key,
                number,
                payer_name: payer,
                kind: doc_kind,
                method: request.method,
                url: request.url.clone(),
                idempotency_key: request.idempotency_key.clone(),
                sent_at: js_time(now),
                finished_at: None,
                status: OutcomeStatus::Pending,
                http_status: None,
                xero_id: None,
                xero_number: None,
                messages: Vec::new(),
            });
            rows.push((m, seq));
        }
        self.issued.insert(
            id,
            Issued {
                job: j,
                request: request.clone(),
                rows,
                done: false,
            },
        );
        Some(request)
    }

    fn take_issued(&mut self, id: &str) -> Result<(usize, Vec<(Member, usize)>), Error> {
        let Some(iss) = self.issued.get_mut(id) else {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("No request \"{id}\" was handed out by this run."),
            ));
        };
        if iss.done {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("Request \"{id}\" was already answered: hand each response back once."),
            ));
        }
        iss.done = true;
        Ok((iss.job, iss.rows.clone()))
    }

    fn touched_outcomes(&mut self) -> Vec<Outcome> {
        let touched = std::mem::take(&mut self.touched);
        touched
            .into_iter()
            .filter_map(|d| self.docs.get(d).map(|x| x.out.clone()))
            .collect()
    }

    fn set_job(&mut self, j: usize, state: JobState) {
        if let Some(job) = self.jobs.get_mut(j) {
            job.state = state;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_row(
        &mut self,
        rows: &[(Member, usize)],
        m: Member,
        status: OutcomeStatus,
        http: Option<u16>,
        xero_id: Option<String>,
        xero_number: Option<String>,
        messages: Vec<String>,
        now: i64,
    ) {
        let Some(seq) = rows.iter().find(|(x, _)| *x == m).map(|(_, s)| *s) else {
            return;
        };
        if let Some(row) = self.log.get_mut(seq) {
            row.status = status;
            row.http_status = http;
            row.finished_at = Some(js_time(now));
            row.xero_id = xero_id;
            row.xero_number = xero_number;
            row.messages = messages;
        }
    }

    fn doc_path(&self, d: usize) -> Path {
        Path::root("invoices").index(self.docs.get(d).map_or(d, |x| x.p.index))
    }

    // ----- answers common to every request ----------------------------------------------

    fn on_auth(&mut self, j: usize, rows: &[(Member, usize)], resp: &HttpResponse, now: i64) {
        let detail = resp
            .json()
            .and_then(|v| error_message(&v))
            .unwrap_or_else(|| resp.snippet());
        let message = format!("Xero answered HTTP {} ({}): the access token is invalid or expired, the tenant is not connected, or a scope is missing. The run stopped; nothing of this request was saved. Reconnect, then resume the run.{}", resp.status, if resp.status == 401 { "unauthorised" } else { "forbidden" }, if detail.is_empty() { String::new() } else { format!(" Xero said: {detail}") });
        self.stopped = Some(Issue::error(IssueCode::AuthFailed, "run", message.clone()));
        self.set_job(j, JobState::Queued(i64::MIN));
        for (m, _) in rows {
            self.finish_row(
                rows,
                *m,
                OutcomeStatus::Retry,
                Some(resp.status),
                None,
                None,
                vec![message.clone()],
                now,
            );
        }
        // Every document not answered yet now waits for the host to reconnect.
        for d in 0..self.docs.len() {
            let Some(x) = self.docs.get_mut(d) else {
                continue;
            };
            if x.out.status == OutcomeStatus::Pending {
                x.out.status = OutcomeStatus::Retry;
                x.out.issues = vec![Issue::error(
                    IssueCode::AuthFailed,
                    Path::root("invoices").index(x.p.index),
                    message.clone(),
                )];
                self.touched.insert(d);
            }
        }
    }

    fn on_rate_limit(&mut self, j: usize, rows: &[(Member, usize)], resp: &HttpResponse, now: i64) {
        let info = rate_limit(resp);
        let wait_ms = i64::try_from(info.retry_after.saturating_mul(1000)).unwrap_or(i64::MAX);
        let at = now.saturating_add(wait_ms);
        if info.limit != RateLimit::Concurrent {
            self.pause_until = self.pause_until.max(at);
        }
        self.set_job(j, JobState::Queued(at));
        let limit = match info.limit {
            RateLimit::Minute => "the 60 calls per minute limit",
            RateLimit::Day => "the 5,000 calls per day limit",
            RateLimit::Concurrent => "the 5 concurrent calls limit",
            RateLimit::App => "the app-wide per-minute limit",
            RateLimit::Unknown => "a rate limit",
        };
        let message = format!(
            "Xero answered 429: {limit} for this organisation was hit. Nothing was saved; the same request is sent again after {} s.",
            info.retry_after
        );
        for (m, _) in rows {
            self.finish_row(
                rows,
                *m,
                OutcomeStatus::Retry,
                Some(429),
                None,
                None,
                vec![message.clone()],
                now,
            );
            if let Member::Doc(d) = m {
                let path = self.doc_path(*d);
                let is_send = matches!(
                    self.jobs.get(j).map(|x| &x.kind),
                    Some(JobKind::Documents { .. })
                );
                if let Some(x) = self.docs.get_mut(*d) {
                    if is_send {
                        x.out.status = OutcomeStatus::Retry;
                        x.out.retry_after = Some(info.retry_after);
                        x.out.retry_at = Some(js_time(at));
                        x.out.limit = Some(info.limit);
                        x.out.issues = vec![Issue::warning(
                            IssueCode::RateLimited,
                            path,
                            message.clone(),
                        )];
                        self.touched.insert(*d);
                    }
                }
            }
        }
        // Documents waiting for a contact caught in the 429 say so too.
        if let Some(JobKind::Contacts { members, .. }) = self.jobs.get(j).map(|x| x.kind.clone()) {
            for c in members {
                let docs = self
                    .contacts
                    .get(c)
                    .map(|u| u.docs.clone())
                    .unwrap_or_default();
                for d in docs {
                    let path = self.doc_path(d);
                    if let Some(x) = self.docs.get_mut(d) {
                        x.out.status = OutcomeStatus::Retry;
                        x.out.retry_after = Some(info.retry_after);
                        x.out.retry_at = Some(js_time(at));
                        x.out.limit = Some(info.limit);
                        x.out.issues = vec![Issue::warning(
                            IssueCode::RateLimited,
                            path,
                            message.clone(),
                        )];
                        self.touched.insert(d);
                    }
                }
            }
        }
    }

    fn dispatch(
        &mut self,
        j: usize,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let Some(kind) = self.jobs.get(j).map(|x| x.kind.clone()) else {
            return;
        };
        match kind {
            JobKind::Documents { group, members, .. } => {
                self.on_documents(j, group, &members, rows, class, http, now)
            }
            JobKind::Contacts { members, .. } => {
                self.on_contacts(j, &members, rows, class, http, now)
            }
            JobKind::DocLookup {
                parent,
                members,
                credit,
                ..
            } => self.on_doc_lookup(j, parent, &members, credit, rows, class, http, now),
            JobKind::ContactLookup {
                parent, members, ..
            } => self.on_contact_lookup(j, parent, &members, rows, class, http, now),
            JobKind::AllocTarget { doc, .. } => {
                self.on_alloc_target(j, doc, rows, class, http, now)
            }
            JobKind::Allocate { doc, .. } => self.on_allocate(j, doc, rows, class, http, now),
            JobKind::AllocCheck { doc, allocate, .. } => {
                self.on_alloc_check(j, doc, allocate, rows, class, http, now)
            }
        }
    }

    // ----- documents --------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn on_documents(
        &mut self,
        j: usize,
        group: Group,
        members: &[usize],
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let mut uncertain: Vec<(usize, String)> = Vec::new();
        let mut dup_check: Vec<usize> = Vec::new();
        match class {
            Class::Answer(body) => {
                let ok_status = http.is_some_and(|s| (200..300).contains(&s));
                let els = elements(&body, group.key()).unwrap_or_default();
                if els.is_empty() && !ok_status {
                    let msgs: Vec<XeroMessage> = error_texts(http.unwrap_or(400), &body)
                        .into_iter()
                        .map(|text| XeroMessage {
                            text,
                            at: String::new(),
                        })
                        .collect();
                    for d in members {
                        self.failed_with(*d, &msgs, rows, http, now);
                    }
                } else if els.is_empty() {
                    for d in members {
                        uncertain.push((*d, "Xero's answer has no elements: the response could not be matched to the documents sent.".into()));
                    }
                } else {
                    let ids: Vec<Identity> = members
                        .iter()
                        .filter_map(|d| self.docs.get(*d).map(|x| x.identity.clone()))
                        .collect();
                    let matched =
                        match_elements(&ids, els, number_field(group.credit()), "Reference");
                    for (d, hit) in members.iter().zip(matched) {
                        let Some(el) = hit.and_then(|e| els.get(e)) else {
                            uncertain.push((*d, "Xero's answer has no element for this document (matched by number, reference, position): it may or may not have been saved.".into()));
                            continue;
                        };
                        match element_status(el) {
                            ElementStatus::Ok | ElementStatus::Warning if !ok_status => {
                                // An element of a summarised 400 without its own errors:
                                // whether it was saved is not documented.
                                uncertain.push((*d, "Xero rejected the request (HTTP 400) for other documents; whether this one was saved is not documented.".into()));
                            }
                            ElementStatus::Ok | ElementStatus::Warning => {
                                self.exported(*d, el, rows, http, now)
                            }
                            ElementStatus::Error => {
                                let msgs = validation_messages(el);
                                let was_uncertain =
                                    self.docs.get(*d).is_some_and(|x| x.was_uncertain);
                                let duplicate = msgs.iter().any(|m| {
                                    reconcile::code_for(&m.text) == IssueCode::DuplicateNumber
                                });
                                if duplicate && was_uncertain && !group.update() {
                                    dup_check.push(*d);
                                    self.finish_row(
                                        rows,
                                        Member::Doc(*d),
                                        OutcomeStatus::Uncertain,
                                        http,
                                        None,
                                        None,
                                        msgs.iter().map(|m| m.text.clone()).collect(),
                                        now,
                                    );
                                } else if msgs.is_empty() && !ok_status {
                                    uncertain.push((*d, "Xero rejected the request (HTTP 400) for other documents; whether this one was saved is not documented.".into()));
                                } else {
                                    self.failed_with(*d, &msgs, rows, http, now);
                                }
                            }
                        }
                    }
                }
            }
            Class::Rejected(texts) => {
                for d in members {
                    let msgs: Vec<XeroMessage> = texts
                        .iter()
                        .map(|t| XeroMessage {
                            text: t.clone(),
                            at: String::new(),
                        })
                        .collect();
                    self.failed_with(*d, &msgs, rows, http, now);
                }
            }
            Class::Unanswered(reason) => {
                if let Some(job) = self.jobs.get_mut(j) {
                    job.failures += 1;
                }
                for d in members {
                    uncertain.push((*d, reason.clone()));
                }
            }
            Class::Auth | Class::RateLimited => {}
        }
        // Remaining members: uncertain ones stay in this job.
        let keep: Vec<usize> = uncertain.iter().map(|(d, _)| *d).collect();
        if let Some(JobKind::Documents { members: m, .. }) =
            self.jobs.get_mut(j).map(|x| &mut x.kind)
        {
            m.retain(|d| keep.contains(d));
        }
        if !dup_check.is_empty() {
            self.start_doc_lookups(None, &dup_check, group.credit(), now, "Xero says the number is taken after an earlier attempt had no answer: looking it up instead of sending again.");
        }
        if uncertain.is_empty() {
            self.set_job(j, JobState::Done);
            return;
        }
        for (d, reason) in &uncertain {
            self.finish_row(
                rows,
                Member::Doc(*d),
                OutcomeStatus::Uncertain,
                http,
                None,
                None,
                vec![reason.clone()],
                now,
            );
            if let Some(x) = self.docs.get_mut(*d) {
                x.was_uncertain = true;
            }
        }
        if group.update() {
            // Updates are idempotent: send the same update again after a backoff.
            let failures = self.jobs.get(j).map_or(0, |x| x.failures);
            if failures >= self.limits.max_attempts {
                for (d, reason) in &uncertain {
                    self.give_up_doc(*d, reason, None);
                }
                self.set_job(j, JobState::Done);
            } else {
                let at = now.saturating_add(self.backoff(failures.max(1)));
                self.set_job(j, JobState::Queued(at));
                for (d, reason) in &uncertain {
                    let path = self.doc_path(*d);
                    if let Some(x) = self.docs.get_mut(*d) {
                        x.out.status = OutcomeStatus::Retry;
                        x.out.retry_at = Some(js_time(at));
                        x.out.issues = vec![Issue::warning(IssueCode::OutcomeUncertain, path, format!("{reason} The update is sent again (the same update twice changes nothing)."))];
                        self.touched.insert(*d);
                    }
                }
            }
            return;
        }
        let docs: Vec<usize> = uncertain.iter().map(|(d, _)| *d).collect();
        let reason = uncertain
            .first()
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        let n = self.start_doc_lookups(Some(j), &docs, group.credit(), now, &reason);
        if let Some(JobKind::Documents {
            lookups_left,
            missing,
            ..
        }) = self.jobs.get_mut(j).map(|x| &mut x.kind)
        {
            *lookups_left = n;
            missing.clear();
        }
        self.set_job(j, JobState::Waiting);
    }

    /// Builds the lookups for `docs` and queues them; returns how many.
    fn start_doc_lookups(
        &mut self,
        parent: Option<usize>,
        docs: &[usize],
        credit: bool,
        now: i64,
        reason: &str,
    ) -> u32 {
        let specs = self.lookup_specs(docs, credit);
        let failures = parent
            .and_then(|p| self.jobs.get(p))
            .map_or(1, |x| x.failures.max(1));
        let at = now.saturating_add(self.backoff(failures));
        let n = u32::try_from(specs.len()).unwrap_or(u32::MAX);
        for (spec, members) in specs {
            let id = self.new_id();
            let request = spec.build(id.clone(), &self.limits.tenant_id, 1);
            for d in &members {
                let path = self.doc_path(*d);
                if let Some(x) = self.docs.get_mut(*d) {
                    x.state = DocState::Lookup;
                    x.out.status = OutcomeStatus::Uncertain;
                    x.out.lookup = Some(request.clone());
                    x.out.retry_after = None;
                    x.out.retry_at = None;
                    x.out.limit = None;
                    x.out.issues = vec![Issue::warning(
                        IssueCode::OutcomeUncertain,
                        path,
                        format!("{reason} The run looks it up in Xero (GET {}) before anything is sent again.", request.url),
                    )];
                    self.touched.insert(*d);
                }
            }
            let j = self.push_job(JobKind::DocLookup {
                parent,
                members,
                credit,
                spec,
            });
            if let Some(job) = self.jobs.get_mut(j) {
                job.reserved = Some(id);
                job.state = JobState::Queued(at);
            }
        }
        n
    }

    /// GETs that find documents again: by number (InvoiceNumbers, or CreditNoteNumber in
    /// `where` for credit notes), else by Reference, else by contact and date.
    fn lookup_specs(&self, docs: &[usize], credit: bool) -> Vec<(RequestSpec, Vec<usize>)> {
        let key = if credit { "CreditNotes" } else { "Invoices" };
        let mut out = Vec::new();
        let mut numbered: Vec<usize> = Vec::new();
        let mut clauses: Vec<(String, usize)> = Vec::new();
        for d in docs {
            let Some(x) = self.docs.get(*d) else { continue };
            if let Some(n) = &x.identity.number {
                if !credit && !n.contains(',') {
                    numbered.push(*d);
                } else {
                    clauses.push((
                        format!("{}=={}", number_field(credit), where_literal(n)),
                        *d,
                    ));
                }
            } else if let Some(r) = &x.identity.reference {
                clauses.push((format!("Reference=={}", where_literal(r)), *d));
            } else {
                let date = x.p.date.map(|d| {
                    format!(
                        " AND Date==DateTime({}, {:02}, {:02})",
                        d.year(),
                        d.month(),
                        d.day()
                    )
                });
                let contact = x.contact_id.clone().unwrap_or_default();
                let clause = format!(
                    "(Contact.ContactID==guid({}){})",
                    where_literal(&contact),
                    date.unwrap_or_default()
                );
                out.push((self.get_spec(key, vec![("where", clause)], &[*d]), vec![*d]));
            }
        }
        for chunk in numbered.chunks(40) {
            let numbers: Vec<String> = chunk
                .iter()
                .filter_map(|d| self.docs.get(*d).and_then(|x| x.identity.number.clone()))
                .collect();
            out.push((
                self.get_spec(key, vec![("InvoiceNumbers", numbers.join(","))], chunk),
                chunk.to_vec(),
            ));
        }
        for chunk in clauses.chunks(10) {
            let text: Vec<&str> = chunk.iter().map(|(c, _)| c.as_str()).collect();
            let members: Vec<usize> = chunk.iter().map(|(_, d)| *d).collect();
            out.push((
                self.get_spec(key, vec![("where", text.join(" OR "))], &members),
                members,
            ));
        }
        out
    }

    /// A GET of documents with line items (`page=1` makes Xero include them).
    fn get_spec(&self, key: &str, params: Vec<(&str, String)>, docs: &[usize]) -> RequestSpec {
        let mut query: BTreeMap<String, String> =
            params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        query.insert("page".into(), "1".into());
        RequestSpec {
            purpose: Purpose::Lookup,
            method: "GET",
            path: format!("/{key}"),
            query,
            body: None,
            documents: docs
                .iter()
                .filter_map(|d| self.docs.get(*d))
                .map(|x| x.p.source_id.clone())
                .collect(),
            contacts: Vec::new(),
        }
    }

    fn exported(
        &mut self,
        d: usize,
        el: &Value,
        rows: &[(Member, usize)],
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d);
        let Some(x) = self.docs.get_mut(d) else {
            return;
        };
        let credit = x.p.kind.is_credit();
        let xd = read_xero_doc(el, credit);
        let mut issues: Vec<Issue> = warnings(el)
            .into_iter()
            .map(|w| Issue::warning(IssueCode::XeroWarning, path.clone(), w))
            .collect();
        let totals = [
            decimal_field(el, "SubTotal"),
            decimal_field(el, "TotalTax"),
            decimal_field(el, "Total"),
        ];
        let mine = x.p.exact_totals;
        if let [Some(sub), Some(tax), Some(total)] = totals {
            if sub != mine.sub_total || tax != mine.total_tax || total != mine.total {
                issues.push(Issue::warning(
                    IssueCode::XeroTotalsDiffer,
                    path.field("totals"),
                    format!("Xero computed {} + {} tax = {}; the preview said {} + {} = {}. Check the document in Xero.", fixed(sub, 2), fixed(tax, 2), fixed(total, 2), fixed(mine.sub_total, 2), fixed(mine.total_tax, 2), fixed(mine.total, 2)),
                ));
            }
        }
        let sent_any_tracking = x.p.sent_tracking.iter().any(|l| !l.is_empty());
        let has_lines = el
            .get("LineItems")
            .and_then(Value::as_array)
            .is_some_and(|l| !l.is_empty());
        if sent_any_tracking && has_lines {
            if let Ok(returned) = serde_json::from_value::<ReturnedDocument>(el.clone()) {
                issues.extend(tracking::check_response(
                    &x.p.sent_tracking,
                    &returned,
                    &path,
                ));
            }
        }
        let messages: Vec<String> = issues.iter().map(|i| i.message.clone()).collect();
        x.out.status = OutcomeStatus::Exported;
        x.out.xero_id = xd.id.clone();
        x.out.xero_number = xd.number.clone();
        x.out.xero_status = xd.status.clone();
        x.out.totals = match totals {
            [Some(s), Some(t), Some(tt)] => Some(TotalsText {
                sub_total: fixed(s, 2),
                total_tax: fixed(t, 2),
                total: fixed(tt, 2),
            }),
            _ => None,
        };
        x.out.amount_due = if credit {
            xd.remaining_credit.or(xd.total)
        } else {
            xd.amount_due
        }
        .map(|a| fixed(a, 2));
        x.out.lookup = None;
        x.out.retry_after = None;
        x.out.retry_at = None;
        x.out.limit = None;
        x.out.issues = issues;
        x.state = DocState::Final;
        if credit {
            if let Some(n) = x.p.credits_invoice_number.clone() {
                x.alloc = Some(AllocData {
                    stage: AllocStage::Plan,
                    out: Allocation {
                        status: AllocationStatus::Pending,
                        invoice_number: n,
                        invoice_id: None,
                        amount: None,
                        date: None,
                    },
                    amount: None,
                    credit_note_id: xd.id.clone(),
                });
                x.out.allocation = x.alloc.as_ref().map(|a| a.out.clone());
            }
        }
        let (id, number) = (xd.id.clone(), xd.number.clone());
        x.xero = Some(xd);
        self.touched.insert(d);
        self.finish_row(
            rows,
            Member::Doc(d),
            OutcomeStatus::Exported,
            http,
            id,
            number,
            messages,
            now,
        );
    }

    fn failed_with(
        &mut self,
        d: usize,
        msgs: &[XeroMessage],
        rows: &[(Member, usize)],
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d);
        let mut issues: Vec<Issue> = msgs
            .iter()
            .map(|m| {
                let p = if m.at.is_empty() {
                    path.clone()
                } else {
                    path.field(&m.at)
                };
                Issue::error(reconcile::code_for(&m.text), p, m.text.clone())
            })
            .collect();
        if issues.is_empty() {
            issues.push(Issue::error(
                IssueCode::XeroValidationError,
                path,
                format!(
                    "Xero refused this document without a message (HTTP {}).",
                    http.map_or_else(|| "?".to_owned(), |h| h.to_string())
                ),
            ));
        }
        let texts: Vec<String> = issues.iter().map(|i| i.message.clone()).collect();
        if let Some(x) = self.docs.get_mut(d) {
            x.state = DocState::Final;
            x.out.status = OutcomeStatus::Failed;
            x.out.lookup = None;
            x.out.retry_after = None;
            x.out.retry_at = None;
            x.out.limit = None;
            x.out.issues = issues;
        }
        self.touched.insert(d);
        self.finish_row(
            rows,
            Member::Doc(d),
            OutcomeStatus::Failed,
            http,
            None,
            None,
            texts,
            now,
        );
    }

    /// Leaves a document uncertain for good (no more attempts in this run).
    fn give_up_doc(&mut self, d: usize, reason: &str, lookup: Option<Request>) {
        let path = self.doc_path(d);
        let max = self.limits.max_attempts;
        if let Some(x) = self.docs.get_mut(d) {
            x.state = DocState::Final;
            x.out.status = OutcomeStatus::Uncertain;
            if lookup.is_some() {
                x.out.lookup = lookup;
            }
            x.out.issues = vec![Issue::error(
                IssueCode::OutcomeUncertain,
                path,
                format!("{reason} Gave up after {max} attempts without an answer: check Xero for this document (the lookup request finds it) before exporting it again."),
            )];
        }
        self.touched.insert(d);
    }

    #[allow(clippy::too_many_arguments)]
    fn on_doc_lookup(
        &mut self,
        j: usize,
        parent: Option<usize>,
        members: &[usize],
        credit: bool,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let body = match class {
            Class::Answer(b)
                if http.is_some_and(|s| (200..300).contains(&s))
                    && b.get(if credit { "CreditNotes" } else { "Invoices" })
                        .is_some_and(Value::is_array) =>
            {
                b
            }
            other => {
                let reason = match other {
                    Class::Unanswered(r) => r,
                    Class::Rejected(t) => t.join(" "),
                    _ => "the lookup's answer is not Xero's list".into(),
                };
                if self.retry_get(j, rows, &reason, http, now) {
                    return;
                }
                // Gave up on the lookup: its documents stay uncertain.
                let lookup = self
                    .issued
                    .values()
                    .filter(|i| i.job == j)
                    .max_by_key(|i| i.request.attempt)
                    .map(|i| i.request.clone());
                for d in members {
                    self.give_up_doc(*d, &reason, lookup.clone());
                }
                self.lookup_finished(parent, now);
                return;
            }
        };
        let key = if credit { "CreditNotes" } else { "Invoices" };
        let found_els = body
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut missing = Vec::new();
        for d in members {
            let hit = self.find_in_lookup(*d, found_els, credit);
            match hit {
                Some(el) => {
                    let el = el.clone();
                    self.exported(*d, &el, rows, http, now);
                }
                None => missing.push(*d),
            }
        }
        // A duplicate-number check that finds nothing may be early (Xero said the number exists):
        // ask again a few times before concluding the number belongs to another document.
        if parent.is_none() && !missing.is_empty() {
            let failures = self.jobs.get(j).map_or(0, |x| x.failures) + 1;
            if failures < DUPLICATE_CHECKS.min(self.limits.max_attempts) {
                for d in &missing {
                    self.finish_row(
                        rows,
                        Member::Doc(*d),
                        OutcomeStatus::Uncertain,
                        http,
                        None,
                        None,
                        vec![
                            "Not found yet although Xero says the number is taken: asking again."
                                .into(),
                        ],
                        now,
                    );
                }
                let at = now.saturating_add(self.backoff(failures));
                if let Some(job) = self.jobs.get_mut(j) {
                    job.failures = failures;
                    job.state = JobState::Queued(at);
                    if let JobKind::DocLookup { members: m, .. } = &mut job.kind {
                        m.retain(|d| missing.contains(d));
                    }
                }
                return;
            }
        }
        for d in &missing {
            match parent {
                Some(_) => {
                    self.finish_row(
                        rows,
                        Member::Doc(*d),
                        OutcomeStatus::Retry,
                        http,
                        None,
                        None,
                        vec!["Not in Xero: safe to send again.".into()],
                        now,
                    );
                }
                None => {
                    let msg = XeroMessage {
                        text: "Invoice # must be unique. Xero has a document with this number, but not for this contact and type: another document already uses the number.".into(),
                        at: String::new(),
                    };
                    self.failed_with(*d, &[msg], rows, http, now);
                }
            }
        }
        self.set_job(j, JobState::Done);
        if let Some(p) = parent {
            if let Some(JobKind::Documents { missing: m, .. }) =
                self.jobs.get_mut(p).map(|x| &mut x.kind)
            {
                m.extend(missing.iter().copied());
            }
        }
        self.lookup_finished(parent, now);
    }

    /// The element of a lookup answer that is this document: same number (else reference,
    /// else contact + date + total), same type, same contact, not deleted.
    fn find_in_lookup<'a>(&self, d: usize, els: &'a [Value], credit: bool) -> Option<&'a Value> {
        let x = self.docs.get(d)?;
        let kind = x.p.kind.as_str();
        let candidates = els.iter().filter(|el| {
            let type_ok = text_field(el, "Type").is_none_or(|t| t.eq_ignore_ascii_case(kind));
            let contact_ok = match (
                &x.contact_id,
                el.get("Contact").and_then(|c| text_field(c, "ContactID")),
            ) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                _ => true,
            };
            let live = !text_field(el, "Status").is_some_and(|s| s.eq_ignore_ascii_case("DELETED"));
            let identity_ok = match (&x.identity.number, &x.identity.reference) {
                (Some(n), _) => {
                    text_field(el, number_field(credit)).is_some_and(|v| names::same(v, n))
                }
                (None, Some(r)) => text_field(el, "Reference").is_some_and(|v| names::same(v, r)),
                (None, None) => {
                    let date_ok = match (x.p.date, text_field(el, "Date").and_then(Date::parse)) {
                        (Some(a), Some(b)) => a == b,
                        _ => false,
                    };
                    date_ok && decimal_field(el, "Total") == Some(x.p.exact_totals.total)
                }
            };
            type_ok && contact_ok && live && identity_ok
        });
        let all: Vec<&Value> = candidates.collect();
        all.iter()
            .find(|el| decimal_field(el, "Total") == Some(x.p.exact_totals.total))
            .or(all.first())
            .copied()
    }

    /// A lookup of a documents job finished: once all of them have, resend the missing ones.
    fn lookup_finished(&mut self, parent: Option<usize>, now: i64) {
        let Some(p) = parent else { return };
        let max = self.limits.max_attempts;
        let Some(JobKind::Documents {
            members,
            lookups_left,
            missing,
            ..
        }) = self.jobs.get_mut(p).map(|x| &mut x.kind)
        else {
            return;
        };
        *lookups_left = lookups_left.saturating_sub(1);
        if *lookups_left > 0 {
            return;
        }
        // Resend exactly the documents the lookups did not find, in their original order.
        let missing_now = std::mem::take(missing);
        members.retain(|d| missing_now.contains(d));
        let resend: Vec<usize> = members.clone();
        let mut gave_up = Vec::new();
        for d in &resend {
            if self.docs.get(*d).is_some_and(|x| x.out.attempts >= max) {
                gave_up.push(*d);
            }
        }
        if let Some(JobKind::Documents { members, .. }) = self.jobs.get_mut(p).map(|x| &mut x.kind)
        {
            members.retain(|d| !gave_up.contains(d));
        }
        for d in &gave_up {
            let path = self.doc_path(*d);
            if let Some(x) = self.docs.get_mut(*d) {
                x.state = DocState::Final;
                x.out.status = OutcomeStatus::Retry;
                x.out.lookup = None;
                x.out.issues = vec![Issue::error(IssueCode::OutcomeUncertain, path, format!("Sent {max} times without an answer; Xero does not have it (a lookup found nothing), so it is safe to export again later."))];
                self.touched.insert(*d);
            }
        }
        let remaining = resend.len() - gave_up.len();
        for d in &resend {
            if gave_up.contains(d) {
                continue;
            }
            let path = self.doc_path(*d);
            if let Some(x) = self.docs.get_mut(*d) {
                x.state = DocState::InJob;
                x.out.status = OutcomeStatus::Retry;
                x.out.lookup = None;
                x.out.issues = vec![Issue::warning(
                    IssueCode::OutcomeUncertain,
                    path,
                    "Not in Xero (the lookup found nothing): sent again.",
                )];
                self.touched.insert(*d);
            }
        }
        self.set_job(
            p,
            if remaining == 0 {
                JobState::Done
            } else {
                JobState::Queued(now)
            },
        );
    }

    /// A GET without a usable answer: retry after a backoff (true), or give up (false).
    fn retry_get(
        &mut self,
        j: usize,
        rows: &[(Member, usize)],
        reason: &str,
        http: Option<u16>,
        now: i64,
    ) -> bool {
        let failures = match self.jobs.get_mut(j) {
            Some(job) => {
                job.failures += 1;
                job.failures
            }
            None => return false,
        };
        let again = failures < self.limits.max_attempts;
        for (m, _) in rows {
            self.finish_row(
                rows,
                *m,
                if again {
                    OutcomeStatus::Retry
                } else {
                    OutcomeStatus::Uncertain
                },
                http,
                None,
                None,
                vec![reason.to_owned()],
                now,
            );
        }
        if again {
            let at = now.saturating_add(self.backoff(failures));
            self.set_job(j, JobState::Queued(at));
        } else {
            self.set_job(j, JobState::Done);
        }
        again
    }

    // ----- contacts ---------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn on_contacts(
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
                                reconcile::code_for(&m.text) == IssueCode::ContactNameTaken
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
                    .map(|x| x.p.source_id.clone())
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
    fn fail_contact(
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
                        reconcile::code_for(m),
                        path.clone(),
                        format!("Contact \"{name}\" could not be created, so this invoice was not sent. Xero said: {m}"),
                    )
                })
                .collect()
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_contact_lookup(
        &mut self,
        j: usize,
        parent: usize,
        members: &[usize],
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let body = match class {
            Class::Answer(b)
                if http.is_some_and(|s| (200..300).contains(&s))
                    && b.get("Contacts").is_some_and(Value::is_array) =>
            {
                b
            }
            other => {
                let reason = match other {
                    Class::Unanswered(r) => r,
                    Class::Rejected(t) => t.join(" "),
                    _ => "the lookup's answer is not Xero's list".into(),
                };
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

    // ----- allocations ------------------------------------------------------------------

    /// Plans the allocation of every exported credit note whose invoice is now known.
    fn advance_allocations(&mut self, now: i64) {
        for d in 0..self.docs.len() {
            let Some(x) = self.docs.get(d) else { continue };
            let Some(alloc) = &x.alloc else { continue };
            if alloc.stage != AllocStage::Plan {
                continue;
            }
            let path = self.doc_path(d).field("allocation");
            let status = x.xero.as_ref().and_then(|v| v.status.clone());
            if status.as_deref() != Some("AUTHORISED") {
                let st = status.unwrap_or_else(|| "not approved".into());
                self.alloc_skip(d, Issue::warning(IssueCode::AllocationSkipped, path, format!("The credit note is {st} in Xero; Xero allocates only AUTHORISED credit notes. Approve it in Xero, then allocate it to invoice {}.", alloc.out.invoice_number)));
                continue;
            }
            let counterpart = match x.p.kind {
                DocumentKind::AccrecCredit => DocumentKind::Accrec,
                _ => DocumentKind::Accpay,
            };
            let number = alloc.out.invoice_number.clone();
            let in_run = self.docs.iter().position(|y| {
                y.p.kind == counterpart
                    && y.identity
                        .number
                        .as_deref()
                        .is_some_and(|n| names::same(n, &number))
                    && y.state != DocState::Blocked
            });
            match in_run.and_then(|e| self.docs.get(e)) {
                Some(inv) => {
                    if inv.out.status == OutcomeStatus::Exported {
                        let target = inv.xero.clone().unwrap_or_default();
                        self.allocate(d, &target, now);
                    } else if inv.state == DocState::Final {
                        let st = status_word(inv.out.status);
                        self.alloc_skip(d, Issue::warning(IssueCode::AllocationSkipped, path, format!("Invoice {number} was not exported in this run ({st}), so the credit note was not allocated to it.")));
                    }
                    // Otherwise the invoice is still on its way: check again later.
                }
                None => {
                    let mut query = BTreeMap::new();
                    query.insert("InvoiceNumbers".to_owned(), number.clone());
                    query.insert("page".to_owned(), "1".to_owned());
                    let spec = RequestSpec {
                        purpose: Purpose::Lookup,
                        method: "GET",
                        path: "/Invoices".into(),
                        query,
                        body: None,
                        documents: vec![x.p.source_id.clone()],
                        contacts: Vec::new(),
                    };
                    self.push_job(JobKind::AllocTarget { doc: d, spec });
                    self.alloc_stage(d, AllocStage::Busy);
                }
            }
        }
    }

    fn alloc_stage(&mut self, d: usize, stage: AllocStage) {
        if let Some(a) = self.docs.get_mut(d).and_then(|x| x.alloc.as_mut()) {
            a.stage = stage;
        }
    }

    fn alloc_sync(&mut self, d: usize) {
        if let Some(x) = self.docs.get_mut(d) {
            x.out.allocation = x.alloc.as_ref().map(|a| a.out.clone());
        }
        self.touched.insert(d);
    }

    fn alloc_skip(&mut self, d: usize, issue: Issue) {
        self.alloc_end(d, AllocationStatus::Skipped, Some(issue));
    }

    fn alloc_end(&mut self, d: usize, status: AllocationStatus, issue: Option<Issue>) {
        if let Some(x) = self.docs.get_mut(d) {
            if let Some(a) = x.alloc.as_mut() {
                a.stage = AllocStage::Done;
                a.out.status = status;
            }
            if let Some(i) = issue {
                x.out.issues.push(i);
            }
        }
        self.alloc_sync(d);
    }

    /// Plans the allocation once the invoice is known.
    fn allocate(&mut self, d: usize, target: &XeroDoc, now: i64) {
        let path = self.doc_path(d).field("allocation");
        let Some(x) = self.docs.get(d) else { return };
        let Some(alloc) = x.alloc.clone() else { return };
        let number = alloc.out.invoice_number.clone();
        let mine = x.xero.clone().unwrap_or_default();
        let skip = |why: String| Issue::warning(IssueCode::AllocationSkipped, path.clone(), why);
        let (Some(invoice_id), Some(cn_id)) = (target.id.clone(), alloc.credit_note_id.clone())
        else {
            self.alloc_skip(d, skip(format!("Xero's answer lacks the ids needed to allocate the credit note to invoice {number}.")));
            return;
        };
        match target.status.as_deref() {
            Some("AUTHORISED") | None => {}
            Some(st) => {
                self.alloc_skip(d, skip(format!("Invoice {number} is {st} in Xero: only AUTHORISED invoices with an amount due take allocations. The credit stays on the contact's account.")));
                return;
            }
        }
        if let (Some(a), Some(b)) = (
            &target.contact_id,
            &mine.contact_id.or(x.contact_id.clone()),
        ) {
            if !a.eq_ignore_ascii_case(b) {
                self.alloc_skip(d, skip(format!("Invoice {number} belongs to another contact than the credit note; Xero allocates credit notes to the same contact's invoices. Allocate it by hand if that is intended.")));
                return;
            }
        }
        if let (Some(a), Some(b)) = (&target.currency, &mine.currency) {
            if !a.eq_ignore_ascii_case(b) {
                self.alloc_skip(d, skip(format!("Invoice {number} is in {a}, the credit note in {b}: Xero allocates only within one currency.")));
                return;
            }
        }
        let due = self
            .invoice_due
            .get(&invoice_id)
            .copied()
            .or(target.amount_due)
            .unwrap_or_default();
        let credit = mine
            .remaining_credit
            .or(mine.total)
            .unwrap_or(x.p.exact_totals.total);
        let amount = due.min(credit);
        if amount <= Decimal::ZERO {
            self.alloc_skip(d, skip(format!("Invoice {number} has nothing left to pay (AmountDue {}), so the credit note was not allocated; the credit stays on the contact's account.", fixed(due, 2))));
            return;
        }
        self.invoice_due.insert(invoice_id.clone(), due - amount);
        let date = match (target.date, mine.date.or(x.p.date)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let date_text = date.map(|d| d.to_string()).unwrap_or_default();
        let body = format!(
            "{{\"Allocations\":[{{\"Invoice\":{{\"InvoiceID\":{}}},\"Amount\":{},\"Date\":{}}}]}}",
            serde_json::to_string(&invoice_id).unwrap_or_else(|_| "\"\"".into()),
            fixed(amount, 2),
            serde_json::to_string(&date_text).unwrap_or_else(|_| "\"\"".into()),
        );
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        let spec = RequestSpec {
            purpose: Purpose::Allocation,
            method: "PUT",
            path: format!("/CreditNotes/{}/Allocations", crate::plan::encode(&cn_id)),
            query,
            body: Some(body),
            documents: vec![x.p.source_id.clone()],
            contacts: Vec::new(),
        };
        let j = self.push_job(JobKind::Allocate { doc: d, spec });
        self.set_job(j, JobState::Queued(now));
        if let Some(a) = self.docs.get_mut(d).and_then(|x| x.alloc.as_mut()) {
            a.stage = AllocStage::Busy;
            a.amount = Some(amount);
            a.out.invoice_id = Some(invoice_id);
            a.out.amount = Some(fixed(amount, 2));
            a.out.date = date;
        }
        self.alloc_sync(d);
    }

    fn release_reservation(&mut self, d: usize) {
        let Some(a) = self.docs.get(d).and_then(|x| x.alloc.clone()) else {
            return;
        };
        if let (Some(id), Some(amount)) = (a.out.invoice_id, a.amount) {
            if let Some(due) = self.invoice_due.get_mut(&id) {
                *due += amount;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_alloc_target(
        &mut self,
        j: usize,
        d: usize,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d).field("allocation");
        let body = match class {
            Class::Answer(b)
                if http.is_some_and(|s| (200..300).contains(&s))
                    && b.get("Invoices").is_some_and(Value::is_array) =>
            {
                b
            }
            other => {
                let reason = match other {
                    Class::Unanswered(r) => r,
                    Class::Rejected(t) => t.join(" "),
                    _ => "the lookup's answer is not Xero's list".into(),
                };
                if !self.retry_get(j, rows, &reason, http, now) {
                    self.alloc_skip(d, Issue::warning(IssueCode::AllocationSkipped, path, format!("The invoice to allocate the credit note to could not be looked up ({reason}); allocate it in Xero.")));
                }
                return;
            }
        };
        self.set_job(j, JobState::Done);
        let Some(x) = self.docs.get(d) else { return };
        let number = x
            .alloc
            .as_ref()
            .map(|a| a.out.invoice_number.clone())
            .unwrap_or_default();
        let want_type = match x.p.kind {
            DocumentKind::AccrecCredit => "ACCREC",
            _ => "ACCPAY",
        };
        let contact = x
            .xero
            .as_ref()
            .and_then(|v| v.contact_id.clone())
            .or(x.contact_id.clone());
        let els = body
            .get("Invoices")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let candidates: Vec<&Value> = els
            .iter()
            .filter(|el| {
                text_field(el, "InvoiceNumber").is_some_and(|n| names::same(n, &number))
                    && text_field(el, "Type").is_none_or(|t| t.eq_ignore_ascii_case(want_type))
                    && !text_field(el, "Status").is_some_and(|s| {
                        s.eq_ignore_ascii_case("DELETED") || s.eq_ignore_ascii_case("VOIDED")
                    })
            })
            .collect();
        let pick = candidates
            .iter()
            .find(|el| {
                match (
                    &contact,
                    el.get("Contact").and_then(|c| text_field(c, "ContactID")),
                ) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => true,
                }
            })
            .or(candidates.first())
            .copied();
        self.finish_row(
            rows,
            Member::Doc(d),
            if pick.is_some() {
                OutcomeStatus::Exported
            } else {
                OutcomeStatus::Failed
            },
            http,
            pick.and_then(|el| text_field(el, "InvoiceID"))
                .map(str::to_owned),
            pick.and_then(|el| text_field(el, "InvoiceNumber"))
                .map(str::to_owned),
            Vec::new(),
            now,
        );
        match pick {
            Some(el) => {
                let target = read_xero_doc(el, false);
                self.allocate(d, &target, now);
            }
            None => self.alloc_skip(d, Issue::warning(IssueCode::AllocationSkipped, path, format!("Invoice {number} ({want_type}) was not found in Xero, so the credit note was not allocated; the credit stays on the contact's account."))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_allocate(
        &mut self,
        j: usize,
        d: usize,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d).field("allocation");
        let fail = |texts: Vec<String>| -> Vec<Issue> {
            texts
                .into_iter()
                .map(|t| {
                    Issue::warning(
                        IssueCode::AllocationFailed,
                        path.clone(),
                        format!("Xero refused to allocate the credit note: {t}"),
                    )
                })
                .collect()
        };
        match class {
            Class::Answer(body) => {
                self.set_job(j, JobState::Done);
                let el = elements(&body, "Allocations").and_then(<[Value]>::first);
                let msgs: Vec<String> = el
                    .map(validation_messages)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| m.text)
                    .collect();
                let ok = http.is_some_and(|s| (200..300).contains(&s))
                    && el.is_some()
                    && msgs.is_empty()
                    && el.is_some_and(|e| element_status(e) != ElementStatus::Error);
                if ok {
                    self.finish_row(
                        rows,
                        Member::Doc(d),
                        OutcomeStatus::Exported,
                        http,
                        None,
                        None,
                        Vec::new(),
                        now,
                    );
                    self.alloc_end(d, AllocationStatus::Allocated, None);
                } else {
                    let texts = if msgs.is_empty() {
                        vec!["the answer has no allocation".to_owned()]
                    } else {
                        msgs
                    };
                    self.finish_row(
                        rows,
                        Member::Doc(d),
                        OutcomeStatus::Failed,
                        http,
                        None,
                        None,
                        texts.clone(),
                        now,
                    );
                    self.release_reservation(d);
                    let issues = fail(texts);
                    self.alloc_end(d, AllocationStatus::Failed, None);
                    if let Some(x) = self.docs.get_mut(d) {
                        x.out.issues.extend(issues);
                    }
                }
            }
            Class::Rejected(texts) => {
                self.set_job(j, JobState::Done);
                self.finish_row(
                    rows,
                    Member::Doc(d),
                    OutcomeStatus::Failed,
                    http,
                    None,
                    None,
                    texts.clone(),
                    now,
                );
                self.release_reservation(d);
                let issues = fail(texts);
                self.alloc_end(d, AllocationStatus::Failed, None);
                if let Some(x) = self.docs.get_mut(d) {
                    x.out.issues.extend(issues);
                }
            }
            Class::Unanswered(reason) => {
                let failures = match self.jobs.get_mut(j) {
                    Some(job) => {
                        job.failures += 1;
                        job.failures
                    }
                    None => 1,
                };
                self.set_job(j, JobState::Waiting);
                self.finish_row(
                    rows,
                    Member::Doc(d),
                    OutcomeStatus::Uncertain,
                    http,
                    None,
                    None,
                    vec![reason],
                    now,
                );
                let cn = self
                    .docs
                    .get(d)
                    .and_then(|x| x.alloc.as_ref())
                    .and_then(|a| a.credit_note_id.clone())
                    .unwrap_or_default();
                let source = self.docs.get(d).map(|x| x.p.source_id.clone());
                let spec = RequestSpec {
                    purpose: Purpose::Lookup,
                    method: "GET",
                    path: format!("/CreditNotes/{}", crate::plan::encode(&cn)),
                    query: BTreeMap::new(),
                    body: None,
                    documents: source.into_iter().collect(),
                    contacts: Vec::new(),
                };
                let c = self.push_job(JobKind::AllocCheck {
                    doc: d,
                    allocate: j,
                    spec,
                });
                let at = now.saturating_add(self.backoff(failures));
                self.set_job(c, JobState::Queued(at));
            }
            Class::Auth | Class::RateLimited => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_alloc_check(
        &mut self,
        j: usize,
        d: usize,
        allocate: usize,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d).field("allocation");
        let body = match class {
            Class::Answer(b)
                if http.is_some_and(|s| (200..300).contains(&s))
                    && b.get("CreditNotes").is_some_and(Value::is_array) =>
            {
                b
            }
            other => {
                let reason = match other {
                    Class::Unanswered(r) => r,
                    Class::Rejected(t) => t.join(" "),
                    _ => "the check's answer is not Xero's list".into(),
                };
                if !self.retry_get(j, rows, &reason, http, now) {
                    self.set_job(allocate, JobState::Done);
                    self.alloc_end(d, AllocationStatus::Uncertain, Some(Issue::warning(IssueCode::OutcomeUncertain, path, format!("The allocation had no answer and could not be checked ({reason}): check the credit note in Xero before allocating it by hand."))));
                }
                return;
            }
        };
        self.set_job(j, JobState::Done);
        let (invoice_id, amount) = match self.docs.get(d).and_then(|x| x.alloc.as_ref()) {
            Some(a) => (a.out.invoice_id.clone(), a.amount),
            None => (None, None),
        };
        let done = body
            .get("CreditNotes")
            .and_then(Value::as_array)
            .and_then(|l| l.first())
            .and_then(|cn| cn.get("Allocations"))
            .and_then(Value::as_array)
            .is_some_and(|list| {
                list.iter().any(|a| {
                    let inv = a
                        .get("Invoice")
                        .and_then(|i| text_field(i, "InvoiceID"))
                        .map(str::to_owned);
                    inv.is_some()
                        && inv.as_deref().map(str::to_ascii_lowercase)
                            == invoice_id.as_deref().map(str::to_ascii_lowercase)
                        && decimal_field(a, "Amount") == amount
                })
            });
        if done {
            self.finish_row(
                rows,
                Member::Doc(d),
                OutcomeStatus::Exported,
                http,
                None,
                None,
                Vec::new(),
                now,
            );
            self.set_job(allocate, JobState::Done);
            self.alloc_end(d, AllocationStatus::Allocated, None);
            return;
        }
        self.finish_row(
            rows,
            Member::Doc(d),
            OutcomeStatus::Retry,
            http,
            None,
            None,
            vec!["Not allocated yet: sent again.".into()],
            now,
        );
        let sends = self.jobs.get(allocate).map_or(0, |x| x.sends);
        if sends >= self.limits.max_attempts {
            self.set_job(allocate, JobState::Done);
            self.release_reservation(d);
            self.alloc_end(d, AllocationStatus::Failed, Some(Issue::warning(IssueCode::AllocationFailed, path, "The allocation was sent repeatedly without an answer and is not in Xero; allocate the credit note in Xero by hand.")));
        } else {
            self.set_job(allocate, JobState::Queued(now));
        }
    }
}

/// The JSON element of a document with its contact filled in (and its id, for updates).
fn element_json(x: &Doc) -> Option<String> {
    let wire = x.p.wire.as_ref()?;
    let json = match (&wire.contact, &x.contact_id) {
        (WireContactRef::Pending(_), Some(id)) => {
            let mut w = wire.clone();
            w.contact = WireContactRef::Id(id.clone());
            w.to_json()
        }
        (WireContactRef::Pending(_), None) => return None,
        (WireContactRef::Id(_), _) => wire.to_json(),
    };
    match &wire.xero_id {
        Some(id) => {
            let rest = json.strip_prefix('{')?;
            let id = serde_json::to_string(id).ok()?;
            let sep = if rest.starts_with('}') { "" } else { "," };
            Some(format!(
                "{{\"{}\":{id}{sep}{rest}",
                id_field(x.p.kind.is_credit())
            ))
        }
        None => Some(json),
    }
}

impl crate::preview::Exporter {
    /// Previews `invoices` and plans sending them: the [`Run`] to drive.
    ///
    /// Errors (misuse): options outside Xero's limits, or no tenant id.
    pub fn plan(
        &self,
        invoices: &[crate::source::SourceInvoice],
        options: &PlanOptions,
    ) -> Result<Run, Error> {
        // The run needs the wire documents, exact totals and sent tracking, not the display
        // lines or per-document bodies.
        let preview = self.preview_with(
            invoices,
            crate::preview::PreviewOptions {
                lines: false,
                bodies: false,
            },
        );
        Run::new(preview, options, self.settings().unitdp() == 4)
    }
}
