//! Tracking per line: sources in order, provenance, and what to do with stale options.
//!
//! Xero silently drops a tracking pair it does not recognise (reference §6), so everything is
//! checked against the snapshot's `GET /TrackingCategories?includeArchived=true` before sending:
//! - each configured category has an ordered list of sources (line override, clinician,
//!   location, service, client default); the first that yields an option wins, and the preview
//!   records which (`source`);
//! - an option (or category) that is archived, deleted, renamed or unknown follows the
//!   category's stale policy: `ignore` (drop with a warning), `error` (block the document) or
//!   `fallback` (use the named option, with a warning);
//! - categories and options are named by name or by ID. Names match as Xero matches them (see
//!   [`crate::names`]: case-insensitive, whitespace trimmed and collapsed); requests carry
//!   Xero's current spelling and both IDs, so a renamed option referenced by ID still lands.
//!
//! After sending, [`check_response`] compares the Tracking Xero returned on each line with what
//! was sent and reports any pair Xero dropped.

use crate::xero::wire::WireTracking;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use crate::input::settings::{
    StalePolicy, TrackingCategorySettings, TrackingSettings, TrackingSource,
};
use crate::input::snapshot::{Snapshot, TrackingCategory, TrackingOption};
use crate::input::source::{SourceInvoice, SourceLine};
use crate::issues::{Issue, IssueCode, LinePath, Path};
use crate::names;

/// One resolved tracking entry on a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct LineTracking {
    /// Category name as in Xero.
    pub category: Name,
    /// Option name as in Xero.
    pub option: Name,
    /// TrackingCategoryID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<Name>,
    /// TrackingOptionID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_id: Option<Name>,
    /// Which source supplied it.
    pub source: TrackingSource,
    /// For a fallback: the stale option it replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced: Option<String>,
    /// As a request sends it, written once per distinct pair in a batch.
    #[serde(skip)]
    pub wire: WireTracking,
}

fn is_active(status: Option<&str>) -> bool {
    matches!(status, None | Some("ACTIVE"))
}

/// Finds a category by ID or name (an ACTIVE one wins over an archived namesake).
pub fn find_category<'s>(snapshot: &'s Snapshot, name_or_id: &str) -> Option<&'s TrackingCategory> {
    let key = names::key(name_or_id);
    let cats = &snapshot.tracking_categories;
    cats.iter()
        .find(|c| c.id.as_deref().is_some_and(|id| names::same_key(id, &key)))
        .or_else(|| {
            // Several categories may share a name (an archived one and its active successor):
            // the ACTIVE one wins.
            let mut named = cats
                .iter()
                .filter(|c| c.name.as_deref().is_some_and(|n| names::same_key(n, &key)));
            let first = named.next();
            named
                .chain(first)
                .find(|c| is_active(c.status.as_deref()))
                .or(first)
        })
}

/// Why a tracking option cannot be used on a new line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stale {
    /// No category by that name or ID.
    CategoryUnknown,
    /// The category is archived or deleted (its status).
    CategoryInactive(String),
    /// No option by that name or ID in the category; the active option whose name differs only
    /// in accents, case, punctuation or spacing, if there is one (a did-you-mean, never used).
    OptionUnknown(Option<String>),
    /// The option is archived.
    OptionArchived,
    /// The option is deleted.
    OptionDeleted,
}
/// The active option of `category` whose name is a near miss of `name` ([`names::near_miss`]:
/// the same but for accents, case, punctuation or spacing): what the host probably meant.
fn near_option(category: &TrackingCategory, name: &str) -> Option<String> {
    (category.options.iter())
        .filter(|o| is_active(o.status.as_deref()))
        .filter_map(|o| o.name.as_deref())
        .find(|n| names::near_miss(name, n).is_some())
        .map(str::to_owned)
}

fn find_option<'c>(
    category: &'c TrackingCategory,
    name_or_id: &str,
) -> Result<&'c TrackingOption, Stale> {
    match option_named(category, name_or_id) {
        None => Err(Stale::OptionUnknown(near_option(category, name_or_id))),
        Some(o) => match o.status.as_deref() {
            None | Some("ACTIVE") => Ok(o),
            Some("DELETED") => Err(Stale::OptionDeleted),
            Some(_) => Err(Stale::OptionArchived),
        },
    }
}

/// The option of `category` with that ID, else that name (the ACTIVE one of namesakes),
/// whatever its status.
fn option_named<'c>(
    category: &'c TrackingCategory,
    name_or_id: &str,
) -> Option<&'c TrackingOption> {
    let key = names::key(name_or_id);
    let by_id = category
        .options
        .iter()
        .find(|o| o.id.as_deref().is_some_and(|id| names::same_key(id, &key)));
    by_id.or_else(|| {
        let named: Vec<&TrackingOption> = category
            .options
            .iter()
            .filter(|o| o.name.as_deref().is_some_and(|n| names::same_key(n, &key)))
            .collect();
        named
            .iter()
            .find(|o| is_active(o.status.as_deref()))
            .or(named.first())
            .copied()
    })
}

