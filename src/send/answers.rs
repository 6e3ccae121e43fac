//! Reading Xero's answers: how a response is classified before its elements are looked at,
//! the answers common to every request (401/403 stops the run, 429 pauses it), the dispatch of
//! everything else to the handler of the job's kind, and retrying a GET that got no usable
//! answer.

use serde_json::Value;

use crate::issues::{Issue, IssueCode, Path};
use crate::xero::responses::{error_message, rate_limit, text_field, HttpResponse, RateLimit};

use super::{js_time, JobKind, JobState, Member, OutcomeStatus, Run};

/// How an answer is read, before looking at its elements.
pub(super) enum Class {
    Auth,
    RateLimited,
    Answer(Value),
    Rejected(Vec<String>),
    Unanswered(String),
}

/// The list a GET should answer with (`key`: `Invoices`, `Contacts`...), or why the answer is
/// unusable (for the retry and the messages). `what` names the request for people ("lookup").
pub(super) fn list_answer(
    class: Class,
    http: Option<u16>,
    key: &str,
    what: &str,
) -> Result<Value, String> {
    match class {
        Class::Answer(b)
            if http.is_some_and(|s| (200..300).contains(&s))
                && b.get(key).is_some_and(Value::is_array) =>
        {
            Ok(b)
        }
        Class::Unanswered(r) => Err(r),
        Class::Rejected(t) => Err(t.join(" ")),
        _ => Err(format!("the {what}'s answer is not Xero's list")),
    }
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
    pub(super) fn on_auth(
        &mut self,
        j: usize,
        rows: &[(Member, usize)],
        resp: &HttpResponse,
        now: i64,
    ) {
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

    pub(super) fn on_rate_limit(
        &mut self,
        j: usize,
        rows: &[(Member, usize)],
        resp: &HttpResponse,
        now: i64,
    ) {
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

    pub(super) fn dispatch(
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
                collection,
                ..
            } => self.on_doc_lookup(j, parent, &members, collection, rows, class, http, now),
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

    /// A GET without a usable answer: retry after a backoff (true), or give up (false).
    pub(super) fn retry_get(
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
}
