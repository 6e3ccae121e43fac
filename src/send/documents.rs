//! The answers to document sends (PUT/POST of invoices and credit notes): exported, failed,
//! or uncertain; uncertain new documents are looked up (`lookups.rs`), uncertain updates are
//! sent again.

use crate::Text;
use serde_json::Value;

use crate::build::totals::TotalsText;
use crate::issues::{Issue, IssueCode};
use crate::money::{fixed, fixed_text};
use crate::resolve::tracking::{self, ReturnedDocument};
use crate::send::plan::Request;
use crate::xero::responses::{
    self, decimal_field, element_status, elements, match_elements, validation_messages, warnings,
    ElementStatus, Identity, XeroMessage,
};

use super::answers::{error_texts, Class};
use super::{
    js_time, read_xero_doc, AllocData, AllocStage, Allocation, AllocationStatus, DocState, Group,
    JobKind, JobState, Member, OutcomeStatus, Run,
};

impl Run {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_documents(
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
                let els = elements(&body, group.collection().endpoint()).unwrap_or_default();
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
                        match_elements(&ids, els, group.collection().number_field(), "Reference");
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
                                    responses::code_for(&m.text) == IssueCode::DuplicateNumber
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
            self.start_doc_lookups(None, &dup_check, group.collection(), now, "Xero says the number is taken after an earlier attempt had no answer: looking it up instead of sending again.");
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
        let n = self.start_doc_lookups(Some(j), &docs, group.collection(), now, &reason);
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

    pub(super) fn exported(
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
        let xd = read_xero_doc(el, x.p.kind.collection());
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
                sub_total: fixed_text(s, 2),
                total_tax: fixed_text(t, 2),
                total: fixed_text(tt, 2),
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
            if let Some(n) = x.p.credits_invoice_number.as_ref().map(Text::to_string) {
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

    pub(super) fn failed_with(
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
                Issue::error(responses::code_for(&m.text), p, m.text.clone())
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
    pub(super) fn give_up_doc(&mut self, d: usize, reason: &str, lookup: Option<Request>) {
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
}
