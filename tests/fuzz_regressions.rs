//! Replays the fuzz targets natively, in `cargo test`: every seed made from the fixtures, and
//! every input saved in tests/fuzz/regressions/<target>/ (a crash libFuzzer found, kept after
//! the fix so it stays fixed). The targets' bodies are shared with the cargo-fuzz binaries.
//!
//! `FUZZ_SEEDS_OUT=dir` also writes the seeds to `dir/<target>/`, as the corpus `make fuzz`
//! starts from.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "fuzz/targets.rs"]
mod targets;

use std::fs;
use std::path::Path;

#[test]
fn every_seed_runs_through_its_target() {
    let seeds = targets::seeds();
    let out = std::env::var_os("FUZZ_SEEDS_OUT");
    for (i, (name, bytes)) in seeds.iter().enumerate() {
        let (_, run) = targets::TARGETS.iter().find(|(n, _)| n == name).unwrap();
        run(bytes);
        if let Some(dir) = &out {
            let dir = Path::new(dir).join(name);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(format!("seed-{i}")), bytes).unwrap();
        }
    }
    for (name, _) in targets::TARGETS {
        assert!(seeds.iter().any(|(n, _)| *n == name), "no seed for {name}");
    }
}

#[test]
fn every_saved_crash_stays_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/regressions");
    let mut replayed = 0;
    for (name, run) in targets::TARGETS {
        let Ok(entries) = fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = fs::read(&path).unwrap();
                let result = std::panic::catch_unwind(|| run(&bytes));
                assert!(result.is_ok(), "{name}: {} panics again", path.display());
                replayed += 1;
            }
        }
    }
    println!("replayed {replayed} saved inputs");
}
