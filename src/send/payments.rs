//! Recording payments (`plan({payments})`): invoice payments and credit note refunds, checked
//! before anything is sent, then `PUT /Payments` in batches once the run's documents are
//! settled (the safe order: contacts → documents → payments).
//!
//! Checks, every problem at once on the payment's paths: a payment id (the idempotency key is
//! built from it), one document (an invoice of this plan by `sourceId`, or one in Xero by id
//! or number), the account (in the snapshot, ACTIVE, a BANK account or one with
//! EnablePaymentsToAccount), the amount (> 0, at most 2 decimals, not more than is due after
//! the plan's earlier payments), the date, the document AUTHORISED, and a `currencyRate` for
//! a document in a foreign currency.
//!
//! A lost answer or a 5xx is settled by `GET /Payments` filtered on the documents paid: a
//! payment found there (same document, amount, date, account and reference, not already
//! claimed by another payment of the run) is recorded; only the ones not found are sent
//! again. Never paid twice.
//!
//! Owns the payments' rows and jobs; reads the run's documents, never changes them.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::dates::Date;
use crate::input::snapshot::Snapshot;
use crate::input::source::SourceInvoice;
use crate::input::unknown::Found;
use crate::input::work::{PaidDocument, PaymentInput};
use crate::issues::{Issue, IssueCode, Path};
use crate::money::{fixed, Num};
use crate::send::plan::{where_literal, Purpose, Request, RequestSpec};
use crate::xero::responses::{
    code_for, decimal_field, element_status, elements, text_field, validation_messages,
    ElementStatus, XeroMessage,
};
use crate::xero::wire::{self, Object};

use super::answers::{self, Answer};
use super::requests::RowEnd;
use super::tables::{
    Batch, DocId, DocState, JobId, JobKind, JobState, Member, PayId, PayRow, PayTarget, Step,
};
use super::{OutcomeStatus, PaymentOutcome, Run};

/// Where-clauses per lookup GET (each a GUID comparison, about 60 characters encoded).
const CLAUSES_PER_LOOKUP: usize = 10;

type Open = answers::Open<PayId>;

/// The unknown keys found under `path` (a cancel or a payment), as errors.
pub(super) fn unknown_issues(unknown: &[Found], path: &Path) -> Vec<Issue> {
    let p = path.as_str();
    unknown
        .iter()
        .filter(|f| {
            f.path
                .as_str()
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        })
        .map(|f| {
            Issue::error(
                IssueCode::WorkFieldUnknown,
                f.path.clone(),
                f.describe("field"),
            )
        })
        .collect()
}

/// What checking the payments shares: the plan's documents by source id, what is still due
/// per document after the payments checked so far, the ids seen.
pub(super) struct PayContext<'a> {
    pub(super) snapshot: &'a Snapshot,
    pub(super) invoices: &'a [SourceInvoice],
    pub(super) by_source: HashMap<String, DocId>,
    pub(super) cancelled: BTreeSet<String>,
    due: BTreeMap<String, Decimal>,
    ids: BTreeSet<String>,
}

impl<'a> PayContext<'a> {
    pub(super) fn new(
        snapshot: &'a Snapshot,
        invoices: &'a [SourceInvoice],
        by_source: HashMap<String, DocId>,
        cancelled: BTreeSet<String>,
    ) -> Self {
        PayContext {
            snapshot,
            invoices,
            by_source,
            cancelled,
            due: BTreeMap::new(),
            ids: BTreeSet::new(),
        }
    }
}

/// A payment's fields, checked (None where a problem was reported).
struct Checked {
    target: Option<(PayTarget, String)>,
    amount: Option<Decimal>,
    date: Option<Date>,
    account: Option<(&'static str, String)>,
    rate: Option<Decimal>,
}

impl Run {
    /// Adds the host's payments, each checked; those for documents of this run wait for them.
    pub(super) fn add_payments(
        &mut self,
        payments: &[PaymentInput],
        unknown: &[Found],
        ctx: &mut PayContext,
    ) {
        for (i, p) in payments.iter().enumerate() {
            let path = Path::root("payments").index(i);
            let mut issues = unknown_issues(unknown, &path);
            let id = self.payment_id(p, &path, ctx, &mut issues);
            let c = self.check_payment(p, &path, ctx, &mut issues);
            let blocked = issues.iter().any(Issue::is_error);
            let out = PaymentOutcome {
                index: i,
                id,
                status: if blocked {
                    OutcomeStatus::Blocked
                } else {
                    OutcomeStatus::Pending
                },
                amount: c.amount.map(|a| fixed(a, 2)),
                document_id: match &c.target {
                    Some((PayTarget::Id(x), _)) => Some(x.clone()),
                    _ => None,
                },
                payment_id: None,
                lookup: None,
                request_id: None,
                attempts: 0,
                issues,
            };
            let step = if blocked {
                Step::Blocked
            } else {
                Step::Waiting
            };
            let (target, _) = c
                .target
                .unwrap_or((PayTarget::Id(String::new()), String::new()));
            let doc_source = p
                .invoice
                .as_ref()
                .or(p.credit_note.as_ref())
                .and_then(|d| d.source_id.as_deref())
                .map(str::to_owned);
            self.payments.push(PayRow {
                doc_source,
                credit: p.credit_note.is_some() && p.invoice.is_none(),
                target,
                amount: c.amount.unwrap_or_default(),
                date: c.date,
                account: c.account.unwrap_or(("Code", String::new())),
                reference: p.reference.as_deref().map(str::to_owned),
                rate: c.rate,
                element: None,
                step,
                was_uncertain: false,
                out,
            });
        }
    }

