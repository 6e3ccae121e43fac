//! Tracking-options CSV: the billing tool's client import file, validated before upload.
//!
//! Users set each client's two tracking options in bulk: they export the client list as CSV
//! ([`export`]), fill the columns "Xero Tracking Category 1" and "Xero Tracking Category 2", and
//! import it back. An invalid option fails that row only. [`Validator`] says which rows will
//! fail, streaming: it takes the file in chunks of any size (a chunk may end in the middle of a
//! row, a quoted field or a UTF-8 character) and keeps only the current row and the client keys
//! seen (to find duplicates), so a 100 MB file never has to be in memory at once.
//! [`validate`] is the one-call form for small files.
//!
//! The rules:
//! - CSV is RFC 4180: comma separated, `"` quotes, `""` inside quotes, commas and line breaks
//!   inside quoted fields, CRLF or LF (or CR) line ends, an optional UTF-8 byte order mark.
//!   Empty lines, and rows whose cells are all empty (spreadsheets write those for formatted
//!   blank rows), are skipped: not validated, not counted as rows read.
//! - Row numbers are the rows a spreadsheet shows: 1-based, the header is row 1, a skipped
//!   empty line still takes a row number, a quoted field spanning two lines is still one row.
//!   Columns are 1-based.
//! - The header must have the client key column ([`Options::key_column`], default
//!   "Client ID") and both tracking columns. "Xero Tracking Category 1" is the organisation's
//!   first ACTIVE tracking category in Xero's order, "…2" the second; each column may instead
//!   be headed by its category's own name (used only when the "Xero Tracking Category N" header
//!   is absent). Headers compare like names ([`crate::names`]); other columns are ignored. A
//!   missing or repeated required column makes the file unusable: every row counts as failing.
//! - Every cell is trimmed. A tracking cell is either empty (leave the client's option as it
//!   is), `None` in any case (clear it), or an ACTIVE option of that column's category, by name
//!   or TrackingOptionID, matched by [`crate::tracking::lookup`], the same rule the invoice path
//!   uses. Unknown, archived and deleted options fail the row, with a "did you mean" suggestion
//!   (see [`suggest`]). Since `None` always clears, an option literally named "None" cannot be
//!   set from the CSV.
//! - The client key must be present and appear once: later rows with the same key (compared
//!   exactly after trimming, as the tracking settings compare client ids) fail.
//! - A row with a different number of fields from the header, a field that is not UTF-8, or a
//!   quote opened and never closed (it runs to the end of the file) is malformed and fails. A
//!   stray `"` inside an unquoted field is read literally, with a warning.
//! - A key or tracking cell starting with `'` followed by `=`, `+`, `-`, `@`, tab or CR is read
//!   without the `'`: that is the formula neutralisation [`export`] applies, so an exported file
//!   reads back to its original values.
//!
//! The result counts rows read, valid and failing, keeps the first [`Options::max_issues`]
//! issues (the counts stay exact) and, on request, the valid rows' assignments in the shape of
//! the tracking settings' `clients` ([`Assignments`]).

use std::borrow::{Borrow, Cow};
use std::collections::BTreeMap;
use std::fmt;

use csv_core::{ReadRecordResult, Reader};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode};
use crate::issues::{Issue, IssueCode, Severity};
use crate::money::{Num, NumError};
use crate::names;
use crate::snapshot::Snapshot;
use crate::tracking::{self, Stale};

/// The client key column's header unless [`Options::key_column`] says otherwise.
pub const DEFAULT_KEY_COLUMN: &str = "Client ID";
/// The headers of the two tracking columns in the template.
pub const TRACKING_COLUMNS: [&str; 2] = ["Xero Tracking Category 1", "Xero Tracking Category 2"];
/// How many issues a result keeps unless [`Options::max_issues`] says otherwise.
pub const DEFAULT_MAX_ISSUES: usize = 1000;
/// Distinct cell values remembered per tracking column (bounds memory on files full of
/// different garbage; past it, each unknown value is looked up again).
const CACHE_LIMIT: usize = 4096;
/// Typed values longer than this get no suggestion (the distance is quadratic in length).
const SUGGEST_MAX_CHARS: usize = 120;
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
const ORDINALS: [&str; 2] = ["first", "second"];

/// How to read the file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// Header of the client key column, compared like names. Default "Client ID".
    pub key_column: String,
    /// How many issues the result keeps (the first ones, in file order). The counts
    /// (`issue_count`, `issue_counts`, the row counts) are exact whatever the cap. Default 1000.
    pub max_issues: usize,
    /// Whether the result carries the valid rows' assignments. Default true; false saves
    /// memory when only the failing rows matter (a browser checking a file before upload).
    pub assignments: bool,
    /// Whether an empty tracking cell clears the option like `None`. Default true, as DESIGN.md
    /// specifies ("empty or None clears"); false makes empty mean "leave the client's option as
    /// it is", for imports of partial files.
    pub empty_clears: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            key_column: DEFAULT_KEY_COLUMN.to_owned(),
            max_issues: DEFAULT_MAX_ISSUES,
            assignments: true,
            empty_clears: true,
        }
    }
}

/// How far a validation has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Bytes pushed so far.
    pub bytes: u64,
    /// Data rows read so far (complete rows only; the header and blank rows do not count).
    pub rows_read: u64,
    /// Rows read so far that will fail.
    pub rows_failing: u64,
}

/// Where a required column was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Column {
    /// 1-based column number.
    pub column: u64,
    /// The header as written in the file.
    pub header: String,
}

/// Where a tracking column was found, and the Xero category it sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingColumn {
    /// 1-based column number.
    pub column: u64,
    /// The header as written in the file.
    pub header: String,
    /// The category's name in Xero, or null when the organisation has no such ACTIVE category
    /// (the column must then be empty or `None`).
    pub category: Option<String>,
}

/// The required columns of a usable header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Columns {
    /// The client key column.
    pub key: Column,
    /// "Xero Tracking Category 1" and "…2".
    pub tracking: [TrackingColumn; 2],
}

/// The outcome of a validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Bytes read (including a byte order mark).
    pub bytes: u64,
    /// Data rows read (not the header, not blank rows).
    pub rows_read: u64,
    /// Rows that will import.
    pub rows_valid: u64,
    /// Rows that will fail (at least one error).
    pub rows_failing: u64,
    /// The required columns, when the header is usable.
    pub columns: Option<Columns>,
    /// The first issues, in file order (at most [`Options::max_issues`]).
    pub issues: Vec<Issue>,
    /// How many issues there are in all.
    pub issue_count: u64,
    /// Whether `issues` holds fewer than `issue_count`.
    pub issues_truncated: bool,
    /// Exact count per issue code.
    pub issue_counts: BTreeMap<IssueCode, u64>,
    /// The valid rows' assignments, unless [`Options::assignments`] is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignments: Option<Assignments>,
}

/// What a valid row sets for one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assigned<'a> {
    /// This option (Xero's spelling).
    Option(&'a str),
    /// `None`: the client has no option for the category.
    Clear,
}

/// One valid row's assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientTracking<'a> {
    /// The client key.
    pub client: &'a str,
    /// The row it came from.
    pub row: u64,
    /// (category name in Xero, what to set); categories whose cell was empty are absent.
    pub tracking: Vec<(&'a str, Assigned<'a>)>,
}

/// The valid rows' tracking assignments, kept compactly: 12 bytes a row (in wasm) beside the
/// client keys, which the duplicate check keeps anyway.
///
/// Serialised in the shape of the tracking settings' `clients`, in file order:
/// `{"client-7": {"Location": "North", "Clinician": ""}}`. A category set to `None` maps to `""`
/// (an explicit clear: merged into the settings it replaces the client's option with none,
/// which the resolver treats as unset); a category whose cell was empty is absent (merging
/// keeps what the client had). A valid row with both cells empty gives `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignments {
    keys: KeySet,
    /// (entry in `keys`, [code per column]); code 0 = unset, 1 = clear, n = option n - 2.
    rows: Vec<(usize, [u32; 2])>,
    categories: [Option<String>; 2],
    options: [Vec<String>; 2],
}

