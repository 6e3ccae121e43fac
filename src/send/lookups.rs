//! Document lookups after an uncertain answer: the GETs that find documents again (by number,
//! reference, or contact and date), reading their answers, and resending the documents they
//! did not find. Also the duplicate-number check: "Invoice # must be unique" after an attempt
//! without an answer is resolved by a lookup, never by a blind resend.
//!
//! Owns the lookup jobs and the resend decision of their parent documents job; what a found
//! document becomes is `documents`' business.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::dates::Date;
use crate::issues::{Issue, IssueCode};
use crate::names;
use crate::send::plan::{where_literal, RequestSpec};
use crate::xero::kind::Collection;
use crate::xero::responses::{decimal_field, text_field, XeroMessage};

use super::answers::Answer;
use super::requests::RowEnd;
use super::tables::{Doc, DocId, DocState, JobId, JobKind, JobState, Member};
use super::{OutcomeStatus, Run};

/// How often a duplicate-number check looks before concluding the number is someone else's.
const DUPLICATE_CHECKS: u32 = 3;

impl Run {
    /// Builds the lookups for `docs` and queues them; returns how many.
    pub(super) fn start_doc_lookups(
        &mut self,
        parent: Option<JobId>,
        docs: &[DocId],
        collection: Collection,
        now: i64,
        reason: &str,
    ) -> u32 {
        let specs = self.lookup_specs(docs, collection);
        let failures = parent.map_or(1, |p| self.jobs.failures(p).max(1));
        let at = now.saturating_add(self.backoff(failures));
        let n = u32::try_from(specs.len()).unwrap_or(u32::MAX);
        for (spec, members) in specs {
            let id = self.requests.new_id();
            let request = spec.build(id.clone(), &self.limits.tenant_id, 1);
            for d in &members {
                self.docs.update(*d, |x, path| {
                    x.state = DocState::Lookup;
                    x.out.status = OutcomeStatus::Uncertain;
                    x.out.clear_wait();
                    x.out.lookup = Some(request.clone());
                    x.out.issues = vec![Issue::warning(
                        IssueCode::OutcomeUncertain,
                        path,
                        format!("{reason} The run looks it up in Xero (GET {}) before anything is sent again.", request.url),
                    )];
                });
            }
            let kind = JobKind::DocLookup {
                parent,
                members,
                collection,
                spec,
            };
            let j = self.jobs.queue(kind, at);
            if let Some(job) = self.jobs.get_mut(j) {
                job.reserved = Some(id);
            }
        }
        n
    }

    /// GETs that find documents again: by number (InvoiceNumbers, or CreditNoteNumber in
    /// `where` for credit notes), else by Reference, else by contact and date.
    fn lookup_specs(
        &self,
        docs: &[DocId],
        collection: Collection,
    ) -> Vec<(RequestSpec, Vec<DocId>)> {
        let key = collection.endpoint();
        let mut out = Vec::new();
        let mut numbered: Vec<(&str, DocId)> = Vec::new();
        let mut clauses: Vec<(String, DocId)> = Vec::new();
        for (d, x) in self.docs.pairs(docs) {
            if let Some(n) = &x.identity.number {
                if collection == Collection::Invoices && !n.contains(',') {
                    numbered.push((n, d));
                } else {
                    let field = collection.number_field();
                    clauses.push((format!("{field}=={}", where_literal(n)), d));
                }
            } else if let Some(r) = &x.identity.reference {
                clauses.push((format!("Reference=={}", where_literal(r)), d));
            } else {
                let clause = contact_date_clause(x);
                out.push((self.get_spec(key, vec![("where", clause)], &[d]), vec![d]));
            }
        }
        for chunk in numbered.chunks(40) {
            let numbers: Vec<&str> = chunk.iter().map(|(n, _)| *n).collect();
            let members: Vec<DocId> = chunk.iter().map(|(_, d)| *d).collect();
            let spec = self.get_spec(key, vec![("InvoiceNumbers", numbers.join(","))], &members);
            out.push((spec, members));
        }
        for chunk in clauses.chunks(10) {
            let text: Vec<&str> = chunk.iter().map(|(c, _)| c.as_str()).collect();
            let members: Vec<DocId> = chunk.iter().map(|(_, d)| *d).collect();
            let spec = self.get_spec(key, vec![("where", text.join(" OR "))], &members);
            out.push((spec, members));
        }
        out
    }

    /// A GET of documents with line items (`page=1` makes Xero include them).
    fn get_spec(&self, key: &str, params: Vec<(&str, String)>, docs: &[DocId]) -> RequestSpec {
        let mut query: BTreeMap<String, String> =
            params.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        query.insert("page".into(), "1".into());
        RequestSpec::get(format!("/{key}"), query, self.docs.source_ids(docs))
    }

