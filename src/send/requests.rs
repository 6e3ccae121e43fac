//! Handing out requests: building a job's request from its current members, the ids and
//! backoff, the export log rows each request opens and closes, and the outcomes a call touched.
//!
//! Every answer handler goes through these helpers, so they live in one place.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode};
use crate::issues::Path;
use crate::send::plan::{Purpose, Request, RequestSpec};
use crate::xero::wire;

use super::{
    js_time, ContactUnit, Doc, Issued, Job, JobKind, JobState, LogRow, Member, Outcome,
    OutcomeStatus, Run,
};

impl Run {
    pub(super) fn push_job(&mut self, kind: JobKind) -> usize {
        self.jobs.push(Job {
            kind,
            state: JobState::Queued(i64::MIN),
            failures: 0,
            sends: 0,
            reserved: None,
        });
        self.jobs.len() - 1
    }

    pub(super) fn new_id(&mut self) -> String {
        self.counter += 1;
        format!("r{}", self.counter)
    }

    pub(super) fn backoff(&self, failures: u32) -> i64 {
        let base = i64::try_from(self.limits.backoff_ms).unwrap_or(i64::MAX);
        let factor = 1i64 << failures.saturating_sub(1).min(16);
        base.saturating_mul(factor).min(60_000.max(base))
    }

    /// The request a job sends now, from its current members.
    fn spec_for(&self, job: &JobKind) -> Option<RequestSpec> {
        match job {
            JobKind::Contacts { members, .. } => {
                if members.is_empty() {
                    return None;
                }
                let units: Vec<&ContactUnit> = members
                    .iter()
                    .filter_map(|c| self.contacts.get(*c))
                    .collect();
                let els: Vec<&str> = units.iter().map(|u| u.element.as_str()).collect();
                let mut docs: Vec<usize> = units.iter().flat_map(|u| u.docs.clone()).collect();
                docs.sort_unstable();
                docs.dedup();
                let mut query = BTreeMap::new();
                query.insert("summarizeErrors".to_owned(), "false".to_owned());
                Some(RequestSpec {
                    purpose: Purpose::Contacts,
                    method: "PUT",
                    path: "/Contacts".into(),
                    query,
                    body: Some(wire::envelope("Contacts", &els)),
                    documents: docs
                        .iter()
                        .filter_map(|d| self.docs.get(*d))
                        .map(|x| x.p.source_id.to_string())
                        .collect(),
                    contacts: units.iter().map(|u| u.new.key.clone()).collect(),
                })
            }
            JobKind::Documents { group, members, .. } => {
                let docs: Vec<&Doc> = members.iter().filter_map(|d| self.docs.get(*d)).collect();
                if docs.is_empty() {
                    return None;
                }
                let els: Vec<&str> = docs.iter().filter_map(|x| x.element.as_deref()).collect();
                let mut query = BTreeMap::new();
                query.insert("summarizeErrors".to_owned(), "false".to_owned());
                let dp4 = self.unitdp4
                    || docs
                        .iter()
                        .any(|x| x.p.wire.as_ref().is_some_and(|w| w.needs_unitdp4()));
                if dp4 {
                    query.insert("unitdp".to_owned(), "4".to_owned());
                }
                Some(RequestSpec {
                    purpose: Purpose::Documents,
                    method: group.method(),
                    path: format!("/{}", group.collection().endpoint()),
                    query,
                    body: Some(wire::envelope(group.collection().endpoint(), &els)),
                    documents: docs.iter().map(|x| x.p.source_id.to_string()).collect(),
                    contacts: Vec::new(),
                })
            }
            JobKind::DocLookup { spec, .. }
            | JobKind::ContactLookup { spec, .. }
            | JobKind::AllocTarget { spec, .. }
            | JobKind::Allocate { spec, .. }
            | JobKind::AllocCheck { spec, .. } => Some(spec.clone()),
        }
    }

    fn members_of(job: &JobKind) -> Vec<Member> {
        match job {
            JobKind::Contacts { members, .. } | JobKind::ContactLookup { members, .. } => {
                members.iter().map(|c| Member::Contact(*c)).collect()
            }
            JobKind::Documents { members, .. } | JobKind::DocLookup { members, .. } => {
                members.iter().map(|d| Member::Doc(*d)).collect()
            }
            JobKind::AllocTarget { doc, .. }
            | JobKind::Allocate { doc, .. }
            | JobKind::AllocCheck { doc, .. } => vec![Member::Doc(*doc)],
        }
    }

