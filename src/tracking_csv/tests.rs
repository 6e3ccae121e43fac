//! End-to-end tests of the tracking-options CSV: validation through [`validate`] and
//! [`Validator`] (valid and failing rows, header, keys, malformed rows, the issue cap, chunk
//! splits, empty lines) and the export → import round trip. Tests of one piece live with it.

use super::*;
use crate::error::ErrorCode;
use crate::input::snapshot::SnapshotInput;
use crate::issues::Severity;
use crate::money::{Num, NumError};

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
    let settings: crate::input::settings::TrackingSettings =
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
    // The canonical header wins over a column that happens to carry the category's name,
    // which is not read: said with a warning at that column (the file stays usable).
    let r = run("Client ID,Location,Xero Tracking Category 1,Xero Tracking Category 2\nc1,Somewhere,North,\n");
    assert_eq!((r.rows_valid, r.rows_failing), (1, 0));
    assert_eq!(codes(&r), vec![(IssueCode::CsvColumnDuplicate, 1, Some(2))]);
    assert_eq!(r.issues[0].severity, Severity::Warning);
    assert!(
        r.issues[0]
            .message
            .contains("column 3 \"Xero Tracking Category 1\""),
        "{}",
        r.issues[0].message
    );
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
    // Saved with semicolons (Excel where the comma is the decimal mark): the header is one
    // column that visibly holds "Client ID", so the message names the separator instead.
    let r = run("\u{FEFF}Client ID;Name;Xero Tracking Category 1;Xero Tracking Category 2\r\nc1;A;North;Sales\r\n");
    assert_eq!(r.issues[0].code, IssueCode::CsvColumnMissing);
    assert!(
        r.issues[0]
            .message
            .contains("separates its columns with semicolons"),
        "{}",
        r.issues[0].message
    );
    assert!(
        !r.issues[0].message.contains("keyColumn"),
        "{}",
        r.issues[0].message
    );
    let r = run("Client ID\tLocation\tTeam\nc1\tNorth\tSales\n");
    assert!(
        r.issues[0].message.contains("with tabs"),
        "{}",
        r.issues[0].message
    );
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
    // Rows that carry the options under the category's name (as the settings' `clients` name
    // them) get empty template columns added: read back, the import says which is not read
    // rather than clearing the option without a word.
    let by_name: Vec<ExportRow> =
        serde_json::from_str(r#"[{"Client ID": "c1", "Location": "North"}]"#).unwrap();
    let csv = export(&by_name, &ExportOptions::default()).unwrap();
    let r = validate(snapshot(), csv.as_bytes(), Options::default());
    assert_eq!(codes(&r), vec![(IssueCode::CsvColumnDuplicate, 1, Some(2))]);
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
    // A value no cell can be (a client's address object, its tags) is misuse said at its
    // path, so a list of thousands of clients says which client and which property.
    for (json, at) in [
        (
            r#"[{"Client ID": "c1"}, {"Client ID": "c2", "Address": {"City": "Nelson"}}]"#,
            r#"rows[1]["Address"]: invalid type: object"#,
        ),
        (
            r#"[{"Client ID": "c1", "Tags": ["a"]}]"#,
            r#"rows[0]["Tags"]: invalid type: array"#,
        ),
        (
            r#"[{"Client ID": "c1"}, "c2"]"#,
            r#"rows[1]: invalid type: string"#,
        ),
    ] {
        let e = serde_json::from_str::<ExportRows>(json)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with(at), "{e}");
        assert_eq!(e.matches(" at line ").count(), 1, "{e}");
    }
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

/// Regression: a file starting with two byte order marks (saved twice by a tool that adds one
/// each time) gave a different report when a chunk ended at byte 4 or 5.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_byte_order_marks_read_the_same_at_every_split() {
    let mut text =
        b"\xEF\xBB\xBF\xEF\xBB\xBFClient ID,Xero Tracking Category 1,Xero Tracking Category 2\r\n"
            .to_vec();
    text.extend_from_slice("c1,North,Sales\r\nc2,Nrth,\r\n".as_bytes());
    let snap = snapshot();
    let whole = validate(&snap, &text, Options::default());
    for i in 0..=text.len() {
        for j in i..=text.len().min(12) {
            let mut v = Validator::new(&snap, Options::default());
            v.push(&text[..i]);
            v.push(&text[i..j]);
            v.push(&text[j..]);
            assert_eq!(v.finish(), whole, "split at {i} and {j}");
        }
    }
}

/// Unquoted lines complete in a chunk bypass csv-core (`validator::unquoted_line`); pushed one
/// byte at a time no line is ever complete, so every record goes through csv-core. Both must
/// give the same report on files made of the bytes that matter to either reader.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn lines_read_without_csv_core_give_csv_core_s_report() {
    // \xC3 and \xA9 are the two halves of "é": split by commas, csv-core's output (the fields
    // back to back) is valid UTF-8 while the line is not.
    const ALPHABET: [&[u8]; 15] = [
        b"a",
        b",",
        b",",
        b"\"",
        b"\r",
        b"\n",
        b"\r\n",
        b" ",
        b"\t",
        b"'=",
        b"North",
        b"none",
        "Māori Health".as_bytes(),
        b"\xC3",
        b"\xA9",
    ];
    let snap = snapshot();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..6000 {
        let mut text = HEAD.as_bytes().to_vec();
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        for _ in 0..(seed >> 58) + 4 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            text.extend_from_slice(ALPHABET[(seed >> 33) as usize % ALPHABET.len()]);
        }
        let options = Options {
            max_issues: 50,
            ..Options::default()
        };
        let whole = validate(&snap, &text, options.clone());
        let mut v = Validator::new(&snap, options);
        for b in &text {
            v.push(std::slice::from_ref(b));
        }
        assert_eq!(v.finish(), whole, "{:?}", String::from_utf8_lossy(&text));
    }
}
