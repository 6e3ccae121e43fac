//! The preview held as parts (issue 20's result handle, `Exporter::preview_results`) and
//! previewed in chunks (`Exporter::preview_chunk`): every part is the batch preview's, for
//! every product scenario and every combination of options, whatever the chunk sizes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

use serde_json::Value;
use std::collections::BTreeMap;
use xero_export::exporter::KnownLists;
use xero_export::exporter::PreviewSession;
use xero_export::input::source::{timesheet_invoice, TimesheetInput};
use xero_export::preview::results::{whole_json, Results};
use xero_export::preview::PreviewOptions;
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput, SourceInvoice};

fn fixture(rel: &str) -> String {
    fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn scenario(name: &str) -> (Exporter, Vec<SourceInvoice>) {
    let snapshot: SnapshotInput = serde_json::from_str(&fixture("sample/snapshot.json")).unwrap();
    let scenario: Value =
        serde_json::from_str(&fixture(&format!("scenarios/{name}.json"))).unwrap();
    let settings: Settings = serde_json::from_value(scenario["settings"].clone()).unwrap();
    let mut invoices: Vec<SourceInvoice> =
        serde_json::from_value(scenario["invoices"].clone()).unwrap();
    if let Some(sheets) = scenario.get("timesheets") {
        let sheets: Vec<TimesheetInput> = serde_json::from_value(sheets.clone()).unwrap();
        invoices.extend(sheets.iter().map(timesheet_invoice));
    }
    (Exporter::new(Snapshot::new(snapshot), settings), invoices)
}

const OPTIONS: [(bool, bool); 4] = [(true, true), (false, true), (true, false), (false, false)];

/// The documents of `results` put back together as the batch preview writes them.
fn documents(results: &[Results]) -> Vec<Value> {
    let mut out = Vec::new();
    for r in results {
        for i in 0..r.len() {
            let mut doc: Value = serde_json::from_str(&r.summary(i).unwrap()).unwrap();
            let o = doc.as_object_mut().unwrap();
            o.insert(
                "lines".into(),
                serde_json::from_str(&r.lines(i).unwrap()).unwrap(),
            );
            o.insert(
                "issues".into(),
                serde_json::from_str(&r.issues(i).unwrap()).unwrap(),
            );
            o.insert("body".into(), r.body(i).map_or(Value::Null, Value::from));
            out.push(doc);
        }
        assert!(r.summary(r.len()).is_none() && r.body(r.len()).is_none());
    }
    out
}

/// Every part of every document, and the batch's part, is the batch preview's.
#[test]
fn results_hold_the_batch_preview_part_by_part() {
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (exporter, invoices) = scenario(name);
        let json = serde_json::to_string(&invoices).unwrap();
        for (lines, bodies) in OPTIONS {
            let options = PreviewOptions { lines, bodies };
            let mut whole =
                serde_json::to_value(exporter.preview_with(&invoices, options)).unwrap();
            let results = exporter.preview_results(&json, options).unwrap();
            assert_eq!(results.len(), invoices.len());
            assert_eq!(results.first_index(), 0);
            let docs = documents(std::slice::from_ref(&results));
            assert_eq!(Value::from(docs), whole["documents"], "{name} {options:?}");
            let batch: Value = serde_json::from_str(&results.batch_json()).unwrap();
            whole.as_object_mut().unwrap().remove("documents");
            assert_eq!(batch, whole, "{name} {options:?}");
            // Key for key, in the preview JSON's order: its text after the documents.
            let text = exporter.preview_json(&json, options).unwrap();
            assert!(
                text.ends_with(&results.batch_json()[1..]),
                "{name} {options:?}"
            );
        }
    }
}

/// A batch previewed in chunks of any size is the batch previewed at once: contacts planned
/// across chunks, duplicate ids seen across chunks, documents numbered on.
#[test]
fn a_batch_in_chunks_is_the_batch_at_once() {
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (exporter, mut invoices) = scenario(name);
        // A duplicate id in a later chunk is still blocked.
        invoices.push(invoices[0].clone());
        let json = serde_json::to_string(&invoices).unwrap();
        for (lines, bodies) in OPTIONS {
            let options = PreviewOptions { lines, bodies };
            let once = exporter.preview_results(&json, options).unwrap();
            for size in [1, 2, 3] {
                let mut session = PreviewSession::new(options);
                let chunks: Vec<Results> = invoices
                    .chunks(size)
                    .map(|c| {
                        let text = serde_json::to_string(c).unwrap();
                        exporter.preview_chunk(&mut session, &text).unwrap()
                    })
                    .collect();
                assert_eq!(session.documents(), invoices.len());
                if let Some(second) = chunks.get(1) {
                    assert_eq!(second.first_index(), size);
                }
                let msg = format!("{name} {options:?} chunks of {size}");
                assert_eq!(
                    documents(&chunks),
                    documents(std::slice::from_ref(&once)),
                    "{msg}"
                );
                let last = chunks.last().unwrap();
                assert_eq!(last.batch_json(), once.batch_json(), "{msg}");
            }
        }
    }
}

