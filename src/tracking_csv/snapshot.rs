//! The part of the host's snapshot the CSV checks read: the tracking categories, nothing else.
//!
//! The validator is given the same snapshot object as `Exporter`, but only its tracking
//! categories decide a row. Reading the whole snapshot ([`crate::SnapshotInput`]) would put every
//! resource's deserializer (contacts, accounts, items...) into the CSV-only `.wasm` (about
//! 80 KB of code, measured with scripts/wasm-profile.mjs) and spend time on a large contact
//! list for nothing. The other parts are skipped as JSON (still checked to be JSON), not read:
//! a malformed contact list is the exporter's to report, not the CSV check's.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;

use crate::input::snapshot::{List, Snapshot, TrackingCategory};

/// The snapshot keys read here, spelt as [`crate::SnapshotInput`] accepts them; read by hand
/// as that one is, so that both take and refuse the same shapes (an object only, a part once).
#[derive(Default)]
struct TrackingPart {
    tracking_categories: Option<List<TrackingCategory>>,
}

impl<'de> Deserialize<'de> for TrackingPart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TrackingPartVisitor)
    }
}

struct TrackingPartVisitor;

impl<'de> Visitor<'de> for TrackingPartVisitor {
    type Value = TrackingPart;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(crate::input::snapshot::SNAPSHOT_SHAPE)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TrackingPart, A::Error> {
        let mut part = TrackingPart::default();
        let mut seen = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if matches!(&*key, "trackingCategories" | "TrackingCategories") {
                if std::mem::replace(&mut seen, true) {
                    return Err(de::Error::duplicate_field("trackingCategories"));
                }
                part.tracking_categories = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(part)
    }
}

/// Reads a snapshot's tracking categories from its JSON text; the other parts are skipped.
///
/// Only `tracking_categories` is set: the result is for the CSV checks, not for an exporter
/// (its other parts are empty and none is recorded as missing). It is not built through
/// [`Snapshot::new`], whose lookup tables, lock dates and missing-part messages the CSV checks
/// never read: that code was about 10 KB of the CSV-only `.wasm`.
///
/// # Errors
/// Text that is not JSON, or tracking categories of the wrong shape (the same errors as
/// reading them through [`crate::SnapshotInput`]).
pub fn read_snapshot(text: &str) -> Result<Snapshot, serde_json::Error> {
    let part: TrackingPart = serde_json::from_str(text)?;
    let mut snapshot = Snapshot::default();
    snapshot.tracking_categories = part.tracking_categories.map(|l| l.0).unwrap_or_default();
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::read_snapshot;
    use crate::tracking_csv::{validate, Options};

    const CATEGORIES: &str = r#"{"TrackingCategories": [
        {"TrackingCategoryID": "1", "Name": "Region", "Status": "ACTIVE",
         "Options": [{"TrackingOptionID": "a", "Name": "North", "Status": "ACTIVE"}]},
        {"TrackingCategoryID": "2", "Name": "Team", "Status": "ACTIVE",
         "Options": [{"TrackingOptionID": "b", "Name": "Blue", "Status": "ACTIVE"}]}]}"#;

    #[test]
    fn the_other_parts_are_skipped_even_when_the_exporter_would_reject_them() {
        let text = format!(
            r#"{{"contacts": 5, "items": {{"x": [1]}}, "trackingCategories": {CATEGORIES}}}"#
        );
        let snapshot = read_snapshot(&text).unwrap();
        let csv = b"Client ID,Xero Tracking Category 1,Xero Tracking Category 2\nc1,North,Blue\nc2,South,Blue\n";
        let report = validate(&snapshot, csv, Options::default());
        assert_eq!((report.rows_valid, report.rows_failing), (1, 1));
    }

    #[test]
    fn the_same_categories_as_the_full_snapshot_reader() {
        let text = format!(r#"{{"TrackingCategories": {CATEGORIES}}}"#);
        let narrow = read_snapshot(&text).unwrap();
        let input: crate::SnapshotInput = serde_json::from_str(&text).unwrap();
        let full = crate::Snapshot::new(input);
        assert_eq!(
            format!("{:?}", narrow.tracking_categories),
            format!("{:?}", full.tracking_categories)
        );
    }

    #[test]
    fn bad_categories_and_text_that_is_not_json_are_errors() {
        assert!(read_snapshot(r#"{"trackingCategories": 5}"#).is_err());
        assert!(read_snapshot(r#"{"contacts": [}"#).is_err());
        // Where the full reader accepts or rejects the text's shape, so does this one.
        for text in [
            "[]",
            "null",
            "5",
            r#"{"trackingCategories": null}"#,
            r#"{"trackingCategories": []}"#,
            r#"{"trackingCategories": [], "TrackingCategories": []}"#,
            r#"[[], [], [], []]"#,
        ] {
            let full = serde_json::from_str::<crate::SnapshotInput>(text).is_ok();
            assert_eq!(read_snapshot(text).is_ok(), full, "{text}");
        }
    }
}
