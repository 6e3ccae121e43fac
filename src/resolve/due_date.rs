//! Due date: the invoice's own, else the settings' rule (days after the date, or Xero payment
//! terms: the contact's, then the organisation's, then a fallback). Credit notes take only an
//! explicit one. Approval without any due date is an error here, before anything is sent.
//!
//! Reads the resolved contact and the snapshot's terms; computes dates only, never amounts.

use crate::dates::{Date, PaymentTermType};
use crate::input::settings::DueDateRule;
use crate::input::snapshot::{PaymentTerms, RawTerm};
use crate::input::source::non_empty;
use crate::issues::{Issue, IssueCode};
use crate::resolve::contacts::{ContactRef, Planned};
use crate::resolve::Doc;
use crate::xero::kind::DocumentKind;

/// The due date sent, with the issues of an unreadable, early or missing one.
pub(crate) fn resolve(
    doc: &Doc<'_>,
    date: Option<Date>,
    kind: DocumentKind,
    contact: &ContactRef,
    planned: &Planned,
    issues: &mut Vec<Issue>,
) -> Option<Date> {
    let path = doc.path;
    let s = doc.ctx.settings;
    let explicit = non_empty(&doc.inv.due_date);
    let mut due_date = None;
    let before_rule = issues.len();
    if explicit.is_some() {
        let raw = doc.inv.due_date.as_deref().unwrap_or_default();
        due_date = crate::resolve::header::host_date(raw, path.field("dueDate"), issues);
    } else if let (Some(date), false) = (date, kind.is_credit()) {
        due_date = by_rule(doc, date, contact, planned, kind.is_sales(), issues);
    }
    // The rule may have said why it gave no date (a payment term past 9999-12-31): once is enough.
    let explained = issues
        .get(before_rule..)
        .is_some_and(|new| new.iter().any(|i| i.code == IssueCode::DueDateMissing));
    if let (Some(d), Some(due)) = (date, due_date) {
        if due < d {
            issues.push(Issue::warning(
                IssueCode::DueDateBeforeDate,
                path.field("dueDate"),
                format!("The due date {due} is before the invoice date {d}."),
            ));
        }
    }
    if due_date.is_none()
        && s.status.is_approval()
        && !kind.is_credit()
        && date.is_some()
        && explicit.is_none()
        && !explained
    {
        issues.push(Issue::error(IssueCode::DueDateMissing, path.field("dueDate"), format!("{} invoices need a due date and none could be derived: give the invoice a dueDate, or set settings.dueDate (days after, or payment terms with fallbackDays).", s.status.as_str())));
    }
    due_date
}

/// Due date by the settings' rule.
fn by_rule(
    doc: &Doc<'_>,
    date: Date,
    contact: &ContactRef,
    planned: &Planned,
    sales: bool,
    issues: &mut Vec<Issue>,
) -> Option<Date> {
    let snapshot = doc.ctx.snapshot;
    match &doc.ctx.settings.due_date {
        DueDateRule::None => None,
        DueDateRule::DaysAfter { days } => days_after(doc, date, *days, "days", issues),
        DueDateRule::PaymentTerms { fallback_days } => {
            let pick = |terms: Option<&PaymentTerms>| {
                terms
                    .and_then(|t| {
                        if sales {
                            t.sales.as_ref()
                        } else {
                            t.bills.as_ref()
                        }
                    })
                    .and_then(|t| t.term())
            };
            let contact_terms = match contact {
                ContactRef::Existing { contact_id, .. } => snapshot
                    .contact_by_id(contact_id)
                    .and_then(|c| pick(c.payment_terms.as_ref())),
                // A contact still to be created has the terms it is created with (the payer's
                // `paymentTerms`): Xero takes the contact's over the organisation's (H-TERMS).
                ContactRef::Create { key, .. } => planned
                    .contacts
                    .get(key.as_str())
                    .and_then(|c| c.contact.payment_terms.as_ref())
                    .and_then(|t| {
                        if sales {
                            t.sales.as_ref()
                        } else {
                            t.bills.as_ref()
                        }
                    })
                    .and_then(|t| {
                        RawTerm {
                            day: Some(t.day),
                            kind: Some(t.kind.clone()),
                        }
                        .term()
                    }),
                ContactRef::Unresolved => None,
            };
            let org_terms = pick(
                snapshot
                    .organisation
                    .as_ref()
                    .and_then(|o| o.payment_terms.as_ref()),
            );
            match contact_terms.or(org_terms) {
                Some(term) => {
                    let due = term.due_date(date);
                    let month_based = matches!(
                        term.kind,
                        PaymentTermType::OfCurrentMonth | PaymentTermType::OfFollowingMonth
                    );
                    if due.is_none() && month_based && !(1..=31).contains(&term.day) {
                        issues.push(Issue::error(IssueCode::DueDateMissing, doc.path.field("dueDate"), format!("The payment term (day {}, {:?}) does not give a due date: Xero needs a day between 1 and 31 for month-based terms.", term.day, term.kind)));
                    } else if due.is_none() {
                        let what = format!("The payment term (day {}, {:?})", term.day, term.kind);
                        past_last_date(doc, date, &what, issues);
                    }
                    due
                }
                None => {
                    fallback_days.and_then(|d| days_after(doc, date, d, "fallbackDays", issues))
                }
            }
        }
    }
}

/// `days` after `date`, or an issue saying the rule's `field` lands past the last date.
fn days_after(
    doc: &Doc<'_>,
    date: Date,
    days: u32,
    field: &str,
    issues: &mut Vec<Issue>,
) -> Option<Date> {
    let due = date.add_days(i64::from(days));
    if due.is_none() {
        let what = format!("settings.dueDate.{field} ({days})");
        past_last_date(doc, date, &what, issues);
    }
    due
}

/// The issue of a due date rule that lands past 9999-12-31 (no date is later).
fn past_last_date(doc: &Doc<'_>, date: Date, what: &str, issues: &mut Vec<Issue>) {
    issues.push(Issue::error(
        IssueCode::DueDateMissing,
        doc.path.field("dueDate"),
        format!("{what} from the invoice date {date} gives a due date past 9999-12-31, the last date there is: give the invoice a dueDate, or a rule with fewer days."),
    ));
}
