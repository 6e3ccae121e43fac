//! How names are compared, in one place.
//!
//! Xero compares names (contact names in `where` filters, tracking option names, account and
//! item codes) case-insensitively (reference §5: "case- and accent-insensitive"). We match on a
//! key that is trimmed, has runs of whitespace collapsed to one space, and is lower-cased
//! (Unicode lower case: `char::to_lowercase`'s, from a smaller table in `lower`), a letter and
//! a combining accent composed into one letter as Unicode's NFC does ("e" + U+0301 is "é":
//! decomposed and precomposed text are one name on screen), and characters no one sees (a
//! byte-order mark, a zero-width space, a soft hyphen) left out. Accents are
//! NOT folded: "José" and "Jose" are different names here, the safe side (a near miss is
//! reported, never silently merged). Whatever matched, requests always carry Xero's own
//! spelling.
//!
//! Near misses: [`loose_key`] is a second, looser key (accents folded, punctuation and spaces
//! dropped, a trailing company suffix such as "Ltd" / "Limited" dropped) used only to *find*
//! names a person would call the same ([`near_miss`] says by which rule); nothing is ever matched
//! on it. The export warns about them (CONTACT_NEAR_MISS) and the configuration screen's contact
//! search lists them, flagged, after the real matches.

use std::borrow::Cow;

mod lower;

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
        let mut chars = word.chars().filter(|c| !invisible(*c)).peekable();
        if chars.peek().is_none() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        for c in chars {
            let (first, second) = lower::lower(c);
            let composed = out
                .chars()
                .next_back()
                .and_then(|base| compose(base, first));
            if let Some(composed) = composed {
                out.pop();
                out.push(composed);
            } else {
                out.push(first);
            }
            out.extend(second);
        }
    }
    out
}

/// Characters no one sees, left out of a [`key`]: the soft hyphen, the zero-width space, the
/// word joiner and the byte-order mark (the first cell of many CSV exports). Not the
/// zero-width (non-)joiners, which change how some scripts and emoji look.
fn invisible(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Lower-case letters with an accent (Latin-1 Supplement and Latin Extended-A, as [`fold`])
/// by the combining accent that makes them: `(accent, bases, letters)`, the n-th base with the
/// accent is the n-th letter. Generated from Unicode's canonical decompositions (a unit test
/// checks each against [`fold`]).
const COMPOSE: &[(char, &str, &str)] = &[
    ('\u{300}', "aeiou", "àèìòù"),
    ('\u{301}', "aeiouyclnrsz", "áéíóúýćĺńŕśź"),
    ('\u{302}', "aeioucghjswy", "âêîôûĉĝĥĵŝŵŷ"),
    ('\u{303}', "anoiu", "ãñõĩũ"),
    ('\u{304}', "aeiou", "āēīōū"),
    ('\u{306}', "aegiou", "ăĕğĭŏŭ"),
    ('\u{307}', "cegz", "ċėġż"),
    ('\u{308}', "aeiouy", "äëïöüÿ"),
    ('\u{30a}', "au", "åů"),
    ('\u{30b}', "ou", "őű"),
    ('\u{30c}', "cdelnrstz", "čďěľňřšťž"),
    ('\u{327}', "cgklnrst", "çģķļņŗşţ"),
    ('\u{328}', "aeiu", "ąęįų"),
];

/// The letter `base` + the combining `accent` compose to (Unicode's NFC), for the letters of
/// [`COMPOSE`]: "e" + U+0301 is "é". Decomposed text (macOS input, some databases) and
/// precomposed text are the same name, for Xero and for a person reading it.
fn compose(base: char, accent: char) -> Option<char> {
    if !combining(accent) {
        return None;
    }
    let (_, bases, letters) = COMPOSE.iter().find(|(a, _, _)| *a == accent)?;
    let at = bases.chars().position(|b| b == base)?;
    letters.chars().nth(at)
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
    if !name.is_ascii() && name.chars().any(|c| combining(c) || invisible(c)) {
        return key(name) == k; // accents to compose, characters to leave out (rare)
    }
    let mut expected = k.chars();
    for (i, word) in name.split_whitespace().enumerate() {
        if i > 0 && expected.next() != Some(' ') {
            return false;
        }
        for c in word.chars() {
            let (first, second) = lower::lower(c);
            if expected.next() != Some(first) || second.is_some_and(|s| expected.next() != Some(s))
            {
                return false;
            }
        }
    }
    expected.next().is_none()
}

/// Why two names with different [`key`]s are a near miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NearMiss {
    /// They differ only in accents ("José" / "Jose"); Xero's own Name filter ignores accents.
    Accents,
    /// They differ in punctuation or spacing too ("O'Brien" / "OBrien", "North-East" /
    /// "North East").
    Punctuation,
    /// They differ in a company suffix too ("Acme Ltd" / "Acme Limited" / "Acme").
    Suffix,
}

impl NearMiss {
    /// The rule in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            NearMiss::Accents => "only in accents",
            NearMiss::Punctuation => "only in accents, punctuation or spacing",
            NearMiss::Suffix => {
                "only in a company suffix (Ltd, Limited, Inc...), accents, punctuation or spacing"
            }
        }
    }
}

