#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::expect_used)]
//! `cargo bench --bench csv`: the tracking-options CSV validator natively, on the same generated
//! 1,000,000-row file as tests/bench/csv.mjs, pushed in 1 MiB chunks with assignments off (what
//! the Node benchmark's "ours" mode runs). Prints MB/s and ns per row, the median of
//! BENCH_RUNS runs. A benchmark, not a test: no assertions on time, only on the row counts.
//!
//! The file's keys are in order, as exports from a database usually are, and the key set then
//! needs no hash table (tracking_csv/keys.rs); a second line times the same rows with their keys
//! in reverse order, where every key goes through the table.
//!
//! BENCH_PROFILE=1: one run only and a short summary, so a profiler (perf, callgrind) sees the
//! validation and little else. BENCH_ROWS changes the row count (e.g. 100000 for callgrind).

use std::time::Instant;

use xero_export::tracking_csv::{read_snapshot, Options, Validator};

/// The same generator as tests/bench/csv.mjs's `generate()`, mirrored byte for byte (the two
/// cannot share code; main() compares the bytes with the Node file when that exists): 1M
/// clients, every 10th name quoted with a comma, 1 row in 1000 with an unknown option and 1 in
/// 5000 with an archived one. `reversed`: the keys count down (csv.mjs's reversed file).
fn generate(rows: usize, reversed: bool) -> Vec<u8> {
    let clinicians = ["Dr Aroha Smith", "Dr Ben Lee", "General"];
    let locations = ["North", "South", ""];
    let mut out = Vec::with_capacity(rows * 70);
    out.extend_from_slice(
        b"Client ID,Client Name,Email,Xero Tracking Category 1,Xero Tracking Category 2\r\n",
    );
    for i in 1..=rows {
        let name = if i % 10 == 0 {
            format!("\"Harbour Dental, Ltd {i}\"")
        } else {
            format!("Client {i}")
        };
        let c1 = if i % 1000 == 0 {
            "Dr Ben Le" // unknown: suggestion "Dr Ben Lee"
        } else {
            clinicians[i % 3]
        };
        let c2 = if i % 5000 == 1 {
            "Harbour" // archived
        } else {
            locations[i % 3]
        };
        let key = if reversed { rows + 1 - i } else { i };
        let line = format!("C{key:07},{name},accounts{i}@example.com,{c1},{c2}\r\n");
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rows = env_usize("BENCH_ROWS", 1_000_000);
    let profile = std::env::var_os("BENCH_PROFILE").is_some();
    let runs = if profile {
        1
    } else {
        env_usize("BENCH_RUNS", 7)
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/fixtures/sample/snapshot.json"))
        .expect("snapshot");
    let snapshot = read_snapshot(&text).expect("snapshot");
    let data = generate(rows, false);
    if let Ok(node) = std::fs::read(root.join("tests/bench/out/clients-1m.csv")) {
        let same = rows != 1_000_000 || node == data;
        assert!(
            same,
            "tests/bench/out/clients-1m.csv differs: the generators drifted apart"
        );
    }
    let reversed = std::env::var_os("BENCH_REVERSED").is_some();
    for (backwards, what) in [(false, "keys in order"), (true, "keys in reverse order")] {
        if profile && backwards != reversed {
            continue;
        }
        let data = if backwards {
            let reversed = generate(rows, true);
            let node = std::fs::read(root.join("tests/bench/out/clients-1m-reversed.csv"));
            if let (Ok(node), 1_000_000) = (node, rows) {
                assert!(
                    node == reversed,
                    "clients-1m-reversed.csv differs from generate()"
                );
            }
            reversed
        } else {
            data.clone()
        };
        bench(&data, rows, runs, &snapshot, what);
    }
}

fn bench(data: &[u8], rows: usize, runs: usize, snapshot: &xero_export::Snapshot, what: &str) {
    const CHUNK: usize = 1 << 20;
    let options = Options {
        assignments: false,
        ..Options::default()
    };
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let mut v = Validator::new(snapshot, options.clone());
        for chunk in data.chunks(CHUNK) {
            v.push(chunk);
        }
        let report = v.finish();
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(report.rows_read, rows as u64);
        assert_eq!(
            report.rows_failing,
            (rows / 1000 + rows.div_ceil(5000)) as u64
        );
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "native tracking CSV, {rows} rows ({:.1} MB), {what}, median of {runs}: {:.1} ms = {:.0} MB/s = {:.0} ns/row (best {:.1} ms)",
        data.len() as f64 / 1e6,
        median * 1e3,
        data.len() as f64 / 1e6 / median,
        median * 1e9 / rows as f64,
        times[0] * 1e3,
    );
}
