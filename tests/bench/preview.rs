#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]
//! `cargo bench --bench preview`: previews 10,000 invoices × 5 lines with tracking and contact
//! resolution, natively, from JSON text in to the text the wasm build returns (the request bodies
//! set apart from the preview's JSON: `Exporter::preview_split_json`, the function the package
//! calls). Prints invoices per second. A benchmark, not a test: no assertions on time.

use std::time::Instant;

use serde_json::{json, Value};
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput, SourceInvoice};

fn read(rel: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_default()
}

/// The same generator as tests/bench/preview.mjs (deterministic, no RNG).
fn invoices(n: usize) -> Value {
    let payers = [
        json!({"kind": "patient", "id": "P-100", "contactNumber": "P-100", "name": "Katherine Warren"}),
        json!({"kind": "thirdParty", "id": "ins-7", "name": "Southern Cross", "accountNumber": "INS-7"}),
        json!({"kind": "patient", "id": "p-new", "name": "New Patient", "email": "new@example.com"}),
        json!({"kind": "patient", "id": "p-x", "name": "sam jones"}),
    ];
    let clinicians = ["dr-1", "dr-2", "dr-1", "dr-9"];
    let locations = ["north", "south"];
    let invs: Vec<Value> = (0..n)
        .map(|i| {
            let lines: Vec<Value> = (0..5)
                .map(|l| {
                    json!({"description": format!("Appointment item {l}"), "quantity": (l % 3) + 1, "unitAmount": format!("{}.{:02}", 20 + (i * 7 + l * 13) % 180, (i + l) % 100),
                           "taxCode": if l == 4 { "EXEMPT" } else { "GST" }, "clinicianId": clinicians[(i + l) % 4], "locationId": locations[(i + l) % 2]})
                })
                .collect();
            json!({"id": format!("appt-{i}"), "number": format!("CL-{i}"), "reference": format!("2024-01-{:02}", i % 28 + 1), "date": "2024-01-15", "payer": payers[i % 4], "lines": lines})
        })
        .collect();
    Value::Array(invs)
}

