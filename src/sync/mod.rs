//! The status sync: a sans-IO run that reads the host's exported documents back from Xero
//! (status, amounts, payments, credit notes) and reports one change per document that changed.
//!
//! The host drives it exactly like the sending run ([`crate::send`]):
//!
//! ```text
//! let run = SyncRun::new(exported, options)        // exported: [{sourceId, kind?, xero: {id?,
//! while !run.is_done():                            //   number?}, known?: {status, amounts}}]
//!     for request in run.next(now):                // GETs, at most maxConcurrent in flight
//!         perform it; run.handle(request.id, response, now)  → the changes it completed
//!         or run.lost(request.id, now)
//!     if nothing was ready: wait until run.wake_at()
//! run.changes(), run.issues(), run.log(), run.synced_at() (store it as the next `since`)
//! ```
//!
//! The plan is in [`plan`] (which GETs, why `If-Modified-Since` only for documents the host
//! knows, why `page=1`); what is read and compared in [`read`]. Answers:
//! - 200 with the list → each document found is compared with `known`; when the last page of
//!   a GET is in, documents absent from it are `notFound` (GET without `If-Modified-Since`) or
//!   unchanged (with it: Xero lists only what changed since; a 304 says the same);
//! - 401/403 → the run stops (`stopped`); [`SyncRun::resume`] after reconnecting resends;
//! - 429 → every GET pauses for `Retry-After` (the minute, day and app limits), the same GET is
//!   resent after;
//! - 5xx, a body that is not Xero's list, or no answer → the GET is resent after a backoff
//!   (reads are safe to repeat), up to `maxAttempts`; then its documents are reported unread
//!   (`SYNC_READ_FAILED`), never as not found;
//! - another 4xx (Xero refused the query) → its documents are reported unread at once.

pub mod input;
pub mod plan;
pub mod read;

use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::dates::Date;
use crate::error::{Error, ErrorCode};
use crate::issues::{Issue, IssueCode, Path, Severity};
use crate::send::plan::{Request, RequestSpec};
use crate::xero::responses::{error_message, rate_limit, text_field, HttpResponse, RateLimit};

use self::input::{Doc, SyncLimits};
use self::plan::Chunk;
use self::read::{change, read_state, SyncChange, XeroState};

pub use self::input::{ExportedDocument, SyncOptions};

/// What a log row says about its document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SyncRowResult {
    /// Sent, no answer yet.
    Pending,
    /// In the answer.
    Found,
    /// Not in this answer (what that means is in the change, once every page is in).
    Absent,
    /// No usable answer; the GET is sent again.
    Retry,
    /// No usable answer, and no more attempts: the document was not read.
    Failed,
}

/// One row per document per GET, in the order handed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SyncLogRow {
    /// Row number, from 0.
    pub seq: usize,
    /// The request.
    pub request_id: String,
    /// The host's id.
    pub source_id: String,
    /// `path?query`.
    pub url: String,
    /// 1 for the first send of this GET.
    pub attempt: u32,
    /// Host time (ms) it was handed out.
    pub sent_at: i64,
    /// HTTP status of the answer (absent: none yet, or lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<u16>,
    /// What the answer said about this document.
    pub result: SyncRowResult,
    /// Why (retries, failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SyncSummary {
    /// Documents synced (those with input errors left out).
    pub documents: usize,
    /// GETs planned (first pages).
    pub planned: usize,
    /// Requests handed out so far (retries and later pages included).
    pub requests: usize,
    /// Changes found so far.
    pub changes: usize,
    /// Documents read so far (found, or concluded).
    pub read: usize,
    /// Documents that could not be read.
    pub unread: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Queued(i64),
    InFlight,
    Done,
}

struct Query {
    chunk: Chunk,
    page: u32,
    state: State,
    failures: u32,
}

#[derive(Clone, Debug, Default)]
struct DocResult {
    seen: Option<XeroState>,
    ambiguous: bool,
    settled: bool,
    change: Option<SyncChange>,
}

