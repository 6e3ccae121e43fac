//! What the host wrote, checked once per invoice: keys this library does not know (reported
//! as warnings or errors per the settings), and text Xero shows to people (names, numbers,
//! references, descriptions, addresses) that a person could not see or trust.
//!
//! Control characters and NUL are invisible or cut the text short in
//! Xero's screens and PDFs; bidirectional overrides and isolates can make a contact named
//! `"Evil\u{202E}gnp.exe"` display as `"Evilexe.png"`; U+FFFD is what a lone surrogate (a
//! truncated emoji) became on the way in. Each is an error on its field, checked once per
//! invoice where the host's text is read; the text is never changed silently.

use crate::input::settings::UnknownFields;
use crate::input::source::{Payer, SourceInvoice};
use crate::issues::{Issue, IssueCode, Path};

/// The first character of `text` no one should see in Xero; line breaks and tabs are allowed
/// where the text may have several lines (descriptions, address lines).
pub(crate) fn unsafe_char(text: &str, multiline: bool) -> Option<char> {
    if printable_ascii(text.as_bytes()) {
        return None; // printable ASCII: the common case, decided eight bytes at a time
    }
    text.chars().find(|c| match c {
        '\n' | '\r' | '\t' => !multiline,
        c if c.is_control() => true, // C0, DEL and C1
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFFD}' => true,
        _ => false,
    })
}

/// Whether every byte is printable ASCII (0x20-0x7E). Eight bytes at a time, the last eight
/// overlapping those already checked (as `xero::wire` checks for escapes): this runs on about
/// a dozen texts of every invoice, and a test per byte cost more than the rest of the check.
fn printable_ascii(bytes: &[u8]) -> bool {
    let len = bytes.len();
    if len < 8 {
        return bytes.iter().all(|b| (0x20..0x7f).contains(b));
    }
    let mut chunks = bytes.chunks_exact(8);
    chunks.by_ref().all(|c| printable_word(word(c)))
        && (chunks.remainder().is_empty()
            || printable_word(word(bytes.get(len - 8..).unwrap_or_default())))
}

/// The eight bytes of `chunk` as one word (`chunk` is eight bytes long).
fn word(chunk: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(chunk);
    u64::from_le_bytes(w)
}

/// Whether each of the eight bytes of `x` is in 0x20-0x7E (SWAR).
fn printable_word(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x20 (the classic "has less than" test, exact for bounds up to 0x80).
    let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    // A byte of 0x7F or more: its high bit is set, or adding one sets it (a carry out of a
    // byte only comes from 0xFF, whose high bit is already set).
    let high = (x | x.wrapping_add(ONES)) & HIGHS;
    control | high == 0
}

/// Reports each field of `inv` Xero would show that holds such a character. Paths are built
/// only for a field that has one: this runs for every invoice.
pub(crate) fn check(inv: &SourceInvoice, path: &Path, issues: &mut Vec<Issue>) {
    let mut report = |at: &dyn Fn() -> Path, value: Option<&str>, multiline: bool| {
        if let Some(c) = value.and_then(|v| unsafe_char(v, multiline)) {
            issues.push(Issue::error(
                IssueCode::TextInvalid,
                at(),
                format!("The text holds the character U+{:04X}, which Xero would show as nothing, as a box, or reversing the text around it. Remove it in your application (a truncated emoji, a pasted control character or a direction override).", u32::from(c)),
            ));
        }
    };
    report(&|| path.field("number"), inv.number.as_deref(), false);
    report(&|| path.field("reference"), inv.reference.as_deref(), false);
    if let Some(payer) = &inv.payer {
        payer_fields(payer, &|| path.field("payer"), &mut report);
    }
    for (i, line) in inv.lines.iter().enumerate() {
        let at = || path.field("lines").index(i).field("description");
        report(&at, line.description.as_deref(), true);
    }
}

/// Reports the keys of the invoice the library does not know (found when it was read), as
/// warnings or errors per the settings.
pub(crate) fn unknown_keys(policy: UnknownFields, inv: &SourceInvoice, issues: &mut Vec<Issue>) {
    for f in &inv.unknown_keys {
        let message = f.describe("field");
        issues.push(match policy {
            UnknownFields::Warning => {
                Issue::warning(IssueCode::FieldUnknown, f.path.clone(), message)
            }
            UnknownFields::Error => Issue::error(IssueCode::FieldUnknown, f.path.clone(), message),
        });
    }
}

type Report<'r> = dyn FnMut(&dyn Fn() -> Path, Option<&str>, bool) + 'r;

fn payer_fields(payer: &Payer, path: &dyn Fn() -> Path, report: &mut Report<'_>) {
    report(&|| path().field("name"), payer.name.as_deref(), false);
    report(
        &|| path().field("firstName"),
        payer.first_name.as_deref(),
        false,
    );
    report(
        &|| path().field("lastName"),
        payer.last_name.as_deref(),
        false,
    );
    report(&|| path().field("email"), payer.email.as_deref(), false);
    if let Some(a) = &payer.address {
        let at = || path().field("address");
        for (i, l) in a.lines.iter().enumerate() {
            report(&|| at().field("lines").index(i), Some(l), false);
        }
        report(&|| at().field("city"), a.city.as_deref(), false);
        report(&|| at().field("region"), a.region.as_deref(), false);
        report(
            &|| at().field("postalCode"),
            a.postal_code.as_deref(),
            false,
        );
        report(&|| at().field("country"), a.country.as_deref(), false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time test answers what a test of each byte answers, for every byte value
    /// at every position of texts of every length around the word boundaries.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn printable_ascii_is_every_byte_printable() {
        let bytewise = |b: &[u8]| b.iter().all(|b| (0x20..0x7f).contains(b));
        for len in 0..=26 {
            for fill in [b'a', b' ', b'~', 0x1f, 0x7f, 0x80, 0xff] {
                for pos in 0..len {
                    for b in 0..=255u8 {
                        let mut text = vec![fill; len];
                        if let Some(slot) = text.get_mut(pos) {
                            *slot = b;
                        }
                        assert_eq!(printable_ascii(&text), bytewise(&text), "{text:?}");
                    }
                }
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn what_people_cannot_see_or_trust() {
        for bad in [
            "Evil\u{202E}gnp.exe",
            "a\u{0}b",
            "x\u{85}",
            "\u{2066}x",
            "broken \u{FFFD}",
            "a\u{7f}",
        ] {
            assert!(unsafe_char(bad, true).is_some(), "{bad:?}");
        }
        assert_eq!(unsafe_char("two\nlines", false), Some('\n'));
        for good in [
            "José Smith",
            "二郎",
            "two\nlines\twith tab",
            "Ltd. & Co — 100 %",
            "👩‍⚕️ clinic",
        ] {
            assert_eq!(unsafe_char(good, true), None, "{good:?}");
        }
    }
}