    pub(super) fn on_doc_lookup(
        &mut self,
        a: &Answer,
        parent: Option<JobId>,
        members: &[DocId],
        collection: Collection,
    ) {
        let found_els = match a.list(collection.endpoint(), "lookup") {
            Ok(els) => els,
            Err(reason) => {
                if !self.retry_get(a, &reason) {
                    self.doc_lookup_gave_up(a, parent, members, &reason);
                }
                return;
            }
        };
        let mut missing = Vec::new();
        for d in members {
            match self.find_in_lookup(*d, found_els) {
                Some(el) => self.exported(a, *d, el, &[]),
                None => missing.push(*d),
            }
        }
        // A duplicate-number check that finds nothing may be early (Xero said the number exists):
        // ask again a few times before concluding the number belongs to another document.
        if parent.is_none() && !missing.is_empty() && self.check_again(a, &missing) {
            return;
        }
        for d in &missing {
            if parent.is_some() {
                let end = RowEnd::new(
                    OutcomeStatus::Retry,
                    vec!["Not in Xero: safe to send again.".into()],
                );
                self.requests.end_row(a, Member::Doc(*d), end);
            } else {
                let msg = XeroMessage {
                    text: "Invoice # must be unique. Xero has a document with this number, but not for this contact and type: another document already uses the number.".into(),
                    at: String::new(),
                };
                self.failed_with(a, *d, &[msg]);
            }
        }
        self.jobs.set(a.job, JobState::Done);
        self.lookup_finished(parent, &missing, a.now);
    }

    /// Gave up on a lookup: its documents stay uncertain, with its last request to check by.
    fn doc_lookup_gave_up(
        &mut self,
        a: &Answer,
        parent: Option<JobId>,
        members: &[DocId],
        reason: &str,
    ) {
        let lookup = self.requests.last_of(a.job);
        for d in members {
            self.give_up_doc(*d, reason, lookup.clone());
        }
        self.lookup_finished(parent, &[], a.now);
    }

    /// A duplicate-number check that found nothing asks again (true) unless it has often.
    fn check_again(&mut self, a: &Answer, missing: &[DocId]) -> bool {
        let failures = self.jobs.failures(a.job) + 1;
        if failures >= DUPLICATE_CHECKS.min(self.limits.max_attempts) {
            return false;
        }
        for d in missing {
            let why = "Not found yet although Xero says the number is taken: asking again.";
            let end = RowEnd::new(OutcomeStatus::Uncertain, vec![why.into()]);
            self.requests.end_row(a, Member::Doc(*d), end);
        }
        let at = a.now.saturating_add(self.backoff(failures));
        if let Some(job) = self.jobs.get_mut(a.job) {
            job.failures = failures;
            job.state = JobState::Queued(at);
            if let JobKind::DocLookup { members: m, .. } = &mut job.kind {
                m.retain(|d| missing.contains(d));
            }
        }
        true
    }

