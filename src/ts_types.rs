//! The TypeScript declarations of the data that crosses the JS boundary, generated from the Rust
//! types (ts-rs derives under `cfg(test)`, so nothing of it reaches the .wasm) and kept as the
//! committed file `pkg-template/types.d.ts`, which `pkg-template/index.d.ts` re-exports.
//!
//! The test fails when the committed file differs from what the types generate now;
//! `UPDATE_TYPES=1 cargo test --lib ts_types` (or `UPDATE_GOLDEN=1`) rewrites it after review.
//!
//! How the `ts` attributes on the types read (ts-rs 12 follows serde's renames and tags itself):
//! - `ts(optional_fields)` on a type: its `Option` fields are `name?: T` — right for output
//!   fields with `skip_serializing_if` and for defaulted input; an always-written `Option` opts
//!   out with `ts(optional = false)` and stays `T | null`.
//! - `ts(optional = nullable)` on a non-`Option` field: `name?: T` with its type unchanged, for
//!   input fields with a serde default and output fields skipped when empty.
//! - `ts(type = ...)` / `ts(as = ...)`: what JS really sees where serde is hand-written (money
//!   as `DecimalInput`, dates as `IsoDate`, CSV assignments) or a `&'static str` has few values.
//! - `ts(rename = ...)`: the name the JS API already used (`SendRequest`, `Totals`, `TrackingCsv*`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;

use ts_rs::{Config, TS};

/// One declaration: the type's doc comment, then `export type Name = ...;`.
struct Decl {
    name: String,
    text: String,
    dependencies: Vec<String>,
}

fn decl<T: TS + ?Sized + 'static>(cfg: &Config) -> Decl {
    let mut text = T::docs().unwrap_or_default();
    text.push_str("export ");
    text.push_str(&T::decl(cfg));
    text.push('\n');
    Decl {
        name: T::ident(cfg),
        text,
        dependencies: T::dependencies(cfg)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
    }
}