/// The archived option `option` of `category` when the line already carries it in Xero
/// (`held`: the held line's (category, option) name keys): Xero keeps archived options on
/// existing transactions (reference §6), so an update re-sends it as it is rather than
/// dropping it (which would change what Xero holds) or blocking a document that may change
/// nothing. A line not carrying it in Xero gets the category's stale policy.
fn held_archived(
    snapshot: &Snapshot,
    stale: &Stale,
    (category, option): (&str, &str),
    held: &[(String, String)],
) -> Option<Found> {
    if held.is_empty() || *stale != Stale::OptionArchived {
        return None;
    }
    let cat = find_category(snapshot, category)?;
    let opt = option_named(cat, option)?;
    let (cat_name, opt_name) = (cat.name.as_deref()?, opt.name.as_deref()?);
    let pair = (names::key(cat_name), names::key(opt_name));
    held.contains(&pair).then(|| Found {
        category: cat_name.to_owned(),
        category_id: cat.id.clone(),
        option: opt_name.to_owned(),
        option_id: opt.id.clone(),
    })
}

/// A usable tracking option, in Xero's spelling with its IDs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Category name.
    pub category: String,
    /// TrackingCategoryID.
    pub category_id: Option<String>,
    /// Option name.
    pub option: String,
    /// TrackingOptionID.
    pub option_id: Option<String>,
}

/// [`Found`] with shared names, as the resolver memoises it: cloning it for a line costs four
/// reference-count increments, not four string copies.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Shared {
    category: Name,
    category_id: Option<Name>,
    option: Name,
    option_id: Option<Name>,
    /// As a request sends it: the same few pairs fill most of a batch's bodies.
    wire: WireTracking,
}

impl From<Found> for Shared {
    fn from(f: Found) -> Shared {
        let wire = WireTracking::new(
            f.category_id.as_deref(),
            &f.category,
            &f.option,
            f.option_id.as_deref(),
        );
        Shared {
            category: Rc::from(f.category),
            category_id: f.category_id.map(Rc::from),
            option: Rc::from(f.option),
            option_id: f.option_id.map(Rc::from),
            wire,
        }
    }
}

impl Shared {
    fn line(self, source: TrackingSource, replaced: Option<String>) -> LineTracking {
        LineTracking {
            category: self.category,
            option: self.option,
            category_id: self.category_id,
            option_id: self.option_id,
            source,
            replaced,
            wire: self.wire,
        }
    }
}

/// A category or option name (or ID) shared by every line that carries it: the same few names
/// repeat on every line of a batch, so they are reference-counted rather than copied.
pub type Name = Rc<str>;

/// The one option-validity rule, shared by line resolution and the CSV import: `option` (name or
/// ID) must be an option of `category` (name or ID), and both must be ACTIVE.
pub fn lookup(snapshot: &Snapshot, category: &str, option: &str) -> Result<Found, Stale> {
    let cat = find_category(snapshot, category).ok_or(Stale::CategoryUnknown)?;
    if !is_active(cat.status.as_deref()) {
        return Err(Stale::CategoryInactive(
            cat.status.clone().unwrap_or_default(),
        ));
    }
    let opt = find_option(cat, option)?;
    Ok(Found {
        category: cat.name.clone().unwrap_or_else(|| category.to_owned()),
        category_id: cat.id.clone(),
        option: opt.name.clone().unwrap_or_else(|| option.to_owned()),
        option_id: opt.id.clone(),
    })
}

/// [`lookup`] for a line; without the snapshot's categories, the names as the settings give
/// them, sent unchecked (the missing part is reported once, on the snapshot; the run compares
/// the tracking Xero returns with what was sent).
fn line_lookup(snapshot: &Snapshot, category: &str, option: &str) -> Result<Found, Stale> {
    if snapshot.has_part("trackingCategories") {
        return lookup(snapshot, category, option);
    }
    Ok(Found {
        category: category.to_owned(),
        category_id: None,
        option: option.to_owned(),
        option_id: None,
    })
}

impl Stale {
    /// The issue code for this reason.
    pub fn code(&self) -> IssueCode {
        match self {
            Stale::CategoryUnknown => IssueCode::TrackingCategoryUnknown,
            Stale::CategoryInactive(_) => IssueCode::TrackingCategoryInactive,
            Stale::OptionUnknown(_) => IssueCode::TrackingOptionUnknown,
            Stale::OptionArchived => IssueCode::TrackingOptionArchived,
            Stale::OptionDeleted => IssueCode::TrackingOptionDeleted,
        }
    }

    /// A sentence for people saying what is wrong.
    pub fn describe(&self, category: &str, option: &str) -> String {
        match self {
            Stale::CategoryUnknown => format!("Tracking category \"{category}\" is not in the organisation's tracking categories (renamed or deleted?)"),
            Stale::CategoryInactive(s) => format!("Tracking category \"{category}\" is {s} in Xero"),
            Stale::OptionUnknown(Some(near)) => format!("{} (did you mean \"{near}\"?)", self.describe_unsuggested(category, option)),
            Stale::OptionUnknown(None) => format!("\"{option}\" is not an option of tracking category \"{category}\" (a new one? add it in Xero and refresh the snapshot; renamed or deleted?)"),
            Stale::OptionArchived => format!("Option \"{option}\" of tracking category \"{category}\" is archived in Xero"),
            Stale::OptionDeleted => format!("Option \"{option}\" of tracking category \"{category}\" is deleted in Xero"),
        }
    }

    /// The active option an unknown one nearly names (see [`Stale::OptionUnknown`]).
    pub fn near_miss(&self) -> Option<&str> {
        match self {
            Stale::OptionUnknown(near) => near.as_deref(),
            _ => None,
        }
    }

