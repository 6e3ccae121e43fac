//! The export preview's view model: for each source invoice, the exact Xero document that will
//! be sent, the totals Xero will compute, and every problem at once.
//!
//! Owns the public shapes the host reads ([`Preview`], [`DocumentPreview`], [`LinePreview`],
//! [`Summary`], [`PreviewOptions`]), their JSON (`json`), and the result handle ([`results`])
//! with the flat form its display data crosses to JS in (`flat`). It computes nothing: the
//! [`Exporter`](crate::Exporter) fills these in by resolving ([`crate::resolve`]) and building
//! ([`crate::build`]) each invoice. It must not import the exporter (the exporter depends on it).

use serde::Serialize;

use crate::dates::Date;
use crate::issues::Issue;
use crate::money::totals::{LineAmountTypes, Totals, TotalsText};
use crate::resolve::contacts::{ContactRef, NewContact};
use crate::resolve::tracking::LineTracking;
use crate::xero::kind::DocumentKind;
use crate::xero::wire::WireDocument;
use crate::Text;

pub(crate) mod flat;
pub(crate) mod json;
pub mod results;

/// One line of the preview: what is sent, and what Xero will compute.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct LinePreview {
    /// Description as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Quantity as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text>,
    /// Unit amount as sent (2 or 4 dp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_amount: Option<Text>,
    /// Discount rate as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_rate: Option<Text>,
    /// Discount amount as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_amount: Option<Text>,
    /// Xero item code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item_code: Option<Text>,
    /// Account code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_code: Option<Text>,
    /// Tax type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_type: Option<Text>,
    /// Tax rate in percent (the rate's EffectiveRate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate: Option<Text>,
    /// LineAmount Xero computes.
    pub line_amount: Text,
    /// TaxAmount Xero computes.
    pub tax_amount: Text,
    /// Tracking with provenance.
    pub tracking: Vec<LineTracking>,
}

/// The preview of one source invoice.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct DocumentPreview {
    /// Position in the input.
    pub index: usize,
    /// The host's invoice id.
    pub source_id: Text,
    /// The host's invoice number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_number: Option<Text>,
    /// Document kind.
    pub kind: DocumentKind,
    /// `Invoices` or `CreditNotes`.
    #[cfg_attr(test, ts(as = "crate::xero::kind::Collection"))]
    pub endpoint: &'static str,
    /// DRAFT / SUBMITTED / AUTHORISED.
    #[cfg_attr(test, ts(as = "crate::input::settings::Status"))]
    pub status: &'static str,
    /// Whether an error blocks sending it.
    pub blocked: bool,
    /// An update that changes nothing Xero holds (compared with `xero.document`): it is not
    /// sent, and its outcome is `unchanged`. Left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(test, ts(as = "Option<bool>", optional))]
    pub unchanged: bool,
    /// The contact.
    pub contact: ContactRef,
    /// InvoiceNumber / CreditNoteNumber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Text>,
    /// Reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<Text>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    /// Currency (the organisation's base currency when the invoice names none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Text>,
    /// Exclusive / Inclusive / NoTax.
    pub line_amount_types: LineAmountTypes,
    /// Lines.
    pub lines: Vec<LinePreview>,
    /// Totals as Xero will compute them; `null` when a line's amount could not be computed
    /// (one of its numbers unusable or beyond Xero's limits: see the line's issues), rather
    /// than totals that are not the document's.
    #[cfg_attr(test, ts(optional = false))]
    pub totals: Option<TotalsText>,
    /// The host's own total, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_total: Option<String>,
    /// Xero's total minus the host's, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<String>,
    /// Xero's TotalDiscount (what the lines' discounts take off), when a line is sent with a
    /// discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_discount: Option<Text>,
    /// Whether the document's request carries `unitdp=4` (a unit amount with 3-4 decimals, or
    /// the settings' unitdp 4). Left out when false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[cfg_attr(test, ts(as = "Option<bool>", optional))]
    pub unitdp4: bool,
    /// How the document was adjusted so that Xero's total is the host's (settings
    /// `hostTotal.policy`); `totals` are then the adjusted ones. Left out when not adjusted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjustment: Option<HostAdjustment>,
    /// Every problem of this document.
    pub issues: Vec<Issue>,
    /// The request body for this document alone (`{"Invoices":[...]}`), or `null` while its
    /// contact is still to be created (the sending plan fills it in).
    #[cfg_attr(test, ts(optional = false))]
    pub body: Option<String>,
    /// The document as built (for planning).
    #[serde(skip)]
    pub wire: Option<WireDocument>,
    /// Exact totals (for planning and reconciliation).
    #[serde(skip)]
    pub exact_totals: Totals,
    /// Tracking per line as sent (for the response check).
    #[serde(skip)]
    pub sent_tracking: Vec<Vec<LineTracking>>,
    /// The number of the invoice a credit note corrects (for allocations).
    #[serde(skip)]
    pub credits_invoice_number: Option<Text>,
}

/// The adjustment a host totals policy made (issue 18): Xero's total is the host's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HostAdjustment {
    /// `taxOverride` (explicit TaxAmount on lines) or `roundingLine` (one line added).
    #[cfg_attr(test, ts(type = "\"taxOverride\" | \"roundingLine\""))]
    pub mechanism: &'static str,
    /// What the adjustment adds to Xero's arithmetic (the host's total minus it), 2 dp.
    pub amount: Text,
    /// The lines it touched: those sent with a TaxAmount, or the rounding line (the last).
    pub lines: Vec<usize>,
}

/// Counts for a summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Invoices previewed.
    pub documents: usize,
    /// Documents ready to send.
    pub ready: usize,
    /// Documents blocked by an error.
    pub blocked: usize,
    /// Credit notes among them.
    pub credit_notes: usize,
    /// Contacts to create.
    pub contacts_to_create: usize,
    /// Warnings in all.
    pub warnings: usize,
    /// Errors in all.
    pub errors: usize,
}

/// The preview of a batch.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// One per source invoice, in input order.
    pub documents: Vec<DocumentPreview>,
    /// Contacts to create before the documents that need them.
    pub contacts: Vec<NewContact>,
    /// Items to create before the documents that use them (`settings.items.create`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub items: Vec<crate::resolve::items::NewItem>,
    /// Problems of the snapshot and settings (not tied to one invoice).
    pub issues: Vec<Issue>,
    /// Counts.
    pub summary: Summary,
}

/// What a preview includes. Both default to true; a Node backend that only sends can skip the
/// display lines, a page that only displays can skip the bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(default)]
pub struct PreviewOptions {
    /// Per-line previews (amounts as strings, tracking with provenance).
    #[cfg_attr(test, ts(optional = nullable))]
    pub lines: bool,
    /// Request bodies as JSON text.
    #[cfg_attr(test, ts(optional = nullable))]
    pub bodies: bool,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        PreviewOptions {
            lines: true,
            bodies: true,
        }
    }
}