/// The sync run. See the module docs.
pub struct SyncRun {
    limits: SyncLimits,
    docs: Vec<Doc>,
    results: Vec<DocResult>,
    queries: Vec<Query>,
    in_flight: BTreeMap<String, (usize, Vec<usize>)>,
    /// Ids declared lost: a late answer to one is told apart from an unknown id.
    lost: std::collections::BTreeSet<String>,
    log: Vec<SyncLogRow>,
    issues: Vec<Issue>,
    sent: usize,
    pause_until: i64,
    stopped: Option<Issue>,
    synced_at: Option<i64>,
    /// A 304 came without a time (`Date` header): `synced_at` keeps `since`.
    untimed: bool,
}

impl SyncRun {
    /// A run over the host's exported documents (JSON array) with `options` (JSON object).
    ///
    /// Errors (misuse): text that does not have the documented shape, an unknown option,
    /// options beyond Xero's limits.
    pub fn from_json(exported: &str, options: &str) -> Result<SyncRun, Error> {
        let options = input::read_options(options)?;
        let (exported, unknown) = input::read_exported(exported)?;
        let mut run = SyncRun::new(&exported, &options)?;
        let mut issues = unknown;
        issues.append(&mut run.issues);
        run.issues = issues;
        Ok(run)
    }

    /// A run over already-read documents.
    pub fn new(exported: &[ExportedDocument], options: &SyncOptions) -> Result<SyncRun, Error> {
        let limits = options.limits()?;
        let (docs, issues) = input::check(exported);
        let queries = plan::plan(&docs, &limits)
            .into_iter()
            .map(|chunk| Query {
                chunk,
                page: 1,
                state: State::Queued(i64::MIN),
                failures: 0,
            })
            .collect();
        Ok(SyncRun {
            results: vec![DocResult::default(); docs.len()],
            limits,
            docs,
            queries,
            in_flight: BTreeMap::new(),
            lost: Default::default(),
            log: Vec::new(),
            issues,
            sent: 0,
            pause_until: i64::MIN,
            stopped: None,
            synced_at: None,
            untimed: false,
        })
    }

    /// The GETs ready at host time `now` (ms), at most `maxConcurrent` in flight.
    pub fn next(&mut self, now: i64) -> Vec<Request> {
        if self.stopped.is_some() || now < self.pause_until {
            return Vec::new();
        }
        let mut free = self
            .limits
            .run
            .max_concurrent
            .saturating_sub(self.in_flight.len());
        let mut out = Vec::new();
        for q in 0..self.queries.len() {
            if free == 0 {
                break;
            }
            let ready = matches!(self.queries.get(q).map(|x| x.state), Some(State::Queued(at)) if at <= now);
            if ready {
                if let Some(r) = self.send(q, now) {
                    out.push(r);
                    free -= 1;
                }
            }
        }
        out
    }

    fn send(&mut self, q: usize, now: i64) -> Option<Request> {
        let query = self.queries.get_mut(q)?;
        let terms = query.chunk.terms(&self.docs);
        let filter = query.chunk.filter;
        let params = filter.query(&terms, query.page, self.limits.summary_only);
        let sources: Vec<String> = query
            .chunk
            .members
            .iter()
            .filter_map(|m| self.docs.get(*m).map(|d| d.source_id.clone()))
            .collect();
        self.sent += 1;
        let id = format!("sync-{}", self.sent);
        let attempt = query.failures.saturating_add(1);
        let mut request = RequestSpec::get(filter.path().to_owned(), params, sources).build(
            id.clone(),
            &self.limits.run.tenant_id,
            attempt,
        );
        if query.chunk.since {
            if let Some(since) = &self.limits.since {
                request
                    .headers
                    .insert("If-Modified-Since".to_owned(), since.clone());
            }
        }
        query.state = State::InFlight;
        let mut rows = Vec::with_capacity(query.chunk.members.len());
        for source_id in &request.documents {
            rows.push(self.log.len());
            self.log.push(SyncLogRow {
                seq: self.log.len(),
                request_id: id.clone(),
                source_id: source_id.clone(),
                url: request.url.clone(),
                attempt,
                sent_at: now,
                http: None,
                result: SyncRowResult::Pending,
                message: None,
            });
        }
        self.in_flight.insert(id, (q, rows));
        Some(request)
    }

