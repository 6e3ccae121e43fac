//! The answers to document sends (PUT/POST of invoices and credit notes): exported, failed,
//! or uncertain; uncertain new documents are looked up (`lookups.rs`), uncertain updates are
//! sent again.
//!
//! Owns what an answer does to a document's outcome; may not plan lookups itself (it asks
//! `lookups`) nor allocate (it only records that a credit note has an allocation to plan).

use rust_decimal::Decimal;
use serde_json::Value;

use crate::build::totals::TotalsText;
use crate::dates::Date;
use crate::issues::{Issue, IssueCode, Path};
use crate::money::totals::{rounds_to_zero, Discount};
use crate::money::{fixed, fixed_text};
use crate::resolve::tracking::{self, ReturnedDocument};
use crate::send::plan::Request;
use crate::xero::responses::{
    self, decimal_field, element_status, elements, match_elements, request_warnings,
    validation_messages, warnings, ElementStatus, Identity, XeroMessage,
};
use crate::xero::wire::WireDocument;

use super::answers::{self, error_texts, plain_messages, Answer, Class};
use super::requests::RowEnd;
use super::tables::{AllocData, Doc, DocId, DocState, JobKind, JobState, Member};
use super::{js_time, read_xero_doc, Group, OutcomeStatus, Run};

const OTHERS_REJECTED: &str = "Xero rejected the request (HTTP 400) for other documents; whether this one was saved is not documented.";

/// Members of a documents job that an answer left open.
type Open = answers::Open<DocId>;

impl Run {
    pub(super) fn on_documents(&mut self, a: &Answer, group: Group, members: &[DocId]) {
        let mut open = Open::new();
        if let Some(body) = self.read_send(a, members, &mut open, Run::failed_with) {
            self.document_elements(a, group, members, body, &mut open);
        }
        self.documents_left_open(a, group, open);
    }

    /// Reads each element of a documents answer back to its document.
    fn document_elements(
        &mut self,
        a: &Answer,
        group: Group,
        members: &[DocId],
        body: &Value,
        open: &mut Open,
    ) {
        let els = elements(body, group.collection().endpoint()).unwrap_or_default();
        if els.is_empty() && !a.ok_status() {
            let msgs = plain_messages(&error_texts(a.http.unwrap_or(400), body));
            for d in members {
                self.failed_with(a, *d, &msgs);
            }
            return;
        }
        if els.is_empty() {
            open.unsure(members, "Xero's answer has no elements: the response could not be matched to the documents sent.");
            return;
        }
        let ids: Vec<Identity> = self.docs.of(members).map(|x| x.identity.clone()).collect();
        let matched = match_elements(&ids, els, group.collection().number_field(), "Reference");
        let whole = request_warnings(body);
        for (d, hit) in members.iter().zip(matched) {
            match hit.and_then(|e| els.get(e)) {
                Some(el) => self.document_element(a, group, *d, el, &whole, open),
                None => open.uncertain.push((*d, "Xero's answer has no element for this document (matched by number, reference, position): it may or may not have been saved.".into())),
            }
        }
    }

    /// One document and its element; `whole`: the answer's top-level warnings, which every
    /// document the request saved gets.
    fn document_element(
        &mut self,
        a: &Answer,
        group: Group,
        d: DocId,
        el: &Value,
        whole: &[String],
        open: &mut Open,
    ) {
        match element_status(el) {
            // An element of a summarised 400 without its own errors: whether it was saved is
            // not documented.
            ElementStatus::Ok | ElementStatus::Warning if !a.ok_status() => {
                open.uncertain.push((d, OTHERS_REJECTED.into()));
            }
            ElementStatus::Ok | ElementStatus::Warning => self.exported(a, d, el, whole),
            ElementStatus::Error => {
                let msgs = validation_messages(el);
                let was_uncertain = self.docs.get(d).is_some_and(|x| x.was_uncertain);
                let duplicate = msgs
                    .iter()
                    .any(|m| responses::code_for(&m.text) == IssueCode::DuplicateNumber);
                if duplicate && was_uncertain && !group.update() {
                    open.check.push(d);
                    let texts = msgs.iter().map(|m| m.text.clone()).collect();
                    let end = RowEnd::new(OutcomeStatus::Uncertain, texts);
                    self.requests.end_row(a, Member::Doc(d), end);
                } else if msgs.is_empty() && !a.ok_status() {
                    open.uncertain.push((d, OTHERS_REJECTED.into()));
                } else {
                    self.failed_with(a, d, &msgs);
                }
            }
        }
    }