impl Assignments {
    /// Number of valid rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no row is valid.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn cells(&self, codes: [u32; 2]) -> impl Iterator<Item = (&str, Assigned<'_>)> + '_ {
        self.categories
            .iter()
            .zip(self.options.iter())
            .zip(codes)
            .filter_map(|((category, options), code)| {
                let category = category.as_deref()?;
                match code {
                    0 => None,
                    1 => Some((category, Assigned::Clear)),
                    n => options
                        .get(usize::try_from(n - 2).ok()?)
                        .map(|o| (category, Assigned::Option(o.as_str()))),
                }
            })
    }

    /// Each valid row's assignments, in file order.
    pub fn iter(&self) -> impl Iterator<Item = ClientTracking<'_>> + '_ {
        self.rows.iter().map(|(entry, codes)| ClientTracking {
            client: self.keys.key(*entry),
            row: self.keys.row(*entry),
            tracking: self.cells(*codes).collect(),
        })
    }

    /// The assignments as the tracking settings' `clients` map (client → category → option,
    /// `""` for a clear).
    pub fn to_clients(&self) -> BTreeMap<String, BTreeMap<String, String>> {
        self.iter()
            .map(|c| {
                let tracking = c
                    .tracking
                    .iter()
                    .map(|(category, a)| {
                        let option = match a {
                            Assigned::Option(o) => (*o).to_owned(),
                            Assigned::Clear => String::new(),
                        };
                        ((*category).to_owned(), option)
                    })
                    .collect();
                (c.client.to_owned(), tracking)
            })
            .collect()
    }
}

impl Assignments {
    /// An upper bound (within 2 bytes a row) of their JSON's length unless names need
    /// escaping, so the text can be written without growing its buffer.
    fn json_len(&self) -> usize {
        2 + self
            .rows
            .iter()
            .map(|(entry, codes)| {
                let cells: usize = self
                    .cells(*codes)
                    .map(|(c, a)| match a {
                        Assigned::Option(o) => c.len() + o.len() + 6,
                        Assigned::Clear => c.len() + 6,
                    })
                    .sum();
                self.keys.key(*entry).len() + 6 + cells
            })
            .sum::<usize>()
    }
}

impl Report {
    /// The report as JSON text, written into a buffer sized up front (a million assignments
    /// are tens of megabytes; growing by doubling would briefly need twice that).
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let estimate = 1024
            + self.issues.len() * 320
            + self.assignments.as_ref().map_or(0, Assignments::json_len);
        let mut out = Vec::with_capacity(estimate + estimate / 64);
        serde_json::to_writer(&mut out, self)?;
        // serde_json writes UTF-8 only.
        Ok(String::from_utf8(out).unwrap_or_default())
    }
}

/// One client's categories, serialised without building a map.
struct CellsOf<'a>(&'a Assignments, [u32; 2]);

impl Serialize for CellsOf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (category, assigned) in self.0.cells(self.1) {
            match assigned {
                Assigned::Option(o) => map.serialize_entry(category, o)?,
                Assigned::Clear => map.serialize_entry(category, "")?,
            }
        }
        map.end()
    }
}

impl Serialize for Assignments {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.rows.len()))?;
        for (entry, codes) in &self.rows {
            map.serialize_entry(self.keys.key(*entry), &CellsOf(self, *codes))?;
        }
        map.end()
    }
}

/// Client keys seen so far: one string arena plus an open-addressing hash table, so a million
/// keys cost their bytes plus about 24 bytes each in wasm (a `BTreeSet<String>` costs several
/// times that). A table slot is 32 bits: the entry's index in the low bits, the top bits of
/// its key's hash in the rest, so probing rarely touches the keys themselves and a new key
/// costs one random memory access. The hash has no seed: runs are deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct KeySet {
    arena: String,
    /// (start in arena, length, row first seen).
    entries: Vec<(usize, usize, u64)>,
    /// 0 = empty, else hash tag << `bits` | (entry index + 1). Length 0 or 2^`bits`, at most
    /// half full.
    table: Vec<u32>,
    bits: u32,
}

/// Keys beyond this many are not checked for duplicates (a table of 2^31 slots; no file a
/// browser can hold gets near it).
const MAX_KEYS: usize = 1 << 30;

