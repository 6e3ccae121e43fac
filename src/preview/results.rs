//! A preview held as text and handed out piece by piece (issue 20's result handle).
//!
//! Why: returned as one JSON text, a 10,000-invoice preview was 30 MB that the host had to
//! decode and `JSON.parse` whole (about half of the call's time) even when it wanted only the
//! request bodies. Here each document's parts are written once into one buffer and kept apart:
//! its summary (the document's JSON without `lines`, `issues` and `body`), its display lines,
//! its issues and its request body, each a slice the binding copies out only when asked. One
//! buffer and four ranges per document, rather than the view model's structs, keeps the memory
//! close to the size of the text itself.

use std::ops::Range;

use crate::preview::json::{write_issues, write_lines, write_summary};
use crate::preview::DocumentPreview;
use crate::xero::wire::WireContactRef;

/// Where one document's parts are in the buffer.
#[derive(Clone, Debug)]
struct Spans {
    summary: Range<usize>,
    lines: Range<usize>,
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
        write_summary(doc, &mut self.text)?;
        let summary = start..self.text.len();
        let lines = self.write(|out| {
            write_lines(&doc.lines, out);
            Ok(())
        })?;
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
            lines,
            issues,
            body,
        });
        Ok(())
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
    pub fn lines(&self, i: usize) -> Option<&str> {
        self.part(i, |s| Some(s.lines.clone()))
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
    /// when it has none), then a JSON array of the documents, each its summary's fields then
    /// `"lines"`, `"issues"` and `"body":null` (the binding puts the body in). `None` when the
    /// range is not within the documents held.
    ///
    /// Why one text: a preview page reads a page of rows at once, and part by part that was
    /// four crossings of the boundary and three `JSON.parse` calls per document; the bodies
    /// are kept out of the JSON as in `Exporter::preview_split_json`, so they are neither
    /// escaped here nor unescaped by the parse.
    pub fn documents(&self, range: Range<usize>) -> Option<String> {
        let docs = self.docs.get(range)?;
        let first = docs.first().map_or(0, |d| d.summary.start);
        let last = docs.last().map_or(0, |d| d.end());
        // The parts' text, a NUL per body and the few keys added per document.
        let size = last.saturating_sub(first) + docs.len() * 40 + 2;
        let mut out = String::with_capacity(size);
        for d in docs {
            if let Some(body) = d.body.clone().and_then(|b| self.text.get(b)) {
                out.push_str(body);
            }
            out.push('\0');
        }
        out.push('[');
        for (k, d) in docs.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            let summary = self.text.get(d.summary.clone())?;
            out.push_str(summary.strip_suffix('}')?);
            out.push_str(",\"lines\":");
            out.push_str(self.text.get(d.lines.clone())?);
            out.push_str(",\"issues\":");
            out.push_str(self.text.get(d.issues.clone())?);
            out.push_str(",\"body\":null}");
        }
        out.push(']');
        Some(out)
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
    }
}