    fn payment_id(
        &self,
        p: &PaymentInput,
        path: &Path,
        ctx: &mut PayContext,
        issues: &mut Vec<Issue>,
    ) -> String {
        let id =
            p.id.as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned();
        if id.is_empty() {
            issues.push(Issue::error(IssueCode::Missing, path.field("id"), "Each payment needs the host's stable payment `id`: the idempotency key is built from it, so a payment sent again is never recorded twice."));
        } else if !ctx.ids.insert(id.clone()) {
            issues.push(Issue::error(
                IssueCode::PaymentIdDuplicate,
                path.field("id"),
                format!(
                    "Payment id \"{}\" appears twice: each payment needs its own id.",
                    crate::money::shown(&id)
                ),
            ));
        }
        id
    }

    fn check_payment(
        &self,
        p: &PaymentInput,
        path: &Path,
        ctx: &mut PayContext,
        issues: &mut Vec<Issue>,
    ) -> Checked {
        let amount = check_amount(p.amount.as_ref(), &path.field("amount"), issues);
        let date = match p.date.as_deref() {
            None => {
                issues.push(Issue::error(
                    IssueCode::Missing,
                    path.field("date"),
                    "Each payment needs its `date` (YYYY-MM-DD): the library reads no clock.",
                ));
                None
            }
            Some(t) => crate::resolve::header::host_date(t, path.field("date"), issues),
        };
        let account = check_account(p, path, ctx.snapshot, issues);
        let target = self.check_target(p, path, amount, ctx, issues);
        let currency = target
            .as_ref()
            .and_then(|(_, c)| (!c.is_empty()).then_some(c.as_str()));
        check_account_currency(p, ctx.snapshot, currency, &path.field("account"), issues);
        let rate = check_rate(
            p.currency_rate.as_ref(),
            currency,
            ctx.snapshot.base_currency(),
            &path.field("currencyRate"),
            issues,
        );
        Checked {
            target,
            amount,
            date,
            account,
            rate,
        }
    }

    /// The document paid, and its currency (empty: the base currency or unknown).
    fn check_target(
        &self,
        p: &PaymentInput,
        path: &Path,
        amount: Option<Decimal>,
        ctx: &mut PayContext,
        issues: &mut Vec<Issue>,
    ) -> Option<(PayTarget, String)> {
        let (doc, field, credit) = match (&p.invoice, &p.credit_note) {
            (Some(d), None) => (d, "invoice", false),
            (None, Some(d)) => (d, "creditNote", true),
            (Some(_), Some(_)) => {
                issues.push(Issue::error(IssueCode::PaymentTargetUnknown, path.field("creditNote"), "A payment is for one document: give `invoice` (a payment) or `creditNote` (a refund), not both."));
                return None;
            }
            (None, None) => {
                issues.push(Issue::error(IssueCode::Missing, path.field("invoice"), "Each payment needs the `invoice` it pays ({sourceId} of an invoice in this plan, or {id} / {number} of one in Xero), or the `creditNote` it refunds."));
                return None;
            }
        };
        let at = path.field(field);
        let (target, key, due, status, currency) = match doc.source_id.as_deref() {
            Some(s) => self.plan_target(s, credit, &at, ctx, issues)?,
            None => xero_target(doc, &at, issues)?,
        };
        if ctx.cancelled.contains(&key) {
            issues.push(Issue::error(IssueCode::CancelConflict, at.field("id"), "This document is voided or deleted in the same plan: a payment on it would be refused."));
        }
        if !status.is_empty() && status != "AUTHORISED" {
            issues.push(Issue::error(IssueCode::PaymentTargetNotAuthorised, at.field("status"), format!("The document is {status}: Xero records payments on AUTHORISED documents only. Approve it first.")));
        }
        if let (Some(a), Some(due)) = (amount, due) {
            let left = *ctx.due.entry(key.clone()).or_insert(due);
            match left.checked_sub(a) {
                Some(rest) if rest >= Decimal::ZERO => {
                    ctx.due.insert(key, rest);
                }
                _ => issues.push(Issue::error(IssueCode::PaymentExceedsDue, path.field("amount"), format!("{} is more than is still due on the document ({}, after this plan's earlier payments on it): Xero refuses it (\"Payment amount exceeds the amount outstanding on this document\").", fixed(a, 2), fixed(left, 2)))),
            }
        }
        Some((target, currency))
    }

