//! The JS binding, exercised in headless Chromium (wasm-bindgen-test, run_in_browser).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(target_arch = "wasm32")]

#[path = "support/wasm_common.rs"]
mod common;

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn runs_in_a_browser() {
    // Proof that this suite is not silently running under Node.
    assert!(web_sys_document_exists());
}

#[wasm_bindgen_test]
fn line_amount_in_browser() {
    common::line_amount_round_trip();
}

#[wasm_bindgen_test]
fn misuse_throws_a_coded_error_in_browser() {
    common::misuse_throws_coded_error();
}

fn web_sys_document_exists() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"document".into()).is_ok_and(|d| d.is_object())
}
