//! The JS binding, exercised under Node (wasm-bindgen-test).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(target_arch = "wasm32")]

#[path = "support/wasm_common.rs"]
mod common;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn line_amount_in_node() {
    common::line_amount_round_trip();
}

#[wasm_bindgen_test]
fn misuse_throws_a_coded_error_in_node() {
    common::misuse_throws_coded_error();
}
