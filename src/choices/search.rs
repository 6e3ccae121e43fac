//! Contact search for mapping payers: by name, email, contact or account number, matched as the
//! export matches ([`crate::names::key`]: case and spacing do not matter, accents do), so what
//! the screen finds first is what the export would pick. Near misses ([`names::loose_key`]:
//! accents, punctuation, spacing, a company suffix) come after every real match, flagged,
//! never merged.
//!
//! Fast enough for every keystroke over 10,000 contacts: it walks the snapshot's lookup tables,
//! whose keys are already normalised (no allocation per contact), keeps one rank per contact,
//! and sorts only the hits (tests/bench/contacts.rs measures it).

use serde::Serialize;

use crate::input::snapshot::{Matches, Snapshot};
use crate::names;
use crate::Text;
use std::collections::BTreeMap;

/// Results returned when the caller gives no limit.
pub const DEFAULT_LIMIT: usize = 20;
/// The most results one search returns, whatever the limit asked.
pub const MAX_LIMIT: usize = 500;

/// How a contact matched the query, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SearchMatch {
    /// The query is its ContactID, contact number, account number, email or name: what the
    /// export would match by (the same normalisation).
    Exact,
    /// Its name starts with the query.
    NamePrefix,
    /// A word of its name starts with the query.
    WordPrefix,
    /// Its email, contact or account number starts with the query.
    FieldPrefix,
    /// The query appears inside its name, email or numbers.
    Contains,
    /// Only once accents, punctuation, spacing and company suffixes are ignored: a near miss
    /// (a different name for Xero and for the export; shown so duplicates are noticed).
    NearMiss,
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ContactHit {
    /// ContactID (what `settings.contacts.mapping` takes).
    pub contact_id: Option<Text>,
    /// Name.
    pub name: Option<Text>,
    /// ContactNumber.
    pub contact_number: Option<Text>,
    /// AccountNumber.
    pub account_number: Option<Text>,
    /// Email.
    pub email: Option<Text>,
    /// ContactStatus (ACTIVE, ARCHIVED, GDPRREQUEST).
    pub status: Option<Text>,
    /// Not ACTIVE: the export refuses to use it (CONTACT_ARCHIVED).
    pub archived: bool,
    /// How it matched.
    pub matched: SearchMatch,
}

/// Up to `limit` contacts matching `query`, best match first; within a kind of match ACTIVE
/// contacts first, then Xero's order. An empty query finds nothing.
pub fn search_contacts(snapshot: &Snapshot, query: &str, limit: usize) -> Vec<ContactHit> {
    let q = names::key(query);
    if q.is_empty() || limit == 0 {
        return Vec::new();
    }
    let mut rank: Vec<Option<SearchMatch>> = vec![None; snapshot.contacts.len()];
    let mut better = |i: usize, m: SearchMatch| {
        if let Some(r) = rank.get_mut(i) {
            if r.is_none_or(|old| m < old) {
                *r = Some(m);
            }
        }
    };
    if let Some(i) = snapshot.contact_by_id.get(&q) {
        better(*i, SearchMatch::Exact);
    }
    scan(&snapshot.contact_by_name, &mut better, |k| {
        name_match(k, &q)
    });
    for table in [
        &snapshot.contact_by_email,
        &snapshot.contact_by_number,
        &snapshot.contact_by_account_number,
    ] {
        scan(table, &mut better, |k| field_match(k, &q));
    }
    let loose = names::loose_key(query);
    if !loose.is_empty() {
        scan(snapshot.contact_by_loose_name(), &mut better, |k| {
            k.contains(loose.as_str()).then_some(SearchMatch::NearMiss)
        });
    }
    ranked(snapshot, &rank, limit.min(MAX_LIMIT))
}

/// Calls `better(i, m)` for each contact of each key the test matches.
fn scan(
    table: &BTreeMap<String, Matches>,
    better: &mut impl FnMut(usize, SearchMatch),
    test: impl Fn(&str) -> Option<SearchMatch>,
) {
    for (key, found) in table {
        if let Some(m) = test(key) {
            for i in found {
                better(*i, m);
            }
        }
    }
}

fn name_match(key: &str, q: &str) -> Option<SearchMatch> {
    if key == q {
        Some(SearchMatch::Exact)
    } else if key.starts_with(q) {
        Some(SearchMatch::NamePrefix)
    } else if key.match_indices(q).any(|(at, _)| {
        key.get(..at)
            .is_some_and(|before| before.ends_with(|c: char| !c.is_alphanumeric()))
    }) {
        Some(SearchMatch::WordPrefix)
    } else if key.contains(q) {
        Some(SearchMatch::Contains)
    } else {
        None
    }
}

fn field_match(key: &str, q: &str) -> Option<SearchMatch> {
    if key == q {
        Some(SearchMatch::Exact)
    } else if key.starts_with(q) {
        Some(SearchMatch::FieldPrefix)
    } else if key.contains(q) {
        Some(SearchMatch::Contains)
    } else {
        None
    }
}

/// The ranked contacts as hits: by match, ACTIVE first, then Xero's order.
fn ranked(snapshot: &Snapshot, rank: &[Option<SearchMatch>], limit: usize) -> Vec<ContactHit> {
    let mut hits: Vec<(SearchMatch, bool, usize)> = rank
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let c = snapshot.contacts.get(i)?;
            Some(((*m)?, !c.is_active(), i))
        })
        .collect();
    hits.sort_unstable();
    hits.into_iter()
        .take(limit)
        .filter_map(|(matched, archived, i)| {
            let c = snapshot.contacts.get(i)?;
            Some(ContactHit {
                contact_id: c.contact_id.clone(),
                name: c.name.clone(),
                contact_number: c.contact_number.clone(),
                account_number: c.account_number.clone(),
                email: c.email.clone(),
                status: c.status.clone(),
                archived,
                matched,
            })
        })
        .collect()
}
