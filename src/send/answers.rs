//! Reading Xero's answers: how a response is classified before its elements are looked at,
//! the answers common to every request (401/403 stops the run, 429 pauses it), the dispatch of
//! everything else to the handler of the job's kind, and retrying a GET that got no usable
//! answer.
//!
//! Owns [`Answer`], the one value every handler reads (job, log rows, class, HTTP status,
//! time), so a handler's signature says only what is specific to it. Reads no element of a
//! send's answer itself: those belong to the handler of the job's kind.

use serde_json::Value;

use crate::issues::{Issue, IssueCode, Path};
use crate::xero::responses::{
    error_message, rate_limit, text_field, HttpResponse, RateLimit, XeroMessage,
};

use super::tables::{DocId, JobId, JobKind, JobState, Member};
use super::{js_time, OutcomeStatus, Run};

/// How an answer is read, before looking at its elements.
pub(super) enum Class {
    Auth,
    RateLimited,
    Answer(Value),
    Rejected(Vec<String>),
    Unanswered(String),
}

/// One answer (or its absence), as every handler reads it: the job it answers, the log rows
/// its request opened, how it was classified, the HTTP status (None: lost) and the host time.
pub(super) struct Answer<'a> {
    pub(super) job: JobId,
    pub(super) rows: &'a [(Member, usize)],
    pub(super) class: Class,
    pub(super) http: Option<u16>,
    pub(super) now: i64,
}

impl Answer<'_> {
    /// A 2xx status: what Xero says about elements is final only then.
    pub(super) fn ok_status(&self) -> bool {
        self.http.is_some_and(|s| (200..300).contains(&s))
    }

    /// The documents of the request's log rows.
    pub(super) fn docs(&self) -> Vec<DocId> {
        self.rows
            .iter()
            .filter_map(|(m, _)| match m {
                Member::Doc(d) => Some(*d),
                Member::Contact(_) | Member::Item(_) | Member::Cancel(_) | Member::Payment(_) => {
                    None
                }
            })
            .collect()
    }

    /// The list a GET should answer with (`key`: `Invoices`, `Contacts`...), or why the answer
    /// is unusable (for the retry and the messages). `what` names the request for people.
    pub(super) fn list(&self, key: &str, what: &str) -> Result<&[Value], String> {
        let list = match &self.class {
            Class::Answer(b) if self.ok_status() => b.get(key).and_then(Value::as_array),
            _ => None,
        };
        match (list, &self.class) {
            (Some(els), _) => Ok(els),
            (None, Class::Unanswered(r)) => Err(r.clone()),
            (None, Class::Rejected(t)) => Err(t.join(" ")),
            (None, _) => Err(format!("the {what}'s answer is not Xero's list")),
        }
    }
}

/// What an answer to a send left open: members whose fate is unknown (with why), and
/// members to check with a lookup before anything else (a number or name Xero says is taken
/// after an attempt without an answer).
pub(super) struct Open<T> {
    pub(super) uncertain: Vec<(T, String)>,
    pub(super) check: Vec<T>,
}

impl<T: Copy> Open<T> {
    pub(super) fn new() -> Self {
        Open {
            uncertain: Vec::new(),
            check: Vec::new(),
        }
    }

    pub(super) fn unsure(&mut self, members: &[T], reason: &str) {
        self.uncertain
            .extend(members.iter().map(|m| (*m, reason.to_owned())));
    }

    /// The uncertain members, without their reasons.
    pub(super) fn uncertain_ids(&self) -> Vec<T> {
        self.uncertain.iter().map(|(m, _)| *m).collect()
    }
}

/// Texts as Xero messages without a field (a rejected request, an error body).
pub(super) fn plain_messages(texts: &[String]) -> Vec<XeroMessage> {
    texts
        .iter()
        .map(|t| XeroMessage {
            text: t.clone(),
            at: String::new(),
        })
        .collect()
}

/// What a refusal without any message says instead (None when Xero gave messages), so a
/// failed outcome always carries an issue.
pub(super) fn refused_without_message(
    a: &Answer,
    msgs: &[XeroMessage],
) -> Option<Vec<XeroMessage>> {
    msgs.is_empty().then(|| {
        plain_messages(&[format!(
            "no message given (HTTP {}).",
            a.http.map_or_else(|| "?".to_owned(), |h| h.to_string())
        )])
    })
}