fn hash_key(bytes: &[u8]) -> u64 {
    // Word-at-a-time multiply-rotate, then a murmur3 finaliser so every bit of the key reaches
    // the bits the table uses.
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let word = <[u8; 8]>::try_from(w).unwrap_or_default();
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    for (t, b) in tail.iter_mut().zip(words.remainder()) {
        *t = *b;
    }
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

impl KeySet {
    fn key(&self, entry: usize) -> &str {
        self.entries
            .get(entry)
            .and_then(|(start, len, _)| self.arena.get(*start..start.saturating_add(*len)))
            .unwrap_or_default()
    }

    fn row(&self, entry: usize) -> u64 {
        self.entries.get(entry).map_or(0, |e| e.2)
    }

    /// The tag of `hash` at the current table size (the hash's top 32 - `bits` bits).
    fn tag(&self, hash: u64) -> u32 {
        ((hash >> 32) as u32).checked_shr(self.bits).unwrap_or(0)
    }

    /// The slot where `key` (with `hash`) is or would go, and its entry if it is there.
    fn find(&self, key: &str, hash: u64) -> Option<(usize, Option<usize>)> {
        let mask = self.table.len().checked_sub(1)?;
        let low = (mask as u32).max(1);
        let tag = self.tag(hash);
        let mut i = (hash as usize) & mask;
        // The table is never more than half full, so an empty slot always comes; the bound
        // only guarantees termination.
        for _ in 0..self.table.len() {
            let slot = *self.table.get(i)?;
            if slot == 0 {
                return Some((i, None));
            }
            if slot.checked_shr(self.bits).unwrap_or(0) == tag {
                let entry = ((slot & low) as usize).wrapping_sub(1);
                if self.key(entry) == key {
                    return Some((i, Some(entry)));
                }
            }
            i = (i + 1) & mask;
        }
        None
    }

    fn place(&mut self, slot: usize, hash: u64, entry: usize) {
        let value = self.tag(hash).checked_shl(self.bits).unwrap_or(0) | (entry as u32 + 1);
        if let Some(s) = self.table.get_mut(slot) {
            *s = value;
        }
    }

    /// Adds `key` first seen on `row`: its entry, or the row it was first seen on.
    fn insert(&mut self, key: &str, row: u64) -> Result<usize, u64> {
        let entry = self.entries.len();
        if entry >= MAX_KEYS {
            return Ok(usize::MAX);
        }
        if (entry + 1) * 2 > self.table.len() {
            self.grow();
        }
        let hash = hash_key(key.as_bytes());
        match self.find(key, hash) {
            Some((_, Some(existing))) => Err(self.row(existing)),
            Some((slot, None)) => {
                self.entries.push((self.arena.len(), key.len(), row));
                self.arena.push_str(key);
                self.place(slot, hash, entry);
                Ok(entry)
            }
            None => Ok(usize::MAX),
        }
    }

    fn grow(&mut self) {
        self.bits = (self.bits + 1).max(6);
        let size = 1usize << self.bits;
        self.table = vec![0; size];
        let mask = size - 1;
        for entry in 0..self.entries.len() {
            let hash = hash_key(self.key(entry).as_bytes());
            // Keys are distinct, so the first empty slot of the probe is the place.
            let mut i = (hash as usize) & mask;
            while self.table.get(i).is_some_and(|s| *s != 0) {
                i = (i + 1) & mask;
            }
            self.place(i, hash, entry);
        }
    }
}

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

/// A tracking column's category, prepared once.
struct Category {
    /// Xero's spelling.
    name: String,
    /// What [`tracking::lookup`] is called with (the name, or the ID when unnamed).
    lookup: String,
    /// ACTIVE option names, in Xero's order (for suggestions).
    active: Vec<String>,
}

fn is_active(status: Option<&str>) -> bool {
    matches!(status, None | Some("ACTIVE"))
}

/// The organisation's first two ACTIVE categories, in Xero's order.
fn active_categories(snapshot: &Snapshot) -> [Option<Category>; 2] {
    let mut active = snapshot
        .tracking_categories
        .iter()
        .filter(|c| is_active(c.status.as_deref()))
        .filter_map(|c| {
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
enum Verdict {
    /// Valid: the assignment code.
    Valid(u32),
    /// The column has no category (the organisation has fewer ACTIVE categories).
    NoCategory,
    /// Not an ACTIVE option of the category.
    Stale(Stale),
}

/// One tracking column: its category, where it is, and what it has seen.
struct TrackingState {
    category: Option<Category>,
    /// 0-based column index, once the header is read.
    index: usize,
    header: String,
    cache: BTreeMap<Box<str>, Verdict>,
    /// Xero's spelling of each option set so far (assignment code n = option n - 2).
    options: Vec<String>,
    option_codes: BTreeMap<String, u32>,
}

impl TrackingState {
    fn new(category: Option<Category>) -> Self {
        TrackingState {
            category,
            index: 0,
            header: String::new(),
            cache: BTreeMap::new(),
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

    /// The verdict on a non-empty, non-`None` value (looked up once per distinct value).
    fn verdict(&mut self, snapshot: &Snapshot, value: &str) -> Verdict {
        if let Some(v) = self.cache.get(value) {
            return v.clone();
        }
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
        if self.cache.len() < CACHE_LIMIT {
            self.cache.insert(value.into(), verdict.clone());
        }
        verdict
    }
}

/// The message of a failing tracking cell.
fn failure_message(state: &TrackingState, ordinal: &str, failure: &Verdict, value: &str) -> String {
    match (failure, &state.category) {
        (Verdict::Stale(stale), Some(category)) => stale_message(category, stale, value),
        _ => format!("The organisation has no {ordinal} ACTIVE tracking category in Xero, so column \"{}\" must be empty or \"None\" (found \"{value}\"). Clear the cell, or fetch a fresh snapshot if a category was added.", state.header),
    }
}

fn stale_message(category: &Category, stale: &Stale, value: &str) -> String {
    let mut message = format!("{}.", stale.describe(&category.name, value));
    match suggest(value, category.active.iter().map(String::as_str)) {
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

/// Issues kept up to the cap, counted exactly.
struct IssueSink {
    kept: Vec<Issue>,
    max: usize,
    total: u64,
    errors: u64,
    by_code: BTreeMap<IssueCode, u64>,
}

impl IssueSink {
    /// Counts an issue; builds its path and message only if it is kept.
    fn add(
        &mut self,
        severity: Severity,
        code: IssueCode,
        row: u64,
        column: Option<u64>,
        make: impl FnOnce() -> (String, String),
    ) {
        self.total += 1;
        if severity == Severity::Error {
            self.errors += 1;
        }
        *self.by_code.entry(code).or_insert(0) += 1;
        if self.kept.len() < self.max {
            let (path, message) = make();
            let issue = match severity {
                Severity::Error => Issue::error(code, path, message),
                Severity::Warning => Issue::warning(code, path, message),
            };
            self.kept.push(issue.at(row, column));
        }
    }
}

/// A cell as the import reads it: trimmed, with the export's formula neutralisation undone.
fn cell_value(raw: &str) -> &str {
    let v = raw.trim();
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.trim(),
        _ => v,
    }
}

/// The header's verdict.
enum HeaderState {
    /// Not read yet.
    Pending,
    /// Usable: (key column index, header width, key header).
    Usable(usize, usize, String),
    /// Missing or repeated required columns: every row fails.
    Unusable,
}

/// Everything but the parser's buffers.
struct Rows<S> {
    snapshot: S,
    options: Options,
    header: HeaderState,
    tracking: [TrackingState; 2],
    row: u64,
    rows_read: u64,
    rows_valid: u64,
    rows_failing: u64,
    issues: IssueSink,
    keys: KeySet,
    assigned: Vec<(usize, [u32; 2])>,
}

fn csv_path(header: &str) -> String {
    format!("csv.{header}")
}

/// The fields of one record: `text` is the record's bytes, `ends` where each field ends.
struct Fields<'a> {
    bytes: &'a [u8],
    /// The whole record as text, when it is valid UTF-8.
    text: Option<&'a str>,
    ends: &'a [usize],
}

impl<'a> Fields<'a> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn range(&self, i: usize) -> Option<(usize, usize)> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(p) => *self.ends.get(p)?,
            None => 0,
        };
        Some((start, end))
    }

    /// Field `i` as text: `None` if absent, `Some(Err(()))` if not UTF-8.
    fn get(&self, i: usize) -> Option<Result<&'a str, ()>> {
        let (start, end) = self.range(i)?;
        Some(match self.text {
            // A field boundary inside a character means each half is invalid on its own.
            Some(text) => text.get(start..end).ok_or(()),
            None => {
                std::str::from_utf8(self.bytes.get(start..end).unwrap_or_default()).map_err(|_| ())
            }
        })
    }

    fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }
}

impl<S: Borrow<Snapshot>> Rows<S> {
    fn progress(&self, bytes: u64) -> Progress {
        Progress {
            bytes,
            rows_read: self.rows_read,
            rows_failing: self.rows_failing,
        }
    }

    /// One record; `blank_lines` empty lines came before it (they are rows in a spreadsheet).
    fn record(
        &mut self,
        bytes: &[u8],
        ends: &[usize],
        blank_lines: u64,
        at_eof: bool,
        odd_quotes: bool,
    ) {
        self.row += 1 + blank_lines;
        let text = std::str::from_utf8(bytes).ok();
        let fields = Fields { bytes, text, ends };
        if matches!(self.header, HeaderState::Pending) {
            self.read_header(&fields);
            return;
        }
        if fields.is_blank() {
            return;
        }
        self.rows_read += 1;
        let errors_before = self.issues.errors;
        let (key_index, width) = match &self.header {
            HeaderState::Usable(key, width, _) => (*key, *width),
            _ => {
                self.rows_failing += 1;
                return;
            }
        };
        let row = self.row;
        self.check_shape(&fields, width, at_eof, odd_quotes);
        let entry = self.check_key(&fields, key_index);
        let mut codes = [0u32; 2];
        for (c, (state, code)) in self.tracking.iter_mut().zip(codes.iter_mut()).enumerate() {
            let raw = match fields.get(state.index) {
                Some(Ok(raw)) => raw,
                // Absent (a short row, already reported) or not UTF-8 (reported by shape).
                _ => continue,
            };
            let value = cell_value(raw);
            *code = if value.is_empty() {
                u32::from(self.options.empty_clears)
            } else if value.eq_ignore_ascii_case("none") {
                1
            } else {
                match state.verdict(self.snapshot.borrow(), value) {
                    Verdict::Valid(code) => code,
                    failure => {
                        let issue_code = match &failure {
                            Verdict::Stale(stale) => stale.code(),
                            _ => IssueCode::TrackingCategoryUnknown,
                        };
                        let ordinal = ORDINALS.get(c).copied().unwrap_or_default();
                        let state = &*state;
                        self.issues.add(
                            Severity::Error,
                            issue_code,
                            row,
                            Some(state.index as u64 + 1),
                            || {
                                let message = failure_message(state, ordinal, &failure, value);
                                (csv_path(&state.header), message)
                            },
                        );
                        0
                    }
                }
            };
        }
        if self.issues.errors > errors_before {
            self.rows_failing += 1;
        } else {
            self.rows_valid += 1;
            if self.options.assignments {
                if let Some(entry) = entry {
                    self.assigned.push((entry, codes));
                }
            }
        }
    }

    /// Field count, encoding and quotes.
    fn check_shape(&mut self, fields: &Fields<'_>, width: usize, at_eof: bool, odd_quotes: bool) {
        let row = self.row;
        if fields.len() != width {
            let n = fields.len();
            self.issues
                .add(Severity::Error, IssueCode::CsvRowMalformed, row, None, || {
                    (
                        "csv".to_owned(),
                        format!("Row {row} has {n} fields but the header has {width}. Check for a missing or extra comma, or a cell with a comma or line break that is not in double quotes."),
                    )
                });
        }
        if fields.text.is_none()
            || fields
                .ends
                .iter()
                .any(|e| fields.text.is_some_and(|t| !t.is_char_boundary(*e)))
        {
            for i in 0..fields.len() {
                if matches!(fields.get(i), Some(Err(()))) {
                    self.issues.add(
                        Severity::Error,
                        IssueCode::CsvRowMalformed,
                        row,
                        Some(i as u64 + 1),
                        || {
                            ("csv".to_owned(), format!("Column {} of row {row} is not valid UTF-8 text. Save the file as \"CSV UTF-8\".", i + 1))
                        },
                    );
                }
            }
        }
        if odd_quotes {
            if at_eof {
                self.issues
                    .add(Severity::Error, IssueCode::CsvRowMalformed, row, None, || {
                        ("csv".to_owned(), format!("Row {row} opens a double quote that is never closed, so the field runs to the end of the file. Close the quote, or double any quote inside a quoted field (\"\")."))
                    });
            } else {
                self.issues
                    .add(Severity::Warning, IssueCode::CsvRowMalformed, row, None, || {
                        ("csv".to_owned(), format!("Row {row} has a double quote inside a field that is not quoted; it is read literally. Quote the field and double the quote (\"\") to be sure every importer reads it the same way."))
                    });
            }
        }
    }

    /// The client key: present, and seen for the first time. Returns its entry when new.
    fn check_key(&mut self, fields: &Fields<'_>, key_index: usize) -> Option<usize> {
        let row = self.row;
        let key_header = match &self.header {
            HeaderState::Usable(_, _, h) => h.as_str(),
            _ => "",
        };
        let column = Some(key_index as u64 + 1);
        let key = match fields.get(key_index) {
            Some(Ok(raw)) => cell_value(raw),
            Some(Err(())) => return None,
            None => "",
        };
        if key.is_empty() {
            self.issues
                .add(Severity::Error, IssueCode::CsvKeyMissing, row, column, || {
                    (
                        csv_path(key_header),
                        format!("Row {row} has no {key_header}: the import cannot tell which client it is for. Fill it in or delete the row."),
                    )
                });
            return None;
        }
        match self.keys.insert(key, row) {
            Ok(entry) => Some(entry),
            Err(first) => {
                self.issues
                    .add(Severity::Error, IssueCode::CsvDuplicateKey, row, column, || {
                        (
                            csv_path(key_header),
                            format!("{key_header} \"{key}\" is also on row {first}; only the first row for a client is used, so this row fails. Merge the two rows."),
                        )
                    });
                None
            }
        }
    }

    fn read_header(&mut self, fields: &Fields<'_>) {
        let row = self.row; // 1, unless empty lines come first
        let mut names: Vec<(String, String)> = Vec::with_capacity(fields.len());
        let mut usable = true;
        for i in 0..fields.len() {
            match fields.get(i) {
                Some(Ok(h)) => names.push((names::key(h), h.trim().to_owned())),
                _ => {
                    usable = false;
                    names.push((String::new(), String::new()));
                    self.issues
                        .add(Severity::Error, IssueCode::CsvRowMalformed, row, Some(i as u64 + 1), || {
                            ("csv.header".to_owned(), format!("Header column {} is not valid UTF-8 text. Save the file as \"CSV UTF-8\".", i + 1))
                        });
                }
            }
        }
        let found: Vec<&str> = names.iter().map(|(_, h)| h.as_str()).collect();
        let found = found.join(", ");
        let positions = |wanted: &str| -> Vec<usize> {
            let k = names::key(wanted);
            names
                .iter()
                .enumerate()
                .filter(|(_, (key, _))| *key == k)
                .map(|(i, _)| i)
                .collect()
        };
        // The one column named `what` (`hint` says more when it is missing).
        let one = |issues: &mut IssueSink, at: Vec<usize>, what: String, hint: String| match at
            .as_slice()
        {
            [i] => Some(*i),
            [] => {
                issues.add(Severity::Error, IssueCode::CsvColumnMissing, row, None, || {
                        ("csv.header".to_owned(), format!("The header has no {what} column{hint} (columns found: {found}). The file cannot be imported until it has one."))
                    });
                None
            }
            [first, ..] => {
                let cols: Vec<String> = at.iter().map(|i| (i + 1).to_string()).collect();
                issues.add(
                    Severity::Error,
                    IssueCode::CsvColumnDuplicate,
                    row,
                    Some(*first as u64 + 1),
                    || {
                        (
                            "csv.header".to_owned(),
                            format!(
                                "The {what} column appears more than once (columns {}). Keep one.",
                                cols.join(" and ")
                            ),
                        )
                    },
                );
                None
            }
        };
        let key_column = self.options.key_column.clone();
        let key = one(
            &mut self.issues,
            positions(&key_column),
            format!("\"{key_column}\""),
            " for the client key (set options.keyColumn if your file names it differently)"
                .to_owned(),
        );
        let mut tracking = [None, None];
        for ((state, slot), canonical) in self
            .tracking
            .iter()
            .zip(tracking.iter_mut())
            .zip(TRACKING_COLUMNS)
        {
            let mut at = positions(canonical);
            let mut hint = String::new();
            if let Some(category) = &state.category {
                if at.is_empty() {
                    at = positions(&category.name);
                }
                hint = format!(" (or \"{}\", the category's name)", category.name);
            }
            *slot = one(&mut self.issues, at, format!("\"{canonical}\""), hint);
        }
        let [Some(t1), Some(t2)] = tracking else {
            self.header = HeaderState::Unusable;
            return;
        };
        let Some(key) = key else {
            self.header = HeaderState::Unusable;
            return;
        };
        if key == t1 || key == t2 || t1 == t2 {
            let column = if key == t1 || key == t2 { key } else { t1 };
            self.issues.add(Severity::Error, IssueCode::CsvColumnDuplicate, row, Some(column as u64 + 1), || {
                ("csv.header".to_owned(), format!("Column {} would serve as two of the required columns (client key, tracking category 1, tracking category 2). Rename the columns so each is distinct.", column + 1))
            });
            usable = false;
        }
        if !usable {
            self.header = HeaderState::Unusable;
            return;
        }
        let header_of = |i: usize| names.get(i).map(|(_, h)| h.clone()).unwrap_or_default();
        for (state, index) in self.tracking.iter_mut().zip([t1, t2]) {
            state.index = index;
            state.header = header_of(index);
        }
        self.header = HeaderState::Usable(key, fields.len(), header_of(key));
    }

    fn finish(mut self, bytes: u64) -> Report {
        if matches!(self.header, HeaderState::Pending) {
            let [t1, t2] = TRACKING_COLUMNS;
            let key = &self.options.key_column;
            self.issues
                .add(Severity::Error, IssueCode::CsvColumnMissing, 1, None, || {
                    ("csv.header".to_owned(), format!("The file is empty: it needs a header row with \"{key}\", \"{t1}\" and \"{t2}\"."))
                });
        }
        let columns = match &self.header {
            HeaderState::Usable(key, _, header) => {
                let [a, b] = &self.tracking;
                let tracking_column = |s: &TrackingState| TrackingColumn {
                    column: s.index as u64 + 1,
                    header: s.header.clone(),
                    category: s.category.as_ref().map(|c| c.name.clone()),
                };
                Some(Columns {
                    key: Column {
                        column: *key as u64 + 1,
                        header: header.clone(),
                    },
                    tracking: [tracking_column(a), tracking_column(b)],
                })
            }
            _ => None,
        };
        let assignments = self.options.assignments.then(|| {
            let [a, b] = self.tracking;
            Assignments {
                keys: self.keys,
                rows: self.assigned,
                categories: [a.category.map(|c| c.name), b.category.map(|c| c.name)],
                options: [a.options, b.options],
            }
        });
        Report {
            bytes,
            rows_read: self.rows_read,
            rows_valid: self.rows_valid,
            rows_failing: self.rows_failing,
            columns,
            issues_truncated: (self.issues.kept.len() as u64) < self.issues.total,
            issues: self.issues.kept,
            issue_count: self.issues.total,
            issue_counts: self.issues.by_code,
            assignments,
        }
    }
}

/// The parser's state: csv-core's reader and the current record's bytes.
struct Parser {
    reader: Reader,
    /// The current record's field bytes (`out_len` used), grown as needed.
    out: Vec<u8>,
    out_len: usize,
    /// Where each field of the current record ends in `out` (`ends_len` used).
    ends: Vec<usize>,
    ends_len: usize,
    /// Whether the current record has consumed an odd number of `"` so far.
    odd_quotes: bool,
    /// Between records: csv-core skips empty lines silently, so they are counted here to keep
    /// row numbers equal to a spreadsheet's.
    at_record_start: bool,
    /// The last line-break byte seen was a CR (a following LF completes it).
    after_cr: bool,
    /// Empty lines since the last record.
    blank_lines: u64,
    /// The first bytes while a byte order mark is still possible.
    head: Option<Vec<u8>>,
    bytes: u64,
}

/// Streaming validation: push chunks, then finish.
///
/// ```
/// use xero_export::tracking_csv::{Options, Validator};
/// use xero_export::{Snapshot, SnapshotInput};
///
/// let input: SnapshotInput = serde_json::from_str(r#"{"trackingCategories": [
///     {"Name": "Location", "Status": "ACTIVE", "Options": [{"Name": "North", "Status": "ACTIVE"}]},
///     {"Name": "Team", "Status": "ACTIVE", "Options": [{"Name": "Sales", "Status": "ACTIVE"}]}]}"#).unwrap();
/// let mut v = Validator::new(Snapshot::new(input), Options::default());
/// v.push(b"Client ID,Xero Tracking Category 1,Xero Tracking Category 2\nc1,No");
/// v.push(b"rth,Sales\nc2,Nrth,None\n");
/// let report = v.finish();
/// assert_eq!((report.rows_read, report.rows_valid, report.rows_failing), (2, 1, 1));
/// assert!(report.issues[0].message.contains("Did you mean \"North\"?"));
/// ```
pub struct Validator<S: Borrow<Snapshot>> {
    parser: Parser,
    rows: Rows<S>,
}

impl<S: Borrow<Snapshot>> Validator<S> {
    /// A validator against `snapshot` (owned, or borrowed as `&Snapshot`).
    pub fn new(snapshot: S, options: Options) -> Self {
        let [a, b] = active_categories(snapshot.borrow());
        let issues = IssueSink {
            kept: Vec::new(),
            max: options.max_issues,
            total: 0,
            errors: 0,
            by_code: BTreeMap::new(),
        };
        Validator {
            parser: Parser {
                reader: Reader::new(),
                out: vec![0; 1024],
                out_len: 0,
                ends: vec![0; 16],
                ends_len: 0,
                odd_quotes: false,
                at_record_start: true,
                after_cr: false,
                blank_lines: 0,
                head: Some(Vec::with_capacity(3)),
                bytes: 0,
            },
            rows: Rows {
                snapshot,
                options,
                header: HeaderState::Pending,
                tracking: [TrackingState::new(a), TrackingState::new(b)],
                row: 0,
                rows_read: 0,
                rows_valid: 0,
                rows_failing: 0,
                issues,
                keys: KeySet::default(),
                assigned: Vec::new(),
            },
        }
    }

    /// Reads the next chunk. Chunks may split a row, a quoted field or a UTF-8 character
    /// anywhere; only complete rows are validated, the rest waits for the next chunk.
    pub fn push(&mut self, chunk: &[u8]) {
        self.parser.bytes += chunk.len() as u64;
        let Some(head) = self.parser.head.as_mut() else {
            self.feed(chunk, false);
            return;
        };
        let take = BOM.len().saturating_sub(head.len()).min(chunk.len());
        let (first, rest) = chunk.split_at_checked(take).unwrap_or((chunk, &[]));
        head.extend_from_slice(first);
        if head.len() < BOM.len() && BOM.starts_with(head.as_slice()) {
            return; // still undecided: the chunk was shorter than the mark
        }
        let head = self.parser.head.take().unwrap_or_default();
        if head != BOM {
            self.feed(&head, false);
        }
        self.feed(rest, false);
    }

    /// How far the validation has got.
    pub fn progress(&self) -> Progress {
        self.rows.progress(self.parser.bytes)
    }

    /// Reads the last row (a file need not end with a line break) and returns the report.
    pub fn finish(mut self) -> Report {
        if let Some(head) = self.parser.head.take() {
            self.feed(&head, false);
        }
        self.feed(&[], true);
        self.rows.finish(self.parser.bytes)
    }

    /// Runs csv-core over `input`; `eof` marks the end of the file (then `input` is empty).
    fn feed(&mut self, mut input: &[u8], eof: bool) {
        let p = &mut self.parser;
        loop {
            // csv-core takes empty input as the end of the file: only pass it at the end.
            if input.is_empty() && !eof {
                return;
            }
            if p.at_record_start {
                for b in input {
                    match b {
                        b'\n' if p.after_cr => p.after_cr = false,
                        b'\n' => p.blank_lines += 1,
                        b'\r' => {
                            p.blank_lines += 1;
                            p.after_cr = true;
                        }
                        _ => {
                            p.at_record_start = false;
                            break;
                        }
                    }
                }
            }
            let out = p.out.get_mut(p.out_len..).unwrap_or_default();
            let ends = p.ends.get_mut(p.ends_len..).unwrap_or_default();
            let (result, nin, nout, nend) = p.reader.read_record(input, out, ends);
            let (used, rest) = input.split_at_checked(nin).unwrap_or((input, &[]));
            p.odd_quotes ^= odd_quotes(used);
            input = rest;
            p.out_len += nout;
            p.ends_len += nend;
            match result {
                ReadRecordResult::InputEmpty | ReadRecordResult::End => return,
                ReadRecordResult::OutputFull => {
                    let size = p.out.len() * 2;
                    p.out.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = p.ends.len() * 2;
                    p.ends.resize(size, 0);
                }
                ReadRecordResult::Record => {
                    let bytes = p.out.get(..p.out_len).unwrap_or_default();
                    let ends = p.ends.get(..p.ends_len).unwrap_or_default();
                    self.rows
                        .record(bytes, ends, p.blank_lines, eof, p.odd_quotes);
                    // The record's own line break: a CR may be completed by the next LF.
                    p.after_cr = used.last() == Some(&b'\r');
                    p.blank_lines = 0;
                    p.at_record_start = true;
                    p.out_len = 0;
                    p.ends_len = 0;
                    p.odd_quotes = false;
                }
            }
        }
    }
}

/// Whether `bytes` holds an odd number of `"`, eight bytes at a time (wasm has no vector
/// instructions by default, so the plain byte loop costs a few percent of the throughput).
fn odd_quotes(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const QUOTES: u64 = ONES * b'"' as u64;
    const LOW7: u64 = ONES * 0x7F;
    let mut odd = 0u32;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(<[u8; 8]>::try_from(w).unwrap_or_default()) ^ QUOTES;
        // The high bit of each byte of x that is zero, i.e. each quote (exact: no carries
        // cross bytes because the low seven bits are added separately).
        let quotes = !(((x & LOW7) + LOW7) | x | LOW7);
        odd ^= quotes.count_ones();
    }
    for b in words.remainder() {
        odd ^= u32::from(*b == b'"');
    }
    odd & 1 == 1
}

