//! The fewest GETs that read every document: documents grouped by what finds them, each group
//! cut into chunks whose whole URL stays within the limit.
//!
//! Groups, in this order (a document is in exactly one):
//! - invoices by id: `GET /Invoices?IDs=a,b,…&page=1` (Xero's optimised id filter);
//! - invoices by number: `InvoiceNumbers=…` (a number holding a comma cannot be in that list
//!   and is filtered with `where=InvoiceNumber=="…"` instead);
//! - credit notes by id / by number: `GET /CreditNotes?where=CreditNoteID==guid("…") OR …`
//!   (Xero's OpenAPI file lists no `IDs` filter for credit notes, so `where` it is).
//!
//! Each group is split once more by `If-Modified-Since`: it is sent only for documents the
//! host already knows (`known` given, found by id) when `since` is set. A document absent from
//! such an answer is unchanged, not missing: only a GET without the header can say "not
//! found", so documents without `known`, or found by number, are always read in full.
//!
//! `page=1` is on every GET: Xero returns full documents (line items, payments) on paged list
//! requests, at most 100 per page, and says in `pagination.pageCount` when there are more; a
//! chunk holds at most 100 documents, so a second page comes only where numbers repeat
//! (ACCPAY numbers need not be unique), and the run asks for it then.
//! `summaryOnly=true` only when the host asks (`summaryOnly` option): Xero documents it as
//! leaving out "computation-heavy fields" without listing them, so whether Payments and
//! CreditNotes survive is UNVERIFIED; the safe default reads full documents.

use std::collections::BTreeMap;

use super::input::{Doc, ExportedKind, SyncLimits, BASE_URL};
use crate::send::plan::{url, where_literal};

/// Most documents in one GET. Xero recommends ID lists "in a batch of 40" (reference §9.2);
/// clients report 404s from 53 ids up (Xero-Java#328, Xero-NetStandard#413), below what the
/// URL length alone would allow, so 40 it is, whatever `maxUrlLength` says.
pub const MAX_PER_GET: usize = 40;

/// How a group finds its documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Filter {
    /// `IDs=` on /Invoices.
    InvoiceIds,
    /// `InvoiceNumbers=` on /Invoices.
    InvoiceNumbers,
    /// `where=InvoiceNumber=="…"` on /Invoices (numbers holding a comma).
    InvoiceNumberWhere,
    /// `where=CreditNoteID==guid("…")` on /CreditNotes.
    CreditNoteIds,
    /// `where=CreditNoteNumber=="…"` on /CreditNotes.
    CreditNoteNumbers,
}