pub(super) fn classify(resp: &HttpResponse) -> Class {
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
pub(super) fn error_texts(status: u16, body: &Value) -> Vec<String> {
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

impl Run {
    pub(super) fn on_auth(&mut self, a: &Answer, resp: &HttpResponse) {
        let detail = resp
            .json()
            .and_then(|v| error_message(&v))
            .unwrap_or_else(|| resp.snippet());
        let message = format!("Xero answered HTTP {} ({}): the access token is invalid or expired, the tenant is not connected, or a scope is missing. The run stopped; nothing of this request was saved. Reconnect, then resume the run.{}", resp.status, if resp.status == 401 { "unauthorised" } else { "forbidden" }, if detail.is_empty() { String::new() } else { format!(" Xero said: {detail}") });
        self.stopped = Some(Issue::error(IssueCode::AuthFailed, "run", message.clone()));
        self.jobs.set(a.job, JobState::Queued(i64::MIN));
        self.requests.end_rows(a, OutcomeStatus::Retry, &message);
        // Every document not answered yet now waits for the host to reconnect.
        self.docs.update_all(|x| {
            if x.out.status != OutcomeStatus::Pending {
                return false;
            }
            x.out.status = OutcomeStatus::Retry;
            x.out.issues = vec![Issue::error(
                IssueCode::AuthFailed,
                Path::root("invoices").index(x.p.index),
                message.clone(),
            )];
            true
        });
    }

    pub(super) fn on_rate_limit(&mut self, a: &Answer, resp: &HttpResponse) {
        let info = rate_limit(resp);
        let wait_ms = i64::try_from(info.retry_after.saturating_mul(1000)).unwrap_or(i64::MAX);
        let at = a.now.saturating_add(wait_ms);
        if info.limit != RateLimit::Concurrent {
            self.pause_until = self.pause_until.max(at);
        }
        self.jobs.set(a.job, JobState::Queued(at));
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
        self.requests.end_rows(a, OutcomeStatus::Retry, &message);
        // The documents sent, and those waiting for a contact caught in the 429, say so.
        let waiting = match self.jobs.get(a.job).map(|x| &x.kind) {
            Some(JobKind::Documents { .. }) => a.docs(),
            Some(JobKind::Contacts(batch)) => self.contacts.docs_of(&batch.members),
            Some(JobKind::Items(batch)) => self.items.docs_of(&batch.members),
            _ => Vec::new(),
        };
        for d in waiting {
            self.docs.update(d, |x, path| {
                x.out.status = OutcomeStatus::Retry;
                x.out.retry_after = Some(info.retry_after);
                x.out.retry_at = Some(js_time(at));
                x.out.limit = Some(info.limit);
                x.out.issues = vec![Issue::warning(
                    IssueCode::RateLimited,
                    path,
                    message.clone(),
                )];
            });
        }
    }

    pub(super) fn dispatch(&mut self, a: &Answer) {
        let Some(kind) = self.jobs.get(a.job).map(|x| x.kind.clone()) else {
            return;
        };
        match kind {
            JobKind::Documents { group, batch } => self.on_documents(a, group, &batch.members),
            JobKind::Contacts(batch) => self.on_contacts(a, &batch.members),
            JobKind::ContactUpdates(batch) => self.on_contact_updates(a, &batch.members),
            JobKind::Items(batch) => self.on_items(a, &batch.members),
            JobKind::ItemLookup {
                parent, members, ..
            } => self.on_item_lookup(a, parent, &members),
            JobKind::DocLookup {
                parent,
                members,
                collection,
                ..
            } => self.on_doc_lookup(a, parent, &members, collection),
            JobKind::ContactLookup {
                parent, members, ..
            } => self.on_contact_lookup(a, parent, &members),
            JobKind::AllocTarget { doc, .. } => self.on_alloc_target(a, doc),
            JobKind::Allocate { doc, .. } => self.on_allocate(a, doc),
            JobKind::AllocCheck { doc, allocate, .. } => self.on_alloc_check(a, doc, allocate),
            JobKind::Cancels { collection, batch } => {
                self.on_cancels(a, collection, &batch.members);
            }
            JobKind::CancelLookup {
                parent,
                members,
                collection,
                ..
            } => self.on_cancel_lookup(a, parent, &members, collection),
            JobKind::Payments(batch) => self.on_payments(a, &batch.members),
            JobKind::PaymentLookup {
                parent, members, ..
            } => self.on_payment_lookup(a, parent, &members),
        }
    }

    /// What every send's answer does alike: a rejected request refuses each member (with
    /// `refuse`), no answer leaves them all uncertain. Returns the body whose elements say the
    /// rest.
    pub(super) fn read_send<'a, T: Copy>(
        &mut self,
        a: &'a Answer,
        members: &[T],
        open: &mut Open<T>,
        refuse: fn(&mut Run, &Answer, T, &[XeroMessage]),
    ) -> Option<&'a Value> {
        match &a.class {
            Class::Answer(body) => return Some(body),
            Class::Rejected(texts) => {
                let msgs = plain_messages(texts);
                for m in members {
                    refuse(self, a, *m, &msgs);
                }
            }
            Class::Unanswered(reason) => {
                self.jobs.fail(a.job);
                open.unsure(members, reason);
            }
            Class::Auth | Class::RateLimited => {}
        }
        None
    }

    /// A GET without a usable answer: retry after a backoff (true), or give up (false).
    pub(super) fn retry_get(&mut self, a: &Answer, reason: &str) -> bool {
        let failures = self.jobs.fail(a.job);
        let again = failures < self.limits.max_attempts;
        let status = if again {
            OutcomeStatus::Retry
        } else {
            OutcomeStatus::Uncertain
        };
        self.requests.end_rows(a, status, reason);
        if again {
            let at = a.now.saturating_add(self.backoff(failures));
            self.jobs.set(a.job, JobState::Queued(at));
        } else {
            self.jobs.set(a.job, JobState::Done);
        }
        again
    }
}