/// A chunk that cannot be read fails whole and leaves the batch as it was; input errors say
/// where in the caller's terms, counting from the chunk's first document.
#[test]
fn a_chunk_that_cannot_be_read_changes_nothing() {
    let (exporter, invoices) = scenario("clinic");
    let options = PreviewOptions::default();
    let mut session = PreviewSession::new(options);
    let first = serde_json::to_string(&invoices[..1]).unwrap();
    exporter.preview_chunk(&mut session, &first).unwrap();
    let good = serde_json::to_string(&invoices[1]).unwrap();
    let err = exporter
        .preview_chunk(&mut session, &format!("[{good},{{\"id\":true}}]"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("`invoices[2].id`"), "{err}");
    assert!(exporter.preview_chunk(&mut session, "[1").is_err());
    assert_eq!(session.documents(), 1);
    let next = exporter
        .preview_chunk(&mut session, &format!("[{good}]"))
        .unwrap();
    assert_eq!(next.first_index(), 1);
    let doc: Value = serde_json::from_str(&next.summary(0).unwrap()).unwrap();
    assert_eq!(doc["index"], 1);
    assert!(exporter.preview_results("{}", options).is_err());
    let empty = exporter.preview_results(" [ ] ", options).unwrap();
    assert!(empty.is_empty());
    let batch: Value = serde_json::from_str(&empty.batch_json()).unwrap();
    assert_eq!(batch["summary"]["documents"], 0);
}

/// A later chunk with no invoices (a page of the host's cursor that its filter emptied) still
/// starts where the batch is: `first_index` is the batch index its documents would have had,
/// so that `first_index + len` counts the batch so far, as for every other chunk.
#[test]
fn an_empty_later_chunk_starts_where_the_batch_is() {
    let (exporter, invoices) = scenario("clinic");
    let mut session = PreviewSession::new(PreviewOptions::default());
    let first = serde_json::to_string(&invoices[..2]).unwrap();
    exporter.preview_chunk(&mut session, &first).unwrap();
    let empty = exporter.preview_chunk(&mut session, "[]").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.first_index(), 2);
    let next = serde_json::to_string(&invoices[2..3]).unwrap();
    assert_eq!(
        exporter
            .preview_chunk(&mut session, &next)
            .unwrap()
            .first_index(),
        2
    );
}
/// `Results::documents`: the page of the binding's flat form (`Results::page`) read back as
/// JSON; the page holds exactly these documents and, of the tracking lists, only those their
/// lines name.
fn range(results: &Results, start: usize, end: usize) -> Vec<Value> {
    let page = results.page(start..end).unwrap();
    let (json, rest) = xero_export::preview::results::page_json(&page).unwrap();
    assert_eq!(rest, "");
    assert_eq!(results.documents(start..end), Some(json.clone()));
    let docs: Vec<Value> = serde_json::from_str(&json).unwrap();
    let named: std::collections::BTreeSet<String> = docs
        .iter()
        .flat_map(|d| d["lines"].as_array().unwrap())
        .map(|l| l["tracking"].to_string())
        .collect();
    // The lists the page carries: after the count and the bodies, how many, then each.
    let carried: usize = page
        .split('\0')
        .nth(end - start + 1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(carried, named.len(), "lists carried and lists named");
    docs
}

/// A range of documents read in one text is those documents read part by part, for every
/// scenario and options; a range past the end is refused, an empty one is empty.
#[test]
fn a_range_of_documents_is_read_whole_in_one_text() {
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (exporter, invoices) = scenario(name);
        let json = serde_json::to_string(&invoices).unwrap();
        for (lines, bodies) in OPTIONS {
            let options = PreviewOptions { lines, bodies };
            let results = exporter.preview_results(&json, options).unwrap();
            let n = results.len();
            let parts = documents(std::slice::from_ref(&results));
            assert_eq!(range(&results, 0, n), parts, "{name} {options:?}");
            // The whole preview (what `exporter.preview` reads in JS for a small batch): its
            // table's generation and first list, every document, then the batch's part.
            let whole = results.whole(7, 0).unwrap();
            let mut lists = BTreeMap::from([(9, "stale".to_owned())]);
            let (generation, from, docs, batch) = whole_json(&whole, &mut lists).unwrap();
            assert_eq!((generation, from), (7, 0));
            assert_eq!(serde_json::from_str::<Vec<Value>>(&docs).unwrap(), parts);
            assert_eq!(batch, results.batch_json());
            assert!(
                !lists.contains_key(&9),
                "from list 0, the lists held are dropped"
            );
            assert_eq!(range(&results, 1, n), parts[1..], "{name} {options:?}");
            assert_eq!(range(&results, 0, 1), parts[..1], "{name} {options:?}");
            assert_eq!(results.documents(n..n).as_deref(), Some("[]"));
            assert_eq!(results.page(n..n).as_deref(), Some("0\u{0}0\u{0}"));
            assert_eq!(range(&results, n, n), Vec::<Value>::new());
            assert!(results.documents(0..n + 1).is_none());
            assert!(results.documents(n + 1..n + 2).is_none());
            assert!(results.page(0..n + 1).is_none());
            #[allow(clippy::reversed_empty_ranges)]
            let backwards = results.documents(1..0);
            assert!(backwards.is_none());
        }
    }
}

