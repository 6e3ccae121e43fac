//! What tells an invoice from a credit note, decided once: the document's `Type`, and the
//! collection it lives in (endpoint, id field, number field). Everything that branches on
//! "invoice or credit note" asks [`DocumentKind`] or [`Collection`] instead of comparing text.

use serde::Serialize;

/// The four document kinds, as Xero's `Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum DocumentKind {
    /// Sales invoice.
    #[serde(rename = "ACCREC")]
    Accrec,
    /// Bill.
    #[serde(rename = "ACCPAY")]
    Accpay,
    /// Sales credit note.
    #[serde(rename = "ACCRECCREDIT")]
    AccrecCredit,
    /// Supplier credit note.
    #[serde(rename = "ACCPAYCREDIT")]
    AccpayCredit,
}

impl DocumentKind {
    /// The kind of a document on the sales or purchases side, as an invoice or a credit note.
    pub fn new(sales: bool, credit: bool) -> DocumentKind {
        match (sales, credit) {
            (true, false) => DocumentKind::Accrec,
            (false, false) => DocumentKind::Accpay,
            (true, true) => DocumentKind::AccrecCredit,
            (false, true) => DocumentKind::AccpayCredit,
        }
    }

    /// Xero's `Type`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Accrec => "ACCREC",
            DocumentKind::Accpay => "ACCPAY",
            DocumentKind::AccrecCredit => "ACCRECCREDIT",
            DocumentKind::AccpayCredit => "ACCPAYCREDIT",
        }
    }

    /// Sales side (ACCREC, ACCRECCREDIT).
    pub fn is_sales(self) -> bool {
        matches!(self, DocumentKind::Accrec | DocumentKind::AccrecCredit)
    }

    /// A credit note.
    pub fn is_credit(self) -> bool {
        self.collection() == Collection::CreditNotes
    }

    /// The collection (endpoint) documents of this kind live in.
    pub fn collection(self) -> Collection {
        match self {
            DocumentKind::Accrec | DocumentKind::Accpay => Collection::Invoices,
            DocumentKind::AccrecCredit | DocumentKind::AccpayCredit => Collection::CreditNotes,
        }
    }

    /// The invoice kind on the same side: the kind of invoice a credit note of this kind is
    /// allocated to (an invoice is its own).
    pub fn invoice_side(self) -> DocumentKind {
        DocumentKind::new(self.is_sales(), false)
    }
}

/// Where a document lives in Xero's API: `/Invoices` or `/CreditNotes`, with the names of its
/// id and number fields, which differ between the two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Collection {
    /// `/Invoices`: sales invoices and bills.
    Invoices,
    /// `/CreditNotes`: both kinds of credit note.
    CreditNotes,
}

impl Collection {
    /// The endpoint and the envelope key of request and response bodies.
    pub fn endpoint(self) -> &'static str {
        match self {
            Collection::Invoices => "Invoices",
            Collection::CreditNotes => "CreditNotes",
        }
    }

    /// The element's id field: `InvoiceID` or `CreditNoteID`.
    pub fn id_field(self) -> &'static str {
        match self {
            Collection::Invoices => "InvoiceID",
            Collection::CreditNotes => "CreditNoteID",
        }
    }

    /// The element's number field: `InvoiceNumber` or `CreditNoteNumber`.
    pub fn number_field(self) -> &'static str {
        match self {
            Collection::Invoices => "InvoiceNumber",
            Collection::CreditNotes => "CreditNoteNumber",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_kind_has_one_collection_and_side() {
        for sales in [true, false] {
            for credit in [true, false] {
                let k = DocumentKind::new(sales, credit);
                assert_eq!(k.is_sales(), sales);
                assert_eq!(k.is_credit(), credit);
                assert_eq!(k.as_str().ends_with("CREDIT"), credit);
                assert_eq!(k.invoice_side(), DocumentKind::new(sales, false));
                let c = k.collection();
                assert_eq!(
                    c.endpoint(),
                    if credit { "CreditNotes" } else { "Invoices" }
                );
                assert!(c.id_field().ends_with("ID") && c.number_field().ends_with("Number"));
            }
        }
    }
}
