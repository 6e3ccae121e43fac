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
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return None; // printable ASCII: the common case, one pass over the bytes
    }
    text.chars().find(|c| match c {
        '\n' | '\r' | '\t' => !multiline,
        c if c.is_control() => true, // C0, DEL and C1
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFFD}' => true,
        _ => false,
    })
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
