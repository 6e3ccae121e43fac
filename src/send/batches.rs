//! Building a run: the constructor turns a preview into documents and contacts to create, and
//! packs the contacts into batches; documents are packed into batches (per endpoint and method)
//! as their contact becomes known.
//!
//! Kept apart from the public API in `mod.rs` because it is the one place that knows how a
//! preview maps onto the run's bookkeeping.

use crate::Text;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::Error;
use crate::input::source::SourceInvoice;
use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::preview::{Exporter, Preview, PreviewOptions};
use crate::resolve::contacts::ContactRef;
use crate::send::plan::{envelope_bytes, pack, PackItem, PlanOptions};
use crate::xero::responses::Identity;
use crate::xero::wire::WireContactRef;

use super::{
    ContactState, ContactUnit, Doc, DocState, Group, JobKind, Outcome, OutcomeStatus, Run,
};

impl Run {
    /// Previews `invoices` with `exporter` and plans sending them: the run to drive.
    ///
    /// Errors (misuse): options outside Xero's limits, or no tenant id.
    pub fn new(
        exporter: &Exporter,
        invoices: &[SourceInvoice],
        options: &PlanOptions,
    ) -> Result<Run, Error> {
        // The run needs the wire documents, exact totals and sent tracking, not the display
        // lines or per-document bodies.
        let preview = exporter.preview_with(
            invoices,
            PreviewOptions {
                lines: false,
                bodies: false,
            },
        );
        Run::from_preview(preview, options, exporter.settings().unitdp() == 4)
    }

    /// A run over a preview. `unitdp4`: the settings keep unit amounts at 4 decimals (every
    /// document request then carries `unitdp=4`).
    fn from_preview(preview: Preview, options: &PlanOptions, unitdp4: bool) -> Result<Run, Error> {
        let limits = options.limits()?;
        let mut run = Run {
            limits,
            unitdp4,
            docs: Vec::with_capacity(preview.documents.len()),
            contacts: Vec::new(),
            jobs: Vec::new(),
            issued: BTreeMap::new(),
            counter: 0,
            log: Vec::new(),
            stopped: None,
            pause_until: i64::MIN,
            invoice_due: BTreeMap::new(),
            touched: BTreeSet::new(),
            by_number: None,
        };
        let mut by_key = BTreeMap::new();
        for new in preview.contacts {
            by_key.insert(new.key.clone(), run.contacts.len());
            let identity = Identity {
                number: new.contact.contact_number.clone(),
                reference: Some(new.contact.name.clone()),
            };
            run.contacts.push(ContactUnit {
                element: serde_json::to_string(&new.contact).unwrap_or_else(|_| "{}".into()),
                new,
                identity,
                docs: Vec::new(),
                state: ContactState::Unused,
                contact_id: None,
                was_uncertain: false,
                sends: 0,
            });
        }
        for (i, p) in preview.documents.into_iter().enumerate() {
            let identity = Identity {
                number: p
                    .wire
                    .as_ref()
                    .and_then(|w| w.invoice_number.as_ref().or(w.credit_note_number.as_ref()))
                    .map(Text::to_string),
                reference: p
                    .wire
                    .as_ref()
                    .and_then(|w| w.reference.as_ref())
                    .map(Text::to_string),
            };
            let payer = match &p.contact {
                ContactRef::Existing { name, .. } => name.as_ref().map(Text::to_string),
                ContactRef::Create { name, .. } => Some(name.to_string()),
                ContactRef::Unresolved => None,
            };
            let mut contact_id = None;
            let state = if p.blocked || p.wire.is_none() {
                DocState::Blocked
            } else {
                match &p.contact {
                    ContactRef::Existing { contact_id: id, .. } => {
                        contact_id = Some(id.to_string());
                        DocState::Ready
                    }
                    ContactRef::Create { key, .. } => {
                        match by_key
                            .get(key.as_str())
                            .and_then(|c| run.contacts.get_mut(*c))
                        {
                            Some(c) => {
                                c.docs.push(i);
                                c.state = ContactState::InJob;
                                DocState::WaitContact
                            }
                            None => DocState::Blocked,
                        }
                    }
                    ContactRef::Unresolved => DocState::Blocked,
                }
            };
            let out = Outcome {
                index: p.index,
                source_id: p.source_id.to_string(),
                number: identity.number.clone(),
                kind: p.kind,
                status: if state == DocState::Blocked {
                    OutcomeStatus::Blocked
                } else {
                    OutcomeStatus::Pending
                },
                xero_id: None,
                xero_number: None,
                xero_status: None,
                totals: None,
                amount_due: None,
                retry_after: None,
                retry_at: None,
                limit: None,
                lookup: None,
                allocation: None,
                request_id: None,
                attempts: 0,
                issues: if state == DocState::Blocked {
                    p.issues.clone()
                } else {
                    Vec::new()
                },
            };
            run.docs.push(Doc {
                group: Group::of(&p),
                p,
                identity,
                payer,
                contact_id,
                state,
                element: None,
                was_uncertain: false,
                xero: None,
                alloc: None,
                out,
            });
        }
        // Contacts to create, packed like documents.
        let active: Vec<usize> = (0..run.contacts.len())
            .filter(|c| {
                run.contacts
                    .get(*c)
                    .is_some_and(|u| u.state == ContactState::InJob)
            })
            .collect();
        let items: Vec<PackItem> = active
            .iter()
            .filter_map(|c| run.contacts.get(*c))
            .map(|u| PackItem {
                identity: Some(names::key(
                    u.identity.number.as_deref().unwrap_or(&u.new.contact.name),
                )),
                bytes: u.element.len(),
            })
            .collect();
        let packed = pack(
            &items,
            envelope_bytes("Contacts"),
            run.limits.max_documents,
            run.limits.max_bytes,
        );
        for batch in packed.batches {
            let members: Vec<usize> = batch
                .iter()
                .filter_map(|b| active.get(*b).copied())
                .collect();
            run.push_job(JobKind::Contacts {
                members,
                lookups_left: 0,
                missing: Vec::new(),
            });
        }
        for b in packed.too_large {
            if let Some(c) = active.get(b).copied() {
                run.fail_contact(c, OutcomeStatus::Blocked, None, None, 0, Vec::new(), &|path| {
                    vec![Issue::error(IssueCode::RequestTooLarge, path, "The contact to create for this invoice is larger than the request size limit on its own.")]
                });
            }
        }
        Ok(run)
    }

