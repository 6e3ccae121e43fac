//! Handing out requests: building a job's request from its current members, the ids and
//! backoff, and the export log rows each request opens and each answer closes.
//!
//! [`Requests`] owns the requests handed out and the export log: every answer handler closes
//! its rows through it, so the log is written in one place. It decides nothing about
//! outcomes; handing a send out resets a retried document's outcome, nothing more.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorCode};
use crate::send::plan::{Purpose, Request, RequestSpec};
use crate::xero::wire;

use super::answers::Answer;
use super::tables::{Batch, ContactId, Doc, ItemId, JobId, JobKind, JobState, Member};
use super::{js_time, LogRow, OutcomeStatus, Run};

/// A request handed out: its job and the log row of each member.
struct Issued {
    job: JobId,
    request: Request,
    rows: Vec<(Member, usize)>,
    done: bool,
    /// It ended without an answer (`lost`, or a resume of a state saved while in flight).
    lost: bool,
}

/// The requests handed out (by id) and the export log.
#[derive(Default)]
pub(super) struct Requests {
    issued: BTreeMap<String, Issued>,
    counter: u64,
    log: Vec<LogRow>,
}

impl Requests {
    pub(super) fn new_id(&mut self) -> String {
        self.counter += 1;
        format!("r{}", self.counter)
    }

    /// How many requests were handed out.
    pub(super) fn count(&self) -> usize {
        self.issued.len()
    }

    pub(super) fn log(&self) -> &[LogRow] {
        &self.log
    }

    /// The last request job `j` sent (the lookup a gave-up document is checked with).
    pub(super) fn last_of(&self, j: JobId) -> Option<Request> {
        self.issued
            .values()
            .filter(|i| i.job == j)
            .max_by_key(|i| i.request.attempt)
            .map(|i| i.request.clone())
    }

    /// Appends the log row of one member of `request`; returns its number.
    fn open_row(&mut self, head: RowHead, request: &Request, now: i64) -> usize {
        let seq = self.log.len();
        self.log.push(LogRow {
            seq,
            request_id: request.id.clone(),
            purpose: request.purpose,
            source_id: head.source_id,
            contact_key: head.contact_key,
            payment_id: head.payment_id,
            number: head.number,
            payer_name: head.payer,
            kind: head.kind,
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
        seq
    }

    /// The job and log rows of request `id`, once (`lost`: it ended without an answer):
    /// answering it twice is misuse.
    pub(super) fn take(
        &mut self,
        id: &str,
        lost: bool,
    ) -> Result<(JobId, Vec<(Member, usize)>), Error> {
        let Some(iss) = self.issued.get_mut(id) else {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("No request \"{id}\" was handed out by this run."),
            ));
        };
        if iss.done && iss.lost {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("Request \"{id}\" was already answered as lost (by `lost`, or by resuming a state saved while it was in flight): the run looks it up or sends it again, so drop this late answer."),
            ));
        }
        if iss.done {
            return Err(Error::new(
                ErrorCode::InvalidState,
                "requestId",
                format!("Request \"{id}\" was already answered: hand each response back once."),
            ));
        }
        iss.done = true;
        iss.lost = lost;
        Ok((iss.job, iss.rows.clone()))
    }

    /// Closes the log row of member `m` of the answered request.
    pub(super) fn end_row(&mut self, a: &Answer, m: Member, end: RowEnd) {
        let Some(seq) = a.rows.iter().find(|(x, _)| *x == m).map(|(_, s)| *s) else {
            return;
        };
        if let Some(row) = self.log.get_mut(seq) {
            row.status = end.status;
            row.http_status = a.http;
            row.finished_at = Some(js_time(a.now));
            row.xero_id = end.xero_id;
            row.xero_number = end.xero_number;
            row.messages = end.messages;
        }
    }

    /// Closes every log row of the answered request with one message.
    pub(super) fn end_rows(&mut self, a: &Answer, status: OutcomeStatus, message: &str) {
        for (m, _) in a.rows {
            self.end_row(a, *m, RowEnd::new(status, vec![message.to_owned()]));
        }
    }
}

/// How an answer closes a log row.
pub(super) struct RowEnd {
    status: OutcomeStatus,
    xero_id: Option<String>,
    xero_number: Option<String>,
    messages: Vec<String>,
}

impl RowEnd {
    pub(super) fn new(status: OutcomeStatus, messages: Vec<String>) -> RowEnd {
        RowEnd {
            status,
            xero_id: None,
            xero_number: None,
            messages,
        }
    }

    /// With the id and number Xero gave (or a lookup found).
    pub(super) fn found(mut self, xero_id: Option<String>, xero_number: Option<String>) -> Self {
        self.xero_id = xero_id;
        self.xero_number = xero_number;
        self
    }
}

