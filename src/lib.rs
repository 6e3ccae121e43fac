//! # xero-export
//!
//! Turns a business application's invoices into exactly the requests the Xero Accounting API
//! expects, checks them against the organisation's current Xero data before anything is sent,
//! previews the totals Xero will compute to the cent, and reads Xero's answers back into one
//! outcome per invoice.
//!
//! The library is sans-IO: it does no HTTP, reads no clock and no RNG. The host (a browser
//! page or a Node backend, through the WebAssembly build) performs the requests it plans and
//! hands the responses back.
//!
//! Two channels for problems, never mixed:
//! - expected problems are data: [`Issue`]s with a stable [`IssueCode`], a path and a message,
//!   all of them at once;
//! - misuse (input that does not fit the types) is an [`Error`], thrown in JS as an `Error`
//!   with `name`, `code` and `details`.
//!
//! The modules below are plain Rust; only the `wasm` binding module (compiled for
//! `wasm32` only) touches wasm-bindgen, js-sys or serde-wasm-bindgen.

#![forbid(unsafe_code)]
// A function fits on a screen: at most 80 lines (.clippy.toml), enforced by `make lint`.
#![warn(clippy::too_many_lines)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::too_many_lines
    )
)]

pub mod build;
pub mod dates;
pub mod error;
pub mod exporter;
pub mod input;
pub mod issues;
pub mod money;
pub mod names;
pub mod preview;
pub mod resolve;
pub mod send;
pub mod tracking_csv;
pub mod xero;

/// Generates pkg-template/types.d.ts from the types above and checks the committed copy.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod ts_types;

/// The JS binding (wasm32 only). Public so the wasm test suites can call the exports directly.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use error::{Error, ErrorCode};
pub use exporter::Exporter;
pub use input::settings::Settings;
pub use input::snapshot::{Snapshot, SnapshotInput};
pub use input::source::SourceInvoice;
pub use issues::{Issue, IssueCode, Severity};
pub use preview::{DocumentPreview, Preview};
pub use xero::kind::DocumentKind;

/// Text as the core keeps it: up to 23 bytes inline on every target (wasm32 included), longer
/// text shared, so cloning never copies. Ids, codes, descriptions and paths are mostly short and
/// are copied from the host's invoices into documents and outcomes; a `String` per copy was the
/// largest cost of a preview.
pub type Text = smol_str::SmolStr;

/// The library's version (the crate version, stamped into the npm package too).
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
