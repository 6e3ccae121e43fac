//! The exporter: the one type that holds what a batch is previewed against (the parsed snapshot
//! and settings, and what is prepared from them once: templates, tracking lookups) and runs
//! each invoice through the flow: input → [`resolve`] → [`build`] → the [`preview`]'s view
//! model and JSON.
//!
//! Owns the batch (contacts planned across invoices, the summary's counts) and the streaming
//! paths that read, build and write one invoice at a time. Holds no rule of its own: what a
//! document is and which issues it has is decided in `resolve` and `build`. Sending plans are
//! `send`'s: `Exporter::plan` only delegates to `send::Run::new`.
//!
//! [`preview`]: crate::preview

use crate::build;
use crate::input::settings::Settings;
use crate::input::snapshot::Snapshot;
use crate::input::source::SourceInvoice;
use crate::issues::{has_errors, Issue, IssueCode, Path};
use crate::preview::json::{Layout, PreviewWriter};
use crate::preview::results::{BatchPart, Results, Table};
use crate::preview::{DocumentPreview, Preview, PreviewOptions, Summary};
use crate::resolve::contacts::{NewContact, Planned};
use crate::resolve::items::NewItem;
use crate::resolve::numbering::Templates;
use crate::resolve::{self, tracking};
use crate::Text;

/// A snapshot and settings, parsed once; previews any number of invoices.
pub struct Exporter {
    snapshot: Snapshot,
    settings: Settings,
    issues: Vec<Issue>,
    /// InvoiceNumber, Reference and Url templates, split once.
    templates: Templates,
    /// Tracking aliases and mapped options, looked up once.
    tracking: tracking::Prepared,
    /// The snapshot's accounts and tax rates for the settings' codes, looked up once.
    known: resolve::accounts::Known,
    /// What tracking resolution has learnt from earlier previews (see [`tracking::Memo`]):
    /// kept between calls so that a page previewing one invoice per call does not redo it.
    memo: std::cell::RefCell<tracking::Memo>,
    /// The tracking lists the binding's one-call previews have sent, kept between calls (see
    /// [`Exporter::preview_page`]).
    page_lists: std::cell::RefCell<PageLists>,
    /// `issues` as JSON, written once: every preview's batch part repeats it, and a page
    /// previewing one invoice per call would otherwise serialise it on every call.
    issues_json: Option<String>,
    /// Whether `issues` has an error (every document is then blocked).
    settings_blocked: bool,
}

/// What the caller of [`Exporter::preview_page`] holds of the exporter's tracking lists: the
/// table's generation it read them from (0 for none) and how many (entries 0 to `lists - 1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KnownLists {
    /// The generation the text they came from named.
    pub generation: u32,
    /// How many: entries 0 to `lists - 1`.
    pub lists: usize,
}

/// Lists an exporter's table for [`Exporter::preview_page`] holds before it starts again.
pub const PAGE_LISTS_MAX: usize = 1024;

/// The tracking lists [`Exporter::preview_page`] has handed out, and their table's generation
/// (never 0, which a caller holding none gives).
#[derive(Debug)]
struct PageLists {
    generation: u32,
    table: Table,
}

impl Default for PageLists {
    fn default() -> Self {
        PageLists {
            generation: 1,
            table: Table::default(),
        }
    }
}

