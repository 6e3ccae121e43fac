//! A preview held in memory and handed out piece by piece (issue 20's result handle).
//!
//! Why: returned as one JSON text, a 10,000-invoice preview was 30 MB that the host had to
//! decode and `JSON.parse` whole (about half of the call's time) even when it wanted only the
//! request bodies. Here each document is written once, as it is previewed: its request body
//! into one buffer, its display data (what the document is, its lines, totals and issues) in
//! the binding's flat form (`preview::flat`) into another. A body is a slice copied
//! out only when asked for; the display data is handed out a page of documents at a time
//! ([`Results::page`], which api.js reads without `JSON.parse`), or as JSON ([`Results::summary`],
//! [`Results::lines`], [`Results::issues`], [`Results::documents`]). Two buffers and a few
//! offsets per document, rather than the view model's structs, keep the memory close to the
//! size of the text itself, and the flat form is a third of the JSON's size.
//!
//! Display lines are kept without their tracking lists: the same few lists (a clinician and a
//! location, with both IDs) fill a batch's lines, so each distinct list is kept once, in a
//! table, and a line names its entry. A page carries the entries its lines name: making the
//! tracking objects from them in JS is about twice as fast as making every line's names and
//! IDs again as new strings (measured in Node 20 on the bench workload, where tracking was
//! half of the display data's parse time).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::rc::Rc;

use crate::preview::flat::{self, Flat, Tokens};
use crate::preview::DocumentPreview;
use crate::resolve::tracking::{LineTracking, Name};
use crate::xero::wire::{push_json_str, Object, WireContactRef};

/// Where one document is: its display data in `Results::text` (the parts one after the
/// other), its tracking lists' entries in `Results::lists`, its body in `Results::bodies`.
#[derive(Clone, Debug)]
struct Spans {
    /// Where the fields before the lines start (and the document).
    start: usize,
    lines: usize,
    totals: usize,
    issues: usize,
    end: usize,
    /// Its lines' entries in `Results::lists`.
    lists: Range<usize>,
    /// `None` when the document has no body yet (its contact is to be created) or bodies were
    /// not asked for.
    body: Option<Range<usize>>,
}

/// A part of a document, as [`Results::part`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// The document without its lines, issues and body.
    Summary,
    /// Its display lines.
    Lines,
    /// Its issues.
    Issues,
}

/// The documents of a preview (or of one chunk of it) and the batch's part as it stands.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Every document's display data in the flat form, one document after the other.
    text: String,
    /// Every request body, one after the other.
    bodies: String,
    docs: Vec<Spans>,
    /// Per line, in order: which entry of `table` is its tracking list.
    lists: Vec<usize>,
    /// Each distinct tracking list, once.
    table: Table,
    /// The batch's part once the documents are in.
    batch: BatchPart,
    /// The batch index of the first document, or of where it would be (not 0 for a later
    /// chunk).
    first: usize,
}

impl Results {
    /// An empty result for `docs` documents previewed from `input` bytes of invoices' JSON,
    /// its buffers sized once (see [`Results::estimate`]).
    pub(crate) fn with_capacity(
        input: usize,
        docs: usize,
        options: crate::preview::PreviewOptions,
    ) -> Self {
        let (text, bodies) = sizes(input, options);
        // Streamed, the documents are not counted before: one per KiB of input (the bench's
        // invoices are 0.8 KiB), and a line's list index per 128 bytes with lines (one per
        // 165). Grown from nothing, these were two to three reallocations every call of a
        // page previewing one invoice at a time.
        let lines = if options.lines { input / 128 } else { 0 };
        Results {
            text: String::with_capacity(text),
            bodies: String::with_capacity(bodies),
            docs: Vec::with_capacity(docs.max(input / 1024 + 1)),
            lists: Vec::with_capacity(lines),
            ..Results::default()
        }
    }