    /// Xero's answer to request `id`; returns the changes it completed.
    ///
    /// Errors (misuse): an unknown id, or an id already answered.
    pub fn handle(
        &mut self,
        id: &str,
        response: &HttpResponse,
        now: i64,
    ) -> Result<Vec<SyncChange>, Error> {
        let (q, rows) = self.take(id)?;
        self.set_rows(&rows, Some(response.status), SyncRowResult::Pending, None);
        match response.status {
            401 | 403 => self.on_auth(q, &rows, response),
            429 => self.on_rate_limit(q, &rows, response, now),
            200..=299 => return Ok(self.on_answer(q, &rows, response, now)),
            304 => return Ok(self.on_not_modified(q, &rows, response, now)),
            400..=499 => {
                let why = response
                    .json()
                    .and_then(|v| error_message(&v))
                    .unwrap_or_else(|| response.snippet());
                return Ok(self.give_up(
                    q,
                    &rows,
                    &format!("Xero refused the GET (HTTP {}): {why}", response.status),
                ));
            }
            _ => {
                let why = format!("HTTP {} {}", response.status, response.snippet());
                return Ok(self.retry(q, &rows, why.trim(), now));
            }
        }
        Ok(Vec::new())
    }

    /// Request `id` got no answer (timeout, dropped connection): it is sent again after a
    /// backoff. Returns the changes it completed (none, unless attempts ran out).
    pub fn lost(&mut self, id: &str, now: i64) -> Result<Vec<SyncChange>, Error> {
        let (q, rows) = self.take(id)?;
        self.lost.insert(id.to_owned());
        Ok(self.retry(q, &rows, "no response (timeout or lost connection)", now))
    }