    /// After a documents answer: the uncertain members stay in the job and are looked up (new
    /// documents) or sent again (updates); taken numbers are checked.
    fn documents_left_open(&mut self, a: &Answer, group: Group, open: Open) {
        let keep = open.uncertain_ids();
        if let Some(JobKind::Documents { batch, .. }) = self.jobs.kind_mut(a.job) {
            batch.members.retain(|d| keep.contains(d));
        }
        if !open.check.is_empty() {
            self.start_doc_lookups(None, &open.check, group.collection(), a.now, "Xero says the number is taken after an earlier attempt had no answer: looking it up instead of sending again.");
        }
        if open.uncertain.is_empty() {
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        for (d, reason) in &open.uncertain {
            let end = RowEnd::new(OutcomeStatus::Uncertain, vec![reason.clone()]);
            self.requests.end_row(a, Member::Doc(*d), end);
            self.docs.edit(*d, |x| x.was_uncertain = true);
        }
        if group.update() {
            // An answer that leaves the update open counts as a failed attempt, as no answer
            // does (`read_send` counted that one): `maxAttempts` bounds both.
            if !matches!(a.class, Class::Unanswered(_)) {
                self.jobs.fail(a.job);
            }
            self.resend_updates(a, &open.uncertain);
            return;
        }
        let reason = open
            .uncertain
            .first()
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        let n = self.start_doc_lookups(Some(a.job), &keep, group.collection(), a.now, &reason);
        if let Some(JobKind::Documents { batch, .. }) = self.jobs.kind_mut(a.job) {
            batch.add_lookups(n);
        }
        self.jobs.set(a.job, JobState::Waiting);
    }

    /// Updates are idempotent: send the same update again after a backoff.
    fn resend_updates(&mut self, a: &Answer, uncertain: &[(DocId, String)]) {
        let failures = self.jobs.failures(a.job);
        if failures >= self.limits.max_attempts {
            for (d, reason) in uncertain {
                self.give_up_doc(*d, reason, None);
            }
            self.jobs.set(a.job, JobState::Done);
            return;
        }
        let at = a.now.saturating_add(self.backoff(failures.max(1)));
        self.jobs.set(a.job, JobState::Queued(at));
        for (d, reason) in uncertain {
            self.docs.update(*d, |x, path| {
                x.out.status = OutcomeStatus::Retry;
                x.out.retry_at = Some(js_time(at));
                x.out.issues = vec![Issue::warning(IssueCode::OutcomeUncertain, path, format!("{reason} The update is sent again (the same update twice changes nothing)."))];
            });
        }
    }

    /// Document `d` is in Xero as element `el` (a send's answer or a lookup's find); `whole`:
    /// the top-level warnings of the answer that saved it (none for a lookup's find).
    pub(super) fn exported(&mut self, a: &Answer, d: DocId, el: &Value, whole: &[String]) {
        let Some((id, number, messages)) = self
            .docs
            .update(d, |x, path| record_export(x, el, whole, &path))
        else {
            return;
        };
        let end = RowEnd::new(OutcomeStatus::Exported, messages).found(id, number);
        self.requests.end_row(a, Member::Doc(d), end);
    }

    pub(super) fn failed_with(&mut self, a: &Answer, d: DocId, msgs: &[XeroMessage]) {
        let path = self.docs.path(d);
        let wire = self.docs.get(d).and_then(|x| x.p.wire.as_ref());
        let mut issues: Vec<Issue> = msgs
            .iter()
            .map(|m| {
                let code = responses::code_for(&m.text);
                let p = match (m.at.is_empty(), code) {
                    // The number taken is the host's `number` (whatever Xero calls it).
                    (true, IssueCode::DuplicateNumber) => path.field("number"),
                    (true, _) => path.clone(),
                    (false, _) => path.field(&m.at),
                };
                match zero_line(wire, &m.at) {
                    Some(amount) if ZERO_LINE_MISREAD.contains(&code) => Issue::error(
                        IssueCode::LineAmountRoundsToZero,
                        p,
                        format!("Xero said \"{}\", but this line's amount {amount} rounds to 0.00, which is what Xero refuses. Remove the line or combine it with another.", m.text),
                    ),
                    _ => Issue::error(code, p, m.text.clone()),
                }
            })
            .collect();
        if issues.is_empty() {
            issues.push(Issue::error(
                IssueCode::XeroValidationError,
                path,
                format!(
                    "Xero refused this document without a message (HTTP {}).",
                    a.http.map_or_else(|| "?".to_owned(), |h| h.to_string())
                ),
            ));
        }
        let texts: Vec<String> = issues.iter().map(|i| i.message.clone()).collect();
        self.docs.update(d, |x, _| {
            x.state = DocState::Final;
            x.out.status = OutcomeStatus::Failed;
            x.out.clear_wait();
            x.out.issues = issues;
        });
        self.requests
            .end_row(a, Member::Doc(d), RowEnd::new(OutcomeStatus::Failed, texts));
    }

    /// Leaves a document uncertain for good (no more attempts in this run).
    pub(super) fn give_up_doc(&mut self, d: DocId, reason: &str, lookup: Option<Request>) {
        let max = self.limits.max_attempts;
        self.docs.update(d, |x, path| {
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
        });
    }
}

/// The codes of Xero's misleading messages on a line whose amount rounds to 0.00 ("Account
/// must be valid.", "Tax rate must be valid.").
const ZERO_LINE_MISREAD: [IssueCode; 2] = [IssueCode::AccountUnknown, IssueCode::TaxTypeUnknown];

/// `Some("q × u")` when the message sat on a line (`lines[2]`) of the document as sent whose
/// amount rounds to 0.00. Read from the wire line (amounts as sent), so no run state is added.
fn zero_line(wire: Option<&WireDocument>, at: &str) -> Option<String> {
    let i: usize = at.strip_prefix("lines[")?.strip_suffix(']')?.parse().ok()?;
    let l = wire?.line_items.get(i)?;
    let (q, u) = (l.quantity?, l.unit_amount?);
    let discount = match (l.discount_rate, l.discount_amount) {
        (Some(r), _) => Discount::Rate(r),
        (None, Some(a)) => Discount::Amount(a),
        (None, None) => Discount::None,
    };
    // The wire's unit amount is already at its unitdp: 4 rounds nothing further.
    rounds_to_zero(q, u, 4, discount).then(|| format!("{} × {}", q.normalize(), u.normalize()))
}

/// Records Xero's element on its document: the outcome, what Xero returned, and the
/// allocation a credit note from a negative invoice now needs. Returns the log row's id,
/// number and messages.
fn record_export(
    x: &mut Doc,
    el: &Value,
    whole: &[String],
    path: &Path,
) -> (Option<String>, Option<String>, Vec<String>) {
    let credit = x.p.kind.is_credit();
    let xd = read_xero_doc(el, x.p.kind.collection());
    let totals = [
        decimal_field(el, "SubTotal"),
        decimal_field(el, "TotalTax"),
        decimal_field(el, "Total"),
    ];
    let issues = export_issues(x, el, whole, totals, path);
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
    x.out.date = xd.date;
    x.out.due_date = crate::xero::responses::text_field(el, "DueDate").and_then(Date::parse);
    x.out.clear_wait();
    x.out.issues = issues;
    x.state = DocState::Final;
    if credit {
        x.alloc = AllocData::pending(x.p.credits_invoice_number.as_ref(), xd.id.clone());
        x.out.allocation = x.alloc.as_ref().map(|a| a.out.clone());
    }
    let (id, number) = (xd.id.clone(), xd.number.clone());
    x.xero = Some(xd);
    (id, number, messages)
}

/// Xero's warnings on an exported document (its element's, then those of the whole request
/// it was sent in: Xero does not say which document a top-level warning is about, so each one
/// saved gets it), totals that differ from the preview, and tracking Xero dropped.
fn export_issues(
    x: &Doc,
    el: &Value,
    whole: &[String],
    totals: [Option<Decimal>; 3],
    path: &Path,
) -> Vec<Issue> {
    let mut issues: Vec<Issue> = warnings(el)
        .into_iter()
        .map(|w| Issue::warning(IssueCode::XeroWarning, path.clone(), w))
        .collect();
    issues.extend(whole.iter().map(|w| {
        let message = format!("Xero warned on the whole request this document was sent in (not on this document alone): {w} Check the document in Xero.");
        Issue::warning(IssueCode::XeroWarning, path.clone(), message)
    }));
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
    issues.extend(host_total_met(x, totals[2], path));
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
                path,
            ));
        }
    }
    issues
}

/// When the settings' host totals policy adjusted the document, Xero's returned total must be
/// the host's: the promise the preview made.
fn host_total_met(x: &Doc, total: Option<Decimal>, path: &Path) -> Option<Issue> {
    let a = x.p.adjustment.as_ref()?;
    let host = crate::money::parse_decimal(x.p.host_total.as_deref()?)?;
    let host = if x.p.kind.is_credit() { -host } else { host };
    let total = total?;
    (total != host).then(|| {
        Issue::warning(
            IssueCode::HostTotalNotMet,
            path.field("total"),
            format!("The settings' hostTotal policy ({}) adjusted this document to the host's total {}, but Xero computed {}. Check the document in Xero.", a.mechanism, fixed(host, 2), fixed(total, 2)),
        )
    })
}