impl Exporter {
    /// A new exporter; problems with the settings and the snapshot are in [`Exporter::issues`].
    pub fn new(snapshot: Snapshot, settings: Settings) -> Exporter {
        let mut issues = snapshot.issues.clone();
        let p = Path::root("settings");
        for f in &settings.unknown_keys {
            issues.push(Issue::error(
                IssueCode::SettingUnknown,
                f.path.clone(),
                f.describe("setting"),
            ));
        }
        if let Some(dp) = settings.unitdp.filter(|dp| *dp != 2 && *dp != 4) {
            issues.push(Issue::error(IssueCode::SettingsInvalid, p.field("unitdp"), format!("unitdp {dp} is not supported: Xero keeps unit amounts at 2 or 4 decimal places. 2 is used.")));
        }
        if let Some(id) = settings.branding_theme_id.as_deref() {
            if !crate::sync::input::is_uuid(id.trim()) {
                issues.push(Issue::error(IssueCode::SettingsInvalid, p.field("brandingThemeId"), format!("brandingThemeId \"{}\" is not a BrandingThemeID (a UUID such as dfe23d27-a3a6-4ef3-a5ca-b9e02b142dde, from GET /BrandingThemes; not the theme's name). Leave it out for the organisation's default theme.", crate::money::shown(id))));
            }
        }
        issues.extend(settings.unused(&p));
        crate::build::host_totals::check_settings(&snapshot, &settings, &p, &mut issues);
        resolve::contacts::check_settings(&settings.contacts, &p, &mut issues);
        let templates = Templates::new(&settings.templates, &p, &mut issues);
        let tracking = tracking::Prepared::new(&snapshot, &settings.tracking);
        tracking::Resolver::new(&snapshot, &settings.tracking, &tracking).check(&mut issues);
        let memo = std::cell::RefCell::new(tracking::Memo::new(&settings.tracking));
        let known = resolve::accounts::Known::new(&snapshot, &settings);
        Exporter {
            known,
            issues_json: serde_json::to_string(&issues).ok(),
            settings_blocked: has_errors(&issues),
            snapshot,
            settings,
            issues,
            templates,
            tracking,
            memo,
            page_lists: Default::default(),
        }
    }

    /// The parsed snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Problems of the snapshot and settings.
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    /// Xero's contacts (`GET /Contacts` pages, raw or xero-node, as JSON) read into the host's
    /// `people` (a JSON array in the payer shape): per contact the person it is, new, or
    /// ambiguous ([`crate::people::import`]), with this exporter's contact settings (mapping,
    /// contactNumberFromId).
    pub fn import_contacts(
        &self,
        pages: &str,
        people: &str,
    ) -> Result<crate::people::ContactImport, crate::Error> {
        crate::people::import_json(pages, people, &self.settings)
    }

    /// Previews a batch of source invoices.
    pub fn preview(&self, invoices: &[SourceInvoice]) -> Preview {
        self.preview_with(invoices, PreviewOptions::default())
    }

    /// Previews a batch, including only what `options` asks for.
    pub fn preview_with(&self, invoices: &[SourceInvoice], options: PreviewOptions) -> Preview {
        self.preview_planned(invoices, options, Planned::default())
    }

    /// [`Exporter::preview_with`] starting from contacts already `planned`: a run's people
    /// ([`Planned::for_people`]).
    pub(crate) fn preview_planned(
        &self,
        invoices: &[SourceInvoice],
        options: PreviewOptions,
        planned: Planned,
    ) -> Preview {
        let state = BatchState {
            planned,
            ..BatchState::default()
        };
        let mut batch = Batch::resume(self, options, state);
        // These documents are handed to the caller (and the sending plan reads their tracking).
        batch.keep_sent_tracking = true;
        let documents: Vec<DocumentPreview> =
            invoices.iter().map(|inv| batch.document(inv)).collect();
        let (contacts, items, summary) = batch.finish();
        Preview {
            documents,
            contacts,
            items,
            issues: self.issues.clone(),
            summary,
        }
    }

    /// Previews a batch given as JSON text (an array of source invoices) straight to the text
    /// [`Preview::into_split_json`] gives, byte for byte: what the JS binding returns.
    ///
    /// Why a second path: each invoice is read, built, written and dropped before the next is
    /// read, instead of holding every source invoice and every preview at once. The working set
    /// stays small enough to sit in cache, the request bodies are written once into one buffer,
    /// and peak memory no longer grows with two full copies of the batch. Input that does not
    /// fit the types fails as a whole, as reading the whole array first would.
    pub fn preview_split_json(
        &self,
        invoices: &str,
        options: PreviewOptions,
    ) -> Result<String, serde_json::Error> {
        self.stream(
            invoices,
            options,
            Layout::Split {
                bodies: options.bodies,
            },
        )
    }