    /// The memory a preview of `input` bytes of invoices' JSON needs, over-estimated. Growing
    /// a buffer past its capacity would copy it whole (and hold both copies at that moment),
    /// while capacity never written costs no resident memory (the pages stay untouched).
    pub fn estimate(input: usize, options: crate::preview::PreviewOptions) -> usize {
        let (text, bodies) = sizes(input, options);
        text.saturating_add(bodies)
    }

    /// Adds one document after the previous one. With `bodies`, its request body is written
    /// from its wire form, on the same condition as the preview's `body` (only a document
    /// whose contact exists has one before the sending plan).
    pub(crate) fn push(
        &mut self,
        doc: &DocumentPreview,
        bodies: bool,
    ) -> Result<(), serde_json::Error> {
        let Results {
            text, lists, table, ..
        } = self;
        let start = text.len();
        let first_list = lists.len();
        let mut f = Flat(text);
        flat::write_identity(doc, &mut f);
        let lines = f.0.len();
        flat::write_lines(&doc.lines, &mut f, |tracking, f| {
            let at = table.entry(tracking);
            lists.push(at);
            f.count(at);
        });
        let totals = f.0.len();
        flat::write_totals(doc, &mut f)?;
        let issues = f.0.len();
        flat::write_issues(&doc.issues, &mut f);
        let end = f.0.len();
        let wire = doc
            .wire
            .as_ref()
            .filter(|w| bodies && matches!(w.contact, WireContactRef::Id(_)));
        let body = wire.map(|w| {
            let at = self.bodies.len();
            w.write_body(&mut self.bodies);
            at..self.bodies.len()
        });
        let lists = first_list..self.lists.len();
        self.docs.push(Spans {
            start,
            lines,
            totals,
            issues,
            end,
            lists,
            body,
        });
        Ok(())
    }

    /// Numbers these results from batch index `first` (a later chunk of a session), whether or
    /// not they hold a document.
    pub(crate) fn set_first_index(&mut self, first: usize) {
        self.first = first;
    }

    /// Sets the batch's part (contacts, issues, counts).
    pub(crate) fn set_batch(&mut self, part: BatchPart) {
        self.batch = part;
    }

    /// Previews into an exporter's table of tracking lists, kept between calls (see
    /// [`Results::whole`]), instead of a table of their own.
    pub(crate) fn use_table(&mut self, table: Table) {
        self.table = table;
    }

    /// The table of tracking lists, given back (the results keep an empty one).
    pub(crate) fn take_table(&mut self) -> Table {
        std::mem::take(&mut self.table)
    }

    /// Documents held.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// Whether no document is held.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The batch index of the first document held (0 unless this is a later chunk).
    pub fn first_index(&self) -> usize {
        self.first
    }

    /// `{"contacts":…,"issues":…,"summary":…}`: the batch as it stands after these documents.
    pub fn batch_json(&self) -> String {
        self.batch.json()
    }

    /// The `i`th document's summary JSON: the document's JSON without `lines`, `issues` and
    /// `body` (`None` past the end).
    pub fn summary(&self, i: usize) -> Option<String> {
        let d = self.docs.get(i)?;
        let mut out = String::with_capacity(d.end.saturating_sub(d.start));
        let mut o = Object::open(&mut out);
        flat::replay_identity(&mut self.tokens(d.start..d.lines)?, &mut o)?;
        flat::replay_totals(&mut self.tokens(d.totals..d.issues)?, &mut o)?;
        o.close();
        Some(out)
    }

    /// The `i`th document's display lines as a JSON array (`[]` when previewed without them).
    pub fn lines(&self, i: usize) -> Option<String> {
        let d = self.docs.get(i)?;
        let mut out =
            String::with_capacity(d.totals.saturating_sub(d.lines) * 2 + d.lists.len() * 256);
        flat::replay_lines(
            &mut self.tokens(d.lines..d.totals)?,
            &mut out,
            |entry, out| flat::replay_tracking(&mut Tokens::new(self.table.lists.get(entry)?), out),
        )?;
        Some(out)
    }