impl Filter {
    /// The path of the collection.
    pub fn path(self) -> &'static str {
        match self {
            Filter::InvoiceIds | Filter::InvoiceNumbers | Filter::InvoiceNumberWhere => "/Invoices",
            Filter::CreditNoteIds | Filter::CreditNoteNumbers => "/CreditNotes",
        }
    }

    /// Whether the answer's list is `CreditNotes`.
    pub fn credit(self) -> bool {
        matches!(self, Filter::CreditNoteIds | Filter::CreditNoteNumbers)
    }

    /// Whether members are found by id (else by number).
    pub fn by_id(self) -> bool {
        matches!(self, Filter::InvoiceIds | Filter::CreditNoteIds)
    }

    fn of(doc: &Doc) -> Filter {
        match (doc.kind, doc.id.is_some()) {
            (ExportedKind::Invoice, true) => Filter::InvoiceIds,
            (ExportedKind::Invoice, false) => match &doc.number {
                Some(n) if n.contains(',') => Filter::InvoiceNumberWhere,
                _ => Filter::InvoiceNumbers,
            },
            (ExportedKind::CreditNote, true) => Filter::CreditNoteIds,
            (ExportedKind::CreditNote, false) => Filter::CreditNoteNumbers,
        }
    }

    /// The query of a chunk of terms (ids or numbers), page `page`.
    pub fn query(self, terms: &[&str], page: u32, summary_only: bool) -> BTreeMap<String, String> {
        let mut q = BTreeMap::new();
        let where_of = |field: &str, guid: bool| {
            terms
                .iter()
                .map(|t| {
                    if guid {
                        format!("{field}==guid(\"{t}\")")
                    } else {
                        format!("{field}=={}", where_literal(t))
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        match self {
            Filter::InvoiceIds => {
                q.insert("IDs".to_owned(), terms.join(","));
            }
            Filter::InvoiceNumbers => {
                q.insert("InvoiceNumbers".to_owned(), terms.join(","));
            }
            Filter::InvoiceNumberWhere => {
                q.insert("where".to_owned(), where_of("InvoiceNumber", false));
            }
            Filter::CreditNoteIds => {
                q.insert("where".to_owned(), where_of("CreditNoteID", true));
            }
            Filter::CreditNoteNumbers => {
                q.insert("where".to_owned(), where_of("CreditNoteNumber", false));
            }
        }
        q.insert("page".to_owned(), page.to_string());
        // Only /Invoices takes summaryOnly (OpenAPI: GET /Invoices, /Contacts).
        if summary_only && !self.credit() {
            q.insert("summaryOnly".to_owned(), "true".to_owned());
        }
        q
    }
}

/// One planned GET (its later pages are asked for by the run).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// How it finds its documents.
    pub filter: Filter,
    /// Whether `If-Modified-Since` is sent.
    pub since: bool,
    /// Indices into the run's documents.
    pub members: Vec<usize>,
}

impl Chunk {
    /// The distinct terms (ids or numbers) of the members, in order.
    pub fn terms<'a>(&self, docs: &'a [Doc]) -> Vec<&'a str> {
        let mut out: Vec<&str> = Vec::with_capacity(self.members.len());
        for m in &self.members {
            if let Some(t) = docs.get(*m).and_then(term) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out
    }
}

fn term(doc: &Doc) -> Option<&str> {
    doc.id.as_deref().or(doc.number.as_deref())
}

/// Plans the chunks for `docs`: grouped as the module docs say, in input order within a group,
/// each chunk's URL at page 9999 within `limits.max_url` (so later pages fit too). A single
/// document whose URL alone is longer (a 255-character number full of characters to escape)
/// still gets a GET of its own: if Xero refuses it, that document is reported unread.
pub fn plan(docs: &[Doc], limits: &SyncLimits) -> Vec<Chunk> {
    let mut groups: BTreeMap<(Filter, bool), Vec<usize>> = BTreeMap::new();
    for (i, d) in docs.iter().enumerate() {
        let filter = Filter::of(d);
        let since = limits.since.is_some() && d.known.is_some() && filter.by_id();
        groups.entry((filter, since)).or_default().push(i);
    }
    let mut out = Vec::new();
    for ((filter, since), members) in groups {
        let mut open = Chunk {
            filter,
            since,
            members: Vec::new(),
        };
        for m in members {
            let mut trial = open.clone();
            trial.members.push(m);
            let fits = trial.terms(docs).len() <= MAX_PER_GET
                && url_len(&trial, docs, limits) <= limits.max_url;
            if fits || open.members.is_empty() {
                open = trial;
            } else {
                out.push(std::mem::replace(
                    &mut open,
                    Chunk {
                        filter,
                        since,
                        members: vec![m],
                    },
                ));
            }
        }
        if !open.members.is_empty() {
            out.push(open);
        }
    }
    out
}

/// The whole URL's length (base URL included) of a chunk at a four-digit page.
pub fn url_len(chunk: &Chunk, docs: &[Doc], limits: &SyncLimits) -> usize {
    let q = chunk
        .filter
        .query(&chunk.terms(docs), 9999, limits.summary_only);
    BASE_URL.len() + url(chunk.filter.path(), &q).len()
}