    /// Previews a batch given as JSON text straight to the preview's JSON with the request
    /// bodies inside it as strings: `serde_json::to_string(&preview_with(..))`, byte for byte,
    /// streamed invoice by invoice as [`Exporter::preview_split_json`] is.
    pub fn preview_json(
        &self,
        invoices: &str,
        options: PreviewOptions,
    ) -> Result<String, serde_json::Error> {
        self.stream(invoices, options, Layout::Inline)
    }

    /// Reads, builds and writes each invoice in turn (see [`Exporter::preview_split_json`]).
    fn stream(
        &self,
        invoices: &str,
        options: PreviewOptions,
        layout: Layout,
    ) -> Result<String, serde_json::Error> {
        // Split, bodies are written from each document's wire form into `out`, not kept per
        // document; inline, each document keeps its body for its JSON.
        let mut batch = Batch::new(
            self,
            PreviewOptions {
                bodies: options.bodies && layout == Layout::Inline,
                ..options
            },
        );
        // Sized from the invoices' JSON: on the preview workload the bodies are about twice
        // it, the documents' JSON smaller (inline, the bodies are in it).
        let (big, small) = (invoices.len().saturating_mul(3), invoices.len());
        let mut out = match layout {
            Layout::Split { .. } => PreviewWriter::with_capacity(big, small, layout),
            Layout::Inline => PreviewWriter::with_capacity(0, big, layout),
        };
        batch.expect(invoices.len());
        out.meta.push_str("{\"documents\":[");
        let mut first = true;
        each_invoice(invoices, 0, |inv| {
            let doc = batch.document(&inv);
            out.push(&doc, std::mem::take(&mut first))
        })?;
        let (contacts, items, summary) = batch.finish();
        // The rest of `Preview`'s JSON, field by field in its order.
        out.meta.push_str("],\"contacts\":");
        out.meta.push_str(&serde_json::to_string(&contacts)?);
        if !items.is_empty() {
            out.meta.push_str(",\"items\":");
            out.meta.push_str(&serde_json::to_string(&items)?);
        }
        out.meta.push_str(",\"issues\":");
        self.write_issues(&mut out.meta)?;
        out.meta.push_str(",\"summary\":");
        out.meta.push_str(&serde_json::to_string(&summary)?);
        out.meta.push('}');
        Ok(out.finish())
    }

    /// Previews a batch given as JSON text into [`Results`] held in memory and read piece by
    /// piece (issue 20's result handle): each document's summary, display lines, issues and
    /// body are kept as separate JSON texts, so a caller that wants only the bodies never pays
    /// for turning the display data into JS objects. Streamed as [`Exporter::preview_split_json`]
    /// is.
    pub fn preview_results(
        &self,
        invoices: &str,
        options: PreviewOptions,
    ) -> Result<Results, serde_json::Error> {
        let mut results = Results::with_capacity(invoices.len(), 0, options);
        self.preview_into(invoices, options, &mut results)?;
        Ok(results)
    }