/// Every exported type, in the order of the file: issues, the preview's input and output, the
/// sending run, the tracking-options CSV.
fn declarations(cfg: &Config) -> Vec<Decl> {
    use crate::build::totals::{LineAmountTypes, LineInput, LineResult, TotalsText};
    use crate::dates::Date;
    use crate::error::ErrorCode;
    use crate::input::settings::*;
    use crate::input::source::*;
    use crate::issues::{Issue, IssueCode, Severity};
    use crate::money::Num;
    use crate::preview::{LinePreview, PreviewOptions, Summary};
    use crate::resolve::contacts::{
        ContactRef, MatchRule, NewContact, WireAddress, WireContact, WirePhone,
    };
    use crate::resolve::tracking::LineTracking;
    use crate::send::plan::{PlanOptions, Purpose, Request};
    use crate::send::{Allocation, AllocationStatus, LogRow, Outcome, OutcomeStatus, RunSummary};
    use crate::tracking_csv::TrackingColumn;
    use crate::tracking_csv::{Assignments, Column, Columns, Options, Progress, Report};
    use crate::tracking_csv::{ExportOptions, LineEnding};
    use crate::xero::kind::{Collection, DocumentKind};
    use crate::xero::responses::RateLimit;
    use crate::{DocumentPreview, Preview};
    vec![
        // Issues and errors; amounts.
        decl::<Severity>(cfg),
        decl::<IssueCode>(cfg),
        decl::<Issue>(cfg),
        decl::<ErrorCode>(cfg),
        decl::<Num>(cfg),
        decl::<Date>(cfg),
        // lineAmount.
        decl::<LineInput>(cfg),
        decl::<LineResult>(cfg),
        // Settings.
        decl::<InvoiceKind>(cfg),
        decl::<Status>(cfg),
        decl::<LineAmountTypes>(cfg),
        decl::<NegativeInvoices>(cfg),
        decl::<AccountSettings>(cfg),
        decl::<TaxSettings>(cfg),
        decl::<CreateItems>(cfg),
        decl::<ItemSettings>(cfg),
        decl::<UnknownFields>(cfg),
        decl::<DueDateRule>(cfg),
        decl::<Templates>(cfg),
        decl::<OnMissingContact>(cfg),
        decl::<NameCollision>(cfg),
        decl::<ContactSettings>(cfg),
        decl::<TrackingSource>(cfg),
        decl::<StalePolicy>(cfg),
        decl::<TrackingCategorySettings>(cfg),
        decl::<TrackingSettings>(cfg),
        decl::<HostTotalPolicy>(cfg),
        decl::<HostTotalSettings>(cfg),
        decl::<Settings>(cfg),
        // Source invoices.
        decl::<Payer>(cfg),
        decl::<Address>(cfg),
        decl::<Phone>(cfg),
        decl::<crate::input::source::PayerTerms>(cfg),
        decl::<crate::input::source::PayerTerm>(cfg),
        decl::<SourceLine>(cfg),
        decl::<XeroState>(cfg),
        decl::<SourceInvoice>(cfg),
        decl::<TimeEntry>(cfg),
        decl::<GroupBy>(cfg),
        decl::<TimesheetInput>(cfg),
        // Preview.
        decl::<PreviewOptions>(cfg),
        decl::<DocumentKind>(cfg),
        decl::<Collection>(cfg),
        decl::<TotalsText>(cfg),
        decl::<LineTracking>(cfg),
        decl::<LinePreview>(cfg),
        decl::<MatchRule>(cfg),
        decl::<ContactRef>(cfg),
        decl::<crate::preview::HostAdjustment>(cfg),
        decl::<DocumentPreview>(cfg),
        decl::<WireAddress>(cfg),
        decl::<crate::resolve::contacts::WireTerms>(cfg),
        decl::<crate::resolve::contacts::WireTerm>(cfg),
        decl::<WirePhone>(cfg),
        decl::<WireContact>(cfg),
        decl::<NewContact>(cfg),
        decl::<Summary>(cfg),
        decl::<Preview>(cfg),
        // Sending run.
        decl::<PlanOptions>(cfg),
        decl::<Purpose>(cfg),
        decl::<Request>(cfg),
        decl::<OutcomeStatus>(cfg),
        decl::<RateLimit>(cfg),
        decl::<AllocationStatus>(cfg),
        decl::<Allocation>(cfg),
        decl::<Outcome>(cfg),
        decl::<LogRow>(cfg),
        decl::<RunSummary>(cfg),
        // Status sync.
        decl::<crate::sync::input::ExportedKind>(cfg),
        decl::<crate::sync::input::ExportedXero>(cfg),
        decl::<crate::sync::input::Known>(cfg),
        decl::<crate::sync::ExportedDocument>(cfg),
        decl::<crate::sync::SyncOptions>(cfg),
        decl::<crate::sync::read::SyncEvent>(cfg),
        decl::<crate::sync::read::PaymentSeen>(cfg),
        decl::<crate::sync::read::CreditSeen>(cfg),
        decl::<crate::sync::read::SyncChange>(cfg),
        decl::<crate::sync::SyncRowResult>(cfg),
        decl::<crate::sync::SyncLogRow>(cfg),
        decl::<crate::sync::SyncSummary>(cfg),
        // Voiding, deleting and payments in the run (`plan({invoices, cancels, payments})`).
        decl::<crate::send::plan::CancelOptions>(cfg),
        decl::<crate::input::work::CancelXero>(cfg),
        decl::<crate::input::work::CancelInput>(cfg),
        decl::<crate::input::work::AccountRef>(cfg),
        decl::<crate::input::work::PaidDocument>(cfg),
        decl::<crate::input::work::PaymentInput>(cfg),
        decl::<crate::send::CancelOutcome>(cfg),
        decl::<crate::send::PaymentOutcome>(cfg),
        // Durable runs (`run.save()`, `exporter.resume(state, work, options)`).
        decl::<crate::send::ResumeOptions>(cfg),
        // Tracking-options CSV.
        decl::<Options>(cfg),
        decl::<Progress>(cfg),
        decl::<Column>(cfg),
        decl::<TrackingColumn>(cfg),
        decl::<Columns>(cfg),
        decl::<Assignments>(cfg),
        decl::<Report>(cfg),
        decl::<LineEnding>(cfg),
        decl::<ExportOptions>(cfg),
        // The configuration screen (`choices`, `searchContacts`, `staleMappings`).
        decl::<crate::choices::AccountChoice>(cfg),
        decl::<crate::choices::TaxRateChoice>(cfg),
        decl::<crate::choices::TaxRatesByClass>(cfg),
        decl::<crate::choices::OptionChoice>(cfg),
        decl::<crate::choices::TrackingChoice>(cfg),
        decl::<crate::choices::TermChoice>(cfg),
        decl::<crate::choices::TermsChoice>(cfg),
        decl::<crate::choices::ItemChoice>(cfg),
        decl::<crate::choices::NotOfferedReason>(cfg),
        decl::<crate::choices::NotOffered>(cfg),
        decl::<crate::choices::Choices>(cfg),
        decl::<crate::choices::search::SearchMatch>(cfg),
        decl::<crate::choices::search::ContactHit>(cfg),
        decl::<crate::choices::stale::StaleReason>(cfg),
        decl::<crate::choices::stale::SuggestionKind>(cfg),
        decl::<crate::choices::stale::Suggestion>(cfg),
        decl::<crate::choices::stale::StaleMapping>(cfg),
        // People and contacts, items to create (issue 19).
        decl::<crate::resolve::items::WireItemDetails>(cfg),
        decl::<crate::resolve::items::WireItem>(cfg),
        decl::<crate::resolve::items::NewItem>(cfg),
        decl::<crate::people::ImportStatus>(cfg),
        decl::<crate::people::ImportedContact>(cfg),
        decl::<crate::people::ImportSummary>(cfg),
        decl::<crate::people::ContactImport>(cfg),
        decl::<crate::people::sync::PersonStatus>(cfg),
        decl::<crate::people::sync::PersonOutcome>(cfg),
    ]
}

/// The text of `pkg-template/types.d.ts`.
fn generate() -> String {
    // u64/usize counts and millisecond times are JS numbers (serde_json writes them as such).
    let cfg = Config::new().with_large_int("number");
    let decls = declarations(&cfg);
    let mut out = String::from(
        "// Generated by `cargo test` (src/ts_types.rs) from the Rust types with ts-rs: do not edit.\n\
         // UPDATE_TYPES=1 cargo test --lib ts_types rewrites it; index.d.ts re-exports it.\n",
    );
    for d in &decls {
        out.push('\n');
        out.push_str(&d.text);
    }
    out
}

#[test]
fn every_referenced_type_is_declared() {
    let cfg = Config::new().with_large_int("number");
    let decls = declarations(&cfg);
    let declared: BTreeSet<String> = decls.iter().map(|d| d.name.clone()).collect();
    for d in &decls {
        for dep in &d.dependencies {
            assert!(
                declared.contains(dep),
                "{} uses {dep}, which src/ts_types.rs does not declare",
                d.name
            );
        }
    }
    assert_eq!(declared.len(), decls.len(), "a type is declared twice");
}

#[test]
fn committed_declarations_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("pkg-template/types.d.ts");
    let text = generate();
    if std::env::var_os("UPDATE_TYPES").is_some() || std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} differs from the Rust types: run UPDATE_TYPES=1 cargo test --lib ts_types, review and commit",
        path.display()
    );
}