    /// The `i`th document's issues as a JSON array.
    pub fn issues(&self, i: usize) -> Option<String> {
        let d = self.docs.get(i)?;
        let mut out = String::with_capacity(d.end.saturating_sub(d.issues) * 2);
        flat::replay_issues(&mut self.tokens(d.issues..d.end)?, &mut out)?;
        Some(out)
    }

    /// One part of the `i`th document in the binding's flat form (see
    /// `preview::flat`; `None` past the end): what `results.document(i)`,
    /// `results.lines(i)` and `results.issues(i)` read in api.js, without a `JSON.parse`.
    /// [`Part::Lines`] starts with the tracking lists the lines name, as a page does.
    pub fn part(&self, i: usize, part: Part) -> Option<String> {
        let d = self.docs.get(i)?;
        match part {
            Part::Summary => {
                let identity = self.text.get(d.start..d.lines)?;
                let totals = self.text.get(d.totals..d.issues)?;
                Some([identity, totals].concat())
            }
            Part::Lines => {
                let used: BTreeSet<usize> =
                    self.lists.get(d.lists.clone())?.iter().copied().collect();
                let mut out = String::with_capacity(d.totals.saturating_sub(d.lines) + 400);
                self.write_lists(&used, &mut Flat(&mut out))?;
                out.push_str(self.text.get(d.lines..d.totals)?);
                Some(out)
            }
            Part::Issues => self.text.get(d.issues..d.end).map(str::to_owned),
        }
    }

    /// How many of `table`'s lists there are in `used`, then each one's entry and tokens.
    fn write_lists(&self, used: &BTreeSet<usize>, f: &mut Flat<'_>) -> Option<()> {
        f.count(used.len());
        for &entry in used {
            f.count(entry);
            f.0.push_str(self.table.lists.get(entry)?);
        }
        Some(())
    }

    /// The `i`th document's request body; `None` past the end or when it has none.
    pub fn body(&self, i: usize) -> Option<&str> {
        self.bodies.get(self.docs.get(i)?.body.clone()?)
    }

    /// Documents `range` whole, as a JSON array of what `exporter.preview` gives for each
    /// (bodies included as strings); `None` when the range is not within the documents held.
    /// Read back from [`Results::page`], so that both always say the same.
    pub fn documents(&self, range: Range<usize>) -> Option<String> {
        let page = self.page(range)?;
        let (docs, rest) = page_json(&page)?;
        rest.is_empty().then_some(docs)
    }

    /// Documents `range` whole in the binding's flat form (`pageDocuments` in api.js reads
    /// it): their number, each one's request body (empty when it has none), the tracking
    /// lists their lines name (how many, then each one's entry and list), then the documents
    /// (see `preview::flat`); each part followed by a NUL. `None` when the range is
    /// not within the documents held.
    ///
    /// Why one text: a preview page reads a page of rows at once; part by part that was four
    /// crossings of the boundary and three `JSON.parse` calls per document.
    pub fn page(&self, range: Range<usize>) -> Option<String> {
        let docs = self.docs.get(range.clone())?;
        let used: BTreeSet<usize> = match (docs.first(), docs.last()) {
            (Some(a), Some(b)) => self
                .lists
                .get(a.lists.start..b.lists.end)?
                .iter()
                .copied()
                .collect(),
            _ => BTreeSet::new(),
        };
        let mut out = String::new();
        self.write_page(range, &used, &mut out)?;
        Some(out)
    }

    /// [`Results::page`] into `out`, carrying the lists `used`.
    fn write_page(
        &self,
        range: Range<usize>,
        used: &BTreeSet<usize>,
        out: &mut String,
    ) -> Option<()> {
        let docs = self.docs.get(range)?;
        let span = match (docs.first(), docs.last()) {
            (Some(a), Some(b)) => a.start..b.end,
            _ => 0..0,
        };
        let bodies: usize = docs
            .iter()
            .map(|d| d.body.as_ref().map_or(0, |b| b.len()))
            .sum();
        out.reserve(bodies + docs.len() + span.len() + used.len() * 300 + 24 + BATCH_PART);
        let mut f = Flat(out);
        f.count(docs.len());
        for d in docs {
            if let Some(body) = d.body.clone().and_then(|b| self.bodies.get(b)) {
                f.0.push_str(body);
            }
            f.0.push('\0');
        }
        self.write_lists(used, &mut f)?;
        out.push_str(self.text.get(span)?);
        Some(())
    }

