//! A preview held as text and handed out piece by piece (issue 20's result handle).
//!
//! Why: returned as one JSON text, a 10,000-invoice preview was 30 MB that the host had to
//! decode and `JSON.parse` whole (about half of the call's time) even when it wanted only the
//! request bodies. Here each document's parts are written once into one buffer and kept apart:
//! its summary (the document's JSON without `lines`, `issues` and `body`), its display lines,
//! its issues and its request body, each a slice the binding copies out only when asked. One
//! buffer and four ranges per document, rather than the view model's structs, keeps the memory
//! close to the size of the text itself.
//!
//! Display lines are kept without their tracking lists: the same few lists (a clinician and a
//! location, with both IDs) fill a batch's lines, so each distinct list is kept once, in a
//! table, and a line records which. Read part by part (`lines`) they are put back; read a page
//! at a time (`documents`) the table goes with the page and each line names its entry: making
//! the tracking objects from the table in JS is about twice as fast as `JSON.parse` making
//! them again, with their four names and IDs as new strings, for every line (measured in Node
//! 20 on the bench workload, where tracking was half of the display data's parse time).

use std::collections::BTreeMap;
use std::ops::Range;
use std::rc::Rc;

use crate::preview::json::{write_issues, write_lines_with, write_summary, write_tracking};
use crate::preview::DocumentPreview;
use crate::xero::wire::WireContactRef;

/// Where one document's parts are in the buffer.
#[derive(Clone, Debug)]
struct Spans {
    summary: Range<usize>,
    /// Where the summary's totals start (`,"totals":…`): a whole document has the lines
    /// before them, as `write_document` writes it.
    split: usize,
    /// The lines without their tracking lists (see the module's doc).
    lines: Range<usize>,
    /// The lines' entries in `Results::marks`.
    marks: Range<usize>,
    issues: Range<usize>,
    /// `None` when the document has no body yet (its contact is to be created) or bodies were
    /// not asked for.
    body: Option<Range<usize>>,
}

impl Spans {
    /// Where the document's last part ends.
    fn end(&self) -> usize {
        self.body.as_ref().map_or(self.issues.end, |b| b.end)
    }
}

/// The documents of a preview (or of one chunk of it) and the batch's part as it stands.
#[derive(Clone, Debug, Default)]
pub struct Results {
    text: String,
    docs: Vec<Spans>,
    /// Per line, in order: where in `text` its tracking list goes, and which in `table`.
    marks: Vec<(usize, usize)>,
    /// Each distinct tracking list's JSON, once.
    table: Vec<Rc<str>>,
    /// `table`'s entries → their index.
    known: BTreeMap<Rc<str>, usize>,
    /// `{"contacts":…,"issues":…,"summary":…}` once the documents are in.
    batch: String,
    /// The batch index of the first document (not 0 for a later chunk).
    first: usize,
}

impl Results {
    /// An empty result with its buffer sized once (`bytes`) for `docs` documents.
    pub(crate) fn with_capacity(bytes: usize, docs: usize) -> Self {
        Results {
            text: String::with_capacity(bytes),
            docs: Vec::with_capacity(docs),
            marks: Vec::new(),
            table: Vec::new(),
            known: BTreeMap::new(),
            batch: String::new(),
            first: 0,
        }
    }

    /// The buffer a preview of `input` bytes of invoices' JSON needs, over-estimated: on the
    /// bench workload the parts are 2.7× the input without display lines and 5.6× with them.
    /// Growing the buffer past its capacity would copy it whole (and hold both copies at that
    /// moment), while capacity never written costs no resident memory (the pages stay untouched).
    pub fn estimate(input: usize, options: crate::preview::PreviewOptions) -> usize {
        input.saturating_mul(if options.lines { 7 } else { 4 })
    }

