//! The valid rows' tracking assignments ([`Assignments`]), kept compactly and serialised in
//! the shape of the tracking settings' `clients` without building a map: a million rows must
//! fit in a browser tab.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::keys::KeySet;

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
/// which the resolver treats as unset). An empty cell is a clear too by default; with
/// `emptyClears: false` its category is absent instead (merging keeps what the client had), and
/// a valid row with both cells empty gives `{}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "TrackingCsvAssignments"))]
#[cfg_attr(test, ts(type = "Record<string, Record<string, string>>"))]
pub struct Assignments {
    pub(super) keys: KeySet,
    /// (entry in `keys`, [code per column]); code 0 = unset, 1 = clear, n = option n - 2.
    pub(super) rows: Vec<(usize, [u32; 2])>,
    pub(super) categories: [Option<String>; 2],
    pub(super) options: [Vec<String>; 2],
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

    /// Each valid row's key and its (category, option) cells, in file order (an empty option
    /// clears), as the JSON writes them.
    pub(super) fn entries(
        &self,
    ) -> impl Iterator<Item = (&str, impl Iterator<Item = (&str, &str)> + '_)> + '_ {
        self.rows.iter().map(|(entry, codes)| {
            let cells = self
                .cells(*codes)
                .map(|(category, assigned)| match assigned {
                    Assigned::Option(o) => (category, o),
                    Assigned::Clear => (category, ""),
                });
            (self.keys.key(*entry), cells)
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
    pub(super) fn json_len(&self) -> usize {
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
