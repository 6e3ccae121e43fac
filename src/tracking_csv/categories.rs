//! The tracking columns' side of validation: the organisation's first two ACTIVE categories,
//! the (cached) verdict on each distinct cell value, and the message of a failing cell.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use crate::hasher::CellHasher;
use crate::input::snapshot::{Snapshot, TrackingCategory};
use crate::resolve::tracking::{self, Stale};

use super::suggestions::suggest;

/// Distinct cell values remembered per tracking column (bounds memory on files full of
/// different garbage; past it, each unknown value is looked up again).
const CACHE_LIMIT: usize = 4096;

/// Of those, how many are in the hashed cache; the rest go to an ordered map. The hash has no
/// seed, so cells can be chosen to collide, and a lookup then compares the value with every
/// entry: bounded here to this many comparisons a cell, where 4,096 hashed entries would let
/// a crafted million-row file cost billions (the ordered map costs about 12 whatever the
/// cells). A column rarely holds more distinct values than this (Xero's categories hold up
/// to 100 options).
const HASHED: usize = 64;

/// Valid values compared one by one before the cache is hashed (see `first_valid`).
const FIRST_VALID: usize = 8;

/// A tracking column's category, prepared once.
pub(super) struct Category {
    /// Xero's spelling.
    pub(super) name: String,
    /// What [`tracking::lookup`] is called with (the name, or the ID when unnamed).
    lookup: String,
    /// ACTIVE option names, in Xero's order (for suggestions).
    active: Vec<String>,
}

fn is_active(status: Option<&str>) -> bool {
    matches!(status, None | Some("ACTIVE"))
}

/// The organisation's ACTIVE categories that can be named (a name or an ID), in Xero's order:
/// the first is "Xero Tracking Category 1", the second "…2". The one numbering, shared by the CSV
/// and the configuration screen's dropdowns (`crate::choices`); later ones get no number.
pub(crate) fn numbered(snapshot: &Snapshot) -> impl Iterator<Item = &TrackingCategory> {
    snapshot
        .tracking_categories
        .iter()
        .filter(|c| is_active(c.status.as_deref()))
        .filter(|c| c.name.is_some() || c.id.is_some())
}

/// The organisation's first two ACTIVE categories, in Xero's order.
pub(super) fn active_categories(snapshot: &Snapshot) -> [Option<Category>; 2] {
    let mut active = numbered(snapshot).filter_map(|c| {
        let lookup = c.name.clone().or_else(|| c.id.clone())?;
        Some(Category {
            name: lookup.clone(),
            lookup,
            active: c
                .options
                .iter()
                .filter(|o| is_active(o.status.as_deref()))
                .filter_map(|o| o.name.clone())
                .collect(),
        })
    });
    [active.next(), active.next()]
}

/// A cached verdict on one distinct cell value. Failures keep only their reason: the message
/// (and its suggestion) is written only for issues that are kept, so a file full of different
/// wrong values stays fast.
#[derive(Clone)]
pub(super) enum Verdict {
    /// Valid: the assignment code.
    Valid(u32),
    /// The column has no category (the organisation has fewer ACTIVE categories).
    NoCategory,
    /// Not an ACTIVE option of the category.
    Stale(Stale),
}

/// One tracking column: its category, where it is, and what it has seen.
pub(super) struct TrackingState {
    pub(super) category: Option<Category>,
    /// 0-based column index, once the header is read.
    pub(super) index: usize,
    pub(super) header: String,
    cache: HashMap<Box<str>, Verdict, BuildHasherDefault<CellHasher>>,
    /// The values remembered past the first [`HASHED`] (see there).
    /// Each value's verdict in `verdicts` (a `String` → `u32` map, the type `option_codes`
    /// already is: one copy of the map's code in the `.wasm`).
    ordered: BTreeMap<String, u32>,
    verdicts: Vec<Verdict>,
    /// The first [`FIRST_VALID`] valid values seen and their codes, compared before the cache
    /// is hashed: a column usually holds a handful of options, and in wasm the hash lookup
    /// was a fifth of the validation's time (issue 20, V8's profiler).
    first_valid: Vec<(Box<str>, u32)>,
    /// Xero's spelling of each option set so far (assignment code n = option n - 2).
    pub(super) options: Vec<String>,
    option_codes: BTreeMap<String, u32>,
}

impl TrackingState {
    pub(super) fn new(category: Option<Category>) -> Self {
        TrackingState {
            category,
            index: 0,
            header: String::new(),
            cache: HashMap::default(),
            ordered: BTreeMap::new(),
            verdicts: Vec::new(),
            first_valid: Vec::with_capacity(FIRST_VALID),
            options: Vec::new(),
            option_codes: BTreeMap::new(),
        }
    }

    fn code_of(&mut self, option: String) -> u32 {
        if let Some(code) = self.option_codes.get(&option) {
            return *code;
        }
        let code = u32::try_from(self.options.len() + 2).unwrap_or(u32::MAX);
        self.options.push(option.clone());
        self.option_codes.insert(option, code);
        code
    }

