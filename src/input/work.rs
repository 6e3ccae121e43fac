//! What a sending run is asked to do after the first export: the host's `work` for
//! `exporter.plan(work, options)`. Either today's array of source invoices, or an object
//! `{invoices?, cancels?, payments?}`: documents to create or update, exported documents to
//! void or delete, and payments to record.
//!
//! Read once at the edge like the invoices: through the unknown-key watcher, so a misspelt
//! key (`ammount`, `xero.staus`, `paymnets`) is reported at its path with a did-you-mean
//! instead of silently changing what is sent. Holds no rule: what a cancel or a payment may
//! do is checked by the run (`send::cancels`, `send::payments`), where the snapshot and the
//! plan's documents are known.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

use crate::input::source::{without_position, InvoiceSeed, SourceInvoice};
use crate::input::unknown::{self, Found, Log};
use crate::issues::Path;
use crate::money::Num;
use crate::Text;

/// Everything one run is asked to do.
#[derive(Clone, Debug, Default)]
pub struct Work {
    /// Documents to create or update (today's `plan(invoices)`).
    pub invoices: Vec<SourceInvoice>,
    /// Exported documents to void or delete.
    pub cancels: Vec<CancelInput>,
    /// Payments (and credit note refunds) to record.
    pub payments: Vec<PaymentInput>,
    /// The host's people to create or update as Xero contacts (issue 19, `people::sync`).
    pub people: Vec<crate::input::source::Payer>,
    /// Keys of the cancels and payments the library does not know; each is an error on the
    /// entry it belongs to (a misspelt amount or status must not be guessed).
    pub unknown_keys: Vec<Found>,
    /// Keys of the work object itself the library does not know (`paymnets`): misuse.
    pub unknown_root: Vec<Found>,
}

impl Work {
    /// Work that only creates or updates documents.
    pub fn invoices(invoices: Vec<SourceInvoice>) -> Work {
        Work {
            invoices,
            ..Work::default()
        }
    }
}

/// An exported document to void or delete.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct CancelInput {
    /// The host's id of the document (outcomes and idempotency keys refer to it).
    pub source_id: Option<Text>,
    /// Xero's Type: ACCREC (default), ACCPAY, ACCRECCREDIT or ACCPAYCREDIT. Credit notes are
    /// cancelled through /CreditNotes.
    #[serde(rename = "type")]
    pub kind: Option<Text>,
    /// The document as it stands in Xero.
    pub xero: Option<CancelXero>,
    /// The source invoice as it was exported: with the plan option
    /// `cancel: {creditWhenPaid: true}`, a paid document is cancelled by a credit note for its
    /// full amount, allocated to it (its date is the credit note's date).
    pub credit_instead: Option<SourceInvoice>,
}

/// The document to cancel as the host last knew it in Xero (like a source invoice's `xero`).
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct CancelXero {
    /// InvoiceID or CreditNoteID.
    pub id: Option<Text>,
    /// Its number, for messages.
    pub number: Option<Text>,
    /// DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED or DELETED.
    pub status: Option<Text>,
    /// Paid so far (invoices) or refunded (credit notes).
    pub amount_paid: Option<Num>,
    /// Credit notes, prepayments and overpayments applied to an invoice.
    pub amount_credited: Option<Num>,
    /// A credit note allocated to invoices.
    pub has_allocations: Option<bool>,
}

/// A payment to record against an invoice, or a refund of a credit note.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct PaymentInput {
    /// The host's payment id: required and stable, it makes the idempotency key.
    pub id: Option<Text>,
    /// The invoice paid.
    pub invoice: Option<PaidDocument>,
    /// The credit note refunded (instead of `invoice`).
    pub credit_note: Option<PaidDocument>,
    /// Amount, in the document's currency (at most 2 decimal places).
    pub amount: Option<Num>,
    /// Payment date `YYYY-MM-DD`.
    pub date: Option<Text>,
    /// The account paid into (or from): a BANK account, or one with EnablePaymentsToAccount.
    pub account: Option<AccountRef>,
    /// Reference shown on the payment.
    pub reference: Option<Text>,
    /// Units of the document's currency per unit of the base currency, for foreign documents.
    pub currency_rate: Option<Num>,
}

/// The document a payment is for: an invoice of the same plan (`sourceId`), or one already in
/// Xero (`id`, else `number`) with what the host knows of it.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct PaidDocument {
    /// The host's id of an invoice (or credit note) in this plan's `invoices`.
    pub source_id: Option<Text>,
    /// InvoiceID / CreditNoteID of a document already in Xero.
    pub id: Option<Text>,
    /// Its number, when the id is not known.
    pub number: Option<Text>,
    /// Its status in Xero (must be AUTHORISED).
    pub status: Option<Text>,
    /// What is still due on it (RemainingCredit for a credit note): required for a document
    /// not in this plan, so an over-payment is caught before sending.
    pub amount_due: Option<Num>,
    /// Its currency, when not the organisation's base currency.
    pub currency: Option<Text>,
}