    pub(super) fn issue(&mut self, j: usize, now: i64) -> Option<Request> {
        let kind = self.jobs.get(j)?.kind.clone();
        let Some(spec) = self.spec_for(&kind) else {
            if let Some(job) = self.jobs.get_mut(j) {
                job.state = JobState::Done;
            }
            return None;
        };
        let reserved = self.jobs.get_mut(j).and_then(|x| x.reserved.take());
        let id = match reserved {
            Some(id) => id,
            None => self.new_id(),
        };
        let job = self.jobs.get_mut(j)?;
        job.sends += 1;
        job.state = JobState::InFlight(id.clone());
        let request = spec.build(id.clone(), &self.limits.tenant_id, job.sends);
        let mut rows = Vec::new();
        for m in Self::members_of(&kind) {
            let (source_id, contact_key, number, payer, doc_kind) = match m {
                Member::Doc(d) => {
                    let Some(x) = self.docs.get_mut(d) else {
                        continue;
                    };
                    if matches!(kind, JobKind::DocLookup { .. })
                        && x.out.status == OutcomeStatus::Uncertain
                    {
                        x.out.lookup = Some(request.clone());
                    }
                    if matches!(kind, JobKind::Documents { .. }) {
                        x.out.attempts += 1;
                        if matches!(
                            x.out.status,
                            OutcomeStatus::Retry | OutcomeStatus::Uncertain
                        ) {
                            x.out.status = OutcomeStatus::Pending;
                            x.out.retry_after = None;
                            x.out.retry_at = None;
                            x.out.limit = None;
                            x.out.lookup = None;
                            x.out.issues.clear();
                        }
                        x.out.request_id = Some(id.clone());
                        self.touched.insert(d);
                    }
                    (
                        Some(x.p.source_id.to_string()),
                        None,
                        x.identity.number.clone(),
                        x.payer.clone(),
                        x.p.kind.as_str(),
                    )
                }
                Member::Contact(c) => {
                    let Some(u) = self.contacts.get_mut(c) else {
                        continue;
                    };
                    if matches!(kind, JobKind::Contacts { .. }) {
                        u.sends += 1;
                    }
                    (
                        None,
                        Some(u.new.key.clone()),
                        u.new.contact.contact_number.clone(),
                        Some(u.new.contact.name.clone()),
                        "CONTACT",
                    )
                }
            };
            let seq = self.log.len();
            self.log.push(LogRow {
                seq,
                request_id: id.clone(),
                purpose: request.purpose,
                source_id,
                contact_key,
                number,
                payer_name: payer,
                kind: doc_kind,
                method: request.method,
                url: request.url.clone(),
                idempotency_key: request.idempotency_key.clone(),
                sent_at: js_time(now),
                finished_at: None,
                status: OutcomeStatus::Pending,
                http_status: None,
                xero_id: None,
                xero_number: None,
                messages: Vec::new(),
            });
            rows.push((m, seq));
        }
        self.issued.insert(
            id,
            Issued {
                job: j,
                request: request.clone(),
                rows,
                done: false,
            },
        );
        Some(request)
    }

    pub(super) fn take_issued(&mut self, id: &str) -> Result<(usize, Vec<(Member, usize)>), Error> {
        let Some(iss) = self.issued.get_mut(id) else {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("No request \"{id}\" was handed out by this run."),
            ));
        };
        if iss.done {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("Request \"{id}\" was already answered: hand each response back once."),
            ));
        }
        iss.done = true;
        Ok((iss.job, iss.rows.clone()))
    }

    pub(super) fn touched_outcomes(&mut self) -> Vec<Outcome> {
        let touched = std::mem::take(&mut self.touched);
        touched
            .into_iter()
            .filter_map(|d| self.docs.get(d).map(|x| x.out.clone()))
            .collect()
    }

    pub(super) fn set_job(&mut self, j: usize, state: JobState) {
        if let Some(job) = self.jobs.get_mut(j) {
            job.state = state;
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_row(
        &mut self,
        rows: &[(Member, usize)],
        m: Member,
        status: OutcomeStatus,
        http: Option<u16>,
        xero_id: Option<String>,
        xero_number: Option<String>,
        messages: Vec<String>,
        now: i64,
    ) {
        let Some(seq) = rows.iter().find(|(x, _)| *x == m).map(|(_, s)| *s) else {
            return;
        };
        if let Some(row) = self.log.get_mut(seq) {
            row.status = status;
            row.http_status = http;
            row.finished_at = Some(js_time(now));
            row.xero_id = xero_id;
            row.xero_number = xero_number;
            row.messages = messages;
        }
    }

    pub(super) fn doc_path(&self, d: usize) -> Path {
        Path::root("invoices").index(self.docs.get(d).map_or(d, |x| x.p.index))
    }
}