    /// Adds one document: its parts written after the previous one's. With `bodies`, its
    /// request body is written from its wire form, on the same condition as the preview's
    /// `body` (only a document whose contact exists has one before the sending plan).
    pub(crate) fn push(
        &mut self,
        doc: &DocumentPreview,
        bodies: bool,
    ) -> Result<(), serde_json::Error> {
        if self.docs.is_empty() {
            self.first = doc.index;
        }
        let start = self.text.len();
        let split = write_summary(doc, &mut self.text)?;
        let summary = start..self.text.len();
        let first_mark = self.marks.len();
        let lines = self.write_lines(doc);
        let marks = first_mark..self.marks.len();
        let issues = self.write(|out| {
            write_issues(&doc.issues, out);
            Ok(())
        })?;
        let wire = doc
            .wire
            .as_ref()
            .filter(|w| bodies && matches!(w.contact, WireContactRef::Id(_)));
        let body = match wire {
            Some(w) => Some(self.write(|out| {
                w.write_body(out);
                Ok(())
            })?),
            None => None,
        };
        self.docs.push(Spans {
            summary,
            split,
            lines,
            marks,
            issues,
            body,
        });
        Ok(())
    }

    /// Writes the document's lines without their tracking lists, marking where each goes.
    fn write_lines(&mut self, doc: &DocumentPreview) -> Range<usize> {
        let start = self.text.len();
        let mut list = String::new();
        let (marks, table, known) = (&mut self.marks, &mut self.table, &mut self.known);
        write_lines_with(&doc.lines, &mut self.text, |tracking, out| {
            list.clear();
            write_tracking(tracking, &mut list);
            let at = match known.get(list.as_str()) {
                Some(&at) => at,
                None => {
                    let entry: Rc<str> = Rc::from(list.as_str());
                    known.insert(Rc::clone(&entry), table.len());
                    table.push(entry);
                    table.len() - 1
                }
            };
            marks.push((out.len(), at));
        });
        start..self.text.len()
    }

    /// Copies the lines of `d` into `out`, each line's tracking list written by `list` (given
    /// its index in `table`). `None` if a range is not in the text (never, as written).
    fn splice_lines(
        &self,
        d: &Spans,
        out: &mut String,
        mut list: impl FnMut(usize, &mut String),
    ) -> Option<()> {
        let mut at = d.lines.start;
        for &(mark, entry) in self.marks.get(d.marks.clone())? {
            out.push_str(self.text.get(at..mark)?);
            list(entry, out);
            at = mark;
        }
        out.push_str(self.text.get(at..d.lines.end)?);
        Some(())
    }

    /// Writes one part and returns where it is.
    fn write(
        &mut self,
        f: impl FnOnce(&mut String) -> Result<(), serde_json::Error>,
    ) -> Result<Range<usize>, serde_json::Error> {
        let start = self.text.len();
        f(&mut self.text)?;
        Ok(start..self.text.len())
    }