/// An account by code or AccountID.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct AccountRef {
    /// Account code.
    pub code: Option<Text>,
    /// AccountID.
    pub id: Option<Text>,
}

const WORK_KEYS: [&str; 4] = ["invoices", "cancels", "payments", "people"];

/// Reads the host's work: a JSON array of invoices, or `{invoices?, cancels?, payments?}`.
pub fn read_work(json: &str) -> Result<Work, serde_json::Error> {
    let log = Log::default();
    let mut de = serde_json::Deserializer::from_str(json);
    let mut work = de.deserialize_any(WorkVisitor { log: &log })?;
    de.end()?;
    work.unknown_keys = log.into_found();
    Ok(work)
}

struct WorkVisitor<'a> {
    log: &'a Log,
}

impl<'de> Visitor<'de> for WorkVisitor<'_> {
    type Value = Work;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of invoices, or an object {invoices, cancels, payments, people}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Work, A::Error> {
        Invoices.visit_seq(seq).map(Work::invoices)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Work, A::Error> {
        let mut work = Work::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "invoices" => work.invoices = map.next_value_seed(Invoices)?,
                "cancels" => {
                    work.cancels = map.next_value_seed(Watched::new("cancels", self.log))?
                }
                "payments" => {
                    work.payments = map.next_value_seed(Watched::new("payments", self.log))?;
                }
                "people" => {
                    work.people = map.next_value_seed(Watched::new("people", self.log))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    let suggestion = crate::tracking_csv::suggest(&key, WORK_KEYS);
                    work.unknown_root.push(Found {
                        path: Path::root(&key),
                        key,
                        suggestion,
                    });
                }
            }
        }
        Ok(work)
    }
}

/// The invoices, each read with [`SourceInvoice::read`] (its own unknown keys and misfits).
struct Invoices;

impl<'de> Visitor<'de> for Invoices {
    type Value = Vec<SourceInvoice>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(inv) = seq.next_element_seed(InvoiceSeed { index: out.len() })? {
            out.push(inv);
        }
        Ok(out)
    }
}

impl<'de> DeserializeSeed<'de> for Invoices {
    type Value = Vec<SourceInvoice>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_seq(self)
    }
}

/// A list read through the unknown-key watcher under `root` (`cancels`, `payments`).
struct Watched<'a, T> {
    root: &'static str,
    log: &'a Log,
    item: std::marker::PhantomData<T>,
}

impl<'a, T> Watched<'a, T> {
    fn new(root: &'static str, log: &'a Log) -> Self {
        Watched {
            root,
            log,
            item: std::marker::PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Watched<'_, T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Vec<T>, D::Error> {
        let root = Path::root(self.root);
        unknown::read::<Option<Vec<T>>, D>(de, &root, self.log)
            .map(Option::unwrap_or_default)
            .map_err(|e| {
                let at = self.log.misfit().unwrap_or(root);
                serde::de::Error::custom(format_args!(
                    "`{}`: {}",
                    at.as_str(),
                    without_position(&e.to_string())
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn an_array_is_todays_invoices_and_an_object_reports_misspelt_keys() {
        let w = read_work(r#"[{"id":"a","lines":[]}]"#).unwrap_or_default();
        assert_eq!(w.invoices.len(), 1);
        assert!(w.unknown_keys.is_empty());
        let text = r#"{"paymnets":[],"cancels":[{"sourceId":"x","xero":{"id":"i","staus":"DRAFT"}}],
            "payments":[{"id":"p","ammount":"1"}]}"#;
        let w = read_work(text).unwrap_or_default();
        let found: Vec<(String, Option<&str>)> = w
            .unknown_keys
            .iter()
            .chain(&w.unknown_root)
            .map(|f| (f.path.as_str().to_owned(), f.suggestion))
            .collect();
        assert!(found.contains(&("paymnets".into(), Some("payments"))));
        assert!(found.contains(&("cancels[0].xero.staus".into(), Some("status"))));
        assert!(found.contains(&("payments[0].ammount".into(), Some("amount"))));
        assert_eq!(w.cancels.len(), 1);
        let e = read_work(r#"{"payments":[{"id":"p","date":5}]}"#).err();
        assert!(e.is_some_and(|e| e.to_string().contains("payments[0].date")));
    }
}