    /// A document of this plan: the preview's total less what the host says is paid.
    #[allow(clippy::type_complexity)]
    fn plan_target(
        &self,
        source: &str,
        credit: bool,
        at: &Path,
        ctx: &PayContext,
        issues: &mut Vec<Issue>,
    ) -> Option<(PayTarget, String, Option<Decimal>, String, String)> {
        let found = ctx
            .by_source
            .get(source)
            .copied()
            .and_then(|d| self.docs.get(d).map(|x| (d, x)));
        let Some((d, x)) = found.filter(|(_, x)| x.p.kind.is_credit() == credit) else {
            let what = if credit { "credit note" } else { "invoice" };
            issues.push(Issue::error(IssueCode::PaymentTargetUnknown, at.field("sourceId"), format!("No {what} with sourceId \"{}\" in this plan's invoices: give the document's Xero `id` (or `number`) with its `amountDue` for one exported earlier.", crate::money::shown(source))));
            return None;
        };
        if ctx.cancelled.contains(source) {
            issues.push(Issue::error(
                IssueCode::CancelConflict,
                at.field("sourceId"),
                "This document is cancelled in the same plan: a payment on it would be refused.",
            ));
        }
        if x.state == DocState::Blocked {
            issues.push(Issue::error(IssueCode::PaymentTargetUnknown, at.field("sourceId"), "The document has errors and will not be sent, so this payment is not sent either. Fix the document first."));
        }
        let currency =
            x.p.currency
                .as_deref()
                .unwrap_or_default()
                .to_ascii_uppercase();
        if x.out.status == OutcomeStatus::Unchanged {
            let (due, status) = held_due(x, credit, source, at, issues)?;
            return Some((
                PayTarget::Doc(d),
                format!("doc:{source}"),
                Some(due),
                status,
                currency,
            ));
        }
        let paid = ctx
            .invoices
            .get(x.p.index)
            .and_then(|s| s.xero.as_ref())
            .and_then(|s| s.amount_paid.as_ref())
            .and_then(Num::value)
            .unwrap_or_default();
        let due = x.p.exact_totals.total.checked_sub(paid);
        Some((
            PayTarget::Doc(d),
            format!("doc:{source}"),
            due,
            x.p.status.to_owned(),
            currency,
        ))
    }

    /// Payments are batched once every document of the run is settled (exported, failed,
    /// blocked): a payment for a document of this run then knows its id and what Xero says
    /// is due on it.
    pub(super) fn batch_payments(&mut self) {
        let waiting = self.payments.iter().any(|p| p.step == Step::Waiting);
        if !waiting || !self.documents_settled() {
            return;
        }
        let mut due: BTreeMap<DocId, Decimal> = BTreeMap::new();
        let mut ready = Vec::new();
        for y in self.payments.ids().collect::<Vec<_>>() {
            if self
                .payments
                .get(y)
                .is_some_and(|p| p.step == Step::Waiting)
                && self.payment_ready(y, &mut due)
            {
                ready.push(y);
            }
        }
        for chunk in ready.chunks(self.limits.max_documents) {
            for y in chunk {
                if let Some(p) = self.payments.get_mut(*y) {
                    p.step = Step::InJob;
                }
            }
            self.jobs
                .queue(JobKind::Payments(Batch::new(chunk.to_vec())), i64::MIN);
        }
    }

    /// Whether every document of the run is settled (payments go after them).
    pub(super) fn documents_settled(&self) -> bool {
        self.docs
            .iter()
            .all(|x| matches!(x.state, DocState::Blocked | DocState::Final))
    }

    /// Whether every payment of the run is settled (allocations go after them).
    pub(super) fn payments_settled(&self) -> bool {
        self.payments.iter().all(|p| p.step.settled())
    }

    /// What this run's recorded payments took off invoice `doc` of the run (known in Xero as
    /// `id` and `number`), or with `credit` its recorded refunds off credit note `doc`: the
    /// AmountDue (RemainingCredit) Xero first answered predates them, since payments go once
    /// every document is settled.
    pub(super) fn paid_in_run(
        &self,
        doc: DocId,
        credit: bool,
        id: Option<&str>,
        number: &str,
    ) -> Decimal {
        let on_it = |p: &&PayRow| match &p.target {
            PayTarget::Doc(x) => *x == doc,
            PayTarget::Id(x) => id.is_some_and(|id| x.eq_ignore_ascii_case(id)),
            PayTarget::Number(n) => n == number,
        };
        self.payments
            .iter()
            .filter(|p| p.credit == credit && p.out.status == OutcomeStatus::Exported)
            .filter(on_it)
            // Each amount is checked against Xero's limit; a sum beyond Decimal is then moot.
            .fold(Decimal::ZERO, |sum, p| {
                sum.checked_add(p.amount).unwrap_or(Decimal::MAX)
            })
    }

    /// Whether payments wait to be batched now (for [`Run::wake_at`] and [`Run::is_done`]).
    pub(super) fn payments_waiting(&self) -> bool {
        self.payments
            .iter()
            .any(|p| matches!(p.step, Step::Waiting | Step::Ready))
    }

    /// Resolves a waiting payment against its document of the run; writes its element.
    fn payment_ready(&mut self, y: PayId, due: &mut BTreeMap<DocId, Decimal>) -> bool {
        let Some(p) = self.payments.get(y) else {
            return false;
        };
        let (doc_id, problem) = match &p.target {
            PayTarget::Doc(d) => self.run_document_for(*d, p.amount, due),
            PayTarget::Id(id) => (Some(id.clone()), None),
            PayTarget::Number(_) => (None, None),
        };
        if let Some((code, why)) = problem {
            if let Some(p) = self.payments.get_mut(y) {
                let path = Path::root("payments").index(p.out.index);
                p.step = Step::Final;
                p.out.status = if code == IssueCode::PaymentExceedsDue {
                    OutcomeStatus::Failed
                } else {
                    OutcomeStatus::Blocked
                };
                p.out.issues.push(Issue::error(
                    code,
                    path.field(if p.credit { "creditNote" } else { "invoice" }),
                    why,
                ));
            }
            return false;
        }
        if let Some(p) = self.payments.get_mut(y) {
            if doc_id.is_some() {
                p.out.document_id.clone_from(&doc_id);
                if let PayTarget::Doc(_) = p.target {
                    p.target = PayTarget::Id(doc_id.unwrap_or_default());
                }
            }
            p.element = Some(payment_element(p));
            p.step = Step::Ready;
        }
        true
    }