    fn take(&mut self, id: &str) -> Result<(usize, Vec<usize>), Error> {
        if self.lost.contains(id) {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("Request \"{}\" was declared lost (by `lost`): the sync sends the GET again, so drop this late answer.", crate::money::shown(id)),
            ));
        }
        self.in_flight.remove(id).ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("\"{}\" is not a request of this sync that awaits an answer: pass the `id` of a request returned by next(), once.", crate::money::shown(id)),
            )
        })
    }

    fn set_rows(
        &mut self,
        rows: &[usize],
        http: Option<u16>,
        result: SyncRowResult,
        message: Option<&str>,
    ) {
        for r in rows {
            if let Some(row) = self.log.get_mut(*r) {
                if http.is_some() {
                    row.http = http;
                }
                row.result = result;
                row.message = message.map(str::to_owned);
            }
        }
    }

    fn set_state(&mut self, q: usize, state: State) {
        if let Some(x) = self.queries.get_mut(q) {
            x.state = state;
        }
    }

    fn on_auth(&mut self, q: usize, rows: &[usize], response: &HttpResponse) {
        let detail = response
            .json()
            .and_then(|v| error_message(&v))
            .unwrap_or_else(|| response.snippet());
        let message = format!("Xero answered HTTP {}: the access token is invalid or expired, the tenant is not connected, or the accounting.transactions(.read) scope is missing. The sync stopped; reconnect, then resume it. {detail}", response.status);
        self.set_rows(rows, None, SyncRowResult::Retry, Some(&message));
        self.set_state(q, State::Queued(i64::MIN));
        self.stopped = Some(Issue::error(
            IssueCode::AuthFailed,
            "sync",
            message.trim().to_owned(),
        ));
    }

    fn on_rate_limit(&mut self, q: usize, rows: &[usize], response: &HttpResponse, now: i64) {
        let info = rate_limit(response);
        let wait = i64::try_from(info.retry_after.saturating_mul(1000)).unwrap_or(i64::MAX);
        let at = now.saturating_add(wait);
        if info.limit != RateLimit::Concurrent {
            self.pause_until = self.pause_until.max(at);
        }
        let message = format!(
            "Xero answered 429 (rate limit); the same GET is sent again after {} s.",
            info.retry_after
        );
        self.set_rows(rows, None, SyncRowResult::Retry, Some(&message));
        self.set_state(q, State::Queued(at));
    }

    /// A GET without a usable answer: again after a backoff, or give up.
    fn retry(&mut self, q: usize, rows: &[usize], why: &str, now: i64) -> Vec<SyncChange> {
        let failures = match self.queries.get_mut(q) {
            Some(x) => {
                x.failures = x.failures.saturating_add(1);
                x.failures
            }
            None => return Vec::new(),
        };
        if failures >= self.limits.run.max_attempts {
            return self.give_up(
                q,
                rows,
                &format!("{why}; gave up after {failures} attempts"),
            );
        }
        let shift = failures.saturating_sub(1).min(16);
        let delay = self
            .limits
            .run
            .backoff_ms
            .saturating_mul(1 << shift)
            .min(60_000);
        let at = now.saturating_add(i64::try_from(delay).unwrap_or(60_000));
        self.set_rows(rows, None, SyncRowResult::Retry, Some(why));
        self.set_state(q, State::Queued(at));
        Vec::new()
    }

    /// The GET will not be answered: its documents not settled yet are unread (an issue each).
    fn give_up(&mut self, q: usize, rows: &[usize], why: &str) -> Vec<SyncChange> {
        self.set_rows(rows, None, SyncRowResult::Failed, Some(why));
        self.set_state(q, State::Done);
        let members = self
            .queries
            .get(q)
            .map(|x| x.chunk.members.clone())
            .unwrap_or_default();
        for m in members {
            let (Some(doc), Some(res)) = (self.docs.get(m), self.results.get_mut(m)) else {
                continue;
            };
            if res.settled {
                continue;
            }
            res.settled = true;
            self.issues.push(Issue::error(
                IssueCode::SyncReadFailed,
                Path::root("exported").index(doc.index),
                format!("Could not read this document from Xero ({why}). Nothing is known about it from this sync; sync it again later."),
            ));
        }
        Vec::new()
    }

    fn on_answer(
        &mut self,
        q: usize,
        rows: &[usize],
        response: &HttpResponse,
        now: i64,
    ) -> Vec<SyncChange> {
        let Some(chunk) = self.queries.get(q).map(|x| x.chunk.clone()) else {
            return Vec::new();
        };
        let key = if chunk.filter.credit() {
            "CreditNotes"
        } else {
            "Invoices"
        };
        let body = response.json().map(std::borrow::Cow::into_owned);
        let Some(list) = body
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_array)
        else {
            let why = format!(
                "HTTP {} without Xero's {key} list: {}",
                response.status,
                response.snippet()
            );
            return self.retry(q, rows, &why, now);
        };
        if let Some(t) = body
            .as_ref()
            .and_then(|b| text_field(b, "DateTimeUTC"))
            .and_then(ms_of)
        {
            self.synced_at = Some(self.synced_at.map_or(t, |s| s.min(t)));
        }
        let details = !self.limits.summary_only;
        let states: Vec<XeroState> = list
            .iter()
            .map(|el| read_state(el, chunk.filter.credit(), details))
            .collect();
        for (m, row) in chunk.members.iter().zip(rows) {
            let found = self.match_member(*m, &states, chunk.filter.by_id());
            let result = if found {
                SyncRowResult::Found
            } else {
                SyncRowResult::Absent
            };
            self.set_rows(&[*row], None, result, None);
        }
        let page = self.queries.get(q).map_or(1, |x| x.page);
        let pages = body
            .as_ref()
            .and_then(|b| b.get("pagination"))
            .and_then(|p| p.get("pageCount"))
            .and_then(Value::as_u64)
            .unwrap_or(1);
        if u64::from(page) < pages && page < 10_000 {
            if let Some(x) = self.queries.get_mut(q) {
                x.page = page + 1;
                x.failures = 0;
                x.state = State::Queued(now);
            }
            return Vec::new();
        }
        self.set_state(q, State::Done);
        self.settle(&chunk)
    }

    /// HTTP's own answer to `If-Modified-Since` when nothing changed (Xero documents a 200
    /// with the changed documents; a 304 is taken as the empty list it means). Without the
    /// header a 304 means nothing, and the GET is sent again.
    fn on_not_modified(
        &mut self,
        q: usize,
        rows: &[usize],
        response: &HttpResponse,
        now: i64,
    ) -> Vec<SyncChange> {
        let Some(chunk) = self.queries.get(q).map(|x| x.chunk.clone()) else {
            return Vec::new();
        };
        if !chunk.since {
            return self.retry(q, rows, "HTTP 304 to a GET without If-Modified-Since", now);
        }
        // The 304's time counts as a 200's DateTimeUTC does: without it, a later answer's
        // time would hide a change made between the two to a document of this GET.
        match header(response, "date").and_then(http_date_ms) {
            Some(t) => self.synced_at = Some(self.synced_at.map_or(t, |s| s.min(t))),
            None => self.untimed = true,
        }
        self.set_rows(rows, None, SyncRowResult::Absent, None);
        self.set_state(q, State::Done);
        self.settle(&chunk)
    }

    /// Records the element(s) answering document `m`; true when found.
    fn match_member(&mut self, m: usize, states: &[XeroState], by_id: bool) -> bool {
        let (Some(doc), Some(res)) = (self.docs.get(m), self.results.get_mut(m)) else {
            return false;
        };
        let hits: Vec<&XeroState> = states
            .iter()
            .filter(|s| {
                if by_id {
                    s.id.is_some() && s.id == doc.id
                } else {
                    matches!((&s.number, &doc.number), (Some(a), Some(b)) if a.trim().eq_ignore_ascii_case(b))
                }
            })
            .collect();
        for h in &hits {
            match &res.seen {
                Some(prev) if prev.id != h.id => res.ambiguous = true,
                _ => res.seen = Some((*h).clone()),
            }
        }
        !hits.is_empty()
    }

    /// Every page of `chunk` is in: each member gets its change (or none).
    fn settle(&mut self, chunk: &Chunk) -> Vec<SyncChange> {
        let mut out = Vec::new();
        for m in &chunk.members {
            let (Some(doc), Some(res)) = (self.docs.get(*m), self.results.get_mut(*m)) else {
                continue;
            };
            if res.settled {
                continue;
            }
            res.settled = true;
            if res.ambiguous {
                self.issues.push(Issue::error(
                    IssueCode::SyncAmbiguous,
                    Path::root("exported").index(doc.index).field("xero").field("number"),
                    "More than one document in Xero has this number (bill numbers need not be unique): store the InvoiceID the export returned and sync by it.",
                ));
                continue;
            }
            // With If-Modified-Since, absent = not modified since: no change.
            if res.seen.is_none() && chunk.since {
                continue;
            }
            res.change = change(doc, res.seen.as_ref());
            out.extend(res.change.clone());
        }
        out
    }

    /// One change per document that changed, in input order.
    pub fn changes(&self) -> Vec<SyncChange> {
        // Documents are kept in input order, so their results are too.
        self.results
            .iter()
            .filter_map(|r| r.change.clone())
            .collect()
    }

    /// Problems: input (unknown keys, missing ids, duplicates), documents not read, the stop.
    pub fn issues(&self) -> Vec<Issue> {
        let mut out = self.issues.clone();
        out.extend(self.stopped.clone());
        out
    }

    /// One row per document per GET.
    pub fn log(&self) -> &[SyncLogRow] {
        &self.log
    }

    /// Nothing in flight and nothing left to send (or stopped).
    pub fn is_done(&self) -> bool {
        if !self.in_flight.is_empty() {
            return false;
        }
        self.stopped.is_some() || self.queries.iter().all(|q| q.state == State::Done)
    }

    /// Host time (ms) from which [`SyncRun::next`] has something to send; `None` when nothing
    /// is queued (all in flight, done, or stopped). `0` = now.
    pub fn wake_at(&self) -> Option<i64> {
        if self.stopped.is_some() {
            return None;
        }
        let earliest = self
            .queries
            .iter()
            .filter_map(|q| match q.state {
                State::Queued(at) => Some(at),
                _ => None,
            })
            .min()?;
        Some(
            earliest
                .max(self.pause_until)
                .clamp(0, 9_007_199_254_740_991),
        )
    }

    /// The auth problem that stopped the sync, if any.
    pub fn stopped(&self) -> Option<&Issue> {
        self.stopped.as_ref()
    }

    /// After reconnecting: continue a sync stopped by a 401/403.
    pub fn resume(&mut self) {
        self.stopped = None;
    }

    /// Xero's own time of the earliest answer (a 200's `DateTimeUTC`, a 304's `Date`), as
    /// `YYYY-MM-DDThh:mm:ssZ`: store it as the next sync's `since` once the sync is done.
    /// Xero's clock, not the host's, so clock skew cannot hide a change; the earliest answer,
    /// so nothing between answers is missed. While a document is unread (its GET gave up, the
    /// sync stopped before it, it is ambiguous or left out with an error) or an answer had no
    /// time, the `since` this sync was given (None without one): that document was last read
    /// then, and a later `since` would hide a change made to it before this sync's answers.
    pub fn synced_at(&self) -> Option<String> {
        let unread = self.untimed
            || self.results.iter().any(|r| !r.settled)
            || self.issues.iter().any(|i| i.severity == Severity::Error);
        if unread {
            return self.limits.since.clone();
        }
        self.synced_at.and_then(iso_of_ms)
    }

    /// Counts.
    pub fn summary(&self) -> SyncSummary {
        let unread = self
            .issues
            .iter()
            .filter(|i| i.code == IssueCode::SyncReadFailed)
            .count();
        SyncSummary {
            documents: self.docs.len(),
            planned: self.queries.len(),
            requests: self.sent,
            changes: self.results.iter().filter(|r| r.change.is_some()).count(),
            read: self
                .results
                .iter()
                .filter(|r| r.settled)
                .count()
                .saturating_sub(unread),
            unread,
        }
    }
}

