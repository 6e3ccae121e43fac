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
//! # Architecture
//!
//! One direction, no back and forth (DESIGN.md's flow); each step reads only the steps above it.
//!
//! ```text
//!  host JSON ─► input ──► resolve ──► build ──► preview (view model + JSON)
//!               │ snapshot, settings,  │ per invoice:     │ wire document,
//!               │ source invoices      │ kind, contact,   │ exact totals,
//!               │ read once            │ account + tax +  │ issues
//!               │                      │ tracking / line, │
//!               │                      │ due date, number │
//!               └──────────── exporter drives them, invoice by invoice ──┘
//!                                                          │
//!                                             send: plan ─► requests ─► host does HTTP
//!                                                   run  ◄── answers ◄──┘
//!                                                   │ one outcome per invoice, the log
//!                                             sync: exported docs ─► GETs ─► changes (paid...)
//!  xero: Xero's shapes (document kinds, request bodies, reading answers), used by build and send
//! ```
//!
//! What each module owns, and what it may not touch:
//! - [`input`]: the caller's data read once (settings, snapshot lookup tables, source invoices);
//!   knows no Xero request and no later step.
//! - [`resolve`]: a source invoice against snapshot + settings → `ResolvedInvoice` (kind,
//!   contact, per-line account, tax and tracking, due date, numbering, update rules); one small
//!   module per concern; must not import `build`, `preview` or the exporter.
//! - [`build`]: `ResolvedInvoice` → the wire document, exact totals and the preview's document
//!   (the credit-note flip, lines as sent, document checks); never re-resolves.
//! - [`preview`]: the public view model, its hand-written JSON, the result handle and the flat
//!   form its display data crosses to JS in; computes nothing, must not import the exporter or
//!   `build`.
//! - [`exporter`]: the façade that holds what is parsed and prepared once and streams each
//!   invoice through resolve → build → preview; holds no rule of its own.
//! - [`xero`]: the one home of Xero's shapes: [`DocumentKind`] and its collection (endpoint, id
//!   and number fields), the JSON writer of every request body, reading Xero's answers.
//! - [`send`]: the plan (packing, idempotency keys) and the sans-IO run: a driver
//!   (`next`/`handle`/`lost`/`wake_at`) over tables with typed ids and parts that own their
//!   state (documents, contacts, lookups, allocations, the export log); may read previews,
//!   never builds documents.
//! - [`sync`]: the status sync, a sans-IO run of GETs (ids chunked by URL length,
//!   `If-Modified-Since` for documents the host knows) read into one change per document
//!   (paid, voided, deleted, not found, amounts, payments); reuses the request descriptor of
//!   [`send::plan`] and Xero's answer readers, never the sending run's state.
//! - [`choices`]: the configuration screen (dropdown choices in Xero's order with what is left
//!   out and why, contact search with the export's normalisation, stale settings mappings);
//!   reads the snapshot and settings only, reuses resolve's rules, builds nothing.
//! - [`people`]: the host's people against Xero's contacts outside any invoice (importing
//!   Xero's contacts as people, matched with the payers' rules); reads the settings and its
//!   arguments only, builds no request.
//! - [`tracking_csv`]: the tracking-options CSV (streaming validation, export); reads the
//!   snapshot only.
//! - Vocabulary shared by all: [`money`] (exact decimals, Xero's rounding and totals),
//!   [`dates`], [`names`] (how Xero compares names), [`issues`], [`error`].
//! - `wasm` (wasm32 only): the JS binding, the only module that touches wasm-bindgen, js-sys or
//!   serde-wasm-bindgen; JSON in, core call, JSON out, no logic.
//!
//! Where to add a new request kind (an update, a void, a payment, a status GET): its body in
//! [`xero`] (written with the one JSON writer, validated against Xero's OpenAPI schema in the
//! tests), its packing in [`send::plan`], and one sub-machine in [`send`] that owns its rows and
//! handles its answers through the shared `Answer` context. Nothing else changes.
//!
//! Rules the tests enforce: no import circles between steps (tests/architecture.rs), no core
//! function over 80 lines (clippy, `.clippy.toml`), no panics (clippy denies unwrap, expect,
//! indexing; fuzz targets in tests/fuzz), money in `Decimal` with checked arithmetic.

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
pub mod choices;
pub mod dates;
pub mod error;
pub mod exporter;
pub(crate) mod hasher;
pub mod input;
pub mod issues;
pub mod money;
pub mod names;
pub mod people;
pub mod preview;
pub mod resolve;
pub mod send;
pub mod sync;
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