/// Validates a whole file in one call (small files; large ones stream through [`Validator`]).
/// `snapshot` is owned or `&Snapshot`.
pub fn validate<S: Borrow<Snapshot>>(snapshot: S, data: &[u8], options: Options) -> Report {
    let mut v = Validator::new(snapshot, options);
    v.push(data);
    v.finish()
}

/// Formula neutralisation: a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
/// `'`, so a spreadsheet shows it as text instead of running it (OWASP's CSV injection advice).
/// Plain numbers such as `-12.50` or `+3` are left alone: a spreadsheet reads them as numbers,
/// which cannot run anything.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn is_plain_number(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    match body.split_once('.') {
        Some((int, frac)) => digits(int) && digits(frac),
        None => digits(body),
    }
}

/// Line ends of an exported file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnding {
    /// `\r\n`, as RFC 4180 says (default).
    #[default]
    Crlf,
    /// `\n`.
    Lf,
}

/// How to write the export.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExportOptions {
    /// Header of the client key column (first). Default "Client ID".
    pub key_column: String,
    /// Column order. Default: the key column, then the rows' other properties in first-seen
    /// order, then the two tracking columns. Given, it is used as is, with the key column put
    /// first and the tracking columns added last if it lacks them.
    pub columns: Option<Vec<String>>,
    /// Start with a UTF-8 byte order mark, so Excel reads accents right. Default false.
    pub bom: bool,
    /// Line ends. Default CRLF.
    pub line_ending: LineEnding,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            key_column: DEFAULT_KEY_COLUMN.to_owned(),
            columns: None,
            bom: false,
            line_ending: LineEnding::Crlf,
        }
    }
}