    /// The whole preview in one text, what the binding's `exporter.preview` returns for a
    /// small batch: `generation` and `from` (see below), every document as [`Results::page`]
    /// writes them but with the tracking lists from entry `from` of the table on, then the
    /// batch's part in the flat form (`BatchPart::write_flat`).
    ///
    /// Why `from`: a page previewing one invoice per call names the same few lists every
    /// call. Kept in the exporter's table between calls ([`crate::exporter::Exporter::preview_page`]),
    /// each list crosses once: api.js keeps the lists it has read and says how many, and a
    /// call sends only those added since. `generation` names the table, so that api.js drops
    /// its lists when the exporter starts a new one. On the bench workload (one invoice a
    /// call) 36 of a call's 128 values were its lists.
    pub fn whole(&self, generation: u32, from: usize) -> Option<String> {
        let mut out = String::new();
        let mut f = Flat(&mut out);
        f.count(generation as usize);
        f.count(from);
        let added: BTreeSet<usize> = (from..self.table.lists.len()).collect();
        self.write_page(0..self.docs.len(), &added, &mut out)?;
        self.batch.write_flat(&mut Flat(&mut out));
        Some(out)
    }

    /// Whether `i` is a document held.
    pub fn has(&self, i: usize) -> bool {
        i < self.docs.len()
    }

    fn tokens(&self, range: Range<usize>) -> Option<Tokens<'_>> {
        Some(Tokens::new(self.text.get(range)?))
    }

    /// Bytes held (the buffers and the index), for the benchmarks' memory figures.
    pub fn held_bytes(&self) -> usize {
        self.text.capacity()
            + self.bodies.capacity()
            + self.batch.held_bytes()
            + self.docs.capacity() * std::mem::size_of::<Spans>()
            + self.lists.capacity() * std::mem::size_of::<usize>()
            + self.table.lists.iter().map(|t| t.len()).sum::<usize>()
    }
}

/// The distinct tracking lists of a preview's lines, each once in the flat form.
#[derive(Clone, Debug, Default)]
pub(crate) struct Table {
    /// Each distinct list's tokens; a line names its index.
    lists: Vec<Rc<str>>,
    /// `lists`' entries → their index.
    known: BTreeMap<Rc<str>, usize>,
    /// Lists met before, by the addresses of their names ([`names_key`]) → their index, with
    /// the list itself: holding its names keeps those addresses from being reused for other
    /// text while the key is here.
    by_names: BTreeMap<NamesKey, (usize, Vec<LineTracking>)>,
    /// A list's tokens, written to be looked up in `known`.
    scratch: String,
}

/// [`Table::by_names`] is emptied when it reaches this many keys: a list whose names are not
/// shared (an override's or a fallback's, made for its line) adds a key per line, and each
/// key holds its names.
const BY_NAMES_MAX: usize = 1024;

/// Lists of up to this many entries are keyed by their names' addresses (Xero allows two).
const KEYED: usize = 2;

/// A tracking list's length, then each entry's category, option, category ID and option ID
/// addresses (0 when absent) and its source.
type NamesKey = [usize; 1 + KEYED * 5];

impl Table {
    /// Lists held.
    pub(crate) fn len(&self) -> usize {
        self.lists.len()
    }

    #[cfg(test)]
    pub(crate) fn add_for_tests(&mut self, tracking: &[LineTracking]) -> usize {
        self.entry(tracking)
    }