    /// [`Stale::describe`] without the near miss's "(did you mean …?)": for a caller that
    /// makes one suggestion of its own (the CSV import, whose page reads exactly one from the
    /// message) and would otherwise say two.
    pub fn describe_unsuggested(&self, category: &str, option: &str) -> String {
        match self {
            Stale::OptionUnknown(Some(_)) => {
                format!("\"{option}\" is not an option of tracking category \"{category}\"")
            }
            _ => self.describe(category, option),
        }
    }
}

fn source_name(s: TrackingSource) -> &'static str {
    match s {
        TrackingSource::Line => "the line's tracking override",
        TrackingSource::Clinician => "the clinician mapping",
        TrackingSource::Location => "the location mapping",
        TrackingSource::Service => "the service mapping",
        TrackingSource::Client => "the client default",
        TrackingSource::Fallback => "the fallback",
    }
}

/// The value a source yields for `config`'s category, if any.
fn source_value<'a>(
    source: TrackingSource,
    config: &'a TrackingCategorySettings,
    overrides: &'a BTreeMap<String, String>,
    line: &'a SourceLine,
    invoice: &'a SourceInvoice,
    settings: &'a TrackingSettings,
    aliases: &[String],
) -> Option<&'a str> {
    let in_map = |map: &'a BTreeMap<String, String>, key: Option<&str>| {
        key.and_then(|k| map.get(crate::input::source::trim(k)))
            .map(String::as_str)
    };
    let by_category = |map: &'a BTreeMap<String, String>| {
        map.iter()
            .find(|(k, _)| aliases.iter().any(|a| names::same_key(k, a)))
            .map(|(_, v)| v.as_str())
    };
    let value = match source {
        TrackingSource::Line => by_category(overrides),
        TrackingSource::Clinician => in_map(&config.clinicians, line.clinician_id.as_deref()),
        TrackingSource::Location => in_map(&config.locations, line.location_id.as_deref()),
        TrackingSource::Service => in_map(&config.services, line.service_code.as_deref()),
        TrackingSource::Client => invoice
            .client_id
            .as_deref()
            .and_then(|c| settings.clients.get(crate::input::source::trim(c)))
            .and_then(by_category),
        TrackingSource::Fallback => None,
    };
    value
        .map(crate::input::source::trim)
        .filter(|v| !v.is_empty())
}

/// How many mapped option values per category [`Prepared`] looks up in advance.
const PREPARED_OPTIONS_MAX: usize = 1000;

/// What tracking resolution needs from the snapshot and the settings alone: computed once per
/// exporter, so a preview of one invoice does not redo it (the host that sends invoices one by
/// one calls `preview` once per invoice).
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// Per configured category: the keys it answers to (its configured name/ID, and the
    /// snapshot category's name and ID).
    aliases: Vec<Vec<String>>,
    /// Per configured category: its name in Xero (for paths and messages), else as configured.
    labels: Vec<String>,
    /// Per configured category: the lookup result of every option the settings map to
    /// (clinicians, locations, services, clients). Lookups depend on nothing else, so these
    /// never change for the exporter's life.
    known: Vec<BTreeMap<String, Result<Shared, Stale>>>,
    /// Per configured category, per mapping (clinicians, locations, services; see
    /// [`mapping`]): the mapping's key → its option value, trimmed, and that value's lookup
    /// from `known`. Why: a line's option is then found with one search (the line's clinician
    /// id, say) instead of two (the mapping's, then the value's in `known`), for every
    /// category of every line. `None` for a mapping with a value `known` does not hold (past
    /// [`PREPARED_OPTIONS_MAX`]): that mapping is searched as before.
    mapped: Vec<[Option<Mapped>; 3]>,
}

/// The source that gave a configured category its option, the option value, and its lookup
/// when [`Prepared::mapped`] had it.
type Sourced<'l> = (TrackingSource, &'l str, Option<&'l Result<Shared, Stale>>);

/// A mapping's keys → (option value trimmed, its lookup); see [`Prepared::mapped`]. Hashed
/// with [`crate::hasher::CellHasher`] rather than a `BTreeMap`: looked up for every category
/// of every line, where the tree's search cost a string comparison per key passed (a byte
/// loop in wasm): ~100 instructions an invoice, and 12 of the resolver's 21 `memcmp` calls
/// (callgrind, bench workload). Only looked up, never iterated, so its order reaches nothing.
type Mapped = std::collections::HashMap<
    String,
    (String, Result<Shared, Stale>),
    std::hash::BuildHasherDefault<crate::hasher::CellHasher>,
>;

/// Which of [`Prepared::mapped`]'s three a source reads, and the line's key for it.
fn mapping(source: TrackingSource, line: &SourceLine) -> Option<(usize, Option<&str>)> {
    match source {
        TrackingSource::Clinician => Some((0, line.clinician_id.as_deref())),
        TrackingSource::Location => Some((1, line.location_id.as_deref())),
        TrackingSource::Service => Some((2, line.service_code.as_deref())),
        TrackingSource::Line | TrackingSource::Client | TrackingSource::Fallback => None,
    }
}

/// [`Prepared::mapped`] of one mapping: every key whose value is not blank, with the value's
/// lookup from `known`; `None` when `known` lacks one.
fn mapped(
    map: &BTreeMap<String, String>,
    known: &BTreeMap<String, Result<Shared, Stale>>,
) -> Option<Mapped> {
    let mut out = Mapped::default();
    for (k, v) in map {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        out.insert(k.clone(), (v.to_owned(), known.get(v)?.clone()));
    }
    Some(out)
}

