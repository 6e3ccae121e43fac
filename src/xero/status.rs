//! Xero's document statuses and which changes of status it accepts (reference §2.6, "Invoice
//! status changes"). One table for invoices and credit notes alike: the reference lists the
//! same codes for both, and no other transition for credit notes is documented.
//!
//! Kept here, beside the other shapes of Xero, because every request that moves a document
//! (an update, a delete, a void) must ask the same question before it is planned.

/// What Xero says to moving a document from one status to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// Xero accepts it.
    Allowed,
    /// Xero refuses it ("Invoice not of valid status for modification"): an approved document
    /// never goes back to DRAFT or SUBMITTED, and DRAFT/SUBMITTED are deleted, not voided.
    Refused,
    /// Only a cancel asks for this (void or delete): an update never sends it.
    CancelOnly,
    /// The document is PAID, VOIDED or DELETED in Xero: no status of it can be sent.
    Final,
    /// A status this library does not know (from or to): refused, since Xero's answer is
    /// unknown.
    Unknown,
}

/// The six codes (reference §2.6), upper-cased; anything else is `None`.
pub fn normalise(status: &str) -> Option<&'static str> {
    let s = status.trim();
    [
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "PAID",
        "VOIDED",
        "DELETED",
    ]
    .into_iter()
    .find(|k| k.eq_ignore_ascii_case(s))
}

/// Whether Xero accepts a document in `from` being sent with `to` (the §2.6 table):
///
/// | from \ to  | DRAFT | SUBMITTED | AUTHORISED | DELETED | VOIDED |
/// |------------|-------|-----------|------------|---------|--------|
/// | DRAFT      | yes   | yes       | yes        | yes     | no     |
/// | SUBMITTED  | yes   | yes       | yes        | yes     | no     |
/// | AUTHORISED | no    | no        | yes        | no      | yes    |
///
/// PAID, VOIDED and DELETED have no outgoing transition. DELETED and VOIDED targets are a
/// cancel's ([`Transition::CancelOnly`] where the table says yes), never an update's.
pub fn transition(from: &str, to: &str) -> Transition {
    let (Some(from), Some(to)) = (normalise(from), normalise(to)) else {
        return Transition::Unknown;
    };
    match (from, to) {
        ("PAID" | "VOIDED" | "DELETED", _) => Transition::Final,
        (_, "PAID") => Transition::Refused,
        ("DRAFT" | "SUBMITTED", "DRAFT" | "SUBMITTED" | "AUTHORISED")
        | ("AUTHORISED", "AUTHORISED") => Transition::Allowed,
        ("DRAFT" | "SUBMITTED", "DELETED") | ("AUTHORISED", "VOIDED") => Transition::CancelOnly,
        _ => Transition::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every cell of the §2.6 table, and the final states' rows.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_cell_of_the_status_table() {
        use Transition::{Allowed as A, CancelOnly as C, Final as F, Refused as R};
        let to = ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED", "VOIDED"];
        for (from, want) in [
            ("DRAFT", [A, A, A, C, R]),
            ("SUBMITTED", [A, A, A, C, R]),
            ("AUTHORISED", [R, R, A, R, C]),
            ("PAID", [F, F, F, F, F]),
            ("VOIDED", [F, F, F, F, F]),
            ("DELETED", [F, F, F, F, F]),
        ] {
            for (t, w) in to.iter().zip(want) {
                assert_eq!(transition(from, t), w, "{from} -> {t}");
                assert_eq!(transition(&from.to_lowercase(), t), w, "{from} -> {t}");
            }
        }
        assert_eq!(transition("DRAFT", "PAID"), R);
        assert_eq!(transition("OPEN", "DRAFT"), Transition::Unknown);
    }
}