    /// The index of `tracking`'s entry, added if new.
    ///
    /// Why the key by address: the resolver hands every line that carries a category's option
    /// the same names (`Rc`s), so a list is found by comparing a few words, where writing its
    /// tokens (13 a line, about half of the flat form's) and comparing them with an entry's
    /// (a byte loop in wasm) was a quarter of the display data's cost. Measured with callgrind
    /// on the bench workload (`BENCH_PROFILE=results`): 96.2k → 87.8k instructions an invoice.
    fn entry(&mut self, tracking: &[LineTracking]) -> usize {
        let Some(key) = names_key(tracking) else {
            return self.by_text(tracking);
        };
        if let Some(&(at, _)) = self.by_names.get(&key) {
            return at;
        }
        let at = self.by_text(tracking);
        if self.by_names.len() >= BY_NAMES_MAX {
            self.by_names.clear();
        }
        self.by_names.insert(key, (at, tracking.to_vec()));
        at
    }

    /// The index of the entry whose tokens are `tracking`'s, added if new.
    fn by_text(&mut self, tracking: &[LineTracking]) -> usize {
        self.scratch.clear();
        // Room for a list of two entries with their IDs at once, rather than six doublings
        // from nothing in every preview (one per call when a page previews one invoice).
        self.scratch.reserve(256);
        flat::write_tracking(tracking, &mut Flat(&mut self.scratch));
        if let Some(&at) = self.known.get(self.scratch.as_str()) {
            return at;
        }
        let entry: Rc<str> = Rc::from(self.scratch.as_str());
        let at = self.lists.len();
        self.known.insert(Rc::clone(&entry), at);
        self.lists.push(entry);
        at
    }
}

/// `tracking`'s [`NamesKey`]; `None` for a list longer than [`KEYED`] or with a replaced
/// option (its text is the line's own).
///
/// Two lists with the same key have the same tokens: their names are the same allocations
/// (the key's holder keeps them alive, so no other text can be at those addresses) and their
/// sources are the same.
fn names_key(tracking: &[LineTracking]) -> Option<NamesKey> {
    if tracking.len() > KEYED {
        return None;
    }
    let addr = |name: &Name| Rc::as_ptr(name).cast::<u8>() as usize;
    let mut key = [0; 1 + KEYED * 5];
    let mut words = key.iter_mut();
    let mut put = |word: usize| {
        if let Some(slot) = words.next() {
            *slot = word;
        }
    };
    put(tracking.len());
    for t in tracking {
        if t.replaced.is_some() {
            return None;
        }
        put(addr(&t.category));
        put(addr(&t.option));
        put(t.category_id.as_ref().map_or(0, addr));
        put(t.option_id.as_ref().map_or(0, addr));
        put(t.source as usize);
    }
    Some(key)
}

/// The first documents of a preview write their lines' tracking lists whole (later ones name
/// them): about 2× the input for one bench invoice (its page less its body) against 0.68× over
/// a batch. Without this room a preview of one invoice a call (a page previewing as the user
/// edits) grew its buffer three times.
const FIRST_LISTS: usize = 2048;

/// Room past the bodies' share of the input for the last body's size hint.
const BODY_SLACK: usize = 4096;

/// The buffers for the display data and the bodies of a preview of `input` bytes of
/// invoices' JSON. Measured on the bench workload (`BENCH_PROFILE=results|bodies cargo bench
/// --bench preview` prints them): bodies 2.09× the input, display data 0.68× with lines and
/// 0.30× without; a little more of each. With lines, room for [`FIRST_LISTS`] too.
fn sizes(input: usize, options: crate::preview::PreviewOptions) -> (usize, usize) {
    let part = |n: usize, d: usize| input / d * n;
    let text = if options.lines {
        part(3, 4).saturating_add(FIRST_LISTS)
    } else {
        part(7, 20)
    };
    // A body reserves its size hint, which over-estimates it: without the slack, a preview of
    // one invoice grew the buffer for its only body.
    let bodies = if options.bodies {
        part(11, 5).saturating_add(BODY_SLACK)
    } else {
        0
    };
    (text, bodies)
}

/// Room for a batch's part in the flat form when it has nothing to create and no issues.
const BATCH_PART: usize = 64;

