//! How names are compared, in one place.
//!
//! Xero compares names (contact names in `where` filters, tracking option names, account and
//! item codes) case-insensitively (reference §5: "case- and accent-insensitive"). We match on a
//! key that is trimmed, has runs of whitespace collapsed to one space, and is lower-cased
//! (Unicode lower case). Accents are NOT folded: "José" and "Jose" are different names here, the
//! safe side (a near miss is reported, never silently merged). Whatever matched, requests always
//! carry Xero's own spelling.

use std::borrow::Cow;

/// The comparison key of a name.
pub fn key(name: &str) -> String {
    if name.is_ascii() {
        return ascii_key(name);
    }
    unicode_key(name)
}

/// The ASCII bytes `char::is_whitespace` accepts: 0x09-0x0D and the space (note: not the
/// same set as `u8::is_ascii_whitespace`, which leaves out 0x0B).
fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// [`key`] of ASCII text, byte by byte (names and codes nearly always are ASCII, and Unicode
/// lower-casing costs far more).
fn ascii_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for b in name.bytes() {
        if is_ascii_space(b) {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(char::from(b.to_ascii_lowercase()));
    }
    out
}

/// [`key`] of any text.
fn unicode_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// [`key`] without a copy when `name` is its own key already (lower-case ASCII, single inner
/// spaces), as ids and codes nearly always are: lookups run for every line and every payer.
pub fn key_ref(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    let mut previous_space = true; // no leading space
    let plain = bytes.iter().all(|&b| {
        let space = b == b' ';
        let changes = !b.is_ascii()
            || b.is_ascii_uppercase()
            || (is_ascii_space(b) && !space)
            || (space && previous_space);
        previous_space = space;
        !changes
    }) && bytes.last() != Some(&b' ');
    if plain {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(key(name))
    }
}

/// Whether two names are the same name for Xero.
pub fn same(a: &str, b: &str) -> bool {
    same_key(a, &key(b))
}

/// Whether `name` has the comparison key `k` (already a [`key`]), without allocating.
pub fn same_key(name: &str, k: &str) -> bool {
    let mut expected = k.chars();
    for (i, word) in name.split_whitespace().enumerate() {
        if i > 0 && expected.next() != Some(' ') {
            return false;
        }
        for c in word.chars().flat_map(char::to_lowercase) {
            if expected.next() != Some(c) {
                return false;
            }
        }
    }
    expected.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn case_and_whitespace_do_not_matter_accents_do() {
        assert!(same("Dr  Smith ", "dr smith"));
        assert!(same("NORTH", "North"));
        assert!(same("Straße", "STRAßE"));
        assert!(!same("José", "Jose"));
        assert!(!same("North-East", "North East"));
        assert_eq!(key("  Main\tClinic  "), "main clinic");
        for (a, b) in [
            ("Dr  Smith", "dr smith"),
            ("a", "ab"),
            ("ab", "a"),
            ("a b", "ab"),
            ("", ""),
            (" ", ""),
        ] {
            assert_eq!(same_key(a, &key(b)), key(a) == key(b), "{a:?} {b:?}");
        }
        for name in [
            "",
            " ",
            "a",
            "a b",
            "a  b",
            " a",
            "a ",
            "A",
            "a\u{b}b",
            "a\tb",
            "ä",
            "ÄB",
            "5cc8cf28-567e-4d43",
            "x\u{85}y",
        ] {
            assert_eq!(key_ref(name), key(name), "{name:?}");
        }
    }
}