/// A cell value from the host: text, a number (written as its exact decimal text) or a boolean.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ExportCell {
    /// Text, written as is (then neutralised and quoted as needed).
    Text(String),
    /// `true` / `false`.
    Bool(bool),
    /// A number; NaN and Infinity are refused.
    Number(Num),
}

/// One client row: its properties in the host's order (header → value; null or absent is an
/// empty cell).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportRow(pub Vec<(String, Option<ExportCell>)>);

impl<'de> Deserialize<'de> for ExportRow {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RowVisitor;
        impl<'de> Visitor<'de> for RowVisitor {
            type Value = ExportRow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of column header → value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExportRow, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, Option<ExportCell>>()? {
                    out.push(entry);
                }
                Ok(ExportRow(out))
            }
        }
        deserializer.deserialize_map(RowVisitor)
    }
}

impl ExportRow {
    fn get(&self, column: &str) -> Option<&ExportCell> {
        let exact = self.0.iter().find(|(k, _)| k == column);
        exact
            .or_else(|| self.0.iter().find(|(k, _)| names::same(k, column)))
            .and_then(|(_, v)| v.as_ref())
    }
}

/// The header of an export.
fn export_columns(rows: &[ExportRow], options: &ExportOptions) -> Vec<String> {
    let required = |c: &str| {
        names::same(c, &options.key_column) || TRACKING_COLUMNS.iter().any(|t| names::same(c, t))
    };
    let mut columns = vec![options.key_column.clone()];
    match &options.columns {
        Some(given) => {
            if given.iter().any(|c| names::same(c, &options.key_column)) {
                columns.clear();
            }
            columns.extend(given.iter().cloned());
        }
        None => {
            for row in rows {
                for (k, _) in &row.0 {
                    if !required(k) && !columns.iter().any(|c| c == k) {
                        columns.push(k.clone());
                    }
                }
            }
        }
    }
    for t in TRACKING_COLUMNS {
        if !columns.iter().any(|c| names::same(c, t)) {
            columns.push(t.to_owned());
        }
    }
    columns
}

