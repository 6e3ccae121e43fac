//! Reading Xero's documents into what the host needs, and comparing them with what it knew.
//!
//! One [`SyncChange`] per source document, only where something changed: the status, or an
//! amount the host gave in `known`; a document the host knew nothing of is always reported
//! (its first sync). Not found, DELETED and VOIDED are their own [`SyncEvent`]s, so a host can
//! switch on them. Money is exact decimal text, dates `YYYY-MM-DD` (Xero's `/Date(ms+hhmm)/`
//! read with [`crate::dates::Date::parse`]).

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use super::input::{Doc, ExportedKind, KnownState};
use crate::dates::Date;
use crate::money;
use crate::xero::responses::{decimal_field, text_field};

/// What happened to a document, for the host to switch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SyncEvent {
    /// Status or amounts changed (e.g. a part payment), and it is not one of the below.
    Changed,
    /// Now PAID: mark it paid in the host.
    Paid,
    /// VOIDED in Xero.
    Voided,
    /// DELETED in Xero.
    Deleted,
    /// Xero has no such document (read without `If-Modified-Since`): wrong id or number,
    /// another organisation, or removed.
    NotFound,
}

/// A payment applied to the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields, rename = "SyncPayment"))]
#[serde(rename_all = "camelCase")]
pub struct PaymentSeen {
    /// PaymentID.
    pub payment_id: String,
    /// Payment date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(as = "Option<Date>"))]
    pub date: Option<Date>,
    /// Amount, exact decimal text.
    pub amount: String,
    /// Reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A credit note applied to an invoice, or an invoice a credit note is allocated to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields, rename = "SyncCredit"))]
#[serde(rename_all = "camelCase")]
pub struct CreditSeen {
    /// CreditNoteID (on an invoice) or InvoiceID (an allocation of a credit note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// CreditNoteNumber / InvoiceNumber.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Amount applied, exact decimal text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<String>,
    /// Date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(as = "Option<Date>"))]
    pub date: Option<Date>,
}

/// A document as Xero holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XeroState {
    /// InvoiceID / CreditNoteID.
    pub id: Option<String>,
    /// Number.
    pub number: Option<String>,
    /// Status, upper case.
    pub status: Option<String>,
    /// AmountDue.
    pub amount_due: Option<Decimal>,
    /// AmountPaid.
    pub amount_paid: Option<Decimal>,
    /// AmountCredited.
    pub amount_credited: Option<Decimal>,
    /// RemainingCredit.
    pub remaining_credit: Option<Decimal>,
    /// FullyPaidOnDate.
    pub fully_paid_on: Option<Date>,
    /// UpdatedDateUTC as Xero wrote it.
    pub updated: Option<String>,
    /// Payments (None: not read, summaries only).
    pub payments: Option<Vec<PaymentSeen>>,
    /// Credit notes on an invoice, allocations of a credit note (None: not read).
    pub credits: Option<Vec<CreditSeen>>,
}

/// One change to hand back to the host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SyncChange {
    /// The host's id.
    pub source_id: String,
    /// `invoice` or `creditNote`.
    pub kind: ExportedKind,
    /// What happened.
    pub event: SyncEvent,
    /// The status the host knew (`known.status`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The status in Xero (absent when not found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// InvoiceID / CreditNoteID (store it: later syncs find the document by it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xero_id: Option<String>,
    /// Number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// AmountDue (invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_due: Option<String>,
    /// AmountPaid (invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<String>,
    /// AmountCredited (invoices).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_credited: Option<String>,
    /// RemainingCredit (credit notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining_credit: Option<String>,
    /// FullyPaidOnDate (fully paid documents).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(as = "Option<Date>"))]
    pub fully_paid_on_date: Option<Date>,
    /// Payments (refunds, for credit notes); absent with `summaryOnly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payments: Option<Vec<PaymentSeen>>,
    /// Credit notes applied to the invoice; absent for credit notes and with `summaryOnly`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_notes: Option<Vec<CreditSeen>>,
    /// Allocations of the credit note to invoices; absent for invoices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocations: Option<Vec<CreditSeen>>,
    /// UpdatedDateUTC as Xero wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_date_utc: Option<String>,
}

/// Reads one element of `Invoices` / `CreditNotes`. `details`: read payments and credits.
pub fn read_state(el: &Value, credit: bool, details: bool) -> XeroState {
    let s = |k: &str| text_field(el, k).map(str::to_owned);
    let (id, number) = if credit {
        ("CreditNoteID", "CreditNoteNumber")
    } else {
        ("InvoiceID", "InvoiceNumber")
    };
    XeroState {
        id: s(id).map(|x| x.to_ascii_lowercase()),
        number: s(number),
        status: s("Status").map(|x| x.to_ascii_uppercase()),
        amount_due: decimal_field(el, "AmountDue"),
        amount_paid: decimal_field(el, "AmountPaid"),
        amount_credited: decimal_field(el, "AmountCredited"),
        remaining_credit: decimal_field(el, "RemainingCredit"),
        fully_paid_on: text_field(el, "FullyPaidOnDate").and_then(Date::parse),
        updated: s("UpdatedDateUTC"),
        payments: details.then(|| payments(el)),
        credits: details.then(|| {
            if credit {
                list(el, "Allocations", |a| {
                    credit_seen(a.get("Invoice"), a, "InvoiceID", "InvoiceNumber", "Amount")
                })
            } else {
                list(el, "CreditNotes", |c| {
                    credit_seen(
                        Some(c),
                        c,
                        "CreditNoteID",
                        "CreditNoteNumber",
                        "AppliedAmount",
                    )
                })
            }
        }),
    }
}

