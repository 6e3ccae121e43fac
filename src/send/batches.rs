//! Building a run: the constructor turns a preview into documents and contacts to create, and
//! packs the contacts into batches; documents are packed into batches (per endpoint and method)
//! as their contact becomes known.
//!
//! Kept apart from the public API in `mod.rs` because it is the one place that knows how a
//! preview maps onto the run's bookkeeping. Plans jobs; never reads an answer.

use crate::Text;
use std::collections::{BTreeSet, HashMap};

use crate::error::{Error, ErrorCode};
use crate::exporter::Exporter;
use crate::input::source::SourceInvoice;
use crate::input::work::Work;
use crate::issues::{Issue, IssueCode};
use crate::names;
use crate::preview::{DocumentPreview, Preview, PreviewOptions};
use crate::resolve::contacts::{ContactRef, NewContact};
use crate::send::plan::{envelope_bytes, pack, PackItem, PlanOptions};
use crate::xero::held::HeldDocument;
use crate::xero::responses::Identity;
use crate::xero::wire::WireContactRef;

use super::allocations::Ledger;
use super::payments::PayContext;
use super::requests::Requests;
use super::tables::{
    AllocData, Batch, ContactId, ContactState, ContactUnit, Contacts, Doc, DocId, DocState, Docs,
    ItemId, ItemUnit, Items, JobKind, Jobs,
};
use super::{Group, Outcome, OutcomeStatus, Run};

impl Run {
    /// Previews `invoices` with `exporter` and plans sending them: the run to drive.
    ///
    /// Errors (misuse): options outside Xero's limits, or no tenant id.
    pub fn new(
        exporter: &Exporter,
        invoices: &[SourceInvoice],
        options: &PlanOptions,
    ) -> Result<Run, Error> {
        Run::build(exporter, invoices, &Work::default(), options)
    }

