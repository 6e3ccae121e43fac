//! The "did you mean" suggestion for an unknown tracking option: the optimal-string-alignment
//! [`edit_distance`] and the rule [`suggest`] applies with it.

use crate::names;

/// Typed values longer than this get no suggestion (the distance is quadratic in length).
const SUGGEST_MAX_CHARS: usize = 120;

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions): the fewest
/// single-character insertions, deletions, substitutions and swaps of two neighbouring
/// characters that turn `a` into `b` ("Norht" → "North" is 1), no substring edited twice.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    // Three rows of the dynamic-programming table: i - 2, i - 1 and i.
    let n = b.len();
    let mut before: Vec<usize> = vec![0; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur: Vec<usize> = vec![0; n + 1];
    let at = |row: &[usize], k: usize| row.get(k).copied().unwrap_or(usize::MAX / 2);
    for (i, ca) in a.iter().enumerate() {
        let mut left = i + 1;
        if let Some(first) = cur.first_mut() {
            *first = left;
        }
        for (j, cb) in b.iter().enumerate() {
            let mut value = (at(&prev, j) + usize::from(ca != cb))
                .min(at(&prev, j + 1) + 1)
                .min(left + 1);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca);
            if swapped {
                value = value.min(at(&before, j - 1) + 1);
            }
            if let Some(cell) = cur.get_mut(j + 1) {
                *cell = value;
            }
            left = value;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or_default()
}

/// The "did you mean" rule: the ACTIVE option closest to `typed` by [`edit_distance`] between
/// their [`names::key`] forms (case-insensitive, whitespace trimmed and collapsed), if that
/// distance is at most max(1, n / 3) for n the characters of the typed key (so "Nrth" finds
/// "North", "Dr Aroha Smyth" finds "Dr Aroha Smith", "Harbour" finds nothing in "North",
/// "South"). Ties go to the option earlier in Xero's order.
pub fn suggest<'a>(typed: &str, active: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed: Vec<char> = names::key(typed).chars().collect();
    if typed.is_empty() || typed.len() > SUGGEST_MAX_CHARS {
        return None;
    }
    let limit = (typed.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for name in active {
        let key: Vec<char> = names::key(name).chars().collect();
        if key.len().abs_diff(typed.len()) > limit {
            continue;
        }
        let d = edit_distance(&typed, &key);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, name));
        }
    }
    best.map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn distance_counts_edits_and_adjacent_swaps() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "ab"), 2);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("flaw", "lawn"), 2);
        assert_eq!(d("north", "nrth"), 1);
        assert_eq!(d("māori", "maori"), 1); // one character, two bytes
        assert_eq!(d("abc", "abc"), 0);
        assert_eq!(d("ab", "ba"), 1); // an adjacent swap
        assert_eq!(d("north", "norht"), 1);
        assert_eq!(d("ca", "abc"), 3); // optimal string alignment: no edit on a swapped pair
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn suggestions_stay_within_a_third_of_the_length() {
        let opts = ["North", "South", "Dr Aroha Smith", "Dr Ben Lee"];
        assert_eq!(suggest("Nrth", opts), Some("North"));
        assert_eq!(suggest("  NORHT ", opts), Some("North")); // a swap costs 1
        assert_eq!(suggest("Nort", opts), Some("North"));
        assert_eq!(suggest("Nt", opts), None); // 3 edits > max(1, 2/3)
        assert_eq!(suggest("dr aroha smyth", opts), Some("Dr Aroha Smith"));
        assert_eq!(suggest("Harbour", opts), None);
        assert_eq!(suggest("", opts), None);
        assert_eq!(suggest("X", ["Y", "Z"]), Some("Y")); // ties: Xero's order
        assert_eq!(suggest(&"x".repeat(500), opts), None);
    }
}