/// Header `name` of `response`, any case, as text.
fn header<'r>(response: &'r HttpResponse, name: &str) -> Option<&'r str> {
    let (_, v) = (response.headers.iter()).find(|(k, _)| k.eq_ignore_ascii_case(name))?;
    v.as_str()
}

/// HTTP's date (`Wed, 01 May 2024 12:00:00 GMT`, RFC 9110's IMF-fixdate, the only form a
/// server sends) → ms since the epoch; `None` for anything else, which keeps `since`.
fn http_date_ms(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, rest) = text.trim().split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? + 1;
    let date = Date::new(
        year.parse().ok()?,
        u32::try_from(month).ok()?,
        day.parse().ok()?,
    )?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h @ 0..=23, m @ 0..=59, s @ 0..=60] = hms.as_slice() else {
        return None;
    };
    let secs = date.to_days().checked_mul(86_400)? + h * 3600 + m * 60 + s;
    secs.checked_mul(1000)
}

/// `/Date(ms)/` or `/Date(ms+hhmm)/` → ms since the epoch (UTC).
fn ms_of(text: &str) -> Option<i64> {
    let inner = text.strip_prefix("/Date(")?.strip_suffix(")/")?;
    let end = inner
        .get(1..)?
        .find(['+', '-'])
        .map_or(inner.len(), |i| i + 1);
    inner.get(..end)?.parse().ok()
}

/// ms since the epoch → `YYYY-MM-DDThh:mm:ssZ`.
fn iso_of_ms(ms: i64) -> Option<String> {
    let days = ms.div_euclid(86_400_000);
    let secs = ms.rem_euclid(86_400_000) / 1000;
    let date = Date::from_days(days)?;
    Some(format!(
        "{date}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests;