    /// Previews a small batch given as JSON text into the one text the binding's
    /// `exporter.preview` reads ([`Results::whole`]), its tracking lists kept in this
    /// exporter's table between calls: the text carries only the lists added since the caller's
    /// `known` ones. A page previewing one invoice per call thus sends each list once, not on
    /// every call.
    ///
    /// The caller's lists are trusted only when `known` names this table's generation and no
    /// more lists than it holds; otherwise the text starts again from list 0. A call that
    /// fails keeps the lists it added, and the next call sends them (the caller's count is
    /// behind). The table starts again, with a new generation, once it holds
    /// [`PAGE_LISTS_MAX`] lists, so that a long-lived exporter's memory stays bounded.
    pub fn preview_page(
        &self,
        invoices: &str,
        options: PreviewOptions,
        known: KnownLists,
    ) -> Result<Option<String>, serde_json::Error> {
        let mut held = self.page_lists.take();
        if held.table.len() >= PAGE_LISTS_MAX {
            held = PageLists {
                generation: held.generation.wrapping_add(1).max(1),
                ..PageLists::default()
            };
        }
        let from = match known.generation == held.generation && known.lists <= held.table.len() {
            true => known.lists,
            false => 0,
        };
        let mut results = Results::with_capacity(invoices.len(), 0, options);
        results.use_table(std::mem::take(&mut held.table));
        let read = self.preview_into(invoices, options, &mut results);
        let text = read.map(|()| results.whole(held.generation, from));
        held.table = results.take_table();
        *self.page_lists.borrow_mut() = held;
        text
    }

    /// Adds `lists` to the one-call previews' table, as previews naming them would.
    #[cfg(test)]
    pub(crate) fn fill_page_lists(
        &self,
        lists: impl Iterator<Item = Vec<crate::resolve::tracking::LineTracking>>,
    ) {
        let mut held = self.page_lists.borrow_mut();
        for list in lists {
            held.table.add_for_tests(&list);
        }
    }

    /// The documents of `invoices` and the batch's part, into `results`.
    fn preview_into(
        &self,
        invoices: &str,
        options: PreviewOptions,
        results: &mut Results,
    ) -> Result<(), serde_json::Error> {
        let mut batch = Batch::new(
            self,
            PreviewOptions {
                bodies: false,
                ..options
            },
        );
        batch.expect(invoices.len());
        each_invoice(invoices, 0, |inv| {
            results.push(&batch.document(&inv), options.bodies)
        })?;
        results.set_batch(batch.batch_part()?);
        Ok(())
    }

    /// The next chunk of a batch previewed in chunks (a [`PreviewSession`]): contacts are
    /// planned and source ids checked across the whole batch, documents numbered on from the
    /// previous chunk, and memory holds only this chunk's results. A chunk that cannot be read
    /// changes nothing: it is read whole before it is previewed.
    pub fn preview_chunk(
        &self,
        session: &mut PreviewSession,
        invoices: &str,
    ) -> Result<Results, serde_json::Error> {
        let state = std::mem::take(&mut session.state);
        let first = state.summary.documents;
        let mut read = Vec::new();
        if let Err(e) = each_invoice(invoices, first, |inv| {
            read.push(inv);
            Ok(())
        }) {
            session.state = state;
            return Err(e);
        }
        let options = session.options;
        let mut batch = Batch::resume(
            self,
            PreviewOptions {
                bodies: false,
                ..options
            },
            state,
        );
        let mut results = Results::with_capacity(invoices.len(), read.len(), options);
        results.set_first_index(first);
        for inv in &read {
            let doc = batch.document(inv);
            results.push(&doc, options.bodies)?;
        }
        drop(read);
        results.set_batch(batch.batch_part()?);
        session.state = batch.state;
        Ok(results)
    }

    /// Writes [`Exporter::issues`] as JSON: written once when the exporter was made.
    fn write_issues(&self, out: &mut String) -> Result<(), serde_json::Error> {
        match &self.issues_json {
            Some(json) => out.push_str(json),
            None => out.push_str(&serde_json::to_string(&self.issues)?),
        }
        Ok(())
    }

    /// Previews `invoices` and plans sending them: the [`crate::send::Run`] to drive. The run is
    /// built on the send side ([`crate::send::Run::new`]); this only delegates.
    pub fn plan(
        &self,
        invoices: &[SourceInvoice],
        options: &crate::send::plan::PlanOptions,
    ) -> Result<crate::send::Run, crate::error::Error> {
        crate::send::Run::new(self, invoices, options)
    }