/// What a log row says of its member.
struct RowHead {
    source_id: Option<String>,
    contact_key: Option<String>,
    number: Option<String>,
    payer: Option<String>,
    kind: &'static str,
    payment_id: Option<String>,
}

impl Run {
    pub(super) fn backoff(&self, failures: u32) -> i64 {
        let base = i64::try_from(self.limits.backoff_ms).unwrap_or(i64::MAX);
        let factor = 1i64 << failures.saturating_sub(1).min(16);
        base.saturating_mul(factor).min(60_000.max(base))
    }

    /// The request a job sends now, from its current members.
    fn spec_for(&self, job: &JobKind) -> Option<RequestSpec> {
        let mut query = BTreeMap::new();
        match job {
            JobKind::ContactUpdates(Batch { members, .. }) => self.contact_updates_spec(members),
            JobKind::Contacts(Batch { members, .. }) => {
                if members.is_empty() {
                    return None;
                }
                query.insert("summarizeErrors".to_owned(), "false".to_owned());
                let els: Vec<&str> = self
                    .contacts
                    .of(members)
                    .map(|u| u.element.as_str())
                    .collect();
                Some(RequestSpec {
                    purpose: Purpose::Contacts,
                    method: "PUT",
                    path: "/Contacts".into(),
                    query,
                    body: Some(wire::envelope("Contacts", &els)),
                    documents: self.docs.source_ids(&self.contacts.docs_of(members)),
                    contacts: self
                        .contacts
                        .of(members)
                        .map(|u| u.new.key.clone())
                        .collect(),
                    items: Vec::new(),
                })
            }
            JobKind::Items(Batch { members, .. }) => self.items_spec(members),
            JobKind::Documents {
                group,
                batch: Batch { members, .. },
            } => {
                let docs: Vec<&Doc> = self.docs.of(members).collect();
                if docs.is_empty() {
                    return None;
                }
                let els: Vec<&str> = docs.iter().filter_map(|x| x.element.as_deref()).collect();
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
                    items: Vec::new(),
                })
            }
            JobKind::Cancels {
                collection,
                batch: Batch { members, .. },
            } => self.cancel_spec(*collection, members),
            JobKind::Payments(Batch { members, .. }) => self.payment_spec(members),
            JobKind::DocLookup { spec, .. }
            | JobKind::CancelLookup { spec, .. }
            | JobKind::PaymentLookup { spec, .. }
            | JobKind::ContactLookup { spec, .. }
            | JobKind::ItemLookup { spec, .. }
            | JobKind::AllocTarget { spec, .. }
            | JobKind::Allocate { spec, .. }
            | JobKind::AllocCheck { spec, .. } => Some(spec.clone()),
        }
    }

    /// PUT /Items of `members` (None when none is left).
    fn items_spec(&self, members: &[ItemId]) -> Option<RequestSpec> {
        if members.is_empty() {
            return None;
        }
        let mut query = BTreeMap::new();
        query.insert("summarizeErrors".to_owned(), "false".to_owned());
        if self.unitdp4 {
            query.insert("unitdp".to_owned(), "4".to_owned());
        }
        let els: Vec<&str> = self.items.of(members).map(|u| u.element.as_str()).collect();
        Some(RequestSpec {
            purpose: Purpose::Items,
            method: "PUT",
            path: "/Items".into(),
            query,
            body: Some(wire::envelope("Items", &els)),
            documents: self.docs.source_ids(&self.items.docs_of(members)),
            contacts: Vec::new(),
            items: self
                .items
                .of(members)
                .map(|u| u.new.item.code.to_string())
                .collect(),
        })
    }

    fn members_of(job: &JobKind) -> Vec<Member> {
        match job {
            JobKind::Items(Batch { members, .. }) | JobKind::ItemLookup { members, .. } => {
                members.iter().map(|i| Member::Item(*i)).collect()
            }
            JobKind::Contacts(Batch { members, .. })
            | JobKind::ContactUpdates(Batch { members, .. })
            | JobKind::ContactLookup { members, .. } => {
                members.iter().map(|c| Member::Contact(*c)).collect()
            }
            JobKind::Documents {
                batch: Batch { members, .. },
                ..
            }
            | JobKind::DocLookup { members, .. } => {
                members.iter().map(|d| Member::Doc(*d)).collect()
            }
            JobKind::AllocTarget { doc, .. }
            | JobKind::Allocate { doc, .. }
            | JobKind::AllocCheck { doc, .. } => vec![Member::Doc(*doc)],
            JobKind::Cancels {
                batch: Batch { members, .. },
                ..
            }
            | JobKind::CancelLookup { members, .. } => {
                members.iter().map(|c| Member::Cancel(*c)).collect()
            }
            JobKind::Payments(Batch { members, .. }) | JobKind::PaymentLookup { members, .. } => {
                members.iter().map(|p| Member::Payment(*p)).collect()
            }
        }
    }

    /// Hands out job `j`'s request (None: nothing left to send, the job is done).
    pub(super) fn issue(&mut self, j: JobId, now: i64) -> Option<Request> {
        let kind = self.jobs.get(j)?.kind.clone();
        let Some(spec) = self.spec_for(&kind) else {
            self.jobs.set(j, JobState::Done);
            return None;
        };
        let reserved = self.jobs.get_mut(j).and_then(|x| x.reserved.take());
        let id = match reserved {
            Some(id) => id,
            None => self.requests.new_id(),
        };
        let job = self.jobs.get_mut(j)?;
        job.sends += 1;
        job.state = JobState::InFlight(id.clone());
        let request = spec.build(id.clone(), &self.limits.tenant_id, job.sends);
        let mut rows = Vec::new();
        for m in Self::members_of(&kind) {
            let Some(head) = self.hand_out(m, &kind, &request) else {
                continue;
            };
            rows.push((m, self.requests.open_row(head, &request, now)));
        }
        self.requests.issued.insert(
            id,
            Issued {
                job: j,
                request: request.clone(),
                rows,
                done: false,
                lost: false,
            },
        );
        Some(request)
    }

    /// Handing out a contact: a create counts a send.
    fn hand_out_contact(&mut self, c: ContactId, kind: &JobKind) -> Option<RowHead> {
        let u = self.contacts.get_mut(c)?;
        if matches!(kind, JobKind::Contacts(_) | JobKind::ContactUpdates(_)) {
            u.sends += 1;
        }
        Some(RowHead {
            source_id: None,
            contact_key: Some(u.new.key.clone()),
            number: u.new.contact.contact_number.clone(),
            payer: Some(u.new.contact.name.clone()),
            kind: "CONTACT",
            payment_id: None,
        })
    }

    /// Handing out an item to create: a create counts a send; the log row's number is its code.
    fn hand_out_item(&mut self, i: ItemId, kind: &JobKind) -> Option<RowHead> {
        let u = self.items.get_mut(i)?;
        if matches!(kind, JobKind::Items(_)) {
            u.sends += 1;
        }
        Some(RowHead {
            source_id: None,
            contact_key: None,
            number: Some(u.new.item.code.to_string()),
            payer: None,
            kind: "ITEM",
            payment_id: None,
        })
    }

    /// What handing out `request` does to member `m`: a document send counts an attempt and
    /// clears what a retry said; a lookup becomes the document's `lookup`.
    fn hand_out(&mut self, m: Member, kind: &JobKind, request: &Request) -> Option<RowHead> {
        match m {
            Member::Doc(d) => {
                let lookup = matches!(kind, JobKind::DocLookup { .. });
                let send = matches!(kind, JobKind::Documents { .. });
                let change = |x: &mut Doc| {
                    if lookup && x.out.status == OutcomeStatus::Uncertain {
                        x.out.lookup = Some(request.clone());
                    }
                    if send {
                        x.out.attempts += 1;
                        if matches!(
                            x.out.status,
                            OutcomeStatus::Retry | OutcomeStatus::Uncertain
                        ) {
                            x.out.status = OutcomeStatus::Pending;
                            x.out.clear_wait();
                            x.out.issues.clear();
                        }
                        x.out.request_id = Some(request.id.clone());
                    }
                    RowHead {
                        source_id: Some(x.p.source_id.to_string()),
                        contact_key: None,
                        number: x.identity.number.clone(),
                        payer: x.payer.clone(),
                        kind: x.p.kind.as_str(),
                        payment_id: None,
                    }
                };
                if send {
                    self.docs.update(d, |x, _| change(x))
                } else {
                    self.docs.edit(d, change)
                }
            }
            Member::Contact(c) => self.hand_out_contact(c, kind),
            Member::Item(i) => self.hand_out_item(i, kind),
            Member::Cancel(c) => {
                let send = matches!(kind, JobKind::Cancels { .. });
                let (source_id, number, kind) = self.hand_out_cancel(c, send, request)?;
                Some(RowHead {
                    source_id: Some(source_id),
                    contact_key: None,
                    number,
                    payer: None,
                    kind,
                    payment_id: None,
                })
            }
            Member::Payment(y) => {
                let send = matches!(kind, JobKind::Payments(_));
                let (id, source_id) = self.hand_out_payment(y, send, request)?;
                Some(RowHead {
                    source_id,
                    contact_key: None,
                    number: None,
                    payer: None,
                    kind: "PAYMENT",
                    payment_id: Some(id),
                })
            }
        }
    }
}