/// Writes the client CSV: a header, then one row per client with the tracking columns last.
/// Every cell (headers too) is neutralised ([`neutralise`]) and quoted when it holds a comma,
/// a quote or a line break. Misuse (a NaN or infinite number) is an error.
pub fn export(rows: &[ExportRow], options: &ExportOptions) -> Result<String, Error> {
    let columns = export_columns(rows, options);
    let terminator = match options.line_ending {
        LineEnding::Crlf => csv::Terminator::CRLF,
        LineEnding::Lf => csv::Terminator::Any(b'\n'),
    };
    let mut out = Vec::new();
    if options.bom {
        out.extend_from_slice(&BOM);
    }
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(out);
    let state = |e: &dyn fmt::Display| Error::new(ErrorCode::InvalidState, "rows", e.to_string());
    let header: Vec<String> = columns.iter().map(|c| neutralise(c).into_owned()).collect();
    writer.write_record(&header).map_err(|e| state(&e))?;
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<String> = Vec::with_capacity(columns.len());
        for column in &columns {
            let text = match row.get(column) {
                None => String::new(),
                Some(ExportCell::Text(t)) => t.clone(),
                Some(ExportCell::Bool(b)) => b.to_string(),
                Some(ExportCell::Number(Num::Value(d))) => d.to_string(),
                Some(ExportCell::Number(Num::Invalid(e))) => {
                    let why = match e {
                        NumError::NotFinite => "is not a finite number".to_owned(),
                        NumError::NotANumber(t) => format!("is not a number ({t})"),
                    };
                    return Err(Error::new(
                        ErrorCode::InvalidInput,
                        "rows",
                        format!("rows[{i}][\"{column}\"] {why}: pass text or a finite number."),
                    ));
                }
            };
            cells.push(neutralise(&text).into_owned());
        }
        writer.write_record(&cells).map_err(|e| state(&e))?;
    }
    let bytes = writer.into_inner().map_err(|e| state(&e))?;
    String::from_utf8(bytes).map_err(|e| state(&e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotInput;

    fn snapshot() -> Snapshot {
        let input: SnapshotInput = serde_json::from_str(
            r#"{"trackingCategories": [
                {"Name": "Region (old)", "Status": "ARCHIVED", "Options": [{"Name": "East", "Status": "ACTIVE"}]},
                {"Name": "Location", "Status": "ACTIVE", "TrackingCategoryID": "cat-loc", "Options": [
                    {"Name": "North", "Status": "ACTIVE", "TrackingOptionID": "opt-n"},
                    {"Name": "South", "Status": "ACTIVE"},
                    {"Name": "Harbour", "Status": "ARCHIVED"},
                    {"Name": "Gone", "Status": "DELETED"}]},
                {"Name": "Team", "Status": "ACTIVE", "Options": [
                    {"Name": "Sales", "Status": "ACTIVE"}, {"Name": "Māori Health", "Status": "ACTIVE"}]}]}"#,
        )
        .unwrap();
        Snapshot::new(input)
    }

    const HEAD: &str = "Client ID,Name,Xero Tracking Category 1,Xero Tracking Category 2\n";

    fn run(text: &str) -> Report {
        validate(snapshot(), text.as_bytes(), Options::default())
    }

    fn codes(r: &Report) -> Vec<(IssueCode, u64, Option<u64>)> {
        r.issues
            .iter()
            .map(|i| (i.code, i.row.unwrap(), i.column))
            .collect()
    }

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

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn valid_rows_give_the_settings_shape() {
        let r = run(&format!(
            "{HEAD}c1,A,North,Sales\nc2,B, south ,none\nc3,C,,\nc4,D,opt-n,MĀORI  health\n"
        ));
        assert_eq!(r.issues, vec![]);
        assert_eq!((r.rows_read, r.rows_valid, r.rows_failing), (4, 4, 0));
        let clients = r.assignments.as_ref().unwrap().to_clients();
        let json = serde_json::to_value(&clients).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "c1": {"Location": "North", "Team": "Sales"},
                "c2": {"Location": "South", "Team": ""},
                "c3": {"Location": "", "Team": ""},
                "c4": {"Location": "North", "Team": "Māori Health"}
            })
        );
        // The settings accept it as their `clients`.
        let settings: crate::settings::TrackingSettings =
            serde_json::from_value(serde_json::json!({"clients": json})).unwrap();
        assert_eq!(settings.clients.len(), 4);
        // Serialised in file order, same content.
        let text = r.to_json().unwrap();
        assert_eq!(text, serde_json::to_string(&r).unwrap());
        let exact = serde_json::to_string(r.assignments.as_ref().unwrap()).unwrap();
        let estimate = r.assignments.as_ref().unwrap().json_len();
        assert!(
            estimate >= exact.len() && estimate <= exact.len() + 2 * 4,
            "{estimate}"
        );
        let direct = serde_json::to_string(r.assignments.as_ref().unwrap()).unwrap();
        assert!(
            direct.starts_with(r#"{"c1":{"Location":"North","Team":"Sales"},"c2""#),
            "{direct}"
        );
        let cols = r.columns.unwrap();
        assert_eq!(cols.key.column, 1);
        assert_eq!(cols.tracking[0].category.as_deref(), Some("Location"));
        assert_eq!(cols.tracking[1].column, 4);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn bad_options_fail_their_row_only_with_a_suggestion() {
        let r = run(&format!(
            "{HEAD}c1,A,Nrth,Sales\nc2,B,Harbour,\nc3,C,Gone,\nc4,D,North,Sale\nc5,E,South,\n"
        ));
        assert_eq!((r.rows_read, r.rows_valid, r.rows_failing), (5, 1, 4));
        assert_eq!(
            codes(&r),
            vec![
                (IssueCode::TrackingOptionUnknown, 2, Some(3)),
                (IssueCode::TrackingOptionArchived, 3, Some(3)),
                (IssueCode::TrackingOptionDeleted, 4, Some(3)),
                (IssueCode::TrackingOptionUnknown, 5, Some(4)),
            ]
        );
        assert!(
            r.issues[0].message.contains("Did you mean \"North\"?"),
            "{}",
            r.issues[0].message
        );
        assert!(
            r.issues[1]
                .message
                .contains("Active options: North, South."),
            "{}",
            r.issues[1].message
        );
        assert!(r.issues[3].message.contains("Did you mean \"Sales\"?"));
        assert_eq!(r.issues[0].path, "csv.Xero Tracking Category 1");
        assert!(r.issues.iter().all(Issue::is_error));
        let clients = r.assignments.unwrap().to_clients();
        assert_eq!(clients.keys().collect::<Vec<_>>(), vec!["c5"]);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn keys_must_be_present_and_unique() {
        let r = run(&format!("{HEAD}c1,A,,\n ,B,,\nc1 ,C,,\nC1,D,,\n"));
        assert_eq!(
            codes(&r),
            vec![
                (IssueCode::CsvKeyMissing, 3, Some(1)),
                (IssueCode::CsvDuplicateKey, 4, Some(1))
            ]
        );
        assert!(r.issues[1].message.contains("also on row 2"));
        assert_eq!(r.rows_valid, 2); // keys compare exactly: "C1" is another client
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn header_aliases_and_missing_columns() {
        let r = run("client id,Team,LOCATION\nc1,Sales,North\n");
        assert_eq!(r.issues, vec![]);
        let cols = r.columns.unwrap();
        assert_eq!((cols.tracking[0].column, cols.tracking[1].column), (3, 2));
        // The canonical header wins over a column that happens to carry the category's name.
        let r = run("Client ID,Location,Xero Tracking Category 1,Xero Tracking Category 2\nc1,Somewhere,North,\n");
        assert_eq!((r.rows_valid, r.issue_count), (1, 0));
        let r = run("Client,Xero Tracking Category 1\nc1,North\nc2,South\n");
        assert_eq!(
            r.issues.iter().map(|i| i.code).collect::<Vec<_>>(),
            vec![IssueCode::CsvColumnMissing, IssueCode::CsvColumnMissing]
        );
        assert_eq!((r.rows_read, r.rows_valid, r.rows_failing), (2, 0, 2));
        assert!(r.columns.is_none());
        let r = run("Client ID,Client ID,Location,Team\nc1,c1,North,Sales\n");
        assert_eq!(r.issues[0].code, IssueCode::CsvColumnDuplicate);
        assert_eq!(r.rows_failing, 1);
        let r = run("\n\nClient,Location,Team\nc1,North,Sales\n");
        assert_eq!(codes(&r), vec![(IssueCode::CsvColumnMissing, 3, None)]);
        let r = run("");
        assert_eq!(r.issues[0].code, IssueCode::CsvColumnMissing);
        assert_eq!(r.rows_read, 0);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn malformed_rows() {
        let mut text =
            format!("{HEAD}c1,A,North\nc2,B,North,Sales,extra\nc3,a\"b,North,Sales\n").into_bytes();
        text.extend_from_slice(b"c4,\xFF\xFE,North,Sales\nc5,\"open,North,Sales\n");
        let r = validate(snapshot(), &text, Options::default());
        assert_eq!(
            codes(&r),
            vec![
                (IssueCode::CsvRowMalformed, 2, None),
                (IssueCode::CsvRowMalformed, 3, None),
                (IssueCode::CsvRowMalformed, 4, None),
                (IssueCode::CsvRowMalformed, 5, Some(2)),
                (IssueCode::CsvRowMalformed, 6, None),
                (IssueCode::CsvRowMalformed, 6, None),
            ]
        );
        assert_eq!(r.issues[2].severity, Severity::Warning); // stray quote read literally
        assert!(r.issues[5].message.contains("never closed"));
        assert_eq!((r.rows_read, r.rows_valid, r.rows_failing), (5, 1, 4));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn no_second_category_means_the_column_must_be_empty() {
        let input: SnapshotInput = serde_json::from_str(
            r#"{"trackingCategories": [{"Name": "Location", "Status": "ACTIVE", "Options": [{"Name": "North"}]}]}"#,
        )
        .unwrap();
        let r = validate(
            Snapshot::new(input),
            format!("{HEAD}c1,A,North,\nc2,B,North,None\nc3,C,North,X\n").as_bytes(),
            Options::default(),
        );
        assert_eq!(
            codes(&r),
            vec![(IssueCode::TrackingCategoryUnknown, 4, Some(4))]
        );
        assert_eq!(r.columns.unwrap().tracking[1].category, None);
        let clients = r.assignments.unwrap().to_clients();
        assert_eq!(
            clients["c2"],
            BTreeMap::from([("Location".to_owned(), "North".to_owned())])
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_cap_keeps_counts_exact() {
        let mut text = HEAD.to_owned();
        for i in 0..50 {
            text.push_str(&format!("c{i},x,Nowhere,\n"));
        }
        let opts = Options {
            max_issues: 7,
            ..Options::default()
        };
        let r = validate(snapshot(), text.as_bytes(), opts);
        assert_eq!(r.issues.len(), 7);
        assert_eq!(r.issue_count, 50);
        assert!(r.issues_truncated);
        assert_eq!(r.issue_counts[&IssueCode::TrackingOptionUnknown], 50);
        assert_eq!(r.rows_failing, 50);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["issueCounts"]["TRACKING_OPTION_UNKNOWN"], 50);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn empty_clears_option_and_no_assignments_option() {
        let text = format!("{HEAD}c1,A,,Sales\n");
        let r = validate(snapshot(), text.as_bytes(), Options::default());
        let clients = r.assignments.unwrap().to_clients();
        assert_eq!(clients["c1"]["Location"], "", "empty clears by default");
        let opts = Options {
            empty_clears: false,
            ..Options::default()
        };
        let r = validate(snapshot(), text.as_bytes(), opts);
        let clients = r.assignments.unwrap().to_clients();
        assert!(
            !clients["c1"].contains_key("Location"),
            "emptyClears: false leaves it out"
        );
        let opts = Options {
            assignments: false,
            ..Options::default()
        };
        let r = validate(snapshot(), text.as_bytes(), opts);
        assert!(r.assignments.is_none());
        assert!(!serde_json::to_string(&r).unwrap().contains("assignments"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_split_of_a_small_file_gives_the_one_call_result() {
        let mut text = b"\xEF\xBB\xBFClient ID,\"Name, full\",Xero Tracking Category 1,Xero Tracking Category 2\r\n".to_vec();
        text.extend_from_slice("c1,\"Smith, \"\"Jo\"\"\nline 2\",North,Māori Health\r\nc2,Ngā,Nrth,\r\nc1,x,South,Sales\r\nc3,\u{1F600},South,\"Sales\"".as_bytes());
        let whole = validate(snapshot(), &text, Options::default());
        assert_eq!(
            (whole.rows_read, whole.rows_valid, whole.rows_failing),
            (4, 2, 2)
        );
        let snap = snapshot();
        for i in 0..=text.len() {
            for j in i..=text.len() {
                let mut v = Validator::new(&snap, Options::default());
                v.push(&text[..i]);
                v.push(&text[i..j]);
                v.push(&text[j..]);
                assert_eq!(v.finish(), whole, "split at {i} and {j}");
            }
        }
        let mut v = Validator::new(snapshot(), Options::default());
        for b in &text {
            v.push(std::slice::from_ref(b));
        }
        assert_eq!(v.progress().bytes, text.len() as u64);
        assert_eq!(v.finish(), whole);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn empty_lines_count_as_rows_like_a_spreadsheet() {
        let text = "\n\r\nClient ID,Name,Xero Tracking Category 1,Xero Tracking Category 2\r\n\r\n\
                    c1,A,Nrth,\r\n\r\n\r\nc2,\"multi\r\n\r\nline\",North,Sals\nc3,C,Nrth,\r\rc4,D,Nrth,";
        let snap = snapshot();
        let whole = validate(&snap, text.as_bytes(), Options::default());
        assert_eq!(
            codes(&whole),
            vec![
                (IssueCode::TrackingOptionUnknown, 5, Some(3)),
                (IssueCode::TrackingOptionUnknown, 8, Some(4)),
                (IssueCode::TrackingOptionUnknown, 9, Some(3)),
                (IssueCode::TrackingOptionUnknown, 11, Some(3)),
            ]
        );
        for split in 0..=text.len() {
            let mut v = Validator::new(&snap, Options::default());
            v.push(&text.as_bytes()[..split]);
            v.push(&text.as_bytes()[split..]);
            assert_eq!(v.finish(), whole, "split at {split}");
        }
        let mut v = Validator::new(&snap, Options::default());
        for b in text.as_bytes() {
            v.push(std::slice::from_ref(b));
        }
        assert_eq!(v.finish(), whole);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn key_set_grows_and_finds_duplicates() {
        let mut keys = KeySet::default();
        for i in 0..5000u64 {
            assert_eq!(keys.insert(&format!("C{i:07}"), i + 2), Ok(i as usize));
        }
        for i in (0..5000u64).step_by(97) {
            assert_eq!(keys.insert(&format!("C{i:07}"), 9), Err(i + 2));
        }
        assert_eq!(keys.key(42), "C0000042");
        assert!(keys.table.len().is_power_of_two() && keys.table.len() >= 10000);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn quote_parity_counts_every_quote() {
        let text = br#"a"b""c,"d"e"f""g"h""#;
        for start in 0..text.len() {
            for end in start..=text.len() {
                let slice = &text[start..end];
                let want = slice.iter().filter(|b| **b == b'"').count() % 2 == 1;
                assert_eq!(odd_quotes(slice), want, "{start}..{end}");
            }
        }
        assert!(!odd_quotes(&[b'"' ^ 0x80; 16])); // bytes differing only in the high bit
        assert!(odd_quotes(&[
            0xA2,
            b'"',
            0x22 | 0x40,
            0,
            0xFF,
            0x21,
            0x23,
            0x02,
            0x12
        ]));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn neutralisation() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+cmd"), "'+cmd");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("\t=x"), "'\t=x");
        assert_eq!(neutralise("\r=x"), "'\r=x");
        assert_eq!(neutralise("-12.50"), "-12.50");
        assert_eq!(neutralise("+3"), "+3");
        assert_eq!(neutralise("-"), "'-");
        assert_eq!(neutralise("-1."), "'-1.");
        assert_eq!(neutralise("a=b"), "a=b");
        assert_eq!(cell_value(" '=1+1 "), "=1+1");
        assert_eq!(cell_value("'plain"), "'plain");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn export_then_import_round_trips() {
        let rows: Vec<ExportRow> = serde_json::from_str(
            r#"[{"Client ID": "=HYPERLINK(\"x\")", "Name": "Smith, \"Jo\"\nLtd", "Balance": -12.5, "Xero Tracking Category 1": "North"},
                {"Client ID": "c2", "Name": "@evil", "Active": true, "Xero Tracking Category 2": "Sales", "Balance": null}]"#,
        )
        .unwrap();
        let csv = export(&rows, &ExportOptions::default()).unwrap();
        assert_eq!(
            csv,
            "Client ID,Name,Balance,Active,Xero Tracking Category 1,Xero Tracking Category 2\r\n\
             \"'=HYPERLINK(\"\"x\"\")\",\"Smith, \"\"Jo\"\"\nLtd\",-12.5,,North,\r\n\
             c2,'@evil,,true,,Sales\r\n"
        );
        let r = validate(snapshot(), csv.as_bytes(), Options::default());
        assert_eq!(r.issue_count, 0, "{:?}", r.issues);
        let clients = r.assignments.unwrap().to_clients();
        assert_eq!(clients["=HYPERLINK(\"x\")"]["Location"], "North");
        let opts = ExportOptions {
            columns: Some(vec!["Name".into()]),
            bom: true,
            line_ending: LineEnding::Lf,
            ..ExportOptions::default()
        };
        let csv = export(&rows, &opts).unwrap();
        assert!(
            csv.starts_with(
                "\u{FEFF}Client ID,Name,Xero Tracking Category 1,Xero Tracking Category 2\n"
            ),
            "{csv}"
        );
        // A number that is not a number is misuse, not a silently empty cell.
        let bad = vec![ExportRow(vec![(
            "Balance".to_owned(),
            Some(ExportCell::Number(Num::Invalid(NumError::NotFinite))),
        )])];
        let err = export(&bad, &ExportOptions::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(
            err.message.contains("rows[0][\"Balance\"]"),
            "{}",
            err.message
        );
    }
}