    /// Batches the documents whose contact is known into document jobs.
    pub(super) fn batch_ready(&mut self) {
        let ready: Vec<usize> = (0..self.docs.len())
            .filter(|d| {
                self.docs
                    .get(*d)
                    .is_some_and(|x| x.state == DocState::Ready)
            })
            .collect();
        if ready.is_empty() {
            return;
        }
        for d in &ready {
            let element = self.docs.get(*d).and_then(element_json);
            if let Some(x) = self.docs.get_mut(*d) {
                x.element = element;
            }
        }
        for group in [
            Group::NewInvoices,
            Group::UpdatedInvoices,
            Group::NewCreditNotes,
            Group::UpdatedCreditNotes,
        ] {
            let members: Vec<usize> = ready
                .iter()
                .copied()
                .filter(|d| self.docs.get(*d).is_some_and(|x| x.group == group))
                .collect();
            let items: Vec<PackItem> = members
                .iter()
                .filter_map(|d| self.docs.get(*d))
                .map(|x| PackItem {
                    identity: x.identity.number.as_deref().map(names::key).or_else(|| {
                        x.identity
                            .reference
                            .as_deref()
                            .map(|r| format!("ref:{}", names::key(r)))
                    }),
                    bytes: x.element.as_ref().map_or(0, String::len),
                })
                .collect();
            let packed = pack(
                &items,
                envelope_bytes(group.collection().endpoint()),
                self.limits.max_documents,
                self.limits.max_bytes,
            );
            for batch in packed.batches {
                let docs: Vec<usize> = batch
                    .iter()
                    .filter_map(|b| members.get(*b).copied())
                    .collect();
                for d in &docs {
                    if let Some(x) = self.docs.get_mut(*d) {
                        x.state = DocState::InJob;
                    }
                }
                self.push_job(JobKind::Documents {
                    group,
                    members: docs,
                    lookups_left: 0,
                    missing: Vec::new(),
                });
            }
            for b in packed.too_large {
                if let Some(d) = members.get(b).copied() {
                    let max = self.limits.max_bytes;
                    if let Some(x) = self.docs.get_mut(d) {
                        x.state = DocState::Final;
                        x.out.status = OutcomeStatus::Blocked;
                        x.out.issues = vec![Issue::error(
                            IssueCode::RequestTooLarge,
                            Path::root("invoices").index(x.p.index),
                            format!("This document alone is {} bytes of JSON, over the request limit of {max} bytes: split it into several invoices.", x.element.as_ref().map_or(0, String::len)),
                        )];
                        self.touched.insert(d);
                    }
                }
            }
        }
    }
}

/// The JSON element of a document with its contact filled in (and its id, for updates).
fn element_json(x: &Doc) -> Option<String> {
    let wire = x.p.wire.as_ref()?;
    let json = match (&wire.contact, &x.contact_id) {
        (WireContactRef::Pending(_), Some(id)) => {
            let mut w = wire.clone();
            w.contact = WireContactRef::Id(Text::new(id));
            w.to_json()
        }
        (WireContactRef::Pending(_), None) => return None,
        (WireContactRef::Id(_), _) => wire.to_json(),
    };
    match &wire.xero_id {
        Some(id) => {
            let rest = json.strip_prefix('{')?;
            let id = serde_json::to_string(id).ok()?;
            let sep = if rest.starts_with('}') { "" } else { "," };
            Some(format!(
                "{{\"{}\":{id}{sep}{rest}",
                x.p.kind.collection().id_field()
            ))
        }
        None => Some(json),
    }
}