/// Company suffixes dropped from the end of a [`loose_key`]: the legal forms a bookkeeper writes
/// one way and the application another.
const SUFFIXES: &[&str] = &[
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "llp",
    "pty",
    "plc",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "sa",
    "nz",
    "au",
];

/// The ASCII spelling of a lower-case letter with an accent (Latin-1 Supplement and Latin
/// Extended-A, which cover the names of the seed products' countries), or `None`. A table of our
/// own instead of a Unicode normalisation crate: a few hundred bytes of wasm, not tens of KB.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ð' | 'ď' | 'đ' => "d",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'þ' => "th",
        'ß' => "ss",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ŵ' => "w",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Whether `c` is a combining accent (U+0300-U+036F), as decomposed text carries them: dropped.
fn combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// [`key`] with accents folded (a combining accent dropped), nothing else changed.
pub fn folded_key(name: &str) -> String {
    let k = key(name);
    if k.is_ascii() {
        return k;
    }
    let mut out = String::with_capacity(k.len());
    for c in k.chars().filter(|c| !combining(*c)) {
        match fold(c) {
            Some(s) => out.push_str(s),
            None => out.push(c),
        }
    }
    out
}

/// The words of [`folded_key`], split at anything that is not a letter or digit.
fn words(folded: &str) -> Vec<&str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect()
}

/// The near-miss key: [`folded_key`] without punctuation or spaces, and without trailing company
/// suffixes (unless the name is nothing but suffixes). Used to find near misses, never to match.
pub fn loose_key(name: &str) -> String {
    let folded = folded_key(name);
    let mut w = words(&folded);
    while w.len() > 1 && w.last().is_some_and(|last| SUFFIXES.contains(last)) {
        w.pop();
    }
    w.concat()
}

/// Whether `a` and `b` are a near miss (different names for Xero, the same [`loose_key`]), and
/// by which rule; `None` when they are the same name, or not close.
pub fn near_miss(a: &str, b: &str) -> Option<NearMiss> {
    if key(a) == key(b) || loose_key(a) != loose_key(b) {
        return None;
    }
    let (fa, fb) = (folded_key(a), folded_key(b));
    if fa == fb {
        return Some(NearMiss::Accents);
    }
    if words(&fa).concat() == words(&fb).concat() {
        return Some(NearMiss::Punctuation);
    }
    Some(NearMiss::Suffix)
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

    /// Decomposed and precomposed spellings are one key; each composed letter of the table is
    /// its base letter with an accent (its [`fold`] is the base).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn decomposed_accents_compose() {
        assert_eq!(key("Jose\u{301}  MU\u{308}LLER"), "josé müller");
        assert!(same("Jose\u{301}", "JOSÉ"));
        assert!(same("JOSÉ", "jose\u{301}"));
        assert!(!same("Jose\u{301}", "Jose"));
        assert_eq!(key("\u{FEFF}Jo \u{200B} Blo\u{AD}ggs\u{2060}"), "jo bloggs");
        assert!(same_key("\u{200B}JO\u{200B}  \u{FEFF}", "jo"));
        assert_eq!(key("a\u{200D}b"), "a\u{200D}b");
        // An accent with nothing to compose with stays as it is.
        assert_eq!(key("\u{301}a x\u{301}"), "\u{301}a x\u{301}");
        for (accent, bases, letters) in COMPOSE {
            assert_eq!(bases.chars().count(), letters.chars().count(), "{accent:?}");
            for (b, l) in bases.chars().zip(letters.chars()) {
                assert_eq!(fold(l), Some(b.to_string().as_str()), "{l}");
                assert_eq!(compose(b, *accent), Some(l));
                assert_eq!(key(&format!("{b}{accent}")), l.to_string());
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn near_misses_by_rule() {
        let table = [
            ("José Smith", "Jose Smith", Some(NearMiss::Accents)),
            ("JOSÉ  SMITH", "jose smith", Some(NearMiss::Accents)),
            ("Jose\u{301} Smith", "Jose Smith", Some(NearMiss::Accents)),
            ("Zoë Łukasz", "Zoe Lukasz", Some(NearMiss::Accents)),
            ("O'Brien", "OBrien", Some(NearMiss::Punctuation)),
            (
                "North-East Clinic",
                "North East Clinic",
                Some(NearMiss::Punctuation),
            ),
            ("Smith & Co.", "Smith & Co", Some(NearMiss::Punctuation)),
            ("Acme Ltd", "Acme Limited", Some(NearMiss::Suffix)),
            ("Acme Ltd.", "ACME", Some(NearMiss::Suffix)),
            ("Acme Pty Ltd", "Acmé", Some(NearMiss::Suffix)),
            // The same name for Xero is no near miss; different names are none either.
            ("Jose Smith", "jose  smith", None),
            ("Jose Smith", "Josh Smith", None),
            ("Limited", "Ltd", None),
            ("", "", None),
        ];
        for (a, b, want) in table {
            assert_eq!(near_miss(a, b), want, "{a:?} {b:?}");
            assert_eq!(near_miss(b, a), want, "{b:?} {a:?}");
        }
        assert_eq!(loose_key("Straße GmbH"), "strasse");
        assert_eq!(folded_key("Ærø"), "aero");
    }
}
