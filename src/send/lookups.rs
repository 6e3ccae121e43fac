//! Document lookups after an uncertain answer: the GETs that find documents again (by number,
//! reference, or contact and date), reading their answers, and resending the documents they
//! did not find. Also the duplicate-number check: "Invoice # must be unique" after an attempt
//! without an answer is resolved by a lookup, never by a blind resend.

use serde_json::Value;
use std::collections::BTreeMap;

use crate::dates::Date;
use crate::issues::{Issue, IssueCode};
use crate::names;
use crate::send::plan::{where_literal, Purpose, RequestSpec};
use crate::xero::kind::Collection;
use crate::xero::responses::{decimal_field, text_field, XeroMessage};

use super::answers::{list_answer, Class};
use super::{DocState, JobKind, JobState, Member, OutcomeStatus, Run};

/// How often a duplicate-number check looks before concluding the number is someone else's.
const DUPLICATE_CHECKS: u32 = 3;

impl Run {
    /// Builds the lookups for `docs` and queues them; returns how many.
    pub(super) fn start_doc_lookups(
        &mut self,
        parent: Option<usize>,
        docs: &[usize],
        collection: Collection,
        now: i64,
        reason: &str,
    ) -> u32 {
        let specs = self.lookup_specs(docs, collection);
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
                collection,
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
    fn lookup_specs(
        &self,
        docs: &[usize],
        collection: Collection,
    ) -> Vec<(RequestSpec, Vec<usize>)> {
        let key = collection.endpoint();
        let mut out = Vec::new();
        let mut numbered: Vec<usize> = Vec::new();
        let mut clauses: Vec<(String, usize)> = Vec::new();
        for d in docs {
            let Some(x) = self.docs.get(*d) else { continue };
            if let Some(n) = &x.identity.number {
                if collection == Collection::Invoices && !n.contains(',') {
                    numbered.push(*d);
                } else {
                    clauses.push((
                        format!("{}=={}", collection.number_field(), where_literal(n)),
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
                .map(|x| x.p.source_id.to_string())
                .collect(),
            contacts: Vec::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_doc_lookup(
        &mut self,
        j: usize,
        parent: Option<usize>,
        members: &[usize],
        collection: Collection,
        rows: &[(Member, usize)],
        class: Class,
        http: Option<u16>,
        now: i64,
    ) {
        let body = match list_answer(class, http, collection.endpoint(), "lookup") {
            Ok(b) => b,
            Err(reason) => {
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
        let found_els = body
            .get(collection.endpoint())
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut missing = Vec::new();
        for d in members {
            let hit = self.find_in_lookup(*d, found_els);
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
    fn find_in_lookup<'a>(&self, d: usize, els: &'a [Value]) -> Option<&'a Value> {
        let x = self.docs.get(d)?;
        let kind = x.p.kind.as_str();
        let number_field = x.p.kind.collection().number_field();
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
                (Some(n), _) => text_field(el, number_field).is_some_and(|v| names::same(v, n)),
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
}