impl Prepared {
    /// Computes aliases, labels and the mapped options' lookups.
    pub fn new(snapshot: &Snapshot, settings: &TrackingSettings) -> Prepared {
        let aliases = settings
            .categories
            .iter()
            .map(|c| {
                let mut keys = vec![names::key(&c.category)];
                if let Some(cat) = find_category(snapshot, &c.category) {
                    keys.extend(cat.name.as_deref().map(names::key));
                    keys.extend(cat.id.as_deref().map(names::key));
                }
                keys
            })
            .collect();
        let labels = settings
            .categories
            .iter()
            .map(|c| {
                find_category(snapshot, &c.category)
                    .and_then(|cat| cat.name.clone())
                    .unwrap_or_else(|| c.category.clone())
            })
            .collect();
        let client_options: Vec<&String> = settings
            .clients
            .values()
            .flat_map(BTreeMap::values)
            .collect();
        let known = settings
            .categories
            .iter()
            .map(|c| {
                c.clinicians
                    .values()
                    .chain(c.locations.values())
                    .chain(c.services.values())
                    .chain(client_options.iter().copied())
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    // Bounded, so that an exporter over settings with thousands of clients is
                    // still quick to create; values past this are memoised per call instead.
                    .take(PREPARED_OPTIONS_MAX)
                    .map(|v| {
                        let found = line_lookup(snapshot, &c.category, v).map(Shared::from);
                        (v.to_owned(), found)
                    })
                    .collect()
            })
            .collect();
        let mapped = settings
            .categories
            .iter()
            .zip(&known)
            .map(|(c, known)| {
                [&c.clinicians, &c.locations, &c.services].map(|map| mapped(map, known))
            })
            .collect();
        Prepared {
            aliases,
            labels,
            known,
            mapped,
        }
    }
}

/// Resolves tracking for every line of one invoice's lines, per settings.
pub struct Resolver<'a> {
    snapshot: &'a Snapshot,
    settings: &'a TrackingSettings,
    prepared: &'a Prepared,
    memo: Kept<'a>,
}

/// What a resolver learns as it goes, per configured category: the lookups of values the
/// settings do not map (line overrides), and the stale-option issues already raised (see
/// `Resolver::stale`). Both depend only on the snapshot and the settings, never on the
/// invoices, so an exporter keeps one for its life ([`Resolver::with_memo`]): a page that
/// previews one invoice per call would otherwise look up and word the same stale options again
/// on every call. Reusing it changes no output, only the time.
#[derive(Debug, Default)]
pub struct Memo {
    /// Value → lookup result.
    lookups: Vec<BTreeMap<String, Result<Shared, Stale>>>,
    /// Option value → the issue already raised for it, per source.
    said: Vec<Said>,
}

/// Entries a memo keeps per category before it starts again: values come from the invoices
/// (line overrides), so an exporter that lives for a whole backend must not grow without end.
const MEMO_MAX: usize = 4096;

impl Memo {
    /// An empty memo for `settings`' categories.
    pub fn new(settings: &TrackingSettings) -> Memo {
        Memo {
            lookups: vec![BTreeMap::new(); settings.categories.len()],
            said: vec![BTreeMap::new(); settings.categories.len()],
        }
    }
}

/// Inserts into a memo's map, emptied first when full (see [`MEMO_MAX`]).
fn remember<V>(map: &mut BTreeMap<String, V>, key: &str, value: V) {
    if map.len() >= MEMO_MAX {
        map.clear();
    }
    map.insert(key.to_owned(), value);
}

/// A resolver's memo: its own (one batch), or its exporter's (kept between batches).
enum Kept<'a> {
    Own(RefCell<Memo>),
    Shared(&'a RefCell<Memo>),
}

impl Kept<'_> {
    fn cell(&self) -> &RefCell<Memo> {
        match self {
            Kept::Own(m) => m,
            Kept::Shared(m) => m,
        }
    }
}

/// For one category: option value → the issue raised for it, per source that gave it.
type Said = BTreeMap<String, Vec<(TrackingSource, Issue)>>;

impl<'a> Resolver<'a> {
    /// A resolver over `prepared`, which must come from the same snapshot and settings, with a
    /// memo of its own.
    pub fn new(
        snapshot: &'a Snapshot,
        settings: &'a TrackingSettings,
        prepared: &'a Prepared,
    ) -> Self {
        Resolver {
            snapshot,
            settings,
            prepared,
            memo: Kept::Own(RefCell::new(Memo::new(settings))),
        }
    }

    /// A resolver that reads and adds to `memo`, which must come from the same snapshot and
    /// settings ([`Memo::new`]) and is kept by the caller between batches.
    pub fn with_memo(
        snapshot: &'a Snapshot,
        settings: &'a TrackingSettings,
        prepared: &'a Prepared,
        memo: &'a RefCell<Memo>,
    ) -> Self {
        Resolver {
            snapshot,
            settings,
            prepared,
            memo: Kept::Shared(memo),
        }
    }