fn main() {
    let n: usize = std::env::var("BENCH_INVOICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let snapshot: SnapshotInput =
        serde_json::from_str(&read("tests/fixtures/sample/snapshot.json")).expect("snapshot");
    let workload: Value =
        serde_json::from_str(&read("tests/bench/workload.json")).expect("workload");
    let settings: Settings =
        serde_json::from_value(workload["settings"].clone()).expect("settings");
    let exporter = Exporter::new(Snapshot::new(snapshot), settings);
    let input = serde_json::to_string(&invoices(n)).expect("json");
    // BENCH_PROFILE=results|bodies: only `preview_results` (what the wasm build runs), with or
    // without display data, repeated BENCH_RUNS times, so a profiler sees that path alone.
    if let Ok(mode) = std::env::var("BENCH_PROFILE") {
        let options = xero_export::preview::PreviewOptions {
            lines: mode != "bodies",
            bodies: true,
        };
        // BENCH_PROFILE=one: one `preview_results` per invoice, with display data (a page
        // previewing as the user edits), so a profiler sees what a call pays beyond the batch;
        // BENCH_PROFILE=page: the same through `Exporter::preview_page`, what the binding's
        // `preview` runs (the tracking lists carried between calls).
        if mode == "one" || mode == "page" {
            let all = invoices(n);
            let singles: Vec<String> = all
                .as_array()
                .expect("array")
                .iter()
                .map(|inv| serde_json::to_string(&[inv]).expect("json"))
                .collect();
            let mut best = f64::MAX;
            for _ in 0..runs {
                let t = Instant::now();
                // As api.js holds them (read back here, so timed too: profile with
                // --toggle-collect='*page_call*').
                let mut known = xero_export::exporter::KnownLists::default();
                let mut lists = std::collections::BTreeMap::new();
                for one in &singles {
                    if mode == "page" {
                        let page = page_call(&exporter, one, options, known).expect("preview");
                        let page = page.expect("a page");
                        let read = xero_export::preview::results::whole_json(&page, &mut lists);
                        known.generation = read.expect("a page").0;
                        known.lists = lists.len();
                        continue;
                    }
                    let r = exporter.preview_results(one, options).expect("preview");
                    assert_eq!(r.len(), 1);
                }
                best = best.min(t.elapsed().as_secs_f64());
            }
            println!(
                "native preview_results, one call per invoice: best of {runs} {:.2} us/invoice",
                best * 1e6 / n as f64
            );
            return;
        }
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = Instant::now();
            let r = exporter.preview_results(&input, options).expect("preview");
            assert_eq!(r.len(), n);
            best = best.min(t.elapsed().as_secs_f64());
        }
        // What the result holds against the input (`Results::estimate` sizes its buffers so).
        let r = exporter.preview_results(&input, options).expect("preview");
        let bodies: usize = (0..n).map(|i| r.body(i).map_or(0, str::len)).sum();
        let display = r.page(0..n).map_or(0, |p| p.len()) - bodies;
        println!(
            "held: bodies {:.2}x the input's {} bytes, display data {:.2}x, buffers {:.2}x",
            bodies as f64 / input.len() as f64,
            input.len(),
            display as f64 / input.len() as f64,
            r.held_bytes() as f64 / input.len() as f64
        );
        println!(
            "native preview_results ({mode}): best of {runs} {:.1} ms = {:.2} us/invoice",
            best * 1e3,
            best * 1e6 / n as f64
        );
        return;
    }
    let lean = xero_export::preview::PreviewOptions {
        lines: false,
        bodies: true,
    };
    // What the package runs: JSON text in, the split text out, invoice by invoice.
    let streamed = |options| {
        let mut best = f64::MAX;
        let mut out_len = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let out = exporter
                .preview_split_json(&input, options)
                .expect("preview");
            best = best.min(t.elapsed().as_secs_f64());
            out_len = out.len();
        }
        (best, out_len)
    };
    let (best_lean, _) = streamed(lean);
    let (best, out_len) = streamed(xero_export::preview::PreviewOptions::default());
    // The Rust batch API (`preview_with` over parsed invoices, then `into_split_json`): the same
    // bytes, holding the whole batch in memory at once.
    let mut best_batch = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let invs: Vec<SourceInvoice> = serde_json::from_str(&input).expect("parse");
        let out = exporter
            .preview_with(&invs, lean)
            .into_split_json()
            .expect("serialize");
        best_batch = best_batch.min(t.elapsed().as_secs_f64());
        assert!(!out.is_empty());
    }
    println!(
        "native preview, bodies only (lines: false): best of {runs} {:.1} ms = {:.0} invoices/s",
        best_lean * 1e3,
        n as f64 / best_lean
    );
    println!(
        "native batch API (parse all, preview_with, into_split_json), bodies only: {:.1} ms = {:.0} invoices/s",
        best_batch * 1e3,
        n as f64 / best_batch
    );
    // Where the time goes (bodies only), for profiling.
    let t = Instant::now();
    let invs: Vec<SourceInvoice> = serde_json::from_str(&input).expect("parse");
    let t1 = t.elapsed();
    let preview = exporter.preview_with(&invs, lean);
    let t2 = t.elapsed();
    let issues: usize = preview.documents.iter().map(|d| d.issues.len()).sum();
    let out = preview.into_split_json().expect("serialize");
    let t3 = t.elapsed();
    drop(invs);
    let t4 = t.elapsed();
    eprintln!(
        "bodies only, phases: parse {:?}, preview {:?}, write {:?}, drop input {:?}; {issues} issues, out {:.1} MB",
        t1,
        t2 - t1,
        t3 - t2,
        t4 - t3,
        out.len() as f64 / 1e6
    );
    // One call per invoice (a page previewing as the user edits): each call a batch of one, so
    // what a batch sets up once is paid per invoice here.
    let singles: Vec<String> = serde_json::from_str::<Vec<Value>>(&input)
        .expect("parse")
        .iter()
        .map(|v| format!("[{v}]"))
        .collect();
    let mut best_single = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        for one in &singles {
            let r = exporter
                .preview_results(one, xero_export::preview::PreviewOptions::default())
                .expect("preview");
            assert_eq!(r.len(), 1);
        }
        best_single = best_single.min(t.elapsed().as_secs_f64());
    }
    println!(
        "native preview, one call per invoice (display data): best of {runs} {:.1} ms = {:.0} invoices/s",
        best_single * 1e3,
        n as f64 / best_single
    );
    println!("native preview: {n} invoices x 5 lines, JSON in ({:.1} MB) -> JSON out ({:.1} MB): best of {runs} {:.1} ms = {:.0} invoices/s", input.len() as f64 / 1e6, out_len as f64 / 1e6, best * 1e3, n as f64 / best);
}

/// `Exporter::preview_page`, kept out of line so that a profiler can count it alone.
#[inline(never)]
fn page_call(
    exporter: &Exporter,
    one: &str,
    options: xero_export::preview::PreviewOptions,
    known: xero_export::exporter::KnownLists,
) -> Result<Option<String>, serde_json::Error> {
    exporter.preview_page(one, options, known)
}