    /// Plans the host's work (`{invoices, cancels, payments}`): delegates to
    /// `send::Run::with_work`.
    pub fn plan_work(
        &self,
        work: &crate::input::work::Work,
        options: &crate::send::plan::PlanOptions,
    ) -> Result<crate::send::Run, crate::error::Error> {
        crate::send::Run::with_work(self, work, options)
    }

    /// Continues a saved run (`run.save()`) of the same `work`: delegates to
    /// `send::Run::restore`.
    pub fn resume(
        &self,
        work: &crate::input::work::Work,
        state: &str,
        options: &crate::send::ResumeOptions,
    ) -> Result<crate::send::Run, crate::error::Error> {
        crate::send::Run::restore(self, work, state, options)
    }
}

/// A batch previewed in chunks ([`Exporter::preview_chunk`]): what one chunk leaves for the
/// next (contacts planned, source ids seen, counts).
pub struct PreviewSession {
    options: PreviewOptions,
    state: BatchState,
}

impl PreviewSession {
    /// A new batch, previewed with `options` in every chunk.
    pub fn new(options: PreviewOptions) -> Self {
        PreviewSession {
            options,
            state: BatchState::default(),
        }
    }

    /// Invoices previewed so far.
    pub fn documents(&self) -> usize {
        self.state.summary.documents
    }

    /// What each chunk includes.
    pub fn options(&self) -> PreviewOptions {
        self.options
    }
}

/// One batch in progress: what its invoices share (the contacts planned so far, the tracking
/// memo, the counts). Both preview paths build documents through it, one invoice at a time.
struct Batch<'e> {
    exporter: &'e Exporter,
    tracker: tracking::Resolver<'e>,
    settings_blocked: bool,
    options: PreviewOptions,
    /// Whether documents keep `sent_tracking` ([`build::Ctx::keep_sent_tracking`]): only
    /// those handed to the caller ([`Exporter::preview_with`]) do; the streamed and
    /// result-handle paths write each document out and drop it.
    keep_sent_tracking: bool,
    state: BatchState,
}

/// What a batch carries from one invoice to the next, owned so that a batch previewed in
/// chunks ([`PreviewSession`]) keeps it between calls.
#[derive(Default)]
struct BatchState {
    planned: Planned,
    /// Items the batch creates (`settings.items.create`).
    items: crate::resolve::items::PlannedItems,
    summary: Summary,
    /// Source ids seen in this batch: a second invoice with the same id is blocked, or one
    /// invoice of the host's would become two documents in Xero. Hashed with
    /// [`crate::hasher::CellHasher`], not SipHash: ~350 instructions an invoice less (callgrind,
    /// bench workload).
    seen: crate::hasher::TextSet<Text>,
}

impl<'e> Batch<'e> {
    fn new(exporter: &'e Exporter, options: PreviewOptions) -> Self {
        Self::resume(exporter, options, BatchState::default())
    }

    /// A batch going on from `state` (the next chunk of a [`PreviewSession`]).
    fn resume(exporter: &'e Exporter, options: PreviewOptions, state: BatchState) -> Self {
        Batch {
            exporter,
            tracker: tracking::Resolver::with_memo(
                &exporter.snapshot,
                &exporter.settings.tracking,
                &exporter.tracking,
                &exporter.memo,
            ),
            settings_blocked: exporter.settings_blocked,
            options,
            keep_sent_tracking: false,
            state,
        }
    }

    /// Makes room for the ids of the invoices in `bytes` of their JSON, so that the duplicate-id
    /// set does not grow (rehashing every id so far) as often: one id per KiB, under what an
    /// invoice takes (the bench workload's ~0.8 KB invoices save ~100 instructions each,
    /// callgrind) while a batch of tiny invoices only grows as before.
    fn expect(&mut self, bytes: usize) {
        self.state.seen.reserve(bytes / 1024);
    }