    /// The Xero id of document `d` of the run, or why a payment on it is not sent: not
    /// exported, not AUTHORISED, or the run's payments exceed what Xero says is due.
    fn run_document_for(
        &self,
        d: DocId,
        amount: Decimal,
        due: &mut BTreeMap<DocId, Decimal>,
    ) -> (Option<String>, Option<(IssueCode, String)>) {
        let Some(x) = self.docs.get(d) else {
            return (
                None,
                Some((
                    IssueCode::PaymentTargetUnknown,
                    "The document is not in the run.".into(),
                )),
            );
        };
        let xd = x.xero.clone().unwrap_or_default();
        // An unchanged update is in Xero as the host's `xero.document` says (README: "treat
        // it as exported"); the plan refused payments on one without Status or AmountDue.
        let held = x.out.status == OutcomeStatus::Unchanged;
        if !(x.out.status == OutcomeStatus::Exported || held) || xd.id.is_none() {
            let st = super::outcome::status_word(x.out.status);
            return (None, Some((IssueCode::PaymentTargetUnknown, format!("The document was not exported in this run ({st}), so the payment was not sent."))));
        }
        let status = xd.status.clone().unwrap_or_default();
        if status != "AUTHORISED" {
            return (None, Some((IssueCode::PaymentTargetNotAuthorised, format!("Xero has the document {status}: payments are recorded on AUTHORISED documents only, so the payment was not sent."))));
        }
        let xero_due = xd.due(x.p.kind.is_credit(), held);
        if held && xero_due.is_none() {
            return (None, Some((IssueCode::PaymentTargetUnknown, "The document is unchanged (not sent) and its xero.document does not say what is due on it (AmountDue, RemainingCredit for a credit note), so the payment was not sent.".into())));
        }
        if let Some(left) = xero_due {
            let left = *due.entry(d).or_insert(left);
            match left.checked_sub(amount) {
                Some(rest) if rest >= Decimal::ZERO => {
                    due.insert(d, rest);
                }
                _ => return (None, Some((IssueCode::PaymentExceedsDue, format!("Xero says {} is due on the document after this run's earlier payments; {} is more, so the payment was not sent.", fixed(left, 2), fixed(amount, 2))))),
            }
        }
        (xd.id, None)
    }

    /// The PUT of a payments job.
    pub(super) fn payment_spec(&self, members: &[PayId]) -> Option<RequestSpec> {
        let els: Vec<&str> = self
            .payments
            .of(members)
            .filter_map(|p| p.element.as_deref())
            .collect();
        if els.is_empty() {
            return None;
        }
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        Some(RequestSpec {
            purpose: Purpose::Payments,
            method: "PUT",
            path: "/Payments".into(),
            query,
            body: Some(wire::envelope("Payments", &els)),
            documents: self
                .payments
                .of(members)
                .map(|p| p.out.id.clone())
                .collect(),
            contacts: Vec::new(),
            items: Vec::new(),
        })
    }

    /// Handing a payment out: counts the attempt (sends only); returns its log row's head.
    pub(super) fn hand_out_payment(
        &mut self,
        y: PayId,
        send: bool,
        request: &Request,
    ) -> Option<(String, Option<String>)> {
        let p = self.payments.get_mut(y)?;
        if send {
            p.out.attempts += 1;
            p.out.request_id = Some(request.id.clone());
            if matches!(
                p.out.status,
                OutcomeStatus::Retry | OutcomeStatus::Uncertain
            ) {
                p.out.status = OutcomeStatus::Pending;
                p.out.lookup = None;
                p.out.issues.clear();
            }
        }
        Some((p.out.id.clone(), p.doc_source.clone()))
    }

    pub(super) fn on_payments(&mut self, a: &Answer, members: &[PayId]) {
        let mut open = Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::payment_failed) {
            let els = elements(body, "Payments").unwrap_or_default();
            if els.is_empty() && !a.ok_status() {
                let msgs =
                    answers::plain_messages(&answers::error_texts(a.http.unwrap_or(400), body));
                for y in members {
                    self.payment_failed(a, *y, &msgs);
                }
            } else if els.len() != members.len() {
                open.unsure(members, "Xero's answer does not have one element per payment sent: they may or may not be recorded.");
            } else {
                for (y, el) in self.pair_answers(members, els) {
                    match el {
                        Some(el) => self.payment_answered(a, y, el, &mut open),
                        None => open.unsure(&[y], "No element of Xero's answer is this payment (its document and amount): it may or may not be recorded."),
                    }
                }
            }
        }
        self.payments_left_open(a, open);
    }

