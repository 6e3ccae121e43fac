//! Credit-note allocations: once a credit note from a negative invoice is AUTHORISED and its
//! invoice is known (exported in the same run, or found by a GET),
//! `PUT /CreditNotes/{id}/Allocations` for the smaller of the credit and the invoice's
//! AmountDue; a lost answer is checked with a GET of the credit note before anything is sent
//! again.

use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::dates::Date;
use crate::issues::{Issue, IssueCode};
use crate::money::fixed;
use crate::names;
use crate::send::plan::{Purpose, RequestSpec};
use crate::xero::kind::Collection;
use crate::xero::responses::{
    decimal_field, element_status, elements, text_field, validation_messages, ElementStatus,
};
use crate::xero::wire::Object;

use super::answers::{list_answer, Class};
use super::outcome::status_word;
use super::{
    read_xero_doc, AllocStage, AllocationStatus, DocState, JobKind, JobState, Member,
    OutcomeStatus, Run, XeroDoc,
};

impl Run {
    /// Plans the allocation of every exported credit note whose invoice is now known.
    pub(super) fn advance_allocations(&mut self, now: i64) {
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
            let counterpart = x.p.kind.invoice_side();
            let number = alloc.out.invoice_number.clone();
            let docs = &self.docs;
            let in_run = self
                .by_number
                .get_or_insert_with(|| {
                    let mut map = std::collections::HashMap::new();
                    for (i, y) in docs.iter().enumerate() {
                        if let (Some(n), false) =
                            (y.identity.number.as_deref(), y.state == DocState::Blocked)
                        {
                            map.entry((y.p.kind.as_str(), names::key(n))).or_insert(i);
                        }
                    }
                    map
                })
                .get(&(counterpart.as_str(), names::key(&number)))
                .copied();
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
                        documents: vec![x.p.source_id.to_string()],
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
        let body = allocation_body(&invoice_id, amount, date);
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        let spec = RequestSpec {
            purpose: Purpose::Allocation,
            method: "PUT",
            path: format!(
                "/CreditNotes/{}/Allocations",
                crate::send::plan::encode(&cn_id)
            ),
            query,
            body: Some(body),
            documents: vec![x.p.source_id.to_string()],
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
    pub(super) fn on_alloc_target(
        &mut self,
        j: usize,
        d: usize,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let path = self.doc_path(d).field("allocation");
        let body = match list_answer(class, http, "Invoices", "lookup") {
            Ok(b) => b,
            Err(reason) => {
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
        let want_type = x.p.kind.invoice_side().as_str();
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
                let target = read_xero_doc(el, Collection::Invoices);
                self.allocate(d, &target, now);
            }
            None => self.alloc_skip(d, Issue::warning(IssueCode::AllocationSkipped, path, format!("Invoice {number} ({want_type}) was not found in Xero, so the credit note was not allocated; the credit stays on the contact's account."))),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_allocate(
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
                let source = self.docs.get(d).map(|x| x.p.source_id.to_string());
                let spec = RequestSpec {
                    purpose: Purpose::Lookup,
                    method: "GET",
                    path: format!("/CreditNotes/{}", crate::send::plan::encode(&cn)),
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
    pub(super) fn on_alloc_check(
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
        let body = match list_answer(class, http, "CreditNotes", "check") {
            Ok(b) => b,
            Err(reason) => {
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

/// The body of `PUT /CreditNotes/{id}/Allocations`, written with the crate's one JSON writer.
/// Date is optional in Xero's Allocation schema: left out when neither side has one, because
/// `"Date":""` is not a date and Xero refuses it.
fn allocation_body(invoice_id: &str, amount: Decimal, date: Option<Date>) -> String {
    let mut out = String::with_capacity(128);
    out.push_str("{\"Allocations\":[");
    let mut el = Object::open(&mut out);
    let mut invoice = Object::open(el.key("Invoice"));
    invoice.str("InvoiceID", invoice_id);
    invoice.close();
    el.money("Amount", amount, 2);
    el.opt_str("Date", date.map(|d| d.to_string()).as_deref());
    el.close();
    out.push_str("]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_body_leaves_out_an_unknown_date() {
        let body = allocation_body("c457", Decimal::new(4025, 0), None);
        assert_eq!(
            body,
            r#"{"Allocations":[{"Invoice":{"InvoiceID":"c457"},"Amount":4025.00}]}"#
        );
        assert!(!body.contains("Date"));
    }

    #[test]
    fn allocation_body_with_a_date_and_an_escaped_id() {
        let date = Date::parse("2024-03-20");
        let body = allocation_body("a\"b", Decimal::new(12345, 3), date);
        assert_eq!(
            body,
            r#"{"Allocations":[{"Invoice":{"InvoiceID":"a\"b"},"Amount":12.35,"Date":"2024-03-20"}]}"#
        );
    }
}