    /// Sets the batch's part (contacts, issues, counts).
    pub(crate) fn set_batch(&mut self, json: String) {
        // Not shrunk to fit: that would copy the buffer, and its unused end is never touched.
        self.batch = json;
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
    pub fn batch_json(&self) -> &str {
        &self.batch
    }

    /// The `i`th document's summary JSON (`None` past the end).
    pub fn summary(&self, i: usize) -> Option<&str> {
        self.part(i, |s| Some(s.summary.clone()))
    }

    /// The `i`th document's display lines as a JSON array (`[]` when previewed without them).
    pub fn lines(&self, i: usize) -> Option<String> {
        let d = self.docs.get(i)?;
        let mut out = String::with_capacity(d.lines.len() + d.marks.len() * 256);
        self.splice_lines(d, &mut out, |entry, out| {
            out.push_str(self.table.get(entry).map_or("[]", |t| t));
        })?;
        Some(out)
    }

    /// The `i`th document's issues as a JSON array.
    pub fn issues(&self, i: usize) -> Option<&str> {
        self.part(i, |s| Some(s.issues.clone()))
    }

    /// The `i`th document's request body; `None` past the end or when it has none.
    pub fn body(&self, i: usize) -> Option<&str> {
        self.part(i, |s| s.body.clone())
    }

    /// Documents `range` whole, in one text: each one's request body followed by a NUL (empty
    /// when it has none), then `[tracking, documents]`: the tracking lists the range's lines
    /// use, and the documents in `write_document`'s field order with `"body":null` (the binding
    /// puts the body in) and each line's `"tracking"` the index of its list in `tracking`.
    /// `None` when the range is not within the documents held.
    ///
    /// Why one text: a preview page reads a page of rows at once, and part by part that was
    /// four crossings of the boundary and three `JSON.parse` calls per document; the bodies
    /// are kept out of the JSON as in `Exporter::preview_split_json`, so they are neither
    /// escaped here nor unescaped by the parse; the tracking lists, see the module's doc.
    pub fn documents(&self, range: Range<usize>) -> Option<String> {
        let docs = self.docs.get(range)?;
        let first = docs.first().map_or(0, |d| d.summary.start);
        let last = docs.last().map_or(0, |d| d.end());
        // The parts' text, a NUL per body, the few keys added per document, an index per line.
        let marks = docs
            .last()
            .map_or(0, |d| d.marks.end)
            .saturating_sub(docs.first().map_or(0, |d| d.marks.start));
        let size = last.saturating_sub(first) + docs.len() * 40 + marks * 4 + 8;
        let mut out = String::with_capacity(size);
        for d in docs {
            if let Some(body) = d.body.clone().and_then(|b| self.text.get(b)) {
                out.push_str(body);
            }
            out.push('\0');
        }
        // The lists these documents use, numbered in order of first use.
        let mut local: BTreeMap<usize, usize> = BTreeMap::new();
        let mut used = Vec::new();
        for d in docs {
            for &(_, entry) in self.marks.get(d.marks.clone())? {
                local.entry(entry).or_insert_with(|| {
                    used.push(entry);
                    used.len() - 1
                });
            }
        }
        out.push_str("[[");
        for (k, entry) in used.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            out.push_str(self.table.get(*entry)?);
        }
        out.push_str("],[");
        for (k, d) in docs.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            self.write_whole(d, &local, &mut out)?;
        }
        out.push_str("]]");
        Some(out)
    }

    /// Every document as [`Results::documents`] writes them, a NUL, then the batch's part:
    /// the whole preview in one text (what the binding's `exporter.preview` returns).
    pub fn whole(&self) -> Option<String> {
        let mut out = self.documents(0..self.docs.len())?;
        out.push('\0');
        out.push_str(&self.batch);
        Some(out)
    }

    /// One document of [`Results::documents`].
    fn write_whole(
        &self,
        d: &Spans,
        local: &BTreeMap<usize, usize>,
        out: &mut String,
    ) -> Option<()> {
        out.push_str(self.text.get(d.summary.start..d.split)?);
        out.push_str(",\"lines\":");
        self.splice_lines(d, out, |entry, out| {
            let n = local.get(&entry).copied().unwrap_or_default();
            out.push_str(crate::issues::digits(n, &mut [0; 20]));
        })?;
        let totals = self.text.get(d.split..d.summary.end)?;
        out.push_str(totals.strip_suffix('}')?);
        out.push_str(",\"issues\":");
        out.push_str(self.text.get(d.issues.clone())?);
        out.push_str(",\"body\":null}");
        Some(())
    }

    /// Whether `i` is a document held.
    pub fn has(&self, i: usize) -> bool {
        i < self.docs.len()
    }

    fn part(&self, i: usize, range: impl Fn(&Spans) -> Option<Range<usize>>) -> Option<&str> {
        self.text.get(range(self.docs.get(i)?)?)
    }

    /// Bytes held (the buffer and the index), for the benchmarks' memory figures.
    pub fn held_bytes(&self) -> usize {
        self.text.capacity()
            + self.batch.capacity()
            + self.docs.capacity() * std::mem::size_of::<Spans>()
            + self.marks.capacity() * std::mem::size_of::<(usize, usize)>()
            + self.table.iter().map(|t| t.len()).sum::<usize>()
    }
}