    /// [`lookup`] for configured category `i`: prepared, else memoised.
    fn lookup_cached(&self, i: usize, category: &str, value: &str) -> Result<Shared, Stale> {
        if let Some(hit) = self.prepared.known.get(i).and_then(|m| m.get(value)) {
            return hit.clone();
        }
        let memo = self.memo.cell();
        if let Some(hit) = memo
            .try_borrow()
            .ok()
            .and_then(|m| m.lookups.get(i)?.get(value).cloned())
        {
            return hit;
        }
        let result = line_lookup(self.snapshot, category, value).map(Shared::from);
        if let Some(m) = memo
            .try_borrow_mut()
            .ok()
            .as_mut()
            .and_then(|m| m.lookups.get_mut(i))
        {
            remember(m, value, result.clone());
        }
        result
    }

    /// Problems with the tracking settings and the snapshot's categories, reported once.
    pub fn check(&self, issues: &mut Vec<Issue>) {
        let cats = &self.snapshot.tracking_categories;
        let active = cats
            .iter()
            .filter(|c| is_active(c.status.as_deref()))
            .count();
        let not_deleted = cats
            .iter()
            .filter(|c| c.status.as_deref() != Some("DELETED"))
            .count();
        if active > 2 || not_deleted > 4 {
            issues.push(Issue::error(
                IssueCode::TrackingCategoryLimit,
                "snapshot.trackingCategories",
                format!("The snapshot has {active} ACTIVE and {not_deleted} tracking categories in all; Xero allows at most 2 ACTIVE and 4 in total. The snapshot is probably not from one organisation, or is stale: fetch GET /TrackingCategories?includeArchived=true again."),
            ));
        }
        let option_limit = match self.settings.option_name_limit {
            Some(100) => 100,
            Some(50) | None => 50,
            Some(n) => {
                issues.push(Issue::error(IssueCode::SettingsInvalid, "settings.tracking.optionNameLimit", format!("optionNameLimit {n} is not supported: use 100 (Xero's documented limit for option names) or 50 (its older documentation). 50 is used.")));
                50
            }
        };
        for (ci, c) in cats.iter().enumerate() {
            let p = Path::root("snapshot.trackingCategories").index(ci);
            if c.name.as_deref().is_some_and(|n| n.chars().count() > 100) {
                issues.push(Issue::warning(
                    IssueCode::TooLong,
                    p.field("Name"),
                    "Tracking category name is over Xero's limit of 100 characters.",
                ));
            }
            for (oi, o) in c.options.iter().enumerate() {
                if o.name
                    .as_deref()
                    .is_some_and(|n| n.chars().count() > option_limit)
                {
                    issues.push(Issue::warning(
                        IssueCode::TooLong,
                        p.field("Options").index(oi).field("Name"),
                        format!("Tracking option \"{}\" is over {option_limit} characters (Xero's documented limit is 100, 50 in older documentation; set settings.tracking.optionNameLimit to 100 to accept up to 100).", o.name.as_deref().unwrap_or("")),
                    ));
                }
            }
        }
        let p = Path::root("settings.tracking.categories");
        if self.settings.categories.len() > 2 {
            issues.push(Issue::error(
                IssueCode::TrackingTooMany,
                &p,
                "Xero allows at most 2 tracking categories per line; configure at most 2.",
            ));
        }
        for (i, c) in self.settings.categories.iter().enumerate() {
            if self.prepared.aliases.iter().take(i).any(|a| {
                a.iter()
                    .any(|k| self.prepared.aliases.get(i).is_some_and(|b| b.contains(k)))
            }) {
                issues.push(Issue::error(
                    IssueCode::TrackingTooMany,
                    p.index(i),
                    format!("Tracking category \"{}\" is configured twice.", c.category),
                ));
            }
            if c.stale == StalePolicy::Fallback {
                self.check_fallback(c, p.index(i).field("fallback"), issues);
            }
            for (j, _) in c
                .sources
                .iter()
                .enumerate()
                .filter(|(_, s)| **s == TrackingSource::Fallback)
            {
                issues.push(Issue::error(IssueCode::SettingsInvalid, p.index(i).field("sources").index(j), "\"fallback\" is not a source: the fallback option is used by `stale: 'fallback'` when an option is stale. Sources are line, clinician, location, service and client."));
            }
        }
        self.check_clients(issues);
    }

    /// The `fallback` policy's option: named, and an ACTIVE option of its category (else the
    /// policy could only fail, on each stale line).
    fn check_fallback(&self, c: &TrackingCategorySettings, at: Path, issues: &mut Vec<Issue>) {
        let Some(fallback) = c
            .fallback
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        else {
            issues.push(Issue::error(IssueCode::SettingsInvalid, at, format!("Tracking category \"{}\" uses the fallback policy but names no fallback option.", c.category)));
            return;
        };
        if let Err(stale) = line_lookup(self.snapshot, &c.category, fallback) {
            issues.push(Issue::error(stale.code(), at, format!("The fallback option cannot be used: {}. Choose an active option of this category.", stale.describe(&c.category, fallback))));
        }
    }