    /// Plans the host's work: documents to send, cancels and payments (see `cancels`,
    /// `payments`).
    ///
    /// Errors (misuse): options outside Xero's limits, no tenant id, or a key of the work
    /// object this library does not know (`paymnets` would drop every payment silently).
    pub fn with_work(
        exporter: &Exporter,
        work: &Work,
        options: &PlanOptions,
    ) -> Result<Run, Error> {
        if let Some(f) = work.unknown_root.first() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                &format!("work.{}", f.path.as_str()),
                f.describe("key of the work object ({invoices, cancels, payments, people})"),
            ));
        }
        Run::build(exporter, &work.invoices, work, options)
    }

    /// The run of `invoices` (and of `work`'s cancels and payments).
    fn build(
        exporter: &Exporter,
        invoices: &[SourceInvoice],
        work: &Work,
        options: &PlanOptions,
    ) -> Result<Run, Error> {
        // Credit notes that cancel paid documents (opt-in) are documents of the run like the
        // others: previewed, sent, then allocated by the allocation machinery.
        let credit_when_paid = options.cancel.as_ref().is_some_and(|c| c.credit_when_paid);
        let credits: Vec<SourceInvoice> = work
            .cancels
            .iter()
            .filter_map(|c| super::cancels::credit_invoice(c, credit_when_paid))
            .collect();
        let all: std::borrow::Cow<[SourceInvoice]> = if credits.is_empty() {
            std::borrow::Cow::Borrowed(invoices)
        } else {
            std::borrow::Cow::Owned([invoices, &credits].concat())
        };
        // The run needs the wire documents, exact totals and sent tracking, not the display
        // lines or per-document bodies.
        let preview = exporter.preview_planned(
            &all,
            PreviewOptions {
                lines: false,
                bodies: false,
            },
            super::people::people_to_create(exporter, work),
        );
        let mut run = Run::from_preview(preview, options, exporter.settings().unitdp() == 4)?;
        run.hold_unchanged(&all);
        run.add_work(exporter, invoices, work);
        run.add_people(exporter, work);
        let plan = run.plan_hash();
        run.journal = super::durable::Journal::new(options.clone(), plan);
        Ok(run)
    }

    /// Unchanged updates are not sent, yet they are in Xero (the README: "treat it as
    /// exported"): each keeps the document the host passed as `xero.document` as what Xero
    /// holds, so that a payment or allocation of the same plan is checked against its id,
    /// Status and AmountDue (RemainingCredit) as it would be against Xero's answer to a send.
    fn hold_unchanged(&mut self, invoices: &[SourceInvoice]) {
        for d in self.docs.ids() {
            self.docs.edit(d, |x| {
                if x.out.status != OutcomeStatus::Unchanged {
                    return;
                }
                let held = invoices
                    .get(x.p.index)
                    .and_then(|i| i.xero.as_ref())
                    .and_then(|s| s.document.as_ref())
                    .and_then(HeldDocument::read);
                x.xero = held.map(|h| super::held_xero_doc(&h, x.out.xero_id.clone()));
                x.alloc = held_allocation(x);
                x.out.allocation = x.alloc.as_ref().map(|a| a.out.clone());
            });
        }
    }

    /// Adds the cancels and payments of `work`, checked against the run's documents.
    fn add_work(&mut self, exporter: &Exporter, invoices: &[SourceInvoice], work: &Work) {
        if work.cancels.is_empty() && work.payments.is_empty() {
            return;
        }
        let mut by_source = HashMap::new();
        for (d, x) in self.docs.iter_ids() {
            by_source.entry(x.p.source_id.to_string()).or_insert(d);
        }
        let taken: BTreeSet<String> = invoices
            .iter()
            .filter_map(|i| i.id.as_deref().map(str::to_owned))
            .collect();
        self.add_cancels(&work.cancels, &work.unknown_keys, &taken, &by_source);
        // Cancelled documents by source id, and by Xero id (`id:<lower-case id>`).
        let cancelled = work
            .cancels
            .iter()
            .flat_map(|c| {
                let id = c.xero.as_ref().and_then(|x| x.id.as_deref());
                [
                    c.source_id.as_deref().map(str::to_owned),
                    id.map(|i| format!("id:{}", i.trim().to_ascii_lowercase())),
                ]
            })
            .flatten()
            .collect();
        let mut ctx = PayContext::new(exporter.snapshot(), invoices, by_source, cancelled);
        self.add_payments(&work.payments, &work.unknown_keys, &mut ctx);
    }

    /// A run over a preview. `unitdp4`: the settings keep unit amounts at 4 decimals (every
    /// document request then carries `unitdp=4`).
    fn from_preview(preview: Preview, options: &PlanOptions, unitdp4: bool) -> Result<Run, Error> {
        let limits = options.limits()?;
        let mut run = Run {
            limits,
            unitdp4,
            docs: Docs::with_capacity(preview.documents.len()),
            contacts: Contacts::default(),
            items: Items::default(),
            jobs: Jobs::default(),
            requests: Requests::default(),
            stopped: None,
            pause_until: i64::MIN,
            ledger: Ledger::default(),
            cancels: Default::default(),
            payments: Default::default(),
            claimed: BTreeSet::new(),
            journal: Default::default(),
            people: Vec::new(),
        };
        let items_by_source = run.add_items(preview.items);
        let mut by_key = HashMap::new();
        for new in preview.contacts {
            let key = new.key.clone();
            by_key.insert(key, run.contacts.push(contact_unit(new)));
        }
        for p in preview.documents {
            let (state, contact_id, contact) = match (p.blocked || p.wire.is_none(), &p.contact) {
                (true, _) | (_, ContactRef::Unresolved) => (DocState::Blocked, None, None),
                (false, ContactRef::Existing { contact_id: id, .. }) => {
                    (DocState::Ready, Some(id.to_string()), None)
                }
                (false, ContactRef::Create { key, .. }) => match by_key.get(key.as_str()) {
                    Some(c) => (DocState::WaitContact, None, Some(*c)),
                    None => (DocState::Blocked, None, None),
                },
            };
            // An update that changes nothing settles at once: nothing to send.
            let state = if p.unchanged && state != DocState::Blocked {
                DocState::Final
            } else {
                state
            };
            let uses = match state {
                DocState::Ready | DocState::WaitContact => items_by_source
                    .get(p.source_id.as_str())
                    .cloned()
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            let d = run.docs.push(doc_row(p, state, contact_id));
            if let Some(u) = contact.and_then(|c| run.contacts.get_mut(c)) {
                u.docs.push(d);
                u.state = ContactState::InJob;
            }
            run.wait_on_items(d, &uses);
        }
        // Items first, then contacts, then (as they become ready) documents.
        run.pack_items();
        run.pack_contacts();
        Ok(run)
    }

    /// The items to create, each once; returns, per source invoice id, the items it uses.
    fn add_items(
        &mut self,
        items: Vec<crate::resolve::items::NewItem>,
    ) -> HashMap<String, Vec<ItemId>> {
        let mut by_source: HashMap<String, Vec<ItemId>> = HashMap::new();
        for new in items {
            let sources = new.invoices.clone();
            let i = self.items.push(ItemUnit {
                element: serde_json::to_string(&new.item).unwrap_or_else(|_| "{}".into()),
                new,
                docs: Vec::new(),
                state: ContactState::Unused,
                item_id: None,
                was_uncertain: false,
                sends: 0,
            });
            for s in sources {
                by_source.entry(s).or_default().push(i);
            }
        }
        by_source
    }

    /// Document `d` (to be sent) waits on `uses` too: it stays `WaitContact` until they are in.
    fn wait_on_items(&mut self, d: DocId, uses: &[ItemId]) {
        if uses.is_empty() {
            return;
        }
        for i in uses {
            if let Some(u) = self.items.get_mut(*i) {
                u.docs.push(d);
                u.state = ContactState::InJob;
            }
        }
        let n = u32::try_from(uses.len()).unwrap_or(u32::MAX);
        self.docs.edit(d, |x| {
            x.items_waiting = n;
            x.state = DocState::WaitContact;
        });
    }

    /// Items to create, packed like documents (by code), queued ahead of everything else.
    fn pack_items(&mut self) {
        let active: Vec<ItemId> = self
            .items
            .ids()
            .filter(|i| {
                self.items
                    .get(*i)
                    .is_some_and(|u| u.state == ContactState::InJob)
            })
            .collect();
        let packed: Vec<PackItem> = self
            .items
            .of(&active)
            .map(|u| PackItem {
                identity: Some(u.new.key.clone()),
                bytes: u.element.len(),
            })
            .collect();
        let (batches, too_large) = self.pack(&packed, "Items", &active);
        for members in batches {
            self.jobs
                .queue(JobKind::Items(Batch::new(members)), i64::MIN);
        }
        for i in too_large {
            let why = "The item to create for this invoice is larger than the request size limit on its own.";
            self.fail_item(i, OutcomeStatus::Blocked, why);
        }
    }

    /// Contacts to create, packed like documents.
    fn pack_contacts(&mut self) {
        let active: Vec<ContactId> = self
            .contacts
            .ids()
            .filter(|c| {
                self.contacts
                    .get(*c)
                    .is_some_and(|u| u.state == ContactState::InJob)
            })
            .collect();
        self.pack_contact_ids(&active, JobKind::Contacts);
    }

    /// Packs the contacts `active` into jobs made by `kind` (creates, or the people's updates).
    pub(super) fn pack_contact_ids(
        &mut self,
        active: &[ContactId],
        kind: fn(Batch<ContactId>) -> JobKind,
    ) {
        let items: Vec<PackItem> = self
            .contacts
            .of(active)
            .map(|u| PackItem {
                identity: Some(names::key(
                    u.identity.number.as_deref().unwrap_or(&u.new.contact.name),
                )),
                bytes: u.element.len(),
            })
            .collect();
        let (batches, too_large) = self.pack(&items, "Contacts", active);
        for members in batches {
            self.jobs.queue(kind(Batch::new(members)), i64::MIN);
        }
        for c in too_large {
            self.fail_contact(c, OutcomeStatus::Blocked, &|path| {
                vec![Issue::error(IssueCode::RequestTooLarge, path, "The contact to create for this invoice is larger than the request size limit on its own.")]
            });
        }
    }

    /// Packs `members` (whose JSON `items` describe) into batches for endpoint `key`; returns
    /// the batches and the members too large to send even alone.
    fn pack<T: Copy>(&self, items: &[PackItem], key: &str, members: &[T]) -> (Vec<Vec<T>>, Vec<T>) {
        let packed = pack(
            items,
            envelope_bytes(key),
            self.limits.max_documents,
            self.limits.max_bytes,
        );
        let ids = |positions: &[usize]| -> Vec<T> {
            positions
                .iter()
                .filter_map(|b| members.get(*b).copied())
                .collect()
        };
        let batches = packed.batches.iter().map(|b| ids(b)).collect();
        (batches, ids(&packed.too_large))
    }

    /// Batches the documents whose contact is known into document jobs.
    pub(super) fn batch_ready(&mut self) {
        let ready: Vec<DocId> = self
            .docs
            .iter_ids()
            .filter(|(_, x)| x.state == DocState::Ready)
            .map(|(d, _)| d)
            .collect();
        if ready.is_empty() {
            return;
        }
        for d in &ready {
            self.docs.edit(*d, |x| x.element = element_json(x));
        }
        for group in [
            Group::NewInvoices,
            Group::UpdatedInvoices,
            Group::NewCreditNotes,
            Group::UpdatedCreditNotes,
        ] {
            let members: Vec<DocId> = self
                .docs
                .pairs(&ready)
                .filter(|(_, x)| x.group == group)
                .map(|(d, _)| d)
                .collect();
            self.pack_group(group, &members);
        }
    }

    /// Packs ready documents of one group into jobs; a document too large alone is blocked.
    fn pack_group(&mut self, group: Group, members: &[DocId]) {
        let items: Vec<PackItem> = self
            .docs
            .of(members)
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
        let (batches, too_large) = self.pack(&items, group.collection().endpoint(), members);
        for docs in batches {
            for d in &docs {
                self.docs.edit(*d, |x| x.state = DocState::InJob);
            }
            let kind = JobKind::Documents {
                group,
                batch: Batch::new(docs),
            };
            self.jobs.queue(kind, i64::MIN);
        }
        let max = self.limits.max_bytes;
        for d in too_large {
            self.docs.update(d, |x, path| {
                x.state = DocState::Final;
                x.out.status = OutcomeStatus::Blocked;
                x.out.issues = vec![Issue::error(
                    IssueCode::RequestTooLarge,
                    path,
                    format!("This document alone is {} bytes of JSON, over the request limit of {max} bytes: split it into several invoices.", x.element.as_ref().map_or(0, String::len)),
                )];
            });
        }
    }
}