    /// The element of a lookup answer that is this document: same number (else reference,
    /// else contact + date + total), same type, same contact, not deleted or voided, not dated
    /// otherwise; of those, the one dated as sent with the previewed Total, else one dated as
    /// sent, else (no Date in the answer) one with the previewed Total.
    ///
    /// Why the date rules: bill numbers need not be unique (reference §2.2), so a lookup by
    /// number may list a live older bill of the same supplier, even of the same total (a
    /// member paid the same each month). Taken for the one sent, it would be reported exported
    /// under the old bill's id and the new bill never sent. A document just created carries
    /// the Date sent (always sent: the library reads no clock); its Total may differ from the
    /// preview (Xero's word), its Date may not.
    fn find_in_lookup<'a>(&self, d: DocId, els: &'a [Value]) -> Option<&'a Value> {
        let x = self.docs.get(d)?;
        let all: Vec<&Value> = els
            .iter()
            .filter(|el| is_this_document(x, el) && !self.is_other_documents(d, el))
            .filter(|el| !dated_otherwise(x, el))
            .collect();
        let total = |el: &&&Value| decimal_field(el, "Total") == Some(x.p.exact_totals.total);
        all.iter()
            .find(|el| same_date(x, el) && total(el))
            .or_else(|| all.iter().find(|el| same_date(x, el)))
            .or_else(|| all.iter().find(total))
            .copied()
    }

    /// Whether element `el` is already another document of the run (exported as it, or an
    /// update of it): one Xero document answers for one source invoice only.
    fn is_other_documents(&self, d: DocId, el: &Value) -> bool {
        let Some(x) = self.docs.get(d) else {
            return false;
        };
        let Some(id) = text_field(el, x.p.kind.collection().id_field()) else {
            return false;
        };
        self.docs.iter_ids().any(|(e, y)| {
            let known = y.out.xero_id.as_deref().or(y
                .p
                .wire
                .as_ref()
                .and_then(|w| w.xero_id.as_deref()));
            e != d
                && y.p.kind.collection() == x.p.kind.collection()
                && known.is_some_and(|k| k.eq_ignore_ascii_case(id))
        })
    }

    /// A lookup of a documents job finished without finding `missing`: once all of them
    /// have, resend the documents not found.
    fn lookup_finished(&mut self, parent: Option<JobId>, missing: &[DocId], now: i64) {
        let Some(p) = parent else { return };
        let Some(JobKind::Documents { batch, .. }) = self.jobs.kind_mut(p) else {
            return;
        };
        // Resend exactly the documents the lookups did not find, in their original order;
        // those sent too often already stay out.
        if batch.lookup_done(missing).is_none() {
            return;
        }
        let resend = std::mem::take(&mut batch.members);
        let max = self.limits.max_attempts;
        let mut again = Vec::with_capacity(resend.len());
        for d in resend {
            let gave_up = self.docs.get(d).is_some_and(|x| x.out.attempts >= max);
            self.docs.update(d, |x, path| {
                x.out.status = OutcomeStatus::Retry;
                x.out.lookup = None;
                let (state, issue) = if gave_up {
                    (DocState::Final, Issue::error(IssueCode::OutcomeUncertain, path, format!("Sent {max} times without an answer; Xero does not have it (a lookup found nothing), so it is safe to export again later.")))
                } else {
                    (DocState::InJob, Issue::warning(IssueCode::OutcomeUncertain, path, "Not in Xero (the lookup found nothing): sent again."))
                };
                x.state = state;
                x.out.issues = vec![issue];
            });
            if !gave_up {
                again.push(d);
            }
        }
        let state = if again.is_empty() {
            JobState::Done
        } else {
            JobState::Queued(now)
        };
        if let Some(JobKind::Documents { batch, .. }) = self.jobs.kind_mut(p) {
            batch.members = again;
        }
        self.jobs.set(p, state);
    }
}

/// The `where` clause that finds a document with neither number nor reference: its contact
/// and date.
fn contact_date_clause(x: &Doc) -> String {
    let date = x.p.date.map(|d| {
        format!(
            " AND Date==DateTime({}, {:02}, {:02})",
            d.year(),
            d.month(),
            d.day()
        )
    });
    let contact = x.contact_id.clone().unwrap_or_default();
    format!(
        "(Contact.ContactID==guid({}){})",
        where_literal(&contact),
        date.unwrap_or_default()
    )
}

/// Whether a lookup element may be document `x`: same type, contact and identity, not
/// deleted or voided.
fn is_this_document(x: &Doc, el: &Value) -> bool {
    let kind = x.p.kind.as_str();
    let number_field = x.p.kind.collection().number_field();
    let type_ok = text_field(el, "Type").is_none_or(|t| t.eq_ignore_ascii_case(kind));
    let contact_ok = match (
        &x.contact_id,
        el.get("Contact").and_then(|c| text_field(c, "ContactID")),
    ) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => true,
    };
    // A document just sent is neither deleted nor voided: one that is, is an older namesake
    // (bill numbers need not be unique).
    let live = !text_field(el, "Status")
        .is_some_and(|s| s.eq_ignore_ascii_case("DELETED") || s.eq_ignore_ascii_case("VOIDED"));
    let identity_ok = match (&x.identity.number, &x.identity.reference) {
        (Some(n), _) => text_field(el, number_field).is_some_and(|v| names::same(v, n)),
        (None, Some(r)) => text_field(el, "Reference").is_some_and(|v| names::same(v, r)),
        (None, None) => {
            same_date(x, el) && decimal_field(el, "Total") == Some(x.p.exact_totals.total)
        }
    };
    type_ok && contact_ok && live && identity_ok
}

/// Whether a lookup element carries a Date other than the one document `x` was sent with
/// (false when either is unknown).
fn dated_otherwise(x: &Doc, el: &Value) -> bool {
    match (x.p.date, text_field(el, "Date").and_then(Date::parse)) {
        (Some(a), Some(b)) => a != b,
        _ => false,
    }
}

/// Whether a lookup element carries the Date document `x` was sent with (false when either
/// is unknown: nothing then says it is this document).
fn same_date(x: &Doc, el: &Value) -> bool {
    match (x.p.date, text_field(el, "Date").and_then(Date::parse)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}