    /// Client defaults are read only for the configured categories: one under any other key
    /// (a misspelt category) would never be used. Said once per key, at its first client.
    fn check_clients(&self, issues: &mut Vec<Issue>) {
        let configured = |k: &str| {
            let mut aliases = self.prepared.aliases.iter().flatten();
            aliases.any(|a| names::same_key(k, a))
        };
        // In the settings' order: (the key as written, its first path, how many clients).
        let mut unknown: Vec<(&str, Path, usize)> = Vec::new();
        for (client, by_category) in &self.settings.clients {
            for category in by_category.keys().filter(|k| !configured(k)) {
                match unknown.iter_mut().find(|u| names::same(u.0, category)) {
                    Some(u) => u.2 += 1,
                    None => {
                        let at = Path::root("settings.tracking.clients").key(client);
                        unknown.push((category, at.key(category), 1));
                    }
                }
            }
        }
        let labels = self.prepared.labels.iter().map(String::as_str);
        let names: Vec<&str> = labels
            .chain(self.settings.categories.iter().map(|c| c.category.as_str()))
            .collect();
        for (typed, path, count) in unknown {
            let hint = match crate::tracking_csv::suggest(typed, names.iter().copied()) {
                Some(s) => format!("did you mean \"{s}\"?"),
                None => "add the category to settings.tracking.categories, or remove it here."
                    .to_owned(),
            };
            let more = match count {
                1 => String::new(),
                n => format!(" ({n} clients have it)"),
            };
            issues.push(Issue::error(IssueCode::SettingUnknown, path, format!("\"{}\" is not one of the categories of settings.tracking.categories, so this client default is never used{more}: {hint}", crate::money::shown(typed))));
        }
    }

    /// Resolves the tracking of one line. Issues go to `issues` with paths under `path`.
    /// `held`: the tracking Xero holds on this line (an update's line matched by LineItemID
    /// in `xero.document`), where an archived option the line already carries is kept.
    pub fn resolve_line(
        &self,
        line: &SourceLine,
        invoice: &SourceInvoice,
        path: LinePath<'_>,
        held: &[(String, String)],
        issues: &mut Vec<Issue>,
    ) -> Vec<LineTracking> {
        let mut out: Vec<LineTracking> = Vec::with_capacity(self.settings.categories.len());
        // Paths are only built when there is something to report: this runs for every line.
        let tpath = || path.field("tracking");
        for (i, config) in self.settings.categories.iter().enumerate() {
            let aliases = self
                .prepared
                .aliases
                .get(i)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let found = config
                .sources
                .iter()
                .find_map(|s| self.source_value(i, *s, config, line, invoice, aliases));
            let label = self.prepared.labels.get(i).unwrap_or(&config.category);
            let Some((source, value, prepared)) = found else {
                if config.required {
                    issues.push(Issue::error(
                        IssueCode::TrackingRequired,
                        tpath().field(label),
                        format!("Tracking category \"{}\" is required but no source gave this line an option (sources tried: {}). Add a mapping or a line override.", config.category, config.sources.iter().map(|s| source_name(*s)).collect::<Vec<_>>().join(", ")),
                    ));
                }
                continue;
            };
            let result = match prepared {
                Some(hit) => hit.clone(),
                None => self.lookup_cached(i, &config.category, value),
            };
            match result {
                Ok(found) => out.push(found.line(source, None)),
                Err(stale) => {
                    let named = (config.category.as_str(), value);
                    if let Some(kept) = held_archived(self.snapshot, &stale, named, held) {
                        out.push(Shared::from(kept).line(source, None));
                        continue;
                    }
                    let pick = Pick {
                        index: i,
                        config,
                        label,
                        value,
                        source,
                    };
                    self.stale(&pick, stale, &tpath().field(label), &mut out, issues);
                }
            }
        }
        self.overrides(line, path, &mut out, issues);
        if out.len() > 2 {
            issues.push(Issue::error(IssueCode::TrackingTooMany, tpath(), format!("This line has {} tracking entries; Xero allows at most 2 (and silently drops extras).", out.len())));
        }
        out
    }