    /// The next invoice's preview, counted into the summary: resolved, then built.
    fn document(&mut self, inv: &SourceInvoice) -> DocumentPreview {
        let index = self.state.summary.documents;
        let e = self.exporter;
        let rctx = resolve::Ctx {
            snapshot: &e.snapshot,
            settings: &e.settings,
            tracker: &self.tracker,
            templates: &e.templates,
            known: &e.known,
        };
        let mut resolved = resolve::invoice(&rctx, index, inv, &mut self.state.planned);
        self.state.items.one_spelling(&mut resolved);
        let new_items = new_items(&resolved);
        let bctx = build::Ctx {
            snapshot: &e.snapshot,
            settings: &e.settings,
            options: self.options,
            settings_blocked: self.settings_blocked,
            keep_sent_tracking: self.keep_sent_tracking,
        };
        let mut doc = build::document(&bctx, inv, resolved);
        if !self.state.seen.insert(doc.source_id.clone()) {
            let id = crate::money::shown(&doc.source_id).into_owned();
            doc.issues.push(Issue::error(IssueCode::SourceIdDuplicate, Path::root("invoices").index(index).field("id"), format!("Another invoice in this batch has the id \"{id}\": each invoice of yours is one document in Xero, so this one is not sent. Give every invoice its own id, or send the two in separate runs if they really are different.")));
            doc.blocked = true;
        }
        if !doc.blocked {
            let sales = e.settings.invoice_type == crate::input::settings::InvoiceKind::Accrec;
            let dp = e.settings.unitdp();
            for line in &new_items {
                self.state
                    .items
                    .add(&line.as_line(), &doc.source_id, sales, dp);
            }
        }
        let s = &mut self.state.summary;
        s.documents += 1;
        if doc.blocked {
            s.blocked += 1;
        } else {
            s.ready += 1;
        }
        s.credit_notes += usize::from(doc.kind.is_credit());
        count(s, &doc.issues);
        doc
    }

    /// The contacts and items to create and the counts, once every invoice is in.
    fn finish(self) -> (Vec<NewContact>, Vec<NewItem>, Summary) {
        let mut summary = self.state.summary;
        count(&mut summary, &self.exporter.issues);
        let contacts: Vec<NewContact> = self.state.planned.contacts.into_values().collect();
        summary.contacts_to_create = contacts.len();
        (
            contacts,
            self.state.items.items.into_values().collect(),
            summary,
        )
    }

    /// The batch's part of a preview as it stands: the contacts and items to create so far,
    /// the snapshot's and settings' issues, the counts so far. An empty list is left empty
    /// rather than serialised (a one-invoice preview's usually are).
    fn batch_part(&self) -> Result<BatchPart, serde_json::Error> {
        let mut summary = self.state.summary.clone();
        count(&mut summary, &self.exporter.issues);
        summary.contacts_to_create = self.state.planned.contacts.len();
        let contacts = match self.state.planned.contacts.is_empty() {
            true => String::new(),
            false => {
                let contacts: Vec<&NewContact> = self.state.planned.contacts.values().collect();
                serde_json::to_string(&contacts)?
            }
        };
        let items = match self.state.items.items.is_empty() {
            true => None,
            false => {
                let items: Vec<&NewItem> = self.state.items.items.values().collect();
                Some(serde_json::to_string(&items)?)
            }
        };
        let mut issues = String::new();
        if !self.exporter.issues.is_empty() {
            self.exporter.write_issues(&mut issues)?;
        }
        Ok(BatchPart {
            contacts,
            items,
            issues,
            summary,
        })
    }
}

/// What an item to create takes from a line (owned: the resolved invoice moves into the build).
struct NewItemLine {
    code: Text,
    description: Option<Text>,
    unit: Option<rust_decimal::Decimal>,
    account: Option<Text>,
    tax_type: Option<Text>,
}