fn list<T>(el: &Value, key: &str, f: impl Fn(&Value) -> Option<T>) -> Vec<T> {
    el.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(f).collect())
        .unwrap_or_default()
}

fn payments(el: &Value) -> Vec<PaymentSeen> {
    list(el, "Payments", |p| {
        // A deleted payment no longer counts (it may still be listed with its status).
        if text_field(p, "Status").is_some_and(|s| s.eq_ignore_ascii_case("DELETED")) {
            return None;
        }
        Some(PaymentSeen {
            payment_id: text_field(p, "PaymentID")?.to_ascii_lowercase(),
            date: text_field(p, "Date").and_then(Date::parse),
            amount: amount(decimal_field(p, "Amount")?),
            reference: text_field(p, "Reference").map(str::to_owned),
        })
    })
}

fn credit_seen(
    target: Option<&Value>,
    el: &Value,
    id: &str,
    number: &str,
    amount_key: &str,
) -> Option<CreditSeen> {
    let target = target?;
    let value = decimal_field(el, amount_key).or_else(|| decimal_field(el, "Total"));
    Some(CreditSeen {
        id: text_field(target, id).map(str::to_ascii_lowercase),
        number: text_field(target, number).map(str::to_owned),
        amount: value.map(amount),
        date: text_field(el, "Date").and_then(Date::parse),
    })
}

/// Money as exact text: two places, or more where Xero gave more (never rounded away).
pub fn amount(v: Decimal) -> String {
    if money::decimal_places(v) <= 2 {
        money::fixed(v, 2)
    } else {
        money::text(v)
    }
}

/// The change for `doc` given what Xero holds (`None`: not found), or `None` when nothing the
/// host knew differs.
pub fn change(doc: &Doc, xero: Option<&XeroState>) -> Option<SyncChange> {
    let known = doc.known.as_ref();
    let from = known.and_then(|k| k.status.clone());
    let Some(x) = xero else {
        return Some(SyncChange {
            event: SyncEvent::NotFound,
            from,
            ..empty(doc)
        });
    };
    if known.is_some_and(|k| same(k, x, doc.kind)) {
        return None;
    }
    let event = match x.status.as_deref() {
        Some("PAID") => SyncEvent::Paid,
        Some("VOIDED") => SyncEvent::Voided,
        Some("DELETED") => SyncEvent::Deleted,
        _ => SyncEvent::Changed,
    };
    let invoice = doc.kind == ExportedKind::Invoice;
    Some(SyncChange {
        event,
        from,
        to: x.status.clone(),
        xero_id: x.id.clone().or_else(|| doc.id.clone()),
        number: x.number.clone().or_else(|| doc.number.clone()),
        amount_due: x.amount_due.map(amount),
        amount_paid: x.amount_paid.map(amount),
        amount_credited: x.amount_credited.map(amount),
        remaining_credit: x.remaining_credit.map(amount),
        fully_paid_on_date: x.fully_paid_on,
        payments: x.payments.clone(),
        credit_notes: if invoice { x.credits.clone() } else { None },
        allocations: if invoice { None } else { x.credits.clone() },
        updated_date_utc: x.updated.clone(),
        ..empty(doc)
    })
}

/// Whether every field the host gave equals Xero's (fields it did not give are not compared:
/// pass the amounts to hear of part payments, which leave the status AUTHORISED).
fn same(k: &KnownState, x: &XeroState, kind: ExportedKind) -> bool {
    let eq = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
        (None, _) => true,
        (Some(a), Some(b)) => a == b,
        (Some(_), None) => false,
    };
    let status_same = k.status.is_none() || k.status == x.status;
    let amounts_same = match kind {
        ExportedKind::Invoice => {
            eq(k.amount_due, x.amount_due)
                && eq(k.amount_paid, x.amount_paid)
                && eq(k.amount_credited, x.amount_credited)
        }
        ExportedKind::CreditNote => eq(k.remaining_credit, x.remaining_credit),
    };
    status_same && amounts_same
}

fn empty(doc: &Doc) -> SyncChange {
    SyncChange {
        source_id: doc.source_id.clone(),
        kind: doc.kind,
        event: SyncEvent::Changed,
        from: None,
        to: None,
        xero_id: doc.id.clone(),
        number: doc.number.clone(),
        amount_due: None,
        amount_paid: None,
        amount_credited: None,
        remaining_credit: None,
        fully_paid_on_date: None,
        payments: None,
        credit_notes: None,
        allocations: None,
        updated_date_utc: None,
    }
}