/// A contact to create, with its element written once.
pub(super) fn contact_unit(new: NewContact) -> ContactUnit {
    let identity = Identity {
        number: new.contact.contact_number.clone(),
        reference: Some(new.contact.name.clone()),
    };
    ContactUnit {
        element: serde_json::to_string(&new.contact).unwrap_or_else(|_| "{}".into()),
        new,
        identity,
        docs: Vec::new(),
        state: ContactState::Unused,
        contact_id: None,
        was_uncertain: false,
        sends: 0,
        person: None,
        update: None,
        failure: Vec::new(),
    }
}

/// A document of the run in `state`: blocked ones keep the preview's issues.
fn doc_row(p: DocumentPreview, state: DocState, contact_id: Option<String>) -> Doc {
    let wire = p.wire.as_ref();
    let identity = Identity {
        number: wire
            .and_then(|w| w.invoice_number.as_ref().or(w.credit_note_number.as_ref()))
            .map(Text::to_string),
        reference: wire.and_then(|w| w.reference.as_ref()).map(Text::to_string),
    };
    let payer = match &p.contact {
        ContactRef::Existing { name, .. } => name.as_ref().map(Text::to_string),
        ContactRef::Create { name, .. } => Some(name.to_string()),
        ContactRef::Unresolved => None,
    };
    let blocked = state == DocState::Blocked;
    let unchanged = state == DocState::Final;
    let out = Outcome {
        index: p.index,
        source_id: p.source_id.to_string(),
        number: identity.number.clone(),
        kind: p.kind,
        status: if blocked {
            OutcomeStatus::Blocked
        } else if unchanged {
            OutcomeStatus::Unchanged
        } else {
            OutcomeStatus::Pending
        },
        xero_id: wire
            .and_then(|w| w.xero_id.as_ref())
            .filter(|_| unchanged)
            .map(Text::to_string),
        contact_id: None,
        xero_number: None,
        xero_status: None,
        totals: None,
        amount_due: None,
        date: None,
        due_date: None,
        retry_after: None,
        retry_at: None,
        limit: None,
        lookup: None,
        allocation: None,
        request_id: None,
        attempts: 0,
        issues: if blocked {
            p.issues.clone()
        } else {
            Vec::new()
        },
    };
    Doc {
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
        items_waiting: 0,
        out,
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

/// The allocation an unchanged credit note still owes its invoice ([`Run::hold_unchanged`]):
/// an earlier run's may have been skipped (the invoice was not approved yet) or failed. None
/// when it corrects no invoice, or when Xero holds no credit left on it (used already: nothing
/// to do). Without a held RemainingCredit it is planned, then skipped saying what to pass.
fn held_allocation(x: &Doc) -> Option<AllocData> {
    let used = x.xero.as_ref().and_then(|h| h.remaining_credit);
    if !x.p.kind.is_credit() || used.is_some_and(|r| r <= rust_decimal::Decimal::ZERO) {
        return None;
    }
    let id = x
        .out
        .xero_id
        .clone()
        .or_else(|| x.xero.as_ref()?.id.clone());
    AllocData::pending(x.p.credits_invoice_number.as_ref(), id)
}