impl NewItemLine {
    fn as_line(&self) -> crate::resolve::items::ItemLine<'_> {
        crate::resolve::items::ItemLine {
            code: &self.code,
            description: self.description.as_deref(),
            unit: self.unit,
            account: self.account.as_ref(),
            tax_type: self.tax_type.as_ref(),
        }
    }
}

/// The lines of `resolved` that name an item to create.
fn new_items(resolved: &crate::resolve::ResolvedInvoice) -> Vec<NewItemLine> {
    resolved
        .lines
        .iter()
        .filter(|l| l.new_item)
        .filter_map(|l| {
            Some(NewItemLine {
                code: l.item_code.clone()?,
                description: l.description.clone(),
                unit: l.unit,
                account: l.account.clone(),
                tax_type: l.tax_type.clone(),
            })
        })
        .collect()
}

/// Adds issues to the error and warning counts.
fn count(summary: &mut Summary, issues: &[Issue]) {
    for i in issues {
        if i.is_error() {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
}

/// Reads a JSON array of invoices element by element, handing each to `f` as it is read (its
/// index in the batch counted from `first`): the batch is never held as a whole.
fn each_invoice<F>(invoices: &str, first: usize, f: F) -> Result<(), serde_json::Error>
where
    F: FnMut(SourceInvoice) -> Result<(), serde_json::Error>,
{
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(invoices);
    Each { first, f }.deserialize(&mut de)?;
    de.end()
}

/// The visitor of [`each_invoice`].
struct Each<F> {
    first: usize,
    f: F,
}

impl<'de, F> serde::de::DeserializeSeed<'de> for Each<F>
where
    F: FnMut(SourceInvoice) -> Result<(), serde_json::Error>,
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F> serde::de::Visitor<'de> for Each<F>
where
    F: FnMut(SourceInvoice) -> Result<(), serde_json::Error>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The same words serde uses for a `Vec`, so errors read as they did before streaming.
        f.write_str("a sequence")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut index = self.first;
        while let Some(inv) = seq.next_element_seed(crate::input::source::InvoiceSeed { index })? {
            index += 1;
            (self.f)(inv).map_err(serde::de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::rc::Rc;

    use super::*;
    use crate::input::settings::TrackingSource;
    use crate::preview::results::whole_json;
    use crate::resolve::tracking::{LineTracking, Name};
    use crate::xero::wire::WireTracking;

    fn entry(category: &Name, option: &str) -> LineTracking {
        LineTracking {
            category: Rc::clone(category),
            option: Rc::from(option),
            category_id: None,
            option_id: None,
            source: TrackingSource::Clinician,
            replaced: None,
            wire: WireTracking::new(None, category, option, None),
        }
    }

    /// An exporter's table for the one-call previews starts again, under a new generation,
    /// once full: its memory stays bounded however long the exporter lives, and a caller
    /// holding the old table's lists is told to drop them.
    #[test]
    fn a_full_table_of_lists_starts_again_under_a_new_generation() {
        let exporter = Exporter::new(Snapshot::new(Default::default()), Default::default());
        let options = PreviewOptions::default();
        let first = exporter
            .preview_page("[]", options, KnownLists::default())
            .unwrap();
        let mut lists = BTreeMap::new();
        let (generation, from, ..) = whole_json(&first.unwrap(), &mut lists).unwrap();
        assert_eq!((generation, from), (1, 0));
        let region: Name = Rc::from("Region");
        let full = (0..PAGE_LISTS_MAX).map(|i| vec![entry(&region, &format!("o{i}"))]);
        exporter.fill_page_lists(full);
        let known = KnownLists {
            generation,
            lists: PAGE_LISTS_MAX,
        };
        let text = exporter
            .preview_page("[]", options, known)
            .unwrap()
            .unwrap();
        let (generation, from, ..) = whole_json(&text, &mut lists).unwrap();
        assert_eq!((generation, from), (2, 0));
        assert!(lists.is_empty());
    }
}
