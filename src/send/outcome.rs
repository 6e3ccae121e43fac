//! What the host reads back from a run: one [`Outcome`] per source invoice (with its
//! [`Allocation`] for credit notes), the export log's [`LogRow`]s and the [`RunSummary`].
//!
//! Plain data, serialised camelCase for the JS side; the state machine that fills them in is
//! in the other files of this module. Their serialized shape is public API (the TypeScript
//! types are derived from it): add no field here for the run's own bookkeeping, which lives
//! in `tables`.

use serde::Serialize;

use crate::build::totals::TotalsText;
use crate::dates::Date;
use crate::issues::Issue;
use crate::send::plan::{Purpose, Request};
use crate::xero::kind::DocumentKind;
use crate::xero::responses::RateLimit;

/// Where a document stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
    /// Never sent because there was nothing to send: an update that changes nothing Xero holds
    /// (compared with `xero.document`). Xero has it as the host has it; treat as exported.
    Unchanged,
}

/// Where a credit note's allocation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
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
    /// The ContactID the document is for: the payer's matched contact, or the one the run
    /// created for it (stored on the host's payer, it is `payer.contactId` next time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
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
    /// Xero's `Date` as it returned it, decoded from `/Date(ms+hhmm)/` as a calendar date
    /// (`YYYY-MM-DD`): no host time zone can shift it a day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<crate::dates::Date>,
    /// Xero's `DueDate`, decoded the same way.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<crate::dates::Date>,
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
    /// Why: the preview's warnings first (not those announcing what the run does: a contact or
    /// item to create, a line to delete, a credit note from a negative invoice), then Xero's
    /// messages and warnings and the run's own; the preview's issues for blocked documents.
    pub issues: Vec<Issue>,
}

impl Outcome {
    /// Forgets what a wait said (retry time, limit, lookup): the document's fate is decided,
    /// or it is being sent again.
    pub(super) fn clear_wait(&mut self) {
        self.retry_after = None;
        self.retry_at = None;
        self.limit = None;
        self.lookup = None;
    }
}

/// The outcome of one cancel (`plan({cancels})`), in input order after the invoices'.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct CancelOutcome {
    /// Position in `cancels`.
    pub index: usize,
    /// The host's id of the document.
    pub source_id: String,
    /// Document kind.
    pub kind: DocumentKind,
    /// `exported`: Xero has the document VOIDED or DELETED (also when it already was: nothing
    /// was sent); `blocked`: not sent (see `issues`); the rest as for documents.
    pub status: OutcomeStatus,
    /// What was asked of Xero: DELETED (draft, submitted), VOIDED (approved), or CREDITED (a
    /// paid document, with `cancel: {creditWhenPaid: true}`: a credit note allocated to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "\"DELETED\" | \"VOIDED\" | \"CREDITED\""))]
    pub action: Option<&'static str>,
    /// CREDITED: the credit note's own outcome (its `allocation` says how much went to the
    /// document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_note: Option<Box<Outcome>>,
    /// InvoiceID / CreditNoteID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_id: Option<String>,
    /// Xero's Status after the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_status: Option<String>,
    /// Uncertain: the GET whose answer decides (the run sends it itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Request>,
    /// The last request this cancel was part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Sends so far.
    pub attempts: u32,
    /// Why: what to remove first, Xero's messages, the input's problems.
    pub issues: Vec<Issue>,
}

/// The outcome of one payment (`plan({payments})`), in input order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct PaymentOutcome {
    /// Position in `payments`.
    pub index: usize,
    /// The host's payment id.
    pub id: String,
    /// `exported`: recorded in Xero (or found there after a lost answer); `blocked`: not sent
    /// (see `issues`); the rest as for documents.
    pub status: OutcomeStatus,
    /// The amount, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// InvoiceID (or CreditNoteID) paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    /// Xero's PaymentID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Uncertain: the GET whose answer decides (the run sends it itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lookup: Option<Request>,
    /// The last request this payment was part of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Sends so far.
    pub attempts: u32,
    /// Why: the input's problems, Xero's messages.
    pub issues: Vec<Issue>,
}

/// One row of the export log: one document (or contact) in one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
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
    /// The host's payment id (payment rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// Document number (an item's code, for ITEM rows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Payer (contact) name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_name: Option<String>,
    /// ACCREC, ACCPAY, ACCRECCREDIT, ACCPAYCREDIT, CONTACT, ITEM, or PAYMENT.
    #[cfg_attr(test, ts(type = "DocumentKind | \"CONTACT\" | \"ITEM\" | \"PAYMENT\""))]
    pub kind: &'static str,
    /// HTTP method.
    #[cfg_attr(test, ts(type = "\"GET\" | \"PUT\" | \"POST\""))]
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
#[cfg_attr(test, derive(ts_rs::TS))]
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
    /// Unchanged updates (not sent).
    pub unchanged: usize,
    /// Requests handed out.
    pub requests: usize,
    /// Requests in flight.
    pub in_flight: usize,
}

pub(super) fn status_word(s: OutcomeStatus) -> &'static str {
    match s {
        OutcomeStatus::Pending => "pending",
        OutcomeStatus::Exported => "exported",
        OutcomeStatus::Failed => "failed",
        OutcomeStatus::Retry => "retry",
        OutcomeStatus::Uncertain => "uncertain",
        OutcomeStatus::Blocked => "blocked",
        OutcomeStatus::Unchanged => "unchanged",
    }
}