    /// The verdict on a non-empty, non-`None` value (looked up once per distinct value): the
    /// assignment code when valid (copied; only failures are cloned).
    pub(super) fn verdict(&mut self, snapshot: &Snapshot, value: &str) -> Result<u32, Verdict> {
        let first = self.first_valid.iter();
        if let Some((_, code)) = first.into_iter().find(|(v, _)| **v == *value) {
            return Ok(*code);
        }
        let known = match self.cache.get(value) {
            None if !self.ordered.is_empty() => self
                .ordered
                .get(value)
                .and_then(|&at| self.verdicts.get(at as usize)),
            found => found,
        };
        match known {
            Some(Verdict::Valid(code)) => Ok(*code),
            Some(failure) => Err(failure.clone()),
            None => match self.judge(snapshot, value) {
                Verdict::Valid(code) => Ok(code),
                failure => Err(failure),
            },
        }
    }

    /// Looks `value` up in the snapshot and caches the verdict (up to [`CACHE_LIMIT`] values).
    fn judge(&mut self, snapshot: &Snapshot, value: &str) -> Verdict {
        let verdict = match &self.category {
            None => Verdict::NoCategory,
            Some(category) => match tracking::lookup(snapshot, &category.lookup, value) {
                Ok(found) => {
                    let option = found.option;
                    Verdict::Valid(self.code_of(option))
                }
                Err(stale) => Verdict::Stale(stale),
            },
        };
        if let (Verdict::Valid(code), true) = (&verdict, self.first_valid.len() < FIRST_VALID) {
            self.first_valid.push((value.into(), *code));
        }
        if self.cache.len() < HASHED {
            self.cache.insert(value.into(), verdict.clone());
        } else if self.cache.len() + self.ordered.len() < CACHE_LIMIT {
            let at = u32::try_from(self.verdicts.len()).unwrap_or(u32::MAX);
            self.ordered.insert(value.into(), at);
            self.verdicts.push(verdict.clone());
        }
        verdict
    }
}

/// The message of a failing tracking cell.
pub(super) fn failure_message(
    state: &TrackingState,
    ordinal: &str,
    failure: &Verdict,
    value: &str,
) -> String {
    match (failure, &state.category) {
        (Verdict::Stale(stale), Some(category)) => stale_message(category, stale, value),
        _ => format!("The organisation has no {ordinal} ACTIVE tracking category in Xero, so column \"{}\" must be empty or \"None\" (found \"{value}\"). Clear the cell, or fetch a fresh snapshot if a category was added.", state.header),
    }
}

/// The message of a cell the lookup refused, with at most one "did you mean": the lookup's
/// near miss (the same name but for accents or punctuation: surely what was meant) when there
/// is one, else the closest active option by edit distance. www/csv-file.js reads the one
/// `Did you mean "…"?` from the message into the corrected file.
fn stale_message(category: &Category, stale: &Stale, value: &str) -> String {
    let mut message = format!("{}.", stale.describe_unsuggested(&category.name, value));
    let suggestion = stale
        .near_miss()
        .or_else(|| suggest(value, category.active.iter().map(String::as_str)));
    match suggestion {
        Some(s) => message.push_str(&format!(" Did you mean \"{s}\"?")),
        None if category.active.is_empty() => {
            message.push_str(" The category has no active options.");
        }
        None => {
            let shown: Vec<&str> = category.active.iter().take(5).map(String::as_str).collect();
            let more = if category.active.len() > 5 {
                ", …"
            } else {
                ""
            };
            message.push_str(&format!(" Active options: {}{more}.", shown.join(", ")));
        }
    }
    message.push_str(" Use an active option, \"None\" to clear, or leave the cell empty.");
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column full of distinct values: each keeps its verdict, the hashed cache stops at
    /// [`HASHED`] entries (what bounds a lookup when cells are chosen to collide) and the
    /// rest are remembered in order up to [`CACHE_LIMIT`], then looked up again.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn distinct_values_past_the_hashed_cache_keep_their_verdicts() {
        let snapshot = crate::input::snapshot::sample();
        let [first, _] = active_categories(&snapshot);
        let mut state = TrackingState::new(first);
        let valid = state
            .category
            .as_ref()
            .and_then(|c| c.active.first())
            .cloned();
        let valid = valid.unwrap_or_default();
        let code = state.verdict(&snapshot, &valid).ok();
        assert!(code.is_some(), "{valid}");
        for round in 0..2 {
            for i in 0..CACHE_LIMIT + 100 {
                let value = format!("not an option {i}");
                assert!(state.verdict(&snapshot, &value).is_err(), "{round} {value}");
            }
            assert_eq!(state.verdict(&snapshot, &valid).ok(), code);
        }
        assert_eq!(state.cache.len(), HASHED);
        assert_eq!(state.cache.len() + state.ordered.len(), CACHE_LIMIT);
    }
}