/// The batch's part of a preview: the contacts and items to create so far, the snapshot's and
/// settings' issues, the counts. Kept as parts, so that the binding's one-call preview reads
/// it from a few tokens ([`BatchPart::write_flat`]) instead of `JSON.parse` of its JSON.
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchPart {
    /// The contacts to create, a JSON array; empty when there are none.
    pub(crate) contacts: String,
    /// The items to create, a JSON array; `None` when there are none (the key is left out).
    pub(crate) items: Option<String>,
    /// The snapshot's and settings' issues, a JSON array; empty when there are none.
    pub(crate) issues: String,
    pub(crate) summary: crate::preview::Summary,
}

impl BatchPart {
    /// `{"contacts":…,"items":…,"issues":…,"summary":…}`, `Preview`'s fields in its order.
    fn json(&self) -> String {
        let list = |json: &str| if json.is_empty() { "[]" } else { json }.to_owned();
        let mut out = String::with_capacity(256);
        let mut o = Object::open(&mut out);
        o.key("contacts").push_str(&list(&self.contacts));
        if let Some(items) = &self.items {
            o.key("items").push_str(items);
        }
        o.key("issues").push_str(&list(&self.issues));
        let mut summary = Object::open(o.key("summary"));
        for (key, n) in self.counts() {
            summary
                .key(key)
                .push_str(crate::issues::digits(n, &mut [0; 20]));
        }
        summary.close();
        o.close();
        out
    }