    /// The value `source` yields for configured category `i` ([`source_value`]), and its
    /// lookup when [`Prepared::mapped`] has it: found with one search there.
    fn source_value<'l>(
        &'l self,
        i: usize,
        source: TrackingSource,
        config: &'l TrackingCategorySettings,
        line: &'l SourceLine,
        invoice: &'l SourceInvoice,
        aliases: &[String],
    ) -> Option<Sourced<'l>> {
        let prepared: &'l Prepared = self.prepared;
        if let Some((m, key)) = mapping(source, line) {
            if let Some(map) = prepared.mapped.get(i).and_then(|ms| ms.get(m)?.as_ref()) {
                let (value, hit) = map.get(crate::input::source::trim(key?))?;
                return Some((source, value.as_str(), Some(hit)));
            }
        }
        // A line without overrides gives the `line` source nothing: said before the general
        // search, which costs ~70 instructions per category of every line (callgrind, bench).
        if source == TrackingSource::Line && line.tracking.is_empty() {
            return None;
        }
        let value = source_value(
            source,
            config,
            &line.tracking,
            line,
            invoice,
            self.settings,
            aliases,
        )?;
        Some((source, value, None))
    }

    /// Overrides for categories the settings do not configure: resolved as given, and any
    /// problem is an error (the host asked for it explicitly).
    fn overrides(
        &self,
        line: &SourceLine,
        path: LinePath<'_>,
        out: &mut Vec<LineTracking>,
        issues: &mut Vec<Issue>,
    ) {
        let tpath = || path.field("tracking");
        for (category, option) in &line.tracking {
            if self
                .prepared
                .aliases
                .iter()
                .any(|a| a.iter().any(|k| names::same_key(category, k)))
            {
                continue;
            }
            let cpath = tpath().field(category);
            match lookup(self.snapshot, category, option).map(Shared::from) {
                Ok(found) => {
                    if out.iter().any(|t| {
                        t.category_id == found.category_id
                            && names::same(&t.category, &found.category)
                    }) {
                        issues.push(Issue::error(
                            IssueCode::TrackingTooMany,
                            &cpath,
                            format!(
                                "Tracking category \"{}\" is set twice on this line.",
                                found.category
                            ),
                        ));
                    } else {
                        out.push(found.line(TrackingSource::Line, None));
                    }
                }
                Err(stale) => issues.push(Issue::error(
                    stale.code(),
                    &cpath,
                    format!(
                        "{}. Fix the line's tracking override.",
                        stale.describe(category, option)
                    ),
                )),
            }
        }
    }

    /// A configured category's option is stale: its policy decides (warn and drop, block, or
    /// use the fallback option).
    fn stale(
        &self,
        pick: &Pick<'_>,
        stale: Stale,
        path: &Path,
        out: &mut Vec<LineTracking>,
        issues: &mut Vec<Issue>,
    ) {
        let (config, label, value, source) = (pick.config, pick.label, pick.value, pick.source);
        let memoised = matches!(config.stale, StalePolicy::Ignore | StalePolicy::Error);
        if memoised && self.said_before(pick, path, issues) {
            return;
        }
        let what = format!(
            "{} (from {})",
            stale.describe(label, value),
            source_name(source)
        );
        match config.stale {
            // `required` wins over "ignore": left off, the line would lack the category.
            StalePolicy::Ignore if config.required => issues.push(Issue::error(stale.code(), path, format!("{what}: the category is required, so the document is blocked (policy \"ignore\" would leave the option off this line). Update the mapping to an active option, or re-activate it in Xero."))),
            StalePolicy::Ignore => issues.push(Issue::warning(stale.code(), path, format!("{what}: it is left off this line and the document is still exported (policy \"ignore\"). Update the mapping to an active option."))),
            StalePolicy::Error => issues.push(Issue::error(stale.code(), path, format!("{what}: the document is blocked (policy \"error\"). Update the mapping to an active option, or re-activate it in Xero."))),
            StalePolicy::Fallback => {
                let fallback = config.fallback.as_deref().unwrap_or_default();
                match lookup(self.snapshot, &config.category, fallback) {
                    Ok(f) => {
                        issues.push(Issue::warning(IssueCode::TrackingFallbackUsed, path, format!("{what}: the fallback option \"{}\" is used instead (policy \"fallback\").", f.option)));
                        out.push(Shared::from(f).line(TrackingSource::Fallback, Some(value.to_owned())));
                    }
                    Err(fb) => issues.push(Issue::error(fb.code(), path, format!("{what}, and the fallback option is unusable too: {}. Fix settings.tracking.", fb.describe(label, fallback)))),
                }
            }
        }
        if let (true, Some(issue)) = (memoised, issues.last()) {
            let mut memo = self.memo.cell().try_borrow_mut().ok();
            if let Some(m) = memo.as_mut().and_then(|m| m.said.get_mut(pick.index)) {
                match m.get_mut(value) {
                    Some(said) => said.push((source, issue.clone())),
                    None => remember(m, value, vec![(source, issue.clone())]),
                }
            }
        }
    }

    /// Repeats the issue already raised for this category, source and option, at `path`.
    /// Why: a stale mapping (an archived clinician's option) usually repeats on many lines of a
    /// batch, and its message (two `format!`s, some 330 characters) was most of the cost of
    /// such a line; the message depends only on the category, source and option (and the
    /// policy, which is the category's), never on the line.
    fn said_before(&self, pick: &Pick<'_>, path: &Path, issues: &mut Vec<Issue>) -> bool {
        let Ok(memo) = self.memo.cell().try_borrow() else {
            return false;
        };
        let earlier = memo
            .said
            .get(pick.index)
            .and_then(|m| m.get(pick.value))
            .and_then(|v| v.iter().find(|(s, _)| *s == pick.source));
        match earlier {
            Some((_, issue)) => {
                issues.push(Issue {
                    severity: issue.severity,
                    code: issue.code,
                    path: path.as_str().to_owned(),
                    message: issue.message.clone(),
                    row: issue.row,
                    column: issue.column,
                    key: issue.key.clone(),
                });
                true
            }
            None => false,
        }
    }
}

/// The option a source gave a configured category, for the stale-option policy.
struct Pick<'c> {
    /// The configured category's index in the settings.
    index: usize,
    config: &'c TrackingCategorySettings,
    /// The category's name as the issues show it.
    label: &'c str,
    /// The option name the source gave.
    value: &'c str,
    source: TrackingSource,
}

/// Tracking as Xero returns it on a response line.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReturnedTracking {
    /// Category name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<String>,
    /// Option name.
    #[serde(rename = "Option", alias = "option", default)]
    pub option: Option<String>,
    /// Category ID.
    #[serde(rename = "TrackingCategoryID", alias = "trackingCategoryID", default)]
    pub category_id: Option<String>,
    /// Option ID.
    #[serde(rename = "TrackingOptionID", alias = "trackingOptionID", default)]
    pub option_id: Option<String>,
}

/// A response line (only what the tracking check needs).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReturnedLine {
    /// Tracking on the line.
    #[serde(rename = "Tracking", alias = "tracking", default)]
    pub tracking: Vec<ReturnedTracking>,
}

/// A response document (an element of `Invoices` or `CreditNotes`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ReturnedDocument {
    /// Lines, in the order sent.
    #[serde(rename = "LineItems", alias = "lineItems", default)]
    pub line_items: Vec<ReturnedLine>,
}