/// The exporter keeps what tracking resolution learns (lookups, stale-option warnings)
/// between calls: previews after many calls, one invoice at a time or the whole batch, are
/// byte for byte those of a fresh exporter.
#[test]
fn an_exporter_previews_the_same_however_often_it_is_called() {
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (used, invoices) = scenario(name);
        let json = serde_json::to_string(&invoices).unwrap();
        let options = PreviewOptions::default();
        let singles: Vec<String> = invoices
            .iter()
            .map(|inv| serde_json::to_string(std::slice::from_ref(inv)).unwrap())
            .collect();
        let fresh_batch = scenario(name).0.preview_json(&json, options).unwrap();
        let fresh_singles: Vec<String> = singles
            .iter()
            .map(|one| scenario(name).0.preview_json(one, options).unwrap())
            .collect();
        for round in 0..3 {
            for (one, fresh) in singles.iter().zip(&fresh_singles) {
                let again = used.preview_json(one, options).unwrap();
                assert_eq!(&again, fresh, "{name} round {round}");
            }
            assert_eq!(used.preview_json(&json, options).unwrap(), fresh_batch);
        }
    }
}

/// The binding's one-call preview (`Exporter::preview_page`) called again and again, as a
/// page previewing one invoice at a time calls it, and read as api.js reads it (keeping the
/// lists of earlier calls): each call is that invoice's own preview, and a call starts again
/// from list 0 only when the caller's lists are not the table's (another generation, more
/// than the table holds, or none). Also when the caller's lists are behind (a call failed
/// after adding lists).
#[test]
fn one_call_previews_send_each_list_once() {
    for name in ["clinic", "billing", "crm", "timesheet"] {
        let (exporter, invoices) = scenario(name);
        for (lines, bodies) in OPTIONS {
            let options = PreviewOptions { lines, bodies };
            let mut lists = BTreeMap::new();
            let mut known = KnownLists::default();
            let mut sent = 0;
            for (k, inv) in invoices.iter().chain(&invoices).enumerate() {
                let one = serde_json::to_string(&[inv]).unwrap();
                let msg = format!("{name} {options:?} call {k}");
                // Every third call, a batch that fails after its first invoice was previewed.
                if k % 3 == 1 {
                    let bad = format!("[{}, {{\"lines\": 7}}]", &one[1..one.len() - 1]);
                    assert!(exporter.preview_page(&bad, options, known).is_err());
                }
                // Now and then the caller's lists are not the table's.
                let ask = match k % 7 {
                    3 => KnownLists {
                        generation: 99,
                        ..known
                    },
                    5 => KnownLists {
                        lists: known.lists + 50,
                        ..known
                    },
                    // Whatever a caller passes, even the largest values, is only a hint.
                    6 => KnownLists {
                        generation: u32::MAX,
                        lists: usize::MAX,
                    },
                    _ => known,
                };
                let text = exporter.preview_page(&one, options, ask).unwrap().unwrap();
                let (generation, from, docs, batch) = whole_json(&text, &mut lists).unwrap();
                sent += lists.len() - from;
                known = KnownLists {
                    generation,
                    lists: lists.len(),
                };
                let want = exporter.preview_json(&one, options).unwrap();
                let want: Value = serde_json::from_str(&want).unwrap();
                let docs: Value = serde_json::from_str(&docs).unwrap();
                assert_eq!(docs, want["documents"], "{msg}");
                assert!(exporter
                    .preview_json(&one, options)
                    .unwrap()
                    .ends_with(&batch[1..]));
                assert_eq!(from == 0, k == 0 || [3, 5, 6].contains(&(k % 7)), "{msg}");
            }
            // Each distinct list crossed once, but for the calls that started again at 0.
            let distinct: std::collections::BTreeSet<&String> = lists.values().collect();
            assert_eq!(distinct.len(), lists.len(), "{name} {options:?}");
            assert!(sent >= lists.len());
        }
    }
}