    /// The counts, with `Summary`'s JSON keys in its order (tests/preview_results.rs holds
    /// this to the derived JSON).
    fn counts(&self) -> [(&'static str, usize); 7] {
        let s = &self.summary;
        [
            ("documents", s.documents),
            ("ready", s.ready),
            ("blocked", s.blocked),
            ("creditNotes", s.credit_notes),
            ("contactsToCreate", s.contacts_to_create),
            ("warnings", s.warnings),
            ("errors", s.errors),
        ]
    }

    /// The flat form: the contacts, the items and the issues, each its JSON or left out when
    /// empty (the items: when there are none), then the seven counts.
    fn write_flat(&self, f: &mut Flat<'_>) {
        for json in [
            Some(&self.contacts),
            self.items.as_ref(),
            Some(&self.issues),
        ] {
            match json.filter(|j| !j.is_empty()) {
                Some(json) => f.json(json),
                None => f.absent(),
            }
        }
        for (_, n) in self.counts() {
            f.count(n);
        }
    }

    fn held_bytes(&self) -> usize {
        self.contacts.capacity()
            + self.items.as_ref().map_or(0, String::capacity)
            + self.issues.capacity()
    }
}

/// The batch's part of a [`Results::whole`] text read back as its JSON
/// (`{"contacts":…,"issues":…,"summary":…}`).
fn replay_batch(t: &mut Tokens<'_>) -> Option<String> {
    let mut out = String::with_capacity(256);
    let mut o = Object::open(&mut out);
    for key in ["contacts", "items", "issues"] {
        let token = t.next()?;
        match token.strip_prefix(flat::MARK) {
            Some("") if key == "items" => {}
            Some("") => o.key(key).push_str("[]"),
            Some(json) => o.key(key).push_str(json),
            None => return None,
        }
    }
    let mut summary = Object::open(o.key("summary"));
    for key in BatchPart::default().counts().map(|(k, _)| k) {
        summary
            .key(key)
            .push_str(crate::issues::digits(t.count()?, &mut [0; 20]));
    }
    summary.close();
    o.close();
    Some(out)
}

/// A [`Results::whole`] text read back, as api.js reads it: its generation and `from`, the
/// JSON array of its documents and the batch's part as JSON. `lists` holds the tracking lists
/// (as JSON) of the earlier texts of the same table: emptied when `from` is 0, then given the
/// text's lists. `None` if the text is not such a text, or names a list not held.
pub fn whole_json(
    text: &str,
    lists: &mut BTreeMap<usize, String>,
) -> Option<(u32, usize, String, String)> {
    let mut t = Tokens::new(text);
    let generation = u32::try_from(t.count()?).ok()?;
    let from = t.count()?;
    if from == 0 {
        lists.clear();
    }
    let (docs, rest) = read_page(&mut t, lists)?;
    // api.js counts the lists it holds: they must be entries 0, 1, 2… with none missing.
    if !lists.keys().copied().eq(0..lists.len()) {
        return None;
    }
    let mut t = Tokens::new(rest);
    let batch = replay_batch(&mut t)?;
    t.rest()
        .is_empty()
        .then_some((generation, from, docs, batch))
}

/// A page ([`Results::page`]) read back: the JSON array of its documents, as
/// `exporter.preview` gives them, and any text after the documents. `None` if the text is
/// not a page.
pub fn page_json(page: &str) -> Option<(String, &str)> {
    read_page(&mut Tokens::new(page), &mut BTreeMap::new())
}

/// A page read back with the tracking lists in `lists` and the page's own (added to `lists`).
fn read_page<'a>(
    t: &mut Tokens<'a>,
    lists: &mut BTreeMap<usize, String>,
) -> Option<(String, &'a str)> {
    let n = t.count()?;
    let bodies: Vec<&str> = (0..n).map(|_| t.next()).collect::<Option<_>>()?;
    for _ in 0..t.count()? {
        let entry = t.count()?;
        let mut json = String::new();
        flat::replay_tracking(t, &mut json)?;
        lists.insert(entry, json);
    }
    let mut out = String::with_capacity(bodies.iter().map(|b| b.len() + 8).sum::<usize>() * 2);
    out.push('[');
    for (k, body) in bodies.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let mut o = Object::open(&mut out);
        flat::replay_identity(t, &mut o)?;
        flat::replay_lines(t, o.key("lines"), |entry, out| {
            out.push_str(lists.get(&entry)?);
            Some(())
        })?;
        flat::replay_totals(t, &mut o)?;
        flat::replay_issues(t, o.key("issues"))?;
        match *body {
            "" => o.key("body").push_str("null"),
            b => push_json_str(o.key("body"), b),
        }
        o.close();
    }
    out.push(']');
    Some((out, t.rest()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::settings::TrackingSource;
    use crate::xero::wire::WireTracking;

    fn entry(category: &Name, option: &str, replaced: Option<&str>) -> LineTracking {
        LineTracking {
            category: Rc::clone(category),
            option: Rc::from(option),
            category_id: None,
            option_id: Some(Rc::from("id")),
            source: TrackingSource::Clinician,
            replaced: replaced.map(str::to_owned),
            wire: WireTracking::new(None, category, option, Some("id")),
        }
    }

    fn tokens(list: &[LineTracking]) -> String {
        let mut out = String::new();
        flat::write_tracking(list, &mut Flat(&mut out));
        out
    }

    /// Whether its names are shared or made for each line, replaced or not, more lists than
    /// the address key holds or not: a list's entry has its tokens, and one list text is one
    /// entry.
    #[test]
    fn each_distinct_list_is_one_entry_with_its_tokens() {
        let region: Name = Rc::from("Region");
        let shared = vec![entry(&region, "North", None)];
        let mut table = Table::default();
        let first = table.entry(&shared);
        for i in 0..3 * BY_NAMES_MAX {
            let own = vec![entry(&region, &format!("o{}", i % 700), None)];
            let replaced = vec![entry(&region, "North", Some("Old"))];
            let three = vec![entry(&region, "a", None); 3];
            for list in [&shared, &own, &replaced, &three] {
                let at = table.entry(list);
                assert_eq!(
                    table.lists.get(at).map(|t| t.to_string()),
                    Some(tokens(list))
                );
            }
            assert_eq!(table.entry(&[entry(&region, "North", None)]), first);
            assert!(table.by_names.len() <= BY_NAMES_MAX);
        }
        assert_eq!(table.lists.len(), 700 + 3);
        assert_eq!(table.known.len(), table.lists.len());
    }
}