/// Reports every tracking pair that was sent but is missing from Xero's response (Xero drops
/// unrecognised pairs silently). `sent` holds the tracking of each line as sent, in line order.
pub fn check_response(
    sent: &[Vec<LineTracking>],
    returned: &ReturnedDocument,
    path: &Path,
) -> Vec<Issue> {
    let mut issues = Vec::new();
    for (li, line) in sent.iter().enumerate() {
        let back = returned
            .line_items
            .get(li)
            .map(|l| l.tracking.as_slice())
            .unwrap_or_default();
        for t in line {
            let kept = back.iter().any(|r| {
                let same_cat = match (&t.category_id, &r.category_id) {
                    (Some(a), Some(b)) => names::same(a, b),
                    _ => r
                        .name
                        .as_deref()
                        .is_some_and(|n| names::same(n, &t.category)),
                };
                let same_opt = match (&t.option_id, &r.option_id) {
                    (Some(a), Some(b)) => names::same(a, b),
                    _ => r
                        .option
                        .as_deref()
                        .is_some_and(|o| names::same(o, &t.option)),
                };
                same_cat && same_opt
            });
            if !kept {
                issues.push(Issue::warning(
                    IssueCode::TrackingDroppedByXero,
                    path.field("lines").index(li).field("tracking").field(&t.category),
                    format!("Xero dropped tracking {} = {} from this line (it was sent but is not in Xero's response). Check the option is active in Xero, then re-apply it.", t.category, t.option),
                ));
            }
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::{remember, Prepared, Resolver, MEMO_MAX};
    use crate::input::settings::TrackingSettings;
    use crate::input::source::SourceInvoice;
    use crate::issues::{LinePath, Path};
    use std::collections::BTreeMap;

    /// Lines found through [`Prepared::mapped`] resolve exactly as through the two searches it
    /// replaces (the mapping's, then `known`'s, what resolution did before): active, archived,
    /// deleted and unknown options, padded and blank values, padded, unmapped and missing
    /// keys, every source order and stale policy.
    #[test]
    fn mapped_options_resolve_as_the_two_searches_did() {
        let snapshot = crate::input::snapshot::sample();
        let maps = serde_json::json!({
            "clinicians": {"dr-1": "Dr Aroha Smith", "dr-2": " Dr Ben Lee ", "dr-3": "Dr Old Locum",
                           "dr-4": "   ", "dr-5": "Nobody", " dr-6 ": "General", "DR-1": "dr ben lee"},
            "locations": {"north": "North", "harbour": "Harbour", "gone": "Gone", "blank": ""},
            "services": {"svc": "South", "bad": "Nowhere"}
        });
        let lines: Vec<serde_json::Value> = ["dr-1", "dr-2", "dr-3", "dr-4", "dr-5", " dr-6 ", "dr-6", " dr-1 ", "DR-1", "dr-9"]
            .iter()
            .flat_map(|c| {
                ["north", " harbour", "gone", "blank", "nowhere"].iter().flat_map(move |l| {
                    ["svc", "bad", "none"].iter().map(move |s| {
                        serde_json::json!({"description": "x", "clinicianId": c, "locationId": l, "serviceCode": s})
                    })
                })
            })
            .collect();
        let invoice: SourceInvoice =
            serde_json::from_value(serde_json::json!({"id": "t", "lines": lines})).unwrap();
        let path = Path::root("invoices").index(0);
        for sources in [
            ["clinician", "location", "service"],
            ["service", "location", "clinician"],
        ] {
            for stale in ["ignore", "error", "fallback"] {
                let category = |name: &str| {
                    let mut c = maps.clone();
                    c["category"] = name.into();
                    c["sources"] = serde_json::json!(sources);
                    c["stale"] = stale.into();
                    c["fallback"] = if name == "Clinician" {
                        "General"
                    } else {
                        "North"
                    }
                    .into();
                    c
                };
                let settings: TrackingSettings = serde_json::from_value(serde_json::json!({
                    "categories": [category("Clinician"), category("Location")]
                }))
                .unwrap();
                let prepared = Prepared::new(&snapshot, &settings);
                assert!(prepared.mapped.iter().flatten().all(Option::is_some));
                let searched = Prepared {
                    mapped: Vec::new(),
                    ..prepared.clone()
                };
                let mapped = Resolver::new(&snapshot, &settings, &prepared);
                let before = Resolver::new(&snapshot, &settings, &searched);
                for (i, line) in invoice.lines.iter().enumerate() {
                    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
                    let at = LinePath::new(&path, i);
                    let got = mapped.resolve_line(line, &invoice, at, &[], &mut ours);
                    let want = before.resolve_line(line, &invoice, at, &[], &mut theirs);
                    assert_eq!(got, want, "{sources:?} {stale} line {i}");
                    assert_eq!(ours, theirs, "{sources:?} {stale} line {i}");
                }
            }
        }
    }

    /// A memo kept for an exporter's life starts again when full instead of growing with every
    /// new value the invoices bring.
    #[test]
    fn a_full_memo_starts_again() {
        let mut map = BTreeMap::new();
        for i in 0..MEMO_MAX {
            remember(&mut map, &i.to_string(), i);
        }
        assert_eq!(map.len(), MEMO_MAX);
        remember(&mut map, "next", 0);
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("next"), Some(&0));
    }
}