    /// Each payment sent with its element of the answer. By position, as Xero answers, unless
    /// an element names another document or amount than its payment: then each payment takes
    /// the first element left that does not (DESIGN: elements are mapped back by identity, not
    /// by position alone), and one with none is unsure.
    fn pair_answers<'e>(
        &self,
        members: &[PayId],
        els: &'e [Value],
    ) -> Vec<(PayId, Option<&'e Value>)> {
        let fits =
            |y: &PayId, el: &Value| self.payments.get(*y).is_some_and(|p| !contradicts(p, el));
        if members.iter().zip(els).all(|(y, el)| fits(y, el)) {
            return members
                .iter()
                .zip(els)
                .map(|(y, el)| (*y, Some(el)))
                .collect();
        }
        let mut used = vec![false; els.len()];
        let mut pick = |y: &PayId| {
            let (i, el) = (els.iter().enumerate())
                .find(|(i, el)| used.get(*i) == Some(&false) && fits(y, el))?;
            if let Some(u) = used.get_mut(i) {
                *u = true;
            }
            Some(el)
        };
        members.iter().map(|y| (*y, pick(y))).collect()
    }

    fn payment_answered(&mut self, a: &Answer, y: PayId, el: &Value, open: &mut Open) {
        let was_uncertain = self.payments.get(y).is_some_and(|p| p.was_uncertain);
        match element_status(el) {
            ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => open.unsure(&[y], "Xero rejected the request (HTTP 400) for other payments; whether this one was recorded is not documented."),
            ElementStatus::Ok | ElementStatus::Warning => {
                let id = text_field(el, "PaymentID").map(str::to_owned);
                self.payment_recorded(a, y, id);
            }
            // After an attempt without an answer, "exceeds the amount outstanding" may be the
            // first attempt's own payment: the lookup decides.
            ElementStatus::Error if was_uncertain => open.unsure(&[y], "Xero refused the payment after an attempt without an answer; the first attempt may have recorded it."),
            ElementStatus::Error => {
                let msgs = validation_messages(el);
                self.payment_failed(a, y, &msgs);
            }
        }
    }

    fn payment_recorded(&mut self, a: &Answer, y: PayId, payment_id: Option<String>) {
        if let Some(id) = &payment_id {
            self.claimed.insert(id.to_ascii_lowercase());
        }
        let Some(p) = self.payments.get_mut(y) else {
            return;
        };
        p.step = Step::Final;
        p.out.status = OutcomeStatus::Exported;
        p.out.lookup = None;
        p.out.issues.clear();
        p.out.payment_id.clone_from(&payment_id);
        let end = RowEnd::new(OutcomeStatus::Exported, Vec::new()).found(payment_id, None);
        self.requests.end_row(a, Member::Payment(y), end);
    }

    fn payment_failed(&mut self, a: &Answer, y: PayId, msgs: &[XeroMessage]) {
        let fallback = answers::refused_without_message(a, msgs);
        let msgs = fallback.as_deref().unwrap_or(msgs);
        let Some(p) = self.payments.get_mut(y) else {
            return;
        };
        let path = Path::root("payments").index(p.out.index);
        p.step = Step::Final;
        p.out.status = OutcomeStatus::Failed;
        p.out.lookup = None;
        p.out.issues = msgs
            .iter()
            .map(|m| {
                Issue::error(
                    payment_code(&m.text),
                    path.clone(),
                    format!("Xero refused the payment: {}", m.text),
                )
            })
            .collect();
        let texts = msgs.iter().map(|m| m.text.clone()).collect();
        self.requests.end_row(
            a,
            Member::Payment(y),
            RowEnd::new(OutcomeStatus::Failed, texts),
        );
    }

    /// Uncertain payments: looked up in Xero before anything is sent again.
    fn payments_left_open(&mut self, a: &Answer, open: Open) {
        if open.uncertain.is_empty() {
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        let ids = open.uncertain_ids();
        for (y, why) in &open.uncertain {
            self.requests.end_row(
                a,
                Member::Payment(*y),
                RowEnd::new(OutcomeStatus::Uncertain, vec![why.clone()]),
            );
        }
        let sends = self.jobs.get(a.job).map_or(0, |j| j.sends);
        if sends >= self.limits.max_attempts {
            for y in &ids {
                self.payment_uncertain_final(*y, "Sent too often without an answer; check the document's payments in Xero before recording it again.");
            }
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        let n = self.start_payment_lookups(a.job, &ids, a.now);
        if let Some(JobKind::Payments(batch)) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|m| ids.contains(m));
            batch.add_lookups(n);
        }
        self.jobs.set(a.job, JobState::Waiting);
    }

    fn payment_uncertain_final(&mut self, y: PayId, why: &str) {
        if let Some(p) = self.payments.get_mut(y) {
            let path = Path::root("payments").index(p.out.index);
            p.step = Step::Final;
            p.out.status = OutcomeStatus::Uncertain;
            p.out.issues = vec![Issue::error(IssueCode::OutcomeUncertain, path, why)];
        }
    }

    fn start_payment_lookups(&mut self, parent: JobId, ids: &[PayId], now: i64) -> u32 {
        let at = now.saturating_add(self.backoff(self.jobs.failures(parent).max(1)));
        let mut n = 0;
        for chunk in ids.chunks(CLAUSES_PER_LOOKUP) {
            let spec = self.payment_lookup_spec(chunk);
            let id = self.requests.new_id();
            let request = spec.build(id.clone(), &self.limits.tenant_id, 1);
            for y in chunk {
                if let Some(p) = self.payments.get_mut(*y) {
                    let path = Path::root("payments").index(p.out.index);
                    p.step = Step::Lookup;
                    p.was_uncertain = true;
                    p.out.status = OutcomeStatus::Uncertain;
                    p.out.lookup = Some(request.clone());
                    p.out.issues = vec![Issue::warning(IssueCode::OutcomeUncertain, path, format!("No clear answer: the run looks the payment up (GET {}) before anything is sent again.", request.url))];
                }
            }
            let j = self.jobs.queue(
                JobKind::PaymentLookup {
                    parent,
                    members: chunk.to_vec(),
                    spec,
                },
                at,
            );
            if let Some(job) = self.jobs.get_mut(j) {
                job.reserved = Some(id);
            }
            n += 1;
        }
        n
    }

    /// `GET /Payments?where=Invoice.InvoiceID==guid("…") OR …` over the documents paid.
    fn payment_lookup_spec(&self, members: &[PayId]) -> RequestSpec {
        let mut clauses: Vec<String> = self.payments.of(members).map(lookup_clause).collect();
        clauses.sort();
        clauses.dedup();
        let mut query = BTreeMap::new();
        query.insert("where".to_owned(), clauses.join(" OR "));
        query.insert("page".to_owned(), "1".to_owned());
        let ids = self
            .payments
            .of(members)
            .map(|p| p.out.id.clone())
            .collect();
        RequestSpec::get("/Payments".into(), query, ids)
    }

    pub(super) fn on_payment_lookup(&mut self, a: &Answer, parent: JobId, members: &[PayId]) {
        let els = match a.list("Payments", "lookup") {
            Ok(els) => els,
            Err(reason) => {
                if !self.retry_get(a, &reason) {
                    for y in members {
                        self.payment_uncertain_final(*y, &format!("The lookup got no usable answer ({reason}); check the document's payments in Xero before recording it again."));
                    }
                    self.payment_lookup_done(parent, &[], a.now);
                }
                return;
            }
        };
        let mut missing = Vec::new();
        for y in members {
            let hit = self
                .payments
                .get(*y)
                .and_then(|p| els.iter().find(|el| self.is_this_payment(p, el)));
            match hit
                .and_then(|el| text_field(el, "PaymentID"))
                .map(str::to_owned)
            {
                Some(id) => self.payment_recorded(a, *y, Some(id)),
                None => {
                    let end = RowEnd::new(
                        OutcomeStatus::Retry,
                        vec!["Not in Xero: safe to send again.".into()],
                    );
                    self.requests.end_row(a, Member::Payment(*y), end);
                    missing.push(*y);
                }
            }
        }
        self.jobs.set(a.job, JobState::Done);
        self.payment_lookup_done(parent, &missing, a.now);
    }

    /// Whether a payment of a GET answer is `p`: same document, amount, date, account and
    /// reference, not deleted, not claimed by another payment of this run.
    fn is_this_payment(&self, p: &PayRow, el: &Value) -> bool {
        let pid = text_field(el, "PaymentID").map(str::to_ascii_lowercase);
        if pid.as_ref().is_none_or(|id| self.claimed.contains(id)) {
            return false;
        }
        let (key, field) = if p.credit {
            ("CreditNote", "CreditNote")
        } else {
            ("Invoice", "Invoice")
        };
        let doc = el.get(key);
        let doc_ok = match &p.target {
            PayTarget::Id(id) => doc
                .and_then(|d| text_field(d, &format!("{field}ID")))
                .is_some_and(|v| v.eq_ignore_ascii_case(id)),
            PayTarget::Number(n) => doc
                .and_then(|d| text_field(d, &format!("{field}Number")))
                .is_some_and(|v| crate::names::same(v, n)),
            PayTarget::Doc(_) => false,
        };
        let account = el.get("Account");
        let account_ok = account
            .and_then(|x| text_field(x, p.account.0))
            .is_some_and(|v| v.eq_ignore_ascii_case(&p.account.1));
        // Both sides trimmed: `text_field` trims Xero's, so a host reference with a leading or
        // trailing space would otherwise never match, and the payment would be sent again.
        let reference_ok = text_field(el, "Reference").unwrap_or_default()
            == p.reference.as_deref().map(str::trim).unwrap_or_default();
        let live = !text_field(el, "Status").is_some_and(|s| s.eq_ignore_ascii_case("DELETED"));
        doc_ok
            && account_ok
            && reference_ok
            && live
            && decimal_field(el, "Amount") == Some(p.amount)
            && p.date.is_some()
            && text_field(el, "Date").and_then(Date::parse) == p.date
    }

    fn payment_lookup_done(&mut self, parent: JobId, missing: &[PayId], now: i64) {
        let Some(JobKind::Payments(batch)) = self.jobs.kind_mut(parent) else {
            return;
        };
        let Some(again) = batch.lookup_done(missing) else {
            return;
        };
        for y in &again {
            if let Some(p) = self.payments.get_mut(*y) {
                // The lookup said it is not in Xero: an error on the resend is Xero's final word.
                p.was_uncertain = false;
                p.step = Step::InJob;
                p.out.status = OutcomeStatus::Retry;
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

/// Whether a write answer's element says another payment than `p`: another amount, or another
/// document than the one paid (fields it leaves out contradict nothing).
fn contradicts(p: &PayRow, el: &Value) -> bool {
    let side = if p.credit { "CreditNote" } else { "Invoice" };
    let other_amount = decimal_field(el, "Amount").is_some_and(|a| a != p.amount);
    let id = el
        .get(side)
        .and_then(|d| text_field(d, &format!("{side}ID")));
    let other_doc = match (id, p.out.document_id.as_deref()) {
        (Some(theirs), Some(ours)) => !theirs.eq_ignore_ascii_case(ours),
        _ => false,
    };
    other_amount || other_doc
}

/// The where-clause that finds a payment's document's payments.
fn lookup_clause(p: &PayRow) -> String {
    let side = if p.credit { "CreditNote" } else { "Invoice" };
    match &p.target {
        PayTarget::Id(id) => format!("{side}.{side}ID==guid({})", where_literal(id)),
        // UNVERIFIED: filtering payments on the document's number; an answer that cannot be
        // matched leaves the payment to be sent again only when nothing matches.
        PayTarget::Number(n) => format!("{side}.{side}Number=={}", where_literal(n)),
        // Never sent: a document of the run is paid by id once exported.
        PayTarget::Doc(_) => {
            format!("{side}.{side}ID==guid(\"00000000-0000-0000-0000-000000000000\")")
        }
    }
}

/// `{"Invoice":{"InvoiceID":…},"Account":{"AccountID":…},"Date":…,"Amount":…,…}`.
fn payment_element(p: &PayRow) -> String {
    let mut out = String::with_capacity(200);
    let mut o = Object::open(&mut out);
    let side = if p.credit { "CreditNote" } else { "Invoice" };
    let mut doc = Object::open(o.key(side));
    match &p.target {
        PayTarget::Id(id) => doc.str(&format!("{side}ID"), id),
        PayTarget::Number(n) => doc.str(&format!("{side}Number"), n),
        PayTarget::Doc(_) => {}
    }
    doc.close();
    let mut account = Object::open(o.key("Account"));
    account.str(p.account.0, &p.account.1);
    account.close();
    if let Some(d) = p.date {
        o.str("Date", &d.to_string());
    }
    o.money("Amount", p.amount, 2);
    o.opt_number("CurrencyRate", p.rate);
    o.opt_str("Reference", p.reference.as_deref());
    o.close();
    out
}

/// What is due on an unchanged update of the plan (one not sent, so no answer of Xero's
/// tells), and its status: from the document the host passed as `xero.document`. Without
/// them nothing says whether Xero would take the payment, so it is refused, saying what to
/// pass.
fn held_due(
    x: &super::tables::Doc,
    credit: bool,
    source: &str,
    at: &Path,
    issues: &mut Vec<Issue>,
) -> Option<(Decimal, String)> {
    let held = x.xero.as_ref();
    let status = held.and_then(|h| h.status.clone());
    let due = held.and_then(|h| h.due(credit, true));
    let (due_field, get) = if credit {
        ("RemainingCredit", "GET /CreditNotes/{id}")
    } else {
        ("AmountDue", "GET /Invoices/{id}")
    };
    let lacking: Vec<&str> = [(status.is_none(), "Status"), (due.is_none(), due_field)]
        .into_iter()
        .filter_map(|(missing, name)| missing.then_some(name))
        .collect();
    if let (Some(due), Some(status)) = (due, status) {
        return Some((due, status));
    }
    issues.push(Issue::error(IssueCode::PaymentTargetUnknown, at.field("sourceId"), format!("\"{}\" is an unchanged update (not sent), so what is due on it comes from its xero.document, which has no {}: pass the element of {get} as Xero returns it, or pay it by its Xero `id` with `amountDue` and `status`.", crate::money::shown(source), lacking.join(" or "))));
    None
}

/// A document in Xero: by id (else number), with what the host knows is due on it.
#[allow(clippy::type_complexity)]
fn xero_target(
    doc: &PaidDocument,
    at: &Path,
    issues: &mut Vec<Issue>,
) -> Option<(PayTarget, String, Option<Decimal>, String, String)> {
    let id = doc.id.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let number = doc
        .number
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(i) = id.filter(|i| !crate::sync::input::is_uuid(i)) {
        issues.push(Issue::error(IssueCode::XeroIdInvalid, at.field("id"), format!("\"{}\" is not a Xero id (a UUID such as 243c8f5e-...-b5a1): Xero would refuse the whole PUT /Payments it is in. Pass the id Xero gave the document, or its `number`.", crate::money::shown(i))));
        return None;
    }
    let (target, key) = match (id, number) {
        (Some(i), _) => (
            PayTarget::Id(i.to_owned()),
            format!("id:{}", i.to_ascii_lowercase()),
        ),
        (None, Some(n)) => (
            PayTarget::Number(n.to_owned()),
            format!("no:{}", crate::names::key(n)),
        ),
        (None, None) => {
            issues.push(Issue::error(IssueCode::PaymentTargetUnknown, at.clone(), "Name the document paid: `sourceId` of an invoice in this plan, or its Xero `id` (or `number`)."));
            return None;
        }
    };
    let due = match &doc.amount_due {
        Some(n) => n.check(at.field("amountDue").as_str(), "amount due", 2, issues),
        None => {
            issues.push(Issue::error(IssueCode::Missing, at.field("amountDue"), "For a document exported earlier, give what is still due on it (`amountDue`, RemainingCredit for a credit note) so an over-payment is caught before sending."));
            None
        }
    };
    let status = doc
        .status
        .as_deref()
        .unwrap_or_default()
        .to_ascii_uppercase();
    let currency = doc
        .currency
        .as_deref()
        .unwrap_or_default()
        .to_ascii_uppercase();
    Some((target, key, due, status, currency))
}

fn check_amount(n: Option<&Num>, path: &Path, issues: &mut Vec<Issue>) -> Option<Decimal> {
    let Some(n) = n else {
        issues.push(Issue::error(
            IssueCode::Missing,
            path.clone(),
            "Each payment needs its `amount`.",
        ));
        return None;
    };
    let v = n.check(path.as_str(), "amount", 2, issues)?;
    if v <= Decimal::ZERO {
        issues.push(Issue::error(IssueCode::PaymentAmountInvalid, path.clone(), format!("The amount {v} is not positive: a payment records money received or paid. Record a refund of a credit note for money going back.")));
        return None;
    }
    if v > Decimal::new(999_999_999_999, 2) {
        issues.push(Issue::error(
            IssueCode::NumberOutOfRange,
            path.clone(),
            "The amount is beyond what Xero accepts (9,999,999,999.99).",
        ));
        return None;
    }
    Some(v)
}

/// The account paid into: in the snapshot, ACTIVE, and able to take payments.
fn check_account(
    p: &PaymentInput,
    path: &Path,
    snapshot: &Snapshot,
    issues: &mut Vec<Issue>,
) -> Option<(&'static str, String)> {
    let at = path.field("account");
    let given = p
        .account
        .as_ref()
        .and_then(|a| a.id.as_deref().or(a.code.as_deref()))
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let Some(given) = given else {
        issues.push(Issue::error(
            IssueCode::Missing,
            at,
            "Each payment needs the `account` it is paid into: {code} or {id} of a bank account.",
        ));
        return None;
    };
    // Without the snapshot's accounts (reported on the snapshot) the account is sent as
    // given, unchecked (issue 18: a missing part skips its checks).
    if snapshot.accounts.is_empty() {
        let by_id = p.account.as_ref().is_some_and(|a| a.id.is_some());
        return Some((if by_id { "AccountID" } else { "Code" }, given.to_owned()));
    }
    let Some(acc) = snapshot.account(given) else {
        issues.push(Issue::error(
            IssueCode::AccountUnknown,
            at,
            format!(
                "Account \"{}\" is not in the organisation's chart of accounts (the snapshot).",
                crate::money::shown(given)
            ),
        ));
        return None;
    };
    let name = acc.name.as_deref().unwrap_or(given).to_owned();
    if !matches!(acc.status.as_deref(), None | Some("ACTIVE")) {
        issues.push(Issue::error(
            IssueCode::AccountArchived,
            at.clone(),
            format!(
                "Account \"{name}\" is {} in Xero: payments go to ACTIVE accounts only.",
                acc.status.as_deref().unwrap_or_default()
            ),
        ));
    }
    let bank = acc
        .kind
        .as_deref()
        .is_some_and(|k| k.eq_ignore_ascii_case("BANK"));
    if !bank && acc.enable_payments != Some(true) {
        issues.push(Issue::error(IssueCode::PaymentAccountNotAllowed, at, format!("Account \"{name}\" is a {} account without \"Enable payments to this account\": Xero records payments into BANK accounts, or accounts with that setting on.", acc.kind.as_deref().unwrap_or("non-bank"))));
        return None;
    }
    match (&acc.account_id, &acc.code) {
        (Some(id), _) => Some(("AccountID", id.to_string())),
        (None, Some(code)) => Some(("Code", code.to_string())),
        (None, None) => Some(("Code", given.to_owned())),
    }
}

/// A bank account in a third currency: Xero pays a document from an account in the document's
/// currency or the base currency (a foreign document paid from a base-currency account is
/// booked at `currencyRate`; a third currency has no rate to convert by). UNVERIFIED beyond
/// that: the safe rule.
fn check_account_currency(
    p: &PaymentInput,
    snapshot: &Snapshot,
    doc: Option<&str>,
    at: &Path,
    issues: &mut Vec<Issue>,
) {
    let given = p
        .account
        .as_ref()
        .and_then(|a| a.id.as_deref().or(a.code.as_deref()));
    let Some(acc) = given.and_then(|g| snapshot.account(g.trim())) else {
        return;
    };
    let (Some(account), Some(base)) = (acc.currency_code.as_deref(), snapshot.base_currency())
    else {
        return;
    };
    let doc = doc.unwrap_or(base);
    if !account.eq_ignore_ascii_case(base) && !account.eq_ignore_ascii_case(doc) {
        issues.push(Issue::error(IssueCode::PaymentAccountNotAllowed, at.clone(), format!("The account is in {account}, the document in {doc}: pay it from an account in {doc} or in the base currency {base}.")));
    }
}

/// Decimal places Xero keeps of a currency rate ("max length = [18].[6]", reference §2.2): more
/// would be rounded by Xero to another rate than the host booked.
const CURRENCY_RATE_DP: u32 = 6;

/// The currency rate: required for a document in a foreign currency. Xero's spec says only
/// that the rate is "only used for non base currency invoices and credit notes"; what Xero
/// does without one (its own daily rate, UNVERIFIED) would book an exchange gain or loss
/// nobody chose, so the safe rule is to require it.
fn check_rate(
    n: Option<&Num>,
    currency: Option<&str>,
    base: Option<&str>,
    path: &Path,
    issues: &mut Vec<Issue>,
) -> Option<Decimal> {
    let foreign = match (currency, base) {
        (Some(c), Some(b)) => !c.eq_ignore_ascii_case(b),
        _ => false,
    };
    let Some(n) = n else {
        if foreign {
            issues.push(Issue::error(IssueCode::PaymentRateMissing, path.clone(), format!("The document is in {}, not the organisation's {}: give `currencyRate` (units of {} per 1 {}) so the payment is booked at the rate you received it at.", currency.unwrap_or_default(), base.unwrap_or_default(), currency.unwrap_or_default(), base.unwrap_or_default())));
        }
        return None;
    };
    let v = n.check(path.as_str(), "currency rate", CURRENCY_RATE_DP, issues)?;
    if v <= Decimal::ZERO {
        issues.push(Issue::error(
            IssueCode::PaymentAmountInvalid,
            path.clone(),
            "The currency rate must be positive.",
        ));
        return None;
    }
    Some(v)
}

/// Our code for Xero's refusal of a payment.
fn payment_code(text: &str) -> IssueCode {
    let m = text.to_ascii_lowercase();
    if m.contains("exceeds the amount outstanding") {
        IssueCode::PaymentExceedsDue
    } else if m.contains("authorised") || m.contains("authorized") {
        IssueCode::PaymentTargetNotAuthorised
    } else {
        code_for(text)
    }
}
