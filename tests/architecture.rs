//! Guards the architecture: the core never names the JS binding crates, and the repository's
//! top level stays exactly what DESIGN.md lists.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_modules_never_import_the_binding_crates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let binding = root.join("src").join("wasm");
    let mut leaks = Vec::new();
    for file in files.iter().filter(|f| !f.starts_with(&binding)) {
        let text = fs::read_to_string(file).unwrap();
        for needle in ["wasm_bindgen", "js_sys", "serde_wasm_bindgen", "web_sys"] {
            // The crate root may name the module path in a cfg'd declaration and the tests'
            // dual attributes; anything else is a leak.
            for (n, line) in text.lines().enumerate() {
                let l = line.trim_start();
                if l.contains(needle)
                    && !l.starts_with("#[cfg_attr(target_arch = \"wasm32\", wasm_bindgen_test")
                {
                    leaks.push(format!("{}:{}: {}", file.display(), n + 1, l));
                }
            }
        }
    }
    assert!(files.len() > 3, "found no source files");
    assert!(
        leaks.is_empty(),
        "core modules name binding crates:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn float_types_stay_out_of_the_core() {
    // Money is Decimal end to end. The single sanctioned float is the JS-number entry point in
    // money.rs, which only prints the number's shortest text.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // The CSV export's cell reader forwards serde's `visit_f64` to money.rs's
            // `NumVisitor` (the sanctioned entry) and never reads or computes the float itself.
            let forwarded = file.ends_with("src/tracking_csv/csv_export.rs")
                && code.contains("visit_f64")
                && !code.contains("as f64");
            if (code.contains("f64") || code.contains("f32")) && !forwarded {
                found.push(format!(
                    "{}:{}",
                    file.strip_prefix(root).unwrap().display(),
                    n + 1
                ));
            }
        }
    }
    // input/unknown.rs wraps serde's deserializer and forwards `deserialize_f64`/`visit_f64`
    // unchanged to the inner one; it never reads or computes a float.
    let allowed = |f: &String| {
        f.starts_with("src/money.rs")
            || f.starts_with("src/wasm/")
            || f.starts_with("src/input/unknown.rs")
    };
    let bad: Vec<_> = found.iter().filter(|f| !allowed(f)).collect();
    assert!(bad.is_empty(), "floats outside money.rs: {bad:?}");
}

#[test]
fn top_level_is_exactly_the_documented_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let allowed = [
        "Cargo.toml",
        "Cargo.lock",
        "src",
        "pkg-template",
        "www",
        "tests",
        "README.md",
        "LICENSE",
        "Makefile",
        "scripts",
        ".ci",
        ".cargo",
        ".git",
        ".gitignore",
        ".clippy.toml",
        "CHANGELOG.md",
        // build outputs, ignored by git
        "target",
        "pkg",
    ];
    for entry in fs::read_dir(root).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            allowed.contains(&name.as_str()),
            "unexpected top-level entry {name}"
        );
    }
}

/// The flow runs one way: input → resolve → build → preview's view model, driven by the
/// exporter. A step that named a later one would make a circle (resolve needing build, the
/// view model needing the exporter that fills it), so each rule here is a path that must not
/// appear in code (doc comments may still name it).
#[test]
fn the_flow_has_no_import_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules: [(&str, &[&str]); 4] = [
        (
            "resolve",
            &["crate::build", "crate::preview", "crate::exporter"],
        ),
        ("build", &["crate::exporter"]),
        (
            "preview",
            &["crate::exporter", "crate::Exporter", "crate::build"],
        ),
        // The configuration screen reads the snapshot and settings with resolve's rules; it
        // never builds, previews, sends or syncs.
        (
            "choices",
            &[
                "crate::build",
                "crate::preview",
                "crate::exporter",
                "crate::send",
                "crate::sync",
            ],
        ),
    ];
    let mut bad = Vec::new();
    for (module, forbidden) in rules {
        let mut files = Vec::new();
        rust_files(&root.join(module), &mut files);
        assert!(!files.is_empty(), "no files in src/{module}");
        for file in files {
            let text = fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                if let Some(f) = forbidden.iter().find(|f| code.contains(*f)) {
                    bad.push(format!("{}:{}: names {f}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the flow:\n{}",
        bad.join("\n")
    );
}
